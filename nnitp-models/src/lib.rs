//! # nnitp-models
//!
//! The models and data of nnitp: dataset readers ([`data`]: IDX for MNIST and
//! Fashion-MNIST, CIFAR-10 binary, the embedded Fashion-MNIST sample), the model
//! zoo with nnitp's layer layouts ([`zoo`]), training ([`train`]), and the
//! choice of burn device ([`device`]; with the `wgpu-fusion` feature,
//! `kernel_store` keeps compiled GPU kernels across processes), and
//! [`Setup`], which turns a model name into a ready [`nnitp_core::Explainer`].

#![warn(missing_docs)]

pub mod data;
pub mod device;
pub mod error;
pub mod graph;
#[cfg(feature = "wgpu-fusion")]
pub mod kernel_store;
#[cfg(feature = "onnx")]
pub mod onnx;
pub mod setup;
pub mod train;
pub mod zoo;

pub use error::{Error, Result};
#[cfg(feature = "onnx")]
pub use setup::OnnxLoaded;
pub use setup::{Loaded, Setup, ZooExplainer};
