//! The interactive explorer in the browser.
//!
//! ```text
//! cargo run --release --example explorer            # then open http://127.0.0.1:8000
//! cargo run --release --example explorer -- --port 8080 --host 0.0.0.0 --allow-host mybox.lan
//! ```
//!
//! The server answers only requests addressed to a loopback name, the address
//! it listens on, or a name given with `--allow-host`, and refuses API
//! requests from other origins.
//!
//! Offers every zoo model whose weights and data are available: the embedded
//! Fashion-MNIST model always; MNIST and CIFAR-10 with `--weights-dir DIR`
//! (holding `mnist.bpk`, `cifar10.bpk`) and their data (`--data DIR` or
//! `$NNITP_DATA`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use nnitp::catalog::ZooCatalog;

mod common;
use nnitp::viz::explorer::{Explorer, ExplorerConfig};

/// Serve the nnitp explorer.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on (loopback unless asked otherwise).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Dataset folder (default: $NNITP_DATA, Debian's folder, or the embedded sample).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Folder of weights files named <model>.bpk.
    #[arg(long)]
    weights_dir: Option<PathBuf>,
    /// Device: flex, ndarray or wgpu.
    #[arg(long, default_value = "flex")]
    device: String,
    /// Also answer requests addressed to this host name (repeatable), e.g.
    /// the machine's name when listening on 0.0.0.0.
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
    /// The most activations a loaded model keeps in memory, in MiB (0: no
    /// limit); the layers used least recently are dropped beyond it.
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    memory_budget: usize,
    #[command(flatten)]
    cache: common::CacheArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
    args.cache.keep_gpu_kernels();
    let device = match nnitp::models::device::parse(&args.device) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let catalog = ZooCatalog {
        data_dir: args.data,
        weights_dir: args.weights_dir,
        device,
        cache: args.cache.dir(),
    };
    let addr = format!("{}:{}", args.host, args.port);
    let mut config = ExplorerConfig::new().with_memory_budget(
        (args.memory_budget > 0).then_some(args.memory_budget.saturating_mul(1 << 20)),
    );
    for host in &args.allow_hosts {
        config = config.with_host(host);
    }
    match Explorer::bind_with(&addr, Arc::new(catalog), config) {
        Ok(explorer) => {
            println!("explorer: {}", explorer.url());
            explorer.run();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}
