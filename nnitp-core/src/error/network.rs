//! A network that does not do what its geometry declares, or fails while it
//! runs.

/// A forward pass that failed or disagrees with the network's geometry.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
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
    /// A layer handed over host values whose count does not fit their shape.
    #[error("layer {layer} ({name}) handed over {values} values for the shape {shape:?}")]
    HostValues {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// Values handed over.
        values: usize,
        /// The shape they were said to have.
        shape: Vec<usize>,
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
    /// A forward pass handed over one layer's output twice.
    #[error("layer {layer} ({name}) was tapped twice in one forward pass")]
    LayerTappedTwice {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
    },
    /// A forward pass that was to go on from replacement values for a
    /// layer went on from the layer's own output (or offered an output they
    /// do not fit), though the network says it honours interventions.
    #[error("layer {layer} ({name}) was to take replacement values, but the forward pass went on without them (the network's `interventions()` says it honours them: it must go on from what `Taps::tap` hands back, or take `Taps::replacement` on the host)")]
    InterventionIgnored {
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
    /// A layer of the network failed to compute its output (e.g. an input
    /// of a shape its kernel cannot take); the executor's own error is the
    /// source.
    #[error("layer {layer} ({name}): {source}")]
    Layer {
        /// Layer index.
        layer: usize,
        /// Layer name.
        name: String,
        /// What the executor reported.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An extraction worker panicked outside the network's forward pass.
    #[error("an extraction worker panicked")]
    WorkerPanicked,
    /// The tensor backend could not hand over a tensor's values (burn's
    /// `DataError`, which is not an error type, in its debug form).
    #[error("the backend could not read a tensor's values: {0}")]
    TensorData(String),
}

fn batch_note(batch: &Option<(usize, usize)>) -> String {
    match batch {
        Some((inp, out)) => format!("; a batch of {inp} images gave {out} rows"),
        None => String::new(),
    }
}

/// `layer 3 (pool1)`, or `no layer` for none.
fn handed_over(last: Option<usize>, name: &str) -> String {
    match last {
        Some(l) => format!("layer {l} ({name})"),
        None => "no layer".into(),
    }
}
