//! The interface between nnitp and a burn model (the `burn` feature).
//!
//! A model is explained once it implements [`Network`]: its [`Geometry`]
//! (best declared from the same burn configs the model is built from, see
//! [`GeometryBuilder`](crate::cone::GeometryBuilder)) and a forward pass that
//! hands each layer's output to [`Taps`] in burn's own layout. The library
//! checks every layer's shape against the geometry, flattens feature maps
//! channels last, and runs batches on every core ([`extract`]).

mod batch;
mod check;
mod extract;
mod fingerprint;
mod finite;
mod source;
mod taps;

pub use check::check_network;
pub use extract::{extract, extract_replacing};
pub use fingerprint::module_digest;
pub use finite::non_finite_tensor;
pub use source::NetworkSource;
pub use taps::{LayerOutput, TapValue, Taps};

use burn::tensor::{Device, Tensor};

use crate::cone::Geometry;
use crate::error::{NetworkError, Result};

/// The values of a tensor as `f32` (converted from another float type).
///
/// # Errors
/// [`NetworkError::TensorData`] when the backend cannot give them.
pub fn tensor_values<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| NetworkError::TensorData(format!("{e:?}")).into())
}

/// A burn classifier whose hidden layers can be explained.
///
/// In a crate that uses the `burn` this crate re-exports (as it should, so
/// that versions match), `use nnitp_core::burn;` at the crate root lets
/// `#[derive(Module)]` find it: the derive writes `burn::...` paths.
///
/// ```
/// use nnitp_core::burn; // for #[derive(Module)]; at the crate root
/// use burn::module::Module;
/// use burn::nn::conv::{Conv2d, Conv2dConfig};
/// use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
/// use burn::tensor::activation::softmax;
/// use burn::tensor::{Device, Tensor};
/// use nnitp_core::cone::{Geometry, LayerKind};
/// use nnitp_core::network::{Network, Taps};
///
/// #[derive(Module, Debug)]
/// struct Tiny {
///     conv: Conv2d,
///     fc: Linear,
///     #[module(skip)]
///     geometry: Geometry,
/// }
///
/// impl Tiny {
///     fn new(device: &Device) -> nnitp_core::Result<Self> {
///         let mut g = Geometry::builder(&[8, 8, 1]);
///         let conv = g.push("conv", Conv2dConfig::new([1, 4], [3, 3]).with_padding(PaddingConfig2d::Same))?;
///         g.push("relu", Relu)?;
///         g.push("flatten", LayerKind::FlattenChannelsFirst)?;
///         let fc = g.push("fc", burn::nn::LinearConfig::new(256, 3))?;
///         Ok(Tiny { conv: conv.init(device), fc: fc.init(device), geometry: g.build() })
///     }
/// }
///
/// impl Network for Tiny {
///     fn geometry(&self) -> &Geometry { &self.geometry }
///     fn device(&self) -> Device { self.conv.weight.device() }
///     fn forward_layers(&self, x: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
///         let x = taps.tap(0, self.conv.forward(x));
///         let x = taps.tap(1, burn::tensor::activation::relu(x));
///         let [n, c, h, w] = x.dims();
///         let x = taps.tap(2, x.reshape([n, c * h * w]));
///         taps.tap(3, softmax(self.fc.forward(x), 1));
///         Ok(())
///     }
///     // each layer goes on from what `tap` hands back
///     fn interventions(&self) -> bool { true }
/// }
/// # Ok::<(), nnitp_core::Error>(())
/// ```
pub trait Network {
    /// The input shape and each layer's name, kind and output shape.
    fn geometry(&self) -> &Geometry;

    /// The device the model's weights live on.
    fn device(&self) -> Device;

    /// A digest of the network's weights (with [`module_digest`] for a burn
    /// module), so that its activations can be cached on disk; `None` (the
    /// default) caches nothing.
    fn fingerprint(&self) -> Option<crate::digest::Digest> {
        None
    }

    /// Runs one batch, handing each layer's output to `taps` (in burn's
    /// layout: `[N, C, H, W]` for feature maps, `[N, units]` for flat layers).
    /// Layers `taps` does not want are ignored, and the pass may stop once
    /// [`Taps::done`] says so.
    ///
    /// # Shapes
    /// - `images`: `[N, C, H, W]`
    ///
    /// # Errors
    /// The model's own errors, passed through.
    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> Result<()>;

    /// Whether [`Network::forward_layers`] honours a replaced layer
    /// ([`Taps::replacing`]): it goes on from what [`Taps::tap`] hands back
    /// (or from [`Taps::replacement`] on the host) for every layer, so that
    /// an intervention on a layer's units runs through the rest of the
    /// network. `false` (the default) makes faithfulness figures unavailable
    /// instead of guessing; a network that taps each layer as the example
    /// above does may return `true`.
    fn interventions(&self) -> bool {
        false
    }
}

impl<N: Network + ?Sized> Network for Box<N> {
    fn geometry(&self) -> &Geometry {
        (**self).geometry()
    }

    fn device(&self) -> Device {
        (**self).device()
    }

    fn fingerprint(&self) -> Option<crate::digest::Digest> {
        (**self).fingerprint()
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> Result<()> {
        (**self).forward_layers(images, taps)
    }

    fn interventions(&self) -> bool {
        (**self).interventions()
    }
}
