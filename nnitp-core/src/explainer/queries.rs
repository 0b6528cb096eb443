//! Questions about a data set: where a predicate holds, which samples satisfy
//! or violate it, how many, and nnitp's percentile bounds.

use ndarray::Axis;

use super::percentile::numpy_percentile;
use super::Explainer;
use crate::error::{Error, ParamError, Result};
use crate::predicate::{Bound, LayerPredicate, Op};
use crate::source::ActivationSource;
use crate::split::Split;

impl<S: ActivationSource> Explainer<S> {
    /// Where `predicate` holds on every sample of a data set.
    ///
    /// # Errors
    /// As [`Explainer::prepare`] and [`Predicate::eval_batch`](crate::Predicate::eval_batch).
    pub fn mask(&self, split: Split, predicate: &LayerPredicate) -> Result<Vec<bool>> {
        let acts = self.activations(split, predicate.layer)?;
        let shape = self.unit_shape(predicate.layer)?;
        Ok(predicate.predicate.eval_batch(acts.view(), shape)?.to_vec())
    }

    /// The first `limit` samples of a data set satisfying `predicate`, only
    /// those the network classifies as `class` when given (nnitp's `restrict`).
    ///
    /// # Errors
    /// As [`Explainer::mask`]; [`Error::ClassOutOfRange`].
    pub fn satisfying(
        &self,
        split: Split,
        predicate: &LayerPredicate,
        limit: usize,
        class: Option<usize>,
    ) -> Result<Vec<usize>> {
        let mask = self.mask(split, predicate)?;
        let preds = match class {
            Some(c) => {
                self.check_class(c)?;
                Some(self.predictions(split)?)
            }
            None => None,
        };
        Ok(mask
            .iter()
            .enumerate()
            .filter(|&(i, &m)| {
                m && match (&preds, class) {
                    (Some(p), Some(c)) => p[i] == c,
                    _ => true,
                }
            })
            .map(|(i, _)| i)
            .take(limit)
            .collect())
    }

    /// The same as [`Explainer::satisfying`] for the negation of `predicate`.
    ///
    /// # Errors
    /// As [`Explainer::satisfying`].
    pub fn violating(
        &self,
        split: Split,
        predicate: &LayerPredicate,
        limit: usize,
        class: Option<usize>,
    ) -> Result<Vec<usize>> {
        let not = LayerPredicate::new(predicate.layer, predicate.predicate.clone().negate());
        self.satisfying(split, &not, limit, class)
    }

    /// The fraction of a data set's sample satisfying `predicate`.
    ///
    /// # Errors
    /// As [`Explainer::mask`].
    pub fn fraction(&self, split: Split, predicate: &LayerPredicate) -> Result<f64> {
        let mask = self.mask(split, predicate)?;
        Ok(mask.iter().filter(|&&m| m).count() as f64 / mask.len().max(1) as f64)
    }

    /// nnitp's percentile box: `bound` with its threshold moved so that the
    /// samples in the upper `percentile` percent of the unit's values (for
    /// `>=`; the lower `percentile` percent for `<=`) satisfy it. Percentiles
    /// are numpy's (linear interpolation between order statistics).
    ///
    /// # Errors
    /// [`ParamError::InvalidPercentile`] outside [0, 100];
    /// [`UnitError::UnitOutOfRange`](crate::unit::UnitError::UnitOutOfRange).
    pub fn percentile_bound(
        &self,
        split: Split,
        layer: usize,
        bound: &Bound,
        percentile: f64,
    ) -> Result<Bound> {
        if !(0.0..=100.0).contains(&percentile) {
            return Err(ParamError::InvalidPercentile(percentile).into());
        }
        let j = bound.unit.flat(self.unit_shape(layer)?)?;
        let acts = self.activations(split, layer)?;
        let mut values: Vec<f32> = acts.view().index_axis(Axis(1), j).to_vec();
        values.sort_unstable_by(f32::total_cmp);
        let q = match bound.op {
            Op::Ge => 100.0 - percentile,
            Op::Le => percentile,
        };
        Ok(Bound::new(
            bound.unit.clone(),
            bound.op,
            numpy_percentile(&values, q),
        ))
    }

    /// The number of classes (the output layer's units).
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange)
    /// for a network without layers.
    pub(super) fn classes(&self) -> Result<usize> {
        Ok(self.unit_shape(self.output_layer())?.iter().product())
    }

    /// Checks that `class` is one of the network's classes (the output
    /// layer's units).
    ///
    /// # Errors
    /// [`Error::ClassOutOfRange`].
    pub(super) fn check_class(&self, class: usize) -> Result<()> {
        let classes = self.classes()?;
        if class >= classes {
            return Err(Error::ClassOutOfRange { class, classes });
        }
        Ok(())
    }
}
