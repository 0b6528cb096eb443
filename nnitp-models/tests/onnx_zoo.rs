//! The zoo's Fashion-MNIST model written as ONNX and read back: the same
//! activations at every layer, the same explanations; and the written file
//! in `tests/fixtures/onnx/fashion-mnist.onnx` (by `nnitp export`) agrees
//! with onnxruntime's outputs recorded beside it by `zoo_outputs.py`.
#![cfg(feature = "onnx")]

mod compare;

use std::path::Path;

use burn::tensor::Device;
use nnitp_core::burn;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_core::{ExplainerConfig, LayerPredicate, Network, Predicate, Premise};
use nnitp_models::data::embedded_fashion_mnist;
use nnitp_models::graph::{DeviceGraph, LayerGraph, Op};
use nnitp_models::onnx;
use nnitp_models::zoo::ModelKind;

/// Zoo layer `l` is read-back layer `l` (the dense layer with its softmax,
/// 17, becomes a Gemm, 17, and a Softmax, 18).
/// The shipped zoo model, and that model written as an ONNX file and read
/// back.
fn written_and_read_back() -> (DeviceGraph, LayerGraph) {
    let zoo = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let bytes = onnx::write(&zoo.to_graph().unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fashion-mnist.onnx");
    std::fs::write(&file, &bytes).unwrap();
    (zoo, onnx::read(&file).unwrap())
}

#[test]
fn written_and_read_back_it_computes_the_same() {
    let (zoo, back) = written_and_read_back();
    assert_eq!(back.layers().len(), 19);
    for l in 0..17 {
        assert_eq!(back.geometry().name(l), zoo.geometry().name(l));
        let shape = |g: &nnitp_core::cone::Geometry| {
            g.shape(nnitp_core::cone::Place::Layer(l)).unwrap().to_vec()
        };
        assert_eq!(shape(back.geometry()), shape(zoo.geometry()), "layer {l}");
        // the same operations (dropout with its ratio included), but for the
        // flatten's order
        let (a, b) = (zoo.ops().nth(l).unwrap(), &back.layers()[l].op);
        assert_eq!(a.name(), b.name(), "layer {l}");
        if let (Op::Dropout(p), Op::Dropout(q)) = (a, b) {
            assert!(
                (p - q).abs() < 1e-7,
                "layer {l}: ratio {p} read back as {q}"
            );
        }
    }
    assert!(zoo.ops().any(|op| matches!(op, Op::Dropout(_))));
    let images = embedded_fashion_mnist().unwrap().test.head(40).images;
    let none = Observer::none();
    let all: Vec<usize> = (0..18).collect();
    let a = extract(&zoo, images.view(), &all, 16, &none, Task::Running).unwrap();
    let mut read: Vec<usize> = (0..17).collect();
    read.push(18);
    let b = extract(&back, images.view(), &read, 16, &none, Task::Running).unwrap();
    for (l, (x, y)) in a.iter().zip(&b).enumerate() {
        if l == 16 {
            // the flatten: ONNX's is channels first, the zoo's channels last
            let (mut p, mut q) = (x.row(0).to_vec(), y.row(0).to_vec());
            p.sort_by(f32::total_cmp);
            q.sort_by(f32::total_cmp);
            assert_eq!(p, q, "the flatten holds the same values");
            continue;
        }
        let worst = compare::relative_each(x, y);
        assert!(worst < 1e-5, "layer {l}: relative difference {worst}");
    }
}

#[test]
fn it_gives_the_zoos_explanations() {
    let data = embedded_fashion_mnist().unwrap();
    let (train, test) = (data.train.head(600).images, data.test.head(300).images);
    let (zoo, back) = written_and_read_back();
    let config = ExplainerConfig::new(vec![6, 14]).with_size(600);
    let a = nnitp_core::Explainer::new(zoo, train.clone(), test.clone(), config.clone())
        .unwrap()
        .boxed();
    let b = nnitp_core::Explainer::new(back, train, test, config)
        .unwrap()
        .boxed();
    let (pa, pb) = (
        a.predictions(nnitp_core::Split::Train).unwrap(),
        b.predictions(nnitp_core::Split::Train).unwrap(),
    );
    assert_eq!(pa, pb, "the same classifications");
    for image in [0, 7, 232] {
        let class = pa[image];
        let explain = |ex: &nnitp_core::Explainer<Box<dyn nnitp_core::ActivationSource>>| {
            ex.explain(
                Premise::train(image),
                &LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class)),
                14,
            )
            .unwrap()
        };
        let (ea, eb) = (explain(&a), explain(&b));
        assert_eq!(
            ea.interpolant.to_string(),
            eb.interpolant.to_string(),
            "image {image}"
        );
    }
}

/// `nnitp export fashion-mnist.onnx` wrote the fixture; onnxruntime's
/// outputs for the two images of `input.npy` lie in `fashion-mnist/`.
#[test]
fn onnxruntime_agrees_with_the_written_file() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/onnx");
    let graph = onnx::read(dir.join("fashion-mnist.onnx")).unwrap();
    let manifest: std::collections::BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(dir.join("fashion-mnist/manifest.json")).unwrap(),
    )
    .unwrap();
    let input = nnitp_core::npy::read_f32(dir.join("input.npy")).unwrap();
    let nchw: Vec<f32> = input.iter().copied().collect();
    let images = burn::tensor::Tensor::<4>::from_data(
        burn::tensor::TensorData::new(nchw, input.shape().to_vec()),
        &Device::flex(),
    );
    let outputs = graph.outputs(images).unwrap();
    let mut compared = 0;
    for (layer, out) in graph.layers().iter().zip(&outputs) {
        let Some(file) = layer.alias.as_ref().and_then(|a| manifest.get(a)) else {
            continue;
        };
        let want = nnitp_core::npy::read_f32(dir.join("fashion-mnist").join(file)).unwrap();
        let got = out.to_nchw();
        let err = compare::relative_to_largest(&got, &want);
        assert!(err <= 1e-4, "layer {}: {err:e}", layer.name);
        compared += 1;
    }
    assert_eq!(compared, graph.layers().len());
}
