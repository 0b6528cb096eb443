//! What can go wrong reading an ONNX model.

use std::path::PathBuf;

/// An ONNX model that cannot be read or is not supported. Each names the
/// file, and where it applies the node or tensor.
#[derive(Debug, thiserror::Error)]
pub enum OnnxError {
    /// The file (or its external data) cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a regular file, or larger than ONNX allows.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Not a well-formed ONNX protobuf message.
    #[error("{}: not an ONNX model: {reason}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where decoding failed.
        reason: String,
    },
    /// The graph's input is not one image batch `[N, C, H, W]` of floats.
    #[error("{}: input {name:?}: {reason}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// The input's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// An operator outside what nnitp runs.
    #[error("{}: node {node:?} is a {op}, which nnitp does not run (supported: {})", path.display(), super::SUPPORTED)]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The node's name.
        node: String,
        /// Its operator (with its domain when not the default one).
        op: String,
    },
    /// A supported operator used in a way nnitp does not run, or with
    /// attributes or inputs that do not fit.
    #[error("{}: node {node:?} ({op}): {reason}", path.display())]
    Node {
        /// The file.
        path: PathBuf,
        /// The node's name.
        node: String,
        /// Its operator.
        op: String,
        /// What is wrong.
        reason: String,
    },
    /// A node reads a tensor no earlier node, initializer or input gives
    /// (nodes out of order, or a cycle).
    #[error("{}: node {node:?} reads {tensor:?}, which nothing before it produces (a cycle, or nodes out of order)", path.display())]
    Order {
        /// The file.
        path: PathBuf,
        /// The node's name.
        node: String,
        /// The tensor.
        tensor: String,
    },
    /// A constant tensor whose data does not fit its shape or type.
    #[error("{}: tensor {tensor:?}: {reason}", path.display())]
    Tensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// What is wrong.
        reason: String,
    },
    /// External data that is missing, short, or outside the model's folder.
    #[error("{}: tensor {tensor:?}: external data {location:?}: {reason}", path.display())]
    ExternalData {
        /// The model file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
        /// The location the model gives.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// A weight that is NaN or infinite.
    #[error("{}: tensor {tensor:?} holds a non-finite value", path.display())]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        tensor: String,
    },
    /// The layers' shapes do not work out.
    #[error("{}: {source}", path.display())]
    Geometry {
        /// The file.
        path: PathBuf,
        /// The geometry's error, naming the layer.
        source: Box<nnitp_core::Error>,
    },
}

impl OnnxError {
    /// The same error naming files by their names alone
    /// ([`file_name_only`](nnitp_core::error::file_name_only)).
    pub fn with_file_names(mut self) -> Self {
        let path = match &mut self {
            OnnxError::Io { path, .. }
            | OnnxError::File { path, .. }
            | OnnxError::Malformed { path, .. }
            | OnnxError::Input { path, .. }
            | OnnxError::Unsupported { path, .. }
            | OnnxError::Node { path, .. }
            | OnnxError::Order { path, .. }
            | OnnxError::Tensor { path, .. }
            | OnnxError::ExternalData { path, .. }
            | OnnxError::NonFinite { path, .. }
            | OnnxError::Geometry { path, .. } => path,
        };
        *path = nnitp_core::error::file_name_only(path);
        self
    }
}
