//! [`Explainer::faithfulness`]: the interventions on an explanation's units
//! and on random units, and their tallies.

use std::collections::HashMap;

use ndarray::ArrayView2;

use super::super::{Explainer, Explanation};
use super::trials::{Bench, Tally, Trial};
use super::{ConjunctNecessity, Effect, Faithfulness, ValidFaithfulnessParams};
use crate::cone::Place;
use crate::error::Result;
use crate::predicate::{Op, Predicate};
use crate::rng::SplitMix64;
use crate::source::ActivationSource;
use crate::split::Split;

/// Random draws of the control on the premise (it is one image).
pub(super) const PREMISE_DRAWS: usize = 10;

/// Up to `n` of `candidates`, drawn with `rng`, in ascending order.
pub(super) fn pick(rng: &mut SplitMix64, mut candidates: Vec<usize>, n: usize) -> Vec<usize> {
    rng.shuffle(&mut candidates);
    candidates.truncate(n);
    candidates.sort_unstable();
    candidates
}

/// The median of sorted values (the lower of the middle two); `None` when
/// there are none.
fn median(sorted: &[f32]) -> Option<f32> {
    (!sorted.is_empty()).then(|| sorted[(sorted.len() - 1) / 2])
}

/// The median of the sorted values beyond a bound: below it for `>=`,
/// above it for `<=`.
fn beyond(sorted: &[f32], op: Op, threshold: f32) -> Option<f32> {
    match op {
        Op::Ge => median(&sorted[..sorted.partition_point(|&v| v < threshold)]),
        Op::Le => median(&sorted[sorted.partition_point(|&v| v <= threshold)..]),
    }
}

/// For a random unit with value `x`: the median of the sorted training
/// values on the far side of `x` from the unit's median (the other side
/// where that one is empty).
fn across(sorted: &[f32], x: f32) -> Option<f32> {
    let below = &sorted[..sorted.partition_point(|&v| v < x)];
    let above = &sorted[sorted.partition_point(|&v| v <= x)..];
    let (far, near) = if median(sorted).is_some_and(|m| x <= m) {
        (above, below)
    } else {
        (below, above)
    };
    median(far).or_else(|| median(near))
}

/// Columns of the training activations, sorted once each when first asked.
struct Columns<'a> {
    train: ArrayView2<'a, f32>,
    sorted: HashMap<usize, Vec<f32>>,
}

impl Columns<'_> {
    fn get(&mut self, c: usize) -> &[f32] {
        let train = self.train;
        self.sorted.entry(c).or_insert_with(|| {
            let mut v = train.column(c).to_vec();
            v.sort_unstable_by(f32::total_cmp);
            v
        })
    }
}

