//! A [`LayerGraph`] written as an ONNX model (opset 18), which onnxruntime
//! runs and [`super::read`] reads back.
//!
//! Each layer is one node, named by the layer, except two the opset has no
//! single node for: a dense layer with a softmax is a `Gemm` and a
//! `Softmax`, and a channels-last flatten is ONNX's `Flatten` (channels
//! first) with the next dense layer's rows reordered to match; global
//! pooling is a `ReduceMean` or `ReduceMax` over rows and columns.

use nnitp_core::cone::Place;

use super::error::OnnxError;
use crate::graph::{Activation, Conv, GraphLayer, LayerGraph, Op, Order, Pool, Reduce};

/// The protobuf wire format, written.
#[derive(Default)]
struct Message(Vec<u8>);

fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

impl Message {
    fn bytes(mut self, n: u32, b: &[u8]) -> Self {
        varint(&mut self.0, u64::from(n) << 3 | 2);
        varint(&mut self.0, b.len() as u64);
        self.0.extend_from_slice(b);
        self
    }

    fn str(self, n: u32, s: &str) -> Self {
        self.bytes(n, s.as_bytes())
    }

    fn msg(self, n: u32, m: Message) -> Self {
        self.bytes(n, &m.0)
    }

    fn int(mut self, n: u32, v: i64) -> Self {
        varint(&mut self.0, u64::from(n) << 3);
        varint(&mut self.0, v as u64);
        self
    }

