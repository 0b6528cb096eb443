//! The options every subcommand shares, declared once: which model, its data
//! and weights, the device, the cache, the sample size, the search
//! parameters and how much to say.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use nnitp::core::ParamOverrides;

/// Options shared by all subcommands (given before or after the subcommand).
#[derive(Args, Clone, Debug)]
pub struct Shared {
    /// Model: a zoo name (fashion-mnist, fashion-mnist-resnet, mnist, cifar10,
    /// breast-cancer-mlp, diabetes-mlp, gunpoint-cnn), an ONNX file
    /// (FILE.onnx, with --data), or a folder of activations written by
    /// `nnitp export` or any framework.
    #[arg(
        long,
        global = true,
        default_value = "fashion-mnist",
        value_name = "NAME|FILE.onnx|DIR"
    )]
    pub model: String,
    /// Dataset folder, or a table model's CSV file (default: $NNITP_DATA,
    /// Debian's folder, or the data shipped with the crate).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Use the embedded Fashion-MNIST sample even where a full copy is installed.
    #[arg(long, global = true, conflicts_with = "data")]
    pub embedded: bool,
    /// Weights file (default: the model's shipped weights).
    #[arg(long, global = true, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Device the model runs on.
    #[arg(long, global = true, value_enum, default_value_t = DeviceName::Flex)]
    pub device: DeviceName,
    /// Keep extracted activations, and in a wgpu-fusion build compiled GPU
    /// kernels, in DIR (default: $NNITP_CACHE, else the platform's cache
    /// folder, e.g. ~/.cache/nnitp).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache: Option<PathBuf>,
    /// Keep nothing on disk.
    #[arg(long, global = true, conflicts_with = "cache")]
    pub no_cache: bool,
    /// An ONNX model's input normalisation: the mean subtracted from pixels /
    /// 255, one value or one per channel (default 0).
    #[arg(
        long,
        global = true,
        value_name = "M[,M,M]",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub mean: Vec<f32>,
    /// An ONNX model's input normalisation: the standard deviation divided
    /// by, one value or one per channel (default 1).
    #[arg(
        long,
        global = true,
        value_name = "S[,S,S]",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub std: Vec<f32>,
    /// Images used from each data set (default: the model's own).
    #[arg(long, global = true, value_name = "N", allow_negative_numbers = true)]
    pub size: Option<usize>,
    /// Print results only: no progress bars, no notes on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

impl Shared {
    /// The cache folder to use, if any.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            self.cache.clone().or_else(nnitp::core::cache::default_dir)
        }
    }

    /// A note on stderr, unless `--quiet`.
    pub fn note(&self, line: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// The burn devices a model can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DeviceName {
    /// burn's flex CPU backend; inference runs on the host kernels (the
    /// fastest on CPU).
    Flex,
    /// burn's ndarray CPU backend, running burn's own ops.
    Ndarray,
    /// The GPU through wgpu (a build with the `wgpu` feature).
    Wgpu,
}

impl DeviceName {
    /// The name burn's device parser takes.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceName::Flex => "flex",
            DeviceName::Ndarray => "ndarray",
            DeviceName::Wgpu => "wgpu",
        }
    }

    /// The device.
    ///
    /// # Errors
    /// `wgpu` in a build without the feature.
    pub fn device(self) -> nnitp::models::Result<nnitp::burn::tensor::Device> {
        nnitp::models::device::parse(self.as_str())
    }
}

/// The search parameters of the subcommands that search; each one given
/// overrides the model's default.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Search")]
pub struct SearchArgs {
    /// Required precision of an interpolant on the training images.
    #[arg(long, allow_negative_numbers = true)]
    pub alpha: Option<f64>,
    /// Initial recall fraction.
    #[arg(long, allow_negative_numbers = true)]
    pub gamma: Option<f64>,
    /// Gamma decay per conjunct.
    #[arg(long, allow_negative_numbers = true)]
    pub mu: Option<f64>,
    /// Number of searches on disjoint random unit subsets, conjoined.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub ensemble_size: Option<usize>,
    /// Seed of the ensemble's unit subsets.
    #[arg(long, allow_negative_numbers = true)]
    pub seed: Option<u64>,
}

impl SearchArgs {
    /// The parameters given, as overrides.
    pub fn overrides(&self) -> ParamOverrides {
        ParamOverrides {
            alpha: self.alpha,
            gamma: self.gamma,
            mu: self.mu,
            ensemble_size: self.ensemble_size,
            seed: self.seed,
        }
    }
}

/// A data set, as the command line names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SplitName {
    /// The training images.
    Train,
    /// The test images.
    Test,
}

impl From<SplitName> for nnitp::core::Split {
    fn from(s: SplitName) -> Self {
        match s {
            SplitName::Train => nnitp::core::Split::Train,
            SplitName::Test => nnitp::core::Split::Test,
        }
    }
}

/// A layer, by index or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayerRef {
    /// Its index in the layer graph.
    Index(usize),
    /// Its name (as `nnitp layers` prints it).
    Name(String),
}

impl LayerRef {
    /// Parses a command-line value: digits are an index, anything else a name.
    ///
    /// # Errors
    /// A negative number or an empty value.
    pub fn parse(s: &str) -> Result<LayerRef, String> {
        if s.is_empty() {
            return Err("a layer is an index or a name".into());
        }
        if let Some(rest) = s.strip_prefix('-') {
            if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
                return Err("a layer index cannot be negative".into());
            }
        }
        if s.chars().all(|c| c.is_ascii_digit()) {
            return s
                .parse()
                .map(LayerRef::Index)
                .map_err(|e| format!("not a layer index: {e}"));
        }
        Ok(LayerRef::Name(s.to_string()))
    }

    /// The index of this layer in `geometry`; a name is a layer's name or
    /// one of `aliases` (an ONNX node's output tensor, by layer).
    ///
    /// # Errors
    /// An index out of range or a name the model does not have.
    pub fn resolve(
        &self,
        geometry: &nnitp::core::cone::Geometry,
        aliases: &[Option<String>],
    ) -> Result<usize, String> {
        match self {
            LayerRef::Index(i) if *i < geometry.len() => Ok(*i),
            LayerRef::Index(i) => Err(format!(
                "layer {i} is out of range (the model has layers 0..{}; see `nnitp layers`)",
                geometry.len()
            )),
            LayerRef::Name(n) => (0..geometry.len())
                .find(|&l| geometry.name(l) == *n)
                .or_else(|| aliases.iter().position(|a| a.as_deref() == Some(n)))
                .ok_or_else(|| format!("the model has no layer named {n:?} (see `nnitp layers`)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LayerRef;

    #[test]
    fn layers_by_index_or_name() {
        assert_eq!(LayerRef::parse("14"), Ok(LayerRef::Index(14)));
        assert_eq!(
            LayerRef::parse("conv2d_3"),
            Ok(LayerRef::Name("conv2d_3".into()))
        );
        assert!(LayerRef::parse("-1").is_err());
        assert!(LayerRef::parse("").is_err());
        assert!(LayerRef::parse("99999999999999999999999").is_err());
    }
}
