//! Unit indices (`v(r,c,k)`) and boxes of units, over a layer's unit shape.
//!
//! Activations are stored flat per sample in C order over the unit shape
//! (channels last for convolutional layers), so `v(r,c,k)` of a layer of shape
//! `[H, W, C]` is column `(r * W + c) * C + k` of the activation matrix.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

/// A unit or a box of units that does not fit a layer's unit shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnitError {
    /// A unit index that does not fit the unit shape.
    #[error("unit {unit} lies outside the unit shape {shape:?}")]
    UnitOutOfRange {
        /// The unit (a flat index is given as a one-element unit).
        unit: Unit,
        /// The unit shape.
        shape: Vec<usize>,
    },
    /// A box of units that is empty or does not fit inside the unit shape.
    #[error("cone {cone} lies outside the unit shape {shape:?}")]
    ConeOutsideShape {
        /// The box.
        cone: UnitBox,
        /// The unit shape.
        shape: Vec<usize>,
    },
}

type Result<T> = std::result::Result<T, UnitError>;

/// The multi-index of one unit of a layer, e.g. `[r, c, k]`; printed `v(r,c,k)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unit(pub Vec<usize>);

impl Unit {
    /// A unit from its multi-index.
    pub fn new(index: impl Into<Vec<usize>>) -> Self {
        Unit(index.into())
    }

    /// The unit at flat (C-order) position `flat` of `shape`.
    ///
    /// # Errors
    /// [`UnitError::UnitOutOfRange`] when `flat` is not below the product of `shape`.
    pub fn from_flat(flat: usize, shape: &[usize]) -> Result<Self> {
        let total: usize = shape.iter().product();
        if flat >= total {
            return Err(UnitError::UnitOutOfRange {
                unit: Unit(vec![flat]),
                shape: shape.to_vec(),
            });
        }
        let mut index = vec![0; shape.len()];
        let mut rest = flat;
        for (slot, &d) in index.iter_mut().zip(shape).rev() {
            *slot = rest % d;
            rest /= d;
        }
        Ok(Unit(index))
    }

    /// The flat (C-order) position of this unit in `shape`.
    ///
    /// # Errors
    /// [`UnitError::UnitOutOfRange`] when the rank differs or a coordinate is too large.
    pub fn flat(&self, shape: &[usize]) -> Result<usize> {
        if self.0.len() != shape.len() || self.0.iter().zip(shape).any(|(i, d)| i >= d) {
            return Err(UnitError::UnitOutOfRange {
                unit: self.clone(),
                shape: shape.to_vec(),
            });
        }
        Ok(self.0.iter().zip(shape).fold(0, |acc, (i, d)| acc * d + i))
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v(")?;
        for (i, x) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{x}")?;
        }
        f.write_str(")")
    }
}

/// A box of units: one half-open range `[lo, hi)` per dimension of the unit shape.
/// Cones (receptive fields) are boxes; the search can be restricted to one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UnitBox(pub Vec<Range<usize>>);

impl UnitBox {
    /// A box from `[lo, hi)` pairs.
    pub fn new(ranges: impl IntoIterator<Item = Range<usize>>) -> Self {
        UnitBox(ranges.into_iter().collect())
    }

    /// A box over a rank-1 unit shape (a dense or flatten layer).
    pub fn flat(range: Range<usize>) -> Self {
        UnitBox(vec![range])
    }

    /// The box covering the whole of `shape`.
    pub fn full(shape: &[usize]) -> Self {
        UnitBox(shape.iter().map(|&d| 0..d).collect())
    }

    /// The box of a single unit.
    pub fn unit(unit: &Unit) -> Self {
        UnitBox(unit.0.iter().map(|&i| i..i + 1).collect())
    }

    /// The ranges, one per dimension.
    pub fn ranges(&self) -> &[Range<usize>] {
        &self.0
    }

    /// The number of units in the box.
    pub fn len(&self) -> usize {
        self.0
            .iter()
            .map(|r| r.end.saturating_sub(r.start))
            .product()
    }

