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
use crate::unit::UnitBox;

/// Trials run through the network at once (bounds the memory of the
/// changed rows and of the outputs).
const CHUNK: usize = 256;

/// What a trial changes in a sample's row.
#[derive(Clone, Debug)]
pub(super) enum Changes {
    /// `(column, value)`: these values.
    Units(Vec<(usize, f32)>),
    /// A region of an `[H, W, C]` image, filled with the bench's fill (one
    /// value per channel).
    Region(UnitBox),
}

/// One sample with some of its values changed.
#[derive(Clone, Debug)]
pub(super) struct Trial {
    /// The sample (a row of the data set).
    pub sample: usize,
    /// What is changed.
    pub changes: Changes,
    /// The group its outcome counts towards.
    pub group: usize,
}

impl Trial {
    /// A trial changing `units` of sample `sample`.
    pub fn units(sample: usize, units: Vec<(usize, f32)>, group: usize) -> Self {
        Trial {
            sample,
            changes: Changes::Units(units),
            group,
        }
    }
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
    /// For regions: the image's shape `[H, W, C]` and the fill per channel.
    pub fill: Option<([usize; 3], &'a [f32])>,
}

/// Fills `region` of a channels-last `[H, W, C]` image row with `fill`.
fn fill_region(
    row: &mut ndarray::ArrayViewMut1<'_, f32>,
    region: &UnitBox,
    shape: [usize; 3],
    fill: &[f32],
) {
    let [_, w, c] = shape;
    let [rows, cols, chans] = match region.ranges() {
        [r, cl, ch] => [r.clone(), cl.clone(), ch.clone()],
        _ => return,
    };
    for r in rows {
        for col in cols.clone() {
            for k in chans.clone() {
                row[(r * w + col) * c + k] = fill[k];
            }
        }
    }
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
                match (&t.changes, bench.fill) {
                    (Changes::Units(units), _) => {
                        for &(c, v) in units {
                            row[c] = v;
                        }
                    }
                    (Changes::Region(region), Some((shape, fill))) => {
                        fill_region(&mut row, region, shape, fill);
                    }
                    (Changes::Region(_), None) => {}
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
