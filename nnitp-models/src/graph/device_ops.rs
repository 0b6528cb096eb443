//! Each [`Op`] with burn's tensor operations, on a layer's [`LayerState`]:
//! how a [`DeviceGraph`](super::DeviceGraph) computes a layer on any burn
//! device, while training too (batch statistics, dropout).

use burn::tensor::activation::{
    gelu, hard_sigmoid, hard_swish, leaky_relu, mish, relu, sigmoid, softmax, softplus,
};
use burn::tensor::module::{avg_pool2d, conv2d, linear, max_pool2d};
use burn::tensor::ops::PadMode as BurnPad;
use burn::tensor::ops::{AvgPoolOptions, ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Int, Tensor, TensorData};
use nnitp_core::cone::PadMode;

use super::error::HostError;
use super::layer_state::LayerState;
use super::op::{Activation, Affine, Binary, Op, Order, Pad, Reduce, Window};

/// One layer's output in burn's layout.
#[derive(Clone, Debug)]
pub(super) enum Value {
    /// `[N, C, H, W]`.
    Map(Tensor<4>),
    /// `[N, units]`.
    Flat(Tensor<2>),
}

impl Value {
    /// The shape.
    pub(super) fn dims(&self) -> Vec<usize> {
        match self {
            Value::Map(t) => t.dims().to_vec(),
            Value::Flat(t) => t.dims().to_vec(),
        }
    }

    /// The device it lies on.
    fn device(&self) -> Device {
        match self {
            Value::Map(t) => t.device(),
            Value::Flat(t) => t.device(),
        }
    }

    /// Channels-last `[N, units]`.
    pub(super) fn channels_last(self) -> Tensor<2> {
        flat(self, Order::ChannelsLast)
    }
}

