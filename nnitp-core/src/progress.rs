//! Progress of long jobs (extraction, training), reported to a callback that
//! the caller supplies: the library itself never draws anything.

use std::fmt;
use std::sync::Arc;

use crate::split::Split;

/// What a long job is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Task {
    /// Computing a data set's activations with the network.
    Extracting(Split),
    /// Reading a data set's activations from the disk cache (each layer read
    /// is reported once, done at once).
    ReadingCache(Split),
    /// A forward pass over images of no data set (predictions, evaluation).
    Running,
    /// The rest of the network run on changed units or images of a data set
    /// (faithfulness interventions).
    Intervening(Split),
    /// Training, epoch `epoch` (from 1).
    Training {
        /// The epoch, from 1.
        epoch: usize,
    },
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Task::Extracting(s) => write!(f, "extracting {} activations", s.name()),
            Task::ReadingCache(s) => write!(f, "reading cached {} activations", s.name()),
            Task::Running => f.write_str("running the network"),
            Task::Intervening(s) => write!(f, "intervening on {} images", s.name()),
            Task::Training { epoch } => write!(f, "epoch {epoch}"),
        }
    }
}

/// How far a long job has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub task: Task,
    /// Steps (images) done so far.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
}

/// A progress callback, or none. Cheap to clone; called from worker threads.
///
/// ```
/// use nnitp_core::progress::{Observer, Progress, Task};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let seen = Arc::new(AtomicUsize::new(0));
/// let s = seen.clone();
/// let observer = Observer::new(move |p: &Progress| s.store(p.done, Ordering::Relaxed));
/// observer.report(&Progress { task: Task::Running, done: 3, total: 10 });
/// assert_eq!(seen.load(Ordering::Relaxed), 3);
/// ```
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<Callback>>);

/// The callback behind an [`Observer`].
type Callback = dyn Fn(&Progress) + Send + Sync;

impl Observer {
    /// Calls `f` with every progress report.
    pub fn new(f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        Observer(Some(Arc::new(f)))
    }

    /// Reports nothing.
    pub fn none() -> Self {
        Observer(None)
    }

    /// Passes `progress` to the callback, if any.
    pub fn report(&self, progress: &Progress) {
        if let Some(f) = &self.0 {
            f(progress);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("Observer(callback)"),
            None => f.write_str("Observer(none)"),
        }
    }
}
