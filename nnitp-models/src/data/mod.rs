//! Datasets: readers for IDX (MNIST, Fashion-MNIST) and CIFAR-10 binary files,
//! nnitp's normalisation, class names, the embedded Fashion-MNIST sample,
//! images for a model of any input shape ([`load_for_input`]), CSV tables
//! ([`table`]) and the tables the zoo's tabular models are trained on.

pub mod cifar;
pub mod idx;
#[cfg(feature = "onnx")]
mod image_folder;
mod images;
pub mod series;
mod shipped_series;
mod shipped_tables;
pub mod table;

pub use images::{class_names, load_for_input, ImageSets, Normalization};
pub use shipped_tables::{Preprocessing, SPLIT_SEED, TEST_FRACTION};

use std::path::{Path, PathBuf};

use ndarray::{s, Array4, ArrayView4};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The datasets nnitp's zoo was trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DatasetKind {
    /// MNIST digits, 28x28 grey.
    Mnist,
    /// Fashion-MNIST articles, 28x28 grey.
    FashionMnist,
    /// CIFAR-10, 32x32 colour.
    Cifar10,
    /// Breast Cancer Wisconsin (Diagnostic): 569 rows of 30 features, benign
    /// or malignant (shipped with the crate).
    BreastCancer,
    /// Diabetes: 442 rows of 10 features, disease progression after a year
    /// (a number; shipped with the crate).
    Diabetes,
    /// GunPoint (UCR): series of 150 time steps, gun-draw or point (shipped
    /// with the crate; 50 training and 150 test series).
    GunPoint,
}

const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
const BREAST_CANCER_CLASSES: [&str; 2] = ["benign", "malignant"];
const GUNPOINT_CLASSES: [&str; 2] = ["gun-draw", "point"];
const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const CIFAR_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
pub const DEBIAN_FASHION_MNIST: &str = "/usr/share/datasets/fashion-mnist";

impl DatasetKind {
    /// The class names, indexed by label (none for a numeric target).
    pub fn classes(self) -> &'static [&'static str] {
        match self {
            DatasetKind::BreastCancer => &BREAST_CANCER_CLASSES,
            DatasetKind::Diabetes => &[],
            DatasetKind::GunPoint => &GUNPOINT_CLASSES,
            DatasetKind::Mnist => &MNIST_CLASSES,
            DatasetKind::FashionMnist => &FASHION_CLASSES,
            DatasetKind::Cifar10 => &CIFAR_CLASSES,
        }
    }

    /// Image shape `[H, W, C]`; a table's row is `[1, 1, features]`, a
    /// series `[1, time steps, 1]`.
    pub fn image_shape(self) -> [usize; 3] {
        match self {
            DatasetKind::GunPoint => [1, 150, 1],
            DatasetKind::BreastCancer => [1, 1, 30],
            DatasetKind::Diabetes => [1, 1, 10],
            DatasetKind::Mnist | DatasetKind::FashionMnist => [28, 28, 1],
            DatasetKind::Cifar10 => [32, 32, 3],
        }
    }

    /// What the dataset's samples are.
    pub fn samples(self) -> SampleKind {
        if self.is_table() {
            SampleKind::Row
        } else if self.is_series() {
            SampleKind::Series
        } else {
            SampleKind::Image
        }
    }

    /// The name used on the command line and in errors.
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Cifar10 => "cifar10",
            DatasetKind::BreastCancer => "breast-cancer",
            DatasetKind::Diabetes => "diabetes",
            DatasetKind::GunPoint => "gunpoint",
        }
    }
}

/// What a dataset's samples are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SampleKind {
    /// Images `[H, W, C]`.
    Image,
    /// A table's rows, `[1, 1, features]`.
    Row,
    /// Series, `[1, time steps, 1]`.
    Series,
}

impl SampleKind {
    /// What one sample is called (`image`, `row`, `series`).
    pub fn one(self) -> &'static str {
        match self {
            SampleKind::Image => "image",
            SampleKind::Row => "row",
            SampleKind::Series => "series",
        }
    }

    /// What several are called (`images`, `rows`, `series`).
    pub fn many(self) -> &'static str {
        match self {
            SampleKind::Image => "images",
            SampleKind::Row => "rows",
            SampleKind::Series => "series",
        }
    }
}

/// Images `[N, H, W, C]` (normalised as nnitp does) with their labels, or
/// a table's rows `[N, 1, 1, features]` with their classes or numbers.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Which dataset.
    pub kind: DatasetKind,
    /// Normalised images, channels last.
    pub images: Array4<f32>,
    /// Class labels, one per image (empty for a numeric target).
    pub labels: Vec<u8>,
    /// The numeric target of each row, for a dataset that has one (then
    /// `labels` is empty).
    pub values: Option<Vec<f32>>,
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.images.shape()[0]
    }

    /// Whether there is no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `n` images (all when fewer).
    pub fn head(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            kind: self.kind,
            images: self.images.slice(s![..n, .., .., ..]).to_owned(),
            labels: self.labels[..n.min(self.labels.len())].to_vec(),
            values: self.values.as_ref().map(|v| v[..n.min(v.len())].to_vec()),
        }
    }

    /// The images as a view.
    pub fn view(&self) -> ArrayView4<'_, f32> {
        self.images.view()
    }
}

