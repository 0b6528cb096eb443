//! What each kind of layer does to the shape of its input, and which input
//! units a box of its output units depends on.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::padding::Padding;
use super::window::Window;
use crate::unit::{strides, UnitBox};

fn one() -> [usize; 2] {
    [1, 1]
}

fn one_group() -> usize {
    1
}

fn is_one_group(g: &usize) -> bool {
    *g == 1
}

/// How a padding layer fills the rows and columns it adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PadMode {
    /// A constant: the added units depend on no input unit.
    Constant,
    /// The input mirrored at its border, the border row or column itself not
    /// repeated (ONNX's and NumPy's `reflect`).
    Reflect,
    /// The border row or column repeated.
    Edge,
}

impl PadMode {
    /// The mode's name, as ONNX's `Pad` spells it.
    pub fn name(self) -> &'static str {
        match self {
            PadMode::Constant => "constant",
            PadMode::Reflect => "reflect",
            PadMode::Edge => "edge",
        }
    }

    /// The input position (of `n`) that output position `o` of a padding
    /// of `before` reads, or `None` where a constant padding reads none.
    pub fn source(self, o: usize, before: usize, n: usize) -> Option<usize> {
        let p = o as i64 - before as i64;
        let last = n as i64 - 1;
        let q = match self {
            PadMode::Constant => return (0..=last).contains(&p).then_some(p as usize),
            PadMode::Edge => p.clamp(0, last),
            PadMode::Reflect if n == 1 => 0,
            // reflection may fold more than once when the padding is wide
            PadMode::Reflect => {
                let period = 2 * last;
                let m = p.rem_euclid(period);
                if m > last {
                    period - m
                } else {
                    m
                }
            }
        };
        Some(q as usize)
    }
}

/// What a layer does to the geometry of its input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LayerKind {
    /// 2-d convolution over `[H, W, C]` giving `[H', W', filters]`.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Kernel size (rows, cols).
        kernel: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
        /// Spacing between kernel elements (rows, cols).
        #[serde(default = "one")]
        dilation: [usize; 2],
        /// Padding.
        padding: Padding,
        /// Channel groups: each output channel reads the input channels of
        /// its group only (`groups` = input channels for a depthwise
        /// convolution).
        #[serde(default = "one_group", skip_serializing_if = "is_one_group")]
        groups: usize,
    },
    /// Max pooling.
    MaxPool2d {
        /// Window (rows, cols).
        window: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
        /// Padding.
        #[serde(default)]
        padding: Padding,
        /// Spacing between window elements (rows, cols).
        #[serde(default = "one")]
        dilation: [usize; 2],
        /// Round the output size up (burn's and PyTorch's `ceil_mode`).
        #[serde(default)]
        ceil: bool,
    },
    /// Average pooling.
    AvgPool2d {
        /// Window (rows, cols).
        window: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
        /// Padding.
        #[serde(default)]
        padding: Padding,
        /// Round the output size up (burn's and PyTorch's `ceil_mode`).
        #[serde(default)]
        ceil: bool,
    },
    /// Flattens `[H, W, C]` into `[H*W*C]` channels last (Keras' order).
    Flatten,
    /// Flattens a feature map into `[C*H*W]` channels first: burn's and
    /// PyTorch's order for `x.reshape([n, c * h * w])` on an NCHW tensor.
    FlattenChannelsFirst,
    /// Fully connected layer with `units` outputs.
    Dense {
        /// Output units.
        units: usize,
    },
    /// An element-wise activation (shape preserving).
    Activation,
    /// Batch normalisation (shape preserving).
    BatchNorm,
    /// Dropout (shape preserving).
    Dropout,
    /// Global average pooling: `[H, W, C]` to `[C]`.
    GlobalAvgPool,
    /// Global max pooling: `[H, W, C]` to `[C]`.
    GlobalMaxPool,
    /// Element-wise sum of two or more inputs of one shape (a residual sum).
    Add,
    /// Concatenation of two or more inputs along the channels (the last axis);
    /// the other dimensions must agree.
    Concat,
    /// An element-wise combination of two or more inputs (a sum, a product,
    /// a gate) with NumPy's broadcasting of their shapes, trailing axes
    /// aligned: an output unit reads each input's unit at its own position,
    /// or at position 0 along an axis where that input has size 1.
    Broadcast,
    /// Each output unit reads every channel at its own position (a
    /// normalisation over the channels, as a layer norm of a channels-last
    /// map); on a flat layer, every unit.
    AcrossChannels,
    /// One channel of each position reduced from all of its channels (a
    /// mean, maximum or sum over the last axis, as spatial attention and a
    /// decomposed layer norm take): `[.., C]` to `[.., 1]`.
    ReduceChannels,
    /// Some of the input's channels (its last axis), in the order given: a
    /// slice or split of a layer, a channel shuffle.
    SelectChannels {
        /// The input channel of each output channel.
        channels: Vec<usize>,
    },
    /// Rows and columns added around a feature map `[H, W, C]`.
    Pad {
        /// Rows above, columns left, rows below, columns right.
        pads: [usize; 4],
        /// How the added units are filled.
        mode: PadMode,
    },
}

