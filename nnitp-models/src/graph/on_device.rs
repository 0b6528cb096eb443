//! A [`LayerGraph`] as a burn module: its layers' state (weights, running
//! statistics, dropout) on a burn device (flex, ndarray, wgpu, with or
//! without autodiff), run with burn's ops. The executor beside the host's,
//! and the form a graph trains in.

use std::sync::Arc;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use nnitp_core::cone::{Geometry, Place};
use nnitp_core::digest::{Digest, DigestBuilder};
use nnitp_core::network::{module_digest, Network, Taps};

use super::device_ops::{compute, Value};
use super::error::HostError;
use super::layer_state::LayerState;
use super::module_parts::{Home, HostForm};
use super::op::Op;
use super::LayerGraph;

/// A [`LayerGraph`] with its layers' state as burn parameters on a device,
/// run with burn's ops: on any device, and trainable on an autodiff one
/// (batch norm on batch statistics, dropout active). On flex outside
/// training, inference runs on the host kernels instead, through the graph
/// folded once from the current weights ([`DeviceGraph::to_graph`]), unless
/// [`DeviceGraph::with_host_kernels`] turns them off.
///
/// Its geometry, layers and names are the graph's; its weights are its own.
#[derive(Module, Debug)]
pub struct DeviceGraph {
    layers: Vec<LayerState>,
    /// The layers' operations, inputs and names (with the weights the graph
    /// was made with; the current ones are in `layers`).
    #[module(skip)]
    graph: LayerGraph,
    /// The device, for a graph without weights.
    home: Home,
    host: HostForm,
    /// Whether inference on flex may run on the host kernels.
    #[module(skip)]
    host_kernels: bool,
}

impl LayerGraph {
    /// The graph as a network on `device`: run by the host kernels on flex
    /// (the host's CPU device), by burn's ops (a [`DeviceGraph`]) on any
    /// other.
    pub fn into_network(self, device: &Device) -> Box<dyn Network + Send + Sync> {
        if host_device(device) {
            Box::new(self)
        } else {
            Box::new(DeviceGraph::new(self, device))
        }
    }
}

/// Whether inference on `device` may run on the host kernels: flex (the
/// host's CPU device) outside training (not autodiff).
fn host_device(device: &Device) -> bool {
    !device.is_autodiff() && *device == Device::flex()
}

impl DeviceGraph {
    /// `graph` with its weights as parameters on `device`.
    pub fn new(graph: LayerGraph, device: &Device) -> Self {
        let layers = graph
            .layers()
            .iter()
            .map(|l| LayerState::of(&l.op, device))
            .collect();
        DeviceGraph {
            layers,
            graph,
            home: Home(device.clone()),
            host: HostForm::default(),
            host_kernels: true,
        }
    }

    /// The graph with inference on flex run by the host kernels (`true`,
    /// the default) or by burn's ops, as on any other device (`false`).
    pub fn with_host_kernels(mut self, on: bool) -> Self {
        self.host_kernels = on;
        self
    }

    /// The graph with the current weights, prepared for the host: kernels
    /// packed for the matrix products, batch norm folded into a scale and
    /// shift. Its layers, numbering, names and fingerprint are this one's.
    ///
    /// # Errors
    /// [`NetworkError`](nnitp_core::error::NetworkError) when a weight cannot
    /// be read or does not fit its layer.
    pub fn to_graph(&self) -> nnitp_core::Result<LayerGraph> {
        let mut layers = self.graph.layers().to_vec();
        for (i, (layer, state)) in layers.iter_mut().zip(&self.layers).enumerate() {
            layer.op = state.fold_into(&layer.op, i, &layer.name)?;
        }
        let graph = LayerGraph::new(self.graph.input_shape(), layers)?;
        Ok(match self.fingerprint() {
            Some(d) => graph.with_fingerprint(d),
            None => graph,
        })
    }

    /// The input shape `[H, W, C]`.
    pub fn input_shape(&self) -> [usize; 3] {
        self.graph.input_shape()
    }

