//! The burn adapter checks a user's network when an explainer is built: each
//! layer's output shape against the declared geometry, the layout of feature
//! maps, the order of flatten layers, and that every layer is handed over
//! once. The network here is written by hand, as a user would, not the zoo.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::Array4;
use nnitp_core::cone::{Geometry, LayerKind, Padding};
use nnitp_core::network::{Network, Taps};
use nnitp_core::{
    Error, Explainer, ExplainerConfig, LayerPredicate, NetworkSource, Predicate, Premise,
    SearchParams, Split,
};

/// How the probe network misbehaves.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Correct,
    /// Hands the convolution's output over flattened, channels first.
    FlatMaps,
    /// Never hands over layer 1.
    SkipsLayer,
    /// Hands over layer 1 twice.
    TapsTwice,
}

/// conv 2->3 (3x3, valid), ReLU, flatten (channels first), dense 48->2, on 6x6x2.
#[derive(Module, Debug)]
struct Probe {
    conv: Conv2d,
    fc: Linear,
    #[module(skip)]
    geometry: Geometry,
    #[module(skip)]
    mode: Mode,
}

impl Probe {
    /// The probe with its geometry declared from its configs.
    fn new(mode: Mode, device: &Device) -> Probe {
        let mut g = Geometry::builder(&[6, 6, 2]);
        let conv = g.push("conv", Conv2dConfig::new([2, 3], [3, 3])).unwrap();
        g.push("relu", Relu::new()).unwrap();
        g.push("flatten", LayerKind::FlattenChannelsFirst).unwrap();
        let fc = g.push("fc", LinearConfig::new(48, 2)).unwrap();
        // fixed weights, and a positive bias so that the ReLU passes values
        // that tell the two flatten orders apart
        let mut conv = conv.init(device);
        let mut r = nnitp_core::rng::SplitMix64::new(11);
        let w: Vec<f32> = (0..3 * 2 * 3 * 3).map(|_| r.normal()).collect();
        conv.weight =
            Param::from_tensor(Tensor::from_data(TensorData::new(w, [3, 2, 3, 3]), device));
        conv.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![2.0f32, 2.5, 3.0], [3]),
            device,
        )));
        Probe {
            conv,
            fc: fc.init(device),
            geometry: g.build(),
            mode,
        }
    }

    /// The same network with a hand-written geometry.
    fn declared(mut self, geometry: Geometry) -> Probe {
        self.geometry = geometry;
        self
    }
}

impl Network for Probe {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.conv.weight.device()
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let x = self.conv.forward(images);
        let [n, c, h, w] = x.dims();
        match self.mode {
            Mode::FlatMaps => {
                taps.tap(0, x.clone().reshape([n, c * h * w]));
            }
            _ => {
                taps.tap(0, x.clone());
            }
        }
        let x = relu(x);
        match self.mode {
            Mode::SkipsLayer => {}
            Mode::TapsTwice => {
                taps.tap(1, x.clone());
                taps.tap(1, x.clone());
            }
            _ => {
                taps.tap(1, x.clone());
            }
        }
        let x = taps.tap(2, x.reshape([n, c * h * w]));
        taps.tap(3, self.fc.forward(x));
        Ok(())
    }
}

/// Deterministic images in [0, 1).
fn images(n: usize, seed: u64) -> Array4<f32> {
    let mut r = nnitp_core::rng::SplitMix64::new(seed);
    Array4::from_shape_simple_fn((n, 6, 6, 2), || r.uniform() as f32)
}

fn build(net: Probe) -> nnitp_core::Result<Explainer<NetworkSource<Probe>>> {
    let config = ExplainerConfig::new(vec![0, 1])
        .with_params(SearchParams::default().with_alpha(0.8))
        .with_batch_size(16);
    Explainer::new(net, images(60, 1), images(30, 2), config)
}

