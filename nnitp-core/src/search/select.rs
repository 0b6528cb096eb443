//! The key of a given rank in a column: a quickselect whose partition passes
//! are vectorised (AVX-512 or AVX2, chosen at run time), with
//! `select_nth_unstable` as the portable path and for the last few keys.
//!
//! Each pass reads the current candidates and writes the keys below the pivot
//! to the front of a spare buffer and those above it to the back; keys equal to
//! the pivot are only counted, so ties end the search at once.

#[cfg(target_arch = "x86_64")]
use super::lanes;

/// Candidates at or below which the scalar selection takes over.
const SMALL: usize = 16;
/// Candidates from which the pivot is the median of three medians of three.
const NINTHER: usize = 256;
/// Partition passes before giving up on pivots and selecting directly.
const MAX_PASSES: usize = 48;

/// Reusable buffers for [`Selector::kth`].
#[derive(Default)]
pub(super) struct Selector {
    x: Vec<u32>,
    y: Vec<u32>,
}

impl Selector {
    /// The key of ascending rank `k` (0-based) in `keys`; `k < keys.len()`.
    pub(super) fn kth(&mut self, keys: &[u32], k: usize) -> u32 {
        debug_assert!(k < keys.len());
        #[cfg(target_arch = "x86_64")]
        if keys.len() > SMALL {
            match lanes::Level::detect() {
                // SAFETY: the CPU supports the features, as detected.
                lanes::Level::Avx512 => return unsafe { self.kth_avx512(keys, k) },
                // SAFETY: as above.
                lanes::Level::Avx2 => return unsafe { self.kth_avx2(keys, k) },
                lanes::Level::None => {}
            }
        }
        self.kth_scalar(keys, k)
    }

    fn kth_scalar(&mut self, keys: &[u32], k: usize) -> u32 {
        self.x.clear();
        self.x.extend_from_slice(keys);
        *self.x.select_nth_unstable(k).1
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,popcnt")]
    fn kth_avx2(&mut self, keys: &[u32], k: usize) -> u32 {
        self.kth_with(keys, k, |src, pivot, dst| lanes::partition(src, pivot, dst))
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,popcnt")]
    fn kth_avx512(&mut self, keys: &[u32], k: usize) -> u32 {
        self.kth_with(keys, k, |src, pivot, dst| {
            lanes::wide::partition(src, pivot, dst)
        })
    }

    /// The quickselect, with `partition` writing the keys of its first
    /// argument below the pivot to the front of the output and those above it
    /// to the back of its first `len + SLACK` keys; `keys.len() > SMALL`.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn kth_with(
        &mut self,
        keys: &[u32],
        mut k: usize,
        partition: impl Fn(&[u32], u32, &mut [u32]) -> (usize, usize),
    ) -> u32 {
        let need = keys.len() + lanes::SLACK;
        for buf in [&mut self.x, &mut self.y] {
            if buf.len() < need {
                buf.resize(need, 0);
            }
        }
        // The candidates: `keys` at first, then a range of `x` or `y`.
        let (mut start, mut len) = (0, keys.len());
        let mut in_x: Option<bool> = None;
        for _ in 0..MAX_PASSES {
            let (src, dst): (&[u32], &mut [u32]) = match in_x {
                None => (keys, &mut self.x),
                Some(true) => (&self.x[start..start + len], &mut self.y),
                Some(false) => (&self.y[start..start + len], &mut self.x),
            };
            if len <= SMALL {
                let small = &mut dst[..len];
                small.copy_from_slice(src);
                return *small.select_nth_unstable(k).1;
            }
            let pivot = if len >= NINTHER {
                let at = |i: usize| src[i * len / 10];
                median3(
                    median3(at(1), at(2), at(3)),
                    median3(at(4), at(5), at(6)),
                    median3(at(7), at(8), at(9)),
                )
            } else {
                median3(src[len / 4], src[len / 2], src[3 * len / 4])
            };
            let (below, above) = partition(src, pivot, dst);
            let equal = len - below - above;
            if k < below {
                (start, len) = (0, below);
            } else if k < below + equal {
                return pivot;
            } else {
                k -= below + equal;
                (start, len) = (len + lanes::SLACK - above, above);
            }
            in_x = Some(!in_x.unwrap_or(false));
        }
        let src = match in_x {
            Some(true) => &self.x[start..start + len],
            _ => &self.y[start..start + len],
        };
        let mut rest = src.to_vec();
        *rest.select_nth_unstable(k).1
    }
}

/// The median of three keys.
#[inline]
fn median3(a: u32, b: u32, c: u32) -> u32 {
    a.max(b).min(a.min(b).max(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rank of `keys` by every path this CPU can run.
    fn check(keys: &[u32]) {
        let mut sorted = keys.to_vec();
        sorted.sort_unstable();
        let mut sel = Selector::default();
        for (k, &want) in sorted.iter().enumerate() {
            assert_eq!(sel.kth(keys, k), want, "rank {k} of {}", keys.len());
            assert_eq!(sel.kth_scalar(keys, k), want);
            #[cfg(target_arch = "x86_64")]
            if keys.len() > SMALL {
                let level = lanes::Level::detect();
                if level >= lanes::Level::Avx2 {
                    // SAFETY: the CPU supports AVX2 and POPCNT.
                    assert_eq!(unsafe { sel.kth_avx2(keys, k) }, want);
                }
                if level >= lanes::Level::Avx512 {
                    // SAFETY: the CPU supports AVX-512F and POPCNT.
                    assert_eq!(unsafe { sel.kth_avx512(keys, k) }, want);
                }
            }
        }
    }

    #[test]
    fn every_rank_of_random_keys() {
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for n in [1, 7, 8, 9, 63, 64, 65, 100, 257, 1000, 2001] {
            let wide: Vec<u32> = (0..n).map(|_| next() as u32).collect();
            check(&wide);
            let ties: Vec<u32> = (0..n).map(|_| 0x7FFF_FFFE + (next() % 4) as u32).collect();
            check(&ties);
        }
    }

    #[test]
    fn sorted_reversed_and_constant_keys() {
        let up: Vec<u32> = (0..3000).collect();
        check(&up);
        let down: Vec<u32> = (0..3000).rev().map(|k| k * 3 + u32::MAX / 2).collect();
        check(&down);
        check(&[u32::MAX; 500]);
        check(&[0; 500]);
    }

    #[test]
    fn median_of_three() {
        for (a, b, c) in [
            (1, 2, 3),
            (3, 2, 1),
            (2, 3, 1),
            (2, 1, 3),
            (1, 3, 2),
            (3, 1, 2),
        ] {
            assert_eq!(median3(a, b, c), 2);
        }
        assert_eq!(median3(5, 5, 1), 5);
    }
}
