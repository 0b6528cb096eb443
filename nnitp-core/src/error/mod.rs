//! The error type of `nnitp-core`: [`Error`], joining the errors of each
//! concern a caller may handle apart (parameters, geometry, files, the
//! network) with the errors of the data and the queries.

mod file;
mod network;
mod params;

pub use file::{file_name_only, FileError};
pub use network::NetworkError;
pub use params::ParamError;

use std::path::PathBuf;

pub use crate::cone::GeometryError;
use crate::split::Split;
pub use crate::unit::UnitError;

/// Result alias used throughout `nnitp-core`.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `nnitp-core`. Each variant carries the values
/// that explain it; none of them is ever produced by a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter outside its range.
    #[error(transparent)]
    Params(#[from] ParamError),
    /// Layer geometry, layers, units and boxes that do not fit.
    #[error(transparent)]
    Geometry(#[from] GeometryError),
    /// A file that cannot be read or is not valid.
    #[error(transparent)]
    File(#[from] FileError),
    /// A network that fails or disagrees with its geometry.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// An ensemble of this size leaves some member with no unit to choose from.
    #[error("ensemble size {ensemble_size} exceeds the {units} units available")]
    EnsembleTooLarge {
        /// Requested ensemble size.
        ensemble_size: usize,
        /// Units the search may use.
        units: usize,
    },
    /// No sample satisfies the conclusion, so nothing can be learned.
    #[error("no positive samples: no sample satisfies the conclusion")]
    NoPositiveSamples,
    /// The premise has no rows.
    #[error("the premise is empty: give at least one input row")]
    EmptyPremise,
    /// An array does not have the shape the operation needs.
    #[error("shape mismatch in {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// Which array.
        what: String,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },
    /// A feature's scaling that cannot be undone: a shift or scale that is
    /// not finite, or a scale of 0.
    #[error("feature {feature} ({name}): its shift must be finite and its scale finite and not 0")]
    InvalidFeatureScaling {
        /// Feature index.
        feature: usize,
        /// Feature name.
        name: String,
    },
    /// A NaN or infinite activation was found.
    #[error("non-finite activation {value} in {what}, row {row}, unit {unit}")]
    NonFinite {
        /// Which array.
        what: String,
        /// Row (sample) index.
        row: usize,
        /// Flat unit index.
        unit: usize,
        /// The offending value.
        value: f32,
    },
    /// An `is_max` class that the output layer does not have.
    #[error("class {class} is out of range for an output layer of {classes} units")]
    ClassOutOfRange {
        /// Requested class.
        class: usize,
        /// Output units.
        classes: usize,
    },
    /// An image index past the end of its data set.
    #[error("image {index} is out of range (the data set has {images} images)")]
    ImageOutOfRange {
        /// Requested index.
        index: usize,
        /// Images available.
        images: usize,
    },
    /// A conjunct index past the end of an interpolant.
    #[error("conjunct {index} is out of range (the interpolant has {conjuncts})")]
    ConjunctOutOfRange {
        /// Requested conjunct.
        index: usize,
        /// Conjuncts available.
        conjuncts: usize,
    },
    /// The activation source cannot run its network on changed activations
    /// (activations computed elsewhere, or a network whose
    /// `Network::interventions` is `false`): faithfulness figures are
    /// unavailable.
    #[error("the network cannot be run on changed activations (activations computed elsewhere, or a burn network whose `Network::interventions()` is false), so the faithfulness figures are unavailable")]
    InterventionsUnsupported,
    /// The activation source cannot give this layer.
    #[error("no {split} activations of layer {layer} ({name}) were given")]
    LayerNotAvailable {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// The data set.
        split: Split,
    },
    /// The premise does not satisfy the conclusion it should be explained by.
    #[error("{split} image {index} does not satisfy {conclusion}: there is nothing to explain")]
    PremiseViolatesConclusion {
        /// The data set.
        split: Split,
        /// The image.
        index: usize,
        /// The conclusion, printed.
        conclusion: String,
    },
}

impl From<UnitError> for Error {
    fn from(e: UnitError) -> Self {
        Error::Geometry(GeometryError::Unit(e))
    }
}

impl Error {
    /// The same error naming files by their names alone
    /// ([`file_name_only`]), for messages shown where the machine's folders
    /// should not be (a web page).
    pub fn with_file_names(self) -> Self {
        match self {
            Error::File(e) => Error::File(e.with_file_name()),
            other => other,
        }
    }

    pub(crate) fn bad_file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::File(FileError::Invalid {
            path: path.into(),
            reason: reason.into(),
        })
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::File(FileError::Io {
            path: path.into(),
            source,
        })
    }

    pub(crate) fn shape(what: impl Into<String>, expected: &[usize], found: &[usize]) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.to_vec(),
            found: found.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_leave_the_folders_out() {
        let e = Error::bad_file("/srv/data/run/train.npy", "not float32");
        assert_eq!(e.to_string(), "/srv/data/run/train.npy: not float32");
        assert_eq!(e.with_file_names().to_string(), "train.npy: not float32");
        let e = Error::io("/srv/x/geometry.json", std::io::ErrorKind::NotFound.into());
        let Error::File(f) = e.with_file_names() else {
            panic!("a file error stays one");
        };
        assert_eq!(f.path(), std::path::Path::new("geometry.json"));
        // errors without files are unchanged
        let text = Error::from(ParamError::InvalidSize).to_string();
        assert_eq!(
            Error::from(ParamError::InvalidSize)
                .with_file_names()
                .to_string(),
            text
        );
    }

    #[test]
    fn unit_errors_are_geometry_errors() {
        let e = Error::from(UnitError::UnitOutOfRange {
            unit: crate::unit::Unit::new([4]),
            shape: vec![3],
        });
        assert!(matches!(e, Error::Geometry(GeometryError::Unit(_))));
        assert_eq!(e.to_string(), "unit v(4) lies outside the unit shape [3]");
    }
}
