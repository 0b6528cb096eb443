//! `nnitp train`: train a zoo model and save its weights after every epoch.

use std::path::PathBuf;

use clap::Args;
use nnitp::models::data;
use nnitp::models::train::{train, TrainConfig};

use super::emit;
use crate::args::Shared;
use crate::model::ModelRef;
use crate::progress::Bars;
use crate::Failure;

/// The examples `nnitp train --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp train --epochs 4 --out fashion-mnist.bpk
  nnitp train --model mnist --data DIR --device wgpu --out mnist.bpk";

/// Options of `nnitp train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Where to write the weights (burnpack format).
    #[arg(long, default_value = "weights.bpk", value_name = "FILE")]
    pub out: PathBuf,
    /// Passes over the training set.
    #[arg(long, default_value_t = 4, allow_negative_numbers = true)]
    pub epochs: usize,
    /// Images per step.
    #[arg(long, default_value_t = 64, allow_negative_numbers = true)]
    pub batch_size: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    pub learning_rate: f64,
    /// Factor applied to the learning rate after each epoch.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub lr_decay: f64,
    /// Seed of the weight initialisation, dropout and the mini-batch order:
    /// the same seed, data and device give the same weights.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub seed: u64,
    /// Use only the first N training images.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<usize>,
    /// Start from these weights instead of a fresh initialisation.
    #[arg(long, value_name = "FILE")]
    pub resume: Option<PathBuf>,
}

/// Runs `nnitp train`: one line per epoch (loss, train and test accuracy,
/// or RMSE for a model of a number).
///
/// # Errors
/// The data cannot be read; training diverges; the weights cannot be saved.
pub fn run(args: &TrainArgs, shared: &Shared) -> Result<(), Failure> {
    let kind = ModelRef::parse(&shared.model)?.zoo("train")?;
    let device = shared.device.device()?;
    let splits = if shared.embedded {
        data::embedded_fashion_mnist()?
    } else {
        data::load(kind.dataset(), shared.data.as_deref())?
    };
    if splits.train.kind != kind.dataset() {
        return Err(Failure::new(format!(
            "--embedded holds Fashion-MNIST, not the data of {}",
            kind.name()
        )));
    }
    let train_set = match args.limit {
        Some(n) => splits.train.head(n),
        None => splits.train.clone(),
    };
    shared.note(format!(
        "training {} on {} {} from {} ({} test), device {}",
        kind.name(),
        train_set.len(),
        if kind.dataset().is_table() {
            "rows"
        } else {
            "images"
        },
        splits.source,
        splits.test.len(),
        shared.device.as_str()
    ));
    let config = TrainConfig::new()
        .with_epochs(args.epochs)
        .with_batch_size(args.batch_size)
        .with_learning_rate(args.learning_rate)
        .with_lr_decay(args.lr_decay)
        .with_seed(args.seed)
        .check()?;
    // the device's random numbers: initialisation and dropout
    device.seed(args.seed);
    let model = match &args.resume {
        Some(p) => kind.load(Some(p), &device)?,
        None => kind.init(&device)?,
    };
    let bars = Bars::new(shared.quiet);
    let mut saved = Ok(());
    train(
        model,
        &train_set,
        &splits.test,
        &config,
        &device,
        &bars.observer,
        |r, m| {
            emit(format!(
                "epoch {}: loss {:.4}, train {}, test {}, {:.0} s",
                r.epoch, r.loss, r.train, r.test, r.seconds
            ));
            // saved after every epoch, so that an interrupted run keeps its progress
            if saved.is_ok() {
                saved = m.save(&args.out);
                if saved.is_ok() {
                    shared.note(format!("saved {}", args.out.display()));
                }
            }
        },
    )?;
    Ok(saved?)
}
