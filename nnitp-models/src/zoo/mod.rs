//! The model zoo: nnitp's CIFAR-10, Fashion-MNIST and MNIST networks with the same
//! layer numbering as nnitp, a small residual network for Fashion-MNIST, two
//! multilayer perceptrons on tables (a class and a number) and a 1-d CNN on
//! series, each an [`Architecture`] that builds its
//! [`LayerGraph`](crate::graph::LayerGraph), trained and run as a
//! [`DeviceGraph`].

mod architecture;

pub use architecture::{Architecture, LayerSpec};

use std::path::Path;

use burn::tensor::Device;
use nnitp_core::cone::{Padding, Place};
use nnitp_core::SearchParams;
use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;
use crate::error::{Error, Result};
use crate::graph::DeviceGraph;

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
    /// A small ResNet for Fashion-MNIST (layers 0-50): a stem convolution and
    /// three stages of two basic blocks (16, 32, 64 filters).
    FashionMnistResnet,
    /// A multilayer perceptron on the breast cancer table (layers 0-5): the
    /// 30 standardised features (layer 0), dense 16 + ReLU, dense 8 + ReLU,
    /// dense 2 with softmax (benign, malignant).
    BreastCancerMlp,
    /// A multilayer perceptron on the diabetes table (layers 0-5): the 10
    /// standardised features (layer 0), dense 16 + ReLU, dense 8 + ReLU, and
    /// one output unit, the predicted progression in the table's units.
    DiabetesMlp,
    /// A 1-d CNN on GunPoint's series (layers 0-7): conv 8 x 7 + ReLU, max
    /// pool 2 (2), conv 16 x 5 + ReLU, max pool 2 (5), flatten, dense 2 with
    /// softmax (gun-draw, point).
    GunpointCnn,
}

/// The shipped Fashion-MNIST weights (trained on the full 60000 images).
const FASHION_MNIST_WEIGHTS: &[u8] = include_bytes!("../../weights/fashion-mnist.bpk");
/// The shipped Fashion-MNIST ResNet weights (trained on the full 60000 images).
const FASHION_MNIST_RESNET_WEIGHTS: &[u8] =
    include_bytes!("../../weights/fashion-mnist-resnet.bpk");

/// The shipped breast cancer perceptron's weights (trained on the shipped
/// table's training rows).
const BREAST_CANCER_MLP_WEIGHTS: &[u8] = include_bytes!("../../weights/breast-cancer-mlp.bpk");
/// The shipped diabetes perceptron's weights (trained on the shipped table's
/// training rows).
const DIABETES_MLP_WEIGHTS: &[u8] = include_bytes!("../../weights/diabetes-mlp.bpk");
/// The shipped GunPoint CNN's weights (trained on the 50 training series).
const GUNPOINT_CNN_WEIGHTS: &[u8] = include_bytes!("../../weights/gunpoint-cnn.bpk");

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

/// A table's perceptron up to its output layer: the features flattened
/// (layer 0), dense 16 + ReLU, dense 8 + ReLU.
fn mlp(input: [usize; 3]) -> Architecture {
    Architecture::new(input)
        .flatten()
        .dense(16, false)
        .relu()
        .dense(8, false)
        .relu()
}

/// A ResNet basic block on the layer before it: conv, batch norm, ReLU, conv,
/// batch norm, plus the block's input (through a strided 1x1 convolution and
/// batch norm when the block downsamples), ReLU.
fn basic_block(arch: Architecture, filters: usize, downsample: bool) -> Architecture {
    let input = arch.next_index() - 1;
    let (stride, padding) = if downsample {
        (2, Padding::explicit(1, 1))
    } else {
        (1, Padding::Same)
    };
    let a = arch
        .push(LayerSpec::Conv2d {
            filters,
            kernel: 3,
            stride,
            padding,
        })
        .batch_norm()
        .relu()
        .conv2d(filters, 3, Padding::Same)
        .batch_norm();
    let main = a.next_index() - 1;
    let (a, skip) = if downsample {
        let a = a
            .push_from(
                LayerSpec::Conv2d {
                    filters,
                    kernel: 1,
                    stride: 2,
                    padding: Padding::Valid,
                },
                &[Place::Layer(input)],
            )
            .batch_norm();
        let skip = a.next_index() - 1;
        (a, skip)
    } else {
        (a, input)
    };
    a.add(main, skip).relu()
}

