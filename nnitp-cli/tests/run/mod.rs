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

/// Each line of `stdout` parsed as JSON (JSON Lines).
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// A child process killed when dropped, however the test ends.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

/// A running `nnitp explore` (killed when dropped) and its `host:port`.
pub struct Served {
    _child: Killed,
    /// `host:port`, as the server printed it.
    pub addr: String,
}

/// Starts `nnitp` with `args` (an explorer on port 0) and reads the address
/// it prints first.
pub fn serve(args: &[&str]) -> Served {
    use std::io::BufRead;
    let mut child = nnitp(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("explorer: http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Served {
        _child: Killed(child),
        addr,
    }
}

/// One HTTP/1.1 request (`Connection: close`): the status and the body.
pub fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, rest) = answer.split_once("\r\n\r\n").expect("a header");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, rest.to_string())
}

/// The `text` block that follows the first mention of `command` in the
/// guide `doc` (a path from the repository root, e.g. `docs/onnx.md`).
pub fn shown_after(doc: &str, command: &str) -> String {
    let path = format!("{}/../{doc}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find(command)
        .unwrap_or_else(|| panic!("{doc} does not show {command}"));
    let start = at + text[at..].find("```text\n").unwrap() + "```text\n".len();
    text[start..start + text[start..].find("```").unwrap()].to_string()
}
