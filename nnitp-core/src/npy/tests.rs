//! Unit tests of the parent module.

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
    let expected = Array2::from_shape_vec((2, 3), vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!(read_f32(&p).unwrap(), expected.into_dyn());
}

#[test]
fn bad_files_name_the_file() {
    let p = tmp("wrong-dtype.npy");
    write_bool(&p, array![true].view().into_dyn()).unwrap();
    let e = read_f32(&p).unwrap_err();
    assert!(matches!(
        e,
        Error::File(crate::error::FileError::Invalid { .. })
    ));
    assert!(e.to_string().contains("wrong-dtype.npy"), "{e}");
    assert!(e.to_string().contains("|b1"), "{e}");

    let t = tmp("truncated.npy");
    write_f32(&t, array![1.0f32, 2.0].view().into_dyn()).unwrap();
    let bytes = fs::read(&t).unwrap();
    fs::write(&t, &bytes[..bytes.len() - 2]).unwrap();
    assert!(matches!(
        read_f32(&t),
        Err(Error::File(crate::error::FileError::Invalid { .. }))
    ));

    let g = tmp("garbage.npy");
    fs::write(&g, b"hello world").unwrap();
    assert!(matches!(
        read_f32(&g),
        Err(Error::File(crate::error::FileError::Invalid { .. }))
    ));

    let missing = tmp("missing.npy");
    assert!(matches!(
        read_f32(&missing),
        Err(Error::File(crate::error::FileError::Io { .. }))
    ));
}

/// A file with `header` (padded as numpy pads) and `data` bytes.
fn with_header(name: &str, header: &str, data: &[u8]) -> std::path::PathBuf {
    let p = tmp(name);
    let mut bytes = MAGIC.to_vec();
    bytes.extend([1u8, 0]);
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    fs::write(&p, bytes).unwrap();
    p
}

fn reason(p: &Path) -> String {
    match read_f32(p) {
        Err(Error::File(crate::error::FileError::Invalid { reason, .. })) => reason,
        other => panic!("{}: expected a bad file, got {other:?}", p.display()),
    }
}

#[test]
fn hostile_headers_are_refused_without_reading_the_data() {
    // a non-ASCII quote in the header
    let p = with_header(
        "utf8.npy",
        "{'descr': «<f4», 'fortran_order': False, 'shape': (1,), }\n",
        &[0; 4],
    );
    assert!(reason(&p).contains("ASCII"), "{}", reason(&p));
    // dimensions whose product overflows
    let p = with_header(
        "overflow.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967295, 4294967295, 4294967295), }\n",
        &[0; 16],
    );
    assert!(reason(&p).contains("too large"), "{}", reason(&p));
    // a shape that does not wrap but does not match the length either
    let p = with_header(
        "big.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967295, 3), }\n",
        &[0; 12],
    );
    assert!(reason(&p).contains("needs 51539607540"), "{}", reason(&p));
    // a large file that is not a .npy file: refused on its first bytes
    let p = tmp("large-garbage.npy");
    let f = fs::File::create(&p).unwrap();
    f.set_len(1 << 30).unwrap();
    assert!(reason(&p).contains("magic"), "{}", reason(&p));
    fs::remove_file(&p).unwrap();
    // a header length beyond the limit
    let p = tmp("long-header.npy");
    let mut bytes = MAGIC.to_vec();
    bytes.extend([2u8, 0]);
    bytes.extend(u32::MAX.to_le_bytes());
    fs::write(&p, bytes).unwrap();
    assert!(reason(&p).contains("header of"), "{}", reason(&p));
}

#[cfg(unix)]
#[test]
fn devices_and_links_to_them_are_refused() {
    let link = tmp("zero.npy");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    assert!(reason(&link).contains("regular file"), "{}", reason(&link));
}
