//! The wgpu check both GPU test files make: the shipped Fashion-MNIST model
//! gives the same activations on wgpu as on flex.

use burn::module::Module;
use burn::tensor::Device;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_models::data;
use nnitp_models::zoo::ModelKind;

/// Extracts layers 0, 6, 14 and 17 of 64 embedded test images on flex and on
/// wgpu, and asserts that they differ by at most 1e-4.
pub fn assert_wgpu_matches_flex() {
    let flex = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let gpu_device = nnitp_models::device::parse("wgpu").unwrap();
    let gpu = flex.clone().to_device(&gpu_device);
    let images = data::embedded_fashion_mnist().unwrap().test.head(64);
    let layers = [0, 6, 14, 17];
    let none = Observer::none();
    let a = extract(&flex, images.view(), &layers, 32, &none, Task::Running).unwrap();
    let b = extract(&gpu, images.view(), &layers, 32, &none, Task::Running).unwrap();
    for ((x, y), l) in a.iter().zip(&b).zip(layers) {
        let worst = x
            .iter()
            .zip(y.iter())
            .map(|(u, v)| (u - v).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-4, "layer {l}: largest difference {worst}");
    }
}
