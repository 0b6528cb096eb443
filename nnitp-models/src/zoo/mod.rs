//! The model zoo: nnitp's CIFAR-10, Fashion-MNIST and MNIST networks with the same
//! layer numbering as nnitp, and the builder that gives any sequential CNN the
//! [`nnitp_core::Network`] trait.

mod architecture;
mod host;
mod sequential;

pub use architecture::{Architecture, LayerSpec};
pub use sequential::{Flatten, Layer, Sequential};

use std::path::Path;

use burn::tensor::Device;
use nnitp_core::cone::Padding;
use nnitp_core::SearchParams;
use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::error::{Error, Result};

/// A model of the zoo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// nnitp's CIFAR-10 network (layers 0-25).
    Cifar10,
    /// nnitp's Fashion-MNIST network (layers 0-17).
    FashionMnist,
    /// nnitp's MNIST network (layers 0-17).
    Mnist,
}

/// The shipped Fashion-MNIST weights (trained on the full 60000 images).
const FASHION_MNIST_WEIGHTS: &[u8] = include_bytes!("../../weights/fashion-mnist.bpk");

/// nnitp's convolutional block: conv, ELU, batch norm, conv, ELU, batch norm,
/// 2x2 max pool, dropout.
fn block(arch: Architecture, filters: usize, dropout: f64) -> Architecture {
    arch.conv2d(filters, 3, Padding::Same)
        .elu()
        .batch_norm()
        .conv2d(filters, 3, Padding::Same)
        .elu()
        .batch_norm()
        .max_pool(2)
        .dropout(dropout)
}

impl ModelKind {
    /// Every model of the zoo.
    pub const ALL: [ModelKind; 3] = [
        ModelKind::Cifar10,
        ModelKind::FashionMnist,
        ModelKind::Mnist,
    ];

    /// The model's name (`cifar10`, `fashion-mnist`, `mnist`).
    pub fn name(self) -> &'static str {
        self.dataset().name()
    }

    /// Parses a model name.
    ///
    /// # Errors
    /// [`Error::UnknownModel`].
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| Error::UnknownModel(name.into()))
    }

    /// The dataset the model classifies.
    pub fn dataset(self) -> DatasetKind {
        match self {
            ModelKind::Cifar10 => DatasetKind::Cifar10,
            ModelKind::FashionMnist => DatasetKind::FashionMnist,
            ModelKind::Mnist => DatasetKind::Mnist,
        }
    }

    /// The layer list, numbered as in nnitp.
    pub fn architecture(self) -> Architecture {
        let input = self.dataset().image_shape();
        match self {
            ModelKind::Cifar10 => {
                let a = block(Architecture::new(input), 32, 0.2);
                let a = block(a, 64, 0.3);
                block(a, 128, 0.4).flatten().dense(10, true)
            }
            ModelKind::FashionMnist | ModelKind::Mnist => {
                let a = block(Architecture::new(input), 32, 0.2);
                block(a, 64, 0.3).flatten().dense(10, true)
            }
        }
    }

    /// The layers explanations use by default (nnitp's).
    pub fn default_layers(self) -> Vec<usize> {
        vec![6, 14]
    }

    /// nnitp's default search parameters for this model.
    pub fn default_params(self) -> SearchParams {
        match self {
            ModelKind::Cifar10 => SearchParams::default()
                .with_alpha(0.95)
                .with_gamma(0.6)
                .with_mu(0.9),
            _ => SearchParams::default(),
        }
    }

    /// nnitp's default number of training and test images an explanation uses.
    pub fn default_size(self) -> usize {
        match self {
            ModelKind::Cifar10 => 20000,
            _ => 10000,
        }
    }

    /// A freshly initialised model on `device`.
    ///
    /// # Errors
    /// Only if the zoo's architecture were inconsistent.
    pub fn init(self, device: &Device) -> Result<Sequential> {
        Sequential::new(&self.architecture(), device)
    }

    /// The model with weights from `path`, or the shipped weights when `None`
    /// (Fashion-MNIST only).
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] for weights of another model; [`Error::Io`];
    /// [`Error::NoShippedWeights`] when `weights` is `None` for a model without
    /// shipped weights.
    pub fn load(self, weights: Option<&Path>, device: &Device) -> Result<Sequential> {
        let model = self.init(device)?;
        match (weights, self) {
            (Some(p), _) => model.load(p, self.name()),
            (None, ModelKind::FashionMnist) => model.load_bytes(FASHION_MNIST_WEIGHTS, self.name()),
            (None, _) => Err(Error::NoShippedWeights {
                model: self.name().into(),
            }),
        }
    }
}
