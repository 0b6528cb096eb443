//! The table models on the command line: explanations in the features'
//! names and units, a bound on a predicted number as the conclusion, rule
//! sets, evaluation, and the errors a number's model gives for a class.

mod run;
use run::{assert_fails, assert_has_all, json_lines, nnitp, shown_after, stdout_of};

fn run(args: &[&str]) -> std::process::Output {
    nnitp(args).arg("--no-cache").output().unwrap()
}

/// The feature names of the breast cancer table (its header).
fn breast_cancer_features() -> Vec<String> {
    let csv = include_str!("../../nnitp-models/data/tables/breast-cancer.csv");
    let header = csv.lines().next().unwrap();
    let mut names: Vec<String> = header.split(',').map(str::to_string).collect();
    names.pop(); // the diagnosis
    names
}

#[test]
fn a_row_is_explained_in_its_features() {
    let out = run(&["explain", "--model", "breast-cancer-mlp"]);
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "first 50 training rows classified as 0 (benign):",
            "explaining training row ",
            "Interpolant: layer 0: ",
            "On test set: F = ",
        ],
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Interpolant: "))
        .unwrap();
    let text = line.trim_start_matches("Interpolant: layer 0: ");
    assert!(!text.contains("v("), "{line}");
    // every conjunct is `<feature> >= x` or `<feature> <= x`, x a number
    let names = breast_cancer_features();
    for part in text.split(" & ") {
        let (name, value) = part
            .split_once(" >= ")
            .or_else(|| part.split_once(" <= "))
            .unwrap_or_else(|| panic!("{part:?} in {line}"));
        assert!(names.iter().any(|n| n == name), "{name:?} in {line}");
        value.parse::<f64>().unwrap();
    }
    // JSON keeps both forms
    let out = run(&["explain", "--model", "breast-cancer-mlp", "--json", "-q"]);
    let v = &json_lines(&stdout_of(&out))[0];
    assert_eq!(v["in_features"].as_str(), Some(text));
    assert!(v["interpolant"][0]["unit"].is_array(), "{v}");
}

#[test]
fn a_bound_on_a_predicted_number_is_explained() {
    let out = run(&[
        "explain",
        "--model",
        "diabetes-mlp",
        "--conclusion",
        "v(0)>=150",
        "--drill",
        "0",
    ]);
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "first 50 training rows satisfying layer 5: v(0)>=150.0:",
            ": predicted ",
            ", satisfying layer 5: v(0)>=150.0\n",
            "Interpolant: layer 0: ",
        ],
    );
    // the premise's prediction satisfies the bound
    let predicted: f64 = stdout
        .split(": predicted ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(predicted >= 150.0, "{stdout}");
    // a hidden layer keeps its units
    let out = run(&[
        "explain",
        "--model",
        "diabetes-mlp",
        "--conclusion",
        "v(0)<=100",
        "--layer",
        "2",
        "--drill",
        "0",
    ]);
    assert!(
        stdout_of(&out).contains("Interpolant: layer 2: (v("),
        "{}",
        stdout_of(&out)
    );
}

#[test]
fn a_numbers_model_needs_a_conclusion() {
    let out = run(&["explain", "--model", "diabetes-mlp"]);
    assert_fails(&out, 1, "predicts a number, not a class");
    let out = run(&["rules", "--model", "diabetes-mlp", "--all"]);
    assert_fails(&out, 1, "rule sets are found per class");
}

#[test]
fn reports_draw_rows_and_series_and_the_explorer_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("rows");
    let out = run(&[
        "explain",
        "--model",
        "breast-cancer-mlp",
        "--out",
        rows.to_str().unwrap(),
    ]);
    stdout_of(&out);
    let html = std::fs::read_to_string(rows.join("report.html")).unwrap();
    // the premise and comparison rows, the bounded feature highlighted first
    assert!(
        html.contains("<tr class=\"premise\"><th>training row "),
        "{html}"
    );
    assert!(
        html.contains("<th class=\"bounded\">mean concave points</th>"),
        "{html}"
    );
    assert!(html.contains("<th>worst radius</th>"));
    assert!(html.contains("<h2>training row "), "{html}");
    let series = dir.path().join("series");
    let out = run(&[
        "explain",
        "--model",
        "gunpoint-cnn",
        "--split",
        "test",
        "--out",
        series.to_str().unwrap(),
    ]);
    stdout_of(&out);
    let svg = std::fs::read_to_string(series.join("explanation-0.svg")).unwrap();
    assert!(
        svg.contains("class=\"premise\"") && svg.contains("class=\"window\""),
        "{svg}"
    );
    let html = std::fs::read_to_string(series.join("report.html")).unwrap();
    assert!(html.contains("<svg ") && html.contains("<h2>test series "));
    // rule set reports still draw images only, and say so before any work
    let empty = dir.path().join("rules");
    let out = run(&[
        "rules",
        "--model",
        "breast-cancer-mlp",
        "--out",
        empty.to_str().unwrap(),
    ]);
    assert_fails(&out, 1, "do not show a table's rows yet");
    assert!(out.stdout.is_empty() && !empty.exists());
}

