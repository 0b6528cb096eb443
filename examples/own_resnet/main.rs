//! Explain your own residual network: a ResNet defined in `model.rs` (skip
//! connections and a projection on the skip path, declared once), trained
//! briefly on the embedded Fashion-MNIST sample, then one decision explained
//! at the second block's output (layer 18), one conjunct drilled down to the
//! first block's output (layer 9), and each conjunct's input region printed:
//! cones run through the sums and the skip paths.
//!
//! ```sh
//! cargo run --release --example own_resnet [EPOCHS]
//! ```

mod model;
#[path = "../own_model/training.rs"]
mod training;
#[path = "../own_model/walk.rs"]
mod walk;

/// Explanations use the outputs of the two residual blocks.
const LAYERS: [usize; 2] = [9, 18];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs = match std::env::args().nth(1) {
        Some(e) => e
            .parse()
            .map_err(|_| format!("not a number of epochs: {e}"))?,
        None => 2,
    };
    let model = model::SmallResNet::new(&nnitp::burn::tensor::Device::flex())?;
    walk::run(model, epochs, LAYERS)
}
