//! Images for imported models from folders in torchvision's `ImageFolder`
//! layout: class names from the folders, pixels / 255 then the
//! normalisation, and each mismatch with the model's input a clear error.
#![cfg(feature = "onnx")]

use std::path::Path;

use nnitp_models::data::{load_for_input, Normalization};

use nnitp_models::Error;

fn grey(path: &Path, side: u32, value: u8) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::GrayImage::from_pixel(side, side, image::Luma([value]))
        .save(path)
        .unwrap();
}

/// `train/{bag,coat}` and `test/{bag,coat}`, 28x28 grey PNGs (and a JPEG).
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    grey(&d.join("train/coat/1.png"), 28, 255);
    grey(&d.join("train/coat/0.png"), 28, 51);
    grey(&d.join("train/bag/a.png"), 28, 0);
    grey(&d.join("test/bag/b.jpg"), 28, 0);
    grey(&d.join("test/coat/c.png"), 28, 102);
    std::fs::write(d.join("train/coat/notes.txt"), "not an image").unwrap();
    dir
}

#[test]
fn classes_come_from_the_folders_in_torchvisions_order() {
    let dir = folder();
    let norm = Normalization::new(vec![0.2], vec![0.5]).unwrap();
    let sets = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap();
    assert_eq!(
        sets.classes.as_deref(),
        Some(&["bag".to_string(), "coat".into()][..])
    );
    let train = &sets.splits.train;
    // bag/a, then coat/0, coat/1 (file names sorted)
    assert_eq!(train.labels, [0, 1, 1]);
    let first = |i: usize| train.images[[i, 5, 5, 0]];
    assert!((first(0) - (0.0 - 0.2) / 0.5).abs() < 1e-6);
    assert!((first(1) - (0.2 - 0.2) / 0.5).abs() < 1e-6);
    assert!((first(2) - (1.0 - 0.2) / 0.5).abs() < 1e-6);
    assert_eq!(sets.splits.test.labels, [0, 1]);
    // the names alone, without reading an image
    assert_eq!(nnitp_models::data::class_names(dir.path()), sets.classes);
}

#[test]
fn images_that_do_not_fit_are_refused() {
    let norm = Normalization::default();
    let dir = folder();
    grey(&dir.path().join("train/coat/2.png"), 10, 0);
    let e = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap_err();
    assert!(matches!(e, Error::InputShape { .. }), "{e}");

    let dir = folder();
    image::RgbImage::new(28, 28)
        .save(dir.path().join("train/coat/2.png"))
        .unwrap();
    let e = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap_err();
    assert!(e.to_string().contains("the model takes 1 channel"), "{e}");
    // a colour model on grey images
    let e = load_for_input(folder().path(), [28, 28, 3], &norm).unwrap_err();
    assert!(e.to_string().contains("the model takes 3 channels"), "{e}");

    // bytes that are no image, and a PNG header claiming 100000 x 100000
    let dir = folder();
    std::fs::write(dir.path().join("train/coat/2.png"), [7u8; 300]).unwrap();
    assert!(load_for_input(dir.path(), [28, 28, 1], &norm).is_err());
    let mut huge = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    huge.extend(b"IHDR");
    huge.extend(100_000u32.to_be_bytes());
    huge.extend(100_000u32.to_be_bytes());
    huge.extend([8, 0, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(dir.path().join("train/coat/2.png"), huge).unwrap();
    let e = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap_err();
    assert!(!e.to_string().is_empty());

    // an endless device named as an image
    #[cfg(unix)]
    {
        let dir = folder();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("train/coat/2.png")).unwrap();
        let e = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap_err();
        assert!(matches!(e, Error::NotRegularFile { .. }), "{e}");
    }

    // a test class the training set does not have
    let dir = folder();
    grey(&dir.path().join("test/dress/d.png"), 28, 0);
    let e = load_for_input(dir.path(), [28, 28, 1], &norm).unwrap_err();
    assert!(
        e.to_string()
            .contains("\"dress\" is not among the training classes"),
        "{e}"
    );
}

/// A `.npy` file of `descr` and `shape` holding `data`.
fn npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn npy_images_with_uint8_or_int64_labels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pixels: Vec<u8> = (0..2 * 4 * 4 * 3).map(|i| i as u8).collect();
    npy(&d.join("train/images.npy"), "|u1", &[2, 4, 4, 3], &pixels);
    npy(&d.join("train/labels.npy"), "|u1", &[2], &[1, 0]);
    npy(&d.join("test/images.npy"), "|u1", &[2, 4, 4, 3], &pixels);
    let labels: Vec<u8> = [3i64, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(&d.join("test/labels.npy"), "<i8", &[2], &labels);
    let sets = load_for_input(d, [4, 4, 3], &Normalization::default()).unwrap();
    assert_eq!(sets.splits.train.labels, [1, 0]);
    assert_eq!(sets.splits.test.labels, [3, 7]);
    assert!((sets.splits.train.images[[0, 0, 1, 2]] - 5.0 / 255.0).abs() < 1e-7);
    // the wrong image shape, a label out of range, float pixels
    let e = load_for_input(d, [4, 4, 1], &Normalization::default()).unwrap_err();
    assert!(matches!(e, Error::InputShape { .. }), "{e}");
    let bad: Vec<u8> = [300i64, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    npy(&d.join("test/labels.npy"), "<i8", &[2], &bad);
    let e = load_for_input(d, [4, 4, 3], &Normalization::default()).unwrap_err();
    assert!(e.to_string().contains("label 300 is not in 0..256"), "{e}");
    npy(&d.join("train/images.npy"), "<f4", &[1], &[0; 4]);
    let e = load_for_input(d, [4, 4, 3], &Normalization::default()).unwrap_err();
    assert!(e.to_string().contains("dtype <f4"), "{e}");
}
