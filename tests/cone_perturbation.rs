//! Cones checked against real networks: change one input pixel, run the
//! network, and record which units of a later layer change. Every unit that
//! changes must lie in the cone (its input cone must hold the pixel), and the
//! cone should not be much larger than the set that changes (the ratio is
//! printed). On the zoo's sequential Fashion-MNIST model and on the residual
//! network of the `own_resnet` example (skip connections, a strided
//! projection, global average pooling).

#[path = "../examples/own_resnet/model.rs"]
mod model;
#[path = "../examples/own_model/training.rs"]
#[allow(dead_code)]
mod training;

use nnitp::burn::tensor::Device;
use nnitp::core::cone::Place;
use nnitp::core::network::{extract, Network};
use nnitp::core::progress::{Observer, Task};
use nnitp::core::{Unit, UnitBox};
use nnitp::models::data::embedded_fashion_mnist;
use nnitp::models::zoo::ModelKind;
use nnitp::ndarray::{concatenate, s, Axis};

/// For each layer in `layers`: the units changed by adding 1 to pixel
/// `(r, c)` of `image` (each must have the pixel in its cone), and the units
/// whose input cone holds the pixel; returns the ratio of the two summed over
/// the layers. A layer in `steps` (a comparison's 0 or 1) may change nothing.
fn check(
    net: &(impl Network + Sync),
    image: usize,
    (r, c): (usize, usize),
    layers: &[usize],
    steps: &[usize],
) -> f64 {
    let data = embedded_fashion_mnist().unwrap();
    let one = data
        .test
        .images
        .slice(s![image..image + 1, .., .., ..])
        .to_owned();
    let mut bumped = one.clone();
    bumped[[0, r, c, 0]] += 1.0;
    let both = concatenate(Axis(0), &[one.view(), bumped.view()]).unwrap();
    let outs = extract(
        net,
        both.view(),
        layers,
        2,
        &Observer::none(),
        Task::Running,
    )
    .unwrap();
    let g = net.geometry();
    let pixel = UnitBox::new([r..r + 1, c..c + 1, 0..1]);
    let (mut all_changed, mut all_in_cone) = (0usize, 0usize);
    for (&layer, out) in layers.iter().zip(&outs) {
        let shape = g.shape(Place::Layer(layer)).unwrap().to_vec();
        let (mut changed, mut in_cone) = (0usize, 0usize);
        for j in 0..out.ncols() {
            let unit = Unit::from_flat(j, &shape).unwrap();
            // a unit of a constant padding depends on no input pixel
            let cone = match g.cone(Place::Input, layer, &UnitBox::unit(&unit)) {
                Err(nnitp::core::cone::GeometryError::NoPath { .. }) => None,
                cone => Some(cone.unwrap()),
            };
            let reaches = cone.as_ref().is_some_and(|c| c.contains_box(&pixel));
            in_cone += usize::from(reaches);
            if (out[[0, j]] - out[[1, j]]).abs() > 1e-6 {
                changed += 1;
                assert!(
                    reaches,
                    "layer {layer}: unit {unit} changed but its cone {cone:?} misses pixel ({r}, {c})"
                );
            }
        }
        // below a global maximum that stays where it is, nothing changes
        let after_max = (0..=layer)
            .any(|l| matches!(g.kinds()[l], nnitp::core::cone::LayerKind::GlobalMaxPool));
        assert!(
            changed > 0 || after_max || steps.contains(&layer),
            "layer {layer}: nothing changed"
        );
        let ratio = in_cone as f64 / changed.max(1) as f64;
        eprintln!(
            "layer {layer} ({}): {changed} units changed, {in_cone} in the cone, ratio {ratio:.2}",
            g.name(layer)
        );
        all_changed += changed;
        all_in_cone += in_cone;
    }
    all_in_cone as f64 / all_changed.max(1) as f64
}

#[test]
fn the_zoo_models_cones_hold_every_changed_unit() {
    let net = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    for pixel in [(14, 14), (3, 20), (0, 0)] {
        let ratio = check(&net, 0, pixel, &[0, 3, 6, 10, 14], &[]);
        // the cone is a box over all channels: not much larger than what
        // changes (units a ReLU or a max pool leaves unchanged make the rest)
        assert!(ratio < 2.0, "{ratio}");
    }
}

#[test]
fn the_zoo_resnets_cones_hold_every_changed_unit() {
    // the architecture's cones do not depend on trained weights
    let net = ModelKind::FashionMnistResnet.init(&Device::flex()).unwrap();
    for pixel in [(14, 14), (1, 26)] {
        let ratio = check(&net, 5, pixel, &[2, 8, 9, 16, 22, 24, 32, 40, 48, 49], &[]);
        assert!(ratio < 2.0, "{ratio}");
    }
}

#[test]
fn a_residual_networks_cones_hold_every_changed_unit() {
    let net = model::SmallResNet::new(&Device::flex()).unwrap();
    for pixel in [(14, 14), (2, 25), (27, 0)] {
        let ratio = check(&net, 3, pixel, &[2, 6, 8, 9, 13, 15, 17, 18, 19], &[]);
        assert!(ratio < 2.0, "{ratio}");
    }
}

/// The PyTorch exports of `nnitp-models/tests/fixtures/onnx` (both
/// exporters): every layer's cone holds what a changed pixel changes.
#[cfg(feature = "onnx")]
#[test]
fn imported_onnx_models_cones_hold_every_changed_unit() {
    use nnitp::models::graph::{Activation, Op};
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("nnitp-models/tests/fixtures/onnx");
    let pytorch = [
        "cnn",
        "resnet",
        "depthwise",
        "gates",
        "mixing",
        "convnext",
        "shuffle",
        "attention",
    ]
    .into_iter()
    .flat_map(|m| ["torchscript", "dynamo"].map(|e| format!("{m}.{e}")));
    // Keras (tf2onnx) and JAX (jax2onnx) exports: channels-last inputs
    let others = ["keras_cnn", "flax_cnn"].map(String::from);
    for model in pytorch.chain(others) {
        let net = nnitp::models::onnx::read(dir.join(format!("{model}.onnx"))).unwrap();
        let layers: Vec<usize> = (0..net.layers().len()).collect();
        let steps: Vec<usize> = layers
            .iter()
            .copied()
            .filter(|&l| {
                matches!(
                    net.layers()[l].op,
                    Op::Activation(Activation::Above(_) | Activation::Below(_))
                )
            })
            .collect();
        // pixels that every model reads (a stride-2 stem without padding
        // never reads the last column)
        for pixel in [(14, 14), (1, 25), (26, 3)] {
            let ratio = check(&net, 1, pixel, &layers, &steps);
            // a global max pool changes only its maxima, and a gate over the
            // whole map moves every unit a little, so the ratio runs higher
            assert!(ratio < 4.0, "{model}: {ratio}");
        }
    }
}
