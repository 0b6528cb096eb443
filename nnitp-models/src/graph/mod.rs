//! A network as a graph of layers (each layer's operation with its weights,
//! and its inputs), from which its geometry is derived: the one description
//! the zoo's architectures and the ONNX reader both build. Two executors run
//! it: the host kernels ([`LayerGraph`]) and burn's ops on any burn device
//! ([`DeviceGraph`], a burn module that also trains).

mod buffer;
mod device_ops;
mod error;
mod host;
mod layer_state;
mod module_parts;
mod on_device;
mod op;
mod weights_file;

pub use buffer::Buffer;
pub use error::HostError;
pub use layer_state::{ConvWeights, DenseWeights, LayerState, Stateless};
pub use on_device::DeviceGraph;
pub use op::{
    Activation, Affine, Binary, Conv, Dense, LayerNorm, Op, Order, Pad, Pool, Reduce, Window,
};

use burn::tensor::{Device, Tensor};
use nnitp_core::cone::{Geometry, Place};
use nnitp_core::digest::Digest;
use nnitp_core::network::{LayerOutput, Network, Taps};

/// One layer: its name, what it computes and where its inputs come from.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphLayer {
    /// The layer's name (an ONNX node's name).
    pub name: String,
    /// Another name it is known by (the ONNX node's output tensor), if any.
    pub alias: Option<String>,
    /// What it computes.
    pub op: Op,
    /// Its inputs: the image or earlier layers.
    pub inputs: Vec<Place>,
}

/// A classifier as layers in order, each on the image or on earlier layers.
/// Its [`Geometry`] is derived once, when it is built; it runs on the host
/// and implements [`Network`].
#[derive(Clone, Debug)]
pub struct LayerGraph {
    input_shape: [usize; 3],
    layers: Vec<GraphLayer>,
    geometry: Geometry,
    /// The last layer reading each layer's output.
    last_reader: Vec<Option<usize>>,
    fingerprint: Option<Digest>,
    device: Device,
}

impl LayerGraph {
    /// The graph of `layers` on images of `input_shape` (`[H, W, C]`).
    ///
    /// # Errors
    /// [`GeometryError::BadGeometry`](nnitp_core::cone::GeometryError::BadGeometry) naming the first layer whose
    /// inputs do not fit it (or that reads a later layer).
    pub fn new(input_shape: [usize; 3], layers: Vec<GraphLayer>) -> nnitp_core::Result<Self> {
        let mut g = Geometry::builder(&input_shape);
        let mut last_reader = vec![None; layers.len()];
        for (i, layer) in layers.iter().enumerate() {
            let first = layer.inputs.first().copied().unwrap_or(Place::Input);
            // a late input is refused by `push_from`, naming the layer
            let is_map = g.shape_at(first).map_or(true, |s| s.len() == 3);
            g.push_from(layer.name.clone(), layer.op.kind(is_map), &layer.inputs)?;
            for p in &layer.inputs {
                if let Place::Layer(j) = *p {
                    last_reader[j] = Some(i);
                }
            }
        }
        Ok(LayerGraph {
            input_shape,
            layers,
            geometry: g.build(),
            last_reader,
            fingerprint: None,
            device: Device::flex(),
        })
    }

    /// Gives the graph a digest of its weights, so that its activations can
    /// be cached on disk.
    pub fn with_fingerprint(mut self, digest: Digest) -> Self {
        self.fingerprint = Some(digest);
        self
    }

    /// For each layer, the last layer that reads its output.
    pub(super) fn last_readers(&self) -> &[Option<usize>] {
        &self.last_reader
    }

    /// The input shape `[H, W, C]`.
    pub fn input_shape(&self) -> [usize; 3] {
        self.input_shape
    }

    /// The layers in order.
    pub fn layers(&self) -> &[GraphLayer] {
        &self.layers
    }

    /// The layers explanations use by default: below the classifier's head
    /// (its last dense layer and what follows), the last flat layer and the
    /// last feature map before it, where there are such.
    pub fn default_layers(&self) -> Vec<usize> {
        let head = (0..self.layers.len())
            .rev()
            .find(|&l| matches!(self.layers[l].op, Op::Dense(_)))
            .unwrap_or(self.layers.len().saturating_sub(1));
        let rank = |l: usize| {
            self.geometry
                .shape(Place::Layer(l))
                .map_or(0, <[usize]>::len)
        };
        let last_flat = (0..head).rev().find(|&l| rank(l) == 1);
        let last_map = (0..last_flat.unwrap_or(head)).rev().find(|&l| rank(l) == 3);
        last_map.into_iter().chain(last_flat).collect()
    }

