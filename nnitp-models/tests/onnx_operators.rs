//! Each operator of current architectures in a model written byte by byte
//! (no exporter): the host's output against the operator's definition
//! computed here, and burn's ops on flex against the host; and each of
//! their malformed uses refused with an error naming the node.
#![cfg(feature = "onnx")]

mod compare;
mod onnx_builder;

use burn::tensor::Device;
use nnitp_core::burn;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_core::Split;
use nnitp_models::graph::{DeviceGraph, LayerGraph};
use nnitp_models::onnx::{self, OnnxError};
use onnx_builder::{
    attr_float, attr_int, attr_ints, attr_str, float_tensor, int_tensor, model, node, node_with,
    write,
};

/// The input `x` `[1, 1, 4, 4]`: 16 values from -2 to 1.75.
fn pixels() -> Vec<f32> {
    (0..16).map(|v| v as f32 / 4.0 - 2.0).collect()
}

fn read(bytes: &[u8]) -> Result<LayerGraph, OnnxError> {
    let dir = tempfile::tempdir().unwrap();
    onnx::read(write(dir.path(), "m.onnx", bytes))
}

/// Every layer's output on [`pixels`] (channels last), each checked against
/// burn's ops on flex.
fn run(bytes: &[u8]) -> (LayerGraph, Vec<Vec<f32>>) {
    let g = read(bytes).unwrap();
    let images = ndarray::Array4::from_shape_vec([1, 4, 4, 1], pixels()).unwrap();
    let layers: Vec<usize> = (0..g.layers().len()).collect();
    let on = |net: &(dyn nnitp_core::Network + Sync)| {
        extract(
            net,
            images.view(),
            &layers,
            1,
            &Observer::none(),
            Task::Extracting(Split::Test),
        )
        .unwrap()
    };
    let host = on(&g);
    let device = DeviceGraph::new(g.clone(), &Device::flex()).with_host_kernels(false);
    for (l, (h, d)) in host.iter().zip(&on(&device)).enumerate() {
        let err = compare::relative_to_largest(d, h);
        assert!(err <= 1e-5, "layer {l}: burn's ops differ by {err:e}");
    }
    let outs = host
        .into_iter()
        .map(|a| a.iter().copied().collect())
        .collect();
    (g, outs)
}

fn close(got: &[f32], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            f64::from(*g) == *w || (f64::from(*g) - w).abs() <= 1e-5 * w.abs().max(1.0),
            "value {k}: {g} against {w}"
        );
    }
}

fn erf(x: f64) -> f64 {
    // the series converges fast for |x| <= 2
    let mut term = x;
    let mut sum = x;
    for n in 1..60 {
        term *= -x * x / f64::from(n);
        sum += term / f64::from(2 * n + 1);
    }
    sum * 2.0 / std::f64::consts::PI.sqrt()
}

/// A function's definition, in `f64`.
type Definition = Box<dyn Fn(f64) -> f64>;

#[test]
fn element_wise_functions_follow_their_definitions() {
    let softplus = |x: f64| x.exp().ln_1p();
    let cases: Vec<(&str, Vec<Vec<u8>>, Definition)> = vec![
        (
            "HardSigmoid",
            vec![attr_float("alpha", 0.3), attr_float("beta", 0.4)],
            Box::new(|x| (0.3 * x + 0.4).clamp(0.0, 1.0)),
        ),
        (
            "HardSwish",
            vec![],
            Box::new(|x| x * (x / 6.0 + 0.5).clamp(0.0, 1.0)),
        ),
        ("Mish", vec![], Box::new(move |x| x * softplus(x).tanh())),
        ("Softplus", vec![], Box::new(softplus)),
        ("Exp", vec![], Box::new(f64::exp)),
        ("Neg", vec![], Box::new(|x| -x)),
        ("Abs", vec![], Box::new(f64::abs)),
        ("Reciprocal", vec![], Box::new(|x| 1.0 / x)),
        ("Erf", vec![], Box::new(erf)),
    ];
    for (op, attrs, f) in cases {
        let m = model(&[node_with(op, "f", &["x"], &["y"], &attrs)], &[]);
        let (g, outs) = run(&m);
        assert_eq!(g.layers().len(), 1, "{op}");
        let want: Vec<f64> = pixels().iter().map(|&v| f(f64::from(v))).collect();
        close(&outs[0], &want);
    }
    // a square root of an absolute value, a power, Max and Min with constants
    let m = model(
        &[
            node("Abs", "abs", &["x"], &["a"]),
            node("Sqrt", "sqrt", &["a"], &["s"]),
            node("Pow", "pow", &["s", "three"], &["p"]),
            node("Max", "max", &["p", "one"], &["q"]),
            node("Min", "min", &["q", "two"], &["y"]),
        ],
        &[
            float_tensor("three", &[], &[3.0]),
            float_tensor("one", &[], &[1.0]),
            float_tensor("two", &[], &[2.0]),
        ],
    );
    let (_, outs) = run(&m);
    let want: Vec<f64> = pixels()
        .iter()
        .map(|&v| f64::from(v).abs().sqrt().powi(3).clamp(1.0, 2.0))
        .collect();
    close(&outs[4], &want);
}

