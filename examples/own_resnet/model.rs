//! A small residual network written the way any burn user writes one, with
//! its architecture, skip connections included, declared once: every layer's
//! burn config goes through `Geometry::builder` (`push` for a layer on the one
//! before, `push_from` for a layer on other layers: the residual sums and the
//! projection on the skip path), which checks it and hands it back.
//!
//! Layers (the numbers explanations use):
//!
//! | #  | name     | input(s)  | output   |
//! |----|----------|-----------|----------|
//! | 0  | stem     | image     | 28x28x8  |
//! | 1  | stem_relu| 0         | 28x28x8  |
//! | 2  | b1_conv1 | 1         | 28x28x8  |
//! | 3  | b1_relu1 | 2         | 28x28x8  |
//! | 4  | b1_conv2 | 3         | 28x28x8  |
//! | 5  | b1_add   | 4 + 1     | 28x28x8  |
//! | 6  | b1_relu  | 5         | 28x28x8  |
//! | 7  | b2_conv1 | 6 (stride 2) | 14x14x16 |
//! | 8  | b2_relu1 | 7         | 14x14x16 |
//! | 9  | b2_conv2 | 8         | 14x14x16 |
//! | 10 | b2_proj  | 6 (1x1, stride 2) | 14x14x16 |
//! | 11 | b2_add   | 9 + 10    | 14x14x16 |
//! | 12 | b2_relu  | 11        | 14x14x16 |
//! | 13 | gap      | 12        | 16       |
//! | 14 | fc       | 13        | 10 (softmax) |

use nnitp::burn::module::Module;
use nnitp::burn::nn::conv::{Conv2d, Conv2dConfig};
use nnitp::burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use nnitp::burn::tensor::activation::{relu, softmax};
use nnitp::burn::tensor::{Device, Tensor};
use nnitp::core::cone::{Geometry, LayerKind, Place};
use nnitp::core::digest::Digest;
use nnitp::core::network::{module_digest, Network, Taps};

/// A stem and two residual blocks (the second downsampling, with a 1x1
/// projection on its skip path), global average pooling, dense.
#[derive(Module, Debug)]
pub struct SmallResNet {
    stem: Conv2d,
    b1_conv1: Conv2d,
    b1_conv2: Conv2d,
    b2_conv1: Conv2d,
    b2_conv2: Conv2d,
    b2_proj: Conv2d,
    fc: Linear,
    #[module(skip)]
    geometry: Geometry,
}

fn conv3(channels: [usize; 2]) -> Conv2dConfig {
    Conv2dConfig::new(channels, [3, 3]).with_padding(PaddingConfig2d::Same)
}

impl SmallResNet {
    /// A freshly initialised model for 28x28 grey images and 10 classes.
    ///
    /// # Errors
    /// When a layer's config does not fit its inputs (never, for these values).
    pub fn new(device: &Device) -> nnitp::core::Result<Self> {
        let mut g = Geometry::builder(&[28, 28, 1]);
        let stem = g.push("stem", conv3([1, 8]))?; // 0
        g.push("stem_relu", Relu::new())?; // 1
        let b1_conv1 = g.push("b1_conv1", conv3([8, 8]))?; // 2
        g.push("b1_relu1", Relu::new())?; // 3
        let b1_conv2 = g.push("b1_conv2", conv3([8, 8]))?; // 4
        g.push_from(
            "b1_add",
            LayerKind::Add,
            &[Place::Layer(4), Place::Layer(1)],
        )?; // 5
        g.push("b1_relu", Relu::new())?; // 6
        let b2_conv1 = g.push(
            "b2_conv1",
            Conv2dConfig::new([8, 16], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        )?; // 7
        g.push("b2_relu1", Relu::new())?; // 8
        let b2_conv2 = g.push("b2_conv2", conv3([16, 16]))?; // 9
        let b2_proj = g.push_from(
            "b2_proj",
            Conv2dConfig::new([8, 16], [1, 1]).with_stride([2, 2]),
            &[Place::Layer(6)],
        )?; // 10
        g.push_from(
            "b2_add",
            LayerKind::Add,
            &[Place::Layer(9), Place::Layer(10)],
        )?; // 11
        g.push("b2_relu", Relu::new())?; // 12
        g.push("gap", LayerKind::GlobalAvgPool)?; // 13
        let fc = g.push("fc", LinearConfig::new(16, 10))?; // 14
        Ok(SmallResNet {
            stem: stem.init(device),
            b1_conv1: b1_conv1.init(device),
            b1_conv2: b1_conv2.init(device),
            b2_conv1: b2_conv1.init(device),
            b2_conv2: b2_conv2.init(device),
            b2_proj: b2_proj.init(device),
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
        let x = taps.tap(0, self.stem.forward(images));
        let skip = taps.tap(1, relu(x));
        let x = taps.tap(2, self.b1_conv1.forward(skip.clone()));
        let x = taps.tap(3, relu(x));
        let x = taps.tap(4, self.b1_conv2.forward(x));
        let x = taps.tap(5, x + skip);
        let skip = taps.tap(6, relu(x));
        let x = taps.tap(7, self.b2_conv1.forward(skip.clone()));
        let x = taps.tap(8, relu(x));
        let x = taps.tap(9, self.b2_conv2.forward(x));
        let projected = taps.tap(10, self.b2_proj.forward(skip));
        let x = taps.tap(11, x + projected);
        let x = taps.tap(12, relu(x));
        let [n, c, _, _] = x.dims();
        let x = taps.tap(13, x.mean_dims(&[2, 3]).reshape([n, c]));
        let logits = self.fc.forward(x);
        if taps.wants(14) {
            taps.tap(14, softmax(logits.clone(), 1));
        }
        logits
    }
}

impl super::training::Classifier for SmallResNet {
    fn logits(&self, images: Tensor<4>) -> Tensor<2> {
        self.run(images, &mut Taps::new(&[]))
    }
}

impl Network for SmallResNet {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.stem.weight.device()
    }

    fn fingerprint(&self) -> Option<Digest> {
        module_digest(self)
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp::core::Result<()> {
        self.run(images, taps);
        Ok(())
    }
}
