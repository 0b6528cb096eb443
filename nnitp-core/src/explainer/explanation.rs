//! What an explanation is about ([`Premise`]) and what it says ([`Explanation`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::accuracy::Accuracy;
use crate::error::{Error, Result};
use crate::predicate::{Interpolant, LayerPredicate};
use crate::split::Split;

/// The input an explanation is about: sample `index` of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Premise {
    /// The data set.
    pub split: Split,
    /// The sample's index in the session's sample of that data set.
    pub index: usize,
}

impl Premise {
    /// Sample `index` of the training sample.
    pub fn train(index: usize) -> Self {
        Premise {
            split: Split::Train,
            index,
        }
    }

    /// Sample `index` of the test sample.
    pub fn test(index: usize) -> Self {
        Premise {
            split: Split::Test,
            index,
        }
    }
}

/// An explanation: why the premise satisfies the conclusion, as an interpolant
/// at `layer`, with its accuracy on the training and test samples.
///
/// `Display` prints nnitp's three lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The input explained.
    pub premise: Premise,
    /// What is explained (e.g. `layer 17: is_max(0)`).
    pub conclusion: LayerPredicate,
    /// The layer of the interpolant.
    pub layer: usize,
    /// The interpolant.
    pub interpolant: Interpolant,
    /// The interpolant in the data's own words (`worst radius >= 16.8 &
    /// ...`), at a layer that holds named input features
    /// ([`Explainer::with_features`](super::Explainer::with_features)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_features: Option<String>,
    /// Precision and recall on the training sample.
    pub train: Accuracy,
    /// Precision and recall on the test sample.
    pub test: Accuracy,
    /// Seconds spent extracting activations for this explanation (0 when cached).
    pub extract_seconds: f64,
    /// Seconds spent in the search.
    pub search_seconds: f64,
    /// How stable the interpolant is under resampling of the training data,
    /// when measured ([`Explainer::stability`](super::Explainer::stability)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability: Option<super::Stability>,
    /// Whether the network uses the explanation's units, when measured
    /// ([`Explainer::faithfulness`](super::Explainer::faithfulness)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faithfulness: Option<super::Faithfulness>,
}

impl Explanation {
    /// The interpolant as a predicate bound to its layer.
    pub fn predicate(&self) -> LayerPredicate {
        LayerPredicate::new(self.layer, self.interpolant.clone())
    }

    /// Conjunct `i` of the interpolant as a predicate at its layer: the
    /// conclusion of a drill-down.
    ///
    /// # Errors
    /// [`Error::ConjunctOutOfRange`].
    pub fn conjunct(&self, i: usize) -> Result<LayerPredicate> {
        let b = self
            .interpolant
            .bounds()
            .get(i)
            .ok_or(Error::ConjunctOutOfRange {
                index: i,
                conjuncts: self.interpolant.len(),
            })?;
        Ok(LayerPredicate::new(self.layer, b.clone()))
    }
}

impl Explanation {
    /// The line that may follow nnitp's three: the 95 % intervals of the
    /// precision and recall on both data sets, e.g. `95% intervals: training
    /// set precision [0.9613, 1.0000] (Clopper-Pearson), recall [...] (Wilson);
    /// test set ...`.
    pub fn intervals_line(&self) -> String {
        format!(
            "95% intervals: {} {}; {} {}",
            self.train.split,
            self.train.intervals_text(),
            self.test.split,
            self.test.intervals_text()
        )
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.in_features {
            Some(text) => writeln!(f, "Interpolant: layer {}: {text}", self.layer)?,
            None => writeln!(f, "Interpolant: {}", self.predicate())?,
        }
        writeln!(f, "{}", self.train)?;
        write!(f, "{}", self.test)
    }
}
