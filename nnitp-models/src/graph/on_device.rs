//! A [`LayerGraph`] run with burn's tensor operations on any burn device
//! (flex, ndarray, wgpu): the executor beside the host's, for devices the
//! host kernels do not run on. Its weights are made tensors on the device
//! once.

use burn::tensor::activation::{gelu, leaky_relu, relu, sigmoid, softmax};
use burn::tensor::module::{avg_pool2d, conv2d, linear, max_pool2d};
use burn::tensor::ops::{AvgPoolOptions, ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};
use nnitp_core::cone::{Geometry, Place};
use nnitp_core::digest::Digest;
use nnitp_core::network::{Network, Taps};

use super::error::HostError;
use super::op::{Activation, Affine, Op, Order, Window};
use super::LayerGraph;

/// One layer's output in burn's layout.
#[derive(Clone)]
enum Value {
    /// `[N, C, H, W]`.
    Map(Tensor<4>),
    /// `[N, units]`.
    Flat(Tensor<2>),
}

/// A layer's weights as tensors on the device.
#[derive(Clone, Debug)]
enum Weights {
    None,
    Conv { kernel: Tensor<4>, bias: Tensor<1> },
    Dense { weight: Tensor<2>, bias: Tensor<1> },
}

/// A [`LayerGraph`] with its weights on a burn device, run with burn's ops.
/// Its geometry, layers and fingerprint are the graph's.
#[derive(Clone, Debug)]
pub struct DeviceGraph {
    graph: LayerGraph,
    weights: Vec<Weights>,
    device: Device,
}

impl LayerGraph {
    /// The graph as a network on `device`: run by the host kernels on flex
    /// (the host's CPU device), by burn's ops (a [`DeviceGraph`]) on any
    /// other.
    pub fn into_network(self, device: &Device) -> Box<dyn Network + Send + Sync> {
        if !device.is_autodiff() && *device == Device::flex() {
            Box::new(self)
        } else {
            Box::new(DeviceGraph::new(self, device))
        }
    }
}

impl DeviceGraph {
    /// `graph` with its weights moved to `device`.
    pub fn new(graph: LayerGraph, device: &Device) -> Self {
        let floats = |v: &[f32], shape: Vec<usize>| TensorData::new(v.to_vec(), shape);
        let weights = graph
            .layers()
            .iter()
            .map(|l| match &l.op {
                Op::Conv2d(c) => {
                    let [kh, kw] = c.window.size;
                    let shape = vec![c.filters, c.in_channels / c.groups, kh, kw];
                    Weights::Conv {
                        kernel: Tensor::from_data(floats(&c.weight_oihw(), shape), device),
                        bias: Tensor::from_data(floats(&c.bias, vec![c.filters]), device),
                    }
                }
                Op::Dense(d) => Weights::Dense {
                    weight: Tensor::from_data(floats(&d.weight, vec![d.inputs, d.units]), device),
                    bias: Tensor::from_data(floats(&d.bias, vec![d.units]), device),
                },
                _ => Weights::None,
            })
            .collect();
        DeviceGraph {
            graph,
            weights,
            device: device.clone(),
        }
    }

    /// The graph it runs.
    pub fn graph(&self) -> &LayerGraph {
        &self.graph
    }

