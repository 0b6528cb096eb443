//! `nnitp search CASE_DIR`: one interpolant search from a case folder of
//! `.npy` activations (see docs/activations.md, "One search from a case folder").

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use nnitp::core::case::Case;

use super::{emit, emit_json};
use crate::args::{SearchArgs, Shared};
use crate::Failure;

/// The examples `nnitp search --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp search nnitp-core/tests/fixtures/golden/ties
  nnitp search CASE_DIR --alpha 0.9 --json";

/// Options of `nnitp search`.
#[derive(Args, Debug)]
pub struct SearchCaseArgs {
    /// Folder with train.npy, train_mask.npy, test.npy, test_mask.npy,
    /// input.npy and case.json.
    pub case_dir: PathBuf,
    /// Print the result as one JSON object: the interpolant, its text, the
    /// counts on both data sets and the seconds taken.
    #[arg(long)]
    pub json: bool,
    /// Search parameters; each one given overrides case.json.
    #[command(flatten)]
    pub search: SearchArgs,
}

/// Runs `nnitp search`: nnitp's three lines (or, with `--json`, the object).
///
/// # Errors
/// The case cannot be read; its parameters are invalid.
pub fn run(args: &SearchCaseArgs, shared: &Shared) -> Result<(), Failure> {
    let start = Instant::now();
    let case = Case::load(&args.case_dir)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let solution = case.solve_with(case.params.overridden(&args.search.overrides()))?;
    if args.json {
        let mut report = serde_json::to_value(solution.report())?;
        report["load_seconds"] = load_seconds.into();
        emit_json(&report)?;
    } else {
        emit(&solution);
        shared.note(format!("read in {load_seconds:.3} s"));
    }
    Ok(())
}
