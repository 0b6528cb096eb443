//! Collects the outputs of the layers asked for during one forward pass,
//! and hands a layer's replacement values to a pass that intervenes on it.

use burn::tensor::{Tensor, TensorData};

/// One layer's output: a burn tensor in burn's layout, or values a network
/// computed on the host itself, channels last.
#[derive(Clone, Debug)]
pub enum LayerOutput {
    /// A feature map, `[N, C, H, W]`.
    Map(Tensor<4>),
    /// A flat layer, `[N, units]`.
    Flat(Tensor<2>),
    /// Values on the host in C order over `shape`: `[N, H, W, C]` for a
    /// feature map (channels last), `[N, units]` for a flat layer.
    Host {
        /// The values.
        values: Vec<f32>,
        /// Their shape.
        shape: Vec<usize>,
    },
}

impl From<Tensor<4>> for LayerOutput {
    fn from(t: Tensor<4>) -> Self {
        LayerOutput::Map(t)
    }
}

impl From<Tensor<2>> for LayerOutput {
    fn from(t: Tensor<2>) -> Self {
        LayerOutput::Flat(t)
    }
}

impl LayerOutput {
    /// The shape per sample (without the batch dimension), burn's layout
    /// (`[C, H, W]` for a feature map).
    pub fn sample_shape(&self) -> Vec<usize> {
        match self {
            LayerOutput::Map(t) => t.dims()[1..].to_vec(),
            LayerOutput::Flat(t) => t.dims()[1..].to_vec(),
            LayerOutput::Host { shape, .. } => match shape[..] {
                [_, h, w, c] => vec![c, h, w],
                _ => shape.get(1..).unwrap_or_default().to_vec(),
            },
        }
    }

    /// The batch size.
    pub fn batch(&self) -> usize {
        match self {
            LayerOutput::Map(t) => t.dims()[0],
            LayerOutput::Flat(t) => t.dims()[0],
            LayerOutput::Host { shape, .. } => shape.first().copied().unwrap_or(0),
        }
    }

    /// Whether this is a feature map (rather than a flat layer).
    pub fn is_map(&self) -> bool {
        match self {
            LayerOutput::Map(_) => true,
            LayerOutput::Flat(_) => false,
            LayerOutput::Host { shape, .. } => shape.len() == 4,
        }
    }
}

/// A layer output [`Taps::tap`] takes: a burn tensor that can be rebuilt,
/// on its own device, from channels-last values (a layer's replacement).
pub trait TapValue: Into<LayerOutput> + Clone {
    /// A tensor like `like` (its device and layout) holding `values`, in C
    /// order over `shape` channels last (`[N, H, W, C]` or `[N, units]`);
    /// `None` when `shape` does not fit `like`.
    fn from_channels_last(like: &Self, values: &[f32], shape: &[usize]) -> Option<Self>;
}

impl TapValue for Tensor<4> {
    fn from_channels_last(like: &Self, values: &[f32], shape: &[usize]) -> Option<Self> {
        let [n, c, h, w] = like.dims();
        if shape != [n, h, w, c] || values.len() != n * h * w * c {
            return None;
        }
        let data = TensorData::new(values.to_vec(), [n, h, w, c]);
        Some(Tensor::<4>::from_data(data, &like.device()).permute([0, 3, 1, 2]))
    }
}

impl TapValue for Tensor<2> {
    fn from_channels_last(like: &Self, values: &[f32], shape: &[usize]) -> Option<Self> {
        let [n, u] = like.dims();
        if shape != [n, u] || values.len() != n * u {
            return None;
        }
        let data = TensorData::new(values.to_vec(), [n, u]);
        Some(Tensor::<2>::from_data(data, &like.device()))
    }
}

/// Values that take the place of one layer's output in a forward pass.
#[derive(Debug)]
struct Replacement {
    layer: usize,
    values: Vec<f32>,
    /// Channels last, with the batch: `[N, H, W, C]` or `[N, units]`.
    shape: Vec<usize>,
    /// Whether the pass took them.
    taken: bool,
    /// Whether the pass offered an output they did not fit.
    misfit: bool,
}

/// The outputs of one forward pass's wanted layers, and the values that
/// replace one layer's output in a pass that intervenes on it.
/// [`Network::forward_layers`](super::Network::forward_layers) passes each
/// layer's output through [`Taps::tap`] (and goes on with what it hands back).
#[derive(Debug)]
pub struct Taps {
    wanted: Vec<usize>,
    outputs: Vec<Option<LayerOutput>>,
    repeated: Vec<usize>,
    missing: usize,
    replacement: Option<Replacement>,
}

