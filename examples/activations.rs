//! Explain a network from its activations alone: reads a folder of `.npy`
//! files written by any framework (see README, "Activations from another
//! framework"), explains one test decision and drills down into a conjunct.
//!
//! ```text
//! cargo run --release --example activations -- DIR [--layer 14 --drill 6 --image 0]
//! cargo run --release --example activations -- DIR --export   # write DIR first, from the shipped model
//! ```
//!
//! `--export` writes the folder from the shipped Fashion-MNIST model on the
//! embedded data (layers 6, 14 and 17 of `--size` images of each set), so that
//! the example runs offline; a folder exported from PyTorch reads the same way.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use nnitp::core::{
    Activations, Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split,
};
use nnitp::models::zoo::ModelKind;
use nnitp::models::Setup;

mod common;

/// Explain a decision from activations saved as `.npy` files.
#[derive(Parser)]
struct Args {
    /// Folder with geometry.json, train/layer_<i>.npy and test/layer_<i>.npy.
    dir: PathBuf,
    /// Write the folder from the shipped Fashion-MNIST model first.
    #[arg(long)]
    export: bool,
    /// Images of each set to export.
    #[arg(long, default_value_t = 2000)]
    size: usize,
    /// The layer of the explanation (default: the deepest given below the output).
    #[arg(long)]
    layer: Option<usize>,
    /// The layer to drill down to (default: the next given below `--layer`).
    #[arg(long)]
    drill: Option<usize>,
    /// The test sample to explain.
    #[arg(long, default_value_t = 0)]
    image: usize,
}

/// Writes layers 6, 14 and 17 of the shipped model on the embedded data.
fn export(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let kind = ModelKind::FashionMnist;
    let loaded = Setup::new(kind, nnitp::burn::tensor::Device::flex())
        .with_embedded_data()
        .load()?;
    let geometry = nnitp::core::Network::geometry(&loaded.model).clone();
    let config = ExplainerConfig::new(vec![6, 14]).with_size(args.size);
    let ex = loaded
        .explainer(config)?
        .with_observer(common::progress_bar());
    let mut acts = Activations::new(geometry);
    for split in [Split::Train, Split::Test] {
        for layer in [6, 14, 17] {
            acts = acts.with_layer(
                split,
                layer,
                ex.activations(split, layer)?.view().to_owned(),
            )?;
        }
    }
    acts.write_dir(&args.dir)?;
    println!("exported layers 6, 14, 17 to {}", args.dir.display());
    Ok(())
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.export {
        export(args)?;
    }
    let start = Instant::now();
    let acts = Activations::read_dir(&args.dir)?;
    let given = acts.layers(Split::Train);
    let output = acts.geometry().len() - 1;
    println!(
        "read layers {given:?} of {} training and {} test samples in {:.2} s",
        acts.len(Split::Train).unwrap_or(0),
        acts.len(Split::Test).unwrap_or(0),
        start.elapsed().as_secs_f64()
    );
    let below = |l: usize| given.iter().rev().copied().find(|&g| g < l);
    let layer = args
        .layer
        .or_else(|| below(output))
        .ok_or("no layer below the output was given")?;
    let drill = args.drill.or_else(|| below(layer));
    let mut layers = vec![layer];
    layers.extend(drill);
    let size = acts.len(Split::Train).unwrap_or(0).max(1);
    let ex = Explainer::from_activations(acts, ExplainerConfig::new(layers).with_size(size))?;
    let class = *ex
        .predictions(Split::Test)?
        .get(args.image)
        .ok_or("--image is out of range")?;
    println!("test sample {}: classified {class}", args.image);
    let premise = Premise::test(args.image);
    let conclusion = LayerPredicate::new(output, Predicate::IsMax(class));
    let first = ex.explain(premise, &conclusion, layer)?;
    println!("{first}");
    if let Some(drill) = drill {
        let conjunct = first.conjunct(0)?;
        println!("drilling down into {conjunct} at layer {drill}");
        println!("{}", ex.explain(premise, &conjunct, drill)?);
    }
    Ok(())
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
