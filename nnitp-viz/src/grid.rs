//! nnitp's image grid: one column per image (the key image first, then
//! comparison images), the whole image on top with a digit at the centre of each
//! conjunct's input region, and below it one row per conjunct showing that
//! region cropped from the image.
//!
//! All images share one intensity scale (the minimum and maximum over every
//! image in the grid); single-channel images become grey RGB; images are scaled
//! up with nearest-neighbour so that small regions stay visible. [`Grid::cells`]
//! tells where each cell is, so a front end can map a click to a cell.

use std::path::Path;

use image::{Rgb, RgbImage};
use ndarray::{ArrayView3, ArrayView4, Axis};
use nnitp_core::UnitBox;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::font::{draw_number, text_size};
use crate::labels;

/// Background of the grid and of the space around a cropped region.
const BACKGROUND: Rgb<u8> = Rgb([40, 40, 40]);
/// Colour of the region digits.
const DIGIT: Rgb<u8> = Rgb([255, 40, 40]);

/// One column of the grid: an image and the input regions of its predicate's
/// conjuncts (boxes over `[rows, cols, channels]` of the input).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridColumn {
    /// Index of the image in the image array.
    pub image: usize,
    /// The region of each conjunct, in conjunct order.
    pub regions: Vec<UnitBox>,
}

/// Layout options of a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridOptions {
    /// Pixels per image pixel; `None` picks the smallest scale giving cells of
    /// at least 84 pixels.
    pub scale: Option<u32>,
    /// Pixels between cells.
    pub gap: u32,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            scale: None,
            gap: 4,
        }
    }
}

/// Where one cell of a rendered grid is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Grid column (0: the key image).
    pub column: usize,
    /// Grid row: 0 for the whole image, `i + 1` for conjunct `i`'s region.
    pub row: usize,
    /// Index of the image shown.
    pub image: usize,
    /// Left edge, in pixels.
    pub x: u32,
    /// Top edge, in pixels.
    pub y: u32,
    /// Width, in pixels.
    pub width: u32,
    /// Height, in pixels.
    pub height: u32,
}

impl Cell {
    /// Whether the pixel `(x, y)` lies in the cell.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x && x < self.x + self.width && y >= self.y && y < self.y + self.height
    }
}

/// Where one region digit is drawn on a whole image (row 0), its black
/// outline included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// Grid column of the image.
    pub column: usize,
    /// The conjunct the digit numbers.
    pub conjunct: usize,
    /// Left edge, in pixels.
    pub x: i64,
    /// Top edge, in pixels.
    pub y: i64,
    /// Width, in pixels.
    pub width: u32,
    /// Height, in pixels.
    pub height: u32,
}

impl Mark {
    /// Whether the two boxes share a pixel or touch edge to edge.
    pub fn touches(&self, other: &Mark) -> bool {
        let (w, h) = (i64::from(self.width), i64::from(self.height));
        let (ow, oh) = (i64::from(other.width), i64::from(other.height));
        self.x <= other.x + ow
            && other.x <= self.x + w
            && self.y <= other.y + oh
            && other.y <= self.y + h
    }
}

/// A rendered grid and where its cells are.
#[derive(Clone, Debug)]
pub struct Grid {
    /// The picture.
    pub image: RgbImage,
    /// Every cell, column by column, top to bottom.
    pub cells: Vec<Cell>,
    /// Every region digit drawn on the whole images.
    pub marks: Vec<Mark>,
    /// Pixels per image pixel used.
    pub scale: u32,
}

impl Grid {
    /// The cell under pixel `(x, y)`, if any.
    pub fn cell_at(&self, x: u32, y: u32) -> Option<&Cell> {
        self.cells.iter().find(|c| c.contains(x, y))
    }