    /// The operation of each layer, with the hyperparameters it was made
    /// with (its weights are [`DeviceGraph::to_graph`]'s).
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.graph.layers().iter().map(|l| &l.op)
    }

    /// The layers' state, in order.
    pub fn states(&self) -> &[LayerState] {
        &self.layers
    }

    /// The layers' state, in order, to change.
    pub(crate) fn states_mut(&mut self) -> &mut [LayerState] {
        self.host.clear();
        &mut self.layers
    }

    /// The layers explanations use by default (as [`LayerGraph::default_layers`]).
    pub fn default_layers(&self) -> Vec<usize> {
        self.graph.default_layers()
    }

    /// Whether inference on `device` runs on the host kernels: on flex,
    /// outside training (not autodiff), unless they are turned off.
    pub fn host_inference(&self, device: &Device) -> bool {
        self.host_kernels && host_device(device)
    }

    /// The host's form, made from the current weights at the first call.
    fn host_graph(&self) -> nnitp_core::Result<Arc<LayerGraph>> {
        if let Some(g) = self.host.get() {
            return Ok(g);
        }
        let g = Arc::new(self.to_graph()?);
        self.host.set(g.clone());
        Ok(g)
    }

    /// The last layer's output before any softmax that ends it (what
    /// training's loss takes), channels last.
    ///
    /// # Shapes
    /// - `images`: `[N, C, H, W]`
    /// - output: `[N, units]`
    ///
    /// # Errors
    /// [`NetworkError::Layer`](nnitp_core::error::NetworkError::Layer)
    /// naming a layer whose inputs do not fit it.
    pub fn logits(&self, images: Tensor<4>) -> nnitp_core::Result<Tensor<2>> {
        let last = self.layers.len().saturating_sub(1);
        let mut out = None;
        self.run(
            Value::Map(images.clone()),
            last,
            None,
            |_| true,
            true,
            |i, v| {
                if i == last {
                    out = Some(v.clone());
                }
            },
        )?;
        Ok(out.unwrap_or(Value::Map(images)).channels_last())
    }

    /// Runs layers 0 to `last` (those `wanted`, and what they depend on)
    /// on `images`, layer `replace`'s output given rather than computed;
    /// `visit(i, output)` sees each output. With `logits`, the last layer
    /// leaves out a softmax that ends it.
    fn run(
        &self,
        images: Value,
        last: usize,
        replace: Option<(usize, Value)>,
        wanted: impl Fn(usize) -> bool,
        logits: bool,
        mut visit: impl FnMut(usize, &Value),
    ) -> nnitp_core::Result<()> {
        let layers = self.graph.layers();
        let readers = self.graph.last_readers();
        let needed = self
            .graph
            .needed(last, replace.as_ref().map(|r| r.0), wanted);
        let mut replace = replace;
        let mut outs: Vec<Option<Value>> = vec![None; layers.len()];
        for (i, layer) in layers.iter().enumerate().take(last + 1) {
            if !needed[i] {
                continue;
            }
            let out = match replace.take_if(|r| r.0 == i) {
                Some((_, given)) => given,
                None => {
                    let mut inputs = Vec::with_capacity(layer.inputs.len());
                    for p in &layer.inputs {
                        inputs.push(match *p {
                            Place::Input => &images,
                            Place::Layer(j) => outs[j].as_ref().ok_or_else(|| {
                                HostError::InputReleased(j).at_layer(i, &layer.name)
                            })?,
                        });
                    }
                    compute(&layer.op, &self.layers[i], &inputs, logits && i == last)
                        .map_err(|e| e.at_layer(i, &layer.name))?
                }
            };
            visit(i, &out);
            for p in &layer.inputs {
                if let Place::Layer(j) = *p {
                    if readers[j] == Some(i) {
                        outs[j] = None;
                    }
                }
            }
            if readers[i].is_some_and(|r| r <= last) {
                outs[i] = Some(out);
            }
        }
        Ok(())
    }

    /// Channels-last values (`[N, H, W, C]` or `[N, units]`) for layer `i`'s
    /// output, in burn's layout on `device`.
    ///
    /// # Errors
    /// [`HostError::Replacement`] when they do not have the layer's shape.
    fn replacement(
        &self,
        i: usize,
        values: &[f32],
        shape: &[usize],
        device: &Device,
    ) -> nnitp_core::Result<Value> {
        let mut expected = vec![shape.first().copied().unwrap_or(0)];
        expected.extend_from_slice(
            Network::geometry(&self.graph)
                .shape(Place::Layer(i))
                .unwrap_or(&[]),
        );
        if shape != expected || values.len() != shape.iter().product::<usize>() {
            let e = HostError::Replacement {
                expected,
                found: shape.to_vec(),
            };
            return Err(e.at_layer(i, &self.graph.layers()[i].name));
        }
        let data = TensorData::new(values.to_vec(), shape.to_vec());
        Ok(match *shape {
            [_, _, _, _] => Value::Map(Tensor::<4>::from_data(data, device).permute([0, 3, 1, 2])),
            _ => Value::Flat(
                Tensor::<2>::from_data(data, device)
                    .reshape([shape[0], shape[1..].iter().product()]),
            ),
        })
    }
}

impl Network for DeviceGraph {
    fn geometry(&self) -> &Geometry {
        Network::geometry(&self.graph)
    }

    fn device(&self) -> Device {
        self.devices()
            .into_iter()
            .next()
            .unwrap_or_else(|| self.home.0.clone())
    }

    /// A digest of the graph's own fingerprint (an ONNX file's) and the
    /// current weights.
    fn fingerprint(&self) -> Option<Digest> {
        let weights = module_digest(self)?;
        let d = DigestBuilder::new().bytes(b"nnitp device graph");
        let d = match Network::fingerprint(&self.graph) {
            Some(file) => d.digest(&file),
            None => d,
        };
        Some(d.digest(&weights).finish())
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let device = images.device();
        if self.host_inference(&device) {
            return self.host_graph()?.forward_layers(images, taps);
        }
        let Some(last) = (0..self.layers.len()).rev().find(|&i| taps.wants(i)) else {
            return Ok(());
        };
        let replace = match taps.replaced_layer() {
            Some(l) => match taps.replacement(l) {
                Some((values, shape)) => Some((l, self.replacement(l, values, shape, &device)?)),
                None => None,
            },
            None => None,
        };
        let wanted: Vec<bool> = (0..=last).map(|i| taps.wants(i)).collect();
        self.run(
            Value::Map(images),
            last,
            replace,
            |i| wanted[i],
            false,
            |i, out| {
                if taps.wants(i) {
                    match out {
                        Value::Map(t) => taps.keep(i, t.clone()),
                        Value::Flat(t) => taps.keep(i, t.clone()),
                    }
                }
            },
        )
    }

    fn interventions(&self) -> bool {
        true
    }
}