/// `op` on `inputs` with its `state`; with `logits`, a softmax that ends the
/// layer is left out (what training's loss takes).
pub(super) fn compute(
    op: &Op,
    state: &LayerState,
    inputs: &[&Value],
    logits: bool,
) -> Result<Value, HostError> {
    let x = (*inputs.first().ok_or(HostError::NoInputs)?).clone();
    Ok(match (op, state, x) {
        (Op::Conv2d(c), LayerState::Conv2d(s), Value::Map(x)) => {
            if x.dims()[1] != c.in_channels {
                return Err(HostError::ConvChannels {
                    channels: c.in_channels,
                    shape: x.dims().to_vec(),
                });
            }
            let w = &c.window;
            let options = ConvOptions {
                stride: w.stride,
                padding: pairs(w),
                dilation: w.dilation,
                groups: c.groups,
            };
            Value::Map(conv2d(x, s.weight.val(), Some(s.bias.val()), options))
        }
        (Op::Dense(d), LayerState::Dense(s), x) => {
            let x = x.channels_last();
            if x.dims()[1] != d.inputs {
                return Err(HostError::DenseInputs {
                    inputs: d.inputs,
                    shape: x.dims().to_vec(),
                });
            }
            let y = linear(x, s.weight.val(), Some(s.bias.val()));
            Value::Flat(if d.softmax && !logits {
                softmax(y, 1)
            } else {
                y
            })
        }
        (Op::BatchNorm(_), LayerState::BatchNorm(m), x) => {
            let [channels] = m.gamma.dims();
            if x.dims()[1] != channels {
                return Err(HostError::AffineChannels {
                    constants: channels,
                    shape: x.dims(),
                });
            }
            map_values(x, |t| m.forward(t), |t| m.forward(t))
        }
        (Op::Dropout(_), LayerState::Dropout(m), x) => {
            map_values(x, |t| m.forward(t), |t| m.forward(t))
        }
        (Op::Scale(a), LayerState::Stateless(_), x) => affine(a, x)?,
        (Op::Activation(a), LayerState::Stateless(_), x) => {
            map_values(x, |t| activation(*a, t), |t| activation(*a, t))
        }
        (Op::MaxPool2d(p), LayerState::Stateless(_), Value::Map(x)) => {
            let w = &p.window;
            let options = MaxPoolOptions {
                kernel_size: w.size,
                stride: w.stride,
                padding: pairs(w),
                dilation: w.dilation,
                ceil_mode: w.ceil,
            };
            Value::Map(max_pool2d(x, options))
        }
        (Op::AvgPool2d(p), LayerState::Stateless(_), Value::Map(x)) => {
            let w = &p.window;
            if w.dilation != [1, 1] {
                return Err(HostError::DilatedAverage {
                    dilation: w.dilation,
                });
            }
            let options = AvgPoolOptions {
                kernel_size: w.size,
                stride: w.stride,
                padding: pairs(w),
                count_include_pad: p.count_padding,
                ceil_mode: w.ceil,
            };
            Value::Map(avg_pool2d(x, options))
        }
        (Op::GlobalAvgPool, LayerState::Stateless(_), Value::Map(x)) => {
            let [n, c, _, _] = x.dims();
            Value::Flat(x.mean_dim(3).mean_dim(2).reshape([n, c]))
        }
        (Op::GlobalMaxPool, LayerState::Stateless(_), Value::Map(x)) => {
            let [n, c, _, _] = x.dims();
            Value::Flat(x.max_dim(3).max_dim(2).reshape([n, c]))
        }
        (Op::Flatten(order), LayerState::Stateless(_), x) => Value::Flat(flat(x, *order)),
        (Op::Add, LayerState::Stateless(_), first) => sum(first, &inputs[1..])?,
        (Op::Binary(b), LayerState::Stateless(_), first) => match inputs {
            [_, second] => binary(*b, first, second)?,
            _ => return Err(HostError::NoInputs),
        },
        (Op::Pad(p), LayerState::Stateless(_), Value::Map(x)) => Value::Map(pad(p, x)?),
        (Op::ReduceChannels(how), LayerState::Stateless(_), x) => {
            map_values(x, |t| reduce(*how, t), |t| reduce(*how, t))
        }
        (Op::SelectChannels(picked), LayerState::Stateless(_), x) => {
            let c = x.dims()[1];
            if picked.iter().any(|&k| k >= c) {
                return Err(HostError::Concat {
                    shapes: vec![x.dims()],
                });
            }
            let v: Vec<i64> = picked.iter().map(|&k| k as i64).collect();
            let index =
                Tensor::<1, Int>::from_data(TensorData::new(v, [picked.len()]), &x.device());
            map_values(
                x,
                |t| t.select(1, index.clone()),
                |t| t.select(1, index.clone()),
            )
        }
        (Op::LayerNorm(n), LayerState::Stateless(_), x) => {
            let channels = x.dims()[1];
            if n.gamma.len() != channels || n.beta.len() != channels {
                return Err(HostError::AffineChannels {
                    constants: n.gamma.len(),
                    shape: x.dims(),
                });
            }
            let device = x.device();
            let (g, b) = (
                per_channel(&n.gamma, &device),
                per_channel(&n.beta, &device),
            );
            let c = channels;
            map_values(
                x,
                |t| {
                    layer_norm(
                        t,
                        n.eps,
                        g.clone().reshape([1, c, 1, 1]),
                        b.clone().reshape([1, c, 1, 1]),
                    )
                },
                |t| {
                    layer_norm(
                        t,
                        n.eps,
                        g.clone().reshape([1, c]),
                        b.clone().reshape([1, c]),
                    )
                },
            )
        }
        (Op::Where, LayerState::Stateless(_), c) => match (c, inputs) {
            (Value::Map(c), [_, Value::Map(a), Value::Map(b)])
                if c.dims() == a.dims() && a.dims() == b.dims() =>
            {
                Value::Map(b.clone().mask_where(c.not_equal_elem(0.0), a.clone()))
            }
            (Value::Flat(c), [_, Value::Flat(a), Value::Flat(b)])
                if c.dims() == a.dims() && a.dims() == b.dims() =>
            {
                Value::Flat(b.clone().mask_where(c.not_equal_elem(0.0), a.clone()))
            }
            (c, _) => {
                return Err(HostError::Broadcast {
                    left: c.dims(),
                    right: inputs.get(1).map(|v| v.dims()).unwrap_or_default(),
                })
            }
        },
        (Op::Concat, LayerState::Stateless(_), Value::Map(_)) => {
            Value::Map(cat(inputs, |v| match v {
                Value::Map(t) => Some(t.clone()),
                Value::Flat(_) => None,
            })?)
        }
        (Op::Concat, LayerState::Stateless(_), Value::Flat(_)) => {
            Value::Flat(cat(inputs, |v| match v {
                Value::Flat(t) => Some(t.clone()),
                Value::Map(_) => None,
            })?)
        }
        (Op::Softmax, LayerState::Stateless(_), x) if logits => x,
        (Op::Softmax, LayerState::Stateless(_), Value::Flat(x)) => Value::Flat(softmax(x, 1)),
        // over all of a sample's units, as on the host
        (Op::Softmax, LayerState::Stateless(_), Value::Map(x)) => {
            let [n, c, h, w] = x.dims();
            Value::Map(softmax(x.reshape([n, c * h * w]), 1).reshape([n, c, h, w]))
        }
        (Op::Identity, LayerState::Stateless(_), x) => x,
        (
            Op::Conv2d(_)
            | Op::MaxPool2d(_)
            | Op::AvgPool2d(_)
            | Op::GlobalAvgPool
            | Op::GlobalMaxPool
            | Op::Pad(_),
            LayerState::Stateless(_) | LayerState::Conv2d(_),
            x,
        ) => {
            return Err(HostError::FlatInput {
                op: op.name(),
                shape: x.dims(),
            })
        }
        (op, state, _) => {
            return Err(HostError::State {
                op: op.name(),
                state: state.name(),
            })
        }
    })
}