/// One line: the kind and its hyperparameters, e.g. `conv2d 32 3x3 stride
/// 1x1 padding same`.
impl std::fmt::Display for LayerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pair = |p: &[usize; 2]| format!("{}x{}", p[0], p[1]);
        let dilated = |d: &[usize; 2]| {
            if *d == [1, 1] {
                String::new()
            } else {
                format!(" dilation {}", pair(d))
            }
        };
        match self {
            LayerKind::Conv2d {
                filters,
                kernel,
                stride,
                dilation,
                padding,
                groups,
            } => write!(
                f,
                "conv2d {filters} {} stride {} padding {padding}{}{}",
                pair(kernel),
                pair(stride),
                dilated(dilation),
                if *groups == 1 {
                    String::new()
                } else {
                    format!(" groups {groups}")
                }
            ),
            LayerKind::MaxPool2d {
                window,
                stride,
                padding,
                dilation,
                ceil,
            } => write!(
                f,
                "max_pool2d {} stride {} padding {padding}{}{}",
                pair(window),
                pair(stride),
                dilated(dilation),
                if *ceil { " ceil" } else { "" }
            ),
            LayerKind::AvgPool2d {
                window,
                stride,
                padding,
                ceil,
            } => write!(
                f,
                "avg_pool2d {} stride {} padding {padding}{}",
                pair(window),
                pair(stride),
                if *ceil { " ceil" } else { "" }
            ),
            LayerKind::Flatten => f.write_str("flatten"),
            LayerKind::FlattenChannelsFirst => f.write_str("flatten_channels_first"),
            LayerKind::Dense { units } => write!(f, "dense {units}"),
            LayerKind::Activation => f.write_str("activation"),
            LayerKind::BatchNorm => f.write_str("batch_norm"),
            LayerKind::Dropout => f.write_str("dropout"),
            LayerKind::GlobalAvgPool => f.write_str("global_avg_pool"),
            LayerKind::GlobalMaxPool => f.write_str("global_max_pool"),
            LayerKind::Add => f.write_str("add"),
            LayerKind::Concat => f.write_str("concat"),
            LayerKind::Broadcast => f.write_str("broadcast"),
            LayerKind::AcrossChannels => f.write_str("across_channels"),
            LayerKind::ReduceChannels => f.write_str("reduce_channels"),
            LayerKind::SelectChannels { channels } => {
                let n = channels.len();
                match channels.first() {
                    Some(&first) if channels.iter().enumerate().all(|(k, &c)| c == first + k) => {
                        write!(f, "channels {first}..{}", first + n)
                    }
                    _ => write!(f, "channels {n} permuted"),
                }
            }
            LayerKind::Pad { pads, mode } => {
                let [t, l, b, r] = pads;
                write!(f, "pad {t} {l} {b} {r} {}", mode.name())
            }
        }
    }
}

impl LayerKind {
    /// A stride-1, undilated convolution.
    pub fn conv2d(filters: usize, kernel: usize, padding: Padding) -> Self {
        LayerKind::Conv2d {
            filters,
            kernel: [kernel, kernel],
            stride: [1, 1],
            dilation: [1, 1],
            padding,
            groups: 1,
        }
    }

