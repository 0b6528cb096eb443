//! `nnitp explore` (and `nnitp` alone): serve the explorer (the zoo, or the
//! folder of activations `--model DIR` names), print its address, and open
//! it in the user's browser where there is one.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use clap::Args;
use nnitp::catalog::ZooCatalog;
use nnitp::folder_catalog::FolderCatalog;
use nnitp::onnx_catalog::OnnxCatalog;
use nnitp::viz::explorer::{Explorer, ExplorerConfig, SharedCatalog};

use super::emit;
use crate::args::Shared;
use crate::model::{normalization, ModelRef};
use crate::Failure;

/// The examples `nnitp explore --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp explore                      then open the address it prints
  nnitp explore --port 8080 --host 0.0.0.0 --allow-host mybox.lan --no-open";

/// Options of `nnitp explore`.
#[derive(Args, Debug, Clone)]
pub struct ExploreArgs {
    /// Address to listen on (loopback unless asked otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000, allow_negative_numbers = true)]
    pub port: u16,
    /// Folder of weights files named <model>.bpk (offers MNIST and CIFAR-10
    /// where their data is found).
    #[arg(long, value_name = "DIR")]
    pub weights_dir: Option<PathBuf>,
    /// Also answer requests addressed to this host name (repeatable), e.g.
    /// the machine's name when listening on 0.0.0.0.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// The most activations a loaded model keeps in memory, in MiB (0: no
    /// limit); the layers used least recently are dropped beyond it.
    #[arg(
        long,
        default_value_t = 2048,
        value_name = "MIB",
        allow_negative_numbers = true
    )]
    pub memory_budget: usize,
    /// Do not open the explorer in a browser.
    #[arg(long)]
    pub no_open: bool,
}

/// Runs the explorer until the process is stopped.
///
/// # Errors
/// A folder given does not exist; the address cannot be listened on.
pub fn run(args: &ExploreArgs, shared: &Shared) -> Result<(), Failure> {
    for (flag, dir) in [
        ("--data", &shared.data),
        ("--weights-dir", &args.weights_dir),
    ] {
        if let Some(dir) = dir {
            if !dir.is_dir() {
                return Err(Failure::new(format!(
                    "{flag} {}: no such folder",
                    dir.display()
                )));
            }
        }
    }
    let catalog: SharedCatalog = match ModelRef::parse(&shared.model)? {
        // a folder of activations: that model alone
        ModelRef::Folder(dir) => Arc::new(FolderCatalog::new(dir)?),
        // an ONNX model: that model on the images of --data
        ModelRef::Onnx(file) => {
            let data = shared.data.clone().ok_or_else(|| {
                Failure::new(format!(
                    "--model {}: an ONNX model needs --data DIR",
                    file.display()
                ))
            })?;
            Arc::new(OnnxCatalog::new(file, data, normalization(shared)?)?)
        }
        // the zoo: every model whose weights and data are there, --model first
        ModelRef::Zoo(kind) => Arc::new(ZooCatalog {
            data_dir: shared.data.clone(),
            weights_dir: args.weights_dir.clone(),
            device: shared.device.device()?,
            cache: shared.cache_dir(),
            first: Some(kind),
        }),
    };
    let addr = format!("{}:{}", args.host, args.port);
    let mut config = ExplorerConfig::new().with_memory_budget(
        (args.memory_budget > 0).then_some(args.memory_budget.saturating_mul(1 << 20)),
    );
    for host in &args.allow_hosts {
        config = config.with_host(host);
    }
    let explorer = Explorer::bind_with(&addr, catalog, config)
        .map_err(|e| Failure::new(format!("cannot listen on {addr}: {e}")))?;
    let url = explorer.url();
    emit(format!("explorer: {url}"));
    if !args.no_open && !open_in_browser(&url) {
        shared.note("no browser to open here: open the address above");
    }
    shared.note("serving; Ctrl-C stops");
    explorer.run();
    Ok(())
}

/// Asks the desktop to open `url` in the user's browser; `false` where there
/// is no desktop to ask.
fn open_in_browser(url: &str) -> bool {
    let command = if cfg!(target_os = "macos") {
        Some(("open", vec![url]))
    } else if cfg!(windows) {
        Some(("cmd", vec!["/C", "start", "", url]))
    } else if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some()
    {
        Some(("xdg-open", vec![url]))
    } else {
        None
    };
    let Some((program, args)) = command else {
        return false;
    };
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}
