//! A network described as a list of layers, Keras style, with the names and
//! numbering nnitp uses (`conv2d_1`, `activation_1`, ...): each layer takes
//! the one before it, unless it names its inputs (skip connections and
//! residual sums). It builds a [`LayerGraph`], each layer's kind one
//! operation with freshly initialised weights.

use std::collections::BTreeMap;

use burn::nn::Initializer;
use burn::tensor::Device;
use nnitp_core::cone::{Geometry, Padding, Place};
use nnitp_core::network::tensor_values;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::graph::{
    Activation, Affine, Conv, Dense, DeviceGraph, GraphLayer, HostError, LayerGraph, Op, Order,
    Pool, Window,
};

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

    /// The network as a [`LayerGraph`], each layer's weights initialised
    /// on `device` as burn initialises them (Kaiming-uniform kernels and
    /// biases; batch norm as the identity; nnitp's names).
    ///
    /// # Errors
    /// When a layer cannot take its input shape (the layer is named).
    pub fn graph(&self, device: &Device) -> Result<LayerGraph> {
        let mut g = Geometry::builder(&self.input_shape);
        let mut layers = Vec::with_capacity(self.layers.len());
        for (i, (spec, name)) in self.layers.iter().zip(self.names()).enumerate() {
            let inputs = self.inputs_of(i);
            let shape = g.shape_at(inputs[0])?.to_vec();
            let op = spec.op(&shape, device).map_err(|e| e.at_layer(i, &name))?;
            g.push_from(name.clone(), op.kind(shape.len() == 3), &inputs)?;
            layers.push(GraphLayer {
                name,
                alias: None,
                op,
                inputs,
            });
        }
        Ok(LayerGraph::new(self.input_shape, layers)?)
    }

    /// A freshly initialised model of this architecture on `device`, to
    /// train or to load weights into.
    ///
    /// # Errors
    /// As [`Architecture::graph`].
    pub fn init(&self, device: &Device) -> Result<DeviceGraph> {
        Ok(DeviceGraph::new(self.graph(device)?, device))
    }

    /// The geometry (shapes and cones) of the network.
    ///
    /// # Errors
    /// When a layer cannot take its input shape (the layer is named).
    pub fn geometry(&self) -> Result<Geometry> {
        Ok(nnitp_core::Network::geometry(&self.graph(&Device::flex())?).clone())
    }
}

/// Values of a weight of `len` values drawn as burn draws them
/// (Kaiming-uniform with gain `1/sqrt(3)`, for `fan_in` inputs).
fn kaiming(len: usize, fan_in: usize, fan_out: usize, device: &Device) -> Result<Vec<f32>> {
    let init = Initializer::KaimingUniform {
        gain: 1.0 / 3f64.sqrt(),
        fan_out_only: false,
    };
    let weights = init.init_with::<1, _>([len], Some(fan_in), Some(fan_out), device);
    Ok(tensor_values(weights.val())?)
}

/// A window of `size` and `stride` with `padding` made explicit for an
/// input of `[h, w]`.
fn window(size: [usize; 2], stride: [usize; 2], padding: Padding, [h, w]: [usize; 2]) -> Window {
    let (top, bottom) = padding.pair(0, h, size[0], stride[0]);
    let (left, right) = padding.pair(1, w, size[1], stride[1]);
    Window {
        size,
        stride,
        dilation: [1, 1],
        pads: [top, left, bottom, right],
        ceil: false,
    }
}

/// A convolution of `filters` kernels of `size`, freshly initialised.
fn conv(
    filters: usize,
    size: [usize; 2],
    stride: usize,
    padding: Padding,
    input: &[usize],
    device: &Device,
) -> std::result::Result<Op, LayerError> {
    let &[h, w, c] = input else {
        return Err(LayerError::Host(HostError::FlatInput {
            op: "conv2d",
            shape: input.to_vec(),
        }));
    };
    let [kh, kw] = size;
    let (fan_in, fan_out) = (c * kh * kw, filters * kh * kw);
    let weight = kaiming(filters * c * kh * kw, fan_in, fan_out, device)?;
    let bias = kaiming(filters, fan_in, fan_out, device)?;
    let win = window(size, [stride, stride], padding, [h, w]);
    Ok(Op::Conv2d(Conv::new(
        win,
        c,
        1,
        &weight,
        [filters, c, kh, kw],
        Some(bias),
    )?))
}

/// Max pooling over windows of `size`, stride = size.
fn max_pool(size: [usize; 2], input: &[usize]) -> Op {
    let (h, w) = match *input {
        [h, w, _] => (h, w),
        _ => (1, 1),
    };
    Op::MaxPool2d(Pool {
        window: window(size, size, Padding::Valid, [h, w]),
        count_padding: false,
    })
}

/// Why a layer could not be made.
#[derive(Debug)]
pub(super) enum LayerError {
    Host(HostError),
    Other(Error),
}

impl From<HostError> for LayerError {
    fn from(e: HostError) -> Self {
        LayerError::Host(e)
    }
}

impl From<Error> for LayerError {
    fn from(e: Error) -> Self {
        LayerError::Other(e)
    }
}

impl LayerError {
    /// The error, for layer `layer` named `name`.
    fn at_layer(self, layer: usize, name: &str) -> Error {
        match self {
            LayerError::Host(e) => e.at_layer(layer, name).into(),
            LayerError::Other(e) => e,
        }
    }
}

impl LayerSpec {
    /// What this layer computes on an input of `input` (`[H, W, C]` or
    /// flat), its weights freshly initialised on `device`.
    fn op(&self, input: &[usize], device: &Device) -> std::result::Result<Op, LayerError> {
        Ok(match *self {
            LayerSpec::Conv2d {
                filters,
                kernel,
                stride,
                padding,
            } => conv(filters, [kernel, kernel], stride, padding, input, device)?,
            LayerSpec::Conv1d {
                filters,
                kernel,
                padding,
            } => conv(filters, [1, kernel], 1, padding, input, device)?,
            LayerSpec::MaxPool1d { window } => max_pool([1, window], input),
            LayerSpec::MaxPool2d { window } => max_pool([window, window], input),
            LayerSpec::Elu => Op::Activation(Activation::Elu(1.0)),
            LayerSpec::Relu => Op::Activation(Activation::Relu),
            LayerSpec::BatchNorm => {
                let channels = input.last().copied().unwrap_or(0);
                Op::BatchNorm(Affine {
                    scale: vec![1.0; channels],
                    shift: vec![0.0; channels],
                })
            }
            LayerSpec::Dropout { prob } => Op::Dropout(prob),
            LayerSpec::Flatten => Op::Flatten(Order::ChannelsLast),
            LayerSpec::Add => Op::Add,
            LayerSpec::GlobalAvgPool => Op::GlobalAvgPool,
            LayerSpec::Dense { units, softmax } => {
                let inputs = input.iter().product();
                Op::Dense(Dense {
                    inputs,
                    units,
                    weight: kaiming(inputs * units, inputs, units, device)?,
                    bias: kaiming(units, inputs, units, device)?,
                    softmax,
                })
            }
        })
    }
}