    /// Max pooling with a square `window` and stride equal to it, no padding.
    pub fn max_pool(window: usize) -> Self {
        LayerKind::MaxPool2d {
            window: [window, window],
            stride: [window, window],
            padding: Padding::Valid,
            dilation: [1, 1],
            ceil: false,
        }
    }

    fn window(&self) -> Option<Window> {
        match *self {
            LayerKind::Conv2d {
                kernel,
                stride,
                dilation,
                padding,
                ..
            } => Some(Window {
                kernel,
                stride,
                dilation,
                padding,
                ceil: false,
            }),
            LayerKind::MaxPool2d {
                window,
                stride,
                padding,
                dilation,
                ceil,
            } => Some(Window {
                kernel: window,
                stride,
                dilation,
                padding,
                ceil,
            }),
            LayerKind::AvgPool2d {
                window,
                stride,
                padding,
                ceil,
            } => Some(Window {
                kernel: window,
                stride,
                dilation: [1, 1],
                padding,
                ceil,
            }),
            _ => None,
        }
    }

    /// The output shape for an input of shape `input`, or why the layer cannot
    /// take it.
    ///
    /// # Errors
    /// A description of the mismatch (e.g. a window larger than its input).
    pub fn output_shape(&self, input: &[usize]) -> std::result::Result<Vec<usize>, String> {
        if let Some(w) = self.window() {
            let [h, wd, c] = match input {
                [h, w, c] => [*h, *w, *c],
                _ => return Err(format!("needs an [H, W, C] input, got {input:?}")),
            };
            let channels = match self {
                LayerKind::Conv2d { filters, .. } => *filters,
                _ => c,
            };
            return Ok(vec![w.out(0, h)?, w.out(1, wd)?, channels]);
        }
        Ok(match self {
            LayerKind::Add | LayerKind::Concat | LayerKind::Broadcast => {
                return Err("a merge layer takes two or more inputs".into())
            }
            LayerKind::ReduceChannels => {
                let mut out = input.to_vec();
                match out.last_mut() {
                    Some(c) => *c = 1,
                    None => return Err("cannot reduce a layer without dimensions".into()),
                }
                out
            }
            LayerKind::SelectChannels { channels } => {
                let Some(&c) = input.last() else {
                    return Err("cannot select channels of a layer without dimensions".into());
                };
                if channels.is_empty() || channels.iter().any(|&k| k >= c) {
                    return Err(format!(
                        "a selection of channels {channels:?} from a layer of {c}"
                    ));
                }
                let mut out = input.to_vec();
                *out.last_mut().expect("not empty") = channels.len();
                out
            }
            LayerKind::Pad { pads, .. } => match input {
                [h, w, c] => {
                    let grow = |n: usize, a: usize, b: usize| {
                        n.checked_add(a)
                            .and_then(|n| n.checked_add(b))
                            .ok_or_else(|| format!("padding {pads:?} overflows"))
                    };
                    vec![grow(*h, pads[0], pads[2])?, grow(*w, pads[1], pads[3])?, *c]
                }
                _ => return Err(format!("needs an [H, W, C] input, got {input:?}")),
            },
            LayerKind::GlobalAvgPool | LayerKind::GlobalMaxPool => match input {
                [_, _, c] => vec![*c],
                _ => return Err(format!("needs an [H, W, C] input, got {input:?}")),
            },
            LayerKind::Flatten => vec![input.iter().product()],
            LayerKind::FlattenChannelsFirst => match input {
                [_, _, _] => vec![input.iter().product()],
                _ => return Err(format!("needs an [H, W, C] input, got {input:?}")),
            },
            LayerKind::Dense { units } => vec![*units],
            _ => input.to_vec(),
        })
    }

