//! Unit tests of the parent module.

use super::*;
use ndarray::array;

fn b(u: &[usize], op: Op, v: f32) -> Bound {
    Bound::new(Unit::new(u), op, v)
}

#[test]
fn display_matches_nnitp() {
    let c = Conjunction::new(vec![
        b(&[0, 4, 25], Op::Le, -0.696_243_05),
        b(&[5, 0, 44], Op::Ge, 1.063251),
        b(&[6, 3, 62], Op::Ge, 0.536_592_25),
    ]);
    assert_eq!(
        c.to_string(),
        "(v(0,4,25)<=-0.69624305 & v(5,0,44)>=1.063251 & v(6,3,62)>=0.53659225)"
    );
    assert_eq!(
        LayerPredicate::new(14, c.clone()).to_string(),
        "layer 14: (v(0,4,25)<=-0.69624305 & v(5,0,44)>=1.063251 & v(6,3,62)>=0.53659225)"
    );
    assert_eq!(Conjunction::default().to_string(), "true");
    assert_eq!(Predicate::And(vec![]).to_string(), "true");
    assert_eq!(Predicate::IsMax(3).to_string(), "is_max(3)");
    assert_eq!(Predicate::IsMax(3).negate().to_string(), "~is_max(3)");
    assert_eq!(
        Predicate::from(b(&[1], Op::Ge, 2.0)).negate().to_string(),
        "~v(1)>=2.0"
    );
    assert_eq!(
        Conjunction::new(vec![b(&[17], Op::Ge, 1.371_571_3)]).to_string_f64(),
        "(v(17)>=1.3715713024139404)"
    );
}

#[test]
fn batch_and_row_evaluation_agree() {
    let data = array![
        [0.0f32, 1.0, 2.0, 3.0],
        [3.0, 2.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 1.0]
    ];
    let shape = [2, 2];
    let c = Conjunction::new(vec![b(&[0, 0], Op::Le, 1.0), b(&[0, 1], Op::Ge, 1.0)]);
    let batch = c.eval_batch(data.view(), &shape).unwrap();
    assert_eq!(batch.to_vec(), vec![true, false, true]);
    for (i, row) in data.rows().into_iter().enumerate() {
        assert_eq!(c.eval(row, &shape).unwrap(), batch[i]);
    }
    let p = Predicate::from(c.clone()).negate();
    assert_eq!(
        p.eval_batch(data.view(), &shape).unwrap().to_vec(),
        vec![false, true, false]
    );
    let m = Predicate::IsMax(3).eval_batch(data.view(), &shape).unwrap();
    assert_eq!(m.to_vec(), vec![true, false, false]);
    // ties go to the first largest unit, as numpy's argmax
    let m0 = Predicate::IsMax(0).eval_batch(data.view(), &shape).unwrap();
    assert_eq!(m0.to_vec(), vec![false, true, true]);
}

#[test]
fn bad_units_and_classes_are_errors() {
    let data = array![[0.0f32, 1.0, 2.0, 3.0]];
    assert!(matches!(
        b(&[2, 0], Op::Ge, 0.0).eval_batch(data.view(), &[2, 2]),
        Err(Error::Geometry(crate::cone::GeometryError::Unit(
            crate::unit::UnitError::UnitOutOfRange { .. }
        )))
    ));
    assert!(matches!(
        Predicate::IsMax(4).eval_batch(data.view(), &[4]),
        Err(Error::ClassOutOfRange { .. })
    ));
    assert!(matches!(
        b(&[0], Op::Ge, 0.0).eval_batch(data.view(), &[3]),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn serde_round_trip() {
    let c = Conjunction::new(vec![b(&[2, 0, 4], Op::Ge, 1.064_588_4)]);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"[{"unit":[2,0,4],"op":">=","value":1.0645884275436401}]"#
    );
    let back: Conjunction = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
    let p = LayerPredicate::new(6, Predicate::IsMax(2).negate());
    let back: LayerPredicate = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

/// Any predicate, nested up to three levels.
fn any_predicate() -> impl proptest::strategy::Strategy<Value = Predicate> {
    use proptest::prelude::*;
    let bound = (
        proptest::collection::vec(0usize..40, 1..4),
        any::<bool>(),
        any::<f32>().prop_filter("not NaN", |v| !v.is_nan()),
    )
        .prop_map(|(u, ge, v)| Predicate::Bound(b(&u, if ge { Op::Ge } else { Op::Le }, v)));
    let leaf = prop_oneof![bound, (0usize..10).prop_map(Predicate::IsMax)];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Predicate::And),
            inner.prop_map(|p| Predicate::Not(Box::new(p))),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn what_is_printed_reads_back(p in any_predicate(), layer in 0usize..100) {
        let text = p.to_string();
        proptest::prop_assert_eq!(text.parse::<Predicate>().unwrap(), p.clone());
        let lp = LayerPredicate::new(layer, p);
        proptest::prop_assert_eq!(lp.to_string().parse::<LayerPredicate>().unwrap(), lp);
    }
}

#[test]
fn predicates_read_with_space_and_exponents() {
    let p: Predicate = " ( v(0) >= 150 &  v(1,2)<=-1e-3 ) ".parse().unwrap();
    assert_eq!(p.to_string(), "(v(0)>=150.0 & v(1,2)<=-0.001)");
    let lp: LayerPredicate = "layer 17: is_max(3)".parse().unwrap();
    assert_eq!(lp, LayerPredicate::new(17, Predicate::IsMax(3)));
    assert_eq!("true".parse::<Predicate>().unwrap(), Predicate::And(vec![]));
    assert_eq!(
        "v(0)<=-inf".parse::<Predicate>().unwrap(),
        Predicate::Bound(b(&[0], Op::Le, f32::NEG_INFINITY))
    );
}

#[test]
fn what_is_not_a_predicate_says_where() {
    let cases = [
        ("", 0, "a predicate"),
        ("v(0)=>1", 4, ">= or <="),
        ("v(0)>=nan", 6, "a number (not NaN)"),
        ("v(0)>=", 6, "a number"),
        ("v()>=1", 2, "an index"),
        ("v(99999999999999999999999)>=1", 2, "an index"),
        ("(v(0)>=1 & v(1)<=2", 18, ")"),
        ("v(0)>=1 junk", 8, "the end of the predicate"),
        ("is_max(x)", 7, "an index"),
    ];
    for (text, position, expected) in cases {
        let e = text.parse::<Predicate>().unwrap_err();
        assert_eq!(e.position, position, "{text:?}: {e}");
        assert!(e.expected.starts_with(expected), "{text:?}: {e}");
    }
    let e = "v(0)>=1".parse::<LayerPredicate>().unwrap_err();
    assert_eq!(e.expected, "layer");
    // deep nesting and huge texts are refused, not overflowed
    let deep = "~".repeat(10_000) + "v(0)>=1";
    assert!(deep
        .parse::<Predicate>()
        .unwrap_err()
        .expected
        .starts_with("less nesting"));
    let huge = "(".to_string() + &"v(0)>=1 & ".repeat(200_000) + "v(0)>=1)";
    assert!(huge
        .parse::<Predicate>()
        .unwrap_err()
        .expected
        .starts_with("a shorter text"));
}
