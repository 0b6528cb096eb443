//! `nnitp evaluate`: a zoo or ONNX model's accuracy on its test set.

use std::time::Instant;

use clap::Args;
use nnitp::models::train::accuracy;

use super::emit;
use crate::args::Shared;
use crate::model::{load_zoo, open_onnx, ModelRef};
use crate::Failure;
use nnitp::core::network::extract;
use nnitp::core::predicate::argmax;
use nnitp::core::progress::{Observer, Task};

/// The examples `nnitp evaluate --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp evaluate
  nnitp evaluate --model mnist --data DIR --weights mnist.bpk
  nnitp evaluate --model model.onnx --data DIR";

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
    if let ModelRef::Onnx(file) = ModelRef::parse(&shared.model)? {
        return onnx(args, shared, &file);
    }
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

/// The accuracy of an ONNX model: the share of test images whose largest
/// output unit is their label.
fn onnx(args: &EvaluateArgs, shared: &Shared, file: &std::path::Path) -> Result<(), Failure> {
    if args.batch_size == 0 {
        return Err(Failure::new("--batch-size must be at least 1"));
    }
    let loaded = open_onnx(shared, file)?;
    let test = &loaded.splits.test;
    shared.note(format!(
        "model {}: {} test images from {}",
        file.display(),
        test.len(),
        loaded.splits.source
    ));
    let start = Instant::now();
    let output = loaded.graph.layers().len().saturating_sub(1);
    let scores = extract(
        &loaded.graph,
        test.images.view(),
        &[output],
        args.batch_size,
        &Observer::none(),
        Task::Running,
    )?;
    let right = scores[0]
        .rows()
        .into_iter()
        .zip(&test.labels)
        .filter(|(row, &label)| argmax(*row) == usize::from(label))
        .count();
    let secs = start.elapsed().as_secs_f64();
    shared.note(format!(
        "{:.0} images/s",
        test.len() as f64 / secs.max(1e-9)
    ));
    emit(format!(
        "test accuracy: {:.4}",
        right as f64 / test.len().max(1) as f64
    ));
    Ok(())
}
