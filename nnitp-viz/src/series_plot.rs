//! A series explanation drawn as SVG: the premise's series and comparison
//! series as lines over the time steps, each conjunct's window shaded.

use std::fmt::Write;
use std::ops::Range;

/// Plot size in pixels.
const WIDTH: f32 = 720.0;
const HEIGHT: f32 = 240.0;
const MARGIN: f32 = 24.0;

/// An SVG line plot of `series` (the premise first, drawn on top in black;
/// the others in grey), with each of `windows` (time steps) shaded.
/// Non-finite values break the line.
pub fn series_svg(series: &[Vec<f32>], windows: &[Range<usize>]) -> String {
    let steps = series.iter().map(Vec::len).max().unwrap_or(0).max(2);
    let finite = series.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let x = |t: f32| MARGIN + t * (WIDTH - 2.0 * MARGIN) / (steps - 1) as f32;
    let y = |v: f32| HEIGHT - MARGIN - (v - lo) * (HEIGHT - 2.0 * MARGIN) / (hi - lo);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for w in windows {
        let (a, b) = (
            x(w.start as f32 - 0.5).max(MARGIN),
            x(w.end as f32 - 0.5).min(WIDTH - MARGIN),
        );
        let _ = writeln!(
            svg,
            "<rect class=\"window\" x=\"{a:.1}\" y=\"{MARGIN}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e4572e\" fill-opacity=\"0.2\"><title>steps {}-{}</title></rect>",
            (b - a).max(1.0),
            HEIGHT - 2.0 * MARGIN,
            w.start,
            w.end.saturating_sub(1)
        );
    }
    // comparisons first, the premise on top
    for (k, s) in series.iter().enumerate().rev() {
        let (stroke, width) = if k == 0 {
            ("black", 2.0)
        } else {
            ("#999", 1.0)
        };
        let mut d = String::new();
        let mut pen_up = true;
        for (t, &v) in s.iter().enumerate() {
            if !v.is_finite() {
                pen_up = true;
                continue;
            }
            let cmd = if pen_up { 'M' } else { 'L' };
            let _ = write!(d, "{cmd}{:.1},{:.1} ", x(t as f32), y(v));
            pen_up = false;
        }
        let class = if k == 0 { "premise" } else { "comparison" };
        let _ = writeln!(
            svg,
            "<path class=\"{class}\" d=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\"/>",
            d.trim_end()
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"11\">0</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n</svg>",
        HEIGHT - 6.0,
        WIDTH - MARGIN,
        HEIGHT - 6.0,
        steps - 1
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_each_series_and_window() {
        let window = std::iter::once(1..3).collect::<Vec<_>>();
        let svg = series_svg(&[vec![0.0, 1.0, 0.5], vec![1.0, f32::NAN, 0.0]], &window);
        assert_eq!(svg.matches("<path").count(), 2);
        assert_eq!(svg.matches("class=\"window\"").count(), 1);
        assert!(svg.contains("<title>steps 1-2</title>"));
        // the NaN breaks the comparison's line: two moves, no line to it
        let comparison = svg.lines().find(|l| l.contains("comparison")).unwrap();
        assert_eq!(comparison.matches('M').count(), 2);
        // a flat or empty series still draws
        assert!(series_svg(&[vec![2.0; 4]], &[]).contains("<path"));
        assert!(series_svg(&[], &[]).ends_with("</svg>\n"));
    }
}
