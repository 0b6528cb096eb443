//! `--model`: a zoo model (with its data and weights) or a folder of
//! activations, opened alike as an explanation session.

use std::path::{Path, PathBuf};

use nnitp::core::cone::Geometry;
use nnitp::core::progress::Observer;
use nnitp::core::Network;
use nnitp::core::{ActivationSource, Activations, Explainer, ExplainerConfig, Split};
use nnitp::models::data::{Normalization, SampleKind};
use nnitp::models::graph::LayerGraph;
use nnitp::models::zoo::ModelKind;
use nnitp::models::OnnxLoaded;
use nnitp::models::{Loaded, Setup};

use crate::args::{SearchArgs, Shared};
use crate::Failure;

/// What `--model` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelRef {
    /// A model of the zoo.
    Zoo(ModelKind),
    /// An ONNX file.
    Onnx(PathBuf),
    /// A folder of `.npy` activations (`nnitp export`, or any framework).
    Folder(PathBuf),
}

impl ModelRef {
    /// A zoo name, else an existing folder.
    ///
    /// # Errors
    /// Neither a zoo name nor a folder.
    pub fn parse(name: &str) -> Result<ModelRef, Failure> {
        if let Ok(kind) = ModelKind::from_name(name) {
            return Ok(ModelRef::Zoo(kind));
        }
        let path = PathBuf::from(name);
        if path.is_dir() {
            return Ok(ModelRef::Folder(path));
        }
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
        {
            return Ok(ModelRef::Onnx(path));
        }
        let zoo: Vec<&str> = ModelKind::ALL.iter().map(|k| k.name()).collect();
        Err(Failure::new(format!(
            "--model {name:?}: no zoo model has this name ({}), it is no .onnx file, and no folder is there",
            zoo.join(", ")
        )))
    }

    /// The zoo model, for subcommands that run the network itself.
    ///
    /// # Errors
    /// A folder of activations.
    pub fn zoo(&self, what: &str) -> Result<ModelKind, Failure> {
        match self {
            ModelRef::Zoo(k) => Ok(*k),
            ModelRef::Onnx(p) => Err(Failure::new(format!(
                "--model {}: {what} runs on zoo models only",
                p.display()
            ))),
            ModelRef::Folder(p) => Err(Failure::new(format!(
                "--model {}: {what} needs a network, and a folder of activations has none (use a zoo model)",
                p.display()
            ))),
        }
    }
}

/// An explanation session with what the command line shows about it.
pub struct Session {
    /// The model's name (the zoo name, or the folder).
    pub name: String,
    /// The session.
    pub explainer: Explainer<Box<dyn ActivationSource>>,
    /// The class names (numbers where the model has none).
    pub classes: Vec<String>,
    /// The true labels of the training and test images, where known.
    pub labels: [Option<Vec<u8>>; 2],
    /// Where the data came from.
    pub source: String,
    /// Other names of the layers (an ONNX node's output tensor), by layer.
    pub aliases: Vec<Option<String>>,
    /// What the model's output is.
    pub output: Output,
    /// What its inputs are.
    pub samples: SampleKind,
}

/// What a model's output layer gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// A score per class.
    Classes,
    /// A number (its one output unit).
    Number,
}

impl Session {
    /// Opens `--model` with the shared options and the search parameters
    /// given; `observer` gets the
    /// extraction's progress.
    ///
    /// # Errors
    /// The model, its data or its weights cannot be read; the options do not
    /// fit the model.
    pub fn open(
        shared: &Shared,
        search: &SearchArgs,
        observer: Observer,
    ) -> Result<Session, Failure> {
        let session = match ModelRef::parse(&shared.model)? {
            ModelRef::Zoo(kind) => Self::zoo(kind, shared, search)?,
            ModelRef::Onnx(file) => Self::onnx(&file, shared, search)?,
            ModelRef::Folder(dir) => Self::folder(&dir, shared, search)?,
        };
        Ok(Session {
            explainer: session.explainer.with_observer(observer),
            ..session
        })
    }

    fn zoo(kind: ModelKind, shared: &Shared, search: &SearchArgs) -> Result<Session, Failure> {
        let loaded = load_zoo(kind, shared)?;
        let labels = [
            Some(loaded.splits.train.labels.clone()),
            Some(loaded.splits.test.labels.clone()),
        ];
        let source = loaded.splits.source.clone();
        let config = kind.explainer_config().with_cache(shared.cache_dir());
        let config = configure(config, shared, search);
        let dataset = kind.dataset();
        let numeric = loaded.splits.train.values.is_some();
        let explainer = loaded.explainer(config)?;
        let output = if numeric {
            Output::Number
        } else {
            Output::Classes
        };
        let labels = if numeric { [None, None] } else { labels };
        Ok(Session {
            name: kind.name().into(),
            explainer: explainer.boxed(),
            output,
            samples: dataset.samples(),
            classes: kind
                .dataset()
                .classes()
                .iter()
                .map(|c| c.to_string())
                .collect(),
            labels,
            source,
            aliases: Vec::new(),
        })
    }

