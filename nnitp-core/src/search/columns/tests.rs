//! Unit tests of the parent module.

use super::*;
use crate::search::keys::unkey;

/// Column `j` of every round's `map`, as values.
fn column(c: &mut Columns<'_>, j: usize) -> Vec<f32> {
    let cols = c.map(|_, col| col.to_vec()).expect("finite values");
    cols[j].iter().map(|&k| unkey(k)).collect()
}

#[test]
fn rounds_transpose_store_and_compact() {
    let mut pool = SearchBuffers::new();
    // 40 samples of 3 units: [i, -i, i / 2]
    let flat: Vec<f32> = (0..40)
        .flat_map(|i| [i as f32, -(i as f32), 0.5 * i as f32])
        .collect();
    let units = [0, 2];
    let mut c = Columns::new(&flat, 3, &units, (0..40).collect(), &mut pool);
    let all: Vec<f32> = (0..40).map(|i| 0.5 * i as f32).collect();
    assert_eq!(column(&mut c, 1), all);
    assert!(c.stored.is_none(), "the first round stores nothing");
    c.retain(&(0..40).map(|i| i % 3 == 0).collect::<Vec<_>>());
    assert_eq!(c.len(), 14);
    let thirds: Vec<f32> = (0..40).filter(|i| i % 3 == 0).map(|i| i as f32).collect();
    assert_eq!(column(&mut c, 0), thirds);
    assert_eq!(c.stored.as_ref().map(|s| s.stride), Some(14));
    // two drops before the next read compose
    c.retain(&(0..14).map(|i| i != 0).collect::<Vec<_>>());
    c.retain(&(0..13).map(|i| i % 2 == 0).collect::<Vec<_>>());
    let want: Vec<f32> = thirds[1..].iter().step_by(2).copied().collect();
    assert_eq!(column(&mut c, 0), want);
    assert_eq!(c.stored.as_ref().map(|s| (s.stride, s.len)), Some((7, 7)));
    assert_eq!(column(&mut c, 0), want);
}

#[test]
fn picks_kept_keys_while_most_stay() {
    let mut pool = SearchBuffers::new();
    let flat: Vec<f32> = (0..101).flat_map(|i| [i as f32, 1.0]).collect();
    let units = [0, 1];
    let mut c = Columns::new(&flat, 2, &units, (0..101).collect(), &mut pool);
    column(&mut c, 0);
    // 76 of 101 stay: transposed again, not stored
    c.retain(&(0..101).map(|i| i % 4 != 0).collect::<Vec<_>>());
    let want: Vec<f32> = (0..101).filter(|i| i % 4 != 0).map(|i| i as f32).collect();
    assert_eq!(column(&mut c, 0), want);
    assert!(c.stored.is_none());
    // 38 of 101: stored
    c.retain(&(0..76).map(|i| i % 2 == 0).collect::<Vec<_>>());
    let want: Vec<f32> = want.iter().step_by(2).copied().collect();
    assert_eq!(column(&mut c, 0), want);
    assert_eq!(c.stored.as_ref().map(|s| s.stride), Some(38));
    // 29 of the 38 stored stay: read through the mask, nothing rewritten
    c.retain(&(0..38).map(|i| i % 4 != 3).collect::<Vec<_>>());
    let want: Vec<f32> = want
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 4 != 3)
        .map(|(_, &v)| v)
        .collect();
    assert_eq!(column(&mut c, 0), want);
    assert_eq!(c.stored.as_ref().map(|s| s.stride), Some(38));
    assert_eq!(column(&mut c, 1), vec![1.0; 29]);
}

#[test]
fn non_finite_values_are_reported() {
    let mut pool = SearchBuffers::new();
    let flat = [0.0, 1.0, f32::INFINITY, 2.0];
    let units = [0, 1];
    let mut c = Columns::new(&flat, 2, &units, vec![0, 1], &mut pool);
    assert!(c.map(|_, col| col.len()).is_none());
    drop(c);
    let mut c = Columns::new(&flat, 2, &units[1..], vec![0, 1], &mut pool);
    assert_eq!(c.map(|_, col| col.len()), Some(vec![2]));
}

#[test]
fn every_scatter_path_agrees() {
    for (h, b) in [(16, 256), (16, 13), (5, 20), (8, 8), (9, 7), (3, 3)] {
        let tile: Vec<u32> = (0..(h * b) as u32).collect();
        let n = h + 5;
        let mut want = vec![0u32; b * n];
        scatter_tile_portable(&tile, b, &mut want, n, 0, 0);
        assert_eq!(want[(b - 1) * n + h - 1], tile[h * b - 1]);
        let mut got = vec![0u32; b * n];
        scatter_tile(&tile, b, &mut got, n);
        assert_eq!(got, want, "{h}x{b}");
        #[cfg(target_arch = "x86_64")]
        if lanes::Level::detect() >= lanes::Level::Avx2 {
            let mut got = vec![0u32; b * n];
            // SAFETY: the CPU supports AVX2.
            unsafe { lanes::scatter_tile(&tile, b, &mut got, n) };
            assert_eq!(got, want, "AVX2, {h}x{b}");
        }
    }
}

#[test]
fn every_pick_path_agrees() {
    for n in [1usize, 7, 8, 15, 16, 17, 31, 33, 100, 257] {
        let col: Vec<u32> = (0..n as u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let rows: Vec<u32> = (0..n as u32).filter(|i| i % 3 != 1 && i % 7 != 2).collect();
        let mut mask = vec![0u8; n.div_ceil(8)];
        for &r in &rows {
            mask[r as usize / 8] |= 1 << (r % 8);
        }
        let kept = Kept { rows, mask };
        let want: Vec<u32> = kept.rows.iter().map(|&r| col[r as usize]).collect();
        let mut got = Vec::new();
        kept.pick_portable(&col, &mut got);
        assert_eq!(got, want);
        got.clear();
        kept.pick(&col, &mut got);
        assert_eq!(got, want);
        #[cfg(target_arch = "x86_64")]
        {
            let level = lanes::Level::detect();
            if level >= lanes::Level::Avx2 {
                got.clear();
                // SAFETY: the CPU supports AVX2 and POPCNT.
                unsafe { lanes::keep(&col, &kept.mask, &mut got) };
                assert_eq!(got, want, "AVX2, {n} keys");
            }
            if level >= lanes::Level::Avx512 {
                got.clear();
                // SAFETY: the CPU supports AVX-512F and POPCNT.
                unsafe { lanes::wide::keep(&col, &kept.mask, &mut got) };
                assert_eq!(got, want, "AVX-512, {n} keys");
            }
        }
    }
}