/// A training and a test set.
#[derive(Clone, Debug)]
pub struct Splits {
    /// Training images.
    pub train: Dataset,
    /// Test images.
    pub test: Dataset,
    /// Where they came from (a folder, or "embedded").
    pub source: String,
}

fn to_dataset(
    kind: DatasetKind,
    pixels: &[u8],
    labels: Vec<u8>,
    scale: impl Fn(u8) -> f32,
) -> Result<Dataset> {
    let n = labels.len();
    images::dataset(kind, n, kind.image_shape(), pixels, labels, |p, _| scale(p))
}

fn check_labels(path: &Path, labels: &[u8], classes: usize) -> Result<()> {
    match labels.iter().position(|&l| l as usize >= classes) {
        Some(index) => Err(Error::BadLabel {
            path: path.to_path_buf(),
            index,
            label: labels[index],
            classes,
        }),
        None => Ok(()),
    }
}

/// IDX images `(count, rows, cols, pixels)` as read from a file.
type IdxImages = (usize, usize, usize, Vec<u8>);

/// Images and labels read from IDX files, checked against each other and the
/// shape.
fn idx_split(
    kind: DatasetKind,
    (images_path, (n, rows, cols, pixels)): (&Path, IdxImages),
    (labels_path, labels): (&Path, Vec<u8>),
) -> Result<Dataset> {
    let [h, w, _] = kind.image_shape();
    if (rows, cols) != (h, w) {
        return Err(Error::Truncated {
            path: images_path.to_path_buf(),
            reason: format!("images are {rows}x{cols}, {} needs {h}x{w}", kind.name()),
        });
    }
    if n != labels.len() {
        return Err(Error::CountMismatch {
            images: n,
            labels: labels.len(),
        });
    }
    check_labels(labels_path, &labels, 10)?;
    to_dataset(kind, &pixels, labels, |p| f32::from(p) / 255.0)
}

/// Opens `path` for reading if it is a regular file (links are followed):
/// the file and its length. A device, pipe or folder is refused before it is
/// opened, so nothing blocks or reads without end.
pub(crate) fn open_regular(path: &Path) -> Result<(std::fs::File, u64)> {
    let meta = std::fs::metadata(path).map_err(Error::io(path))?;
    if !meta.is_file() {
        return Err(Error::NotRegularFile {
            path: path.to_path_buf(),
        });
    }
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    Ok((file, meta.len()))
}

