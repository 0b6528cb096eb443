//! The layout changes of Keras' and JAX's exporters (tf2onnx, jax2onnx):
//! an input of `[N, H, W, C]`, `Transpose`s between it and ONNX's
//! channels-first operators, and the `Reshape` that stands for such a
//! transpose on one channel. Each is read as the relabelling it is: the
//! layer's channels-last values stay as they are, only how ONNX's axes lie
//! over them changes. Also `Pad`.

use std::collections::HashMap;

use nnitp_core::cone::PadMode;

use super::super::constant::{self, Constant};
use super::super::error::OnnxError;
use super::super::proto::{Graph, Node};
use super::attrs::{attr, attr_float, attr_ints, attr_str, node_error};
use super::{Importer, Layout, Val};
use crate::graph::{Op, Pad};

/// NCHW from NHWC.
const TO_CHANNELS_FIRST: [i64; 4] = [0, 3, 1, 2];
/// NHWC from NCHW.
const TO_CHANNELS_LAST: [i64; 4] = [0, 2, 3, 1];

/// Whether the graph's image input is channels last `[N, H, W, C]`: every
/// path from it, through element-wise arithmetic (a Keras `Rescaling`),
/// reaches a transpose to channels first (or, for one channel, the reshape
/// that stands for it) before any other operator. One pass over the nodes.
pub(super) fn channels_last_input(graph: &Graph<'_>, values: &HashMap<String, Val>) -> bool {
    let Some(input) = graph.inputs.iter().find(|i| !values.contains_key(&i.name)) else {
        return false;
    };
    let dims = match input.dims.as_deref() {
        Some(&[_, Some(h), Some(w), Some(c)]) => [h, w, c],
        _ => return false,
    };
    let mut readers: HashMap<&str, Vec<&Node<'_>>> = HashMap::new();
    let mut constants: HashMap<&str, &Node<'_>> = HashMap::new();
    for node in &graph.nodes {
        for name in &node.inputs {
            readers.entry(name.as_str()).or_default().push(node);
        }
        if node.op_type == "Constant" {
            if let Some(out) = node.outputs.first() {
                constants.insert(out.as_str(), node);
            }
        }
    }
    // the ints of a constant input, an initializer or a Constant node
    let ints = |name: &str| -> Option<Vec<i64>> {
        if let Some(Val::Const(c)) = values.get(name) {
            return c.as_ints().map(<[i64]>::to_vec);
        }
        let t = attr(constants.get(name)?, "value")?.t.as_ref()?;
        constant::read(t, std::path::Path::new(""))
            .ok()?
            .as_ints()
            .map(<[i64]>::to_vec)
    };
    let (mut transposed, mut other) = (false, false);
    let mut stack = vec![input.name.as_str()];
    let mut seen = 0usize;
    while let Some(name) = stack.pop() {
        seen += 1;
        if seen > graph.nodes.len() + 1 {
            break;
        }
        for node in readers.get(name).into_iter().flatten() {
            let out = node.outputs.first().map(String::as_str).unwrap_or("");
            match node.op_type.as_str() {
                "Transpose" if attr_ints(node, "perm").as_deref() == Some(&TO_CHANNELS_FIRST) => {
                    transposed = true
                }
                "Reshape" => {
                    let target = node.inputs.get(1).and_then(|t| ints(t));
                    match target.as_deref() {
                        Some(&[_, 1, h, w]) if dims == [h, w, 1] => transposed = true,
                        _ => other = true,
                    }
                }
                "Mul" | "Add" | "Sub" | "Div" | "Identity" | "Cast" if !out.is_empty() => {
                    stack.push(out)
                }
                _ => other = true,
            }
        }
    }
    transposed && !other
}

