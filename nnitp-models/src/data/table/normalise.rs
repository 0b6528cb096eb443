//! The normalisation a model is trained with: fitted on the training rows,
//! stored with the model (serde), applied to every table it reads.

use serde::{Deserialize, Serialize};

use super::{Table, TableError};

/// How features are scaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalisationKind {
    /// `(x - mean) / std` (a constant feature: `x - mean`).
    Standard,
    /// `(x - min) / (max - min)` (a constant feature: `x - min`).
    MinMax,
}

/// Per-feature constants: `x' = (x - shift) / scale`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalisation {
    /// How they were fitted.
    pub kind: NormalisationKind,
    /// Subtracted from each feature.
    pub shift: Vec<f32>,
    /// Each feature is divided by it (never 0).
    pub scale: Vec<f32>,
}

impl Normalisation {
    /// The constants of `kind` fitted on `table`'s rows.
    pub fn fit(kind: NormalisationKind, table: &Table) -> Self {
        let n = table.len().max(1) as f64;
        let (mut shift, mut scale) = (Vec::new(), Vec::new());
        for col in table.features.columns() {
            let (s, d) = match kind {
                NormalisationKind::Standard => {
                    let mean = col.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
                    let var = col
                        .iter()
                        .map(|&v| (f64::from(v) - mean).powi(2))
                        .sum::<f64>()
                        / n;
                    (mean, var.sqrt())
                }
                NormalisationKind::MinMax => {
                    let lo = col.iter().copied().fold(f32::INFINITY, f32::min);
                    let hi = col.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let lo = if lo.is_finite() { lo } else { 0.0 };
                    (f64::from(lo), f64::from(hi - lo))
                }
            };
            shift.push(s as f32);
            scale.push(if d > 0.0 && d.is_finite() {
                d as f32
            } else {
                1.0
            });
        }
        Normalisation { kind, shift, scale }
    }

    /// Scales `table`'s features in place.
    ///
    /// # Errors
    /// [`TableError::NormalisationWidth`] when the constants are for another
    /// number of features.
    pub fn apply(&self, table: &mut Table) -> Result<(), TableError> {
        let width = table.features.ncols();
        if self.shift.len() != width || self.scale.len() != width {
            return Err(TableError::NormalisationWidth {
                expected: width,
                found: self.shift.len(),
            });
        }
        for mut row in table.features.rows_mut() {
            for ((v, s), d) in row.iter_mut().zip(&self.shift).zip(&self.scale) {
                *v = (*v - s) / d;
            }
        }
        Ok(())
    }

    /// A normalised value back in the data's units (`x = x' * scale + shift`):
    /// how a threshold on an input feature is printed.
    pub fn original(&self, feature: usize, value: f32) -> Option<f32> {
        Some(value * self.scale.get(feature)? + self.shift.get(feature)?)
    }
}
