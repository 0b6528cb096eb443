//! Explain your own burn model: a CNN defined in `model.rs` (not the zoo),
//! trained briefly on the embedded Fashion-MNIST sample (or loaded with
//! `--weights`), then one decision explained at layer 5, one conjunct drilled
//! down to layer 2, and each conjunct's input region printed.
//!
//! ```sh
//! cargo run --release --example own_model [-- --device flex|ndarray|wgpu --epochs 3 --image 0 --weights FILE --save FILE]
//! ```

#[path = "../common/mod.rs"]
mod common;
mod model;
mod training;
mod walk;

use std::process::ExitCode;

use clap::Parser;

/// Explain a decision of a CNN defined in this example.
#[derive(Parser)]
struct Args {
    /// Training epochs over the 10000 embedded training images.
    #[arg(long, default_value_t = 3)]
    epochs: usize,
    #[command(flatten)]
    walk: walk::WalkArgs,
}

/// Explanations use the two pooling layers.
const LAYERS: [usize; 2] = [2, 5];

fn main() -> ExitCode {
    let args = Args::parse();
    common::finish(walk::run(
        model::SmallCnn::new,
        args.epochs,
        &args.walk,
        LAYERS,
    ))
}
