//! An ONNX graph's nodes, in graph order, as a [`LayerGraph`]: each node
//! whose output depends on the image is a layer named by the node; nodes on
//! constants alone (shape arithmetic, `Constant`) are folded away.

mod attrs;
mod broadcast;
mod channels;
mod fold;
mod fold_tensor;
mod layers;
mod layout;

use std::collections::HashMap;
use std::path::Path;

use nnitp_core::cone::Place;
use nnitp_core::digest::DigestBuilder;

use super::constant::{self, Constant, Values};
use super::error::OnnxError;
use super::proto::{Graph, Node};
use crate::graph::{Activation, GraphLayer, LayerGraph, Op};

/// The most values per image one layer may output (64 MiB of floats; the
/// largest layer of a ResNet-50 on 224x224 images has 0.8 million).
const MAX_LAYER_VALUES: usize = 1 << 24;

/// Stands for the batch dimension in folded shapes.
const BATCH: i64 = i64::MIN;

/// How ONNX's axes of a feature map lie over the layer's channels-last
/// values `[H, W, C]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Layout {
    /// ONNX sees `[C, H, W]` (its own convention); flat layers too.
    #[default]
    ChannelsFirst,
    /// ONNX sees `[H, W, C]`, the values' own order (Keras' and JAX's, in
    /// their exporters' transposes).
    ChannelsLast,
}

impl Layout {
    /// The axis of the channels in ONNX's `[N, ...]` of `rank` axes (a flat
    /// layer's units: axis 1).
    fn channel_axis(self, rank: usize) -> usize {
        match self {
            Layout::ChannelsFirst => 1,
            Layout::ChannelsLast => rank - 1,
        }
    }

    /// The axes of a map's rows, columns and channels in ONNX's `[N, ...]`.
    fn map_axes(self) -> [usize; 3] {
        match self {
            Layout::ChannelsFirst => [2, 3, 1],
            Layout::ChannelsLast => [1, 2, 3],
        }
    }

    /// The per-sample channels-last shape of a layer's values, from ONNX's
    /// `dims`: `[H, W, C]` for a map, `[K]` for a flat layer.
    fn stored(self, dims: &[usize], flat: bool) -> Vec<usize> {
        match (dims, flat, self) {
            (&[c, h, w], false, Layout::ChannelsFirst) => vec![h, w, c],
            (_, false, _) => dims.to_vec(),
            (_, true, _) => vec![dims.iter().product()],
        }
    }
}

/// What a tensor name stands for.
#[derive(Clone, Debug)]
enum Val {
    /// A layer's output (or the image): ONNX's per-sample dimensions
    /// (`[C, H, W]`, `[H, W, C]` or `[K]`, as `layout` says); `flat` when
    /// the layer is stored flat although ONNX sees `[C, 1, 1]` (after global
    /// pooling).
    Layer {
        place: Place,
        dims: Vec<usize>,
        flat: bool,
        layout: Layout,
    },
    /// A constant.
    Const(Constant),
    /// An output nnitp does not compute (a pool's indices, a dropout's mask).
    Unavailable,
    /// A channels-first map's channels viewed as `[groups, per_group]`
    /// (the first step of a channel shuffle), swapped to `[per_group,
    /// groups]` once transposed.
    Grouped {
        place: Place,
        dims: Vec<usize>,
        groups: usize,
        swapped: bool,
    },
}

pub(super) struct Importer<'p> {
    path: &'p Path,
    opset: i64,
    values: HashMap<String, Val>,
    layers: Vec<GraphLayer>,
    names: HashMap<String, usize>,
    digest: DigestBuilder,
}

use attrs::{attr_float, attr_int, attr_str, node_error};

impl<'p> Importer<'p> {
    pub(super) fn new(path: &'p Path, opset: i64, bytes: &[u8]) -> Self {
        Importer {
            path,
            opset,
            values: HashMap::new(),
            layers: Vec::new(),
            names: HashMap::new(),
            digest: DigestBuilder::new().bytes(bytes),
        }
    }

