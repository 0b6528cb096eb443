//! The interactive explorer: nnitp's GUI workflow as a single web page served
//! by a small HTTP server (feature `server`).
//!
//! The server knows models through a [`Catalog`], so that this crate does not
//! depend on any model zoo: the umbrella crate's `ZooCatalog` offers the zoo's
//! models, and any application can offer its own. It runs one computation at a
//! time; a request that needs the model while another computes gets `409` with
//! a "busy" message, and the page stays usable. Only the page's own files are
//! served: no part of a request path reaches the file system.
//!
//! Security: the server answers only requests addressed to its own host
//! names (loopback, or names given in [`ExplorerConfig`]), refuses
//! cross-origin API requests and bodies that are not JSON, reads each request
//! within a time limit and size bounds, keeps its messages and views bounded,
//! holds a model's activations under a memory budget, and never sends server
//! file paths to the page.
//!
//! The JSON API is documented in `docs/explorer.md`.

mod api;
mod assets;
mod config;
mod http;
mod messages;
mod route;
mod session;
mod status;

use std::sync::Arc;

use nnitp_core::{ActivationSource, Explainer, SearchParams};
use serde::{Deserialize, Serialize};

pub use config::ExplorerConfig;
pub use http::Explorer;

/// An activation source the explorer can hold across threads: a network with
/// its data (`NetworkSource`), or activations computed elsewhere.
pub type DynSource = Box<dyn ActivationSource>;

/// One layer of a model, as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Layer index.
    pub index: usize,
    /// Layer name, e.g. `max_pooling2d_1`.
    pub name: String,
    /// Output shape (channels last).
    pub shape: Vec<usize>,
}

/// What the explorer shows about a model before loading it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name.
    pub name: String,
    /// Class names, indexed by output unit.
    pub classes: Vec<String>,
    /// Every layer.
    pub layers: Vec<LayerInfo>,
    /// The layers selected for explanations by default.
    pub default_layers: Vec<usize>,
    /// The default search parameters.
    pub params: SearchParams,
    /// The default number of images used from each data set.
    pub size: usize,
    /// What the model's output is.
    #[serde(default)]
    pub output: Output,
}

/// What a model's output is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Scores of classes: a sample's conclusion is its class.
    #[default]
    Classes,
    /// A number (the one output unit): a conclusion bounds it (`v(0)>=150`).
    Number,
}

impl LayerInfo {
    /// Every layer of `geometry`.
    pub fn all(geometry: &nnitp_core::cone::Geometry) -> Vec<LayerInfo> {
        (0..geometry.len())
            .map(|index| LayerInfo {
                index,
                name: geometry.name(index),
                shape: geometry
                    .shape(nnitp_core::cone::Place::Layer(index))
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default(),
            })
            .collect()
    }
}

impl ModelInfo {
    /// A model of `geometry` whose classes are numbered by its output's
    /// units, with nnitp's default search parameters.
    pub fn numbered(
        name: impl Into<String>,
        geometry: &nnitp_core::cone::Geometry,
        default_layers: Vec<usize>,
        size: usize,
    ) -> ModelInfo {
        let classes = geometry
            .units(geometry.len().saturating_sub(1))
            .map(|n| (0..n).map(|c| c.to_string()).collect())
            .unwrap_or_default();
        ModelInfo {
            name: name.into(),
            classes,
            layers: LayerInfo::all(geometry),
            default_layers,
            params: SearchParams::default(),
            size,
            output: Output::Classes,
        }
    }
}

/// A model opened by a [`Catalog`]: an explanation session over its data.
pub struct Opened {
    /// The session (its configuration comes from the load request).
    pub explainer: Explainer<DynSource>,
    /// True labels of the training images of the session, if known.
    pub train_labels: Vec<u8>,
    /// True labels of the test images of the session, if known.
    pub test_labels: Vec<u8>,
}

/// The models an explorer offers.
pub trait Catalog: Send + Sync {
    /// The models available (weights and data present).
    fn models(&self) -> Vec<ModelInfo>;

    /// Loads model `name` with `config` (size, layers, parameters).
    ///
    /// Errors are shown to the page: a [`crate::Error::Load`]'s source names
    /// files by their names alone (e.g. `nnitp_models::Error::with_file_names`),
    /// never by paths that tell where the machine keeps them.
    ///
    /// # Errors
    /// [`crate::Error::UnknownModel`], [`crate::Error::Load`] when the model
    /// cannot be loaded, and the explainer's errors.
    fn open(&self, name: &str, config: nnitp_core::ExplainerConfig) -> crate::Result<Opened>;
}

/// Shared handle to a catalog.
pub type SharedCatalog = Arc<dyn Catalog>;
