//! Collects the outputs of the layers asked for during one forward pass.

use burn::tensor::Tensor;

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

/// The outputs of one forward pass's wanted layers.
/// [`Network::forward_layers`](super::Network::forward_layers) passes each
/// layer's output through [`Taps::tap`].
#[derive(Debug)]
pub struct Taps {
    wanted: Vec<usize>,
    outputs: Vec<Option<LayerOutput>>,
    repeated: Vec<usize>,
    missing: usize,
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
        }
    }

    /// Whether `layer`'s output is wanted.
    pub fn wants(&self, layer: usize) -> bool {
        self.wanted.binary_search(&layer).is_ok()
    }

    /// Records `output` as layer `layer`'s output when it is wanted, and hands
    /// it back for the rest of the forward pass.
    pub fn tap<T: Into<LayerOutput> + Clone>(&mut self, layer: usize, output: T) -> T {
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
