//! The explorer's catalog of one folder of activations (`.npy` files written
//! by `nnitp export` or any framework): a model like the zoo's, without its
//! network or labels.

use std::path::PathBuf;

use nnitp_core::{Activations, Explainer, ExplainerConfig, Split};
use nnitp_viz::explorer::{Catalog, ModelInfo, Opened};

/// One folder of activations, offered under its folder's name.
#[derive(Clone, Debug)]
pub struct FolderCatalog {
    name: String,
    dir: PathBuf,
    info: ModelInfo,
}

impl FolderCatalog {
    /// Reads the folder once to describe it (its layers and sample counts);
    /// each load reads it again.
    ///
    /// # Errors
    /// The folder's errors, as [`Activations::read_dir`] gives them.
    pub fn new(dir: impl Into<PathBuf>) -> nnitp_core::Result<FolderCatalog> {
        let dir = dir.into();
        let acts = Activations::read_dir(&dir)?;
        let name = file_name(&dir);
        // every layer (the explorer numbers them by position); only those
        // the folder holds can be selected successfully
        let info = ModelInfo::numbered(
            name.clone(),
            acts.geometry(),
            acts.hidden_layers(),
            acts.len(Split::Train).unwrap_or(0),
        );
        Ok(FolderCatalog { name, dir, info })
    }
}

/// The last component of `path` (the whole path when it has none), as the
/// explorer names a model.
pub(crate) fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl Catalog for FolderCatalog {
    fn models(&self) -> Vec<ModelInfo> {
        vec![self.info.clone()]
    }

    fn open(&self, name: &str, config: ExplainerConfig) -> nnitp_viz::Result<Opened> {
        if name != self.name {
            return Err(nnitp_viz::Error::UnknownModel(name.into()));
        }
        let load = |e: nnitp_core::Error| nnitp_viz::Error::Load {
            model: name.into(),
            source: Box::new(e.with_file_names()),
        };
        let acts = Activations::read_dir(&self.dir).map_err(load)?;
        let explainer = Explainer::from_activations(acts, config)
            .map_err(load)?
            .boxed();
        // a folder holds no labels
        Ok(Opened {
            explainer,
            train_labels: Vec::new(),
            test_labels: Vec::new(),
        })
    }
}
