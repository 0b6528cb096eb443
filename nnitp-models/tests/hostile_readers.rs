//! The dataset and weight readers on hostile input: devices, gzip bombs,
//! sizes that overflow, empty data sets, trailing data, non-finite weights,
//! and random or mutated bytes (property tests). Every one is a typed error,
//! read with bounded memory, never a panic.

use std::io::Write;
use std::path::Path;

use burn::tensor::Device;
use flate2::write::GzEncoder;
use nnitp_models::data::{self, cifar, idx, DatasetKind};
use nnitp_models::zoo::ModelKind;
use nnitp_models::Error;
use proptest::prelude::*;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut h = magic.to_be_bytes().to_vec();
    for d in dims {
        h.extend(d.to_be_bytes());
    }
    h
}

#[test]
fn a_gzip_bomb_is_inflated_no_further_than_its_header() {
    // 256 MiB of zeros compress to about 250 KB; the magic (zero) is wrong
    let zeros = vec![0u8; 1 << 20];
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..256 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    let p = Path::new("bomb.gz");
    assert!(matches!(
        idx::parse_images(p, &bomb),
        Err(Error::BadMagic { found: 0, .. })
    ));
    // a valid header announcing 10 images, then the zeros: trailing data,
    // found after reading the announced 7840 bytes and one more
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&header(idx::IMAGES_MAGIC, &[10, 28, 28]))
        .unwrap();
    for _ in 0..256 {
        e.write_all(&zeros).unwrap();
    }
    let err = idx::parse_images(p, &e.finish().unwrap()).unwrap_err();
    assert!(err.to_string().contains("data continues past"), "{err}");
}

#[test]
fn overflowing_and_huge_sizes_are_refused_before_reading() {
    let p = Path::new("huge");
    let h = header(idx::IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX]);
    assert!(matches!(
        idx::parse_images(p, &h),
        Err(Error::TooLarge { .. })
    ));
    let h = header(idx::IMAGES_MAGIC, &[u32::MAX, 28, 28]);
    assert!(matches!(
        idx::parse_images(p, &h),
        Err(Error::TooLarge { .. })
    ));
    // plausible header, little data, gzip: no allocation of the announced size
    let h = header(idx::IMAGES_MAGIC, &[1_000_000, 28, 28]);
    let err = idx::parse_images(p, &gz(&h)).unwrap_err();
    assert!(err.to_string().contains("file holds 0"), "{err}");
}

#[test]
fn empty_data_sets_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("train-images-idx3-ubyte");
    std::fs::write(&p, idx::encode_images(0, 28, 28, &[])).unwrap();
    assert!(matches!(
        idx::read_images(&p),
        Err(Error::EmptyDataset { .. })
    ));
    std::fs::write(&p, idx::encode_images(3, 0, 28, &[])).unwrap();
    assert!(matches!(
        idx::read_images(&p),
        Err(Error::EmptyDataset { .. })
    ));
    std::fs::write(&p, idx::encode_labels(&[])).unwrap();
    assert!(matches!(
        idx::read_labels(&p),
        Err(Error::EmptyDataset { .. })
    ));
    let c = dir.path().join("test_batch.bin");
    std::fs::write(&c, []).unwrap();
    assert!(matches!(
        cifar::read_batch(&c),
        Err(Error::EmptyDataset { .. })
    ));
}

#[test]
fn trailing_bytes_are_errors() {
    let mut bytes = idx::encode_labels(&[1, 2, 3]);
    bytes.push(0);
    let p = Path::new("labels");
    let err = idx::parse_labels(p, &bytes).unwrap_err();
    assert!(matches!(err, Error::Truncated { .. }), "{err}");
    let err = idx::parse_labels(p, &gz(&bytes)).unwrap_err();
    assert!(err.to_string().contains("data continues past"), "{err}");
}

#[cfg(unix)]
#[test]
fn devices_and_pipes_are_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ] {
        std::os::unix::fs::symlink("/dev/zero", dir.path().join(name)).unwrap();
    }
    assert!(matches!(
        idx::read_images(dir.path().join("train-images-idx3-ubyte")),
        Err(Error::NotRegularFile { .. })
    ));
    let c = dir.path().join("data_batch_1.bin");
    std::os::unix::fs::symlink("/dev/zero", &c).unwrap();
    assert!(matches!(
        cifar::read_batch(&c),
        Err(Error::NotRegularFile { .. })
    ));
    let fifo = dir.path().join("test_batch.bin");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    assert!(matches!(
        cifar::read_batch(&fifo),
        Err(Error::NotRegularFile { .. })
    ));
}

#[test]
fn a_large_file_failing_the_magic_is_not_read_whole() {
    // 64 MiB of a wrong magic: refused after its first bytes (a full read
    // would take far longer than the header check, but the test does not
    // time it: it checks the answer names the magic, not the length)
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(64 << 20).unwrap();
    assert!(matches!(
        idx::read_images(&p),
        Err(Error::BadMagic { found: 0, .. })
    ));
}

