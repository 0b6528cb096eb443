//! Operators that pick a layer's channels: `Slice` and `Split` along the
//! channels (GhostNet's, ShuffleNet's halves), and ShuffleNet's channel
//! shuffle (`Reshape` to `[N, groups, C / groups, H, W]`, `Transpose` of the
//! two channel axes, `Reshape` back), read as one selection of channels.

use super::super::error::OnnxError;
use super::super::proto::Node;
use super::attrs::{attr_int, attr_ints, node_error};
use super::{Importer, Layout, Val};
use crate::graph::Op;
use nnitp_core::cone::Place;

impl Importer<'_> {
    /// A `Slice` of a layer along its channels (every other axis whole).
    pub(super) fn slice(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        if flat && dims.len() != 1 {
            return Err(node_error(self.path, node, "a slice of a pooled layer"));
        }
        let ints = |s: &Self, k: usize| -> Result<Option<Vec<i64>>, OnnxError> {
            Ok(s.constant_at(node, k)?
                .and_then(|c| c.as_ints().map(<[i64]>::to_vec)))
        };
        let (starts, ends, axes, steps) = if self.opset >= 10 {
            (
                ints(self, 1)?,
                ints(self, 2)?,
                ints(self, 3)?,
                ints(self, 4)?,
            )
        } else {
            (
                attr_ints(node, "starts"),
                attr_ints(node, "ends"),
                attr_ints(node, "axes"),
                None,
            )
        };
        let bad = |why: String| node_error(self.path, node, why);
        let (Some(starts), Some(ends)) = (starts, ends) else {
            return Err(bad("the starts and ends must be constant integers".into()));
        };
        let rank = dims.len() as i64 + 1;
        let axes: Vec<i64> = axes
            .unwrap_or_else(|| (0..starts.len() as i64).collect())
            .iter()
            .map(|&a| if a < 0 { a + rank } else { a })
            .collect();
        let steps = steps.unwrap_or_else(|| vec![1; axes.len()]);
        if starts.len() != axes.len() || ends.len() != axes.len() || steps.len() != axes.len() {
            return Err(bad(format!(
                "starts {starts:?}, ends {ends:?}, axes {axes:?} and steps {steps:?} disagree"
            )));
        }
        let channel = layout.channel_axis(dims.len() + 1) as i64;
        let c = dims[channel as usize - 1];
        let mut picked: Vec<usize> = (0..c).collect();
        for (k, &axis) in axes.iter().enumerate() {
            let n = if (1..rank).contains(&axis) {
                dims[axis as usize - 1] as i64
            } else {
                0
            };
            let clamp = |v: i64| (if v < 0 { v.saturating_add(n) } else { v }).clamp(0, n);
            let whole = steps[k] == 1 && clamp(starts[k]) == 0 && clamp(ends[k]) == n;
            if axis == channel && steps[k] > 0 {
                let (lo, hi) = (clamp(starts[k]) as usize, clamp(ends[k]) as usize);
                picked = (lo..hi).step_by(steps[k] as usize).collect();
            } else if !whole {
                return Err(bad(format!(
                    "a slice along axis {axis} of {dims:?}; nnitp slices the channels (axis {channel}) forward"
                )));
            }
        }
        if picked.is_empty() {
            return Err(bad("a slice of no channels".into()));
        }
        let mut out = dims.clone();
        out[channel as usize - 1] = picked.len();
        self.push_as(
            i,
            node,
            Op::SelectChannels(picked),
            vec![place],
            out,
            flat,
            layout,
        );
        Ok(())
    }

    /// A `Split` of a layer along its channels: one layer per output.
    pub(super) fn split(&mut self, i: usize, node: &Node<'_>) -> Result<(), OnnxError> {
        let (place, dims, flat, layout) = self.any_layer_at(node, 0)?;
        let bad = |why: String| node_error(self.path, node, why);
        if flat && dims.len() != 1 {
            return Err(bad("a split of a pooled layer".into()));
        }
        let channel = layout.channel_axis(dims.len() + 1) as i64;
        let rank = dims.len() as i64 + 1;
        let axis = attr_int(node, "axis", 0);
        let axis = if axis < 0 { axis + rank } else { axis };
        if axis != channel {
            return Err(bad(format!(
                "a split along axis {axis} of {dims:?}; nnitp splits the channels (axis {channel})"
            )));
        }
        let c = dims[channel as usize - 1];
        let outputs = node.outputs.len();
        let sizes = if self.opset >= 13 {
            self.constant_at(node, 1)?
                .and_then(|s| s.as_ints().map(<[i64]>::to_vec))
        } else {
            attr_ints(node, "split")
        };
        let sizes: Vec<usize> = match sizes {
            Some(s) => s
                .iter()
                .map(|&v| usize::try_from(v).ok())
                .collect::<Option<_>>()
                .ok_or_else(|| bad(format!("split sizes {s:?}")))?,
            None if outputs > 0 => {
                // equal parts, the last one smaller when they do not divide
                let part = c.div_ceil(outputs);
                (0..outputs)
                    .map(|k| part.min(c.saturating_sub(k * part)))
                    .collect()
            }
            None => Vec::new(),
        };
        if sizes.len() != outputs || sizes.iter().sum::<usize>() != c || sizes.contains(&0) {
            return Err(bad(format!(
                "sizes {sizes:?} for {outputs} outputs of {c} channels"
            )));
        }
        let mut start = 0;
        for (k, &size) in sizes.iter().enumerate() {
            let mut out = dims.clone();
            out[channel as usize - 1] = size;
            let op = Op::SelectChannels((start..start + size).collect());
            self.push_output(i, node, k, op, vec![place], out, flat, layout);
            start += size;
        }
        Ok(())
    }

    /// The first step of a channel shuffle: a channels-first map's
    /// channels viewed as `[groups, C / groups]`.
    pub(super) fn group_channels(
        &mut self,
        node: &Node<'_>,
        target: &[i64],
    ) -> Result<(), OnnxError> {
        let (place, dims) = self
            .layer_at(node, 0)
            .and_then(|(p, d, f)| match (&d[..], f) {
                (&[_, _, _], false) => Ok((p, d)),
                _ => Err(node_error(self.path, node, "a grouping of a flat layer")),
            })?;
        let [c, h, w] = [dims[0], dims[1], dims[2]];
        let fits = |v: i64, d: usize| v == d as i64;
        let groups = match target {
            [_, g, cg, th, tw] if *g > 0 && *cg > 0 && fits(*th, h) && fits(*tw, w) => {
                ((*g as usize).checked_mul(*cg as usize) == Some(c)).then_some(*g as usize)
            }
            _ => None,
        };
        let Some(groups) = groups else {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a reshape of {dims:?} to {target:?}; nnitp reads five dimensions as a channel shuffle's [N, groups, C / groups, H, W]"
                ),
            ));
        };
        let v = Val::Grouped {
            place,
            dims,
            groups,
            swapped: false,
        };
        self.set(node, v);
        Ok(())
    }

    /// Input 0, a map with its channels grouped: its place, dimensions,
    /// groups and whether they are swapped.
    fn grouped_at(&self, node: &Node<'_>) -> Result<(Place, Vec<usize>, usize, bool), OnnxError> {
        match self.input_at(node, 0)? {
            Some(Val::Grouped {
                place,
                dims,
                groups,
                swapped,
            }) => Ok((place, dims, groups, swapped)),
            _ => Err(node_error(self.path, node, "no grouped channels")),
        }
    }

    /// The transpose of a channel shuffle's two channel axes.
    pub(super) fn swap_groups(&mut self, node: &Node<'_>, perm: &[i64]) -> Result<(), OnnxError> {
        let (place, dims, groups, swapped) = self.grouped_at(node)?;
        if perm != [0, 2, 1, 3, 4] {
            return Err(node_error(
                self.path,
                node,
                format!(
                    "a transpose {perm:?} of grouped channels; nnitp swaps the two channel axes"
                ),
            ));
        }
        let v = Val::Grouped {
            place,
            dims,
            groups,
            swapped: !swapped,
        };
        self.set(node, v);
        Ok(())
    }

    /// The last step of a channel shuffle: the grouped channels read back
    /// as `[N, C, H, W]`, a selection of the channels in their new order.
    pub(super) fn ungroup(
        &mut self,
        i: usize,
        node: &Node<'_>,
        target: &[i64],
    ) -> Result<(), OnnxError> {
        let (place, dims, groups, swapped) = self.grouped_at(node)?;
        let [c, h, w] = [dims[0], dims[1], dims[2]];
        let back = match target {
            [_, tc, th, tw] => (*tc == c as i64 || *tc == -1) && *th == h as i64 && *tw == w as i64,
            _ => false,
        };
        if !back {
            return Err(node_error(
                self.path,
                node,
                format!("a reshape of grouped channels {dims:?} to {target:?}"),
            ));
        }
        if !swapped {
            let v = Val::Layer {
                place,
                dims,
                flat: false,
                layout: Layout::ChannelsFirst,
            };
            self.set(node, v);
            return Ok(());
        }
        // output channel j of [C / groups, groups] is input channel
        // (j % groups) * (C / groups) + j / groups
        let per = c / groups;
        let picked = (0..c).map(|j| (j % groups) * per + j / groups).collect();
        self.push(
            i,
            node,
            Op::SelectChannels(picked),
            vec![place],
            dims,
            false,
        );
        Ok(())
    }
}
