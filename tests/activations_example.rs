//! The `activations` example as a user runs it: a folder of `.npy` layers and
//! a geometry, explained and drilled down; a channels-first layer is refused
//! with a message that says how to fix it.

use std::path::Path;
use std::process::{Command, Output};

use nnitp::core::npy;
use nnitp::core::{Activations, Split};

mod examples_run;
use examples_run::{assert_has_all, example, stdout_of};

fn run(dir: &Path, extra: &[&str]) -> Output {
    Command::new(example("activations"))
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn explains_exported_layers_and_refuses_channels_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acts");
    let out = run(&dir, &["--export", "--size", "400"]);
    assert_has_all(
        &stdout_of(&out),
        &[
            "read layers [6, 14, 17] of 400 training and 400 test samples",
            "Interpolant: layer 14: (",
            "drilling down into layer 14: ",
            "Interpolant: layer 6: (",
        ],
    );
    // the folder reads back as written
    let acts = Activations::read_dir(&dir).unwrap();
    assert_eq!(acts.layers(Split::Test), [6, 14, 17]);
    assert_eq!(acts.geometry().name(14), "max_pooling2d_2");

    // layer 14 written channels first, as a PyTorch tensor is laid out
    let path = dir.join("test/layer_14.npy");
    let hwc = npy::read_f32(&path).unwrap();
    let chw = hwc
        .view()
        .permuted_axes(vec![0, 3, 1, 2])
        .as_standard_layout()
        .to_owned();
    npy::write_f32(&path, chw.view()).unwrap();
    let bad = run(&dir, &[]);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("channels last"), "{stderr}");
    assert!(stderr.contains("[400, 64, 7, 7]"), "{stderr}");
}
