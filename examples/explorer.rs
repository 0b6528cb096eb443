//! The interactive explorer in the browser.
//!
//! ```text
//! cargo run --release --example explorer            # then open http://127.0.0.1:8000
//! cargo run --release --example explorer -- --port 8080 --host 0.0.0.0
//! ```
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
use nnitp::viz::explorer::Explorer;

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
    #[command(flatten)]
    cache: common::CacheArgs,
}

fn main() -> ExitCode {
    let args = Args::parse();
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
    match Explorer::bind(&addr, Arc::new(catalog)) {
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