/// The element-wise sum of `first` and `others`.
fn sum(first: Value, others: &[&Value]) -> Result<Value, HostError> {
    let mut sum = first;
    for other in others {
        sum = match (sum, *other) {
            (Value::Map(a), Value::Map(b)) if a.dims() == b.dims() => Value::Map(a + b.clone()),
            (Value::Flat(a), Value::Flat(b)) if a.dims() == b.dims() => Value::Flat(a + b.clone()),
            (a, b) => {
                return Err(HostError::Sum {
                    left: a.dims(),
                    right: b.dims(),
                })
            }
        };
    }
    Ok(sum)
}

/// `a` and `b` combined by `op`, broadcast as the host does: a flat layer
/// against a map is a per-channel gate `[N, C]` (one value, `[N, 1]`, for
/// every channel) over `[N, C, H, W]`.
fn binary(op: Binary, a: Value, b: &Value) -> Result<Value, HostError> {
    let refused = |a: &Value, b: &Value| HostError::Broadcast {
        left: a.dims(),
        right: b.dims(),
    };
    // a flat operand as a map of one pixel, where the other is a map
    let as_map = |t: &Tensor<2>, c: usize| -> Option<Tensor<4>> {
        let [n, k] = t.dims();
        (k == c || k == 1).then(|| t.clone().reshape([n, k, 1, 1]))
    };
    let fits = |x: &[usize], y: &[usize]| {
        x.len() == y.len()
            && x[0] == y[0]
            && x.iter().zip(y).all(|(p, q)| p == q || *p == 1 || *q == 1)
    };
    Ok(match (&a, b) {
        (Value::Map(x), Value::Map(y)) if fits(&x.dims(), &y.dims()) => {
            Value::Map(apply4(op, x.clone(), y.clone()))
        }
        (Value::Flat(x), Value::Flat(y)) if fits(&x.dims(), &y.dims()) => {
            Value::Flat(apply2(op, x.clone(), y.clone()))
        }
        (Value::Map(x), Value::Flat(y)) => match as_map(y, x.dims()[1]) {
            Some(y) if y.dims()[0] == x.dims()[0] => Value::Map(apply4(op, x.clone(), y)),
            _ => return Err(refused(&a, b)),
        },
        (Value::Flat(x), Value::Map(y)) => match as_map(x, y.dims()[1]) {
            Some(x) if x.dims()[0] == y.dims()[0] => Value::Map(apply4(op, x, y.clone())),
            _ => return Err(refused(&a, b)),
        },
        _ => return Err(refused(&a, b)),
    })
}

