//! Nodes computed from the image, each one layer of the graph.

use super::super::constant::Constant;
use super::super::error::OnnxError;
use super::super::proto::Node;
use super::attrs::{attr_float, attr_int, attr_ints, attr_str, node_error};
use super::fold::fold_arithmetic;
use super::{Importer, Layout, Val};
use crate::graph::{Affine, Conv, Dense, LayerNorm, Op, Order, Pool, Reduce, Window};

impl Importer<'_> {
    /// A layer of one input, its output of the input's shape and layout.
    pub(super) fn unary(&mut self, i: usize, node: &Node<'_>, op: Op) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        self.push_as(i, node, op, vec![place], dims, flat, layout);
        Ok(())
    }

    /// A `Dropout`'s ratio: its input 1 (opset 12 on) or its attribute
    /// `ratio` (before), 0.5 when neither is given; in `[0, 1)`, and the node
    /// not in training mode (which onnxruntime would run at random).
    pub(super) fn dropout_ratio(&self, node: &Node<'_>) -> Result<f64, OnnxError> {
        let ratio = match self.constant_at(node, 1)? {
            Some(c) => match c.floats()[..] {
                [r] => r,
                _ => return Err(node_error(self.path, node, "the ratio must be one number")),
            },
            None => attr_float(node, "ratio", 0.5),
        };
        if !(0.0..1.0).contains(&ratio) {
            return Err(node_error(
                self.path,
                node,
                format!("the ratio {ratio} is not in [0, 1)"),
            ));
        }
        if let Some(c) = self.constant_at(node, 2)? {
            if c.floats().iter().any(|&t| t != 0.0) {
                return Err(node_error(
                    self.path,
                    node,
                    "training mode is not supported (the output would be random)",
                ));
            }
        }
        Ok(f64::from(ratio))
    }

    pub(super) fn batch_norm(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        if attr_int(node, "training_mode", 0) != 0 {
            return Err(node_error(
                self.path,
                node,
                "training mode (batch statistics)",
            ));
        }
        let (place, dims, flat) = self.layer_at(node, 0)?;
        let c = dims[0];
        let mut params = Vec::new();
        for k in 1..=4 {
            let v = self
                .constant_at(node, k)?
                .ok_or_else(|| node_error(self.path, node, format!("input {k} is missing")))?
                .floats();
            if v.len() != c {
                return Err(node_error(
                    self.path,
                    node,
                    format!("{} statistics for {c} channels", v.len()),
                ));
            }
            params.push(v);
        }
        let eps = attr_float(node, "epsilon", 1e-5);
        let a = Affine::batch_norm(&params[0], &params[1], &params[2], &params[3], eps);
        self.push(i, node, Op::BatchNorm(a), vec![place], dims, flat);
        Ok(())
    }

    /// A window's explicit padding: `pads` (top, left, bottom, right) or
    /// `auto_pad`'s, for an input of `[h, w]`. A 1-d window (`one_d`: its
    /// attributes give one value per axis, `pads` begin and end) runs along
    /// the width of a map one pixel high.
    pub(super) fn window(
        &self,
        node: &Node<'_>,
        size: [usize; 2],
        [h, w]: [usize; 2],
        one_d: bool,
    ) -> Result<Window, OnnxError> {
        let pair = |name: &str| -> Result<[usize; 2], OnnxError> {
            match attr_ints(node, name) {
                None => Ok([1, 1]),
                Some(v) if v.iter().all(|&x| (1..=1 << 16).contains(&x)) => match v[..] {
                    [a, b] if !one_d => Ok([a as usize, b as usize]),
                    [a] if one_d => Ok([1, a as usize]),
                    _ => Err(node_error(self.path, node, format!("{name} {v:?}"))),
                },
                Some(v) => Err(node_error(self.path, node, format!("{name} {v:?}"))),
            }
        };
        let stride = pair("strides")?;
        let dilation = pair("dilations")?;
        let pads = match attr_str(node, "auto_pad").as_deref() {
            None | Some("NOTSET") => match attr_ints(node, "pads") {
                None => [0; 4],
                Some(p) if p.iter().all(|&x| (0..=1 << 16).contains(&x)) => match p[..] {
                    [t, l, b, r] if !one_d => [t as usize, l as usize, b as usize, r as usize],
                    [l, r] if one_d => [0, l as usize, 0, r as usize],
                    _ => return Err(node_error(self.path, node, format!("pads {p:?}"))),
                },
                Some(p) => return Err(node_error(self.path, node, format!("pads {p:?}"))),
            },
            Some("VALID") => [0; 4],
            Some(mode @ ("SAME_UPPER" | "SAME_LOWER")) => {
                let total = |d: usize, n: usize| {
                    let out = n.div_ceil(stride[d]);
                    ((out - 1) * stride[d] + (size[d] - 1) * dilation[d] + 1).saturating_sub(n)
                };
                let (th, tw) = (total(0, h), total(1, w));
                if mode == "SAME_UPPER" {
                    [th / 2, tw / 2, th - th / 2, tw - tw / 2]
                } else {
                    [th - th / 2, tw - tw / 2, th / 2, tw / 2]
                }
            }
            Some(other) => return Err(node_error(self.path, node, format!("auto_pad {other:?}"))),
        };
        Ok(Window {
            size,
            stride,
            dilation,
            pads,
            ceil: attr_int(node, "ceil_mode", 0) != 0,
        })
    }

    pub(super) fn conv(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        if let (_, dims, true) = self.layer_at(node, 0)? {
            return self.conv_on_pooled(i, node, dims);
        }
        let (place, [c, h, w]) = self.map_at(node, 0)?;
        let weight = self
            .constant_at(node, 1)?
            .ok_or_else(|| node_error(self.path, node, "no weights"))?;
        // a 1-d convolution's kernel [F, C, K] is one row high
        let (f, cg, kh, kw, one_d) = match weight.dims[..] {
            [f, cg, kh, kw] => (f, cg, kh, kw, false),
            [f, cg, k] if h == 1 => (f, cg, 1, k, true),
            _ => {
                return Err(node_error(
                    self.path,
                    node,
                    format!(
                        "weights of dimensions {:?} on a map of {:?}; nnitp runs 2-d convolutions, and 1-d ones on series",
                        weight.dims,
                        [c, h, w]
                    ),
                ))
            }
        };
        if let Some(k) = attr_ints(node, "kernel_shape") {
            let given: Vec<i64> = if one_d {
                vec![kw as i64]
            } else {
                vec![kh as i64, kw as i64]
            };
            if k != given {
                return Err(node_error(
                    self.path,
                    node,
                    format!("kernel_shape {k:?} but weights {:?}", weight.dims),
                ));
            }
        }
        let groups = usize::try_from(attr_int(node, "group", 1))
            .map_err(|_| node_error(self.path, node, "a negative group count"))?;
        let bias = self.constant_at(node, 2)?.map(|b| b.floats());
        let window = self.window(node, [kh, kw], [h, w], one_d)?;
        let conv = Conv::new(window, c, groups, &weight.floats(), [f, cg, kh, kw], bias)
            .map_err(|e| node_error(self.path, node, e.to_string()))?;
        let out = self.out_dims(node, &Op::Conv2d(conv.clone()), [h, w, c])?;
        self.push(i, node, Op::Conv2d(conv), vec![place], out, false);
        Ok(())
    }

    /// A 1x1 convolution on a globally pooled `[C, 1, 1]` (stored flat): a
    /// dense layer, its output `[F, 1, 1]` stored flat too (the
    /// squeeze-excitation of EfficientNet, MobileNetV3, RegNetY).
    fn conv_on_pooled(
        &mut self,
        i: usize,
        node: &Node<'_>,
        dims: Vec<usize>,
    ) -> Result<(), OnnxError> {
        let (place, _, _) = self.layer_at(node, 0)?;
        let weight = self
            .constant_at(node, 1)?
            .ok_or_else(|| node_error(self.path, node, "no weights"))?;
        let unit = |name: &str, one: i64| {
            attr_ints(node, name).is_none_or(|v| v.iter().all(|&x| x == one))
        };
        let plain = unit("strides", 1) && unit("dilations", 1) && unit("pads", 0);
        let auto = attr_str(node, "auto_pad");
        let c = dims[0];
        let fits = matches!(weight.dims[..], [_, cg, 1, 1] if cg == c)
            && dims[1..].iter().all(|&d| d == 1)
            && attr_int(node, "group", 1) == 1
            && plain
            && matches!(auto.as_deref(), None | Some("NOTSET" | "VALID"));
        if !fits {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "weights of dimensions {:?} on a pooled {dims:?}; nnitp runs 1x1 convolutions of one group there",
                    weight.dims
                ),
            ));
        }
        let f = weight.dims[0];
        let matrix = Constant {
            dims: vec![f, c],
            values: super::super::constant::Values::Float(weight.floats()),
        };
        let dense = self.dense(node, c, &matrix, true, 1.0, self.constant_at(node, 2)?, 1.0)?;
        self.push(i, node, Op::Dense(dense), vec![place], vec![f, 1, 1], true);
        Ok(())
    }

    /// ONNX's `[C, H, W]` of a window layer's output, from the geometry's
    /// rule.
    pub(super) fn out_dims(
        &self,
        node: &Node<'_>,
        op: &Op,
        [h, w, c]: [usize; 3],
    ) -> Result<Vec<usize>, OnnxError> {
        let s = op
            .kind(true)
            .output_shape(&[h, w, c])
            .map_err(|e| node_error(self.path, node, e))?;
        Ok(vec![s[2], s[0], s[1]])
    }

    pub(super) fn pool(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, [c, h, w]) = self.map_at(node, 0)?;
        let kernel = attr_ints(node, "kernel_shape");
        let in_range = |k: &[i64]| k.iter().all(|&x| (1..=1 << 16).contains(&x));
        let (size, one_d) = match kernel.as_deref() {
            Some(&[a, b]) if in_range(&[a, b]) => ([a as usize, b as usize], false),
            // 1-d pooling, along a series
            Some(&[a]) if h == 1 && in_range(&[a]) => ([1, a as usize], true),
            k => {
                let why = format!("kernel_shape {k:?}; nnitp runs 2-d pooling, and 1-d on series");
                return Err(node_error(self.path, node, why));
            }
        };
        let window = self.window(node, size, [h, w], one_d)?;
        let op = if node.op_type == "MaxPool" {
            Op::MaxPool2d(Pool {
                window,
                count_padding: false,
            })
        } else {
            if window.dilation != [1, 1] {
                return Err(node_error(self.path, node, "a dilated average pool"));
            }
            Op::AvgPool2d(Pool {
                window,
                count_padding: attr_int(node, "count_include_pad", 0) != 0,
            })
        };
        let out = self.out_dims(node, &op, [h, w, c])?;
        self.push(i, node, op, vec![place], out, false);
        Ok(())
    }

    /// `ReduceMean`, `ReduceMax` (and `ReduceSum` over the channels) of a
    /// map: over its rows and columns, a global pooling; over its channels,
    /// one channel of each position.
    pub(super) fn reduce(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        let axes = if self.opset >= 18 || node.op_type == "ReduceSum" && self.opset >= 13 {
            self.constant_at(node, 1)?
                .and_then(|a| a.as_ints().map(<[i64]>::to_vec))
        } else {
            attr_ints(node, "axes")
        };
        let rank = dims.len() as i64 + 1;
        let mut axes: Vec<i64> = axes
            .unwrap_or_default()
            .iter()
            .map(|&a| if a < 0 { a + rank } else { a })
            .collect();
        axes.sort_unstable();
        let keep = attr_int(node, "keepdims", 1) != 0;
        let [rows, cols, channel] = layout.map_axes().map(|a| a as i64);
        let spatial = [rows, cols];
        let map = !flat && dims.len() == 3;
        if map && axes == spatial && node.op_type != "ReduceSum" {
            let op = if node.op_type == "ReduceMax" {
                Op::GlobalMaxPool
            } else {
                Op::GlobalAvgPool
            };
            let c = dims[channel as usize - 1];
            let (dims, layout) = match (keep, layout) {
                (false, _) => (vec![c], Layout::ChannelsFirst),
                (true, Layout::ChannelsFirst) => (vec![c, 1, 1], layout),
                (true, Layout::ChannelsLast) => (vec![1, 1, c], layout),
            };
            self.push_as(i, node, op, vec![place], dims, true, layout);
            return Ok(());
        }
        if map && axes == [channel] && keep {
            let how = match node.op_type.as_str() {
                "ReduceMax" => Reduce::Max,
                "ReduceSum" => Reduce::Sum,
                _ => Reduce::Mean,
            };
            let mut out = dims.clone();
            out[channel as usize - 1] = 1;
            self.push_as(
                i,
                node,
                Op::ReduceChannels(how),
                vec![place],
                out,
                false,
                layout,
            );
            return Ok(());
        }
        Err(node_error(
            self.path,
            node,
            format!(
                "a reduction over axes {axes:?} of {dims:?} (keepdims {keep}); nnitp runs one over rows and columns {spatial:?}, or over the channels ({channel}) keeping them"
            ),
        ))
    }

    /// A layer flattened to `[N, K]` in ONNX's order of its axes: channels
    /// first (PyTorch's), or channels last for a Keras or JAX layout.
    pub(super) fn flatten(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, _, layout) = self.any_layer_at(node, 0)?;
        let k = dims.iter().product();
        let order = match layout {
            Layout::ChannelsFirst => Order::ChannelsFirst,
            Layout::ChannelsLast => Order::ChannelsLast,
        };
        self.push(i, node, Op::Flatten(order), vec![place], vec![k], true);
        Ok(())
    }

    pub(super) fn reshape(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        if let Some(Val::Const(_)) = self.input_at(node, 0)? {
            return Err(node_error(self.path, node, "a reshape of a constant"));
        }
        let target = self
            .constant_at(node, 1)?
            .and_then(|t| t.as_ints().map(<[i64]>::to_vec))
            .ok_or_else(|| {
                node_error(
                    self.path,
                    node,
                    "the target shape must be a constant of integers",
                )
            })?;
        if let Some(Val::Grouped { .. }) = self.input_at(node, 0)? {
            return self.ungroup(i, node, &target);
        }
        let (_, dims, _, _) = self.any_layer_at(node, 0)?;
        let k: usize = dims.iter().product();
        let second_ok = |d: i64| d == -1 || d == k as i64 || (d == 0 && dims.len() == 1);
        match target[..] {
            [_, d] if second_ok(d) => self.flatten(i, node),
            [_, _, _, _] => self.relabel_reshape(node, &target),
            [_, _, _, _, _] => self.group_channels(node, &target),
            _ => Err(node_error(
                self.path,
                node,
                format!("a reshape of {dims:?} to {target:?} (nnitp runs the reshapes that flatten to [N, {k}])"),
            )),
        }
    }

    pub(super) fn squeeze(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (_, dims, _, _) = self.any_layer_at(node, 0)?;
        let axes = if self.opset >= 13 {
            self.constant_at(node, 1)?
                .and_then(|a| a.as_ints().map(<[i64]>::to_vec))
        } else {
            attr_ints(node, "axes")
        };
        let rank = dims.len() as i64 + 1;
        let axes: Vec<i64> = match axes {
            Some(a) => a
                .iter()
                .map(|&x| if x < 0 { x + rank } else { x })
                .collect(),
            None => (1..rank).filter(|&x| dims[x as usize - 1] == 1).collect(),
        };
        let kept = (1..rank).filter(|x| !axes.contains(x)).count();
        let squeezed_ones = axes
            .iter()
            .all(|&x| x >= 1 && x < rank && dims[x as usize - 1] == 1);
        if kept == 1 && squeezed_ones {
            self.flatten(i, node)
        } else {
            Err(node_error(
                self.path,
                node,
                format!(
                    "a squeeze of axes {axes:?} of {dims:?}; nnitp runs the squezes that flatten"
                ),
            ))
        }
    }

    pub(super) fn gemm(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat) = self.layer_at(node, 0)?;
        if !(flat || dims.len() == 1) {
            return Err(node_error(
                self.path,
                node,
                format!("a Gemm on a layer of dimensions {dims:?}; ONNX's Gemm takes [N, K]"),
            ));
        }
        if attr_int(node, "transA", 0) != 0 {
            return Err(node_error(self.path, node, "transA"));
        }
        let b = self
            .constant_at(node, 1)?
            .ok_or_else(|| node_error(self.path, node, "no weights"))?;
        let inputs: usize = dims.iter().product();
        let trans = attr_int(node, "transB", 0) != 0;
        let (alpha, beta) = (
            attr_float(node, "alpha", 1.0),
            attr_float(node, "beta", 1.0),
        );
        let dense = self.dense(
            node,
            inputs,
            &b,
            trans,
            alpha,
            self.constant_at(node, 2)?,
            beta,
        )?;
        let units = dense.units;
        self.push(i, node, Op::Dense(dense), vec![place], vec![units], true);
        Ok(())
    }

    pub(super) fn matmul(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        if let (_, _, false, Layout::ChannelsLast) = self.any_layer_at(node, 0)? {
            return self.pointwise(i, node);
        }
        let (place, dims, flat) = self.layer_at(node, 0)?;
        if !(flat || dims.len() == 1) {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a product with a layer of dimensions {dims:?}; nnitp runs [N, K] x [K, M]"
                ),
            ));
        }
        let b = self
            .constant_at(node, 1)?
            .ok_or_else(|| node_error(self.path, node, "the right operand must be a constant"))?;
        let dense = self.dense(node, dims.iter().product(), &b, false, 1.0, None, 1.0)?;
        let units = dense.units;
        self.push(i, node, Op::Dense(dense), vec![place], vec![units], true);
        Ok(())
    }

    /// A product of a channels-last map `[H, W, C]` with constant weights
    /// `[C, F]` (a linear layer on each position, as ConvNeXt's): a 1x1
    /// convolution, its output channels last.
    fn pointwise(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, _, _) = self.any_layer_at(node, 0)?;
        let b = self
            .constant_at(node, 1)?
            .ok_or_else(|| node_error(self.path, node, "the right operand must be a constant"))?;
        let (&[h, w, c], &[k, f]) = (&dims[..], &b.dims[..]) else {
            return Err(node_error(
                self.path,
                node,
                format!("a product of {dims:?} and weights of {:?}", b.dims),
            ));
        };
        if k != c {
            return Err(node_error(
                self.path,
                node,
                format!("weights for {k} channels on a map of {c}"),
            ));
        }
        // [C, F] to the kernel's [F, C, 1, 1]
        let v = b.floats();
        let kernel: Vec<f32> = (0..f * c).map(|j| v[(j % c) * f + j / c]).collect();
        let window = Window {
            size: [1, 1],
            stride: [1, 1],
            dilation: [1, 1],
            pads: [0; 4],
            ceil: false,
        };
        let conv = Conv::new(window, c, 1, &kernel, [f, c, 1, 1], None)
            .map_err(|e| node_error(self.path, node, e.to_string()))?;
        let op = Op::Conv2d(conv);
        self.push_as(
            i,
            node,
            op,
            vec![place],
            vec![h, w, f],
            false,
            Layout::ChannelsLast,
        );
        Ok(())
    }

    /// `LayerNormalization` over the channels: the last axis of a
    /// channels-last map, or of a flat layer.
    pub(super) fn layer_norm(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        let rank = dims.len() as i64 + 1;
        let axis = attr_int(node, "axis", -1);
        let axis = if axis < 0 { axis + rank } else { axis };
        let channels = *dims.last().unwrap_or(&0);
        let over_channels = axis == rank - 1
            && (layout == Layout::ChannelsLast
                || dims.len() == 1
                || (flat && dims.iter().product::<usize>() == channels));
        if !over_channels {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a normalisation from axis {axis} of {dims:?}; nnitp normalises over the channels of a channels-last map or a flat layer"
                ),
            ));
        }
        let read = |k: usize, default: f32| -> Result<Vec<f32>, OnnxError> {
            Ok(match self.constant_at(node, k)? {
                Some(c) => c.floats(),
                None => vec![default; channels],
            })
        };
        let (gamma, beta) = (read(1, 1.0)?, read(2, 0.0)?);
        if gamma.len() != channels || beta.len() != channels {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "{} scales and {} offsets for {channels} channels",
                    gamma.len(),
                    beta.len()
                ),
            ));
        }
        let eps = attr_float(node, "epsilon", 1e-5);
        let op = Op::LayerNorm(LayerNorm { gamma, beta, eps });
        self.push_as(i, node, op, vec![place], dims, flat, layout);
        Ok(())
    }

    /// A dense layer of `inputs` inputs from a weight matrix (`[inputs,
    /// units]`, or `[units, inputs]` when `trans`) and a bias.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn dense(
        &self,
        node: &Node<'_>,
        inputs: usize,
        b: &Constant,
        trans: bool,
        alpha: f32,
        bias: Option<Constant>,
        beta: f32,
    ) -> Result<Dense, OnnxError> {
        let [r, c] = b.dims[..] else {
            return Err(node_error(
                self.path,
                node,
                format!("weights of dimensions {:?}", b.dims),
            ));
        };
        let (k, units) = if trans { (c, r) } else { (r, c) };
        if k != inputs {
            return Err(node_error(
                self.path,
                node,
                format!("weights for {k} inputs on a layer of {inputs}"),
            ));
        }
        let v = b.floats();
        let mut weight = vec![0f32; k * units];
        for row in 0..r {
            for col in 0..c {
                let (x, y) = if trans { (col, row) } else { (row, col) };
                weight[x * units + y] = v[row * c + col] * alpha;
            }
        }
        let bias = match bias {
            None => vec![0.0; units],
            Some(b) => {
                let v = b.floats();
                match v.len() {
                    1 => vec![v[0] * beta; units],
                    n if n == units => v.iter().map(|x| x * beta).collect(),
                    n => {
                        return Err(node_error(
                            self.path,
                            node,
                            format!("{n} biases for {units} units"),
                        ))
                    }
                }
            }
        };
        Ok(Dense {
            inputs,
            units,
            weight,
            bias,
            softmax: false,
        })
    }

    pub(super) fn arithmetic(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let a = self.input_at(node, 0)?;
        let b = self.input_at(node, 1)?;
        let op = node.op_type.as_str();
        match (a, b) {
            (Some(Val::Const(x)), Some(Val::Const(y))) => {
                let c = fold_arithmetic(op, &x, &y).ok_or_else(|| {
                    node_error(self.path, node, "arithmetic on constants of unequal shapes")
                })?;
                self.set(node, Val::Const(c));
                Ok(())
            }
            (Some(Val::Layer { .. }), Some(Val::Layer { .. })) => self.binary(i, node),
            (Some(Val::Layer { .. }), Some(Val::Const(c))) => {
                let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
                let k = self.per_channel(node, &dims, layout, &c)?;
                let affine = match op {
                    "Add" => Affine {
                        scale: vec![1.0],
                        shift: k,
                    },
                    "Sub" => Affine {
                        scale: vec![1.0],
                        shift: k.iter().map(|v| -v).collect(),
                    },
                    "Mul" => Affine {
                        scale: k,
                        shift: vec![0.0],
                    },
                    _ => Affine {
                        scale: k.iter().map(|v| 1.0 / v).collect(),
                        shift: vec![0.0],
                    },
                };
                self.push_as(i, node, Op::Scale(affine), vec![place], dims, flat, layout);
                Ok(())
            }
            (Some(Val::Const(c)), Some(Val::Layer { .. })) => {
                let (place, dims, flat, layout) = self.any_layer_at(node, 1)?;
                let k = self.per_channel(node, &dims, layout, &c)?;
                let affine = match op {
                    "Add" => Affine {
                        scale: vec![1.0],
                        shift: k,
                    },
                    "Sub" => Affine {
                        scale: vec![-1.0],
                        shift: k,
                    },
                    "Mul" => Affine {
                        scale: k,
                        shift: vec![0.0],
                    },
                    _ => return Err(node_error(self.path, node, "a constant divided by a layer")),
                };
                self.push_as(i, node, Op::Scale(affine), vec![place], dims, flat, layout);
                Ok(())
            }
            _ => Err(node_error(self.path, node, "needs two inputs")),
        }
    }

    /// A constant broadcast over a layer: one value, or one per channel
    /// (`[C, 1, 1]` on a channels-first map, `[C]` or `[1, 1, C]` on a
    /// channels-last one, `[K]` on a flat layer).
    pub(super) fn per_channel(
        &self,
        node: &Node<'_>,
        dims: &[usize],
        layout: Layout,
        c: &Constant,
    ) -> Result<Vec<f32>, OnnxError> {
        let v = c.floats();
        let full: Vec<usize> = std::iter::once(1).chain(dims.iter().copied()).collect();
        let channel_axis = layout.channel_axis(full.len());
        let channels = full[channel_axis];
        let cd = &c.dims;
        let fits = cd.len() <= full.len() && {
            let off = full.len() - cd.len();
            cd.iter().enumerate().all(|(k, &d)| {
                let axis = k + off;
                d == 1 || (axis == channel_axis && d == channels)
            })
        };
        if !fits || (v.len() != 1 && v.len() != channels) {
            return Err(node_error(
                self.path,
                node,
                format!("a constant of dimensions {cd:?} on a layer of {dims:?}; nnitp takes one value or one per channel"),
            ));
        }
        Ok(v)
    }

    pub(super) fn concat(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let mut places = Vec::new();
        let mut shapes = Vec::new();
        for k in 0..node.inputs.len() {
            let (p, d, f, layout) = self.any_layer_at(node, k)?;
            places.push(p);
            shapes.push((d, f, layout));
        }
        let (first, flat, layout) = shapes
            .first()
            .cloned()
            .ok_or_else(|| node_error(self.path, node, "no inputs"))?;
        if let [only] = &places[..] {
            // a concatenation of one input is that input
            let v = Val::Layer {
                place: *only,
                dims: first,
                flat,
                layout,
            };
            self.set(node, v);
            return Ok(());
        }
        let rank = first.len() as i64 + 1;
        let channel_axis = layout.channel_axis(rank as usize) as i64;
        let axis = attr_int(node, "axis", 1);
        if axis != channel_axis && axis != channel_axis - rank {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a concatenation along axis {axis}; nnitp runs one along the channels (axis {channel_axis})"
                ),
            ));
        }
        let c = (channel_axis - 1) as usize;
        let others = |d: &[usize]| -> Vec<usize> {
            d.iter()
                .enumerate()
                .filter(|&(k, _)| k != c)
                .map(|(_, &x)| x)
                .collect()
        };
        if shapes.iter().any(|(d, f, l)| {
            *f != flat || *l != layout || d.len() != first.len() || others(d) != others(&first)
        }) {
            return Err(node_error(
                self.path,
                node,
                "inputs that differ but for the channels",
            ));
        }
        let mut dims = first.clone();
        dims[c] = shapes.iter().map(|(d, _, _)| d[c]).sum();
        self.push_as(i, node, Op::Concat, places, dims, flat, layout);
        Ok(())
    }
}
