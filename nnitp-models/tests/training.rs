//! Training with burn autodiff on a small learnable problem, and training's
//! parameter errors.

mod halves;

use burn::tensor::Device;
use halves::dataset;
use ndarray::Array4;
use nnitp_core::cone::Padding;
use nnitp_core::progress::{Observer, Progress};
use nnitp_models::data::{Dataset, DatasetKind};
use nnitp_models::graph::DeviceGraph;
use nnitp_models::train::{accuracy, score, train, Score, TrainConfig};
use nnitp_models::zoo::Architecture;
use nnitp_models::Error;

fn net(device: &Device) -> DeviceGraph {
    let arch = Architecture::new([8, 8, 1])
        .conv2d(4, 3, Padding::Same)
        .relu()
        .max_pool(2)
        .flatten()
        .dense(2, true);
    arch.init(device).unwrap()
}

#[test]
fn training_learns_and_reports_each_epoch() {
    let device = Device::flex();
    let (tr, te) = (dataset(256, 1), dataset(64, 2));
    let config = TrainConfig::new()
        .with_epochs(3)
        .with_batch_size(32)
        .with_learning_rate(0.01)
        .with_lr_decay(0.9)
        .with_seed(3)
        .check()
        .unwrap();
    let mut reports = Vec::new();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let observer = Observer::new(move |p: &Progress| {
        sink.lock()
            .unwrap()
            .push((p.task.to_string(), p.done, p.total))
    });
    let model = train(
        net(&device),
        &tr,
        &te,
        &config,
        &device,
        &observer,
        |r, m| {
            // the model handed over is the one after the epoch
            assert_eq!(Score::Accuracy(accuracy(m, &te, 64).unwrap()), r.test);
            reports.push(r.clone());
        },
    )
    .unwrap();
    assert_eq!(
        reports.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // progress: 8 batches of 32 per epoch, each reported, ending at the whole set
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3 * 8);
    assert_eq!(seen[7], ("epoch 1".to_string(), 256, 256));
    assert_eq!(seen[8], ("epoch 2".to_string(), 32, 256));
    assert!(reports
        .iter()
        .all(|r| r.loss.is_finite() && r.seconds > 0.0));
    assert!(reports[2].loss < reports[0].loss, "{reports:?}");
    assert!(
        matches!(reports[2].train, Score::Accuracy(a) if a > 0.9),
        "{reports:?}"
    );
    assert!(accuracy(&model, &te, 16).unwrap() > 0.9);
}

