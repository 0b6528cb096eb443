//! The activations an explainer has, per data set and layer: handed over,
//! read from the disk cache, or extracted, and shared with readers as
//! reference-counted handles. Under a memory budget, the layers used least
//! recently are dropped (and extracted again when next needed); layers handed
//! over up front are never dropped.

use std::sync::{Arc, Mutex, MutexGuard};

use ndarray::{Array2, ArrayView2};

use crate::error::Result;
use crate::progress::Observer;
use crate::source::{slot, ActivationSource};
use crate::split::Split;

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

    fn bytes(&self) -> usize {
        self.view().len() * std::mem::size_of::<f32>()
    }
}

/// The activations of one layer on one data set, `[samples, units]` channels
/// last. A handle: it keeps the values alive while held, even if the
/// explainer drops the layer meanwhile to stay within its memory budget.
#[derive(Clone, Debug)]
pub struct LayerActivations(Arc<Stored>);

impl LayerActivations {
    /// The values, `[samples, units]`.
    pub fn view(&self) -> ArrayView2<'_, f32> {
        self.0.view()
    }
}

/// How much memory an explainer's activations take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MemoryUse {
    /// Bytes of activations held (in memory or memory-mapped).
    pub bytes: usize,
    /// The budget, if any.
    pub budget: Option<usize>,
    /// Layers held (both data sets counted).
    pub layers: usize,
    /// Layers dropped so far to stay within the budget.
    pub dropped: u64,
}

#[derive(Debug, Default)]
struct Slot {
    stored: Option<Arc<Stored>>,
    /// The tick of its last use (for least-recently-used dropping).
    used: u64,
    /// Handed over up front: never dropped.
    pinned: bool,
}

#[derive(Debug)]
struct Table {
    slots: [Vec<Slot>; 2],
    tick: u64,
    bytes: usize,
    dropped: u64,
}

impl Table {
    fn touch(&mut self, split: Split, layer: usize) -> Option<LayerActivations> {
        self.tick += 1;
        let tick = self.tick;
        let s = &mut self.slots[slot(split)][layer];
        s.used = tick;
        s.stored.clone().map(LayerActivations)
    }

    fn set(&mut self, split: Split, layer: usize, stored: Stored, pinned: bool) {
        let s = &mut self.slots[slot(split)][layer];
        if let Some(old) = s.stored.take() {
            self.bytes -= old.bytes();
        }
        self.bytes += stored.bytes();
        s.stored = Some(Arc::new(stored));
        s.pinned = pinned;
    }

    fn missing(&self, split: Split, layers: &[usize]) -> Vec<usize> {
        let slots = &self.slots[slot(split)];
        let mut m: Vec<usize> = layers
            .iter()
            .copied()
            .filter(|&l| slots[l].stored.is_none())
            .collect();
        m.sort_unstable();
        m.dedup();
        m
    }

    /// Drops the least recently used layers (other than `keep` of `split`
    /// and pinned ones) until at most `budget` bytes are held.
    fn shrink(&mut self, budget: usize, split: Split, keep: &[usize]) {
        let kept = slot(split);
        while self.bytes > budget {
            let victim = (0..2)
                .flat_map(|s| (0..self.slots[s].len()).map(move |l| (s, l)))
                .filter(|&(s, l)| {
                    let slot = &self.slots[s][l];
                    slot.stored.is_some() && !slot.pinned && !(s == kept && keep.contains(&l))
                })
                .min_by_key(|&(s, l)| self.slots[s][l].used);
            let Some((s, l)) = victim else {
                return;
            };
            if let Some(old) = self.slots[s][l].stored.take() {
                self.bytes -= old.bytes();
                self.dropped += 1;
            }
        }
    }
}

/// One slot per (data set, layer); extraction is serialised so that two
/// callers asking for the same layer at once extract it only once.
#[derive(Debug)]
pub(super) struct LayerCache {
    table: Mutex<Table>,
    extracting: Mutex<()>,
    budget: Option<usize>,
    #[cfg(feature = "cache")]
    disk: Option<crate::cache::ActivationCache>,
    /// The first failure to write `disk`; nothing more is written after it.
    #[cfg(feature = "cache")]
    write_failure: Mutex<Option<crate::cache::WriteFailure>>,
}

