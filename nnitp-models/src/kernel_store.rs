//! CubeCL's store of compiled GPU kernels and autotune results on disk
//! (feature `wgpu-fusion`).
//!
//! With burn's kernel fusion and autotuning, the first run of a network on a
//! GPU compiles its fused kernels and times the candidates of each tuned
//! operation. CubeCL can keep both in a database on disk, so that a later
//! process reads them back instead of paying that again; [`keep_kernels`]
//! says where.

use std::path::{Path, PathBuf};

use burn::cubecl::config::cache::CacheConfig;
use burn::cubecl::config::{CubeClRuntimeConfig, RuntimeConfig};

/// What [`keep_kernels`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KernelStore {
    /// Compiled kernels and autotune results are kept in this folder.
    Folder(PathBuf),
    /// Nothing is kept across processes; each one compiles and tunes again.
    Off,
    /// CubeCL's configuration was already fixed in this process (set, or read
    /// by a GPU device in use); it was left as it was.
    AlreadyFixed,
}

/// Keeps compiled GPU kernels and autotune results in `dir` (created when
/// first written), or nowhere with `None`.
///
/// The rest of CubeCL's configuration is read as CubeCL reads it: a
/// `cubecl.toml` in the working folder or above, then `CUBECL_*` variables
/// (`CUBECL_AUTOTUNE_LEVEL`, for instance); `dir` overrides the folder named
/// there.
///
/// CubeCL's configuration belongs to the process and is fixed the first time
/// it is read, so call this at the start of `main`, before a wgpu device runs
/// anything; afterwards it returns [`KernelStore::AlreadyFixed`] and changes
/// nothing.
pub fn keep_kernels(dir: Option<&Path>) -> KernelStore {
    let mut config = CubeClRuntimeConfig::from_current_dir().override_from_env();
    config.compilation.cache = dir.is_some();
    config.autotune.disable_cache = dir.is_none();
    if let Some(dir) = dir {
        config.environment.path = CacheConfig::Directory(dir.to_path_buf());
    }
    if !CubeClRuntimeConfig::try_set(config) {
        return KernelStore::AlreadyFixed;
    }
    match dir {
        Some(dir) => KernelStore::Folder(dir.to_path_buf()),
        None => KernelStore::Off,
    }
}
