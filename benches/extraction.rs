//! Activation extraction throughput (images/s) of the shipped Fashion-MNIST
//! model on flex and ndarray, and (with the `onnx` feature) of the same model
//! read from its ONNX form (`nnitp-models/tests/fixtures/onnx/fashion-mnist.onnx`,
//! written by `nnitp export`): layers 6, 14 and 17 (18 in the ONNX form, whose
//! dense layer and softmax are two nodes) of 500 embedded test images, in
//! batches of 32 (the explainer's default). Run
//! `python3 ../shared/anchors/onnxruntime_cnn.py 12000 250 2` in the same minute
//! for onnxruntime's figure.

use burn::tensor::Device;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nnitp::core::network::extract;
use nnitp::core::progress::{Observer, Task};
use nnitp::core::Network;
use nnitp::models::data;
use nnitp::models::zoo::ModelKind;

const IMAGES: usize = 500;

fn extraction(c: &mut Criterion) {
    let images = data::embedded_fashion_mnist()
        .expect("embedded data")
        .test
        .head(IMAGES);
    let mut group = c.benchmark_group("extraction");
    group.sample_size(10);
    group.throughput(Throughput::Elements(IMAGES as u64));
    // one extraction of `layers` of the images by `model`
    let mut bench = |name: &str, model: &(dyn Network + Sync), layers: &[usize]| {
        group.bench_function(name, |b| {
            b.iter(|| {
                extract(
                    model,
                    images.view(),
                    layers,
                    32,
                    &Observer::none(),
                    Task::Running,
                )
                .expect("extraction")
            })
        });
    };
    for name in ["flex", "ndarray"] {
        let device: Device = nnitp::models::device::parse(name).expect("a CPU device");
        let model = ModelKind::FashionMnist
            .load(None, &device)
            .expect("shipped weights");
        bench(name, &model, &[6, 14, 17]);
    }
    #[cfg(feature = "onnx")]
    {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/nnitp-models/tests/fixtures/onnx/fashion-mnist.onnx"
        );
        let model = nnitp::models::onnx::read(file).expect("the ONNX fixture");
        bench("onnx", &model, &[6, 14, 18]);
    }
    group.finish();
}

criterion_group!(benches, extraction);
criterion_main!(benches);