/// The first existing file among `names` in `dir` (raw or `.gz`).
fn find_file(dir: &Path, stem: &str) -> Result<PathBuf> {
    for name in [format!("{stem}.gz"), stem.to_string()] {
        let p = dir.join(&name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(Error::Io {
        path: dir.join(format!("{stem}[.gz]")),
        source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
    })
}

/// Reads MNIST or Fashion-MNIST from `dir` (the four standard IDX files, gzip or
/// raw), normalised to `x / 255`.
///
/// # Errors
/// [`Error::Io`] for a missing file, [`Error::BadMagic`], [`Error::Truncated`],
/// [`Error::CountMismatch`], [`Error::BadLabel`].
pub fn load_idx_dir(kind: DatasetKind, dir: impl AsRef<Path>) -> Result<Splits> {
    let dir = dir.as_ref();
    let images = |stem: &str| -> Result<(PathBuf, IdxImages)> {
        let p = find_file(dir, stem)?;
        let read = idx::read_images(&p)?;
        Ok((p, read))
    };
    let labels = |stem: &str| -> Result<(PathBuf, Vec<u8>)> {
        let p = find_file(dir, stem)?;
        let read = idx::read_labels(&p)?;
        Ok((p, read))
    };
    let (tip, tib) = images("train-images-idx3-ubyte")?;
    let (tlp, tlb) = labels("train-labels-idx1-ubyte")?;
    let (eip, eib) = images("t10k-images-idx3-ubyte")?;
    let (elp, elb) = labels("t10k-labels-idx1-ubyte")?;
    Ok(Splits {
        train: idx_split(kind, (&tip, tib), (&tlp, tlb))?,
        test: idx_split(kind, (&eip, eib), (&elp, elb))?,
        source: dir.display().to_string(),
    })
}

/// Reads CIFAR-10 from `dir` (`data_batch_1.bin` .. `data_batch_5.bin` and
/// `test_batch.bin`, directly or in `cifar-10-batches-bin/`), normalised as
/// nnitp does: `(x - mean) / (std + 1e-7)` with the mean and standard deviation
/// over all training pixels. Missing training batches are an error.
///
/// # Errors
/// [`Error::Io`], [`Error::Truncated`], [`Error::BadLabel`].
pub fn load_cifar10_dir(dir: impl AsRef<Path>) -> Result<Splits> {
    let (dir, (labels, pixels), (test_labels, test_pixels)) = cifar::read_dir(dir.as_ref())?;
    let n = pixels.len() as f64;
    let mean = pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let var = pixels
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n;
    let (mean, scale) = (mean as f32, (var.sqrt() + 1e-7) as f32);
    let norm = |p: u8| (f32::from(p) - mean) / scale;
    Ok(Splits {
        train: to_dataset(DatasetKind::Cifar10, &pixels, labels, norm)?,
        test: to_dataset(DatasetKind::Cifar10, &test_pixels, test_labels, norm)?,
        source: dir.display().to_string(),
    })
}

/// The first 10000 training and 2000 test images of Fashion-MNIST, shipped
/// inside the crate (IDX, gzip).
mod embedded {
    pub const TRAIN_IMAGES: &[u8] =
        include_bytes!("../../data/fashion-mnist-train-images-10k.idx3.gz");
    pub const TRAIN_LABELS: &[u8] =
        include_bytes!("../../data/fashion-mnist-train-labels-10k.idx1.gz");
    pub const TEST_IMAGES: &[u8] =
        include_bytes!("../../data/fashion-mnist-test-images-2k.idx3.gz");
    pub const TEST_LABELS: &[u8] =
        include_bytes!("../../data/fashion-mnist-test-labels-2k.idx1.gz");
}

/// The embedded Fashion-MNIST sample: the first 10000 training and 2000 test
/// images, no files needed.
///
/// # Errors
/// Only if the embedded bytes were damaged at build time.
pub fn embedded_fashion_mnist() -> Result<Splits> {
    let images = |name: &str, bytes: &[u8]| -> Result<(PathBuf, IdxImages)> {
        let p = PathBuf::from(format!("<embedded>/{name}"));
        let read = idx::parse_images(&p, bytes)?;
        Ok((p, read))
    };
    let labels = |name: &str, bytes: &[u8]| -> Result<(PathBuf, Vec<u8>)> {
        let p = PathBuf::from(format!("<embedded>/{name}"));
        let read = idx::parse_labels(&p, bytes)?;
        Ok((p, read))
    };
    let (tip, tib) = images("train-images", embedded::TRAIN_IMAGES)?;
    let (tlp, tlb) = labels("train-labels", embedded::TRAIN_LABELS)?;
    let (eip, eib) = images("test-images", embedded::TEST_IMAGES)?;
    let (elp, elb) = labels("test-labels", embedded::TEST_LABELS)?;
    let kind = DatasetKind::FashionMnist;
    Ok(Splits {
        train: idx_split(kind, (&tip, tib), (&tlp, tlb))?,
        test: idx_split(kind, (&eip, eib), (&elp, elb))?,
        source: "embedded".into(),
    })
}

/// Where a copy of a dataset is: `dir` when given; else `$NNITP_DATA` (or its
/// sub-folder named after the dataset); else, for Fashion-MNIST, Debian's
/// `dataset-fashion-mnist` folder, or `None` for the embedded sample (and
/// for a table, which ships with the crate).
///
/// # Errors
/// [`Error::DatasetNotFound`] when no copy is found.
pub fn locate(kind: DatasetKind, dir: Option<&Path>) -> Result<Option<PathBuf>> {
    if let Some(d) = dir {
        return Ok(Some(d.to_path_buf()));
    }
    if kind.is_table() || kind.is_series() {
        return Ok(None);
    }
    let mut looked = Vec::new();
    let holds = |d: &Path| match kind {
        DatasetKind::Cifar10 => {
            d.join("test_batch.bin").exists() || d.join("cifar-10-batches-bin").is_dir()
        }
        _ => find_file(d, "t10k-labels-idx1-ubyte").is_ok(),
    };
    if let Some(root) = std::env::var_os("NNITP_DATA") {
        let root = PathBuf::from(root);
        for d in [root.join(kind.name()), root.clone()] {
            if holds(&d) {
                return Ok(Some(d));
            }
            looked.push(d);
        }
    }
    if kind == DatasetKind::FashionMnist {
        let d = Path::new(DEBIAN_FASHION_MNIST);
        if holds(d) {
            return Ok(Some(d.to_path_buf()));
        }
        return Ok(None);
    }
    Err(Error::DatasetNotFound {
        dataset: kind.name().into(),
        looked,
    })
}

/// Loads a dataset from where [`locate`] finds it (the embedded sample for
/// Fashion-MNIST when there is no other copy). Within a folder, CIFAR-10 may sit
/// in `cifar-10-batches-bin/`. A table is the shipped one, or a CSV file with
/// its columns (`dir` names the file), its rows split and scaled as the
/// shipped table's.
///
/// # Errors
/// [`Error::DatasetNotFound`] when no copy is found; the readers' errors.
pub fn load(kind: DatasetKind, dir: Option<&Path>) -> Result<Splits> {
    if kind.is_table() {
        return shipped_tables::load_table(kind, dir);
    }
    if kind.is_series() {
        return shipped_series::load_series(kind, dir);
    }
    match locate(kind, dir)? {
        Some(d) => match kind {
            DatasetKind::Cifar10 => load_cifar10_dir(d),
            _ => load_idx_dir(kind, d),
        },
        None => embedded_fashion_mnist(),
    }
}
