//! How stable an explanation is: the search re-run on bootstrap resamples of
//! the training sample (seeded), and how often each conjunct's unit and
//! direction reappear.

use std::fmt;

use ndarray::{s, Array2};
use serde::{Deserialize, Serialize};

use super::{Explainer, Explanation};
use crate::cone::Place;
use crate::error::{Error, Result};
use crate::predicate::{Bound, Op};
use crate::rng::SplitMix64;
use crate::search::SearchInput;
use crate::source::ActivationSource;
use crate::split::Split;
use crate::unit::Unit;

/// How often one conjunct reappears under resampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConjunctStability {
    /// The conjunct of the explanation.
    pub bound: Bound,
    /// The conjunct in the data's own words, at a layer that holds named
    /// input features ([`Explainer::with_features`](super::Explainer::with_features)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_features: Option<String>,
    /// The fraction of resamples whose interpolant bounds the same unit in
    /// the same direction.
    pub frequency: f64,
}

/// The stability of an explanation under `resamples` bootstrap resamples of
/// the training sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    /// Resamples drawn.
    pub resamples: usize,
    /// The seed they were drawn with (the same seed gives the same figures).
    pub seed: u64,
    /// Each conjunct of the explanation, with how often it reappears.
    pub conjuncts: Vec<ConjunctStability>,
    /// The mean Jaccard overlap between the explanation's set of units and
    /// each resample's (1: always the same units; two empty sets count 1).
    pub mean_jaccard: f64,
    /// The mean number of conjuncts of the resamples' interpolants.
    pub mean_conjuncts: f64,
}

impl fmt::Display for Stability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "stability over {} bootstrap resamples (seed {}): mean Jaccard overlap of the units {:.2}, {:.1} conjuncts on average",
            self.resamples, self.seed, self.mean_jaccard, self.mean_conjuncts
        )?;
        for (k, c) in self.conjuncts.iter().enumerate() {
            write!(
                f,
                "; conjunct {k} {} in {:.0}%",
                c.in_features.clone().unwrap_or_else(|| c.bound.to_string()),
                100.0 * c.frequency
            )?;
        }
        Ok(())
    }
}

fn jaccard(a: &[Unit], b: &[Unit]) -> f64 {
    let inter = a.iter().filter(|u| b.contains(u)).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

impl<S: ActivationSource> Explainer<S> {
    /// Re-runs the search of `explanation` on `resamples` bootstrap
    /// resamples of the training sample (rows drawn with replacement, seeded
    /// by `seed`) and reports how often each conjunct's unit and direction
    /// reappear, and the mean Jaccard overlap of the unit sets.
    ///
    /// # Errors
    /// [`ParamError::InvalidResamples`](crate::error::ParamError::InvalidResamples) for 0 resamples; as [`Explainer::explain`].
    pub fn stability(
        &self,
        explanation: &Explanation,
        resamples: usize,
        seed: u64,
    ) -> Result<Stability> {
        if resamples == 0 {
            return Err(Error::Params(crate::error::ParamError::InvalidResamples));
        }
        let (layer, conclusion, premise) = (
            explanation.layer,
            &explanation.conclusion,
            explanation.premise,
        );
        self.check_premise(premise)?;
        let shape = self.unit_shape(layer)?.to_vec();
        let cone = self.predicate_cone(Place::Layer(layer), conclusion)?;
        let mask = self.mask(Split::Train, conclusion)?;
        let train = self.activations(Split::Train, layer)?;
        let acts = self.activations(premise.split, layer)?;
        let (train, acts) = (train.view(), acts.view());
        let n = train.nrows();
        let key = |b: &Bound| (b.unit.clone(), b.op == Op::Ge);
        let base: Vec<(Unit, bool)> = explanation.interpolant.bounds().iter().map(key).collect();
        let base_units: Vec<Unit> = base.iter().map(|(u, _)| u.clone()).collect();
        let mut hits = vec![0usize; base.len()];
        let (mut jaccard_sum, mut conjuncts_sum) = (0.0, 0usize);
        let mut rows = Array2::<f32>::zeros(train.raw_dim());
        let mut rows_mask = vec![false; n];
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        for r in 0..resamples {
            let mut rng = SplitMix64::new(
                seed.wrapping_add(r as u64)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15),
            );
            for (i, m) in rows_mask.iter_mut().enumerate() {
                let j = rng.below(n as u64) as usize;
                rows.row_mut(i).assign(&train.row(j));
                *m = mask[j];
            }
            let premise_row = acts.slice(s![premise.index..premise.index + 1, ..]);
            let input = SearchInput::masked(premise_row, rows.view(), &rows_mask, &shape)
                .with_cone(Some(cone.clone()));
            let found = self.params.search_with(&input, &mut buffers)?;
            let keys: Vec<(Unit, bool)> = found.bounds().iter().map(key).collect();
            for (h, k) in hits.iter_mut().zip(&base) {
                *h += usize::from(keys.contains(k));
            }
            let units: Vec<Unit> = keys.into_iter().map(|(u, _)| u).collect();
            jaccard_sum += jaccard(&base_units, &units);
            conjuncts_sum += units.len();
        }
        let k = resamples as f64;
        let mut conjuncts = Vec::with_capacity(hits.len());
        for (b, h) in explanation.interpolant.bounds().iter().zip(hits) {
            let single = crate::predicate::Conjunction::new(vec![b.clone()]);
            conjuncts.push(ConjunctStability {
                in_features: self.describe(explanation.layer, &single)?,
                bound: b.clone(),
                frequency: h as f64 / k,
            });
        }
        Ok(Stability {
            resamples,
            seed,
            conjuncts,
            mean_jaccard: jaccard_sum / k,
            mean_conjuncts: conjuncts_sum as f64 / k,
        })
    }
}
