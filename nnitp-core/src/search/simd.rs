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
