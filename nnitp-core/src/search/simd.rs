//! Hot loops, compiled for AVX2 when the CPU has it (chosen at run time) and
//! portable otherwise. Each kernel is one plain loop the compiler vectorises.

use super::keys::key;

macro_rules! dispatch {
    ($(#[$doc:meta])* fn $name:ident / $avx:ident / $portable:ident ($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[$doc])*
        pub(super) fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, checked just above.
                return unsafe { $avx($($arg),*) };
            }
            $portable($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $avx($($arg: $ty),*) -> $ret {
            $portable($($arg),*)
        }

        #[inline(always)]
        fn $portable($($arg: $ty),*) -> $ret $body
    };
}

dispatch! {
    /// Writes the keys of `vals` to `out`; returns whether all values are finite.
    fn keys_of / keys_of_avx2 / keys_of_portable (vals: &[f32], out: &mut [u32]) -> bool {
        let mut finite = true;
        for (o, &v) in out.iter_mut().zip(vals) {
            finite &= v.abs() < f32::INFINITY;
            *o = key(v);
        }
        finite
    }
}

dispatch! {
    /// `(#keys >= ge, #keys <= le)`.
    fn count_keys / count_keys_avx2 / count_keys_portable (col: &[u32], ge: u32, le: u32) -> (u32, u32) {
        let (mut g, mut l) = (0u32, 0u32);
        for &k in col {
            g += u32::from(k >= ge);
            l += u32::from(k <= le);
        }
        (g, l)
    }
}

dispatch! {
    /// Adds `v >= thr_ge` and `v <= thr_le` to the counters, element-wise over
    /// one segment of a row; returns whether every value was finite.
    fn count_segment / count_segment_avx2 / count_segment_portable (
        seg: &[f32],
        thr_ge: &[f32],
        thr_le: &[f32],
        cg: &mut [u32],
        cl: &mut [u32]
    ) -> bool {
        let mut finite = true;
        let n = seg.len();
        let (tg, tl, cg, cl) = (&thr_ge[..n], &thr_le[..n], &mut cg[..n], &mut cl[..n]);
        for i in 0..n {
            let v = seg[i];
            finite &= v.abs() < f32::INFINITY;
            cg[i] += u32::from(v >= tg[i]);
            cl[i] += u32::from(v <= tl[i]);
        }
        finite
    }
}

dispatch! {
    /// [`count_segment`] over the same segment of four rows at once: thresholds
    /// and counters are read and written once per four values.
    fn count_segment4 / count_segment4_avx2 / count_segment4_portable (
        segs: [&[f32]; 4],
        thr_ge: &[f32],
        thr_le: &[f32],
        cg: &mut [u32],
        cl: &mut [u32]
    ) -> bool {
        let n = segs[0].len();
        let (a, b, c, d) = (&segs[0][..n], &segs[1][..n], &segs[2][..n], &segs[3][..n]);
        let (tg, tl, cg, cl) = (&thr_ge[..n], &thr_le[..n], &mut cg[..n], &mut cl[..n]);
        let mut finite = true;
        for i in 0..n {
            let (g, l) = (tg[i], tl[i]);
            let (x0, x1, x2, x3) = (a[i], b[i], c[i], d[i]);
            finite &= (x0.abs() < f32::INFINITY)
                & (x1.abs() < f32::INFINITY)
                & (x2.abs() < f32::INFINITY)
                & (x3.abs() < f32::INFINITY);
            cg[i] += u32::from(x0 >= g) + u32::from(x1 >= g) + u32::from(x2 >= g) + u32::from(x3 >= g);
            cl[i] += u32::from(x0 <= l) + u32::from(x1 <= l) + u32::from(x2 <= l) + u32::from(x3 <= l);
        }
        finite
    }
}

/// Asks the cache to fetch `data` ahead of its use (a hint; no effect elsewhere
/// than on x86-64).
#[inline]
pub(super) fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    for line in data.chunks((64 / std::mem::size_of::<T>().max(1)).max(1)) {
        // SAFETY: prefetching is a hint that never faults; the address is in `data`.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                line.as_ptr().cast(),
            )
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}
