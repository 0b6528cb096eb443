//! Reading and writing numpy `.npy` files (format versions 1-3) of `float32`
//! and `bool` arrays, with errors that name the file.

use std::fs;
use std::io::{BufReader, Read};
use std::path::Path;

use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder};

use crate::error::{Error, Result};

mod header;

pub use header::Header;

const MAGIC: &[u8] = b"\x93NUMPY";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::io(path.to_path_buf(), source)
}

/// The longest header accepted (numpy writes a few hundred bytes).
const MAX_HEADER: usize = 1 << 16;

/// Parses the header text of a `.npy` file (see [`header`]).
fn parse_header(path: &Path, text: &[u8]) -> Result<Header> {
    header::parse(text).map_err(|r| Error::bad_file(path, format!("not a valid .npy file: {r}")))
}

/// An open `.npy` file whose header has been read and checked against its
/// length: exactly `count` elements of `size` bytes follow.
struct Opened {
    header: Header,
    file: BufReader<fs::File>,
    count: usize,
}

/// Opens `path` and reads its header, reading no more than the header: the
/// magic is checked on the first bytes, and the data length the shape
/// implies (computed without overflow) must equal what the file holds, so a
/// device, a pipe or a file of another length is refused before any data is
/// read.
fn open(path: &Path, want: &[&str], size: usize) -> Result<Opened> {
    let bad = |r: String| Error::bad_file(path, format!("not a valid .npy file: {r}"));
    let file = crate::files::open_regular(path)?;
    let total = file.metadata().map_err(io(path))?.len();
    let mut file = BufReader::with_capacity(1 << 16, file);
    let mut pre = [0u8; 12];
    file.read_exact(&mut pre[..10])
        .map_err(|_| bad("too short for a header".into()))?;
    if &pre[..6] != MAGIC {
        return Err(bad("missing the \\x93NUMPY magic".into()));
    }
    let (len, start) = match pre[6] {
        1 => (usize::from(u16::from_le_bytes([pre[8], pre[9]])), 10),
        2 | 3 => {
            file.read_exact(&mut pre[10..12])
                .map_err(|_| bad("truncated header".into()))?;
            let len = u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]) as usize;
            (len, 12)
        }
        v => return Err(bad(format!("unsupported format version {v}"))),
    };
    if len > MAX_HEADER {
        return Err(bad(format!(
            "a header of {len} bytes (at most {MAX_HEADER})"
        )));
    }
    let mut text = vec![0u8; len];
    file.read_exact(&mut text)
        .map_err(|_| bad("truncated header".into()))?;
    let header = parse_header(path, &text)?;
    if !want.contains(&header.descr.as_str()) {
        return Err(Error::bad_file(
            path,
            format!(
                "dtype {} is not supported here (expected {})",
                header.descr,
                want.join(" or ")
            ),
        ));
    }
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let need = count
        .and_then(|c| c.checked_mul(size))
        .and_then(|n| u64::try_from(n).ok());
    let (Some(count), Some(need)) = (count, need) else {
        return Err(Error::bad_file(
            path,
            format!("shape {:?} is too large to address", header.shape),
        ));
    };
    let data = total.saturating_sub((start + len) as u64);
    if data != need {
        return Err(Error::bad_file(
            path,
            format!(
                "holds {data} data bytes, shape {:?} needs {need}",
                header.shape
            ),
        ));
    }
    Ok(Opened {
        header,
        file,
        count,
    })
}

/// `values` in numpy's order as an array of `header`'s shape, C order (a
/// Fortran-order file is transposed, the one copy it needs).
fn shaped<T: Clone>(path: &Path, header: &Header, values: Vec<T>) -> Result<ArrayD<T>> {
    let shape = IxDyn(&header.shape);
    if header.fortran_order {
        let a = ArrayD::from_shape_vec(shape.f(), values)
            .map_err(|e| Error::bad_file(path, e.to_string()))?;
        Ok(a.as_standard_layout().into_owned())
    } else {
        ArrayD::from_shape_vec(shape, values).map_err(|e| Error::bad_file(path, e.to_string()))
    }
}

/// Reads `count` bytes, checking each block as it arrives, straight into the
/// final vector of `T`.
fn read_values<T>(
    path: &Path,
    file: &mut BufReader<fs::File>,
    count: usize,
    mut convert: impl FnMut(&[u8], &mut Vec<T>) -> Result<()>,
) -> Result<Vec<T>> {
    let mut values = Vec::with_capacity(count);
    let mut block = vec![0u8; 1 << 16];
    let mut left = count;
    while left > 0 {
        let n = left.min(block.len());
        file.read_exact(&mut block[..n]).map_err(io(path))?;
        convert(&block[..n], &mut values)?;
        left -= n;
    }
    Ok(values)
}

/// Reads a `float32` array (`<f4`), in one read straight into the array.
///
/// # Errors
/// [`FileError::Io`](crate::error::FileError::Io) when the file cannot be read, [`FileError::Invalid`](crate::error::FileError::Invalid) when it is not a
/// `.npy` file, its dtype is not `float32`, or its length does not match its shape.
pub fn read_f32(path: impl AsRef<Path>) -> Result<ArrayD<f32>> {
    read_f32_checked(path.as_ref(), false)
}

