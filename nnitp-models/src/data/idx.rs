//! The IDX format of MNIST and Fashion-MNIST, gzip-compressed or raw.
//!
//! The reader streams: it checks the header before it reads the body, reads
//! exactly the bytes the header announces (a gzip stream is inflated no
//! further than that), and refuses trailing data, empty arrays and sizes that
//! overflow or exceed [`MAX_BYTES`].

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::GzDecoder;

use crate::data::open_regular;
use crate::error::{Error, Result};

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// The largest body an IDX file may announce (4 GiB).
pub const MAX_BYTES: u64 = 1 << 32;

/// An IDX array of unsigned bytes: its dimensions and its values, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// The dimensions, as the header gives them.
    pub shape: Vec<usize>,
    /// The values.
    pub data: Vec<u8>,
}

fn truncated(path: &Path, reason: impl Into<String>) -> Error {
    Error::Truncated {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads an IDX array of `dims` dimensions with magic number `magic` from
/// `source`, gunzipping it when it starts with the gzip magic. `file_len`, when
/// known for an uncompressed source, is checked against the header before the
/// body is read; `path` names the source in errors.
///
/// # Errors
/// [`Error::BadMagic`], [`Error::Truncated`] (short, long or corrupt data),
/// [`Error::TooLarge`], [`Error::EmptyDataset`], [`Error::Io`].
pub fn read_idx(
    path: &Path,
    source: impl Read,
    file_len: Option<u64>,
    magic: u32,
    dims: usize,
) -> Result<IdxArray> {
    let mut buffered = BufReader::new(source);
    let head = buffered.fill_buf().map_err(Error::io(path))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn Read + '_> = if gzip {
        Box::new(GzDecoder::new(buffered))
    } else {
        Box::new(buffered)
    };
    let corrupt = |e: std::io::Error| {
        if gzip {
            truncated(path, format!("corrupt gzip data: {e}"))
        } else {
            truncated(path, format!("unreadable data: {e}"))
        }
    };
    let need = 4 + 4 * dims;
    let mut header = vec![0u8; need];
    let got = read_full(&mut reader, &mut header).map_err(corrupt)?;
    if got < need {
        return Err(truncated(
            path,
            format!("{got} bytes is shorter than the {need}-byte IDX header"),
        ));
    }
    let word =
        |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let found = word(0);
    if found != magic {
        return Err(Error::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found,
        });
    }
    let shape: Vec<usize> = (0..dims).map(|d| word(4 + 4 * d) as usize).collect();
    let body = shape
        .iter()
        .try_fold(1u64, |acc, &n| acc.checked_mul(n as u64))
        .filter(|&b| b <= MAX_BYTES)
        .ok_or_else(|| Error::TooLarge {
            path: path.to_path_buf(),
            what: format!("an IDX array of shape {shape:?}"),
            limit: MAX_BYTES,
        })?;
    if body == 0 {
        return Err(Error::EmptyDataset {
            path: path.to_path_buf(),
            shape,
        });
    }
    if let Some(len) = file_len.filter(|_| !gzip) {
        if len != need as u64 + body {
            return Err(truncated(
                path,
                format!(
                    "header announces {body} data bytes, file holds {}",
                    len.saturating_sub(need as u64)
                ),
            ));
        }
    }
    // grows with the data actually read, never to an announced size alone
    let mut data = Vec::new();
    reader
        .by_ref()
        .take(body)
        .read_to_end(&mut data)
        .map_err(corrupt)?;
    if (data.len() as u64) < body {
        return Err(truncated(
            path,
            format!(
                "header announces {body} data bytes, file holds {}",
                data.len()
            ),
        ));
    }
    let mut extra = [0u8; 1];
    if read_full(&mut reader, &mut extra).map_err(corrupt)? > 0 {
        return Err(truncated(
            path,
            format!("data continues past the {body} bytes the header announces"),
        ));
    }
    Ok(IdxArray { shape, data })
}

/// Reads until `buf` is full or the data ends; the number of bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Reads the IDX file `path` (a regular file, raw or gzip).
fn read_file(path: &Path, magic: u32, dims: usize) -> Result<IdxArray> {
    let (file, len) = open_regular(path)?;
    read_idx(path, file, Some(len), magic, dims)
}

/// Reads an IDX image file: `(count, rows, cols, pixels)` with pixels row-major.
///
/// # Errors
/// As [`read_idx`]; [`Error::NotRegularFile`] for a device, pipe or folder.
pub fn read_images(path: impl AsRef<Path>) -> Result<(usize, usize, usize, Vec<u8>)> {
    let a = read_file(path.as_ref(), IMAGES_MAGIC, 3)?;
    Ok((a.shape[0], a.shape[1], a.shape[2], a.data))
}

/// Parses IDX image bytes (raw or gzip); `path` names them in errors.
///
/// # Errors
/// As [`read_idx`].
pub fn parse_images(path: &Path, bytes: &[u8]) -> Result<(usize, usize, usize, Vec<u8>)> {
    let a = read_idx(path, bytes, Some(bytes.len() as u64), IMAGES_MAGIC, 3)?;
    Ok((a.shape[0], a.shape[1], a.shape[2], a.data))
}

/// Reads an IDX label file.
///
/// # Errors
/// As [`read_images`].
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    Ok(read_file(path.as_ref(), LABELS_MAGIC, 1)?.data)
}

/// Parses IDX label bytes (raw or gzip); `path` names them in errors.
///
/// # Errors
/// As [`read_idx`].
pub fn parse_labels(path: &Path, bytes: &[u8]) -> Result<Vec<u8>> {
    Ok(read_idx(path, bytes, Some(bytes.len() as u64), LABELS_MAGIC, 1)?.data)
}

/// Encodes images as an IDX byte stream (the inverse of [`read_images`]).
pub fn encode_images(count: usize, rows: usize, cols: usize, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + pixels.len());
    for v in [IMAGES_MAGIC, count as u32, rows as u32, cols as u32] {
        out.extend(v.to_be_bytes());
    }
    out.extend_from_slice(pixels);
    out
}

/// Encodes labels as an IDX byte stream (the inverse of [`read_labels`]).
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + labels.len());
    for v in [LABELS_MAGIC, labels.len() as u32] {
        out.extend(v.to_be_bytes());
    }
    out.extend_from_slice(labels);
    out
}
