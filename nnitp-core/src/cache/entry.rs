//! One cache entry: a header and an `[rows, cols]` f32 matrix, little-endian.
//!
//! ```text
//! offset  size  content
//!      0     8  magic "NNITPACT"
//!      8     4  format version (1)
//!     12     4  0
//!     16     8  rows
//!     24     8  cols
//!     32    32  key: the digest naming what the values were computed from
//!     64    32  SHA-256 of the values' bytes
//!     96    32  0
//!    128        rows * cols f32 values, row-major
//! ```

use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use memmap2::Mmap;
use ndarray::ArrayView2;

use sha2::{Digest as _, Sha256};

use crate::digest::{sha256, Digest};

const MAGIC: &[u8; 8] = b"NNITPACT";
const VERSION: u32 = 1;
/// Bytes before the values.
pub(super) const HEADER: usize = 128;

/// A matrix read from a cache entry, memory-mapped.
#[derive(Debug)]
pub struct Mapped {
    map: Mmap,
    rows: usize,
    cols: usize,
}

impl Mapped {
    /// The matrix.
    pub fn view(&self) -> ArrayView2<'_, f32> {
        let values: &[f32] = bytemuck::cast_slice(&self.map[HEADER..]);
        ArrayView2::from_shape((self.rows, self.cols), values)
            .expect("the length was checked when the entry was opened")
    }
}

/// The header of an entry of `rows` x `cols` values under `key`.
fn header(key: &Digest, rows: usize, cols: usize, content: &Digest) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&(rows as u64).to_le_bytes());
    h[24..32].copy_from_slice(&(cols as u64).to_le_bytes());
    h[32..64].copy_from_slice(&key.0);
    h[64..96].copy_from_slice(&content.0);
    h
}

/// Opens the entry at `path` if it holds a `rows` x `cols` matrix under
/// `key` whose values match their digest; `None` for a missing, partial,
/// corrupt or foreign file.
pub(super) fn open(path: &Path, key: &Digest, rows: usize, cols: usize) -> Option<Mapped> {
    if cfg!(target_endian = "big") {
        return None;
    }
    let file = crate::files::open_regular(path).ok()?;
    let len = rows
        .checked_mul(cols)?
        .checked_mul(4)?
        .checked_add(HEADER)?;
    if file.metadata().ok()?.len() != len as u64 {
        return None;
    }
    // SAFETY: entries are written under a private temporary name and renamed
    // into place, never modified after; the length was checked above and the
    // mapping is read-only.
    let map = unsafe { Mmap::map(&file) }.ok()?;
    if map.len() != len {
        return None;
    }
    let content = sha256(&map[HEADER..]);
    if map[..HEADER] != header(key, rows, cols, &content) {
        return None;
    }
    // a page-aligned mapping plus a 128-byte header: the values are aligned
    bytemuck::try_cast_slice::<u8, f32>(&map[HEADER..]).ok()?;
    Some(Mapped { map, rows, cols })
}

/// Writes `values` as the entry at `path` under `key`: streamed to a
/// temporary file in the same folder (the header, with the values' digest,
/// written last), then renamed into place. Nothing is synced to disk: an entry
/// cut short by a crash fails its digest and is recomputed.
///
/// # Errors
/// The file system's errors.
pub(super) fn write(path: &Path, key: &Digest, values: ArrayView2<'_, f32>) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let (rows, cols) = values.dim();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
    let (f, tmp) = create_temporary(dir, name)?;
    let written = (|| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
        out.write_all(&[0u8; HEADER])?;
        let mut hash = Sha256::new();
        let mut block = Vec::with_capacity(1 << 16);
        for v in values.iter() {
            block.extend_from_slice(&v.to_le_bytes());
            if block.len() == block.capacity() {
                hash.update(&block);
                out.write_all(&block)?;
                block.clear();
            }
        }
        hash.update(&block);
        out.write_all(&block)?;
        let content = Digest(hash.finalize().into());
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&header(key, rows, cols, &content))?;
        out.flush()?;
        drop(out);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Whether `name` is the temporary file of an entry this process is writing
/// (see [`create_temporary`]).
pub(super) fn is_own_temporary(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    // `<entry>.<process>.<thread>.<nanos>.<attempt>`
    let pid = std::process::id().to_string();
    stem.rsplit('.').nth(3) == Some(pid.as_str())
}

/// A new file in `dir` that no other writer has: named after the entry, this
/// process, this thread and the time, created only if it does not exist yet.
fn create_temporary(dir: &Path, name: &str) -> std::io::Result<(File, std::path::PathBuf)> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let thread = format!("{:?}", std::thread::current().id());
    let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
    let mut attempt = 0u32;
    loop {
        let tmp = dir.join(format!(
            ".{name}.{}.{thread}.{nanos}.{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((f, tmp)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
