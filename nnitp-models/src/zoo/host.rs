//! Inference of the zoo's shape-preserving layers and max pooling on the host,
//! for CPU devices. Burn's tensor ops take several passes over memory for one
//! layer (ELU alone is five: a comparison, `exp`, a subtraction, a product and
//! a select); here each layer is one pass over a channels-first buffer,
//! computed with burn's own formulas, so activations agree with the device
//! path to float rounding (`exp` is the only function that may round
//! differently).

use burn::nn::BatchNorm;
use burn::tensor::{Device, Tensor, TensorData};
use nnitp_core::{Error, Result};

/// A batch of feature maps on the host, `[N, C, H, W]` in C order.
pub(super) struct HostMap {
    pub(super) values: Vec<f32>,
    pub(super) dims: [usize; 4],
}

/// The values of a 1-d tensor.
fn vector(t: Tensor<1>) -> Result<Vec<f32>> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| Error::Backend(format!("{e:?}")))
}

impl HostMap {
    /// The values of a feature-map tensor.
    ///
    /// # Errors
    /// [`Error::Backend`] when its data cannot be read as `f32`.
    pub(super) fn from_tensor(t: Tensor<4>) -> Result<Self> {
        let dims = t.dims();
        let values = t
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| Error::Backend(format!("{e:?}")))?;
        Ok(HostMap { values, dims })
    }

    /// A tensor of these values on `device`.
    pub(super) fn to_tensor(&self, device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(self.values.clone(), self.dims), device)
    }

    /// The tensor, giving up the buffer.
    pub(super) fn into_tensor(self, device: &Device) -> Tensor<4> {
        Tensor::from_data(TensorData::new(self.values, self.dims), device)
    }

    /// ELU: `x` where `x > 0`, else `(exp(x) - 1) * alpha`; branch-free, so
    /// that the loop vectorises.
    pub(super) fn elu(&mut self, alpha: f64) {
        let alpha = alpha as f32;
        for v in &mut self.values {
            let x = *v;
            let neg = (exp_neg(x) - 1.0) * alpha;
            *v = if x <= 0.0 { neg } else { x };
        }
    }

    /// ReLU: `max(x, 0)`.
    pub(super) fn relu(&mut self) {
        for v in &mut self.values {
            *v = v.max(0.0);
        }
    }

    /// Batch normalisation with running statistics:
    /// `(x - mean) / sqrt(var + eps) * gamma + beta` per channel.
    ///
    /// # Errors
    /// [`Error::Backend`] when the statistics cannot be read.
    pub(super) fn batch_norm(&mut self, bn: &BatchNorm) -> Result<()> {
        let gamma = vector(bn.gamma.val())?;
        let beta = vector(bn.beta.val())?;
        let mean = vector(bn.running_mean.value())?;
        let std: Vec<f32> = vector(bn.running_var.value())?
            .into_iter()
            .map(|v| (v + bn.epsilon as f32).sqrt())
            .collect();
        let [_, c, h, w] = self.dims;
        if [gamma.len(), beta.len(), mean.len(), std.len()] != [c; 4] {
            return Err(Error::Backend(format!(
                "batch norm of {} channels on a map of {c}",
                gamma.len()
            )));
        }
        for (i, plane) in self.values.chunks_mut(h * w).enumerate() {
            let k = i % c;
            let (m, s, g, b) = (mean[k], std[k], gamma[k], beta[k]);
            for v in plane {
                *v = (*v - m) / s * g + b;
            }
        }
        Ok(())
    }

    /// Max pooling without padding or dilation, rounding the output size down.
    pub(super) fn max_pool(&self, window: [usize; 2], stride: [usize; 2]) -> HostMap {
        let [n, c, h, w] = self.dims;
        let oh = (h - window[0]) / stride[0] + 1;
        let ow = (w - window[1]) / stride[1] + 1;
        let mut out = Vec::with_capacity(n * c * oh * ow);
        for plane in self.values.chunks(h * w) {
            for r in 0..oh {
                for col in 0..ow {
                    let mut m = f32::NEG_INFINITY;
                    for dr in 0..window[0] {
                        let row = &plane[(r * stride[0] + dr) * w..];
                        for dc in 0..window[1] {
                            m = m.max(row[col * stride[1] + dc]);
                        }
                    }
                    out.push(m);
                }
            }
        }
        HostMap {
            values: out,
            dims: [n, c, oh, ow],
        }
    }
}

/// `exp(x)` for `x <= 0` (larger `x` gives a finite value that the caller
/// discards), within 2 ulp of the correctly rounded result, in straight-line
/// code of adds and products that vectorises on any x86-64: Cody-Waite
/// reduction `x = n ln2 + r` and a degree-6 polynomial for `exp(r)` on
/// `|r| <= ln2/2` (the coefficients of Cephes' `expf`). Below -87.3 it returns
/// `exp(-87.3)` (about 1.2e-38) instead of a subnormal.
#[inline(always)]
fn exp_neg(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // adding and subtracting 1.5 * 2^23 rounds to the nearest integer
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 0.0);
    let n = (x * LOG2E + ROUND) - ROUND;
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
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
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
    fn layers_on_the_host() {
        let mut m = HostMap {
            values: vec![-1.0, 0.0, 2.0, -3.0, 5.0, 1.0, 4.0, -2.0],
            dims: [1, 2, 2, 2],
        };
        let pooled = m.max_pool([2, 2], [2, 2]);
        assert_eq!(
            (pooled.values.clone(), pooled.dims),
            (vec![2.0, 5.0], [1, 2, 1, 1])
        );
        m.elu(1.0);
        assert!((m.values[0] - ((-1.0f32).exp() - 1.0)).abs() < 1e-7);
        assert_eq!(m.values[2], 2.0);
        m.relu();
        assert_eq!(m.values, [0.0, 0.0, 2.0, 0.0, 5.0, 1.0, 4.0, 0.0]);
    }
}
