//! Running the examples as a user runs them: where cargo built them, and what
//! a successful run printed.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

/// The built example `name` (tests run from `target/<profile>/deps`; cargo
/// builds the examples beside it).
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The standard output of a run that must have succeeded (else its stderr
/// is the failure message).
pub fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that `text` holds every one of `wants`.
pub fn assert_has_all(text: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
}
