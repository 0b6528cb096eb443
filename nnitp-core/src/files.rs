//! Opening the files the engine reads: regular files only (a link to a
//! device, a pipe or a folder is refused before it is opened, so nothing
//! blocks or reads without end), and small text files read with a bound.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Opens `path` for reading if it is a regular file (links are followed).
///
/// # Errors
/// [`FileError::Io`](crate::error::FileError::Io) when it cannot be opened, [`FileError::Invalid`](crate::error::FileError::Invalid) when it is not
/// a regular file.
pub(crate) fn open_regular(path: &Path) -> Result<File> {
    let io = |source| Error::io(path.to_path_buf(), source);
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(Error::bad_file(path, "not a regular file"));
    }
    File::open(path).map_err(io)
}

/// The UTF-8 text of the regular file `path`, at most `max` bytes.
///
/// # Errors
/// As [`open_regular`]; [`FileError::Invalid`](crate::error::FileError::Invalid) for a longer file or one that is
/// not UTF-8.
pub(crate) fn read_text(path: &Path, max: u64) -> Result<String> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::io(path.to_path_buf(), source))?;
    if bytes.len() as u64 > max {
        return Err(Error::bad_file(
            path,
            format!("longer than the {max} bytes such a file may have"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| Error::bad_file(path, "not UTF-8 text"))
}

/// The JSON object in the regular file `path` (at most `max` bytes) as a `T`.
/// Only an object is accepted: serde would read a JSON array into a struct by
/// position, silently giving its fields other values.
///
/// # Errors
/// As [`read_text`]; [`FileError::Invalid`](crate::error::FileError::Invalid) for text that is not a JSON object of
/// `T`'s fields.
pub(crate) fn read_json_object<T: serde::de::DeserializeOwned>(path: &Path, max: u64) -> Result<T> {
    let text = read_text(path, max)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::bad_file(path, e.to_string()))?;
    if !value.is_object() {
        return Err(Error::bad_file(path, "expected a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| Error::bad_file(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bounded_regular_text_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.json");
        std::fs::write(&ok, "{}").unwrap();
        assert_eq!(read_text(&ok, 2).unwrap(), "{}");
        let long = dir.path().join("long.json");
        std::fs::write(&long, "{ }").unwrap();
        assert!(read_text(&long, 2)
            .unwrap_err()
            .to_string()
            .contains("longer than"));
        let latin = dir.path().join("latin.json");
        std::fs::write(&latin, b"{\"a\": \"\xe9\"}").unwrap();
        assert!(read_text(&latin, 100)
            .unwrap_err()
            .to_string()
            .contains("UTF-8"));
        assert!(matches!(
            read_text(dir.path(), 100),
            Err(Error::File(crate::error::FileError::Invalid { .. }))
        ));
        assert!(matches!(
            read_text(&dir.path().join("missing"), 100),
            Err(Error::File(crate::error::FileError::Io { .. }))
        ));
    }

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Two {
        a: u32,
        b: u32,
    }

    #[test]
    fn json_must_be_an_object() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        std::fs::write(&p, r#"{"a": 1, "b": 2}"#).unwrap();
        assert!(read_json_object::<Two>(&p, 100).is_ok());
        std::fs::write(&p, "[1, 2]").unwrap();
        let e = read_json_object::<Two>(&p, 100).unwrap_err().to_string();
        assert!(e.contains("expected a JSON object"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_pipes_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert!(read_text(&zero, 1 << 20)
            .unwrap_err()
            .to_string()
            .contains("regular file"));
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(
            open_regular(&fifo),
            Err(Error::File(crate::error::FileError::Invalid { .. }))
        ));
    }
}
