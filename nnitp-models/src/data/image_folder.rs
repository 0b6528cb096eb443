//! Folders of image files in torchvision's `ImageFolder` layout:
//! `DIR/train/<class>/*.png|*.jpg` and `DIR/test/<class>/...`, the classes
//! named by the folders (sorted), the files taken in name order, class by
//! class, as torchvision does.

use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageReader, Limits};
use ndarray::Array4;

use super::{Dataset, DatasetKind};
use crate::error::{Error, Result};

/// The largest side of an image read (larger files are refused before they
/// are decoded).
const MAX_SIDE: u32 = 4096;

/// A split's class names, and its files as `(class index, path)`.
type Listing = (Vec<String>, Vec<(usize, PathBuf)>);

/// The files of one split in torchvision's order, and the class names.
fn listing(dir: &Path) -> Result<Listing> {
    let mut classes: Vec<String> = std::fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    classes.sort();
    if classes.len() > 256 {
        return Err(Error::InvalidArgument(format!(
            "{}: {} class folders; at most 256 are read",
            dir.display(),
            classes.len()
        )));
    }
    let mut files = Vec::new();
    for (k, class) in classes.iter().enumerate() {
        let mut here: Vec<PathBuf> = std::fs::read_dir(dir.join(class))
            .map_err(Error::io(dir.join(class)))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg")
                })
            })
            .collect();
        here.sort();
        files.extend(here.into_iter().map(|p| (k, p)));
    }
    Ok((classes, files))
}

/// The class names of an image folder (its training class folders, sorted).
///
/// # Errors
/// [`Error::Io`] when `dir/train` cannot be listed.
pub(super) fn classes(dir: &Path) -> Result<Vec<String>> {
    Ok(listing(&dir.join("train"))?.0)
}

/// Whether `dir` is laid out as an image folder (`train/` holding class
/// folders).
pub(super) fn is_image_folder(dir: &Path) -> bool {
    dir.join("train").is_dir() && dir.join("test").is_dir()
}

/// One image's pixels `[H, W, C]` (bytes), checked against `shape`.
fn pixels(path: &Path, [h, w, c]: [usize; 3]) -> Result<Vec<u8>> {
    let bad = |reason: String| Error::Truncated {
        path: path.to_path_buf(),
        reason,
    };
    // a device or a pipe named *.png is refused before it is read
    let (file, _) = super::open_regular(path)?;
    let mut reader = ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(Error::io(path))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 4);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| bad(e.to_string()))?;
    if (img.height() as usize, img.width() as usize) != (h, w) {
        return Err(Error::InputShape {
            expected: vec![h, w, c],
            found: vec![
                img.height() as usize,
                img.width() as usize,
                img.color().channel_count() as usize,
            ],
        });
    }
    let found = img.color().channel_count() as usize;
    Ok(match (c, img) {
        (1, DynamicImage::ImageLuma8(g)) => g.into_raw(),
        (3, DynamicImage::ImageRgb8(rgb)) => rgb.into_raw(),
        (_, other) => {
            return Err(bad(format!(
                "{:?} pixels ({found} channels) where the model takes {c} channel{} of 8 bits",
                other.color(),
                if c == 1 { "" } else { "s" }
            )))
        }
    })
}

/// Reads one split of an image folder.
fn split(
    dir: &Path,
    shape: [usize; 3],
    classes: &[String],
    scale: &impl Fn(u8, usize) -> f32,
) -> Result<Dataset> {
    let (found, files) = listing(dir)?;
    if let Some(extra) = found.iter().find(|c| !classes.contains(c)) {
        return Err(Error::InvalidArgument(format!(
            "{}: class folder {extra:?} is not among the training classes",
            dir.display()
        )));
    }
    if files.is_empty() {
        return Err(Error::EmptyDataset {
            path: dir.to_path_buf(),
            shape: vec![0, shape[0], shape[1], shape[2]],
        });
    }
    let [h, w, c] = shape;
    let mut values = Vec::with_capacity(files.len() * h * w * c);
    let mut labels = Vec::with_capacity(files.len());
    for (k, path) in &files {
        let px = pixels(path, shape)?;
        values.extend(px.iter().enumerate().map(|(i, &p)| scale(p, i % c)));
        let class = &found[*k];
        let label = classes.iter().position(|n| n == class).unwrap_or(*k);
        labels.push(label as u8);
    }
    let images = Array4::from_shape_vec((files.len(), h, w, c), values)
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    Ok(Dataset {
        kind: if c == 3 {
            DatasetKind::Cifar10
        } else {
            DatasetKind::Mnist
        },
        images,
        labels,
        values: None,
    })
}

/// Both splits of an image folder and the class names.
pub(super) fn read(
    dir: &Path,
    shape: [usize; 3],
    scale: impl Fn(u8, usize) -> f32,
) -> Result<(Dataset, Dataset, Vec<String>)> {
    let classes = classes(dir)?;
    let train = split(&dir.join("train"), shape, &classes, &scale)?;
    let test = split(&dir.join("test"), shape, &classes, &scale)?;
    Ok((train, test, classes))
}
