//! The activations an explainer has, per data set and layer: each filled
//! once (handed over, read from the disk cache, or extracted), then read
//! through shared references.

use std::sync::{Mutex, OnceLock};

use ndarray::{Array2, ArrayView2};

use crate::accuracy::Split;
use crate::error::Result;
use crate::progress::Observer;
use crate::source::{slot, ActivationSource};

/// One layer's activations: in memory, or mapped from a disk-cache entry.
#[derive(Debug)]
enum Stored {
    Owned(Array2<f32>),
    #[cfg(feature = "cache")]
    Mapped(crate::cache::Mapped),
}

impl Stored {
    fn view(&self) -> ArrayView2<'_, f32> {
        match self {
            Stored::Owned(a) => a.view(),
            #[cfg(feature = "cache")]
            Stored::Mapped(m) => m.view(),
        }
    }
}

/// One slot per (data set, layer); extraction is serialised so that two
/// callers asking for the same layer at once extract it only once.
#[derive(Debug)]
pub(super) struct LayerCache {
    slots: [Vec<OnceLock<Stored>>; 2],
    extracting: Mutex<()>,
    #[cfg(feature = "cache")]
    disk: Option<crate::cache::ActivationCache>,
}

impl LayerCache {
    pub(super) fn new(layers: usize) -> Self {
        let empty = || (0..layers).map(|_| OnceLock::new()).collect();
        LayerCache {
            slots: [empty(), empty()],
            extracting: Mutex::new(()),
            #[cfg(feature = "cache")]
            disk: None,
        }
    }

    /// Reads and writes extracted layers in `disk` as well.
    #[cfg(feature = "cache")]
    pub(super) fn with_disk(mut self, disk: Option<crate::cache::ActivationCache>) -> Self {
        self.disk = disk;
        self
    }

    /// Stores activations handed over up front.
    pub(super) fn insert(&mut self, split: Split, layer: usize, values: Array2<f32>) {
        self.slots[slot(split)][layer] = OnceLock::from(Stored::Owned(values));
    }

    /// The activations of `layer`, when extracted.
    pub(super) fn get(&self, split: Split, layer: usize) -> Option<ArrayView2<'_, f32>> {
        self.slots[slot(split)][layer].get().map(Stored::view)
    }

    /// Takes what the disk cache holds of `layers` (all missing ones).
    /// Each layer read is reported to `observer` as done at once.
    #[cfg(feature = "cache")]
    fn read_disk<S: ActivationSource + ?Sized>(
        &self,
        source: &S,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) {
        let (Some(disk), Some(key)) = (&self.disk, source.cache_key(split)) else {
            return;
        };
        let rows = source.len(split);
        let task = match split {
            Split::Train => "reading cached training activations",
            Split::Test => "reading cached test activations",
        };
        for &l in layers {
            let Ok(cols) = source.geometry().units(l) else {
                continue;
            };
            if let Some(m) = disk.get(&layer_key(&key, l), rows, cols) {
                let _ = self.slots[slot(split)][l].set(Stored::Mapped(m));
                observer.report(&crate::progress::Progress {
                    task,
                    done: rows,
                    total: rows,
                });
            }
        }
    }

    /// Writes freshly extracted layers to the disk cache; a failure to write
    /// costs only the next process's time, so it is not an error here.
    #[cfg(feature = "cache")]
    fn write_disk<S: ActivationSource + ?Sized>(&self, source: &S, split: Split, layers: &[usize]) {
        let (Some(disk), Some(key)) = (&self.disk, source.cache_key(split)) else {
            return;
        };
        for &l in layers {
            if let Some(values) = self.get(split, l) {
                let _ = disk.put(&layer_key(&key, l), values);
            }
        }
    }

    /// Extracts the missing ones of `layers` from `source` in one pass (after
    /// taking what the disk cache holds); returns whether this call had to
    /// wait for any of them (`false`: all were in memory already). `layers`
    /// must be in range.
    pub(super) fn fill<S: ActivationSource + ?Sized>(
        &self,
        source: &S,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<bool> {
        let slots = &self.slots[slot(split)];
        let missing = |ls: &[usize]| {
            let mut m: Vec<usize> = ls
                .iter()
                .copied()
                .filter(|&l| slots[l].get().is_none())
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if missing(layers).is_empty() {
            return Ok(false);
        }
        let _guard = self.extracting.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(feature = "cache")]
        self.read_disk(source, split, &missing(layers), observer);
        let todo = missing(layers);
        if todo.is_empty() {
            return Ok(true);
        }
        let acts = source.extract(split, &todo, observer)?;
        for (&l, a) in todo.iter().zip(acts) {
            let _ = slots[l].set(Stored::Owned(a));
        }
        #[cfg(feature = "cache")]
        self.write_disk(source, split, &todo);
        Ok(true)
    }
}

/// The disk-cache key of one layer of a data set whose source key is `key`.
#[cfg(feature = "cache")]
fn layer_key(key: &crate::digest::Digest, layer: usize) -> crate::digest::Digest {
    crate::digest::DigestBuilder::new()
        .bytes(b"nnitp layer activations")
        .digest(key)
        .number(layer as u64)
        .finish()
}
