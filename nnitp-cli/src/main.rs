//! `nnitp`: explain why a neural image classifier decided what it did, with
//! Bayesian interpolants. Without a subcommand it serves the explorer.

mod args;
mod cmd;
mod interrupt;
mod model;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use args::Shared;

/// Explain neural image classifiers with Bayesian interpolants.
///
/// Without a subcommand, serves the explorer in the browser (`nnitp explore`).
#[derive(Parser, Debug)]
#[command(
    name = "nnitp",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  nnitp                      serve the explorer and open it\n  nnitp explain --embedded   why the shipped model gets an image wrong"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    explore: cmd::explore::ExploreArgs,
    #[command(flatten)]
    shared: Shared,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the explorer in the browser (the default).
    #[command(after_help = cmd::explore::EXAMPLES)]
    Explore(cmd::explore::ExploreArgs),
    /// Explain why the network classified an image as it did, and drill down.
    #[command(after_help = cmd::explain::EXAMPLES)]
    Explain(cmd::explain::ExplainArgs),
    /// Cover a class with interpolants: what the network thinks the class is.
    #[command(after_help = cmd::rules::EXAMPLES)]
    Rules(cmd::rules::RulesArgs),
    /// List the model's layers.
    #[command(after_help = cmd::layers::EXAMPLES)]
    Layers(cmd::layers::LayersArgs),
    /// Measure a zoo model's accuracy on its test set.
    #[command(after_help = cmd::evaluate::EXAMPLES)]
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Train a zoo model and save its weights.
    #[command(after_help = cmd::train::EXAMPLES)]
    Train(cmd::train::TrainArgs),
    /// Find one interpolant from a case folder of `.npy` activations.
    #[command(after_help = cmd::search::EXAMPLES)]
    Search(cmd::search::SearchCaseArgs),
    /// Write a model's activations as a `.npy` folder (a model for `--model DIR`).
    #[command(after_help = cmd::export::EXAMPLES)]
    Export(cmd::export::ExportArgs),
    /// Print a shell completion script.
    #[command(after_help = cmd::completions::EXAMPLES)]
    Completions(cmd::completions::CompletionsArgs),
}

/// A failure of a subcommand: printed as one `error: ...` line, exit status 1.
#[derive(Debug)]
pub struct Failure(Box<dyn std::error::Error + Send + Sync>);

impl Failure {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure(message.into().into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(e: E) -> Failure {
        Failure(Box::new(e))
    }
}

impl std::fmt::Display for Failure {
    /// The message, then each cause that it does not already say.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = self.0.to_string();
        let mut cause = self.0.source();
        while let Some(c) = cause {
            let said = c.to_string();
            if !text.contains(&said) {
                text = format!("{text}: {said}");
            }
            cause = c.source();
        }
        // one line, whatever the causes hold
        f.write_str(&text.replace('\n', " "))
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let shared = &cli.shared;
    keep_gpu_kernels(shared);
    interrupt::install(shared.cache_dir());
    match cli.command {
        None => cmd::explore::run(&cli.explore, shared),
        Some(Command::Explore(a)) => cmd::explore::run(&a, shared),
        Some(Command::Explain(a)) => cmd::explain::run(&a, shared),
        Some(Command::Rules(a)) => cmd::rules::run(&a, shared),
        Some(Command::Layers(a)) => cmd::layers::run(&a, shared),
        Some(Command::Evaluate(a)) => cmd::evaluate::run(&a, shared),
        Some(Command::Train(a)) => cmd::train::run(&a, shared),
        Some(Command::Search(a)) => cmd::search::run(&a, shared),
        Some(Command::Export(a)) => cmd::export::run(&a, shared),
        Some(Command::Completions(a)) => {
            cmd::completions::run::<Cli>(&a);
            Ok(())
        }
    }
}

/// In a `wgpu-fusion` build, keeps CubeCL's compiled kernels and autotune
/// results in the `cubecl` folder of the cache (nowhere with `--no-cache`).
fn keep_gpu_kernels(shared: &Shared) {
    #[cfg(feature = "wgpu-fusion")]
    {
        let dir = shared.cache_dir().map(|d| d.join("cubecl"));
        nnitp::models::kernel_store::keep_kernels(dir.as_deref());
    }
    #[cfg(not(feature = "wgpu-fusion"))]
    let _ = shared;
}

fn main() -> ExitCode {
    // usage errors: clap's message and exit status 2
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
