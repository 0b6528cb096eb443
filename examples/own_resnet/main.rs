//! Explain your own residual network: a ResNet defined in `model.rs` (skip
//! connections and a projection on the skip path, declared once), trained
//! briefly on the embedded Fashion-MNIST sample (or loaded with `--weights`),
//! then one decision explained at the second block's output (layer 18), one
//! conjunct drilled down to the first block's output (layer 9), and each
//! conjunct's input region printed: cones run through the sums and the skip
//! paths.
//!
//! ```sh
//! cargo run --release --example own_resnet [-- --device flex|ndarray|wgpu --epochs 2 --image 0 --weights FILE --save FILE]
//! ```

#[path = "../common/mod.rs"]
mod common;
mod model;
#[path = "../own_model/training.rs"]
mod training;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use nnitp::burn::module::Module;
use nnitp::core::{Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};
use nnitp::models::data::embedded_fashion_mnist;

use model::SmallResNet;

/// Explain a decision of a residual network defined in this example.
#[derive(Parser)]
struct Args {
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    device: String,
    /// Training epochs over the 10000 embedded training images.
    #[arg(long, default_value_t = 2)]
    epochs: usize,
    /// Load these weights instead of training.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Save the trained weights here.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Explain this test image (default: the first one the model gets wrong).
    #[arg(long)]
    image: Option<usize>,
    #[command(flatten)]
    cache: common::CacheArgs,
}

/// Explanations use the outputs of the two residual blocks.
const LAYERS: [usize; 2] = [9, 18];

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let device = nnitp::models::device::parse(&args.device)?;
    let data = embedded_fashion_mnist()?;
    let classes = data.train.kind.classes();
    let model = SmallResNet::new(&device)?;
    let model = match &args.weights {
        Some(path) => model.try_load_file(path).map_err(|e| e.to_string())?,
        None => training::train(
            model,
            &data.train.images,
            &data.train.labels,
            args.epochs,
            &device,
            |epoch, loss| println!("epoch {epoch}: mean loss {loss:.4}"),
        ),
    };
    if let Some(path) = &args.save {
        model.clone().save_file(path).map_err(|e| e.to_string())?;
        println!("saved {}", path.display());
    }
    println!("model ready in {:.1} s", started.elapsed().as_secs_f64());

    let config = ExplainerConfig::new(LAYERS.to_vec())
        .with_size(2000)
        .with_cache(args.cache.dir());
    let ex = Explainer::new(model, data.train.images, data.test.images, config)?
        .with_observer(common::progress_bar());
    let predictions = ex.predictions(Split::Test)?;
    let labels = &data.test.labels;
    let right = predictions
        .iter()
        .zip(labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    println!(
        "test accuracy {:.4} on {} images",
        right as f64 / predictions.len() as f64,
        predictions.len()
    );
    let index = match args.image {
        Some(i) => i,
        None => (0..predictions.len())
            .find(|&i| predictions[i] != usize::from(labels[i]))
            .ok_or("the model gets every test image right")?,
    };
    let class = *predictions.get(index).ok_or("--image is out of range")?;
    let label = usize::from(*labels.get(index).ok_or("--image is out of range")?);
    println!(
        "explaining test image {index}: labelled {label} ({}), classified {class} ({})",
        classes[label], classes[class]
    );
    let premise = Premise::test(index);
    let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
    let first = ex.explain(premise, &conclusion, LAYERS[1])?;
    println!("{first}");
    common::print_input_regions(&ex, &first)?;
    let conjunct = first.conjunct(0)?;
    println!("drilling down into {conjunct} at layer {}", LAYERS[0]);
    let second = ex.explain(premise, &conjunct, LAYERS[0])?;
    println!("{second}");
    common::print_input_regions(&ex, &second)?;
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
