//! Training a zoo model with burn autodiff (Adam, shuffled mini-batches):
//! cross-entropy on classes, squared error on a standardised number; and
//! measuring how well it fits (accuracy, or the root mean squared error).

use burn::module::Module;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use ndarray::Axis;
use nnitp_core::cone::Place;
use nnitp_core::predicate::argmax;
use nnitp_core::progress::{Observer, Progress, Task};
use nnitp_core::rng::SplitMix64;
use nnitp_core::Network;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::graph::{DeviceGraph, Op};

/// Training settings. Build with [`new`](TrainConfig::new) and the `with_*`
/// methods, then [`check`](TrainConfig::check) them once into a
/// [`ValidTrainConfig`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    epochs: usize,
    batch_size: usize,
    learning_rate: f64,
    lr_decay: f64,
    seed: u64,
}

impl TrainConfig {
    /// Defaults: 4 epochs of batches of 64, Adam's learning rate 1e-3 with no
    /// decay, shuffling seed 0.
    pub fn new() -> Self {
        TrainConfig {
            epochs: 4,
            batch_size: 64,
            learning_rate: 1e-3,
            lr_decay: 1.0,
            seed: 0,
        }
    }

    /// Sets the passes over the training set (at least 1).
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the images per step (at least 1).
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets Adam's learning rate (positive).
    pub fn with_learning_rate(mut self, learning_rate: f64) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// Sets the factor applied to the learning rate after each epoch, in (0, 1].
    pub fn with_lr_decay(mut self, lr_decay: f64) -> Self {
        self.lr_decay = lr_decay;
        self
    }