impl ModelKind {
    /// Every model of the zoo.
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Cifar10,
        ModelKind::FashionMnist,
        ModelKind::Mnist,
        ModelKind::FashionMnistResnet,
        ModelKind::BreastCancerMlp,
        ModelKind::DiabetesMlp,
        ModelKind::GunpointCnn,
    ];

    /// The model's name (`cifar10`, `fashion-mnist`, `mnist`,
    /// `fashion-mnist-resnet`, `breast-cancer-mlp`, `diabetes-mlp`,
    /// `gunpoint-cnn`).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::FashionMnistResnet => "fashion-mnist-resnet",
            ModelKind::BreastCancerMlp => "breast-cancer-mlp",
            ModelKind::DiabetesMlp => "diabetes-mlp",
            ModelKind::GunpointCnn => "gunpoint-cnn",
            _ => self.dataset().name(),
        }
    }

    /// Parses a model name.
    ///
    /// # Errors
    /// [`Error::UnknownModel`].
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| Error::UnknownModel {
                name: name.into(),
                known: Self::ALL.iter().map(|k| k.name()).collect(),
            })
    }

    /// The dataset the model classifies.
    pub fn dataset(self) -> DatasetKind {
        match self {
            ModelKind::Cifar10 => DatasetKind::Cifar10,
            ModelKind::FashionMnist | ModelKind::FashionMnistResnet => DatasetKind::FashionMnist,
            ModelKind::Mnist => DatasetKind::Mnist,
            ModelKind::BreastCancerMlp => DatasetKind::BreastCancer,
            ModelKind::DiabetesMlp => DatasetKind::Diabetes,
            ModelKind::GunpointCnn => DatasetKind::GunPoint,
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
            ModelKind::FashionMnistResnet => {
                let a = Architecture::new(input)
                    .conv2d(16, 3, Padding::Same)
                    .batch_norm()
                    .relu();
                let a = basic_block(basic_block(a, 16, false), 16, false);
                let a = basic_block(basic_block(a, 32, true), 32, false);
                let a = basic_block(basic_block(a, 64, true), 64, false);
                a.global_avg_pool().dense(10, true)
            }
            ModelKind::BreastCancerMlp => mlp(input).dense(2, true),
            ModelKind::DiabetesMlp => mlp(input).dense(1, false),
            ModelKind::GunpointCnn => Architecture::new(input)
                .conv1d(8, 7, Padding::Same)
                .relu()
                .max_pool1d(2)
                .conv1d(16, 5, Padding::Same)
                .relu()
                .max_pool1d(2)
                .flatten()
                .dense(2, true),
        }
    }

    /// The layers explanations use by default (nnitp's; for the ResNet, the
    /// outputs of the last blocks of stages 2 and 3; for a perceptron, its
    /// features and both hidden layers; for the 1-d CNN, both pools).
    pub fn default_layers(self) -> Vec<usize> {
        match self {
            ModelKind::FashionMnistResnet => vec![32, 48],
            ModelKind::BreastCancerMlp | ModelKind::DiabetesMlp => vec![0, 2, 4],
            ModelKind::GunpointCnn => vec![2, 5],
            _ => vec![6, 14],
        }
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

    /// Whether weights for this model ship with the crate.
    pub fn ships_weights(self) -> bool {
        self.shipped_weights().is_some()
    }

    fn shipped_weights(self) -> Option<&'static [u8]> {
        match self {
            ModelKind::FashionMnist => Some(FASHION_MNIST_WEIGHTS),
            ModelKind::FashionMnistResnet => Some(FASHION_MNIST_RESNET_WEIGHTS),
            ModelKind::BreastCancerMlp => Some(BREAST_CANCER_MLP_WEIGHTS),
            ModelKind::DiabetesMlp => Some(DIABETES_MLP_WEIGHTS),
            ModelKind::GunpointCnn => Some(GUNPOINT_CNN_WEIGHTS),
            _ => None,
        }
    }

    /// A freshly initialised model on `device`.
    ///
    /// # Errors
    /// Only if the zoo's architecture were inconsistent.
    pub fn init(self, device: &Device) -> Result<DeviceGraph> {
        self.architecture().init(device)
    }

    /// The model with weights from `path`, or the shipped weights when `None`
    /// (all but MNIST and CIFAR-10).
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] for weights of another model; [`Error::Io`];
    /// [`Error::NoShippedWeights`] when `weights` is `None` for a model without
    /// shipped weights.
    pub fn load(self, weights: Option<&Path>, device: &Device) -> Result<DeviceGraph> {
        let model = self.init(device)?;
        match (weights, self.shipped_weights()) {
            (Some(p), _) => model.load(p, self.name()),
            (None, Some(bytes)) => model.load_bytes(bytes, self.name()),
            (None, None) => Err(Error::NoShippedWeights {
                model: self.name().into(),
            }),
        }
    }
}
