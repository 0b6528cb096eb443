//! The positive samples' values as one column of keys per candidate unit:
//! transposed from the rows in cache-sized blocks while most samples remain,
//! then stored, and compacted into a second buffer as conjuncts drop samples.
//!
//! Rows are aligned across columns (entry `i` of every column is the same
//! sample), and stored columns lie back to back, so a round streams through
//! one contiguous block of memory.

use rayon::prelude::*;

use super::buffers::SearchBuffers;
#[cfg(target_arch = "x86_64")]
use super::lanes;
use super::scatter::scatter_tile_portable;
use super::simd::{keys_of, prefetch};

/// Most units per transposition task.
const BLOCK: usize = 256;
/// Keys of one transposition task's columns: half a typical L2 cache.
const BLOCK_KEYS: usize = 128 * 1024;
/// Rows transposed at a time, so each column gets whole cache lines written.
const TILE: usize = 16;
/// Columns per task in [`Columns::map`].
const GROUP: usize = 16;
/// Keys of the next column fetched ahead in [`Columns::map`].
const PREFETCH_KEYS: usize = 4096;

/// Column-major keys of the positive samples, one column per candidate unit.
///
/// While more than half of the samples are kept, each round transposes them
/// block by block into a cache-sized buffer and reads each column there:
/// nothing is written to memory, since the round's conjunct will drop samples.
/// The first round with at most half of them left also stores the columns,
/// back to back. From then on dropping samples is deferred:
/// [`Columns::retain`] records which stay, and [`Columns::map`] picks the kept
/// keys of each column as it reads them.
pub(super) struct Columns<'a> {
    /// The sample matrix, row-major, `width` values per row.
    flat: &'a [f32],
    width: usize,
    /// The candidate units (flat indices), one column each.
    units: &'a [usize],
    /// Matrix rows of the kept samples.
    rows: Vec<u32>,
    /// Number of samples at the start.
    initial: usize,
    /// The columns in memory, once stored.
    stored: Option<Stored>,
    /// The buffer the next compaction writes to.
    spare: Vec<u32>,
    /// Where buffers come from and go back to.
    pool: &'a mut SearchBuffers,
}

/// Columns stored back to back.
struct Stored {
    /// Distance between the starts of consecutive columns in `keys`.
    stride: usize,
    /// Keys stored per column.
    len: usize,
    keys: Vec<u32>,
    /// Indices (into the stored columns) of the samples still kept, when some
    /// stored ones have been dropped.
    pending: Option<Vec<u32>>,
}

