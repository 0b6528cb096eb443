//! Tensor operators on constants alone, folded into constants: the shape
//! arithmetic PyTorch's, tf2onnx's and jax2onnx's exporters write around
//! paddings and reshapes (`ConstantOfShape`, `Concat`, `Reshape`, `Slice`,
//! `Squeeze`).

use super::super::constant::{Constant, Values};
use super::super::error::OnnxError;
use super::super::proto::Node;
use super::attrs::{attr, attr_int, attr_ints, node_error};
use super::{Importer, Val};

/// The most values a folded constant may hold.
const MAX_FOLDED: usize = 1 << 20;

impl Importer<'_> {
    /// Folds one of this module's operators on constant inputs.
    pub(super) fn fold_tensor(&mut self, node: &Node<'_>) -> Result<(), OnnxError> {
        let bad = |why: String| node_error(self.path, node, why);
        let input = |k: usize| -> Result<Constant, OnnxError> {
            self.constant_at(node, k)?
                .ok_or_else(|| node_error(self.path, node, format!("input {k} is missing")))
        };
        let ints = |k: usize| -> Result<Option<Vec<i64>>, OnnxError> {
            Ok(match self.constant_at(node, k)? {
                None => None,
                Some(c) => Some(
                    c.as_ints()
                        .ok_or_else(|| bad(format!("input {k} must be integers")))?
                        .to_vec(),
                ),
            })
        };
        let c = match node.op_type.as_str() {
            "ConstantOfShape" => {
                let dims = shape_of(&ints(0)?.unwrap_or_default()).ok_or_else(|| {
                    bad(format!("a shape of at most {MAX_FOLDED} values is wanted"))
                })?;
                let n = dims.iter().product();
                let value = match attr(node, "value").and_then(|a| a.t.as_ref()) {
                    Some(t) => super::super::constant::read(t, self.path)?,
                    None => Constant {
                        dims: vec![1],
                        values: Values::Float(vec![0.0]),
                    },
                };
                let values = match value.values {
                    Values::Float(v) => Values::Float(vec![v.first().copied().unwrap_or(0.0); n]),
                    Values::Int(v) => Values::Int(vec![v.first().copied().unwrap_or(0); n]),
                };
                Constant { dims, values }
            }
            "Concat" => {
                let parts = (0..node.inputs.len())
                    .map(input)
                    .collect::<Result<Vec<_>, _>>()?;
                concat(&parts, attr_int(node, "axis", 0)).ok_or_else(|| {
                    bad("constants that do not concatenate along that axis".into())
                })?
            }
            "Reshape" => {
                let c = input(0)?;
                let target = ints(1)?.ok_or_else(|| bad("no target shape".into()))?;
                let dims = reshaped(&c.dims, &target)
                    .ok_or_else(|| bad(format!("a reshape of {:?} to {target:?}", c.dims)))?;
                Constant { dims, ..c }
            }
            "Squeeze" => {
                let c = input(0)?;
                let axes = if self.opset >= 13 {
                    ints(1)?
                } else {
                    attr_ints(node, "axes")
                };
                let rank = c.dims.len() as i64;
                let axes: Vec<i64> = axes
                    .unwrap_or_else(|| (0..rank).filter(|&a| c.dims[a as usize] == 1).collect())
                    .iter()
                    .map(|&a| if a < 0 { a + rank } else { a })
                    .collect();
                if axes
                    .iter()
                    .any(|&a| !(0..rank).contains(&a) || c.dims[a as usize] != 1)
                {
                    return Err(bad(format!("a squeeze of axes {axes:?} of {:?}", c.dims)));
                }
                let dims = (0..c.dims.len())
                    .filter(|&a| !axes.contains(&(a as i64)))
                    .map(|a| c.dims[a])
                    .collect();
                Constant { dims, ..c }
            }
            "Slice" => {
                let c = input(0)?;
                let (starts, ends) = if self.opset >= 10 {
                    (ints(1)?.unwrap_or_default(), ints(2)?.unwrap_or_default())
                } else {
                    (
                        attr_ints(node, "starts").unwrap_or_default(),
                        attr_ints(node, "ends").unwrap_or_default(),
                    )
                };
                let axes = if self.opset >= 10 {
                    ints(3)?
                } else {
                    attr_ints(node, "axes")
                };
                let steps = if self.opset >= 10 { ints(4)? } else { None };
                slice(&c, &starts, &ends, axes.as_deref(), steps.as_deref())
                    .ok_or_else(|| bad(format!("a slice of a constant of {:?}", c.dims)))?
            }
            _ => unreachable!("only this module's operators come here"),
        };
        self.set(node, Val::Const(c));
        Ok(())
    }
}

/// A shape given as integers, if every one is a size and the whole is small.
fn shape_of(v: &[i64]) -> Option<Vec<usize>> {
    let dims: Vec<usize> = v
        .iter()
        .map(|&d| usize::try_from(d).ok())
        .collect::<Option<_>>()?;
    let n = dims.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    (n <= MAX_FOLDED).then_some(dims)
}

