//! The explorer's catalog of one ONNX model with its images (the `onnx`
//! feature).

use std::path::PathBuf;

use nnitp_core::{Explainer, ExplainerConfig, Network};
use nnitp_models::data::Normalization;
use nnitp_models::OnnxLoaded;
use nnitp_viz::explorer::{Catalog, ModelInfo, Opened};

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
        let data = data.into();
        let mut info = ModelInfo::numbered(
            crate::folder_catalog::file_name(&model),
            graph.geometry(),
            graph.default_layers(),
            ExplainerConfig::new(Vec::new()).size(),
        );
        // an image folder names the classes
        if let Some(names) = nnitp_models::data::class_names(&data) {
            if names.len() == info.classes.len() {
                info.classes = names;
            }
        }
        Ok(OnnxCatalog {
            model,
            data,
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
            source: Box::new(e.with_file_names()),
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
