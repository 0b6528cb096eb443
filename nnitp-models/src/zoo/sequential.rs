//! A burn model built from an [`Architecture`]; it implements
//! [`nnitp_core::Network`], so any CNN of the zoo's layers (sequential, or
//! with skip connections and residual sums) gets extraction and cones.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Elu, EluConfig, Linear, LinearConfig,
    PaddingConfig2d, Relu,
};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use nnitp_core::cone::{Geometry, LayerKind, Padding, Place};
use nnitp_core::network::{Network, Taps};

use std::sync::OnceLock;

use super::architecture::{Architecture, LayerSpec};
use crate::error::{Error, Result};
use crate::graph::LayerGraph;

/// A stateless flatten layer (channels last, as Keras).
#[derive(Module, Debug, Default)]
pub struct Flatten {}

/// A stateless element-wise sum of the layer's inputs.
#[derive(Module, Debug, Default)]
pub struct Sum {}

/// A stateless global average pooling, `[N, C, H, W]` to `[N, C]`.
#[derive(Module, Debug, Default)]
pub struct GlobalAvgPool {}

/// One layer's burn module.
#[derive(Module, Debug)]
pub enum Layer {
    /// Convolution.
    Conv2d(Conv2d),
    /// ELU.
    Elu(Elu),
    /// ReLU.
    Relu(Relu),
    /// Batch normalisation.
    BatchNorm(BatchNorm),
    /// Max pooling.
    MaxPool2d(MaxPool2d),
    /// Dropout.
    Dropout(Dropout),
    /// Flatten.
    Flatten(Flatten),
    /// Element-wise sum of the inputs.
    Sum(Sum),
    /// Global average pooling.
    GlobalAvgPool(GlobalAvgPool),
    /// Dense (fully connected).
    Dense(Linear),
}

/// A layer's output: a feature map (NCHW) or a flat vector.
#[derive(Clone)]
enum Act {
    Map(Tensor<4>),
    Flat(Tensor<2>),
}

impl Act {
    /// Channels-last `[N, units]`.
    fn channels_last(&self) -> Tensor<2> {
        match self {
            Act::Map(t) => {
                let [n, c, h, w] = t.dims();
                t.clone().permute([0, 2, 3, 1]).reshape([n, h * w * c])
            }
            Act::Flat(t) => t.clone(),
        }
    }
}

/// A zoo CNN as a burn module: layers in order, each on the layer before it
/// or on the earlier layers its architecture names.
#[derive(Module, Debug)]
pub struct Sequential {
    layers: Vec<Layer>,
    #[module(skip)]
    arch: Architecture,
    #[module(skip)]
    geometry: Geometry,
    /// The model as the host runs it, made at the first forward pass on a
    /// CPU device (never on an autodiff one, so never while training).
    #[module(skip)]
    host: OnceLock<LayerGraph>,
}

/// One layer's burn config, declared to the geometry before it is initialised.
pub(super) enum Config {
    Conv2d(Conv2dConfig),
    Elu(EluConfig),
    Relu,
    BatchNorm(BatchNormConfig),
    MaxPool2d(MaxPool2dConfig),
    Dropout(DropoutConfig),
    Flatten,
    Sum,
    GlobalAvgPool,
    Dense(LinearConfig),
}

/// burn's form of a padding.
fn burn_padding(padding: Padding) -> PaddingConfig2d {
    match padding {
        Padding::Same => PaddingConfig2d::Same,
        Padding::Valid => PaddingConfig2d::Valid,
        Padding::Explicit {
            top,
            left,
            bottom,
            right,
        } => PaddingConfig2d::Explicit(top, left, bottom, right),
    }
}

