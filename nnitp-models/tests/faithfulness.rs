//! Faithfulness on a network whose answer is known: its decision depends on
//! one unit only, so moving that unit flips it and moving any other never
//! does; and a source that cannot run its network says so.

use ndarray::{Array2, Array4};
use nnitp_core::cone::{Geometry, LayerKind, Place};
use nnitp_core::explainer::FaithfulnessParams;
use nnitp_core::rng::SplitMix64;
use nnitp_core::source::Activations;
use nnitp_core::{
    Error as CoreError, Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split,
};
use nnitp_models::graph::{Dense, GraphLayer, LayerGraph, Op, Order};

/// Six inputs, flattened (layer 0), then a softmax over `[x3, -x3]`
/// (layer 1): class 0 exactly when input 3 is positive.
fn one_unit_network() -> LayerGraph {
    let mut weight = vec![0f32; 6 * 2];
    weight[3 * 2] = 1.0;
    weight[3 * 2 + 1] = -1.0;
    let layers = vec![
        GraphLayer {
            name: "flatten".into(),
            alias: None,
            op: Op::Flatten(Order::ChannelsLast),
            inputs: vec![Place::Input],
        },
        GraphLayer {
            name: "decide".into(),
            alias: None,
            op: Op::Dense(Dense {
                inputs: 6,
                units: 2,
                weight,
                bias: vec![0.0; 2],
                softmax: true,
            }),
            inputs: vec![Place::Layer(0)],
        },
    ];
    LayerGraph::new([1, 1, 6], layers).unwrap()
}

fn normal_images(n: usize, seed: u64) -> Array4<f32> {
    let mut r = SplitMix64::new(seed);
    Array4::from_shape_simple_fn((n, 1, 1, 6), || r.normal())
}

#[test]
fn only_the_unit_the_decision_depends_on_matters() {
    let config = ExplainerConfig::new(vec![0]).with_size(400);
    let ex = Explainer::new(
        one_unit_network(),
        normal_images(400, 1),
        normal_images(300, 2),
        config,
    )
    .unwrap();
    let premise = (0..400)
        .find(|&i| ex.predictions(Split::Train).unwrap()[i] == 0)
        .unwrap();
    let conclusion = LayerPredicate::new(1, Predicate::IsMax(0));
    let e = ex.explain(Premise::train(premise), &conclusion, 0).unwrap();
    assert!(
        e.interpolant.bounds().iter().all(|b| b.unit.0 == [3]),
        "{e}"
    );
    let params = FaithfulnessParams::new().with_samples(60).check().unwrap();
    let f = ex.faithfulness(&e, &params).unwrap();
    assert_eq!(f.necessity_images, 60);
    assert_eq!(f.sufficiency_images, 60);
    let c = &f.conjuncts[0];
    assert!(c.moved_to.unwrap() < 0.0, "{f}");
    let breaks = c.breaks.unwrap();
    assert_eq!((breaks.premise.count, breaks.premise.trials), (1, 1));
    assert_eq!((breaks.sample.count, breaks.sample.trials), (60, 60), "{f}");
    assert_eq!(f.all.sample.count, 60);
    // five other units, none of which the decision reads
    assert_eq!(f.random_each.sample.count, 0, "{f}");
    assert!(f.random_each.sample.trials >= 60);
    assert_eq!(f.random_all.sample.count, 0);
    assert_eq!(f.random_each.premise.count, 0);
    assert_eq!(f.sufficiency.count, 60, "{f}");
    assert_eq!(f.random_sufficiency.count, 0, "{f}");
    let interval = f.sufficiency.interval.unwrap();
    assert!(interval.low > 0.9 && interval.high == 1.0);
    // the region of unit 3 is input 3 itself
    let o = &f.occlusions[0];
    assert_eq!(o.region.ranges(), &[0..1, 0..1, 3..4]);
    assert_eq!(f.fill.len(), 6);
    // the same seed, the same figures
    assert_eq!(ex.faithfulness(&e, &params).unwrap(), f);
    // an interpolant without conjuncts changes nothing, and says so
    let mut empty = e.clone();
    empty.interpolant = nnitp_core::Conjunction::default();
    let none = ex.faithfulness(&empty, &params).unwrap();
    assert!(none.conjuncts.is_empty() && none.occlusions.is_empty());
    assert_eq!((none.all.sample.count, none.sufficiency.count), (0, 0));
    let text = f.to_string();
    assert!(
        text.contains("all conjuncts at once: premise yes; test images 1.00 (60/60)"),
        "{text}"
    );
}

#[test]
fn activations_computed_elsewhere_have_no_faithfulness() {
    let g = Geometry::new(
        &[4],
        vec![LayerKind::Activation, LayerKind::Dense { units: 2 }],
    )
    .unwrap();
    let mut r = SplitMix64::new(4);
    let mut acts = Activations::new(g);
    for (split, n) in [(Split::Train, 100), (Split::Test, 50)] {
        let hidden = Array2::from_shape_simple_fn((n, 4), || r.normal());
        let output = Array2::from_shape_fn((n, 2), |(i, k)| {
            hidden[[i, 1]] * if k == 0 { 1.0 } else { -1.0 }
        });
        acts = acts
            .with_layer(split, 0, hidden)
            .unwrap()
            .with_layer(split, 1, output)
            .unwrap();
    }
    let ex = Explainer::from_activations(acts, ExplainerConfig::new(vec![0])).unwrap();
    let class = ex.predictions(Split::Train).unwrap()[0];
    let conclusion = LayerPredicate::new(1, Predicate::IsMax(class));
    let e = ex.explain(Premise::train(0), &conclusion, 0).unwrap();
    let params = FaithfulnessParams::new().check().unwrap();
    let err = ex.faithfulness(&e, &params).unwrap_err();
    assert!(matches!(err, CoreError::InterventionsUnsupported), "{err}");
}
