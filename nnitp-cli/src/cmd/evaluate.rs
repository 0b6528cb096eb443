//! `nnitp evaluate`: a zoo model's accuracy on its test set.

use std::time::Instant;

use clap::Args;
use nnitp::models::train::accuracy;

use super::emit;
use crate::args::Shared;
use crate::model::{load_zoo, ModelRef};
use crate::Failure;

/// The examples `nnitp evaluate --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp evaluate
  nnitp evaluate --model mnist --data DIR --weights mnist.bpk";

/// Options of `nnitp evaluate`.
#[derive(Args, Debug)]
pub struct EvaluateArgs {
    /// Images per forward pass.
    #[arg(long, default_value_t = 500, allow_negative_numbers = true)]
    pub batch_size: usize,
}

/// Runs `nnitp evaluate`; the last line is `test accuracy: 0.xxxx`.
///
/// # Errors
/// The model or its data cannot be read.
pub fn run(args: &EvaluateArgs, shared: &Shared) -> Result<(), Failure> {
    let kind = ModelRef::parse(&shared.model)?.zoo("evaluate")?;
    let loaded = load_zoo(kind, shared)?;
    let test = &loaded.splits.test;
    shared.note(format!(
        "model {}: {} test images from {}",
        kind.name(),
        test.len(),
        loaded.splits.source
    ));
    let start = Instant::now();
    let acc = accuracy(&loaded.model, test, args.batch_size)?;
    let secs = start.elapsed().as_secs_f64();
    shared.note(format!(
        "{:.0} images/s",
        test.len() as f64 / secs.max(1e-9)
    ));
    emit(format!("test accuracy: {acc:.4}"));
    Ok(())
}