#[test]
fn a_gate_pooled_from_the_map_multiplies_it() {
    // squeeze-excitation without weights: x * sigmoid(mean(x))
    let m = model(
        &[
            node("GlobalAveragePool", "pool", &["x"], &["p"]),
            node("Sigmoid", "gate", &["p"], &["s"]),
            node("Mul", "excite", &["x", "s"], &["y"]),
        ],
        &[],
    );
    let (_, outs) = run(&m);
    let mean: f64 = pixels().iter().map(|&v| f64::from(v)).sum::<f64>() / 16.0;
    let gate = 1.0 / (1.0 + (-mean).exp());
    let want: Vec<f64> = pixels().iter().map(|&v| f64::from(v) * gate).collect();
    close(&outs[2], &want);
    // SiLU: x * sigmoid(x), and two layers subtracted and divided
    let m = model(
        &[
            node("Sigmoid", "s", &["x"], &["s"]),
            node("Mul", "silu", &["x", "s"], &["m"]),
            node("Sub", "sub", &["m", "x"], &["d"]),
            node("Div", "div", &["d", "s"], &["y"]),
        ],
        &[],
    );
    let (_, outs) = run(&m);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let want: Vec<f64> = pixels()
        .iter()
        .map(|&v| {
            let x = f64::from(v);
            (x * sig(x) - x) / sig(x)
        })
        .collect();
    close(&outs[3], &want);
}

/// Where an edge padding of a side of 4 reads position `p`.
fn edge(p: i64) -> usize {
    p.clamp(0, 3) as usize
}

/// Where a reflecting padding of a side of 4 reads position `p`.
fn reflect(p: i64) -> usize {
    p.abs().min(6 - p) as usize
}

#[test]
fn paddings_fill_by_their_mode() {
    let pad = |mode: &str| {
        model(
            &[node_with(
                "Pad",
                "pad",
                &["x", "pads", "v"],
                &["y"],
                &[attr_str("mode", mode)],
            )],
            &[
                // rows: 2 above, 1 below; columns: 1 left, 0 right
                int_tensor("pads", &[8], &[0, 0, 2, 1, 0, 0, 1, 0]),
                float_tensor("v", &[], &[9.0]),
            ],
        )
    };
    let x = pixels();
    let at = |r: usize, c: usize| f64::from(x[r * 4 + c]);
    for (mode, source) in [
        ("constant", None),
        ("edge", Some(edge as fn(i64) -> usize)),
        ("reflect", Some(reflect)),
    ] {
        let (g, outs) = run(&pad(mode));
        assert_eq!(g.layers().len(), 1);
        let mut want = Vec::new();
        for r in 0..7i64 {
            for c in 0..5i64 {
                let (p, q) = (r - 2, c - 1);
                want.push(match source {
                    None if !(0..4).contains(&p) || !(0..4).contains(&q) => 9.0,
                    None => at(p as usize, q as usize),
                    Some(s) => at(s(p), s(q)),
                });
            }
        }
        close(&outs[0], &want);
    }
}

#[test]
fn transposes_between_layouts_are_relabellings() {
    // to channels last and back: no layer of their own
    let m = model(
        &[
            node_with(
                "Transpose",
                "nhwc",
                &["x"],
                &["t"],
                &[attr_ints("perm", &[0, 2, 3, 1])],
            ),
            node("Relu", "relu", &["t"], &["r"]),
            node_with(
                "Transpose",
                "nchw",
                &["r"],
                &["y"],
                &[attr_ints("perm", &[0, 3, 1, 2])],
            ),
        ],
        &[],
    );
    let (g, outs) = run(&m);
    assert_eq!(g.layers().len(), 1);
    let want: Vec<f64> = pixels().iter().map(|&v| f64::from(v).max(0.0)).collect();
    close(&outs[0], &want);
}

