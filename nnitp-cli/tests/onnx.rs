//! `nnitp` on ONNX models exported from PyTorch (the fixtures of
//! `nnitp-models/tests/fixtures/onnx`), with the embedded Fashion-MNIST
//! sample written out as the four IDX files a user's `--data` folder holds.

mod run;
use run::{assert_fails, assert_has_all, nnitp, shown_after, stdout_of};

use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../nnitp-models/tests/fixtures/onnx")
        .join(name)
        .display()
        .to_string()
}

/// A folder holding the embedded sample under the standard IDX names.
fn idx_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../nnitp-models/data");
    for (from, to) in [
        (
            "fashion-mnist-train-images-10k.idx3.gz",
            "train-images-idx3-ubyte.gz",
        ),
        (
            "fashion-mnist-train-labels-10k.idx1.gz",
            "train-labels-idx1-ubyte.gz",
        ),
        (
            "fashion-mnist-test-images-2k.idx3.gz",
            "t10k-images-idx3-ubyte.gz",
        ),
        (
            "fashion-mnist-test-labels-2k.idx1.gz",
            "t10k-labels-idx1-ubyte.gz",
        ),
    ] {
        std::fs::copy(data.join(from), dir.path().join(to)).unwrap();
    }
    dir
}

fn path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().to_path_buf()
}

#[test]
fn layers_are_named_by_the_nodes_and_their_outputs() {
    let out = nnitp(&["layers", "--model", &fixture("cnn.torchscript.onnx")])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "  2  /conv1/Conv",
            "conv2d 8 3x3 stride 1x1 padding 1,1,1,1",
            "/bn1/BatchNormalization",
            "flatten_channels_first",
            "[6, 6, 12]  explain",
            "output  (scores)",
        ],
    );
}

#[test]
fn explains_an_image_at_a_layer_named_by_its_output_tensor() {
    let data = idx_folder();
    let data = path(&data);
    let model = fixture("cnn.dynamo.onnx");
    let base = [
        "explain",
        "--model",
        &model,
        "--data",
        data.to_str().unwrap(),
    ];
    let out = nnitp(&base)
        .args([
            "--no-cache",
            "--size",
            "1000",
            "--image",
            "3",
            "--layer",
            "val_25",
        ])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "explaining training image 3: labelled 3 (3), classified ",
            "Interpolant: layer 10: (v(",
            "On test set: F = ",
        ],
    );
    // by index and by node name, the same layer
    for layer in ["10", "node_Elu_24"] {
        let again = nnitp(&base)
            .args([
                "--no-cache",
                "--size",
                "1000",
                "--image",
                "3",
                "--layer",
                layer,
            ])
            .output()
            .unwrap();
        let line = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("Interpolant: layer 10"))
                .map(str::to_string)
        };
        assert_eq!(line(&stdout_of(&again)), line(&stdout), "--layer {layer}");
    }
}

#[test]
fn an_imported_model_on_another_device_gives_the_same_explanation() {
    let data = idx_folder();
    let data = path(&data);
    let explain = |device: &str| {
        let out = nnitp(&["explain", "--model", &fixture("depthwise.dynamo.onnx")])
            .args(["--data", data.to_str().unwrap(), "--no-cache"])
            .args(["--size", "500", "--drill", "0", "--device", device])
            .output()
            .unwrap();
        stdout_of(&out)
    };
    let interpolant = |text: &str| -> String {
        text.lines()
            .find(|l| l.starts_with("Interpolant: "))
            .unwrap_or_else(|| panic!("no interpolant in {text}"))
            .to_string()
    };
    // the host kernels on flex, burn's ops on ndarray (thresholds may differ
    // in their last digits; the units and directions may not)
    let (host, burn) = (explain("flex"), explain("ndarray"));
    // each conjunct's unit and direction, without its threshold
    let units = |line: &str| -> Vec<String> {
        let body = line.split_once(": (").map_or("", |(_, b)| b);
        body.trim_end_matches(')')
            .split(" & ")
            .map(|c| c.chars().take_while(|&ch| ch != '=').collect())
            .collect()
    };
    let (a, b) = (interpolant(&host), interpolant(&burn));
    assert!(!units(&a).is_empty(), "{a}");
    assert_eq!(units(&a), units(&b), "flex: {a}\nndarray: {b}");
}

#[test]
fn rules_run_on_an_imported_residual_network() {
    let data = idx_folder();
    let data = path(&data);
    let out = nnitp(&["rules", "--model", &fixture("resnet.dynamo.onnx")])
        .args([
            "--data",
            data.to_str().unwrap(),
            "--no-cache",
            "--size",
            "500",
        ])
        .args(["--category", "1", "--max-rules", "2"])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(&stdout, &["  rule 0: (v(", "class 1 (1): ", "fidelity="]);
}

