//! Rule sets (nnitp's `compress`) and the stability of an explanation, on
//! small hand-made activations: the cover loop ends whatever the data, its
//! figures are those counted by hand, and stability is reproducible from its
//! seed. Runs without burn (`--no-default-features`).

use ndarray::Array2;
use nnitp_core::cone::{Geometry, LayerKind};
use nnitp_core::explainer::{RuleSetParams, StopReason, ValidRuleSetParams};
use nnitp_core::rng::SplitMix64;
use nnitp_core::{
    Activations, Error, Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise,
    SearchParams, Split,
};

/// Two units -> dense [2] output: class 0 exactly when unit 0 is above 0.5.
fn geometry() -> Geometry {
    Geometry::new(
        &[2],
        vec![LayerKind::Activation, LayerKind::Dense { units: 2 }],
    )
    .unwrap()
}

/// `n` samples of layer 0 (`hidden`) and an output whose argmax is class 0
/// exactly when unit 0 of the hidden layer is above 0.5.
fn explainer(
    hidden: &Array2<f32>,
    test: &Array2<f32>,
) -> Explainer<nnitp_core::source::Precomputed> {
    let out = |h: &Array2<f32>| {
        Array2::from_shape_fn((h.nrows(), 2), |(i, j)| {
            let zero = if h[[i, 0]] > 0.5 { 1.0 } else { 0.0 };
            if j == 0 {
                zero
            } else {
                1.0 - zero
            }
        })
    };
    let acts = Activations::new(geometry())
        .with_layer(Split::Train, 0, hidden.clone())
        .unwrap()
        .with_layer(Split::Train, 1, out(hidden))
        .unwrap()
        .with_layer(Split::Test, 0, test.clone())
        .unwrap()
        .with_layer(Split::Test, 1, out(test))
        .unwrap();
    let config = ExplainerConfig::new(vec![0]).with_params(SearchParams::default().with_alpha(0.9));
    Explainer::from_activations(acts, config).unwrap()
}

fn random(n: usize, seed: u64) -> Array2<f32> {
    let mut r = SplitMix64::new(seed);
    Array2::from_shape_simple_fn((n, 2), || r.uniform() as f32)
}

#[test]
fn one_rule_covers_a_class_separated_by_one_unit() {
    let (train, test) = (random(400, 1), random(200, 2));
    let ex = explainer(&train, &test);
    let set = ex.rule_set(0, 0, &ValidRuleSetParams::default()).unwrap();
    assert_eq!(set.stop, StopReason::Coverage);
    assert!(!set.rules.is_empty());
    let positives = train.column(0).iter().filter(|&&v| v > 0.5).count();
    let rule = &set.rules[0];
    // the first rule is a bound on unit 0: every positive is covered by it
    // or by later rules; counts add up
    assert_eq!(rule.train.positives, positives);
    let covered: usize = set.rules.iter().map(|r| r.new_samples).sum();
    assert!(covered as f64 >= 0.95 * positives as f64);
    assert!((set.coverage() - covered as f64 / positives as f64).abs() < 1e-12);
    // as a classifier on the test set: count by hand
    let any = |i: usize| {
        set.rules.iter().any(|r| {
            Predicate::from(r.interpolant.clone())
                .eval(test.row(i), &[2])
                .unwrap()
        })
    };
    let (mut agree, mut sat, mut fp) = (0, 0, 0);
    for i in 0..test.nrows() {
        let class0 = test[[i, 0]] > 0.5;
        agree += usize::from(any(i) == class0);
        sat += usize::from(any(i));
        fp += usize::from(any(i) && !class0);
    }
    assert_eq!(set.test.satisfying, sat);
    assert_eq!(set.test.false_positives, fp);
    assert_eq!(set.test_samples, 200);
    assert!((set.test_fidelity - agree as f64 / 200.0).abs() < 1e-12);
    // every covered sample is of the class and satisfies the rule
    for &i in &rule.covered {
        assert!(train[[i, 0]] > 0.5);
    }
}

/// Hidden activations equal for every sample, classes alternating: nothing
/// at the hidden layer tells the classes apart.
fn indistinct(n: usize) -> Explainer<nnitp_core::source::Precomputed> {
    let hidden = Array2::from_elem((n, 2), 0.7f32);
    let out = Array2::from_shape_fn(
        (n, 2),
        |(i, j)| if (i % 2 == 0) == (j == 0) { 1.0 } else { 0.0 },
    );
    let acts = Activations::new(geometry())
        .with_layer(Split::Train, 0, hidden.clone())
        .unwrap()
        .with_layer(Split::Train, 1, out.clone())
        .unwrap()
        .with_layer(Split::Test, 0, hidden)
        .unwrap()
        .with_layer(Split::Test, 1, out)
        .unwrap();
    Explainer::from_activations(acts, ExplainerConfig::new(vec![0])).unwrap()
}

