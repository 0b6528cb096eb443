//! `nnitp explain` as a user runs it, on the shipped model and the embedded
//! (or Debian's) Fashion-MNIST: the walk from a mistake to a drill-down, the
//! report it writes, the activation cache across runs, and one-line errors.

mod run;
use run::{assert_fails, json_lines, nnitp, stdout_of};

#[test]
fn explains_a_mistake_then_a_conjunct_and_writes_a_report() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = nnitp(&["explain", "--json", "--size", "1000", "--no-cache", "--out"])
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = json_lines(&stdout);
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
    // the premise is a mistake: listed as class 0, labelled otherwise (the
    // walk's lines go to stderr with --json)
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
    let out = nnitp(&["explain"])
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
    let stdout = stdout_of(&out);
    let lines = json_lines(&stdout);
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
    let out = nnitp(&["explain", "--size", "1000", "--image", "3", "--no-cache"])
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
        let out = nnitp(&["explain", "--json", "--size", "800", "--no-cache"])
            .args(["--stability", "5"])
            .output()
            .unwrap();
        let stdout = stdout_of(&out);
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
    // failures: exit status 1, checked before any extraction
    for (args, want) in [
        (vec!["--category", "10"], "--category 10: out of range"),
        (vec!["--image", "1000", "--size", "1000"], "image 1000"),
        (vec!["--model", "resnet"], "--model \"resnet\""),
        (
            vec!["--weights", "/nonexistent/weights.bpk"],
            "/nonexistent/weights.bpk",
        ),
        (vec!["--alpha", "0"], "alpha"),
        (vec!["--layer", "20"], "layer 20 is out of range"),
        (vec!["--layer", "17"], "--layer 17: not a hidden layer"),
        (vec!["--layer", "conv9"], "no layer named \"conv9\""),
        (vec!["--image", "99999"], "image 99999"),
    ] {
        let out = nnitp(&["explain", "--no-cache"])
            .args(&args)
            .output()
            .unwrap();
        let stderr = assert_fails(&out, 1, want);
        assert!(!stderr.contains("extracted"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    // usage errors: exit status 2, clap's message naming the argument
    for (args, want) in [
        (
            vec!["--image", "-1"],
            "invalid value '-1' for '--image <N>'",
        ),
        (
            vec!["--category", "-3"],
            "invalid value '-3' for '--category <CATEGORY>'",
        ),
        (
            vec!["--drill", "-1"],
            "invalid value '-1' for '--drill <N>'",
        ),
        (vec!["--layer", "-2"], "a layer index cannot be negative"),
        (
            vec!["--device", "tpu"],
            "invalid value 'tpu' for '--device <DEVICE>'",
        ),
        (vec!["--split", "validation"], "invalid value 'validation'"),
        (vec!["--imgae", "3"], "unexpected argument '--imgae'"),
    ] {
        let out = nnitp(&["explain", "--no-cache"])
            .args(&args)
            .output()
            .unwrap();
        assert_fails(&out, 2, want);
    }
    let out = nnitp(&["evaluate", "--embedded", "--batch-size", "0"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "batch size must be at least 1");
}

#[test]
fn drills_down_as_often_as_asked_on_the_test_set() {
    let out = nnitp(&["explain", "--json", "--size", "800", "--no-cache"])
        .args([
            "--split",
            "test",
            "--image",
            "5",
            "--layer",
            "max_pooling2d_2",
        ])
        .args(["--drill", "2"])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    let lines = json_lines(&stdout);
    // layer 14 by name, then 6; nothing lies below 6 of the default layers
    let layers: Vec<&serde_json::Value> = lines.iter().map(|l| &l["layer"]).collect();
    assert_eq!(layers, [14, 6]);
    assert_eq!(lines[0]["premise"]["split"], "test");
    assert_eq!(lines[0]["premise"]["index"], 5);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no drill-down below layer 6"), "{stderr}");
}

#[test]
fn quiet_prints_results_only() {
    let out = nnitp(&["explain", "--quiet", "--size", "500", "--image", "3"])
        .arg("--no-cache")
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert!(stdout.contains("Interpolant: layer 14: ("), "{stdout}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn says_when_there_is_no_layer_to_drill_down_to() {
    let out = nnitp(&["explain"])
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
    let stdout = stdout_of(&out);
    assert!(stdout.contains("Interpolant: layer 6: "), "{stdout}");
    assert!(
        stdout.contains("no drill-down below layer 6: no explanation layer lies below it"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("layer 6: search "), "{stderr}");
    assert!(stderr.contains("(its layers were ready)"), "{stderr}");
}

#[test]
fn a_second_run_reads_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: Option<&std::path::Path>| {
        let mut cmd = nnitp(&["explain", "--json", "--size", "800"]);
        cmd.args(args);
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

#[test]
fn readme_shows_what_the_quick_start_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let command = "The standard output of\n`nnitp explain --embedded --no-cache`:\n\n```text\n";
    let start = readme
        .find(command)
        .expect("README shows the quick start's output")
        + command.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = nnitp(&["explain", "--embedded", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), shown);
}
