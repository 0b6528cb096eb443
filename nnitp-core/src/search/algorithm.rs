//! The Bayesian interpolant search (DESIGN.md, "The search"), exact to nnitp.
//!
//! Each round needs, for every candidate unit and both directions, an order
//! statistic of the positive ("offset") samples and two counts. The
//! implementation never copies the sample matrix: rows are tracked as index
//! lists and read in place.
//! - Thresholds and the positive counts `f` come from blocks of units whose
//!   positive values are gathered into a small scratch buffer (as order-preserving
//!   integer keys) and selected with `select_nth_unstable`.
//! - The negative counts `t` come from one streaming pass over the negative rows,
//!   comparing each row against the per-unit thresholds (vectorisable), with one
//!   counter array per thread.
//!
//! Both steps run in parallel with rayon.

use ndarray::{ArrayView2, CowArray, Ix2};
use rayon::prelude::*;

use super::hyperparams::ValidSearchParams;
use super::input::{Samples, SearchInput};
use super::rng::SplitMix64;
use crate::error::{Error, Result};
use crate::predicate::{Bound, Conjunction, Op};
use crate::unit::{Unit, UnitBox};

/// Units per block in the threshold step.
const BLOCK: usize = 32;
/// Rows per task in the counting step.
const ROW_CHUNK: usize = 256;

/// Rows of one matrix (in place, row-major) selected by an index list.
struct RowSet<'a> {
    what: &'static str,
    data: CowArray<'a, f32, Ix2>,
    rows: Vec<u32>,
}

impl<'a> RowSet<'a> {
    fn new(what: &'static str, data: ArrayView2<'a, f32>, rows: Vec<u32>) -> Self {
        let data = if data.is_standard_layout() {
            CowArray::from(data)
        } else {
            CowArray::from(data.as_standard_layout().into_owned())
        };
        RowSet { what, data, rows }
    }

    fn flat(&self) -> &[f32] {
        self.data
            .as_slice()
            .expect("as_standard_layout gives a contiguous array")
    }

    fn width(&self) -> usize {
        self.data.ncols()
    }

    #[inline]
    fn value(&self, row: u32, unit: usize) -> f32 {
        self.flat()[row as usize * self.width() + unit]
    }

