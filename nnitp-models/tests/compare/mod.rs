//! How the tests compare two computations of one layer's values.
// Each test file uses what it needs of these.
#![allow(dead_code)]

/// The largest difference between `got` and `want`, relative to the largest
/// magnitude in `want` (at least 1e-6).
pub fn relative_to_largest<'a>(
    got: impl IntoIterator<Item = &'a f32>,
    want: impl IntoIterator<Item = &'a f32> + Clone,
) -> f32 {
    let scale = want
        .clone()
        .into_iter()
        .fold(1e-6f32, |m, v| m.max(v.abs()));
    got.into_iter()
        .zip(want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

/// The largest difference between `got` and `want`, each relative to its
/// value in `want` where that is larger than 1.
pub fn relative_each<'a>(
    got: impl IntoIterator<Item = &'a f32>,
    want: impl IntoIterator<Item = &'a f32>,
) -> f32 {
    got.into_iter()
        .zip(want)
        .map(|(p, q)| (p - q).abs() / q.abs().max(1.0))
        .fold(0.0f32, f32::max)
}
