//! The subcommands, one file each, and how results reach stdout.

pub mod completions;
pub mod evaluate;
pub mod explain;
pub mod explore;
pub mod export;
pub mod layers;
pub mod rules;
pub mod search;
pub mod train;

use std::fmt::Display;
use std::io::Write;

/// Writes one line of results to stdout. A reader that went away (`nnitp
/// layers | head -3`) ends the process quietly instead of with a panic.
pub fn emit(line: impl Display) {
    emit_bytes(format!("{line}\n").as_bytes());
}

/// Writes `bytes` to stdout as they are, as [`emit`] does a line.
pub fn emit_bytes(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the results: {e}");
        std::process::exit(1);
    }
}

/// Writes one JSON object as a line of results (JSON Lines).
pub fn emit_json(value: &impl serde::Serialize) -> Result<(), crate::Failure> {
    emit(serde_json::to_string(value)?);
    Ok(())
}
