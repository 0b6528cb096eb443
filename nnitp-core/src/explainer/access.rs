//! An [`Explainer`]'s data: its geometry, its samples, and their
//! activations (extracted once and kept in the layer cache).

use std::time::{Duration, Instant};

use ndarray::ArrayView4;

use super::cache::{LayerActivations, MemoryUse};
use super::Explainer;
use crate::cone::{Geometry, Place};
use crate::error::Result;
use crate::predicate::argmax;
use crate::source::ActivationSource;
use crate::split::Split;

impl<S: ActivationSource> Explainer<S> {
    /// The network's geometry.
    pub fn geometry(&self) -> &Geometry {
        self.source.geometry()
    }

    /// The input images of a data set's sample, when the source has them.
    pub fn images(&self, split: Split) -> Option<ArrayView4<'_, f32>> {
        self.source.images(split)
    }

    /// The number of samples of a data set.
    pub fn len(&self, split: Split) -> usize {
        self.source.len(split)
    }

    /// The last layer (the network's output).
    pub fn output_layer(&self) -> usize {
        self.geometry().len().saturating_sub(1)
    }

    /// The nearest selected layer below `layer` (where nnitp explains a
    /// predicate of `layer`), if any.
    pub fn previous_layer(&self, layer: usize) -> Option<usize> {
        self.layers.iter().rev().copied().find(|&l| l < layer)
    }

    /// The shape of a layer's units.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange).
    pub fn unit_shape(&self, layer: usize) -> Result<&[usize]> {
        Ok(self.geometry().shape(Place::Layer(layer))?)
    }

    /// Extracts (once) the activations of `layers` on a data set; returns the
    /// time spent (zero when all were in memory).
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange)
    /// and the source's errors.
    pub fn prepare(&self, split: Split, layers: &[usize]) -> Result<Duration> {
        for &l in layers {
            self.unit_shape(l)?;
        }
        let start = Instant::now();
        let (_, extracted) = self
            .cache
            .fill(&self.source, split, layers, &self.observer)?;
        Ok(if extracted {
            start.elapsed()
        } else {
            Duration::ZERO
        })
    }

    /// The activations of `layer` on a data set, `[N, units]` channels last
    /// (extracted first if need be).
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn activations(&self, split: Split, layer: usize) -> Result<LayerActivations> {
        self.unit_shape(layer)?;
        let (mut got, _) = self
            .cache
            .fill(&self.source, split, &[layer], &self.observer)?;
        Ok(got.remove(0))
    }

    /// The first failure to write the disk cache ([`ExplainerConfig::with_cache`](super::ExplainerConfig::with_cache)),
    /// if any: the explainer works on without it, writing nothing more there.
    #[cfg(feature = "cache")]
    pub fn cache_write_failure(&self) -> Option<crate::cache::WriteFailure> {
        self.cache.write_failure()
    }

    /// How much memory the session's activations take, and its budget.
    pub fn memory_use(&self) -> MemoryUse {
        self.cache.memory()
    }

    /// The network's predicted class for every sample of a data set.
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn predictions(&self, split: Split) -> Result<Vec<usize>> {
        let acts = self.activations(split, self.output_layer())?;
        Ok(acts.view().rows().into_iter().map(argmax).collect())
    }
}
