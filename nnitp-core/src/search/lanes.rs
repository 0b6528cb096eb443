//! AVX2 kernels that move chosen lanes of 8 keys together with one permute,
//! through tables indexed by the lane mask: partitioning around a pivot (for
//! the selection) and keeping the lanes of a bit mask (for compaction).

use std::arch::x86_64::*;

/// Extra room a partition needs in its output beyond the input's length.
pub(super) const SLACK: usize = 8;

/// Lane permutations that move the lanes set in a mask to the front
/// (`LEFT`) or to the back (`RIGHT`), in order.
static LEFT: [[u32; 8]; 256] = lanes(false);
static RIGHT: [[u32; 8]; 256] = lanes(true);

const fn lanes(right: bool) -> [[u32; 8]; 256] {
    let mut table = [[0u32; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let count = (mask as u32).count_ones() as usize;
        let mut at = if right { 8 - count } else { 0 };
        let mut lane = 0;
        while lane < 8 {
            if (mask >> lane) & 1 == 1 {
                table[mask][at] = lane as u32;
                at += 1;
            }
            lane += 1;
        }
        mask += 1;
    }
    table
}

/// Writes the keys of `src` below `pivot` to the front of `dst` and those
/// above it to the back of `dst[..src.len() + SLACK]`; returns their counts.
/// `src` holds at least 8 keys.
#[target_feature(enable = "avx2,popcnt")]
pub(super) fn partition(src: &[u32], pivot: u32, dst: &mut [u32]) -> (usize, usize) {
    let top = src.len() + SLACK;
    assert!(dst.len() >= top, "partition output too short");
    let (mut lo, mut hi) = (0usize, top);
    let sign = _mm256_set1_epi32(i32::MIN);
    let p = _mm256_xor_si256(_mm256_set1_epi32(pivot as i32), sign);
    let blocks = src.chunks_exact(8);
    let rest = blocks.remainder();
    let out = dst.as_mut_ptr();
    for block in blocks {
        // SAFETY: `block` holds 8 keys.
        let v = unsafe { _mm256_loadu_si256(block.as_ptr().cast()) };
        let x = _mm256_xor_si256(v, sign);
        let lt = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(p, x))) as usize;
        let gt = _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, p))) as usize;
        // SAFETY: the tables' rows hold 8 lanes. Before this block at most
        // `src.len() - 8` keys were written, so `lo + 8 <= top`, and
        // `hi - lo >= 16`: the 8 lanes stored at `lo` and those stored at
        // `hi - 8` stay inside `dst[..top]` and off each other's keys.
        unsafe {
            let l = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256(LEFT[lt].as_ptr().cast()));
            let g = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256(RIGHT[gt].as_ptr().cast()));
            _mm256_storeu_si256(out.add(lo).cast(), l);
            lo += lt.count_ones() as usize;
            _mm256_storeu_si256(out.add(hi - 8).cast(), g);
            hi -= gt.count_ones() as usize;
        }
    }
    if !rest.is_empty() {
        // The last 8 keys again, with the lanes already partitioned masked off.
        let done = 8 - rest.len();
        // SAFETY: `src.len() >= 8` (the caller's contract), so the last 8
        // keys exist; the stores stay in bounds as argued above.
        unsafe {
            let v = _mm256_loadu_si256(src.as_ptr().add(src.len() - 8).cast());
            let x = _mm256_xor_si256(v, sign);
            let fresh = 0xFF & !((1usize << done) - 1);
            let lt =
                fresh & _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(p, x))) as usize;
            let gt =
                fresh & _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, p))) as usize;
            let l = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256(LEFT[lt].as_ptr().cast()));
            let g = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256(RIGHT[gt].as_ptr().cast()));
            _mm256_storeu_si256(out.add(lo).cast(), l);
            lo += lt.count_ones() as usize;
            _mm256_storeu_si256(out.add(hi - 8).cast(), g);
            hi -= gt.count_ones() as usize;
        }
    }
    (lo, top - hi)
}

/// Appends to `out` the keys `src[i]` whose bit `i` is set in `mask` (bit
/// `i % 8` of byte `i / 8`); `mask` covers `src`.
#[target_feature(enable = "avx2,popcnt")]
pub(super) fn keep(src: &[u32], mask: &[u8], out: &mut Vec<u32>) {
    assert!(mask.len() * 8 >= src.len(), "mask shorter than the keys");
    let start = out.len();
    out.reserve(src.len() + SLACK);
    let base = out.as_mut_ptr();
    let mut at = start;
    let blocks = src.chunks_exact(8);
    let rest = blocks.remainder();
    for (block, &bits) in blocks.zip(mask) {
        let bits = usize::from(bits);
        // SAFETY: `block` holds 8 keys; `at + 8 <= start + src.len() + SLACK`,
        // within the capacity reserved above.
        unsafe {
            let v = _mm256_loadu_si256(block.as_ptr().cast());
            let l = _mm256_permutevar8x32_epi32(v, _mm256_loadu_si256(LEFT[bits].as_ptr().cast()));
            _mm256_storeu_si256(base.add(at).cast(), l);
        }
        at += bits.count_ones() as usize;
    }
    let tail = src.len() - rest.len();
    for (i, &key) in rest.iter().enumerate() {
        if (mask[(tail + i) / 8] >> ((tail + i) % 8)) & 1 == 1 {
            // SAFETY: within the capacity reserved above.
            unsafe { base.add(at).write(key) };
            at += 1;
        }
    }
    // SAFETY: every key up to `at` was written above.
    unsafe { out.set_len(at) };
}
