//! Images for a model of any input shape (an imported ONNX model): IDX files
//! (the MNIST family), CIFAR-10 binary batches or (with the `onnx` feature)
//! folders of PNG and JPEG files, checked against the model's input and
//! preprocessed as torchvision's `ToTensor` and `Normalize` do.

use std::path::Path;

use ndarray::Array4;

use super::{cifar, find_file, idx, Dataset, DatasetKind, Splits};
use crate::error::{Error, Result};

/// Preprocessing: pixels / 255, then `(x - mean[c]) / std[c]` per channel
/// (one value applies to every channel).
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization {
    mean: Vec<f32>,
    std: Vec<f32>,
}

impl Default for Normalization {
    /// Pixels / 255 and nothing else (mean 0, std 1).
    fn default() -> Self {
        Normalization {
            mean: vec![0.0],
            std: vec![1.0],
        }
    }
}

impl Normalization {
    /// A normalisation by `mean` and `std` (each one value, or one per
    /// channel).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty list, a value that is not
    /// finite, or a standard deviation that is not positive.
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Result<Self> {
        if mean.is_empty() || std.is_empty() {
            return Err(Error::InvalidArgument(
                "a mean and a standard deviation need at least one value".into(),
            ));
        }
        if mean.iter().chain(&std).any(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(
                "the mean and standard deviation must be finite".into(),
            ));
        }
        if std.iter().any(|&s| s <= 0.0) {
            return Err(Error::InvalidArgument(format!(
                "a standard deviation must be positive, got {std:?}"
            )));
        }
        Ok(Normalization { mean, std })
    }

    /// The per-channel values for `c` channels.
    fn per_channel(&self, c: usize) -> Result<(Vec<f32>, Vec<f32>)> {
        let spread = |v: &[f32], what: &str| match v.len() {
            1 => Ok(vec![v[0]; c]),
            n if n == c => Ok(v.to_vec()),
            n => Err(Error::InvalidArgument(format!(
                "{n} values of the {what} for images of {c} channels"
            ))),
        };
        Ok((
            spread(&self.mean, "mean")?,
            spread(&self.std, "standard deviation")?,
        ))
    }
}

/// The class names `dir`'s files give, without reading the images: an
/// image folder's class folders; `None` for the other formats (or a folder
/// that cannot be listed).
pub fn class_names(dir: impl AsRef<Path>) -> Option<Vec<String>> {
    #[cfg(feature = "onnx")]
    if super::image_folder::is_image_folder(dir.as_ref()) {
        return super::image_folder::classes(dir.as_ref()).ok();
    }
    let _ = dir;
    None
}

/// A training and a test set, with class names where the files give them.
#[derive(Clone, Debug)]
pub struct ImageSets {
    /// The images and labels.
    pub splits: Splits,
    /// The class names (an image folder's class folders), by label.
    pub classes: Option<Vec<String>>,
}

