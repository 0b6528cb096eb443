//! Every input the search rejects gives its typed error, never a panic; ensembles
//! are reproducible from their seed.

use ndarray::{array, s, Array2};
use nnitp_core::{Error, SearchInput, SearchParams, UnitBox};

fn data() -> (Array2<f32>, Vec<bool>) {
    let x = Array2::from_shape_fn((40, 8), |(i, u)| {
        ((i * 7 + u * 13) % 11) as f32 + if i % 4 == 0 && u == 3 { 5.0 } else { 0.0 }
    });
    let mask = (0..40).map(|i| i % 4 == 0).collect();
    (x, mask)
}

fn params() -> nnitp_core::ValidSearchParams {
    SearchParams::default().with_alpha(0.9).check().unwrap()
}

#[test]
fn no_positive_samples() {
    let (x, _) = data();
    let mask = vec![false; 40];
    let input = SearchInput::masked(x.slice(s![0..1, ..]), x.view(), &mask, &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::NoPositiveSamples)
    ));
    let empty = Array2::<f32>::zeros((0, 8));
    let input = SearchInput::split(x.slice(s![0..1, ..]), empty.view(), x.view(), &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::NoPositiveSamples)
    ));
}

#[test]
fn empty_premise() {
    let (x, mask) = data();
    let input = SearchInput::masked(x.slice(s![0..0, ..]), x.view(), &mask, &[8]);
    assert!(matches!(params().search(&input), Err(Error::EmptyPremise)));
}

#[test]
fn shape_mismatches() {
    let (x, mask) = data();
    let premise = x.slice(s![0..1, ..]);
    // unit shape that does not match the matrices
    let input = SearchInput::masked(premise, x.view(), &mask, &[2, 3]);
    assert!(matches!(
        params().search(&input),
        Err(Error::ShapeMismatch { .. })
    ));
    // mask of the wrong length
    let short = &mask[..39];
    let input = SearchInput::masked(premise, x.view(), short, &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::ShapeMismatch { .. })
    ));
    // positives and negatives of different widths
    let narrow = x.slice(s![.., 0..7]);
    let input = SearchInput::split(premise, x.view(), narrow, &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn non_finite_activations() {
    let (mut x, mask) = data();
    x[[5, 2]] = f32::NAN;
    let premise = x.slice(s![0..1, ..]).to_owned();
    let input = SearchInput::masked(premise.view(), x.view(), &mask, &[8]);
    match params().search(&input) {
        Err(Error::NonFinite { row, unit, .. }) => assert_eq!((row, unit), (5, 2)),
        other => panic!("expected NonFinite, got {other:?}"),
    }
    // in a positive sample
    let (mut y, _) = data();
    y[[8, 6]] = f32::INFINITY;
    let input = SearchInput::masked(premise.view(), y.view(), &mask, &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::NonFinite {
            row: 8,
            unit: 6,
            ..
        })
    ));
    // in the premise
    let bad = array![[0.0f32, 0.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]];
    let (z, _) = data();
    let input = SearchInput::masked(bad.view(), z.view(), &mask, &[8]);
    assert!(matches!(
        params().search(&input),
        Err(Error::NonFinite { .. })
    ));
    // even when the loop stops at once (alpha already met)
    let lax = SearchParams::default().with_alpha(0.1).check().unwrap();
    let input = SearchInput::masked(premise.view(), x.view(), &mask, &[8]);
    assert!(matches!(lax.search(&input), Err(Error::NonFinite { .. })));
}

#[test]
fn cone_outside_the_unit_shape() {
    let (x, mask) = data();
    let premise = x.slice(s![0..1, ..]);
    for cone in [
        UnitBox::flat(0..9),
        UnitBox::flat(3..3),
        UnitBox::new([0..2, 0..4]),
    ] {
        let input = SearchInput::masked(premise, x.view(), &mask, &[8]).with_cone(Some(cone));
        assert!(matches!(
            params().search(&input),
            Err(Error::Geometry(nnitp_core::cone::GeometryError::Unit(
                nnitp_core::unit::UnitError::ConeOutsideShape { .. }
            )))
        ));
    }
}

#[test]
fn a_cone_restricts_the_units() {
    let (x, mask) = data();
    let premise = x.slice(s![0..1, ..]);
    let input =
        SearchInput::masked(premise, x.view(), &mask, &[8]).with_cone(Some(UnitBox::flat(4..8)));
    let itp = params().search(&input).unwrap();
    assert!(
        !itp.is_empty(),
        "the cone's units still separate the samples"
    );
    assert!(itp.bounds().iter().all(|b| b.unit.0[0] >= 4), "{itp}");
    // without the cone the search picks unit 3, the most informative one
    let whole = params()
        .search(&SearchInput::masked(premise, x.view(), &mask, &[8]))
        .unwrap();
    assert!(whole.bounds().iter().any(|b| b.unit.0[0] == 3), "{whole}");
}

#[test]
fn ensembles_are_reproducible_and_seeded() {
    let n = 400;
    let x = Array2::from_shape_fn((n, 64), |(i, u)| {
        (((i * 31 + u * 17) ^ (i * u)) % 23) as f32 / 7.0
    });
    let mask: Vec<bool> = (0..n).map(|i| (i * 13) % 5 == 0).collect();
    let premise = x.slice(s![0..1, ..]);
    let input = SearchInput::masked(premise, x.view(), &mask, &[64]);
    let p = |seed| {
        SearchParams::default()
            .with_alpha(0.9)
            .with_ensemble_size(4)
            .with_seed(seed)
            .check()
            .unwrap()
    };
    let a = p(1).search(&input).unwrap();
    let b = p(1).search(&input).unwrap();
    assert_eq!(a, b);
    assert!(!a.is_empty());
    let seeds_differ = (2..10).any(|s| p(s).search(&input).unwrap() != a);
    assert!(seeds_differ, "the seed should change the unit subsets");
    // every premise row satisfies the conjunction of the members
    assert!(a.eval(premise.row(0), &[64]).unwrap());
}

#[test]
fn ensemble_larger_than_the_units() {
    let (x, mask) = data();
    let input = SearchInput::masked(x.slice(s![0..1, ..]), x.view(), &mask, &[8]);
    let p = SearchParams::default()
        .with_ensemble_size(9)
        .check()
        .unwrap();
    assert!(matches!(
        p.search(&input),
        Err(Error::EnsembleTooLarge {
            ensemble_size: 9,
            units: 8
        })
    ));
}

#[test]
fn the_premise_satisfies_the_interpolant() {
    let (x, mask) = data();
    for row in [0, 4, 8, 3] {
        let premise = x.slice(s![row..row + 1, ..]);
        let itp = params()
            .search(&SearchInput::masked(premise, x.view(), &mask, &[8]))
            .unwrap();
        assert!(itp.eval(premise.row(0), &[8]).unwrap(), "row {row}: {itp}");
    }
}
