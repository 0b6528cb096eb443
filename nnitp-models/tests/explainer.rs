//! Extraction and the Explainer on real burn networks: a small CNN built with
//! the layer-list builder, and the shipped Fashion-MNIST model on the embedded
//! data.

use burn::tensor::Device;
use ndarray::Array2;
use ndarray::Array4;
use nnitp_core::cone::{Padding, Place};
use nnitp_core::progress::{Observer, Task};
use nnitp_core::{
    Error as CoreError, ExplainerConfig, LayerPredicate, Network, Predicate, Premise, SearchParams,
    Split, Unit,
};
use nnitp_models::graph::DeviceGraph;
use nnitp_models::zoo::{Architecture, ModelKind};
use nnitp_models::{Setup, ZooExplainer};

/// Extraction without progress reports.
fn extract(
    net: &DeviceGraph,
    x: ndarray::ArrayView4<'_, f32>,
    layers: &[usize],
    batch: usize,
) -> nnitp_core::Result<Vec<Array2<f32>>> {
    nnitp_core::network::extract(net, x, layers, batch, &Observer::none(), Task::Running)
}

fn small_net(device: &Device) -> DeviceGraph {
    let arch = Architecture::new([8, 8, 2])
        .conv2d(4, 3, Padding::Same)
        .elu()
        .max_pool(2)
        .conv2d(6, 3, Padding::Valid)
        .relu()
        .flatten()
        .dense(3, true);
    arch.init(device).unwrap()
}

/// Deterministic images in [0, 1).
fn images(n: usize, h: usize, w: usize, c: usize, seed: u64) -> Array4<f32> {
    let mut s = seed;
    Array4::from_shape_simple_fn((n, h, w, c), || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((s >> 40) as f32) / (1u64 << 24) as f32
    })
}

