//! With the `wgpu-fusion` feature, the kernels compiled for a model and the
//! autotune results are written to the folder given to `keep_kernels`, and
//! the fused backend gives the same activations as flex. Runs on a GPU or on
//! the software Vulkan device of Debian's `mesa-vulkan-drivers` (llvmpipe).
#![cfg(feature = "wgpu-fusion")]

use std::path::Path;

use nnitp_models::kernel_store::{keep_kernels, KernelStore};

mod parity;

/// Bytes in the files under `dir`, at any depth.
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => bytes_under(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

#[test]
fn compiled_kernels_are_kept_in_the_folder_given() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("cubecl");
    assert_eq!(
        keep_kernels(Some(&store)),
        KernelStore::Folder(store.clone())
    );
    // fixed once set: a second call changes nothing
    assert_eq!(keep_kernels(None), KernelStore::AlreadyFixed);
    assert_eq!(bytes_under(&store), 0, "nothing is written before a run");

    parity::assert_wgpu_matches_flex();
    assert!(
        bytes_under(&store) > 0,
        "no compiled kernel was written under {}",
        store.display()
    );
}
