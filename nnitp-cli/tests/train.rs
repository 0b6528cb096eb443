//! `nnitp train` as a user runs it on a small IDX data set written
//! here: `--seed` makes a run reproducible (initialisation, dropout and batch
//! order: the same weights, compared by digest, since the file also holds
//! per-run parameter ids), and another seed gives other weights.

use std::path::Path;

use nnitp::burn::tensor::Device;
use nnitp::core::network::module_digest;
use nnitp::models::zoo::ModelKind;

mod run;
use run::{nnitp, stdout_of};

/// Writes an IDX file of unsigned bytes: the magic (type 0x08, the number of
/// dimensions), `dims` (big-endian u32 each), then `body`.
fn write_idx(path: &Path, dims: &[u32], body: &[u8]) {
    let mut bytes = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.extend_from_slice(body);
    std::fs::write(path, bytes).unwrap();
}

/// A Fashion-MNIST-shaped folder of `train` and `test` images of seeded
/// pseudo-random pixels, labels cycling through the ten classes.
fn dataset(dir: &Path, train: u32, test: u32) {
    let mut s = 11u64;
    let mut pixels = |n: u32| -> Vec<u8> {
        (0..n * 784)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 56) as u8
            })
            .collect()
    };
    for (prefix, n) in [("train", train), ("t10k", test)] {
        let images = pixels(n);
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        write_idx(
            &dir.join(format!("{prefix}-images-idx3-ubyte")),
            &[n, 28, 28],
            &images,
        );
        write_idx(
            &dir.join(format!("{prefix}-labels-idx1-ubyte")),
            &[n],
            &labels,
        );
    }
}

/// Trains one epoch with `seed` and returns the digest of the saved weights.
fn train(data: &Path, seed: &str, out: &Path) -> nnitp::core::digest::Digest {
    let run = nnitp(&["train", "--data", data.to_str().unwrap()])
        .args(["--epochs", "1", "--batch-size", "16", "--seed", seed])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = stdout_of(&run);
    assert!(stdout.contains("epoch 1: loss "), "{stdout}");
    let model = ModelKind::FashionMnist
        .load(Some(out), &Device::flex())
        .unwrap();
    module_digest(&model).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    dataset(&data, 64, 20);
    let a = train(&data, "3", &dir.path().join("a.bpk"));
    let b = train(&data, "3", &dir.path().join("b.bpk"));
    let c = train(&data, "4", &dir.path().join("c.bpk"));
    assert!(a == b, "two runs with seed 3 saved different weights");
    assert!(a != c, "seeds 3 and 4 saved the same weights");
}
