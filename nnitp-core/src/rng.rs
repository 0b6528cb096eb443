//! One small seeded generator (SplitMix64) for everything the workspace draws
//! at random (ensemble unit subsets, training order, benchmark data), so that a
//! seed gives the same numbers on every platform and in every version.

/// The SplitMix64 generator (Steele, Lea and Flood, 2014).
///
/// ```
/// use nnitp_core::rng::SplitMix64;
/// let mut a = SplitMix64::new(3);
/// let mut b = SplitMix64::new(3);
/// assert_eq!(a.next_u64(), b.next_u64());
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform integer in `0..n` (`n > 0`), by rejection (no modulo bias).
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }

    /// A uniform float in `[0, 1)` from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal sample (Box-Muller, one of the pair).
    pub fn normal(&mut self) -> f32 {
        let (u, v) = (self.uniform().max(1e-300), self.uniform());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    }

    /// Shuffles `xs` in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            xs.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values were computed independently with Python's integers from the
    /// published SplitMix64 constants.
    #[test]
    fn a_seed_gives_pinned_numbers() {
        let mut r = SplitMix64::new(2026);
        assert_eq!(r.next_u64(), 0xdb9c_5598_9194_8d23);
        assert_eq!(r.next_u64(), 0x78bc_927d_ed35_455d);
        assert_eq!(r.next_u64(), 0xaad7_1e75_cde2_b88e);
        let mut xs: Vec<usize> = (0..10).collect();
        SplitMix64::new(7).shuffle(&mut xs);
        assert_eq!(xs, [8, 1, 5, 9, 0, 4, 3, 2, 6, 7]);
    }

    #[test]
    fn below_and_uniform_stay_in_range() {
        let mut r = SplitMix64::new(1);
        for n in 1..50 {
            assert!(r.below(n) < n);
            let u = r.uniform();
            assert!((0.0..1.0).contains(&u));
            assert!(r.normal().is_finite());
        }
    }
}
