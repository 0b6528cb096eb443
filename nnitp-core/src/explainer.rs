//! The [`Explainer`] session: a model, a training sample and a test sample, and
//! explanations of the model's decisions on them (with drill-down), as nnitp's
//! workflow does.
//!
//! Activations are extracted lazily, one pass per data set for all the layers a
//! request needs, and kept: the first explanation pays for the extraction, the
//! ones after it only for the search.

use std::collections::HashMap;
use std::fmt;
use std::time::Instant;

use ndarray::{s, Array2, Array4, ArrayView2, ArrayView4, Axis};
use serde::{Deserialize, Serialize};

use crate::accuracy::{Accuracy, Split};
use crate::cone::Place;
use crate::error::{Error, Result};
use crate::network::{extract, Network};
use crate::predicate::{argmax, Bound, Interpolant, LayerPredicate, Op, Predicate};
use crate::search::{SearchInput, SearchParams, ValidSearchParams};
use crate::unit::{Unit, UnitBox};

/// Settings of an [`Explainer`]: search parameters, sample size, explanation
/// layers, extraction batch size. Build with `new` and the `with_*` methods.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplainerConfig {
    /// The search parameters.
    pub params: SearchParams,
    /// How many images of each data set (the first ones) the session uses.
    pub size: usize,
    /// The layers explanations may use (nnitp's selected layers).
    pub layers: Vec<usize>,
    /// Images per forward pass during extraction.
    pub batch_size: usize,
    /// Show a progress bar on a terminal while extracting.
    pub progress: bool,
}

impl ExplainerConfig {
    /// Defaults (nnitp's search parameters, size 10000, batch 250, no progress
    /// bar) with the explanation `layers`.
    pub fn new(layers: Vec<usize>) -> Self {
        ExplainerConfig {
            params: SearchParams::default(),
            size: 10_000,
            layers,
            batch_size: 250,
            progress: false,
        }
    }

    /// Sets the search parameters.
    pub fn with_params(mut self, params: SearchParams) -> Self {
        self.params = params;
        self
    }

    /// Sets the number of images used from each data set.
    pub fn with_size(mut self, size: usize) -> Self {
        self.size = size;
        self
    }

    /// Sets the extraction batch size.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Shows (or hides) progress bars on a terminal.
    pub fn with_progress(mut self, progress: bool) -> Self {
        self.progress = progress;
        self
    }
}

/// The input an explanation is about: image `index` of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Premise {
    /// The data set.
    pub split: Split,
    /// The image's index in the session's sample of that data set.
    pub index: usize,
}

impl Premise {
    /// Image `index` of the training sample.
    pub fn train(index: usize) -> Self {
        Premise {
            split: Split::Train,
            index,
        }
    }

    /// Image `index` of the test sample.
    pub fn test(index: usize) -> Self {
        Premise {
            split: Split::Test,
            index,
        }
    }
}

/// An explanation: why the premise satisfies the conclusion, as an interpolant
/// at `layer`, with its accuracy on the training and test samples.
///
/// `Display` prints nnitp's three lines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The input explained.
    pub premise: Premise,
    /// What is explained (e.g. `layer 17: is_max(0)`).
    pub conclusion: LayerPredicate,
    /// The layer of the interpolant.
    pub layer: usize,
    /// The interpolant.
    pub interpolant: Interpolant,
    /// Precision and recall on the training sample.
    pub train: Accuracy,
    /// Precision and recall on the test sample.
    pub test: Accuracy,
    /// Seconds spent extracting activations for this explanation (0 when cached).
    pub extract_seconds: f64,
    /// Seconds spent in the search.
    pub search_seconds: f64,
}

impl Explanation {
    /// The interpolant as a predicate bound to its layer.
    pub fn predicate(&self) -> LayerPredicate {
        LayerPredicate::new(self.layer, self.interpolant.clone())
    }

    /// Conjunct `i` of the interpolant as a predicate at its layer: the
    /// conclusion of a drill-down.
    ///
    /// # Errors
    /// [`Error::ConjunctOutOfRange`].
    pub fn conjunct(&self, i: usize) -> Result<LayerPredicate> {
        let b = self
            .interpolant
            .bounds()
            .get(i)
            .ok_or(Error::ConjunctOutOfRange {
                index: i,
                conjuncts: self.interpolant.len(),
            })?;
        Ok(LayerPredicate::new(self.layer, b.clone()))
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Interpolant: {}", self.predicate())?;
        writeln!(f, "{}", self.train)?;
        write!(f, "{}", self.test)
    }
}

