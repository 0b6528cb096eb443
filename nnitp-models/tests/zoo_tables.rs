//! The zoo's table models: their shipped tables and split, the normalisation
//! fitted on the training rows, the shipped weights' fit, explanations in
//! the features' names and units, and a user's CSV read as the shipped one.

use burn::tensor::Device;
use nnitp_core::cone::Place;
use nnitp_core::{Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};
use nnitp_models::data::table::{read_csv_file, TableConfig};
use nnitp_models::data::{self, DatasetKind};
use nnitp_models::train::{score, Score};
use nnitp_models::zoo::ModelKind;
use nnitp_models::{Error, Setup};

const TABLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/tables");

#[test]
fn the_shipped_tables_are_split_and_scaled_on_their_training_rows() {
    let bc = data::load(DatasetKind::BreastCancer, None).unwrap();
    assert_eq!((bc.train.len(), bc.test.len()), (455, 114));
    assert_eq!(bc.train.images.shape(), &[455, 1, 1, 30]);
    assert!(bc.train.values.is_none() && bc.train.labels.len() == 455);
    // standardised on the training rows: each feature's mean 0, deviation 1
    for f in 0..30 {
        let col: Vec<f64> = (0..455)
            .map(|i| f64::from(bc.train.images[[i, 0, 0, f]]))
            .collect();
        let mean = col.iter().sum::<f64>() / 455.0;
        let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 455.0;
        assert!(
            mean.abs() < 1e-4 && (var - 1.0).abs() < 1e-3,
            "{f}: {mean} {var}"
        );
    }
    let prep = DatasetKind::BreastCancer.preprocessing().unwrap().unwrap();
    // the class names the dataset declares are the table's
    assert_eq!(prep.schema.classes, DatasetKind::BreastCancer.classes());
    assert_eq!(prep.schema.features[20], "worst radius");
    let db = data::load(DatasetKind::Diabetes, None).unwrap();
    assert_eq!((db.train.len(), db.test.len()), (354, 88));
    assert!(db.train.labels.is_empty());
    let values = db.train.values.as_ref().unwrap();
    assert_eq!(values.len(), 354);
    assert!(values.iter().all(|v| (25.0..=346.0).contains(v)));
    assert!(DatasetKind::Diabetes.classes().is_empty());
    // an image dataset has none of this
    assert!(DatasetKind::FashionMnist.preprocessing().unwrap().is_none());
}

#[test]
fn the_shipped_weights_fit_their_test_rows() {
    let device = Device::flex();
    for (kind, good) in [
        // a constant guess scores about 0.63 (the benign share)
        (ModelKind::BreastCancerMlp, Score::Accuracy(0.94)),
        // predicting the training mean leaves about 70
        (ModelKind::DiabetesMlp, Score::Rmse(55.0)),
    ] {
        let loaded = Setup::new(kind, device.clone()).load().unwrap();
        let got = score(&loaded.model, &loaded.splits.test, 64).unwrap();
        match (got, good) {
            (Score::Accuracy(a), Score::Accuracy(min)) => assert!(a >= min, "{kind:?}: {a}"),
            (Score::Rmse(e), Score::Rmse(max)) => assert!(e <= max, "{kind:?}: {e}"),
            _ => panic!("{kind:?}: {got:?}"),
        }
    }
}

fn session(
    kind: ModelKind,
) -> Explainer<nnitp_core::NetworkSource<nnitp_models::graph::DeviceGraph>> {
    let loaded = Setup::new(kind, Device::flex()).load().unwrap();
    let ex = loaded.explainer(kind.explainer_config()).unwrap();
    // the zoo names a table's features itself
    let features = kind.dataset().preprocessing().unwrap().unwrap();
    assert_eq!(ex.features(), Some(&features.features().unwrap()));
    ex
}