#[test]
fn bad_training_parameters_are_errors() {
    let device = Device::flex();
    let tr = dataset(8, 1);
    for config in [
        TrainConfig::new().with_epochs(0),
        TrainConfig::new().with_batch_size(0),
        TrainConfig::new().with_learning_rate(f64::NAN),
        TrainConfig::new().with_lr_decay(1.5),
    ] {
        let r = config.clone().check();
        assert!(matches!(r, Err(Error::InvalidTraining(_))), "{config:?}");
    }
    let empty = Dataset {
        kind: DatasetKind::Mnist,
        images: Array4::zeros((0, 8, 8, 1)),
        labels: vec![],
        values: None,
    };
    let r = train(
        net(&device),
        &empty,
        &tr,
        &TrainConfig::default().check().unwrap(),
        &device,
        &Observer::none(),
        |_, _| {},
    );
    assert!(matches!(r, Err(Error::InvalidTraining(_))));
    let wrong = Dataset {
        kind: DatasetKind::Mnist,
        images: Array4::zeros((4, 9, 8, 1)),
        labels: vec![0; 4],
        values: None,
    };
    let r = train(
        net(&device),
        &wrong,
        &tr,
        &TrainConfig::default().check().unwrap(),
        &device,
        &Observer::none(),
        |_, _| {},
    );
    assert!(matches!(r, Err(Error::InputShape { .. })));
    // evaluation: a batch size of 0 and an empty set are errors, not 0.0
    assert!(matches!(
        accuracy(&net(&device), &tr, 0),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        accuracy(&net(&device), &empty, 4),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_non_finite_loss_stops_training_with_an_error() {
    let device = Device::flex();
    let tr = dataset(64, 1);
    let config = TrainConfig::new().with_epochs(2).with_batch_size(16);
    // images of NaN: the first step's loss is NaN
    let mut poisoned = tr.clone();
    poisoned.images.fill(f32::NAN);
    let mut epochs = 0;
    let r = train(
        net(&device),
        &poisoned,
        &tr,
        &config.clone().check().unwrap(),
        &device,
        &Observer::none(),
        |_, _| epochs += 1,
    );
    assert!(
        matches!(
            r,
            Err(Error::Diverged {
                epoch: 1,
                step: 1,
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(epochs, 0, "no epoch is reported");
    // a learning rate so high that the weights overflow: stops within the run
    // (Adam's first steps move each weight by about the learning rate, so
    // two steps of f32::MAX overflow whatever the initialisation; 1e30 could
    // leave a network of dead ReLUs training on finite, huge losses)
    let wild = config
        .with_learning_rate(f64::from(f32::MAX))
        .check()
        .unwrap();
    let r = train(
        net(&device),
        &tr,
        &tr,
        &wild,
        &device,
        &Observer::none(),
        |_, _| {},
    );
    assert!(matches!(r, Err(Error::Diverged { .. })), "{r:?}");
}

/// Rows of two features whose number is `100 + 30 x0 - 20 x1`.
fn numbers(n: usize, seed: u64) -> Dataset {
    let mut rng = nnitp_core::rng::SplitMix64::new(seed);
    let mut images = Array4::<f32>::zeros((n, 1, 1, 2));
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        let (a, b) = (rng.uniform() as f32, rng.uniform() as f32);
        images[[i, 0, 0, 0]] = a;
        images[[i, 0, 0, 1]] = b;
        values.push(100.0 + 30.0 * a - 20.0 * b);
    }
    Dataset {
        kind: DatasetKind::Diabetes,
        images,
        labels: vec![],
        values: Some(values),
    }
}

#[test]
fn a_number_is_learned_in_its_own_units() {
    let device = Device::flex();
    let (tr, te) = (numbers(512, 1), numbers(128, 2));
    let arch = Architecture::new([1, 1, 2])
        .flatten()
        .dense(8, false)
        .relu()
        .dense(1, false);
    let config = TrainConfig::new()
        .with_epochs(30)
        .with_batch_size(32)
        .with_learning_rate(0.01)
        .check()
        .unwrap();
    let mut reports = Vec::new();
    let model = train(
        arch.init(&device).unwrap(),
        &tr,
        &te,
        &config,
        &device,
        &Observer::none(),
        |r, m| {
            assert_eq!(score(m, &te, 64).unwrap(), r.test);
            reports.push(r.clone());
        },
    )
    .unwrap();
    // the target's spread is about 10; predicting its mean would leave that
    let Score::Rmse(rmse) = score(&model, &te, 64).unwrap() else {
        panic!("a number is scored by its RMSE");
    };
    assert!(rmse < 1.5, "{reports:?}");
    assert!(matches!(reports[0].train, Score::Rmse(_)));
    // accuracy has no meaning for numbers
    assert!(matches!(
        accuracy(&model, &te, 64),
        Err(Error::InvalidArgument(_))
    ));
    // a softmax output cannot be trained on numbers
    let classes = Architecture::new([1, 1, 2]).flatten().dense(2, true);
    let r = train(
        classes.init(&device).unwrap(),
        &tr,
        &te,
        &config,
        &device,
        &Observer::none(),
        |_, _| {},
    );
    assert!(matches!(r, Err(Error::InvalidTraining(_))), "{:?}", r.err());
}