    /// The grid as PNG bytes.
    ///
    /// # Errors
    /// [`Error::Image`] if encoding fails.
    pub fn png(&self) -> Result<Vec<u8>> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.image.write_to(&mut out, image::ImageFormat::Png)?;
        Ok(out.into_inner())
    }

    /// Writes the grid as a PNG file.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Image`].
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.png()?).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// The intensity scale shared by all cells: `(min, max)` over the images used.
fn intensity_range(images: &ArrayView4<'_, f32>, columns: &[GridColumn]) -> (f32, f32) {
    let mut lo = f32::INFINITY;
    let mut hi = f32::NEG_INFINITY;
    for c in columns {
        for &v in images.index_axis(Axis(0), c.image).iter() {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    if lo > hi {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

/// The RGB colour of pixel `(r, c)` of `img` (`[H, W, C]`) on the shared scale.
fn pixel(img: &ArrayView3<'_, f32>, r: usize, c: usize, (lo, hi): (f32, f32)) -> Rgb<u8> {
    let level = |v: f32| -> u8 {
        if hi > lo && v.is_finite() {
            (((v - lo) / (hi - lo)).clamp(0.0, 1.0) * 255.0).round() as u8
        } else {
            128
        }
    };
    let channels = img.shape()[2];
    if channels >= 3 {
        Rgb([
            level(img[[r, c, 0]]),
            level(img[[r, c, 1]]),
            level(img[[r, c, 2]]),
        ])
    } else {
        let g = level(img[[r, c, 0]]);
        Rgb([g, g, g])
    }
}

/// Copies rows `rows` and columns `cols` of `img` into `out` at `(x0, y0)`,
/// each image pixel becoming a `scale` x `scale` block.
#[allow(clippy::too_many_arguments)]
fn blit(
    out: &mut RgbImage,
    img: &ArrayView3<'_, f32>,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
    x0: u32,
    y0: u32,
    scale: u32,
    range: (f32, f32),
) {
    for (i, r) in rows.enumerate() {
        for (j, c) in cols.clone().enumerate() {
            let color = pixel(img, r, c, range);
            for dy in 0..scale {
                for dx in 0..scale {
                    out.put_pixel(
                        x0 + j as u32 * scale + dx,
                        y0 + i as u32 * scale + dy,
                        color,
                    );
                }
            }
        }
    }
}

/// Renders the grid of `columns` over `images` (`[N, H, W, C]`, channels last).
///
/// # Errors
/// [`Error::BadGrid`] for no column, an image index out of range, a region that
/// is not a non-empty box inside the image, or images with 0 or 2 channels.
pub fn render(
    images: ArrayView4<'_, f32>,
    columns: &[GridColumn],
    options: &GridOptions,
) -> Result<Grid> {
    let [n, h, w, ch] = [
        images.shape()[0],
        images.shape()[1],
        images.shape()[2],
        images.shape()[3],
    ];
    if columns.is_empty() {
        return Err(Error::BadGrid("a grid needs at least one column".into()));
    }
    if !(ch == 1 || ch == 3) || h == 0 || w == 0 {
        return Err(Error::BadGrid(format!(
            "images must be [N, H, W, 1 or 3], got {:?}",
            images.shape()
        )));
    }
    for c in columns {
        if c.image >= n {
            return Err(Error::BadGrid(format!(
                "image {} is out of range ({n} images)",
                c.image
            )));
        }
        for r in &c.regions {
            r.check_within(&[h, w, ch])
                .map_err(|e| Error::BadGrid(format!("region of image {}: {e}", c.image)))?;
        }
    }
    let scale = options
        .scale
        .unwrap_or_else(|| (84u32).div_ceil(h.max(w) as u32))
        .max(1);
    let gap = options.gap;
    let (cw, chh) = (w as u32 * scale, h as u32 * scale);
    let rows = 1 + columns.iter().map(|c| c.regions.len()).max().unwrap_or(0);
    let width = gap + columns.len() as u32 * (cw + gap);
    let height = gap + rows as u32 * (chh + gap);
    let mut out = RgbImage::from_pixel(width, height, BACKGROUND);
    let range = intensity_range(&images, columns);
    let mut cells = Vec::new();
    let mut marks = Vec::new();
    let digit_size = (scale / 2).max(2);
    for (col, c) in columns.iter().enumerate() {
        let img = images.index_axis(Axis(0), c.image);
        let x = gap + col as u32 * (cw + gap);
        blit(&mut out, &img, 0..h, 0..w, x, gap, scale, range);
        cells.push(Cell {
            column: col,
            row: 0,
            image: c.image,
            x,
            y: gap,
            width: cw,
            height: chh,
        });
        // digits at the regions' centres on the whole image, moved apart
        // where centres coincide
        let centres: Vec<(i64, i64)> = c
            .regions
            .iter()
            .map(|region| {
                let (rr, cc) = (&region.ranges()[0], &region.ranges()[1]);
                let cy = f64::from(gap) + (rr.start + rr.end) as f64 / 2.0 * f64::from(scale);
                let cx = f64::from(x) + (cc.start + cc.end) as f64 / 2.0 * f64::from(scale);
                (cx as i64, cy as i64)
            })
            .collect();
        let sizes: Vec<(i64, i64)> = (0..c.regions.len())
            .map(|k| {
                let (w, h) = text_size(&k.to_string(), digit_size);
                (i64::from(w), i64::from(h))
            })
            .collect();
        let cell = (i64::from(x), i64::from(gap), i64::from(cw), i64::from(chh));
        let spots = labels::place(&centres, &sizes, cell);
        for (k, region) in c.regions.iter().enumerate() {
            let (rr, cc) = (region.ranges()[0].clone(), region.ranges()[1].clone());
            draw_number(&mut out, k, spots[k].0, spots[k].1, digit_size, DIGIT);
            let (w, h) = sizes[k];
            marks.push(Mark {
                column: col,
                conjunct: k,
                // the outline grows the digit by a pixel on each side
                x: spots[k].0 - w / 2 - 1,
                y: spots[k].1 - h / 2 - 1,
                width: u32::try_from(w + 2).unwrap_or(u32::MAX),
                height: u32::try_from(h + 2).unwrap_or(u32::MAX),
            });
            // the region, cropped and scaled to fit its cell
            let y = gap + (k as u32 + 1) * (chh + gap);
            let (rh, rw) = (rr.len() as u32, cc.len() as u32);
            let s = (chh / rh).min(cw / rw).max(1);
            let ox = x + (cw - rw * s) / 2;
            let oy = y + (chh - rh * s) / 2;
            blit(&mut out, &img, rr, cc, ox, oy, s, range);
            cells.push(Cell {
                column: col,
                row: k + 1,
                image: c.image,
                x,
                y,
                width: cw,
                height: chh,
            });
        }
    }
    Ok(Grid {
        image: out,
        cells,
        marks,
        scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    fn images() -> Array4<f32> {
        // two 4x4 grey images: a ramp 0..15 and a constant 5
        let mut a = Array4::<f32>::zeros((2, 4, 4, 1));
        for r in 0..4 {
            for c in 0..4 {
                a[[0, r, c, 0]] = (r * 4 + c) as f32;
                a[[1, r, c, 0]] = 5.0;
            }
        }
        a
    }

    fn column(image: usize) -> GridColumn {
        GridColumn {
            image,
            regions: vec![
                UnitBox::new([0..2, 0..2, 0..1]),
                UnitBox::new([2..4, 1..4, 0..1]),
            ],
        }
    }

    #[test]
    fn cells_tile_the_grid() {
        let a = images();
        let opts = GridOptions {
            scale: Some(10),
            gap: 2,
        };
        let g = render(a.view(), &[column(0), column(1)], &opts).unwrap();
        assert_eq!(g.image.dimensions(), (2 + 2 * 42, 2 + 3 * 42));
        assert_eq!(g.cells.len(), 6);
        let c = g.cells[4];
        assert_eq!(
            (c.column, c.row, c.image, c.x, c.y, c.width, c.height),
            (1, 1, 1, 44, 44, 40, 40)
        );
        assert_eq!(g.cell_at(50, 50), Some(&g.cells[4]));
        assert_eq!(g.cell_at(1, 1), None);
    }

    #[test]
    fn one_intensity_scale_and_grey_rgb() {
        let a = images();
        let opts = GridOptions {
            scale: Some(10),
            gap: 2,
        };
        let g = render(a.view(), &[column(0), column(1)], &opts).unwrap();
        // the ramp's last pixel (15, the maximum) is white, its first (0) black,
        // away from the digits drawn at region centres
        assert_eq!(*g.image.get_pixel(2 + 35, 2 + 35), Rgb([255, 255, 255]));
        assert_eq!(*g.image.get_pixel(2 + 1, 2 + 1), Rgb([0, 0, 0]));
        // the constant image is 5/15 of the way up the shared scale
        let v = (5.0f32 / 15.0 * 255.0).round() as u8;
        assert_eq!(*g.image.get_pixel(44 + 35, 2 + 35), Rgb([v, v, v]));
    }

    #[test]
    fn digits_mark_region_centres_and_regions_are_cropped() {
        let a = images();
        let opts = GridOptions {
            scale: Some(10),
            gap: 2,
        };
        let g = render(a.view(), &[column(0)], &opts).unwrap();
        // region 0 is rows 0..2, cols 0..2: centre (10, 10) in the cell; digit "0"
        // is 3x5 dots of 5 px from (5, 0); its left column is lit, its centre not
        assert_eq!(*g.image.get_pixel(2 + 5, 2 + 10), DIGIT);
        assert_ne!(*g.image.get_pixel(2 + 10, 2 + 10), DIGIT);
        // region 1 (rows 2..4, cols 1..4) is scaled by 13 to fit 40 px, centred:
        // its first pixel is image pixel (2, 1) = 9 of 15
        let v = (9.0f32 / 15.0 * 255.0).round() as u8;
        // (40 - 3 * 13) / 2 = 0 columns and (40 - 2 * 13) / 2 = 7 rows of margin
        let (ox, oy) = (2, 2 + 2 * 42 + 7);
        assert_eq!(*g.image.get_pixel(ox, oy), Rgb([v, v, v]));
        // around the crop is background
        assert_eq!(*g.image.get_pixel(ox, oy - 1), BACKGROUND);
    }

    #[test]
    fn digits_of_overlapping_regions_do_not_touch() {
        // a 28x28 image, as Fashion-MNIST's, with four regions sharing one
        // centre and a fifth next to it, as nearby conjuncts' cones do
        let a = Array4::<f32>::from_shape_fn((1, 28, 28, 1), |(_, r, c, _)| (r + c) as f32);
        let same = UnitBox::new([10..14, 10..14, 0..1]);
        let col = GridColumn {
            image: 0,
            regions: vec![
                same.clone(),
                same.clone(),
                same.clone(),
                same,
                UnitBox::new([11..15, 11..15, 0..1]),
            ],
        };
        for scale in [2, 4, 8] {
            let opts = GridOptions {
                scale: Some(scale),
                gap: 2,
            };
            let g = render(a.view(), std::slice::from_ref(&col), &opts).unwrap();
            assert_eq!(g.marks.len(), 5);
            for (i, m) in g.marks.iter().enumerate() {
                for n in &g.marks[..i] {
                    assert!(!m.touches(n), "scale {scale}: {m:?} touches {n:?}");
                }
            }
        }
    }

    #[test]
    fn png_round_trips() {
        let a = images();
        let g = render(a.view(), &[column(0)], &GridOptions::default()).unwrap();
        let back = image::load_from_memory(&g.png().unwrap())
            .unwrap()
            .to_rgb8();
        assert_eq!(back, g.image);
        // 4x4 images get scaled so that cells are at least 84 px
        assert_eq!(g.scale, 21);
    }

    #[test]
    fn bad_grids_are_errors() {
        let a = images();
        let o = GridOptions::default();
        assert!(matches!(render(a.view(), &[], &o), Err(Error::BadGrid(_))));
        let far = GridColumn {
            image: 2,
            regions: vec![],
        };
        assert!(matches!(
            render(a.view(), &[far], &o),
            Err(Error::BadGrid(_))
        ));
        let outside = GridColumn {
            image: 0,
            regions: vec![UnitBox::new([0..5, 0..1, 0..1])],
        };
        assert!(matches!(
            render(a.view(), &[outside], &o),
            Err(Error::BadGrid(_))
        ));
    }
}
