//! The error type of `nnitp-models`.

use std::path::PathBuf;

/// The device names this build knows.
const DEVICES: &str = if cfg!(feature = "wgpu") {
    "flex, ndarray, wgpu"
} else {
    "flex, ndarray; wgpu needs the `wgpu` feature"
};

/// Result alias of `nnitp-models`.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `nnitp-models`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV table that cannot be read as the model's table.
    #[error("{}: {source}", path.display())]
    Table {
        /// The file (`<embedded>/...` for a shipped table).
        path: PathBuf,
        /// What is wrong, naming the line.
        source: crate::data::table::TableError,
    },
    /// A `.ts` file of series that cannot be read as the model's series.
    #[error("{}: {source}", path.display())]
    Series {
        /// The file (`<embedded>/...` for a shipped one).
        path: PathBuf,
        /// What is wrong, naming the line.
        source: crate::data::series::SeriesError,
    },
    /// No weights are shipped for this model; they must be trained and given.
    #[error(
        "no weights are shipped for {model}: train them (example `train`) and pass --weights FILE"
    )]
    NoShippedWeights {
        /// The model's name.
        model: String,
    },
    /// An IDX file whose magic number is not the one expected.
    #[error("{}: bad IDX magic number {found:#010x} (expected {expected:#010x})", path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number required.
        expected: u32,
        /// The magic number found.
        found: u32,
    },
    /// A dataset file shorter or longer than its header says.
    #[error("{}: {reason}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// A path that is not a regular file (a device, a pipe, a folder).
    #[error("{}: not a regular file", path.display())]
    NotRegularFile {
        /// The path.
        path: PathBuf,
    },
    /// A file announcing or holding more than a reader accepts.
    #[error("{}: {what} is larger than the {limit} bytes accepted", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What it announces.
        what: String,
        /// The most bytes accepted.
        limit: u64,
    },
    /// A data set with no image (or images with no pixel).
    #[error("{}: empty data set (shape {shape:?})", path.display())]
    EmptyDataset {
        /// The file.
        path: PathBuf,
        /// The shape it announces.
        shape: Vec<usize>,
    },
    /// Weights holding a NaN or an infinity.
    #[error("{}: tensor {tensor} of model {model} holds a non-finite value", path.display())]
    NonFiniteWeights {
        /// The weights file.
        path: PathBuf,
        /// The model.
        model: String,
        /// The tensor's path in the model, e.g. `layers.14.weight`.
        tensor: String,
    },
    /// Image and label files that disagree.
    #[error("{images} images but {labels} labels")]
    CountMismatch {
        /// Images read.
        images: usize,
        /// Labels read.
        labels: usize,
    },
    /// A label outside the dataset's classes.
    #[error("{}: label {label} at record {index} is not below {classes}", path.display())]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// Record index.
        index: usize,
        /// The label.
        label: u8,
        /// Number of classes.
        classes: usize,
    },
    /// No copy of a dataset where it was looked for.
    #[error(
        "dataset {dataset} not found ({}); name the folder that holds it",
        looked_in(looked)
    )]
    DatasetNotFound {
        /// The dataset.
        dataset: String,
        /// The folders tried.
        looked: Vec<PathBuf>,
    },
    /// Model name not in the zoo.
    #[error("unknown model {name:?} (known: {})", known.join(", "))]
    UnknownModel {
        /// The name given.
        name: String,
        /// The zoo's model names.
        known: Vec<&'static str>,
    },
    /// Weights that do not fit the model.
    #[error("{}: these weights do not fit model {model}: {source}", path.display())]
    WeightsMismatch {
        /// The weights file.
        path: PathBuf,
        /// The model.
        model: String,
        /// burn's error reading or applying them.
        source: burn::store::RecordError,
    },
    /// Weights that could not be written.
    #[error("{}: the weights could not be saved: {source}", path.display())]
    SaveWeights {
        /// The weights file.
        path: PathBuf,
        /// burn's error writing them.
        source: burn::store::RecordError,
    },
    /// Images whose shape differs from the model's input.
    #[error("images of shape {found:?} do not fit the model's input {expected:?}")]
    InputShape {
        /// The model's input shape.
        expected: Vec<usize>,
        /// The images' shape.
        found: Vec<usize>,
    },
    /// A device name that is not known (or not compiled in).
    #[error("unknown device {0:?} (known: {DEVICES})")]
    UnknownDevice(String),
    /// An argument out of range (a batch size of 0, no image to evaluate).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A training parameter out of range.
    #[error("invalid training parameter: {0}")]
    InvalidTraining(String),
    /// Training produced a NaN or infinite loss: the weights it would give are
    /// unusable (a learning rate too high, or a backend computing wrongly).
    #[error("training diverged: the loss of epoch {epoch}, step {step} is {loss}")]
    Diverged {
        /// The epoch (from 1).
        epoch: usize,
        /// The step within the epoch (from 1).
        step: usize,
        /// The loss.
        loss: f32,
    },
    /// An error of the core engine.
    #[error(transparent)]
    Core(#[from] nnitp_core::Error),
    /// An ONNX model that cannot be read or run.
    #[cfg(feature = "onnx")]
    #[error(transparent)]
    Onnx(Box<crate::onnx::OnnxError>),
}

