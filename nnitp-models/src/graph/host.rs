//! The host executor: each [`Op`] on channels-last buffers, convolutions as
//! one matrix product per image and group over its patches (the `gemm` crate
//! that burn's CPU backend uses too), every other layer in one pass.

use nnitp_core::cone::LayerKind;

use super::buffer::{exp_neg, matmul, Buffer};
use super::error::HostError;
use super::op::{
    Activation, Affine, Binary, Conv, Dense, LayerNorm, Op, Order, Pad, Pool, Reduce, Window,
};

impl Op {
    /// The layer on its inputs' outputs. The graph's geometry check has
    /// already matched the shapes; a mismatch left is an error, not a panic.
    ///
    /// # Errors
    /// Inputs that do not fit the layer.
    pub fn run(&self, inputs: &[&Buffer]) -> Result<Buffer, HostError> {
        let x = *inputs.first().ok_or(HostError::NoInputs)?;
        Ok(match self {
            Op::Conv2d(c) => conv2d(x, c)?,
            Op::Dense(d) => dense(x, d)?,
            Op::BatchNorm(a) | Op::Scale(a) => affine(x, a)?,
            Op::Activation(a) => activation(x, *a),
            Op::MaxPool2d(p) => pool(x, p, false),
            Op::AvgPool2d(p) => pool(x, p, true),
            Op::GlobalAvgPool => global_pool(x, false),
            Op::GlobalMaxPool => global_pool(x, true),
            Op::Flatten(order) => flatten(x, *order),
            Op::Add => {
                let mut y = x.clone();
                for other in &inputs[1..] {
                    if other.shape != y.shape {
                        return Err(HostError::Sum {
                            left: y.shape.clone(),
                            right: other.shape.clone(),
                        });
                    }
                    for (a, b) in y.values.iter_mut().zip(&other.values) {
                        *a += b;
                    }
                }
                y
            }
            Op::Binary(b) => match inputs {
                [a, c] => binary(*b, a, c)?,
                _ => return Err(HostError::NoInputs),
            },
            Op::Pad(p) => pad(x, p)?,
            Op::LayerNorm(n) => layer_norm(x, n)?,
            Op::ReduceChannels(how) => {
                let c = x.channels().max(1);
                let values = x
                    .values
                    .chunks_exact(c)
                    .map(|px| match how {
                        Reduce::Mean => px.iter().sum::<f32>() / c as f32,
                        Reduce::Max => px.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                        Reduce::Sum => px.iter().sum(),
                    })
                    .collect();
                let mut shape = x.shape.clone();
                if let Some(last) = shape.last_mut() {
                    *last = 1;
                }
                Buffer { values, shape }
            }
            Op::SelectChannels(picked) => {
                let c = x.channels();
                if c == 0 || picked.iter().any(|&k| k >= c) {
                    return Err(HostError::Concat {
                        shapes: vec![x.shape.clone()],
                    });
                }
                let mut values = Vec::with_capacity(x.values.len() / c * picked.len());
                for px in x.values.chunks_exact(c) {
                    values.extend(picked.iter().map(|&k| px[k]));
                }
                let mut shape = x.shape.clone();
                *shape.last_mut().expect("a shape with dimensions") = picked.len();
                Buffer { values, shape }
            }
            Op::Where => match inputs {
                [c, a, b] if c.shape == a.shape && a.shape == b.shape => {
                    let mut y = (*b).clone();
                    for ((o, &k), &v) in y.values.iter_mut().zip(&c.values).zip(&a.values) {
                        if k != 0.0 {
                            *o = v;
                        }
                    }
                    y
                }
                _ => {
                    return Err(HostError::Broadcast {
                        left: x.shape.clone(),
                        right: inputs.get(1).map(|b| b.shape.clone()).unwrap_or_default(),
                    })
                }
            },
            Op::Concat => concat(inputs)?,
            Op::Softmax => softmax(x),
            Op::Dropout(_) | Op::Identity => x.clone(),
        })
    }
}

/// The output size along one dimension (the geometry's rule).
fn out_size(w: &Window, d: usize, n: usize) -> Result<usize, HostError> {
    let (before, after) = (w.pads[d], w.pads[d + 2]);
    let padded = n + before + after;
    let extent = w.dilation[d] * (w.size[d] - 1) + 1;
    let s = w.stride[d];
    if padded < extent || s == 0 {
        return Err(HostError::Window {
            extent,
            positions: padded,
        });
    }
    if w.ceil {
        let out = (padded - extent).div_ceil(s) + 1;
        Ok(if (out - 1) * s >= n + before {
            out - 1
        } else {
            out
        })
    } else {
        Ok((padded - extent) / s + 1)
    }
}

