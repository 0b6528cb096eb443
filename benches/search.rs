//! Interpolant search on data of the shape nnitp meets at layer 14 of a CIFAR-10
//! model: 20000 samples of (8, 8, 64) units, 10% of them positive, with a few
//! informative units. The data are generated once, with a fixed seed, outside the
//! timed closure.

use criterion::{criterion_group, criterion_main, Criterion};
use ndarray::{s, Array2};
use nnitp::core::rng::SplitMix64;
use nnitp::core::{SearchInput, SearchParams};

const SAMPLES: usize = 20_000;
const SHAPE: [usize; 3] = [8, 8, 64];

fn data() -> (Array2<f32>, Vec<bool>) {
    let units: usize = SHAPE.iter().product();
    let mut rng = SplitMix64::new(2026);
    let mut x = Array2::from_shape_simple_fn((SAMPLES, units), || rng.normal());
    let mask: Vec<bool> = (0..SAMPLES).map(|_| rng.uniform() < 0.1).collect();
    for (i, &m) in mask.iter().enumerate() {
        if m {
            for u in [100, 1000, 2222, 3000, 4000] {
                x[[i, u]] += 1.0;
            }
        }
    }
    (x, mask)
}

fn bench_search(c: &mut Criterion) {
    let (x, mask) = data();
    let first = mask.iter().position(|&m| m).expect("a positive sample");
    let premise = x.slice(s![first..first + 1, ..]);
    let params = SearchParams::default().check().expect("default parameters");
    let input = SearchInput::masked(premise, x.view(), &mask, &SHAPE);
    let itp = params.search(&input).expect("search");
    eprintln!("interpolant: {itp}");
    let mut group = c.benchmark_group("search");
    group.sample_size(20);
    group.bench_function("20000x(8,8,64), 10% positive", |b| {
        b.iter(|| params.search(&input).expect("search"))
    });
    let cone = nnitp::core::UnitBox::new([2..6, 2..6, 0..64]);
    let coned = input.clone().with_cone(Some(cone));
    group.bench_function("same, cone 4x4x64", |b| {
        b.iter(|| params.search(&coned).expect("search"))
    });
    group.finish();
}

criterion_group!(benches, bench_search);
criterion_main!(benches);
