//! Explain your own burn model: a CNN defined in `model.rs` (not the zoo),
//! trained briefly on the embedded Fashion-MNIST sample, then one decision
//! explained at layer 5, one conjunct drilled down to layer 2, and each
//! conjunct's input region printed.
//!
//! ```sh
//! cargo run --release --example own_model [EPOCHS]
//! ```

mod model;
mod training;
mod walk;

/// Explanations use the two pooling layers.
const LAYERS: [usize; 2] = [2, 5];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs = match std::env::args().nth(1) {
        Some(e) => e
            .parse()
            .map_err(|_| format!("not a number of epochs: {e}"))?,
        None => 3,
    };
    let model = model::SmallCnn::new(&nnitp::burn::tensor::Device::flex())?;
    walk::run(model, epochs, LAYERS)
}