impl Importer<'_> {
    /// A `Transpose`: between channels first and channels last a
    /// relabelling of the same layer, the identity on any layer; a
    /// constant's axes permuted.
    pub(super) fn transpose(&mut self, node: &Node<'_>) -> Result<(), OnnxError> {
        let perm = attr_ints(node, "perm");
        if let Some(Val::Const(c)) = self.input_at(node, 0)? {
            let t = permute(&c, perm.as_deref())
                .ok_or_else(|| node_error(self.path, node, format!("perm {perm:?}")))?;
            self.set(node, Val::Const(t));
            return Ok(());
        }
        if let Some(Val::Grouped { .. }) = self.input_at(node, 0)? {
            return self.swap_groups(node, perm.as_deref().unwrap_or(&[]));
        }
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        let rank = dims.len() + 1;
        let identity: Vec<i64> = (0..rank as i64).collect();
        let perm = perm.unwrap_or_else(|| identity.iter().rev().copied().collect());
        let relabelled = match (&perm[..], &dims[..], flat, layout) {
            (p, _, _, _) if p == identity.as_slice() => Some((dims.clone(), layout)),
            (p, &[h, w, c], false, Layout::ChannelsLast) if p == TO_CHANNELS_FIRST => {
                Some((vec![c, h, w], Layout::ChannelsFirst))
            }
            (p, &[c, h, w], false, Layout::ChannelsFirst) if p == TO_CHANNELS_LAST => {
                Some((vec![h, w, c], Layout::ChannelsLast))
            }
            // a pooled [C, 1, 1] is the same values in either order
            (p, &[c, 1, 1], true, Layout::ChannelsFirst) if p == TO_CHANNELS_LAST => {
                Some((vec![1, 1, c], Layout::ChannelsLast))
            }
            (p, &[1, 1, c], true, Layout::ChannelsLast) if p == TO_CHANNELS_FIRST => {
                Some((vec![c, 1, 1], Layout::ChannelsFirst))
            }
            _ => None,
        };
        let Some((dims, layout)) = relabelled else {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a transpose {perm:?} of {dims:?}; nnitp reads those between channels first and channels last"
                ),
            ));
        };
        // a pooled map's [1, 1, C] stays stored flat
        let v = Val::Layer {
            place,
            dims,
            flat,
            layout,
        };
        self.set(node, v);
        Ok(())
    }

    /// A `Reshape` to four dimensions that moves no value: one channel read
    /// as `[1, H, W]` or `[H, W, 1]` (tf2onnx's transpose of a one-channel
    /// image), or a layer reshaped to its own dimensions.
    pub(super) fn relabel_reshape(
        &mut self,
        node: &Node<'_>,
        target: &[i64],
    ) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        let [h, w, c] = match layout.stored(&dims, false)[..] {
            [h, w, c] => [h, w, c].map(|d| d as i64),
            _ => [0; 3],
        };
        let as_dims = |t: &[i64]| t[1..].iter().map(|&d| d as usize).collect::<Vec<_>>();
        let same = target[1..].iter().zip(&dims).all(|(&t, &d)| t == d as i64);
        let relabelled = match target {
            _ if same && dims.len() == 3 => Some((dims.clone(), layout)),
            [_, a, b, d] if !flat && [*a, *b, *d] == [c, h, w] && (c == 1 || h * w == 1) => {
                Some((as_dims(target), Layout::ChannelsFirst))
            }
            [_, a, b, d] if !flat && [*a, *b, *d] == [h, w, c] && (c == 1 || h * w == 1) => {
                Some((as_dims(target), Layout::ChannelsLast))
            }
            _ => None,
        };
        let Some((dims_out, layout_out)) = relabelled else {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a reshape of {dims:?} to {target:?}; nnitp runs the reshapes that flatten, and those that only relabel one channel"
                ),
            ));
        };
        let v = Val::Layer {
            place,
            dims: dims_out,
            flat,
            layout: layout_out,
        };
        self.set(node, v);
        Ok(())
    }

    /// A `Pad` of a feature map's rows and columns (constant, reflect or
    /// edge), in either layout.
    pub(super) fn pad(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        if flat || dims.len() != 3 {
            return Err(node_error(
                self.path,
                node,
                format!("a padding of a layer of dimensions {dims:?}; nnitp pads feature maps"),
            ));
        }
        let (pads, value, axes) = if self.opset >= 11 {
            let pads = self
                .constant_at(node, 1)?
                .and_then(|c| c.as_ints().map(<[i64]>::to_vec))
                .ok_or_else(|| node_error(self.path, node, "the pads must be constant integers"))?;
            let value = match self.constant_at(node, 2)? {
                Some(c) => match c.floats()[..] {
                    [v] => v,
                    [] => 0.0,
                    _ => return Err(node_error(self.path, node, "a constant value of many")),
                },
                None => 0.0,
            };
            let axes = self
                .constant_at(node, 3)?
                .map(|c| c.as_ints().map(<[i64]>::to_vec).unwrap_or_default());
            (pads, value, axes)
        } else {
            let pads = attr_ints(node, "pads").unwrap_or_default();
            (pads, attr_float(node, "value", 0.0), None)
        };
        // (begin, end) per axis of [N, ...dims]
        let rank = 4i64;
        let axes: Vec<i64> = match axes {
            Some(a) => a
                .iter()
                .map(|&x| if x < 0 { x + rank } else { x })
                .collect(),
            None => (0..rank).collect(),
        };
        let bad = |why: String| node_error(self.path, node, why);
        if pads.len() != 2 * axes.len() || axes.iter().any(|a| !(0..rank).contains(a)) {
            return Err(bad(format!("pads {pads:?} for axes {axes:?}")));
        }
        let mut per_axis = [(0usize, 0usize); 4];
        for (k, &a) in axes.iter().enumerate() {
            let (b, e) = (pads[k], pads[k + axes.len()]);
            if !(0..=1 << 16).contains(&b) || !(0..=1 << 16).contains(&e) {
                return Err(bad(format!(
                    "pads {pads:?}; nnitp takes paddings from 0 to 65536 (no cropping)"
                )));
            }
            per_axis[a as usize] = (b as usize, e as usize);
        }
        let [rows, cols, channels] = layout.map_axes();
        if per_axis[0] != (0, 0) || per_axis[channels] != (0, 0) {
            return Err(bad(format!(
                "pads {pads:?} of the batch or the channels; nnitp pads rows and columns"
            )));
        }
        let named = attr_str(node, "mode").unwrap_or_else(|| "constant".into());
        let mode = [PadMode::Constant, PadMode::Reflect, PadMode::Edge]
            .into_iter()
            .find(|m| m.name() == named)
            .ok_or_else(|| bad(format!("mode {named:?}")))?;
        let pad = Pad {
            pads: [
                per_axis[rows].0,
                per_axis[cols].0,
                per_axis[rows].1,
                per_axis[cols].1,
            ],
            mode,
            value,
        };
        let [t, l, b, r] = pad.pads;
        let mut out = dims.clone();
        out[rows - 1] += t + b;
        out[cols - 1] += l + r;
        pad.check_fits(dims[rows - 1], dims[cols - 1])
            .map_err(|e| {
                bad(format!(
                    "{e}: a reflecting padding as wide as the map {dims:?}"
                ))
            })?;
        self.push_as(i, node, Op::Pad(pad), vec![place], out, false, layout);
        Ok(())
    }
}