    /// Reads the graph: its input, initializers and nodes.
    pub(super) fn import(mut self, graph: &Graph<'_>) -> Result<LayerGraph, OnnxError> {
        for t in &graph.initializers {
            let c = constant::read(t, self.path)?;
            // the model's bytes are digested already; external data is not
            if t.is_external {
                let d = std::mem::take(&mut self.digest);
                self.digest = match &c.values {
                    Values::Float(v) => d.floats(v),
                    Values::Int(v) => v.iter().fold(d, |d, &x| d.number(x as u64)),
                };
            }
            self.values.insert(t.name.clone(), Val::Const(c));
        }
        let channels_last = layout::channels_last_input(graph, &self.values);
        let input_shape = self.input(graph, channels_last)?;
        for (i, node) in graph.nodes.iter().enumerate() {
            self.node(i, node)?;
        }
        let Some(out) = graph.outputs.first() else {
            return Err(OnnxError::Malformed {
                path: self.path.to_path_buf(),
                reason: "the graph has no output".into(),
            });
        };
        match self.values.get(&out.name) {
            Some(Val::Layer {
                place: Place::Layer(_),
                ..
            }) => {}
            _ => {
                return Err(OnnxError::Malformed {
                    path: self.path.to_path_buf(),
                    reason: format!(
                        "the graph's output {:?} is not computed from its input",
                        out.name
                    ),
                })
            }
        }
        let digest = self.digest.finish();
        let graph = LayerGraph::new(input_shape, self.layers)
            .map(|g| g.with_fingerprint(digest))
            .map_err(|source| OnnxError::Geometry {
                path: self.path.to_path_buf(),
                source: Box::new(source),
            })?;
        // a batch holds each layer until its last reader: bound every layer
        let geometry = nnitp_core::Network::geometry(&graph);
        for (l, layer) in graph.layers().iter().enumerate() {
            let values: usize = geometry
                .shape(Place::Layer(l))
                .map_or(0, |s| s.iter().product());
            if values > MAX_LAYER_VALUES {
                return Err(OnnxError::Node {
                    path: self.path.to_path_buf(),
                    node: layer.name.clone(),
                    op: layer.op.name().into(),
                    reason: format!(
                        "an output of {values} values per image; nnitp runs layers of at most {MAX_LAYER_VALUES}"
                    ),
                });
            }
        }
        Ok(graph)
    }

    /// The one graph input that is not an initializer: floats of `[N, C, H,
    /// W]` (images; `[N, H, W, C]` when `channels_last`), `[N, C, T]` (series,
    /// taken as images one pixel high) or `[N, F]` (a table's rows, taken as
    /// one pixel of `F` channels).
    fn input(&mut self, graph: &Graph<'_>, channels_last: bool) -> Result<[usize; 3], OnnxError> {
        let inputs: Vec<_> = graph
            .inputs
            .iter()
            .filter(|i| !self.values.contains_key(&i.name))
            .collect();
        let [input] = inputs[..] else {
            return Err(OnnxError::Input {
                path: self.path.to_path_buf(),
                name: inputs
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                reason: format!(
                    "the graph has {} inputs; nnitp explains models of one image input",
                    inputs.len()
                ),
            });
        };
        let bad = |reason: String| OnnxError::Input {
            path: self.path.to_path_buf(),
            name: input.name.clone(),
            reason,
        };
        if input.elem_type != 1 {
            return Err(bad(format!(
                "element type {} (nnitp feeds float images)",
                input.elem_type
            )));
        }
        let dims = input
            .dims
            .as_ref()
            .ok_or_else(|| bad("no shape given".into()))?;
        let fixed = |d: Option<i64>, what: &str| -> Result<usize, OnnxError> {
            d.filter(|&d| d > 0 && d <= 1 << 20)
                .map(|d| d as usize)
                .ok_or_else(|| bad(format!("the {what} must be a fixed positive size")))
        };
        let (c, h, w) = match dims[..] {
            [_, h, w, c] if channels_last => (
                fixed(c, "channels")?,
                fixed(h, "height")?,
                fixed(w, "width")?,
            ),
            [_, c, h, w] => (
                fixed(c, "channels")?,
                fixed(h, "height")?,
                fixed(w, "width")?,
            ),
            [_, c, t] => (fixed(c, "channels")?, 1, fixed(t, "length")?),
            [_, f] => (fixed(f, "number of features")?, 1, 1),
            _ => {
                return Err(bad(format!(
                    "{} dimensions; a batch is [N, C, H, W] (images), [N, C, T] (series) or [N, F] (rows)",
                    dims.len()
                )))
            }
        };
        h.checked_mul(w)
            .and_then(|p| p.checked_mul(c))
            .filter(|&p| p <= MAX_LAYER_VALUES)
            .ok_or_else(|| bad(format!("an image of more than {MAX_LAYER_VALUES} values")))?;
        // a row's per-sample dimensions stay ONNX's [F]; a series' are
        // [C, 1, T], the same values in the same order as ONNX's [C, T]
        let (dims, layout) = match dims.len() {
            2 => (vec![c], Layout::ChannelsFirst),
            4 if channels_last => (vec![h, w, c], Layout::ChannelsLast),
            _ => (vec![c, h, w], Layout::ChannelsFirst),
        };
        self.values.insert(
            input.name.clone(),
            Val::Layer {
                place: Place::Input,
                dims,
                flat: false,
                layout,
            },
        );
        Ok([h, w, c])
    }

