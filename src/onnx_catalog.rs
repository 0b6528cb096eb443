//! The explorer's catalog of one ONNX model with its images (the `onnx`
//! feature).

use std::path::PathBuf;

use nnitp_core::cone::Place;
use nnitp_core::{Explainer, ExplainerConfig, Network, SearchParams};
use nnitp_models::data::Normalization;
use nnitp_models::onnx::OnnxLoaded;
use nnitp_viz::explorer::{Catalog, LayerInfo, ModelInfo, Opened};

/// One ONNX model and the folder of its images, offered under the file's
/// name.
#[derive(Clone, Debug)]
pub struct OnnxCatalog {
    model: PathBuf,
    data: PathBuf,
    norm: Normalization,
    info: ModelInfo,
}

impl OnnxCatalog {
    /// Reads the model once to describe it; each load reads it and its
    /// images again.
    ///
    /// # Errors
    /// [`nnitp_models::Error::Onnx`] for a model that cannot be read.
    pub fn new(
        model: impl Into<PathBuf>,
        data: impl Into<PathBuf>,
        norm: Normalization,
    ) -> nnitp_models::Result<OnnxCatalog> {
        let model = model.into();
        let graph = nnitp_models::onnx::read(&model)?;
        let geometry = graph.geometry();
        let output = geometry.len().saturating_sub(1);
        let layers = (0..geometry.len())
            .map(|index| LayerInfo {
                index,
                name: geometry.name(index),
                shape: geometry
                    .shape(Place::Layer(index))
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default(),
            })
            .collect();
        let classes = geometry
            .units(output)
            .map(|n| (0..n).map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let name = model.file_name().map_or_else(
            || model.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let info = ModelInfo {
            name,
            classes,
            layers,
            default_layers: graph.default_layers(),
            params: SearchParams::default(),
            size: ExplainerConfig::new(Vec::new()).size,
        };
        Ok(OnnxCatalog {
            model,
            data: data.into(),
            norm,
            info,
        })
    }
}

impl Catalog for OnnxCatalog {
    fn models(&self) -> Vec<ModelInfo> {
        vec![self.info.clone()]
    }

    fn open(&self, name: &str, config: ExplainerConfig) -> nnitp_viz::Result<Opened> {
        if name != self.info.name {
            return Err(nnitp_viz::Error::UnknownModel(name.into()));
        }
        let load = |e: nnitp_models::Error| nnitp_viz::Error::Load {
            model: name.into(),
            source: Box::new(e),
        };
        let loaded = OnnxLoaded::load(&self.model, &self.data, &self.norm).map_err(load)?;
        let (train_labels, test_labels) = (
            loaded.splits.train.labels.clone(),
            loaded.splits.test.labels.clone(),
        );
        let explainer: Explainer<_> = loaded.explainer(config).map_err(load)?;
        Ok(Opened {
            explainer: explainer.boxed(),
            train_labels,
            test_labels,
        })
    }
}
