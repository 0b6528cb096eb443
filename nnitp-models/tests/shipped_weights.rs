//! The shipped Fashion-MNIST weights (nnitp's CNN and the ResNet): their
//! accuracy on the embedded test images, and on the full 10000-image test set
//! (an ignored test: it needs Debian's `dataset-fashion-mnist`, which `.ci/run`
//! installs before it runs the ignored tests too). Also: weights of another
//! model are a typed error.

use std::path::Path;

use burn::tensor::Device;
use nnitp_models::data::{self, DatasetKind, DEBIAN_FASHION_MNIST};
use nnitp_models::train::accuracy;
use nnitp_models::zoo::ModelKind;
use nnitp_models::Error;

#[test]
fn accuracy_on_the_embedded_test_images() {
    let splits = data::embedded_fashion_mnist().unwrap();
    for kind in [ModelKind::FashionMnist, ModelKind::FashionMnistResnet] {
        let model = kind.load(None, &Device::flex()).unwrap();
        let acc = accuracy(&model, &splits.test, 500).unwrap();
        assert!(
            acc >= 0.9,
            "{}: accuracy {acc} on the embedded 2000 test images",
            kind.name()
        );
    }
}

#[test]
#[ignore = "needs Debian's dataset-fashion-mnist (`bash .ci/run` installs it and runs it)"]
fn accuracy_on_the_full_test_set() {
    let dir = Path::new(DEBIAN_FASHION_MNIST);
    assert!(
        dir.join("t10k-labels-idx1-ubyte.gz").is_file(),
        "{DEBIAN_FASHION_MNIST} is missing: apt-get install dataset-fashion-mnist"
    );
    let splits = data::load_idx_dir(DatasetKind::FashionMnist, dir).unwrap();
    assert_eq!(splits.test.len(), 10_000);
    for (kind, least) in [
        (ModelKind::FashionMnist, 0.91),
        (ModelKind::FashionMnistResnet, 0.925),
    ] {
        let model = kind.load(None, &Device::flex()).unwrap();
        let acc = accuracy(&model, &splits.test, 500).unwrap();
        assert!(
            acc >= least,
            "{}: accuracy {acc} on the full test set",
            kind.name()
        );
    }
}

#[test]
fn weights_that_cannot_be_saved_are_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("w.bpk");
    let model = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let err = model.save(&path).unwrap_err();
    assert!(
        matches!(&err, Error::SaveWeights { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
    // shown to a page, the file is named without its folders
    let shown = err.with_file_names().to_string();
    assert!(shown.starts_with("w.bpk: "), "{shown}");
    assert!(!shown.contains("no-such-folder"), "{shown}");
}

#[test]
fn weights_of_another_model_are_rejected() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fashion.bpk");
    ModelKind::FashionMnist
        .load(None, &device)
        .unwrap()
        .save(&path)
        .unwrap();
    let err = ModelKind::Cifar10.load(Some(&path), &device).unwrap_err();
    assert!(matches!(err, Error::WeightsMismatch { .. }), "{err}");
    // burn's own error is kept as the source
    assert!(std::error::Error::source(&err).is_some(), "{err:?}");
    assert!(err.to_string().contains("cifar10"), "{err}");
    // a file that is not weights at all
    let junk = dir.path().join("junk.bpk");
    std::fs::write(&junk, b"not a weights file").unwrap();
    assert!(matches!(
        ModelKind::FashionMnist.load(Some(&junk), &device),
        Err(Error::WeightsMismatch { .. })
    ));
    // a missing file
    assert!(matches!(
        ModelKind::FashionMnist.load(Some(&dir.path().join("none.bpk")), &device),
        Err(Error::Io { .. })
    ));
    // no weights are shipped for MNIST
    let err = ModelKind::Mnist.load(None, &device).unwrap_err();
    assert!(
        matches!(&err, Error::NoShippedWeights { model } if model == "mnist"),
        "{err}"
    );
    assert!(err.to_string().contains("--weights"), "{err}");
}

#[test]
fn zoo_layers_are_numbered_as_in_nnitp() {
    let names = ModelKind::Cifar10.architecture().names();
    assert_eq!(names.len(), 26);
    assert_eq!(names[0], "conv2d_1");
    assert_eq!(names[6], "max_pooling2d_1");
    assert_eq!(names[14], "max_pooling2d_2");
    assert_eq!(names[22], "max_pooling2d_3");
    assert_eq!(names[24], "flatten_1");
    assert_eq!(names[25], "dense_1");
    let names = ModelKind::FashionMnist.architecture().names();
    assert_eq!(names.len(), 18);
    assert_eq!(
        (names[7].as_str(), names[16].as_str(), names[17].as_str()),
        ("dropout_1", "flatten_1", "dense_1")
    );
    let g = ModelKind::Mnist.architecture().geometry().unwrap();
    use nnitp_core::cone::Place;
    assert_eq!(g.shape(Place::Layer(6)).unwrap(), &[14, 14, 32]);
    assert_eq!(g.shape(Place::Layer(14)).unwrap(), &[7, 7, 64]);
    assert!(matches!(
        ModelKind::from_name("vgg"),
        Err(Error::UnknownModel { .. })
    ));
    assert_eq!(ModelKind::Cifar10.default_params().alpha(), 0.95);
    assert_eq!(ModelKind::Cifar10.default_size(), 20_000);
}

#[test]
fn the_resnets_layers_are_numbered_as_documented() {
    use nnitp_core::cone::Place;
    let kind = ModelKind::from_name("fashion-mnist-resnet").unwrap();
    let arch = kind.architecture();
    let names = arch.names();
    assert_eq!(names.len(), 51);
    let g = arch.geometry().unwrap();
    // the stem, then each block ends in a sum and a ReLU
    for (layer, name, shape) in [
        (2, "activation_1", vec![28, 28, 16]),
        (8, "add_1", vec![28, 28, 16]),
        (16, "activation_5", vec![28, 28, 16]),
        (22, "conv2d_8", vec![14, 14, 32]),
        (24, "add_3", vec![14, 14, 32]),
        (32, "activation_9", vec![14, 14, 32]),
        (38, "conv2d_13", vec![7, 7, 64]),
        (48, "activation_13", vec![7, 7, 64]),
        (49, "global_average_pooling2d_1", vec![64]),
        (50, "dense_1", vec![10]),
    ] {
        assert_eq!(names[layer], name, "layer {layer}");
        assert_eq!(g.shape(Place::Layer(layer)).unwrap(), shape.as_slice());
    }
    // the skip paths: identity in stage 1, a projection from stage 1's end
    assert_eq!(g.inputs(8).unwrap(), &[Place::Layer(7), Place::Layer(2)]);
    assert_eq!(g.inputs(22).unwrap(), &[Place::Layer(16)]);
    assert_eq!(g.inputs(24).unwrap(), &[Place::Layer(21), Place::Layer(23)]);
    assert_eq!(kind.default_layers(), vec![32, 48]);
    assert_eq!(kind.dataset(), DatasetKind::FashionMnist);
}
