//! `nnitp explain --faithfulness`: the block after the intervals line, the
//! JSON figures, the ResNet, and the options' usage errors.

mod run;
use run::{assert_fails, assert_has_all, json_lines, nnitp, shown_after, stdout_of};

fn explain(extra: &[&str]) -> std::process::Output {
    nnitp(&["explain", "--embedded", "--no-cache", "--drill", "0"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_block_follows_the_intervals_line() {
    let out = explain(&["--faithfulness", "--samples", "30"]);
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "Faithfulness (seed 0; ",
            "  necessity (the conclusion stops holding when the unit is moved across its bound):",
            "    all conjuncts at once: premise ",
            "    control, one random unit: premise ",
            "    control, as many random units at once: premise ",
            "  sufficiency (the conclusion holds when the units take the premise's values): ",
            "  occlusion (",
        ],
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let intervals = lines
        .iter()
        .position(|l| l.starts_with("95% intervals: "))
        .unwrap();
    assert!(
        lines[intervals + 1].starts_with("Faithfulness (seed 0; "),
        "{stdout}"
    );
    // one line per conjunct, each moved to a value or said to be unmovable
    let conjuncts = lines[0..intervals]
        .iter()
        .find(|l| l.starts_with("Interpolant: "))
        .unwrap()
        .matches(" & ")
        .count()
        + 1;
    let moved = lines
        .iter()
        .filter(|l| l.contains(" moved to ") || l.contains(": n/a (no training image"))
        .count();
    assert_eq!(moved, conjuncts, "{stdout}");
}

#[test]
fn the_json_holds_the_figures_and_the_seed_fixes_them() {
    let run = |seed: &str| {
        let out = explain(&[
            "--json",
            "--faithfulness",
            "--samples",
            "20",
            "--faithfulness-seed",
            seed,
        ]);
        json_lines(&stdout_of(&out)).remove(0)["faithfulness"].clone()
    };
    let f = run("4");
    let conjuncts = f["conjuncts"].as_array().unwrap();
    assert!(!conjuncts.is_empty(), "{f}");
    assert!(conjuncts[0]["bound"]["unit"].is_array(), "{f}");
    let trials = f["all"]["sample"]["trials"].as_u64().unwrap();
    assert_eq!(trials, f["necessity_images"].as_u64().unwrap());
    assert!(trials <= 20 && trials > 0);
    assert_eq!(f["sufficiency"]["trials"], 20);
    assert!(
        f["random_each"]["sample"]["interval"]["low"].is_number(),
        "{f}"
    );
    assert_eq!(f["seed"], 4);
    assert_eq!(run("4"), f);
}

#[test]
fn the_resnet_has_its_figures_too() {
    let out = explain(&[
        "--model",
        "fashion-mnist-resnet",
        "--size",
        "500",
        "--json",
        "--faithfulness",
        "--samples",
        "10",
    ]);
    let lines = json_lines(&stdout_of(&out));
    let f = &lines[0]["faithfulness"];
    assert_eq!(f["layer"], 48, "{f}");
    assert!(f["all"]["premise"]["trials"] == 1, "{f}");
    assert!(f["random_all"]["premise"]["trials"] == 10, "{f}");
}

#[test]
fn its_options_are_checked() {
    let out = explain(&["--samples", "5"]);
    let stderr = assert_fails(&out, 2, "required arguments were not provided");
    assert!(stderr.contains("  --faithfulness"), "{stderr}");
    let out = explain(&["--faithfulness", "--samples", "0"]);
    assert_fails(
        &out,
        1,
        "the number of faithfulness samples must be at least 1",
    );
}

#[test]
fn the_report_shows_the_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = nnitp(&["explain", "--embedded", "--no-cache", "--drill", "0"])
        .args(["--faithfulness", "--samples", "10", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    stdout_of(&out);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("<h3>Does the network use this?</h3>"),
        "{html}"
    );
    assert!(html.contains("<pre class=\"faithfulness\">Faithfulness (seed 0; "));
    assert!(html.contains("control, one random unit: premise "));
}

#[test]
fn the_guide_and_readme_show_what_the_command_prints() {
    let command = "`nnitp explain --embedded --no-cache --faithfulness`";
    let out = nnitp(&["explain", "--embedded", "--no-cache", "--faithfulness"])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_eq!(shown_after("docs/faithfulness.md", command), stdout);
    // README shows some of its lines
    let excerpt = shown_after("README.md", command);
    assert!(excerpt.lines().count() >= 3);
    for line in excerpt.lines() {
        assert!(stdout.lines().any(|l| l == line), "not printed: {line}");
    }
}
