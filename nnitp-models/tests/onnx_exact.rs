//! Every layer of the PyTorch exports in `tests/fixtures/onnx/` (both
//! exporters) agrees with onnxruntime's output for its node, recorded by
//! `make_fixtures.py`, within 1e-4 of the layer's largest value.
#![cfg(feature = "onnx")]

mod compare;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use nnitp_core::burn;
use nnitp_core::npy::read_f32;
use nnitp_models::graph::{Activation, Op};
use nnitp_models::onnx;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx")
}

fn check(name: &str) -> f32 {
    check_on(name, "input.npy")
}

/// As [`check`], on the samples of `input` (NCHW).
fn check_on(name: &str, input: &str) -> f32 {
    let dir = fixtures();
    let graph = onnx::read(dir.join(format!("{name}.onnx"))).unwrap();
    let input = read_f32(dir.join(input)).unwrap();
    let shape: Vec<usize> = input.shape().to_vec();
    let data = TensorData::new(input.iter().copied().collect::<Vec<f32>>(), shape);
    let images = Tensor::<4>::from_data(data, &Device::flex());
    let outputs = graph.outputs(images).unwrap();
    let manifest: BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(dir.join(name).join("manifest.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    let mut worst = 0f32;
    for (layer, out) in graph.layers().iter().zip(&outputs) {
        let alias = layer.alias.as_deref().unwrap();
        let Some(file) = manifest.get(alias) else {
            continue;
        };
        let want = read_f32(dir.join(name).join(file)).unwrap();
        assert_eq!(
            out.values.len(),
            want.len(),
            "{name}: layer {} ({alias}) has {} values, onnxruntime {:?}",
            layer.name,
            out.values.len(),
            want.shape()
        );
        // ONNX's channels-first tensors are the values reordered; a Keras or
        // JAX export's channels-last ones (onnxruntime's shape is the
        // values' own) are the values as they are
        let mut err = compare::relative_to_largest(&out.to_nchw(), &want);
        if want.shape() == out.shape.as_slice() {
            err = err.min(compare::relative_to_largest(&out.values, &want));
        }
        assert!(
            err <= 1e-4,
            "{name}: layer {} ({alias}) differs from onnxruntime by {err:e} of its largest value",
            layer.name
        );
        worst = worst.max(err);
        compared += 1;
    }
    // a comparison's output is boolean in ONNX, recorded only as the
    // selection that reads it
    let comparisons = graph
        .layers()
        .iter()
        .filter(|l| {
            matches!(
                l.op,
                Op::Activation(Activation::Above(_) | Activation::Below(_))
            )
        })
        .count();
    assert_eq!(
        compared + comparisons,
        graph.layers().len(),
        "{name}: every layer has onnxruntime's output"
    );
    println!(
        "{name}: {compared} layers, largest difference {worst:.1e} of a layer's largest value"
    );
    worst
}

#[test]
fn table_mlp_with_standardisation_in_the_graph() {
    // rows [N, 30]: one pixel of 30 channels
    for name in ["mlp.torchscript", "mlp.dynamo"] {
        check_on(name, "mlp_input.npy");
        let g = onnx::read(fixtures().join(format!("{name}.onnx"))).unwrap();
        assert_eq!(g.input_shape(), [1, 1, 30]);
    }
}

#[test]
fn series_cnn_with_1d_convolutions_and_pooling() {
    // series [N, 1, 150]: one row of 150 pixels, windows along it
    for name in ["conv1d.torchscript", "conv1d.dynamo"] {
        check_on(name, "conv1d_input.npy");
        let g = onnx::read(fixtures().join(format!("{name}.onnx"))).unwrap();
        assert_eq!(g.input_shape(), [1, 150, 1]);
    }
}

#[test]
fn cnn_with_batch_norm_and_dropout() {
    check("cnn.torchscript");
    check("cnn.dynamo");
}

#[test]
fn residual_network_with_strided_projection() {
    check("resnet.torchscript");
    check("resnet.dynamo");
}

#[test]
fn squeeze_excitation_silu_hardswish_mish_and_padding() {
    check("gates.torchscript");
    check("gates.dynamo");
}

#[test]
fn two_layers_combined_with_broadcasting_and_unary_functions() {
    check("mixing.torchscript");
    check("mixing.dynamo");
}

#[test]
fn convnext_block_with_layer_norm_over_the_channels() {
    check("convnext.torchscript");
    check("convnext.dynamo");
}

#[test]
fn channels_split_sliced_and_shuffled() {
    check("shuffle.torchscript");
    check("shuffle.dynamo");
}

#[test]
fn spatial_attention_and_a_layer_norm_written_out_over_the_channels() {
    check("attention.torchscript");
    check("attention.dynamo");
}

#[test]
fn keras_exports_through_tf2onnx_read_channels_last() {
    check("keras_cnn");
    check_on("keras_rgb", "rgb_input.npy");
    let g = onnx::read(fixtures().join("keras_rgb.onnx")).unwrap();
    assert_eq!(g.input_shape(), [16, 16, 3]);
    let g = onnx::read(fixtures().join("keras_cnn.onnx")).unwrap();
    assert_eq!(g.input_shape(), [28, 28, 1]);
}

#[test]
fn a_flax_export_through_jax2onnx_reads_channels_last() {
    check("flax_cnn");
}

#[test]
fn depthwise_separable_block() {
    check("depthwise.torchscript");
    check("depthwise.dynamo");
}