    /// Sets the seed of the shuffling.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the settings once.
    ///
    /// # Errors
    /// [`Error::InvalidTraining`] for zero epochs or batch size, a learning
    /// rate that is not positive, or a decay outside (0, 1].
    pub fn check(self) -> Result<ValidTrainConfig> {
        if self.epochs == 0
            || self.batch_size == 0
            || self.learning_rate.is_nan()
            || self.learning_rate <= 0.0
            || !(self.lr_decay > 0.0 && self.lr_decay <= 1.0)
        {
            return Err(Error::InvalidTraining(format!(
                "epochs and batch size must be at least 1, the learning rate positive and the decay in (0, 1], got {self:?}"
            )));
        }
        Ok(ValidTrainConfig(self))
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Training settings that passed [`TrainConfig::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct ValidTrainConfig(TrainConfig);

impl std::ops::Deref for ValidTrainConfig {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        &self.0
    }
}

/// How well a model fits a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Score {
    /// The fraction of samples classified as labelled (a class target).
    Accuracy(f64),
    /// The root mean squared error, in the target's units (a number).
    Rmse(f64),
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Score::Accuracy(a) => write!(f, "accuracy {a:.4}"),
            Score::Rmse(e) => write!(f, "RMSE {e:.2}"),
        }
    }
}

/// What one epoch achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch.
    pub loss: f64,
    /// The fit on the training batches as they were trained (dropout active).
    pub train: Score,
    /// The fit on the test set after the epoch.
    pub test: Score,
    /// Wall time of the epoch (training and test), in seconds.
    pub seconds: f64,
}

/// The mean and standard deviation of a numeric target, which the model
/// is trained to predict standardised.
#[derive(Clone, Copy, Debug)]
struct TargetScale {
    mean: f32,
    std: f32,
}

impl TargetScale {
    fn of(values: &[f32]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        let std = if var > 0.0 { var.sqrt() } else { 1.0 };
        TargetScale {
            mean: mean as f32,
            std: std as f32,
        }
    }
}

fn batch_tensor(data: &Dataset, idx: &[usize], device: &Device) -> Tensor<4> {
    let [_, h, w, c] = data.images.shape().try_into().expect("4-d images");
    let mut values = Vec::with_capacity(idx.len() * h * w * c);
    for &i in idx {
        values.extend(data.images.index_axis(Axis(0), i).iter().copied());
    }
    Tensor::from_data(TensorData::new(values, [idx.len(), h, w, c]), device).permute([0, 3, 1, 2])
}

/// Trains `model` (on any device; it is moved to `device` with autodiff) on
/// `train`, reporting each epoch with its [`Score`] on `test` and the model as
/// it is after the epoch (e.g. to keep the best one), and returns the trained
/// model on `device` (without autodiff). Progress through each epoch (images
/// done) goes to `observer`. A data set with numbers ([`Dataset::values`])
/// trains the model's one output unit on them standardised (squared error);
/// the model reported and returned predicts them in their own units.
///
/// # Errors
/// [`Error::InvalidTraining`] for an empty training set, or numbers for a
/// model whose last layer is not one dense unit without softmax;
/// [`Error::InputShape`] when the images do not fit the model;
/// [`Error::Diverged`] at the first step whose loss is not finite (nothing is
/// reported for that epoch, so no unusable weights reach `report`).
pub fn train(
    model: DeviceGraph,
    train: &Dataset,
    test: &Dataset,
    config: &ValidTrainConfig,
    device: &Device,
    observer: &Observer,
    mut report: impl FnMut(&EpochReport, &DeviceGraph),
) -> Result<DeviceGraph> {
    if train.is_empty() {
        return Err(Error::InvalidTraining("the training set is empty".into()));
    }
    check_input(&model, train)?;
    check_target(&model, train)?;
    let ad = device.clone().autodiff();
    let target = train.values.as_deref().map(TargetScale::of);
    let mut model = model.to_device(device).train();
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let mut learning_rate = config.learning_rate;
    // the model as it predicts: a number in its own units
    let predicting = |m: DeviceGraph| match target {
        Some(t) => m.with_output_scaled(t.std, t.mean),
        None => Ok(m),
    };
    for epoch in 1..=config.epochs {
        let start = std::time::Instant::now();
        let mut order: Vec<usize> = (0..train.len()).collect();
        SplitMix64::new(config.seed.wrapping_add(epoch as u64)).shuffle(&mut order);
        let (mut loss_sum, mut correct, mut steps) = (0.0, 0usize, 0usize);
        for idx in order.chunks(config.batch_size) {
            let x = batch_tensor(train, idx, &ad);
            let out = model.logits(x)?;
            let loss = match (target, &train.values) {
                (Some(t), Some(values)) => {
                    let y: Vec<f32> = idx.iter().map(|&i| (values[i] - t.mean) / t.std).collect();
                    let y = Tensor::<2>::from_data(TensorData::new(y, [idx.len(), 1]), &ad);
                    MseLoss::new().forward(out, y, Reduction::Mean)
                }
                _ => {
                    let labels: Vec<i64> =
                        idx.iter().map(|&i| i64::from(train.labels[i])).collect();
                    let y = Tensor::<1, Int>::from_data(
                        TensorData::new(labels.clone(), [idx.len()]),
                        &ad,
                    );
                    let pred: Vec<i64> = out.clone().argmax(1).into_data().iter::<i64>().collect();
                    correct += pred.iter().zip(&labels).filter(|(p, l)| p == l).count();
                    loss_fn.forward(out, y)
                }
            };
            let value = loss.clone().into_scalar::<f32>();
            steps += 1;
            if !value.is_finite() {
                return Err(Error::Diverged {
                    epoch,
                    step: steps,
                    loss: value,
                });
            }
            loss_sum += f64::from(value) * idx.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(learning_rate, model, grads);
            observer.report(&Progress {
                task: Task::Training { epoch },
                done: (steps - 1) * config.batch_size + idx.len(),
                total: train.len(),
            });
        }
        let eval = predicting(model.valid())?;
        let loss = loss_sum / train.len() as f64;
        let train_score = match target {
            // the squared error of the standardised number, in its units
            Some(t) => Score::Rmse(loss.sqrt() * f64::from(t.std)),
            None => Score::Accuracy(correct as f64 / train.len() as f64),
        };
        let test_score = score(&eval, test, 500)?;
        report(
            &EpochReport {
                epoch,
                loss,
                train: train_score,
                test: test_score,
                seconds: start.elapsed().as_secs_f64(),
            },
            &eval,
        );
        learning_rate *= config.lr_decay;
    }
    predicting(model.valid())
}

fn check_target(model: &DeviceGraph, data: &Dataset) -> Result<()> {
    let last = model.geometry().len().saturating_sub(1);
    let units = model.geometry().units(last)?;
    let softmax = matches!(
        model.ops().last(),
        Some(Op::Dense(d)) if d.softmax
    ) || matches!(model.ops().last(), Some(Op::Softmax));
    match &data.values {
        Some(v) if v.len() != data.len() => Err(Error::InvalidTraining(format!(
            "{} numbers for {} rows",
            v.len(),
            data.len()
        ))),
        Some(_) if units != 1 || softmax => Err(Error::InvalidTraining(format!(
            "a numeric target needs one output unit without softmax; the model has {units}{}",
            if softmax { " with softmax" } else { "" }
        ))),
        None if data.labels.len() != data.len() => Err(Error::InvalidTraining(format!(
            "{} labels for {} images",
            data.labels.len(),
            data.len()
        ))),
        _ => Ok(()),
    }
}

fn check_input(model: &impl Network, data: &Dataset) -> Result<()> {
    let expected = model.geometry().shape(Place::Input)?.to_vec();
    let found = data.images.shape()[1..].to_vec();
    if expected != found {
        return Err(Error::InputShape { expected, found });
    }
    Ok(())
}

/// The model's (any network's: a zoo model, an imported ONNX graph)
/// predicted class for every image, in batches.
///
/// # Errors
/// [`Error::InputShape`] when the images do not fit the model;
/// [`Error::InvalidArgument`] for a batch size of 0.
pub fn predict(
    model: &(impl Network + Sync),
    data: &Dataset,
    batch_size: usize,
) -> Result<Vec<usize>> {
    let out = outputs(model, data, batch_size)?;
    Ok(out.rows().into_iter().map(argmax).collect())
}

/// The output layer's values on every sample of `data`, `[N, units]`, in
/// batches.
fn outputs(
    model: &(impl Network + Sync),
    data: &Dataset,
    batch_size: usize,
) -> Result<ndarray::Array2<f32>> {
    check_input(model, data)?;
    if batch_size == 0 {
        return Err(Error::InvalidArgument(
            "the batch size must be at least 1".into(),
        ));
    }
    let last = model.geometry().len().saturating_sub(1);
    let mut out = nnitp_core::network::extract(
        model,
        data.view(),
        &[last],
        batch_size,
        &Observer::none(),
        Task::Running,
    )?;
    Ok(out.remove(0))
}

/// How well the model fits `data`: its [`accuracy`] for a class target,
/// the root mean squared error of its first output unit for a number.
///
/// # Errors
/// As [`accuracy`].
pub fn score(model: &(impl Network + Sync), data: &Dataset, batch_size: usize) -> Result<Score> {
    let Some(values) = &data.values else {
        return Ok(Score::Accuracy(accuracy(model, data, batch_size)?));
    };
    if data.is_empty() {
        return Err(Error::InvalidArgument("no row to evaluate".into()));
    }
    let out = outputs(model, data, batch_size)?;
    let sum: f64 = out
        .rows()
        .into_iter()
        .zip(values)
        .map(|(row, &y)| (f64::from(row[0]) - f64::from(y)).powi(2))
        .sum();
    Ok(Score::Rmse((sum / data.len() as f64).sqrt()))
}

/// The fraction of `data` the model classifies correctly.
///
/// # Errors
/// As [`predict`]; [`Error::InvalidArgument`] for a data set with no image
/// (its accuracy is undefined, not 0).
pub fn accuracy(model: &(impl Network + Sync), data: &Dataset, batch_size: usize) -> Result<f64> {
    if data.is_empty() {
        return Err(Error::InvalidArgument("no image to evaluate".into()));
    }
    if data.labels.len() != data.len() {
        return Err(Error::InvalidArgument(
            "the data set has no class label for every image (its target is a number: use `score`)"
                .into(),
        ));
    }
    let pred = predict(model, data, batch_size)?;
    let right = pred
        .iter()
        .zip(&data.labels)
        .filter(|(p, l)| **p == usize::from(**l))
        .count();
    Ok(right as f64 / data.len() as f64)
}
