//! Trials of an intervention: a sample with some values changed, run
//! through the rest of the network in bounded chunks, and tallied per group.

use ndarray::{Array2, ArrayView2};

use super::super::Explainer;
use super::Rate;
use crate::cone::Place;
use crate::error::Result;
use crate::predicate::LayerPredicate;
use crate::source::{ActivationSource, Intervention};
use crate::split::Split;

/// Trials run through the network at once (bounds the memory of the
/// changed rows and of the outputs).
const CHUNK: usize = 256;

/// One sample with some of its values changed.
#[derive(Clone, Debug)]
pub(super) struct Trial {
    /// The sample (a row of the data set).
    pub sample: usize,
    /// `(column, value)`: the changed values.
    pub changes: Vec<(usize, f32)>,
    /// The group its outcome counts towards.
    pub group: usize,
}

/// One group's outcomes.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Tally {
    /// Trials run.
    pub trials: usize,
    /// Trials after which the conclusion holds.
    pub holds: usize,
    /// The sum of the score unit's value after each trial.
    pub score: f64,
}

impl Tally {
    /// How often the conclusion held.
    pub fn held(&self) -> Rate {
        Rate::new(self.holds, self.trials)
    }

    /// How often it stopped holding.
    pub fn broke(&self) -> Rate {
        Rate::new(self.trials - self.holds, self.trials)
    }
}

/// What the trials of one data set run on: the values at `at` before any
/// change (one row per sample), and the conclusion they are judged by.
pub(super) struct Bench<'a> {
    /// The data set.
    pub split: Split,
    /// Where the changes go.
    pub at: Place,
    /// The values there, one row per sample.
    pub base: ArrayView2<'a, f32>,
    /// The conclusion.
    pub conclusion: &'a LayerPredicate,
    /// A unit of the conclusion's layer whose value is summed (flat index).
    pub score: Option<usize>,
}

impl<S: ActivationSource> Explainer<S> {
    /// Runs `trials` on `bench`, `groups` tallies.
    ///
    /// # Errors
    /// [`Error::InterventionsUnsupported`](crate::Error::InterventionsUnsupported)
    /// and the source's errors.
    pub(super) fn run_trials(
        &self,
        bench: &Bench<'_>,
        trials: &[Trial],
        groups: usize,
    ) -> Result<Vec<Tally>> {
        let mut tallies = vec![Tally::default(); groups];
        let layer = bench.conclusion.layer;
        let shape = self.unit_shape(layer)?.to_vec();
        for chunk in trials.chunks(CHUNK) {
            let samples: Vec<usize> = chunk.iter().map(|t| t.sample).collect();
            let mut values = Array2::<f32>::zeros((chunk.len(), bench.base.ncols()));
            for (mut row, t) in values.rows_mut().into_iter().zip(chunk) {
                row.assign(&bench.base.row(t.sample));
                for &(c, v) in &t.changes {
                    row[c] = v;
                }
            }
            let intervention = Intervention {
                split: bench.split,
                samples: &samples,
                at: bench.at,
                values: values.view(),
            };
            let out = self
                .source
                .intervene(&intervention, &[layer], &self.observer)?
                .remove(0);
            let holds = bench.conclusion.predicate.eval_batch(out.view(), &shape)?;
            for (r, t) in chunk.iter().enumerate() {
                let tally = &mut tallies[t.group];
                tally.trials += 1;
                tally.holds += usize::from(holds[r]);
                if let Some(u) = bench.score {
                    tally.score += f64::from(out[[r, u]]);
                }
            }
        }
        Ok(tallies)
    }
}