#[test]
fn a_layer_norm_over_the_channels_of_a_channels_last_map() {
    // one channel: every position normalises to beta
    let m = model(
        &[
            node_with(
                "Transpose",
                "nhwc",
                &["x"],
                &["t"],
                &[attr_ints("perm", &[0, 2, 3, 1])],
            ),
            node_with(
                "LayerNormalization",
                "norm",
                &["t", "g", "b"],
                &["n"],
                &[attr_int("axis", -1)],
            ),
            node("MatMul", "linear", &["n", "w"], &["y"]),
        ],
        &[
            float_tensor("g", &[1], &[2.0]),
            float_tensor("b", &[1], &[0.25]),
            float_tensor("w", &[1, 3], &[1.0, -1.0, 4.0]),
        ],
    );
    let (g, outs) = run(&m);
    assert_eq!(g.layers().len(), 2);
    close(&outs[0], &[0.25; 16]);
    close(&outs[1], &[0.25, -0.25, 1.0].repeat(16));
    // a normalisation over a channels-first map's rows is refused
    let m = model(
        &[node_with(
            "LayerNormalization",
            "rows",
            &["x", "g"],
            &["y"],
            &[attr_int("axis", 2)],
        )],
        &[float_tensor("g", &[4], &[1.0; 4])],
    );
    assert_eq!(refused(&m).0, "rows");
}

#[test]
fn channels_are_split_sliced_and_shuffled() {
    // a 1x1 convolution to four channels k * x, split 1 + 3, the three
    // shuffled in groups (a reshape to [N, 1, 3, 4, 4] and back: the order
    // kept), then every other one sliced
    let m = model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node_with(
                "Split",
                "split",
                &["c", "sizes"],
                &["a", "b"],
                &[attr_int("axis", 1)],
            ),
            node("Reshape", "group", &["b", "grouped"], &["g"]),
            node_with(
                "Transpose",
                "swap",
                &["g"],
                &["t"],
                &[attr_ints("perm", &[0, 2, 1, 3, 4])],
            ),
            node("Reshape", "back", &["t", "flat"], &["s"]),
            node(
                "Slice",
                "every_other",
                &["s", "starts", "ends", "axes", "steps"],
                &["y"],
            ),
        ],
        &[
            float_tensor("w", &[4, 1, 1, 1], &[1.0, 2.0, 3.0, 4.0]),
            int_tensor("sizes", &[2], &[1, 3]),
            int_tensor("grouped", &[5], &[-1, 1, 3, 4, 4]),
            int_tensor("flat", &[4], &[-1, 3, 4, 4]),
            int_tensor("starts", &[1], &[0]),
            int_tensor("ends", &[1], &[3]),
            int_tensor("axes", &[1], &[1]),
            int_tensor("steps", &[1], &[2]),
        ],
    );
    let (g, outs) = run(&m);
    // conv, two split outputs, the shuffle, the slice
    assert_eq!(g.layers().len(), 5);
    let x: Vec<f64> = pixels().iter().map(|&v| f64::from(v)).collect();
    close(&outs[1], &x);
    let picked: Vec<f64> = x.iter().flat_map(|&v| [2.0 * v, 4.0 * v]).collect();
    close(&outs[4], &picked);
    // a slice of rows, a split of unequal sizes, a grouping that does not
    // divide the channels
    let m = model(
        &[node(
            "Slice",
            "rows",
            &["x", "starts", "ends", "axes"],
            &["y"],
        )],
        &[
            int_tensor("starts", &[1], &[1]),
            int_tensor("ends", &[1], &[3]),
            int_tensor("axes", &[1], &[2]),
        ],
    );
    assert_eq!(refused(&m).0, "rows");
    let m = model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node_with(
                "Split",
                "uneven",
                &["c", "sizes"],
                &["a", "y"],
                &[attr_int("axis", 1)],
            ),
        ],
        &[
            float_tensor("w", &[4, 1, 1, 1], &[1.0; 4]),
            int_tensor("sizes", &[2], &[1, 2]),
        ],
    );
    assert_eq!(refused(&m).0, "uneven");
    let m = model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node("Reshape", "groups", &["c", "shape"], &["y"]),
        ],
        &[
            float_tensor("w", &[4, 1, 1, 1], &[1.0; 4]),
            int_tensor("shape", &[5], &[-1, 3, 1, 4, 4]),
        ],
    );
    assert_eq!(refused(&m).0, "groups");
}

