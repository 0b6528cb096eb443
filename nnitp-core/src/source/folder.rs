//! [`Activations`] as a folder of `.npy` files, the way another framework
//! (PyTorch, Keras, JAX) can write them:
//!
//! ```text
//! DIR/geometry.json          the network's geometry (see `Geometry`'s JSON)
//! DIR/train/layer_<i>.npy    layer i on the training samples, float32,
//!                            [N, H, W, C] (channels last) or [N, units]
//! DIR/test/layer_<i>.npy     the same on the test samples
//! DIR/train/images.npy       optional: the input images, [N, H, W, C]
//! DIR/test/images.npy        optional
//! ```

use std::path::Path;

use ndarray::{Array2, Ix4};

use super::Activations;
use crate::cone::{Geometry, Place};
use crate::error::{Error, Result};
use crate::npy;
use crate::split::Split;

/// The longest `geometry.json` read (a few kilobytes for a deep network).
const MAX_GEOMETRY: u64 = 16 << 20;

fn folder(split: Split) -> &'static str {
    match split {
        Split::Train => "train",
        Split::Test => "test",
    }
}

impl Activations {
    /// Reads activations from a folder: `geometry.json`, then every
    /// `train/layer_<i>.npy` and `test/layer_<i>.npy` (`[N, H, W, C]` channels
    /// last, or `[N, units]`, float32), and optional `images.npy` in each.
    ///
    /// # Errors
    /// [`FileError::Io`](crate::error::FileError::Io), [`FileError::Invalid`](crate::error::FileError::Invalid) for an unreadable or invalid file (a
    /// geometry that does not check out, a `.npy` that is not float32),
    /// [`Error::ShapeMismatch`] for a layer whose shape is not the geometry's
    /// (e.g. channels first), and [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange) for a file of a
    /// layer the geometry does not have.
    pub fn read_dir(dir: impl AsRef<Path>) -> Result<Activations> {
        let dir = dir.as_ref();
        let path = dir.join("geometry.json");
        let geometry: Geometry =
            crate::files::read_json_object(&path, MAX_GEOMETRY).map_err(|e| match e {
                Error::File(crate::error::FileError::Invalid { path, reason }) => {
                    Error::bad_file(path, format!("not a valid geometry: {reason}"))
                }
                other => other,
            })?;
        let mut acts = Activations::new(geometry);
        for split in [Split::Train, Split::Test] {
            let sub = dir.join(folder(split));
            let entries =
                std::fs::read_dir(&sub).map_err(|source| Error::io(sub.clone(), source))?;
            let mut layers = Vec::new();
            for entry in entries {
                let entry = entry.map_err(|source| Error::io(sub.clone(), source))?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if let Some(l) = name
                    .strip_prefix("layer_")
                    .and_then(|r| r.strip_suffix(".npy"))
                    .and_then(|n| n.parse::<usize>().ok())
                {
                    layers.push(l);
                }
            }
            layers.sort_unstable();
            for l in layers {
                let path = sub.join(format!("layer_{l}.npy"));
                let values = read_layer(&acts, split, l, &path)?;
                acts = acts.with_layer(split, l, values)?;
            }
            let images = sub.join("images.npy");
            if images.is_file() {
                let a = npy::read_f32(&images)?
                    .into_dimensionality::<Ix4>()
                    .map_err(|_| Error::bad_file(&images, "images must be [N, H, W, C]"))?;
                acts = acts.with_images(split, a)?;
            }
        }
        Ok(acts)
    }

    /// Writes the activations to a folder that [`Activations::read_dir`]
    /// reads (feature maps as `[N, H, W, C]`).
    ///
    /// # Errors
    /// [`FileError::Io`](crate::error::FileError::Io) when a file cannot be written.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::io(path, source)
        };
        for split in [Split::Train, Split::Test] {
            let sub = dir.join(folder(split));
            std::fs::create_dir_all(&sub).map_err(io(&sub))?;
            for l in self.layers(split) {
                let values = &self.layers[super::slot(split)][&l];
                let mut shape = vec![values.nrows()];
                shape.extend_from_slice(self.geometry.shape(Place::Layer(l))?);
                let view = values
                    .view()
                    .into_shape_with_order(shape)
                    .expect("a layer's matrix holds its units");
                npy::write_f32(sub.join(format!("layer_{l}.npy")), view)?;
            }
            if let Some(images) = &self.images[super::slot(split)] {
                npy::write_f32(sub.join("images.npy"), images.view().into_dyn())?;
            }
        }
        let path = dir.join("geometry.json");
        let text = serde_json::to_string_pretty(&self.geometry).expect("a geometry serialises");
        std::fs::write(&path, text).map_err(io(&path))
    }
}

/// Reads one layer's file as `[N, units]`, accepting `[N, <layer shape>]` or
/// `[N, units]`.
fn read_layer(acts: &Activations, split: Split, layer: usize, path: &Path) -> Result<Array2<f32>> {
    let shape = acts.geometry().shape(Place::Layer(layer))?.to_vec();
    let a = npy::read_f32(path)?;
    let units: usize = shape.iter().product();
    let dims = a.shape().to_vec();
    let fits = dims.len() >= 2 && (dims[1..] == shape[..] || dims[1..] == [units]);
    if !fits {
        let mut want = vec![dims.first().copied().unwrap_or(0)];
        want.extend_from_slice(&shape);
        return Err(Error::ShapeMismatch {
            what: format!(
                "{} ({split}, layer {layer} {}; feature maps are channels last: [N, H, W, C])",
                path.display(),
                acts.geometry().name(layer)
            ),
            expected: want,
            found: dims,
        });
    }
    let n = dims[0];
    Ok(a.into_shape_with_order((n, units)).expect("sizes checked"))
}
