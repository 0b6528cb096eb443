//! What each layer of a [`LayerGraph`](super::LayerGraph) computes, with its
//! weights prepared for the host: kernels packed for the matrix product,
//! batch norm folded into a scale and shift.

use nnitp_core::cone::{LayerKind, PadMode, Padding};

use super::error::HostError;

/// An element-wise activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `x` where `x >= 0`, else `alpha * x`.
    LeakyRelu(f32),
    /// `x` where `x > 0`, else `alpha * (exp(x) - 1)`.
    Elu(f32),
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `x * Φ(x)`, exactly (`erf`) or with the tanh approximation.
    Gelu {
        /// The tanh approximation.
        tanh: bool,
    },
    /// `min(max(x, min), max)` (ReLU6 is `Clip(0, 6)`).
    Clip {
        /// Lower bound.
        min: f32,
        /// Upper bound.
        max: f32,
    },
    /// `max(0, min(1, alpha * x + beta))`.
    HardSigmoid {
        /// Slope.
        alpha: f32,
        /// Offset.
        beta: f32,
    },
    /// `x * max(0, min(1, x / 6 + 1 / 2))`.
    HardSwish,
    /// `x * tanh(ln(1 + exp(x)))`.
    Mish,
    /// `ln(1 + exp(x))`.
    Softplus,
    /// `exp(x)`.
    Exp,
    /// `-x`.
    Neg,
    /// `|x|`.
    Abs,
    /// `sqrt(x)`.
    Sqrt,
    /// `1 / x`.
    Reciprocal,
    /// The error function.
    Erf,
    /// `x` to a constant power.
    Pow(f32),
    /// 1 where `x` is above the constant, else 0 (ONNX's `Greater`).
    Above(f32),
    /// 1 where `x` is below the constant, else 0 (ONNX's `Less`).
    Below(f32),
}

/// How [`Op::Binary`] combines its two inputs, element by element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binary {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `max(a, b)`.
    Max,
    /// `min(a, b)`.
    Min,
    /// `a` to the power `b`.
    Pow,
}

impl Binary {
    /// The operation on two values.
    #[inline]
    pub fn apply(self, a: f32, b: f32) -> f32 {
        match self {
            Binary::Add => a + b,
            Binary::Sub => a - b,
            Binary::Mul => a * b,
            Binary::Div => a / b,
            Binary::Max => a.max(b),
            Binary::Min => a.min(b),
            Binary::Pow => a.powf(b),
        }
    }

    /// The ONNX operator's name.
    pub fn onnx_name(self) -> &'static str {
        match self {
            Binary::Add => "Add",
            Binary::Sub => "Sub",
            Binary::Mul => "Mul",
            Binary::Div => "Div",
            Binary::Max => "Max",
            Binary::Min => "Min",
            Binary::Pow => "Pow",
        }
    }
}

/// How [`Op::ReduceChannels`] reduces each position's channels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// Their mean.
    Mean,
    /// Their maximum.
    Max,
    /// Their sum.
    Sum,
}

/// A normalisation over the last axis (the channels of a map, the units of
/// a flat layer) at each position: `(x - mean) / sqrt(var + eps) * gamma +
/// beta`, ONNX's `LayerNormalization` of a channels-last tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm {
    /// One factor per channel.
    pub gamma: Vec<f32>,
    /// One offset per channel.
    pub beta: Vec<f32>,
    /// Added to the variance.
    pub eps: f32,
}

/// Rows and columns added around a feature map.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pad {
    /// Rows above, columns left, rows below, columns right.
    pub pads: [usize; 4],
    /// How the added units are filled.
    pub mode: PadMode,
    /// The value of a constant padding.
    pub value: f32,
}