thread_local! {
    /// Per-thread buffer of the columns of one block of units.
    static BLOCK_BUF: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl<'a> Columns<'a> {
    /// Columns of `units` over the samples at `rows` of the row-major matrix
    /// `flat` (`width` values per row). Nothing is read until [`Columns::map`].
    pub(super) fn new(
        flat: &'a [f32],
        width: usize,
        units: &'a [usize],
        rows: Vec<u32>,
        pool: &'a mut SearchBuffers,
    ) -> Self {
        Columns {
            flat,
            width,
            units,
            initial: rows.len(),
            rows,
            stored: None,
            spare: Vec::new(),
            pool,
        }
    }

    /// Number of samples kept per column.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Matrix rows of the kept samples.
    pub(super) fn rows(&self) -> &[u32] {
        &self.rows
    }

    /// `f(j, column j)` for every column, in parallel, in column order; `None`
    /// when a value is not finite.
    pub(super) fn map<T: Send>(&mut self, f: impl Fn(usize, &[u32]) -> T + Sync) -> Option<Vec<T>> {
        if self.stored.is_none() {
            let store = 2 * self.rows.len() <= self.initial;
            return self.transpose(f, store);
        }
        Some(self.map_stored(f))
    }

    /// Keeps the samples `i` with `keep[i]` (indices into the kept samples).
    pub(super) fn retain(&mut self, keep: &[bool]) {
        let mut it = keep.iter();
        self.rows.retain(|_| *it.next().unwrap_or(&false));
        let Some(st) = &mut self.stored else {
            return;
        };
        let kept: Vec<u32> = match st.pending.take() {
            // Compose with the drops not yet written.
            Some(prev) => prev
                .iter()
                .zip(keep)
                .filter(|&(_, &k)| k)
                .map(|(&i, _)| i)
                .collect(),
            None => (0..st.len as u32).filter(|&i| keep[i as usize]).collect(),
        };
        st.pending = Some(kept);
    }

    /// Transposes the kept samples block by block, into the stored columns
    /// when `store`, else into a per-thread buffer, and reads each column there.
    fn transpose<T: Send>(
        &mut self,
        f: impl Fn(usize, &[u32]) -> T + Sync,
        store: bool,
    ) -> Option<Vec<T>> {
        let (n, count) = (self.rows.len(), self.units.len());
        // Units per block: the block's columns fit in a core's L2 cache.
        let block = (BLOCK_KEYS / n.max(1)).clamp(8, BLOCK);
        let (flat, width, rows) = (self.flat, self.width, &self.rows);
        let row = |i: usize| {
            let r = rows[i] as usize;
            &flat[r * width..(r + 1) * width]
        };
        let task = |b: usize, units: &[usize], dst: &mut [u32]| -> (bool, Vec<T>) {
            let finite = transpose_block(n, units, &row, dst);
            let results = (0..units.len())
                .map(|c| f(b * block + c, &dst[c * n..(c + 1) * n]))
                .collect();
            (finite, results)
        };
        let done: Vec<(bool, Vec<T>)> = if store {
            let mut out = self.pool.take(count * n);
            let done = out[..count * n]
                .par_chunks_mut((n * block).max(1))
                .zip(self.units.par_chunks(block))
                .enumerate()
                .map(|(b, (dst, units))| task(b, units, dst))
                .collect();
            self.stored = Some(Stored {
                stride: n,
                len: n,
                keys: out,
                pending: None,
            });
            done
        } else {
            self.units
                .par_chunks(block)
                .enumerate()
                .map(|(b, units)| {
                    BLOCK_BUF.with(|buf| {
                        let mut buf = buf.borrow_mut();
                        if buf.len() < units.len() * n {
                            buf.resize(units.len() * n, 0);
                        }
                        task(b, units, &mut buf[..units.len() * n])
                    })
                })
                .collect()
        };
        let mut results = Vec::with_capacity(count);
        for (finite, part) in done {
            if !finite {
                return None;
            }
            results.extend(part);
        }
        Some(results)
    }

    /// [`Columns::map`] over the stored columns.
    ///
    /// Samples dropped since the columns were written are skipped: while more
    /// than half of the stored ones remain, each column's kept keys are
    /// gathered into a small buffer; below that, the columns are rewritten
    /// densely into the spare buffer, so later rounds read less.
    fn map_stored<T: Send>(&mut self, f: impl Fn(usize, &[u32]) -> T + Sync) -> Vec<T> {
        let count = self.units.len();
        let st = self
            .stored
            .as_mut()
            .expect("map_stored is called on stored columns");
        let (stride, stored) = (st.stride.max(1), st.len);
        let keys = &st.keys[..count * st.stride];
        let Some(kept) = st.pending.take() else {
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
        let len = kept.rows.len().max(1);
        // One group of columns: each column's kept keys are picked into `col`,
        // copied to `dst` when the columns are being rewritten, and read there.
        let group = |g: usize, src: &[u32], mut dst: Option<&mut [u32]>| {
            let count = src.len() / stride;
            let mut col = Vec::with_capacity(kept.rows.len());
            let mut results = Vec::with_capacity(count);
            for c in 0..count {
                prefetch_next(src, c);
                col.clear();
                kept.pick(&src[c * stride..c * stride + stored], &mut col);
                if let Some(dst) = dst.as_deref_mut() {
                    dst[c * len..c * len + col.len()].copy_from_slice(&col);
                }
                results.push(f(g * GROUP + c, &col));
            }
            results
        };
        if 2 * kept.rows.len() > stored {
            let results = keys
                .par_chunks(stride * GROUP)
                .enumerate()
                .flat_map_iter(|(g, src)| group(g, src, None))
                .collect();
            st.pending = Some(kept.rows);
            return results;
        }
        let mut out = std::mem::take(&mut self.spare);
        if out.len() < count * len {
            self.pool.give(out);
            out = self.pool.take(count * len);
        }
        let results = out[..count * len]
            .par_chunks_mut(len * GROUP)
            .zip(keys.par_chunks(stride * GROUP))
            .enumerate()
            .flat_map_iter(|(g, (dst, src))| group(g, src, Some(dst)))
            .collect();
        self.spare = std::mem::replace(&mut st.keys, out);
        (st.stride, st.len) = (len, kept.rows.len());
        results
    }
}

/// Writes the keys of `units` in samples `0..n` (`row(i)` is sample `i`'s
/// values) to `dst`, column after column; returns whether all were finite.
fn transpose_block<'r>(
    n: usize,
    units: &[usize],
    row: &impl Fn(usize) -> &'r [f32],
    dst: &mut [u32],
) -> bool {
    let b = units.len();
    let span = units[0]..units[b - 1] + 1;
    let contiguous = span.len() == b;
    let mut vals = vec![0f32; b];
    let mut tile = vec![0u32; TILE * b];
    let mut finite = true;
    for i0 in (0..n).step_by(TILE) {
        let h = TILE.min(n - i0);
        for i in i0 + TILE..(i0 + 2 * TILE).min(n) {
            prefetch(&row(i)[span.clone()]);
        }
        for ii in 0..h {
            let values = row(i0 + ii);
            let out = &mut tile[ii * b..(ii + 1) * b];
            finite &= if contiguous {
                keys_of(&values[span.clone()], out)
            } else {
                for (v, &u) in vals.iter_mut().zip(units) {
                    *v = values[u];
                }
                keys_of(&vals, out)
            };
        }
        scatter_tile(&tile[..h * b], b, &mut dst[i0..], n);
    }
    finite
}

/// Writes row `i` of `tile` (rows of `b` keys) to `dst[j * n + i]` for every
/// column `j`: a tile of samples into the columns.
fn scatter_tile(tile: &[u32], b: usize, dst: &mut [u32], n: usize) {
    #[cfg(target_arch = "x86_64")]
    if lanes::Level::detect() >= lanes::Level::Avx2 {
        // SAFETY: the CPU supports AVX2, as detected.
        return unsafe { lanes::scatter_tile(tile, b, dst, n) };
    }
    scatter_tile_portable(tile, b, dst, n, 0, 0);
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
        match lanes::Level::detect() {
            // SAFETY: the CPU supports the features, as detected.
            lanes::Level::Avx512 => return unsafe { lanes::wide::keep(col, &self.mask, out) },
            // SAFETY: as above.
            lanes::Level::Avx2 => return unsafe { lanes::keep(col, &self.mask, out) },
            lanes::Level::None => {}
        }
        self.pick_portable(col, out);
    }

    /// [`Kept::pick`] without vector kernels.
    fn pick_portable(&self, col: &[u32], out: &mut Vec<u32>) {
        out.extend(self.rows.iter().map(|&r| col[r as usize]));
    }
}

impl Drop for Columns<'_> {
    fn drop(&mut self) {
        if let Some(st) = self.stored.take() {
            self.pool.give(st.keys);
        }
        self.pool.give(std::mem::take(&mut self.spare));
    }
}

#[cfg(test)]
mod tests;
