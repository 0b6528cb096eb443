//! Loading a case folder: each bad file gives an error that names it.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use nnitp_core::case::Case;
use nnitp_core::{npy, Error};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/golden")
        .join(name)
}

/// A copy of a golden case in a fresh temporary folder.
fn copy_case(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nnitp-case-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for entry in fs::read_dir(golden("flat-basic")).unwrap() {
        let p = entry.unwrap().path();
        fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn load_err(dir: &Path) -> Error {
    Case::load(dir).expect_err("the case should not load")
}

#[test]
fn a_good_case_loads() {
    let case = Case::load(copy_case("good")).unwrap();
    assert_eq!(case.unit_shape, vec![50]);
    assert_eq!(case.train.nrows(), case.train_mask.len());
    assert_eq!(case.input.nrows(), 1);
}

#[test]
fn missing_file() {
    let dir = copy_case("missing");
    fs::remove_file(dir.join("test_mask.npy")).unwrap();
    let e = load_err(&dir);
    assert!(matches!(
        e,
        Error::File(nnitp_core::error::FileError::Io { .. })
    ));
    assert!(e.to_string().contains("test_mask.npy"), "{e}");
}

#[test]
fn wrong_dtype() {
    let dir = copy_case("dtype");
    let mask = Array1::from_elem(1500, 1.0f32);
    npy::write_f32(dir.join("train_mask.npy"), mask.view().into_dyn()).unwrap();
    let e = load_err(&dir);
    assert!(matches!(
        e,
        Error::File(nnitp_core::error::FileError::Invalid { .. })
    ));
    assert!(e.to_string().contains("train_mask.npy"), "{e}");
    assert!(e.to_string().contains("<f4"), "{e}");
}

#[test]
fn mask_length_differs_from_the_matrix() {
    let dir = copy_case("masklen");
    let mask = Array1::from_elem(599, true);
    npy::write_bool(dir.join("test_mask.npy"), mask.view().into_dyn()).unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("test_mask.npy"), "{e}");
    assert!(e.to_string().contains("599"), "{e}");
}

#[test]
fn nan_in_a_matrix() {
    let dir = copy_case("nan");
    let mut x = Array2::from_elem((600, 50), 0.5f32);
    x[[10, 3]] = f32::NAN;
    npy::write_f32(dir.join("test.npy"), x.view().into_dyn()).unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("test.npy"), "{e}");
    assert!(e.to_string().contains("NaN"), "{e}");
}

#[test]
fn unit_shapes_must_agree() {
    let dir = copy_case("shape");
    let x = Array2::from_elem((1, 49), 0.5f32);
    npy::write_f32(dir.join("input.npy"), x.view().into_dyn()).unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("input.npy"), "{e}");
}

#[test]
fn bad_json() {
    let dir = copy_case("json");
    fs::write(dir.join("case.json"), "{\"alpha\": 0.9}").unwrap();
    let e = load_err(&dir);
    assert!(e.to_string().contains("case.json"), "{e}");
}

#[test]
fn bad_parameters_are_reported_when_solving() {
    let dir = copy_case("params");
    fs::write(
        dir.join("case.json"),
        r#"{"alpha": 1.5, "gamma": 0.6, "mu": 0.9, "cone": null}"#,
    )
    .unwrap();
    let case = Case::load(&dir).unwrap();
    assert!(matches!(
        case.solve(),
        Err(Error::Params(nnitp_core::error::ParamError::InvalidAlpha(
            _
        )))
    ));
}