#[test]
fn mistakes_get_one_line_errors() {
    let data = idx_folder();
    let data = path(&data);
    let d = data.to_str().unwrap();
    let model = fixture("cnn.dynamo.onnx");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["explain", "--model", &model],
            "an ONNX model needs --data DIR",
        ),
        (
            vec!["explain", "--model", &model, "--data", d, "--layer", "nope"],
            "no layer named \"nope\"",
        ),
        (
            vec!["explain", "--model", &model, "--data", d, "--std", "0"],
            "standard deviation must be positive",
        ),
        (
            vec![
                "explain", "--model", &model, "--data", d, "--mean", "0.5,0.5",
            ],
            "2 values of the mean for images of 1 channels",
        ),
        (
            vec!["explain", "--model", &model, "--embedded"],
            "--embedded does not apply to an ONNX model",
        ),
        (
            vec!["explain", "--embedded", "--mean", "0.5"],
            "--mean does not apply to the zoo model fashion-mnist",
        ),
        (
            vec!["explain", "--model", "absent.onnx", "--data", d],
            "absent.onnx",
        ),
        (
            vec!["train", "--model", &model, "--data", d],
            "runs on zoo models only",
        ),
    ];
    for (args, want) in cases {
        let out = nnitp(&args).args(["--no-cache"]).output().unwrap();
        assert_fails(&out, 1, want);
    }
}

#[test]
fn images_that_do_not_fit_the_input_are_refused() {
    // five 10x10 images: the model takes 28x28
    let dir = tempfile::tempdir().unwrap();
    let images = nnitp::models::data::idx::encode_images(5, 10, 10, &[0; 500]);
    let labels = nnitp::models::data::idx::encode_labels(&[0; 5]);
    for (name, bytes) in [
        ("train-images-idx3-ubyte", &images),
        ("t10k-images-idx3-ubyte", &images),
        ("train-labels-idx1-ubyte", &labels),
        ("t10k-labels-idx1-ubyte", &labels),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let out = nnitp(&["explain", "--model", &fixture("cnn.dynamo.onnx")])
        .args(["--data", dir.path().to_str().unwrap(), "--no-cache"])
        .output()
        .unwrap();
    assert_fails(
        &out,
        1,
        "images of shape [10, 10, 1] do not fit the model's input [28, 28, 1]",
    );
    let empty = tempfile::tempdir().unwrap();
    let out = nnitp(&["explain", "--model", &fixture("cnn.dynamo.onnx")])
        .args(["--data", empty.path().to_str().unwrap(), "--no-cache"])
        .output()
        .unwrap();
    assert_fails(&out, 1, "not found");
}

#[test]
#[ignore = "needs Debian's dataset-fashion-mnist (`bash .ci/run` installs it and runs it)"]
fn the_onnx_guide_shows_what_its_example_prints() {
    let command = "`nnitp explain --model nnitp-models/tests/fixtures/onnx/cnn.dynamo.onnx --data /usr/share/datasets/fashion-mnist --no-cache`";
    let shown = shown_after("docs/onnx.md", command);
    let out = nnitp(&["explain", "--model", &fixture("cnn.dynamo.onnx")])
        .args(["--data", "/usr/share/datasets/fashion-mnist", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), shown);
}

#[test]
#[ignore = "needs Debian's dataset-fashion-mnist (`bash .ci/run` installs it and runs it)"]
fn the_keras_and_jax_guides_show_what_their_examples_print() {
    for model in ["keras_cnn.onnx", "flax_cnn.onnx"] {
        let command = format!(
            "`nnitp explain --model nnitp-models/tests/fixtures/onnx/{model} --data /usr/share/datasets/fashion-mnist --no-cache`"
        );
        let shown = shown_after("docs/onnx.md", &command);
        let out = nnitp(&["explain", "--model", &fixture(model)])
            .args(["--data", "/usr/share/datasets/fashion-mnist", "--no-cache"])
            .output()
            .unwrap();
        assert_eq!(stdout_of(&out), shown, "{model}");
    }
}

#[test]
fn evaluates_and_exports_an_imported_model() {
    let data = idx_folder();
    let data = path(&data);
    let d = data.to_str().unwrap();
    let model = fixture("resnet.torchscript.onnx");
    let out = nnitp(&["evaluate", "--model", &model, "--data", d])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    let acc: f64 = stdout
        .trim()
        .strip_prefix("test accuracy: ")
        .expect(&stdout)
        .parse()
        .unwrap();
    // trained for 600 steps: far above chance
    assert!(acc > 0.5, "{stdout}");
    let dir = tempfile::tempdir().unwrap();
    let acts = dir.path().join("acts");
    let out = nnitp(&["export", acts.to_str().unwrap(), "--model", &model])
        .args([
            "--data",
            d,
            "--size",
            "200",
            "--layers",
            "/Relu_2_output_0",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert_has_all(
        &stdout_of(&out),
        &["exported layers [11, 14] of 200 training"],
    );
    let out = nnitp(&["layers", "--model", acts.to_str().unwrap()])
        .output()
        .unwrap();
    assert_has_all(&stdout_of(&out), &[" 11  /Relu_2", "explain"]);
}

#[test]
fn an_imported_model_has_faithfulness_figures() {
    let data = idx_folder();
    let data = path(&data);
    let out = nnitp(&["explain", "--model", &fixture("cnn.dynamo.onnx")])
        .args(["--data", data.to_str().unwrap(), "--no-cache"])
        .args(["--size", "500", "--drill", "0"])
        .args(["--faithfulness", "--samples", "15"])
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "Faithfulness (seed 0; ",
            "    all conjuncts at once: premise ",
            "    control, one random unit: premise ",
            "  sufficiency (",
            "/15) [",
        ],
    );
}
