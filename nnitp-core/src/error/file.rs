//! Files that cannot be read, or whose content is not valid.

use std::path::PathBuf;

/// A file that could not be read or is not valid; every variant names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file could not be read (or written).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file was read but its content is not valid.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// `path`'s last component alone (the path itself when it has none), for
/// messages that must not tell where files are, e.g. to a web page.
pub fn file_name_only(path: &std::path::Path) -> PathBuf {
    path.file_name()
        .map_or_else(|| path.to_path_buf(), PathBuf::from)
}

impl FileError {
    /// The same error naming the file by its name alone
    /// ([`file_name_only`]).
    pub fn with_file_name(self) -> Self {
        match self {
            FileError::Io { path, source } => FileError::Io {
                path: file_name_only(&path),
                source,
            },
            FileError::Invalid { path, reason } => FileError::Invalid {
                path: file_name_only(&path),
                reason,
            },
        }
    }

    /// The file concerned.
    pub fn path(&self) -> &std::path::Path {
        match self {
            FileError::Io { path, .. } | FileError::Invalid { path, .. } => path,
        }
    }
}
