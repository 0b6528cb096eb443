//! A network's geometry: its input shape, its layers' names and kinds, their
//! output shapes, and the cones between them.

use serde::{Deserialize, Serialize};

use super::kind::LayerKind;
use super::{GeometryError, Place};
use crate::unit::UnitBox;
use GeometryError as Error;

type Result<T> = std::result::Result<T, GeometryError>;

/// Something that declares one layer's geometry: a [`LayerKind`], or (with the
/// `burn` feature) a burn layer config such as `Conv2dConfig`, so that a model
/// built from configs states its architecture once.
pub trait LayerConfig {
    /// The layer's kind for an input of shape `input` (channels last), or why
    /// the layer cannot take that input (e.g. a convolution expecting other
    /// input channels).
    ///
    /// # Errors
    /// A description of the mismatch.
    fn layer_kind(&self, input: &[usize]) -> std::result::Result<LayerKind, String>;
}

impl LayerConfig for LayerKind {
    fn layer_kind(&self, _input: &[usize]) -> std::result::Result<LayerKind, String> {
        Ok(self.clone())
    }
}

/// A network's geometry: its input shape and each layer's name, kind and
/// output shape (channels last: `[H, W, C]` for feature maps, `[units]` for
/// flat layers).
///
/// In JSON it is the input shape and the named layers, and reading it checks
/// every layer as [`GeometryBuilder::push`] does:
///
/// ```
/// use nnitp_core::cone::{Geometry, Place};
/// let g: Geometry = serde_json::from_str(r#"{
///     "input_shape": [28, 28, 1],
///     "layers": [
///         {"name": "conv1", "kind": {"conv2d": {"filters": 8, "kernel": [3, 3], "stride": [1, 1], "padding": "same"}}},
///         {"name": "relu1", "kind": "activation"},
///         {"name": "flatten", "kind": "flatten"},
///         {"name": "fc", "kind": {"dense": {"units": 10}}}
///     ]
/// }"#).unwrap();
/// assert_eq!(g.shape(Place::Layer(2))?, &[6272]);
/// # Ok::<(), nnitp_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "GeometrySpec", into = "GeometrySpec")]
pub struct Geometry {
    input_shape: Vec<usize>,
    kinds: Vec<LayerKind>,
    shapes: Vec<Vec<usize>>,
    names: Vec<String>,
    /// Where each layer takes its input(s) from: earlier layers or the input.
    inputs: Vec<Vec<Place>>,
}

/// A geometry as written: the input shape and the named layers.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GeometrySpec {
    input_shape: Vec<usize>,
    layers: Vec<NamedLayer>,
}

/// One layer of a [`GeometrySpec`]: `inputs` only where the layer does not
/// simply take the layer before it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamedLayer {
    name: String,
    kind: LayerKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    inputs: Option<Vec<Place>>,
}

impl TryFrom<GeometrySpec> for Geometry {
    type Error = Error;

    fn try_from(spec: GeometrySpec) -> Result<Self> {
        let mut b = GeometryBuilder::new(&spec.input_shape);
        for layer in spec.layers {
            match layer.inputs {
                Some(inputs) => b.push_from(layer.name, layer.kind, &inputs)?,
                None => b.push(layer.name, layer.kind)?,
            };
        }
        Ok(b.build())
    }
}

impl From<Geometry> for GeometrySpec {
    fn from(g: Geometry) -> Self {
        let names = (0..g.len()).map(|i| g.name(i)).collect::<Vec<_>>();
        let layers = names
            .into_iter()
            .zip(g.kinds)
            .zip(g.inputs)
            .enumerate()
            .map(|(i, ((name, kind), inputs))| NamedLayer {
                name,
                kind,
                inputs: (inputs != [previous(i)]).then_some(inputs),
            })
            .collect();
        GeometrySpec {
            input_shape: g.input_shape,
            layers,
        }
    }
}

/// The place before layer `i` in order: the layer a sequential layer takes.
fn previous(i: usize) -> Place {
    match i {
        0 => Place::Input,
        i => Place::Layer(i - 1),
    }
}

impl Geometry {
    /// The geometry of layers `kinds` applied in order to inputs of
    /// `input_shape`; layer `i` is named `layer_i`.
    ///
    /// # Errors
    /// [`GeometryError::BadGeometry`] when a layer cannot take its input shape.
    pub fn new(input_shape: &[usize], kinds: Vec<LayerKind>) -> Result<Self> {
        let mut b = GeometryBuilder::new(input_shape);
        for (i, k) in kinds.into_iter().enumerate() {
            b.push(format!("layer_{i}"), k)?;
        }
        Ok(b.build())
    }

