//! A sliding window over the two spatial dimensions and how it maps output
//! positions back to input positions.

use std::ops::Range;

use super::padding::Padding;

/// A sliding window over the two spatial dimensions: a convolution's kernel or
/// a pooling window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Window {
    pub(super) kernel: [usize; 2],
    pub(super) stride: [usize; 2],
    pub(super) dilation: [usize; 2],
    pub(super) padding: Padding,
    pub(super) ceil: bool,
}

impl Window {
    /// The output size along dimension `d` for an input of `n`.
    pub(super) fn out(&self, d: usize, n: usize) -> Result<usize, String> {
        let (k, s, dil) = (self.kernel[d], self.stride[d], self.dilation[d]);
        if k == 0 || s == 0 || dil == 0 {
            return Err("kernel, window, stride and dilation must be at least 1".into());
        }
        let (before, after) = self.padding.pair(d, n, k, s);
        let padded = n + before + after;
        let extent = dil * (k - 1) + 1;
        if self.ceil {
            if padded + s - 1 < extent {
                return Err(format!(
                    "window extent {extent} is larger than the padded input {padded}"
                ));
            }
            let out = (padded + s - 1 - extent) / s + 1;
            Ok(if (out - 1) * s >= n + before {
                out - 1
            } else {
                out
            })
        } else if padded < extent {
            Err(format!(
                "window extent {extent} is larger than the padded input {padded}"
            ))
        } else {
            Ok((padded - extent) / s + 1)
        }
    }

    /// The input positions (of `n`) that outputs `r` along dimension `d` read.
    pub(super) fn back(&self, d: usize, r: &Range<usize>, n: usize) -> Range<usize> {
        let (k, s, dil) = (self.kernel[d], self.stride[d], self.dilation[d]);
        let (before, _) = self.padding.pair(d, n, k, s);
        let lo = (r.start * s).saturating_sub(before);
        let hi = ((r.end - 1) * s + dil * (k - 1) + 1)
            .saturating_sub(before)
            .min(n);
        // A window lying wholly in the padding reads nothing; keep the nearest
        // unit so that cones are never empty.
        let lo = lo.min(n - 1);
        lo..hi.max(lo + 1)
    }
}