#[test]
fn a_correct_network_is_flattened_channels_last() {
    let device = Device::flex();
    let ex = build(Probe::new(Mode::Correct, &device)).unwrap();
    let acts = ex.activations(Split::Train, 0).unwrap().view().to_owned();
    // burn's own NCHW output, read as v(r, c, k) = column (r*4 + c)*3 + k
    let x = images(60, 1);
    let nchw: Vec<f32> = x
        .view()
        .permuted_axes([0, 3, 1, 2])
        .iter()
        .copied()
        .collect();
    let t = Tensor::<4>::from_data(TensorData::new(nchw, [60, 2, 6, 6]), &device);
    let out = ex
        .network()
        .conv
        .forward(t)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    for n in [0, 17, 59] {
        for (r, c, k) in [(0, 0, 0), (1, 3, 2), (3, 2, 1)] {
            let burn = out[((n * 3 + k) * 4 + r) * 4 + c];
            let ours = acts[[n, (r * 4 + c) * 3 + k]];
            assert!((burn - ours).abs() < 1e-6, "v({r},{c},{k}) of image {n}");
        }
    }
}

#[test]
fn a_wrong_declared_geometry_is_reported_with_the_layer() {
    let device = Device::flex();
    // the convolution declared `same` though the model's is `valid`
    let wrong = Geometry::new(
        &[6, 6, 2],
        vec![
            LayerKind::conv2d(3, 3, Padding::Same),
            LayerKind::Activation,
            LayerKind::FlattenChannelsFirst,
            LayerKind::Dense { units: 2 },
        ],
    )
    .unwrap();
    let err = build(Probe::new(Mode::Correct, &device).declared(wrong)).unwrap_err();
    match &err {
        Error::Network(nnitp_core::error::NetworkError::LayerOutputShape {
            layer: 0,
            name,
            expected,
            found,
            ..
        }) => {
            assert_eq!(name, "layer_0");
            assert_eq!(expected, &[3, 6, 6]);
            assert_eq!(found, &[3, 4, 4]);
        }
        e => panic!("unexpected {e}"),
    }
    assert!(
        err.to_string()
            .contains("layer 0 (layer_0) gives [3, 4, 4] per image"),
        "{err}"
    );
}

#[test]
fn flattened_feature_maps_are_refused() {
    let err = build(Probe::new(Mode::FlatMaps, &Device::flex())).unwrap_err();
    assert!(
        matches!(&err, Error::Network(nnitp_core::error::NetworkError::LayerOutputShape { layer: 0, name, found, .. }) if name == "conv" && found == &[48]),
        "{err}"
    );
}

#[test]
fn every_layer_must_be_tapped_once() {
    let err = build(Probe::new(Mode::SkipsLayer, &Device::flex())).unwrap_err();
    assert!(
        matches!(&err, Error::Network(nnitp_core::error::NetworkError::LayerNotTapped { layer: 1, name }) if name == "relu"),
        "{err}"
    );
    let err = build(Probe::new(Mode::TapsTwice, &Device::flex())).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Network(nnitp_core::error::NetworkError::LayerTappedTwice { layer: 1, .. })
        ),
        "{err}"
    );
}

#[test]
fn a_flatten_declared_in_the_wrong_order_is_reported() {
    let device = Device::flex();
    let mut g = Geometry::builder(&[6, 6, 2]);
    g.push("conv", Conv2dConfig::new([2, 3], [3, 3])).unwrap();
    g.push("relu", Relu::new()).unwrap();
    g.push("flatten", LayerKind::Flatten).unwrap();
    g.push("fc", LinearConfig::new(48, 2)).unwrap();
    let err = build(Probe::new(Mode::Correct, &device).declared(g.build())).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Network(nnitp_core::error::NetworkError::FlattenOrder { layer: 2, .. })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("FlattenChannelsFirst"), "{err}");
}

