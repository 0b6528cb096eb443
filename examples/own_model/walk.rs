//! The walk both "own model" examples take: train the model briefly on the
//! embedded Fashion-MNIST sample (or load its weights), build an explainer
//! (which runs a few images through every layer and checks each output against
//! the declared geometry), explain the first test image it gets wrong at the
//! upper layer, drill one conjunct down to the lower layer, and print each
//! conjunct's input region.

use std::path::PathBuf;
use std::time::Instant;

use nnitp::burn::tensor::Device;
use nnitp::core::network::Network;
use nnitp::core::{Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};
use nnitp::models::data::embedded_fashion_mnist;

use super::common;
use super::training::{self, Classifier};

/// The options both examples take (besides the number of epochs).
#[derive(clap::Args)]
pub struct WalkArgs {
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    pub device: String,
    /// Load these weights instead of training.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Save the trained weights here.
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Explain this test image (default: the first one the model gets wrong).
    #[arg(long)]
    pub image: Option<usize>,
    #[command(flatten)]
    pub cache: common::CacheArgs,
}

/// Walks the model `new` builds: `epochs` of training (unless `--weights`),
/// then an explanation at `layers[1]` drilled down to `layers[0]`.
///
/// # Errors
/// Any step's error, as a message.
pub fn run<M>(
    new: impl FnOnce(&Device) -> nnitp::core::Result<M>,
    epochs: usize,
    args: &WalkArgs,
    layers: [usize; 2],
) -> Result<(), Box<dyn std::error::Error>>
where
    M: Classifier + Network + Send + Sync + 'static,
{
    let started = Instant::now();
    let device = nnitp::models::device::parse(&args.device)?;
    let data = embedded_fashion_mnist()?;
    let classes = data.train.kind.classes();
    let model = new(&device)?;
    let model = match &args.weights {
        Some(path) => model.try_load_file(path).map_err(|e| e.to_string())?,
        None => training::train(
            model,
            &data.train.images,
            &data.train.labels,
            epochs,
            &device,
            |epoch, loss| println!("epoch {epoch}: mean loss {loss:.4}"),
        ),
    };
    if let Some(path) = &args.save {
        model.clone().save_file(path).map_err(|e| e.to_string())?;
        println!("saved {}", path.display());
    }
    println!("model ready in {:.1} s", started.elapsed().as_secs_f64());

    let config = ExplainerConfig::new(layers.to_vec())
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
    let first = ex.explain(premise, &conclusion, layers[1])?;
    println!("{first}");
    common::print_input_regions(&ex, &first)?;
    let conjunct = first.conjunct(0)?;
    println!("drilling down into {conjunct} at layer {}", layers[0]);
    let second = ex.explain(premise, &conjunct, layers[0])?;
    println!("{second}");
    common::print_input_regions(&ex, &second)?;
    println!("total {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