impl Pad {
    /// Whether the padding fits a map of `h` rows and `w` columns: a
    /// reflection narrower than the map.
    ///
    /// # Errors
    /// [`HostError::Reflect`] naming the widest padding and its axis' size.
    pub fn check_fits(&self, h: usize, w: usize) -> Result<(), HostError> {
        let [top, left, bottom, right] = self.pads;
        if self.mode != PadMode::Reflect {
            return Ok(());
        }
        match (top.max(bottom), left.max(right)) {
            (rows, _) if rows >= h => Err(HostError::Reflect {
                pad: rows,
                positions: h,
            }),
            (_, cols) if cols >= w => Err(HostError::Reflect {
                pad: cols,
                positions: w,
            }),
            _ => Ok(()),
        }
    }
}

/// A sliding window (a convolution's kernel or a pooling window) with its
/// padding given explicitly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Kernel or window size (rows, cols).
    pub size: [usize; 2],
    /// Stride (rows, cols).
    pub stride: [usize; 2],
    /// Spacing between elements (rows, cols).
    pub dilation: [usize; 2],
    /// Padding rows above, columns left, rows below, columns right.
    pub pads: [usize; 4],
    /// Round the output size up (pooling's `ceil_mode`).
    pub ceil: bool,
}

impl Window {
    /// The padding as the geometry states it.
    pub fn padding(&self) -> Padding {
        let [top, left, bottom, right] = self.pads;
        if self.pads == [0; 4] {
            Padding::Valid
        } else {
            Padding::Explicit {
                top,
                left,
                bottom,
                right,
            }
        }
    }
}

/// A convolution, its kernel packed per group as `[kh * kw * C/groups,
/// F/groups]` matrices (rows ordered by kernel row, kernel column, channel).
#[derive(Clone, Debug, PartialEq)]
pub struct Conv {
    /// The window.
    pub window: Window,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub filters: usize,
    /// Channel groups.
    pub groups: usize,
    /// The packed kernels, one after the other.
    pub packed: Vec<f32>,
    /// One bias per output channel.
    pub bias: Vec<f32>,
}

impl Conv {
    /// A convolution from weights in the ONNX and burn layout `[F, C/groups,
    /// kh, kw]`.
    ///
    /// # Errors
    /// When the weights do not have that many values, or the groups do not
    /// divide the channels.
    pub fn new(
        window: Window,
        in_channels: usize,
        groups: usize,
        weight: &[f32],
        weight_shape: [usize; 4],
        bias: Option<Vec<f32>>,
    ) -> Result<Self, HostError> {
        let [f, cg, kh, kw] = weight_shape;
        if groups == 0
            || !in_channels.is_multiple_of(groups)
            || !f.is_multiple_of(groups)
            || cg * groups != in_channels
        {
            return Err(HostError::KernelGroups {
                kernel: weight_shape,
                groups,
                channels: in_channels,
            });
        }
        if [kh, kw] != window.size || weight.len() != f * cg * kh * kw {
            return Err(HostError::KernelWeights {
                weights: weight.len(),
                kernel: weight_shape,
            });
        }
        let fg = f / groups;
        let k = kh * kw * cg;
        let mut packed = vec![0f32; groups * k * fg];
        for g in 0..groups {
            let dst = &mut packed[g * k * fg..(g + 1) * k * fg];
            for o in 0..fg {
                let src = (g * fg + o) * cg * kh * kw;
                for ci in 0..cg {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            dst[((ky * kw + kx) * cg + ci) * fg + o] =
                                weight[src + (ci * kh + ky) * kw + kx];
                        }
                    }
                }
            }
        }
        let bias = bias.unwrap_or_else(|| vec![0.0; f]);
        if bias.len() != f {
            return Err(HostError::Biases {
                biases: bias.len(),
                filters: f,
            });
        }
        Ok(Conv {
            window,
            in_channels,
            filters: f,
            groups,
            packed,
            bias,
        })
    }
}

impl Conv {
    /// The kernel in the ONNX and burn layout `[F, C/groups, kh, kw]`.
    pub fn weight_oihw(&self) -> Vec<f32> {
        let [kh, kw] = self.window.size;
        let (cg, fg) = (self.in_channels / self.groups, self.filters / self.groups);
        let k = kh * kw * cg;
        let mut out = vec![0f32; self.filters * cg * kh * kw];
        for g in 0..self.groups {
            let packed = &self.packed[g * k * fg..(g + 1) * k * fg];
            for o in 0..fg {
                let dst = (g * fg + o) * cg * kh * kw;
                for ci in 0..cg {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            out[dst + (ci * kh + ky) * kw + kx] =
                                packed[((ky * kw + kx) * cg + ci) * fg + o];
                        }
                    }
                }
            }
        }
        out
    }
}

