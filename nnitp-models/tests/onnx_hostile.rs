//! Hostile ONNX files: each is refused with a typed error naming what is
//! wrong, reading no more than the file holds, and nothing panics.
#![cfg(feature = "onnx")]

use std::path::Path;

use nnitp_models::onnx::{self, OnnxError};

mod onnx_builder;
use onnx_builder::{floats, model, node, tensor, write};

/// A 1x1 convolution `w` of one filter, then a ReLU.
fn conv_model(weight: Vec<u8>) -> Vec<u8> {
    model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node("Relu", "relu", &["c"], &["y"]),
        ],
        &[weight],
    )
}

#[test]
fn a_well_formed_model_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "ok.onnx",
        &conv_model(tensor("w", &[1, 1, 1, 1], Some(&floats(&[2.0])), &[])),
    );
    let g = onnx::read(&p).unwrap();
    assert_eq!(g.layers().len(), 2);
    assert_eq!(g.find("relu"), Some(1));
    assert_eq!(
        g.find("c"),
        Some(0),
        "a layer is found by its output tensor too"
    );
}

#[test]
fn broken_files_are_not_onnx() {
    let dir = tempfile::tempdir().unwrap();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx/cnn.torchscript.onnx");
    let whole = std::fs::read(fixture).unwrap();
    for cut in [1, 2, 100, whole.len() / 2, whole.len() - 1] {
        let p = write(dir.path(), "cut.onnx", &whole[..cut]);
        let e = onnx::read(&p).unwrap_err();
        assert!(
            matches!(e, OnnxError::Malformed { .. }),
            "cut at {cut}: {e}"
        );
    }
    // random bytes (a fixed linear congruential sequence)
    let mut x = 12345u64;
    let random: Vec<u8> = (0..5000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect();
    for start in 0..64 {
        let p = write(dir.path(), "random.onnx", &random[start..]);
        let e = onnx::read(&p).unwrap_err();
        assert!(
            matches!(e, OnnxError::Malformed { .. } | OnnxError::Input { .. }),
            "{e}"
        );
    }
    let e = onnx::read(write(dir.path(), "empty.onnx", b"")).unwrap_err();
    assert!(matches!(e, OnnxError::Malformed { .. }), "{e}");
    let e = onnx::read(dir.path()).unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    #[cfg(unix)]
    {
        let e = onnx::read("/dev/zero").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
    // a node name that is not UTF-8
    let mut m = model(&[node("Relu", "relu", &["x"], &["y"])], &[]);
    let at = m.windows(4).position(|w| w == b"relu").unwrap();
    m[at] = 0xff;
    let e = onnx::read(write(dir.path(), "latin.onnx", &m)).unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = onnx::read(dir.path().join("absent.onnx")).unwrap_err();
    assert!(matches!(e, OnnxError::Io { .. }), "{e}");
}

#[test]
fn two_gigabytes_of_zeros_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("zeros.onnx");
    // a sparse file: it takes no disk, and reading it whole would take 2 GB
    std::fs::File::create(&p)
        .unwrap()
        .set_len(2_000_000_000)
        .unwrap();
    let e = onnx::read(&p).unwrap_err();
    assert!(matches!(e, OnnxError::Malformed { .. }), "{e}");
    std::fs::File::create(&p).unwrap().set_len(3 << 30).unwrap();
    let e = onnx::read(&p).unwrap_err();
    assert!(e.to_string().contains("at most 2 GiB"), "{e}");
}

#[test]
fn a_cycle_and_unknown_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(
        &[
            node("Relu", "first", &["b"], &["a"]),
            node("Relu", "second", &["a"], &["b"]),
            node("Relu", "out", &["b"], &["y"]),
        ],
        &[],
    );
    let e = onnx::read(write(dir.path(), "cycle.onnx", &m)).unwrap_err();
    assert!(
        matches!(&e, OnnxError::Order { node, tensor, .. } if node == "first" && tensor == "b"),
        "{e}"
    );
}

#[test]
fn bad_tensors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "overflow",
            tensor("w", &[1 << 40, 1 << 40, 1, 1], Some(&[]), &[]),
            "overflow",
        ),
        (
            "short",
            tensor("w", &[10, 1, 1, 1], Some(&floats(&[1.0, 2.0])), &[]),
            "8 bytes of data for 10 values",
        ),
        (
            "nan",
            tensor("w", &[1, 1, 1, 1], Some(&floats(&[f32::NAN])), &[]),
            "non-finite",
        ),
        (
            "wrong-shape",
            tensor("w", &[2, 3], Some(&floats(&[0.0; 6])), &[]),
            "2-d convolutions",
        ),
    ];
    for (name, t, says) in cases {
        let e = onnx::read(write(dir.path(), &format!("{name}.onnx"), &conv_model(t))).unwrap_err();
        assert!(e.to_string().contains(says), "{name}: {e}");
    }
}

