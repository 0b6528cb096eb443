//! `nnitp layers`: the model's layers, one line each.

use clap::Args;
use nnitp::core::cone::Place;

use super::emit;
use crate::args::Shared;
use crate::model::geometry_of;
use crate::Failure;

/// The examples `nnitp layers --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp layers
  nnitp layers --model fashion-mnist-resnet";

/// Options of `nnitp layers` (the shared ones only).
#[derive(Args, Debug)]
pub struct LayersArgs {}

/// Runs `nnitp layers`: index, name, kind, output shape (`[H, W, C]` or
/// `[units]`), and `explain` on the model's default explanation layers.
///
/// # Errors
/// The model cannot be read.
pub fn run(_: &LayersArgs, shared: &Shared) -> Result<(), Failure> {
    let (geometry, defaults) = geometry_of(shared)?;
    let output = geometry.len().saturating_sub(1);
    let name_width = (0..geometry.len())
        .map(|l| geometry.name(l).len())
        .max()
        .unwrap_or(0);
    for (l, kind) in geometry.kinds().iter().enumerate() {
        let shape = geometry.shape(Place::Layer(l))?;
        let role = if defaults.contains(&l) {
            "  explain"
        } else if l == output {
            "  output"
        } else {
            ""
        };
        emit(
            format!(
                "{l:>3}  {:<name_width$}  {:<44}  {shape:?}{role}",
                geometry.name(l),
                kind.to_string()
            )
            .trim_end(),
        );
    }
    Ok(())
}
