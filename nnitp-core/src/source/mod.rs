//! Where an [`Explainer`](crate::Explainer) gets its activations: an
//! [`ActivationSource`] computes the layers asked for on a data set's sample.
//! A burn network is one (`NetworkSource`, with the `burn` feature);
//! activations computed elsewhere come in as [`Activations`].

mod folder;

use std::collections::BTreeMap;

use ndarray::{Array2, Array4, ArrayView2, ArrayView4};

use crate::cone::{Geometry, Place};
use crate::error::{Error, Result};
use crate::progress::Observer;
use crate::split::Split;

/// Changed values at one place of a network, on some of a data set's
/// samples: what [`ActivationSource::intervene`] runs the network on.
#[derive(Clone, Copy, Debug)]
pub struct Intervention<'a> {
    /// The data set.
    pub split: Split,
    /// The samples, by index (repeats allowed), one per row of `values`.
    pub samples: &'a [usize],
    /// Where the values go: the input (each row an image `[H, W, C]`
    /// flattened channels last) or a layer (each row its units, channels
    /// last).
    pub at: Place,
    /// The values, one row per sample.
    pub values: ArrayView2<'a, f32>,
}

/// Computes activations of a network's layers on a training and a test sample.
pub trait ActivationSource: Send + Sync {
    /// The network's geometry (layers, shapes, cones).
    fn geometry(&self) -> &Geometry;

    /// The number of samples of a data set.
    fn len(&self, split: Split) -> usize;

    /// The input images of a data set, `[N, H, W, C]`, when the source has them
    /// (grids and reports draw them).
    fn images(&self, _split: Split) -> Option<ArrayView4<'_, f32>> {
        None
    }

    /// A digest naming everything the activations of a data set are computed
    /// from (the network's weights and geometry, the samples), so that they
    /// can be kept in a disk cache; `None` (the default) keeps nothing.
    fn cache_key(&self, _split: Split) -> Option<crate::digest::Digest> {
        None
    }

    /// The activations of `layers` on a data set, each `[N, units]`,
    /// channels last; progress goes to `observer`.
    ///
    /// # Errors
    /// [`Error::LayerNotAvailable`] for a layer the source cannot compute, and
    /// the source's own errors.
    fn extract(
        &self,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<Vec<Array2<f32>>>;

    /// The activations of `layers` (each above the intervention's place)
    /// when the intervention's values take the place of what the network
    /// computes there, each `[rows, units]`, channels last: the rest of the
    /// network run on changed units (or images), everything else as the
    /// samples' own.
    ///
    /// # Errors
    /// [`Error::InterventionsUnsupported`] (the default) when the source
    /// cannot run its network so; [`Error::ImageOutOfRange`] and
    /// [`Error::ShapeMismatch`] for samples or values that do not fit, and
    /// the source's own errors.
    fn intervene(
        &self,
        _intervention: &Intervention<'_>,
        _layers: &[usize],
        _observer: &Observer,
    ) -> Result<Vec<Array2<f32>>> {
        Err(Error::InterventionsUnsupported)
    }
}

impl<S: ActivationSource + ?Sized> ActivationSource for Box<S> {
    fn geometry(&self) -> &Geometry {
        (**self).geometry()
    }

    fn len(&self, split: Split) -> usize {
        (**self).len(split)
    }

    fn images(&self, split: Split) -> Option<ArrayView4<'_, f32>> {
        (**self).images(split)
    }

    fn cache_key(&self, split: Split) -> Option<crate::digest::Digest> {
        (**self).cache_key(split)
    }

    fn extract(
        &self,
        split: Split,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<Vec<Array2<f32>>> {
        (**self).extract(split, layers, observer)
    }

    fn intervene(
        &self,
        intervention: &Intervention<'_>,
        layers: &[usize],
        observer: &Observer,
    ) -> Result<Vec<Array2<f32>>> {
        (**self).intervene(intervention, layers, observer)
    }
}

/// Activations computed elsewhere (another framework, a file): for each data
/// set, a `[N, units]` matrix per layer, channels last, with the geometry that
/// names the layers. Hand them to
/// [`Explainer::from_activations`](crate::Explainer::from_activations).
///
/// ```
/// use ndarray::Array2;
/// use nnitp_core::cone::{Geometry, LayerKind};
/// use nnitp_core::source::Activations;
/// use nnitp_core::Split;
///
/// let g = Geometry::new(&[2, 2, 1], vec![LayerKind::Flatten, LayerKind::Dense { units: 3 }])?;
/// let acts = Activations::new(g)
///     .with_layer(Split::Train, 0, Array2::zeros((5, 4)))?
///     .with_layer(Split::Train, 1, Array2::zeros((5, 3)))?;
/// assert_eq!(acts.len(Split::Train), Some(5));
/// # Ok::<(), nnitp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Activations {
    geometry: Geometry,
    layers: [BTreeMap<usize, Array2<f32>>; 2],
    images: [Option<Array4<f32>>; 2],
}