#[test]
fn reductions_over_the_channels_normalise_and_gate() {
    // three channels k * x (k = 1, 2, 3); a layer norm written out over
    // them (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div), and a spatial
    // gate: sigmoid of their maximum times the channels
    let axes = || attr_ints("axes", &[1]);
    let m = model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node_with("ReduceMean", "mean", &["c"], &["m"], &[axes()]),
            node("Sub", "centre", &["c", "m"], &["d"]),
            node("Pow", "square", &["d", "two"], &["p"]),
            node_with("ReduceMean", "var", &["p"], &["v"], &[axes()]),
            node("Add", "eps", &["v", "e"], &["ve"]),
            node("Sqrt", "sd", &["ve"], &["s"]),
            node("Div", "norm", &["d", "s"], &["n"]),
            node_with("ReduceMax", "max", &["c"], &["mx"], &[axes()]),
            node("Sigmoid", "gate", &["mx"], &["g"]),
            node("Mul", "gated", &["c", "g"], &["gc"]),
            node("Add", "y", &["n", "gc"], &["y"]),
        ],
        &[
            float_tensor("w", &[3, 1, 1, 1], &[1.0, 2.0, 3.0]),
            float_tensor("two", &[], &[2.0]),
            float_tensor("e", &[], &[1e-5]),
        ],
    );
    let (g, outs) = run(&m);
    assert_eq!(g.layers().len(), 12);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let mut norm = Vec::new();
    let mut gated = Vec::new();
    for &v in &pixels() {
        let x = f64::from(v);
        let sd = (2.0 / 3.0 * x * x + 1e-5).sqrt();
        let max = (3.0 * x).max(x);
        for k in [1.0, 2.0, 3.0] {
            norm.push((k - 2.0) * x / sd);
            gated.push(k * x * sig(max));
        }
    }
    close(&outs[7], &norm);
    close(&outs[10], &gated);
    // the mean over the channels keeps them as one
    assert_eq!(outs[1].len(), 16);
}

/// The node an error names, and its reason.
fn refused(bytes: &[u8]) -> (String, String) {
    match read(bytes) {
        Err(OnnxError::Node { node, reason, .. }) => (node, reason),
        other => panic!("not refused with a node error: {other:?}"),
    }
}

#[test]
fn malformed_uses_are_refused_naming_the_node() {
    let pad = |pads: &[i64], mode: &str| {
        model(
            &[node_with(
                "Pad",
                "pad",
                &["x", "pads"],
                &["y"],
                &[attr_str("mode", mode)],
            )],
            &[int_tensor("pads", &[8], pads)],
        )
    };
    // cropping, padding the channels, a reflection as wide as the map, a mode
    for (pads, mode, why) in [
        ([0, 0, -1, 0, 0, 0, 0, 0], "constant", "no cropping"),
        (
            [0, 1, 0, 0, 0, 0, 0, 0],
            "constant",
            "of the batch or the channels",
        ),
        ([0, 0, 4, 0, 0, 0, 0, 0], "reflect", "as wide as the map"),
        ([0, 0, 1, 0, 0, 0, 0, 0], "wrap", "mode"),
    ] {
        let (name, reason) = refused(&pad(&pads, mode));
        assert_eq!(name, "pad");
        assert!(reason.contains(why), "{reason}");
    }
    // a transpose of rows and columns
    let m = model(
        &[node_with(
            "Transpose",
            "swap",
            &["x"],
            &["y"],
            &[attr_ints("perm", &[0, 1, 3, 2])],
        )],
        &[],
    );
    assert_eq!(refused(&m).0, "swap");
    // two maps that do not broadcast: 2 channels against 1 at another size
    let m = model(
        &[
            node("Conv", "conv", &["x", "w"], &["c"]),
            node("Mul", "mul", &["c", "x"], &["y"]),
        ],
        &[float_tensor("w", &[2, 1, 2, 2], &[0.5; 8])],
    );
    let (name, reason) = refused(&m);
    assert_eq!(name, "mul");
    assert!(reason.contains("broadcasts"), "{reason}");
    // a constant of a trillion values is not made
    let m = model(
        &[
            node("ConstantOfShape", "huge", &["shape"], &["z"]),
            node("Add", "add", &["x", "z"], &["y"]),
        ],
        &[int_tensor("shape", &[2], &[1 << 20, 1 << 20])],
    );
    let (name, reason) = refused(&m);
    assert_eq!(name, "huge");
    assert!(reason.contains("at most"), "{reason}");
    // a comparison with many values, Max of three
    let m = model(
        &[
            node("Greater", "gt", &["x", "t"], &["b"]),
            node("Where", "w", &["b", "x", "x"], &["y"]),
        ],
        &[float_tensor("t", &[2], &[0.0, 1.0])],
    );
    assert_eq!(refused(&m).0, "gt");
    let m = model(&[node("Max", "max3", &["x", "x", "x"], &["y"])], &[]);
    assert_eq!(refused(&m).0, "max3");
}
