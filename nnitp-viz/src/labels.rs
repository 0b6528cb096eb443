//! Placing the region digits on an image so that none covers another: each
//! goes at its region's centre if that spot is free, else at the nearest free
//! spot around it (within the image), so "3" and "1" sharing a centre never
//! read as "31". Two digits are kept apart by half a digit's width or more:
//! digits that merely touch read as one number too.

/// A digit's box: left, top, width, height.
pub(crate) type Rect = (i64, i64, i64, i64);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3
}

/// The space kept around a label of width `w` (on each side): a quarter of
/// it and a pixel more, so that even with their one-pixel outlines two
/// labels stay at least two pixels apart.
fn margin(w: i64) -> i64 {
    (w / 4).max(1) + 1
}

/// Centres for labels of sizes `sizes` wanted at `centres`, inside `bounds`,
/// neither overlapping nor touching each other (each keeps [`margin`] free
/// around it, its outline included), when there is room.
pub(crate) fn place(centres: &[(i64, i64)], sizes: &[(i64, i64)], bounds: Rect) -> Vec<(i64, i64)> {
    let mut placed: Vec<Rect> = Vec::with_capacity(centres.len());
    let mut out = Vec::with_capacity(centres.len());
    for (&(cx, cy), &(w, h)) in centres.iter().zip(sizes) {
        let m = margin(w);
        let (sw, sh) = (w + 2 * m + 1, h + 2 * m + 1);
        let rect_at = |x: i64, y: i64| (x - w / 2 - m, y - h / 2 - m, w + 2 * m, h + 2 * m);
        let inside = |r: Rect| {
            r.0 >= bounds.0
                && r.1 >= bounds.1
                && r.0 + r.2 <= bounds.0 + bounds.2
                && r.1 + r.3 <= bounds.1 + bounds.3
        };
        // rings of candidate spots around the centre, nearest first
        let mut spot = (cx, cy);
        'search: for ring in 0..8i64 {
            let mut candidates = Vec::new();
            for dy in -ring..=ring {
                for dx in -ring..=ring {
                    if dx.abs().max(dy.abs()) == ring {
                        candidates.push((cx + dx * sw, cy + dy * sh));
                    }
                }
            }
            candidates.sort_by_key(|&(x, y)| (x - cx).pow(2) + (y - cy).pow(2));
            for (x, y) in candidates {
                let r = rect_at(x, y);
                if inside(r) && placed.iter().all(|&p| !overlaps(p, r)) {
                    spot = (x, y);
                    break 'search;
                }
            }
        }
        placed.push(rect_at(spot.0, spot.1));
        out.push(spot);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_sharing_a_centre_are_moved_apart_within_bounds() {
        let bounds = (0, 0, 112, 112);
        let centres = [(56, 56); 4];
        let sizes = [(10, 14); 4];
        let spots = place(&centres, &sizes, bounds);
        assert_eq!(spots[0], (56, 56), "the first stays at its centre");
        let rects: Vec<Rect> = spots
            .iter()
            .zip(&sizes)
            .map(|(&(x, y), &(w, h))| (x - w / 2, y - h / 2, w, h))
            .collect();
        for i in 0..4 {
            let r = rects[i];
            assert!(r.0 >= 0 && r.1 >= 0 && r.0 + r.2 <= 112 && r.1 + r.3 <= 112);
            for j in 0..i {
                assert!(
                    !overlaps(rects[i], rects[j]),
                    "{i} and {j} overlap: {rects:?}"
                );
            }
        }
        // apart already: nothing moves
        let far = place(&[(10, 10), (80, 80)], &sizes[..2], bounds);
        assert_eq!(far, vec![(10, 10), (80, 80)]);
    }

    #[test]
    fn neighbouring_labels_keep_a_gap() {
        // centres one digit apart, as regions next to each other give
        let bounds = (0, 0, 112, 112);
        let sizes = [(10, 14); 3];
        let spots = place(&[(50, 50), (60, 50), (50, 64)], &sizes, bounds);
        let gap = |a: (i64, i64), b: (i64, i64)| {
            let dx = (a.0 - b.0).abs() - 10;
            let dy = (a.1 - b.1).abs() - 14;
            dx.max(dy)
        };
        for i in 0..3 {
            for j in 0..i {
                assert!(
                    gap(spots[i], spots[j]) >= 2 * margin(10),
                    "{i} and {j} are {} px apart: {spots:?}",
                    gap(spots[i], spots[j])
                );
            }
        }
    }
}
