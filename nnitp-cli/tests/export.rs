//! `nnitp export` and `--model DIR` as a user runs them: a folder of `.npy`
//! layers and a geometry, written from the shipped model, then explained and
//! drilled down like any model and listed by `nnitp layers`; a
//! channels-first layer is refused with a message that says how to fix it.

use std::path::Path;
use std::process::Output;

use nnitp::core::npy;
use nnitp::core::{Activations, Split};

mod run;
use run::{assert_fails, assert_has_all, http, nnitp, serve, stdout_of};

/// `nnitp explain --model DIR` on test image 0.
fn explain(dir: &Path) -> Output {
    nnitp(&["explain", "--split", "test", "--image", "0", "--model"])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn explains_exported_layers_and_refuses_channels_first() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acts");
    let out = nnitp(&["export", "--embedded", "--no-cache", "--size", "400"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_has_all(
        &stdout_of(&out),
        &["exported layers [6, 14, 17] of 400 training and 400 test images of fashion-mnist"],
    );
    let out = explain(&dir);
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "explaining test image 0: classified ",
            "Interpolant: layer 14: (",
            "at layer 6",
            "Interpolant: layer 6: (",
        ],
    );
    // no labels in the folder: none are claimed
    assert!(!stdout.contains("labelled"), "{stdout}");
    // activations alone cannot be run through the network: said, not guessed
    let out = nnitp(&["explain", "--split", "test", "--image", "0", "--drill", "0"])
        .args(["--faithfulness", "--model"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "Interpolant: layer 14: (",
            "Faithfulness: unavailable: the network cannot be run on changed activations",
        ],
    );
    let layers = stdout_of(&nnitp(&["layers", "--model"]).arg(&dir).output().unwrap());
    assert_has_all(&layers, &[" 14  max_pooling2d_2 ", "explain", "output"]);
    // the explorer serves it as its one model
    let served = serve(&[
        "explore",
        "--port",
        "0",
        "--no-open",
        "--model",
        dir.to_str().unwrap(),
    ]);
    let (status, body) = http(&served.addr, "GET", "/api/models", "");
    assert_eq!(status, 200, "{body}");
    let models: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(models[0]["name"], "acts", "{body}");
    assert_eq!(models[0]["default_layers"], serde_json::json!([6, 14]));
    let (status, body) = http(
        &served.addr,
        "POST",
        "/api/load",
        r#"{"model": "acts", "size": 400}"#,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(&served.addr, "POST", "/api/explain", r#"{"image": 0}"#);
    assert_eq!(status, 200, "{body}");
    let view: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        view["text"]
            .as_str()
            .unwrap()
            .starts_with("Interpolant: layer 14: ("),
        "{body}"
    );
    // no labels are claimed
    assert!(view["cells"][0]["label"].is_null(), "{body}");
    drop(served);
    // a folder has no network to train or evaluate, and no data to take
    let out = nnitp(&["evaluate", "--model"]).arg(&dir).output().unwrap();
    assert_fails(&out, 1, "a folder of activations has none");
    let out = nnitp(&["explain", "--embedded", "--model"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_fails(&out, 1, "--embedded does not apply to a folder");
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
    let bad = explain(&dir);
    let stderr = assert_fails(&bad, 1, "channels last");
    assert!(stderr.contains("[400, 64, 7, 7]"), "{stderr}");
}
