//! Explain a network from its activations alone: a folder of `.npy` files
//! written by any framework (see `docs/activations.md`) explained without the network. `nnitp explain --model DIR`
//! does the same with every option, and `nnitp export DIR` writes such a
//! folder from a zoo model.
//!
//! ```sh
//! nnitp export acts --embedded --size 1000
//! cargo run --release --example activations -- acts
//! ```

use nnitp::core::Split;
use nnitp::core::{Activations, Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: activations DIR (a folder of geometry.json, train/ and test/)")?;
    let acts = Activations::read_dir(&dir)?;
    let output = acts.geometry().len() - 1;
    // the layers given below the output, deepest last
    let layers = acts.hidden_layers();
    let size = acts.len(Split::Train).unwrap_or(0);
    let ex = Explainer::from_activations(acts, ExplainerConfig::new(layers).with_size(size))?;

    let class = *ex
        .predictions(Split::Test)?
        .first()
        .ok_or("no test sample")?;
    println!("test sample 0: classified {class}");
    let premise = Premise::test(0);
    let conclusion = LayerPredicate::new(output, Predicate::IsMax(class));
    let layer = *ex.layers().last().ok_or("no layer below the output")?;
    let first = ex.explain(premise, &conclusion, layer)?;
    println!("{first}");
    if let (Some(below), false) = (ex.previous_layer(layer), first.interpolant.is_empty()) {
        let conjunct = first.conjunct(0)?;
        println!("drilling down into {conjunct} at layer {below}");
        println!("{}", ex.explain(premise, &conjunct, below)?);
    }
    Ok(())
}