impl LayerCache {
    pub(super) fn new(layers: usize) -> Self {
        let empty = || (0..layers).map(|_| Slot::default()).collect();
        LayerCache {
            table: Mutex::new(Table {
                slots: [empty(), empty()],
                tick: 0,
                bytes: 0,
                dropped: 0,
            }),
            extracting: Mutex::new(()),
            budget: None,
            #[cfg(feature = "cache")]
            disk: None,
            #[cfg(feature = "cache")]
            write_failure: Mutex::new(None),
        }
    }

    /// Reads and writes extracted layers in `disk` as well.
    #[cfg(feature = "cache")]
    pub(super) fn with_disk(mut self, disk: Option<crate::cache::ActivationCache>) -> Self {
        self.disk = disk;
        self
    }

    /// Holds at most `budget` bytes of extracted layers (beyond the layers
    /// one query needs at once, and those handed over up front).
    pub(super) fn with_budget(mut self, budget: Option<usize>) -> Self {
        self.budget = budget;
        self
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores activations handed over up front (never dropped).
    pub(super) fn insert(&mut self, split: Split, layer: usize, values: Array2<f32>) {
        self.table().set(split, layer, Stored::Owned(values), true);
    }

    /// How much memory the activations take.
    pub(super) fn memory(&self) -> MemoryUse {
        let t = self.table();
        MemoryUse {
            bytes: t.bytes,
            budget: self.budget,
            layers: t
                .slots
                .iter()
                .flatten()
                .filter(|s| s.stored.is_some())
                .count(),
            dropped: t.dropped,
        }
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
        for &l in layers {
            let Ok(cols) = source.geometry().units(l) else {
                continue;
            };
            if let Some(m) = disk.get(&layer_key(&key, l), rows, cols) {
                self.table().set(split, l, Stored::Mapped(m), false);
                observer.report(&crate::progress::Progress {
                    task: crate::progress::Task::ReadingCache(split),
                    done: rows,
                    total: rows,
                });
            }
        }
    }

    /// The first failure to write the disk cache, if any.
    #[cfg(feature = "cache")]
    pub(super) fn write_failure(&self) -> Option<crate::cache::WriteFailure> {
        self.write_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Writes freshly extracted layers to the disk cache. A failure to write
    /// costs only the next process's time, so it is not an error here: the
    /// first is kept for [`LayerCache::write_failure`] and nothing more is
    /// written (a full disk is not tried again for every layer).
    #[cfg(feature = "cache")]
    fn write_disk<S: ActivationSource + ?Sized>(&self, source: &S, split: Split, layers: &[usize]) {
        let (Some(disk), Some(key)) = (&self.disk, source.cache_key(split)) else {
            return;
        };
        for &l in layers {
            if self.write_failure().is_some() {
                return;
            }
            // the table is not held while the entry is written
            let held = self.table().touch(split, l);
            if let Some(values) = held {
                if let Err(e) = disk.put(&layer_key(&key, l), values.view()) {
                    *self.write_failure.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some(crate::cache::WriteFailure {
                            dir: disk.dir().to_path_buf(),
                            error: Arc::new(e),
                        });
                }
            }
        }
    }

    /// The activations of `layers` (in range), extracting the missing ones
    /// in one pass after taking what the disk cache holds; with whether this
    /// call had to wait for any of them (`false`: all were in memory).
    pub(super) fn fill<S: ActivationSource + ?Sized>(
        &self,
        source: &S,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<(Vec<LayerActivations>, bool)> {
        let held = |t: &mut Table| -> Option<Vec<LayerActivations>> {
            layers.iter().map(|&l| t.touch(split, l)).collect()
        };
        if let Some(all) = held(&mut self.table()) {
            return Ok((all, false));
        }
        // only this section adds or drops layers: what it finds present
        // stays present until it returns
        let _guard = self.extracting.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(feature = "cache")]
        {
            let missing = self.table().missing(split, layers);
            self.read_disk(source, split, &missing, observer);
        }
        let todo = self.table().missing(split, layers);
        if !todo.is_empty() {
            let acts = source.extract(split, &todo, observer)?;
            let mut t = self.table();
            for (&l, a) in todo.iter().zip(acts) {
                t.set(split, l, Stored::Owned(a), false);
            }
        }
        #[cfg(feature = "cache")]
        self.write_disk(source, split, &todo);
        let mut t = self.table();
        let all = held(&mut t).expect("every layer asked for is present");
        if let Some(budget) = self.budget {
            t.shrink(budget, split, layers);
        }
        Ok((all, true))
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
