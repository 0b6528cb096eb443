//! An explainer over activations computed elsewhere: every query works as on
//! a network, and missing or misshapen layers are refused when it is built.
//! Runs without burn (`--no-default-features`).

use ndarray::{Array2, Array4, Axis};
use nnitp_core::cone::{Geometry, LayerKind, Padding};
use nnitp_core::rng::SplitMix64;
use nnitp_core::{
    Activations, Error, Explainer, ExplainerConfig, LayerPredicate, Op, Predicate, Premise,
    SearchParams, Split, Unit,
};

/// [4, 4, 1] -> conv [4, 4, 2] -> ReLU -> flatten [32] -> dense [3].
fn geometry() -> Geometry {
    Geometry::new(
        &[4, 4, 1],
        vec![
            LayerKind::conv2d(2, 3, Padding::Same),
            LayerKind::Activation,
            LayerKind::Flatten,
            LayerKind::Dense { units: 3 },
        ],
    )
    .unwrap()
}

/// Layers 0, 1 and 3 of `n` samples: random conv outputs, their ReLU, and a
/// fixed linear read-out of the ReLU.
fn layers(n: usize, seed: u64) -> [Array2<f32>; 3] {
    let mut r = SplitMix64::new(seed);
    let conv = Array2::from_shape_simple_fn((n, 32), || r.normal());
    let relu = conv.mapv(|v| v.max(0.0));
    let mut w = SplitMix64::new(99);
    let weights = Array2::from_shape_simple_fn((32, 3), || w.normal());
    let out = relu.dot(&weights);
    [conv, relu, out]
}

fn activations(train: usize, test: usize) -> Activations {
    let mut acts = Activations::new(geometry());
    for (split, n, seed) in [(Split::Train, train, 1), (Split::Test, test, 2)] {
        let [conv, relu, out] = layers(n, seed);
        acts = acts
            .with_layer(split, 0, conv)
            .unwrap()
            .with_layer(split, 1, relu)
            .unwrap()
            .with_layer(split, 3, out)
            .unwrap();
    }
    acts
}

fn config() -> ExplainerConfig {
    ExplainerConfig::new(vec![0, 1]).with_params(SearchParams::default().with_alpha(0.8))
}

#[test]
fn explains_and_drills_down_on_given_activations() {
    let ex = Explainer::from_activations(activations(600, 200), config().with_size(500)).unwrap();
    assert_eq!((ex.len(Split::Train), ex.len(Split::Test)), (500, 200));
    assert!(ex.images(Split::Train).is_none());
    let preds = ex.predictions(Split::Train).unwrap();
    let out = ex.output_layer();
    let conclusion = LayerPredicate::new(out, Predicate::IsMax(preds[7]));
    let e = ex.explain(Premise::train(7), &conclusion, 1).unwrap();
    assert!(!e.interpolant.is_empty());
    assert_eq!(e.extract_seconds, 0.0);
    let relu = ex.activations(Split::Train, 1).unwrap();
    assert!(e.interpolant.eval(relu.view().row(7), &[4, 4, 2]).unwrap());
    assert_eq!(
        e.train.positives,
        preds.iter().filter(|&&c| c == preds[7]).count()
    );
    // drill down into a conjunct at the layer below
    let c = e.conjunct(0).unwrap();
    let d = ex.explain(Premise::train(7), &c, 0).unwrap();
    let conv = ex.activations(Split::Train, 0).unwrap();
    assert!(d.interpolant.eval(conv.view().row(7), &[4, 4, 2]).unwrap());
    // the drill-down stays in the conjunct's cone (3x3 around its unit)
    let Predicate::Bound(b) = &c.predicate else {
        panic!("a conjunct is a bound")
    };
    for bound in d.interpolant.bounds() {
        assert!(bound.unit.0[0].abs_diff(b.unit.0[0]) <= 1);
        assert!(bound.unit.0[1].abs_diff(b.unit.0[1]) <= 1);
    }
    // examples, counterexamples, fractions, percentiles, input regions
    let mask = ex.mask(Split::Test, &c).unwrap();
    let yes = ex.satisfying(Split::Test, &c, 20, None).unwrap();
    let no = ex.violating(Split::Test, &c, 20, None).unwrap();
    assert!(yes.iter().all(|&i| mask[i]) && no.iter().all(|&i| !mask[i]));
    let count = mask.iter().filter(|&&m| m).count();
    assert!((ex.fraction(Split::Test, &c).unwrap() - count as f64 / 200.0).abs() < 1e-12);
    let top = ex.percentile_bound(Split::Train, 1, b, 0.0).unwrap();
    let j = b.unit.flat(&[4, 4, 2]).unwrap();
    let relu = relu.view();
    let column = relu.index_axis(Axis(1), j);
    let want = match b.op {
        Op::Ge => column.fold(f32::MIN, |m, &v| m.max(v)),
        Op::Le => column.fold(f32::MAX, |m, &v| m.min(v)),
    };
    assert_eq!(top.value, want);
    let r = ex.input_box(0, &Unit::new([0, 0, 1])).unwrap();
    assert_eq!(r.ranges(), [0..2, 0..2, 0..1]);
}

