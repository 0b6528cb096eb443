//! `nnitp explain --conclusion PREDICATE`: why an image satisfies a
//! predicate of the output (or of a later layer) rather than its class.

mod run;
use run::{assert_fails, assert_has_all, nnitp, shown_after, stdout_of};

fn explain(extra: &[&str]) -> std::process::Output {
    nnitp(&["explain", "--embedded", "--no-cache", "--drill", "0"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_bound_on_an_output_unit_is_explained() {
    let out = explain(&["--conclusion", "v(0)>=0.9"]);
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "first 50 training images satisfying layer 17: v(0)>=0.9:",
            ", satisfying layer 17: v(0)>=0.9\n",
            "Interpolant: layer 14: (",
            "On test set: F = ",
        ],
    );
    // the premise is the first listed
    let first = stdout
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap();
    assert!(
        stdout.contains(&format!("explaining training image {first}: ")),
        "{stdout}"
    );
}

#[test]
fn a_conclusion_at_a_hidden_layer_is_explained_below_it() {
    let out = explain(&[
        "--conclusion",
        "layer 14: v(3,2,42)<=-0.96",
        "--layer",
        "6",
        "--image",
        "232",
    ]);
    assert_has_all(
        &stdout_of(&out),
        &[
            "explaining training image 232: labelled 6 (Shirt), classified 0 (T-shirt/top), satisfying layer 14: v(3,2,42)<=-0.96",
            "Interpolant: layer 6: (",
        ],
    );
}

#[test]
fn conclusions_that_do_not_fit_are_refused() {
    let out = explain(&["--conclusion", "v(0)=>1"]);
    assert_fails(
        &out,
        2,
        "not a predicate: at character 4 of \"v(0)=>1\": expected >= or <=",
    );
    let out = explain(&["--conclusion", "v(0)>=1", "--category", "2"]);
    assert_fails(&out, 2, "cannot be used with");
    let out = explain(&["--conclusion", "v(12)>=0"]);
    assert_fails(&out, 1, "--conclusion layer 17: v(12)>=0.0: ");
    let out = explain(&["--conclusion", "layer 99: v(0)>=0"]);
    assert_fails(&out, 1, "99");
    let out = explain(&["--conclusion", "v(0)>=2"]);
    assert_fails(&out, 1, "no training image satisfies layer 17: v(0)>=2.0");
    // the premise must satisfy it
    let out = explain(&["--conclusion", "v(0)>=0.9", "--image", "3"]);
    assert_fails(&out, 1, "v(0)>=0.9");
}

#[test]
fn the_guide_shows_what_the_command_prints() {
    let command = "`nnitp explain --embedded --no-cache --conclusion \"v(0)>=0.9\" --drill 0`";
    let shown = shown_after("docs/command-line.md", command);
    let out = explain(&["--conclusion", "v(0)>=0.9"]);
    assert_eq!(stdout_of(&out), shown);
}