    /// Whether the box holds no unit.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `other` lies inside this box (same rank).
    pub fn contains_box(&self, other: &UnitBox) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .all(|(a, b)| b.is_empty() || (a.start <= b.start && b.end <= a.end))
    }

    /// The smallest box holding this box and `other` (same rank).
    pub fn hull(&self, other: &UnitBox) -> UnitBox {
        UnitBox(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(a, b)| a.start.min(b.start)..a.end.max(b.end))
                .collect(),
        )
    }

    /// Checks that the box is non-empty and fits inside `shape`.
    ///
    /// # Errors
    /// [`UnitError::ConeOutsideShape`] otherwise.
    pub fn check_within(&self, shape: &[usize]) -> Result<()> {
        let fits = self.0.len() == shape.len()
            && self
                .0
                .iter()
                .zip(shape)
                .all(|(r, &d)| r.start < r.end && r.end <= d);
        if fits {
            Ok(())
        } else {
            Err(UnitError::ConeOutsideShape {
                cone: self.clone(),
                shape: shape.to_vec(),
            })
        }
    }

    /// The flat (C-order) indices of the box's units in `shape`, ascending, as
    /// maximal runs `start..end` of consecutive indices.
    ///
    /// # Errors
    /// [`UnitError::ConeOutsideShape`] if the box does not fit in `shape`.
    pub fn flat_runs(&self, shape: &[usize]) -> Result<Vec<Range<usize>>> {
        self.check_within(shape)?;
        // Trailing dimensions the box covers fully merge into one run.
        let mut inner = 1usize;
        let mut split = shape.len();
        while split > 0 {
            let r = &self.0[split - 1];
            inner *= r.end - r.start;
            split -= 1;
            if r.start != 0 || r.end != shape[split] {
                break;
            }
        }
        let strides = strides(shape);
        let run_len = inner;
        let outer = &self.0[..split];
        let mut runs = Vec::new();
        let mut idx: Vec<usize> = outer.iter().map(|r| r.start).collect();
        let inner_start: usize = if split < shape.len() {
            self.0[split].start * strides[split]
        } else {
            0
        };
        loop {
            let base: usize = idx.iter().zip(&strides).map(|(i, s)| i * s).sum();
            let start = base + inner_start;
            match runs.last_mut() {
                Some(Range { end, .. }) if *end == start => *end = start + run_len,
                _ => runs.push(start..start + run_len),
            }
            // advance the odometer over the outer dimensions
            let mut d = outer.len();
            loop {
                if d == 0 {
                    return Ok(runs);
                }
                d -= 1;
                idx[d] += 1;
                if idx[d] < outer[d].end {
                    break;
                }
                idx[d] = outer[d].start;
            }
        }
    }

    /// The flat (C-order) indices of the box's units in `shape`, ascending.
    ///
    /// # Errors
    /// [`UnitError::ConeOutsideShape`] if the box does not fit in `shape`.
    pub fn flat_indices(&self, shape: &[usize]) -> Result<Vec<usize>> {
        Ok(self.flat_runs(shape)?.into_iter().flatten().collect())
    }
}

impl fmt::Display for UnitBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" x ")?;
            }
            write!(f, "[{}, {})", r.start, r.end)?;
        }
        Ok(())
    }
}

/// C-order strides (in elements) of `shape`.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_round_trip() {
        let shape = [6, 6, 8];
        for flat in [0, 5, 100, 287] {
            let u = Unit::from_flat(flat, &shape).unwrap();
            assert_eq!(u.flat(&shape).unwrap(), flat);
        }
        assert_eq!(Unit::new([2, 0, 4]).flat(&shape).unwrap(), 2 * 48 + 4);
        assert!(Unit::from_flat(288, &shape).is_err());
        assert!(Unit::new([6, 0, 0]).flat(&shape).is_err());
        assert!(Unit::new([0, 0]).flat(&shape).is_err());
    }

    #[test]
    fn display() {
        assert_eq!(Unit::new([0, 4, 25]).to_string(), "v(0,4,25)");
        assert_eq!(Unit::new([17]).to_string(), "v(17)");
    }

    #[test]
    fn runs_match_brute_force() {
        let shape = [6, 6, 8];
        for b in [
            UnitBox::new([1..5, 0..4, 0..8]),
            UnitBox::new([0..6, 0..6, 0..8]),
            UnitBox::new([2..3, 1..6, 3..5]),
            UnitBox::new([0..6, 2..3, 0..8]),
        ] {
            let mut expected = Vec::new();
            for r in 0..6 {
                for c in 0..6 {
                    for k in 0..8 {
                        if b.0[0].contains(&r) && b.0[1].contains(&c) && b.0[2].contains(&k) {
                            expected.push((r * 6 + c) * 8 + k);
                        }
                    }
                }
            }
            assert_eq!(b.flat_indices(&shape).unwrap(), expected, "{b}");
            assert_eq!(b.len(), expected.len());
        }
        assert_eq!(
            UnitBox::full(&shape).flat_runs(&shape).unwrap(),
            vec![0..288]
        );
    }

    #[test]
    fn box_outside_shape_is_an_error() {
        let shape = [6, 6, 8];
        for b in [
            UnitBox::new([1..7, 0..4, 0..8]),
            UnitBox::new([1..1, 0..4, 0..8]),
            UnitBox::new([0..4, 0..8]),
        ] {
            assert!(matches!(
                b.flat_runs(&shape),
                Err(UnitError::ConeOutsideShape { .. })
            ));
        }
    }
}
