//! Measures a zoo model's accuracy on its full test set.
//!
//! ```text
//! cargo run --release --example evaluate -- --model fashion-mnist [--data DIR] [--weights FILE]
//! ```
//!
//! The last line printed is `test accuracy: 0.9xxx`.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use nnitp::models::train::accuracy;

mod common;
use common::{CacheArgs, ModelArgs};

/// Evaluate a zoo model on its test set.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// Images per forward pass.
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
    #[command(flatten)]
    cache: CacheArgs,
}

fn run(args: &Args) -> nnitp::models::Result<()> {
    args.cache.keep_gpu_kernels();
    let loaded = args.model.load()?;
    let kind = loaded.kind;
    let test = &loaded.splits.test;
    println!(
        "model {}: {} test images from {}",
        kind.name(),
        test.len(),
        loaded.splits.source
    );
    let start = Instant::now();
    let acc = accuracy(&loaded.model, test, args.batch_size)?;
    let secs = start.elapsed().as_secs_f64();
    println!("{:.0} images/s", test.len() as f64 / secs.max(1e-9));
    println!("test accuracy: {acc:.4}");
    Ok(())
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
