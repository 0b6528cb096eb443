//! Kernels that move chosen lanes of keys together: partitioning around a
//! pivot (for the selection) and keeping the lanes of a bit mask (for
//! compaction). The AVX2 ones handle 8 keys with one permute, through tables
//! indexed by the lane mask; those in [`wide`] handle 16 with AVX-512's
//! compress.

use std::arch::x86_64::*;

/// The widest kernels this CPU runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    /// Neither: use portable code.
    None,
    /// AVX2 and POPCNT.
    Avx2,
    /// AVX-512F and POPCNT.
    Avx512,
}

impl Level {
    /// Detects the level (cached by the standard library).
    #[inline]
    pub(super) fn detect() -> Level {
        if !is_x86_feature_detected!("popcnt") {
            Level::None
        } else if is_x86_feature_detected!("avx512f") {
            Level::Avx512
        } else if is_x86_feature_detected!("avx2") {
            Level::Avx2
        } else {
            Level::None
        }
    }
}

/// Extra room a partition needs in its output beyond the input's length, and
/// a compaction beyond its output's.
pub(super) const SLACK: usize = 16;

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
/// `src` holds at least 8 keys. (Only 8 of the `SLACK` keys are needed.)
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
    // SAFETY: every key up to `at` was written above.
    unsafe { out.set_len(at) };
    keep_rest(src, mask, src.len() - rest.len(), out);
}

/// Appends the keys `src[i]`, `i >= from`, whose bit is set in `mask`: those
/// past the last whole vector of a compaction.
fn keep_rest(src: &[u32], mask: &[u8], from: usize, out: &mut Vec<u32>) {
    for (i, &key) in src.iter().enumerate().skip(from) {
        if (mask[i / 8] >> (i % 8)) & 1 == 1 {
            out.push(key);
        }
    }
}

/// As [`super::scatter::scatter_tile_portable`] from the first row and
/// column: 8x8 blocks transposed in registers, the rest one key at a time.
#[target_feature(enable = "avx2")]
pub(super) fn scatter_tile(tile: &[u32], b: usize, dst: &mut [u32], n: usize) {
    let h = tile.len() / b;
    assert!(
        dst.len() >= (b.max(1) - 1) * n + h,
        "scatter output too short"
    );
    let (rows8, cols8) = (h / 8 * 8, b / 8 * 8);
    for i in (0..rows8).step_by(8) {
        for j in (0..cols8).step_by(8) {
            let src = &tile[i * b + j..];
            // SAFETY: rows `i..i + 8` and columns `j..j + 8` are inside `tile`
            // (`i + 8 <= h`, `j + 8 <= b`), and the 8 keys stored for column
            // `j + m` at `(j + m) * n + i` end at or before `(j + m) * n + h`,
            // inside `dst` (asserted above).
            unsafe {
                let r = |k: usize| _mm256_loadu_si256(src.as_ptr().add(k * b).cast());
                let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
                let (r4, r5, r6, r7) = (r(4), r(5), r(6), r(7));
                let t0 = _mm256_unpacklo_epi32(r0, r1);
                let t1 = _mm256_unpackhi_epi32(r0, r1);
                let t2 = _mm256_unpacklo_epi32(r2, r3);
                let t3 = _mm256_unpackhi_epi32(r2, r3);
                let t4 = _mm256_unpacklo_epi32(r4, r5);
                let t5 = _mm256_unpackhi_epi32(r4, r5);
                let t6 = _mm256_unpacklo_epi32(r6, r7);
                let t7 = _mm256_unpackhi_epi32(r6, r7);
                let u0 = _mm256_unpacklo_epi64(t0, t2);
                let u1 = _mm256_unpackhi_epi64(t0, t2);
                let u2 = _mm256_unpacklo_epi64(t1, t3);
                let u3 = _mm256_unpackhi_epi64(t1, t3);
                let u4 = _mm256_unpacklo_epi64(t4, t6);
                let u5 = _mm256_unpackhi_epi64(t4, t6);
                let u6 = _mm256_unpacklo_epi64(t5, t7);
                let u7 = _mm256_unpackhi_epi64(t5, t7);
                let columns = [
                    _mm256_permute2x128_si256::<0x20>(u0, u4),
                    _mm256_permute2x128_si256::<0x20>(u1, u5),
                    _mm256_permute2x128_si256::<0x20>(u2, u6),
                    _mm256_permute2x128_si256::<0x20>(u3, u7),
                    _mm256_permute2x128_si256::<0x31>(u0, u4),
                    _mm256_permute2x128_si256::<0x31>(u1, u5),
                    _mm256_permute2x128_si256::<0x31>(u2, u6),
                    _mm256_permute2x128_si256::<0x31>(u3, u7),
                ];
                for (m, c) in columns.into_iter().enumerate() {
                    _mm256_storeu_si256(dst.as_mut_ptr().add((j + m) * n + i).cast(), c);
                }
            }
        }
    }
    // The columns past the last 8x8 block, then the rows past it.
    super::scatter::scatter_tile_portable(&tile[..rows8 * b], b, dst, n, 0, cols8);
    super::scatter::scatter_tile_portable(tile, b, dst, n, rows8, 0);
}