/// Input position of output `o`, window element `k` along dimension `d`, or
/// `None` in the padding.
#[inline]
fn source(w: &Window, d: usize, o: usize, k: usize, n: usize) -> Option<usize> {
    (o * w.stride[d] + k * w.dilation[d])
        .checked_sub(w.pads[d])
        .filter(|&p| p < n)
}

/// The patches one matrix product of a convolution takes at most (unless one
/// image needs more).
const PATCH_BYTES: usize = 4 << 20;

fn conv2d(x: &Buffer, conv: &Conv) -> Result<Buffer, HostError> {
    let [n, h, w, c] = x.map_dims();
    if c != conv.in_channels || x.shape.len() != 4 {
        return Err(HostError::ConvChannels {
            channels: conv.in_channels,
            shape: x.shape.clone(),
        });
    }
    let win = &conv.window;
    let (oh, ow) = (out_size(win, 0, h)?, out_size(win, 1, w)?);
    let [kh, kw] = win.size;
    let (f, groups) = (conv.filters, conv.groups);
    let (cg, fg) = (c / groups, f / groups);
    let k = kh * kw * cg;
    let mut out = vec![0f32; n * oh * ow * f];
    for px in out.chunks_exact_mut(f) {
        px.copy_from_slice(&conv.bias);
    }
    // several images per matrix product (about PATCH_BYTES of patches), so
    // that the kernel is packed once for them and the product is tall
    let per_image = oh * ow * k;
    let chunk = (PATCH_BYTES / (per_image * 4).max(1)).clamp(1, n.max(1));
    let mut patches = vec![0f32; chunk * per_image];
    for b0 in (0..n).step_by(chunk) {
        let images = chunk.min(n - b0);
        for g in 0..groups {
            for (j, rows) in patches.chunks_exact_mut(per_image).take(images).enumerate() {
                let img = &x.values[(b0 + j) * h * w * c..(b0 + j + 1) * h * w * c];
                for oy in 0..oh {
                    for ox in 0..ow {
                        let row = &mut rows[(oy * ow + ox) * k..(oy * ow + ox + 1) * k];
                        for ky in 0..kh {
                            let iy = source(win, 0, oy, ky, h);
                            for kx in 0..kw {
                                let cell = &mut row[(ky * kw + kx) * cg..(ky * kw + kx + 1) * cg];
                                match (iy, source(win, 1, ox, kx, w)) {
                                    (Some(y), Some(xx)) => {
                                        let at = (y * w + xx) * c + g * cg;
                                        cell.copy_from_slice(&img[at..at + cg]);
                                    }
                                    _ => cell.fill(0.0),
                                }
                            }
                        }
                    }
                }
            }
            let kernel = &conv.packed[g * k * fg..(g + 1) * k * fg];
            let dst = &mut out[b0 * oh * ow * f + g * fg..];
            matmul([images * oh * ow, k, fg], &patches, k, kernel, fg, dst, f);
        }
    }
    Ok(Buffer {
        values: out,
        shape: vec![n, oh, ow, f],
    })
}

fn dense(x: &Buffer, d: &Dense) -> Result<Buffer, HostError> {
    let n = x.batch();
    if x.values.len() != n * d.inputs {
        return Err(HostError::DenseInputs {
            inputs: d.inputs,
            shape: x.shape.clone(),
        });
    }
    let mut out = Vec::with_capacity(n * d.units);
    for _ in 0..n {
        out.extend_from_slice(&d.bias);
    }
    matmul(
        [n, d.inputs, d.units],
        &x.values,
        d.inputs,
        &d.weight,
        d.units,
        &mut out,
        d.units,
    );
    let y = Buffer {
        values: out,
        shape: vec![n, d.units],
    };
    Ok(if d.softmax { softmax(&y) } else { y })
}

