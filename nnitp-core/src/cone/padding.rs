//! Padding of a convolution or pooling window.

use serde::{Deserialize, Serialize};

/// Padding of a convolution or pooling window, as burn's `PaddingConfig2d`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Output size `ceil(in / stride)`: zero padding of `(out - 1) * stride +
    /// kernel - in` split evenly, the extra one after (Keras and burn).
    Same,
    /// No padding.
    #[default]
    Valid,
    /// Explicit zero padding on each side.
    Explicit {
        /// Rows added above.
        top: usize,
        /// Columns added on the left.
        left: usize,
        /// Rows added below.
        bottom: usize,
        /// Columns added on the right.
        right: usize,
    },
}

impl Padding {
    /// Symmetric explicit padding: `rows` above and below, `cols` left and right.
    pub fn explicit(rows: usize, cols: usize) -> Self {
        Padding::Explicit {
            top: rows,
            left: cols,
            bottom: rows,
            right: cols,
        }
    }

    /// The padding (before, after) of spatial dimension `d` (0 rows, 1 columns)
    /// for an input of `n` and a window of `kernel` with `stride` (burn's rule:
    /// `Same` ignores dilation).
    pub fn pair(&self, d: usize, n: usize, kernel: usize, stride: usize) -> (usize, usize) {
        match *self {
            Padding::Valid => (0, 0),
            Padding::Same => {
                let out = n.div_ceil(stride.max(1));
                let total = if out > 0 {
                    ((out - 1) * stride + kernel).saturating_sub(n)
                } else {
                    0
                };
                (total / 2, total - total / 2)
            }
            Padding::Explicit {
                top,
                left,
                bottom,
                right,
            } => match d {
                0 => (top, bottom),
                _ => (left, right),
            },
        }
    }
}

impl std::fmt::Display for Padding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Padding::Same => f.write_str("same"),
            Padding::Valid => f.write_str("valid"),
            Padding::Explicit {
                top,
                left,
                bottom,
                right,
            } => write!(f, "{top},{left},{bottom},{right}"),
        }
    }
}
