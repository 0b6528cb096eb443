//! Layer geometry and cones (receptive fields).
//!
//! A [`Geometry`] is a network's input shape and its layers in order, each with
//! the kind that determines how a box of its output units maps back to a box of
//! its input units. Shapes are channels last (`[H, W, C]`); dense layers and
//! flatten outputs are `[units]`.
//!
//! Build a geometry with [`Geometry::builder`], from [`LayerKind`]s or (with the
//! `burn` feature) from the very burn configs the model is built from.

mod error;
mod geometry;
mod kind;
mod padding;
mod window;

#[cfg(feature = "burn")]
mod burn_configs;

pub use error::GeometryError;
pub use geometry::{Geometry, GeometryBuilder, LayerConfig};
pub use kind::{LayerKind, PadMode};
pub use padding::Padding;

use serde::{Deserialize, Serialize};

/// Where a cone ends: a layer's output, or the network's input (the image).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// The network's input.
    Input,
    /// The output of layer `i`.
    Layer(usize),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{UnitBox, UnitError};
    use proptest::prelude::*;
    use GeometryError as Error;

    fn conv(filters: usize, k: usize, s: usize, padding: Padding) -> LayerKind {
        LayerKind::Conv2d {
            filters,
            kernel: [k, k],
            stride: [s, s],
            dilation: [1, 1],
            padding,
            groups: 1,
        }
    }

    fn pool() -> LayerKind {
        LayerKind::max_pool(2)
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
    fn explicit_padding_dilation_and_ceil() {
        // 10 rows, pad 2 above and 1 below, kernel 3 dilated by 2 (extent 5), stride 2:
        // (10 + 3 - 5) / 2 + 1 = 5 rows; columns: pad 0, (10 - 5) / 2 + 1 = 3
        let k = LayerKind::Conv2d {
            filters: 4,
            kernel: [3, 3],
            stride: [2, 2],
            dilation: [2, 2],
            padding: Padding::Explicit {
                top: 2,
                left: 0,
                bottom: 1,
                right: 0,
            },
            groups: 1,
        };
        let g = Geometry::new(&[10, 10, 1], vec![k]).unwrap();
        assert_eq!(g.shape(Place::Layer(0)).unwrap(), &[5, 3, 4]);
        // output row 0 reads padded rows 0, 2, 4 = input rows 0..3 (two in the padding)
        // output col 2 reads cols 4, 6, 8
        let b = UnitBox::new([0..1, 2..3, 0..1]);
        assert_eq!(
            g.cone(Place::Input, 0, &b).unwrap(),
            UnitBox::new([0..3, 4..9, 0..1])
        );
        // ceil mode keeps a last partial window: 7 rows, window 2, stride 2 -> 4
        let p = LayerKind::MaxPool2d {
            window: [2, 2],
            stride: [2, 2],
            padding: Padding::Valid,
            dilation: [1, 1],
            ceil: true,
        };
        let g = Geometry::new(&[7, 7, 3], vec![p]).unwrap();
        assert_eq!(g.shape(Place::Layer(0)).unwrap(), &[4, 4, 3]);
        assert_eq!(
            g.cone(Place::Input, 0, &UnitBox::new([3..4, 0..1, 1..2]))
                .unwrap(),
            UnitBox::new([6..7, 0..2, 0..3])
        );
    }

    #[test]
    fn channels_first_flatten() {
        let g = Geometry::new(
            &[4, 5, 3],
            vec![
                LayerKind::FlattenChannelsFirst,
                LayerKind::Dense { units: 2 },
            ],
        )
        .unwrap();
        assert_eq!(g.shape(Place::Layer(0)).unwrap(), &[60]);
        // flat index over [C, H, W]: channel 2, row 1, cols 1..4
        let f = 2 * 20 + 5 + 1;
        assert_eq!(
            g.cone(Place::Input, 0, &UnitBox::flat(f..f + 3)).unwrap(),
            UnitBox::new([1..2, 1..4, 2..3])
        );
    }

    #[test]
    fn builder_names_layers_and_reports_them() {
        let mut b = Geometry::builder(&[8, 8, 1]);
        b.push("c1", conv(2, 3, 1, Padding::Valid)).unwrap();
        assert_eq!(b.current_shape(), &[6, 6, 2]);
        let err = b
            .push("too_big", conv(2, 7, 1, Padding::Valid))
            .unwrap_err();
        assert!(
            matches!(&err, Error::BadGeometry { layer: 1, name, .. } if name == "too_big"),
            "{err}"
        );
        assert!(err.to_string().contains("too_big"), "{err}");
        let g = b.build();
        assert_eq!(g.len(), 1);
        assert_eq!(g.names(), ["c1"]);
    }

    #[test]
    fn a_gate_broadcast_over_a_map_joins_its_window_and_the_whole_map() {
        // squeeze-excitation: map [6, 6, 4]; gate = dense(global pool(map))
        let mut g = Geometry::builder(&[6, 6, 1]);
        g.push("conv", conv(4, 3, 1, Padding::Same)).unwrap(); // 0
        g.push("pool", LayerKind::GlobalAvgPool).unwrap(); // 1
        g.push("excite", LayerKind::Dense { units: 4 }).unwrap(); // 2
        g.push_from(
            "gate",
            LayerKind::Broadcast,
            &[Place::Layer(0), Place::Layer(2)],
        )
        .unwrap(); // 3
        let g = g.build();
        assert_eq!(g.shape(Place::Layer(3)).unwrap(), &[6, 6, 4]);
        let unit = UnitBox::new([2..3, 2..3, 1..2]);
        // through the map alone: its own 3x3 window; through the gate: all
        assert_eq!(
            g.cone(Place::Layer(0), 3, &unit).unwrap(),
            UnitBox::new([0..6, 0..6, 0..4])
        );
        assert_eq!(
            g.cone(Place::Input, 3, &unit).unwrap(),
            UnitBox::new([0..6, 0..6, 0..1])
        );
        // a map times a map of one pixel reads that pixel
        let mut g = Geometry::builder(&[4, 4, 3]);
        g.push("pool", LayerKind::max_pool(4)).unwrap();
        g.push_from(
            "mul",
            LayerKind::Broadcast,
            &[Place::Input, Place::Layer(0)],
        )
        .unwrap();
        let g = g.build();
        assert_eq!(
            g.cone(Place::Layer(0), 1, &UnitBox::new([3..4, 1..2, 2..3]))
                .unwrap(),
            UnitBox::new([0..1, 0..1, 2..3])
        );
        // three channels against two do not broadcast
        let mut g = Geometry::builder(&[4, 4, 3]);
        g.push("conv", conv(2, 1, 1, Padding::Valid)).unwrap();
        let bad = g.push_from(
            "mul",
            LayerKind::Broadcast,
            &[Place::Input, Place::Layer(0)],
        );
        assert!(matches!(bad, Err(Error::BadGeometry { .. })));
    }

    #[test]
    fn across_the_channels_a_unit_reads_its_position() {
        let mut g = Geometry::builder(&[5, 5, 3]);
        g.push("norm", LayerKind::AcrossChannels).unwrap();
        g.push("pool", LayerKind::GlobalAvgPool).unwrap();
        g.push("head", LayerKind::AcrossChannels).unwrap();
        let g = g.build();
        assert_eq!(
            g.cone(Place::Input, 0, &UnitBox::new([1..2, 3..4, 2..3]))
                .unwrap(),
            UnitBox::new([1..2, 3..4, 0..3])
        );
        // a reduction over the channels: one channel, reading all
        let mut r = Geometry::builder(&[5, 5, 3]);
        r.push("mean", LayerKind::ReduceChannels).unwrap();
        let r = r.build();
        assert_eq!(r.shape(Place::Layer(0)).unwrap(), &[5, 5, 1]);
        assert_eq!(
            r.cone(Place::Input, 0, &UnitBox::new([2..4, 0..1, 0..1]))
                .unwrap(),
            UnitBox::new([2..4, 0..1, 0..3])
        );
        // on a flat layer: every unit, so the whole map
        assert_eq!(
            g.cone(Place::Layer(0), 2, &UnitBox::flat(1..2)).unwrap(),
            UnitBox::new([0..5, 0..5, 0..3])
        );
    }

    #[test]
    fn selected_channels_map_back_to_their_sources() {
        let mut g = Geometry::builder(&[2, 2, 6]);
        let shuffle = LayerKind::SelectChannels {
            channels: vec![0, 3, 1, 4, 2, 5],
        };
        g.push("shuffle", shuffle).unwrap();
        g.push("late", LayerKind::SelectChannels { channels: vec![4] })
            .unwrap();
        let g = g.build();
        assert_eq!(g.shape(Place::Layer(1)).unwrap(), &[2, 2, 1]);
        // output channels 1..3 read inputs 3 and 1: the box 1..4
        assert_eq!(
            g.cone(Place::Input, 0, &UnitBox::new([0..1, 1..2, 1..3]))
                .unwrap(),
            UnitBox::new([0..1, 1..2, 1..4])
        );
        assert_eq!(
            g.cone(Place::Input, 1, &UnitBox::new([1..2, 0..1, 0..1]))
                .unwrap(),
            UnitBox::new([1..2, 0..1, 2..3])
        );
        let mut g = Geometry::builder(&[2, 2, 6]);
        let beyond = LayerKind::SelectChannels { channels: vec![6] };
        assert!(g.push("beyond", beyond).is_err());
    }

    #[test]
    fn padding_cones_by_mode() {
        let pad = |mode| {
            let mut g = Geometry::builder(&[4, 4, 2]);
            g.push(
                "pad",
                LayerKind::Pad {
                    pads: [2, 1, 2, 1],
                    mode,
                },
            )
            .unwrap();
            g.build()
        };
        let corner = UnitBox::new([0..2, 0..1, 0..2]);
        assert_eq!(
            pad(PadMode::Constant).shape(Place::Layer(0)).unwrap(),
            &[8, 6, 2]
        );
        // a constant padding's border reads nothing
        assert!(matches!(
            pad(PadMode::Constant).cone(Place::Input, 0, &corner),
            Err(Error::NoPath { .. })
        ));
        // edge: the corner pixel; reflect: rows 1..3 (rows -2, -1), column 1
        assert_eq!(
            pad(PadMode::Edge).cone(Place::Input, 0, &corner).unwrap(),
            UnitBox::new([0..1, 0..1, 0..2])
        );
        assert_eq!(
            pad(PadMode::Reflect)
                .cone(Place::Input, 0, &corner)
                .unwrap(),
            UnitBox::new([1..3, 1..2, 0..2])
        );
        // inside, every mode shifts
        let inner = UnitBox::new([3..5, 2..4, 1..2]);
        for mode in [PadMode::Constant, PadMode::Edge, PadMode::Reflect] {
            assert_eq!(
                pad(mode).cone(Place::Input, 0, &inner).unwrap(),
                UnitBox::new([1..3, 1..3, 1..2])
            );
        }
        // padding that overflows is an error, not a panic
        let mut g = Geometry::builder(&[4, 4, 2]);
        let huge = LayerKind::Pad {
            pads: [usize::MAX, 0, 1, 0],
            mode: PadMode::Constant,
        };
        assert!(g.push("pad", huge).is_err());
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
            Err(Error::Unit(UnitError::ConeOutsideShape { .. }))
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