fn affine(x: &Buffer, a: &Affine) -> Result<Buffer, HostError> {
    let c = x.channels();
    let fits = |v: &[f32]| v.len() == 1 || v.len() == c;
    if !fits(&a.scale) || !fits(&a.shift) {
        return Err(HostError::AffineChannels {
            constants: a.channels(),
            shape: x.shape.clone(),
        });
    }
    let mut y = x.clone();
    for px in y.values.chunks_exact_mut(c.max(1)) {
        for (k, v) in px.iter_mut().enumerate() {
            let s = a.scale[if a.scale.len() == 1 { 0 } else { k }];
            let t = a.shift[if a.shift.len() == 1 { 0 } else { k }];
            *v = *v * s + t;
        }
    }
    Ok(y)
}

fn activation(x: &Buffer, a: Activation) -> Buffer {
    // a plain loop into a buffer of the right size, which vectorises
    fn map(x: &Buffer, f: impl Fn(f32) -> f32) -> Vec<f32> {
        let mut out = vec![0f32; x.values.len()];
        for (o, &v) in out.iter_mut().zip(&x.values) {
            *o = f(v);
        }
        out
    }
    let values = match a {
        Activation::Relu => map(x, |v| v.max(0.0)),
        Activation::LeakyRelu(alpha) => map(x, |v| if v < 0.0 { v * alpha } else { v }),
        Activation::Elu(alpha) => map(x, |v| {
            let neg = (exp_neg(v) - 1.0) * alpha;
            if v <= 0.0 {
                neg
            } else {
                v
            }
        }),
        Activation::Sigmoid => map(x, |v| 1.0 / (1.0 + (-v).exp())),
        Activation::Tanh => map(x, f32::tanh),
        Activation::Gelu { tanh: false } => {
            map(x, |v| 0.5 * v * (1.0 + erf(v / std::f32::consts::SQRT_2)))
        }
        Activation::Gelu { tanh: true } => map(x, |v| {
            let k = (2.0 / std::f32::consts::PI).sqrt();
            0.5 * v * (1.0 + (k * (v + 0.044_715 * v * v * v)).tanh())
        }),
        Activation::Clip { min, max } => map(x, |v| v.max(min).min(max)),
        Activation::HardSigmoid { alpha, beta } => map(x, |v| (alpha * v + beta).clamp(0.0, 1.0)),
        Activation::HardSwish => map(x, |v| v * (v / 6.0 + 0.5).clamp(0.0, 1.0)),
        Activation::Mish => map(x, |v| v * softplus(v).tanh()),
        Activation::Softplus => map(x, softplus),
        Activation::Exp => map(x, f32::exp),
        Activation::Neg => map(x, |v| -v),
        Activation::Abs => map(x, f32::abs),
        Activation::Sqrt => map(x, f32::sqrt),
        Activation::Reciprocal => map(x, |v| 1.0 / v),
        Activation::Erf => map(x, erf),
        Activation::Pow(e) => map(x, |v| v.powf(e)),
        Activation::Above(t) => map(x, |v| f32::from(u8::from(v > t))),
        Activation::Below(t) => map(x, |v| f32::from(u8::from(v < t))),
    };
    Buffer {
        values,
        shape: x.shape.clone(),
    }
}

/// `ln(1 + exp(x))`, without overflow for large `x`.
fn softplus(v: f32) -> f32 {
    if v > 20.0 {
        v
    } else {
        v.exp().ln_1p()
    }
}

