//! Layer geometry and cones (receptive fields).
//!
//! A [`Geometry`] is a network's input shape and its layers in order, each with
//! the kind that determines how a box of its output units maps back to a box of
//! its input units. Shapes are channels last (`[H, W, C]`); dense layers and
//! flatten outputs are `[units]`.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::unit::{strides, UnitBox};

/// Padding of a convolution, as in Keras.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Output size `ceil(in / stride)`, zero padding split evenly (extra after).
    Same,
    /// No padding: output size `(in - kernel) / stride + 1`.
    Valid,
}

/// What a layer does to the geometry of its input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    /// 2-d convolution over `[H, W, C]` giving `[H', W', filters]`.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Kernel size (rows, cols).
        kernel: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
        /// Padding.
        padding: Padding,
    },
    /// Max pooling (valid padding).
    MaxPool2d {
        /// Window (rows, cols).
        window: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
    },
    /// Average pooling (valid padding).
    AvgPool2d {
        /// Window (rows, cols).
        window: [usize; 2],
        /// Stride (rows, cols).
        stride: [usize; 2],
    },
    /// Flattens `[H, W, C]` into `[H*W*C]` in C order.
    Flatten,
    /// Fully connected layer with `units` outputs.
    Dense {
        /// Output units.
        units: usize,
    },
    /// An element-wise activation (shape preserving).
    Activation,
    /// Batch normalisation (shape preserving).
    BatchNorm,
    /// Dropout (shape preserving).
    Dropout,
}

impl LayerKind {
    /// The output shape for an input of shape `input` (layer `layer`, for errors).
    ///
    /// # Errors
    /// [`Error::BadGeometry`] when the layer cannot take that input.
    pub fn output_shape(&self, layer: usize, input: &[usize]) -> Result<Vec<usize>> {
        let bad = |reason: String| Error::BadGeometry { layer, reason };
        let spatial = |what: &str| -> Result<[usize; 3]> {
            match input {
                [h, w, c] => Ok([*h, *w, *c]),
                _ => Err(bad(format!(
                    "{what} needs an [H, W, C] input, got {input:?}"
                ))),
            }
        };
        let sized = |n: usize, k: usize, s: usize, pad: Padding| -> Result<usize> {
            if k == 0 || s == 0 {
                return Err(bad("kernel, window and stride must be at least 1".into()));
            }
            match pad {
                Padding::Same => Ok(n.div_ceil(s)),
                Padding::Valid if k <= n => Ok((n - k) / s + 1),
                Padding::Valid => Err(bad(format!("window {k} is larger than the input {n}"))),
            }
        };
        Ok(match self {
            LayerKind::Conv2d {
                filters,
                kernel,
                stride,
                padding,
            } => {
                let [h, w, _] = spatial("conv2d")?;
                vec![
                    sized(h, kernel[0], stride[0], *padding)?,
                    sized(w, kernel[1], stride[1], *padding)?,
                    *filters,
                ]
            }
            LayerKind::MaxPool2d { window, stride } | LayerKind::AvgPool2d { window, stride } => {
                let [h, w, c] = spatial("pooling")?;
                vec![
                    sized(h, window[0], stride[0], Padding::Valid)?,
                    sized(w, window[1], stride[1], Padding::Valid)?,
                    c,
                ]
            }
            LayerKind::Flatten => vec![input.iter().product()],
            LayerKind::Dense { units } => vec![*units],
            LayerKind::Activation | LayerKind::BatchNorm | LayerKind::Dropout => input.to_vec(),
        })
    }

