#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

/// The engine: predicates, the interpolant search, statistics, cones and the
/// `.npy` activation-folder format (the `nnitp-core` crate).
pub use nnitp_core as core;

/// Models, dataset readers, weights and training (the `nnitp-models` crate).
pub use nnitp_models as models;

/// Image grids, HTML reports and the web explorer (the `nnitp-viz` crate).
pub use nnitp_viz as viz;

/// The `ndarray` and `burn` this crate was built with: use these instead of
/// adding your own, so that versions always match.
pub use nnitp_core::{burn, ndarray};

/// The guides of `docs/`, kept here so that their code is checked with the
/// API's (each one's Rust blocks are doc tests).
pub mod guide {
    #[doc = include_str!("../docs/command-line.md")]
    pub mod command_line {}
    #[doc = include_str!("../docs/onnx.md")]
    pub mod onnx {}
    #[doc = include_str!("../docs/embedding.md")]
    pub mod embedding {}
    #[doc = include_str!("../docs/activations.md")]
    pub mod activations {}
    #[doc = include_str!("../docs/rules-intervals-stability.md")]
    pub mod rules_intervals_stability {}
    #[doc = include_str!("../docs/faithfulness.md")]
    pub mod faithfulness {}
    #[doc = include_str!("../docs/models-and-data.md")]
    pub mod models_and_data {}
    #[doc = include_str!("../docs/tables.md")]
    pub mod tables {}
    #[doc = include_str!("../docs/explorer.md")]
    pub mod explorer {}
    #[doc = include_str!("../docs/gpu.md")]
    pub mod gpu {}
    #[doc = include_str!("../docs/performance.md")]
    pub mod performance {}
}

pub mod catalog;
pub mod folder_catalog;
#[cfg(feature = "onnx")]
pub mod onnx_catalog;