    /// The value `name` names, for `node`.
    fn get(&self, node: &Node<'_>, name: &str) -> Result<Val, OnnxError> {
        match self.values.get(name) {
            Some(Val::Unavailable) => Err(node_error(
                self.path,
                node,
                format!("reads {name:?}, an output nnitp does not compute"),
            )),
            Some(v) => Ok(v.clone()),
            None => Err(OnnxError::Order {
                path: self.path.to_path_buf(),
                node: node.name.clone(),
                tensor: name.into(),
            }),
        }
    }

    /// Input `i` of `node`, `None` when absent or named "".
    fn input_at(&self, node: &Node<'_>, i: usize) -> Result<Option<Val>, OnnxError> {
        match node.inputs.get(i) {
            Some(n) if !n.is_empty() => self.get(node, n).map(Some),
            _ => Ok(None),
        }
    }

    fn constant_at(&self, node: &Node<'_>, i: usize) -> Result<Option<Constant>, OnnxError> {
        match self.input_at(node, i)? {
            None => Ok(None),
            Some(Val::Const(c)) => Ok(Some(c)),
            Some(_) => Err(node_error(
                self.path,
                node,
                format!("input {i} must be a constant (an initializer)"),
            )),
        }
    }

    /// Input `i`, a layer in ONNX's own layout (channels first).
    fn layer_at(&self, node: &Node<'_>, i: usize) -> Result<(Place, Vec<usize>, bool), OnnxError> {
        match self.any_layer_at(node, i)? {
            (place, dims, flat, Layout::ChannelsFirst) => Ok((place, dims, flat)),
            (_, dims, _, Layout::ChannelsLast) => Err(node_error(
                self.path,
                node,
                format!(
                    "reads a channels-last tensor {dims:?} (a Keras or JAX layout) where nnitp takes ONNX's channels first"
                ),
            )),
        }
    }

    /// Input `i`, a layer in either layout.
    fn any_layer_at(
        &self,
        node: &Node<'_>,
        i: usize,
    ) -> Result<(Place, Vec<usize>, bool, Layout), OnnxError> {
        match self.input_at(node, i)? {
            Some(Val::Layer {
                place,
                dims,
                flat,
                layout,
            }) => Ok((place, dims, flat, layout)),
            Some(Val::Grouped { dims, .. }) => Err(node_error(
                self.path,
                node,
                format!(
                    "input {i} is a map of {dims:?} with its channels grouped, which only a channel shuffle's transpose and reshape read"
                ),
            )),
            _ => Err(node_error(
                self.path,
                node,
                format!("input {i} must come from the image, not a constant"),
            )),
        }
    }

    fn map_at(&self, node: &Node<'_>, i: usize) -> Result<(Place, [usize; 3]), OnnxError> {
        match self.layer_at(node, i)? {
            (place, dims, false) if dims.len() == 3 => Ok((place, [dims[0], dims[1], dims[2]])),
            (_, dims, _) => Err(node_error(
                self.path,
                node,
                format!("needs a feature map [N, C, H, W], got per-sample dimensions {dims:?}"),
            )),
        }
    }

    fn set(&mut self, node: &Node<'_>, v: Val) {
        if let Some(out) = node.outputs.first() {
            self.values.insert(out.clone(), v);
        }
        for extra in node.outputs.iter().skip(1).filter(|o| !o.is_empty()) {
            self.values.insert(extra.clone(), Val::Unavailable);
        }
    }

    /// Appends a layer computing `op` on `inputs`, its output of per-sample
    /// dimensions `dims` in ONNX's layout.
    fn push(
        &mut self,
        i: usize,
        node: &Node<'_>,
        op: Op,
        inputs: Vec<Place>,
        dims: Vec<usize>,
        flat: bool,
    ) {
        self.push_as(i, node, op, inputs, dims, flat, Layout::ChannelsFirst)
    }

