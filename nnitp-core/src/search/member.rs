//! One search of an ensemble: rounds of thresholds and counts over a set of
//! candidate units, each adding the best conjunct.

use rayon::prelude::*;

use super::buffers::SearchBuffers;
use super::columns::Columns;
use super::hyperparams::ValidSearchParams;
use super::keys::{key, unkey};
use super::rows::RowSet;
use super::select::Selector;
use super::simd::{count_keys, count_segment, count_segment4};
use crate::error::Result;
use crate::predicate::Op;

/// Rows per task in the counting step.
const ROW_CHUNK: usize = 256;
/// Most units counted together: their thresholds and counters stay in L1 cache
/// while a chunk of rows streams past.
const UNIT_TILE: usize = 1024;

thread_local! {
    /// Per-thread scratch buffers of the threshold step.
    static SCRATCH: std::cell::RefCell<(Vec<u32>, Selector)> =
        std::cell::RefCell::new((Vec::new(), Selector::default()));
}

/// Order statistics of a slice of keys: `(desc[m], asc[m])`, reordering it.
fn order_stats(s: &mut [u32], m: usize) -> (u32, u32) {
    let n = s.len();
    let pg = n - 1 - m; // descending position m == ascending position n-1-m
    let (_, &mut ge, _) = s.select_nth_unstable(pg);
    let le = match m.cmp(&pg) {
        std::cmp::Ordering::Equal => ge,
        std::cmp::Ordering::Less => *s[..pg].select_nth_unstable(m).1,
        std::cmp::Ordering::Greater => *s[pg + 1..].select_nth_unstable(m - pg - 1).1,
    };
    (ge, le)
}

/// `ceil(gamma * n) - 1`, in f64 as nnitp computes it.
fn position(gamma: f64, n: usize) -> usize {
    ((gamma * n as f64).ceil() as usize).max(1) - 1
}

/// Per-unit figures of one round.
#[derive(Clone, Copy, Default)]
struct UnitRound {
    thr_ge: f32,
    thr_le: f32,
    f_ge: u32,
    f_le: u32,
}

/// One search over the candidate units `units` (ascending flat indices).
pub(super) struct Member<'s, 'a> {
    premise: &'s RowSet<'a>,
    onset: &'s RowSet<'a>,
    offset: &'s RowSet<'a>,
    units: &'s [usize],
    /// `units` as runs of consecutive indices, (first unit, length, position in
    /// `units`), grouped into tiles of at most [`UNIT_TILE`] units.
    tiles: Vec<Vec<(usize, usize, usize)>>,
}

impl<'s, 'a> Member<'s, 'a> {
    pub(super) fn new(
        premise: &'s RowSet<'a>,
        onset: &'s RowSet<'a>,
        offset: &'s RowSet<'a>,
        units: &'s [usize],
    ) -> Self {
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for (i, &u) in units.iter().enumerate() {
            match runs.last_mut() {
                Some((s, len, _)) if *s + *len == u => *len += 1,
                _ => runs.push((u, 1, i)),
            }
        }
        let mut tiles: Vec<Vec<(usize, usize, usize)>> = Vec::new();
        let mut filled = UNIT_TILE;
        for (mut start, mut len, mut at) in runs {
            while len > 0 {
                if filled == UNIT_TILE {
                    tiles.push(Vec::new());
                    filled = 0;
                }
                let take = len.min(UNIT_TILE - filled);
                tiles
                    .last_mut()
                    .expect("a tile was pushed")
                    .push((start, take, at));
                filled += take;
                (start, len, at) = (start + take, len - take, at + take);
            }
        }
        Member {
            premise,
            onset,
            offset,
            units,
            tiles,
        }
    }

    /// `(desc[m_a], asc[m_a])` of the premise rows' keys for unit `u`.
    fn premise_stats(
        &self,
        u: usize,
        a_rows: &[u32],
        m_a: usize,
        buf: &mut Vec<u32>,
    ) -> (u32, u32) {
        buf.clear();
        buf.extend(a_rows.iter().map(|&r| key(self.premise.value(r, u))));
        order_stats(buf, m_a)
    }

