//! The interface between nnitp and a burn model, and activation extraction.
//!
//! Any burn model can be explained once it implements [`Network`]: its layers in
//! order (with the geometry that gives cones) and one forward pass that returns
//! the activations of the layers asked for. Extraction runs the model in batches
//! on whatever burn [`Device`] the model lives on (`Device::flex()`,
//! `Device::ndarray()`, `Device::wgpu(..)`) and keeps each layer's activations as
//! a channels-last `[N, units]` `f32` matrix.

use burn::tensor::{Device, Tensor, TensorData};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use ndarray::{Array2, ArrayView4};

use crate::cone::Geometry;
use crate::error::{Error, Result};
use crate::progress::Progress;

/// A classifier whose hidden layers can be explained.
pub trait Network {
    /// The input shape and each layer's kind and output shape (channels last).
    fn geometry(&self) -> &Geometry;

    /// Each layer's name, e.g. `conv2d_1`, in order.
    fn layer_names(&self) -> Vec<String>;

    /// The device the model's weights live on.
    fn device(&self) -> Device;

    /// Runs one batch and returns the activations of `layers`, in the order asked.
    ///
    /// # Shapes
    /// - `images`: `[N, H, W, C]`, channels last
    /// - each output: `[N, units]`, the layer's output flattened in C order over
    ///   its channels-last shape (so unit `v(r,c,k)` is column `(r*W + c)*K + k`)
    fn forward_layers(&self, images: Tensor<4>, layers: &[usize]) -> Vec<Tensor<2>>;
}

/// Runs `network` over `images` in batches of `batch_size` and returns the
/// activations of each layer in `layers` as `[N, units]` matrices. Batches run
/// on as many threads as the machine has cores (a CPU backend computes one batch
/// mostly on one core). Shows progress on a terminal when `label` is given.
///
/// # Errors
/// [`Error::LayerOutOfRange`], [`Error::ShapeMismatch`] when the images do not fit
/// the network's input, [`Error::InvalidBatchSize`] for a batch size of 0.
pub fn extract(
    network: &(dyn Network + Sync),
    images: ArrayView4<'_, f32>,
    layers: &[usize],
    batch_size: usize,
    label: Option<&str>,
) -> Result<Vec<Array2<f32>>> {
    let geometry = network.geometry();
    if batch_size == 0 {
        return Err(Error::InvalidBatchSize);
    }
    let input = geometry.shape(crate::cone::Place::Input)?;
    if images.shape()[1..] != *input {
        let mut want = vec![images.shape()[0]];
        want.extend_from_slice(input);
        return Err(Error::shape("images", &want, images.shape()));
    }
    let n = images.shape()[0];
    let mut outputs = Vec::with_capacity(layers.len());
    for &l in layers {
        let units: usize = geometry
            .shape(crate::cone::Place::Layer(l))?
            .iter()
            .product();
        outputs.push(Array2::<f32>::zeros((n, units)));
    }
    let batches = n.div_ceil(batch_size);
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(batches)
        .max(1);
    let shared = Mutex::new((outputs, label.map(|l| Progress::new(l, n))));
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let run = || -> Result<()> {
        let device = network.device();
        loop {
            let b = next.fetch_add(1, Ordering::SeqCst);
            if b >= batches || failed.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (start, end) = (b * batch_size, ((b + 1) * batch_size).min(n));
            let batch = images.slice(ndarray::s![start..end, .., .., ..]);
            let shape = batch.shape().to_vec();
            let values: Vec<f32> = batch.iter().copied().collect();
            let tensor = Tensor::<4>::from_data(TensorData::new(values, shape), &device);
            let acts = network
                .forward_layers(tensor, layers)
                .into_iter()
                .map(|act| {
                    act.into_data()
                        .try_to_vec::<f32>()
                        .map_err(|e| Error::Backend(format!("{e:?}")))
                })
                .collect::<Result<Vec<_>>>()?;
            let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
            let (outputs, progress) = &mut *guard;
            for (out, values) in outputs.iter_mut().zip(&acts) {
                let mut rows = out.slice_mut(ndarray::s![start..end, ..]);
                let src = ndarray::ArrayView2::from_shape(rows.raw_dim(), values)
                    .map_err(|_| Error::shape("layer output", rows.shape(), &[values.len()]))?;
                rows.assign(&src);
            }
            if let Some(p) = progress.as_mut() {
                p.advance(end - start);
            }
        }
    };
    let results: Vec<Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let r = run();
                    if r.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Backend("a forward pass panicked".into())))
            })
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>>>()?;
    let (outputs, progress) = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = progress {
        p.finish();
    }
    Ok(outputs)
}

impl<N: Network + ?Sized> Network for Box<N> {
    fn geometry(&self) -> &Geometry {
        (**self).geometry()
    }

    fn layer_names(&self) -> Vec<String> {
        (**self).layer_names()
    }

    fn device(&self) -> Device {
        (**self).device()
    }

    fn forward_layers(&self, images: Tensor<4>, layers: &[usize]) -> Vec<Tensor<2>> {
        (**self).forward_layers(images, layers)
    }
}
