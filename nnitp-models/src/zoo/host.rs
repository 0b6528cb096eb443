//! Inference of the zoo's models on CPU devices, on the host: convolutions as
//! one matrix product per image over its patches (the `gemm` crate that burn's
//! CPU backend uses too), and every other layer in one pass over a
//! channels-last buffer, where burn's tensor ops take several passes for one
//! layer (ELU alone is five) and convert layouts around each convolution.
//! Every layer uses burn's own formulas, so activations agree with burn's ops
//! to float rounding (`exp` and the order of a product's additions are the
//! only places that may round differently).

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, Linear};
use burn::tensor::Tensor;
use nnitp_core::cone::Padding;
use nnitp_core::network::tensor_values as values;
use nnitp_core::{Error, Result};

/// A batch of activations on the host in C order: `[N, H, W, C]` (channels
/// last) for feature maps, `[N, units]` for flat layers.
#[derive(Clone, Debug)]
pub(super) struct Host {
    pub(super) values: Vec<f32>,
    pub(super) shape: Vec<usize>,
}

/// `c += a * b` for row-major `a` `[m, k]`, `b` `[k, n]` and `c` `[m, n]`
/// (`c` is overwritten when `overwrite`).
fn matmul(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32], overwrite: bool) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: the asserts above bound every index the product reads and
    // writes; the three slices do not overlap (`c` is borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            !overwrite,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

impl Host {
    /// A batch of images given as an NCHW tensor, channels last.
    ///
    /// # Errors
    /// [`Error::Backend`] when the tensor cannot be read as `f32`.
    pub(super) fn from_images(t: Tensor<4>) -> Result<Self> {
        let [n, c, h, w] = t.dims();
        let nchw = values(t)?;
        let mut values = vec![0f32; nchw.len()];
        for b in 0..n {
            for k in 0..c {
                let plane = &nchw[(b * c + k) * h * w..(b * c + k + 1) * h * w];
                for (p, &v) in plane.iter().enumerate() {
                    values[(b * h * w + p) * c + k] = v;
                }
            }
        }
        Ok(Host {
            values,
            shape: vec![n, h, w, c],
        })
    }

    fn map_dims(&self) -> [usize; 4] {
        match self.shape[..] {
            [n, h, w, c] => [n, h, w, c],
            _ => [
                self.shape[0],
                1,
                1,
                self.values.len() / self.shape[0].max(1),
            ],
        }
    }

