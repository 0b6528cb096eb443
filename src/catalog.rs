//! The explorer's catalog of the model zoo: every zoo model whose weights and
//! data are available, on one burn device.

use std::path::PathBuf;

use burn::tensor::Device;
use nnitp_core::cone::Place;
use nnitp_core::ExplainerConfig;
use nnitp_models::data::DatasetKind;
use nnitp_models::zoo::ModelKind;
use nnitp_models::Setup;
use nnitp_viz::explorer::{Catalog, LayerInfo, ModelInfo, Opened, Output};

/// The zoo models, with where their data and weights are.
///
/// Fashion-MNIST is always available (shipped weights, embedded data); MNIST
/// and CIFAR-10 are offered when `weights_dir` holds `<name>.bpk` and their
/// data is found (`data_dir`, `$NNITP_DATA`). The table and series models
/// ship their data and weights.
#[derive(Clone, Debug)]
pub struct ZooCatalog {
    /// Dataset folder (as `--data` of the examples).
    pub data_dir: Option<PathBuf>,
    /// Folder of weights files named `<model>.bpk`.
    pub weights_dir: Option<PathBuf>,
    /// The device models run on.
    pub device: Device,
    /// Where extracted activations are kept between runs (`None`: nowhere).
    pub cache: Option<PathBuf>,
    /// The model listed first, so that the page starts with it (`None`: the
    /// zoo's order).
    pub first: Option<ModelKind>,
}

impl ZooCatalog {
    /// A catalog on `device` with the default data and weights.
    pub fn new(device: Device) -> Self {
        ZooCatalog {
            data_dir: None,
            weights_dir: None,
            device,
            cache: None,
            first: None,
        }
    }

    fn weights(&self, kind: ModelKind) -> Option<PathBuf> {
        let p = self
            .weights_dir
            .as_ref()?
            .join(format!("{}.bpk", kind.name()));
        p.is_file().then_some(p)
    }

    fn setup(&self, kind: ModelKind) -> Setup {
        Setup::new(kind, self.device.clone())
            .with_data(self.data_dir.as_ref())
            .with_weights(self.weights(kind))
    }

    fn available(&self, kind: ModelKind) -> bool {
        let has_weights = kind.ships_weights() || self.weights(kind).is_some();
        // Fashion-MNIST is always there: the embedded sample
        let has_data = kind.dataset() == DatasetKind::FashionMnist
            || nnitp_models::data::locate(kind.dataset(), self.data_dir.as_deref()).is_ok();
        has_weights && has_data
    }
}

/// What the explorer shows about a zoo model.
pub fn model_info(kind: ModelKind) -> ModelInfo {
    let arch = kind.architecture();
    let names = arch.names();
    let layers = match arch.geometry() {
        Ok(g) => names
            .into_iter()
            .enumerate()
            .map(|(index, name)| LayerInfo {
                index,
                name,
                shape: g
                    .shape(Place::Layer(index))
                    .map(<[usize]>::to_vec)
                    .unwrap_or_default(),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    ModelInfo {
        name: kind.name().into(),
        classes: kind
            .dataset()
            .classes()
            .iter()
            .map(|c| c.to_string())
            .collect(),
        layers,
        default_layers: kind.default_layers(),
        params: kind.default_params(),
        size: kind.default_size(),
        // a data set without classes has a numeric target
        output: if kind.dataset().classes().is_empty() {
            Output::Number
        } else {
            Output::Classes
        },
    }
}

impl Catalog for ZooCatalog {
    fn models(&self) -> Vec<ModelInfo> {
        let mut kinds: Vec<ModelKind> = ModelKind::ALL
            .into_iter()
            .filter(|&k| self.available(k))
            .collect();
        if let Some(i) = kinds.iter().position(|&k| Some(k) == self.first) {
            let first = kinds.remove(i);
            kinds.insert(0, first);
        }
        kinds.into_iter().map(model_info).collect()
    }

    fn open(&self, name: &str, config: ExplainerConfig) -> nnitp_viz::Result<Opened> {
        let kind =
            ModelKind::from_name(name).map_err(|_| nnitp_viz::Error::UnknownModel(name.into()))?;
        let load = |e: nnitp_models::Error| nnitp_viz::Error::Load {
            model: name.into(),
            source: Box::new(e.with_file_names()),
        };
        let loaded = self.setup(kind).load().map_err(load)?;
        let size = config.size();
        let train_labels = loaded
            .splits
            .train
            .labels
            .iter()
            .take(size)
            .copied()
            .collect();
        let test_labels = loaded
            .splits
            .test
            .labels
            .iter()
            .take(size)
            .copied()
            .collect();
        let config = config.with_cache(self.cache.clone());
        let explainer = loaded.explainer(config).map_err(load)?.boxed();
        Ok(Opened {
            explainer,
            train_labels,
            test_labels,
        })
    }
}