#[test]
fn the_cover_loop_ends_where_no_rule_covers_anything() {
    // no conjunct separates the class: no rule, and the loop ends at once
    let ex = indistinct(100);
    let set = ex.rule_set(0, 0, &ValidRuleSetParams::default()).unwrap();
    assert_eq!(
        (set.stop, set.rules.len()),
        (StopReason::NoRule, 0),
        "{set:?}"
    );
    assert_eq!(set.test.satisfying, 0);
    assert_eq!(set.test_fidelity, 0.5);
    // no sample of the class at all: ends at once
    let none = explainer(&Array2::from_elem((50, 2), 0.2f32), &random(10, 1));
    let set = none.rule_set(0, 0, &ValidRuleSetParams::default()).unwrap();
    assert_eq!((set.stop, set.rules.len()), (StopReason::NoSamples, 0));
    // the rule limit holds
    let ex = explainer(&random(400, 3), &random(100, 4));
    let params = RuleSetParams::new()
        .with_max_rules(1)
        .with_coverage(1.0)
        .check()
        .unwrap();
    let set = ex.rule_set(0, 0, &params).unwrap();
    assert_eq!(set.rules.len(), 1);
    if set.coverage() < 1.0 {
        assert_eq!(set.stop, StopReason::MaxRules);
    }
}

#[test]
fn all_classes_and_bad_parameters() {
    let ex = explainer(&random(300, 5), &random(100, 6));
    let sets = ex.rule_sets(0, &ValidRuleSetParams::default()).unwrap();
    assert_eq!(sets.sets.len(), 2);
    assert!(sets.test_fidelity > 0.9, "{}", sets.test_fidelity);
    assert!(matches!(
        RuleSetParams::new().with_coverage(0.0).check(),
        Err(Error::Params(
            nnitp_core::error::ParamError::InvalidCoverage(_)
        ))
    ));
    assert!(matches!(
        RuleSetParams::new().with_max_rules(0).check(),
        Err(Error::Params(
            nnitp_core::error::ParamError::InvalidMaxRules
        ))
    ));
    assert!(matches!(
        ex.rule_set(2, 0, &ValidRuleSetParams::default()),
        Err(Error::ClassOutOfRange { .. })
    ));
    assert!(matches!(
        ex.rule_set(0, 1, &ValidRuleSetParams::default()),
        Err(Error::Geometry(
            nnitp_core::cone::GeometryError::LayerNotBelow { .. }
        ))
    ));
}

#[test]
fn stability_is_reproducible_from_its_seed() {
    let (train, test) = (random(400, 7), random(100, 8));
    let ex = explainer(&train, &test);
    let premise = (0..400).find(|&i| train[[i, 0]] > 0.5).unwrap();
    let conclusion = LayerPredicate::new(1, Predicate::IsMax(0));
    let e = ex.explain(Premise::train(premise), &conclusion, 0).unwrap();
    let a = ex.stability(&e, 8, 42).unwrap();
    let b = ex.stability(&e, 8, 42).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.resamples, 8);
    assert_eq!(a.conjuncts.len(), e.interpolant.len());
    // the bound on unit 0 separates the class: it comes back in every resample
    let on_unit0 = a
        .conjuncts
        .iter()
        .find(|c| c.bound.unit.0 == vec![0])
        .expect("a bound on unit 0");
    assert_eq!(on_unit0.frequency, 1.0);
    assert!(a.mean_jaccard > 0.0 && a.mean_jaccard <= 1.0);
    assert!(a
        .to_string()
        .starts_with("stability over 8 bootstrap resamples (seed 42)"));
    assert!(matches!(
        ex.stability(&e, 0, 1),
        Err(Error::Params(
            nnitp_core::error::ParamError::InvalidResamples
        ))
    ));
    // in the JSON of the explanation, when measured
    let mut measured = e.clone();
    assert!(serde_json::to_value(&measured)
        .unwrap()
        .get("stability")
        .is_none());
    measured.stability = Some(a);
    let v = serde_json::to_value(&measured).unwrap();
    assert_eq!(v["stability"]["resamples"], 8);
    assert_eq!(
        v["train"]["precision_interval"]["method"],
        "clopper_pearson"
    );
}
