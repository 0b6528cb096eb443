//! The same model gives the same activations on wgpu as on flex (within 1e-4).
//! Runs with `--features wgpu`; on a machine without a GPU, on the software
//! Vulkan device of Debian's `mesa-vulkan-drivers` (llvmpipe).
#![cfg(feature = "wgpu")]

mod parity;

#[test]
fn wgpu_matches_flex() {
    parity::assert_wgpu_matches_flex();
}
