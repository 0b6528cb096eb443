//! Running a [`Network`] over images in batches on every core, checking each
//! layer's output against the geometry and storing it channels last.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use burn::tensor::{Tensor, TensorData};
use ndarray::{Array2, ArrayView4, ArrayViewMut2, Axis};

use super::taps::{LayerOutput, Taps};
use super::tensor_values;
use super::Network;
use crate::cone::{Geometry, LayerKind, Place};
use crate::error::{Error, NetworkError, Result};
use crate::progress::{Observer, Progress, Task};

/// Checks that images fit the network's input (`[N, H, W, C]`).
pub(crate) fn check_images(
    geometry: &Geometry,
    what: &str,
    images: ArrayView4<'_, f32>,
) -> Result<()> {
    let input = geometry.shape(Place::Input)?;
    if images.shape()[1..] != *input {
        let mut want = vec![images.shape()[0]];
        want.extend_from_slice(input);
        return Err(Error::shape(what, &want, images.shape()));
    }
    Ok(())
}

/// A batch of channels-last images as an NCHW tensor on `network`'s device.
fn to_tensor(network: &(dyn Network + Sync), batch: ArrayView4<'_, f32>) -> Tensor<4> {
    let nchw = batch.permuted_axes([0, 3, 1, 2]);
    let shape = nchw.shape().to_vec();
    let values: Vec<f32> = nchw.iter().copied().collect();
    Tensor::<4>::from_data(TensorData::new(values, shape), &network.device())
}

/// The values of `output` as `f32`, in burn's layout (`[N, C, H, W]`).
fn values(output: LayerOutput) -> Result<Vec<f32>> {
    match output {
        LayerOutput::Map(t) => tensor_values(t),
        LayerOutput::Flat(t) => tensor_values(t),
        LayerOutput::Host { values, shape } => match shape[..] {
            [n, h, w, c] => {
                let a = ndarray::ArrayView4::from_shape((n, h, w, c), &values)
                    .map_err(|_| Error::shape("host layer output", &shape, &[values.len()]))?;
                Ok(a.permuted_axes([0, 3, 1, 2]).iter().copied().collect())
            }
            _ => Ok(values),
        },
    }
}

/// Checks one layer's output of a batch of `n` against the geometry.
fn check_output(geometry: &Geometry, layer: usize, n: usize, output: &LayerOutput) -> Result<()> {
    let shape = geometry.shape(Place::Layer(layer))?;
    // what burn should give per sample
    let expected: Vec<usize> = match shape {
        [h, w, c] => vec![*c, *h, *w],
        s => s.to_vec(),
    };
    if let LayerOutput::Host { values, shape } = output {
        if values.len() != shape.iter().product::<usize>() {
            return Err(Error::Network(NetworkError::HostValues {
                layer,
                name: geometry.name(layer),
                values: values.len(),
                shape: shape.clone(),
            }));
        }
    }
    let found = output.sample_shape();
    let layout_ok = output.is_map() == (shape.len() == 3);
    if !layout_ok || found != expected || output.batch() != n {
        return Err(Error::Network(NetworkError::LayerOutputShape {
            layer,
            name: geometry.name(layer),
            expected,
            found,
            batch: (output.batch() != n).then_some((n, output.batch())),
        }));
    }
    Ok(())
}

/// Writes a checked layer output of the layer with `shape` (channels last)
/// into `rows` (`[n, units]`, channels last).
fn store(output: LayerOutput, shape: &[usize], mut rows: ArrayViewMut2<'_, f32>) -> Result<()> {
    let n = rows.nrows();
    let values = match output {
        LayerOutput::Map(t) => {
            let values = tensor_values(t)?;
            let [h, w, c] = <[usize; 3]>::try_from(shape).expect("checked: a feature map");
            let src = ndarray::ArrayView4::from_shape((n, c, h, w), &values)
                .expect("checked against the geometry");
            let src = src.permuted_axes([0, 2, 3, 1]);
            for (mut row, img) in rows.outer_iter_mut().zip(src.outer_iter()) {
                // `img` is [h, w, c]; the row is its channels-last flattening
                for (dst, &v) in row.iter_mut().zip(img.iter()) {
                    *dst = v;
                }
            }
            return Ok(());
        }
        LayerOutput::Flat(t) => tensor_values(t)?,
        LayerOutput::Host { values, .. } => values,
    };
    let src = ndarray::ArrayView2::from_shape(rows.raw_dim(), &values)
        .map_err(|_| Error::shape("layer output", &[n, rows.ncols()], &[values.len()]))?;
    rows.assign(&src);
    Ok(())
}

/// Runs one batch and checks every wanted layer's output; returns the outputs
/// in burn's layout, in the order of `layers`.
/// The error for a forward pass that panicked, naming the last layer it
/// handed over and the one expected next.
fn panicked(geometry: &Geometry, taps: &Taps, panic: &(dyn std::any::Any + Send)) -> Error {
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic without a message".into());
    let (last, next) = taps.stopped_at();
    let next = next.unwrap_or_else(|| last.map_or(0, |l| l + 1));
    Error::Network(NetworkError::ForwardPanicked {
        last,
        last_name: last.map(|l| geometry.name(l)).unwrap_or_default(),
        next,
        next_name: geometry.name(next),
        message,
    })
}

