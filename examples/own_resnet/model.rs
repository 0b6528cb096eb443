//! A small residual network written the way any burn user writes one, with
//! its architecture, skip connections included, declared once: every layer's
//! burn config goes through `Geometry::builder` (`push` for a layer on the one
//! before, `push_from` for a layer on other layers: the residual sums and the
//! projection on the skip path), which checks it and hands it back.
//!
//! Layers (the numbers explanations use):
//!
//! | #  | name       | input(s)          | output       |
//! |----|------------|-------------------|--------------|
//! | 0  | stem       | image             | 28x28x8      |
//! | 1  | stem_bn    | 0                 | 28x28x8      |
//! | 2  | stem_relu  | 1                 | 28x28x8      |
//! | 3  | b1_conv1   | 2                 | 28x28x8      |
//! | 4  | b1_bn1     | 3                 | 28x28x8      |
//! | 5  | b1_relu1   | 4                 | 28x28x8      |
//! | 6  | b1_conv2   | 5                 | 28x28x8      |
//! | 7  | b1_bn2     | 6                 | 28x28x8      |
//! | 8  | b1_add     | 7 + 2             | 28x28x8      |
//! | 9  | b1_relu    | 8                 | 28x28x8      |
//! | 10 | b2_conv1   | 9 (stride 2)      | 14x14x16     |
//! | 11 | b2_bn1     | 10                | 14x14x16     |
//! | 12 | b2_relu1   | 11                | 14x14x16     |
//! | 13 | b2_conv2   | 12                | 14x14x16     |
//! | 14 | b2_bn2     | 13                | 14x14x16     |
//! | 15 | b2_proj    | 9 (1x1, stride 2) | 14x14x16     |
//! | 16 | b2_proj_bn | 15                | 14x14x16     |
//! | 17 | b2_add     | 14 + 16           | 14x14x16     |
//! | 18 | b2_relu    | 17                | 14x14x16     |
//! | 19 | gap        | 18                | 16           |
//! | 20 | fc         | 19                | 10 (softmax) |

use nnitp::burn::module::Module;
use nnitp::burn::nn::conv::{Conv2d, Conv2dConfig};
use nnitp::burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d, Relu};
use nnitp::burn::tensor::activation::{relu, softmax};
use nnitp::burn::tensor::{Device, Tensor};
use nnitp::core::cone::{Geometry, LayerKind, Place};
use nnitp::core::digest::Digest;
use nnitp::core::network::{module_digest, Network, Taps};

/// A stem and two residual blocks (the second downsampling, with a 1x1
/// projection on its skip path), each convolution followed by batch norm,
/// global average pooling, dense.
#[derive(Module, Debug)]
pub struct SmallResNet {
    stem: Conv2d,
    stem_bn: BatchNorm,
    b1_conv1: Conv2d,
    b1_bn1: BatchNorm,
    b1_conv2: Conv2d,
    b1_bn2: BatchNorm,
    b2_conv1: Conv2d,
    b2_bn1: BatchNorm,
    b2_conv2: Conv2d,
    b2_bn2: BatchNorm,
    b2_proj: Conv2d,
    b2_proj_bn: BatchNorm,
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
        let bn = |c| BatchNormConfig::new(c);
        let stem = g.push("stem", conv3([1, 8]))?; // 0
        let stem_bn = g.push("stem_bn", bn(8))?; // 1
        g.push("stem_relu", Relu::new())?; // 2
        let b1_conv1 = g.push("b1_conv1", conv3([8, 8]))?; // 3
        let b1_bn1 = g.push("b1_bn1", bn(8))?; // 4
        g.push("b1_relu1", Relu::new())?; // 5
        let b1_conv2 = g.push("b1_conv2", conv3([8, 8]))?; // 6
        let b1_bn2 = g.push("b1_bn2", bn(8))?; // 7
        g.push_from(
            "b1_add",
            LayerKind::Add,
            &[Place::Layer(7), Place::Layer(2)],
        )?; // 8
        g.push("b1_relu", Relu::new())?; // 9
        let b2_conv1 = g.push(
            "b2_conv1",
            Conv2dConfig::new([8, 16], [3, 3])
                .with_stride([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        )?; // 10
        let b2_bn1 = g.push("b2_bn1", bn(16))?; // 11
        g.push("b2_relu1", Relu::new())?; // 12
        let b2_conv2 = g.push("b2_conv2", conv3([16, 16]))?; // 13
        let b2_bn2 = g.push("b2_bn2", bn(16))?; // 14
        let b2_proj = g.push_from(
            "b2_proj",
            Conv2dConfig::new([8, 16], [1, 1]).with_stride([2, 2]),
            &[Place::Layer(9)],
        )?; // 15
        let b2_proj_bn = g.push("b2_proj_bn", bn(16))?; // 16
        g.push_from(
            "b2_add",
            LayerKind::Add,
            &[Place::Layer(14), Place::Layer(16)],
        )?; // 17
        g.push("b2_relu", Relu::new())?; // 18
        g.push("gap", LayerKind::GlobalAvgPool)?; // 19
        let fc = g.push("fc", LinearConfig::new(16, 10))?; // 20
        Ok(SmallResNet {
            stem: stem.init(device),
            stem_bn: stem_bn.init(device),
            b1_conv1: b1_conv1.init(device),
            b1_bn1: b1_bn1.init(device),
            b1_conv2: b1_conv2.init(device),
            b1_bn2: b1_bn2.init(device),
            b2_conv1: b2_conv1.init(device),
            b2_bn1: b2_bn1.init(device),
            b2_conv2: b2_conv2.init(device),
            b2_bn2: b2_bn2.init(device),
            b2_proj: b2_proj.init(device),
            b2_proj_bn: b2_proj_bn.init(device),
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
        let x = taps.tap(1, self.stem_bn.forward(x));
        let skip = taps.tap(2, relu(x));
        let x = taps.tap(3, self.b1_conv1.forward(skip.clone()));
        let x = taps.tap(4, self.b1_bn1.forward(x));
        let x = taps.tap(5, relu(x));
        let x = taps.tap(6, self.b1_conv2.forward(x));
        let x = taps.tap(7, self.b1_bn2.forward(x));
        let x = taps.tap(8, x + skip);
        let skip = taps.tap(9, relu(x));
        let x = taps.tap(10, self.b2_conv1.forward(skip.clone()));
        let x = taps.tap(11, self.b2_bn1.forward(x));
        let x = taps.tap(12, relu(x));
        let x = taps.tap(13, self.b2_conv2.forward(x));
        let x = taps.tap(14, self.b2_bn2.forward(x));
        let projected = taps.tap(15, self.b2_proj.forward(skip));
        let projected = taps.tap(16, self.b2_proj_bn.forward(projected));
        let x = taps.tap(17, x + projected);
        let x = taps.tap(18, relu(x));
        let [n, c, _, _] = x.dims();
        let x = taps.tap(19, x.mean_dims(&[2, 3]).reshape([n, c]));
        let logits = self.fc.forward(x);
        if taps.wants(20) {
            taps.tap(20, softmax(logits.clone(), 1));
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

    // every layer goes on from what `taps.tap` hands back, so an
    // intervention on a layer's units runs through the rest (faithfulness)
    fn interventions(&self) -> bool {
        true
    }
}
