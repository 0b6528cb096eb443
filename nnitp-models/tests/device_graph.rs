//! A layer graph as a burn module (`DeviceGraph`): batch norm learns its
//! running statistics and dropout acts only while training; whatever changes
//! the weights (training, a loaded record, saved weights loaded) changes what
//! the host kernels run on flex, which always equal burn's own ops.

mod compare;
mod halves;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use halves::dataset;
use ndarray::Array4;
use nnitp_core::cone::Padding;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_models::graph::{DeviceGraph, LayerState};
use nnitp_models::train::{train, TrainConfig};
use nnitp_models::zoo::Architecture;

/// A network with every kind of state: weights, batch norm, dropout.
fn architecture() -> Architecture {
    Architecture::new([8, 8, 1])
        .conv2d(4, 3, Padding::Same)
        .batch_norm()
        .relu()
        .max_pool(2)
        .flatten()
        .dropout(0.5)
        .dense(2, true)
}

/// Every layer's output of `net` on `images`.
fn layers(net: &DeviceGraph, images: &Array4<f32>) -> Vec<ndarray::Array2<f32>> {
    let all: Vec<usize> = (0..net.ops().count()).collect();
    extract(
        net,
        images.view(),
        &all,
        16,
        &Observer::none(),
        Task::Running,
    )
    .unwrap()
}

/// The largest difference of any layer's values, relative to that layer's
/// largest value.
fn difference(a: &[ndarray::Array2<f32>], b: &[ndarray::Array2<f32>]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare::relative_to_largest(x, y))
        .fold(0.0, f32::max)
}

/// The host kernels and burn's ops agree on `net`.
fn host_equals_burn_ops(net: &DeviceGraph, images: &Array4<f32>) {
    assert!(net.host_inference(&Device::flex()));
    let burn_ops = net.clone().with_host_kernels(false);
    assert!(!burn_ops.host_inference(&Device::flex()));
    let d = difference(&layers(net, images), &layers(&burn_ops, images));
    assert!(d < 1e-5, "host and burn's ops differ by {d:e}");
}

#[test]
fn training_changes_what_the_host_runs() {
    let device = Device::flex();
    let (tr, te) = (dataset(128, 1), dataset(32, 2));
    let model = architecture().init(&device).unwrap();
    // inference on flex makes the host form from the initial weights
    let before = layers(&model, &te.images);
    host_equals_burn_ops(&model, &te.images);
    let config = TrainConfig::new()
        .with_epochs(1)
        .with_batch_size(16)
        .with_learning_rate(0.01)
        .check()
        .unwrap();
    let trained = train(
        model,
        &tr,
        &te,
        &config,
        &device,
        &Observer::none(),
        |_, _| {},
    )
    .unwrap();
    let after = layers(&trained, &te.images);
    assert!(
        difference(&before, &after) > 1e-3,
        "the trained weights are the initial ones"
    );
    host_equals_burn_ops(&trained, &te.images);
    // batch norm's running statistics moved from their start (mean 0, var 1)
    let LayerState::BatchNorm(bn) = &trained.states()[1] else {
        panic!("layer 1 is batch norm");
    };
    let mean = bn
        .running_mean
        .value()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert!(mean.iter().any(|m| m.abs() > 1e-3), "{mean:?}");
}

#[test]
fn dropout_and_batch_statistics_act_only_while_training() {
    let ad = Device::flex().autodiff();
    let model = architecture().init(&ad).unwrap();
    let images = dataset(16, 3).images;
    let nchw = |device: &Device| {
        let data = TensorData::new(images.iter().copied().collect(), [16, 8, 8, 1]);
        Tensor::<4>::from_data(data, device).permute([0, 3, 1, 2])
    };
    let values = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().unwrap();
    // training: two passes differ (dropout draws anew)
    let a = values(model.logits(nchw(&ad)).unwrap());
    let b = values(model.logits(nchw(&ad)).unwrap());
    assert_ne!(a, b);
    // inference: the same every time, and the host's
    let flex = Device::flex();
    let plain = model.valid().to_device(&flex);
    let c = values(plain.logits(nchw(&flex)).unwrap());
    let d = values(plain.logits(nchw(&flex)).unwrap());
    assert_eq!(c, d);
    host_equals_burn_ops(&plain, &images);
}

#[test]
fn loaded_weights_replace_the_host_form() {
    let flex = Device::flex();
    let images = dataset(16, 4).images;
    let (a, b) = (
        architecture().init(&flex).unwrap(),
        architecture().init(&flex).unwrap(),
    );
    let (want_a, want_b) = (layers(&a, &images), layers(&b, &images));
    assert!(difference(&want_a, &want_b) > 1e-3, "two inits are alike");
    // burn's own record, loaded into a graph whose host form is made
    let loaded = b.clone().load_record(a.clone().into_record());
    assert_eq!(difference(&layers(&loaded, &images), &want_a), 0.0);
    host_equals_burn_ops(&loaded, &images);
    // saved and loaded as a weights file
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.bpk");
    a.save(&path).unwrap();
    let loaded = b.load(&path, "test").unwrap();
    assert_eq!(difference(&layers(&loaded, &images), &want_a), 0.0);
    // moved to another device and back: the same answers
    #[allow(deprecated)] // burn 0.22 deprecates its ndarray backend, which nnitp still offers
    let moved = loaded.to_device(&Device::ndarray()).to_device(&flex);
    assert_eq!(difference(&layers(&moved, &images), &want_a), 0.0);
}

#[test]
fn a_graph_without_weights_moves_with_to_device() {
    let flex = Device::flex();
    let pools = Architecture::new([4, 4, 2]).max_pool(2).flatten();
    let net = pools.init(&flex).unwrap();
    #[allow(deprecated)] // burn 0.22 deprecates its ndarray backend, which nnitp still offers
    let ndarray = Device::ndarray();
    let moved = net.clone().to_device(&ndarray);
    assert_eq!(nnitp_core::Network::device(&moved), ndarray);
    let images = Array4::from_shape_fn((3, 4, 4, 2), |(n, r, c, k)| (n + r * c + k) as f32);
    assert_eq!(
        difference(&layers(&net, &images), &layers(&moved, &images)),
        0.0
    );
}
