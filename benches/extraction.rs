//! Activation extraction throughput (images/s) of the shipped Fashion-MNIST
//! model on flex and ndarray: layers 6, 14 and 17 of 500 embedded test images,
//! in batches of 32 (the explainer's default).

use burn::tensor::Device;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nnitp::core::network::extract;
use nnitp::core::progress::{Observer, Task};
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
    for name in ["flex", "ndarray"] {
        let device: Device = nnitp::models::device::parse(name).expect("a CPU device");
        let model = ModelKind::FashionMnist
            .load(None, &device)
            .expect("shipped weights");
        group.bench_function(name, |b| {
            b.iter(|| {
                extract(
                    &model,
                    images.view(),
                    &[6, 14, 17],
                    32,
                    &Observer::none(),
                    Task::Running,
                )
                .expect("extraction")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, extraction);
criterion_main!(benches);
