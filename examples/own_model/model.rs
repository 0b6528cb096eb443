//! A small burn CNN written the way any burn user writes one, with its
//! architecture declared once: every layer's burn config goes through
//! `Geometry::builder`, which checks it and hands it back to be initialised.
//!
//! Layers (the numbers explanations use):
//!
//! | # | name    | output     |
//! |---|---------|------------|
//! | 0 | conv1   | 28x28x8    |
//! | 1 | relu1   | 28x28x8    |
//! | 2 | pool1   | 14x14x8    |
//! | 3 | conv2   | 14x14x16   |
//! | 4 | relu2   | 14x14x16   |
//! | 5 | pool2   | 7x7x16     |
//! | 6 | flatten | 784        |
//! | 7 | fc      | 10 (softmax) |

use nnitp::burn::module::Module;
use nnitp::burn::nn::conv::{Conv2d, Conv2dConfig};
use nnitp::burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use nnitp::burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use nnitp::burn::tensor::activation::{relu, softmax};
use nnitp::burn::tensor::{Device, Tensor};
use nnitp::core::cone::{Geometry, LayerKind};
use nnitp::core::digest::Digest;
use nnitp::core::network::{module_digest, Network, Taps};

/// conv, ReLU, max pool, conv, ReLU, max pool, flatten, dense.
#[derive(Module, Debug)]
pub struct SmallCnn {
    conv1: Conv2d,
    pool: MaxPool2d,
    conv2: Conv2d,
    fc: Linear,
    #[module(skip)]
    geometry: Geometry,
}

impl SmallCnn {
    /// A freshly initialised model for 28x28 grey images and 10 classes.
    ///
    /// # Errors
    /// When a layer's config does not fit the layer before it (never, for
    /// these values).
    pub fn new(device: &Device) -> nnitp::core::Result<Self> {
        let mut g = Geometry::builder(&[28, 28, 1]);
        let conv1 = g.push(
            "conv1",
            Conv2dConfig::new([1, 8], [3, 3]).with_padding(PaddingConfig2d::Same),
        )?;
        g.push("relu1", Relu::new())?;
        let pool = g.push("pool1", MaxPool2dConfig::new([2, 2]).with_strides([2, 2]))?;
        let conv2 = g.push(
            "conv2",
            Conv2dConfig::new([8, 16], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        )?;
        g.push("relu2", Relu::new())?;
        g.push("pool2", pool.clone())?;
        g.push("flatten", LayerKind::FlattenChannelsFirst)?;
        let fc = g.push("fc", LinearConfig::new(7 * 7 * 16, 10))?;
        Ok(SmallCnn {
            conv1: conv1.init(device),
            pool: pool.init(),
            conv2: conv2.init(device),
            fc: fc.init(device),
            geometry: g.build(),
        })
    }

    /// The forward pass, handing each layer's output to `taps`; returns the logits.
    ///
    /// # Shapes
    /// - `images`: `[N, 1, 28, 28]`
    /// - output: `[N, 10]`
    fn run(&self, images: Tensor<4>, taps: &mut Taps) -> Tensor<2> {
        let x = taps.tap(0, self.conv1.forward(images));
        let x = taps.tap(1, relu(x));
        let x = taps.tap(2, self.pool.forward(x));
        let x = taps.tap(3, self.conv2.forward(x));
        let x = taps.tap(4, relu(x));
        let x = taps.tap(5, self.pool.forward(x));
        let [n, c, h, w] = x.dims();
        let x = taps.tap(6, x.reshape([n, c * h * w]));
        let logits = self.fc.forward(x);
        if taps.wants(7) {
            taps.tap(7, softmax(logits.clone(), 1));
        }
        logits
    }
}

impl super::training::Classifier for SmallCnn {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.run(images, &mut Taps::new(&[]))
    }
}

impl Network for SmallCnn {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.conv1.weight.device()
    }

    fn fingerprint(&self) -> Option<Digest> {
        module_digest(self)
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp::core::Result<()> {
        self.run(images, taps);
        Ok(())
    }

    // every layer goes on from what `taps.tap` hands back, so an
    // intervention on a layer's units runs through the rest (faithfulness)
    fn interventions(&self) -> bool {
        true
    }
}