fn run_batch(
    network: &(dyn Network + Sync),
    batch: ArrayView4<'_, f32>,
    layers: &[usize],
) -> Result<Vec<LayerOutput>> {
    let geometry = network.geometry();
    let n = batch.shape()[0];
    let mut taps = Taps::new(layers);
    let input = to_tensor(network, batch);
    // a panic in the user's forward pass (or in burn under it) becomes an
    // error naming where the pass stopped
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        network.forward_layers(input, &mut taps)
    }));
    match ran {
        Ok(result) => result?,
        Err(panic) => return Err(panicked(geometry, &taps, panic.as_ref())),
    }
    let (outputs, repeated) = taps.into_outputs();
    if let Some(&layer) = repeated.first() {
        return Err(Error::Network(NetworkError::LayerTappedTwice {
            layer,
            name: geometry.name(layer),
        }));
    }
    let mut checked = Vec::with_capacity(outputs.len());
    for (layer, output) in outputs {
        let output = output.ok_or_else(|| {
            Error::Network(NetworkError::LayerNotTapped {
                layer,
                name: geometry.name(layer),
            })
        })?;
        check_output(geometry, layer, n, &output)?;
        checked.push((layer, Some(output)));
    }
    // each output moves to its first place in `layers` (filled last, going
    // backwards); a layer asked for twice is copied for its later places
    let mut ordered: Vec<Option<LayerOutput>> = vec![None; layers.len()];
    for (i, l) in layers.iter().enumerate().rev() {
        let slot = &mut checked
            .iter_mut()
            .find(|(m, _)| m == l)
            .expect("every wanted layer is checked")
            .1;
        ordered[i] = if layers[..i].contains(l) {
            slot.clone()
        } else {
            slot.take()
        };
    }
    Ok(ordered
        .into_iter()
        .map(|o| o.expect("every place is filled"))
        .collect())
}

/// Images [`check_network`] runs.
const PROBE_IMAGES: usize = 4;

/// Runs `network` on the first few of `images` with every layer wanted and
/// checks each layer's output shape against the geometry, and each flatten
/// layer's order (where the values tell the two orders apart).
///
/// # Errors
/// [`NetworkError::LayerOutputShape`](crate::error::NetworkError::LayerOutputShape) naming the first layer whose output does not
/// match, [`NetworkError::FlattenOrder`](crate::error::NetworkError::FlattenOrder), [`NetworkError::LayerNotTapped`](crate::error::NetworkError::LayerNotTapped),
/// [`NetworkError::LayerTappedTwice`](crate::error::NetworkError::LayerTappedTwice), [`Error::ShapeMismatch`] for images that do
/// not fit the input, and the network's own errors.
pub fn check_network(network: &(dyn Network + Sync), images: ArrayView4<'_, f32>) -> Result<()> {
    let geometry = network.geometry();
    check_images(geometry, "images", images)?;
    let n = images.shape()[0].min(PROBE_IMAGES);
    if n == 0 {
        return Ok(());
    }
    let all: Vec<usize> = (0..geometry.len()).collect();
    let outputs = run_batch(network, images.slice(ndarray::s![0..n, .., .., ..]), &all)?;
    let values = outputs
        .into_iter()
        .map(values)
        .collect::<Result<Vec<_>>>()?;
    for layer in 1..geometry.len() {
        let (before, flat) = (&values[layer - 1], &values[layer]);
        let (b, f) = (before.len() / n, flat.len() / n);
        for i in 0..n {
            check_flatten_order(
                geometry,
                layer,
                &before[i * b..(i + 1) * b],
                &flat[i * f..(i + 1) * f],
            )?;
        }
    }
    Ok(())
}

/// For a flatten layer: its output must be the layer before it flattened in
/// the declared order (channels last or channels first). Both orders hold the
/// same values, so only a difference in order is an error.
fn check_flatten_order(
    geometry: &Geometry,
    layer: usize,
    before: &[f32],
    flat: &[f32],
) -> Result<()> {
    let kind = &geometry.kinds()[layer];
    let channels_first = match kind {
        LayerKind::Flatten => false,
        LayerKind::FlattenChannelsFirst => true,
        _ => return Ok(()),
    };
    let [h, w, c] = match *geometry.shape(Place::Layer(layer - 1))? {
        [h, w, c] => [h, w, c],
        _ => return Ok(()),
    };
    if before.len() != flat.len() || h * w * c != flat.len() {
        return Ok(());
    }
    // `before` is [C, H, W]; the channels-last order reads it as [H, W, C]
    let chw = ndarray::ArrayView3::from_shape((c, h, w), before).expect("sizes checked");
    let last: Vec<f32> = chw.permuted_axes([1, 2, 0]).iter().copied().collect();
    let same = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
    let (declared, other) = if channels_first {
        (before, last.as_slice())
    } else {
        (last.as_slice(), before)
    };
    if !same(declared, flat) && same(other, flat) {
        return Err(Error::Network(NetworkError::FlattenOrder {
            layer,
            name: geometry.name(layer),
            declared: if channels_first {
                "channels first"
            } else {
                "channels last"
            },
        }));
    }
    Ok(())
}

/// Runs `network` over `images` (`[N, H, W, C]`) in batches of `batch_size`
/// and returns the activations of each layer in `layers` as `[N, units]`
/// matrices, channels last. Batches run on as many threads as the machine has
/// cores; progress (images done) goes to `observer` as `task`.
///
/// # Errors
/// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange), [`Error::ShapeMismatch`] when the images do not
/// fit the network's input, [`ParamError::InvalidBatchSize`](crate::error::ParamError::InvalidBatchSize) for a batch size of 0,
/// the output checks of [`check_network`], and the network's own errors.
pub fn extract(
    network: &(dyn Network + Sync),
    images: ArrayView4<'_, f32>,
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
            let acts = run_batch(network, batch, layers)?;
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
