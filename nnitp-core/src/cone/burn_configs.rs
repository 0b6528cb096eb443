//! burn's layer configs declare their own geometry, so a model built from them
//! states its architecture once (see [`super::GeometryBuilder`]).

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::{AvgPool2dConfig, MaxPool2dConfig};
use burn::nn::{
    activation::ActivationConfig, BatchNormConfig, DropoutConfig, EluConfig, Gelu, LeakyReluConfig,
    LinearConfig, PaddingConfig2d, Relu, Sigmoid, Tanh,
};

use super::geometry::LayerConfig;
use super::kind::LayerKind;
use super::padding::Padding;

type Kind = std::result::Result<LayerKind, String>;

impl From<&PaddingConfig2d> for Padding {
    fn from(p: &PaddingConfig2d) -> Self {
        match *p {
            PaddingConfig2d::Same => Padding::Same,
            PaddingConfig2d::Valid => Padding::Valid,
            PaddingConfig2d::Explicit(top, left, bottom, right) => Padding::Explicit {
                top,
                left,
                bottom,
                right,
            },
        }
    }
}

/// The channel count of a feature map `[H, W, C]`.
fn channels(input: &[usize], what: &str) -> std::result::Result<usize, String> {
    match input {
        [_, _, c] => Ok(*c),
        _ => Err(format!(
            "{what} needs a feature map [H, W, C], got {input:?}"
        )),
    }
}

impl LayerConfig for Conv2dConfig {
    fn layer_kind(&self, input: &[usize]) -> Kind {
        let c = channels(input, "conv2d")?;
        if self.channels[0] != c {
            return Err(format!(
                "conv2d expects {} input channels, the layer before gives {c}",
                self.channels[0]
            ));
        }
        if self.groups == 0
            || !c.is_multiple_of(self.groups)
            || !self.channels[1].is_multiple_of(self.groups)
        {
            return Err(format!(
                "conv2d: {} groups do not divide channels {:?}",
                self.groups, self.channels
            ));
        }
        Ok(LayerKind::Conv2d {
            filters: self.channels[1],
            kernel: self.kernel_size,
            stride: self.stride,
            dilation: self.dilation,
            padding: (&self.padding).into(),
            groups: self.groups,
        })
    }
}

impl LayerConfig for MaxPool2dConfig {
    fn layer_kind(&self, input: &[usize]) -> Kind {
        channels(input, "max_pool2d")?;
        Ok(LayerKind::MaxPool2d {
            window: self.kernel_size,
            stride: self.strides,
            padding: (&self.padding).into(),
            dilation: self.dilation,
            ceil: self.ceil_mode,
        })
    }
}

impl LayerConfig for AvgPool2dConfig {
    fn layer_kind(&self, input: &[usize]) -> Kind {
        channels(input, "avg_pool2d")?;
        Ok(LayerKind::AvgPool2d {
            window: self.kernel_size,
            stride: self.strides,
            padding: (&self.padding).into(),
            ceil: self.ceil_mode,
        })
    }
}

impl LayerConfig for LinearConfig {
    fn layer_kind(&self, input: &[usize]) -> Kind {
        match input {
            [n] if *n == self.d_input => Ok(LayerKind::Dense {
                units: self.d_output,
            }),
            [n] => Err(format!(
                "linear expects {} inputs, the layer before gives {n}",
                self.d_input
            )),
            _ => Err(format!(
                "linear needs a flat input, got {input:?}: declare a flatten layer first"
            )),
        }
    }
}

impl LayerConfig for BatchNormConfig {
    fn layer_kind(&self, input: &[usize]) -> Kind {
        let c = *input.last().unwrap_or(&0);
        if self.num_features != c {
            return Err(format!(
                "batch_norm expects {} features, the layer before gives {c}",
                self.num_features
            ));
        }
        Ok(LayerKind::BatchNorm)
    }
}

impl LayerConfig for DropoutConfig {
    fn layer_kind(&self, _input: &[usize]) -> Kind {
        Ok(LayerKind::Dropout)
    }
}

impl LayerConfig for ActivationConfig {
    fn layer_kind(&self, _input: &[usize]) -> Kind {
        match self {
            ActivationConfig::SwiGlu(_) => {
                Err("swiglu changes the shape; declare it as its own layers".into())
            }
            _ => Ok(LayerKind::Activation),
        }
    }
}

macro_rules! element_wise {
    ($($t:ty),*) => {$(
        impl LayerConfig for $t {
            fn layer_kind(&self, _input: &[usize]) -> Kind {
                Ok(LayerKind::Activation)
            }
        }
    )*};
}

element_wise!(Relu, Gelu, Sigmoid, Tanh, EluConfig, LeakyReluConfig);
