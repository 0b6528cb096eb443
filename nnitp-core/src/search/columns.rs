//! The positive samples' values, transposed once into one column of keys per
//! candidate unit and compacted in place as conjuncts drop samples.
//!
//! Rows are aligned across columns (entry `i` of every column is the same
//! sample), so dropping samples is one sequential pass per column, and each
//! round reads every column contiguously.

use std::sync::Mutex;

use rayon::prelude::*;

use super::simd::keys_of;

/// Units per transposition task.
const BLOCK: usize = 256;
/// Rows transposed at a time, so each column gets whole cache lines written.
const TILE: usize = 16;

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
pub(super) struct Columns {
    cap: usize,
    len: usize,
    keys: Vec<u32>,
}

impl Columns {
    /// Transposes `rows` samples; `gather(i, block, out)` writes the values of
    /// units `block` in sample `i`. Returns `None` when a value is not finite.
    pub(super) fn build(
        rows: usize,
        units: &[usize],
        gather: impl Fn(usize, &[usize], &mut [f32]) + Sync,
    ) -> Option<Self> {
        let mut keys = buffer(rows * units.len());
        let finite = keys
            .par_chunks_mut((rows * BLOCK).max(1))
            .zip(units.par_chunks(BLOCK))
            .map(|(out, block)| {
                let b = block.len();
                let mut vals = vec![0f32; b];
                let mut tile = vec![0u32; TILE * b];
                let mut finite = true;
                for i0 in (0..rows).step_by(TILE) {
                    let h = TILE.min(rows - i0);
                    for ii in 0..h {
                        gather(i0 + ii, block, &mut vals);
                        finite &= keys_of(&vals, &mut tile[ii * b..(ii + 1) * b]);
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
        })
    }

    /// Number of samples per column.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Column `j`.
    #[inline]
    pub(super) fn column(&self, j: usize) -> &[u32] {
        &self.keys[j * self.cap..j * self.cap + self.len]
    }

    /// Keeps the samples `i` with `keep[i]` (indices into the current columns).
    pub(super) fn retain(&mut self, keep: &[bool]) {
        let len = self.len;
        self.keys.par_chunks_mut(self.cap.max(1)).for_each(|col| {
            let mut w = 0;
            for r in 0..len {
                col[w] = col[r];
                w += usize::from(keep[r]);
            }
        });
        self.len = keep[..len].iter().filter(|&&k| k).count();
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
        let gather = |i: usize, block: &[usize], out: &mut [f32]| {
            for (o, &u) in out.iter_mut().zip(block) {
                *o = vals[i][u];
            }
        };
        let mut c = Columns::build(40, &[0, 2], gather).unwrap();
        let col = |c: &Columns, j| -> Vec<f32> { c.column(j).iter().map(|&k| unkey(k)).collect() };
        assert_eq!(
            col(&c, 1),
            (0..40).map(|i| 0.5 * i as f32).collect::<Vec<_>>()
        );
        let keep: Vec<bool> = (0..40).map(|i| i % 3 == 0).collect();
        c.retain(&keep);
        assert_eq!(c.len(), 14);
        assert_eq!(
            col(&c, 0),
            (0..40)
                .filter(|i| i % 3 == 0)
                .map(|i| i as f32)
                .collect::<Vec<_>>()
        );
        assert!(Columns::build(1, &[0], |_, _, out| out[0] = f32::INFINITY).is_none());
    }
}
