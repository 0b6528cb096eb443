//! `nnitp search` as a user runs it: nnitp's text, the JSON report with
//! `--json`, a one-line error and a non-zero exit on bad input.

use std::path::{Path, PathBuf};

mod run;
use run::{assert_fails, nnitp};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nnitp-core/tests/fixtures/golden")
        .join(name)
}

#[test]
fn prints_the_report_as_json() {
    let started = std::time::Instant::now();
    let out = nnitp(&["search", "--json"])
        .arg(case("ties"))
        .output()
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(case("ties").join("expected.json")).unwrap())
            .unwrap();
    for key in ["interpolant", "text", "train", "test"] {
        assert_eq!(v[key], expected[key], "{key}");
    }
    // the search's and the loading's own times: measured (not zero), and
    // within the process's run
    let search = v["search_seconds"].as_f64().unwrap();
    let load = v["load_seconds"].as_f64().unwrap();
    assert!(
        search > 0.0 && load > 0.0 && search + load < wall,
        "search {search} s and load {load} s of a {wall} s run"
    );
}

#[test]
fn prints_nnitp_text() {
    let out = nnitp(&["search"]).arg(case("ties")).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Interpolant: (v(3,0,1)>=2.0 & v(1,2,0)>=2.0 & v(1,2,0)>=3.0)"
    );
    assert!(
        lines[1].starts_with("On training set: F = 0, N = 139, P = 288, precision=1.0, recall=")
    );
    assert!(lines[2].starts_with("On test set: F = 0, N = 48, P = 118, precision=1.0"));
}

#[test]
fn a_missing_folder_is_a_one_line_error() {
    let out = nnitp(&["search", "/no/such/case"]).output().unwrap();
    let stderr = assert_fails(&out, 1, "/no/such/case/case.json");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_parameters_are_a_one_line_error() {
    let out = nnitp(&["search"])
        .arg(case("ties"))
        .args(["--gamma", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("gamma"), "{stderr}");
}
