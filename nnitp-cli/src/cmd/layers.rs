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
  nnitp layers --model fashion-mnist-resnet
  nnitp layers --model model.onnx";

/// Options of `nnitp layers` (the shared ones only).
#[derive(Args, Debug)]
pub struct LayersArgs {}

/// Runs `nnitp layers`: index, name, kind, output shape (`[H, W, C]` or
/// `[units]`), `explain` on the model's default explanation layers, and an
/// ONNX layer's output tensor where its name differs.
///
/// # Errors
/// The model cannot be read.
pub fn run(_: &LayersArgs, shared: &Shared) -> Result<(), Failure> {
    let info = geometry_of(shared)?;
    let (geometry, defaults) = (&info.geometry, &info.layers);
    let output = geometry.len().saturating_sub(1);
    let name_width = (0..geometry.len())
        .map(|l| geometry.name(l).len())
        .max()
        .unwrap_or(0);
    for (l, kind) in geometry.kinds().iter().enumerate() {
        let shape = geometry.shape(Place::Layer(l))?;
        let alias = match info.aliases.get(l) {
            Some(Some(a)) if *a != geometry.name(l) => format!("  ({a})"),
            _ => String::new(),
        };
        let role = if defaults.contains(&l) {
            "  explain"
        } else if l == output {
            "  output"
        } else {
            ""
        };
        emit(
            format!(
                "{l:>3}  {:<name_width$}  {:<44}  {shape:?}{role}{alias}",
                geometry.name(l),
                kind.to_string()
            )
            .trim_end(),
        );
    }
    Ok(())
}