fn apply4(op: Binary, a: Tensor<4>, b: Tensor<4>) -> Tensor<4> {
    // burn broadcasts the operands' axes of size 1
    let [n, c, h, w] = [0, 1, 2, 3].map(|d| a.dims()[d].max(b.dims()[d]));
    let (a, b) = (a.expand([n, c, h, w]), b.expand([n, c, h, w]));
    apply(op, a, b)
}

fn apply2(op: Binary, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    let [n, k] = [0, 1].map(|d| a.dims()[d].max(b.dims()[d]));
    apply(op, a.expand([n, k]), b.expand([n, k]))
}

fn apply<const D: usize>(op: Binary, a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    match op {
        Binary::Add => a + b,
        Binary::Sub => a - b,
        Binary::Mul => a * b,
        Binary::Div => a / b,
        Binary::Max => a.max_pair(b),
        Binary::Min => a.min_pair(b),
        Binary::Pow => a.powf(b),
    }
}

/// Each position's channels (axis 1) reduced to one.
fn reduce<const D: usize>(how: Reduce, t: Tensor<D>) -> Tensor<D> {
    match how {
        Reduce::Mean => t.mean_dim(1),
        Reduce::Max => t.max_dim(1),
        Reduce::Sum => t.sum_dim(1),
    }
}