#[test]
fn extraction_is_channels_last_and_independent_of_batch_size() {
    let device = Device::flex();
    let net = small_net(&device);
    let x = images(7, 8, 8, 2, 1);
    let a = extract(&net, x.view(), &[0, 2, 6], 3).unwrap();
    let b = extract(&net, x.view(), &[6, 0, 2], 7).unwrap();
    assert_eq!(a[0].shape(), &[7, 8 * 8 * 4]);
    assert_eq!(a[1].shape(), &[7, 4 * 4 * 4]);
    assert_eq!(a[2].shape(), &[7, 3]);
    for (p, q) in [(&a[0], &b[1]), (&a[1], &b[2]), (&a[2], &b[0])] {
        assert!(p.iter().zip(q.iter()).all(|(u, v)| (u - v).abs() < 1e-5));
    }
    // a layer asked for twice comes back twice (the same values); another
    // batch size gives the same activations to float rounding (a matrix
    // product over 1 or 3 rows may round its last bit differently)
    let c = extract(&net, x.view(), &[6, 0, 6], 4).unwrap();
    assert_eq!(c[0], c[2]);
    for (p, q) in [(&c[0], &a[2]), (&c[1], &a[0])] {
        assert!(p.iter().zip(q.iter()).all(|(u, v)| (u - v).abs() < 1e-6));
    }
    // the output is a softmax
    for row in a[2].rows() {
        assert!((row.sum() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn units_are_channels_last() {
    // a weight-free layer makes every activation computable by hand: unit
    // v(r,c,k) of a 2x2 max pool is the largest of input rows 2r..2r+2,
    // columns 2c..2c+2 in channel k
    let arch = Architecture::new([4, 6, 3])
        .max_pool(2)
        .flatten()
        .dense(2, false);
    let net = arch.init(&Device::flex()).unwrap();
    let x = images(3, 4, 6, 3, 7);
    let acts = extract(&net, x.view(), &[0], 2).unwrap().remove(0);
    let shape = net.geometry().shape(Place::Layer(0)).unwrap().to_vec();
    assert_eq!(shape, [2, 3, 3]);
    for n in 0..3 {
        for r in 0..2 {
            for c in 0..3 {
                for k in 0..3 {
                    let mut m = f32::MIN;
                    for dr in 0..2 {
                        for dc in 0..2 {
                            m = m.max(x[[n, 2 * r + dr, 2 * c + dc, k]]);
                        }
                    }
                    let flat = Unit::new([r, c, k]).flat(&shape).unwrap();
                    assert_eq!(flat, (r * 3 + c) * 3 + k);
                    assert_eq!(acts[[n, flat]], m, "v({r},{c},{k}) of image {n}");
                }
            }
        }
    }
}

#[test]
fn extraction_errors() {
    let device = Device::flex();
    let net = small_net(&device);
    let x = images(2, 8, 8, 2, 1);
    assert!(matches!(
        extract(&net, x.view(), &[0], 0),
        Err(CoreError::Params(
            nnitp_core::error::ParamError::InvalidBatchSize
        ))
    ));
    assert!(matches!(
        extract(&net, x.view(), &[7], 2),
        Err(CoreError::Geometry(
            nnitp_core::cone::GeometryError::LayerOutOfRange { layer: 7, .. }
        ))
    ));
    let wrong = images(2, 8, 7, 2, 1);
    assert!(matches!(
        extract(&net, wrong.view(), &[0], 2),
        Err(CoreError::ShapeMismatch { .. })
    ));
}

fn small_explainer() -> ZooExplainer {
    let device = Device::flex();
    let config = ExplainerConfig::new(vec![0, 2, 4])
        .with_params(SearchParams::default().with_alpha(0.9))
        .with_size(150)
        .with_batch_size(64);
    nnitp_core::Explainer::new(
        small_net(&device),
        images(200, 8, 8, 2, 3),
        images(80, 8, 8, 2, 4),
        config,
    )
    .unwrap()
}

#[test]
fn explanations_hold_for_the_premise_and_drill_down() {
    let ex = small_explainer();
    assert_eq!(ex.len(Split::Train), 150);
    assert_eq!(ex.len(Split::Test), 80);
    assert_eq!(ex.previous_layer(6), Some(4));
    assert_eq!(ex.previous_layer(4), Some(2));
    assert_eq!(ex.previous_layer(0), None);
    // conclusion: unit v(0,1,2) of layer 3 (a convolution) at least its
    // median; the premise is the first image above the median
    let acts4 = ex.activations(Split::Train, 3).unwrap().to_owned();
    let shape4 = ex.unit_shape(3).unwrap().to_vec();
    let j = Unit::new([0, 1, 2]).flat(&shape4).unwrap();
    let mut col: Vec<f32> = acts4.view().column(j).to_vec();
    col.sort_by(f32::total_cmp);
    let median = col[col.len() / 2];
    let premise = acts4
        .view()
        .column(j)
        .iter()
        .position(|&v| v > median)
        .unwrap();
    let bound = nnitp_core::Bound::new(Unit::new([0, 1, 2]), nnitp_core::Op::Ge, median);
    let conclusion = LayerPredicate::new(3, bound);
    let e = ex.explain(Premise::train(premise), &conclusion, 2).unwrap();
    assert!(!e.interpolant.is_empty());
    // the premise satisfies its interpolant
    let acts = ex.activations(Split::Train, 2).unwrap().to_owned();
    let shape = ex.unit_shape(2).unwrap().to_vec();
    assert!(e
        .interpolant
        .eval(acts.view().row(premise), &shape)
        .unwrap());
    // train figures count what they say
    let p = acts4
        .view()
        .column(j)
        .iter()
        .filter(|&&v| v >= median)
        .count();
    assert_eq!(e.train.positives, p);
    assert!(e.train.satisfying >= 1);
    assert!(e.train.precision().unwrap() >= 0.9, "{e}");
    assert!(e.extract_seconds > 0.0);
    assert!(e.to_string().starts_with("Interpolant: layer 2: ("), "{e}");
    // every conjunct lies in the cone of the conclusion's unit
    let cone4 = ex
        .network()
        .geometry()
        .cone(
            Place::Layer(2),
            3,
            &nnitp_core::UnitBox::unit(&Unit::new([0, 1, 2])),
        )
        .unwrap();
    for bound in e.interpolant.bounds() {
        assert!(
            cone4.contains_box(&nnitp_core::UnitBox::unit(&bound.unit)),
            "{bound} outside {cone4:?}"
        );
    }
    // is_max conclusions count the network's predictions as positives
    let preds = ex.predictions(Split::Train).unwrap();
    let class = preds[0];
    let out = ex.output_layer();
    let by_class = ex
        .explain(
            Premise::train(0),
            &LayerPredicate::new(out, Predicate::IsMax(class)),
            4,
        )
        .unwrap();
    assert_eq!(
        by_class.train.positives,
        preds.iter().filter(|&&c| c == class).count()
    );
    // a second explanation reuses the activations
    let again = ex.explain(Premise::train(premise), &conclusion, 2).unwrap();
    assert_eq!(again.interpolant, e.interpolant);
    assert_eq!(again.extract_seconds, 0.0);
    // drill down into a conjunct at layer 0, inside the conjunct's cone
    let c0 = e.conjunct(0).unwrap();
    let d = ex.explain(Premise::train(premise), &c0, 0).unwrap();
    let Predicate::Bound(b) = &c0.predicate else {
        panic!()
    };
    let cone = nnitp_core::UnitBox::unit(&b.unit);
    let cone = ex
        .network()
        .geometry()
        .cone(Place::Layer(0), 2, &cone)
        .unwrap();
    for bound in d.interpolant.bounds() {
        assert!(
            cone.contains_box(&nnitp_core::UnitBox::unit(&bound.unit)),
            "{bound} outside {cone:?}"
        );
    }
    // examples satisfy the predicate, counterexamples do not
    let yes = ex.satisfying(Split::Test, &c0, 10, None).unwrap();
    let no = ex.violating(Split::Test, &c0, 10, None).unwrap();
    let mask = ex.mask(Split::Test, &c0).unwrap();
    assert!(yes.iter().all(|&i| mask[i]) && no.iter().all(|&i| !mask[i]));
    let frac = ex.fraction(Split::Test, &c0).unwrap();
    assert!((frac - mask.iter().filter(|&&m| m).count() as f64 / 80.0).abs() < 1e-12);
    // restricted to a class
    let tpreds = ex.predictions(Split::Test).unwrap();
    let only = ex.satisfying(Split::Test, &c0, 80, Some(class)).unwrap();
    assert!(only.iter().all(|&i| tpreds[i] == class && mask[i]));
    // percentile box: the 100th percentile of >= keeps everything, the 0th the maximum only
    let all = ex.percentile_bound(Split::Train, 2, b, 100.0).unwrap();
    let top = ex.percentile_bound(Split::Train, 2, b, 0.0).unwrap();
    let j = b.unit.flat(&shape).unwrap();
    let acts = acts.view();
    let col = acts.column(j);
    let (lo, hi) = col
        .iter()
        .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let (lo_want, hi_want) = match b.op {
        nnitp_core::Op::Ge => (lo, hi),
        nnitp_core::Op::Le => (hi, lo),
    };
    assert_eq!((all.value, top.value), (lo_want, hi_want));
    // input regions
    let r = ex.input_box(2, &b.unit).unwrap();
    assert_eq!(r.ranges().len(), 3);
    assert_eq!(r.ranges()[2], 0..2);
}

#[test]
fn explainer_errors() {
    let mut ex = small_explainer();
    let out = ex.output_layer();
    let conclusion = LayerPredicate::new(out, Predicate::IsMax(0));
    assert!(matches!(
        ex.explain(Premise::train(150), &conclusion, 4),
        Err(CoreError::ImageOutOfRange {
            index: 150,
            images: 150
        })
    ));
    assert!(matches!(
        ex.explain(
            Premise::test(0),
            &LayerPredicate::new(2, Predicate::IsMax(0)),
            4
        ),
        Err(CoreError::Geometry(
            nnitp_core::cone::GeometryError::LayerNotBelow { from: 4, to: 2 }
        ))
    ));
    assert!(matches!(
        ex.explain(Premise::train(0), &conclusion, 9),
        Err(CoreError::Geometry(
            nnitp_core::cone::GeometryError::LayerOutOfRange { layer: 9, .. }
        ))
    ));
    assert!(matches!(
        ex.explain(
            Premise::train(0),
            &LayerPredicate::new(out, Predicate::IsMax(3)),
            4
        ),
        Err(CoreError::ClassOutOfRange {
            class: 3,
            classes: 3
        })
    ));
    assert!(matches!(
        ex.satisfying(Split::Train, &conclusion, 5, Some(7)),
        Err(CoreError::ClassOutOfRange { class: 7, .. })
    ));
    let b = nnitp_core::Bound::new(Unit::new([0, 0, 0]), nnitp_core::Op::Ge, 0.0);
    assert!(matches!(
        ex.percentile_bound(Split::Train, 4, &b, 101.0),
        Err(CoreError::Params(
            nnitp_core::error::ParamError::InvalidPercentile(_)
        ))
    ));
    assert!(matches!(
        ex.set_layers(vec![2, 99]),
        Err(CoreError::Geometry(
            nnitp_core::cone::GeometryError::LayerOutOfRange { layer: 99, .. }
        ))
    ));
    assert_eq!(ex.layers(), &[0, 2, 4]);
    assert!(matches!(
        ex.set_params(SearchParams::default().with_alpha(1.5)),
        Err(CoreError::Params(
            nnitp_core::error::ParamError::InvalidAlpha(_)
        ))
    ));
    // image 1 explained by its own class; any other class is an error
    let class = ex.predictions(Split::Train).unwrap()[1];
    let own = LayerPredicate::new(out, Predicate::IsMax(class));
    let e = ex.explain(Premise::train(1), &own, 4).unwrap();
    assert!(matches!(
        e.conjunct(99),
        Err(CoreError::ConjunctOutOfRange { index: 99, .. })
    ));
    let other = LayerPredicate::new(out, Predicate::IsMax((class + 1) % 3));
    let err = ex.explain(Premise::train(1), &other, 4).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::PremiseViolatesConclusion {
                split: Split::Train,
                index: 1,
                ..
            }
        ),
        "{err}"
    );
    let device = Device::flex();
    assert!(matches!(
        nnitp_core::Explainer::new(
            small_net(&device),
            images(4, 8, 8, 2, 1),
            images(4, 8, 8, 2, 1),
            ExplainerConfig::new(vec![2]).with_size(0)
        ),
        Err(CoreError::Params(
            nnitp_core::error::ParamError::InvalidSize
        ))
    ));
    assert!(matches!(
        nnitp_core::Explainer::new(
            small_net(&device),
            images(4, 8, 8, 1, 1),
            images(4, 8, 8, 2, 1),
            ExplainerConfig::new(vec![2])
        ),
        Err(CoreError::ShapeMismatch { .. })
    ));
}

#[test]
fn shipped_model_walks_the_quick_start_on_embedded_data() {
    let loaded = Setup::new(ModelKind::FashionMnist, Device::flex())
        .with_embedded_data()
        .load()
        .unwrap();
    let labels = loaded.splits.train.labels.clone();
    let config = ModelKind::FashionMnist.explainer_config().with_size(2000);
    let ex = loaded.explainer(config).unwrap();
    let preds = ex.predictions(Split::Train).unwrap();
    let right = preds
        .iter()
        .zip(&labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    assert!(
        right as f64 / 2000.0 > 0.9,
        "training accuracy {right}/2000"
    );
    let out = ex.output_layer();
    assert_eq!(out, 17);
    let zero = LayerPredicate::new(out, Predicate::IsMax(0));
    let listed = ex.satisfying(Split::Train, &zero, 50, None).unwrap();
    assert_eq!(listed.len(), 50);
    let mistake = *listed
        .iter()
        .find(|&&i| labels[i] != 0)
        .expect("a mistake among 50");
    let e = ex.explain(Premise::train(mistake), &zero, 14).unwrap();
    assert!(!e.interpolant.is_empty());
    let p = e.train.precision().unwrap();
    assert!(p >= 0.9, "{e}");
    let d = ex
        .explain(Premise::train(mistake), &e.conjunct(0).unwrap(), 6)
        .unwrap();
    assert_eq!(d.layer, 6);
    // layer 6 was extracted for the drill-down, and only then
    assert!(d.extract_seconds > 0.0);
    let again = ex
        .explain(Premise::train(mistake), &e.conjunct(0).unwrap(), 6)
        .unwrap();
    assert_eq!(
        (again.extract_seconds, &again.interpolant),
        (0.0, &d.interpolant)
    );
}
