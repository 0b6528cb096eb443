//! Hostile ONNX files: each is refused with a typed error naming what is
//! wrong, reading no more than the file holds, and nothing panics.
#![cfg(feature = "onnx")]

use std::path::{Path, PathBuf};

use nnitp_models::onnx::{self, OnnxError};

/// A protobuf field: key and bytes.
fn field(n: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = varint(u64::from(n) << 3 | 2);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

fn int_field(n: u32, v: u64) -> Vec<u8> {
    let mut out = varint(u64::from(n) << 3);
    out.extend(varint(v));
    out
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// A float input `[batch, 1, 4, 4]` named `x`.
fn image_input(name: &str) -> Vec<u8> {
    let dim = |v: Option<u64>| match v {
        Some(v) => field(1, &int_field(1, v)),
        None => field(1, &field(2, b"batch")),
    };
    let shape = cat(&[dim(None), dim(Some(1)), dim(Some(4)), dim(Some(4))]);
    let tensor_type = cat(&[int_field(1, 1), field(2, &shape)]);
    cat(&[field(1, name.as_bytes()), field(2, &field(1, &tensor_type))])
}

fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = inputs.iter().map(|i| field(1, i.as_bytes())).collect();
    parts.extend(outputs.iter().map(|o| field(2, o.as_bytes())));
    parts.push(field(3, name.as_bytes()));
    parts.push(field(4, op.as_bytes()));
    cat(&parts)
}

/// A float tensor of `dims` with `raw` bytes of data (or external data).
fn tensor(name: &str, dims: &[u64], raw: Option<&[u8]>, external: &[(&str, &str)]) -> Vec<u8> {
    let packed: Vec<u8> = dims.iter().flat_map(|&d| varint(d)).collect();
    let mut parts = vec![
        field(1, &packed),
        int_field(2, 1),
        field(8, name.as_bytes()),
    ];
    if let Some(raw) = raw {
        parts.push(field(9, raw));
    }
    for (k, v) in external {
        parts.push(field(
            13,
            &cat(&[field(1, k.as_bytes()), field(2, v.as_bytes())]),
        ));
    }
    if !external.is_empty() {
        parts.push(int_field(14, 1));
    }
    cat(&parts)
}

/// A model of `nodes` and `initializers` on input `x`, output `y`.
fn model(nodes: &[Vec<u8>], initializers: &[Vec<u8>]) -> Vec<u8> {
    let mut graph: Vec<Vec<u8>> = nodes.iter().map(|n| field(1, n)).collect();
    graph.extend(initializers.iter().map(|t| field(5, t)));
    graph.push(field(11, &image_input("x")));
    graph.push(field(12, &field(1, b"y")));
    let opset = cat(&[field(1, b""), int_field(2, 17)]);
    cat(&[int_field(1, 8), field(8, &opset), field(7, &cat(&graph))])
}

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

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn floats(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
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
    // a product of two layers has no cone nnitp knows
    let m = model(&[node("Mul", "square", &["x", "x"], &["y"])], &[]);
    let e = onnx::read(write(dir.path(), "mul.onnx", &m)).unwrap_err();
    assert!(e.to_string().contains("Mul of two layers"), "{e}");
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