#[test]
fn weights_holding_nan_are_refused_naming_the_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let model = ModelKind::FashionMnist.load(None, &device).unwrap();
    let good = dir.path().join("good.bpk");
    model.save(&good).unwrap();
    // find the bytes of one f32 of the saved weights and make it a NaN: the
    // first run of four bytes equal to a weight of the last dense layer
    let mut bytes = std::fs::read(&good).unwrap();
    let needle = last_layer_value(&model).to_le_bytes();
    let at = bytes
        .windows(4)
        .position(|w| w == needle)
        .expect("the weight is stored as little-endian f32");
    bytes[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let bad = dir.path().join("bad.bpk");
    std::fs::write(&bad, &bytes).unwrap();
    match ModelKind::FashionMnist.load(Some(&bad), &device) {
        Err(Error::NonFiniteWeights { tensor, .. }) => {
            assert!(tensor.contains("layers"), "{tensor}")
        }
        other => panic!("expected NonFiniteWeights, got {:?}", other.map(|_| ())),
    }
}

/// A value of the model's last float tensor that occurs once in its weights.
fn last_layer_value(model: &nnitp_models::graph::DeviceGraph) -> f32 {
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::tensor::Tensor;
    struct Last(Vec<f32>);
    impl ModuleVisitor for Last {
        fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
            self.0 = p.val().into_data().try_to_vec::<f32>().unwrap();
        }
    }
    let mut l = Last(Vec::new());
    model.visit(&mut l);
    *l.0.iter().find(|v| **v != 0.0).unwrap()
}

/// A small valid IDX image file, raw.
fn valid_images() -> Vec<u8> {
    idx::encode_images(2, 3, 4, &(0..24).collect::<Vec<u8>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let p = Path::new("random");
        let _ = idx::parse_images(p, &bytes);
        let _ = idx::parse_labels(p, &bytes);
        let _ = idx::parse_images(p, &gz(&bytes));
    }

    #[test]
    fn mutated_files_are_read_exactly_or_refused(
        at in 0usize..40, value in any::<u8>(), cut in 0usize..40, compress in any::<bool>()
    ) {
        let mut bytes = valid_images();
        let at = at % bytes.len();
        bytes[at] = value;
        bytes.truncate(bytes.len() - cut % bytes.len());
        let input = if compress { gz(&bytes) } else { bytes.clone() };
        if let Ok((n, rows, cols, pixels)) = idx::parse_images(Path::new("m"), &input) {
            // whatever is accepted is exactly what its header announces
            prop_assert_eq!(n * rows * cols, pixels.len());
            prop_assert_eq!(16 + pixels.len(), bytes.len());
            prop_assert!(n * rows * cols > 0);
        }
    }

    #[test]
    fn mutated_cifar_batches_are_read_exactly_or_refused(
        at in 0usize..(2 * cifar::RECORD), value in any::<u8>(), cut in 0usize..4000
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.bin");
        let mut bytes = cifar::encode_batch(&[1, 2], &vec![7; 2 * 3072]);
        bytes[at] = value;
        bytes.truncate(bytes.len() - cut);
        std::fs::write(&p, &bytes).unwrap();
        if let Ok((labels, pixels)) = cifar::read_batch(&p) {
            prop_assert_eq!(labels.len() * cifar::RECORD, bytes.len());
            prop_assert_eq!(pixels.len(), labels.len() * 3072);
            prop_assert!(labels.iter().all(|&l| l < 10));
        }
    }
}

#[test]
fn zero_image_folders_are_refused_by_the_loader() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "train-images-idx3-ubyte",
            idx::encode_images(0, 28, 28, &[]),
        ),
        ("train-labels-idx1-ubyte", idx::encode_labels(&[])),
        ("t10k-images-idx3-ubyte", idx::encode_images(0, 28, 28, &[])),
        ("t10k-labels-idx1-ubyte", idx::encode_labels(&[])),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let err = data::load(DatasetKind::FashionMnist, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::EmptyDataset { .. }), "{err}");
}

/// A small valid `.ts` file.
const SERIES: &str =
    "@problemName T\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n4,5.5,-6:b\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_series_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = nnitp_models::data::series::read_ts(&bytes[..], 64);
        let mut framed = SERIES.as_bytes().to_vec();
        framed.extend(&bytes);
        let _ = nnitp_models::data::series::read_ts(&framed[..], 64);
    }

    #[test]
    fn mutated_series_are_read_consistently_or_refused(
        at in 0usize..SERIES.len(), value in any::<u8>(), cut in 0usize..SERIES.len()
    ) {
        let mut bytes = SERIES.as_bytes().to_vec();
        bytes[at] = value;
        bytes.truncate(bytes.len() - cut);
        if let Ok(s) = nnitp_models::data::series::read_ts(&bytes[..], 64) {
            // whatever is accepted: one length, finite values, declared labels
            prop_assert_eq!(s.values.len(), s.len() * s.length());
            prop_assert!(s.values.iter().all(|v| v.is_finite()));
            prop_assert!(s.labels.iter().all(|&l| l < s.classes.len()));
            prop_assert!(!s.is_empty());
        }
    }
}