/// A fully connected layer: `y = x W + b` with `W` `[inputs, units]`,
/// optionally followed by a softmax within the same layer (as the zoo's
/// output layers, numbered as in nnitp).
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    /// Inputs per sample.
    pub inputs: usize,
    /// Output units.
    pub units: usize,
    /// `W`, row-major `[inputs, units]`.
    pub weight: Vec<f32>,
    /// One bias per unit.
    pub bias: Vec<f32>,
    /// The layer's output is the softmax of `x W + b`.
    pub softmax: bool,
}

/// The order a feature map's units are flattened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `[C, H, W]`: PyTorch's and ONNX's.
    ChannelsFirst,
    /// `[H, W, C]`: Keras' (and the zoo's, numbered as in nnitp).
    ChannelsLast,
}

/// `y = x * scale + shift` per channel (the last dimension): batch norm with
/// its statistics folded in, or arithmetic by constants. A scale or shift of
/// one value applies to every channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Affine {
    /// Per-channel (or one) factors.
    pub scale: Vec<f32>,
    /// Per-channel (or one) offsets.
    pub shift: Vec<f32>,
}

impl Affine {
    /// Batch normalisation with running statistics folded in:
    /// `(x - mean) / sqrt(var + eps) * gamma + beta`.
    pub fn batch_norm(gamma: &[f32], beta: &[f32], mean: &[f32], var: &[f32], eps: f32) -> Self {
        let scale: Vec<f32> = gamma
            .iter()
            .zip(var)
            .map(|(g, v)| g / (v + eps).sqrt())
            .collect();
        let shift = beta
            .iter()
            .zip(mean)
            .zip(&scale)
            .map(|((b, m), s)| b - m * s)
            .collect();
        Affine { scale, shift }
    }

    /// The number of channels it applies to (`1` for any).
    pub fn channels(&self) -> usize {
        self.scale.len().max(self.shift.len())
    }

    /// The scale and the shift with `channels` values each: as they are
    /// where they have that many, else their first value (0 if none) for
    /// every channel.
    pub fn per_channel(&self, channels: usize) -> (Vec<f32>, Vec<f32>) {
        let each = |v: &[f32]| match v.len() == channels {
            true => v.to_vec(),
            false => vec![v.first().copied().unwrap_or(0.0); channels],
        };
        (each(&self.scale), each(&self.shift))
    }
}

/// A pooling window over each channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    /// The window.
    pub window: Window,
    /// For an average: count the padding in the divisor.
    pub count_padding: bool,
}

/// What one layer computes.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// 2-d convolution.
    Conv2d(Conv),
    /// Fully connected layer.
    Dense(Dense),
    /// Batch normalisation (folded).
    BatchNorm(Affine),
    /// Arithmetic with constants (`x * a`, `x + b`, `x - b`, `x / a`, ...).
    Scale(Affine),
    /// An element-wise activation.
    Activation(Activation),
    /// Max pooling.
    MaxPool2d(Pool),
    /// Average pooling.
    AvgPool2d(Pool),
    /// Mean over rows and columns per channel.
    GlobalAvgPool,
    /// Maximum over rows and columns per channel.
    GlobalMaxPool,
    /// A feature map flattened (in the order given); a flat layer stays as
    /// it is.
    Flatten(Order),
    /// Element-wise sum of the inputs (of one shape).
    Add,
    /// Two inputs combined element by element, with NumPy's broadcasting of
    /// their channels-last shapes (a gate `[C]` over a map `[H, W, C]`).
    Binary(Binary),
    /// Padding of a feature map.
    Pad(Pad),
    /// A normalisation over the channels at each position.
    LayerNorm(LayerNorm),
    /// Each position's channels reduced to one (`[.., C]` to `[.., 1]`).
    ReduceChannels(Reduce),
    /// The input's channels (a flat layer's units) listed, in that order.
    SelectChannels(Vec<usize>),
    /// Of three inputs of one shape, the second's value where the first is
    /// not 0, else the third's (ONNX's `Where` on a comparison).
    Where,
    /// Concatenation along the channels.
    Concat,
    /// Softmax over a flat layer's units.
    Softmax,
    /// Dropout of units with this probability while training; the input
    /// unchanged otherwise.
    Dropout(f64),
    /// The input unchanged.
    Identity,
}

