//! A minimal progress bar on standard error, shown only on a terminal.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// Progress of a long job (extraction, training); silent unless stderr is a terminal.
pub struct Progress {
    label: String,
    total: usize,
    done: usize,
    start: Instant,
    shown: bool,
    last: Instant,
}

impl Progress {
    /// Starts a bar of `total` steps named `label`.
    pub fn new(label: &str, total: usize) -> Self {
        let now = Instant::now();
        Progress {
            label: label.to_string(),
            total,
            done: 0,
            start: now,
            shown: std::io::stderr().is_terminal(),
            last: now,
        }
    }

    /// Adds `n` steps and redraws at most ten times a second.
    pub fn advance(&mut self, n: usize) {
        self.done += n;
        if self.shown && (self.last.elapsed().as_millis() >= 100 || self.done >= self.total) {
            self.last = Instant::now();
            self.draw();
        }
    }

    fn draw(&self) {
        let frac = if self.total == 0 {
            1.0
        } else {
            self.done as f64 / self.total as f64
        };
        let filled = (frac * 30.0) as usize;
        let rate = self.done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{} [{}{}] {}/{} ({:.0}/s) ",
            self.label,
            "#".repeat(filled),
            " ".repeat(30 - filled.min(30)),
            self.done,
            self.total,
            rate
        );
        let _ = err.flush();
    }

    /// Ends the bar with a newline (if it was shown).
    pub fn finish(self) {
        if self.shown {
            self.draw();
            let _ = writeln!(std::io::stderr());
        }
    }
}
