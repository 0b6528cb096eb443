//! Explains a decision from activations saved with numpy: bring your own network.
//!
//! ```text
//! cargo run --release --example interpolant -- CASE_DIR [--text]
//! ```
//!
//! `CASE_DIR` holds `train.npy`, `train_mask.npy`, `test.npy`, `test_mask.npy`,
//! `input.npy` and `case.json` (see README, "Bring your own activations"). The
//! last line printed is one JSON object:
//! `{"interpolant": [...], "text": "...", "train": {"F":..,"N":..,"P":..}, "test": {...}, "search_seconds": ..}`;
//! `--text` prints nnitp's three lines instead. Parameters given on the command
//! line override `case.json`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use nnitp::core::case::Case;

/// Find a Bayesian interpolant for the activations in CASE_DIR.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Folder with train.npy, train_mask.npy, test.npy, test_mask.npy, input.npy, case.json.
    case_dir: PathBuf,
    /// Print nnitp's three text lines instead of JSON.
    #[arg(long)]
    text: bool,
    /// Required precision (overrides case.json).
    #[arg(long)]
    alpha: Option<f64>,
    /// Initial recall fraction (overrides case.json).
    #[arg(long)]
    gamma: Option<f64>,
    /// Gamma decay per conjunct (overrides case.json).
    #[arg(long)]
    mu: Option<f64>,
    /// Number of searches on disjoint random unit subsets, conjoined.
    #[arg(long)]
    ensemble_size: Option<usize>,
    /// Seed of the ensemble's unit subsets.
    #[arg(long)]
    seed: Option<u64>,
}

fn run(args: &Args) -> nnitp::core::Result<String> {
    let case = Case::load(&args.case_dir)?;
    let mut params = case.params;
    params.alpha = args.alpha.unwrap_or(params.alpha);
    params.gamma = args.gamma.unwrap_or(params.gamma);
    params.mu = args.mu.unwrap_or(params.mu);
    params.ensemble_size = args.ensemble_size.unwrap_or(params.ensemble_size);
    params.seed = args.seed.unwrap_or(params.seed);
    let solution = case.solve_with(params)?;
    Ok(if args.text {
        solution.to_string()
    } else {
        serde_json::to_string(&solution.report()).expect("a report always serialises")
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
