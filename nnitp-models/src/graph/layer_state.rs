//! A layer's state as burn modules, for a [`DeviceGraph`](super::DeviceGraph):
//! the weights of convolutions and dense layers as trainable parameters,
//! batch norm with its running statistics, dropout with its training flag.
//! Made from a layer's [`Op`], and folded back into one.

use burn::module::{Module, Param, RunningState};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig};
use burn::tensor::{Device, Tensor, TensorData};
use nnitp_core::network::tensor_values as values;

use super::error::HostError;
use super::op::{Affine, Conv, Dense, Op};

/// A convolution's kernel `[F, C/groups, kh, kw]` and biases `[F]`.
#[derive(Module, Debug)]
pub struct ConvWeights {
    /// The kernel.
    pub weight: Param<Tensor<4>>,
    /// One bias per output channel.
    pub bias: Param<Tensor<1>>,
}

/// A dense layer's weights `[inputs, units]` and biases `[units]`.
#[derive(Module, Debug)]
pub struct DenseWeights {
    /// `W` of `x W + b`.
    pub weight: Param<Tensor<2>>,
    /// `b` of `x W + b`.
    pub bias: Param<Tensor<1>>,
}

/// A layer without state.
#[derive(Module, Debug, Default)]
pub struct Stateless {}

/// One layer's state. The variants' names are the keys of its tensors in a
/// weights file (`layers.3.Conv2d.weight`).
#[derive(Module, Debug)]
pub enum LayerState {
    /// A convolution's weights.
    Conv2d(ConvWeights),
    /// A dense layer's weights.
    Dense(DenseWeights),
    /// Batch normalisation: scale, shift and running statistics.
    BatchNorm(BatchNorm),
    /// Dropout (active only while training).
    Dropout(Dropout),
    /// Any other layer.
    Stateless(Stateless),
}

/// `values` of `shape` as a parameter on `device`.
fn param<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

impl LayerState {
    /// The state of a layer computing `op`, on `device`. A batch norm given
    /// folded (`x * scale + shift`) becomes one of unit variance (mean 0,
    /// variance `1 - epsilon`), computing the same.
    pub fn of(op: &Op, device: &Device) -> Self {
        match op {
            Op::Conv2d(c) => {
                let [kh, kw] = c.window.size;
                let shape = [c.filters, c.in_channels / c.groups, kh, kw];
                LayerState::Conv2d(ConvWeights {
                    weight: param(c.weight_oihw(), shape, device),
                    bias: param(c.bias.clone(), [c.filters], device),
                })
            }
            Op::Dense(d) => LayerState::Dense(DenseWeights {
                weight: param(d.weight.clone(), [d.inputs, d.units], device),
                bias: param(d.bias.clone(), [d.units], device),
            }),
            Op::BatchNorm(a) => {
                let channels = a.channels();
                let (scale, shift) = a.per_channel(channels);
                let mut norm = BatchNormConfig::new(channels).init(device);
                let unit = (1.0 - norm.epsilon) as f32;
                norm.gamma = param(scale, [channels], device);
                norm.beta = param(shift, [channels], device);
                norm.running_mean = RunningState::new(Tensor::zeros([channels], device));
                norm.running_var =
                    RunningState::new(Tensor::from_data(vec![unit; channels].as_slice(), device));
                LayerState::BatchNorm(norm)
            }
            Op::Dropout(prob) => LayerState::Dropout(DropoutConfig::new(*prob).init()),
            _ => LayerState::Stateless(Stateless {}),
        }
    }

    /// `op` with this state's current weights, prepared for the host
    /// (kernels packed, batch norm folded).
    ///
    /// # Errors
    /// When a weight cannot be read, or the state does not fit layer
    /// `layer` (named `name`).
    pub fn fold_into(&self, op: &Op, layer: usize, name: &str) -> nnitp_core::Result<Op> {
        let at = |e: HostError| e.at_layer(layer, name);
        Ok(match (self, op) {
            (LayerState::Conv2d(w), Op::Conv2d(c)) => {
                let kernel = w.weight.val();
                let dims = kernel.dims();
                Op::Conv2d(
                    Conv::new(
                        c.window,
                        c.in_channels,
                        c.groups,
                        &values(kernel)?,
                        dims,
                        Some(values(w.bias.val())?),
                    )
                    .map_err(at)?,
                )
            }
            (LayerState::Dense(w), Op::Dense(d)) => {
                let [inputs, units] = w.weight.val().dims();
                let bias = values(w.bias.val())?;
                if inputs != d.inputs || units != d.units {
                    return Err(at(HostError::DenseInputs {
                        inputs: d.inputs,
                        shape: vec![inputs, units],
                    }));
                }
                if bias.len() != units {
                    return Err(at(HostError::Biases {
                        biases: bias.len(),
                        filters: units,
                    }));
                }
                Op::Dense(Dense {
                    inputs,
                    units,
                    weight: values(w.weight.val())?,
                    bias,
                    softmax: d.softmax,
                })
            }
            (LayerState::BatchNorm(m), Op::BatchNorm(_)) => Op::BatchNorm(Affine::batch_norm(
                &values(m.gamma.val())?,
                &values(m.beta.val())?,
                &values(m.running_mean.value())?,
                &values(m.running_var.value())?,
                m.epsilon as f32,
            )),
            (LayerState::Dropout(m), Op::Dropout(_)) => Op::Dropout(m.prob),
            (LayerState::Stateless(_), op) if !op.has_state() => op.clone(),
            (_, op) => {
                return Err(at(HostError::State {
                    op: op.name(),
                    state: self.name(),
                }))
            }
        })
    }

    /// The variant's name, as in a weights file.
    pub fn name(&self) -> &'static str {
        match self {
            LayerState::Conv2d(_) => "Conv2d",
            LayerState::Dense(_) => "Dense",
            LayerState::BatchNorm(_) => "BatchNorm",
            LayerState::Dropout(_) => "Dropout",
            LayerState::Stateless(_) => "Stateless",
        }
    }
}

impl Op {
    /// Whether a layer computing this keeps state in a
    /// [`DeviceGraph`](super::DeviceGraph) (weights, statistics, a dropout).
    pub fn has_state(&self) -> bool {
        matches!(
            self,
            Op::Conv2d(_) | Op::Dense(_) | Op::BatchNorm(_) | Op::Dropout(_)
        )
    }
}
