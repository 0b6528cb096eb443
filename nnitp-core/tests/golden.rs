//! The search must return exactly what the reference nnitp returned on each
//! golden case (see `tests/fixtures/golden/README.md`).

use std::path::{Path, PathBuf};

use nnitp_core::case::{Case, CaseReport};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden")
}

fn check(name: &str) {
    let dir = golden_dir().join(name);
    let case = Case::load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    let got = case
        .solve()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .report();
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let expected: CaseReport = serde_json::from_str(&text).unwrap();
    assert_eq!(got.interpolant, expected.interpolant, "{name}: interpolant");
    assert_eq!(got.text, expected.text, "{name}: text");
    assert_eq!(got.train, expected.train, "{name}: train counts");
    assert_eq!(got.test, expected.test, "{name}: test counts");
}

#[test]
fn flat_basic() {
    check("flat-basic");
}

#[test]
fn spatial_cone() {
    check("spatial-cone");
}

#[test]
fn spatial_many_inputs() {
    check("spatial-many-inputs");
}

#[test]
fn ties() {
    check("ties");
}

#[test]
fn negative_input() {
    check("negative-input");
}

#[test]
fn no_signal() {
    check("no-signal");
}

/// The cases the tests above solve.
const NAMED: [&str; 6] = [
    "flat-basic",
    "spatial-cone",
    "spatial-many-inputs",
    "ties",
    "negative-input",
    "no-signal",
];

#[test]
fn every_case_folder_has_its_test() {
    let mut found: Vec<String> = std::fs::read_dir(golden_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut named: Vec<String> = NAMED.iter().map(|s| s.to_string()).collect();
    named.sort();
    assert_eq!(found, named, "each golden case folder needs a named test");
}
