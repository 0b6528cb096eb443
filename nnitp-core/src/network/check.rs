//! Checks that a [`Network`] does what its geometry declares: images that
//! fit its input, each layer's output shape, each flatten layer's order.

use ndarray::ArrayView4;

use super::batch::{run_batch, values};
use super::Network;
use crate::cone::{Geometry, LayerKind, Place};
use crate::error::{Error, NetworkError, Result};

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
    let outputs = run_batch(
        network,
        images.slice(ndarray::s![0..n, .., .., ..]),
        &all,
        None,
    )?;
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
