//! A burn network with its training and test images, as an activation source.

use std::sync::OnceLock;

use ndarray::{Array2, Array4, ArrayView4, Axis};

use super::check::{check_images, check_network};
use super::extract::{extract, extract_replacing};
use super::Network;
use crate::cone::{Geometry, Place};
use crate::digest::{Digest, DigestBuilder};
use crate::error::{Error, Result};
use crate::progress::{Observer, Task};
use crate::source::{slot, ActivationSource, Intervention};
use crate::split::Split;

/// A burn [`Network`] and its training and test images (`[N, H, W, C]`,
/// channels last, normalised as the network expects); extracts activations in
/// batches on the network's device.
#[derive(Debug)]
pub struct NetworkSource<N> {
    network: N,
    images: [Array4<f32>; 2],
    batch_size: usize,
    /// Each data set's cache key, once computed.
    keys: [OnceLock<Option<Digest>>; 2],
}

impl<N: Network + Send + Sync> NetworkSource<N> {
    /// The network on these images, checked: a few images are run through
    /// every layer and each output is compared with the geometry
    /// ([`check_network`]). Batches of
    /// 32 images.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for images that do not fit the input, and the
    /// errors of [`check_network`] (a layer whose output does not match its
    /// declared geometry, named).
    pub fn new(network: N, train: Array4<f32>, test: Array4<f32>) -> Result<Self> {
        check_images(network.geometry(), "training images", train.view())?;
        check_images(network.geometry(), "test images", test.view())?;
        let probe = if train.shape()[0] > 0 { &train } else { &test };
        check_network(&network, probe.view())?;
        Ok(NetworkSource {
            network,
            images: [train, test],
            batch_size: 32,
            keys: [OnceLock::new(), OnceLock::new()],
        })
    }

    /// Sets the images per forward pass.
    ///
    /// # Errors
    /// [`ParamError::InvalidBatchSize`](crate::error::ParamError::InvalidBatchSize) for 0.
    pub fn with_batch_size(mut self, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::Params(crate::error::ParamError::InvalidBatchSize));
        }
        self.batch_size = batch_size;
        Ok(self)
    }

    /// The network.
    pub fn network(&self) -> &N {
        &self.network
    }

    /// Gives back the network and the training and test images.
    pub fn into_parts(self) -> (N, Array4<f32>, Array4<f32>) {
        let [train, test] = self.images;
        (self.network, train, test)
    }
}

impl<N: Network + Send + Sync> ActivationSource for NetworkSource<N> {
    fn geometry(&self) -> &Geometry {
        self.network.geometry()
    }

    fn len(&self, split: Split) -> usize {
        self.images[slot(split)].shape()[0]
    }

    fn images(&self, split: Split) -> Option<ArrayView4<'_, f32>> {
        Some(self.images[slot(split)].view())
    }

    /// The network's fingerprint, its geometry and the data set's images;
    /// `None` when the network has no fingerprint.
    fn cache_key(&self, split: Split) -> Option<Digest> {
        *self.keys[slot(split)].get_or_init(|| {
            let weights = self.network.fingerprint()?;
            let geometry = serde_json::to_vec(self.network.geometry()).ok()?;
            let images = &self.images[slot(split)];
            let mut d = DigestBuilder::new()
                .bytes(b"nnitp network source")
                .digest(&weights)
                .bytes(&geometry);
            for &n in images.shape() {
                d = d.number(n as u64);
            }
            let d = match images.as_slice() {
                Some(values) => d.floats(values),
                None => d.floats(&images.iter().copied().collect::<Vec<_>>()),
            };
            Some(d.finish())
        })
    }

    fn extract(
        &self,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<Vec<Array2<f32>>> {
        extract(
            &self.network,
            self.images[slot(split)].view(),
            layers,
            self.batch_size,
            observer,
            Task::Extracting(split),
        )
    }

    /// Runs the network on the intervention's samples with its values in
    /// place (at the input: the images themselves), in batches as
    /// [`extract`] does; a layer needs a network whose
    /// [`Network::interventions`] is `true`.
    fn intervene(
        &self,
        intervention: &Intervention<'_>,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<Vec<Array2<f32>>> {
        let all = &self.images[slot(intervention.split)];
        let rows = intervention.samples.len();
        if let Some(&index) = intervention.samples.iter().find(|&&i| i >= all.shape()[0]) {
            return Err(Error::ImageOutOfRange {
                index,
                images: all.shape()[0],
            });
        }
        if intervention.values.nrows() != rows {
            return Err(Error::shape(
                "intervention values (one row per sample)",
                &[rows, intervention.values.ncols()],
                intervention.values.shape(),
            ));
        }
        let task = Task::Intervening(intervention.split);
        let images = all.select(Axis(0), intervention.samples);
        match intervention.at {
            Place::Input => {
                let pixels: usize = self.geometry().shape(Place::Input)?.iter().product();
                if intervention.values.ncols() != pixels {
                    return Err(Error::shape(
                        "intervention images (one flattened image per row)",
                        &[rows, pixels],
                        intervention.values.shape(),
                    ));
                }
                let values = intervention.values.as_standard_layout().into_owned();
                let changed = values
                    .into_shape_with_order(images.raw_dim())
                    .map_err(|_| {
                        Error::shape("intervention images", &[rows, pixels], images.shape())
                    })?;
                extract(
                    &self.network,
                    changed.view(),
                    layers,
                    self.batch_size,
                    observer,
                    task,
                )
            }
            Place::Layer(layer) => extract_replacing(
                &self.network,
                images.view(),
                (layer, intervention.values),
                layers,
                self.batch_size,
                observer,
                task,
            ),
        }
    }
}