/// The AVX-512 kernels: 16 keys at a time.
pub(super) mod wide {
    use std::arch::x86_64::*;

    use super::SLACK;

    /// As [`super::partition`], 16 keys at a time; `src` holds at least 16 keys.
    #[target_feature(enable = "avx512f,popcnt")]
    pub(in crate::search) fn partition(src: &[u32], pivot: u32, dst: &mut [u32]) -> (usize, usize) {
        let top = src.len() + SLACK;
        assert!(dst.len() >= top, "partition output too short");
        assert!(src.len() >= 16, "partition input too short");
        let (mut lo, mut hi) = (0usize, top);
        let p = _mm512_set1_epi32(pivot as i32);
        let out = dst.as_mut_ptr();
        let blocks = src.chunks_exact(16);
        let rest = blocks.remainder().len();
        let mut step = |v: __m512i, lanes: __mmask16| {
            let lt = lanes & _mm512_cmplt_epu32_mask(v, p);
            let gt = lanes & _mm512_cmpgt_epu32_mask(v, p);
            let (nl, ng) = (lt.count_ones() as usize, gt.count_ones() as usize);
            // SAFETY: before a step at most `src.len() - 16 + (16 - taken)`
            // keys were written, where `taken` lanes are in `lanes`: so
            // `lo + 16 <= top`, and `hi - lo >= SLACK + taken`: the 16 lanes
            // stored at `lo` end at or before `hi - ng`, where the `ng` lanes
            // stored below `hi` begin.
            unsafe {
                _mm512_storeu_si512(out.add(lo).cast(), _mm512_maskz_compress_epi32(lt, v));
                let g = _mm512_maskz_compress_epi32(gt, v);
                _mm512_mask_storeu_epi32(
                    out.add(hi - ng).cast(),
                    (1u32 << ng).wrapping_sub(1) as u16,
                    g,
                );
            }
            lo += nl;
            hi -= ng;
        };
        for block in blocks {
            // SAFETY: `block` holds 16 keys.
            step(unsafe { _mm512_loadu_si512(block.as_ptr().cast()) }, 0xFFFF);
        }
        if rest > 0 {
            // The last 16 keys again, with the lanes already partitioned masked off.
            let fresh = (0xFFFFu32 << (16 - rest)) as u16;
            // SAFETY: `src` holds at least 16 keys.
            step(
                unsafe { _mm512_loadu_si512(src.as_ptr().add(src.len() - 16).cast()) },
                fresh,
            );
        }
        (lo, top - hi)
    }

    /// As [`super::keep`], 16 keys at a time.
    #[target_feature(enable = "avx512f,popcnt")]
    pub(in crate::search) fn keep(src: &[u32], mask: &[u8], out: &mut Vec<u32>) {
        assert!(mask.len() * 8 >= src.len(), "mask shorter than the keys");
        let start = out.len();
        out.reserve(src.len() + SLACK);
        let base = out.as_mut_ptr();
        let mut at = start;
        let blocks = src.chunks_exact(16);
        let rest = blocks.remainder();
        for (block, bits) in blocks.zip(mask.chunks_exact(2)) {
            let bits = u16::from_le_bytes([bits[0], bits[1]]);
            // SAFETY: `block` holds 16 keys; `at + 16 <= start + src.len() + SLACK`,
            // within the capacity reserved above.
            unsafe {
                let v = _mm512_loadu_si512(block.as_ptr().cast());
                _mm512_storeu_si512(base.add(at).cast(), _mm512_maskz_compress_epi32(bits, v));
            }
            at += bits.count_ones() as usize;
        }
        // SAFETY: every key up to `at` was written above.
        unsafe { out.set_len(at) };
        super::keep_rest(src, mask, src.len() - rest.len(), out);
    }
}
