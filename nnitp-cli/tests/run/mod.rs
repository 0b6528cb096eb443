//! Running `nnitp` as a user runs it, and what a run printed.

#![allow(dead_code)]

use std::process::{Command, Output};

/// The built `nnitp` with `args`, with no cache folder from the
/// environment.
pub fn nnitp(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nnitp"));
    cmd.args(args).env_remove("NNITP_CACHE");
    cmd
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

/// Asserts that a run failed with exit status `code`: for a failure (1) the
/// last line of stderr is `error: ...` holding `want`; for a usage error (2)
/// the first is (clap adds a usage hint below it). Returns stderr.
pub fn assert_fails(out: &Output, code: i32, want: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    let line = if code == 2 {
        stderr.lines().next()
    } else {
        stderr.lines().last()
    }
    .unwrap_or_default();
    assert!(line.starts_with("error: "), "{stderr}");
    assert!(line.contains(want), "{want:?} missing from\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}
