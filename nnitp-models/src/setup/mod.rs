//! One call from a model name to a ready [`Explainer`]: the zoo model with its
//! weights on a device, its dataset, and nnitp's defaults for both.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use nnitp_core::{Explainer, ExplainerConfig, NetworkSource};

#[cfg(feature = "onnx")]
mod onnx;

#[cfg(feature = "onnx")]
pub use onnx::OnnxLoaded;

use crate::data::{self, Splits};
use crate::error::Result;
use crate::graph::DeviceGraph;
use crate::zoo::ModelKind;

/// An explanation session over a zoo model and its data.
pub type ZooExplainer = Explainer<NetworkSource<DeviceGraph>>;

/// Where a zoo model's weights and data come from, and how to run it.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The zoo model.
    pub kind: ModelKind,
    /// Dataset folder (`None`: `$NNITP_DATA`, Debian's folder, the embedded sample).
    pub data: Option<PathBuf>,
    /// Use the embedded Fashion-MNIST sample, whatever else is installed
    /// (overrides `data`).
    pub embedded: bool,
    /// Weights file (`None`: the shipped weights, Fashion-MNIST only).
    pub weights: Option<PathBuf>,
    /// The burn device the model runs on.
    pub device: Device,
}

/// A loaded model and its data.
pub struct Loaded {
    /// The zoo model.
    pub kind: ModelKind,
    /// The network with its weights.
    pub model: DeviceGraph,
    /// Its training and test sets.
    pub splits: Splits,
}

impl Setup {
    /// `kind` with the default data and weights, on `device`.
    pub fn new(kind: ModelKind, device: Device) -> Self {
        Setup {
            kind,
            data: None,
            embedded: false,
            weights: None,
            device,
        }
    }

    /// Reads the data from `dir`.
    pub fn with_data(mut self, dir: Option<impl AsRef<Path>>) -> Self {
        self.data = dir.map(|d| d.as_ref().to_path_buf());
        self
    }

    /// Uses the embedded Fashion-MNIST sample (10000 training and 2000 test
    /// images, shipped in the crate) whatever is installed on the machine.
    pub fn with_embedded_data(mut self) -> Self {
        self.embedded = true;
        self
    }

    /// Reads the weights from `file`.
    pub fn with_weights(mut self, file: Option<impl AsRef<Path>>) -> Self {
        self.weights = file.map(|f| f.as_ref().to_path_buf());
        self
    }

    /// Loads the model and its dataset.
    ///
    /// # Errors
    /// The dataset readers' errors, [`crate::Error::WeightsMismatch`], [`crate::Error::Io`].
    pub fn load(&self) -> Result<Loaded> {
        let model = self.kind.load(self.weights.as_deref(), &self.device)?;
        let splits = if self.embedded {
            data::embedded_fashion_mnist()?
        } else {
            data::load(self.kind.dataset(), self.data.as_deref())?
        };
        Ok(Loaded {
            kind: self.kind,
            model,
            splits,
        })
    }
}

impl ModelKind {
    /// nnitp's explainer settings for this model: its default layers, search
    /// parameters and sample size.
    pub fn explainer_config(self) -> ExplainerConfig {
        ExplainerConfig::new(self.default_layers())
            .with_params(self.default_params())
            .with_size(self.default_size())
    }
}

impl Loaded {
    /// An explanation session over the model and its data (the first
    /// `config.size` images of each set); a table's session names its
    /// features in the data's units ([`Explainer::with_features`]).
    ///
    /// # Errors
    /// The [`Explainer::new`] errors.
    pub fn explainer(self, config: ExplainerConfig) -> Result<ZooExplainer> {
        let Splits { train, test, .. } = self.splits;
        let explainer = Explainer::new(self.model, train.images, test.images, config)?;
        Ok(match self.kind.dataset().preprocessing()? {
            Some(prep) => explainer.with_features(prep.features()?)?,
            None => explainer,
        })
    }
}
