//! The dataset readers on small files written here in the real formats (IDX,
//! gzip or raw; CIFAR-10 binary), good and bad.

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use nnitp_models::data::{self, cifar, idx, DatasetKind};
use nnitp_models::Error;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// `n` 28x28 images whose pixel (r, c) of image i is (i + r + c) % 256.
fn pixels(n: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(n * 784);
    for i in 0..n {
        for r in 0..28 {
            for c in 0..28 {
                p.push(((i + r + c) % 256) as u8);
            }
        }
    }
    p
}

fn write_idx_dir(dir: &Path, train: usize, test: usize, compress: bool) {
    let files = [
        (
            "train-images-idx3-ubyte",
            idx::encode_images(train, 28, 28, &pixels(train)),
        ),
        (
            "train-labels-idx1-ubyte",
            idx::encode_labels(&(0..train).map(|i| (i % 10) as u8).collect::<Vec<_>>()),
        ),
        (
            "t10k-images-idx3-ubyte",
            idx::encode_images(test, 28, 28, &pixels(test)),
        ),
        (
            "t10k-labels-idx1-ubyte",
            idx::encode_labels(&(0..test).map(|i| (i % 10) as u8).collect::<Vec<_>>()),
        ),
    ];
    for (name, bytes) in files {
        if compress {
            std::fs::write(dir.join(format!("{name}.gz")), gz(&bytes)).unwrap();
        } else {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
}

#[test]
fn idx_gzip_and_raw_read_the_same() {
    for compress in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        write_idx_dir(dir.path(), 12, 5, compress);
        let s = data::load(DatasetKind::Mnist, Some(dir.path())).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (12, 5));
        assert_eq!(s.train.images.shape(), &[12, 28, 28, 1]);
        assert_eq!(s.train.labels[7], 7);
        // x / 255, channels last
        assert_eq!(s.train.images[[3, 2, 1, 0]], 6.0 / 255.0);
        assert_eq!(s.test.images[[4, 27, 27, 0]], 58.0 / 255.0);
    }
}

#[test]
fn idx_bad_magic_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dir(dir.path(), 3, 2, false);
    let p = dir.path().join("train-labels-idx1-ubyte");
    // an image file where labels belong
    std::fs::write(&p, idx::encode_images(3, 28, 28, &pixels(3))).unwrap();
    match data::load(DatasetKind::FashionMnist, Some(dir.path())) {
        Err(Error::BadMagic {
            expected, found, ..
        }) => {
            assert_eq!((expected, found), (idx::LABELS_MAGIC, idx::IMAGES_MAGIC))
        }
        other => panic!("expected BadMagic, got {other:?}"),
    }
}

#[test]
fn idx_truncated_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dir(dir.path(), 3, 2, false);
    let p = dir.path().join("t10k-images-idx3-ubyte");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.truncate(bytes.len() - 100);
    std::fs::write(&p, bytes).unwrap();
    let err = data::load(DatasetKind::Mnist, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("t10k-images-idx3-ubyte"), "{err}");
    // a header cut short
    std::fs::write(&p, [0u8, 0, 8, 3, 0]).unwrap();
    assert!(matches!(
        data::load(DatasetKind::Mnist, Some(dir.path())),
        Err(Error::Truncated { .. })
    ));
}

#[test]
fn idx_corrupt_gzip_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dir(dir.path(), 3, 2, true);
    let p = dir.path().join("train-images-idx3-ubyte.gz");
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2);
    std::fs::write(&p, bytes).unwrap();
    let err = data::load(DatasetKind::Mnist, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("gzip"), "{err}");
}

#[test]
fn idx_image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dir(dir.path(), 4, 2, false);
    std::fs::write(
        dir.path().join("train-labels-idx1-ubyte"),
        idx::encode_labels(&[1, 2, 3]),
    )
    .unwrap();
    assert!(matches!(
        data::load(DatasetKind::Mnist, Some(dir.path())),
        Err(Error::CountMismatch {
            images: 4,
            labels: 3
        })
    ));
}

#[test]
fn idx_wrong_image_size_and_bad_labels_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_idx_dir(dir.path(), 2, 2, false);
    std::fs::write(
        dir.path().join("t10k-images-idx3-ubyte"),
        idx::encode_images(2, 27, 29, &vec![0; 2 * 27 * 29]),
    )
    .unwrap();
    assert!(matches!(
        data::load(DatasetKind::Mnist, Some(dir.path())),
        Err(Error::Truncated { .. })
    ));
    write_idx_dir(dir.path(), 2, 2, false);
    std::fs::write(
        dir.path().join("t10k-labels-idx1-ubyte"),
        idx::encode_labels(&[3, 10]),
    )
    .unwrap();
    assert!(matches!(
        data::load(DatasetKind::Mnist, Some(dir.path())),
        Err(Error::BadLabel {
            index: 1,
            label: 10,
            ..
        })
    ));
}

