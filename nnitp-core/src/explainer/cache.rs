//! The activations an explainer has extracted, per data set and layer: each
//! filled once, then read through shared references.

use std::sync::{Mutex, OnceLock};

use ndarray::{Array2, ArrayView2};

use crate::accuracy::Split;
use crate::error::Result;
use crate::progress::Observer;
use crate::source::{slot, ActivationSource};

/// One slot per (data set, layer); extraction is serialised so that two
/// callers asking for the same layer at once extract it only once.
#[derive(Debug)]
pub(super) struct LayerCache {
    slots: [Vec<OnceLock<Array2<f32>>>; 2],
    extracting: Mutex<()>,
}

impl LayerCache {
    pub(super) fn new(layers: usize) -> Self {
        let empty = || (0..layers).map(|_| OnceLock::new()).collect();
        LayerCache {
            slots: [empty(), empty()],
            extracting: Mutex::new(()),
        }
    }

    /// Stores activations handed over up front.
    pub(super) fn insert(&mut self, split: Split, layer: usize, values: Array2<f32>) {
        self.slots[slot(split)][layer] = OnceLock::from(values);
    }

    /// The activations of `layer`, when extracted.
    pub(super) fn get(&self, split: Split, layer: usize) -> Option<ArrayView2<'_, f32>> {
        self.slots[slot(split)][layer].get().map(Array2::view)
    }

    /// Extracts the missing ones of `layers` from `source` in one pass; returns
    /// whether anything was extracted. `layers` must be in range.
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
        let todo = missing(layers);
        if todo.is_empty() {
            return Ok(false);
        }
        let acts = source.extract(split, &todo, observer)?;
        for (l, a) in todo.into_iter().zip(acts) {
            let _ = slots[l].set(a);
        }
        Ok(true)
    }
}
