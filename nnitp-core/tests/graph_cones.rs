//! Cones through graphs: residual sums, concatenations, global average
//! pooling and skip connections; known cones by hand, and property tests over
//! random graphs (the cone of a box holds the cones of its sub-boxes; walking
//! one edge at a time gives the cone walked at once).

use nnitp_core::cone::{Geometry, LayerKind, Padding, Place};
use nnitp_core::{cone::GeometryError as Error, UnitBox};
use proptest::prelude::*;

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

/// stem conv (0), conv (1), relu (2), conv (3), sum of 3 and 0 (4), global
/// average pool (5), dense (6).
fn residual() -> Geometry {
    let mut g = Geometry::builder(&[8, 8, 1]);
    g.push("stem", conv(4, 3, 1, Padding::Same)).unwrap();
    g.push("conv1", conv(4, 3, 1, Padding::Same)).unwrap();
    g.push("relu1", LayerKind::Activation).unwrap();
    g.push("conv2", conv(4, 3, 1, Padding::Same)).unwrap();
    g.push_from("sum", LayerKind::Add, &[Place::Layer(3), Place::Layer(0)])
        .unwrap();
    g.push("gap", LayerKind::GlobalAvgPool).unwrap();
    g.push("fc", LayerKind::Dense { units: 3 }).unwrap();
    g.build()
}

#[test]
fn cones_through_a_residual_sum() {
    let g = residual();
    assert!(!g.is_sequential());
    assert_eq!(g.shape(Place::Layer(4)).unwrap(), &[8, 8, 4]);
    assert_eq!(g.shape(Place::Layer(5)).unwrap(), &[4]);
    let b = UnitBox::new([4..5, 4..5, 1..2]);
    // through the block: three 3x3 convs, rows 1..8; the skip: one, rows 3..6
    assert_eq!(
        g.cone(Place::Input, 4, &b).unwrap(),
        UnitBox::new([1..8, 1..8, 0..1])
    );
    // at the stem: two convs through the block (2..7) and the unit itself (4..5)
    assert_eq!(
        g.cone(Place::Layer(0), 4, &b).unwrap(),
        UnitBox::new([2..7, 2..7, 0..4])
    );
    // at conv2 only the block's own path: the unit itself
    assert_eq!(
        g.cone(Place::Layer(3), 4, &b).unwrap(),
        UnitBox::new([4..5, 4..5, 1..2])
    );
    // global average pooling reads the whole map of its channels
    assert_eq!(
        g.cone(Place::Layer(4), 5, &UnitBox::flat(2..3)).unwrap(),
        UnitBox::new([0..8, 0..8, 2..3])
    );
}

#[test]
fn a_concatenation_routes_channels_to_their_branch() {
    let mut g = Geometry::builder(&[9, 9, 1]);
    g.push("a", conv(2, 1, 1, Padding::Valid)).unwrap(); // 0: 1x1
    g.push_from("b", conv(3, 3, 1, Padding::Same), &[Place::Input])
        .unwrap(); // 1: 3x3
    g.push_from(
        "cat",
        LayerKind::Concat,
        &[Place::Layer(0), Place::Layer(1)],
    )
    .unwrap(); // 2
    let g = g.build();
    assert_eq!(g.shape(Place::Layer(2)).unwrap(), &[9, 9, 5]);
    let at = |c: std::ops::Range<usize>| UnitBox::new([4..5, 4..5, c]);
    // channel 0 is branch a (1x1), channels 2..5 branch b (3x3)
    assert_eq!(
        g.cone(Place::Input, 2, &at(0..1)).unwrap(),
        UnitBox::new([4..5, 4..5, 0..1])
    );
    assert_eq!(
        g.cone(Place::Input, 2, &at(3..4)).unwrap(),
        UnitBox::new([3..6, 3..6, 0..1])
    );
    // at branch b's layer: its channel 1 (channel 3 of the concatenation)
    assert_eq!(
        g.cone(Place::Layer(1), 2, &at(3..4)).unwrap(),
        UnitBox::new([4..5, 4..5, 1..2])
    );
    // branch a is not reached from channel 3
    assert!(matches!(
        g.cone(Place::Layer(0), 2, &at(3..4)),
        Err(Error::NoPath { .. })
    ));
}

