//! The settings of an [`Explainer`](super::Explainer), checked once into a
//! [`ValidExplainerConfig`].

use serde::{Deserialize, Serialize};

use crate::cone::Geometry;
use crate::error::{Error, ParamError, Result};
use crate::search::{SearchParams, ValidSearchParams};

/// Settings of an [`Explainer`](super::Explainer): search parameters, sample
/// size, explanation layers, extraction batch size. Build with
/// [`new`](ExplainerConfig::new) and the `with_*` methods; they are checked
/// once ([`check`](ExplainerConfig::check)) when the explainer is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplainerConfig {
    params: SearchParams,
    size: usize,
    layers: Vec<usize>,
    batch_size: usize,
    #[cfg(feature = "cache")]
    #[serde(default)]
    cache: Option<std::path::PathBuf>,
    #[serde(default)]
    memory_budget: Option<usize>,
}

impl ExplainerConfig {
    /// Defaults (nnitp's search parameters, size 10000, batch 32, no disk
    /// cache, no memory budget) with the explanation `layers`.
    pub fn new(layers: Vec<usize>) -> Self {
        ExplainerConfig {
            params: SearchParams::default(),
            size: 10_000,
            layers,
            batch_size: 32,
            #[cfg(feature = "cache")]
            cache: None,
            memory_budget: None,
        }
    }

    /// Sets the search parameters.
    pub fn with_params(mut self, params: SearchParams) -> Self {
        self.params = params;
        self
    }

    /// Sets how many samples of each data set (the first ones) the session
    /// uses (at least 1).
    pub fn with_size(mut self, size: usize) -> Self {
        self.size = size;
        self
    }

    /// Sets the layers explanations may use (nnitp's selected layers).
    pub fn with_layers(mut self, layers: Vec<usize>) -> Self {
        self.layers = layers;
        self
    }

    /// Sets the images per forward pass during extraction (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Keeps extracted layers across processes in the folder `dir` (`None`:
    /// nothing is written to disk). Sources that cannot name their inputs
    /// (see [`ActivationSource::cache_key`](crate::ActivationSource::cache_key))
    /// are never cached.
    #[cfg(feature = "cache")]
    pub fn with_cache(mut self, dir: Option<impl Into<std::path::PathBuf>>) -> Self {
        self.cache = dir.map(Into::into);
        self
    }

    /// Holds at most `bytes` of extracted activations (`None`: no limit).
    /// Beyond it the layers used least recently are dropped and extracted (or
    /// read from the disk cache) again when next needed; the layers one query
    /// uses, and those handed over up front, always stay.
    pub fn with_memory_budget(mut self, bytes: Option<usize>) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// The search parameters.
    pub fn params(&self) -> &SearchParams {
        &self.params
    }

    /// The samples used from each data set.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The layers explanations may use, as given.
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// The extraction batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// The disk-cache folder, if any.
    #[cfg(feature = "cache")]
    pub fn cache(&self) -> Option<&std::path::Path> {
        self.cache.as_deref()
    }

    /// The memory budget in bytes, if any.
    pub fn memory_budget(&self) -> Option<usize> {
        self.memory_budget
    }

    /// Checks every setting once, the layers against `geometry`.
    ///
    /// # Errors
    /// The search parameters' errors; [`ParamError::InvalidSize`] for size 0,
    /// [`ParamError::InvalidBatchSize`] for batch size 0;
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange)
    /// for a layer `geometry` does not have.
    pub fn check(self, geometry: &Geometry) -> Result<ValidExplainerConfig> {
        let params = self.params.check()?;
        if self.size == 0 {
            return Err(ParamError::InvalidSize.into());
        }
        if self.batch_size == 0 {
            return Err(ParamError::InvalidBatchSize.into());
        }
        Ok(ValidExplainerConfig {
            layers: sorted_layers(self.layers, geometry)?,
            params,
            size: self.size,
            batch_size: self.batch_size,
            #[cfg(feature = "cache")]
            cache: self.cache,
            memory_budget: self.memory_budget,
        })
    }
}

/// Settings that passed [`ExplainerConfig::check`] against a geometry: the
/// layers in range, ascending and without repeats.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidExplainerConfig {
    pub(super) params: ValidSearchParams,
    pub(super) size: usize,
    pub(super) layers: Vec<usize>,
    pub(super) batch_size: usize,
    #[cfg(feature = "cache")]
    pub(super) cache: Option<std::path::PathBuf>,
    pub(super) memory_budget: Option<usize>,
}

impl ValidExplainerConfig {
    /// The checked search parameters.
    pub fn params(&self) -> &ValidSearchParams {
        &self.params
    }

    /// The samples used from each data set.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The layers explanations may use, ascending.
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }
}

/// `layers` ascending without repeats, each one `geometry` has.
pub(super) fn sorted_layers(mut layers: Vec<usize>, geometry: &Geometry) -> Result<Vec<usize>> {
    let count = geometry.len();
    if let Some(&l) = layers.iter().find(|&&l| l >= count) {
        return Err(Error::from(crate::cone::GeometryError::LayerOutOfRange {
            layer: l,
            layers: count,
        }));
    }
    layers.sort_unstable();
    layers.dedup();
    Ok(layers)
}