pub(crate) fn slot(split: Split) -> usize {
    match split {
        Split::Train => 0,
        Split::Test => 1,
    }
}

impl Activations {
    /// No activations yet, for a network of `geometry`.
    pub fn new(geometry: Geometry) -> Self {
        Activations {
            geometry,
            layers: [BTreeMap::new(), BTreeMap::new()],
            images: [None, None],
        }
    }

    /// The geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Sets `layer`'s activations on a data set: `[N, units]`, channels last
    /// (unit `v(r,c,k)` of an `[H, W, C]` layer is column `(r*W + c)*C + k`).
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange); [`Error::ShapeMismatch`] when the columns are
    /// not the layer's units or the rows differ from the data set's other layers.
    pub fn with_layer(mut self, split: Split, layer: usize, values: Array2<f32>) -> Result<Self> {
        let units = self.geometry.units(layer)?;
        let rows = self.len(split).unwrap_or(values.nrows());
        if values.ncols() != units || values.nrows() != rows {
            return Err(Error::ShapeMismatch {
                what: format!(
                    "{split} activations of layer {layer} ({})",
                    self.geometry.name(layer)
                ),
                expected: vec![rows, units],
                found: values.shape().to_vec(),
            });
        }
        self.layers[slot(split)].insert(layer, values);
        Ok(self)
    }

    /// Adds the input images of a data set (`[N, H, W, C]`), for grids and reports.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when they do not fit the geometry's input or the
    /// number of samples.
    pub fn with_images(mut self, split: Split, images: Array4<f32>) -> Result<Self> {
        let input = self.geometry.shape(crate::cone::Place::Input)?;
        let rows = self.len(split).unwrap_or(images.shape()[0]);
        let mut want = vec![rows];
        want.extend_from_slice(input);
        if images.shape() != want.as_slice() {
            return Err(Error::shape(
                format!("{split} images"),
                &want,
                images.shape(),
            ));
        }
        self.images[slot(split)] = Some(images);
        Ok(self)
    }

    /// The number of samples of a data set, once a layer or the images are set.
    pub fn len(&self, split: Split) -> Option<usize> {
        let s = slot(split);
        self.layers[s]
            .values()
            .next()
            .map(Array2::nrows)
            .or_else(|| self.images[s].as_ref().map(|i| i.shape()[0]))
    }

    /// The layers set for a data set, ascending.
    pub fn layers(&self, split: Split) -> Vec<usize> {
        self.layers[slot(split)].keys().copied().collect()
    }

    /// The layers set for the training set below the output layer,
    /// ascending: those an explanation can be sought at.
    pub fn hidden_layers(&self) -> Vec<usize> {
        let output = self.geometry.len().saturating_sub(1);
        self.layers[slot(Split::Train)]
            .keys()
            .copied()
            .filter(|&l| l < output)
            .collect()
    }

    /// Splits into the geometry, the layers of each data set, and the images.
    #[allow(clippy::type_complexity)]
    pub(crate) fn into_parts(
        self,
    ) -> (
        Geometry,
        [BTreeMap<usize, Array2<f32>>; 2],
        [Option<Array4<f32>>; 2],
    ) {
        (self.geometry, self.layers, self.images)
    }
}

/// The source behind an explainer built from [`Activations`]: everything it
/// has was handed over up front, so it computes nothing.
#[derive(Clone, Debug)]
pub struct Precomputed {
    geometry: Geometry,
    lens: [usize; 2],
    images: [Option<Array4<f32>>; 2],
}

impl Precomputed {
    pub(crate) fn new(
        geometry: Geometry,
        lens: [usize; 2],
        images: [Option<Array4<f32>>; 2],
    ) -> Self {
        Precomputed {
            geometry,
            lens,
            images,
        }
    }
}

impl ActivationSource for Precomputed {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn len(&self, split: Split) -> usize {
        self.lens[slot(split)]
    }

    fn images(&self, split: Split) -> Option<ArrayView4<'_, f32>> {
        self.images[slot(split)].as_ref().map(Array4::view)
    }

    fn extract(&self, split: Split, layers: &[usize], _: &Observer) -> Result<Vec<Array2<f32>>> {
        match layers.first() {
            Some(&layer) => Err(Error::LayerNotAvailable {
                layer,
                name: self.geometry.name(layer),
                split,
            }),
            None => Ok(Vec::new()),
        }
    }
}