/// `dims` reshaped to `target` (`0` keeps a dimension, one `-1` takes what
/// remains), or `None` when the sizes disagree.
fn reshaped(dims: &[usize], target: &[i64]) -> Option<Vec<usize>> {
    let total: usize = dims.iter().product();
    let mut out = Vec::with_capacity(target.len());
    let mut free = None;
    for (k, &t) in target.iter().enumerate() {
        out.push(match t {
            0 => *dims.get(k)?,
            -1 if free.is_none() => {
                free = Some(k);
                1
            }
            t => usize::try_from(t).ok()?,
        });
    }
    let known = out.iter().try_fold(1usize, |a, &d| a.checked_mul(d))?;
    if let Some(k) = free {
        if known == 0 || !total.is_multiple_of(known) {
            return None;
        }
        out[k] = total / known;
    }
    (out.iter().product::<usize>() == total).then_some(out)
}

/// Constants concatenated along `axis` (floats if any is).
fn concat(parts: &[Constant], axis: i64) -> Option<Constant> {
    let first = parts.first()?;
    let rank = first.dims.len() as i64;
    let axis = usize::try_from(if axis < 0 { axis + rank } else { axis }).ok()?;
    if axis >= first.dims.len() {
        return None;
    }
    let others = |d: &[usize]| {
        let mut d = d.to_vec();
        d.remove(axis);
        d
    };
    if parts
        .iter()
        .any(|p| p.dims.len() != first.dims.len() || others(&p.dims) != others(&first.dims))
    {
        return None;
    }
    let outer: usize = first.dims[..axis].iter().product();
    let mut dims = first.dims.clone();
    dims[axis] = parts.iter().map(|p| p.dims[axis]).sum();
    if dims.iter().product::<usize>() > MAX_FOLDED {
        return None;
    }
    let chunk = |p: &Constant| p.dims[axis..].iter().product::<usize>();
    let all_ints = parts.iter().all(|p| matches!(p.values, Values::Int(_)));
    let values = if all_ints {
        let mut v = Vec::new();
        for o in 0..outer {
            for p in parts {
                let n = chunk(p);
                v.extend_from_slice(p.as_ints()?.get(o * n..(o + 1) * n)?);
            }
        }
        Values::Int(v)
    } else {
        let floats: Vec<Vec<f32>> = parts.iter().map(Constant::floats).collect();
        let mut v = Vec::new();
        for o in 0..outer {
            for (p, f) in parts.iter().zip(&floats) {
                let n = chunk(p);
                v.extend_from_slice(f.get(o * n..(o + 1) * n)?);
            }
        }
        Values::Float(v)
    };
    Some(Constant { dims, values })
}

/// ONNX's `Slice` of a constant.
fn slice(
    c: &Constant,
    starts: &[i64],
    ends: &[i64],
    axes: Option<&[i64]>,
    steps: Option<&[i64]>,
) -> Option<Constant> {
    let rank = c.dims.len();
    let len = match &c.values {
        Values::Float(v) => v.len(),
        Values::Int(v) => v.len(),
    };
    if len != c.dims.iter().product::<usize>() {
        return None;
    }
    let axes: Vec<usize> = match axes {
        Some(a) => a
            .iter()
            .map(|&x| usize::try_from(if x < 0 { x + rank as i64 } else { x }).ok())
            .collect::<Option<_>>()?,
        None => (0..starts.len()).collect(),
    };
    if starts.len() != axes.len() || ends.len() != axes.len() {
        return None;
    }
    // the indices kept along each axis
    let mut kept: Vec<Vec<usize>> = c.dims.iter().map(|&d| (0..d).collect()).collect();
    for (k, &axis) in axes.iter().enumerate() {
        let n = *c.dims.get(axis)? as i64;
        let step = steps.map_or(Some(1), |s| s.get(k).copied())?;
        if step == 0 {
            return None;
        }
        let clamp = |v: i64, lo: i64, hi: i64| {
            let v = if v < 0 { v.saturating_add(n) } else { v };
            v.clamp(lo, hi)
        };
        let mut idx = Vec::new();
        if step > 0 {
            let (mut i, end) = (clamp(starts[k], 0, n), clamp(ends[k], 0, n));
            while i < end {
                idx.push(i as usize);
                i += step;
            }
        } else {
            let (mut i, end) = (clamp(starts[k], 0, n - 1), clamp(ends[k], -1, n - 1));
            while i > end {
                idx.push(i as usize);
                i += step;
            }
        }
        kept[axis] = idx;
    }
    let dims: Vec<usize> = kept.iter().map(Vec::len).collect();
    let total: usize = dims.iter().product();
    let mut strides = vec![1usize; rank];
    for d in (0..rank.saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * c.dims[d + 1];
    }
    let source = |j: usize| -> usize {
        let mut rest = j;
        let mut at = 0;
        for d in (0..rank).rev() {
            at += kept[d][rest % dims[d]] * strides[d];
            rest /= dims[d];
        }
        at
    };
    let values = match &c.values {
        Values::Float(v) => Values::Float((0..total).map(|j| v[source(j)]).collect()),
        Values::Int(v) => Values::Int((0..total).map(|j| v[source(j)]).collect()),
    };
    Some(Constant { dims, values })
}
