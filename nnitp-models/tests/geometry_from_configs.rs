//! Geometry declared from burn's layer configs gives the shapes burn's modules
//! really produce, and configs that do not fit are reported with the layer.

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::{AvgPool2dConfig, MaxPool2dConfig};
use burn::nn::{BatchNormConfig, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use nnitp_core::cone::GeometryError as Error;
use nnitp_core::cone::{Geometry, LayerKind, Place};

/// The geometry derived from each config gives the shape burn's module
/// really produces.
#[test]
fn declared_shapes_match_burn() {
    let device = Device::flex();
    let x = Tensor::<4>::zeros([1, 3, 11, 9], &device);
    let convs = [
        Conv2dConfig::new([3, 4], [3, 3]),
        Conv2dConfig::new([3, 4], [3, 3]).with_padding(PaddingConfig2d::Same),
        Conv2dConfig::new([3, 4], [3, 2])
            .with_stride([2, 3])
            .with_dilation([2, 1])
            .with_padding(PaddingConfig2d::Explicit(2, 0, 1, 3)),
        Conv2dConfig::new([3, 4], [1, 1]).with_stride([2, 2]),
    ];
    for config in convs {
        let mut g = Geometry::builder(&[11, 9, 3]);
        let c = g.push("conv", config).unwrap();
        let [_, ch, h, w] = c.init(&device).forward(x.clone()).dims();
        let geometry = g.build();
        assert_eq!(
            geometry.shape(Place::Layer(0)).unwrap(),
            &[h, w, ch],
            "{c:?}"
        );
    }
    let pools = [
        MaxPool2dConfig::new([2, 2]).with_strides([2, 2]),
        MaxPool2dConfig::new([3, 3])
            .with_strides([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)),
        MaxPool2dConfig::new([2, 2])
            .with_strides([2, 2])
            .with_ceil_mode(true),
        MaxPool2dConfig::new([2, 2])
            .with_strides([1, 1])
            .with_dilation([2, 2]),
    ];
    for config in pools {
        let mut g = Geometry::builder(&[11, 9, 3]);
        let p = g.push("pool", config).unwrap();
        let [_, ch, h, w] = p.init().forward(x.clone()).dims();
        assert_eq!(g.current_shape(), &[h, w, ch], "{p:?}");
    }
    let avg = AvgPool2dConfig::new([3, 3])
        .with_strides([2, 2])
        .with_ceil_mode(true);
    let mut g = Geometry::builder(&[11, 9, 3]);
    let a = g.push("avg", avg).unwrap();
    let [_, ch, h, w] = a.init().forward(x).dims();
    assert_eq!(g.current_shape(), &[h, w, ch]);
}

#[test]
fn mismatched_configs_name_the_layer() {
    let mut g = Geometry::builder(&[8, 8, 1]);
    g.push("conv1", Conv2dConfig::new([1, 4], [3, 3])).unwrap();
    let err = g
        .push("conv2", Conv2dConfig::new([3, 4], [3, 3]))
        .unwrap_err();
    assert!(
        matches!(&err, Error::BadGeometry { layer: 1, name, reason } if name == "conv2" && reason.contains("3 input channels")),
        "{err}"
    );
    let err = g.push("fc", LinearConfig::new(144, 10)).unwrap_err();
    assert!(err.to_string().contains("flatten"), "{err}");
    g.push("flat", LayerKind::Flatten).unwrap();
    let err = g.push("fc", LinearConfig::new(100, 10)).unwrap_err();
    assert!(err.to_string().contains("144"), "{err}");
    let err = g.push("bn", BatchNormConfig::new(7)).unwrap_err();
    assert!(err.to_string().contains("7 features"), "{err}");
}