#[test]
fn external_data_stays_in_the_models_folder() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("model");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(root.path().join("outside.bin"), floats(&[1.0; 4])).unwrap();
    std::fs::write(dir.join("short.bin"), floats(&[1.0])).unwrap();
    std::fs::write(dir.join("good.bin"), floats(&[0.0, 3.0])).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.path().join("outside.bin"), dir.join("link.bin")).unwrap();
    let ext = |location: &str, offset: &str| {
        tensor(
            "w",
            &[1, 1, 1, 1],
            None,
            &[("location", location), ("offset", offset), ("length", "4")],
        )
    };
    let read = |t: Vec<u8>| onnx::read(write(&dir, "m.onnx", &conv_model(t)));
    let g = read(ext("good.bin", "4")).unwrap();
    assert_eq!(g.layers().len(), 2);
    for (location, offset, says) in [
        ("missing.bin", "0", "No such file"),
        ("short.bin", "4", "bytes 4..8 asked of a file of 4"),
        ("../outside.bin", "0", "outside the model's folder"),
        ("/etc/passwd", "0", "outside the model's folder"),
        ("", "0", "outside the model's folder"),
        ("good.bin", "18446744073709551615", "overflow"),
        #[cfg(unix)]
        ("link.bin", "0", "symbolic link"),
    ] {
        let e = read(ext(location, offset)).unwrap_err();
        assert!(
            matches!(e, OnnxError::ExternalData { .. }) && e.to_string().contains(says),
            "{location}: {e}"
        );
    }
}

#[test]
fn layers_too_large_to_run_are_refused() {
    // a 1x1 convolution to 2^21 channels on a 4x4 image: 2^25 values per image
    let dir = tempfile::tempdir().unwrap();
    let filters = 1u64 << 21;
    let w = tensor(
        "w",
        &[filters, 1, 1, 1],
        Some(&floats(&vec![0.5; filters as usize])),
        &[],
    );
    let e = onnx::read(write(dir.path(), "wide.onnx", &conv_model(w))).unwrap_err();
    assert!(e.to_string().contains("values per image"), "{e}");
}

#[test]
fn unsupported_operators_name_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(&[node("LSTM", "rnn", &["x"], &["y"])], &[]);
    let e = onnx::read(write(dir.path(), "lstm.onnx", &m)).unwrap_err();
    let text = e.to_string();
    assert!(
        matches!(&e, OnnxError::Unsupported { node, op, .. } if node == "rnn" && op == "LSTM"),
        "{text}"
    );
    assert!(text.contains("supported: Conv"), "{text}");
    // a matrix product of two layers (attention) is not run yet
    let m = model(&[node("MatMul", "attend", &["x", "x"], &["y"])], &[]);
    let e = onnx::read(write(dir.path(), "matmul.onnx", &m)).unwrap_err();
    assert!(e.to_string().contains("attend"), "{e}");
    // an output that does not depend on the image
    let m = model(&[], &[tensor("y", &[1], Some(&floats(&[1.0])), &[])]);
    let e = onnx::read(write(dir.path(), "const.onnx", &m)).unwrap_err();
    assert!(e.to_string().contains("not computed from its input"), "{e}");
}

#[test]
fn dropout_takes_its_ratio_and_refuses_training_mode() {
    use nnitp_models::graph::Op;
    let dir = tempfile::tempdir().unwrap();
    let dropout = |ratio: Option<f32>, training: Option<f32>| {
        let mut inputs = vec!["x"];
        let mut inits = vec![];
        if let Some(r) = ratio {
            inputs.push("r");
            inits.push(tensor("r", &[], Some(&floats(&[r])), &[]));
        }
        if let Some(t) = training {
            if ratio.is_none() {
                inputs.push("");
            }
            inputs.push("t");
            inits.push(tensor("t", &[], Some(&floats(&[t])), &[]));
        }
        model(&[node("Dropout", "drop", &inputs, &["y"])], &inits)
    };
    let op = |m: &[u8], name: &str| {
        onnx::read(write(dir.path(), name, m)).map(|g| g.layers()[0].op.clone())
    };
    assert!(matches!(op(&dropout(Some(0.25), None), "a.onnx"), Ok(Op::Dropout(r)) if r == 0.25));
    assert!(matches!(op(&dropout(None, Some(0.0)), "b.onnx"), Ok(Op::Dropout(r)) if r == 0.5));
    for (ratio, training, says) in [
        (Some(1.5), None, "not in [0, 1)"),
        (Some(0.1), Some(1.0), "training mode"),
    ] {
        let e = op(&dropout(ratio, training), "bad.onnx").unwrap_err();
        assert!(
            matches!(&e, OnnxError::Node { node, op, .. } if node == "drop" && op == "Dropout"),
            "{e}"
        );
        assert!(e.to_string().contains(says), "{e}");
    }
    // a NaN ratio is refused as any NaN constant is
    let e = op(&dropout(Some(f32::NAN), None), "nan.onnx").unwrap_err();
    assert!(e.to_string().contains("non-finite"), "{e}");
}
