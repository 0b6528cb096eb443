//! On CPU devices the zoo runs its shape-preserving layers and max pooling on
//! the host; the activations must equal burn's own ops (the device path, taken
//! on an autodiff device) to float rounding, on every layer of the shipped model.

use burn::module::Module;
use burn::tensor::Device;
use nnitp_core::network::extract;
use nnitp_core::progress::Observer;
use nnitp_models::data;
use nnitp_models::zoo::ModelKind;

#[test]
fn host_layers_match_burns_ops() {
    let images = data::embedded_fashion_mnist().unwrap().test.head(64).images;
    let flex = Device::flex();
    let host = ModelKind::FashionMnist.load(None, &flex).unwrap();
    let device_path = host.clone().to_device(&flex.clone().autodiff());
    let layers: Vec<usize> = (0..18).collect();
    let none = Observer::none();
    let a = extract(&host, images.view(), &layers, 16, &none, "host").unwrap();
    let b = extract(&device_path, images.view(), &layers, 16, &none, "device").unwrap();
    for (l, (x, y)) in a.iter().zip(&b).enumerate() {
        let worst = x
            .iter()
            .zip(y.iter())
            .map(|(p, q)| (p - q).abs() / q.abs().max(1.0))
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "layer {l}: relative difference {worst}");
    }
}
