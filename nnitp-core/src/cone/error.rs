//! Geometry that does not fit: layers a network does not have, cones that
//! cannot be taken, layers that cannot take their inputs.

use super::Place;
use crate::unit::UnitError;

/// Layer geometry, layers, units or boxes that do not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeometryError {
    /// A unit or a box outside its layer's unit shape.
    #[error(transparent)]
    Unit(#[from] UnitError),
    /// A layer index that the network does not have.
    #[error("layer {layer} is out of range (the network has {layers} layers)")]
    LayerOutOfRange {
        /// Requested layer.
        layer: usize,
        /// Number of layers.
        layers: usize,
    },
    /// A cone was asked from a layer that is not below the target layer.
    #[error("layer {from} is not below layer {to}")]
    LayerNotBelow {
        /// The earlier layer asked for.
        from: usize,
        /// The later layer.
        to: usize,
    },
    /// Layer geometry that cannot be applied to its input shape.
    #[error("layer {layer} ({name}): {reason}")]
    BadGeometry {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// No path of the network leads from one place to a later layer.
    #[error("no path of the network leads from {from:?} to layer {to}")]
    NoPath {
        /// Where the cone was to end.
        from: Place,
        /// The layer it started from.
        to: usize,
    },
}
