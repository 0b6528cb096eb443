//! Element-wise operators of two inputs: `Add`, `Sub`, `Mul`, `Div`, `Max`,
//! `Min`, `Pow` of two layers with NumPy's broadcasting (SiLU's `x *
//! sigmoid(x)`, squeeze-excitation's gate over a map), and `Max`, `Min`,
//! `Pow` of a layer and one constant.

use super::super::error::OnnxError;
use super::super::proto::Node;
use super::attrs::node_error;
use super::{Importer, Val};
use crate::graph::{Activation, Binary, Op};

impl Importer<'_> {
    /// `Add`, `Sub`, `Mul`, `Div`, `Max`, `Min` or `Pow` of two layers, or
    /// (`Max`, `Min`, `Pow`) of a layer and a scalar constant.
    pub(super) fn binary(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let op = match node.op_type.as_str() {
            "Add" => Binary::Add,
            "Sub" => Binary::Sub,
            "Mul" => Binary::Mul,
            "Div" => Binary::Div,
            "Max" => Binary::Max,
            "Min" => Binary::Min,
            _ => Binary::Pow,
        };
        if node.inputs.len() != 2 {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "{} inputs; nnitp runs {} of two",
                    node.inputs.len(),
                    op.onnx_name()
                ),
            ));
        }
        if let Some(Val::Const(c)) = self.input_at(node, 1)? {
            return self.with_scalar(i, node, op, &c.floats());
        }
        let (p, d, f, l) = self.any_layer_at(node, 0)?;
        let (q, e, g, m) = self.any_layer_at(node, 1)?;
        if d == e && f == g && l == m {
            let op = match op {
                Binary::Add => Op::Add,
                _ => Op::Binary(op),
            };
            self.push_as(i, node, op, vec![p, q], d, f, l);
            return Ok(());
        }
        // one operand a map, the other broadcast over it: ONNX's broadcast
        // of the two must be the map's dimensions, and the values' own
        // (channels-last) shapes must broadcast to the map's alike
        let onnx = |x: &[usize], y: &[usize]| -> Option<Vec<usize>> {
            let rank = x.len().max(y.len());
            let pad = |s: &[usize]| {
                let mut v = vec![1; rank - s.len()];
                v.extend_from_slice(s);
                v
            };
            let (x, y) = (pad(x), pad(y));
            x.iter()
                .zip(&y)
                .map(|(&a, &b)| match (a, b) {
                    _ if a == b => Some(a),
                    (1, b) => Some(b),
                    (a, 1) => Some(a),
                    _ => None,
                })
                .collect()
        };
        let (sd, se) = (l.stored(&d, f), m.stored(&e, g));
        let (map, map_flat, layout) = if sd.len() >= se.len() {
            (&d, f, l)
        } else {
            (&e, g, m)
        };
        let stored_map = layout.stored(map, map_flat);
        let through_onnx = onnx(&d, &e).as_deref() == Some(map.as_slice());
        let through_values = onnx(&sd, &se).as_deref() == Some(stored_map.as_slice());
        // a channels-first map's gate must sit on the channel axis alone
        let on_channels = |x: &[usize], x_flat: bool, other: &[usize]| {
            !x_flat || x.len() != 3 || other.len() != 3 || x[1..] == [1, 1]
        };
        if !(through_onnx && through_values && on_channels(&d, f, &e) && on_channels(&e, g, &d)) {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "{} of layers of dimensions {d:?} and {e:?}; nnitp broadcasts one value or one per channel over a map",
                    op.onnx_name()
                ),
            ));
        }
        let (dims, flat) = (map.clone(), map_flat);
        self.push_as(i, node, Op::Binary(op), vec![p, q], dims, flat, layout);
        Ok(())
    }

    /// `op` of a layer and one constant value: a clip (`Max`, `Min`) or a
    /// power (`Pow`).
    fn with_scalar(
        &mut self,
        i: usize,
        node: &Node<'_>,
        op: Binary,
        c: &[f32],
    ) -> Result<(), OnnxError> {
        let &[v] = c else {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "{} with a constant of {} values; nnitp takes one",
                    op.onnx_name(),
                    c.len()
                ),
            ));
        };
        let a = match op {
            Binary::Max => Activation::Clip {
                min: v,
                max: f32::MAX,
            },
            Binary::Min => Activation::Clip {
                min: f32::MIN,
                max: v,
            },
            Binary::Pow => Activation::Pow(v),
            _ => unreachable!("Add, Sub, Mul and Div with a constant are a scale"),
        };
        self.unary(i, node, Op::Activation(a))
    }
}

impl Importer<'_> {
    /// `Greater` or `Less` of a layer and one constant value (either
    /// side): 1 where it holds, else 0.
    pub(super) fn comparison(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let greater = node.op_type == "Greater";
        let (layer_first, c) = match (self.input_at(node, 0)?, self.input_at(node, 1)?) {
            (Some(Val::Layer { .. }), Some(Val::Const(c))) => (true, c),
            (Some(Val::Const(c)), Some(Val::Layer { .. })) => (false, c),
            _ => {
                return Err(node_error(
                    self.path,
                    node,
                    "nnitp compares a layer with one constant value",
                ))
            }
        };
        let &[t] = &c.floats()[..] else {
            return Err(node_error(self.path, node, "a comparison with many values"));
        };
        let a = match greater == layer_first {
            true => Activation::Above(t),
            false => Activation::Below(t),
        };
        let (place, dims, flat, layout) = self.any_layer_at(node, usize::from(!layer_first))?;
        self.push_as(i, node, Op::Activation(a), vec![place], dims, flat, layout);
        Ok(())
    }

    /// `Where` of three layers of one shape (the first a comparison).
    pub(super) fn select(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let mut places = Vec::new();
        let mut shapes = Vec::new();
        for k in 0..3 {
            let (p, d, f, l) = self.any_layer_at(node, k)?;
            places.push(p);
            shapes.push((d, f, l));
        }
        if shapes.iter().any(|s| s != &shapes[0]) {
            return Err(node_error(
                self.path,
                node,
                "a selection among layers of different shapes",
            ));
        }
        let (d, f, l) = shapes.swap_remove(0);
        self.push_as(i, node, Op::Where, places, d, f, l);
        Ok(())
    }
}
