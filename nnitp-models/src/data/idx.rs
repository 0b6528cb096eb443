//! The IDX format of MNIST and Fashion-MNIST, gzip-compressed or raw.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;

use crate::error::{Error, Result};

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// Reads a whole file, gunzipping it when it starts with the gzip magic.
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(Error::io(path))?;
    gunzip(path, raw)
}

/// Gunzips `raw` when it starts with the gzip magic (`path` names it in errors).
pub(crate) fn gunzip(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>> {
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::Truncated {
                path: path.to_path_buf(),
                reason: format!("corrupt gzip data: {e}"),
            })?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn header(path: &Path, bytes: &[u8], magic: u32, dims: usize) -> Result<Vec<usize>> {
    let need = 4 + 4 * dims;
    if bytes.len() < need {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "{} bytes is shorter than the {need}-byte IDX header",
                bytes.len()
            ),
        });
    }
    let found = be_u32(bytes, 0);
    if found != magic {
        return Err(Error::BadMagic {
            path: path.to_path_buf(),
            expected: magic,
            found,
        });
    }
    let shape: Vec<usize> = (0..dims)
        .map(|d| be_u32(bytes, 4 + 4 * d) as usize)
        .collect();
    let body: usize = shape.iter().product();
    if bytes.len() != need + body {
        return Err(Error::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "header announces {body} data bytes, file holds {}",
                bytes.len() - need
            ),
        });
    }
    Ok(shape)
}

/// Reads an IDX image file: `(count, rows, cols, pixels)` with pixels row-major.
///
/// # Errors
/// [`Error::Io`], [`Error::BadMagic`], [`Error::Truncated`] (also for corrupt gzip).
pub fn read_images(path: impl AsRef<Path>) -> Result<(usize, usize, usize, Vec<u8>)> {
    let path = path.as_ref();
    parse_images(path, read_maybe_gz(path)?)
}

/// Parses IDX image bytes (already gunzipped); `path` names them in errors.
///
/// # Errors
/// As [`read_images`].
pub fn parse_images(path: &Path, bytes: Vec<u8>) -> Result<(usize, usize, usize, Vec<u8>)> {
    let shape = header(path, &bytes, IMAGES_MAGIC, 3)?;
    Ok((shape[0], shape[1], shape[2], bytes[16..].to_vec()))
}

/// Reads an IDX label file.
///
/// # Errors
/// As [`read_images`].
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    parse_labels(path, read_maybe_gz(path)?)
}

/// Parses IDX label bytes (already gunzipped); `path` names them in errors.
///
/// # Errors
/// As [`read_images`].
pub fn parse_labels(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>> {
    header(path, &bytes, LABELS_MAGIC, 1)?;
    Ok(bytes[8..].to_vec())
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
