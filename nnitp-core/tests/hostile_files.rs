//! Every reader of the engine on random and mutated bytes (property tests):
//! `.npy` files, `geometry.json`, `case.json` and activation cache entries.
//! Each input is either read exactly as its header announces or refused with
//! a typed error; none panics.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use nnitp_core::case::Case;
use nnitp_core::npy;
use nnitp_core::source::Activations;
use proptest::prelude::*;

/// A valid `.npy` file of a 3x4 float32 array.
fn valid_npy(dir: &Path) -> Vec<u8> {
    let p = dir.join("valid.npy");
    let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f32);
    npy::write_f32(&p, a.view()).unwrap();
    std::fs::read(p).unwrap()
}

/// Writes `bytes` to `dir/name` and returns the path.
fn put(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

const GEOMETRY: &str = r#"{"input_shape": [4], "layers": [
    {"name": "act", "kind": "activation"},
    {"name": "out", "kind": {"dense": {"units": 3}}}]}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_npy_files_are_read_exactly_or_refused(
        at in 0usize..176, value in any::<u8>(), cut in 0usize..60
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = valid_npy(dir.path());
        let at = at % bytes.len();
        bytes[at] = value;
        bytes.truncate(bytes.len() - cut);
        let p = put(dir.path(), "m.npy", &bytes);
        if let Ok(a) = npy::read_f32(&p) {
            // what is accepted is exactly the data its header announces
            let (start, len) = if bytes[6] == 1 {
                (10, usize::from(u16::from_le_bytes([bytes[8], bytes[9]])))
            } else {
                (12, u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize)
            };
            prop_assert_eq!(start + len + a.len() * 4, bytes.len());
        }
        let _ = npy::read_bool(&p);
        let _ = npy::read_f32_finite(&p);
    }

    #[test]
    fn random_npy_headers_never_panic(header in "\\PC{0,80}", version in 1u8..4) {
        // any text, including non-ASCII, in a header of every version
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.push(version);
        bytes.push(0);
        let h = header.as_bytes();
        if version == 1 {
            bytes.extend((h.len() as u16).to_le_bytes());
        } else {
            bytes.extend((h.len() as u32).to_le_bytes());
        }
        bytes.extend_from_slice(h);
        bytes.extend([0u8; 16]);
        let p = put(dir.path(), "h.npy", &bytes);
        let _ = npy::read_f32(&p);
        let _ = npy::read_bool(&p);
    }

    #[test]
    fn mutated_geometry_json_is_read_or_refused(at in 0usize..200, value in any::<u8>()) {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = GEOMETRY.as_bytes().to_vec();
        let at = at % bytes.len();
        bytes[at] = value;
        put(dir.path(), "geometry.json", &bytes);
        std::fs::create_dir(dir.path().join("train")).unwrap();
        std::fs::create_dir(dir.path().join("test")).unwrap();
        let _ = Activations::read_dir(dir.path());
    }
}

#[test]
fn a_case_json_that_is_an_array_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "case.json", b"[0.9, 0.9, 0.1]");
    let err = Case::load(dir.path()).unwrap_err().to_string();
    assert!(err.contains("expected a JSON object"), "{err}");
}

#[test]
fn a_geometry_json_that_is_an_array_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    put(dir.path(), "geometry.json", b"[[4], []]");
    let err = Activations::read_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("expected a JSON object"), "{err}");
}

/// Cache entries exist with the `cache` feature (on with `burn`).
#[cfg(feature = "cache")]
mod cache_entries {
    use ndarray::Array2;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_cache_entries_are_used_only_when_intact(
        at in 0usize..400, value in any::<u8>(), cut in 0usize..8
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cache = nnitp_core::cache::ActivationCache::new(dir.path());
        let key = nnitp_core::digest::DigestBuilder::new().bytes(b"entry").finish();
        let values = Array2::from_shape_fn((5, 7), |(i, j)| (i * 7 + j) as f32);
        cache.put(&key, values.view()).unwrap();
        let path = cache.path(&key);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = at % bytes.len();
        let changed = bytes[at] != value || cut > 0;
        bytes[at] = value;
        bytes.truncate(bytes.len() - cut);
        std::fs::write(&path, &bytes).unwrap();
        match cache.get(&key, 5, 7) {
            // the whole header and the values' digest are checked: any
            // changed byte is refused, an intact entry is used as written
            Some(m) => {
                prop_assert!(!changed);
                prop_assert_eq!(m.view(), values.view());
            }
            None => prop_assert!(changed),
        }
    }
    }
}
