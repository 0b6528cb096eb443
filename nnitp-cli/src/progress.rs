//! Progress bars on stderr for the library's progress reports (drawn only
//! when stderr is a terminal), and a count of the layers read from the
//! activation cache.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nnitp::core::progress::{Observer, Progress, Task};

/// An observer drawing one bar per task, and what it saw.
pub struct Bars {
    /// Passes reports to the bars.
    pub observer: Observer,
    cache_reads: Arc<AtomicUsize>,
}

impl Bars {
    /// Bars on stderr; none when `quiet` or when stderr is not a terminal.
    pub fn new(quiet: bool) -> Bars {
        let cache_reads = Arc::new(AtomicUsize::new(0));
        let reads = Arc::clone(&cache_reads);
        let current: Mutex<Option<(Task, ProgressBar)>> = Mutex::new(None);
        let style =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, {elapsed})")
                .map(|s| s.progress_chars("#>-"))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
        let observer = Observer::new(move |p: &Progress| {
            if matches!(p.task, Task::ReadingCache(_)) {
                reads.fetch_add(1, Ordering::Relaxed);
            }
            if quiet {
                return;
            }
            let mut current = current.lock().unwrap_or_else(|e| e.into_inner());
            if current.as_ref().is_none_or(|(t, _)| *t != p.task) {
                if let Some((_, old)) = current.take() {
                    old.finish();
                }
                let bar = ProgressBar::with_draw_target(
                    Some(p.total as u64),
                    ProgressDrawTarget::stderr(),
                )
                .with_style(style.clone())
                .with_message(p.task.to_string());
                *current = Some((p.task, bar));
            }
            if let Some((_, bar)) = current.as_ref() {
                bar.set_position(p.done as u64);
                if p.done >= p.total {
                    bar.finish();
                }
            }
        });
        Bars {
            observer,
            cache_reads,
        }
    }

    /// Layers read from the disk cache so far (each data set counted).
    pub fn cache_reads(&self) -> usize {
        self.cache_reads.load(Ordering::Relaxed)
    }
}
