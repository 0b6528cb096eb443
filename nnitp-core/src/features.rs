//! Inputs in the data's own words: a name for each input unit (a table's
//! column) and the map from the values the network sees back to the data's
//! units, so that a bound such as `v(20)>=1.13` reads `worst radius >= 16.8`.
//!
//! ```
//! use nnitp_core::features::Features;
//! use nnitp_core::predicate::{Bound, Conjunction, Op};
//! use nnitp_core::unit::Unit;
//!
//! // standardised inputs: the network sees (x - mean) / std
//! let f = Features::new(vec!["age".into(), "bmi".into()])
//!     .with_scaling(vec![48.5, 26.4], vec![13.1, 4.4])?;
//! let c = Conjunction::new(vec![Bound::new(Unit::new([1]), Op::Ge, 1.0)]);
//! assert_eq!(f.describe(&c)?, "bmi >= 30.8");
//! # Ok::<(), nnitp_core::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::cone::{Geometry, LayerKind, Place};
use crate::error::{Error, Result};
use crate::predicate::{Bound, Conjunction};

/// The input units' names and scaling: the network sees `(x - shift) / scale`
/// of each feature `x`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Features {
    names: Vec<String>,
    shift: Vec<f32>,
    scale: Vec<f32>,
}

impl Features {
    /// Features named `names`, in input order, seen as they are (no scaling).
    pub fn new(names: Vec<String>) -> Self {
        let n = names.len();
        Features {
            names,
            shift: vec![0.0; n],
            scale: vec![1.0; n],
        }
    }

    /// Sets the scaling the network's inputs went through, one constant of
    /// each per feature.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for a length other than the number of
    /// features; [`Error::InvalidFeatureScaling`] for a constant that is not
    /// finite or a scale of 0.
    pub fn with_scaling(mut self, shift: Vec<f32>, scale: Vec<f32>) -> Result<Self> {
        let n = [self.names.len()];
        for (what, v) in [("feature shifts", &shift), ("feature scales", &scale)] {
            if v.len() != n[0] {
                return Err(Error::shape(what, &n, &[v.len()]));
            }
        }
        let bad = shift
            .iter()
            .zip(&scale)
            .position(|(s, d)| !s.is_finite() || !d.is_finite() || *d == 0.0);
        if let Some(feature) = bad {
            return Err(Error::InvalidFeatureScaling {
                feature,
                name: self.names[feature].clone(),
            });
        }
        self.shift = shift;
        self.scale = scale;
        Ok(self)
    }

    /// The number of features.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no feature.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The feature names, in input order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The value the network sees for feature `i`, in the data's units.
    pub fn original(&self, i: usize, value: f32) -> Option<f32> {
        Some(value * self.scale.get(i)? + self.shift.get(i)?)
    }

    /// Whether the units of `layer` are the input's features one for one: a
    /// channels-last flatten of the input, which keeps their order.
    pub fn name_layer(&self, geometry: &Geometry, layer: usize) -> bool {
        let flat_of_input = geometry.kinds().get(layer) == Some(&LayerKind::Flatten)
            && geometry.inputs(layer).ok() == Some(&[Place::Input][..]);
        flat_of_input && geometry.units(layer).ok() == Some(self.len())
    }

    /// One bound on a feature in the data's units (`bmi >= 30.8`): a
    /// negative scale turns the comparison around. Thresholds are shown to
    /// four significant digits.
    ///
    /// # Errors
    /// [`Error::Geometry`] for a unit that is no feature.
    pub fn describe_bound(&self, b: &Bound) -> Result<String> {
        let i = b.unit.flat(&[self.len()])?;
        let value = self.original(i, b.value).unwrap_or(b.value);
        let op = if self.scale[i] < 0.0 {
            b.flipped().op
        } else {
            b.op
        };
        Ok(format!("{} {op} {}", self.names[i], significant(value, 4)))
    }

    /// A conjunction in the data's units, its bounds joined by ` & `
    /// (`true` when empty); two bounds on one feature in one direction are
    /// said once, as the tighter ([`Conjunction::simplified`]), which holds
    /// for the same rows.
    ///
    /// # Errors
    /// As [`describe_bound`](Self::describe_bound).
    pub fn describe(&self, c: &Conjunction) -> Result<String> {
        if c.is_empty() {
            return Ok("true".into());
        }
        let parts: Result<Vec<String>> = c
            .simplified()
            .bounds()
            .iter()
            .map(|b| self.describe_bound(b))
            .collect();
        Ok(parts?.join(" & "))
    }
}

/// `value` rounded to `digits` significant digits, without trailing zeros.
fn significant(value: f32, digits: i32) -> String {
    let v = f64::from(value);
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    // the power of ten of the last digit kept
    let exponent = digits - 1 - v.abs().log10().floor() as i32;
    let decimals = exponent.max(0) as usize;
    let scale = 10f64.powi(exponent);
    let rounded = (v * scale).round() / scale;
    let s = format!("{rounded:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predicate::Op;
    use crate::unit::Unit;

    #[test]
    fn thresholds_to_four_significant_digits() {
        assert_eq!(significant(16.79999, 4), "16.8");
        assert_eq!(significant(0.051023, 4), "0.05102");
        assert_eq!(significant(2019.4, 4), "2019");
        assert_eq!(significant(123456.0, 4), "123500");
        assert_eq!(significant(-4.56789, 4), "-4.568");
        assert_eq!(significant(0.0, 4), "0");
    }

    #[test]
    fn a_negative_scale_turns_the_bound() {
        let f = Features::new(vec!["x".into()])
            .with_scaling(vec![1.0], vec![-2.0])
            .unwrap();
        let b = Bound::new(Unit::new([0]), Op::Ge, 1.0);
        assert_eq!(f.describe_bound(&b).unwrap(), "x <= -1");
    }

    #[test]
    fn bad_scaling_and_units_are_errors() {
        let f = Features::new(vec!["x".into(), "y".into()]);
        assert!(matches!(
            f.clone().with_scaling(vec![0.0], vec![1.0, 1.0]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            f.clone().with_scaling(vec![0.0; 2], vec![1.0, 0.0]),
            Err(Error::InvalidFeatureScaling { feature: 1, .. })
        ));
        assert!(matches!(
            f.clone().with_scaling(vec![f32::NAN, 0.0], vec![1.0, 1.0]),
            Err(Error::InvalidFeatureScaling { feature: 0, .. })
        ));
        let b = Bound::new(Unit::new([5]), Op::Ge, 1.0);
        assert!(f.describe_bound(&b).is_err());
        assert_eq!(f.describe(&Conjunction::default()).unwrap(), "true");
    }
}
