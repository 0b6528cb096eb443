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
#[path = "../own_model/walk.rs"]
mod walk;

use std::process::ExitCode;

use clap::Parser;

/// Explain a decision of a residual network defined in this example.
#[derive(Parser)]
struct Args {
    /// Training epochs over the 10000 embedded training images.
    #[arg(long, default_value_t = 2)]
    epochs: usize,
    #[command(flatten)]
    walk: walk::WalkArgs,
}

/// Explanations use the outputs of the two residual blocks.
const LAYERS: [usize; 2] = [9, 18];

fn main() -> ExitCode {
    let args = Args::parse();
    common::finish(walk::run(
        model::SmallResNet::new,
        args.epochs,
        &args.walk,
        LAYERS,
    ))
}