    /// A builder that declares the layers one at a time, checking each.
    pub fn builder(input_shape: &[usize]) -> GeometryBuilder {
        GeometryBuilder::new(input_shape)
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Whether there is no layer.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The layer kinds in order.
    pub fn kinds(&self) -> &[LayerKind] {
        &self.kinds
    }

    /// The layer names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Where `layer` takes its inputs from (the layer before it, for a
    /// sequential network).
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`].
    pub fn inputs(&self, layer: usize) -> Result<&[Place]> {
        self.inputs
            .get(layer)
            .map(Vec::as_slice)
            .ok_or(Error::LayerOutOfRange {
                layer,
                layers: self.len(),
            })
    }

    /// Whether every layer takes the one before it.
    pub fn is_sequential(&self) -> bool {
        self.inputs
            .iter()
            .enumerate()
            .all(|(i, inputs)| inputs == &[previous(i)])
    }

    /// The name of `layer` (`layer_i` when it was given none).
    pub fn name(&self, layer: usize) -> String {
        self.names
            .get(layer)
            .cloned()
            .unwrap_or_else(|| format!("layer_{layer}"))
    }

    /// The shape at `place`.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`].
    pub fn shape(&self, place: Place) -> Result<&[usize]> {
        match place {
            Place::Input => Ok(&self.input_shape),
            Place::Layer(i) => {
                self.shapes
                    .get(i)
                    .map(Vec::as_slice)
                    .ok_or(Error::LayerOutOfRange {
                        layer: i,
                        layers: self.len(),
                    })
            }
        }
    }

    /// The number of units of `layer`.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`].
    pub fn units(&self, layer: usize) -> Result<usize> {
        Ok(self.shape(Place::Layer(layer))?.iter().product())
    }

    /// The box of units at `from` (a layer below `to`, or the input) that can
    /// affect the box `b` of layer `to`'s units, through every path of the
    /// network from `from` to `to`: at a layer with several consumers, the
    /// smallest box holding every consumer's cone; all channels, clipped to
    /// the layer.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`], [`GeometryError::LayerNotBelow`] when `from` is not
    /// below `to`, [`UnitError::ConeOutsideShape`](crate::unit::UnitError::ConeOutsideShape) when `b` does not fit layer
    /// `to`, [`GeometryError::NoPath`] when no path leads from `from` to `to`.
    pub fn cone(&self, from: Place, to: usize, b: &UnitBox) -> Result<UnitBox> {
        b.check_within(self.shape(Place::Layer(to))?)?;
        let lowest = match from {
            Place::Input => 0,
            Place::Layer(f) if f < to => f + 1,
            Place::Layer(f) => return Err(Error::LayerNotBelow { from: f, to }),
        };
        // the box reached so far at each layer (and the input), walking down
        let mut boxes: Vec<Option<UnitBox>> = vec![None; to + 1];
        let mut at_input: Option<UnitBox> = None;
        boxes[to] = Some(b.clone());
        for layer in (lowest..=to).rev() {
            let Some(out) = boxes[layer].take() else {
                continue;
            };
            let places = &self.inputs[layer];
            let shapes: Vec<&[usize]> = places
                .iter()
                .map(|&p| self.shape(p).expect("inputs are earlier places"))
                .collect();
            let backs = self.kinds[layer].back_to_inputs(&out, &shapes);
            for (&place, back) in places.iter().zip(backs) {
                let Some(back) = back else { continue };
                let slot = match place {
                    Place::Input if from == Place::Input => &mut at_input,
                    Place::Layer(i) if i + 1 >= lowest && i < layer => &mut boxes[i],
                    // a path that bypasses `from`
                    _ => continue,
                };
                *slot = Some(match slot.take() {
                    Some(held) => held.hull(&back),
                    None => back,
                });
            }
        }
        let found = match from {
            Place::Input => at_input,
            Place::Layer(f) => boxes[f].take(),
        };
        found.ok_or(Error::NoPath { from, to })
    }
}

