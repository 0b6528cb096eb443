//! A few epochs of Adam on channels-last images, for the examples' models.

use nnitp::burn::module::Module;
use nnitp::burn::nn::loss::CrossEntropyLossConfig;
use nnitp::burn::optim::{AdamConfig, GradientsParams};
use nnitp::burn::tensor::{Device, Int, Tensor, TensorData};
use nnitp::core::rng::SplitMix64;
use nnitp::ndarray::{Array4, Axis};

/// A model the examples train: its logits for a batch of images.
pub trait Classifier: Module + Clone {
    /// The logits.
    ///
    /// # Shapes
    /// - `images`: `[N, C, H, W]`
    /// - output: `[N, classes]`
    fn logits(&self, images: Tensor<4>) -> Tensor<2>;
}

/// A batch of channels-last images as an NCHW tensor.
fn batch(images: &Array4<f32>, idx: &[usize], device: &Device) -> Tensor<4> {
    let picked = images.select(Axis(0), idx);
    let shape = picked.shape().to_vec();
    let values: Vec<f32> = picked.iter().copied().collect();
    Tensor::<4>::from_data(TensorData::new(values, shape), device).permute([0, 3, 1, 2])
}

/// Trains `model` for `epochs` passes over `images` (`[N, 28, 28, 1]`) with
/// `labels`, in shuffled batches of 64; calls `epoch_done(epoch, mean loss)`.
pub fn train<M: Classifier>(
    model: M,
    images: &Array4<f32>,
    labels: &[u8],
    epochs: usize,
    device: &Device,
    mut epoch_done: impl FnMut(usize, f64),
) -> M {
    let ad = device.clone().autodiff();
    let mut model = model.to_device(device).train();
    let mut optim = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    for epoch in 1..=epochs {
        let mut order: Vec<usize> = (0..labels.len()).collect();
        SplitMix64::new(epoch as u64).shuffle(&mut order);
        let (mut sum, mut steps) = (0.0, 0);
        for idx in order.chunks(64) {
            let x = batch(images, idx, &ad);
            let y: Vec<i64> = idx.iter().map(|&i| i64::from(labels[i])).collect();
            let y = Tensor::<1, Int>::from_data(TensorData::new(y, [idx.len()]), &ad);
            let loss = loss_fn.forward(model.logits(x), y);
            sum += f64::from(loss.clone().into_scalar::<f32>());
            steps += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(2e-3, model, grads);
        }
        epoch_done(epoch, sum / f64::from(steps));
    }
    model.valid()
}