#[cfg(feature = "onnx")]
impl From<crate::onnx::OnnxError> for Error {
    fn from(e: crate::onnx::OnnxError) -> Self {
        Error::Onnx(Box::new(e))
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

/// burn's error about the weights file `path` with `path`'s folder left out
/// of its message (burn names the files it reads and writes in full).
fn outside(path: &std::path::Path, e: burn::store::RecordError) -> burn::store::RecordError {
    use burn::store::RecordError;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => {
            format!("{}{}", p.display(), std::path::MAIN_SEPARATOR)
        }
        _ => return e,
    };
    match e {
        RecordError::Io(m) => RecordError::Io(m.replace(&folder, "")),
        RecordError::Validation(m) => RecordError::Validation(m.replace(&folder, "")),
    }
}

/// `looked in: a, b`, or that no folder was tried.
fn looked_in(folders: &[PathBuf]) -> String {
    if folders.is_empty() {
        return "no folder was given".into();
    }
    let names: Vec<String> = folders.iter().map(|p| p.display().to_string()).collect();
    format!("looked in: {}", names.join(", "))
}

impl Error {
    /// The same error naming files and folders by their names alone
    /// ([`file_name_only`](nnitp_core::error::file_name_only)), for messages
    /// shown where the machine's folders should not be (a web page).
    pub fn with_file_names(self) -> Self {
        use nnitp_core::error::file_name_only as name;
        match self {
            Error::Core(e) => Error::Core(e.with_file_names()),
            #[cfg(feature = "onnx")]
            Error::Onnx(e) => Error::Onnx(Box::new(e.with_file_names())),
            Error::DatasetNotFound { dataset, looked } => Error::DatasetNotFound {
                dataset,
                looked: looked.iter().map(|p| name(p)).collect(),
            },
            Error::WeightsMismatch {
                path,
                model,
                source,
            } => Error::WeightsMismatch {
                source: outside(&path, source),
                path: name(&path),
                model,
            },
            Error::SaveWeights { path, source } => Error::SaveWeights {
                source: outside(&path, source),
                path: name(&path),
            },
            mut other => {
                if let Some(path) = other.path_mut() {
                    *path = name(path);
                }
                other
            }
        }
    }

    /// The file a variant names, if any.
    fn path_mut(&mut self) -> Option<&mut PathBuf> {
        match self {
            Error::Io { path, .. }
            | Error::BadMagic { path, .. }
            | Error::Truncated { path, .. }
            | Error::NotRegularFile { path, .. }
            | Error::TooLarge { path, .. }
            | Error::EmptyDataset { path, .. }
            | Error::NonFiniteWeights { path, .. }
            | Error::BadLabel { path, .. } => Some(path),
            _ => None,
        }
    }
}

impl From<nnitp_core::cone::GeometryError> for Error {
    fn from(e: nnitp_core::cone::GeometryError) -> Self {
        Error::Core(e.into())
    }
}

impl From<nnitp_core::error::ParamError> for Error {
    fn from(e: nnitp_core::error::ParamError) -> Self {
        Error::Core(e.into())
    }
}
