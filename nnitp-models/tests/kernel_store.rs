//! With the `wgpu-fusion` feature, the kernels compiled for a model and the
//! autotune results are written to the folder given to `keep_kernels`, and
//! the fused backend gives the same activations as flex. Runs on a GPU or on
//! the software Vulkan device of Debian's `mesa-vulkan-drivers` (llvmpipe).
#![cfg(feature = "wgpu-fusion")]

use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use nnitp_core::network::extract;
use nnitp_core::progress::Observer;
use nnitp_models::data;
use nnitp_models::kernel_store::{keep_kernels, KernelStore};
use nnitp_models::zoo::ModelKind;

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

    let flex = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let gpu_device = nnitp_models::device::parse("wgpu").unwrap();
    let gpu = flex.clone().to_device(&gpu_device);
    let images = data::embedded_fashion_mnist().unwrap().test.head(64);
    let layers = [0, 6, 14, 17];
    let none = Observer::none();
    let a = extract(&flex, images.view(), &layers, 32, &none, "flex").unwrap();
    let b = extract(&gpu, images.view(), &layers, 32, &none, "wgpu").unwrap();
    for ((x, y), l) in a.iter().zip(&b).zip(layers) {
        let worst = x
            .iter()
            .zip(y.iter())
            .map(|(u, v)| (u - v).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-4, "layer {l}: largest difference {worst}");
    }
    assert!(
        bytes_under(&store) > 0,
        "no compiled kernel was written under {}",
        store.display()
    );
}
