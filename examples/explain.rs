//! Explain a decision with the library: the shipped Fashion-MNIST model on
//! the embedded data, a test image it gets wrong explained at its last
//! explanation layer, then one conjunct of that explanation drilled down to
//! the layer below. `nnitp explain` does the same with every option.
//!
//! ```sh
//! cargo run --release --example explain
//! ```

use nnitp::burn::tensor::Device;
use nnitp::core::{LayerPredicate, Predicate, Premise, Split};
use nnitp::models::zoo::ModelKind;
use nnitp::models::Setup;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let kind = ModelKind::FashionMnist;
    let loaded = Setup::new(kind, Device::flex())
        .with_embedded_data()
        .load()?;
    let labels = loaded.splits.test.labels.clone();
    let ex = loaded.explainer(kind.explainer_config().with_size(1000))?;

    // the first test image the network gets wrong
    let predictions = ex.predictions(Split::Test)?;
    let index = (0..predictions.len())
        .find(|&i| predictions[i] != usize::from(labels[i]))
        .ok_or("the network gets every image right")?;
    let class = predictions[index];
    println!(
        "test image {index}: labelled {}, classified {class}",
        labels[index]
    );

    // why: a conjunction of bounds on layer 14 that implies the class
    let premise = Premise::test(index);
    let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
    let layer = *ex.layers().last().ok_or("no explanation layer")?;
    let first = ex.explain(premise, &conclusion, layer)?;
    println!("{first}\n{}", first.intervals_line());

    // and why that conjunct holds, one explanation layer down
    if let (Some(below), false) = (ex.previous_layer(layer), first.interpolant.is_empty()) {
        let conjunct = first.conjunct(0)?;
        println!("drilling down into {conjunct} at layer {below}");
        let second = ex.explain(premise, &conjunct, below)?;
        println!("{second}\n{}", second.intervals_line());
    }
    Ok(())
}