    /// The first non-finite value among `units` of the selected rows, as an error.
    fn find_non_finite(&self, units: &[usize]) -> Result<()> {
        for &r in &self.rows {
            for &u in units {
                let v = self.value(r, u);
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        what: self.what.into(),
                        row: r as usize,
                        unit: u,
                        value: v,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Maps an `f32` to a `u32` whose unsigned order is the float order (`-0.0` is
/// taken as `+0.0`, as float comparison does).
#[inline]
fn key(v: f32) -> u32 {
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

#[inline]
fn unkey(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7FFF_FFFF } else { !k })
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
struct Member<'s, 'a> {
    premise: &'s RowSet<'a>,
    onset: &'s RowSet<'a>,
    offset: &'s RowSet<'a>,
    units: &'s [usize],
    /// `units` as runs of consecutive indices: (first unit, length, position in `units`).
    runs: Vec<(usize, usize, usize)>,
}

impl<'s, 'a> Member<'s, 'a> {
    fn new(
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
        Member {
            premise,
            onset,
            offset,
            units,
            runs,
        }
    }

    /// Thresholds and positive counts for every candidate unit.
    fn thresholds(
        &self,
        a_rows: &[u32],
        off_rows: &[u32],
        gamma: f64,
        check: bool,
    ) -> Result<Vec<UnitRound>> {
        let n_off = off_rows.len();
        let m_off = position(gamma, n_off);
        let m_a = position(gamma, a_rows.len());
        let (pflat, pw) = (self.premise.flat(), self.premise.width());
        let (oflat, ow) = (self.offset.flat(), self.offset.width());
        let blocks: Vec<Result<Vec<UnitRound>>> = self
            .units
            .par_chunks(BLOCK)
            .map(|block| {
                let mut scratch = vec![0u32; block.len() * n_off];
                let mut bad = false;
                let contiguous = block[block.len() - 1] - block[0] + 1 == block.len();
                for (i, &r) in off_rows.iter().enumerate() {
                    let row = &oflat[r as usize * ow..(r as usize + 1) * ow];
                    if contiguous {
                        let seg = &row[block[0]..block[0] + block.len()];
                        for (j, &v) in seg.iter().enumerate() {
                            bad |= !(v.abs() < f32::INFINITY);
                            scratch[j * n_off + i] = key(v);
                        }
                    } else {
                        for (j, &u) in block.iter().enumerate() {
                            let v = row[u];
                            bad |= !(v.abs() < f32::INFINITY);
                            scratch[j * n_off + i] = key(v);
                        }
                    }
                }
                if check && bad {
                    self.offset.find_non_finite(block)?;
                }
                let mut a_keys = vec![0u32; a_rows.len()];
                let mut out = Vec::with_capacity(block.len());
                for (j, &u) in block.iter().enumerate() {
                    for (k, &r) in a_keys.iter_mut().zip(a_rows) {
                        *k = key(pflat[r as usize * pw + u]);
                    }
                    let (x_ge, x_le) = order_stats(&mut a_keys, m_a);
                    let col = &mut scratch[j * n_off..(j + 1) * n_off];
                    let (y_ge, y_le) = order_stats(col, m_off);
                    let (k_ge, k_le) = (x_ge.min(y_ge), x_le.max(y_le));
                    let mut f_ge = 0u32;
                    let mut f_le = 0u32;
                    for &k in col.iter() {
                        f_ge += u32::from(k >= k_ge);
                        f_le += u32::from(k <= k_le);
                    }
                    out.push(UnitRound {
                        thr_ge: unkey(k_ge),
                        thr_le: unkey(k_le),
                        f_ge,
                        f_le,
                    });
                }
                Ok(out)
            })
            .collect();
        let mut all = Vec::with_capacity(self.units.len());
        for b in blocks {
            all.extend(b?);
        }
        Ok(all)
    }

    /// Negative counts `t` for both directions, one pass over the negative rows.
    fn negative_counts(
        &self,
        on_rows: &[u32],
        thr_ge: &[f32],
        thr_le: &[f32],
        check: bool,
    ) -> Result<(Vec<u32>, Vec<u32>)> {
        let nc = self.units.len();
        let (flat, w) = (self.onset.flat(), self.onset.width());
        let (t_ge, t_le, bad) = on_rows
            .par_chunks(ROW_CHUNK)
            .fold(
                || (vec![0u32; nc], vec![0u32; nc], false),
                |(mut cg, mut cl, mut bad), chunk| {
                    for &r in chunk {
                        let row = &flat[r as usize * w..(r as usize + 1) * w];
                        for &(start, len, at) in &self.runs {
                            let seg = &row[start..start + len];
                            let tg = &thr_ge[at..at + len];
                            let tl = &thr_le[at..at + len];
                            let cg = &mut cg[at..at + len];
                            let cl = &mut cl[at..at + len];
                            if check {
                                bad |= seg.iter().any(|v| !(v.abs() < f32::INFINITY));
                            }
                            for i in 0..len {
                                cg[i] += u32::from(seg[i] >= tg[i]);
                                cl[i] += u32::from(seg[i] <= tl[i]);
                            }
                        }
                    }
                    (cg, cl, bad)
                },
            )
            .reduce(
                || (vec![0u32; nc], vec![0u32; nc], false),
                |(mut ag, mut al, ab), (bg, bl, bb)| {
                    ag.iter_mut().zip(&bg).for_each(|(a, b)| *a += b);
                    al.iter_mut().zip(&bl).for_each(|(a, b)| *a += b);
                    (ag, al, ab || bb)
                },
            );
        if bad {
            self.onset.find_non_finite(self.units)?;
        }
        Ok((t_ge, t_le))
    }

    /// Runs the search loop; returns (flat unit, op, threshold) in order.
    fn run(&self, params: &ValidSearchParams) -> Result<Vec<(usize, Op, f32)>> {
        let epsilon = 1.0 - params.alpha;
        let g0 = params.gamma;
        let mut gamma = g0;
        let mut a_rows = self.premise.rows.clone();
        let mut on_rows = self.onset.rows.clone();
        let mut off_rows = self.offset.rows.clone();
        let mut result = Vec::new();
        let mut first = true;
        while on_rows.len() as f64 > epsilon * (on_rows.len() + off_rows.len()) as f64
            && gamma > 0.001
        {
            let round = self.thresholds(&a_rows, &off_rows, gamma, first)?;
            let thr_ge: Vec<f32> = round.iter().map(|r| r.thr_ge).collect();
            let thr_le: Vec<f32> = round.iter().map(|r| r.thr_le).collect();
            let (t_ge, t_le) = self.negative_counts(&on_rows, &thr_ge, &thr_le, first)?;
            first = false;
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
                let keep = |set: &RowSet<'_>, rows: &mut Vec<u32>| {
                    rows.retain(|&r| op.holds(set.value(r, u), thr));
                };
                keep(self.premise, &mut a_rows);
                keep(self.onset, &mut on_rows);
                keep(self.offset, &mut off_rows);
                result.push((u, op, thr));
                gamma *= params.mu;
            } else {
                gamma *= g0;
            }
        }
        if first {
            // No round read the samples: check the candidate units now.
            self.onset.find_non_finite(self.units)?;
            self.offset.find_non_finite(self.units)?;
        }
        Ok(result)
    }
}

/// Validates the input and runs the search (an ensemble when asked).
pub(crate) fn search(params: &ValidSearchParams, input: &SearchInput<'_>) -> Result<Conjunction> {
    let shape = &input.unit_shape;
    let units: usize = shape.iter().product();
    let width = |what: &str, m: &ArrayView2<'_, f32>| -> Result<()> {
        if m.ncols() != units {
            return Err(Error::shape(what, &[m.nrows(), units], m.shape()));
        }
        Ok(())
    };
    width("premise", &input.premise)?;
    if input.premise.nrows() == 0 {
        return Err(Error::EmptyPremise);
    }
    let all = |n: usize| (0..n as u32).collect::<Vec<u32>>();
    let (onset, offset) = match &input.samples {
        Samples::Split {
            positives,
            negatives,
        } => {
            width("positives", positives)?;
            width("negatives", negatives)?;
            (
                RowSet::new("negatives", *negatives, all(negatives.nrows())),
                RowSet::new("positives", *positives, all(positives.nrows())),
            )
        }
        Samples::Masked { data, mask } => {
            width("samples", data)?;
            if mask.len() != data.nrows() {
                return Err(Error::shape("mask", &[data.nrows()], &[mask.len()]));
            }
            let pick = |want: bool| {
                (0..data.nrows() as u32)
                    .filter(|&i| mask[i as usize] == want)
                    .collect()
            };
            (
                RowSet::new("samples", *data, pick(false)),
                RowSet::new("samples", *data, pick(true)),
            )
        }
    };
    if offset.rows.is_empty() {
        return Err(Error::NoPositiveSamples);
    }
    let premise = RowSet::new("premise", input.premise, all(input.premise.nrows()));
    let candidates = match &input.cone {
        Some(cone) => cone.flat_indices(shape)?,
        None => UnitBox::full(shape).flat_indices(shape)?,
    };
    premise.find_non_finite(&(0..units).collect::<Vec<_>>())?;

    let members = member_units(candidates, params)?;
    let mut bounds = Vec::new();
    for units in &members {
        let found = Member::new(&premise, &onset, &offset, units).run(params)?;
        for (u, op, thr) in found {
            bounds.push(Bound::new(Unit::from_flat(u, shape)?, op, thr));
        }
    }
    Ok(Conjunction::new(bounds))
}

/// The unit lists of the ensemble members: all candidates for a single search;
/// otherwise disjoint random subsets of `len / n` units each, seeded.
fn member_units(mut candidates: Vec<usize>, params: &ValidSearchParams) -> Result<Vec<Vec<usize>>> {
    let n = params.ensemble_size;
    if n == 1 {
        return Ok(vec![candidates]);
    }
    let size = candidates.len() / n;
    if size == 0 {
        return Err(Error::EnsembleTooLarge {
            ensemble_size: n,
            units: candidates.len(),
        });
    }
    SplitMix64::new(params.seed).shuffle(&mut candidates);
    Ok(candidates
        .chunks_exact(size)
        .take(n)
        .map(|c| {
            let mut c = c.to_vec();
            c.sort_unstable();
            c
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order() {
        let xs = [-f32::MAX, -3.5, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, 2.5, f32::MAX];
        for w in xs.windows(2) {
            assert!(key(w[0]) <= key(w[1]), "{} {}", w[0], w[1]);
            assert_eq!(unkey(key(w[1])), w[1]);
        }
        assert_eq!(key(-0.0), key(0.0));
    }

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
