//! The `nnitp` command itself: its help, `layers`, `completions`, `explore`
//! answering the API, usage errors (exit status 2), a cache folder that
//! cannot be written, and Ctrl-C during extraction.

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

mod run;
use run::{assert_fails, assert_has_all, http, nnitp, serve, stdout_of};

#[test]
fn every_help_ends_with_examples() {
    for sub in [
        "explore",
        "explain",
        "rules",
        "layers",
        "evaluate",
        "train",
        "search",
        "export",
        "completions",
    ] {
        let help = stdout_of(&nnitp(&[sub, "--help"]).output().unwrap());
        let tail = help.trim_end().rsplit("Examples:").next().unwrap();
        assert!(help.contains("Examples:"), "{sub}: {help}");
        assert!(tail.contains("nnitp "), "{sub}: {help}");
        // the shared options are declared once and offered everywhere
        assert_has_all(
            &help,
            &["--model <NAME|FILE.onnx|DIR>", "--no-cache", "--quiet"],
        );
    }
    let help = stdout_of(&nnitp(&["--help"]).output().unwrap());
    assert_has_all(
        &help,
        &["explain", "rules", "layers", "--no-open", "Examples:"],
    );
}

#[test]
fn layers_lists_index_name_kind_shape_and_the_default_layers() {
    let out = stdout_of(&nnitp(&["layers"]).output().unwrap());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 18, "{out}");
    assert!(
        lines[0].starts_with("  0  conv2d_1 ") && lines[0].contains("conv2d 32 3x3 stride 1x1"),
        "{out}"
    );
    assert!(lines[0].ends_with("[28, 28, 32]"), "{out}");
    assert!(
        lines[6].contains("max_pooling2d_1") && lines[6].ends_with("explain"),
        "{out}"
    );
    assert!(lines[14].ends_with("[7, 7, 64]  explain"), "{out}");
    assert!(lines[16].ends_with("[3136]"), "{out}");
    assert!(
        lines[17].contains("dense 10") && lines[17].ends_with("[10]  output"),
        "{out}"
    );
    let resnet = stdout_of(
        &nnitp(&["layers", "--model", "fashion-mnist-resnet"])
            .output()
            .unwrap(),
    );
    assert!(resnet.lines().any(|l| l.contains(" add")), "{resnet}");
}

#[test]
fn completions_for_three_shells() {
    for (shell, want) in [
        ("bash", "_nnitp()"),
        ("zsh", "#compdef nnitp"),
        ("fish", "complete -c nnitp"),
    ] {
        let script = stdout_of(&nnitp(&["completions", shell]).output().unwrap());
        assert!(script.contains(want), "{shell}: {script}");
        assert!(script.contains("explain"), "{shell}");
    }
    let out = nnitp(&["completions", "tcsh"]).output().unwrap();
    assert_fails(&out, 2, "invalid value 'tcsh'");
}

#[test]
fn usage_errors_exit_with_status_2() {
    for (args, want) in [
        (vec!["explian"], "unrecognized subcommand 'explian'"),
        (
            vec!["explain", "--categroy", "1"],
            "unexpected argument '--categroy'",
        ),
        (vec!["rules", "--max-rules", "-4"], "invalid value '-4'"),
        (vec!["explore", "--port", "70000"], "invalid value '70000'"),
        (
            vec!["--cache", "/tmp/x", "--no-cache", "layers"],
            "cannot be used with",
        ),
        (
            vec!["search"],
            "the following required arguments were not provided",
        ),
    ] {
        let out = nnitp(&args).output().unwrap();
        assert_fails(&out, 2, want);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn an_unknown_model_or_a_missing_folder_is_a_failure() {
    let out = nnitp(&["layers", "--model", "resnet-9"]).output().unwrap();
    assert_fails(
        &out,
        1,
        "no zoo model has this name (cifar10, fashion-mnist",
    );
    let out = nnitp(&["explore", "--no-open", "--data", "/no/such/data"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "--data /no/such/data: no such folder");
    let out = nnitp(&["--no-open", "--weights-dir", "/no/such/weights"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "--weights-dir /no/such/weights: no such folder");
}

#[test]
fn explore_serves_the_api_and_is_the_default() {
    for args in [
        vec!["explore", "--port", "0", "--no-open", "--no-cache"],
        vec!["--port", "0", "--no-open", "--no-cache"],
    ] {
        let served = serve(&args);
        let (status, body) = http(&served.addr, "GET", "/api/models", "");
        assert_eq!(status, 200, "{body}");
        let models: serde_json::Value = serde_json::from_str(&body).unwrap();
        let names: Vec<&str> = models
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert!(names.contains(&"fashion-mnist"), "{body}");
    }
}

#[test]
fn a_cache_that_cannot_be_written_is_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    // a file where the cache folder should be: nothing can be written in it
    let file = tmp.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    let out = nnitp(&[
        "explain", "--json", "--size", "300", "--image", "1", "--cache",
    ])
    .arg(&file)
    .output()
    .unwrap();
    let stdout = stdout_of(&out);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: cannot write the activation cache in "))
        .collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(warnings[0].contains("not-a-folder"), "{stderr}");
}

#[test]
fn ctrl_c_during_extraction_leaves_no_partial_entry() {
    let cache = tempfile::tempdir().unwrap();
    let child = nnitp(&["explain", "--embedded", "--quiet", "--cache"])
        .arg(cache.path())
        .args(["--model", "fashion-mnist-resnet", "--image", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = run::Killed(child);
    // wait for the first cache entry to be begun, then interrupt
    let start = Instant::now();
    let begun = loop {
        let names: Vec<String> = std::fs::read_dir(cache.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if !names.is_empty() || start.elapsed() > Duration::from_secs(300) {
            break names;
        }
        if server.0.try_wait().unwrap().is_some() {
            panic!("nnitp ended before writing its cache");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(
        !begun.is_empty(),
        "nothing was written to the cache in 300 s"
    );
    let pid = server.0.id().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = server.0.wait().unwrap();
    let mut stderr = String::new();
    server
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter()
            .all(|n| n.ends_with(".nnact") && !n.starts_with('.')),
        "{left:?}"
    );
}

#[test]
fn evaluate_prints_the_test_accuracy() {
    let out = nnitp(&["evaluate", "--embedded"]).output().unwrap();
    let stdout = stdout_of(&out);
    let acc: f64 = stdout
        .trim()
        .strip_prefix("test accuracy: ")
        .unwrap_or_else(|| panic!("{stdout}"))
        .parse()
        .unwrap();
    // the shipped weights on the embedded 2000 test images
    assert!(acc > 0.85 && acc <= 1.0, "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model fashion-mnist: 2000 test images from embedded"),
        "{stderr}"
    );
}

#[test]
fn a_reader_that_goes_away_is_no_panic() {
    for args in [vec!["completions", "bash"], vec!["layers"]] {
        let mut child = nnitp(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // the reader is gone before the first line is written
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.status.success(), "{args:?}: {stderr}");
    }
}
