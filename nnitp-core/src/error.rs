//! The error type of `nnitp-core`.

use std::path::PathBuf;

/// Result alias used throughout `nnitp-core`.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong in `nnitp-core`. Each variant carries the values
/// that explain it; none of them is ever produced by a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `alpha` (the required precision) must lie in (0, 1].
    #[error("alpha must lie in (0, 1], got {0}")]
    InvalidAlpha(f64),
    /// `gamma` (the initial recall fraction) must lie in (0, 1].
    #[error("gamma must lie in (0, 1], got {0}")]
    InvalidGamma(f64),
    /// `mu` (the gamma decay per conjunct) must lie in (0, 1].
    #[error("mu must lie in (0, 1], got {0}")]
    InvalidMu(f64),
    /// The ensemble size must be at least 1.
    #[error("ensemble size must be at least 1, got {0}")]
    InvalidEnsembleSize(usize),
    /// An ensemble of this size leaves some member with no unit to choose from.
    #[error("ensemble size {ensemble_size} exceeds the {units} units available")]
    EnsembleTooLarge {
        /// Requested ensemble size.
        ensemble_size: usize,
        /// Units the search may use.
        units: usize,
    },
    /// No sample satisfies the conclusion, so nothing can be learned.
    #[error("no positive samples: no sample satisfies the conclusion")]
    NoPositiveSamples,
    /// The premise has no rows.
    #[error("the premise is empty: give at least one input row")]
    EmptyPremise,
    /// An array does not have the shape the operation needs.
    #[error("shape mismatch in {what}: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// Which array.
        what: String,
        /// The shape required.
        expected: Vec<usize>,
        /// The shape given.
        found: Vec<usize>,
    },
    /// A NaN or infinite activation was found.
    #[error("non-finite activation {value} in {what}, row {row}, unit {unit}")]
    NonFinite {
        /// Which array.
        what: String,
        /// Row (sample) index.
        row: usize,
        /// Flat unit index.
        unit: usize,
        /// The offending value.
        value: f32,
    },
    /// A cone (box of units) does not fit inside the unit shape.
    #[error("cone {cone} lies outside the unit shape {shape:?}")]
    ConeOutsideShape {
        /// The box, printed as `[lo, hi) x ...`.
        cone: String,
        /// The unit shape.
        shape: Vec<usize>,
    },
    /// A unit index does not fit the unit shape.
    #[error("unit {unit} lies outside the unit shape {shape:?}")]
    UnitOutOfRange {
        /// The unit, printed as `v(...)`.
        unit: String,
        /// The unit shape.
        shape: Vec<usize>,
    },
    /// An `is_max` class that the output layer does not have.
    #[error("class {class} is out of range for an output layer of {classes} units")]
    ClassOutOfRange {
        /// Requested class.
        class: usize,
        /// Output units.
        classes: usize,
    },
    /// A layer index that the network does not have.
    #[error("layer {layer} is out of range (the network has {layers} layers)")]
    LayerOutOfRange {
        /// Requested layer.
        layer: usize,
        /// Number of layers.
        layers: usize,
    },
    /// A cone was asked from a layer that is not below the target layer.
    #[error("layer {from} is not below layer {to}")]
    LayerNotBelow {
        /// The earlier layer asked for.
        from: usize,
        /// The later layer.
        to: usize,
    },
    /// Layer geometry that cannot be applied to its input shape.
    #[error("layer {layer} ({name}): {reason}")]
    BadGeometry {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A batch size of zero.
    #[error("batch size must be at least 1")]
    InvalidBatchSize,
    /// A sample size of zero.
    #[error("the sample size must be at least 1")]
    InvalidSize,
    /// No path of the network leads from one place to a later layer.
    #[error("no path of the network leads from {from:?} to layer {to}")]
    NoPath {
        /// Where the cone was to end.
        from: crate::cone::Place,
        /// The layer it started from.
        to: usize,
    },
    /// A stability measurement with no resample.
    #[error("the number of resamples must be at least 1")]
    InvalidResamples,
    /// A rule-set coverage target outside (0, 1].
    #[error("the coverage target must lie in (0, 1], got {0}")]
    InvalidCoverage(f64),
    /// A rule set allowed no rule.
    #[error("the rule limit must be at least 1")]
    InvalidMaxRules,
    /// A percentile outside [0, 100].
    #[error("percentile must lie in [0, 100], got {0}")]
    InvalidPercentile(f64),
    /// An image index past the end of its data set.
    #[error("image {index} is out of range (the data set has {images} images)")]
    ImageOutOfRange {
        /// Requested index.
        index: usize,
        /// Images available.
        images: usize,
    },
    /// A conjunct index past the end of an interpolant.
    #[error("conjunct {index} is out of range (the interpolant has {conjuncts})")]
    ConjunctOutOfRange {
        /// Requested conjunct.
        index: usize,
        /// Conjuncts available.
        conjuncts: usize,
    },
    /// A layer's output in a forward pass does not have the shape its
    /// geometry declares (shapes per sample, burn's layout: `[C, H, W]` or
    /// `[units]`).
    #[error("layer {layer} ({name}) gives {found:?} per image, but its geometry declares {expected:?} (burn's layout: [C, H, W] for feature maps, [units] for flat layers){}", batch_note(batch))]
    LayerOutputShape {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// The declared shape per sample.
        expected: Vec<usize>,
        /// The shape the network gave per sample.
        found: Vec<usize>,
        /// (images in, rows out) when the batch size changed.
        batch: Option<(usize, usize)>,
    },
    /// A flatten layer's output is in the other order than the one declared.
    #[error("layer {layer} ({name}) is declared to flatten {declared}, but the network flattens in the other order: declare LayerKind::{}", if *declared == "channels first" { "Flatten" } else { "FlattenChannelsFirst" })]
    FlattenOrder {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// The declared order.
        declared: &'static str,
    },
    /// A forward pass did not hand over the output of a layer it was asked for.
    #[error("layer {layer} ({name}) was asked for but forward_layers never tapped it")]
    LayerNotTapped {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
    },
    /// The network's forward pass panicked (in the network's own code or in
    /// burn, e.g. a layer given an input of the wrong size because a layer
    /// before it was left out of `forward_layers`).
    #[error(
        "the forward pass panicked after handing over {}, before layer {next} ({next_name}): {message}",
        handed_over(*last, last_name)
    )]
    ForwardPanicked {
        /// The last layer handed over (`None`: none was).
        last: Option<usize>,
        /// Its name (empty when none was).
        last_name: String,
        /// The layer expected next.
        next: usize,
        /// Its name.
        next_name: String,
        /// The panic's message.
        message: String,
    },
    /// A forward pass handed over one layer's output twice.
    #[error("layer {layer} ({name}) was tapped twice in one forward pass")]
    LayerTappedTwice {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
    },
    /// The activation source cannot give this layer.
    #[error("no {split} activations of layer {layer} ({name}) were given")]
    LayerNotAvailable {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// The data set.
        split: crate::split::Split,
    },
    /// The premise does not satisfy the conclusion it should be explained by.
    #[error("{split} image {index} does not satisfy {conclusion}: there is nothing to explain")]
    PremiseViolatesConclusion {
        /// The data set.
        split: crate::split::Split,
        /// The image.
        index: usize,
        /// The conclusion, printed.
        conclusion: String,
    },
    /// The tensor backend failed.
    #[error("backend error: {0}")]
    Backend(String),
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file was read but its content is not valid.
    #[error("{}: {reason}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

fn batch_note(batch: &Option<(usize, usize)>) -> String {
    match batch {
        Some((inp, out)) => format!("; a batch of {inp} images gave {out} rows"),
        None => String::new(),
    }
}

impl Error {
    pub(crate) fn bad_file(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::BadFile {
            path: path.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn shape(what: impl Into<String>, expected: &[usize], found: &[usize]) -> Self {
        Error::ShapeMismatch {
            what: what.into(),
            expected: expected.to_vec(),
            found: found.to_vec(),
        }
    }
}

/// `layer 3 (pool1)`, or `no layer` for none.
fn handed_over(last: Option<usize>, name: &str) -> String {
    match last {
        Some(l) => format!("layer {l} ({name})"),
        None => "no layer".into(),
    }
}
