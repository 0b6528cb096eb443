//! A zoo model's layers, with their weights read once, as a [`LayerGraph`]:
//! how the zoo runs on the host (CPU devices, outside training).

use burn::nn::conv::Conv2d;
use burn::nn::pool::MaxPool2d;
use burn::nn::{BatchNorm, Linear};
use nnitp_core::cone::{GeometryError, Padding, Place};
use nnitp_core::network::tensor_values as values;

use super::architecture::LayerSpec;
use super::sequential::{Layer, Sequential};
use crate::graph::{
    Activation, Affine, Conv, Dense, GraphLayer, LayerGraph, Op, Order, Pool, Window,
};

type Res<T> = nnitp_core::Result<T>;

/// A window's explicit padding for an input of `[h, w]`.
fn window(
    size: [usize; 2],
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: Padding,
    [h, w]: [usize; 2],
    ceil: bool,
) -> Window {
    let (top, bottom) = padding.pair(0, h, size[0], stride[0]);
    let (left, right) = padding.pair(1, w, size[1], stride[1]);
    Window {
        size,
        stride,
        dilation,
        pads: [top, left, bottom, right],
        ceil,
    }
}

fn conv(m: &Conv2d, input: [usize; 3], layer: usize, name: &str) -> Res<Op> {
    let [h, w, c] = input;
    let weight = m.weight.val();
    let dims = weight.dims();
    let win = window(
        m.kernel_size,
        m.stride,
        m.dilation,
        Padding::from(&m.padding),
        [h, w],
        false,
    );
    let bias = m.bias.as_ref().map(|b| values(b.val())).transpose()?;
    Conv::new(win, c, m.groups, &values(weight)?, dims, bias)
        .map(Op::Conv2d)
        .map_err(|e| e.at_layer(layer, name))
}

fn max_pool(m: &MaxPool2d, [h, w, _]: [usize; 3]) -> Op {
    Op::MaxPool2d(Pool {
        window: window(
            m.kernel_size,
            m.stride,
            m.dilation,
            Padding::from(&m.padding),
            [h, w],
            m.ceil_mode,
        ),
        count_padding: false,
    })
}

fn batch_norm(m: &BatchNorm) -> Res<Op> {
    Ok(Op::BatchNorm(Affine::batch_norm(
        &values(m.gamma.val())?,
        &values(m.beta.val())?,
        &values(m.running_mean.value())?,
        &values(m.running_var.value())?,
        m.epsilon as f32,
    )))
}

fn dense(m: &Linear, softmax: bool) -> Res<Op> {
    let [inputs, units] = m.weight.val().dims();
    let bias = match &m.bias {
        Some(b) => values(b.val())?,
        None => vec![0.0; units],
    };
    Ok(Op::Dense(Dense {
        inputs,
        units,
        weight: values(m.weight.val())?,
        bias,
        softmax,
    }))
}

impl Sequential {
    /// The model as a [`LayerGraph`], its weights read once: kernels packed
    /// for the matrix products, batch norm folded into a scale and shift.
    /// Its layers, numbering, names and fingerprint are the model's.
    ///
    /// # Errors
    /// [`NetworkError`](nnitp_core::error::NetworkError) when a weight cannot
    /// be read or does not fit its layer.
    pub fn to_graph(&self) -> Res<LayerGraph> {
        let arch = self.architecture();
        let geometry = nnitp_core::Network::geometry(self);
        let mut layers = Vec::with_capacity(arch.layers.len());
        for (i, layer) in self.layers().iter().enumerate() {
            let inputs = arch.inputs_of(i);
            let shape = geometry.shape(inputs[0])?;
            let input = match shape[..] {
                [h, w, c] => [h, w, c],
                _ => [1, 1, shape.iter().product()],
            };
            let softmax = matches!(arch.layers[i], LayerSpec::Dense { softmax: true, .. });
            let op = match layer {
                Layer::Conv2d(m) => conv(m, input, i, &geometry.name(i))?,
                Layer::Elu(m) => Op::Activation(Activation::Elu(m.alpha as f32)),
                Layer::Relu(_) => Op::Activation(Activation::Relu),
                Layer::BatchNorm(m) => batch_norm(m)?,
                Layer::MaxPool2d(m) => max_pool(m, input),
                Layer::Dropout(_) => Op::Identity,
                Layer::Flatten(_) => Op::Flatten(Order::ChannelsLast),
                Layer::Sum(_) => Op::Add,
                Layer::GlobalAvgPool(_) => Op::GlobalAvgPool,
                Layer::Dense(m) => dense(m, softmax)?,
            };
            layers.push(GraphLayer {
                name: geometry.name(i),
                alias: None,
                op,
                inputs,
            });
        }
        let input = match geometry.shape(Place::Input)? {
            &[h, w, c] => [h, w, c],
            other => {
                return Err(GeometryError::BadGeometry {
                    layer: 0,
                    name: geometry.name(0),
                    reason: format!("the host runs images [H, W, C], not an input of {other:?}"),
                }
                .into())
            }
        };
        let graph = LayerGraph::new(input, layers)?;
        Ok(match nnitp_core::Network::fingerprint(self) {
            Some(d) => graph.with_fingerprint(d),
            None => graph,
        })
    }
}
