//! Precision and recall of an interpolant on a data set.

use std::fmt;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::format::repr_f64;
use crate::interval::Interval;
use crate::predicate::Predicate;
use crate::split::Split;

/// How well an interpolant predicts its conclusion on one data set.
///
/// `F` counts false positives (samples satisfying the interpolant but not the
/// conclusion), `N` the samples satisfying the interpolant and `P` those
/// satisfying the conclusion. Precision is `(N-F)/N`, recall `(N-F)/P`.
///
/// In JSON it also carries the 95 % intervals of both
/// (`precision_interval`, `recall_interval`; see [`Interval::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "AccuracyJson", from = "AccuracyJson")]
pub struct Accuracy {
    /// The data set measured.
    pub split: Split,
    /// False positives.
    #[serde(rename = "F")]
    pub false_positives: usize,
    /// Samples satisfying the interpolant.
    #[serde(rename = "N")]
    pub satisfying: usize,
    /// Samples satisfying the conclusion.
    #[serde(rename = "P")]
    pub positives: usize,
}

impl Accuracy {
    /// Counts F, N and P from the interpolant's truth value and the conclusion's
    /// truth value on each sample.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the two masks differ in length.
    pub fn from_masks(split: Split, interpolant: &[bool], conclusion: &[bool]) -> Result<Self> {
        if interpolant.len() != conclusion.len() {
            return Err(Error::shape(
                "conclusion mask",
                &[interpolant.len()],
                &[conclusion.len()],
            ));
        }
        let mut acc = Accuracy {
            split,
            false_positives: 0,
            satisfying: 0,
            positives: 0,
        };
        for (&i, &c) in interpolant.iter().zip(conclusion) {
            acc.satisfying += usize::from(i);
            acc.positives += usize::from(c);
            acc.false_positives += usize::from(i && !c);
        }
        Ok(acc)
    }

    /// Evaluates `interpolant` on `data` (`[N, units]` over `shape`) and counts
    /// against the conclusion mask.
    ///
    /// # Errors
    /// As [`Predicate::eval_batch`], or a mask whose length differs from the rows.
    pub fn measure(
        split: Split,
        interpolant: &Predicate,
        data: ArrayView2<'_, f32>,
        shape: &[usize],
        conclusion: &[bool],
    ) -> Result<Self> {
        let sat = interpolant.eval_batch(data, shape)?;
        let sat = sat.as_slice().expect("a fresh 1-d array is contiguous");
        Self::from_masks(split, sat, conclusion)
    }

    /// `(N-F)/N`, or `None` when no sample satisfies the interpolant.
    pub fn precision(&self) -> Option<f64> {
        (self.satisfying > 0)
            .then(|| (self.satisfying - self.false_positives) as f64 / self.satisfying as f64)
    }

    /// `(N-F)/P`, or `None` when no sample satisfies the conclusion.
    pub fn recall(&self) -> Option<f64> {
        (self.positives > 0)
            .then(|| (self.satisfying - self.false_positives) as f64 / self.positives as f64)
    }

    /// The 95 % interval of the precision ([`Interval::of`] `N-F` of `N`).
    pub fn precision_interval(&self) -> Option<Interval> {
        Interval::of(self.satisfying - self.false_positives, self.satisfying)
    }

    /// The 95 % interval of the recall ([`Interval::of`] `N-F` of `P`).
    pub fn recall_interval(&self) -> Option<Interval> {
        Interval::of(self.satisfying - self.false_positives, self.positives)
    }

    /// The two intervals as a phrase, e.g. `precision [0.8049, 1.0000]
    /// (Clopper-Pearson), recall [0.0535, 0.1388] (Wilson)`.
    pub fn intervals_text(&self) -> String {
        let show = |i: Option<Interval>| i.map_or_else(|| "undefined".into(), |i| i.to_string());
        format!(
            "precision {}, recall {}",
            show(self.precision_interval()),
            show(self.recall_interval())
        )
    }
}

/// An [`Accuracy`] as JSON: the counts, and the intervals (ignored when read).
#[derive(Serialize, Deserialize)]
struct AccuracyJson {
    split: Split,
    #[serde(rename = "F")]
    false_positives: usize,
    #[serde(rename = "N")]
    satisfying: usize,
    #[serde(rename = "P")]
    positives: usize,
    #[serde(default, skip_deserializing)]
    precision_interval: Option<Interval>,
    #[serde(default, skip_deserializing)]
    recall_interval: Option<Interval>,
}

impl From<Accuracy> for AccuracyJson {
    fn from(a: Accuracy) -> Self {
        AccuracyJson {
            split: a.split,
            false_positives: a.false_positives,
            satisfying: a.satisfying,
            positives: a.positives,
            precision_interval: a.precision_interval(),
            recall_interval: a.recall_interval(),
        }
    }
}

impl From<AccuracyJson> for Accuracy {
    fn from(a: AccuracyJson) -> Self {
        Accuracy {
            split: a.split,
            false_positives: a.false_positives,
            satisfying: a.satisfying,
            positives: a.positives,
        }
    }
}

fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| "undefined".into(), repr_f64)
}

impl fmt::Display for Accuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "On {}: F = {}, N = {}, P = {}, precision={}, recall={}",
            self.split,
            self.false_positives,
            self.satisfying,
            self.positives,
            ratio(self.precision()),
            ratio(self.recall())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_nnitp() {
        let a = Accuracy {
            split: Split::Train,
            false_positives: 1,
            satisfying: 67,
            positives: 1954,
        };
        assert_eq!(
            a.to_string(),
            "On training set: F = 1, N = 67, P = 1954, precision=0.9850746268656716, recall=0.033776867963152504"
        );
        let t = Accuracy {
            split: Split::Test,
            false_positives: 5,
            satisfying: 39,
            positives: 980,
        };
        assert_eq!(
            t.to_string(),
            "On test set: F = 5, N = 39, P = 980, precision=0.8717948717948718, recall=0.03469387755102041"
        );
    }

    #[test]
    fn json_carries_the_intervals_and_reads_back() {
        let a = Accuracy {
            split: Split::Test,
            false_positives: 0,
            satisfying: 17,
            positives: 189,
        };
        let v = serde_json::to_value(a).unwrap();
        assert_eq!(v["F"], 0);
        assert_eq!(v["precision_interval"]["method"], "clopper_pearson");
        assert_eq!(v["precision_interval"]["high"], 1.0);
        assert_eq!(v["recall_interval"]["method"], "wilson");
        let back: Accuracy = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
        assert_eq!(
            a.intervals_text(),
            format!(
                "precision {}, recall {}",
                a.precision_interval().unwrap(),
                a.recall_interval().unwrap()
            )
        );
    }

    #[test]
    fn undefined_ratios() {
        let a = Accuracy::from_masks(Split::Test, &[false, false], &[false, false]).unwrap();
        assert_eq!(a.precision(), None);
        assert_eq!(a.recall(), None);
        assert!(a
            .to_string()
            .ends_with("precision=undefined, recall=undefined"));
    }

    #[test]
    fn counts_from_masks() {
        let a = Accuracy::from_masks(
            Split::Train,
            &[true, true, false, true],
            &[true, false, true, true],
        )
        .unwrap();
        assert_eq!((a.false_positives, a.satisfying, a.positives), (1, 3, 3));
        assert_eq!(a.precision(), Some(2.0 / 3.0));
        assert!(matches!(
            Accuracy::from_masks(Split::Train, &[true], &[true, false]),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
