//! What the executors refuse: layer inputs and weights whose shapes do not
//! fit the layer.

/// Inputs or weights whose shapes do not fit a layer (on the host, or on a
/// burn device).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// A layer given no input.
    #[error("a layer without inputs")]
    NoInputs,
    /// A layer reads an earlier layer's output that was already released.
    #[error("it reads layer {0}, whose output is no longer kept")]
    InputReleased(usize),
    /// Replacement values for a layer's output that do not have its shape.
    #[error("replacement values of shape {found:?} for an output of {expected:?}")]
    Replacement {
        /// The layer's output shape (channels last, with the batch).
        expected: Vec<usize>,
        /// The replacement's.
        found: Vec<usize>,
    },
    /// A sum of inputs of different shapes.
    #[error("a sum of {left:?} and {right:?}")]
    Sum {
        /// The shape summed so far.
        left: Vec<usize>,
        /// The next input's shape.
        right: Vec<usize>,
    },
    /// Two inputs whose shapes do not broadcast together.
    #[error("shapes {left:?} and {right:?} do not broadcast together")]
    Broadcast {
        /// The first input's shape (with the batch).
        left: Vec<usize>,
        /// The second input's shape.
        right: Vec<usize>,
    },
    /// A reflecting padding at least as wide as its input.
    #[error("a reflecting padding of {pad} on {positions} positions")]
    Reflect {
        /// The widest padding.
        pad: usize,
        /// The positions along that axis.
        positions: usize,
    },
    /// A concatenation of inputs that differ in more than their channels.
    #[error("a concatenation of inputs that differ but for the channels: {shapes:?}")]
    Concat {
        /// The inputs' shapes.
        shapes: Vec<Vec<usize>>,
    },
    /// A window longer than its padded input (or of stride 0).
    #[error("a window of {extent} on {positions} positions")]
    Window {
        /// The window's extent (dilation included).
        extent: usize,
        /// The padded input's positions.
        positions: usize,
    },
    /// A layer that needs a feature map given a flat input.
    #[error("a {op} needs a feature map, not an input of shape {shape:?}")]
    FlatInput {
        /// The layer's operation.
        op: &'static str,
        /// The input's shape.
        shape: Vec<usize>,
    },
    /// An average pool with dilation, which burn's pooling does not take.
    #[error("an average pool with dilation {dilation:?} runs on the host only")]
    DilatedAverage {
        /// The dilation.
        dilation: [usize; 2],
    },
    /// A convolution on an input with another number of channels.
    #[error("a convolution of {channels} input channels on {shape:?}")]
    ConvChannels {
        /// The channels the kernel takes.
        channels: usize,
        /// The input's shape.
        shape: Vec<usize>,
    },
    /// A dense layer on an input with another number of values per sample.
    #[error("a dense layer of {inputs} inputs on {shape:?}")]
    DenseInputs {
        /// The inputs the layer takes.
        inputs: usize,
        /// The input's shape.
        shape: Vec<usize>,
    },
    /// Per-channel constants (batch norm, scale) of another number of channels.
    #[error("{constants} per-channel constants on {shape:?}")]
    AffineChannels {
        /// The constants per channel.
        constants: usize,
        /// The input's shape.
        shape: Vec<usize>,
    },
    /// A kernel whose shape and groups do not fit the input channels.
    #[error(
        "a kernel of shape {kernel:?} in {groups} groups does not fit {channels} input channels"
    )]
    KernelGroups {
        /// The kernel's shape `[filters, channels per group, kh, kw]`.
        kernel: [usize; 4],
        /// The groups.
        groups: usize,
        /// The input channels.
        channels: usize,
    },
    /// A kernel given another number of weights than its shape holds (or a
    /// shape other than its window's).
    #[error("{weights} weights for a kernel of shape {kernel:?}")]
    KernelWeights {
        /// The weights given.
        weights: usize,
        /// The kernel's shape.
        kernel: [usize; 4],
    },
    /// A bias of another length than the filters.
    #[error("{biases} biases for {filters} filters")]
    Biases {
        /// The biases given.
        biases: usize,
        /// The filters.
        filters: usize,
    },
    /// A layer's state of another kind than its operation (a weights file
    /// loaded onto another architecture).
    #[error("a {op} holding the state of a {state}")]
    State {
        /// The layer's operation.
        op: &'static str,
        /// The state's kind.
        state: &'static str,
    },
}

impl HostError {
    /// This error as the core's error for layer `layer` named `name`.
    pub fn at_layer(self, layer: usize, name: &str) -> nnitp_core::Error {
        nnitp_core::error::NetworkError::Layer {
            layer,
            name: name.into(),
            source: Box::new(self),
        }
        .into()
    }
}