#[test]
fn explanations_at_the_features_say_them_in_the_data_units() {
    let ex = session(ModelKind::DiabetesMlp);
    let output = ex.output_layer();
    let conclusion = LayerPredicate::new(output, "v(0)>=150".parse::<Predicate>().unwrap());
    let index = ex.satisfying(Split::Train, &conclusion, 1, None).unwrap()[0];
    let premise = Premise {
        split: Split::Train,
        index,
    };
    let e = ex.explain(premise, &conclusion, 0).unwrap();
    let text = e.in_features.clone().expect("layer 0 holds the features");
    assert!(e
        .to_string()
        .starts_with(&format!("Interpolant: layer 0: {text}\n")));
    assert!(!text.contains("v("), "{text}");
    // each bound, taken back to the table's units, holds for the same raw
    // rows as the interpolant on the scaled ones
    let prep = DatasetKind::Diabetes.preprocessing().unwrap().unwrap();
    let raw = read_csv_file(
        format!("{TABLES}/diabetes.csv"),
        &TableConfig::new("progression")
            .with_target_kind(nnitp_models::data::table::TargetKind::Number),
        None,
    )
    .unwrap();
    let (raw_train, _) = raw.split(data::TEST_FRACTION, data::SPLIT_SEED).unwrap();
    let scaled = ex.activations(Split::Train, 0).unwrap();
    let features = prep.features().unwrap();
    for b in e.interpolant.simplified().bounds() {
        let f = b.unit.flat(&[10]).unwrap();
        assert!(text.contains(&features.names()[f]), "{text}");
        let threshold = features.original(f, b.value).unwrap();
        let mut differ = 0;
        for i in 0..raw_train.len() {
            let on_scaled = b.op.holds(scaled.view()[[i, f]], b.value);
            let on_raw = b.op.holds(raw_train.features[[i, f]], threshold);
            differ += usize::from(on_scaled != on_raw);
        }
        // only a row on the threshold itself may round the other way
        assert!(differ <= 1, "{b}: {differ} rows differ");
    }
    // hidden layers keep their units
    let hidden = ex.explain(premise, &conclusion, 2).unwrap();
    assert!(hidden.in_features.is_none());
    assert!(hidden.to_string().contains("v("));
    // and rule sets at the features are said in them too
    let params = nnitp_core::explainer::RuleSetParams::new().check().unwrap();
    let bc = session(ModelKind::BreastCancerMlp);
    let set = bc.rule_set(1, 0, &params).unwrap();
    assert!(set.rules.iter().all(|r| r.in_features.is_some()));
    assert!(set.rules[0].to_string().contains(" >= ") || set.rules[0].to_string().contains(" <= "));
}

#[test]
fn names_for_another_number_of_inputs_are_refused() {
    let loaded = Setup::new(ModelKind::BreastCancerMlp, Device::flex())
        .load()
        .unwrap();
    let ex = loaded.explainer(ExplainerConfig::new(vec![0])).unwrap();
    let ten = DatasetKind::Diabetes
        .preprocessing()
        .unwrap()
        .unwrap()
        .features()
        .unwrap();
    assert!(matches!(
        ex.with_features(ten),
        Err(nnitp_core::Error::ShapeMismatch { .. })
    ));
    // the zoo's table geometry: the features are layer 0, one for one
    let g = ModelKind::BreastCancerMlp
        .architecture()
        .geometry()
        .unwrap();
    assert_eq!(g.shape(Place::Layer(0)).unwrap(), &[30]);
}

#[test]
fn a_users_csv_is_read_with_the_shipped_columns_and_scaling() {
    let dir = tempfile::tempdir().unwrap();
    // the shipped table itself, as a user's file: the same rows and scaling
    let copy = dir.path().join("breast-cancer.csv");
    std::fs::copy(format!("{TABLES}/breast-cancer.csv"), &copy).unwrap();
    let shipped = data::load(DatasetKind::BreastCancer, None).unwrap();
    let read = data::load(DatasetKind::BreastCancer, Some(&copy)).unwrap();
    assert_eq!(read.train.images, shipped.train.images);
    assert_eq!(read.test.labels, shipped.test.labels);
    assert_eq!(read.source, copy.display().to_string());
    // a file without the target column names the column
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "mean radius,other\n1,2\n").unwrap();
    let err = data::load(DatasetKind::BreastCancer, Some(&bad)).unwrap_err();
    assert!(matches!(err, Error::Table { .. }), "{err}");
    assert!(err.to_string().contains("bad.csv"), "{err}");
    // a diagnosis the shipped table lacks names the line
    let text = std::fs::read_to_string(&copy).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let odd = lines[3].rsplit_once(',').unwrap().0.to_string() + ",unknown";
    lines[3] = &odd;
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let err = data::load(DatasetKind::BreastCancer, Some(&bad)).unwrap_err();
    assert!(err.to_string().contains("line 4"), "{err}");
    // a folder is no table
    assert!(matches!(
        data::load(DatasetKind::BreastCancer, Some(dir.path())),
        Err(Error::NotRegularFile { .. })
    ));
}
