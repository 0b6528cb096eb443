//! On flex the zoo runs on the host kernels; the activations must equal
//! burn's own ops (the same graph with the host kernels turned off) to float
//! rounding, on every layer of the shipped model and of other architectures.

mod compare;

use burn::tensor::Device;
use nnitp_core::cone::Padding;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_core::rng::SplitMix64;
use nnitp_models::data;
use nnitp_models::graph::DeviceGraph;
use nnitp_models::zoo::{Architecture, ModelKind};

#[test]
fn host_layers_match_burns_ops() {
    let images = data::embedded_fashion_mnist().unwrap().test.head(64).images;
    let flex = Device::flex();
    let host = ModelKind::FashionMnist.load(None, &flex).unwrap();
    same_on_host_and_device(&host, images.view());
}

#[test]
fn other_kernels_and_paddings_match_too() {
    let arch = Architecture::new([9, 7, 3])
        .conv2d(4, 5, Padding::Valid)
        .relu()
        .conv2d(
            6,
            3,
            Padding::Explicit {
                top: 1,
                left: 0,
                bottom: 2,
                right: 1,
            },
        )
        .elu()
        .batch_norm()
        .max_pool(2)
        .flatten()
        .dense(3, true);
    let net = arch.init(&Device::flex()).unwrap();
    let mut r = SplitMix64::new(5);
    let images = ndarray::Array4::from_shape_simple_fn((20, 9, 7, 3), || r.normal());
    same_on_host_and_device(&net, images.view());
}

#[test]
fn a_residual_network_matches_too() {
    // skip connections, strided and 1x1 convolutions, sums, global pooling
    let images = data::embedded_fashion_mnist().unwrap().test.head(32).images;
    let net = ModelKind::FashionMnistResnet.init(&Device::flex()).unwrap();
    same_on_host_and_device(&net, images.view());
}

/// Every layer of `host` (on flex) equals the same network's with burn's
/// ops to float rounding.
fn same_on_host_and_device(host: &DeviceGraph, images: ndarray::ArrayView4<'_, f32>) {
    let device_path = host.clone().with_host_kernels(false);
    assert!(host.host_inference(&Device::flex()));
    assert!(!device_path.host_inference(&Device::flex()));
    let layers: Vec<usize> = (0..nnitp_core::Network::geometry(host).len()).collect();
    let none = Observer::none();
    let a = extract(host, images, &layers, 16, &none, Task::Running).unwrap();
    let b = extract(&device_path, images, &layers, 16, &none, Task::Running).unwrap();
    for (l, (x, y)) in a.iter().zip(&b).enumerate() {
        let worst = compare::relative_each(x, y);
        assert!(worst < 1e-5, "layer {l}: relative difference {worst}");
    }
}
