//! One batch through a [`Network`]: images in, each wanted layer's output
//! checked against the geometry and stored channels last.

use burn::tensor::{Tensor, TensorData};
use ndarray::{ArrayView2, ArrayView4, ArrayViewMut2};

use super::taps::{LayerOutput, Taps};
use super::tensor_values;
use super::Network;
use crate::cone::{Geometry, Place};
use crate::error::{Error, NetworkError, Result};

/// A batch of channels-last images as an NCHW tensor on `network`'s device.
fn to_tensor(network: &(dyn Network + Sync), batch: ArrayView4<'_, f32>) -> Tensor<4> {
    let nchw = batch.permuted_axes([0, 3, 1, 2]);
    let shape = nchw.shape().to_vec();
    let values: Vec<f32> = nchw.iter().copied().collect();
    Tensor::<4>::from_data(TensorData::new(values, shape), &network.device())
}

/// The values of `output` as `f32`, in burn's layout (`[N, C, H, W]`).
pub(super) fn values(output: LayerOutput) -> Result<Vec<f32>> {
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
pub(super) fn store(
    output: LayerOutput,
    shape: &[usize],
    mut rows: ArrayViewMut2<'_, f32>,
) -> Result<()> {
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

/// Runs one batch and checks every wanted layer's output; returns the outputs
/// in burn's layout, in the order of `layers`. With `replace`, layer
/// `replace.0` takes the rows `replace.1` (`[n, units]`, channels last)
/// instead of its own output.
pub(super) fn run_batch(
    network: &(dyn Network + Sync),
    batch: ArrayView4<'_, f32>,
    layers: &[usize],
    replace: Option<(usize, ArrayView2<'_, f32>)>,
) -> Result<Vec<LayerOutput>> {
    let geometry = network.geometry();
    let n = batch.shape()[0];
    let mut taps = Taps::new(layers);
    if let Some((layer, rows)) = replace {
        let mut shape = vec![rows.nrows()];
        shape.extend_from_slice(geometry.shape(Place::Layer(layer))?);
        taps = taps.replacing(layer, rows.iter().copied().collect(), shape);
    }
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
    if let Some((layer, taken, misfit)) = taps.replacement_state() {
        if !taken || misfit {
            return Err(Error::Network(NetworkError::InterventionIgnored {
                layer,
                name: geometry.name(layer),
            }));
        }
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
