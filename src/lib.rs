#![doc = include_str!("../README.md")]

/// The engine: predicates, the interpolant search, statistics, cones and the
/// `.npy` activation-folder format (the `nnitp-core` crate).
pub use nnitp_core as core;