    /// The index of the layer called `name` (its name or its alias).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.layers
            .iter()
            .position(|l| l.name == name || l.alias.as_deref() == Some(name))
    }

    /// Runs layers 0 to `last` on a batch, calling `visit(i, output)` after
    /// each; each output is kept only until the last layer that reads it.
    ///
    /// # Errors
    /// [`NetworkError::Layer`](nnitp_core::error::NetworkError::Layer)
    /// naming a layer whose inputs do not fit, with the [`HostError`].
    pub fn run(
        &self,
        images: Buffer,
        last: usize,
        visit: impl FnMut(usize, &Buffer),
    ) -> nnitp_core::Result<()> {
        self.run_replacing(images, last, None, |_| true, visit)
    }

    /// Which layers up to `last` a pass computes: those `wanted`, and those
    /// their values depend on, the `replaced` layer's inputs excepted (its
    /// output is given).
    pub(super) fn needed(
        &self,
        last: usize,
        replaced: Option<usize>,
        wanted: impl Fn(usize) -> bool,
    ) -> Vec<bool> {
        let mut needed = vec![false; self.layers.len()];
        for i in (0..=last.min(self.layers.len().saturating_sub(1))).rev() {
            needed[i] |= i == last || wanted(i);
            if needed[i] && replaced != Some(i) {
                for p in &self.layers[i].inputs {
                    if let Place::Layer(j) = *p {
                        needed[j] = true;
                    }
                }
            }
        }
        needed
    }

    /// As [`LayerGraph::run`], computing only layer `last`, the layers
    /// `wanted` and what they depend on, with layer `replace.0`'s output
    /// taken as `replace.1` (channels last) instead of computed.
    ///
    /// # Errors
    /// As [`LayerGraph::run`]; [`HostError::Replacement`] when the
    /// replacement's shape is not the layer's.
    pub fn run_replacing(
        &self,
        images: Buffer,
        last: usize,
        mut replace: Option<(usize, Buffer)>,
        wanted: impl Fn(usize) -> bool,
        mut visit: impl FnMut(usize, &Buffer),
    ) -> nnitp_core::Result<()> {
        let needed = self.needed(last, replace.as_ref().map(|r| r.0), wanted);
        let mut outs: Vec<Option<Buffer>> = vec![None; self.layers.len()];
        for (i, layer) in self.layers.iter().enumerate().take(last + 1) {
            if !needed[i] {
                continue;
            }
            let out = match replace.take_if(|r| r.0 == i) {
                Some((_, given)) => {
                    let mut shape = vec![given.shape.first().copied().unwrap_or(0)];
                    shape.extend_from_slice(self.geometry.shape(Place::Layer(i))?);
                    if given.shape != shape || given.values.len() != shape.iter().product::<usize>()
                    {
                        let e = HostError::Replacement {
                            expected: shape,
                            found: given.shape,
                        };
                        return Err(e.at_layer(i, &layer.name));
                    }
                    given
                }
                None => self.compute(i, &images, &outs)?,
            };
            visit(i, &out);
            for p in &layer.inputs {
                if let Place::Layer(j) = *p {
                    if self.last_reader[j] == Some(i) {
                        outs[j] = None;
                    }
                }
            }
            if self.last_reader[i].is_some_and(|r| r <= last) {
                outs[i] = Some(out);
            }
        }
        Ok(())
    }

    /// Layer `i` on its inputs' outputs (kept in `outs`).
    fn compute(
        &self,
        i: usize,
        images: &Buffer,
        outs: &[Option<Buffer>],
    ) -> nnitp_core::Result<Buffer> {
        let layer = &self.layers[i];
        let mut inputs = Vec::with_capacity(layer.inputs.len());
        for p in &layer.inputs {
            inputs.push(match *p {
                Place::Input => images,
                Place::Layer(j) => outs[j]
                    .as_ref()
                    .ok_or_else(|| HostError::InputReleased(j).at_layer(i, &layer.name))?,
            });
        }
        layer
            .op
            .run(&inputs)
            .map_err(|e| e.at_layer(i, &layer.name))
    }

    /// All layers' outputs on a batch of NCHW images.
    ///
    /// # Errors
    /// As [`LayerGraph::run`].
    pub fn outputs(&self, images: Tensor<4>) -> nnitp_core::Result<Vec<Buffer>> {
        let mut all = Vec::with_capacity(self.layers.len());
        let last = self.layers.len().saturating_sub(1);
        self.run(Buffer::from_images(images)?, last, |_, b| {
            all.push(b.clone())
        })?;
        Ok(all)
    }
}

impl Network for LayerGraph {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.device.clone()
    }

    fn fingerprint(&self) -> Option<Digest> {
        self.fingerprint
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let last = (0..self.layers.len()).rev().find(|&i| taps.wants(i));
        let Some(last) = last else { return Ok(()) };
        let replace = taps.replaced_layer().and_then(|l| {
            let (values, shape) = taps.replacement(l)?;
            let (values, shape) = (values.to_vec(), shape.to_vec());
            Some((l, Buffer { values, shape }))
        });
        let wanted: Vec<bool> = (0..=last).map(|i| taps.wants(i)).collect();
        let images = Buffer::from_images(images)?;
        self.run_replacing(
            images,
            last,
            replace,
            |i| wanted[i],
            |i, b| {
                if taps.wants(i) {
                    taps.keep(
                        i,
                        LayerOutput::Host {
                            values: b.values.clone(),
                            shape: b.shape.clone(),
                        },
                    );
                }
            },
        )
    }

    fn interventions(&self) -> bool {
        true
    }
}
