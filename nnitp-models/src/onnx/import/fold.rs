//! Nodes on constants alone (`Constant`, shape arithmetic), folded into
//! constants.

use super::super::constant::{self, Constant, Values};
use super::super::error::OnnxError;
use super::super::proto::Node;
use super::attrs::{attr, attr_int, node_error};
use super::{Importer, Val, BATCH};

impl Importer<'_> {
    pub(super) fn constant_node(&mut self, node: &Node<'_>) -> Result<(), OnnxError> {
        let c = if let Some(t) = attr(node, "value").and_then(|a| a.t.as_ref()) {
            constant::read(t, self.path)?
        } else if let Some(v) = attr(node, "value_float").and_then(|a| a.f) {
            Constant {
                dims: vec![],
                values: Values::Float(vec![v]),
            }
        } else if let Some(a) = attr(node, "value_floats") {
            Constant {
                dims: vec![a.floats.len()],
                values: Values::Float(a.floats.clone()),
            }
        } else if let Some(v) = attr(node, "value_int").and_then(|a| a.i) {
            Constant {
                dims: vec![],
                values: Values::Int(vec![v]),
            }
        } else if let Some(a) = attr(node, "value_ints") {
            Constant::ints(a.ints.clone())
        } else {
            return Err(node_error(
                self.path,
                node,
                "a constant of a kind nnitp does not read",
            ));
        };
        self.set(node, Val::Const(c));
        Ok(())
    }

    /// Shape arithmetic on constants (and on a layer's known shape).
    pub(super) fn fold(&mut self, node: &Node<'_>) -> Result<(), OnnxError> {
        let c = match node.op_type.as_str() {
            "Shape" => match self.input_at(node, 0)? {
                Some(Val::Layer { dims, flat, .. }) => {
                    let mut s = vec![BATCH];
                    if flat {
                        s.push(dims.iter().product::<usize>() as i64);
                    } else {
                        s.extend(dims.iter().map(|&d| d as i64));
                    }
                    Constant::ints(s)
                }
                Some(Val::Const(c)) => Constant::ints(c.dims.iter().map(|&d| d as i64).collect()),
                _ => return Err(node_error(self.path, node, "no input")),
            },
            "Gather" => {
                let data = self.constant_at(node, 0)?.expect("checked above");
                let index = self
                    .constant_at(node, 1)?
                    .ok_or_else(|| node_error(self.path, node, "no indices"))?;
                let (Some(data), Some(idx)) = (data.as_ints(), index.as_ints()) else {
                    return Err(node_error(self.path, node, "gathers from a float constant"));
                };
                if attr_int(node, "axis", 0) != 0 {
                    return Err(node_error(
                        self.path,
                        node,
                        "a gather along another axis than 0",
                    ));
                }
                let picked = idx
                    .iter()
                    .map(|&k| {
                        let k = if k < 0 { k + data.len() as i64 } else { k };
                        usize::try_from(k).ok().and_then(|k| data.get(k)).copied()
                    })
                    .collect::<Option<Vec<i64>>>()
                    .ok_or_else(|| node_error(self.path, node, "an index out of range"))?;
                Constant {
                    dims: index.dims.clone(),
                    values: Values::Int(picked),
                }
            }
            "Unsqueeze" | "Cast" => {
                let mut c = self.constant_at(node, 0)?.expect("checked above");
                if node.op_type == "Unsqueeze" {
                    c.dims = vec![c.dims.iter().product()];
                }
                c
            }
            _ => unreachable!("only the folded kinds come here"),
        };
        self.set(node, Val::Const(c));
        Ok(())
    }
}

/// Element-wise arithmetic on two constants of one size (or one scalar).
pub(super) fn fold_arithmetic(op: &str, x: &Constant, y: &Constant) -> Option<Constant> {
    let (a, b) = (x.floats(), y.floats());
    let n = a.len().max(b.len());
    if !(a.len() == n || a.len() == 1) || !(b.len() == n || b.len() == 1) {
        return None;
    }
    let dims = if a.len() == n {
        x.dims.clone()
    } else {
        y.dims.clone()
    };
    let at = |v: &[f32], k: usize| v[if v.len() == 1 { 0 } else { k }];
    let ints = matches!(x.values, Values::Int(_)) && matches!(y.values, Values::Int(_));
    if ints {
        let (a, b) = (x.as_ints()?, y.as_ints()?);
        let at = |v: &[i64], k: usize| v[if v.len() == 1 { 0 } else { k }];
        let v = (0..n)
            .map(|k| {
                let (p, q) = (at(a, k), at(b, k));
                match op {
                    "Add" => p.checked_add(q),
                    "Sub" => p.checked_sub(q),
                    "Mul" => p.checked_mul(q),
                    _ => p.checked_div(q),
                }
            })
            .collect::<Option<Vec<_>>>()?;
        return Some(Constant {
            dims,
            values: Values::Int(v),
        });
    }
    let v = (0..n)
        .map(|k| {
            let (p, q) = (at(&a, k), at(&b, k));
            match op {
                "Add" => p + q,
                "Sub" => p - q,
                "Mul" => p * q,
                _ => p / q,
            }
        })
        .collect();
    Some(Constant {
        dims,
        values: Values::Float(v),
    })
}