/// An explanation session over a network, a training sample and a test sample.
///
/// ```no_run
/// # fn demo(net: impl nnitp_core::Network + Sync, train: ndarray::Array4<f32>, test: ndarray::Array4<f32>) -> nnitp_core::Result<()> {
/// use nnitp_core::explainer::{Explainer, ExplainerConfig, Premise};
/// use nnitp_core::{LayerPredicate, Predicate};
///
/// let mut ex = Explainer::new(net, train, test, ExplainerConfig::new(vec![6, 14]))?;
/// let output = ex.output_layer();
/// let e = ex.explain(Premise::train(3), &LayerPredicate::new(output, Predicate::IsMax(0)), 14)?;
/// println!("{e}");
/// let drill = ex.explain(Premise::train(3), &e.conjunct(0)?, 6)?;
/// println!("{drill}");
/// # Ok(()) }
/// ```
pub struct Explainer<N: Network + Sync> {
    network: N,
    images: [Array4<f32>; 2],
    params: ValidSearchParams,
    layers: Vec<usize>,
    batch_size: usize,
    progress: bool,
    cache: HashMap<(Split, usize), Array2<f32>>,
}

fn slot(split: Split) -> usize {
    match split {
        Split::Train => 0,
        Split::Test => 1,
    }
}

impl<N: Network + Sync> Explainer<N> {
    /// A session on the first `config.size` images of `train` and of `test`
    /// (`[N, H, W, C]`, channels last, normalised as the network expects).
    ///
    /// # Errors
    /// The search parameters' errors, [`Error::InvalidSize`] for size 0,
    /// [`Error::InvalidBatchSize`], [`Error::ShapeMismatch`] for images that do
    /// not fit the network's input, [`Error::LayerOutOfRange`] for a selected
    /// layer the network does not have.
    pub fn new(
        network: N,
        train: Array4<f32>,
        test: Array4<f32>,
        config: ExplainerConfig,
    ) -> Result<Self> {
        let params = config.params.check()?;
        if config.size == 0 {
            return Err(Error::InvalidSize);
        }
        if config.batch_size == 0 {
            return Err(Error::InvalidBatchSize);
        }
        let input = network.geometry().shape(Place::Input)?.to_vec();
        for (what, images) in [("training images", &train), ("test images", &test)] {
            if images.shape()[1..] != *input {
                let mut want = vec![images.shape()[0]];
                want.extend_from_slice(&input);
                return Err(Error::shape(what, &want, images.shape()));
            }
        }
        let head = |a: Array4<f32>| {
            if a.shape()[0] > config.size {
                a.slice(s![..config.size, .., .., ..]).to_owned()
            } else {
                a
            }
        };
        let mut ex = Explainer {
            network,
            images: [head(train), head(test)],
            params,
            layers: Vec::new(),
            batch_size: config.batch_size,
            progress: config.progress,
            cache: HashMap::new(),
        };
        ex.set_layers(config.layers)?;
        Ok(ex)
    }

    /// The network.
    pub fn network(&self) -> &N {
        &self.network
    }