    /// As [`Importer::push`], the output's dimensions in `layout`.
    #[allow(clippy::too_many_arguments)]
    fn push_as(
        &mut self,
        i: usize,
        node: &Node<'_>,
        op: Op,
        inputs: Vec<Place>,
        dims: Vec<usize>,
        flat: bool,
        layout: Layout,
    ) {
        let name = self.layer_name(i, node);
        let index = self.layers.len();
        self.layers.push(GraphLayer {
            name,
            alias: node.outputs.first().cloned(),
            op,
            inputs,
        });
        self.set(
            node,
            Val::Layer {
                place: Place::Layer(index),
                dims,
                flat,
                layout,
            },
        );
    }

    /// A new layer's name for node `i`: the node's (its operator and index
    /// when it has none), `#2`, `#3`... added when taken.
    fn layer_name(&mut self, i: usize, node: &Node<'_>) -> String {
        let base = if node.name.is_empty() {
            format!("{}_{i}", node.op_type)
        } else {
            node.name.clone()
        };
        let count = self.names.entry(base.clone()).or_insert(0);
        *count += 1;
        if *count == 1 {
            base
        } else {
            format!("{base}#{count}")
        }
    }

    /// Appends a layer computing `op` on `inputs` for output `k` of node
    /// `i` (a node of several outputs, as `Split`).
    #[allow(clippy::too_many_arguments)]
    fn push_output(
        &mut self,
        i: usize,
        node: &Node<'_>,
        k: usize,
        op: Op,
        inputs: Vec<Place>,
        dims: Vec<usize>,
        flat: bool,
        layout: Layout,
    ) {
        let Some(output) = node.outputs.get(k).filter(|o| !o.is_empty()).cloned() else {
            return;
        };
        let name = self.layer_name(i, node);
        let index = self.layers.len();
        self.layers.push(GraphLayer {
            name,
            alias: Some(output.clone()),
            op,
            inputs,
        });
        let v = Val::Layer {
            place: Place::Layer(index),
            dims,
            flat,
            layout,
        };
        self.values.insert(output, v);
    }

