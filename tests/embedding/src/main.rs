//! A crate that embeds nnitp-core as README says: its own CNN, derived as a
//! burn `Module`, its geometry declared from the very burn configs it is built
//! from, explained on images of its own. It prints the explanation, and exits
//! with an error (status 1) if anything fails.

// `#[derive(Module)]` writes `burn::...` paths: the `burn` nnitp-core
// re-exports, at the crate root.
use nnitp_core::burn;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig2d, Relu};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor};
use nnitp_core::cone::{Geometry, LayerKind};
use nnitp_core::ndarray::Array4;
use nnitp_core::network::{Network, Taps};
use nnitp_core::rng::SplitMix64;
use nnitp_core::{Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};

/// conv 3x3 (4 filters), ReLU, 2x2 max pool, flatten, dense (3 classes).
#[derive(Module, Debug)]
struct SmallCnn {
    conv: Conv2d,
    pool: MaxPool2d,
    fc: Linear,
    #[module(skip)]
    geometry: Geometry,
}

impl SmallCnn {
    fn new(device: &Device) -> nnitp_core::Result<Self> {
        let mut g = Geometry::builder(&[8, 8, 1]);
        let conv = g.push(
            "conv",
            Conv2dConfig::new([1, 4], [3, 3]).with_padding(PaddingConfig2d::Same),
        )?;
        g.push("relu", Relu)?;
        let pool = g.push("pool", MaxPool2dConfig::new([2, 2]).with_strides([2, 2]))?;
        g.push("flatten", LayerKind::FlattenChannelsFirst)?;
        let fc = g.push("fc", LinearConfig::new(64, 3))?;
        Ok(SmallCnn {
            conv: conv.init(device),
            pool: pool.init(),
            fc: fc.init(device),
            geometry: g.build(),
        })
    }
}

impl Network for SmallCnn {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.conv.weight.device()
    }

    fn forward_layers(&self, x: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let x = taps.tap(0, self.conv.forward(x));
        let x = taps.tap(1, relu(x));
        let x = taps.tap(2, self.pool.forward(x));
        let [n, c, h, w] = x.dims();
        let x = taps.tap(3, x.reshape([n, c * h * w]));
        taps.tap(4, softmax(self.fc.forward(x), 1));
        Ok(())
    }
}

/// `n` random 8x8 grey images, `[N, H, W, C]`.
fn images(n: usize, seed: u64) -> Array4<f32> {
    let mut r = SplitMix64::new(seed);
    Array4::from_shape_simple_fn((n, 8, 8, 1), || r.normal())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex();
    // the weights' initialisation, so that every run explains the same network
    device.seed(7);
    let net = SmallCnn::new(&device)?;
    let config = ExplainerConfig::new(vec![1, 2]).with_size(400);
    let ex = Explainer::new(net, images(400, 1), images(200, 2), config)?;
    let class = ex.predictions(Split::Train)?[0];
    let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
    let e = ex.explain(Premise::train(0), &conclusion, 2)?;
    println!("{e}");
    if e.interpolant.bounds().is_empty() {
        return Err("the explanation has no conjunct to drill down into".into());
    }
    let drill = ex.explain(Premise::train(0), &e.conjunct(0)?, 1)?;
    println!("{drill}");
    Ok(())
}
