//! A CNN described as a list of layers, Keras style, with the names and
//! numbering nnitp uses (`conv2d_1`, `activation_1`, ...): each layer takes
//! the one before it, unless it names its inputs (skip connections and
//! residual sums).

use std::collections::BTreeMap;

use nnitp_core::cone::{Geometry, Padding, Place};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One layer of a sequential CNN.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerSpec {
    /// 2-d convolution.
    Conv2d {
        /// Output channels.
        filters: usize,
        /// Square kernel size.
        kernel: usize,
        /// Stride (both dimensions).
        #[serde(default = "one")]
        stride: usize,
        /// Padding.
        padding: Padding,
    },
    /// 1-d convolution over the time steps of a series (`[1, T, C]`): a
    /// `1 x kernel` 2-d convolution, stride 1.
    Conv1d {
        /// Output channels.
        filters: usize,
        /// Kernel length (time steps).
        kernel: usize,
        /// Padding (`Same` keeps the length for an odd kernel).
        padding: Padding,
    },
    /// Max pooling over `window` time steps of a series, stride = window.
    MaxPool1d {
        /// Window length.
        window: usize,
    },
    /// ELU activation (alpha 1).
    Elu,
    /// ReLU activation.
    Relu,
    /// Batch normalisation over channels.
    BatchNorm,
    /// Max pooling with a square window, stride = window.
    MaxPool2d {
        /// Window size.
        window: usize,
    },
    /// Dropout (active only while training).
    Dropout {
        /// Probability of dropping a unit.
        prob: f64,
    },
    /// Flattens `[H, W, C]` (channels last) to `[H*W*C]`.
    Flatten,
    /// Element-wise sum of the layer's inputs (a residual sum).
    Add,
    /// Global average pooling, `[H, W, C]` to `[C]`.
    GlobalAvgPool,
    /// Fully connected layer; its output is a softmax when `softmax` is set.
    Dense {
        /// Output units.
        units: usize,
        /// Apply a softmax to the output (logits are still used for training).
        softmax: bool,
    },
}

impl LayerSpec {
    fn keras_name(&self) -> &'static str {
        match self {
            LayerSpec::Conv2d { .. } => "conv2d",
            LayerSpec::Conv1d { .. } => "conv1d",
            LayerSpec::MaxPool1d { .. } => "max_pooling1d",
            LayerSpec::Elu | LayerSpec::Relu => "activation",
            LayerSpec::BatchNorm => "batch_normalization",
            LayerSpec::MaxPool2d { .. } => "max_pooling2d",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Add => "add",
            LayerSpec::GlobalAvgPool => "global_average_pooling2d",
            LayerSpec::Dense { .. } => "dense",
        }
    }
}

fn one() -> usize {
    1
}

/// A CNN: input shape and layers, each on the layer before it or on the
/// inputs it names. Build with the chained methods:
///
/// ```
/// use nnitp_models::zoo::Architecture;
/// use nnitp_core::cone::Padding;
///
/// let arch = Architecture::new([28, 28, 1])
///     .conv2d(16, 3, Padding::Same).elu().batch_norm().max_pool(2)
///     .flatten().dense(10, true);
/// assert_eq!(arch.names()[4], "flatten_1");
/// assert_eq!(arch.geometry()?.shape(nnitp_core::cone::Place::Layer(3))?, &[14, 14, 16]);
/// # Ok::<(), nnitp_models::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Input shape `[H, W, C]`.
    pub input_shape: [usize; 3],
    /// The layers in order.
    pub layers: Vec<LayerSpec>,
    /// The inputs of the layers that do not take the layer before them, by
    /// layer index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<usize, Vec<Place>>,
}

impl Architecture {
    /// An empty network on inputs of `input_shape`.
    pub fn new(input_shape: [usize; 3]) -> Self {
        Architecture {
            input_shape,
            layers: Vec::new(),
            inputs: BTreeMap::new(),
        }
    }

    /// Appends a layer on the layer before it.
    pub fn push(mut self, layer: LayerSpec) -> Self {
        self.layers.push(layer);
        self
    }

    /// Appends a layer on `inputs` (earlier layers, or the image).
    pub fn push_from(mut self, layer: LayerSpec, inputs: &[Place]) -> Self {
        self.inputs.insert(self.layers.len(), inputs.to_vec());
        self.layers.push(layer);
        self
    }

    /// The index the next layer gets.
    pub fn next_index(&self) -> usize {
        self.layers.len()
    }

    /// Where layer `i` takes its inputs from.
    pub fn inputs_of(&self, i: usize) -> Vec<Place> {
        match self.inputs.get(&i) {
            Some(p) => p.clone(),
            None if i == 0 => vec![Place::Input],
            None => vec![Place::Layer(i - 1)],
        }
    }

    /// Appends a stride-1 convolution.
    pub fn conv2d(self, filters: usize, kernel: usize, padding: Padding) -> Self {
        self.push(LayerSpec::Conv2d {
            filters,
            kernel,
            stride: 1,
            padding,
        })
    }

    /// Appends the sum of layers `a` and `b`.
    pub fn add(self, a: usize, b: usize) -> Self {
        self.push_from(LayerSpec::Add, &[Place::Layer(a), Place::Layer(b)])
    }

    /// Appends global average pooling.
    pub fn global_avg_pool(self) -> Self {
        self.push(LayerSpec::GlobalAvgPool)
    }

    /// Appends an ELU.
    pub fn elu(self) -> Self {
        self.push(LayerSpec::Elu)
    }

    /// Appends a ReLU.
    pub fn relu(self) -> Self {
        self.push(LayerSpec::Relu)
    }

    /// Appends batch normalisation.
    pub fn batch_norm(self) -> Self {
        self.push(LayerSpec::BatchNorm)
    }

    /// Appends a 1-d convolution over time steps.
    pub fn conv1d(self, filters: usize, kernel: usize, padding: Padding) -> Self {
        self.push(LayerSpec::Conv1d {
            filters,
            kernel,
            padding,
        })
    }

    /// Appends max pooling over time steps.
    pub fn max_pool1d(self, window: usize) -> Self {
        self.push(LayerSpec::MaxPool1d { window })
    }

    /// Appends max pooling.
    pub fn max_pool(self, window: usize) -> Self {
        self.push(LayerSpec::MaxPool2d { window })
    }

    /// Appends dropout.
    pub fn dropout(self, prob: f64) -> Self {
        self.push(LayerSpec::Dropout { prob })
    }

    /// Appends a flatten layer.
    pub fn flatten(self) -> Self {
        self.push(LayerSpec::Flatten)
    }

    /// Appends a dense layer.
    pub fn dense(self, units: usize, softmax: bool) -> Self {
        self.push(LayerSpec::Dense { units, softmax })
    }

    /// Keras-style layer names, numbered per kind from 1.
    pub fn names(&self) -> Vec<String> {
        let mut counts = std::collections::HashMap::new();
        self.layers
            .iter()
            .map(|l| {
                let c = counts.entry(l.keras_name()).or_insert(0);
                *c += 1;
                format!("{}_{}", l.keras_name(), c)
            })
            .collect()
    }

    /// The geometry (shapes and cones) of the network, declared from the same
    /// burn configs [`super::Sequential::new`] initialises.
    ///
    /// # Errors
    /// When a layer cannot take its input shape (the layer is named).
    pub fn geometry(&self) -> Result<Geometry> {
        Ok(super::sequential::declare(self)?.0)
    }
}
