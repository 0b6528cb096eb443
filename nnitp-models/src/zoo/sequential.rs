//! A burn model built from an [`Architecture`]; it implements
//! [`nnitp_core::Network`], so any sequential CNN gets extraction and cones.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Elu, EluConfig, Linear, LinearConfig,
    PaddingConfig2d, Relu,
};
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use nnitp_core::cone::{Geometry, LayerKind, Padding};
use nnitp_core::network::{LayerOutput, Network, Taps};

use super::architecture::{Architecture, LayerSpec};
use super::host::Host;
use crate::error::{Error, Result};

/// A stateless flatten layer (channels last, as Keras).
#[derive(Module, Debug, Default)]
pub struct Flatten {}

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
    /// Dense (fully connected).
    Dense(Linear),
}

/// A layer's output: a feature map (NCHW) or a flat vector.
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

/// A sequential CNN as a burn module.
#[derive(Module, Debug)]
pub struct Sequential {
    layers: Vec<Layer>,
    #[module(skip)]
    arch: Architecture,
    #[module(skip)]
    geometry: Geometry,
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
    Dense(LinearConfig),
}

/// Declares every layer of `arch` from its burn config: the geometry the
/// configs give, and the configs to initialise.
pub(super) fn declare(arch: &Architecture) -> Result<(Geometry, Vec<Config>)> {
    let mut g = Geometry::builder(&arch.input_shape);
    let mut configs = Vec::with_capacity(arch.layers.len());
    for (spec, name) in arch.layers.iter().zip(arch.names()) {
        let input = g.current_shape().to_vec();
        let channels = *input.last().unwrap_or(&0);
        let config = match *spec {
            LayerSpec::Conv2d {
                filters,
                kernel,
                padding,
            } => {
                let pad = match padding {
                    Padding::Same => PaddingConfig2d::Same,
                    Padding::Valid => PaddingConfig2d::Valid,
                    Padding::Explicit {
                        top,
                        left,
                        bottom,
                        right,
                    } => PaddingConfig2d::Explicit(top, left, bottom, right),
                };
                Config::Conv2d(g.push(
                    name,
                    Conv2dConfig::new([channels, filters], [kernel, kernel]).with_padding(pad),
                )?)
            }
            LayerSpec::Elu => Config::Elu(g.push(name, EluConfig::new())?),
            LayerSpec::Relu => {
                g.push(name, Relu::new())?;
                Config::Relu
            }
            LayerSpec::BatchNorm => {
                Config::BatchNorm(g.push(name, BatchNormConfig::new(channels))?)
            }
            LayerSpec::MaxPool2d { window } => Config::MaxPool2d(g.push(
                name,
                MaxPool2dConfig::new([window, window]).with_strides([window, window]),
            )?),
            LayerSpec::Dropout { prob } => Config::Dropout(g.push(name, DropoutConfig::new(prob))?),
            LayerSpec::Flatten => {
                g.push(name, LayerKind::Flatten)?;
                Config::Flatten
            }
            LayerSpec::Dense { units, .. } => {
                Config::Dense(g.push(name, LinearConfig::new(input.iter().product(), units))?)
            }
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
                Config::Dense(c) => Layer::Dense(c.init(device)),
            })
            .collect();
        Ok(Sequential {
            layers,
            arch: arch.clone(),
            geometry,
        })
    }

    /// The architecture.
    pub fn architecture(&self) -> &Architecture {
        &self.arch
    }

    /// Runs the layers on `x`, calling `visit(i, output)` after each layer up to
    /// `last`; returns the output of layer `last` before any softmax.
    fn run(&self, x: Tensor<4>, last: usize, mut visit: impl FnMut(usize, &Act)) -> Act {
        let mut act = Act::Map(x);
        for (i, layer) in self.layers.iter().enumerate().take(last + 1) {
            act = self.step(layer, act);
            visit(i, &act);
        }
        act
    }

    /// One layer on the device.
    fn step(&self, layer: &Layer, act: Act) -> Act {
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
            (Layer::Flatten(_), a) => Act::Flat(a.channels_last()),
            (Layer::Dense(m), a) => Act::Flat(m.forward(a.channels_last())),
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

    /// Whether inference on `device` runs on the host (convolutions as
    /// matrix products, the other layers one pass each): on the CPU devices
    /// (flex, ndarray), outside training (not autodiff), for the layers the
    /// host code covers (convolutions of one group, max pooling without
    /// padding, dilation or `ceil_mode`: all the zoo's models).
    pub fn host_inference(&self, device: &Device) -> bool {
        // burn-ndarray is deprecated upstream but still offered for comparison
        #[allow(deprecated)]
        let ndarray = Device::ndarray();
        let cpu = !device.is_autodiff() && (*device == Device::flex() || *device == ndarray);
        cpu && self.layers.iter().all(|l| match l {
            Layer::Conv2d(m) => m.groups == 1,
            Layer::MaxPool2d(m) => {
                m.padding == PaddingConfig2d::Valid && m.dilation == [1, 1] && !m.ceil_mode
            }
            _ => true,
        })
    }

    /// The forward pass on the host, up to layer `last`, handing the layers
    /// `taps` wants to it (channels last).
    fn forward_host(
        &self,
        images: Tensor<4>,
        last: usize,
        taps: &mut Taps,
    ) -> nnitp_core::Result<()> {
        let mut x = Host::from_images(images)?;
        for (i, layer) in self.layers.iter().enumerate().take(last + 1) {
            x = match layer {
                Layer::Conv2d(m) => x.conv2d(m)?,
                Layer::Elu(m) => {
                    x.elu(m.alpha);
                    x
                }
                Layer::Relu(_) => {
                    x.relu();
                    x
                }
                Layer::BatchNorm(m) => {
                    x.batch_norm(m)?;
                    x
                }
                Layer::MaxPool2d(m) => x.max_pool(m.kernel_size, m.stride),
                Layer::Dropout(_) => x,
                Layer::Flatten(_) => x.flatten(),
                Layer::Dense(m) => x.dense(m)?,
            };
            if taps.wants(i) {
                let out = if self.softmax_after(i) {
                    x.softmax()
                } else {
                    x.clone()
                };
                taps.keep(
                    i,
                    LayerOutput::Host {
                        values: out.values,
                        shape: out.shape,
                    },
                );
            }
        }
        Ok(())
    }

    /// The logits of the last layer (before its softmax), for training.
    ///
    /// # Shapes
    /// - `images`: `[N, C, H, W]`
    /// - output: `[N, classes]`
    pub fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.run(images, self.layers.len() - 1, |_, _| {})
            .channels_last()
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
            .map_err(|e| Error::WeightsMismatch {
                path: path.to_path_buf(),
                model: model.into(),
                reason: e.to_string(),
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
            None => Ok(self),
        }
    }

    /// Loads weights from bytes in the burnpack format.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the bytes do not hold this architecture's weights.
    pub fn load_bytes(self, bytes: &[u8], model: &str) -> Result<Self> {
        let mismatch = |e: burn::store::RecordError| Error::WeightsMismatch {
            path: "<embedded>".into(),
            model: model.into(),
            reason: e.to_string(),
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
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        self.clone().save_file(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
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
            return self.forward_host(images, last, taps);
        }
        self.run(images, last, |i, act| {
            if !taps.wants(i) {
                return;
            }
            match act {
                Act::Map(t) => {
                    taps.tap(i, t.clone());
                }
                Act::Flat(t) => {
                    let t = if self.softmax_after(i) {
                        softmax(t.clone(), 1)
                    } else {
                        t.clone()
                    };
                    taps.tap(i, t);
                }
            }
        });
        Ok(())
    }
}
