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
use nnitp_core::cone::{Geometry, Padding};
use nnitp_core::Network;

use super::architecture::{Architecture, LayerSpec};
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

impl Sequential {
    /// A freshly initialised model of `arch` on `device`.
    ///
    /// # Errors
    /// When the architecture's shapes do not work out.
    pub fn new(arch: &Architecture, device: &Device) -> Result<Self> {
        let geometry = arch.geometry()?;
        let mut layers = Vec::with_capacity(arch.layers.len());
        let mut channels = arch.input_shape[2];
        for (i, spec) in arch.layers.iter().enumerate() {
            let layer = match *spec {
                LayerSpec::Conv2d {
                    filters,
                    kernel,
                    padding,
                } => {
                    let pad = match padding {
                        Padding::Same => PaddingConfig2d::Same,
                        Padding::Valid => PaddingConfig2d::Valid,
                    };
                    Layer::Conv2d(
                        Conv2dConfig::new([channels, filters], [kernel, kernel])
                            .with_padding(pad)
                            .init(device),
                    )
                }
                LayerSpec::Elu => Layer::Elu(EluConfig::new().init()),
                LayerSpec::Relu => Layer::Relu(Relu::new()),
                LayerSpec::BatchNorm => {
                    Layer::BatchNorm(BatchNormConfig::new(channels).init(device))
                }
                LayerSpec::MaxPool2d { window } => Layer::MaxPool2d(
                    MaxPool2dConfig::new([window, window])
                        .with_strides([window, window])
                        .init(),
                ),
                LayerSpec::Dropout { prob } => Layer::Dropout(DropoutConfig::new(prob).init()),
                LayerSpec::Flatten => Layer::Flatten(Flatten {}),
                LayerSpec::Dense { units, .. } => {
                    let inputs: usize = match i {
                        0 => arch.input_shape.iter().product(),
                        _ => geometry
                            .shape(nnitp_core::cone::Place::Layer(i - 1))?
                            .iter()
                            .product(),
                    };
                    Layer::Dense(LinearConfig::new(inputs, units).init(device))
                }
            };
            channels = *geometry
                .shape(nnitp_core::cone::Place::Layer(i))?
                .last()
                .expect("shapes are non-empty");
            layers.push(layer);
        }
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
            act = match (layer, act) {
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
            };
            visit(i, &act);
        }
        act
    }

    /// The logits of the last layer (before its softmax), for training.
    ///
    /// # Shapes
    /// - `images`: `[N, H, W, C]`
    /// - output: `[N, classes]`
    pub fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        let x = images.permute([0, 3, 1, 2]);
        self.run(x, self.layers.len() - 1, |_, _| {})
            .channels_last()
    }

    /// Loads weights saved by [`Sequential::save`] (burnpack format).
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the file does not hold this architecture's
    /// weights; [`Error::Io`] when it cannot be read.
    pub fn load(self, path: &std::path::Path, model: &str) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        self.try_load_file(path)
            .map_err(|e| Error::WeightsMismatch {
                path: path.to_path_buf(),
                model: model.into(),
                reason: e.to_string(),
            })
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
        self.try_load_record(record).map_err(mismatch)
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

    fn layer_names(&self) -> Vec<String> {
        self.arch.names()
    }

    fn device(&self) -> Device {
        self.devices().into_iter().next().unwrap_or_default()
    }

    fn forward_layers(&self, images: Tensor<4>, layers: &[usize]) -> Vec<Tensor<2>> {
        let Some(&last) = layers.iter().max() else {
            return Vec::new();
        };
        let x = images.permute([0, 3, 1, 2]);
        let mut found: Vec<Option<Tensor<2>>> = vec![None; layers.len()];
        self.run(x, last, |i, act| {
            for (slot, _) in found.iter_mut().zip(layers).filter(|(_, &l)| l == i) {
                let mut t = act.channels_last();
                if let LayerSpec::Dense { softmax: true, .. } = self.arch.layers[i] {
                    t = softmax(t, 1);
                }
                *slot = Some(t);
            }
        });
        found
            .into_iter()
            .map(|t| t.expect("every asked layer ran"))
            .collect()
    }
}