/// `k` distinct units of `candidates` (all of them when there are fewer).
fn draw_units(rng: &mut SplitMix64, candidates: &[usize], k: usize) -> Vec<usize> {
    if candidates.len() <= k {
        return candidates.to_vec();
    }
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let u = candidates[rng.below(candidates.len() as u64) as usize];
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

/// The groups of the trials: one per conjunct, then these.
#[derive(Clone, Copy)]
struct Groups {
    conjuncts: usize,
}

impl Groups {
    fn all(self) -> usize {
        self.conjuncts
    }
    fn random_each(self) -> usize {
        self.conjuncts + 1
    }
    fn random_all(self) -> usize {
        self.conjuncts + 2
    }
    fn sufficiency(self) -> usize {
        self.conjuncts + 3
    }
    fn random_sufficiency(self) -> usize {
        self.conjuncts + 4
    }
    fn len(self) -> usize {
        self.conjuncts + 5
    }
}

impl<S: ActivationSource> Explainer<S> {
    /// Whether the network uses what `explanation` says: each conjunct's
    /// unit moved across its bound (necessity), the conjuncts' units set to
    /// the premise's values on images without the conclusion (sufficiency),
    /// the same on random units of the layer (the control), and each
    /// conjunct's input region occluded beside random regions (when the
    /// source has images). Every figure is counted on the premise and on up
    /// to `params.samples()` test images drawn with `params.seed()`; the
    /// same seed gives the same figures.
    ///
    /// # Errors
    /// [`Error::InterventionsUnsupported`](crate::Error::InterventionsUnsupported)
    /// when the source cannot run its network on changed activations; as
    /// [`Explainer::explain`].
    pub fn faithfulness(
        &self,
        explanation: &Explanation,
        params: &ValidFaithfulnessParams,
    ) -> Result<Faithfulness> {
        let (premise, layer) = (explanation.premise, explanation.layer);
        let conclusion = &explanation.conclusion;
        self.check_premise(premise)?;
        let shape = self.unit_shape(layer)?.to_vec();
        let both = [layer, conclusion.layer];
        self.prepare(Split::Train, &both)?;
        self.prepare(Split::Test, &both)?;
        let train = self.activations(Split::Train, layer)?;
        let test = self.activations(Split::Test, layer)?;
        let own = self.activations(premise.split, layer)?;
        let holds = self.mask(Split::Test, conclusion)?;
        let satisfied = self.mask(Split::Test, &explanation.predicate())?;
        let mut rng = SplitMix64::new(params.seed());
        let is_premise = |i: usize| premise.split == Split::Test && i == premise.index;
        let applies: Vec<usize> = (0..holds.len())
            .filter(|&i| holds[i] && satisfied[i] && !is_premise(i))
            .collect();
        let applies = pick(&mut rng, applies, params.samples());
        let without: Vec<usize> = (0..holds.len()).filter(|&i| !holds[i]).collect();
        let without = pick(&mut rng, without, params.samples());

        let bounds = explanation.interpolant.bounds();
        let units = bounds
            .iter()
            .map(|b| b.unit.flat(&shape))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut columns = Columns {
            train: train.view(),
            sorted: HashMap::new(),
        };
        let moved_to: Vec<Option<f32>> = bounds
            .iter()
            .zip(&units)
            .map(|(b, &u)| beyond(columns.get(u), b.op, b.value))
            .collect();
        let candidates = varying_units(train.view(), &units);
        let groups = Groups {
            conjuncts: bounds.len(),
        };
        let k = bounds.len();
        let premise_row = own.view().row(premise.index).to_owned();

        // the trials of one image: each conjunct, all, and the controls
        let mut necessity = |sample: usize, row: ArrayView2<'_, f32>, draws: usize| {
            let row = row.row(sample);
            let mut trials = Vec::new();
            let mut all = Vec::new();
            for (j, (&u, t)) in units.iter().zip(&moved_to).enumerate() {
                if let Some(t) = *t {
                    trials.push(Trial::units(sample, vec![(u, t)], j));
                    all.push((u, t));
                }
            }
            trials.push(Trial::units(sample, all, groups.all()));
            for _ in 0..draws {
                let drawn = draw_units(&mut rng, &candidates, k);
                let moved: Vec<(usize, f32)> = drawn
                    .iter()
                    .filter_map(|&u| across(columns.get(u), row[u]).map(|t| (u, t)))
                    .collect();
                for &change in &moved {
                    trials.push(Trial::units(sample, vec![change], groups.random_each()));
                }
                trials.push(Trial::units(sample, moved, groups.random_all()));
            }
            trials
        };
        let mut on_test: Vec<Trial> = Vec::new();
        for &i in &applies {
            on_test.extend(necessity(i, test.view(), 1));
        }
        let on_premise = necessity(premise.index, own.view(), PREMISE_DRAWS);
        for &i in &without {
            let own = units.iter().map(|&u| (u, premise_row[u])).collect();
            on_test.push(Trial::units(i, own, groups.sufficiency()));
            let drawn = draw_units(&mut rng, &candidates, k);
            let random = drawn.iter().map(|&u| (u, premise_row[u])).collect();
            on_test.push(Trial::units(i, random, groups.random_sufficiency()));
        }
        let bench = |split, base| Bench {
            split,
            at: Place::Layer(layer),
            base,
            conclusion,
            score: None,
            fill: None,
        };
        let test_tally =
            self.run_trials(&bench(Split::Test, test.view()), &on_test, groups.len())?;
        let premise_tally =
            self.run_trials(&bench(premise.split, own.view()), &on_premise, groups.len())?;
        let effect = |g: usize| Effect {
            premise: premise_tally[g].broke(),
            sample: test_tally[g].broke(),
        };
        let conjuncts = bounds
            .iter()
            .zip(&moved_to)
            .enumerate()
            .map(|(j, (b, t))| ConjunctNecessity {
                bound: b.clone(),
                moved_to: *t,
                breaks: t.map(|_| effect(j)),
            })
            .collect();
        let (occlusions, fill) = self.occlusions(explanation, &applies, &mut rng)?;
        Ok(Faithfulness {
            layer,
            seed: params.seed(),
            necessity_images: applies.len(),
            sufficiency_images: without.len(),
            conjuncts,
            all: effect(groups.all()),
            random_each: effect(groups.random_each()),
            random_all: effect(groups.random_all()),
            sufficiency: Tally::held(&test_tally[groups.sufficiency()]),
            random_sufficiency: Tally::held(&test_tally[groups.random_sufficiency()]),
            occlusions,
            fill,
        })
    }
}

/// The units of a layer (columns of `train`) whose value varies on the
/// training sample, those in `excluded` left out: the control's candidates.
fn varying_units(train: ArrayView2<'_, f32>, excluded: &[usize]) -> Vec<usize> {
    (0..train.ncols())
        .filter(|c| !excluded.contains(c))
        .filter(|&c| {
            let col = train.column(c);
            let first = col.first().copied();
            col.iter().any(|&v| Some(v) != first)
        })
        .collect()
}

/// Whether a conclusion is `is_max(c)`: its class.
pub(super) fn is_max_class(p: &Predicate) -> Option<usize> {
    match p {
        Predicate::IsMax(c) => Some(*c),
        _ => None,
    }
}
