//! Extracted activations kept on disk (the `cache` feature, on with `burn`),
//! so that a later process pays nothing for extraction.
//!
//! Each entry is one layer of one data set, named by a digest of what it was
//! computed from (the network's weights and geometry, the images, the layer)
//! and read back memory-mapped. An entry is used only when its header, its
//! length and the digest of its values check out; anything else (a partial
//! write, a corrupt or foreign file) is recomputed and replaced. Entries are
//! written to a private temporary file and renamed into place, so two
//! processes filling the same entry never see each other's half-written file.

mod entry;
mod folder;

pub use entry::Mapped;
pub use folder::{default_dir, ActivationCache, WriteFailure};