    /// The box of input units (of shape `input`) that can affect the output box `b`.
    fn back(&self, b: &UnitBox, input: &[usize]) -> UnitBox {
        let window = |r: &Range<usize>, k: usize, s: usize, before: usize, n: usize| {
            let lo = (r.start * s).saturating_sub(before);
            let hi = ((r.end - 1) * s + k).saturating_sub(before).min(n);
            lo..hi.max(lo + 1).min(n)
        };
        match self {
            LayerKind::Conv2d {
                kernel,
                stride,
                padding,
                ..
            } => {
                let pad = |d: usize, n: usize, out: usize| match padding {
                    Padding::Valid => 0,
                    Padding::Same => ((out - 1) * stride[d] + kernel[d]).saturating_sub(n) / 2,
                };
                let (h, w) = (input[0], input[1]);
                let oh = h.div_ceil(stride[0]);
                let ow = w.div_ceil(stride[1]);
                let (oh, ow) = match padding {
                    Padding::Same => (oh, ow),
                    Padding::Valid => (
                        (h - kernel[0]) / stride[0] + 1,
                        (w - kernel[1]) / stride[1] + 1,
                    ),
                };
                UnitBox::new([
                    window(&b.0[0], kernel[0], stride[0], pad(0, h, oh), h),
                    window(&b.0[1], kernel[1], stride[1], pad(1, w, ow), w),
                    0..input[2],
                ])
            }
            LayerKind::MaxPool2d { window: k, stride }
            | LayerKind::AvgPool2d { window: k, stride } => UnitBox::new([
                window(&b.0[0], k[0], stride[0], 0, input[0]),
                window(&b.0[1], k[1], stride[1], 0, input[1]),
                0..input[2],
            ]),
            LayerKind::Flatten => flat_range_box(&b.0[0], input),
            LayerKind::Dense { .. } => UnitBox::full(input),
            LayerKind::Activation | LayerKind::BatchNorm | LayerKind::Dropout => b.clone(),
        }
    }
}

/// The smallest box of `shape` holding the flat (C-order) indices `r`.
fn flat_range_box(r: &Range<usize>, shape: &[usize]) -> UnitBox {
    let st = strides(shape);
    let idx = |f: usize| -> Vec<usize> { st.iter().zip(shape).map(|(s, d)| (f / s) % d).collect() };
    let (lo, hi) = (idx(r.start), idx(r.end - 1));
    let mut ranges = Vec::with_capacity(shape.len());
    let mut differ = false;
    for d in 0..shape.len() {
        if differ {
            ranges.push(0..shape[d]);
        } else {
            ranges.push(lo[d]..hi[d] + 1);
            differ = lo[d] != hi[d];
        }
    }
    UnitBox(ranges)
}

/// Where a cone ends: a layer's output, or the network's input (the image).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The network's input.
    Input,
    /// The output of layer `i`.
    Layer(usize),
}

/// A network's geometry: its input shape and each layer's kind and output shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Geometry {
    input_shape: Vec<usize>,
    kinds: Vec<LayerKind>,
    shapes: Vec<Vec<usize>>,
}