impl Op {
    /// The operation's name, e.g. `conv2d`.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Conv2d(_) => "conv2d",
            Op::Dense(_) => "dense",
            Op::BatchNorm(_) => "batch_norm",
            Op::Scale(_) => "scale",
            Op::Activation(_) => "activation",
            Op::MaxPool2d(_) => "max_pool2d",
            Op::AvgPool2d(_) => "avg_pool2d",
            Op::GlobalAvgPool => "global_avg_pool",
            Op::GlobalMaxPool => "global_max_pool",
            Op::Flatten(_) => "flatten",
            Op::Add => "add",
            Op::Binary(b) => match b {
                Binary::Add => "add_broadcast",
                Binary::Sub => "sub",
                Binary::Mul => "mul",
                Binary::Div => "div",
                Binary::Max => "max",
                Binary::Min => "min",
                Binary::Pow => "pow",
            },
            Op::Pad(_) => "pad",
            Op::LayerNorm(_) => "layer_norm",
            Op::SelectChannels(_) => "select_channels",
            Op::ReduceChannels(_) => "reduce_channels",
            Op::Where => "where",
            Op::Concat => "concat",
            Op::Softmax => "softmax",
            Op::Dropout(_) => "dropout",
            Op::Identity => "identity",
        }
    }

    /// The layer's kind for the geometry, given whether its (first) input is
    /// a feature map.
    pub fn kind(&self, input_is_map: bool) -> LayerKind {
        match self {
            Op::Conv2d(c) => LayerKind::Conv2d {
                filters: c.filters,
                kernel: c.window.size,
                stride: c.window.stride,
                dilation: c.window.dilation,
                padding: c.window.padding(),
                groups: c.groups,
            },
            Op::Dense(d) => LayerKind::Dense { units: d.units },
            Op::BatchNorm(_) => LayerKind::BatchNorm,
            Op::Scale(_) | Op::Activation(_) | Op::Softmax => LayerKind::Activation,
            Op::MaxPool2d(p) => LayerKind::MaxPool2d {
                window: p.window.size,
                stride: p.window.stride,
                padding: p.window.padding(),
                dilation: p.window.dilation,
                ceil: p.window.ceil,
            },
            Op::AvgPool2d(p) => LayerKind::AvgPool2d {
                window: p.window.size,
                stride: p.window.stride,
                padding: p.window.padding(),
                ceil: p.window.ceil,
            },
            Op::GlobalAvgPool => LayerKind::GlobalAvgPool,
            Op::GlobalMaxPool => LayerKind::GlobalMaxPool,
            Op::Flatten(Order::ChannelsFirst) if input_is_map => LayerKind::FlattenChannelsFirst,
            Op::Flatten(_) => LayerKind::Flatten,
            Op::Add => LayerKind::Add,
            Op::Binary(_) | Op::Where => LayerKind::Broadcast,
            Op::LayerNorm(_) => LayerKind::AcrossChannels,
            Op::ReduceChannels(_) => LayerKind::ReduceChannels,
            Op::SelectChannels(c) => LayerKind::SelectChannels {
                channels: c.clone(),
            },
            Op::Pad(p) => LayerKind::Pad {
                pads: p.pads,
                mode: p.mode,
            },
            Op::Concat => LayerKind::Concat,
            Op::Dropout(_) | Op::Identity => LayerKind::Dropout,
        }
    }
}
