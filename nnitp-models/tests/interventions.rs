//! Running a network from a layer onward: with a layer's own values put back
//! every later layer equals the full forward pass (host, burn device path,
//! residual networks, ONNX graphs on a device); with another image's values
//! a sequential network gives that image's outputs; and networks that do not
//! honour a replacement are refused, not guessed at.

mod compare;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use ndarray::{Array2, ArrayView4};
use nnitp_core::cone::Geometry;
use nnitp_core::error::NetworkError;
use nnitp_core::network::{extract, extract_replacing, LayerOutput, Network, Taps};
use nnitp_core::progress::{Observer, Task};
use nnitp_core::Error as CoreError;
use nnitp_models::data;
use nnitp_models::graph::DeviceGraph;
use nnitp_models::zoo::ModelKind;

fn run(net: &dyn NetSync, images: ArrayView4<'_, f32>, layers: &[usize]) -> Vec<Array2<f32>> {
    extract(
        net.as_network(),
        images,
        layers,
        8,
        &Observer::none(),
        Task::Running,
    )
    .unwrap()
}

fn run_replacing(
    net: &dyn NetSync,
    images: ArrayView4<'_, f32>,
    layer: usize,
    values: &Array2<f32>,
    layers: &[usize],
) -> nnitp_core::Result<Vec<Array2<f32>>> {
    let none = Observer::none();
    let replace = (layer, values.view());
    extract_replacing(
        net.as_network(),
        images,
        replace,
        layers,
        8,
        &none,
        Task::Running,
    )
}

/// A network usable from several threads.
trait NetSync {
    fn as_network(&self) -> &(dyn Network + Sync);
}

impl<N: Network + Sync> NetSync for N {
    fn as_network(&self) -> &(dyn Network + Sync) {
        self
    }
}

/// For every layer but the last: its own values put back give every later
/// layer as the full pass does.
fn unchanged_values_give_the_full_pass(net: &dyn NetSync, images: ArrayView4<'_, f32>) {
    let n = net.as_network().geometry().len();
    let all: Vec<usize> = (0..n).collect();
    let full = run(net, images, &all);
    for layer in 0..n - 1 {
        let later: Vec<usize> = (layer + 1..n).collect();
        let got = run_replacing(net, images, layer, &full[layer], &later).unwrap();
        for (l, g) in later.iter().zip(&got) {
            let worst = compare::relative_each(g, &full[*l]);
            assert!(
                worst < 1e-6,
                "from layer {layer}, layer {l}: relative difference {worst}"
            );
        }
    }
}

#[test]
fn the_zoo_runs_from_any_layer_on_the_host_and_on_the_device_path() {
    let images = data::embedded_fashion_mnist().unwrap().test.head(12).images;
    let host = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    unchanged_values_give_the_full_pass(&host, images.view());
    // burn's own ops (the path devices other than the CPU ones take)
    let device_path = host.to_device(&Device::flex().autodiff());
    unchanged_values_give_the_full_pass(&device_path, images.view());
}

#[test]
fn a_residual_network_runs_from_any_layer_with_its_skip_connections() {
    let images = data::embedded_fashion_mnist().unwrap().test.head(6).images;
    let host = ModelKind::FashionMnistResnet.init(&Device::flex()).unwrap();
    unchanged_values_give_the_full_pass(&host, images.view());
    let graph = host.to_graph().unwrap();
    #[allow(deprecated)]
    let on_device = DeviceGraph::new(graph, &Device::ndarray());
    unchanged_values_give_the_full_pass(&on_device, images.view());
}

#[test]
fn another_images_values_give_that_images_outputs() {
    // the zoo CNN is sequential: from its flatten layer on, only that
    // layer's values matter
    let images = data::embedded_fashion_mnist().unwrap().test.head(8).images;
    let host = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let device_path = host.clone().to_device(&Device::flex().autodiff());
    #[allow(deprecated)]
    let graph = DeviceGraph::new(host.to_graph().unwrap(), &Device::ndarray());
    swapped_images(&host, images.view());
    swapped_images(&device_path, images.view());
    swapped_images(&graph, images.view());
}

fn swapped_images(net: &dyn NetSync, images: ArrayView4<'_, f32>) {
    let n = net.as_network().geometry().len();
    let geometry = net.as_network().geometry();
    let all: Vec<usize> = (0..n).collect();
    let full = run(net, images, &all);
    let layer = (0..n)
        .find(|&l| geometry.kinds()[l] == nnitp_core::cone::LayerKind::Flatten)
        .unwrap();
    let mut swapped = full[layer].clone();
    for i in 0..8 {
        swapped.row_mut(i).assign(&full[layer].row(7 - i));
    }
    let got = run_replacing(net, images, layer, &swapped, &[n - 1]).unwrap();
    for i in 0..8 {
        let worst = compare::relative_each(got[0].row(i), full[n - 1].row(7 - i));
        assert!(worst < 1e-6, "image {i}: {worst}");
    }
}

#[test]
fn replacement_values_of_the_wrong_shape_are_refused() {
    let images = data::embedded_fashion_mnist().unwrap().test.head(4).images;
    let net = ModelKind::FashionMnist.load(None, &Device::flex()).unwrap();
    let units = net.geometry().units(3).unwrap();
    let short = Array2::<f32>::zeros((3, units));
    let err = run_replacing(&net, images.view(), 3, &short, &[5]).unwrap_err();
    assert!(matches!(err, CoreError::ShapeMismatch { .. }), "{err}");
}

/// A one-layer network whose `forward_layers` taps with `keep` and never
/// looks at a replacement.
struct Ignores {
    geometry: Geometry,
    claims: bool,
}

impl Network for Ignores {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }
    fn device(&self) -> Device {
        Device::flex()
    }
    fn forward_layers(&self, images: Tensor<4>, taps: &mut Taps) -> nnitp_core::Result<()> {
        let [n, c, h, w] = images.dims();
        let flat = images.reshape([n, c * h * w]);
        taps.keep(0, LayerOutput::Flat(flat.clone()));
        taps.keep(1, LayerOutput::Flat(flat * 2.0));
        Ok(())
    }
    fn interventions(&self) -> bool {
        self.claims
    }
}

#[test]
fn a_network_that_does_not_honour_replacements_is_refused() {
    use nnitp_core::cone::LayerKind;
    let geometry = Geometry::new(
        &[2, 2, 1],
        vec![LayerKind::FlattenChannelsFirst, LayerKind::Activation],
    )
    .unwrap();
    let images = ndarray::Array4::<f32>::ones((3, 2, 2, 1));
    let values = Array2::<f32>::zeros((3, 4));
    let silent = Ignores {
        geometry: geometry.clone(),
        claims: false,
    };
    let err = run_replacing(&silent, images.view(), 0, &values, &[1]).unwrap_err();
    assert!(matches!(err, CoreError::InterventionsUnsupported), "{err}");
    let liar = Ignores {
        geometry,
        claims: true,
    };
    let err = run_replacing(&liar, images.view(), 0, &values, &[1]).unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::Network(NetworkError::InterventionIgnored { layer: 0, .. })
        ),
        "{err}"
    );
}
