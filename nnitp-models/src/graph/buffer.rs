//! A batch of activations on the host, channels last, and the matrix product
//! the convolutions and dense layers share.

use burn::tensor::Tensor;
use nnitp_core::network::tensor_values;
use nnitp_core::Result;

/// A batch of activations in C order: `[N, H, W, C]` (channels last) for
/// feature maps, `[N, units]` for flat layers.
#[derive(Clone, Debug, PartialEq)]
pub struct Buffer {
    /// The values.
    pub values: Vec<f32>,
    /// Their shape, batch first.
    pub shape: Vec<usize>,
}

impl Buffer {
    /// A batch of images given as an NCHW tensor, channels last.
    ///
    /// # Errors
    /// [`NetworkError::TensorData`](nnitp_core::error::NetworkError::TensorData)
    /// when the tensor cannot be read as `f32`.
    pub fn from_images(t: Tensor<4>) -> Result<Self> {
        let [n, c, h, w] = t.dims();
        Ok(Self::from_nchw(&tensor_values(t)?, [n, c, h, w]))
    }

    /// NCHW values as a channels-last batch.
    pub fn from_nchw(nchw: &[f32], [n, c, h, w]: [usize; 4]) -> Self {
        let mut values = vec![0f32; nchw.len()];
        for b in 0..n {
            for k in 0..c {
                let plane = &nchw[(b * c + k) * h * w..(b * c + k + 1) * h * w];
                for (p, &v) in plane.iter().enumerate() {
                    values[(b * h * w + p) * c + k] = v;
                }
            }
        }
        Buffer {
            values,
            shape: vec![n, h, w, c],
        }
    }

    /// The values in burn's and ONNX's layout: NCHW for a feature map, as
    /// they are for a flat layer.
    pub fn to_nchw(&self) -> Vec<f32> {
        let [n, h, w, c] = match self.shape[..] {
            [n, h, w, c] => [n, h, w, c],
            _ => return self.values.clone(),
        };
        let mut out = vec![0f32; self.values.len()];
        for s in 0..n {
            for p in 0..h * w {
                for k in 0..c {
                    out[(s * c + k) * h * w + p] = self.values[(s * h * w + p) * c + k];
                }
            }
        }
        out
    }

    /// The batch size.
    pub fn batch(&self) -> usize {
        self.shape.first().copied().unwrap_or(0)
    }

    /// `[N, H, W, C]`; a flat layer reads as `[N, 1, 1, units]`.
    pub fn map_dims(&self) -> [usize; 4] {
        match self.shape[..] {
            [n, h, w, c] => [n, h, w, c],
            _ => [self.batch(), 1, 1, self.values.len() / self.batch().max(1)],
        }
    }

    /// The size of the last dimension (channels, or units).
    pub fn channels(&self) -> usize {
        self.shape.last().copied().unwrap_or(0)
    }
}

/// `c = a * b + c` for row-major `a` `[m, k]` (rows `lda` apart), `b` `[k, n]`
/// (rows `ldb` apart) and `c` `[m, n]` (rows `ldc` apart).
///
/// # Panics
/// When a slice is too short for its shape (a bug in the caller).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(
    [m, k, n]: [usize; 3],
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(lda >= k && ldb >= n && ldc >= n, "row strides too short");
    assert!(
        a.len() >= (m - 1) * lda + k
            && (k == 0 || b.len() >= (k - 1) * ldb + n)
            && c.len() >= (m - 1) * ldc + n,
        "a matrix product's operands are shorter than their shapes"
    );
    // SAFETY: the asserts above bound every index the product reads and
    // writes; `c` is borrowed mutably, so it overlaps neither `a` nor `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            ldc as isize,
            true,
            a.as_ptr(),
            1,
            lda as isize,
            b.as_ptr(),
            1,
            ldb as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// `exp(x)` for `x <= 0` (larger `x` gives a finite value that the caller
/// discards), within 2 ulp of the correctly rounded result, in straight-line
/// code of adds and products that vectorises on any x86-64: Cody-Waite
/// reduction `x = n ln2 + r` and a degree-6 polynomial for `exp(r)` on
/// `|r| <= ln2/2` (the coefficients of Cephes' `expf`). Below -87.3 it returns
/// `exp(-87.3)` (about 1.2e-38) instead of a subnormal.
#[inline(always)]
pub(crate) fn exp_neg(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // adding and subtracting 1.5 * 2^23 rounds to the nearest integer
    const ROUND: f32 = 12_582_912.0;
    // bit casts and wrapping arithmetic rather than `as i32` (which
    // saturates) and overflow checks keep the loop free of branches, so that
    // it vectorises
    let x = x.clamp(-87.3, 0.0);
    let rounded = x * LOG2E + ROUND;
    let n = rounded - ROUND;
    // the low mantissa bits of `rounded` hold n (two's complement)
    let ni = (rounded.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        1.666_666_5e-1,
        0.5,
    ] {
        p = p * r + c;
    }
    let e = p * r * r + r + 1.0;
    // 2^n from the exponent bits; n lies in [-126, 0]
    let scale = f32::from_bits((ni.wrapping_add(127) as u32) << 23);
    e * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the standard library's `exp` (correctly rounded or nearly),
    /// over the whole range where ELU uses it.
    #[test]
    fn exp_neg_is_within_two_ulp() {
        let mut x = -87.0f32;
        while x <= 0.0 {
            let (got, want) = (exp_neg(x), x.exp());
            let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
            assert!(ulps <= 2, "exp({x}) = {got}, want {want}");
            x += 0.000_37;
        }
        assert_eq!(exp_neg(0.0), 1.0);
        assert!(exp_neg(-200.0) < 1e-37);
    }

    #[test]
    fn strided_product() {
        // [2, 2] x [2, 1] written into column 1 of a [2, 2] output
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [10.0, 100.0];
        let mut c = [0.0, 1.0, 0.0, 1.0];
        matmul([2, 2, 1], &a, 2, &b, 1, &mut c[1..], 2);
        assert_eq!(c, [0.0, 211.0, 0.0, 431.0]);
        let nchw = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let x = Buffer::from_nchw(&nchw, [1, 2, 2, 2]);
        assert_eq!(x.values, [1.0, 5.0, 2.0, 6.0, 3.0, 7.0, 4.0, 8.0]);
        assert_eq!(x.to_nchw(), nchw);
    }
}
