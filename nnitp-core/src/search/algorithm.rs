//! The Bayesian interpolant search (docs/DESIGN.md, "The search"), exact to nnitp.
//!
//! Each round needs, for every candidate unit and both directions, an order
//! statistic of the positive ("offset") samples and two counts. The
//! implementation never copies the sample matrix: rows are tracked as index
//! lists and read in place.
//! - Thresholds and the positive counts `f` come from the positive values as
//!   columns of order-preserving integer keys, one per unit ([`Columns`]),
//!   counted and selected ([`Selector`]) with vectorised passes.
//! - The negative counts `t` come from one streaming pass over the negative rows,
//!   four rows at a time against the per-unit thresholds of an L1-sized tile of
//!   units, with one counter array per thread.
//!
//! Both steps run in parallel with rayon.

use ndarray::ArrayView2;

use super::buffers::SearchBuffers;
use super::hyperparams::ValidSearchParams;
use super::input::{Samples, SearchInput};
use super::member::Member;
use super::rows::RowSet;
use crate::error::{Error, Result};
use crate::predicate::{Bound, Conjunction};
use crate::rng::SplitMix64;
use crate::unit::{Unit, UnitBox};

/// Validates the input and runs the search (an ensemble when asked).
pub(crate) fn search(
    params: &ValidSearchParams,
    input: &SearchInput<'_>,
    pool: &mut SearchBuffers,
) -> Result<Conjunction> {
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
        let found = Member::new(&premise, &onset, &offset, units).run(params, pool)?;
        for (u, op, thr) in found {
            bounds.push(Bound::new(Unit::from_flat(u, shape)?, op, thr));
        }
    }
    Ok(Conjunction::new(bounds))
}

/// The unit lists of the ensemble members: all candidates for a single search;
/// otherwise disjoint random subsets of `len / n` units each, seeded.
fn member_units(mut candidates: Vec<usize>, params: &ValidSearchParams) -> Result<Vec<Vec<usize>>> {
    let n = params.ensemble_size();
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
    SplitMix64::new(params.seed()).shuffle(&mut candidates);
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