/// `a` and `b` combined by `op`, NumPy's broadcasting over their per-sample
/// shapes (trailing axes aligned), the batch shared.
fn binary(op: Binary, a: &Buffer, b: &Buffer) -> Result<Buffer, HostError> {
    let refused = || HostError::Broadcast {
        left: a.shape.clone(),
        right: b.shape.clone(),
    };
    let n = a.batch();
    if a.shape.is_empty() || b.shape.is_empty() || b.batch() != n {
        return Err(refused());
    }
    let (sa, sb) = (&a.shape[1..], &b.shape[1..]);
    let rank = sa.len().max(sb.len());
    // each operand's shape padded with leading ones to the output's rank
    let padded = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, rank - s.len())
            .chain(s.iter().copied())
            .collect()
    };
    let (pa, pb) = (padded(sa), padded(sb));
    // the geometry's rule for the output shape
    let out_shape = LayerKind::Broadcast
        .output_shape_of(&[sa, sb])
        .map_err(|_| refused())?;
    let per = out_shape.iter().product::<usize>();
    let (per_a, per_b) = (pa.iter().product::<usize>(), pb.iter().product::<usize>());
    if a.values.len() != n * per_a || b.values.len() != n * per_b {
        return Err(refused());
    }
    let mut values = vec![0f32; n * per];
    if pa == pb {
        for ((o, &x), &y) in values.iter_mut().zip(&a.values).zip(&b.values) {
            *o = op.apply(x, y);
        }
    } else {
        // a stride of 0 along a broadcast axis; the last axis in one run
        let strides = |p: &[usize]| -> Vec<usize> {
            let mut st = vec![0; rank];
            let mut acc = 1;
            for d in (0..rank).rev() {
                st[d] = if p[d] == 1 { 0 } else { acc };
                acc *= p[d];
            }
            st
        };
        let (ta, tb) = (strides(&pa), strides(&pb));
        let last = out_shape.last().copied().unwrap_or(1).max(1);
        let (la, lb) = (
            ta.last().copied().unwrap_or(0),
            tb.last().copied().unwrap_or(0),
        );
        let mut index = vec![0usize; rank];
        for s in 0..n {
            let (xa, xb) = (&a.values[s * per_a..], &b.values[s * per_b..]);
            for run in values[s * per..(s + 1) * per].chunks_exact_mut(last) {
                let (mut ia, mut ib) = (0, 0);
                for d in 0..rank.saturating_sub(1) {
                    ia += index[d] * ta[d];
                    ib += index[d] * tb[d];
                }
                for (j, o) in run.iter_mut().enumerate() {
                    *o = op.apply(xa[ia + j * la], xb[ib + j * lb]);
                }
                // the next run: count up the leading axes
                for d in (0..rank.saturating_sub(1)).rev() {
                    index[d] += 1;
                    if index[d] < out_shape[d] {
                        break;
                    }
                    index[d] = 0;
                }
            }
        }
    }
    let mut shape = vec![n];
    shape.extend(out_shape);
    Ok(Buffer { values, shape })
}

/// Each position's channels (a flat layer's units) normalised by `n`.
fn layer_norm(x: &Buffer, n: &LayerNorm) -> Result<Buffer, HostError> {
    let c = x.channels();
    if c == 0 || n.gamma.len() != c || n.beta.len() != c {
        return Err(HostError::AffineChannels {
            constants: n.gamma.len(),
            shape: x.shape.clone(),
        });
    }
    let mut y = x.clone();
    for px in y.values.chunks_exact_mut(c) {
        // in f64: a channel's mean and variance over up to thousands of values
        let mean = px.iter().map(|&v| f64::from(v)).sum::<f64>() / c as f64;
        let var = px
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / c as f64;
        let inv = 1.0 / (var + f64::from(n.eps)).sqrt();
        for ((v, g), b) in px.iter_mut().zip(&n.gamma).zip(&n.beta) {
            *v = ((f64::from(*v) - mean) * inv) as f32 * g + b;
        }
    }
    Ok(y)
}

/// A feature map padded by `p`'s rows and columns.
fn pad(x: &Buffer, p: &Pad) -> Result<Buffer, HostError> {
    if x.shape.len() != 4 {
        return Err(HostError::FlatInput {
            op: "pad",
            shape: x.shape.clone(),
        });
    }
    let [n, h, w, c] = x.map_dims();
    p.check_fits(h, w)?;
    let [top, left, bottom, right] = p.pads;
    let (oh, ow) = (h + top + bottom, w + left + right);
    let source = |o: usize, before: usize, len: usize| p.mode.source(o, before, len);
    let mut values = vec![p.value; n * oh * ow * c];
    for b in 0..n {
        let img = &x.values[b * h * w * c..(b + 1) * h * w * c];
        let dst = &mut values[b * oh * ow * c..(b + 1) * oh * ow * c];
        for oy in 0..oh {
            let Some(y) = source(oy, top, h) else {
                continue;
            };
            for ox in 0..ow {
                let Some(xx) = source(ox, left, w) else {
                    continue;
                };
                dst[(oy * ow + ox) * c..(oy * ow + ox + 1) * c]
                    .copy_from_slice(&img[(y * w + xx) * c..(y * w + xx + 1) * c]);
            }
        }
    }
    Ok(Buffer {
        values,
        shape: vec![n, oh, ow, c],
    })
}

