//! The "own model" path through the public API only: the `own_model`
//! example's CNN (its `model.rs`, a hand-written burn model, not the zoo)
//! trained briefly on the embedded Fashion-MNIST, saved and loaded, checked
//! when the explainer is built, one decision explained, a conjunct drilled
//! down, input regions read; and the example itself run as a user runs it.

#[path = "../examples/own_model/model.rs"]
mod model;
#[path = "../examples/own_model/training.rs"]
mod training;

use std::process::Command;

use nnitp::burn::module::Module;
use nnitp::burn::tensor::Device;
use nnitp::core::cone::Place;
use nnitp::core::{Explainer, ExplainerConfig, LayerPredicate, Network, Predicate, Premise, Split};
use nnitp::models::data::embedded_fashion_mnist;

use model::SmallCnn;

mod example;
use example::{assert_has_all, example, stdout_of};

#[test]
fn a_hand_written_cnn_is_trained_checked_and_explained() {
    let device = Device::flex();
    let data = embedded_fashion_mnist().unwrap();
    let mut losses = Vec::new();
    let model = training::train(
        SmallCnn::new(&device).unwrap(),
        &data.train.images,
        &data.train.labels,
        2,
        &device,
        |_, loss| losses.push(loss),
    );
    assert_eq!(losses.len(), 2);
    assert!(losses[1] < losses[0], "{losses:?}");
    // weights round-trip through burn's own file format
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.bpk");
    model.clone().save_file(&path).unwrap();
    let model = SmallCnn::new(&device)
        .unwrap()
        .try_load_file(&path)
        .unwrap();

    let geometry = model.geometry().clone();
    assert_eq!(geometry.shape(Place::Layer(5)).unwrap(), &[7, 7, 16]);
    assert_eq!(geometry.name(6), "flatten");
    let config = ExplainerConfig::new(vec![2, 5]).with_size(1000);
    let ex = Explainer::new(model, data.train.images, data.test.images, config).unwrap();
    let predictions = ex.predictions(Split::Test).unwrap();
    let right = predictions
        .iter()
        .zip(&data.test.labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    assert!(
        right > 500,
        "{right} of 1000 test images right after two epochs"
    );

    let premise = Premise::test(0);
    let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(predictions[0]));
    let e = ex.explain(premise, &conclusion, 5).unwrap();
    assert!(!e.interpolant.is_empty(), "{e}");
    let acts = ex.activations(Split::Test, 5).unwrap();
    assert!(e.interpolant.eval(acts.view().row(0), &[7, 7, 16]).unwrap());
    let drill = ex.explain(premise, &e.conjunct(0).unwrap(), 2).unwrap();
    let acts = ex.activations(Split::Test, 2).unwrap();
    assert!(drill
        .interpolant
        .eval(acts.view().row(0), &[14, 14, 8])
        .unwrap());
    for b in drill.interpolant.bounds() {
        let r = ex.input_box(2, &b.unit).unwrap();
        // pool1 reads 2x2 of conv1, which reads 3x3: at most 4x4 pixels
        assert!(r.ranges()[0].len() <= 4 && r.ranges()[1].len() <= 4, "{r}");
        assert!(r.ranges()[0].end <= 28 && r.ranges()[1].end <= 28);
    }
    let examples = ex.satisfying(Split::Test, &e.predicate(), 5, None).unwrap();
    assert!(examples.contains(&0));
    let net = ex.into_network();
    assert_eq!(net.geometry(), &geometry);
}

#[test]
fn the_example_trains_explains_and_drills_down() {
    let out = Command::new(example("own_model"))
        .arg("1")
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert_has_all(
        &stdout,
        &[
            "epoch 1: mean loss",
            "explaining test image ",
            "Interpolant: layer 5: (",
            "drilling down into layer 5: ",
            "Interpolant: layer 2: (",
            "reads input rows",
        ],
    );
    // a bad argument is an error, not a panic
    let bad = Command::new(example("own_model"))
        .arg("many")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("not a number of epochs: many"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_library_examples_explain_and_drill_down() {
    let out = Command::new(example("explain")).output().unwrap();
    assert_has_all(
        &stdout_of(&out),
        &[
            "classified ",
            "Interpolant: layer 14: (",
            "95% intervals: ",
            "at layer 6",
            "Interpolant: layer 6: (",
        ],
    );
    // a folder of activations, as another framework writes it
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acts");
    let kind = nnitp::models::zoo::ModelKind::FashionMnist;
    let loaded = nnitp::models::Setup::new(kind, Device::flex())
        .with_embedded_data()
        .load()
        .unwrap();
    let geometry = loaded.model.geometry().clone();
    let ex = loaded
        .explainer(ExplainerConfig::new(vec![6, 14]).with_size(300))
        .unwrap();
    let mut acts = nnitp::core::Activations::new(geometry);
    for split in [Split::Train, Split::Test] {
        for layer in [6, 14, 17] {
            let values = ex.activations(split, layer).unwrap().view().to_owned();
            acts = acts.with_layer(split, layer, values).unwrap();
        }
    }
    acts.write_dir(&dir).unwrap();
    let out = Command::new(example("activations"))
        .arg(&dir)
        .output()
        .unwrap();
    assert_has_all(
        &stdout_of(&out),
        &[
            "test sample 0: classified ",
            "Interpolant: layer 14: (",
            "Interpolant: layer 6: (",
        ],
    );
}
