//! # nnitp
//!
//! Explains the decisions of neural image classifiers with Bayesian interpolants.
//! This umbrella crate re-exports the member crates:
//!
//! - [`core`] (`nnitp-core`): predicates, the interpolant search, statistics,
//!   cones and the `.npy` activation-folder format.

pub use nnitp_core as core;
