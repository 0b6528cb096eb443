//! An ONNX model with its images, one call from files to an [`Explainer`].

use std::path::Path;

use nnitp_core::{Explainer, ExplainerConfig, Network, NetworkSource};

use crate::data::{load_for_input, Normalization, Splits};
use crate::error::Result;
use crate::graph::LayerGraph;

/// An ONNX model read with the images it explains.
#[derive(Clone, Debug)]
pub struct OnnxLoaded {
    /// The model.
    pub graph: LayerGraph,
    /// Its training and test images, checked against its input.
    pub splits: Splits,
    /// The class names, where the images' folders give them.
    pub classes: Option<Vec<String>>,
}

impl OnnxLoaded {
    /// Reads the model in `model` and the images in `data` (as
    /// [`load_for_input`] reads them), normalised by `norm`.
    ///
    /// # Errors
    /// [`crate::Error::Onnx`] for the model; the data readers' errors,
    /// [`crate::Error::InputShape`] for images that do not fit the model.
    pub fn load(
        model: impl AsRef<Path>,
        data: impl AsRef<Path>,
        norm: &Normalization,
    ) -> Result<Self> {
        let graph = crate::onnx::read(model)?;
        let sets = load_for_input(data, graph.input_shape(), norm)?;
        Ok(OnnxLoaded {
            graph,
            splits: sets.splits,
            classes: sets.classes,
        })
    }

    /// An explanation session over the model and its images (the first
    /// `config.size` of each set).
    ///
    /// # Errors
    /// The [`Explainer::new`] errors.
    pub fn explainer(
        self,
        config: ExplainerConfig,
    ) -> Result<Explainer<NetworkSource<LayerGraph>>> {
        let Splits { train, test, .. } = self.splits;
        Ok(Explainer::new(
            self.graph,
            train.images,
            test.images,
            config,
        )?)
    }

    /// The same session with the model on `device`
    /// ([`LayerGraph::into_network`]): the host kernels on flex, burn's ops
    /// on the devices these do not run on (ndarray, wgpu).
    ///
    /// # Errors
    /// The [`Explainer::new`] errors.
    pub fn explainer_on(
        self,
        device: &burn::tensor::Device,
        config: ExplainerConfig,
    ) -> Result<Explainer<NetworkSource<Box<dyn Network + Send + Sync>>>> {
        let Splits { train, test, .. } = self.splits;
        Ok(Explainer::new(
            self.graph.into_network(device),
            train.images,
            test.images,
            config,
        )?)
    }
}