    fn node(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        if !(node.domain.is_empty() || node.domain == "ai.onnx") {
            return Err(OnnxError::Unsupported {
                path: self.path.to_path_buf(),
                node: node.name.clone(),
                op: format!("{}::{}", node.domain, node.op_type),
            });
        }
        if node.attributes.iter().any(|a| a.graph) {
            return Err(OnnxError::Unsupported {
                path: self.path.to_path_buf(),
                node: node.name.clone(),
                op: node.op_type.clone(),
            });
        }
        let op = node.op_type.as_str();
        // every input must exist before the node, whatever it is
        for name in node.inputs.iter().filter(|n| !n.is_empty()) {
            if !self.values.contains_key(name) {
                return Err(OnnxError::Order {
                    path: self.path.to_path_buf(),
                    node: node.name.clone(),
                    tensor: name.clone(),
                });
            }
        }
        match op {
            "Constant" => self.constant_node(node),
            "Shape" | "Gather" | "Unsqueeze" | "Cast"
                if self.all_constant(node) || op == "Shape" =>
            {
                self.fold(node)
            }
            "ConstantOfShape" | "Slice" | "Squeeze" | "Reshape" | "Concat"
                if self.all_constant(node) =>
            {
                self.fold_tensor(node)
            }
            "Identity" | "Dropout" => match self.input_at(node, 0)? {
                Some(Val::Const(c)) => {
                    self.set(node, Val::Const(c));
                    Ok(())
                }
                _ if op == "Dropout" => {
                    let ratio = self.dropout_ratio(node)?;
                    self.unary(i, node, Op::Dropout(ratio))
                }
                _ => self.unary(i, node, Op::Identity),
            },
            "Relu" => self.unary(i, node, Op::Activation(Activation::Relu)),
            "LeakyRelu" => {
                let a = attr_float(node, "alpha", 0.01);
                self.unary(i, node, Op::Activation(Activation::LeakyRelu(a)))
            }
            "Elu" => {
                let a = attr_float(node, "alpha", 1.0);
                self.unary(i, node, Op::Activation(Activation::Elu(a)))
            }
            "Sigmoid" => self.unary(i, node, Op::Activation(Activation::Sigmoid)),
            "HardSigmoid" => {
                let alpha = attr_float(node, "alpha", 0.2);
                let beta = attr_float(node, "beta", 0.5);
                self.unary(
                    i,
                    node,
                    Op::Activation(Activation::HardSigmoid { alpha, beta }),
                )
            }
            "HardSwish" => self.unary(i, node, Op::Activation(Activation::HardSwish)),
            "Mish" => self.unary(i, node, Op::Activation(Activation::Mish)),
            "Softplus" => self.unary(i, node, Op::Activation(Activation::Softplus)),
            "Exp" => self.unary(i, node, Op::Activation(Activation::Exp)),
            "Neg" => self.unary(i, node, Op::Activation(Activation::Neg)),
            "Abs" => self.unary(i, node, Op::Activation(Activation::Abs)),
            "Sqrt" => self.unary(i, node, Op::Activation(Activation::Sqrt)),
            "Reciprocal" => self.unary(i, node, Op::Activation(Activation::Reciprocal)),
            "Erf" => self.unary(i, node, Op::Activation(Activation::Erf)),
            "Tanh" => self.unary(i, node, Op::Activation(Activation::Tanh)),
            "Gelu" => {
                let tanh = match attr_str(node, "approximate").as_deref() {
                    None | Some("none") => false,
                    Some("tanh") => true,
                    Some(other) => {
                        return Err(node_error(
                            self.path,
                            node,
                            format!("approximate {other:?}"),
                        ))
                    }
                };
                self.unary(i, node, Op::Activation(Activation::Gelu { tanh }))
            }
            "Clip" => {
                let bound =
                    |s: &Self, k: usize, name: &str, default: f32| -> Result<f32, OnnxError> {
                        if s.opset < 11 {
                            return Ok(attr_float(node, name, default));
                        }
                        Ok(match s.constant_at(node, k)? {
                            Some(c) => *c.floats().first().ok_or_else(|| {
                                node_error(s.path, node, format!("an empty {name}"))
                            })?,
                            None => default,
                        })
                    };
                let min = bound(self, 1, "min", f32::MIN)?;
                let max = bound(self, 2, "max", f32::MAX)?;
                self.unary(i, node, Op::Activation(Activation::Clip { min, max }))
            }
            "Softmax" => {
                let (_, dims, flat) = self.layer_at(node, 0)?;
                let axis = attr_int(node, "axis", if self.opset >= 13 { -1 } else { 1 });
                if !(flat || dims.len() == 1) || !(axis == 1 || axis == -1) {
                    return Err(node_error(
                        self.path,
                        node,
                        format!("a softmax over axis {axis} of {dims:?}; nnitp takes one over a flat layer's units"),
                    ));
                }
                self.unary(i, node, Op::Softmax)
            }
            "BatchNormalization" => self.batch_norm(i, node),
            "Conv" => self.conv(i, node),
            "MaxPool" | "AveragePool" => self.pool(i, node),
            "GlobalAveragePool" | "GlobalMaxPool" => {
                let (place, [c, _, _]) = self.map_at(node, 0)?;
                let op = if op == "GlobalMaxPool" {
                    Op::GlobalMaxPool
                } else {
                    Op::GlobalAvgPool
                };
                self.push(i, node, op, vec![place], vec![c, 1, 1], true);
                Ok(())
            }
            "ReduceMean" | "ReduceMax" | "ReduceSum" => self.reduce(i, node),
            "Flatten" => {
                let axis = attr_int(node, "axis", 1);
                if axis != 1 {
                    return Err(node_error(
                        self.path,
                        node,
                        format!("axis {axis}: only axis 1 (keep the batch) flattens images"),
                    ));
                }
                self.flatten(i, node)
            }
            "Reshape" => self.reshape(i, node),
            "Squeeze" => self.squeeze(i, node),
            "Gemm" => self.gemm(i, node),
            "MatMul" => self.matmul(i, node),
            "Add" | "Sub" | "Mul" | "Div" => self.arithmetic(i, node),
            "Max" | "Min" | "Pow" => self.binary(i, node),
            "Greater" | "Less" => self.comparison(i, node),
            "Where" => self.select(i, node),
            "Transpose" => self.transpose(node),
            "Pad" => self.pad(i, node),
            "LayerNormalization" => self.layer_norm(i, node),
            "Slice" => self.slice(i, node),
            "Split" => self.split(i, node),
            "Concat" => self.concat(i, node),
            _ => Err(OnnxError::Unsupported {
                path: self.path.to_path_buf(),
                node: node.name.clone(),
                op: node.op_type.clone(),
            }),
        }
    }

    fn all_constant(&self, node: &Node<'_>) -> bool {
        node.inputs
            .iter()
            .filter(|n| !n.is_empty())
            .all(|n| matches!(self.values.get(n), Some(Val::Const(_))))
    }
}