/// Reads the training and test images in `dir` for a model whose input is
/// `shape` (`[H, W, C]`): the four IDX files of the MNIST family
/// (`train-images-idx3-ubyte[.gz]`, ...), CIFAR-10's binary batches
/// (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`, directly or in
/// `cifar-10-batches-bin/`), `.npy` files (`train/images.npy`, `uint8`
/// `[N, H, W, C]`, with `train/labels.npy`, `uint8` or `int64`, and the same
/// under `test/`), or (with the `onnx` feature) torchvision's `ImageFolder`
/// layout: `train/<class>/*.png|*.jpg` and `test/<class>/...`.
///
/// # Errors
/// [`Error::DatasetNotFound`] when `dir` holds none of these;
/// [`Error::InputShape`] when the images do not fit `shape`; the readers'
/// errors.
pub fn load_for_input(
    dir: impl AsRef<Path>,
    shape: [usize; 3],
    norm: &Normalization,
) -> Result<ImageSets> {
    let dir = dir.as_ref();
    let (mean, std) = norm.per_channel(shape[2])?;
    let scale = |p: u8, k: usize| (f32::from(p) / 255.0 - mean[k]) / std[k];
    let splits = |splits| {
        Ok(ImageSets {
            splits,
            classes: None,
        })
    };
    if dir.join("train/images.npy").is_file() {
        let split = |name: &str| -> Result<Dataset> {
            let images = nnitp_core::npy::read_u8(dir.join(name).join("images.npy"))?;
            let labels = nnitp_core::npy::read_labels(dir.join(name).join("labels.npy"))?;
            let found = images.shape().to_vec();
            if found.len() != 4 || found[1..] != shape {
                return Err(Error::InputShape {
                    expected: shape.to_vec(),
                    found: found.get(1..).unwrap_or_default().to_vec(),
                });
            }
            let pixels: Vec<u8> = images.iter().copied().collect();
            let labels: Vec<u8> = labels.iter().copied().collect();
            dataset(DatasetKind::Mnist, found[0], shape, &pixels, labels, scale)
        };
        return splits(Splits {
            train: split("train")?,
            test: split("test")?,
            source: dir.display().to_string(),
        });
    }
    #[cfg(feature = "onnx")]
    if super::image_folder::is_image_folder(dir) {
        let (train, test, classes) = super::image_folder::read(dir, shape, scale)?;
        return Ok(ImageSets {
            splits: Splits {
                train,
                test,
                source: dir.display().to_string(),
            },
            classes: Some(classes),
        });
    }
    if find_file(dir, "train-images-idx3-ubyte").is_ok() {
        let split = |images: &str, labels: &str| -> Result<Dataset> {
            let (n, rows, cols, pixels) = idx::read_images(find_file(dir, images)?)?;
            let labels = idx::read_labels(find_file(dir, labels)?)?;
            let found = [rows, cols, 1];
            if found != shape {
                return Err(Error::InputShape {
                    expected: shape.to_vec(),
                    found: found.to_vec(),
                });
            }
            dataset(DatasetKind::Mnist, n, found, &pixels, labels, scale)
        };
        return splits(Splits {
            train: split("train-images-idx3-ubyte", "train-labels-idx1-ubyte")?,
            test: split("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")?,
            source: dir.display().to_string(),
        });
    }
    if dir.join("test_batch.bin").exists()
        || dir.join("cifar-10-batches-bin/test_batch.bin").exists()
    {
        let found = DatasetKind::Cifar10.image_shape();
        if found != shape {
            return Err(Error::InputShape {
                expected: shape.to_vec(),
                found: found.to_vec(),
            });
        }
        let (cifar_dir, (labels, pixels), (test_labels, test_pixels)) = cifar::read_dir(dir)?;
        return splits(Splits {
            train: dataset(
                DatasetKind::Cifar10,
                labels.len(),
                found,
                &pixels,
                labels,
                scale,
            )?,
            test: dataset(
                DatasetKind::Cifar10,
                test_labels.len(),
                found,
                &test_pixels,
                test_labels,
                scale,
            )?,
            source: cifar_dir.display().to_string(),
        });
    }
    Err(Error::DatasetNotFound {
        dataset: "images (IDX files of the MNIST family, CIFAR-10 binary batches, train/ and test/ images.npy with labels.npy, or train/ and test/ folders of class folders of PNG or JPEG files)".into(),
        looked: vec![dir.to_path_buf()],
    })
}

/// `n` images of `shape` (channels last) from their bytes, each scaled by
/// `scale(pixel, channel)`.
pub(super) fn dataset(
    kind: DatasetKind,
    n: usize,
    [h, w, c]: [usize; 3],
    pixels: &[u8],
    labels: Vec<u8>,
    scale: impl Fn(u8, usize) -> f32,
) -> Result<Dataset> {
    if n != labels.len() || pixels.len() != n * h * w * c {
        return Err(Error::CountMismatch {
            images: pixels.len() / (h * w * c).max(1),
            labels: labels.len(),
        });
    }
    let values = pixels
        .iter()
        .enumerate()
        .map(|(i, &p)| scale(p, i % c))
        .collect();
    let images = Array4::from_shape_vec((n, h, w, c), values)
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    Ok(Dataset {
        kind,
        images,
        labels,
        values: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_is_checked_once() {
        assert!(Normalization::new(vec![], vec![1.0]).is_err());
        assert!(Normalization::new(vec![0.5], vec![0.0]).is_err());
        assert!(Normalization::new(vec![f32::NAN], vec![1.0]).is_err());
        let n = Normalization::new(vec![0.5], vec![0.25, 0.5, 1.0]).unwrap();
        assert_eq!(
            n.per_channel(3).unwrap(),
            (vec![0.5; 3], vec![0.25, 0.5, 1.0])
        );
        assert!(n.per_channel(1).is_err());
    }
}
