//! A small learnable problem for the training tests.

use ndarray::Array4;
use nnitp_models::data::{Dataset, DatasetKind};

/// Images of 8x8x1 whose label says whether the left half is brighter.
pub fn dataset(n: usize, seed: u64) -> Dataset {
    let mut s = seed;
    let mut rnd = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 40) as f32) / (1u64 << 24) as f32
    };
    let mut images = Array4::<f32>::zeros((n, 8, 8, 1));
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let left = i % 2 == 0;
        for r in 0..8 {
            for c in 0..8 {
                let bright = (c < 4) == left;
                images[[i, r, c, 0]] = if bright {
                    0.5 + 0.5 * rnd()
                } else {
                    0.5 * rnd()
                };
            }
        }
        labels.push(u8::from(left));
    }
    Dataset {
        kind: DatasetKind::Mnist,
        images,
        labels,
        values: None,
    }
}
