//! The same model gives the same activations on wgpu as on flex (within 1e-4).
//! Runs with `--features wgpu`; on a machine without a GPU, on the software
//! Vulkan device of Debian's `mesa-vulkan-drivers` (llvmpipe).
#![cfg(feature = "wgpu")]

mod compare;
mod parity;

#[test]
fn wgpu_matches_flex() {
    parity::assert_wgpu_matches_flex();
}

/// On wgpu the zoo runs from any layer: each layer's own values put back
/// give every later layer as the full pass does.
#[test]
fn wgpu_runs_the_zoo_from_any_layer() {
    use nnitp_core::network::{extract, extract_replacing, Network};
    use nnitp_core::progress::{Observer, Task};

    let gpu = nnitp_models::device::parse("wgpu").unwrap();
    let net = nnitp_models::zoo::ModelKind::FashionMnist
        .load(None, &gpu)
        .unwrap();
    let images = nnitp_models::data::embedded_fashion_mnist()
        .unwrap()
        .test
        .head(8)
        .images;
    let none = Observer::none();
    let n = net.geometry().len();
    let all: Vec<usize> = (0..n).collect();
    let full = extract(&net, images.view(), &all, 8, &none, Task::Running).unwrap();
    for layer in 0..n - 1 {
        let later: Vec<usize> = (layer + 1..n).collect();
        let replace = (layer, full[layer].view());
        let got = extract_replacing(
            &net,
            images.view(),
            replace,
            &later,
            8,
            &none,
            Task::Running,
        )
        .unwrap();
        for (l, g) in later.iter().zip(&got) {
            let worst = compare::relative_to_largest(g, &full[*l]);
            assert!(worst <= 1e-5, "from layer {layer}, layer {l}: {worst:e}");
        }
    }
}

/// An ONNX model run with burn's ops on wgpu (`DeviceGraph`) gives the
/// activations the host kernels give, within 1e-4 of each layer's largest
/// value. Runs with `--features wgpu,onnx`.
#[cfg(feature = "onnx")]
#[test]
fn onnx_models_on_wgpu_match_the_host() {
    use nnitp_core::network::extract;
    use nnitp_core::progress::{Observer, Task};
    use nnitp_models::graph::DeviceGraph;

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx");
    let images = nnitp_models::data::embedded_fashion_mnist()
        .unwrap()
        .test
        .head(64)
        .images;
    let gpu = nnitp_models::device::parse("wgpu").unwrap();
    for file in [
        "fashion-mnist.onnx",
        "depthwise.dynamo.onnx",
        "resnet.dynamo.onnx",
        "gates.dynamo.onnx",
        "mixing.dynamo.onnx",
        "convnext.dynamo.onnx",
        "shuffle.dynamo.onnx",
        "keras_cnn.onnx",
        "flax_cnn.onnx",
    ] {
        let host = nnitp_models::onnx::read(dir.join(file)).unwrap();
        let on_gpu = DeviceGraph::new(host.clone(), &gpu);
        let layers: Vec<usize> = (0..host.layers().len()).collect();
        let none = Observer::none();
        let a = extract(&host, images.view(), &layers, 32, &none, Task::Running).unwrap();
        let b = extract(&on_gpu, images.view(), &layers, 32, &none, Task::Running).unwrap();
        for ((x, y), l) in a.iter().zip(&b).zip(&layers) {
            let worst = compare::relative_to_largest(y, x);
            assert!(
                worst <= 1e-4,
                "{file}: layer {l}: largest difference {worst:e}"
            );
        }
    }
}
