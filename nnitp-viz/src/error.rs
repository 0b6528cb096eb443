//! The error type of `nnitp-viz`.

use std::path::PathBuf;

/// Result alias of `nnitp-viz`.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `nnitp-viz`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A grid that cannot be drawn (no column, an image or region out of range).
    #[error("bad grid: {0}")]
    BadGrid(String),
    /// Encoding an image failed.
    #[error("image encoding failed: {0}")]
    Image(#[from] image::ImageError),
    /// A file could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The explanation's data set has no images to draw (activations given
    /// without them).
    #[error("the {0} has no images to draw")]
    NoImages(nnitp_core::Split),
    /// A catalog does not offer this model.
    #[error("unknown model {0:?}")]
    UnknownModel(String),
    /// A catalog could not load a model.
    #[error("cannot load {model}: {source}")]
    Load {
        /// The model's name.
        model: String,
        /// Why.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An error of the core engine.
    #[error(transparent)]
    Core(#[from] nnitp_core::Error),
}

impl Error {
    /// The same error naming files by their names alone
    /// ([`file_name_only`](nnitp_core::error::file_name_only)); a
    /// [`Error::Load`]'s source is left as its catalog made it.
    pub fn with_file_names(self) -> Self {
        match self {
            Error::Io { path, source } => Error::Io {
                path: nnitp_core::error::file_name_only(&path),
                source,
            },
            Error::Core(e) => Error::Core(e.with_file_names()),
            other => other,
        }
    }
}