    /// The images of a data set's sample.
    pub fn images(&self, split: Split) -> ArrayView4<'_, f32> {
        self.images[slot(split)].view()
    }

    /// The number of images in a data set's sample.
    pub fn len(&self, split: Split) -> usize {
        self.images[slot(split)].shape()[0]
    }

    /// The search parameters in use.
    pub fn params(&self) -> &SearchParams {
        self.params.params()
    }

    /// Replaces the search parameters (activations stay cached).
    ///
    /// # Errors
    /// The parameters' validation errors; the old ones stay in use then.
    pub fn set_params(&mut self, params: SearchParams) -> Result<()> {
        self.params = params.check()?;
        Ok(())
    }

    /// The layers explanations use, ascending.
    pub fn layers(&self) -> &[usize] {
        &self.layers
    }

    /// Replaces the layers explanations use.
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`]; the old layers stay in use then.
    pub fn set_layers(&mut self, mut layers: Vec<usize>) -> Result<()> {
        let count = self.network.geometry().len();
        if let Some(&l) = layers.iter().find(|&&l| l >= count) {
            return Err(Error::LayerOutOfRange {
                layer: l,
                layers: count,
            });
        }
        layers.sort_unstable();
        layers.dedup();
        self.layers = layers;
        Ok(())
    }

    /// The last layer (the network's output).
    pub fn output_layer(&self) -> usize {
        self.network.geometry().len().saturating_sub(1)
    }

    /// The nearest selected layer below `layer` (where nnitp explains a
    /// predicate of `layer`), if any.
    pub fn previous_layer(&self, layer: usize) -> Option<usize> {
        self.layers.iter().rev().copied().find(|&l| l < layer)
    }

    /// The shape of a layer's units.
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`].
    pub fn unit_shape(&self, layer: usize) -> Result<&[usize]> {
        self.network.geometry().shape(Place::Layer(layer))
    }

    /// Extracts (once) the activations of `layers` on a data set; returns the
    /// seconds spent (0 when all were cached).
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`] and extraction errors.
    pub fn prepare(&mut self, split: Split, layers: &[usize]) -> Result<f64> {
        let mut missing: Vec<usize> = Vec::new();
        for &l in layers {
            self.unit_shape(l)?;
            if !self.cache.contains_key(&(split, l)) && !missing.contains(&l) {
                missing.push(l);
            }
        }
        if missing.is_empty() {
            return Ok(0.0);
        }
        let start = Instant::now();
        let label = match split {
            Split::Train => "extracting training activations",
            Split::Test => "extracting test activations",
        };
        let label = self.progress.then_some(label);
        let acts = extract(
            &self.network,
            self.images[slot(split)].view(),
            &missing,
            self.batch_size,
            label,
        )?;
        for (l, a) in missing.into_iter().zip(acts) {
            self.cache.insert((split, l), a);
        }
        Ok(start.elapsed().as_secs_f64())
    }

    /// The activations of `layer` on a data set, `[N, units]` channels last.
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn activations(&mut self, split: Split, layer: usize) -> Result<ArrayView2<'_, f32>> {
        self.prepare(split, &[layer])?;
        Ok(self.cache[&(split, layer)].view())
    }

    fn cached(&self, split: Split, layer: usize) -> ArrayView2<'_, f32> {
        self.cache[&(split, layer)].view()
    }

    /// The network's predicted class for every image of a data set's sample.
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn predictions(&mut self, split: Split) -> Result<Vec<usize>> {
        let out = self.output_layer();
        let acts = self.activations(split, out)?;
        Ok(acts.rows().into_iter().map(argmax).collect())
    }

    fn check_premise(&self, premise: Premise) -> Result<()> {
        let images = self.len(premise.split);
        if premise.index >= images {
            return Err(Error::ImageOutOfRange {
                index: premise.index,
                images,
            });
        }
        Ok(())
    }

    /// Where `predicate` holds on every image of a data set's sample.
    ///
    /// # Errors
    /// As [`Explainer::prepare`] and [`Predicate::eval_batch`].
    pub fn mask(&mut self, split: Split, predicate: &LayerPredicate) -> Result<Vec<bool>> {
        self.prepare(split, &[predicate.layer])?;
        let shape = self.unit_shape(predicate.layer)?.to_vec();
        let m = predicate
            .predicate
            .eval_batch(self.cached(split, predicate.layer), &shape)?;
        Ok(m.to_vec())
    }

    /// Explains why `premise` satisfies `conclusion` with an interpolant at
    /// `layer`, searched inside the conclusion's cone.
    ///
    /// # Errors
    /// [`Error::ImageOutOfRange`], [`Error::LayerOutOfRange`],
    /// [`Error::LayerNotBelow`] when `layer` is not below the conclusion's
    /// layer, and the search's errors (e.g. [`Error::NoPositiveSamples`]).
    pub fn explain(
        &mut self,
        premise: Premise,
        conclusion: &LayerPredicate,
        layer: usize,
    ) -> Result<Explanation> {
        self.check_premise(premise)?;
        let geometry = self.network.geometry();
        let conc_shape = geometry.shape(Place::Layer(conclusion.layer))?.to_vec();
        let shape = geometry.shape(Place::Layer(layer))?.to_vec();
        if layer >= conclusion.layer {
            return Err(Error::LayerNotBelow {
                from: layer,
                to: conclusion.layer,
            });
        }
        let target = predicate_box(&conclusion.predicate, &conc_shape)?;
        let cone = geometry.cone(Place::Layer(layer), conclusion.layer, &target)?;
        let both = [layer, conclusion.layer];
        let mut extract_seconds = self.prepare(Split::Train, &both)?;
        extract_seconds += self.prepare(Split::Test, &both)?;
        let train_mask = self.mask(Split::Train, conclusion)?;
        let test_mask = self.mask(Split::Test, conclusion)?;
        let start = Instant::now();
        let train = self.cached(Split::Train, layer);
        let acts = self.cached(premise.split, layer);
        let premise_row = acts.slice(s![premise.index..premise.index + 1, ..]);
        let input =
            SearchInput::masked(premise_row, train, &train_mask, &shape).with_cone(Some(cone));
        let interpolant = self.params.search(&input)?;
        let search_seconds = start.elapsed().as_secs_f64();
        let pred = Predicate::from(interpolant.clone());
        let train_acc = Accuracy::measure(Split::Train, &pred, train, &shape, &train_mask)?;
        let test_acc = Accuracy::measure(
            Split::Test,
            &pred,
            self.cached(Split::Test, layer),
            &shape,
            &test_mask,
        )?;
        Ok(Explanation {
            premise,
            conclusion: conclusion.clone(),
            layer,
            interpolant,
            train: train_acc,
            test: test_acc,
            extract_seconds,
            search_seconds,
        })
    }

    /// The first `limit` images of a data set satisfying `predicate`, only those
    /// the network classifies as `class` when given (nnitp's `restrict`).
    ///
    /// # Errors
    /// As [`Explainer::mask`]; [`Error::ClassOutOfRange`].
    pub fn satisfying(
        &mut self,
        split: Split,
        predicate: &LayerPredicate,
        limit: usize,
        class: Option<usize>,
    ) -> Result<Vec<usize>> {
        let mask = self.mask(split, predicate)?;
        let preds = match class {
            Some(c) => {
                let classes = self.unit_shape(self.output_layer())?.iter().product();
                if c >= classes {
                    return Err(Error::ClassOutOfRange { class: c, classes });
                }
                Some(self.predictions(split)?)
            }
            None => None,
        };
        Ok(mask
            .iter()
            .enumerate()
            .filter(|&(i, &m)| {
                m && match (&preds, class) {
                    (Some(p), Some(c)) => p[i] == c,
                    _ => true,
                }
            })
            .map(|(i, _)| i)
            .take(limit)
            .collect())
    }

    /// The same as [`Explainer::satisfying`] for the negation of `predicate`.
    ///
    /// # Errors
    /// As [`Explainer::satisfying`].
    pub fn violating(
        &mut self,
        split: Split,
        predicate: &LayerPredicate,
        limit: usize,
        class: Option<usize>,
    ) -> Result<Vec<usize>> {
        let not = LayerPredicate::new(predicate.layer, predicate.predicate.clone().negate());
        self.satisfying(split, &not, limit, class)
    }

    /// The fraction of a data set's sample satisfying `predicate`.
    ///
    /// # Errors
    /// As [`Explainer::mask`].
    pub fn fraction(&mut self, split: Split, predicate: &LayerPredicate) -> Result<f64> {
        let mask = self.mask(split, predicate)?;
        Ok(mask.iter().filter(|&&m| m).count() as f64 / mask.len().max(1) as f64)
    }

    /// nnitp's percentile box: `bound` with its threshold moved so that the
    /// images in the upper `percentile` percent of the unit's values (for `>=`;
    /// the lower `percentile` percent for `<=`) satisfy it. Percentiles are
    /// numpy's (linear interpolation between order statistics).
    ///
    /// # Errors
    /// [`Error::InvalidPercentile`] outside [0, 100]; [`Error::UnitOutOfRange`].
    pub fn percentile_bound(
        &mut self,
        split: Split,
        layer: usize,
        bound: &Bound,
        percentile: f64,
    ) -> Result<Bound> {
        if !(0.0..=100.0).contains(&percentile) {
            return Err(Error::InvalidPercentile(percentile));
        }
        let shape = self.unit_shape(layer)?.to_vec();
        let j = bound.unit.flat(&shape)?;
        let acts = self.activations(split, layer)?;
        let mut values: Vec<f32> = acts.index_axis(Axis(1), j).to_vec();
        values.sort_unstable_by(f32::total_cmp);
        let q = match bound.op {
            Op::Ge => 100.0 - percentile,
            Op::Le => percentile,
        };
        Ok(Bound::new(
            bound.unit.clone(),
            bound.op,
            numpy_percentile(&values, q),
        ))
    }

    /// The region of the input image that unit `unit` of `layer` depends on.
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`], [`Error::ConeOutsideShape`] for a unit outside the layer.
    pub fn input_box(&self, layer: usize, unit: &Unit) -> Result<UnitBox> {
        self.network
            .geometry()
            .cone(Place::Input, layer, &UnitBox::unit(unit))
    }

    /// The region of the input image that `predicate` depends on.
    ///
    /// # Errors
    /// As [`Explainer::input_box`].
    pub fn predicate_input_box(&self, predicate: &LayerPredicate) -> Result<UnitBox> {
        let geometry = self.network.geometry();
        let shape = geometry.shape(Place::Layer(predicate.layer))?;
        let b = predicate_box(&predicate.predicate, shape)?;
        geometry.cone(Place::Input, predicate.layer, &b)
    }
}

