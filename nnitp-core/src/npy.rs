//! Reading and writing numpy `.npy` files (format versions 1-3) of `float32`
//! and `bool` arrays, with errors that name the file.

use std::fs;
use std::path::Path;

use ndarray::{ArrayD, ArrayViewD, IxDyn, ShapeBuilder};

use crate::error::{Error, Result};

const MAGIC: &[u8] = b"\x93NUMPY";

/// The parsed header of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The numpy dtype string, e.g. `<f4` or `|b1`.
    pub descr: String,
    /// Whether the data are stored in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array shape.
    pub shape: Vec<usize>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Splits a `.npy` file into its header and data bytes.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Header, usize)> {
    let bad = |r: &str| Error::bad_file(path, format!("not a valid .npy file: {r}"));
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("missing the \\x93NUMPY magic"));
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(&format!("unsupported format version {v}"))),
    };
    let end = start
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated header"))?;
    let text = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text"))?;
    let field = |name: &str| -> Option<&str> {
        let at = text.find(&format!("'{name}'"))? + name.len() + 2;
        let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = field("descr")
        .and_then(|r| {
            let q = r.chars().next()?;
            let body = &r[1..];
            Some(body[..body.find(q)?].to_string())
        })
        .ok_or_else(|| bad("no 'descr' in header"))?;
    let fortran_order = match field("fortran_order") {
        Some(r) if r.starts_with("True") => true,
        Some(r) if r.starts_with("False") => false,
        _ => return Err(bad("no 'fortran_order' in header")),
    };
    let shape_text = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.find(')').map(|e| &r[..e]))
        .ok_or_else(|| bad("no 'shape' in header"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| bad("bad 'shape' in header"))?;
    Ok((
        Header {
            descr,
            fortran_order,
            shape,
        },
        end,
    ))
}

fn read_raw(path: &Path, want: &[&str], size: usize) -> Result<(Header, Vec<u8>)> {
    let bytes = fs::read(path).map_err(io(path))?;
    let (header, start) = parse(path, &bytes)?;
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
    let count: usize = header.shape.iter().product();
    let need = count * size;
    let data = &bytes[start..];
    if data.len() != need {
        return Err(Error::bad_file(
            path,
            format!(
                "holds {} data bytes, shape {:?} needs {need}",
                data.len(),
                header.shape
            ),
        ));
    }
    Ok((header, data.to_vec()))
}

fn shaped<T: Clone>(path: &Path, header: &Header, values: Vec<T>) -> Result<ArrayD<T>> {
    let shape = IxDyn(&header.shape);
    let arr = if header.fortran_order {
        ArrayD::from_shape_vec(shape.f(), values)
    } else {
        ArrayD::from_shape_vec(shape, values)
    }
    .map_err(|e| Error::bad_file(path, e.to_string()))?;
    Ok(arr.as_standard_layout().into_owned())
}

/// Reads a `float32` array (`<f4`).
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::BadFile`] when it is not a
/// `.npy` file, its dtype is not `float32`, or its length does not match its shape.
pub fn read_f32(path: impl AsRef<Path>) -> Result<ArrayD<f32>> {
    let path = path.as_ref();
    let (header, data) = read_raw(path, &["<f4"], 4)?;
    let values = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    shaped(path, &header, values)
}

/// Reads a `bool` array (`|b1`).
///
/// # Errors
/// As [`read_f32`]; also a byte other than 0 or 1.
pub fn read_bool(path: impl AsRef<Path>) -> Result<ArrayD<bool>> {
    let path = path.as_ref();
    let (header, data) = read_raw(path, &["|b1"], 1)?;
    if data.iter().any(|&b| b > 1) {
        return Err(Error::bad_file(
            path,
            "bool array holds a byte other than 0 or 1",
        ));
    }
    let values = data.iter().map(|&b| b == 1).collect();
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
/// [`Error::Io`] when the file cannot be written.
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
/// [`Error::Io`] when the file cannot be written.
pub fn write_bool(path: impl AsRef<Path>, array: ArrayViewD<'_, bool>) -> Result<()> {
    let path = path.as_ref();
    let mut out = header_bytes("|b1", array.shape());
    out.extend(array.iter().map(|&b| u8::from(b)));
    fs::write(path, out).map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("nnitp-npy-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn round_trip() {
        let a = array![[1.5f32, -2.0, 3.25], [0.0, 1e-7, f32::MAX]];
        let p = tmp("a.npy");
        write_f32(&p, a.view().into_dyn()).unwrap();
        assert_eq!(read_f32(&p).unwrap(), a.into_dyn());
        let m = array![true, false, true];
        let q = tmp("m.npy");
        write_bool(&q, m.view().into_dyn()).unwrap();
        assert_eq!(read_bool(&q).unwrap(), m.into_dyn());
    }

    #[test]
    fn fortran_order_is_transposed() {
        let p = tmp("f.npy");
        let mut bytes = header_bytes("<f4", &[2, 3]);
        let text = String::from_utf8(bytes[10..].to_vec())
            .unwrap()
            .replace("False", "True ");
        bytes.truncate(10);
        bytes.extend(text.into_bytes());
        for v in [1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0] {
            bytes.extend(v.to_le_bytes());
        }
        fs::write(&p, bytes).unwrap();
        let expected =
            Array2::from_shape_vec((2, 3), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(read_f32(&p).unwrap(), expected.into_dyn());
    }

    #[test]
    fn bad_files_name_the_file() {
        let p = tmp("wrong-dtype.npy");
        write_bool(&p, array![true].view().into_dyn()).unwrap();
        let e = read_f32(&p).unwrap_err();
        assert!(matches!(e, Error::BadFile { .. }));
        assert!(e.to_string().contains("wrong-dtype.npy"), "{e}");
        assert!(e.to_string().contains("|b1"), "{e}");

        let t = tmp("truncated.npy");
        write_f32(&t, array![1.0f32, 2.0].view().into_dyn()).unwrap();
        let bytes = fs::read(&t).unwrap();
        fs::write(&t, &bytes[..bytes.len() - 2]).unwrap();
        assert!(matches!(read_f32(&t), Err(Error::BadFile { .. })));

        let g = tmp("garbage.npy");
        fs::write(&g, b"hello world").unwrap();
        assert!(matches!(read_f32(&g), Err(Error::BadFile { .. })));

        let missing = tmp("missing.npy");
        assert!(matches!(read_f32(&missing), Err(Error::Io { .. })));
    }
}
