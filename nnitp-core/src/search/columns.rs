//! The positive samples' values, transposed once into one column of keys per
//! candidate unit, and compacted into a second buffer as conjuncts drop
//! samples.
//!
//! Rows are aligned across columns (entry `i` of every column is the same
//! sample), and the columns lie back to back, so each round streams through
//! one contiguous block of memory.

use std::sync::Mutex;

use rayon::prelude::*;

#[cfg(target_arch = "x86_64")]
use super::lanes;
use super::simd::{keys_of, prefetch};

/// Units per transposition task.
const BLOCK: usize = 256;
/// Rows transposed at a time, so each column gets whole cache lines written.
const TILE: usize = 16;
/// Columns per task in [`Columns::map`].
const GROUP: usize = 16;
/// Keys of the next column fetched ahead in [`Columns::map`].
const PREFETCH_KEYS: usize = 4096;

/// Buffers of the last search's columns, kept for the next search: a large
/// fresh allocation costs page faults that take longer than the transposition.
static SPARE: Mutex<Vec<Vec<u32>>> = Mutex::new(Vec::new());

/// A buffer of at least `n` keys (content unspecified), reusing a spare one.
fn buffer(n: usize) -> Vec<u32> {
    let mut v = SPARE
        .lock()
        .ok()
        .and_then(|mut spare| {
            let best = (0..spare.len()).max_by_key(|&i| spare[i].len())?;
            Some(spare.swap_remove(best))
        })
        .unwrap_or_default();
    if v.len() < n {
        v.resize(n, 0);
    }
    v
}

/// Hands a buffer back for later searches (the two largest are kept).
fn give_back(v: Vec<u32>) {
    if v.capacity() == 0 {
        return;
    }
    if let Ok(mut spare) = SPARE.lock() {
        spare.push(v);
        spare.sort_by_key(|b| std::cmp::Reverse(b.capacity()));
        spare.truncate(2);
    }
}