#[test]
fn graph_json_round_trips_and_is_checked() {
    let g = residual();
    let json = serde_json::to_string(&g).unwrap();
    assert!(
        json.contains(r#""inputs":[{"layer":3},{"layer":0}]"#),
        "{json}"
    );
    // only the merge names its inputs
    assert_eq!(json.matches("\"inputs\"").count(), 1, "{json}");
    let back: Geometry = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g);
    // a merge of unequal shapes, an input from a later layer
    let bad = json.replace(r#"{"layer":0}]"#, r#""input"]"#);
    let err = serde_json::from_str::<Geometry>(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("one shape"), "{err}");
    let late = json.replace(r#"{"layer":0}]"#, r#"{"layer":5}]"#);
    let err = serde_json::from_str::<Geometry>(&late)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an earlier layer"), "{err}");
}

#[test]
fn builder_refuses_bad_merges() {
    let mut g = Geometry::builder(&[4, 4, 2]);
    g.push("a", conv(2, 3, 1, Padding::Same)).unwrap();
    g.push("b", conv(3, 3, 1, Padding::Same)).unwrap();
    for (kind, inputs) in [
        (LayerKind::Add, vec![Place::Layer(0), Place::Layer(1)]),
        (LayerKind::Add, vec![Place::Layer(0)]),
        (
            conv(2, 1, 1, Padding::Valid),
            vec![Place::Layer(0), Place::Layer(1)],
        ),
    ] {
        assert!(
            matches!(
                g.push_from("m", kind.clone(), &inputs),
                Err(Error::BadGeometry { layer: 2, .. })
            ),
            "{kind:?}"
        );
    }
    assert!(g
        .push_from("ok", LayerKind::Add, &[Place::Layer(0), Place::Input])
        .is_ok());
}

/// Builds a random graph from `steps`: each a layer on a random earlier place
/// (a conv, a max pool, an activation) or a merge of two earlier places (a
/// sum of equal shapes, a concatenation of equal maps); steps that do not fit
/// are skipped.
fn random_graph(input: [usize; 3], steps: &[(u8, u16, u16)]) -> Geometry {
    let mut g = Geometry::builder(&input);
    let mut n = 0usize;
    for &(op, a, b) in steps {
        let place = |x: u16| match x as usize % (n + 1) {
            0 => Place::Input,
            i => Place::Layer(i - 1),
        };
        let (k, s) = (1 + (a as usize % 3), 1 + (b as usize % 2));
        let padding = if a % 2 == 0 {
            Padding::Same
        } else {
            Padding::Valid
        };
        let done = match op % 6 {
            0 => g.push_from("conv", conv(1 + b as usize % 3, k, s, padding), &[place(a)]),
            1 => g.push_from("pool", LayerKind::max_pool(2), &[place(a)]),
            2 => g.push_from("act", LayerKind::Activation, &[place(a)]),
            3 => g.push_from("sum", LayerKind::Add, &[place(a), place(b)]),
            4 => g.push_from("cat", LayerKind::Concat, &[place(a), place(b)]),
            _ => g.push("conv", conv(2, k, 1, Padding::Same)),
        };
        n += usize::from(done.is_ok());
    }
    g.build()
}

fn steps() -> impl Strategy<Value = ([usize; 3], Vec<(u8, u16, u16)>)> {
    (
        (5usize..10, 5usize..10, 1usize..3).prop_map(|(h, w, c)| [h, w, c]),
        prop::collection::vec((any::<u8>(), any::<u16>(), any::<u16>()), 2..12),
    )
}

/// A box inside `shape` and a box inside that, from four numbers per axis.
fn boxes(shape: &[usize], picks: &[u16]) -> (UnitBox, UnitBox) {
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    for (d, &n) in shape.iter().enumerate() {
        let p = |i: usize| picks[(4 * d + i) % picks.len()] as usize;
        let (x, y) = (p(0) % n, p(1) % n);
        let (lo, hi) = (x.min(y), x.max(y) + 1);
        let a = lo + p(2) % (hi - lo);
        let b = a + 1 + p(3) % (hi - a);
        outer.push(lo..hi);
        inner.push(a..b.min(hi));
    }
    (UnitBox(outer), UnitBox(inner))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_cone_of_a_box_holds_the_cones_of_its_sub_boxes(
        (input, steps) in steps(), picks in prop::collection::vec(any::<u16>(), 12)
    ) {
        let g = random_graph(input, &steps);
        prop_assume!(!g.is_empty());
        let to = g.len() - 1;
        let (outer, inner) = boxes(g.shape(Place::Layer(to)).unwrap(), &picks);
        prop_assert!(outer.contains_box(&inner));
        let froms = std::iter::once(Place::Input).chain((0..to).map(Place::Layer));
        for from in froms {
            match (g.cone(from, to, &outer), g.cone(from, to, &inner)) {
                (Ok(big), Ok(small)) => {
                    prop_assert!(big.contains_box(&small), "{} vs {} from {:?}", big, small, from);
                    prop_assert!(big.check_within(g.shape(from).unwrap()).is_ok());
                }
                // a sub-box may miss a branch its box reaches, never the reverse
                (Ok(_), Err(Error::NoPath { .. })) | (Err(Error::NoPath { .. }), Err(Error::NoPath { .. })) => {}
                (big, small) => prop_assert!(false, "{:?} / {:?} from {:?}", big, small, from),
            }
        }
    }

    #[test]
    fn walking_one_edge_at_a_time_equals_walking_at_once(
        (input, steps) in steps(), picks in prop::collection::vec(any::<u16>(), 12)
    ) {
        let g = random_graph(input, &steps);
        prop_assume!(!g.is_empty());
        let to = g.len() - 1;
        let (b, _) = boxes(g.shape(Place::Layer(to)).unwrap(), &picks);
        let at_once = g.cone(Place::Input, to, &b);
        // one edge at a time: each layer's box sent to each of its inputs
        let mut held: Vec<Option<UnitBox>> = vec![None; to + 1];
        let mut at_input: Option<UnitBox> = None;
        held[to] = Some(b.clone());
        for layer in (0..=to).rev() {
            let Some(out) = held[layer].take() else { continue };
            for &p in g.inputs(layer).unwrap() {
                let step = match g.cone(p, layer, &out) {
                    Ok(s) => s,
                    Err(Error::NoPath { .. }) => continue,
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                };
                let slot = match p {
                    Place::Input => &mut at_input,
                    Place::Layer(i) => &mut held[i],
                };
                *slot = Some(match slot.take() { Some(h) => h.hull(&step), None => step });
            }
        }
        match (at_once, at_input) {
            (Ok(a), Some(s)) => prop_assert_eq!(a, s),
            (Err(Error::NoPath { .. }), None) => {}
            (a, s) => prop_assert!(false, "{:?} vs {:?}", a, s),
        }
    }
}