    /// Thresholds and positive counts of every candidate unit.
    /// `None` when a positive sample's value is not finite.
    fn thresholds(
        &self,
        cols: &mut Columns<'_>,
        a_rows: &[u32],
        gamma: f64,
    ) -> Option<Vec<UnitRound>> {
        let m_off = position(gamma, cols.len());
        let m_a = position(gamma, a_rows.len());
        cols.map(|j, col| {
            SCRATCH.with(|s| {
                let (buf, select) = &mut *s.borrow_mut();
                let x = self.premise_stats(self.units[j], a_rows, m_a, buf);
                unit_round(col, select, x, m_off)
            })
        })
    }

    /// Negative counts `t` for both directions, one pass over the negative rows.
    fn negative_counts(
        &self,
        on_rows: &[u32],
        thr_ge: &[f32],
        thr_le: &[f32],
    ) -> Result<(Vec<u32>, Vec<u32>)> {
        let nc = self.units.len();
        let (flat, w) = (self.onset.flat(), self.onset.width());
        let (t_ge, t_le, finite) = on_rows
            .par_chunks(ROW_CHUNK)
            .fold(
                || (vec![0u32; nc], vec![0u32; nc], true),
                |(mut cg, mut cl, mut finite), chunk| {
                    let row = |r: u32| &flat[r as usize * w..(r as usize + 1) * w];
                    let quads = chunk.chunks_exact(4);
                    let rest = quads.remainder();
                    for tile in &self.tiles {
                        for quad in quads.clone() {
                            let rows = [row(quad[0]), row(quad[1]), row(quad[2]), row(quad[3])];
                            for &(start, len, at) in tile {
                                finite &= count_segment4(
                                    rows.map(|r| &r[start..start + len]),
                                    &thr_ge[at..at + len],
                                    &thr_le[at..at + len],
                                    &mut cg[at..at + len],
                                    &mut cl[at..at + len],
                                );
                            }
                        }
                        for &r in rest {
                            for &(start, len, at) in tile {
                                finite &= count_segment(
                                    &row(r)[start..start + len],
                                    &thr_ge[at..at + len],
                                    &thr_le[at..at + len],
                                    &mut cg[at..at + len],
                                    &mut cl[at..at + len],
                                );
                            }
                        }
                    }
                    (cg, cl, finite)
                },
            )
            .reduce(
                || (vec![0u32; nc], vec![0u32; nc], true),
                |(mut ag, mut al, af), (bg, bl, bf)| {
                    ag.iter_mut().zip(&bg).for_each(|(a, b)| *a += b);
                    al.iter_mut().zip(&bl).for_each(|(a, b)| *a += b);
                    (ag, al, af && bf)
                },
            );
        if !finite {
            self.onset.find_non_finite(self.units)?;
        }
        Ok((t_ge, t_le))
    }

