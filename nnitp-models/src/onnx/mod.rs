//! ONNX models (from PyTorch, Keras, JAX, ...) read at run time into a
//! [`LayerGraph`], which runs on the host and implements
//! [`nnitp_core::Network`]; [`crate::OnnxLoaded`] reads a model with its
//! images.
//!
//! Each node computed from the image is a layer, numbered in graph order and
//! named by the node (its output tensor's name is the layer's alias); nodes on
//! constants alone are folded away. Feature maps are stored channels last
//! whatever the model's NCHW layout, so units read `v(r,c,k)`.
//!
//! ```no_run
//! use nnitp_models::data::Normalization;
//! use nnitp_models::OnnxLoaded;
//!
//! // the model and its images (IDX or CIFAR-10 binary), pixels / 255
//! let loaded = OnnxLoaded::load("model.onnx", "data/", &Normalization::default())?;
//! let config = nnitp_core::ExplainerConfig::new(loaded.graph.default_layers());
//! let explainer = loaded.explainer(config)?;
//! # Ok::<(), nnitp_models::Error>(())
//! ```

mod constant;
mod error;
mod import;
mod proto;
mod wire;
mod write;

pub use error::OnnxError;
pub use write::write;

use std::io::Read;
use std::path::Path;

use crate::graph::LayerGraph;

/// The operators nnitp runs.
pub const SUPPORTED: &str = "Conv (with groups), BatchNormalization, Relu, LeakyRelu, Elu, \
Sigmoid, HardSigmoid, HardSwish, Mish, Softplus, Tanh, Gelu, Erf, Exp, Neg, Abs, Sqrt, \
Reciprocal, Clip, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean and \
ReduceMax over rows and columns, ReduceMean, ReduceMax and ReduceSum over the channels, \
LayerNormalization over the channels, \
Pad (constant, reflect, edge), Flatten, the Reshape and \
Squeeze that flatten, Transpose between channels first and channels last, Gemm, MatMul (with constant weights, on a flat layer or each position of a map), \
Add, Sub, Mul, Div, Max, Min and Pow of two layers (one value or one per channel \
broadcast over a map) or with constants, Greater and Less than a constant with Where, \
Concat, Slice and Split of the channels, ShuffleNet's channel shuffle, Softmax, Dropout, Identity, and shape arithmetic on constants";

/// ONNX's limit for one protobuf message (larger models keep their weights
/// as external data).
const MAX_MODEL_BYTES: u64 = (1 << 31) - 1;

/// Reads an ONNX model (and its external data, from files in its folder).
///
/// # Errors
/// [`OnnxError`]: the file cannot be read or is not ONNX, an operator or an
/// attribute nnitp does not run (named with its node), weights that do not
/// fit their shapes or are not finite, external data outside the model's
/// folder.
pub fn read(path: impl AsRef<Path>) -> Result<LayerGraph, OnnxError> {
    let path = path.as_ref();
    let io = |source| OnnxError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let file_error = |reason: String| OnnxError::File {
        path: path.to_path_buf(),
        reason,
    };
    if !meta.is_file() {
        return Err(file_error("not a regular file".into()));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(file_error(format!(
            "{} bytes; an ONNX model holds at most 2 GiB (larger weights go in external data)",
            meta.len()
        )));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    // a model starts with one of ModelProto's fields: refuse anything else
    // before reading the rest (a file of zeros, say)
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&mut file).take(2).read_to_end(&mut bytes).map_err(io)?;
    let key = match bytes[..] {
        [b, ..] if b & 0x80 == 0 => u32::from(b),
        [b, c] => u32::from(b & 0x7f) | (u32::from(c & 0x7f) << 7),
        _ => 0,
    };
    if !matches!(key >> 3, 1..=8 | 14 | 20 | 25 | 26) || key & 7 > 5 {
        return Err(OnnxError::Malformed {
            path: path.to_path_buf(),
            reason: format!(
                "it starts with bytes {:02x?}, which no ONNX model does",
                &bytes[..]
            ),
        });
    }
    file.take(MAX_MODEL_BYTES)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let malformed = |reason: String| OnnxError::Malformed {
        path: path.to_path_buf(),
        reason,
    };
    let model = proto::Model::decode(&bytes).map_err(malformed)?;
    let opset = model
        .opset
        .ok_or_else(|| malformed("no opset for the default domain".into()))?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| malformed("no graph".into()))?;
    import::Importer::new(path, opset, &bytes).import(graph)
}