impl Geometry {
    /// The geometry of layers `kinds` applied in order to inputs of `input_shape`.
    ///
    /// # Errors
    /// [`Error::BadGeometry`] when a layer cannot take its input shape.
    pub fn new(input_shape: &[usize], kinds: Vec<LayerKind>) -> Result<Self> {
        let mut shapes = Vec::with_capacity(kinds.len());
        let mut shape = input_shape.to_vec();
        for (i, k) in kinds.iter().enumerate() {
            shape = k.output_shape(i, &shape)?;
            if shape.contains(&0) {
                return Err(Error::BadGeometry {
                    layer: i,
                    reason: format!("empty output shape {shape:?}"),
                });
            }
            shapes.push(shape.clone());
        }
        Ok(Geometry {
            input_shape: input_shape.to_vec(),
            kinds,
            shapes,
        })
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Whether there is no layer.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The layer kinds in order.
    pub fn kinds(&self) -> &[LayerKind] {
        &self.kinds
    }

    /// The shape at `place`.
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`].
    pub fn shape(&self, place: Place) -> Result<&[usize]> {
        match place {
            Place::Input => Ok(&self.input_shape),
            Place::Layer(i) => {
                self.shapes
                    .get(i)
                    .map(Vec::as_slice)
                    .ok_or(Error::LayerOutOfRange {
                        layer: i,
                        layers: self.len(),
                    })
            }
        }
    }

    /// The box of units at `from` (a layer below `to`, or the input) that can
    /// affect the box `b` of layer `to`'s units; all channels, clipped to the layer.
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`], [`Error::LayerNotBelow`] when `from` is not
    /// below `to`, [`Error::ConeOutsideShape`] when `b` does not fit layer `to`.
    pub fn cone(&self, from: Place, to: usize, b: &UnitBox) -> Result<UnitBox> {
        b.check_within(self.shape(Place::Layer(to))?)?;
        let stop = match from {
            Place::Input => 0,
            Place::Layer(f) if f < to => f + 1,
            Place::Layer(f) => return Err(Error::LayerNotBelow { from: f, to }),
        };
        let mut b = b.clone();
        for layer in (stop..=to).rev() {
            let input = match layer {
                0 => &self.input_shape,
                l => &self.shapes[l - 1],
            };
            b = self.kinds[layer].back(&b, input);
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn conv(filters: usize, k: usize, s: usize, padding: Padding) -> LayerKind {
        LayerKind::Conv2d {
            filters,
            kernel: [k, k],
            stride: [s, s],
            padding,
        }
    }

    fn pool() -> LayerKind {
        LayerKind::MaxPool2d {
            window: [2, 2],
            stride: [2, 2],
        }
    }

    /// The nnitp Fashion-MNIST layout (layers 0-17).
    fn fashion() -> Geometry {
        let block = |f| {
            vec![
                conv(f, 3, 1, Padding::Same),
                LayerKind::Activation,
                LayerKind::BatchNorm,
                conv(f, 3, 1, Padding::Same),
                LayerKind::Activation,
                LayerKind::BatchNorm,
                pool(),
                LayerKind::Dropout,
            ]
        };
        let mut kinds = block(32);
        kinds.extend(block(64));
        kinds.extend([LayerKind::Flatten, LayerKind::Dense { units: 10 }]);
        Geometry::new(&[28, 28, 1], kinds).unwrap()
    }

    #[test]
    fn shapes_of_the_fashion_layout() {
        let g = fashion();
        assert_eq!(g.shape(Place::Layer(6)).unwrap(), &[14, 14, 32]);
        assert_eq!(g.shape(Place::Layer(14)).unwrap(), &[7, 7, 64]);
        assert_eq!(g.shape(Place::Layer(16)).unwrap(), &[3136]);
        assert_eq!(g.shape(Place::Layer(17)).unwrap(), &[10]);
    }

    #[test]
    fn known_cones() {
        let g = fashion();
        // one unit of layer 14 (after the second pool) at (3, 3)
        let b = UnitBox::new([3..4, 3..4, 5..6]);
        // pool back: rows 6..8; two 3x3 same convs: 4..10; pool: 8..20; convs: 6..22
        assert_eq!(
            g.cone(Place::Layer(6), 14, &b).unwrap(),
            UnitBox::new([4..10, 4..10, 0..32])
        );
        assert_eq!(
            g.cone(Place::Input, 14, &b).unwrap(),
            UnitBox::new([6..22, 6..22, 0..1])
        );
        // corner units are clipped
        let c = UnitBox::new([0..1, 0..1, 0..1]);
        assert_eq!(
            g.cone(Place::Input, 14, &c).unwrap(),
            UnitBox::new([0..10, 0..10, 0..1])
        );
        // the output depends on everything
        let o = UnitBox::flat(3..4);
        assert_eq!(
            g.cone(Place::Layer(14), 17, &o).unwrap(),
            UnitBox::full(&[7, 7, 64])
        );
        // a flat range within one position of the flatten layer keeps its channels
        let f = UnitBox::flat((3 * 7 + 2) * 64 + 4..(3 * 7 + 2) * 64 + 9);
        assert_eq!(
            g.cone(Place::Layer(14), 16, &f).unwrap(),
            UnitBox::new([3..4, 2..3, 4..9])
        );
    }

    #[test]
    fn valid_and_strided_conv() {
        let g = Geometry::new(&[10, 10, 3], vec![conv(4, 3, 2, Padding::Valid)]).unwrap();
        assert_eq!(g.shape(Place::Layer(0)).unwrap(), &[4, 4, 4]);
        let b = UnitBox::new([1..2, 3..4, 0..1]);
        assert_eq!(
            g.cone(Place::Input, 0, &b).unwrap(),
            UnitBox::new([2..5, 6..9, 0..3])
        );
        let s = Geometry::new(&[5, 5, 1], vec![conv(1, 3, 2, Padding::Same)]).unwrap();
        // out 3; pad total (3-1)*2+3-5 = 2, before 1
        assert_eq!(s.shape(Place::Layer(0)).unwrap(), &[3, 3, 1]);
        let b = UnitBox::new([0..1, 2..3, 0..1]);
        assert_eq!(
            s.cone(Place::Input, 0, &b).unwrap(),
            UnitBox::new([0..2, 3..5, 0..1])
        );
    }

    #[test]
    fn errors() {
        let g = fashion();
        let b = UnitBox::new([0..1, 0..1, 0..1]);
        assert!(matches!(
            g.cone(Place::Layer(14), 6, &b),
            Err(Error::LayerNotBelow { from: 14, to: 6 })
        ));
        assert!(matches!(
            g.cone(Place::Layer(14), 14, &b),
            Err(Error::LayerNotBelow { .. })
        ));
        assert!(matches!(
            g.cone(Place::Input, 30, &b),
            Err(Error::LayerOutOfRange { .. })
        ));
        assert!(matches!(
            g.cone(Place::Input, 14, &UnitBox::new([0..8, 0..1, 0..1])),
            Err(Error::ConeOutsideShape { .. })
        ));
        assert!(matches!(
            Geometry::new(&[2, 2, 1], vec![conv(1, 3, 1, Padding::Valid)]),
            Err(Error::BadGeometry { layer: 0, .. })
        ));
        assert!(matches!(
            Geometry::new(&[4], vec![pool()]),
            Err(Error::BadGeometry { layer: 0, .. })
        ));
    }

    fn sub_box(shape: Vec<usize>) -> impl Strategy<Value = (UnitBox, UnitBox)> {
        let dims: Vec<_> = shape
            .into_iter()
            .map(|d| {
                (0..d, 0..d, 0..d, 0..d).prop_map(move |(a, b, c, e)| {
                    let (lo, hi) = (a.min(b), a.max(b) + 1);
                    let (x, y) = (c.min(e), c.max(e));
                    let slo = lo + x * (hi - lo) / d;
                    let shi = (lo + (y + 1) * (hi - lo) / d).max(slo + 1).min(hi);
                    (lo..hi, slo..shi)
                })
            })
            .collect();
        dims.prop_map(|v| {
            let (outer, inner): (Vec<_>, Vec<_>) = v.into_iter().unzip();
            (UnitBox(outer), UnitBox(inner))
        })
    }

    proptest! {
        #[test]
        fn cone_of_a_box_contains_cones_of_its_sub_boxes((outer, inner) in sub_box(vec![7, 7, 64])) {
            let g = fashion();
            prop_assert!(outer.contains_box(&inner));
            for from in [Place::Input, Place::Layer(3), Place::Layer(6), Place::Layer(10)] {
                let big = g.cone(from, 14, &outer).unwrap();
                let small = g.cone(from, 14, &inner).unwrap();
                prop_assert!(big.contains_box(&small), "{} vs {}", big, small);
                prop_assert!(big.check_within(g.shape(from).unwrap()).is_ok());
            }
        }

        #[test]
        fn walking_one_layer_at_a_time_equals_walking_at_once((b, _) in sub_box(vec![7, 7, 64])) {
            let g = fashion();
            let at_once = g.cone(Place::Input, 14, &b).unwrap();
            let mut step = b.clone();
            for l in (0..14).rev() {
                step = g.cone(Place::Layer(l), l + 1, &step).unwrap();
            }
            step = g.cone(Place::Input, 0, &step).unwrap();
            prop_assert_eq!(at_once, step);
        }

        #[test]
        fn flatten_cone_contains_every_index(lo in 0usize..3136, len in 1usize..400) {
            let g = fashion();
            let hi = (lo + len).min(3136);
            let cone = g.cone(Place::Layer(14), 16, &UnitBox::flat(lo..hi)).unwrap();
            for f in lo..hi {
                let u = crate::unit::Unit::from_flat(f, &[7, 7, 64]).unwrap();
                prop_assert!(cone.contains_box(&UnitBox::unit(&u)));
            }
        }
    }
}
