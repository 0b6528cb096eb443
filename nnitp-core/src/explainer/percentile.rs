//! numpy's percentiles.

/// numpy's `percentile(values, q)` (linear method) of sorted `values`.
pub(super) fn numpy_percentile(sorted: &[f32], q: f64) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    let (a, b) = (f64::from(sorted[lo]), f64::from(sorted[hi]));
    (a + (b - a) * frac) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy() {
        let v = [1.0f32, 2.0, 3.0, 4.0];
        assert_eq!(numpy_percentile(&v, 0.0), 1.0);
        assert_eq!(numpy_percentile(&v, 100.0), 4.0);
        assert_eq!(numpy_percentile(&v, 50.0), 2.5);
        assert!((numpy_percentile(&v, 10.0) - 1.3).abs() < 1e-6);
    }
}
