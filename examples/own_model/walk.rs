//! The walk both "own model" examples take: train the model briefly on the
//! embedded Fashion-MNIST sample, build an explainer (which runs a few images
//! through every layer and checks each output against the declared
//! geometry), explain the first test image it gets wrong at the upper layer,
//! drill one conjunct down to the lower layer, and print each conjunct's
//! input region.

use nnitp::burn::tensor::Device;
use nnitp::core::network::Network;
use nnitp::core::{ActivationSource, Split};
use nnitp::core::{Explainer, ExplainerConfig, Explanation, LayerPredicate, Predicate, Premise};
use nnitp::models::data::embedded_fashion_mnist;

use super::training::{self, Classifier};

/// Trains `model` for `epochs`, then explains at `layers[1]` and drills down
/// to `layers[0]`.
///
/// # Errors
/// Any step's error.
pub fn run<M>(model: M, epochs: usize, layers: [usize; 2]) -> Result<(), Box<dyn std::error::Error>>
where
    M: Classifier + Network + Send + Sync + 'static,
{
    let device = Device::flex();
    let data = embedded_fashion_mnist()?;
    let model = training::train(
        model,
        &data.train.images,
        &data.train.labels,
        epochs,
        &device,
        |epoch, loss| println!("epoch {epoch}: mean loss {loss:.4}"),
    );
    let config = ExplainerConfig::new(layers.to_vec()).with_size(2000);
    let ex = Explainer::new(model, data.train.images, data.test.images, config)?;
    let predictions = ex.predictions(Split::Test)?;
    let labels = &data.test.labels;
    let index = (0..predictions.len())
        .find(|&i| predictions[i] != usize::from(labels[i]))
        .ok_or("the model gets every test image right")?;
    let class = predictions[index];
    println!(
        "explaining test image {index}: labelled {}, classified {class}",
        labels[index]
    );
    let premise = Premise::test(index);
    let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
    let first = ex.explain(premise, &conclusion, layers[1])?;
    print_with_regions(&ex, &first)?;
    let conjunct = first.conjunct(0)?;
    println!("drilling down into {conjunct} at layer {}", layers[0]);
    let second = ex.explain(premise, &conjunct, layers[0])?;
    print_with_regions(&ex, &second)
}

/// Prints an explanation and the input region (rows, columns) each of its
/// conjuncts depends on.
fn print_with_regions<S: ActivationSource>(
    ex: &Explainer<S>,
    e: &Explanation,
) -> Result<(), Box<dyn std::error::Error>> {
    println!("{e}");
    for (i, b) in e.interpolant.bounds().iter().enumerate() {
        let r = ex.input_box(e.layer, &b.unit)?;
        let (rows, cols) = (&r.ranges()[0], &r.ranges()[1]);
        println!(
            "  conjunct {i}: {b} reads input rows {}..{}, columns {}..{}",
            rows.start, rows.end, cols.start, cols.end
        );
    }
    Ok(())
}