    /// Layer `i` on `inputs`.
    fn layer(&self, i: usize, inputs: &[&Value]) -> Result<Value, HostError> {
        let x = (*inputs.first().ok_or(HostError::NoInputs)?).clone();
        let op = &self.graph.layers()[i].op;
        Ok(match (op, x) {
            (Op::Conv2d(c), Value::Map(x)) => {
                let Weights::Conv { kernel, bias } = &self.weights[i] else {
                    unreachable!("the weights are made from the same layers")
                };
                let w = &c.window;
                let options = ConvOptions {
                    stride: w.stride,
                    padding: pairs(w),
                    dilation: w.dilation,
                    groups: c.groups,
                };
                Value::Map(conv2d(x, kernel.clone(), Some(bias.clone()), options))
            }
            (Op::Dense(d), x) => {
                let Weights::Dense { weight, bias } = &self.weights[i] else {
                    unreachable!("the weights are made from the same layers")
                };
                let x = flat(x, Order::ChannelsLast);
                if x.dims()[1] != d.inputs {
                    return Err(HostError::DenseInputs {
                        inputs: d.inputs,
                        shape: x.dims().to_vec(),
                    });
                }
                let y = linear(x, weight.clone(), Some(bias.clone()));
                Value::Flat(if d.softmax { softmax(y, 1) } else { y })
            }
            (Op::BatchNorm(a) | Op::Scale(a), x) => self.affine(a, x)?,
            (Op::Activation(a), x) => map_values(x, |t| activation(*a, t), |t| activation(*a, t)),
            (Op::MaxPool2d(p), Value::Map(x)) => {
                let w = &p.window;
                let options = MaxPoolOptions {
                    kernel_size: w.size,
                    stride: w.stride,
                    padding: pairs(w),
                    dilation: w.dilation,
                    ceil_mode: w.ceil,
                };
                Value::Map(max_pool2d(x, options))
            }
            (Op::AvgPool2d(p), Value::Map(x)) => {
                let w = &p.window;
                if w.dilation != [1, 1] {
                    return Err(HostError::DilatedAverage {
                        dilation: w.dilation,
                    });
                }
                let options = AvgPoolOptions {
                    kernel_size: w.size,
                    stride: w.stride,
                    padding: pairs(w),
                    count_include_pad: p.count_padding,
                    ceil_mode: w.ceil,
                };
                Value::Map(avg_pool2d(x, options))
            }
            (Op::GlobalAvgPool, Value::Map(x)) => {
                let [n, c, _, _] = x.dims();
                Value::Flat(x.mean_dim(3).mean_dim(2).reshape([n, c]))
            }
            (Op::GlobalMaxPool, Value::Map(x)) => {
                let [n, c, _, _] = x.dims();
                Value::Flat(x.max_dim(3).max_dim(2).reshape([n, c]))
            }
            (Op::Flatten(order), x) => Value::Flat(flat(x, *order)),
            (Op::Add, first) => {
                let mut sum = first;
                for other in &inputs[1..] {
                    sum = match (sum, *other) {
                        (Value::Map(a), Value::Map(b)) if a.dims() == b.dims() => {
                            Value::Map(a + b.clone())
                        }
                        (Value::Flat(a), Value::Flat(b)) if a.dims() == b.dims() => {
                            Value::Flat(a + b.clone())
                        }
                        (a, b) => {
                            return Err(HostError::Sum {
                                left: dims(&a),
                                right: dims(b),
                            })
                        }
                    };
                }
                sum
            }
            (Op::Concat, Value::Map(_)) => Value::Map(cat(inputs, |v| match v {
                Value::Map(t) => Some(t.clone()),
                Value::Flat(_) => None,
            })?),
            (Op::Concat, Value::Flat(_)) => Value::Flat(cat(inputs, |v| match v {
                Value::Flat(t) => Some(t.clone()),
                Value::Map(_) => None,
            })?),
            (Op::Softmax, Value::Flat(x)) => Value::Flat(softmax(x, 1)),
            // over all of a sample's units, as on the host
            (Op::Softmax, Value::Map(x)) => {
                let [n, c, h, w] = x.dims();
                Value::Map(softmax(x.reshape([n, c * h * w]), 1).reshape([n, c, h, w]))
            }
            (Op::Identity, x) => x,
            (
                Op::Conv2d(_)
                | Op::MaxPool2d(_)
                | Op::AvgPool2d(_)
                | Op::GlobalAvgPool
                | Op::GlobalMaxPool,
                x,
            ) => {
                return Err(HostError::FlatInput {
                    op: op.name(),
                    shape: dims(&x),
                })
            }
        })
    }

    /// `x * scale + shift` per channel (a map's second axis, a flat layer's
    /// units).
    fn affine(&self, a: &Affine, x: Value) -> Result<Value, HostError> {
        let channels = match &x {
            Value::Map(t) => t.dims()[1],
            Value::Flat(t) => t.dims()[1],
        };
        let fits = |v: &[f32]| v.len() == 1 || v.len() == channels;
        if !fits(&a.scale) || !fits(&a.shift) {
            return Err(HostError::AffineChannels {
                constants: a.channels(),
                shape: dims(&x),
            });
        }
        let per_channel = |v: &[f32]| -> Vec<f32> {
            if v.len() == channels {
                v.to_vec()
            } else {
                vec![v.first().copied().unwrap_or(0.0); channels]
            }
        };
        let (scale, shift) = (per_channel(&a.scale), per_channel(&a.shift));
        let vector =
            |v: Vec<f32>| Tensor::<1>::from_data(TensorData::new(v, [channels]), &self.device);
        Ok(match x {
            Value::Map(t) => Value::Map(
                t * vector(scale).reshape([1, channels, 1, 1])
                    + vector(shift).reshape([1, channels, 1, 1]),
            ),
            Value::Flat(t) => Value::Flat(
                t * vector(scale).reshape([1, channels]) + vector(shift).reshape([1, channels]),
            ),
        })
    }
}

/// The window's padding as burn's `(begin, end)` pairs per axis.
fn pairs(w: &Window) -> [(usize, usize); 2] {
    let [top, left, bottom, right] = w.pads;
    [(top, bottom), (left, right)]
}

/// A map flattened (its units in `order`); a flat layer as it is.
fn flat(x: Value, order: Order) -> Tensor<2> {
    match x {
        Value::Flat(t) => t,
        Value::Map(t) => {
            let [n, c, h, w] = t.dims();
            match order {
                Order::ChannelsFirst => t.reshape([n, c * h * w]),
                Order::ChannelsLast => t.permute([0, 2, 3, 1]).reshape([n, h * w * c]),
            }
        }
    }
}

/// `f` or `g` on the tensor inside.
fn map_values(
    x: Value,
    f: impl FnOnce(Tensor<4>) -> Tensor<4>,
    g: impl FnOnce(Tensor<2>) -> Tensor<2>,
) -> Value {
    match x {
        Value::Map(t) => Value::Map(f(t)),
        Value::Flat(t) => Value::Flat(g(t)),
    }
}