/// Constants, one per channel, on `device`.
fn per_channel(v: &[f32], device: &Device) -> Tensor<1> {
    Tensor::<1>::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

/// `x` normalised over its axis 1 (the channels), then scaled by `gamma`
/// and shifted by `beta` (each shaped to broadcast over `x`).
fn layer_norm<const D: usize>(
    x: Tensor<D>,
    eps: f32,
    gamma: Tensor<D>,
    beta: Tensor<D>,
) -> Tensor<D> {
    let centred = x.clone() - x.mean_dim(1);
    let var = centred.clone().powf_scalar(2.0).mean_dim(1);
    centred / (var + f64::from(eps)).sqrt() * gamma + beta
}

/// A map `[N, C, H, W]` padded by `p`'s rows and columns.
fn pad(p: &Pad, x: Tensor<4>) -> Result<Tensor<4>, HostError> {
    let [_, _, h, w] = x.dims();
    p.check_fits(h, w)?;
    let [top, left, bottom, right] = p.pads;
    let mode = match p.mode {
        PadMode::Constant => BurnPad::Constant(p.value),
        PadMode::Reflect => BurnPad::Reflect,
        PadMode::Edge => BurnPad::Edge,
    };
    Ok(x.pad([(top, bottom), (left, right)], mode))
}

/// `x * scale + shift` per channel (a map's second axis, a flat layer's
/// units).
fn affine(a: &Affine, x: Value) -> Result<Value, HostError> {
    let channels = x.dims()[1];
    let fits = |v: &[f32]| v.len() == 1 || v.len() == channels;
    if !fits(&a.scale) || !fits(&a.shift) {
        return Err(HostError::AffineChannels {
            constants: a.channels(),
            shape: x.dims(),
        });
    }
    let (scale, shift) = a.per_channel(channels);
    let device = x.device();
    let (scale, shift) = (per_channel(&scale, &device), per_channel(&shift, &device));
    Ok(match x {
        Value::Map(t) => {
            Value::Map(t * scale.reshape([1, channels, 1, 1]) + shift.reshape([1, channels, 1, 1]))
        }
        Value::Flat(t) => {
            Value::Flat(t * scale.reshape([1, channels]) + shift.reshape([1, channels]))
        }
    })
}

/// The window's padding as burn's `(begin, end)` pairs per axis.
fn pairs(w: &Window) -> [(usize, usize); 2] {
    let [top, left, bottom, right] = w.pads;
    [(top, bottom), (left, right)]
}

/// A map flattened (its units in `order`); a flat layer as it is.
fn flat(x: Value, order: Order) -> Tensor<2> {
    match x {
        Value::Flat(t) => t,
        Value::Map(t) => {
            let [n, c, h, w] = t.dims();
            match order {
                Order::ChannelsFirst => t.reshape([n, c * h * w]),
                Order::ChannelsLast => t.permute([0, 2, 3, 1]).reshape([n, h * w * c]),
            }
        }
    }
}

/// `f` or `g` on the tensor inside.
fn map_values(
    x: Value,
    f: impl FnOnce(Tensor<4>) -> Tensor<4>,
    g: impl FnOnce(Tensor<2>) -> Tensor<2>,
) -> Value {
    match x {
        Value::Map(t) => Value::Map(f(t)),
        Value::Flat(t) => Value::Flat(g(t)),
    }
}

/// An element-wise activation, as the host computes it.
fn activation<const D: usize>(a: Activation, x: Tensor<D>) -> Tensor<D> {
    match a {
        Activation::Relu => relu(x),
        Activation::LeakyRelu(alpha) => leaky_relu(x, f64::from(alpha)),
        Activation::Elu(alpha) => {
            let negative = (x.clone().clamp_max(0.0).exp() - 1.0) * f64::from(alpha);
            x.clamp_min(0.0) + negative
        }
        Activation::Sigmoid => sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Gelu { tanh: false } => gelu(x),
        Activation::Gelu { tanh: true } => {
            // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
            let inner = (x.clone() + x.clone().powf_scalar(3.0) * 0.044715)
                * (2.0 / std::f64::consts::PI).sqrt();
            x * (inner.tanh() + 1.0) * 0.5
        }
        Activation::Clip { min, max } => x.clamp(f64::from(min), f64::from(max)),
        Activation::HardSigmoid { alpha, beta } => {
            hard_sigmoid(x, f64::from(alpha), f64::from(beta))
        }
        Activation::HardSwish => hard_swish(x),
        Activation::Mish => mish(x),
        Activation::Softplus => softplus(x, 1.0),
        Activation::Exp => x.exp(),
        Activation::Neg => x.neg(),
        Activation::Abs => x.abs(),
        Activation::Sqrt => x.sqrt(),
        Activation::Reciprocal => x.recip(),
        Activation::Erf => x.erf(),
        Activation::Pow(e) => x.powf_scalar(f64::from(e)),
        Activation::Above(t) => x.greater_elem(f64::from(t)).float(),
        Activation::Below(t) => x.lower_elem(f64::from(t)).float(),
    }
}

/// The inputs concatenated along the channels (axis 1), each of the rank
/// `pick` takes and agreeing on every other axis.
fn cat<const D: usize>(
    inputs: &[&Value],
    pick: impl Fn(&Value) -> Option<Tensor<D>>,
) -> Result<Tensor<D>, HostError> {
    let refused = || HostError::Concat {
        shapes: inputs.iter().map(|v| v.dims()).collect(),
    };
    let tensors = inputs
        .iter()
        .map(|v| pick(v))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(refused)?;
    let others = |t: &Tensor<D>| {
        let mut d = t.dims().to_vec();
        d.remove(1);
        d
    };
    if tensors.iter().any(|t| others(t) != others(&tensors[0])) {
        return Err(refused());
    }
    Ok(Tensor::cat(tensors, 1))
}
