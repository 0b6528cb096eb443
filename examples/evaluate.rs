//! Measures a zoo model's accuracy on its full test set.
//!
//! ```text
//! cargo run --release --example evaluate -- --model fashion-mnist [--data DIR] [--weights FILE]
//! ```
//!
//! The last line printed is `test accuracy: 0.9xxx`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use nnitp::models::train::accuracy;
use nnitp::models::zoo::ModelKind;
use nnitp::models::Setup;

/// Evaluate a zoo model on its test set.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Model: fashion-mnist, mnist or cifar10.
    #[arg(long, default_value = "fashion-mnist")]
    model: String,
    /// Dataset folder (default: $NNITP_DATA, Debian's folder, or the embedded sample).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Weights file (default: the shipped Fashion-MNIST weights).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    device: String,
    /// Images per forward pass.
    #[arg(long, default_value_t = 500)]
    batch_size: usize,
}

fn run(args: &Args) -> nnitp::models::Result<()> {
    let kind = ModelKind::from_name(&args.model)?;
    let device = nnitp::models::device::parse(&args.device)?;
    let loaded = Setup::new(kind, device)
        .with_data(args.data.as_ref())
        .with_weights(args.weights.as_ref())
        .load()?;
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
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
