//! The cache folder: entries by key, and where the folder is by default.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ndarray::ArrayView2;

use super::entry::{self, Mapped};
use crate::digest::Digest;

/// A folder of cached activation matrices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationCache {
    dir: PathBuf,
}

impl ActivationCache {
    /// The cache in `dir` (created when the first entry is written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ActivationCache { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the entry named `key`.
    pub fn path(&self, key: &Digest) -> PathBuf {
        self.dir.join(format!("{key}.nnact"))
    }

    /// The `rows` x `cols` matrix stored under `key`, if a valid entry holds
    /// it (see the [module docs](super)).
    pub fn get(&self, key: &Digest, rows: usize, cols: usize) -> Option<Mapped> {
        entry::open(&self.path(key), key, rows, cols)
    }

    /// Stores `values` under `key`, replacing any entry there.
    ///
    /// # Errors
    /// The file system's errors (the folder cannot be created, the disk is full).
    pub fn put(&self, key: &Digest, values: ArrayView2<'_, f32>) -> std::io::Result<()> {
        entry::write(&self.path(key), key, values)
    }

    /// Removes the temporary files of entries this process was still writing
    /// (for a process that is about to end mid-write, e.g. on Ctrl-C, so that
    /// it leaves nothing half-written behind); returns how many it removed.
    /// Other processes' files and finished entries are left alone.
    ///
    /// # Errors
    /// The file system's errors, other than a folder that does not exist.
    pub fn remove_unfinished(&self) -> std::io::Result<usize> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        for e in entries {
            let e = e?;
            let name = e.file_name();
            if name.to_str().is_some_and(entry::is_own_temporary) {
                match std::fs::remove_file(e.path()) {
                    Ok(()) => removed += 1,
                    // renamed into place or removed by its writer meanwhile
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(removed)
    }
}

/// A cache folder that could not be written: the first failure of an
/// explainer's writes (it writes nothing more there afterwards). Extraction
/// goes on without it; only the next process's time is lost.
#[derive(Clone, Debug)]
pub struct WriteFailure {
    /// The cache folder.
    pub dir: PathBuf,
    /// What the file system said.
    pub error: Arc<std::io::Error>,
}

impl std::fmt::Display for WriteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot write the activation cache in {}: {}",
            self.dir.display(),
            self.error
        )
    }
}

/// Where activations are cached unless told otherwise: `$NNITP_CACHE`, else the
/// platform's cache folder (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
/// `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) with `nnitp`
/// appended; `None` when neither is known.
pub fn default_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("NNITP_CACHE") {
        return Some(dir);
    }
    let base = if cfg!(windows) {
        var("LOCALAPPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Caches"))
    } else {
        var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|h| h.join(".cache")))
    };
    base.map(|b| b.join("nnitp"))
}