/// An element-wise activation, as the host computes it.
fn activation<const D: usize>(a: Activation, x: Tensor<D>) -> Tensor<D> {
    match a {
        Activation::Relu => relu(x),
        Activation::LeakyRelu(alpha) => leaky_relu(x, f64::from(alpha)),
        Activation::Elu(alpha) => {
            let negative = (x.clone().clamp_max(0.0).exp() - 1.0) * f64::from(alpha);
            x.clamp_min(0.0) + negative
        }
        Activation::Sigmoid => sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Gelu { tanh: false } => gelu(x),
        Activation::Gelu { tanh: true } => {
            // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
            let inner = (x.clone() + x.clone().powf_scalar(3.0) * 0.044715)
                * (2.0 / std::f64::consts::PI).sqrt();
            x * (inner.tanh() + 1.0) * 0.5
        }
        Activation::Clip { min, max } => x.clamp(f64::from(min), f64::from(max)),
    }
}

fn dims(x: &Value) -> Vec<usize> {
    match x {
        Value::Map(t) => t.dims().to_vec(),
        Value::Flat(t) => t.dims().to_vec(),
    }
}

/// The inputs concatenated along the channels (axis 1), each of the rank
/// `pick` takes and agreeing on every other axis.
fn cat<const D: usize>(
    inputs: &[&Value],
    pick: impl Fn(&Value) -> Option<Tensor<D>>,
) -> Result<Tensor<D>, HostError> {
    let refused = || HostError::Concat {
        shapes: inputs.iter().map(|v| dims(v)).collect(),
    };
    let tensors = inputs
        .iter()
        .map(|v| pick(v))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(refused)?;
    let others = |t: &Tensor<D>| {
        let mut d = t.dims().to_vec();
        d.remove(1);
        d
    };
    if tensors.iter().any(|t| others(t) != others(&tensors[0])) {
        return Err(refused());
    }
    Ok(Tensor::cat(tensors, 1))
}

impl Network for DeviceGraph {
    fn geometry(&self) -> &Geometry {
        Network::geometry(&self.graph)
    }

    fn device(&self) -> Device {
        self.device.clone()
    }

    fn fingerprint(&self) -> Option<Digest> {
        Network::fingerprint(&self.graph)
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let layers = self.graph.layers();
        let Some(last) = (0..layers.len()).rev().find(|&i| taps.wants(i)) else {
            return Ok(());
        };
        let readers = self.graph.last_readers();
        let needed = self
            .graph
            .needed(last, taps.replaced_layer(), |i| taps.wants(i));
        let images = Value::Map(images);
        let mut outs: Vec<Option<Value>> = vec![None; layers.len()];
        for (i, layer) in layers.iter().enumerate().take(last + 1) {
            if !needed[i] {
                continue;
            }
            let out = match taps.replacement(i) {
                Some((values, shape)) => self
                    .value(values, shape)
                    .ok_or_else(|| {
                        let mut expected = vec![shape.first().copied().unwrap_or(0)];
                        expected.extend_from_slice(
                            Network::geometry(self)
                                .shape(Place::Layer(i))
                                .unwrap_or(&[]),
                        );
                        HostError::Replacement {
                            expected,
                            found: shape.to_vec(),
                        }
                    })
                    .map_err(|e| e.at_layer(i, &layer.name))?,
                None => {
                    let mut inputs = Vec::with_capacity(layer.inputs.len());
                    for p in &layer.inputs {
                        inputs.push(match *p {
                            Place::Input => &images,
                            Place::Layer(j) => outs[j].as_ref().ok_or_else(|| {
                                HostError::InputReleased(j).at_layer(i, &layer.name)
                            })?,
                        });
                    }
                    self.layer(i, &inputs)
                        .map_err(|e| e.at_layer(i, &layer.name))?
                }
            };
            if taps.wants(i) {
                match &out {
                    Value::Map(t) => taps.keep(i, t.clone()),
                    Value::Flat(t) => taps.keep(i, t.clone()),
                }
            }
            for p in &layer.inputs {
                if let Place::Layer(j) = *p {
                    if readers[j] == Some(i) {
                        outs[j] = None;
                    }
                }
            }
            if readers[i].is_some_and(|r| r <= last) {
                outs[i] = Some(out);
            }
        }
        Ok(())
    }

    fn interventions(&self) -> bool {
        true
    }
}

impl DeviceGraph {
    /// Channels-last values (`[N, H, W, C]` or `[N, units]`) as a value on
    /// the device, in burn's layout; `None` when they do not fit the shape.
    fn value(&self, values: &[f32], shape: &[usize]) -> Option<Value> {
        if values.len() != shape.iter().product::<usize>() {
            return None;
        }
        let data = TensorData::new(values.to_vec(), shape.to_vec());
        match *shape {
            [_, _, _, _] => Some(Value::Map(
                Tensor::<4>::from_data(data, &self.device).permute([0, 3, 1, 2]),
            )),
            [_, _] => Some(Value::Flat(Tensor::<2>::from_data(data, &self.device))),
            _ => None,
        }
    }
}