#[test]
fn given_images_are_kept_and_checked() {
    let images = Array4::<f32>::zeros((600, 4, 4, 1));
    let acts = activations(600, 200)
        .with_images(Split::Train, images)
        .unwrap();
    assert!(matches!(
        acts.clone()
            .with_images(Split::Test, Array4::zeros((200, 4, 5, 1))),
        Err(Error::ShapeMismatch { .. })
    ));
    let ex = Explainer::from_activations(acts, config().with_size(100)).unwrap();
    assert_eq!(ex.images(Split::Train).unwrap().shape(), &[100, 4, 4, 1]);
    assert!(ex.images(Split::Test).is_none());
}

#[test]
fn missing_and_misshapen_layers_are_refused() {
    let [conv, relu, _] = layers(50, 3);
    // no output layer
    let acts = Activations::new(geometry())
        .with_layer(Split::Train, 0, conv.clone())
        .unwrap()
        .with_layer(Split::Train, 1, relu.clone())
        .unwrap();
    assert!(matches!(
        Explainer::from_activations(acts, config()),
        Err(Error::LayerNotAvailable { layer: 3, .. })
    ));
    // a selected layer missing from the test set
    let full = activations(50, 20);
    assert!(matches!(
        Explainer::from_activations(full.clone(), ExplainerConfig::new(vec![0, 2])),
        Err(Error::LayerNotAvailable {
            layer: 2,
            split: Split::Train,
            ..
        })
    ));
    // wrong width, wrong row count, a layer that does not exist
    assert!(matches!(
        Activations::new(geometry()).with_layer(Split::Train, 0, Array2::zeros((5, 31))),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        full.clone()
            .with_layer(Split::Train, 2, Array2::zeros((49, 32))),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        full.clone()
            .with_layer(Split::Train, 4, Array2::zeros((50, 3))),
        Err(Error::Geometry(
            nnitp_core::cone::GeometryError::LayerOutOfRange { layer: 4, .. }
        ))
    ));
    // a layer never given cannot be computed later
    let ex = Explainer::from_activations(full, config()).unwrap();
    let err = ex.activations(Split::Test, 2).unwrap_err();
    assert!(
        matches!(&err, Error::LayerNotAvailable { layer: 2, name, split: Split::Test } if name == "layer_2"),
        "{err}"
    );
}

#[test]
fn a_premise_must_satisfy_its_conclusion() {
    let ex = Explainer::from_activations(activations(300, 100), config()).unwrap();
    let preds = ex.predictions(Split::Test).unwrap();
    let wrong = (preds[4] + 1) % 3;
    let conclusion = LayerPredicate::new(3, Predicate::IsMax(wrong));
    let err = ex.explain(Premise::test(4), &conclusion, 1).unwrap_err();
    assert!(
        matches!(
            err,
            Error::PremiseViolatesConclusion {
                split: Split::Test,
                index: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("is_max"), "{err}");
}

#[test]
fn a_folder_with_a_hostile_geometry_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    activations(20, 10).write_dir(tmp.path()).unwrap();
    assert_eq!(
        Activations::read_dir(tmp.path())
            .unwrap()
            .layers(Split::Test),
        [0, 1, 3]
    );
    let geometry = tmp.path().join("geometry.json");
    let bad = |what: &str| match Activations::read_dir(tmp.path()) {
        Err(Error::File(nnitp_core::error::FileError::Invalid { reason, .. })) => reason,
        other => panic!("{what}: expected a bad file, got {other:?}"),
    };
    std::fs::write(&geometry, b"{\"input_shape\": [4], \"layers\": [\xff]}").unwrap();
    assert!(bad("not UTF-8").contains("UTF-8"));
    std::fs::write(
        &geometry,
        r#"{"input_shape": [4], "layers": [{"name": "d", "kind": {"dense": {"units": 0}}}]}"#,
    )
    .unwrap();
    assert!(bad("an empty layer").contains("not a valid geometry"));
    let huge = std::fs::File::create(&geometry).unwrap();
    huge.set_len(1 << 30).unwrap();
    assert!(bad("huge").contains("longer than"));
    #[cfg(unix)]
    {
        std::fs::remove_file(&geometry).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &geometry).unwrap();
        assert!(bad("endless").contains("regular file"));
    }
}
