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

pub mod catalog;
pub mod folder_catalog;
#[cfg(feature = "onnx")]
pub mod onnx_catalog;