/// The error function, through `f64` (exact to `f32` rounding).
fn erf(x: f32) -> f32 {
    // Abramowitz-Stegun 7.1.26 is too coarse for 1e-4 agreement near 0; use
    // the series and the continued fraction of erfc instead
    let x = x as f64;
    let a = x.abs();
    let r = if a < 2.5 {
        // Maclaurin series: 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
        let mut term = a;
        let mut sum = a;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= -a * a / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else {
        // erfc(a) = exp(-a^2) / sqrt(pi) * 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
        let mut f = a;
        for k in (1..60).rev() {
            f = a + (k as f64 / 2.0) / f;
        }
        1.0 - (-a * a).exp() / (std::f64::consts::PI.sqrt() * f)
    };
    (if x < 0.0 { -r } else { r }) as f32
}

fn pool(x: &Buffer, p: &Pool, average: bool) -> Buffer {
    let [n, h, w, c] = x.map_dims();
    let win = &p.window;
    // the geometry has checked the window fits
    let (oh, ow) = (
        out_size(win, 0, h).unwrap_or(0),
        out_size(win, 1, w).unwrap_or(0),
    );
    let start = if average { 0.0 } else { f32::NEG_INFINITY };
    let mut out = vec![start; n * oh * ow * c];
    let padded = |d: usize, o: usize, k: usize, len: usize| {
        let at = o * win.stride[d] + k * win.dilation[d];
        at < len + win.pads[d] + win.pads[d + 2]
    };
    for b in 0..n {
        let img = &x.values[b * h * w * c..(b + 1) * h * w * c];
        let dst = &mut out[b * oh * ow * c..(b + 1) * oh * ow * c];
        for oy in 0..oh {
            for ox in 0..ow {
                let px = &mut dst[(oy * ow + ox) * c..(oy * ow + ox + 1) * c];
                let mut count = 0usize;
                for dy in 0..win.size[0] {
                    for dx in 0..win.size[1] {
                        match (source(win, 0, oy, dy, h), source(win, 1, ox, dx, w)) {
                            (Some(y), Some(xx)) => {
                                count += 1;
                                let src = &img[(y * w + xx) * c..(y * w + xx + 1) * c];
                                for (m, &v) in px.iter_mut().zip(src) {
                                    *m = if average { *m + v } else { m.max(v) };
                                }
                            }
                            _ if p.count_padding
                                && padded(0, oy, dy, h)
                                && padded(1, ox, dx, w) =>
                            {
                                count += 1
                            }
                            _ => {}
                        }
                    }
                }
                if average {
                    let scale = 1.0 / count.max(1) as f32;
                    px.iter_mut().for_each(|m| *m *= scale);
                }
            }
        }
    }
    Buffer {
        values: out,
        shape: vec![n, oh, ow, c],
    }
}

fn global_pool(x: &Buffer, max: bool) -> Buffer {
    let [n, h, w, c] = x.map_dims();
    let mut out = vec![if max { f32::NEG_INFINITY } else { 0.0 }; n * c];
    for b in 0..n {
        let dst = &mut out[b * c..(b + 1) * c];
        for px in x.values[b * h * w * c..(b + 1) * h * w * c].chunks_exact(c.max(1)) {
            for (d, v) in dst.iter_mut().zip(px) {
                *d = if max { d.max(*v) } else { *d + v };
            }
        }
        if !max {
            let scale = 1.0 / (h * w).max(1) as f32;
            dst.iter_mut().for_each(|d| *d *= scale);
        }
    }
    Buffer {
        values: out,
        shape: vec![n, c],
    }
}

/// A feature map to `[N, H * W * C]`, its units in `order`.
fn flatten(x: &Buffer, order: Order) -> Buffer {
    let n = x.batch();
    if x.shape.len() != 4 || order == Order::ChannelsLast {
        return Buffer {
            values: x.values.clone(),
            shape: vec![n, x.values.len() / n.max(1)],
        };
    }
    let [_, h, w, c] = x.map_dims();
    let mut values = vec![0f32; x.values.len()];
    for b in 0..n {
        let src = &x.values[b * h * w * c..(b + 1) * h * w * c];
        let dst = &mut values[b * h * w * c..(b + 1) * h * w * c];
        for (p, px) in src.chunks_exact(c.max(1)).enumerate() {
            for (k, &v) in px.iter().enumerate() {
                dst[k * h * w + p] = v;
            }
        }
    }
    Buffer {
        values,
        shape: vec![n, h * w * c],
    }
}

fn concat(inputs: &[&Buffer]) -> Result<Buffer, HostError> {
    let first = inputs[0];
    let lead = &first.shape[..first.shape.len() - 1];
    if inputs.iter().any(|b| &b.shape[..b.shape.len() - 1] != lead) {
        return Err(HostError::Concat {
            shapes: inputs.iter().map(|b| b.shape.clone()).collect(),
        });
    }
    let total: usize = inputs.iter().map(|b| b.channels()).sum();
    let positions = first.values.len() / first.channels().max(1);
    let mut values = Vec::with_capacity(positions * total);
    for p in 0..positions {
        for b in inputs {
            let c = b.channels();
            values.extend_from_slice(&b.values[p * c..(p + 1) * c]);
        }
    }
    let mut shape = first.shape.clone();
    *shape.last_mut().expect("a shape with dimensions") = total;
    Ok(Buffer { values, shape })
}

/// Softmax over each sample's units: `exp(x - max) / sum`.
fn softmax(x: &Buffer) -> Buffer {
    let units = x.values.len() / x.batch().max(1);
    let mut y = x.clone();
    for row in y.values.chunks_exact_mut(units.max(1)) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        row.iter_mut().for_each(|v| *v /= sum);
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(size: usize, stride: usize, pads: [usize; 4], ceil: bool) -> Window {
        Window {
            size: [size, size],
            stride: [stride, stride],
            dilation: [1, 1],
            pads,
            ceil,
        }
    }

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (3.0, 0.999_977_9),
        ] {
            assert!((erf(x) - want).abs() < 1e-6, "erf({x}) = {}", erf(x));
            assert!((erf(-x) + want).abs() < 1e-6);
        }
    }

    #[test]
    fn depthwise_convolution_keeps_channels_apart() {
        // 2 channels, groups 2, a 1x1 kernel: channel k times k + 1
        let conv = Conv::new(
            window(1, 1, [0; 4], false),
            2,
            2,
            &[1.0, 2.0],
            [2, 1, 1, 1],
            Some(vec![0.5, 0.0]),
        )
        .unwrap();
        let x = Buffer {
            values: vec![1.0, 10.0, 2.0, 20.0],
            shape: vec![1, 1, 2, 2],
        };
        let y = Op::Conv2d(conv).run(&[&x]).unwrap();
        assert_eq!(y.values, [1.5, 20.0, 2.5, 40.0]);
    }

    #[test]
    fn padded_average_counts_what_it_is_told() {
        // a 2x2 map of ones, 3x3 window, padding 1, stride 2: one output per
        // corner of the padded map
        let x = Buffer {
            values: vec![1.0; 4],
            shape: vec![1, 2, 2, 1],
        };
        let mut p = Pool {
            window: window(3, 2, [1; 4], false),
            count_padding: false,
        };
        let y = Op::AvgPool2d(p).run(&[&x]).unwrap();
        assert_eq!((y.values.clone(), y.shape), (vec![1.0], vec![1, 1, 1, 1]));
        p.count_padding = true;
        let y = Op::AvgPool2d(p).run(&[&x]).unwrap();
        assert!((y.values[0] - 4.0 / 9.0).abs() < 1e-7);
        // ceil mode adds a last window that starts inside the input
        let x = Buffer {
            values: (0..9).map(|v| v as f32).collect(),
            shape: vec![1, 3, 3, 1],
        };
        let p = Pool {
            window: window(2, 2, [0; 4], true),
            count_padding: false,
        };
        let y = Op::MaxPool2d(p).run(&[&x]).unwrap();
        assert_eq!(
            (y.values, y.shape),
            (vec![4.0, 5.0, 7.0, 8.0], vec![1, 2, 2, 1])
        );
    }

    #[test]
    fn flatten_is_channels_first_and_concat_channels_last() {
        let x = Buffer {
            values: vec![1.0, 5.0, 2.0, 6.0],
            shape: vec![1, 1, 2, 2],
        };
        let flat = |order| Op::Flatten(order).run(&[&x]).unwrap().values;
        assert_eq!(flat(Order::ChannelsFirst), [1.0, 2.0, 5.0, 6.0]);
        assert_eq!(flat(Order::ChannelsLast), [1.0, 5.0, 2.0, 6.0]);
        let y = Op::Concat.run(&[&x, &x]).unwrap();
        assert_eq!(y.shape, [1, 1, 2, 4]);
        assert_eq!(y.values, [1.0, 5.0, 1.0, 5.0, 2.0, 6.0, 2.0, 6.0]);
        let s = Op::Softmax
            .run(&[&Buffer {
                values: vec![0.0, 0.0],
                shape: vec![1, 2],
            }])
            .unwrap();
        assert_eq!(s.values, [0.5, 0.5]);
    }
}
