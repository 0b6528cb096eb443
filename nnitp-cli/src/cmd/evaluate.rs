//! `nnitp evaluate`: a zoo or ONNX model's accuracy (or, for a number, its
//! root mean squared error) on its test set.

use std::time::Instant;

use clap::Args;
use nnitp::core::Network;
use nnitp::models::data::Dataset;
use nnitp::models::train::{score, Score};

use super::emit;
use crate::args::Shared;
use crate::model::{load_zoo, open_onnx, ModelRef};
use crate::Failure;

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

/// Runs `nnitp evaluate`; the last line is `test accuracy: 0.xxxx` (`test
/// RMSE: x.xx` for a model of a number).
///
/// # Errors
/// The model or its data cannot be read.
pub fn run(args: &EvaluateArgs, shared: &Shared) -> Result<(), Failure> {
    let model = ModelRef::parse(&shared.model)?;
    if let ModelRef::Onnx(file) = &model {
        return onnx(args, shared, file);
    }
    let kind = model.zoo("evaluate")?;
    let loaded = load_zoo(kind, shared)?;
    let test = &loaded.splits.test;
    let noun = kind.dataset().samples().many();
    shared.note(format!(
        "model {}: {} test {noun} from {}",
        kind.name(),
        test.len(),
        loaded.splits.source
    ));
    timed_score(shared, &loaded.model, test, noun, args.batch_size)
}

/// The accuracy of an ONNX model on its test images.
fn onnx(args: &EvaluateArgs, shared: &Shared, file: &std::path::Path) -> Result<(), Failure> {
    let loaded = open_onnx(shared, file)?;
    let test = &loaded.splits.test;
    shared.note(format!(
        "model {}: {} test images from {}",
        file.display(),
        test.len(),
        loaded.splits.source
    ));
    let network = loaded.graph.into_network(&shared.device.device()?);
    timed_score(shared, &network, test, "images", args.batch_size)
}

/// Prints the score of `model` on `test`, and its speed on stderr.
fn timed_score(
    shared: &Shared,
    model: &(impl Network + Sync),
    test: &Dataset,
    noun: &str,
    batch_size: usize,
) -> Result<(), Failure> {
    let start = Instant::now();
    let fit = score(model, test, batch_size)?;
    let secs = start.elapsed().as_secs_f64();
    shared.note(format!(
        "{:.0} {noun}/s",
        test.len() as f64 / secs.max(1e-9)
    ));
    match fit {
        Score::Accuracy(a) => emit(format!("test accuracy: {a:.4}")),
        Score::Rmse(e) => emit(format!("test RMSE: {e:.2}")),
    }
    Ok(())
}
