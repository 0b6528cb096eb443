//! The positive samples' values, transposed once into one column of keys per
//! candidate unit and compacted in place as conjuncts drop samples.
//!
//! Rows are aligned across columns (entry `i` of every column is the same
//! sample), so dropping samples is one sequential pass per column, and each
//! round reads every column contiguously.

use std::sync::Mutex;

use rayon::prelude::*;

use super::simd::{keys_of, prefetch};

/// Units per transposition task.
const BLOCK: usize = 256;
/// Rows transposed at a time, so each column gets whole cache lines written.
const TILE: usize = 16;
/// Columns per task in [`Columns::map`].
const GROUP: usize = 16;
/// Keys of the next column fetched ahead in [`Columns::map`].
const PREFETCH_KEYS: usize = 256;

/// The buffer of the last columns built, kept for the next search: a large
/// fresh allocation costs page faults that take longer than the transposition.
static SPARE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// A buffer of `n` keys (content unspecified), reusing the spare one.
fn buffer(n: usize) -> Vec<u32> {
    let mut v = SPARE
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default();
    if v.len() >= n {
        v.truncate(n);
    } else {
        v.resize(n, 0);
    }
    v
}

/// Column-major keys of the positive samples, one column per candidate unit.
///
/// Dropping samples is deferred: [`Columns::retain`] records which samples stay,
/// and [`Columns::map`] compacts each column just before reading it, so every
/// column is brought into cache once per round.
pub(super) struct Columns {
    cap: usize,
    len: usize,
    keys: Vec<u32>,
    /// Indices (into the current columns) of the samples kept by a pending drop.
    pending: Option<Vec<u32>>,
}

impl Columns {
    /// Transposes the samples `0..rows`; `row(i)` is sample `i`'s values over
    /// all units, of which `units` are taken. Returns `None` when a value is not
    /// finite.
    pub(super) fn build<'r>(
        rows: usize,
        units: &[usize],
        row: impl Fn(usize) -> &'r [f32] + Sync,
    ) -> Option<Self> {
        let mut keys = buffer(rows * units.len());
        let finite = keys
            .par_chunks_mut((rows * BLOCK).max(1))
            .zip(units.par_chunks(BLOCK))
            .map(|(out, block)| {
                let b = block.len();
                let span = block[0]..block[b - 1] + 1;
                let contiguous = span.len() == b;
                let mut vals = vec![0f32; b];
                let mut tile = vec![0u32; TILE * b];
                let mut finite = true;
                for i0 in (0..rows).step_by(TILE) {
                    let h = TILE.min(rows - i0);
                    for i in i0 + TILE..(i0 + 2 * TILE).min(rows) {
                        prefetch(&row(i)[span.clone()]);
                    }
                    for ii in 0..h {
                        let values = row(i0 + ii);
                        let dst = &mut tile[ii * b..(ii + 1) * b];
                        finite &= if contiguous {
                            keys_of(&values[span.clone()], dst)
                        } else {
                            for (v, &u) in vals.iter_mut().zip(block) {
                                *v = values[u];
                            }
                            keys_of(&vals, dst)
                        };
                    }
                    for j in 0..b {
                        let dst = &mut out[j * rows + i0..j * rows + i0 + h];
                        for (ii, d) in dst.iter_mut().enumerate() {
                            *d = tile[ii * b + j];
                        }
                    }
                }
                finite
            })
            .reduce(|| true, |a, b| a && b);
        finite.then_some(Columns {
            cap: rows,
            len: rows,
            keys,
            pending: None,
        })
    }

    /// Number of samples per column (after pending drops).
    pub(super) fn len(&self) -> usize {
        self.pending.as_ref().map_or(self.len, Vec::len)
    }

    /// `f(j, column j)` for every column, in parallel, in column order.
    pub(super) fn map<T: Send>(&mut self, f: impl Fn(usize, &[u32]) -> T + Sync) -> Vec<T> {
        let pending = self.pending.take();
        let (cap, old_len) = (self.cap.max(1), self.len);
        let len = pending.as_ref().map_or(old_len, Vec::len);
        self.len = len;
        self.keys
            .par_chunks_mut(cap * GROUP)
            .enumerate()
            .flat_map_iter(|(g, group)| {
                let count = group.len() / cap;
                let mut results = Vec::with_capacity(count);
                for c in 0..count {
                    if c + 1 < count {
                        // Each column starts on a page of its own: fetch the next
                        // one's first lines while this one is worked on.
                        let next = &group[(c + 1) * cap..];
                        prefetch(&next[..old_len.min(PREFETCH_KEYS)]);
                    }
                    let col = &mut group[c * cap..(c + 1) * cap];
                    if let Some(kept) = &pending {
                        compact(col, kept);
                    }
                    results.push(f(g * GROUP + c, &col[..len]));
                }
                results
            })
            .collect()
    }

    /// Keeps the samples `i` with `keep[i]` (indices into the current columns).
    pub(super) fn retain(&mut self, keep: &[bool]) {
        let kept: Vec<u32> = match self.pending.take() {
            // Compose with a drop not yet applied.
            Some(prev) => prev
                .iter()
                .zip(keep)
                .filter(|&(_, &k)| k)
                .map(|(&i, _)| i)
                .collect(),
            None => (0..self.len as u32).filter(|&i| keep[i as usize]).collect(),
        };
        self.pending = Some(kept);
    }
}

