//! Choosing a burn device by name: `flex` (CPU, the fastest here), `ndarray`
//! (CPU), `wgpu` (GPU, or software Vulkan; needs the `wgpu` feature).

use burn::tensor::Device;

use crate::error::{Error, Result};

/// The device named `name`.
///
/// # Errors
/// [`Error::UnknownDevice`] for an unknown name, or `wgpu` without the feature.
pub fn parse(name: &str) -> Result<Device> {
    match name {
        "flex" => Ok(Device::flex()),
        // burn-ndarray is deprecated upstream but still supported; offered for comparison
        #[allow(deprecated)]
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(burn::tensor::DeviceKind::default())),
        _ => Err(Error::UnknownDevice(name.into())),
    }
}
