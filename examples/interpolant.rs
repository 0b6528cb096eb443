//! Explains a decision from activations saved with numpy: bring your own network.
//!
//! ```text
//! cargo run --release --example interpolant -- CASE_DIR [--text]
//! ```
//!
//! `CASE_DIR` holds `train.npy`, `train_mask.npy`, `test.npy`, `test_mask.npy`,
//! `input.npy` and `case.json` (see README, "Bring your own activations"). The
//! last line printed is one JSON object:
//! `{"interpolant": [...], "text": "...", "train": {"F":..,"N":..,"P":..}, "test": {...}, "search_seconds": .., "load_seconds": ..}`;
//! `--text` prints nnitp's three lines instead. Parameters given on the command
//! line override `case.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use nnitp::core::case::Case;

mod common;
use common::SearchArgs;

/// Find a Bayesian interpolant for the activations in CASE_DIR.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Folder with train.npy, train_mask.npy, test.npy, test_mask.npy, input.npy, case.json.
    case_dir: PathBuf,
    /// Print nnitp's three text lines instead of JSON.
    #[arg(long)]
    text: bool,
    /// Search parameters; each one given overrides case.json.
    #[command(flatten)]
    search: SearchArgs,
}

fn run(args: &Args) -> nnitp::core::Result<String> {
    let start = std::time::Instant::now();
    let case = Case::load(&args.case_dir)?;
    let load_seconds = start.elapsed().as_secs_f64();
    let solution = case.solve_with(case.params.overridden(&args.search.overrides()))?;
    Ok(if args.text {
        solution.to_string()
    } else {
        let mut report =
            serde_json::to_value(solution.report()).expect("a report always serialises");
        report["load_seconds"] = load_seconds.into();
        report.to_string()
    })
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()).map(|out| println!("{out}")))
}