    /// Runs the search loop; returns (flat unit, op, threshold) in order.
    pub(super) fn run(
        &self,
        params: &ValidSearchParams,
        pool: &mut SearchBuffers,
    ) -> Result<Vec<(usize, Op, f32)>> {
        let epsilon = 1.0 - params.alpha();
        let g0 = params.gamma();
        let mut gamma = g0;
        let mut a_rows = self.premise.rows.clone();
        let mut on_rows = self.onset.rows.clone();
        let (flat, w) = (self.offset.flat(), self.offset.width());
        // The positive samples kept, with their values by unit.
        let mut cols = Columns::new(flat, w, self.units, self.offset.rows.clone(), pool);
        let mut result = Vec::new();
        let mut read = false;
        while on_rows.len() as f64 > epsilon * (on_rows.len() + cols.len()) as f64 && gamma > 0.001
        {
            read = true;
            let Some(round) = self.thresholds(&mut cols, &a_rows, gamma) else {
                self.offset.find_non_finite(self.units)?;
                unreachable!("a non-finite value was seen while transposing");
            };
            let thr_ge: Vec<f32> = round.iter().map(|r| r.thr_ge).collect();
            let thr_le: Vec<f32> = round.iter().map(|r| r.thr_le).collect();
            let (t_ge, t_le) = self.negative_counts(&on_rows, &thr_ge, &thr_le)?;
            let best = |t: &[u32], f: &dyn Fn(&UnitRound) -> u32| {
                let mut best = (0usize, f64::INFINITY);
                for (j, r) in round.iter().enumerate() {
                    let cost = f64::from(t[j]) / f64::from(t[j] + f(r));
                    if cost < best.1 {
                        best = (j, cost);
                    }
                }
                best
            };
            let (j_ge, c_ge) = best(&t_ge, &|r| r.f_ge);
            let (j_le, c_le) = best(&t_le, &|r| r.f_le);
            let (j, op, thr, t) = if c_ge <= c_le {
                (j_ge, Op::Ge, thr_ge[j_ge], t_ge[j_ge])
            } else {
                (j_le, Op::Le, thr_le[j_le], t_le[j_le])
            };
            if (t as usize) < on_rows.len() {
                let u = self.units[j];
                let holds = |set: &RowSet<'_>, r: u32| op.holds(set.value(r, u), thr);
                a_rows.retain(|&r| holds(self.premise, r));
                // One scattered read per row: in parallel, as memory latency bounds it.
                let flags = |set: &RowSet<'_>, rows: &[u32]| -> Vec<bool> {
                    rows.par_iter()
                        .with_min_len(1024)
                        .map(|&r| holds(set, r))
                        .collect()
                };
                let keep_on = flags(self.onset, &on_rows);
                let mut it = keep_on.iter();
                on_rows.retain(|_| *it.next().unwrap_or(&false));
                let keep = flags(self.offset, cols.rows());
                if keep.iter().any(|k| !k) {
                    cols.retain(&keep);
                }
                result.push((u, op, thr));
                gamma *= params.mu();
            } else if g0 < 1.0 {
                gamma *= g0;
            } else {
                // gamma = 1 cannot shrink: nothing would ever change again
                break;
            }
        }
        if !read {
            // No round read the samples: check the candidate units now.
            self.onset.find_non_finite(self.units)?;
            self.offset.find_non_finite(self.units)?;
        }
        Ok(result)
    }
}

/// Thresholds and positive counts of one unit from its positive keys `col` and
/// the premise's order statistics `(x_ge, x_le)`.
///
/// `thr_ge = min(x_ge, y_ge)` where `y_ge` is the `(m+1)`-th largest positive; it
/// is `x_ge` exactly when at least `m+1` positives are `>= x_ge`, which one
/// counting pass tells, so a selection runs only when needed; likewise for `<=`.
fn unit_round(col: &[u32], select: &mut Selector, (x_ge, x_le): (u32, u32), m: usize) -> UnitRound {
    let n = col.len();
    let (mut f_ge, mut f_le) = count_keys(col, x_ge, x_le);
    let (mut k_ge, mut k_le) = (x_ge, x_le);
    let need_ge = f_ge as usize <= m;
    let need_le = f_le as usize <= m;
    if need_ge {
        k_ge = select.kth(col, n - 1 - m);
    }
    if need_le {
        k_le = select.kth(col, m);
    }
    if need_ge || need_le {
        let (g, l) = count_keys(col, k_ge, k_le);
        if need_ge {
            f_ge = g;
        }
        if need_le {
            f_le = l;
        }
    }
    UnitRound {
        thr_ge: unkey(k_ge),
        thr_le: unkey(k_le),
        f_ge,
        f_le,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_stats_match_sorting() {
        let mut s: Vec<u32> = (0..101u32).map(|i| (i * 37) % 101).collect();
        for m in [0, 10, 50, 60, 100] {
            let (ge, le) = order_stats(&mut s.clone(), m);
            assert_eq!(ge, 100 - m as u32);
            assert_eq!(le, m as u32);
        }
        s.truncate(1);
        assert_eq!(order_stats(&mut s, 0), (0, 0));
    }

    #[test]
    fn position_is_ceil_minus_one() {
        assert_eq!(position(0.6, 5), 2);
        assert_eq!(position(0.6, 1), 0);
        assert_eq!(position(1.0, 10), 9);
        assert_eq!(position(0.001, 10), 0);
    }
}
