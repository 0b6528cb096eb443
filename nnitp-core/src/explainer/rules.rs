//! What the network thinks a class is: a rule set (nnitp's `compress`) that
//! covers the samples the network puts in the class with interpolants, each
//! explaining all samples not yet covered at once.

use std::fmt;
use std::time::Instant;

use ndarray::Axis;
use serde::{Deserialize, Serialize};

use super::Explainer;
use crate::accuracy::Accuracy;
use crate::cone::Place;
use crate::error::{Error, ParamError, Result};
use crate::predicate::{Interpolant, LayerPredicate, Predicate};
use crate::search::SearchInput;
use crate::source::ActivationSource;
use crate::split::Split;

/// Settings of a rule set: when to stop adding rules. Build with `new` and
/// the `with_*` methods, then [`check`](RuleSetParams::check) them once into
/// a [`ValidRuleSetParams`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSetParams {
    coverage: f64,
    max_rules: usize,
}

/// Rule-set settings that passed [`RuleSetParams::check`]; the default is
/// [`RuleSetParams::new`]'s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct ValidRuleSetParams(RuleSetParams);

impl ValidRuleSetParams {
    /// The checked settings.
    pub fn params(&self) -> &RuleSetParams {
        &self.0
    }
}

impl RuleSetParams {
    /// Defaults: coverage 0.95, at most 20 rules.
    pub fn new() -> Self {
        RuleSetParams {
            coverage: 0.95,
            max_rules: 20,
        }
    }

    /// Sets the coverage target, in (0, 1].
    pub fn with_coverage(mut self, coverage: f64) -> Self {
        self.coverage = coverage;
        self
    }

    /// Sets the rule limit (at least 1).
    pub fn with_max_rules(mut self, max_rules: usize) -> Self {
        self.max_rules = max_rules;
        self
    }

    /// The coverage target: stop once this fraction of the class's training
    /// samples is covered. Default 0.95.
    pub fn coverage(&self) -> f64 {
        self.coverage
    }

    /// The rule limit. Default 20.
    pub fn max_rules(&self) -> usize {
        self.max_rules
    }

    /// Checks the settings once.
    ///
    /// # Errors
    /// [`ParamError::InvalidCoverage`] outside (0, 1] (NaN included),
    /// [`ParamError::InvalidMaxRules`] for 0.
    pub fn check(self) -> Result<ValidRuleSetParams> {
        if !(self.coverage > 0.0 && self.coverage <= 1.0) {
            return Err(ParamError::InvalidCoverage(self.coverage).into());
        }
        if self.max_rules == 0 {
            return Err(ParamError::InvalidMaxRules.into());
        }
        Ok(ValidRuleSetParams(self))
    }
}

impl Default for RuleSetParams {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a rule set stopped growing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The coverage target was reached.
    Coverage,
    /// The rule limit was reached.
    MaxRules,
    /// The last rule found covered no sample not already covered.
    NoNewSamples,
    /// The search found no conjunct for the samples left.
    NoRule,
    /// The network puts no training sample in the class.
    NoSamples,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Coverage => "coverage target reached",
            StopReason::MaxRules => "rule limit reached",
            StopReason::NoNewSamples => "the next rule covered no new sample",
            StopReason::NoRule => "no conjunct separates the samples left",
            StopReason::NoSamples => "no training sample is in the class",
        })
    }
}

/// One rule of a rule set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// The interpolant (at the rule set's layer).
    pub interpolant: Interpolant,
    /// The interpolant in the data's own words, at a layer that holds named
    /// input features ([`Explainer::with_features`](super::Explainer::with_features)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_features: Option<String>,
    /// Its precision and recall for the class on the training sample.
    pub train: Accuracy,
    /// Its precision and recall for the class on the test sample.
    pub test: Accuracy,
    /// Training samples of the class it covers that no earlier rule did.
    pub new_samples: usize,
    /// The fraction of the class's training samples covered by this rule and
    /// the ones before it.
    pub coverage: f64,
    /// Training samples it covers (those of the class), in order.
    pub covered: Vec<usize>,
}