/// Column-major keys of the positive samples, one column per candidate unit.
///
/// Dropping samples is deferred: [`Columns::retain`] records which samples stay,
/// and [`Columns::map`] picks the kept keys of each column as it reads them.
pub(super) struct Columns {
    /// Number of columns.
    count: usize,
    /// Distance between the starts of consecutive columns in `keys`.
    stride: usize,
    /// Keys stored per column.
    len: usize,
    keys: Vec<u32>,
    /// The buffer the next compaction writes to.
    spare: Vec<u32>,
    /// Indices (into the stored columns) of the samples still kept, when some
    /// stored ones have been dropped.
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
        let finite = keys[..rows * units.len()]
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
        let columns = Columns {
            count: units.len(),
            stride: rows,
            len: rows,
            keys,
            spare: Vec::new(),
            pending: None,
        };
        finite.then_some(columns)
    }

    /// Number of samples kept per column.
    pub(super) fn len(&self) -> usize {
        self.pending.as_ref().map_or(self.len, Vec::len)
    }

    /// `f(j, column j)` for every column, in parallel, in column order.
    ///
    /// Samples dropped since the columns were last written are skipped: while
    /// more than half of the stored ones remain, each column's kept keys are
    /// gathered into a small buffer; below that, the columns are rewritten
    /// densely into the spare buffer, so later rounds read less.
    pub(super) fn map<T: Send>(&mut self, f: impl Fn(usize, &[u32]) -> T + Sync) -> Vec<T> {
        let (stride, stored) = (self.stride.max(1), self.len);
        let keys = &self.keys[..self.count * self.stride];
        let Some(kept) = self.pending.take() else {
            return keys
                .par_chunks(stride)
                .enumerate()
                .with_min_len(GROUP)
                .map(|(j, col)| f(j, &col[..stored]))
                .collect();
        };
        let mut mask = vec![0u8; stored.div_ceil(8)];
        for &r in &kept {
            mask[r as usize / 8] |= 1 << (r % 8);
        }
        let kept = Kept { rows: kept, mask };
        let prefetch_next = |src: &[u32], c: usize| {
            if let Some(next) = src.get((c + 1) * stride..) {
                prefetch(&next[..stored.min(PREFETCH_KEYS).min(next.len())]);
            }
        };
        if 2 * kept.rows.len() > stored {
            let results = keys
                .par_chunks(stride * GROUP)
                .enumerate()
                .flat_map_iter(|(g, src)| {
                    let count = src.len() / stride;
                    let mut col = Vec::with_capacity(kept.rows.len());
                    let mut results = Vec::with_capacity(count);
                    for c in 0..count {
                        prefetch_next(src, c);
                        col.clear();
                        kept.pick(&src[c * stride..c * stride + stored], &mut col);
                        results.push(f(g * GROUP + c, &col));
                    }
                    results
                })
                .collect();
            self.pending = Some(kept.rows);
            return results;
        }
        let len = kept.rows.len().max(1);
        let mut out = std::mem::take(&mut self.spare);
        if out.len() < self.count * len {
            give_back(out);
            out = buffer(self.count * len);
        }
        let results = out[..self.count * len]
            .par_chunks_mut(len * GROUP)
            .zip(keys.par_chunks(stride * GROUP))
            .enumerate()
            .flat_map_iter(|(g, (dst, src))| {
                let count = dst.len() / len;
                let mut col = Vec::with_capacity(kept.rows.len());
                let mut results = Vec::with_capacity(count);
                for c in 0..count {
                    prefetch_next(src, c);
                    col.clear();
                    kept.pick(&src[c * stride..c * stride + stored], &mut col);
                    dst[c * len..c * len + col.len()].copy_from_slice(&col);
                    results.push(f(g * GROUP + c, &col));
                }
                results
            })
            .collect();
        self.spare = std::mem::replace(&mut self.keys, out);
        (self.stride, self.len) = (len, kept.rows.len());
        results
    }

    /// Keeps the samples `i` with `keep[i]` (indices into the current columns).
    pub(super) fn retain(&mut self, keep: &[bool]) {
        let kept: Vec<u32> = match self.pending.take() {
            // Compose with the drops not yet written.
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

/// The samples kept of the stored ones, as ascending indices and as a bit mask.
struct Kept {
    rows: Vec<u32>,
    mask: Vec<u8>,
}

impl Kept {
    /// Appends the kept keys of one stored column to `out`.
    fn pick(&self, col: &[u32], out: &mut Vec<u32>) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("popcnt")
        {
            // SAFETY: the CPU supports AVX2 and POPCNT, checked just above.
            return unsafe { lanes::keep(col, &self.mask, out) };
        }
        out.extend(self.rows.iter().map(|&r| col[r as usize]));
    }
}

impl Drop for Columns {
    fn drop(&mut self) {
        give_back(std::mem::take(&mut self.keys));
        give_back(std::mem::take(&mut self.spare));
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

    #[test]
    fn picks_kept_keys_while_most_stay_then_rewrites() {
        let vals: Vec<[f32; 2]> = (0..101).map(|i| [i as f32, 1.0]).collect();
        let mut c = Columns::build(101, &[0, 1], |i| vals[i].as_slice()).unwrap();
        let first = |c: &mut Columns| -> Vec<f32> {
            c.map(|_, col| col.to_vec())[0]
                .iter()
                .map(|&k| unkey(k))
                .collect()
        };
        // 76 of 101 stay: read through the mask, nothing rewritten
        c.retain(&(0..101).map(|i| i % 4 != 0).collect::<Vec<_>>());
        let want: Vec<f32> = (0..101).filter(|i| i % 4 != 0).map(|i| i as f32).collect();
        assert_eq!(first(&mut c), want);
        assert_eq!(c.stride, 101);
        // every other one of those: 38 of 101, rewritten densely
        c.retain(&(0..76).map(|i| i % 2 == 0).collect::<Vec<_>>());
        let want: Vec<f32> = want.iter().step_by(2).copied().collect();
        assert_eq!(first(&mut c), want);
        assert_eq!((c.stride, c.len()), (38, 38));
        assert_eq!(first(&mut c), want);
    }
}