    /// The box of input units (of shape `input`) that can affect the output box `b`.
    pub(crate) fn back(&self, b: &UnitBox, input: &[usize]) -> UnitBox {
        if let Some(w) = self.window() {
            let channels = match *self {
                LayerKind::Conv2d {
                    filters, groups, ..
                } if groups > 1 => {
                    // output channel o reads the input channels of group
                    // o / (filters / groups)
                    let (per_out, per_in) = (filters / groups, input[2] / groups);
                    let r = &b.0[2];
                    (r.start / per_out) * per_in..((r.end - 1) / per_out + 1) * per_in
                }
                // as nnitp: a window's cone spans every channel
                _ => 0..input[2],
            };
            return UnitBox::new([
                w.back(0, &b.0[0], input[0]),
                w.back(1, &b.0[1], input[1]),
                channels,
            ]);
        }
        match self {
            LayerKind::Flatten => flat_range_box(&b.0[0], input),
            LayerKind::FlattenChannelsFirst => {
                // the flat index runs over [C, H, W]; map back, then reorder
                let chw = [input[2], input[0], input[1]];
                let r = flat_range_box(&b.0[0], &chw).0;
                UnitBox::new([r[1].clone(), r[2].clone(), r[0].clone()])
            }
            LayerKind::Dense { .. } => UnitBox::full(input),
            LayerKind::GlobalAvgPool | LayerKind::GlobalMaxPool => {
                UnitBox::new([0..input[0], 0..input[1], b.0[0].clone()])
            }
            LayerKind::SelectChannels { channels } => {
                let mut r = b.clone();
                let last = r.0.len() - 1;
                let picked = &channels[r.0[last].clone()];
                let lo = picked.iter().copied().min().unwrap_or(0);
                let hi = picked.iter().copied().max().map_or(0, |m| m + 1);
                r.0[last] = lo..hi;
                r
            }
            LayerKind::AcrossChannels | LayerKind::ReduceChannels => {
                let mut r = b.clone();
                let last = r.0.len() - 1;
                r.0[last] = 0..input[last];
                r
            }
            LayerKind::Pad { pads, mode } => {
                let rows = pad_back(&b.0[0], pads[0], input[0], *mode);
                let cols = pad_back(&b.0[1], pads[1], input[1], *mode);
                UnitBox::new([rows, cols, b.0[2].clone()])
            }
            _ => b.clone(),
        }
    }

    /// Whether the layer takes several inputs ([`LayerKind::Add`],
    /// [`LayerKind::Concat`], [`LayerKind::Broadcast`]).
    pub fn is_merge(&self) -> bool {
        matches!(
            self,
            LayerKind::Add | LayerKind::Concat | LayerKind::Broadcast
        )
    }

    /// The output shape for inputs of shapes `inputs`: one for most kinds,
    /// two or more for a merge.
    ///
    /// # Errors
    /// Why the layer cannot take those inputs.
    pub fn output_shape_of(&self, inputs: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
        match (self, inputs) {
            (LayerKind::Add | LayerKind::Concat | LayerKind::Broadcast, [] | [_]) => {
                Err("a merge layer takes two or more inputs".into())
            }
            (LayerKind::Broadcast, _) => broadcast_shapes(inputs),
            (LayerKind::Add, [first, rest @ ..]) => match rest.iter().find(|s| s != &first) {
                Some(other) => Err(format!(
                    "an element-wise sum needs inputs of one shape, got {first:?} and {other:?}"
                )),
                None => Ok(first.to_vec()),
            },
            (LayerKind::Concat, [first, rest @ ..]) => {
                let lead = |s: &[usize]| s[..s.len().saturating_sub(1)].to_vec();
                if first.is_empty() {
                    return Err("cannot concatenate inputs without dimensions".into());
                }
                if let Some(other) = rest.iter().find(|s| s.is_empty() || lead(s) != lead(first)) {
                    return Err(format!(
                        "a concatenation needs inputs agreeing but for the channels, got {first:?} and {other:?}"
                    ));
                }
                let mut out = first.to_vec();
                *out.last_mut().expect("not empty") = inputs.iter().map(|s| s[s.len() - 1]).sum();
                Ok(out)
            }
            (_, [input]) => self.output_shape(input),
            (_, _) => Err(format!("takes one input, got {}", inputs.len())),
        }
    }