impl Taps {
    /// Wants the outputs of `layers`.
    pub fn new(layers: &[usize]) -> Self {
        let mut wanted = layers.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        Taps {
            missing: wanted.len(),
            outputs: vec![None; wanted.len()],
            wanted,
            repeated: Vec::new(),
            replacement: None,
        }
    }

    /// Replaces layer `layer`'s output by `values` (C order over `shape`,
    /// channels last with the batch: `[N, H, W, C]` or `[N, units]`): the
    /// pass goes on from them, as if the layer had computed them. Only a
    /// network whose [`Network::interventions`](super::Network::interventions)
    /// is `true` honours it.
    pub fn replacing(mut self, layer: usize, values: Vec<f32>, shape: Vec<usize>) -> Self {
        self.replacement = Some(Replacement {
            layer,
            values,
            shape,
            taken: false,
            misfit: false,
        });
        self
    }

    /// The layer whose output is replaced, if any.
    pub fn replaced_layer(&self) -> Option<usize> {
        self.replacement.as_ref().map(|r| r.layer)
    }

    /// For a network on the host: the values replacing `layer`'s output
    /// (channels last, with their shape), marked as taken; `None` when the
    /// layer is not replaced. The network then goes on from them and hands
    /// them to [`Taps::keep`] if the layer is wanted.
    pub fn replacement(&mut self, layer: usize) -> Option<(&[f32], &[usize])> {
        match &mut self.replacement {
            Some(r) if r.layer == layer => {
                r.taken = true;
                Some((&r.values, &r.shape))
            }
            _ => None,
        }
    }

    /// Whether the replacement was taken, or offered a layer output it does
    /// not fit: `(taken, misfit)`.
    pub(crate) fn replacement_state(&self) -> Option<(usize, bool, bool)> {
        self.replacement
            .as_ref()
            .map(|r| (r.layer, r.taken, r.misfit))
    }

    /// Whether `layer`'s output is wanted.
    pub fn wants(&self, layer: usize) -> bool {
        self.wanted.binary_search(&layer).is_ok()
    }

    /// Records `output` as layer `layer`'s output when it is wanted, and hands
    /// it back for the rest of the forward pass; when the layer's output is
    /// replaced ([`Taps::replacing`]), records and hands back the replacement
    /// instead.
    pub fn tap<T: TapValue>(&mut self, layer: usize, output: T) -> T {
        let output = match &mut self.replacement {
            Some(r) if r.layer == layer => {
                match T::from_channels_last(&output, &r.values, &r.shape) {
                    Some(replaced) => {
                        r.taken = true;
                        replaced
                    }
                    None => {
                        r.misfit = true;
                        output
                    }
                }
            }
            _ => output,
        };
        if let Ok(i) = self.wanted.binary_search(&layer) {
            if self.outputs[i].is_some() {
                self.repeated.push(layer);
            } else {
                self.missing -= 1;
            }
            self.outputs[i] = Some(output.clone().into());
        }
        output
    }

    /// Records `output` as layer `layer`'s output when it is wanted, without
    /// handing it back (no copy is made).
    pub fn keep(&mut self, layer: usize, output: impl Into<LayerOutput>) {
        if let Ok(i) = self.wanted.binary_search(&layer) {
            if self.outputs[i].is_some() {
                self.repeated.push(layer);
            } else {
                self.missing -= 1;
            }
            self.outputs[i] = Some(output.into());
        }
    }

    /// Whether every wanted layer has its output (the pass may stop).
    pub fn done(&self) -> bool {
        self.missing == 0
    }

    /// The highest wanted layer handed over so far, and the lowest wanted one
    /// above it not yet handed over (where the pass stopped).
    pub(crate) fn stopped_at(&self) -> (Option<usize>, Option<usize>) {
        let last = self
            .wanted
            .iter()
            .zip(&self.outputs)
            .filter(|(_, o)| o.is_some())
            .map(|(&l, _)| l)
            .max();
        let next = self
            .wanted
            .iter()
            .zip(&self.outputs)
            .find(|(&l, o)| o.is_none() && last.is_none_or(|last| l > last))
            .map(|(&l, _)| l);
        (last, next)
    }

    /// The wanted layers, ascending, with their outputs (`None`: never tapped).
    pub(crate) fn into_outputs(self) -> (Vec<(usize, Option<LayerOutput>)>, Vec<usize>) {
        (
            self.wanted.into_iter().zip(self.outputs).collect(),
            self.repeated,
        )
    }
}
