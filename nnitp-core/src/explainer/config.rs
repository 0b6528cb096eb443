//! The settings of an [`Explainer`](super::Explainer).

use serde::{Deserialize, Serialize};

use crate::search::SearchParams;

/// Settings of an [`Explainer`](super::Explainer): search parameters, sample
/// size, explanation layers, extraction batch size. Build with `new` and the
/// `with_*` methods; they are checked when the explainer is built.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplainerConfig {
    /// The search parameters.
    pub params: SearchParams,
    /// How many samples of each data set (the first ones) the session uses.
    pub size: usize,
    /// The layers explanations may use (nnitp's selected layers).
    pub layers: Vec<usize>,
    /// Images per forward pass during extraction.
    pub batch_size: usize,
    /// A folder where extracted layers are kept across processes (`None`:
    /// nothing is written to disk). Sources that cannot name their inputs
    /// (see [`ActivationSource::cache_key`](crate::ActivationSource::cache_key))
    /// are never cached.
    #[cfg(feature = "cache")]
    #[serde(default)]
    pub cache: Option<std::path::PathBuf>,
    /// The most bytes of extracted activations held at once (`None`: no
    /// limit). Beyond it the layers used least recently are dropped and
    /// extracted (or read from the disk cache) again when next needed; the
    /// layers one query uses, and those handed over up front, always stay.
    #[serde(default)]
    pub memory_budget: Option<usize>,
}

impl ExplainerConfig {
    /// Defaults (nnitp's search parameters, size 10000, batch 32, no disk
    /// cache) with the explanation `layers`.
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

    /// Holds at most `bytes` of extracted activations (`None`: no limit).
    pub fn with_memory_budget(mut self, bytes: Option<usize>) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Keeps extracted layers in the folder `dir` (or nowhere, for `None`).
    #[cfg(feature = "cache")]
    pub fn with_cache(mut self, dir: Option<impl Into<std::path::PathBuf>>) -> Self {
        self.cache = dir.map(Into::into);
        self
    }

    /// Sets the search parameters.
    pub fn with_params(mut self, params: SearchParams) -> Self {
        self.params = params;
        self
    }

    /// Sets the number of samples used from each data set.
    pub fn with_size(mut self, size: usize) -> Self {
        self.size = size;
        self
    }

    /// Sets the extraction batch size.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
}