/// A rule set for one class: the class if any rule holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// What the rules explain: the network classifies the sample as the class.
    pub conclusion: LayerPredicate,
    /// The layer of the rules.
    pub layer: usize,
    /// The rules, in the order found.
    pub rules: Vec<Rule>,
    /// Why no further rule was added.
    pub stop: StopReason,
    /// The rule set as a classifier ("the class if any rule holds") against
    /// the network on the test sample: precision and recall.
    pub test: Accuracy,
    /// The fraction of test samples on which the rule set agrees with the
    /// network (both say "the class", or both say "not the class").
    pub test_fidelity: f64,
    /// Test samples measured.
    pub test_samples: usize,
    /// Seconds it took.
    pub seconds: f64,
}

impl RuleSet {
    /// The class.
    pub fn class(&self) -> Option<usize> {
        match self.conclusion.predicate {
            Predicate::IsMax(c) => Some(c),
            _ => None,
        }
    }

    /// The fraction of the class's training samples covered.
    pub fn coverage(&self) -> f64 {
        self.rules.last().map_or(0.0, |r| r.coverage)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ratio = crate::format::ratio4;
        write!(
            f,
            "{} train precision={} recall={} test precision={} recall={} coverage={:.4}",
            self.in_features
                .clone()
                .unwrap_or_else(|| self.interpolant.to_string()),
            ratio(self.train.precision()),
            ratio(self.train.recall()),
            ratio(self.test.precision()),
            ratio(self.test.recall()),
            self.coverage
        )
    }
}

/// Rule sets for every class, with the fidelity of all of them together.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RuleSets {
    /// One rule set per class.
    pub sets: Vec<RuleSet>,
    /// The fraction of test samples whose class by the rules equals the
    /// network's: among the rules holding on a sample, the one with the
    /// highest training precision names the class (none holding: no class,
    /// a disagreement).
    pub test_fidelity: f64,
    /// Seconds it took.
    pub seconds: f64,
}

