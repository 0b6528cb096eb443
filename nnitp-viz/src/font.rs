//! A 3x5 bitmap font for the digits that mark conjunct regions.

use image::{Rgb, RgbImage};

/// Rows of each digit, 3 bits per row (most significant bit on the left).
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// Width and height in pixels of `text` drawn at `size` pixels per font dot.
pub fn text_size(text: &str, size: u32) -> (u32, u32) {
    let n = text.chars().count() as u32;
    ((4 * n).saturating_sub(1) * size, 5 * size)
}

/// Draws the decimal `number` centred at `(cx, cy)` with `size` pixels per dot,
/// in `color` on a black outline; pixels outside `img` are skipped.
pub fn draw_number(img: &mut RgbImage, number: usize, cx: i64, cy: i64, size: u32, color: Rgb<u8>) {
    let text = number.to_string();
    let (w, h) = text_size(&text, size);
    let x0 = cx - i64::from(w) / 2;
    let y0 = cy - i64::from(h) / 2;
    let s = i64::from(size);
    for pass in 0..2 {
        for (k, ch) in text.chars().enumerate() {
            let d = ch.to_digit(10).unwrap_or(0) as usize;
            for (row, bits) in DIGITS[d].iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) == 0 {
                        continue;
                    }
                    let px = x0 + (k as i64 * 4 + col) * s;
                    let py = y0 + row as i64 * s;
                    if pass == 0 {
                        // outline: the dot grown by one pixel, in black
                        fill(img, px - 1, py - 1, s + 2, s + 2, Rgb([0, 0, 0]));
                    } else {
                        fill(img, px, py, s, s, color);
                    }
                }
            }
        }
    }
}

fn fill(img: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, color: Rgb<u8>) {
    for yy in y.max(0)..(y + h).min(i64::from(img.height())) {
        for xx in x.max(0)..(x + w).min(i64::from(img.width())) {
            img.put_pixel(xx as u32, yy as u32, color);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_drawn_where_asked() {
        let mut img = RgbImage::new(40, 40);
        let red = Rgb([255, 0, 0]);
        draw_number(&mut img, 1, 20, 20, 2, red);
        // "1" is 3x5 dots of 2 px centred at (20, 20): its middle column is lit
        assert_eq!(*img.get_pixel(20, 20), red);
        // far from the digit nothing is drawn
        assert_eq!(*img.get_pixel(2, 2), Rgb([0, 0, 0]));
        assert_eq!(text_size("12", 2), (14, 10));
        // drawing off the edge does not panic
        draw_number(&mut img, 42, -5, 39, 3, red);
    }
}
