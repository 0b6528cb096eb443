//! Order-preserving integer keys of `f32` values, for fast selection.

/// Maps an `f32` to a `u32` whose unsigned order is the float order (`-0.0` is
/// taken as `+0.0`, as float comparison does).
#[inline]
pub(super) fn key(v: f32) -> u32 {
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

/// The inverse of [`key`].
#[inline]
pub(super) fn unkey(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7FFF_FFFF } else { !k })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order() {
        let xs = [
            -f32::MAX,
            -3.5,
            -1.0,
            -1e-30,
            -0.0,
            0.0,
            1e-30,
            1.0,
            2.5,
            f32::MAX,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) <= key(w[1]), "{} {}", w[0], w[1]);
            assert_eq!(unkey(key(w[1])), w[1]);
        }
        assert_eq!(key(-0.0), key(0.0));
    }
}