    fn onnx(file: &Path, shared: &Shared, search: &SearchArgs) -> Result<Session, Failure> {
        let loaded = open_onnx(shared, file)?;
        let info = ModelInfo::of_graph(&loaded.graph);
        let config = ExplainerConfig::new(info.layers).with_cache(shared.cache_dir());
        let config = configure(config, shared, search);
        let labels = [
            Some(loaded.splits.train.labels.clone()),
            Some(loaded.splits.test.labels.clone()),
        ];
        let source = loaded.splits.source.clone();
        let units = loaded
            .graph
            .geometry()
            .units(loaded.graph.layers().len().saturating_sub(1))
            .unwrap_or(0);
        // the folders' class names where they name every output unit
        let classes = match &loaded.classes {
            Some(names) if names.len() == units => names.clone(),
            _ => (0..units).map(|c| c.to_string()).collect(),
        };
        Ok(Session {
            name: file.display().to_string(),
            explainer: loaded
                .explainer_on(&shared.device.device()?, config)?
                .boxed(),
            classes,
            labels,
            source,
            aliases: info.aliases,
            output: Output::Classes,
            samples: SampleKind::Image,
        })
    }

    fn folder(
        dir: &std::path::Path,
        shared: &Shared,
        search: &SearchArgs,
    ) -> Result<Session, Failure> {
        refuse(
            shared,
            &["--data", "--embedded", "--weights", "--mean", "--std"],
            &format!("a folder of activations (--model {})", dir.display()),
        )?;
        let acts = Activations::read_dir(dir)?;
        let output = acts.geometry().len().saturating_sub(1);
        let layers = acts.hidden_layers();
        let samples = acts.len(Split::Train).unwrap_or(0).max(1);
        let classes = acts
            .geometry()
            .units(output)
            .map(|n| (0..n).map(|c| c.to_string()).collect())
            .unwrap_or_default();
        let config = ExplainerConfig::new(layers).with_size(samples);
        let config = configure(config, shared, search);
        let explainer = Explainer::from_activations(acts, config)?.boxed();
        Ok(Session {
            name: dir.display().to_string(),
            explainer,
            classes,
            labels: [None, None],
            source: dir.display().to_string(),
            aliases: Vec::new(),
            output: Output::Classes,
            samples: SampleKind::Image,
        })
    }

    /// The class names as the reports take them.
    pub fn class_names(&self) -> Vec<&str> {
        self.classes.iter().map(String::as_str).collect()
    }

    /// The name of class `c`.
    pub fn class(&self, c: usize) -> &str {
        self.classes.get(c).map_or("?", String::as_str)
    }

    /// The true label of image `i` of `split`, where known.
    pub fn label(&self, split: Split, i: usize) -> Option<usize> {
        let labels = match split {
            Split::Train => &self.labels[0],
            Split::Test => &self.labels[1],
        };
        labels.as_ref()?.get(i).map(|&l| usize::from(l))
    }

    /// The default explanation layer: the one that holds the named
    /// features of a table, else the model's last.
    ///
    /// # Errors
    /// A model without explanation layers.
    pub fn default_layer(&self) -> Result<usize, Failure> {
        let ex = &self.explainer;
        ex.features_layer()
            .or_else(|| ex.layers().last().copied())
            .ok_or_else(|| Failure::new("the model has no explanation layers"))
    }

    /// Fails for `--out` of rule sets on a table model: their reports draw
    /// the covered inputs as images.
    ///
    /// # Errors
    /// `out` is given for a table's rows.
    pub fn check_report(&self, out: Option<&std::path::Path>) -> Result<(), Failure> {
        match (out, self.samples) {
            (Some(dir), SampleKind::Row) => Err(Failure::new(format!(
                "--out {}: rule set reports draw inputs as images and do not show a table's rows yet (nnitp explain --out does)",
                dir.display()
            ))),
            _ => Ok(()),
        }
    }

    /// Fails for a class the model does not have (`flag` names the option).
    ///
    /// # Errors
    /// `class` is out of range, or the model predicts a number.
    pub fn check_class(&self, flag: &str, class: usize) -> Result<(), Failure> {
        if self.output == Output::Number {
            return Err(Failure::new(format!(
                "{} predicts a number, not a class: give a bound on it as the conclusion, e.g. --conclusion \"v(0)>=150\"",
                self.name
            )));
        }
        if class < self.classes.len() {
            return Ok(());
        }
        Err(Failure::new(format!(
            "{flag} {class}: out of range (the model has classes 0..{})",
            self.classes.len()
        )))
    }