    fn float(mut self, n: u32, v: f32) -> Self {
        varint(&mut self.0, u64::from(n) << 3 | 5);
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    fn ints(self, n: u32, v: &[i64]) -> Self {
        let mut packed = Vec::new();
        for &x in v {
            varint(&mut packed, x as u64);
        }
        self.bytes(n, &packed)
    }
}

/// `AttributeProto` of ints, an int or a float.
enum Attr<'a> {
    Ints(&'a str, Vec<i64>),
    Int(&'a str, i64),
    Float(&'a str, f32),
    Str(&'a str, &'a str),
}

impl Attr<'_> {
    fn message(&self) -> Message {
        match self {
            Attr::Ints(name, v) => Message::default().str(1, name).int(20, 7).ints(8, v),
            Attr::Int(name, v) => Message::default().str(1, name).int(20, 2).int(3, *v),
            Attr::Float(name, v) => Message::default().str(1, name).int(20, 1).float(2, *v),
            Attr::Str(name, v) => Message::default().str(1, name).int(20, 3).str(4, v),
        }
    }
}

fn float_tensor(name: &str, dims: &[usize], values: &[f32]) -> Message {
    let dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    Message::default()
        .ints(1, &dims)
        .int(2, 1)
        .str(8, name)
        .bytes(9, &raw)
}

fn int_tensor(name: &str, values: &[i64]) -> Message {
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    Message::default()
        .ints(1, &[values.len() as i64])
        .int(2, 7)
        .str(8, name)
        .bytes(9, &raw)
}

/// The graph being written: nodes and initializers.
struct Writer<'g> {
    graph: &'g LayerGraph,
    nodes: Vec<Message>,
    initializers: Vec<Message>,
    /// The tensor each layer's output is.
    outputs: Vec<String>,
    /// Layers whose flat output ONNX holds channels first where the graph
    /// holds it channels last: the `[H, W, C]` of the map flattened.
    reordered: Vec<Option<[usize; 3]>>,
}

impl Writer<'_> {
    fn node(&mut self, op: &str, name: &str, inputs: &[String], output: &str, attrs: &[Attr<'_>]) {
        let mut n = Message::default();
        for i in inputs {
            n = n.str(1, i);
        }
        n = n.str(2, output).str(3, name).str(4, op);
        for a in attrs {
            n = n.msg(5, a.message());
        }
        self.nodes.push(n);
    }

    fn weight(&mut self, name: String, dims: &[usize], values: &[f32]) -> String {
        self.initializers.push(float_tensor(&name, dims, values));
        name
    }

    fn input_name(&self, p: Place) -> String {
        match p {
            Place::Input => "image".into(),
            Place::Layer(j) => self.outputs[j].clone(),
        }
    }

    fn layer(&mut self, i: usize, layer: &GraphLayer) -> Result<(), String> {
        let name = layer.name.as_str();
        // the last layer's output is the graph's
        let out = if i + 1 == self.graph.layers().len() {
            "scores".to_string()
        } else {
            format!("{name}_output")
        };
        let inputs: Vec<String> = layer.inputs.iter().map(|&p| self.input_name(p)).collect();
        let first_reordered = match layer.inputs.first() {
            Some(Place::Layer(j)) => self.reordered[*j],
            _ => None,
        };
        let mut reordered = None;
        match &layer.op {
            Op::Conv2d(c) => self.conv(name, &inputs[0], &out, c),
            Op::Dense(d) => {
                // rows of W in the order ONNX's flatten gives
                let mut weight = d.weight.clone();
                if let Some([h, w, c]) = first_reordered {
                    for (hwc, row) in d.weight.chunks_exact(d.units).enumerate() {
                        let (p, k) = (hwc / c, hwc % c);
                        let chw = k * h * w + p;
                        weight[chw * d.units..(chw + 1) * d.units].copy_from_slice(row);
                    }
                }
                let w = self.weight(format!("{name}.weight"), &[d.inputs, d.units], &weight);
                let b = self.weight(format!("{name}.bias"), &[d.units], &d.bias);
                let gemm = if d.softmax {
                    format!("{name}_logits")
                } else {
                    out.clone()
                };
                self.node("Gemm", name, &[inputs[0].clone(), w, b], &gemm, &[]);
                if d.softmax {
                    let soft = format!("{name}_softmax");
                    self.node("Softmax", &soft, &[gemm], &out, &[Attr::Int("axis", -1)]);
                }
            }
            Op::BatchNorm(a) => {
                // scale and shift as batch norm of mean 0, variance 1, epsilon 0
                let c = a.channels();
                let spread = |v: &[f32]| {
                    if v.len() == 1 {
                        vec![v[0]; c]
                    } else {
                        v.to_vec()
                    }
                };
                let names = [
                    self.weight(format!("{name}.scale"), &[c], &spread(&a.scale)),
                    self.weight(format!("{name}.bias"), &[c], &spread(&a.shift)),
                    self.weight(format!("{name}.mean"), &[c], &vec![0.0; c]),
                    self.weight(format!("{name}.var"), &[c], &vec![1.0; c]),
                ];
                let mut ins = vec![inputs[0].clone()];
                ins.extend(names);
                self.node(
                    "BatchNormalization",
                    name,
                    &ins,
                    &out,
                    &[Attr::Float("epsilon", 0.0)],
                );
            }
            Op::Activation(a) => {
                let (op, attrs) = match *a {
                    Activation::Relu => ("Relu", vec![]),
                    Activation::LeakyRelu(alpha) => {
                        ("LeakyRelu", vec![Attr::Float("alpha", alpha)])
                    }
                    Activation::Elu(alpha) => ("Elu", vec![Attr::Float("alpha", alpha)]),
                    Activation::Sigmoid => ("Sigmoid", vec![]),
                    Activation::Tanh => ("Tanh", vec![]),
                    Activation::HardSigmoid { alpha, beta } => (
                        "HardSigmoid",
                        vec![Attr::Float("alpha", alpha), Attr::Float("beta", beta)],
                    ),
                    Activation::HardSwish => ("HardSwish", vec![]),
                    Activation::Mish => ("Mish", vec![]),
                    Activation::Softplus => ("Softplus", vec![]),
                    Activation::Exp => ("Exp", vec![]),
                    Activation::Neg => ("Neg", vec![]),
                    Activation::Abs => ("Abs", vec![]),
                    Activation::Sqrt => ("Sqrt", vec![]),
                    Activation::Reciprocal => ("Reciprocal", vec![]),
                    Activation::Erf => ("Erf", vec![]),
                    Activation::Gelu { .. }
                    | Activation::Clip { .. }
                    | Activation::Pow(_)
                    | Activation::Above(_)
                    | Activation::Below(_) => {
                        return Err(
                            "GELU, Clip, Pow and comparisons are not written (opset 18)".into()
                        )
                    }
                };
                reordered = first_reordered;
                self.node(op, name, &inputs, &out, &attrs);
            }
            Op::MaxPool2d(p) => self.pool("MaxPool", name, &inputs[0], &out, p),
            Op::AvgPool2d(p) => self.pool("AveragePool", name, &inputs[0], &out, p),
            Op::GlobalAvgPool | Op::GlobalMaxPool => {
                let axes = format!("{name}.axes");
                self.initializers.push(int_tensor(&axes, &[2, 3]));
                let op = if layer.op == Op::GlobalAvgPool {
                    "ReduceMean"
                } else {
                    "ReduceMax"
                };
                self.node(
                    op,
                    name,
                    &[inputs[0].clone(), axes],
                    &out,
                    &[Attr::Int("keepdims", 0)],
                );
            }
            Op::Flatten(order) => {
                let shape = self
                    .graph
                    .geometry_shape(layer.inputs[0])
                    .ok_or("a flatten of an unknown shape")?;
                if let (Order::ChannelsLast, &[h, w, c]) = (order, &shape[..]) {
                    reordered = Some([h, w, c]);
                }
                self.node("Flatten", name, &inputs, &out, &[Attr::Int("axis", 1)]);
            }
            Op::Add => self.node("Add", name, &inputs, &out, &[]),
            Op::Binary(b) => {
                let shapes: Vec<_> = layer
                    .inputs
                    .iter()
                    .map(|&p| self.graph.geometry_shape(p))
                    .collect();
                if shapes.windows(2).any(|w| w[0] != w[1]) {
                    return Err(format!(
                        "a broadcast {} of inputs of shapes {shapes:?} is not written",
                        b.onnx_name()
                    ));
                }
                self.node(b.onnx_name(), name, &inputs, &out, &[]);
            }
            Op::Pad(p) => {
                let [t, l, b, r] = p.pads.map(|v| v as i64);
                let pads = format!("{name}.pads");
                self.initializers
                    .push(int_tensor(&pads, &[0, 0, t, l, 0, 0, b, r]));
                let value = self.weight(format!("{name}.value"), &[], &[p.value]);
                self.node(
                    "Pad",
                    name,
                    &[inputs[0].clone(), pads, value],
                    &out,
                    &[Attr::Str("mode", p.mode.name())],
                );
            }
            Op::Concat => self.node("Concat", name, &inputs, &out, &[Attr::Int("axis", 1)]),
            Op::Softmax => self.node("Softmax", name, &inputs, &out, &[Attr::Int("axis", -1)]),
            Op::Dropout(ratio) => {
                reordered = first_reordered;
                let ratio = self.weight(format!("{name}.ratio"), &[], &[*ratio as f32]);
                self.node("Dropout", name, &[inputs[0].clone(), ratio], &out, &[]);
            }
            Op::Identity => {
                reordered = first_reordered;
                self.node("Identity", name, &inputs, &out, &[]);
            }
            Op::Scale(_) => return Err("arithmetic by constants is not written".into()),
            Op::Where => return Err("a selection (Where) is not written".into()),
            Op::SelectChannels(picked) => {
                let index = format!("{name}.channels");
                let v: Vec<i64> = picked.iter().map(|&k| k as i64).collect();
                self.initializers.push(int_tensor(&index, &v));
                self.node(
                    "Gather",
                    name,
                    &[inputs[0].clone(), index],
                    &out,
                    &[Attr::Int("axis", 1)],
                );
            }
            Op::ReduceChannels(how) => {
                let axes = format!("{name}.axes");
                self.initializers.push(int_tensor(&axes, &[1]));
                let op = match how {
                    Reduce::Mean => "ReduceMean",
                    Reduce::Max => "ReduceMax",
                    Reduce::Sum => "ReduceSum",
                };
                let keep = [Attr::Int("keepdims", 1)];
                self.node(op, name, &[inputs[0].clone(), axes], &out, &keep);
            }
            Op::LayerNorm(_) => {
                return Err("a normalisation over the channels is not written".into())
            }
        }
        if first_reordered.is_some() && reordered.is_none() && !matches!(layer.op, Op::Dense(_)) {
            return Err(format!(
                "layer {i} reads a channels-last flatten, which only a dense layer or an activation may"
            ));
        }
        self.outputs.push(out);
        self.reordered.push(reordered);
        Ok(())
    }

    fn conv(&mut self, name: &str, input: &str, out: &str, c: &Conv) {
        let dims = [
            c.filters,
            c.in_channels / c.groups,
            c.window.size[0],
            c.window.size[1],
        ];
        let w = self.weight(format!("{name}.weight"), &dims, &c.weight_oihw());
        let b = self.weight(format!("{name}.bias"), &[c.filters], &c.bias);
        let win = &c.window;
        let attrs = [
            Attr::Ints("kernel_shape", win.size.iter().map(|&v| v as i64).collect()),
            Attr::Ints("strides", win.stride.iter().map(|&v| v as i64).collect()),
            Attr::Ints(
                "dilations",
                win.dilation.iter().map(|&v| v as i64).collect(),
            ),
            Attr::Ints("pads", win.pads.iter().map(|&v| v as i64).collect()),
            Attr::Int("group", c.groups as i64),
        ];
        self.node("Conv", name, &[input.into(), w, b], out, &attrs);
    }

    fn pool(&mut self, op: &str, name: &str, input: &str, out: &str, p: &Pool) {
        let win = &p.window;
        let mut attrs = vec![
            Attr::Ints("kernel_shape", win.size.iter().map(|&v| v as i64).collect()),
            Attr::Ints("strides", win.stride.iter().map(|&v| v as i64).collect()),
            Attr::Ints("pads", win.pads.iter().map(|&v| v as i64).collect()),
            Attr::Int("ceil_mode", i64::from(win.ceil)),
        ];
        if op == "MaxPool" {
            attrs.push(Attr::Ints(
                "dilations",
                win.dilation.iter().map(|&v| v as i64).collect(),
            ));
        } else {
            attrs.push(Attr::Int("count_include_pad", i64::from(p.count_padding)));
        }
        self.node(op, name, &[input.into()], out, &attrs);
    }
}

impl LayerGraph {
    fn geometry_shape(&self, p: Place) -> Option<Vec<usize>> {
        nnitp_core::Network::geometry(self)
            .shape(p)
            .ok()
            .map(<[usize]>::to_vec)
    }
}

/// The model as ONNX bytes: input `image` `[batch, C, H, W]`, output
/// `scores` (the last layer).
///
/// # Errors
/// [`OnnxError::Node`] naming a layer ONNX's opset 18 has no node for here
/// (GELU, Clip, arithmetic by constants).
pub fn write(graph: &LayerGraph) -> Result<Vec<u8>, OnnxError> {
    let mut w = Writer {
        graph,
        nodes: Vec::new(),
        initializers: Vec::new(),
        outputs: Vec::new(),
        reordered: Vec::new(),
    };
    for (i, layer) in graph.layers().iter().enumerate() {
        w.layer(i, layer).map_err(|reason| OnnxError::Node {
            path: "<written>".into(),
            node: layer.name.clone(),
            op: layer.op.name().into(),
            reason,
        })?;
    }
    let [h, wd, c] = graph.input_shape();
    let dim = |d: Option<usize>| match d {
        Some(v) => Message::default().int(1, v as i64),
        None => Message::default().str(2, "batch"),
    };
    let shape = Message::default()
        .msg(1, dim(None))
        .msg(1, dim(Some(c)))
        .msg(1, dim(Some(h)))
        .msg(1, dim(Some(wd)));
    let input_type = Message::default().msg(1, Message::default().int(1, 1).msg(2, shape));
    let input = Message::default().str(1, "image").msg(2, input_type);
    let output_type = Message::default().msg(1, Message::default().int(1, 1));
    let output = Message::default().str(1, "scores").msg(2, output_type);
    let mut g = Message::default();
    for n in w.nodes {
        g = g.msg(1, n);
    }
    g = g.str(2, "nnitp");
    for t in w.initializers {
        g = g.msg(5, t);
    }
    g = g.msg(11, input).msg(12, output);
    let opset = Message::default().str(1, "").int(2, 18);
    Ok(Message::default()
        .int(1, 8)
        .msg(8, opset)
        .str(2, "nnitp")
        .msg(7, g)
        .0)
}