    /// A convolution (one group): for each image, its patches as rows of a
    /// matrix, times the kernel as a `[kh * kw * C, F]` matrix, plus the bias.
    ///
    /// # Errors
    /// [`Error::Backend`] when the weights cannot be read.
    pub(super) fn conv2d(&self, conv: &Conv2d) -> Result<Host> {
        let [n, h, w, c] = self.map_dims();
        let [f, cw, kh, kw] = conv.weight.val().dims();
        if cw != c || conv.groups != 1 {
            return Err(Error::Backend(format!(
                "a convolution of {cw} input channels in {} groups on a map of {c}",
                conv.groups
            )));
        }
        let weight = values(conv.weight.val())?;
        // kernel[(ky * kw + kx) * c + ci][f] = weight[f][ci][ky][kx]
        let k = kh * kw * c;
        let mut kernel = vec![0f32; k * f];
        for o in 0..f {
            for ci in 0..c {
                for ky in 0..kh {
                    for kx in 0..kw {
                        kernel[((ky * kw + kx) * c + ci) * f + o] =
                            weight[((o * c + ci) * kh + ky) * kw + kx];
                    }
                }
            }
        }
        let bias = match &conv.bias {
            Some(b) => values(b.val())?,
            None => vec![0.0; f],
        };
        let padding = Padding::from(&conv.padding);
        let (s, d) = (conv.stride, conv.dilation);
        let (top, _) = padding.pair(0, h, kh, s[0]);
        let (left, _) = padding.pair(1, w, kw, s[1]);
        let size = |dim: usize, n_in: usize, kern: usize| {
            let (b, a) = padding.pair(dim, n_in, kern, s[dim]);
            (n_in + b + a - (d[dim] * (kern - 1) + 1)) / s[dim] + 1
        };
        let (oh, ow) = (size(0, h, kh), size(1, w, kw));
        let mut out = vec![0f32; n * oh * ow * f];
        let mut patches = vec![0f32; oh * ow * k];
        for b in 0..n {
            let img = &self.values[b * h * w * c..(b + 1) * h * w * c];
            for oy in 0..oh {
                for ox in 0..ow {
                    let row = &mut patches[(oy * ow + ox) * k..(oy * ow + ox + 1) * k];
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let dst = &mut row[(ky * kw + kx) * c..(ky * kw + kx + 1) * c];
                            let iy = (oy * s[0] + ky * d[0]).checked_sub(top).filter(|&y| y < h);
                            let ix = (ox * s[1] + kx * d[1]).checked_sub(left).filter(|&x| x < w);
                            match (iy, ix) {
                                (Some(y), Some(x)) => {
                                    dst.copy_from_slice(&img[(y * w + x) * c..(y * w + x + 1) * c])
                                }
                                _ => dst.fill(0.0),
                            }
                        }
                    }
                }
            }
            let dst = &mut out[b * oh * ow * f..(b + 1) * oh * ow * f];
            for px in dst.chunks_exact_mut(f) {
                px.copy_from_slice(&bias);
            }
            matmul(oh * ow, k, f, &patches, &kernel, dst, false);
        }
        Ok(Host {
            values: out,
            shape: vec![n, oh, ow, f],
        })
    }

    /// A dense layer: `[N, in] x [in, out] + bias`.
    ///
    /// # Errors
    /// [`Error::Backend`] when the weights cannot be read or do not fit.
    pub(super) fn dense(&self, linear: &Linear) -> Result<Host> {
        let n = self.shape[0];
        let [d_in, d_out] = linear.weight.val().dims();
        if self.values.len() != n * d_in {
            return Err(Error::Backend(format!(
                "a dense layer of {d_in} inputs on {} values per sample",
                self.values.len() / n.max(1)
            )));
        }
        let weight = values(linear.weight.val())?;
        let bias = match &linear.bias {
            Some(b) => values(b.val())?,
            None => vec![0.0; d_out],
        };
        let mut out = Vec::with_capacity(n * d_out);
        for _ in 0..n {
            out.extend_from_slice(&bias);
        }
        matmul(n, d_in, d_out, &self.values, &weight, &mut out, false);
        Ok(Host {
            values: out,
            shape: vec![n, d_out],
        })
    }

    /// Adds `other` (of the same shape) element-wise.
    pub(super) fn add(&mut self, other: &Host) {
        for (a, b) in self.values.iter_mut().zip(&other.values) {
            *a += b;
        }
    }

    /// The mean over rows and columns of each channel: `[N, H, W, C]` to `[N, C]`.
    pub(super) fn global_avg_pool(&self) -> Host {
        let [n, h, w, c] = self.map_dims();
        let mut out = vec![0f32; n * c];
        for b in 0..n {
            let dst = &mut out[b * c..(b + 1) * c];
            for px in self.values[b * h * w * c..(b + 1) * h * w * c].chunks_exact(c) {
                for (d, v) in dst.iter_mut().zip(px) {
                    *d += v;
                }
            }
            let scale = 1.0 / (h * w) as f32;
            for d in dst.iter_mut() {
                *d *= scale;
            }
        }
        Host {
            values: out,
            shape: vec![n, c],
        }
    }

    /// The layer flattened (channels last: the buffer as it is).
    pub(super) fn flatten(mut self) -> Host {
        let n = self.shape[0];
        self.shape = vec![n, self.values.len() / n.max(1)];
        self
    }

    /// Softmax over each sample's units: `exp(x - max) / sum`.
    pub(super) fn softmax(&self) -> Host {
        let units = self.values.len() / self.shape[0].max(1);
        let mut out = self.values.clone();
        for row in out.chunks_exact_mut(units.max(1)) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for v in row.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            for v in row.iter_mut() {
                *v /= sum;
            }
        }
        Host {
            values: out,
            shape: self.shape.clone(),
        }
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
    /// `(x - mean) / sqrt(var + eps) * gamma + beta` per channel (the last
    /// dimension).
    ///
    /// # Errors
    /// [`Error::Backend`] when the statistics cannot be read or do not fit.
    pub(super) fn batch_norm(&mut self, bn: &BatchNorm) -> Result<()> {
        let gamma = values(bn.gamma.val())?;
        let beta = values(bn.beta.val())?;
        let mean = values(bn.running_mean.value())?;
        let std: Vec<f32> = values(bn.running_var.value())?
            .into_iter()
            .map(|v| (v + bn.epsilon as f32).sqrt())
            .collect();
        let c = *self.shape.last().unwrap_or(&0);
        if [gamma.len(), beta.len(), mean.len(), std.len()] != [c; 4] {
            return Err(Error::Backend(format!(
                "batch norm of {} channels on a layer of {c}",
                gamma.len()
            )));
        }
        for px in self.values.chunks_exact_mut(c.max(1)) {
            for (k, v) in px.iter_mut().enumerate() {
                *v = (*v - mean[k]) / std[k] * gamma[k] + beta[k];
            }
        }
        Ok(())
    }

    /// Max pooling without padding or dilation, rounding the output size down.
    pub(super) fn max_pool(&self, window: [usize; 2], stride: [usize; 2]) -> Host {
        let [n, h, w, c] = self.map_dims();
        let oh = (h - window[0]) / stride[0] + 1;
        let ow = (w - window[1]) / stride[1] + 1;
        let mut out = vec![f32::NEG_INFINITY; n * oh * ow * c];
        for b in 0..n {
            let img = &self.values[b * h * w * c..(b + 1) * h * w * c];
            let dst = &mut out[b * oh * ow * c..(b + 1) * oh * ow * c];
            for oy in 0..oh {
                for ox in 0..ow {
                    let px = &mut dst[(oy * ow + ox) * c..(oy * ow + ox + 1) * c];
                    for dy in 0..window[0] {
                        for dx in 0..window[1] {
                            let (y, x) = (oy * stride[0] + dy, ox * stride[1] + dx);
                            let src = &img[(y * w + x) * c..(y * w + x + 1) * c];
                            for (m, &v) in px.iter_mut().zip(src) {
                                *m = m.max(v);
                            }
                        }
                    }
                }
            }
        }
        Host {
            values: out,
            shape: vec![n, oh, ow, c],
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
        // [1, 2, 2, 2], channels last: channel 0 holds -1, 2, 5, 4 and channel 1 0, -3, 1, -2
        let mut m = Host {
            values: vec![-1.0, 0.0, 2.0, -3.0, 5.0, 1.0, 4.0, -2.0],
            shape: vec![1, 2, 2, 2],
        };
        let pooled = m.max_pool([2, 2], [2, 2]);
        assert_eq!(
            (pooled.values.clone(), pooled.shape.clone()),
            (vec![5.0, 1.0], vec![1, 1, 1, 2])
        );
        let flat = pooled.flatten();
        assert_eq!(flat.shape, [1, 2]);
        let soft = flat.softmax();
        let e = 1.0f32 / (1.0 + (-4.0f32).exp());
        assert!(
            (soft.values[0] - e).abs() < 1e-6
                && (soft.values.iter().sum::<f32>() - 1.0).abs() < 1e-6
        );
        m.elu(1.0);
        assert!((m.values[0] - ((-1.0f32).exp() - 1.0)).abs() < 1e-7);
        assert_eq!(m.values[2], 2.0);
        m.relu();
        assert_eq!(m.values, [0.0, 0.0, 2.0, 0.0, 5.0, 1.0, 4.0, 0.0]);
    }
}
