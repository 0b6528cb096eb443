//! [`Explainer::explain`]: an interpolant for one premise and conclusion.

use std::time::Instant;

use ndarray::s;

use super::{Explainer, Explanation, Premise};
use crate::accuracy::Accuracy;
use crate::cone::{GeometryError, Place};
use crate::error::{Error, Result};
use crate::predicate::{Conjunction, LayerPredicate, Predicate};
use crate::search::SearchInput;
use crate::source::ActivationSource;
use crate::split::Split;

impl<S: ActivationSource> Explainer<S> {
    /// Explains why `premise` satisfies `conclusion` with an interpolant at
    /// `layer`, searched inside the conclusion's cone.
    ///
    /// # Errors
    /// [`Error::ImageOutOfRange`],
    /// [`GeometryError::LayerOutOfRange`], [`GeometryError::LayerNotBelow`]
    /// when `layer` is not below the conclusion's layer,
    /// [`Error::PremiseViolatesConclusion`] when the premise does not satisfy
    /// the conclusion, and the search's errors.
    pub fn explain(
        &self,
        premise: Premise,
        conclusion: &LayerPredicate,
        layer: usize,
    ) -> Result<Explanation> {
        self.check_premise(premise)?;
        let shape = self.unit_shape(layer)?;
        if layer >= conclusion.layer {
            return Err(GeometryError::LayerNotBelow {
                from: layer,
                to: conclusion.layer,
            }
            .into());
        }
        let cone = self.predicate_cone(Place::Layer(layer), conclusion)?;
        let both = [layer, conclusion.layer];
        let extract_seconds =
            (self.prepare(Split::Train, &both)? + self.prepare(Split::Test, &both)?).as_secs_f64();
        let train_mask = self.mask(Split::Train, conclusion)?;
        let test_mask = self.mask(Split::Test, conclusion)?;
        let holds = match premise.split {
            Split::Train => train_mask[premise.index],
            Split::Test => test_mask[premise.index],
        };
        if !holds {
            return Err(Error::PremiseViolatesConclusion {
                split: premise.split,
                index: premise.index,
                conclusion: conclusion.to_string(),
            });
        }
        let start = Instant::now();
        let (train, acts) = (
            self.activations(Split::Train, layer)?,
            self.activations(premise.split, layer)?,
        );
        let test = self.activations(Split::Test, layer)?;
        let (train, acts) = (train.view(), acts.view());
        let premise_row = acts.slice(s![premise.index..premise.index + 1, ..]);
        let input =
            SearchInput::masked(premise_row, train, &train_mask, shape).with_cone(Some(cone));
        let interpolant = {
            let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
            self.params.search_with(&input, &mut buffers)?
        };
        let search_seconds = start.elapsed().as_secs_f64();
        let pred = Predicate::from(interpolant.clone());
        let train_acc = Accuracy::measure(Split::Train, &pred, train, shape, &train_mask)?;
        let test_acc = Accuracy::measure(Split::Test, &pred, test.view(), shape, &test_mask)?;
        let in_features = self.describe(layer, &interpolant)?;
        Ok(Explanation {
            premise,
            conclusion: conclusion.clone(),
            layer,
            in_features,
            interpolant,
            train: train_acc,
            test: test_acc,
            extract_seconds,
            search_seconds,
            stability: None,
            faithfulness: None,
        })
    }

    /// `c` in the data's own words, when `layer` holds the named features.
    ///
    /// # Errors
    /// A unit that is no feature (not for an interpolant found at `layer`).
    pub fn describe(&self, layer: usize, c: &Conjunction) -> Result<Option<String>> {
        match &self.features {
            Some(f) if f.name_layer(self.geometry(), layer) => Ok(Some(f.describe(c)?)),
            _ => Ok(None),
        }
    }

    /// The selected layer that holds the named features, if any: where a
    /// table's explanations speak the data's own words.
    pub fn features_layer(&self) -> Option<usize> {
        let f = self.features.as_ref()?;
        self.layers()
            .iter()
            .copied()
            .find(|&l| f.name_layer(self.geometry(), l))
    }

    /// Checks that `premise` names a sample of its data set.
    ///
    /// # Errors
    /// [`Error::ImageOutOfRange`].
    pub(super) fn check_premise(&self, premise: Premise) -> Result<()> {
        let images = self.len(premise.split);
        if premise.index >= images {
            return Err(Error::ImageOutOfRange {
                index: premise.index,
                images,
            });
        }
        Ok(())
    }
}