/// Declares every layer of `arch` from its burn config: the geometry the
/// configs give, and the configs to initialise.
pub(super) fn declare(arch: &Architecture) -> Result<(Geometry, Vec<Config>)> {
    let mut g = Geometry::builder(&arch.input_shape);
    let mut configs = Vec::with_capacity(arch.layers.len());
    for (i, (spec, name)) in arch.layers.iter().zip(arch.names()).enumerate() {
        let inputs = arch.inputs_of(i);
        let input = g.shape_at(inputs[0])?.to_vec();
        let channels = *input.last().unwrap_or(&0);
        let config = match *spec {
            LayerSpec::Conv2d {
                filters,
                kernel,
                stride,
                padding,
            } => {
                let pad = burn_padding(padding);
                Config::Conv2d(
                    g.push_from(
                        name,
                        Conv2dConfig::new([channels, filters], [kernel, kernel])
                            .with_stride([stride, stride])
                            .with_padding(pad),
                        &inputs,
                    )?,
                )
            }
            LayerSpec::Conv1d {
                filters,
                kernel,
                padding,
            } => {
                let pad = burn_padding(padding);
                Config::Conv2d(g.push_from(
                    name,
                    Conv2dConfig::new([channels, filters], [1, kernel]).with_padding(pad),
                    &inputs,
                )?)
            }
            LayerSpec::MaxPool1d { window } => Config::MaxPool2d(g.push_from(
                name,
                MaxPool2dConfig::new([1, window]).with_strides([1, window]),
                &inputs,
            )?),
            LayerSpec::Elu => Config::Elu(g.push_from(name, EluConfig::new(), &inputs)?),
            LayerSpec::Relu => {
                g.push_from(name, Relu::new(), &inputs)?;
                Config::Relu
            }
            LayerSpec::BatchNorm => {
                Config::BatchNorm(g.push_from(name, BatchNormConfig::new(channels), &inputs)?)
            }
            LayerSpec::MaxPool2d { window } => Config::MaxPool2d(g.push_from(
                name,
                MaxPool2dConfig::new([window, window]).with_strides([window, window]),
                &inputs,
            )?),
            LayerSpec::Dropout { prob } => {
                Config::Dropout(g.push_from(name, DropoutConfig::new(prob), &inputs)?)
            }
            LayerSpec::Flatten => {
                g.push_from(name, LayerKind::Flatten, &inputs)?;
                Config::Flatten
            }
            LayerSpec::Add => {
                g.push_from(name, LayerKind::Add, &inputs)?;
                Config::Sum
            }
            LayerSpec::GlobalAvgPool => {
                g.push_from(name, LayerKind::GlobalAvgPool, &inputs)?;
                Config::GlobalAvgPool
            }
            LayerSpec::Dense { units, .. } => Config::Dense(g.push_from(
                name,
                LinearConfig::new(input.iter().product(), units),
                &inputs,
            )?),
        };
        configs.push(config);
    }
    Ok((g.build(), configs))
}

