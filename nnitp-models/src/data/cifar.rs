//! The CIFAR-10 binary format: records of one label byte and 3072 pixel bytes
//! (1024 red, 1024 green, 1024 blue, each 32x32 row-major).

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::data::open_regular;
use crate::error::{Error, Result};

/// Bytes per record.
pub const RECORD: usize = 1 + 3072;
/// The most records a batch file may hold (CIFAR-10's have 10000).
pub const MAX_RECORDS: usize = 100_000;

/// Reads one batch file: `(labels, pixels)` with pixels `[N, 32, 32, 3]`
/// (channels last).
///
/// # Errors
/// [`Error::Io`]; [`Error::NotRegularFile`]; [`Error::EmptyDataset`];
/// [`Error::Truncated`] for a partial record or a file that changes while it
/// is read; [`Error::TooLarge`] above [`MAX_RECORDS`]; [`Error::BadLabel`] for
/// a label above 9.
pub fn read_batch(path: impl AsRef<Path>) -> Result<(Vec<u8>, Vec<u8>)> {
    let path = path.as_ref();
    let (file, len) = open_regular(path)?;
    if len == 0 {
        return Err(Error::EmptyDataset {
            path: path.to_path_buf(),
            shape: vec![0, 32, 32, 3],
        });
    }
    if len > (MAX_RECORDS * RECORD) as u64 {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            what: format!("a CIFAR-10 batch of {len} bytes"),
            limit: (MAX_RECORDS * RECORD) as u64,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(len + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::io(path))?;
    if bytes.len() as u64 != len || bytes.len() % RECORD != 0 {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "{} bytes is not a whole number of {RECORD}-byte records",
                bytes.len()
            ),
        });
    }
    let n = bytes.len() / RECORD;
    let mut labels = Vec::with_capacity(n);
    let mut pixels = vec![0u8; n * 3072];
    for (i, rec) in bytes.chunks_exact(RECORD).enumerate() {
        if rec[0] > 9 {
            return Err(Error::BadLabel {
                path: path.to_path_buf(),
                index: i,
                label: rec[0],
                classes: 10,
            });
        }
        labels.push(rec[0]);
        let out = &mut pixels[i * 3072..(i + 1) * 3072];
        for c in 0..3 {
            for p in 0..1024 {
                out[p * 3 + c] = rec[1 + c * 1024 + p];
            }
        }
    }
    Ok((labels, pixels))
}

/// Encodes labels and channels-last pixels as CIFAR-10 records (the inverse of
/// [`read_batch`]).
pub fn encode_batch(labels: &[u8], pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(labels.len() * RECORD);
    for (i, &l) in labels.iter().enumerate() {
        out.push(l);
        let img = &pixels[i * 3072..(i + 1) * 3072];
        for c in 0..3 {
            for p in 0..1024 {
                out.push(img[p * 3 + c]);
            }
        }
    }
    out
}

/// One or more batches: `(labels, pixels)`.
pub(crate) type Batch = (Vec<u8>, Vec<u8>);

/// Every batch of the CIFAR-10 folder `dir` (the batches directly in it, or
/// in its `cifar-10-batches-bin/`): the folder read, the training `(labels,
/// pixels)` of `data_batch_1.bin` .. `data_batch_5.bin`, and the test ones of
/// `test_batch.bin`.
///
/// # Errors
/// As [`read_batch`], for each file; a missing batch is an [`Error::Io`].
pub(crate) fn read_dir(dir: &Path) -> Result<(PathBuf, Batch, Batch)> {
    let mut dir = dir.to_path_buf();
    if !dir.join("test_batch.bin").exists() && dir.join("cifar-10-batches-bin").is_dir() {
        dir = dir.join("cifar-10-batches-bin");
    }
    let (mut labels, mut pixels) = (Vec::new(), Vec::new());
    for i in 1..=5 {
        let (l, p) = read_batch(dir.join(format!("data_batch_{i}.bin")))?;
        labels.extend(l);
        pixels.extend(p);
    }
    let test = read_batch(dir.join("test_batch.bin"))?;
    Ok((dir, (labels, pixels), test))
}