#[test]
fn missing_files_name_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let err = data::load(DatasetKind::Mnist, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Io { .. }));
    assert!(err.to_string().contains("train-images-idx3-ubyte"), "{err}");
    let err = data::load(DatasetKind::Cifar10, Some(dir.path())).unwrap_err();
    assert!(err.to_string().contains("data_batch_1.bin"), "{err}");
}

/// CIFAR-10 records: label then 1024 red, 1024 green, 1024 blue bytes.
fn cifar_batch(n: usize, seed: usize) -> (Vec<u8>, Vec<u8>) {
    let labels: Vec<u8> = (0..n).map(|i| ((i + seed) % 10) as u8).collect();
    let pixels: Vec<u8> = (0..n * 3072)
        .map(|i| ((i * 7 + seed) % 256) as u8)
        .collect();
    (labels, pixels)
}

fn write_cifar_dir(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for i in 1..=5 {
        let (l, p) = cifar_batch(3, i);
        all.extend_from_slice(&p);
        std::fs::write(
            dir.join(format!("data_batch_{i}.bin")),
            cifar::encode_batch(&l, &p),
        )
        .unwrap();
    }
    let (l, p) = cifar_batch(2, 9);
    std::fs::write(dir.join("test_batch.bin"), cifar::encode_batch(&l, &p)).unwrap();
    all
}

#[test]
fn cifar_reads_channels_last_and_normalises_over_training_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let train_pixels = write_cifar_dir(dir.path());
    let s = data::load(DatasetKind::Cifar10, Some(dir.path())).unwrap();
    assert_eq!(s.train.images.shape(), &[15, 32, 32, 3]);
    assert_eq!(s.test.images.shape(), &[2, 32, 32, 3]);
    assert_eq!(s.train.labels[..4], [1, 2, 3, 2]);
    let n = train_pixels.len() as f64;
    let mean = train_pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let std = (train_pixels
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    // blue at row 0, column 1 of the first training image (`p` is channels last,
    // as `encode_batch` takes it; the file holds it in planes)
    let (_, p) = cifar_batch(3, 1);
    let raw = f64::from(p[3 + 2]);
    let want = (raw - mean) / (std + 1e-7);
    assert!((f64::from(s.train.images[[0, 0, 1, 2]]) - want).abs() < 1e-5);
    // normalised training pixels have mean 0 and standard deviation 1
    let m = s.train.images.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    assert!(m.abs() < 1e-4, "{m}");
}

#[test]
fn cifar_partial_record_and_bad_label_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_cifar_dir(dir.path());
    let p = dir.path().join("data_batch_3.bin");
    let mut bytes = std::fs::read(&p).unwrap();
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&p, &bytes).unwrap();
    let err = data::load(DatasetKind::Cifar10, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    assert!(err.to_string().contains("data_batch_3.bin"), "{err}");
    write_cifar_dir(dir.path());
    let mut bytes = std::fs::read(&p).unwrap();
    bytes[cifar::RECORD] = 12;
    std::fs::write(&p, &bytes).unwrap();
    assert!(matches!(
        data::load(DatasetKind::Cifar10, Some(dir.path())),
        Err(Error::BadLabel {
            index: 1,
            label: 12,
            ..
        })
    ));
}

#[test]
fn embedded_sample_is_the_first_images_of_fashion_mnist() {
    let s = data::embedded_fashion_mnist().unwrap();
    assert_eq!((s.train.len(), s.test.len()), (10_000, 2_000));
    assert_eq!(s.source, "embedded");
    // the first Fashion-MNIST training label is 9 (ankle boot), the first test label 9
    assert_eq!(s.train.labels[0], 9);
    assert_eq!(s.test.labels[0], 9);
    let d = Path::new(data::DEBIAN_FASHION_MNIST);
    if d.join("t10k-labels-idx1-ubyte.gz").is_file() {
        let full = data::load_idx_dir(DatasetKind::FashionMnist, d).unwrap();
        assert_eq!((full.train.len(), full.test.len()), (60_000, 10_000));
        assert_eq!(full.train.labels[..10_000], s.train.labels[..]);
        assert_eq!(
            full.test.images.slice(ndarray::s![..2000, .., .., ..]),
            s.test.images
        );
    }
}
