//! The cache folder: entries by key, and where the folder is by default.

use std::path::{Path, PathBuf};

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
