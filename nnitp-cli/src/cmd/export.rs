//! `nnitp export DIR`: a zoo or ONNX model's activations as a `.npy` folder, which
//! `--model DIR` then reads as a model like any other; `nnitp export
//! FILE.onnx`: the zoo model itself as ONNX, which `--model FILE.onnx` reads.

use std::path::PathBuf;

use clap::Args;
use nnitp::core::{ActivationSource, Activations, Explainer, ExplainerConfig, Split};
use nnitp::models::zoo::ModelKind;

use super::emit;
use crate::args::{LayerRef, Shared};
use crate::model::{load_zoo, open_onnx, warn_cache, ModelRef};
use crate::progress::Bars;
use crate::Failure;

/// The examples `nnitp export --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp export acts --embedded --size 2000     then: nnitp explain --model acts
  nnitp export acts --layers 6,14 --size 500
  nnitp export fashion-mnist.onnx              then: nnitp explain --model fashion-mnist.onnx --data DIR";

/// Options of `nnitp export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The folder to write (geometry.json, train/ and test/ with
    /// layer_<i>.npy and images.npy), or a file ending in `.onnx` to write
    /// the model as ONNX.
    pub dir: PathBuf,
    /// Layers to write, by index or name (default: the model's explanation
    /// layers); the output layer is always written.
    #[arg(long, value_delimiter = ',', value_parser = LayerRef::parse, allow_hyphen_values = true)]
    pub layers: Vec<LayerRef>,
}

/// Runs `nnitp export`.
///
/// # Errors
/// The model or its data cannot be read; the folder cannot be written.
pub fn run(args: &ExportArgs, shared: &Shared) -> Result<(), Failure> {
    let model = ModelRef::parse(&shared.model)?;
    if let ModelRef::Onnx(file) = &model {
        if args
            .dir
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
        {
            return Err(Failure::new(format!(
                "--model {} is an ONNX file already",
                file.display()
            )));
        }
        let loaded = open_onnx(shared, file)?;
        let defaults = loaded.graph.default_layers();
        let geometry = nnitp::core::Network::geometry(&loaded.graph).clone();
        let aliases: Vec<Option<String>> = loaded
            .graph
            .layers()
            .iter()
            .map(|l| l.alias.clone())
            .collect();
        let (layers, output) = chosen(args, &geometry, &aliases, defaults)?;
        let config = ExplainerConfig::new(layers.clone())
            .with_size(
                shared
                    .size
                    .unwrap_or(ExplainerConfig::new(Vec::new()).size()),
            )
            .with_cache(shared.cache_dir());
        let ex = loaded
            .explainer_on(&shared.device.device()?, config)?
            .boxed();
        return write_activations(
            args,
            shared,
            ex,
            geometry,
            layers,
            output,
            &file.display().to_string(),
        );
    }
    let kind = model.zoo("export")?;
    if args
        .dir
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
    {
        return write_onnx(args, shared, kind);
    }
    let loaded = load_zoo(kind, shared)?;
    let geometry = nnitp::core::Network::geometry(&loaded.model).clone();
    let (layers, output) = chosen(args, &geometry, &[], kind.default_layers())?;
    let config = ExplainerConfig::new(layers.clone())
        .with_size(shared.size.unwrap_or(kind.default_size()))
        .with_cache(shared.cache_dir());
    let ex = loaded.explainer(config)?.boxed();
    write_activations(args, shared, ex, geometry, layers, output, kind.name())
}

/// The layers `--layers` names (the model's explanation layers when none),
/// without the output layer, and the output layer.
fn chosen(
    args: &ExportArgs,
    geometry: &nnitp::core::cone::Geometry,
    aliases: &[Option<String>],
    defaults: Vec<usize>,
) -> Result<(Vec<usize>, usize), Failure> {
    let output = geometry.len() - 1;
    let mut layers = Vec::new();
    for l in &args.layers {
        layers.push(l.resolve(geometry, aliases).map_err(Failure::new)?);
    }
    if layers.is_empty() {
        layers = defaults;
    }
    layers.retain(|&l| l != output);
    layers.sort_unstable();
    layers.dedup();
    Ok((layers, output))
}

/// Extracts `layers` and the output layer on both sets and writes them.
fn write_activations(
    args: &ExportArgs,
    shared: &Shared,
    ex: Explainer<Box<dyn ActivationSource>>,
    geometry: nnitp::core::cone::Geometry,
    layers: Vec<usize>,
    output: usize,
    name: &str,
) -> Result<(), Failure> {
    let bars = Bars::new(shared.quiet);
    let ex = ex.with_observer(bars.observer.clone());
    let mut written = layers.clone();
    written.push(output);
    let mut acts = Activations::new(geometry);
    for split in [Split::Train, Split::Test] {
        ex.prepare(split, &written)?;
        for &l in &written {
            acts = acts.with_layer(split, l, ex.activations(split, l)?.view().to_owned())?;
        }
        if let Some(images) = ex.images(split) {
            let n = ex.len(split).min(images.shape()[0]);
            let head = images.slice(nnitp::ndarray::s![..n, .., .., ..]).to_owned();
            acts = acts.with_images(split, head)?;
        }
    }
    warn_cache(&ex);
    acts.write_dir(&args.dir)?;
    emit(format!(
        "exported layers {written:?} of {} training and {} test images of {} to {}",
        ex.len(Split::Train),
        ex.len(Split::Test),
        name,
        args.dir.display()
    ));
    Ok(())
}

/// Writes the zoo model (with its weights) as an ONNX file.
fn write_onnx(args: &ExportArgs, shared: &Shared, kind: ModelKind) -> Result<(), Failure> {
    if !args.layers.is_empty() || shared.size.is_some() {
        return Err(Failure::new(
            "--layers and --size choose activations; an ONNX file holds the whole model",
        ));
    }
    let model = kind.load(shared.weights.as_deref(), &shared.device.device()?)?;
    let bytes = nnitp::models::onnx::write(&model.to_graph()?)?;
    std::fs::write(&args.dir, &bytes)
        .map_err(|e| Failure::new(format!("{}: {e}", args.dir.display())))?;
    emit(format!(
        "wrote {} as ONNX ({} bytes) to {}",
        kind.name(),
        bytes.len(),
        args.dir.display()
    ));
    Ok(())
}
