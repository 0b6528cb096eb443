//! A [`DeviceGraph`]'s weights in burn's burnpack format: saved, loaded from
//! a file or from bytes, each tensor checked finite; and the one change made
//! to trained weights, an output scaled into its units.

use std::path::Path;

use burn::module::Module;
use nnitp_core::network::non_finite_tensor;

use super::layer_state::LayerState;
use super::on_device::DeviceGraph;
use super::op::Op;
use crate::error::{Error, Result};

impl DeviceGraph {
    /// Loads weights saved by [`DeviceGraph::save`] (burnpack format) for
    /// the model called `model`.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the file does not hold this graph's
    /// weights; [`Error::NonFiniteWeights`] when one holds a NaN or an
    /// infinity; [`Error::Io`] when it cannot be read.
    pub fn load(self, path: &Path, model: &str) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let loaded = self
            .try_load_file(path)
            .map_err(|source| Error::WeightsMismatch {
                path: path.to_path_buf(),
                model: model.into(),
                source,
            })?;
        loaded.finite(path, model)
    }

    /// Loads weights from bytes in the burnpack format.
    ///
    /// # Errors
    /// [`Error::WeightsMismatch`] when the bytes do not hold this graph's
    /// weights; [`Error::NonFiniteWeights`] as [`DeviceGraph::load`].
    pub fn load_bytes(self, bytes: &[u8], model: &str) -> Result<Self> {
        let mismatch = |source: burn::store::RecordError| Error::WeightsMismatch {
            path: "<embedded>".into(),
            model: model.into(),
            source,
        };
        let record = burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(
            bytes.to_vec(),
        ))
        .map_err(mismatch)?;
        self.try_load_record(record)
            .map_err(mismatch)?
            .finite(Path::new("<embedded>"), model)
    }

    /// `self`, or [`Error::NonFiniteWeights`] naming the first tensor
    /// holding a NaN or an infinity. (Loading maps the weights, which drops
    /// any host form made from the earlier ones.)
    fn finite(self, path: &Path, model: &str) -> Result<Self> {
        match non_finite_tensor(&self) {
            Some(tensor) => Err(Error::NonFiniteWeights {
                path: path.to_path_buf(),
                model: model.into(),
                tensor,
            }),
            None => Ok(self),
        }
    }

    /// Saves the weights (burnpack format).
    ///
    /// # Errors
    /// [`Error::SaveWeights`] when the file cannot be written.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.clone()
            .save_file(path)
            .map_err(|source| Error::SaveWeights {
                path: path.to_path_buf(),
                source,
            })
    }

    /// The graph with `y * scale + shift` of its output folded into the last
    /// dense layer's weights: how a model trained on a standardised number
    /// predicts it in its own units.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the last layer is not dense without a
    /// softmax.
    pub fn with_output_scaled(mut self, scale: f32, shift: f32) -> Result<Self> {
        let plain_dense = matches!(self.ops().last(), Some(Op::Dense(d)) if !d.softmax);
        match self.states_mut().last_mut() {
            Some(LayerState::Dense(w)) if plain_dense => {
                w.weight = w.weight.clone().map(|w| w * scale);
                w.bias = w.bias.clone().map(|b| b * scale + shift);
                Ok(self)
            }
            _ => Err(Error::InvalidArgument(
                "only a last dense layer without softmax can be scaled".into(),
            )),
        }
    }
}
