//! Trains a zoo model and saves its weights.
//!
//! ```text
//! cargo run --release --example train -- --model fashion-mnist --epochs 4 --out fashion-mnist.bpk
//! ```
//!
//! Reads the dataset from `--data DIR` (or `$NNITP_DATA`, or, for Fashion-MNIST,
//! Debian's `dataset-fashion-mnist` folder or the embedded sample), trains with
//! Adam on shuffled mini-batches, prints each epoch's loss and train/test accuracy,
//! and saves the weights after every epoch (burnpack format).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use nnitp::models::data;
use nnitp::models::train::{train, TrainConfig};
use nnitp::models::zoo::ModelKind;

mod common;

/// Train a zoo model.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Model: cifar10, fashion-mnist, fashion-mnist-resnet or mnist.
    #[arg(long, default_value = "fashion-mnist")]
    model: String,
    /// Dataset folder (default: $NNITP_DATA, Debian's folder, or the embedded sample).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Where to write the weights.
    #[arg(long, default_value = "weights.bpk")]
    out: PathBuf,
    /// Passes over the training set.
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Images per step.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    learning_rate: f64,
    /// Factor applied to the learning rate after each epoch.
    #[arg(long, default_value_t = 1.0)]
    lr_decay: f64,
    /// Seed of the weight initialisation, dropout and the mini-batch order:
    /// the same seed, data and device give the same weights.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use only the first N training images.
    #[arg(long)]
    limit: Option<usize>,
    /// Start from these weights instead of a fresh initialisation.
    #[arg(long)]
    resume: Option<PathBuf>,
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    device: String,
    #[command(flatten)]
    cache: common::CacheArgs,
}

fn run(args: &Args) -> nnitp::models::Result<()> {
    args.cache.keep_gpu_kernels();
    let kind = ModelKind::from_name(&args.model)?;
    let device = nnitp::models::device::parse(&args.device)?;
    let splits = data::load(kind.dataset(), args.data.as_deref())?;
    let train_set = match args.limit {
        Some(n) => splits.train.head(n),
        None => splits.train.clone(),
    };
    println!(
        "training {} on {} images from {} ({} test), device {}",
        kind.name(),
        train_set.len(),
        splits.source,
        splits.test.len(),
        args.device
    );
    let config = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.learning_rate,
        lr_decay: args.lr_decay,
        seed: args.seed,
    };
    // the device's random numbers: initialisation and dropout
    device.seed(args.seed);
    let model = match &args.resume {
        Some(p) => kind.load(Some(p), &device)?,
        None => kind.init(&device)?,
    };
    let mut saved = Ok(());
    let bar = common::progress_bar();
    train(
        model,
        &train_set,
        &splits.test,
        &config,
        &device,
        &bar,
        |r, m| {
            println!(
                "epoch {}: loss {:.4}, train accuracy {:.4}, test accuracy {:.4}, {:.0} s",
                r.epoch, r.loss, r.train_accuracy, r.test_accuracy, r.seconds
            );
            // save after every epoch, so that an interrupted run keeps its progress
            if saved.is_ok() {
                saved = m.save(&args.out);
                println!("saved {}", args.out.display());
            }
        },
    )?;
    saved
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
