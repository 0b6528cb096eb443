//! Command-line options the examples share. Each example uses part of this
//! module.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use nnitp::core::progress::{Observer, Progress};
use nnitp::core::ParamOverrides;
use nnitp::models::zoo::ModelKind;
use nnitp::models::{Loaded, Setup};

/// Which zoo model, with which weights and data, on which device.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// Model: fashion-mnist, fashion-mnist-resnet, mnist or cifar10.
    #[arg(long, default_value = "fashion-mnist")]
    pub model: String,
    /// Dataset folder (default: $NNITP_DATA, Debian's folder, or the embedded sample).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Use the embedded Fashion-MNIST sample even where a full copy is installed.
    #[arg(long, conflicts_with = "data")]
    pub embedded: bool,
    /// Weights file (default: the shipped Fashion-MNIST weights).
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    pub device: String,
}

impl ModelArgs {
    /// Loads the model and its data.
    pub fn load(&self) -> nnitp::models::Result<Loaded> {
        let kind = ModelKind::from_name(&self.model)?;
        let device = nnitp::models::device::parse(&self.device)?;
        let setup = Setup::new(kind, device)
            .with_data(self.data.as_ref())
            .with_weights(self.weights.as_ref());
        if self.embedded {
            setup.with_embedded_data().load()
        } else {
            setup.load()
        }
    }
}

/// Where extracted activations (and, in a `wgpu-fusion` build, compiled GPU
/// kernels) are kept between runs.
#[derive(clap::Args)]
pub struct CacheArgs {
    /// Keep extracted activations, and in a wgpu-fusion build compiled GPU
    /// kernels, in DIR (default: $NNITP_CACHE, else the platform's cache
    /// folder, e.g. ~/.cache/nnitp).
    #[arg(long, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Keep nothing on disk.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

impl CacheArgs {
    /// The cache folder to use, if any.
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache.clone().or_else(nnitp::core::cache::default_dir)
        }
    }

    /// In a `wgpu-fusion` build, keeps CubeCL's compiled kernels and autotune
    /// results in the `cubecl` folder of the cache (or nowhere with
    /// `--no-cache`); nothing otherwise. Call before any device is used.
    pub fn keep_gpu_kernels(&self) {
        #[cfg(feature = "wgpu-fusion")]
        {
            let dir = self.dir().map(|d| d.join("cubecl"));
            nnitp::models::kernel_store::keep_kernels(dir.as_deref());
        }
    }
}

/// Search parameters given on the command line.
#[derive(clap::Args)]
pub struct SearchArgs {
    /// Required precision.
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Initial recall fraction.
    #[arg(long)]
    pub gamma: Option<f64>,
    /// Gamma decay per conjunct.
    #[arg(long)]
    pub mu: Option<f64>,
    /// Number of searches on disjoint random unit subsets, conjoined.
    #[arg(long)]
    pub ensemble_size: Option<usize>,
    /// Seed of the ensemble's unit subsets.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl SearchArgs {
    /// The parameters given, as overrides.
    pub fn overrides(&self) -> ParamOverrides {
        ParamOverrides {
            alpha: self.alpha,
            gamma: self.gamma,
            mu: self.mu,
            ensemble_size: self.ensemble_size,
            seed: self.seed,
        }
    }
}

/// The exit code of an example's run; prints its error, if any, as `error: ...`.
pub fn finish<E: Display>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The zoo model's explainer settings with the search parameters, the cache
/// folder and the sample size the command line asks for.
pub fn explainer_config(
    kind: ModelKind,
    search: &SearchArgs,
    cache: &CacheArgs,
    size: Option<usize>,
) -> nnitp::core::ExplainerConfig {
    let mut config = kind.explainer_config().with_cache(cache.dir());
    config.params = config.params.overridden(&search.overrides());
    if let Some(size) = size {
        config.size = size;
    }
    config
}

/// A progress bar on standard error for the library's progress reports, drawn
/// at most ten times a second; reports nothing when stderr is not a terminal.
pub fn progress_bar() -> Observer {
    if !std::io::stderr().is_terminal() {
        return Observer::none();
    }
    // (task, its start, the last draw)
    let state: Mutex<Option<(String, Instant, Instant)>> = Mutex::new(None);
    Observer::new(move |p: &Progress| {
        let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let fresh = !matches!(&*state, Some((task, _, _)) if task == p.task);
        if fresh {
            *state = Some((p.task.to_string(), now, now));
        }
        let (_, start, last) = state.as_mut().expect("set above");
        let finished = p.done >= p.total;
        if !fresh && !finished && last.elapsed().as_millis() < 100 {
            return;
        }
        *last = now;
        let frac = p.done as f64 / p.total.max(1) as f64;
        let filled = ((frac * 30.0) as usize).min(30);
        let rate = p.done as f64 / start.elapsed().as_secs_f64().max(1e-9);
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{} [{}{}] {}/{} ({:.0}/s) ",
            p.task,
            "#".repeat(filled),
            " ".repeat(30 - filled),
            p.done,
            p.total,
            rate
        );
        if finished {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    })
}

/// Prints the input region (rows, columns) each conjunct of `e` depends on.
///
/// # Errors
/// When a conjunct's unit does not fit its layer.
pub fn print_input_regions<S: nnitp::core::ActivationSource>(
    ex: &nnitp::core::Explainer<S>,
    e: &nnitp::core::Explanation,
) -> nnitp::core::Result<()> {
    for (i, b) in e.interpolant.bounds().iter().enumerate() {
        let r = ex.input_box(e.layer, &b.unit)?;
        let (rows, cols) = (&r.ranges()[0], &r.ranges()[1]);
        println!(
            "  conjunct {i}: {b} reads input rows {}..{}, columns {}..{}",
            rows.start, rows.end, cols.start, cols.end
        );
    }
    Ok(())
}