/// Moves `col[kept[w]]` to `col[w]`; `kept` is ascending, so `kept[w] >= w`.
#[inline]
fn compact(col: &mut [u32], kept: &[u32]) {
    for (w, &r) in kept.iter().enumerate() {
        col[w] = col[r as usize];
    }
}

impl Drop for Columns {
    fn drop(&mut self) {
        if let Ok(mut spare) = SPARE.lock() {
            if self.keys.capacity() > spare.capacity() {
                *spare = std::mem::take(&mut self.keys);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::keys::unkey;

    #[test]
    fn build_and_retain() {
        let vals: Vec<[f32; 3]> = (0..40)
            .map(|i| [i as f32, -(i as f32), 0.5 * i as f32])
            .collect();
        let gather = |i: usize| vals[i].as_slice();
        let mut c = Columns::build(40, &[0, 2], gather).unwrap();
        let col = |c: &mut Columns, j| -> Vec<f32> {
            c.map(|_, col| col.to_vec())
                .swap_remove(j)
                .iter()
                .map(|&k| unkey(k))
                .collect()
        };
        assert_eq!(
            col(&mut c, 1),
            (0..40).map(|i| 0.5 * i as f32).collect::<Vec<_>>()
        );
        let keep: Vec<bool> = (0..40).map(|i| i % 3 == 0).collect();
        c.retain(&keep);
        assert_eq!(c.len(), 14);
        let again: Vec<bool> = (0..14).map(|i| i % 2 == 0).collect();
        c.retain(&again);
        assert_eq!(c.len(), 7);
        assert_eq!(
            col(&mut c, 1),
            (0..40)
                .filter(|i| i % 6 == 0)
                .map(|i| 0.5 * i as f32)
                .collect::<Vec<_>>()
        );
        let mut c = Columns::build(40, &[0, 2], gather).unwrap();
        c.retain(&keep);
        assert_eq!(
            col(&mut c, 0),
            (0..40)
                .filter(|i| i % 3 == 0)
                .map(|i| i as f32)
                .collect::<Vec<_>>()
        );
        let contiguous = Columns::build(40, &[1, 2], gather)
            .unwrap()
            .map(|_, c| c.to_vec());
        assert_eq!(unkey(contiguous[0][5]), -5.0);
        assert!(Columns::build(1, &[0], |_| &[f32::INFINITY][..]).is_none());
    }
}
