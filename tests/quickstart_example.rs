//! The `quickstart` example as a user runs it, on the shipped model and the
//! embedded (or Debian's) Fashion-MNIST: the walk from a mistake to a
//! drill-down, the report it writes, the activation cache across runs, and
//! one-line errors.

use std::process::Command;

mod examples_run;
use examples_run::example;

#[test]
fn explains_a_mistake_then_a_conjunct_and_writes_a_report() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = Command::new(example("quickstart"))
        .args(["--json", "--size", "1000", "--no-cache", "--out"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let (first, second) = (&lines[0], &lines[1]);
    assert_eq!(first["layer"], 14);
    assert_eq!(first["conclusion"]["layer"], 17);
    assert_eq!(first["conclusion"]["predicate"]["is_max"], 0);
    assert_eq!(second["layer"], 6);
    assert_eq!(second["premise"], first["premise"]);
    // the second explains one conjunct of the first
    let conjuncts = first["interpolant"].as_array().unwrap();
    let k = usize::from(conjuncts.len() > 1);
    assert_eq!(second["conclusion"]["predicate"]["bound"], conjuncts[k]);
    assert_eq!(second["extract_seconds"], 0.0);
    // intervals in the JSON; stability only when asked for
    assert!(first["train"]["precision_interval"]["high"].is_number());
    assert!(first.get("stability").is_none());
    // the premise is a mistake: listed as class 0, labelled otherwise
    assert!(stderr.contains("classified 0 (T-shirt/top)"), "{stderr}");
    assert!(!stderr.contains("labelled 0 "), "{stderr}");
    for f in ["explanation-0.png", "explanation-1.png", "report.html"] {
        assert!(out_dir.path().join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out_dir.path().join("report.html")).unwrap();
    assert!(html.contains("Interpolant: layer 14: (") && html.contains("Interpolant: layer 6: ("));
    assert_eq!(html.matches("data:image/png;base64,").count(), 2);
}

#[test]
fn explains_a_mistake_of_the_resnet_and_drills_down() {
    let out = Command::new(example("quickstart"))
        .args([
            "--model",
            "fashion-mnist-resnet",
            "--embedded",
            "--json",
            "--size",
            "1000",
            "--no-cache",
        ])
        .output()
        .unwrap();
    let stdout = examples_run::stdout_of(&out);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    // the outputs of the last blocks of stages 3 and 2
    assert_eq!(lines[0]["layer"], 48);
    assert_eq!(lines[0]["conclusion"]["layer"], 50);
    assert_eq!(lines[1]["layer"], 32);
    assert_eq!(lines[1]["conclusion"]["layer"], 48);
    assert!(!lines[0]["interpolant"].as_array().unwrap().is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("model fashion-mnist-resnet: data embedded"),
        "{stderr}"
    );
    assert!(stderr.contains("classified 0 (T-shirt/top)"), "{stderr}");
    assert!(!stderr.contains("labelled 0 "), "{stderr}");
}

#[test]
fn text_output_is_nnitps_lines() {
    let out = Command::new(example("quickstart"))
        .args(["--size", "1000", "--image", "3", "--no-cache"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with("Interpolant: layer 14: ("))
        .expect(&stdout);
    assert!(
        lines[i + 1].starts_with("On training set: F = "),
        "{stdout}"
    );
    assert!(lines[i + 2].starts_with("On test set: F = "), "{stdout}");
    // then the 95% intervals, exact where counts are small
    assert!(
        lines[i + 3].starts_with("95% intervals: training set precision ["),
        "{stdout}"
    );
    assert!(lines[i + 3].contains("; test set precision ["), "{stdout}");
    assert!(stdout.contains("explaining training image 3:"), "{stdout}");
}

#[test]
fn stability_is_measured_when_asked_and_reproducible() {
    let run = || {
        let out = Command::new(example("quickstart"))
            .args(["--json", "--size", "800", "--no-cache", "--stability", "5"])
            .output()
            .unwrap();
        let stdout = examples_run::stdout_of(&out);
        let first: serde_json::Value =
            serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
        first["stability"].clone()
    };
    let a = run();
    assert_eq!(a["resamples"], 5);
    assert_eq!(a["seed"], 0);
    assert!(a["mean_jaccard"].as_f64().unwrap() <= 1.0);
    assert_eq!(a, run(), "the same seed gives the same figures");
}

#[test]
fn bad_arguments_are_one_line_errors() {
    for args in [
        vec!["--category", "10"],
        vec!["--image", "1000", "--size", "1000"],
        vec!["--model", "resnet"],
        vec!["--weights", "/nonexistent/weights.bpk"],
        vec!["--device", "tpu"],
        vec!["--alpha", "0"],
        vec!["--layer", "20"],
        vec!["--layer", "17"],
        vec!["--image", "99999"],
    ] {
        let out = Command::new(example("quickstart"))
            .args(&args)
            .arg("--no-cache")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} succeeded");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: "), "{args:?}: {stderr}");
        // arguments are checked before any extraction
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains("extracted"), "{args:?}: {stdout}");
    }
    let out = Command::new(example("evaluate"))
        .args(["--embedded", "--batch-size", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("batch size must be at least 1"), "{stderr}");
}

#[test]
fn says_when_there_is_no_layer_to_drill_down_to() {
    let out = Command::new(example("quickstart"))
        .args([
            "--size",
            "500",
            "--layer",
            "6",
            "--image",
            "3",
            "--no-cache",
        ])
        .output()
        .unwrap();
    let stdout = examples_run::stdout_of(&out);
    assert!(stdout.contains("Interpolant: layer 6: "), "{stdout}");
    assert!(
        stdout.contains("no drill-down: no explanation layer lies below layer 6"),
        "{stdout}"
    );
    assert!(stdout.contains("first explanation: search "), "{stdout}");
    assert!(stdout.contains("(its layers were ready)"), "{stdout}");
}

#[test]
fn a_second_run_reads_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: Option<&std::path::Path>| {
        let mut cmd = Command::new(example("quickstart"));
        cmd.args(["--json", "--size", "800"]).args(args);
        match env {
            Some(dir) => cmd.env("NNITP_CACHE", dir),
            None => cmd.env_remove("NNITP_CACHE"),
        };
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stderr}");
        (String::from_utf8(out.stdout).unwrap(), stderr)
    };
    let dir = cache.path().to_str().unwrap();
    let (first, log) = run(&["--cache", dir], None);
    assert!(log.contains("extracted layers [14, 17, 6] in"), "{log}");
    // three layers of each data set
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 6);
    let (second, log) = run(&["--cache", dir], None);
    assert!(
        log.contains("read layers [14, 17, 6] from the cache"),
        "{log}"
    );
    let interpolants = |s: &str| {
        s.lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["interpolant"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(interpolants(&first), interpolants(&second));
    // the folder can come from $NNITP_CACHE; --no-cache ignores it
    let (_, log) = run(&[], Some(cache.path()));
    assert!(log.contains("from the cache"), "{log}");
    let (_, log) = run(&["--no-cache"], Some(cache.path()));
    assert!(log.contains("extracted layers"), "{log}");
}
