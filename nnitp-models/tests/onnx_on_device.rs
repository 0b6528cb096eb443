//! The ONNX fixtures run with burn's ops on a burn device (`DeviceGraph` on
//! flex with its host kernels turned off, and on ndarray) give every layer's
//! activations the host kernels give (`LayerGraph`),
//! within 1e-4 of each layer's largest value, and pass the network check
//! (each layer's output has the shape its geometry declares).
#![cfg(feature = "onnx")]

mod compare;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use nnitp_core::burn;
use nnitp_core::network::{check_network, extract};
use nnitp_core::npy::read_f32;
use nnitp_core::progress::{Observer, Task};
use nnitp_core::Split;
use nnitp_models::graph::DeviceGraph;
use nnitp_models::onnx;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx")
}

/// The images of `file` (NCHW), channels last.
fn images(file: &str) -> ndarray::Array4<f32> {
    let nchw = read_f32(fixtures().join(file)).unwrap();
    let nchw = nchw.into_dimensionality::<ndarray::Ix4>().unwrap();
    nchw.permuted_axes([0, 2, 3, 1])
        .as_standard_layout()
        .into_owned()
}

/// The largest difference over a layer, relative to its largest value, of
/// `file` on `device` against the host.
fn check(file: &str, device: &Device) -> f32 {
    check_on(file, "input.npy", device)
}

/// As [`check`], on the images of `input`.
fn check_on(file: &str, input: &str, device: &Device) -> f32 {
    let host = onnx::read(fixtures().join(file)).unwrap();
    let on_device = DeviceGraph::new(host.clone(), device).with_host_kernels(false);
    assert!(!on_device.host_inference(device));
    let images = images(input);
    check_network(&on_device, images.view()).unwrap();
    let layers: Vec<usize> = (0..host.layers().len()).collect();
    let run = |net: &(dyn nnitp_core::Network + Sync)| {
        extract(
            net,
            images.view(),
            &layers,
            8,
            &Observer::none(),
            Task::Extracting(Split::Test),
        )
        .unwrap()
    };
    let (want, got) = (run(&host), run(&on_device));
    let mut worst = 0f32;
    for (l, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w.shape(), g.shape(), "{file}: layer {l}");
        let err = compare::relative_to_largest(g, w);
        assert!(
            err <= 1e-4,
            "{file}: layer {l} ({}) on the device differs from the host by {err:e} of its largest value",
            host.layers()[l].name
        );
        worst = worst.max(err);
    }
    println!(
        "{file}: {} layers, largest difference {worst:.1e}",
        layers.len()
    );
    worst
}

#[test]
fn every_fixture_with_burns_ops_on_flex_equals_the_host() {
    for file in [
        "cnn.torchscript.onnx",
        "cnn.dynamo.onnx",
        "resnet.torchscript.onnx",
        "resnet.dynamo.onnx",
        "depthwise.torchscript.onnx",
        "depthwise.dynamo.onnx",
        "fashion-mnist.onnx",
        "gates.torchscript.onnx",
        "gates.dynamo.onnx",
        "mixing.torchscript.onnx",
        "mixing.dynamo.onnx",
        "convnext.torchscript.onnx",
        "convnext.dynamo.onnx",
        "shuffle.torchscript.onnx",
        "shuffle.dynamo.onnx",
        "attention.torchscript.onnx",
        "attention.dynamo.onnx",
        "keras_cnn.onnx",
        "flax_cnn.onnx",
    ] {
        check(file, &Device::flex());
    }
    check_on("keras_rgb.onnx", "rgb_input.npy", &Device::flex());
}

#[test]
#[allow(deprecated)] // burn 0.22 deprecates its ndarray backend, which nnitp still offers
fn the_zoo_model_on_ndarray_equals_the_host() {
    check("fashion-mnist.onnx", &Device::ndarray());
}