/// Declares a network's layers one at a time, each checked against the shape
/// the layers before it give. Returned configs can be `init`ed right away, so
/// the model and its geometry come from the same values:
///
/// ```
/// use nnitp_core::cone::{Geometry, LayerKind, Padding, Place};
///
/// let mut g = Geometry::builder(&[28, 28, 1]);
/// g.push("conv", LayerKind::conv2d(8, 3, Padding::Valid))?;
/// g.push("relu", LayerKind::Activation)?;
/// g.push("pool", LayerKind::max_pool(2))?;
/// g.push("flatten", LayerKind::Flatten)?;
/// g.push("dense", LayerKind::Dense { units: 10 })?;
/// let geometry = g.build();
/// assert_eq!(geometry.shape(Place::Layer(2))?, &[13, 13, 8]);
/// assert_eq!(geometry.name(4), "dense");
/// # Ok::<(), nnitp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct GeometryBuilder {
    geometry: Geometry,
}

impl GeometryBuilder {
    /// No layers yet, on inputs of `input_shape` (`[H, W, C]`).
    pub fn new(input_shape: &[usize]) -> Self {
        GeometryBuilder {
            geometry: Geometry {
                input_shape: input_shape.to_vec(),
                kinds: Vec::new(),
                shapes: Vec::new(),
                names: Vec::new(),
                inputs: Vec::new(),
            },
        }
    }

    /// The shape the next layer receives.
    pub fn current_shape(&self) -> &[usize] {
        self.geometry
            .shapes
            .last()
            .unwrap_or(&self.geometry.input_shape)
    }

    /// The shape at `place` declared so far.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`] for a layer not declared yet.
    pub fn shape_at(&self, place: Place) -> Result<&[usize]> {
        self.geometry.shape(place)
    }

    /// Appends layer `name` declared by `config`, taking the output of the
    /// layer before it, and hands the config back (for `init`); the layer's
    /// index is the number of layers before it.
    ///
    /// # Errors
    /// [`GeometryError::BadGeometry`] naming the layer when it cannot take its input.
    pub fn push<C: LayerConfig>(&mut self, name: impl Into<String>, config: C) -> Result<C> {
        let from = previous(self.geometry.kinds.len());
        self.push_from(name, config, &[from])
    }

    /// Appends layer `name` declared by `config`, taking its input(s) from
    /// `inputs` (earlier layers, or [`Place::Input`]): a skip connection's
    /// first layer, or a merge ([`LayerKind::Add`], [`LayerKind::Concat`])
    /// of several branches. Hands the config back.
    ///
    /// ```
    /// use nnitp_core::cone::{Geometry, LayerKind, Padding, Place};
    ///
    /// // a residual block: conv -> relu -> conv, plus the block's input
    /// let mut g = Geometry::builder(&[8, 8, 4]);
    /// g.push("stem", LayerKind::conv2d(4, 3, Padding::Same))?; // 0
    /// g.push("conv1", LayerKind::conv2d(4, 3, Padding::Same))?; // 1
    /// g.push("relu1", LayerKind::Activation)?; // 2
    /// g.push("conv2", LayerKind::conv2d(4, 3, Padding::Same))?; // 3
    /// g.push_from("sum", LayerKind::Add, &[Place::Layer(3), Place::Layer(0)])?; // 4
    /// let geometry = g.build();
    /// assert_eq!(geometry.inputs(4)?, &[Place::Layer(3), Place::Layer(0)]);
    /// # Ok::<(), nnitp_core::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`GeometryError::BadGeometry`] naming the layer when an input is not an
    /// earlier place, or the layer cannot take the inputs' shapes.
    pub fn push_from<C: LayerConfig>(
        &mut self,
        name: impl Into<String>,
        config: C,
        inputs: &[Place],
    ) -> Result<C> {
        let layer = self.geometry.kinds.len();
        let name = name.into();
        let bad = |reason: String| Error::BadGeometry {
            layer,
            name: name.clone(),
            reason,
        };
        if let Some(late) = inputs
            .iter()
            .find(|p| matches!(p, Place::Layer(i) if *i >= layer))
        {
            return Err(bad(format!("its input {late:?} is not an earlier layer")));
        }
        let shapes: Vec<Vec<usize>> = inputs
            .iter()
            .map(|&p| self.geometry.shape(p).map(<[usize]>::to_vec))
            .collect::<Result<_>>()?;
        let first = shapes.first().cloned().unwrap_or_default();
        let kind = config.layer_kind(&first).map_err(bad)?;
        let views: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let shape = kind.output_shape_of(&views).map_err(bad)?;
        if shape.contains(&0) {
            return Err(bad(format!("empty output shape {shape:?}")));
        }
        self.geometry.kinds.push(kind);
        self.geometry.shapes.push(shape);
        self.geometry.names.push(name);
        self.geometry.inputs.push(inputs.to_vec());
        Ok(config)
    }

    /// The geometry declared so far.
    pub fn build(self) -> Geometry {
        self.geometry
    }
}
