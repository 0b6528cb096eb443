//! `nnitp rules` as a user runs it on the shipped model and the embedded
//! data: a rule set for T-shirt/top ending with its summary line, the
//! JSON form, the report, and one-line errors.

mod run;
use run::{assert_has_all, nnitp, shown_after, stdout_of};

fn compress(args: &[&str]) -> std::process::Output {
    nnitp(&["rules", "--embedded", "--no-cache", "--size", "2000"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn prints_a_rule_set_and_its_summary() {
    let out_dir = tempfile::tempdir().unwrap();
    let dir = out_dir.path().to_str().unwrap();
    let out = compress(&["--category", "0", "--max-rules", "5", "--out", dir]);
    let stdout = stdout_of(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    let rules: Vec<&&str> = lines.iter().filter(|l| l.starts_with("  rule ")).collect();
    assert!(!rules.is_empty() && rules.len() <= 5, "{stdout}");
    assert!(rules[0].starts_with("  rule 0: (v("), "{stdout}");
    assert_has_all(
        rules[0],
        &["train precision=", "test precision=", "coverage="],
    );
    let summary = lines
        .iter()
        .find(|l| l.starts_with("class 0 (T-shirt/top): "))
        .expect(&stdout);
    assert_has_all(
        summary,
        &[
            "coverage ",
            "precision=",
            "recall=",
            "fidelity=",
            "(Wilson)",
        ],
    );
    assert!(out_dir.path().join("rules.html").is_file());
    assert!(out_dir.path().join("rule-0.png").is_file());
    let html = std::fs::read_to_string(out_dir.path().join("rules.html")).unwrap();
    assert!(html.contains("data:image/png;base64,"));
}

#[test]
fn json_and_errors() {
    let out = compress(&["--category", "1", "--max-rules", "3", "--json"]);
    let set: serde_json::Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
    assert_eq!(set["conclusion"]["predicate"]["is_max"], 1);
    let rules = set["rules"].as_array().unwrap();
    assert!(!rules.is_empty() && rules.len() <= 3);
    assert!(set["test"]["precision_interval"]["low"].is_number());
    for bad in [
        vec!["--category", "10"],
        vec!["--coverage", "0"],
        vec!["--max-rules", "0"],
        vec!["--layer", "17"],
    ] {
        let out = compress(&bad);
        assert!(!out.status.success(), "{bad:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr
                .lines()
                .last()
                .unwrap_or_default()
                .starts_with("error: "),
            "{bad:?}: {stderr}"
        );
    }
}

#[test]
fn the_rules_guide_shows_what_its_example_prints() {
    let command = "`nnitp rules --category 1 --embedded --no-cache`";
    let shown = shown_after("docs/rules-intervals-stability.md", command);
    let out = nnitp(&["rules", "--category", "1", "--embedded", "--no-cache"])
        .output()
        .unwrap();
    // the summary ends with the search's time, the one figure that varies
    let untimed = |text: &str| -> Vec<String> {
        text.lines()
            .map(|l| match l.rsplit_once("; ") {
                Some((head, tail)) if tail.ends_with(" s") => head.to_string(),
                _ => l.to_string(),
            })
            .collect()
    };
    assert_eq!(untimed(&stdout_of(&out)), untimed(&shown));
}
