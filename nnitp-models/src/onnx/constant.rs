//! Constant tensors (initializers and `Constant` nodes) as values, their data
//! read from the model or from external data beside it.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path};

use super::error::OnnxError;
use super::proto::Tensor;

/// A constant's values: floats (weights) or integers (shapes, axes).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Values {
    Float(Vec<f32>),
    Int(Vec<i64>),
}

/// A constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Constant {
    pub dims: Vec<usize>,
    pub values: Values,
}

impl Constant {
    pub(super) fn ints(values: Vec<i64>) -> Self {
        Constant {
            dims: vec![values.len()],
            values: Values::Int(values),
        }
    }

    pub(super) fn floats(&self) -> Vec<f32> {
        match &self.values {
            Values::Float(v) => v.clone(),
            Values::Int(v) => v.iter().map(|&i| i as f32).collect(),
        }
    }

    pub(super) fn as_ints(&self) -> Option<&[i64]> {
        match &self.values {
            Values::Int(v) => Some(v),
            Values::Float(_) => None,
        }
    }
}

const FLOAT: i32 = 1;
const UINT8: i32 = 2;
const INT8: i32 = 3;
const INT32: i32 = 6;
const INT64: i32 = 7;
const BOOL: i32 = 9;
const FLOAT16: i32 = 10;
const DOUBLE: i32 = 11;

/// Reads a constant tensor; `model` is the model file, external data lies in
/// its folder.
pub(super) fn read(t: &Tensor<'_>, model: &Path) -> Result<Constant, OnnxError> {
    let bad = |reason: String| OnnxError::Tensor {
        path: model.to_path_buf(),
        tensor: t.name.clone(),
        reason,
    };
    let mut count = 1usize;
    let mut dims = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        let d = usize::try_from(d).map_err(|_| bad(format!("negative dimension {d}")))?;
        count = count
            .checked_mul(d)
            .filter(|&c| c <= isize::MAX as usize / 8)
            .ok_or_else(|| bad(format!("dimensions {:?} overflow", t.dims)))?;
        dims.push(d);
    }
    let width = match t.data_type {
        FLOAT | INT32 => 4,
        INT64 | DOUBLE => 8,
        FLOAT16 => 2,
        UINT8 | INT8 | BOOL => 1,
        other => return Err(bad(format!("element type {other} is not supported"))),
    };
    let external;
    let raw = if t.is_external {
        external = read_external(t, model, count * width)?;
        Some(external.as_slice())
    } else {
        t.raw
    };
    let values = if let Some(raw) = raw {
        if raw.len() != count * width {
            return Err(bad(format!(
                "{} bytes of data for {count} values of {width} bytes",
                raw.len()
            )));
        }
        match t.data_type {
            FLOAT => Values::Float(
                raw.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("four bytes")))
                    .collect(),
            ),
            DOUBLE => Values::Float(
                raw.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("eight bytes")) as f32)
                    .collect(),
            ),
            FLOAT16 => Values::Float(
                raw.chunks_exact(2)
                    .map(|c| half_to_f32(u16::from_le_bytes([c[0], c[1]])))
                    .collect(),
            ),
            INT64 => Values::Int(
                raw.chunks_exact(8)
                    .map(|c| i64::from_le_bytes(c.try_into().expect("eight bytes")))
                    .collect(),
            ),
            INT32 => Values::Int(
                raw.chunks_exact(4)
                    .map(|c| i64::from(i32::from_le_bytes(c.try_into().expect("four bytes"))))
                    .collect(),
            ),
            INT8 => Values::Int(raw.iter().map(|&b| i64::from(b as i8)).collect()),
            _ => Values::Int(raw.iter().map(|&b| i64::from(b)).collect()),
        }
    } else {
        let (values, n) = match t.data_type {
            FLOAT => {
                let n = t.floats.len();
                (Values::Float(t.floats.clone()), n)
            }
            DOUBLE => {
                let n = t.doubles.len();
                (
                    Values::Float(t.doubles.iter().map(|&d| d as f32).collect()),
                    n,
                )
            }
            FLOAT16 => {
                let n = t.ints.len();
                let v = t.ints.iter().map(|&b| half_to_f32(b as u16)).collect();
                (Values::Float(v), n)
            }
            _ => (Values::Int(t.ints.clone()), t.ints.len()),
        };
        if n != count {
            return Err(bad(format!("{n} values for dimensions {:?}", t.dims)));
        }
        values
    };
    if let Values::Float(v) = &values {
        if v.iter().any(|x| !x.is_finite()) {
            return Err(OnnxError::NonFinite {
                path: model.to_path_buf(),
                tensor: t.name.clone(),
            });
        }
    }
    Ok(Constant { dims, values })
}

/// IEEE half precision to `f32`.
fn half_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let frac = f32::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f32.powi(-24),
        31 if frac == 0.0 => f32::INFINITY,
        31 => f32::NAN,
        e => (1.0 + frac / 1024.0) * 2f32.powi(i32::from(e) - 15),
    }
}

/// The bytes of an external tensor: `location` must name a regular file in
/// the model's folder (no `..`, no absolute path, no symbolic link), and
/// `offset` and `length` must lie within it. Reads only those bytes.
fn read_external(t: &Tensor<'_>, model: &Path, want: usize) -> Result<Vec<u8>, OnnxError> {
    let key = |k: &str| {
        t.external
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let location = key("location").unwrap_or_default().to_string();
    let bad = |reason: String| OnnxError::ExternalData {
        path: model.to_path_buf(),
        tensor: t.name.clone(),
        location: location.clone(),
        reason,
    };
    let rel = Path::new(&location);
    if location.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(bad(
            "names a place outside the model's folder (only a file name or a path below the folder is read)"
                .into(),
        ));
    }
    let number = |k: &str| -> Result<u64, OnnxError> {
        key(k)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(format!("{k} {v:?} is not a number")))
            })
            .unwrap_or(Ok(0))
    };
    let offset = number("offset")?;
    let length = match key("length") {
        Some(_) => number("length")?,
        None => want as u64,
    };
    if length != want as u64 {
        return Err(bad(format!("{length} bytes for a tensor of {want}")));
    }
    let dir = model.parent().unwrap_or(Path::new("."));
    let file = dir.join(rel);
    // walk the path so that no component is a symbolic link
    let mut at = dir.to_path_buf();
    for c in rel.components() {
        at.push(c);
        let meta = std::fs::symlink_metadata(&at).map_err(|e| bad(e.to_string()))?;
        if meta.file_type().is_symlink() {
            return Err(bad("is a symbolic link, which is not followed".into()));
        }
    }
    let meta = std::fs::metadata(&file).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("is not a regular file".into()));
    }
    let end = offset
        .checked_add(length)
        .ok_or_else(|| bad("offset and length overflow".into()))?;
    if end > meta.len() {
        return Err(bad(format!(
            "bytes {offset}..{end} asked of a file of {}",
            meta.len()
        )));
    }
    let mut f = std::fs::File::open(&file).map_err(|e| bad(e.to_string()))?;
    f.seek(SeekFrom::Start(offset))
        .map_err(|e| bad(e.to_string()))?;
    let mut buf = vec![0u8; want];
    f.read_exact(&mut buf).map_err(|e| bad(e.to_string()))?;
    Ok(buf)
}
