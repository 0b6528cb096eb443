//! Running a [`Network`] over images in batches on every core, storing each
//! wanted layer's output channels last; optionally with one layer's output
//! replaced (an intervention on its units).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use ndarray::{Array2, ArrayView2, ArrayView4, ArrayViewMut2, Axis};

use super::batch::{run_batch, store};
use super::check::check_images;
use super::Network;
use crate::cone::Place;
use crate::error::{Error, NetworkError, Result};
use crate::progress::{Observer, Progress, Task};

/// Runs `network` over `images` (`[N, H, W, C]`) in batches of `batch_size`
/// and returns the activations of each layer in `layers` as `[N, units]`
/// matrices, channels last. Batches run on as many threads as the machine has
/// cores; progress (images done) goes to `observer` as `task`.
///
/// # Errors
/// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange), [`Error::ShapeMismatch`] when the images do not
/// fit the network's input, [`ParamError::InvalidBatchSize`](crate::error::ParamError::InvalidBatchSize) for a batch size of 0,
/// the output checks of [`check_network`](super::check_network), and the network's own errors.
pub fn extract(
    network: &(dyn Network + Sync),
    images: ArrayView4<'_, f32>,
    layers: &[usize],
    batch_size: usize,
    observer: &Observer,
    task: Task,
) -> Result<Vec<Array2<f32>>> {
    run(network, images, None, layers, batch_size, observer, task)
}

/// As [`extract`], with layer `layer`'s output replaced by `values` (one row
/// per image, `[N, units]` channels last): each later layer is computed from
/// them (and from the images' own values of the layers they do not depend
/// on), as an intervention on the layer's units.
///
/// # Errors
/// As [`extract`]; [`Error::InterventionsUnsupported`] when the network does
/// not honour replacements ([`Network::interventions`]),
/// [`NetworkError::InterventionIgnored`] when it says it does but went on
/// without them, and [`Error::ShapeMismatch`] when `values` is not one row
/// of the layer's units per image.
pub fn extract_replacing(
    network: &(dyn Network + Sync),
    images: ArrayView4<'_, f32>,
    (layer, values): (usize, ArrayView2<'_, f32>),
    layers: &[usize],
    batch_size: usize,
    observer: &Observer,
    task: Task,
) -> Result<Vec<Array2<f32>>> {
    let geometry = network.geometry();
    if !network.interventions() {
        return Err(Error::InterventionsUnsupported);
    }
    let units = geometry.units(layer)?;
    let n = images.shape()[0];
    if values.dim() != (n, units) {
        return Err(Error::shape(
            format!(
                "replacement values of layer {layer} ({})",
                geometry.name(layer)
            ),
            &[n, units],
            values.shape(),
        ));
    }
    let replace = Some((layer, values));
    run(network, images, replace, layers, batch_size, observer, task)
}

fn run(
    network: &(dyn Network + Sync),
    images: ArrayView4<'_, f32>,
    replace: Option<(usize, ArrayView2<'_, f32>)>,
    layers: &[usize],
    batch_size: usize,
    observer: &Observer,
    task: Task,
) -> Result<Vec<Array2<f32>>> {
    let geometry = network.geometry();
    if batch_size == 0 {
        return Err(Error::Params(crate::error::ParamError::InvalidBatchSize));
    }
    check_images(geometry, "images", images)?;
    let n = images.shape()[0];
    let mut shapes = Vec::with_capacity(layers.len());
    let mut outputs = Vec::with_capacity(layers.len());
    for &l in layers {
        let shape = geometry.shape(Place::Layer(l))?.to_vec();
        outputs.push(Array2::<f32>::zeros((n, shape.iter().product())));
        shapes.push(shape);
    }
    let batches = n.div_ceil(batch_size);
    // each batch's rows of every output, taken by the thread that runs it
    let mut slots: Vec<Mutex<Vec<ArrayViewMut2<'_, f32>>>> =
        (0..batches).map(|_| Mutex::new(Vec::new())).collect();
    for out in outputs.iter_mut() {
        for (b, rows) in out.axis_chunks_iter_mut(Axis(0), batch_size).enumerate() {
            slots[b]
                .get_mut()
                .unwrap_or_else(|e| e.into_inner())
                .push(rows);
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(batches)
        .max(1);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let run = || -> Result<()> {
        loop {
            let b = next.fetch_add(1, Ordering::SeqCst);
            if b >= batches || failed.load(Ordering::SeqCst) {
                return Ok(());
            }
            let (start, end) = (b * batch_size, ((b + 1) * batch_size).min(n));
            let batch = images.slice(ndarray::s![start..end, .., .., ..]);
            let rows = replace
                .as_ref()
                .map(|(l, v)| (*l, v.slice(ndarray::s![start..end, ..])));
            let acts = run_batch(network, batch, layers, rows)?;
            let mut rows = std::mem::take(&mut *slots[b].lock().unwrap_or_else(|e| e.into_inner()));
            for ((act, shape), dst) in acts.into_iter().zip(&shapes).zip(rows.iter_mut()) {
                store(act, shape, dst.view_mut())?;
            }
            let total_done = done.fetch_add(end - start, Ordering::SeqCst) + end - start;
            observer.report(&Progress {
                task,
                done: total_done,
                total: n,
            });
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
                    .unwrap_or_else(|_| Err(NetworkError::WorkerPanicked.into()))
            })
            .collect()
    });
    drop(slots);
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(outputs)
}