impl Sequential {
    /// A freshly initialised model of `arch` on `device`; its geometry comes
    /// from the same burn configs its layers are initialised from.
    ///
    /// # Errors
    /// When the architecture's shapes do not work out (the layer is named).
    pub fn new(arch: &Architecture, device: &Device) -> Result<Self> {
        let (geometry, configs) = declare(arch)?;
        let layers = configs
            .into_iter()
            .map(|c| match c {
                Config::Conv2d(c) => Layer::Conv2d(c.init(device)),
                Config::Elu(c) => Layer::Elu(c.init()),
                Config::Relu => Layer::Relu(Relu::new()),
                Config::BatchNorm(c) => Layer::BatchNorm(c.init(device)),
                Config::MaxPool2d(c) => Layer::MaxPool2d(c.init()),
                Config::Dropout(c) => Layer::Dropout(c.init()),
                Config::Flatten => Layer::Flatten(Flatten {}),
                Config::Sum => Layer::Sum(Sum {}),
                Config::GlobalAvgPool => Layer::GlobalAvgPool(GlobalAvgPool {}),
                Config::Dense(c) => Layer::Dense(c.init(device)),
            })
            .collect();
        Ok(Sequential {
            layers,
            arch: arch.clone(),
            geometry,
            host: OnceLock::new(),
        })
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// The layers' burn modules in order.
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// For each layer, the last layer (up to `last`) that reads its output.
    fn last_reads(&self, last: usize) -> Vec<Option<usize>> {
        let mut reads = vec![None; self.layers.len()];
        for i in 0..=last.min(self.layers.len().saturating_sub(1)) {
            for p in self.arch.inputs_of(i) {
                if let Place::Layer(j) = p {
                    reads[j] = Some(i);
                }
            }
        }
        reads
    }

    /// Runs layers 0 to `last` on `image`: `step` computes a layer from its
    /// inputs' outputs, `visit(i, output)` sees each layer's output and gives
    /// what the later layers read (the output, or its replacement). Each
    /// output is kept only until the last layer that reads it. Returns the
    /// output of layer `last`.
    fn walk<T: Clone, E>(
        &self,
        image: T,
        last: usize,
        mut step: impl FnMut(&Layer, &[&T]) -> std::result::Result<T, E>,
        mut visit: impl FnMut(usize, T) -> T,
    ) -> std::result::Result<T, E> {
        let reads = self.last_reads(last);
        let mut outs: Vec<Option<T>> = vec![None; self.layers.len()];
        let mut act = None;
        for (i, layer) in self.layers.iter().enumerate().take(last + 1) {
            let places = self.arch.inputs_of(i);
            let inputs: Vec<&T> = places
                .iter()
                .map(|p| match *p {
                    Place::Input => &image,
                    Place::Layer(j) => outs[j].as_ref().expect("an earlier layer's output"),
                })
                .collect();
            let out = visit(i, step(layer, &inputs)?);
            // drop what no later layer reads
            for p in &places {
                if let Place::Layer(j) = *p {
                    if reads[j] == Some(i) {
                        outs[j] = None;
                    }
                }
            }
            if reads[i].is_some() {
                outs[i] = Some(out.clone());
            }
            act = Some(out);
        }
        Ok(act.unwrap_or(image))
    }

    /// Runs the layers on `x` on the device, calling `visit(i, output)` after
    /// each layer up to `last` (the later layers read what it gives back);
    /// returns the output of layer `last` before any softmax.
    fn run(&self, x: Tensor<4>, last: usize, visit: impl FnMut(usize, Act) -> Act) -> Act {
        let step = |layer: &Layer, inputs: &[&Act]| {
            Ok::<_, std::convert::Infallible>(
                self.step(layer, inputs.iter().map(|&a| a.clone()).collect()),
            )
        };
        match self.walk(Act::Map(x), last, step, visit) {
            Ok(act) => act,
            Err(never) => match never {},
        }
    }

    /// One layer on the device, on its inputs.
    fn step(&self, layer: &Layer, mut inputs: Vec<Act>) -> Act {
        if let Layer::Sum(_) = layer {
            let mut parts = inputs.into_iter();
            let first = parts.next().expect("a sum of two or more inputs");
            return parts.fold(first, |a, b| match (a, b) {
                (Act::Map(x), Act::Map(y)) => Act::Map(x + y),
                (Act::Flat(x), Act::Flat(y)) => Act::Flat(x + y),
                _ => unreachable!("the geometry check rejects a sum of unequal shapes"),
            });
        }
        let act = inputs.swap_remove(0);
        match (layer, act) {
            (Layer::Conv2d(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::Elu(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::Elu(m), Act::Flat(t)) => Act::Flat(m.forward(t)),
            (Layer::Relu(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::Relu(m), Act::Flat(t)) => Act::Flat(m.forward(t)),
            (Layer::BatchNorm(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::BatchNorm(m), Act::Flat(t)) => Act::Flat(m.forward(t)),
            (Layer::MaxPool2d(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::Dropout(m), Act::Map(t)) => Act::Map(m.forward(t)),
            (Layer::Dropout(m), Act::Flat(t)) => Act::Flat(m.forward(t)),
            (Layer::GlobalAvgPool(_), Act::Map(t)) => {
                let [n, c, _, _] = t.dims();
                Act::Flat(t.mean_dims(&[2, 3]).reshape([n, c]))
            }
            (Layer::Flatten(_), a) => Act::Flat(a.channels_last()),
            (Layer::Dense(m), a) => Act::Flat(m.forward(a.channels_last())),
            (Layer::Sum(_), a) => a,
            (_, Act::Flat(_)) => {
                unreachable!("the geometry check rejects spatial layers after flatten")
            }
        }
    }

    /// Whether layer `i`'s output, as explanations see it, is the softmax of
    /// what it computes (a dense layer declared with a softmax).
    fn softmax_after(&self, i: usize) -> bool {
        matches!(self.arch.layers[i], LayerSpec::Dense { softmax: true, .. })
    }

    /// Whether inference on `device` runs on the host, through
    /// [`Sequential::to_graph`] (made once): on the CPU devices (flex,
    /// ndarray), outside training (not autodiff).
    pub fn host_inference(&self, device: &Device) -> bool {
        // burn-ndarray is deprecated upstream but still offered for comparison
        #[allow(deprecated)]
        let ndarray = Device::ndarray();
        !device.is_autodiff() && (*device == Device::flex() || *device == ndarray)
    }

    /// The host's form of the model, made at the first call.
    fn host_graph(&self) -> nnitp_core::Result<&LayerGraph> {
        if let Some(g) = self.host.get() {
            return Ok(g);
        }
        let g = self.to_graph()?;
        Ok(self.host.get_or_init(|| g))
    }

    /// The logits of the last layer (before its softmax), for training.
    ///
    /// # Shapes
    /// - `images`: `[N, C, H, W]`
    /// - output: `[N, classes]`
    pub fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.run(images, self.layers.len() - 1, |_, act| act)
            .channels_last()
    }

    /// The model with `y * scale + shift` of its output folded into the
    /// last dense layer's weights: how a model trained on a standardised
    /// number predicts it in its own units.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the last layer is not dense (without
    /// a softmax, with a bias).
    pub fn with_output_scaled(mut self, scale: f32, shift: f32) -> Result<Self> {
        let softmax = self.softmax_after(self.layers.len().saturating_sub(1));
        match self.layers.last_mut() {
            Some(Layer::Dense(linear)) if !softmax && linear.bias.is_some() => {
                linear.weight = linear.weight.clone().map(|w| w * scale);
                linear.bias = linear.bias.take().map(|b| b.map(|b| b * scale + shift));
            }
            _ => {
                return Err(Error::InvalidArgument(
                    "only a last dense layer without softmax can be scaled".into(),
                ))
            }
        }
        // the host's form, if made, holds the old weights
        self.host = OnceLock::new();
        Ok(self)
    }

    /// Loads weights saved by [`Sequential::save`] (burnpack format).
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the file does not hold this architecture's
    /// weights; [`Error::NonFiniteWeights`] when one holds a NaN or an
    /// infinity; [`Error::Io`] when it cannot be read.
    pub fn load(self, path: &std::path::Path, model: &str) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let loaded = self
            .try_load_file(path)
            .map_err(|source| Error::WeightsMismatch {
                path: path.to_path_buf(),
                model: model.into(),
                source,
            })?;
        loaded.finite(path, model)
    }

    /// `self`, or [`Error::NonFiniteWeights`] naming the first tensor holding
    /// a NaN or an infinity.
    fn finite(self, path: &std::path::Path, model: &str) -> Result<Self> {
        match nnitp_core::network::non_finite_tensor(&self) {
            Some(tensor) => Err(Error::NonFiniteWeights {
                path: path.to_path_buf(),
                model: model.into(),
                tensor,
            }),
            // new weights: the host's form is made again from them
            None => Ok(Sequential {
                host: OnceLock::new(),
                ..self
            }),
        }
    }

    /// Loads weights from bytes in the burnpack format.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the bytes do not hold this architecture's weights.
    pub fn load_bytes(self, bytes: &[u8], model: &str) -> Result<Self> {
        let mismatch = |source: burn::store::RecordError| Error::WeightsMismatch {
            path: "<embedded>".into(),
            model: model.into(),
            source,
        };
        let record = burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(
            bytes.to_vec(),
        ))
        .map_err(mismatch)?;
        self.try_load_record(record)
            .map_err(mismatch)?
            .finite(std::path::Path::new("<embedded>"), model)
    }

    /// Saves the weights (burnpack format).
    ///
    /// # Errors
    /// [`Error::SaveWeights`] when the file cannot be written.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.clone()
            .save_file(path)
            .map_err(|source| Error::SaveWeights {
                path: path.to_path_buf(),
                source,
            })
    }
}

impl Network for Sequential {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.devices().into_iter().next().unwrap_or_default()
    }

    fn fingerprint(&self) -> Option<nnitp_core::digest::Digest> {
        nnitp_core::network::module_digest(self)
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let Some(last) = (0..self.layers.len()).rev().find(|&i| taps.wants(i)) else {
            return Ok(());
        };
        if self.host_inference(&images.device()) {
            return self.host_graph()?.forward_layers(images, taps);
        }
        self.run(images, last, |i, act| {
            if !taps.wants(i) && taps.replaced_layer() != Some(i) {
                return act;
            }
            match act {
                Act::Map(t) => Act::Map(taps.tap(i, t)),
                // the layer explanations see is the softmax; no layer reads it
                Act::Flat(t) if self.softmax_after(i) => {
                    taps.tap(i, softmax(t.clone(), 1));
                    Act::Flat(t)
                }
                Act::Flat(t) => Act::Flat(taps.tap(i, t)),
            }
        });
        Ok(())
    }

    fn interventions(&self) -> bool {
        true
    }
}