/// [`read_f32`] for arrays of samples (`[samples, ...units]`) that must hold
/// finite values only; each block is checked as soon as it is read, while it
/// is still in cache.
///
/// # Errors
/// As [`read_f32`]; [`FileError::Invalid`](crate::error::FileError::Invalid) naming the sample and unit of the first
/// NaN or infinity.
pub fn read_f32_finite(path: impl AsRef<Path>) -> Result<ArrayD<f32>> {
    read_f32_checked(path.as_ref(), true)
}

fn read_f32_checked(path: &Path, finite: bool) -> Result<ArrayD<f32>> {
    let Opened {
        header,
        mut file,
        count,
    } = open(path, &["<f4"], 4)?;
    let mut values = vec![0f32; count];
    // blocks of 256 KiB: read, then checked while still in cache
    for (b, block) in values.chunks_mut(1 << 16).enumerate() {
        file.read_exact(bytemuck::cast_slice_mut(block))
            .map_err(io(path))?;
        if cfg!(target_endian = "big") {
            for v in block.iter_mut() {
                *v = f32::from_bits(u32::from_le(v.to_bits()));
            }
        }
        // (a Fortran-order file is checked once in C order, below)
        if finite && !header.fortran_order {
            if let Some(j) = block.iter().position(|v| !v.is_finite()) {
                return Err(non_finite(path, &header, b * (1 << 16) + j, block[j]));
            }
        }
    }
    let a = shaped(path, &header, values)?;
    if finite && header.fortran_order {
        if let Some((i, v)) = a.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(non_finite(path, &header, i, *v));
        }
    }
    Ok(a)
}

/// The error for the non-finite value `v` at flat (C-order) index `i`.
fn non_finite(path: &Path, header: &Header, i: usize, v: f32) -> Error {
    let units = header.shape.iter().skip(1).product::<usize>().max(1);
    Error::bad_file(
        path,
        format!(
            "non-finite value {v} at sample {}, unit {}",
            i / units,
            i % units
        ),
    )
}

/// Reads a `uint8` array (`|u1`), e.g. image pixels.
///
/// # Errors
/// As [`read_f32`], for the dtype `uint8`.
pub fn read_u8(path: impl AsRef<Path>) -> Result<ArrayD<u8>> {
    let path = path.as_ref();
    let Opened {
        header,
        mut file,
        count,
    } = open(path, &["|u1"], 1)?;
    let values = read_values(path, &mut file, count, |bytes, out| {
        out.extend_from_slice(bytes);
        Ok(())
    })?;
    shaped(path, &header, values)
}

/// Reads class labels: a `uint8` (`|u1`) or `int64` (`<i8`) array, each
/// label in `0..256`.
///
/// # Errors
/// As [`read_f32`], for those dtypes; a label outside `0..256`.
pub fn read_labels(path: impl AsRef<Path>) -> Result<ArrayD<u8>> {
    let path = path.as_ref();
    if let Ok(a) = read_u8(path) {
        return Ok(a);
    }
    let Opened {
        header,
        mut file,
        count,
    } = open(path, &["<i8", "|u1"], 8)?;
    let values = read_values(path, &mut file, count * 8, |bytes, out| {
        for c in bytes.chunks_exact(8) {
            let v = i64::from_le_bytes(c.try_into().expect("eight bytes"));
            let label = u8::try_from(v)
                .map_err(|_| Error::bad_file(path, format!("label {v} is not in 0..256")))?;
            out.push(label);
        }
        Ok(())
    })?;
    shaped(path, &header, values)
}

/// Reads a `bool` array (`|b1`).
///
/// # Errors
/// As [`read_f32`]; also a byte other than 0 or 1.
pub fn read_bool(path: impl AsRef<Path>) -> Result<ArrayD<bool>> {
    let path = path.as_ref();
    let Opened {
        header,
        mut file,
        count,
    } = open(path, &["|b1"], 1)?;
    let values = read_values(path, &mut file, count, |bytes, out| {
        if bytes.iter().any(|&b| b > 1) {
            return Err(Error::bad_file(
                path,
                "bool array holds a byte other than 0 or 1",
            ));
        }
        out.extend(bytes.iter().map(|&b| b == 1));
        Ok(())
    })?;
    shaped(path, &header, values)
}

fn header_bytes(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}");
    // pad so that the data start on a 64-byte boundary, ending with '\n'
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = MAGIC.to_vec();
    out.extend([1u8, 0]);
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.into_bytes());
    out
}

/// Writes a `float32` array as a version 1.0 `.npy` file.
///
/// # Errors
/// [`FileError::Io`](crate::error::FileError::Io) when the file cannot be written.
pub fn write_f32(path: impl AsRef<Path>, array: ArrayViewD<'_, f32>) -> Result<()> {
    let path = path.as_ref();
    let mut out = header_bytes("<f4", array.shape());
    for v in array.iter() {
        out.extend(v.to_le_bytes());
    }
    fs::write(path, out).map_err(io(path))
}

/// Writes a `bool` array as a version 1.0 `.npy` file.
///
/// # Errors
/// [`FileError::Io`](crate::error::FileError::Io) when the file cannot be written.
pub fn write_bool(path: impl AsRef<Path>, array: ArrayViewD<'_, bool>) -> Result<()> {
    let path = path.as_ref();
    let mut out = header_bytes("|b1", array.shape());
    out.extend(array.iter().map(|&b| u8::from(b)));
    fs::write(path, out).map_err(io(path))
}

#[cfg(test)]
mod tests;
