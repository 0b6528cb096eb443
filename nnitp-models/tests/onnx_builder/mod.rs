//! ONNX files written byte by byte: protobuf fields, nodes with attributes,
//! tensors and models, for tests that need no exporter.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A protobuf field: key and bytes.
pub fn field(n: u32, bytes: &[u8]) -> Vec<u8> {
    let mut out = varint(u64::from(n) << 3 | 2);
    out.extend(varint(bytes.len() as u64));
    out.extend_from_slice(bytes);
    out
}

pub fn int_field(n: u32, v: u64) -> Vec<u8> {
    let mut out = varint(u64::from(n) << 3);
    out.extend(varint(v));
    out
}

pub fn varint(mut v: u64) -> Vec<u8> {
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

pub fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

/// A float input `[batch, 1, 4, 4]` named `x`.
pub fn image_input(name: &str) -> Vec<u8> {
    let dim = |v: Option<u64>| match v {
        Some(v) => field(1, &int_field(1, v)),
        None => field(1, &field(2, b"batch")),
    };
    let shape = cat(&[dim(None), dim(Some(1)), dim(Some(4)), dim(Some(4))]);
    let tensor_type = cat(&[int_field(1, 1), field(2, &shape)]);
    cat(&[field(1, name.as_bytes()), field(2, &field(1, &tensor_type))])
}

pub fn node(op: &str, name: &str, inputs: &[&str], outputs: &[&str]) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = inputs.iter().map(|i| field(1, i.as_bytes())).collect();
    parts.extend(outputs.iter().map(|o| field(2, o.as_bytes())));
    parts.push(field(3, name.as_bytes()));
    parts.push(field(4, op.as_bytes()));
    cat(&parts)
}

/// A float tensor of `dims` with `raw` bytes of data (or external data).
pub fn tensor(name: &str, dims: &[u64], raw: Option<&[u8]>, external: &[(&str, &str)]) -> Vec<u8> {
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
pub fn model(nodes: &[Vec<u8>], initializers: &[Vec<u8>]) -> Vec<u8> {
    let mut graph: Vec<Vec<u8>> = nodes.iter().map(|n| field(1, n)).collect();
    graph.extend(initializers.iter().map(|t| field(5, t)));
    graph.push(field(11, &image_input("x")));
    graph.push(field(12, &field(1, b"y")));
    let opset = cat(&[field(1, b""), int_field(2, 17)]);
    cat(&[int_field(1, 8), field(8, &opset), field(7, &cat(&graph))])
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

pub fn floats(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A node with attributes (each from [`attr_int`], [`attr_ints`],
/// [`attr_float`], [`attr_str`]).
pub fn node_with(
    op: &str,
    name: &str,
    inputs: &[&str],
    outputs: &[&str],
    attrs: &[Vec<u8>],
) -> Vec<u8> {
    let mut n = node(op, name, inputs, outputs);
    for a in attrs {
        n.extend(field(5, a));
    }
    n
}

/// An integer attribute.
pub fn attr_int(name: &str, v: i64) -> Vec<u8> {
    cat(&[
        field(1, name.as_bytes()),
        int_field(3, v as u64),
        int_field(20, 2),
    ])
}

/// A float attribute.
pub fn attr_float(name: &str, v: f32) -> Vec<u8> {
    let mut f = varint(2 << 3 | 5);
    f.extend(v.to_le_bytes());
    cat(&[field(1, name.as_bytes()), f, int_field(20, 1)])
}

/// An attribute of integers.
pub fn attr_ints(name: &str, v: &[i64]) -> Vec<u8> {
    let mut parts = vec![field(1, name.as_bytes())];
    parts.extend(v.iter().map(|&x| int_field(8, x as u64)));
    parts.push(int_field(20, 7));
    cat(&parts)
}

/// A string attribute.
pub fn attr_str(name: &str, v: &str) -> Vec<u8> {
    cat(&[
        field(1, name.as_bytes()),
        field(4, v.as_bytes()),
        int_field(20, 3),
    ])
}

/// A float tensor of `dims` holding `values`.
pub fn float_tensor(name: &str, dims: &[u64], values: &[f32]) -> Vec<u8> {
    tensor(name, dims, Some(&floats(values)), &[])
}

/// An int64 tensor of `dims` holding `values`.
pub fn int_tensor(name: &str, dims: &[u64], values: &[i64]) -> Vec<u8> {
    let packed: Vec<u8> = dims.iter().flat_map(|&d| varint(d)).collect();
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    cat(&[
        field(1, &packed),
        int_field(2, 7),
        field(8, name.as_bytes()),
        field(9, &raw),
    ])
}