/// A constant's axes permuted by `perm` (reversed when none), or `None`
/// when `perm` is not a permutation of its axes.
fn permute(c: &Constant, perm: Option<&[i64]>) -> Option<Constant> {
    let rank = c.dims.len();
    let len = match &c.values {
        constant::Values::Float(v) => v.len(),
        constant::Values::Int(v) => v.len(),
    };
    if len != c.dims.iter().product::<usize>() {
        return None;
    }
    let perm: Vec<usize> = match perm {
        Some(p) => p
            .iter()
            .map(|&x| usize::try_from(x).ok())
            .collect::<Option<_>>()?,
        None => (0..rank).rev().collect(),
    };
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    if sorted != (0..rank).collect::<Vec<_>>() {
        return None;
    }
    let dims: Vec<usize> = perm.iter().map(|&a| c.dims[a]).collect();
    let strides = |d: &[usize]| -> Vec<usize> {
        let mut s = vec![1; d.len()];
        for k in (0..d.len().saturating_sub(1)).rev() {
            s[k] = s[k + 1] * d[k + 1];
        }
        s
    };
    let (from, to) = (strides(&c.dims), strides(&dims));
    let total: usize = dims.iter().product();
    let source = |j: usize| -> usize {
        perm.iter()
            .enumerate()
            .map(|(k, &a)| (j / to[k]) % dims[k] * from[a])
            .sum()
    };
    let values = match &c.values {
        constant::Values::Float(v) => {
            constant::Values::Float((0..total).map(|j| v[source(j)]).collect())
        }
        constant::Values::Int(v) => {
            constant::Values::Int((0..total).map(|j| v[source(j)]).collect())
        }
    };
    Some(Constant { dims, values })
}