    /// Says once on stderr that the cache could not be written, if so.
    pub fn warn_cache(&self) {
        warn_cache(&self.explainer);
    }
}

/// Says once on stderr that `ex` could not write its cache, if so.
pub fn warn_cache<S: ActivationSource>(ex: &Explainer<S>) {
    if let Some(f) = ex.cache_write_failure() {
        eprintln!("warning: {f}; this run's activations were not kept");
    }
}

/// The zoo model with its data and weights, as the shared options say.
///
/// # Errors
/// The device, the data or the weights.
pub fn load_zoo(kind: ModelKind, shared: &Shared) -> Result<Loaded, Failure> {
    refuse(
        shared,
        &["--mean", "--std"],
        &format!("the zoo model {}", kind.name()),
    )?;
    let setup = Setup::new(kind, shared.device.device()?)
        .with_data(shared.data.as_ref())
        .with_weights(shared.weights.as_ref());
    let setup = if shared.embedded {
        setup.with_embedded_data()
    } else {
        setup
    };
    Ok(setup.load()?)
}

/// The ONNX model `file` with the images of `--data`.
///
/// # Errors
/// No `--data`, options that do not apply, the model or its images cannot
/// be read.
pub fn open_onnx(shared: &Shared, file: &Path) -> Result<OnnxLoaded, Failure> {
    refuse(
        shared,
        &["--embedded", "--weights"],
        &format!("an ONNX model (--model {})", file.display()),
    )?;
    let data = shared.data.as_ref().ok_or_else(|| {
        Failure::new(format!(
            "--model {}: an ONNX model needs --data DIR (IDX files of the MNIST family, CIFAR-10 binary batches, or an image folder)",
            file.display()
        ))
    })?;
    Ok(OnnxLoaded::load(file, data, &normalization(shared)?)?)
}

/// Fails when one of `flags` is given for a model it does not apply to.
fn refuse(shared: &Shared, flags: &[&str], what: &str) -> Result<(), Failure> {
    for &flag in flags {
        let given = match flag {
            "--data" => shared.data.is_some(),
            "--embedded" => shared.embedded,
            "--weights" => shared.weights.is_some(),
            "--mean" => !shared.mean.is_empty(),
            _ => !shared.std.is_empty(),
        };
        if given {
            return Err(Failure::new(format!("{flag} does not apply to {what}")));
        }
    }
    Ok(())
}

/// The input normalisation `--mean` and `--std` give.
///
/// # Errors
/// Values that are not finite, or a deviation that is not positive.
pub fn normalization(shared: &Shared) -> Result<Normalization, Failure> {
    let or = |v: &[f32], d: f32| if v.is_empty() { vec![d] } else { v.to_vec() };
    Ok(Normalization::new(
        or(&shared.mean, 0.0),
        or(&shared.std, 1.0),
    )?)
}

/// The sample size and the search parameters given on the command line.
fn configure(config: ExplainerConfig, shared: &Shared, search: &SearchArgs) -> ExplainerConfig {
    let params = config.params().overridden(&search.overrides());
    let size = shared.size.unwrap_or(config.size());
    config.with_params(params).with_size(size)
}

/// What `nnitp layers` shows of a model.
pub struct ModelInfo {
    /// The geometry.
    pub geometry: Geometry,
    /// The default explanation layers.
    pub layers: Vec<usize>,
    /// Other names of the layers (ONNX output tensors), by layer.
    pub aliases: Vec<Option<String>>,
}

impl ModelInfo {
    /// An imported graph's.
    fn of_graph(graph: &LayerGraph) -> ModelInfo {
        ModelInfo {
            geometry: graph.geometry().clone(),
            layers: graph.default_layers(),
            aliases: graph.layers().iter().map(|l| l.alias.clone()).collect(),
        }
    }
}

/// The geometry of `--model` without loading its data: the zoo model's
/// architecture, the ONNX file's graph, or the folder's `geometry.json` with
/// the layers it holds.
///
/// # Errors
/// As [`ModelRef::parse`]; an unreadable folder or ONNX file.
pub fn geometry_of(shared: &Shared) -> Result<ModelInfo, Failure> {
    Ok(match ModelRef::parse(&shared.model)? {
        ModelRef::Zoo(kind) => ModelInfo {
            geometry: kind.architecture().geometry()?,
            layers: kind.default_layers(),
            aliases: Vec::new(),
        },
        ModelRef::Onnx(file) => ModelInfo::of_graph(&nnitp::models::onnx::read(file)?),
        ModelRef::Folder(dir) => {
            let acts = Activations::read_dir(&dir)?;
            ModelInfo {
                geometry: acts.geometry().clone(),
                layers: acts.hidden_layers(),
                aliases: Vec::new(),
            }
        }
    })
}