    /// For each input (of shapes `inputs`), the box of its units that can
    /// affect the output box `b`, or `None` when none can (a concatenation's
    /// input whose channels lie outside `b`).
    pub(crate) fn back_to_inputs(&self, b: &UnitBox, inputs: &[&[usize]]) -> Vec<Option<UnitBox>> {
        match self {
            LayerKind::Add => inputs.iter().map(|_| Some(b.clone())).collect(),
            LayerKind::Broadcast => inputs
                .iter()
                .map(|shape| {
                    // trailing axes aligned; an axis of size 1 is read at 0
                    let skip = b.0.len() - shape.len();
                    let ranges = shape.iter().zip(&b.0[skip..]).map(|(&d, r)| match d {
                        1 => 0..1,
                        _ => r.clone(),
                    });
                    Some(UnitBox::new(ranges))
                })
                .collect(),
            LayerKind::Pad {
                pads,
                mode: PadMode::Constant,
            } => {
                // units wholly in the padding depend on nothing
                let input = inputs[0];
                let rows = pad_back(&b.0[0], pads[0], input[0], PadMode::Constant);
                let cols = pad_back(&b.0[1], pads[1], input[1], PadMode::Constant);
                vec![(!rows.is_empty() && !cols.is_empty())
                    .then(|| UnitBox::new([rows, cols, b.0[2].clone()]))]
            }
            LayerKind::Concat => {
                let last = b.0.len() - 1;
                let wanted = &b.0[last];
                let mut offset = 0;
                inputs
                    .iter()
                    .map(|shape| {
                        let c = shape[shape.len() - 1];
                        let (lo, hi) = (wanted.start.max(offset), wanted.end.min(offset + c));
                        offset += c;
                        (lo < hi).then(|| {
                            let mut r = b.0.clone();
                            r[last] = lo - (offset - c)..hi - (offset - c);
                            UnitBox(r)
                        })
                    })
                    .collect()
            }
            _ => inputs
                .iter()
                .map(|input| Some(self.back(b, input)))
                .collect(),
        }
    }
}

/// The shape NumPy's broadcasting gives `shapes` (trailing axes aligned,
/// each axis of one size or 1).
fn broadcast_shapes(shapes: &[&[usize]]) -> std::result::Result<Vec<usize>, String> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    for s in shapes {
        for (o, &d) in out[rank - s.len()..].iter_mut().zip(s.iter()) {
            match (*o, d) {
                (a, b) if a == b || b == 1 => {}
                (1, b) => *o = b,
                _ => {
                    return Err(format!(
                        "shapes {:?} do not broadcast together",
                        shapes.iter().map(|s| s.to_vec()).collect::<Vec<_>>()
                    ))
                }
            }
        }
    }
    Ok(out)
}

/// The input rows (or columns) of `n` that output positions `r` of a padding
/// of `before` read: clipped for a constant, mirrored or clamped at the
/// border for the others; empty when a constant padding's `r` reads none.
fn pad_back(r: &Range<usize>, before: usize, n: usize, mode: PadMode) -> Range<usize> {
    let mut lo = usize::MAX;
    let mut hi = 0;
    for q in r.clone().filter_map(|o| mode.source(o, before, n)) {
        lo = lo.min(q);
        hi = hi.max(q + 1);
    }
    if lo == usize::MAX {
        0..0
    } else {
        lo..hi
    }
}

/// The smallest box of `shape` holding the flat (C-order) indices `r`.
fn flat_range_box(r: &Range<usize>, shape: &[usize]) -> UnitBox {
    let st = strides(shape);
    let idx = |f: usize| -> Vec<usize> { st.iter().zip(shape).map(|(s, d)| (f / s) % d).collect() };
    let (lo, hi) = (idx(r.start), idx(r.end - 1));
    let mut ranges = Vec::with_capacity(shape.len());
    let mut differ = false;
    for d in 0..shape.len() {
        if differ {
            ranges.push(0..shape[d]);
        } else {
            ranges.push(lo[d]..hi[d] + 1);
            differ = lo[d] != hi[d];
        }
    }
    UnitBox(ranges)
}