impl<S: ActivationSource> Explainer<S> {
    /// A rule set for `class` at `layer`: repeatedly explains "the network
    /// classifies it as `class`" with every training sample of the class not
    /// yet covered as premise rows (the search drops those a conjunct
    /// excludes), adds the interpolant as a rule, and removes the samples it
    /// covers; stops at the coverage target, the rule limit, or when a rule
    /// would cover no new sample.
    ///
    /// # Errors
    /// The parameters' errors; [`Error::ClassOutOfRange`];
    /// [`GeometryError::LayerNotBelow`](crate::cone::GeometryError::LayerNotBelow) for a layer not below the output; the
    /// search's errors.
    pub fn rule_set(
        &self,
        class: usize,
        layer: usize,
        params: &ValidRuleSetParams,
    ) -> Result<RuleSet> {
        let params = params.params();
        let start = Instant::now();
        let output = self.output_layer();
        self.check_class(class)?;
        if layer >= output {
            return Err(Error::Geometry(crate::cone::GeometryError::LayerNotBelow {
                from: layer,
                to: output,
            }));
        }
        let conclusion = LayerPredicate::new(output, Predicate::IsMax(class));
        let shape = self.unit_shape(layer)?.to_vec();
        let cone = self.predicate_cone(Place::Layer(layer), &conclusion)?;
        let train_mask = self.mask(Split::Train, &conclusion)?;
        let test_mask = self.mask(Split::Test, &conclusion)?;
        let (train_h, test_h) = (
            self.activations(Split::Train, layer)?,
            self.activations(Split::Test, layer)?,
        );
        let test = test_h.view();
        let positives = train_mask.iter().filter(|&&m| m).count();
        let mut uncovered = train_mask.clone();
        let mut left = positives;
        let mut rules: Vec<Rule> = Vec::new();
        let mut any_test = vec![false; test_mask.len()];
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        let stop = loop {
            if positives == 0 {
                break StopReason::NoSamples;
            }
            if 1.0 - left as f64 / positives as f64 >= params.coverage {
                break StopReason::Coverage;
            }
            if rules.len() == params.max_rules {
                break StopReason::MaxRules;
            }
            let rows: Vec<usize> = (0..uncovered.len()).filter(|&i| uncovered[i]).collect();
            let train = train_h.view();
            let premises = train.select(Axis(0), &rows);
            let input = SearchInput::masked(premises.view(), train, &train_mask, &shape)
                .with_cone(Some(cone.clone()));
            let interpolant = self.params.search_with(&input, &mut buffers)?;
            if interpolant.is_empty() {
                break StopReason::NoRule;
            }
            let predicate = Predicate::from(interpolant.clone());
            let sat = predicate.eval_batch(train, &shape)?;
            let sat = sat.as_slice().expect("a fresh 1-d array is contiguous");
            let new_samples = sat.iter().zip(&uncovered).filter(|(&s, &u)| s && u).count();
            if new_samples == 0 {
                break StopReason::NoNewSamples;
            }
            for (u, &s) in uncovered.iter_mut().zip(sat) {
                *u &= !s;
            }
            left -= new_samples;
            let test_sat = predicate.eval_batch(test, &shape)?;
            for (a, &s) in any_test.iter_mut().zip(test_sat.iter()) {
                *a |= s;
            }
            rules.push(Rule {
                train: Accuracy::from_masks(Split::Train, sat, &train_mask)?,
                test: Accuracy::from_masks(
                    Split::Test,
                    test_sat.as_slice().expect("contiguous"),
                    &test_mask,
                )?,
                new_samples,
                coverage: 1.0 - left as f64 / positives as f64,
                covered: (0..sat.len())
                    .filter(|&i| sat[i] && train_mask[i])
                    .collect(),
                in_features: self.describe(layer, &interpolant)?,
                interpolant,
            });
        };
        let agree = any_test
            .iter()
            .zip(&test_mask)
            .filter(|(a, m)| a == m)
            .count();
        Ok(RuleSet {
            conclusion,
            layer,
            rules,
            stop,
            test: Accuracy::from_masks(Split::Test, &any_test, &test_mask)?,
            test_fidelity: agree as f64 / test_mask.len().max(1) as f64,
            test_samples: test_mask.len(),
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// A rule set for every class at `layer`, and how often the rules
    /// together name the network's class on the test sample.
    ///
    /// # Errors
    /// As [`Explainer::rule_set`].
    pub fn rule_sets(&self, layer: usize, params: &ValidRuleSetParams) -> Result<RuleSets> {
        let start = Instant::now();
        let sets = (0..self.classes()?)
            .map(|c| self.rule_set(c, layer, params))
            .collect::<Result<Vec<_>>>()?;
        let test = self.activations(Split::Test, layer)?;
        let shape = self.unit_shape(layer)?.to_vec();
        let n = test.view().nrows();
        // for each test sample: the class of the most precise rule holding
        let mut best: Vec<Option<(f64, usize)>> = vec![None; n];
        for (c, set) in sets.iter().enumerate() {
            for rule in &set.rules {
                let precision = rule.train.precision().unwrap_or(0.0);
                let sat =
                    Predicate::from(rule.interpolant.clone()).eval_batch(test.view(), &shape)?;
                for (b, &s) in best.iter_mut().zip(sat.iter()) {
                    if s && b.is_none_or(|(p, _)| precision > p) {
                        *b = Some((precision, c));
                    }
                }
            }
        }
        let predictions = self.predictions(Split::Test)?;
        let agree = best
            .iter()
            .zip(&predictions)
            .filter(|(b, &p)| b.is_some_and(|(_, c)| c == p))
            .count();
        Ok(RuleSets {
            sets,
            test_fidelity: agree as f64 / n.max(1) as f64,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}