#[test]
fn rules_and_evaluation_of_the_table_models() {
    let out = run(&["rules", "--model", "breast-cancer-mlp", "--category", "1"]);
    let stdout = stdout_of(&out);
    assert!(
        stdout.starts_with("class 1 (malignant), layer 0:\n"),
        "{stdout}"
    );
    let rule = stdout.lines().nth(1).unwrap();
    assert!(
        rule.starts_with("  rule 0: ") && !rule.contains("v("),
        "{rule}"
    );
    let out = run(&["evaluate", "--model", "breast-cancer-mlp"]);
    assert!(stdout_of(&out).starts_with("test accuracy: 0.9"));
    let out = run(&["evaluate", "--model", "diabetes-mlp"]);
    let stdout = stdout_of(&out);
    let rmse: f64 = stdout
        .trim()
        .strip_prefix("test RMSE: ")
        .unwrap()
        .parse()
        .unwrap();
    assert!(rmse > 0.0 && rmse < 60.0, "{stdout}");
}

#[test]
fn the_guide_shows_what_the_commands_print() {
    for (command, args) in [
        (
            "`nnitp explain --model breast-cancer-mlp --no-cache --drill 0`",
            &["explain", "--model", "breast-cancer-mlp", "--drill", "0"][..],
        ),
        (
            "`nnitp explain --model diabetes-mlp --conclusion \"v(0)>=150\" --no-cache --drill 0`",
            &[
                "explain",
                "--model",
                "diabetes-mlp",
                "--conclusion",
                "v(0)>=150",
                "--drill",
                "0",
            ][..],
        ),
    ] {
        assert_eq!(
            stdout_of(&run(args)),
            shown_after("docs/tables.md", command)
        );
    }
    // the rules block shows the first lines of the output
    let shown = shown_after("docs/tables.md", "`nnitp rules --model breast-cancer-mlp");
    let out = stdout_of(&run(&[
        "rules",
        "--model",
        "breast-cancer-mlp",
        "--category",
        "1",
    ]));
    for line in shown.lines().filter(|l| l.trim() != "...") {
        assert!(
            out.lines().any(|l| l == line),
            "{line:?} missing from\n{out}"
        );
    }
}

#[test]
fn readme_shows_the_interpolants_the_commands_find() {
    let readme = include_str!("../../README.md");
    for (command, args) in [
        (
            "nnitp explain --model breast-cancer-mlp\n",
            &["explain", "--model", "breast-cancer-mlp"][..],
        ),
        (
            "nnitp explain --model diabetes-mlp --conclusion \"v(0)>=150\"\n",
            &[
                "explain",
                "--model",
                "diabetes-mlp",
                "--conclusion",
                "v(0)>=150",
            ][..],
        ),
    ] {
        let at = readme.find(command).expect("README shows the command") + command.len();
        let shown = readme[at..]
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("# ");
        let out = stdout_of(&run(args));
        assert!(
            out.lines().any(|l| l == shown),
            "{shown:?} missing from\n{out}"
        );
    }
}

#[test]
fn a_series_is_explained_with_the_time_steps_of_each_conjunct() {
    let out = run(&["explain", "--model", "gunpoint-cnn", "--split", "test"]);
    let stdout = stdout_of(&out);
    assert!(stdout.contains("explaining test series "), "{stdout}");
    let windows: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Windows: "))
        .collect();
    // one line per explanation (the first and its drill-down)
    assert_eq!(windows.len(), 2, "{stdout}");
    for line in windows {
        for part in line.split("; ") {
            let (_, steps) = part.split_once(" steps ").unwrap();
            let (a, b) = steps.split_once('-').unwrap();
            let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
            assert!(a <= b && b < 150, "{part}");
        }
    }
    let command = "`nnitp explain --model gunpoint-cnn --split test --no-cache`";
    assert_eq!(stdout, shown_after("docs/tables.md", command));
}

#[test]
fn stability_at_the_features_names_them() {
    let out = run(&[
        "explain",
        "--model",
        "diabetes-mlp",
        "--conclusion",
        "v(0)>=150",
        "--stability",
        "10",
        "--drill",
        "0",
    ]);
    let stdout = stdout_of(&out);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("stability over 10 bootstrap resamples"))
        .unwrap();
    assert!(
        line.contains("; conjunct 0 ") && !line.contains("v("),
        "{line}"
    );
}