/// The smallest box holding every unit `predicate` mentions (`is_max` and the
/// empty conjunction: the whole layer).
fn predicate_box(predicate: &Predicate, shape: &[usize]) -> Result<UnitBox> {
    fn collect(p: &Predicate, out: &mut Vec<Unit>) -> bool {
        match p {
            Predicate::Bound(b) => {
                out.push(b.unit.clone());
                true
            }
            Predicate::And(ps) => ps.iter().all(|q| collect(q, out)) && !ps.is_empty(),
            Predicate::Not(q) => collect(q, out),
            Predicate::IsMax(_) => false,
        }
    }
    let mut units = Vec::new();
    if !collect(predicate, &mut units) {
        return Ok(UnitBox::full(shape));
    }
    for u in &units {
        u.flat(shape)?;
    }
    let ranges = (0..shape.len()).map(|d| {
        let lo = units.iter().map(|u| u.0[d]).min().unwrap_or(0);
        let hi = units.iter().map(|u| u.0[d]).max().unwrap_or(0);
        lo..hi + 1
    });
    Ok(UnitBox::new(ranges))
}

/// numpy's `percentile(values, q)` (linear method) of sorted `values`.
fn numpy_percentile(sorted: &[f32], q: f64) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    let pos = q / 100.0 * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    let (a, b) = (f64::from(sorted[lo]), f64::from(sorted[hi]));
    (a + (b - a) * frac) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy() {
        let v = [1.0f32, 2.0, 3.0, 4.0];
        assert_eq!(numpy_percentile(&v, 0.0), 1.0);
        assert_eq!(numpy_percentile(&v, 100.0), 4.0);
        assert_eq!(numpy_percentile(&v, 50.0), 2.5);
        assert!((numpy_percentile(&v, 10.0) - 1.3).abs() < 1e-6);
    }

    #[test]
    fn predicate_boxes() {
        let shape = [4, 4, 2];
        let b = |u: [usize; 3]| Predicate::Bound(Bound::new(Unit::new(u), Op::Ge, 0.0));
        assert_eq!(
            predicate_box(&Predicate::IsMax(1), &shape).unwrap(),
            UnitBox::full(&shape)
        );
        assert_eq!(
            predicate_box(&b([1, 2, 0]), &shape).unwrap(),
            UnitBox::new([1..2, 2..3, 0..1])
        );
        let both = Predicate::And(vec![b([1, 2, 0]), b([3, 0, 1])]).negate();
        assert_eq!(
            predicate_box(&both, &shape).unwrap(),
            UnitBox::new([1..4, 0..3, 0..2])
        );
        assert!(matches!(
            predicate_box(&b([4, 0, 0]), &shape),
            Err(Error::UnitOutOfRange { .. })
        ));
    }
}