#[test]
fn queries_compose_and_the_network_comes_back() {
    let ex = build(Probe::new(Mode::Correct, &Device::flex())).unwrap();
    // activations and predictions held while explaining: queries take &self
    let predictions = ex.predictions(Split::Train).unwrap();
    let output = ex.activations(Split::Train, 3).unwrap().view().to_owned();
    let mut col: Vec<f32> = output.column(0).to_vec();
    col.sort_by(f32::total_cmp);
    let median = col[30];
    let premise = (0..60).find(|&i| output[[i, 0]] > median).unwrap();
    let above = nnitp_core::Bound::new(nnitp_core::Unit::new([0]), nnitp_core::Op::Ge, median);
    let e = ex
        .explain(Premise::train(premise), &LayerPredicate::new(3, above), 1)
        .unwrap();
    assert!(!e.interpolant.is_empty(), "{e}");
    assert_eq!(e.train.positives, 30);
    assert_eq!(ex.predictions(Split::Train).unwrap(), predictions);
    let out = ex.output_layer();
    // the conclusion the premise does not satisfy is refused
    let other = LayerPredicate::new(out, Predicate::IsMax(1 - predictions[3]));
    assert!(matches!(
        ex.explain(Premise::train(3), &other, 1),
        Err(Error::PremiseViolatesConclusion { index: 3, .. })
    ));
    let net: Probe = ex.into_network();
    assert_eq!(net.mode, Mode::Correct);
}

#[test]
fn progress_goes_to_the_callback() {
    use nnitp_core::progress::{Observer, Progress};
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let ex = build(Probe::new(Mode::Correct, &Device::flex()))
        .unwrap()
        .with_observer(Observer::new(move |p: &Progress| {
            sink.lock()
                .unwrap()
                .push((p.task.to_string(), p.done, p.total))
        }));
    ex.prepare(Split::Train, &[0, 3]).unwrap();
    let seen = seen.lock().unwrap();
    // 60 images in batches of 16: four reports, the last at 60
    assert_eq!(seen.len(), 4);
    assert!(seen
        .iter()
        .all(|(t, _, n)| t == "extracting training activations" && *n == 60));
    assert_eq!(seen.iter().map(|s| s.1).max(), Some(60));
}

/// conv 2->3 (3x3, valid), ReLU, max pool 2x2 (declared), flatten, dense
/// 12->2, on 6x6x2; its forward pass forgets the pool.
#[derive(Module, Debug)]
struct ForgetsPool {
    conv: Conv2d,
    fc: Linear,
    #[module(skip)]
    geometry: Geometry,
}

impl Network for ForgetsPool {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn device(&self) -> Device {
        self.conv.weight.device()
    }

    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let x = taps.tap(0, self.conv.forward(images));
        let x = taps.tap(1, relu(x));
        // the pool (layer 2) is left out: the dense layer gets 48 values, not 12
        let [n, c, h, w] = x.dims();
        let x = taps.tap(3, x.reshape([n, c * h * w]));
        taps.tap(4, self.fc.forward(x));
        Ok(())
    }
}

#[test]
fn a_panic_in_the_forward_pass_is_an_error_naming_where_it_stopped() {
    let device = Device::flex();
    let mut g = Geometry::builder(&[6, 6, 2]);
    let conv = g.push("conv", Conv2dConfig::new([2, 3], [3, 3])).unwrap();
    g.push("relu", Relu::new()).unwrap();
    g.push(
        "pool",
        burn::nn::pool::MaxPool2dConfig::new([2, 2]).with_strides([2, 2]),
    )
    .unwrap();
    g.push("flatten", LayerKind::FlattenChannelsFirst).unwrap();
    let fc = g.push("fc", LinearConfig::new(12, 2)).unwrap();
    let net = ForgetsPool {
        conv: conv.init(&device),
        fc: fc.init(&device),
        geometry: g.build(),
    };
    let Err(err) = Explainer::new(
        net,
        images(40, 1),
        images(20, 2),
        ExplainerConfig::new(vec![1]).with_size(40),
    ) else {
        panic!("the self-check passes a network that panics");
    };
    match &err {
        Error::Network(nnitp_core::error::NetworkError::ForwardPanicked {
            last,
            last_name,
            next,
            next_name,
            message,
        }) => {
            assert_eq!((*last, last_name.as_str()), (Some(3), "flatten"));
            assert_eq!((*next, next_name.as_str()), (4, "fc"));
            // burn's own message is kept
            assert!(message.contains("48"), "{message}");
        }
        other => panic!("expected ForwardPanicked, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the forward pass panicked after handing over layer 3 (flatten), before layer 4 (fc): "
        ),
        "{text}"
    );
}
