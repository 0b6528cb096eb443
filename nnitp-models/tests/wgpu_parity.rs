//! The same model gives the same activations on wgpu as on flex (within 1e-4).
//! Runs with `--features wgpu`; on a machine without a GPU, on the software
//! Vulkan device of Debian's `mesa-vulkan-drivers` (llvmpipe).
#![cfg(feature = "wgpu")]

use burn::module::Module;
use burn::tensor::Device;
use nnitp_core::network::extract;
use nnitp_core::progress::Observer;
use nnitp_models::data;
use nnitp_models::zoo::ModelKind;

#[test]
fn wgpu_matches_flex() {
    let flex = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let gpu_device = nnitp_models::device::parse("wgpu").unwrap();
    let gpu = flex.clone().to_device(&gpu_device);
    let images = data::embedded_fashion_mnist().unwrap().test.head(64);
    let layers = [0, 6, 14, 17];
    let none = Observer::none();
    let a = extract(&flex, images.view(), &layers, 32, &none, "flex").unwrap();
    let b = extract(&gpu, images.view(), &layers, 32, &none, "wgpu").unwrap();
    for ((x, y), l) in a.iter().zip(&b).zip(layers) {
        let worst = x
            .iter()
            .zip(y.iter())
            .map(|(u, v)| (u - v).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-4, "layer {l}: largest difference {worst}");
    }
}
