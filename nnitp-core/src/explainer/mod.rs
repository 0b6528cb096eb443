//! The [`Explainer`] session: a network's activations on a training and a test
//! sample, and explanations of the network's decisions on them (with
//! drill-down), as nnitp's workflow does.
//!
//! Activations come from an [`ActivationSource`]: a burn network (with the
//! `burn` feature; extracted lazily, one pass per data set for all the layers a
//! request needs, and kept) or matrices computed elsewhere
//! ([`Explainer::from_activations`]). Queries take `&self`, so results can be
//! held while asking more.

mod cache;
mod config;
mod explanation;
mod rules;
mod stability;

pub use cache::{LayerActivations, MemoryUse};
pub use config::ExplainerConfig;
pub use explanation::{Explanation, Premise};
pub use rules::{Rule, RuleSet, RuleSetParams, RuleSets, StopReason};
pub use stability::{ConjunctStability, Stability};

use std::sync::Mutex;
use std::time::Instant;

use ndarray::{s, ArrayView4, Axis};

use crate::accuracy::Accuracy;
use crate::cone::{Geometry, Place};
use crate::error::{Error, Result};
use crate::predicate::{argmax, Bound, LayerPredicate, Op, Predicate};
use crate::progress::Observer;
use crate::search::{SearchBuffers, SearchInput, SearchParams, ValidSearchParams};
use crate::source::{ActivationSource, Activations, Precomputed};
use crate::split::Split;
use crate::unit::{Unit, UnitBox};
use cache::LayerCache;

/// An explanation session over an activation source (a network and its
/// training and test samples, or activations computed elsewhere).
///
/// ```
/// use nnitp_core::cone::{Geometry, LayerKind};
/// use nnitp_core::ndarray::Array2;
/// use nnitp_core::rng::SplitMix64;
/// use nnitp_core::{Activations, Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};
///
/// // a layer of 8 units feeding 2 output units, on 200 + 100 samples
/// let g = Geometry::new(&[8], vec![LayerKind::Activation, LayerKind::Dense { units: 2 }])?;
/// let mut r = SplitMix64::new(1);
/// let mut acts = Activations::new(g);
/// for (split, n) in [(Split::Train, 200), (Split::Test, 100)] {
///     let hidden = Array2::from_shape_simple_fn((n, 8), || r.normal());
///     let output = Array2::from_shape_fn((n, 2), |(i, k)| hidden[[i, 3]] * if k == 0 { 1.0 } else { -1.0 });
///     acts = acts.with_layer(split, 0, hidden)?.with_layer(split, 1, output)?;
/// }
/// let ex = Explainer::from_activations(acts, ExplainerConfig::new(vec![0]))?;
/// let class = ex.predictions(Split::Train)?[5];
/// let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
/// let e = ex.explain(Premise::train(5), &conclusion, 0)?;
/// assert_eq!(e.interpolant.bounds()[0].unit.0, [3]);
/// println!("{e}");
/// # Ok::<(), nnitp_core::Error>(())
/// ```
pub struct Explainer<S: ActivationSource> {
    source: S,
    params: ValidSearchParams,
    layers: Vec<usize>,
    cache: LayerCache,
    observer: Observer,
    buffers: Mutex<SearchBuffers>,
}

impl<S: ActivationSource> std::fmt::Debug for Explainer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Explainer")
            .field("layers", &self.layers)
            .field("params", self.params.params())
            .field("train", &self.len(Split::Train))
            .field("test", &self.len(Split::Test))
            .finish_non_exhaustive()
    }
}

/// Checks `config` and `layers` against `geometry`.
fn checked(
    config: &ExplainerConfig,
    geometry: &Geometry,
) -> Result<(ValidSearchParams, Vec<usize>)> {
    let params = config.params.check()?;
    if config.size == 0 {
        return Err(Error::InvalidSize);
    }
    if config.batch_size == 0 {
        return Err(Error::InvalidBatchSize);
    }
    Ok((params, sorted_layers(config.layers.clone(), geometry)?))
}

/// The first `n` samples (rows along the first axis) of `a`.
fn head<D: ndarray::Dimension>(a: ndarray::Array<f32, D>, n: usize) -> ndarray::Array<f32, D> {
    if a.len_of(Axis(0)) > n {
        a.slice_axis(Axis(0), ndarray::Slice::from(..n)).to_owned()
    } else {
        a
    }
}

fn sorted_layers(mut layers: Vec<usize>, geometry: &Geometry) -> Result<Vec<usize>> {
    let count = geometry.len();
    if let Some(&l) = layers.iter().find(|&&l| l >= count) {
        return Err(Error::LayerOutOfRange {
            layer: l,
            layers: count,
        });
    }
    layers.sort_unstable();
    layers.dedup();
    Ok(layers)
}

#[cfg(feature = "burn")]
impl<N: crate::network::Network + Send + Sync> Explainer<crate::network::NetworkSource<N>> {
    /// A session on the first `config.size` images of `train` and of `test`
    /// (`[N, H, W, C]`, channels last, normalised as the network expects).
    /// The network is checked first: a few images run through every layer
    /// and each output must have the shape (and each flatten the order) its
    /// geometry declares.
    ///
    /// # Errors
    /// The search parameters' errors, [`Error::InvalidSize`] for size 0,
    /// [`Error::InvalidBatchSize`], [`Error::ShapeMismatch`] for images that do
    /// not fit the network's input, [`Error::LayerOutOfRange`] for a selected
    /// layer the network does not have, and the network check's errors
    /// ([`Error::LayerOutputShape`] naming the layer).
    ///
    /// ```no_run
    /// # fn demo(net: impl nnitp_core::Network + Send + Sync, train: ndarray::Array4<f32>, test: ndarray::Array4<f32>) -> nnitp_core::Result<()> {
    /// use nnitp_core::{Explainer, ExplainerConfig, LayerPredicate, Predicate, Premise, Split};
    ///
    /// let ex = Explainer::new(net, train, test, ExplainerConfig::new(vec![6, 14]))?;
    /// let class = ex.predictions(Split::Train)?[3];
    /// let conclusion = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(class));
    /// let e = ex.explain(Premise::train(3), &conclusion, 14)?;
    /// let drill = ex.explain(Premise::train(3), &e.conjunct(0)?, 6)?;
    /// println!("{e}\n{drill}");
    /// # Ok(()) }
    /// ```
    pub fn new(
        network: N,
        train: ndarray::Array4<f32>,
        test: ndarray::Array4<f32>,
        config: ExplainerConfig,
    ) -> Result<Self> {
        checked(&config, network.geometry())?;
        let (train, test) = (head(train, config.size), head(test, config.size));
        let source = crate::network::NetworkSource::new(network, train, test)?
            .with_batch_size(config.batch_size)?;
        Self::with_source(source, config)
    }

    /// The network.
    pub fn network(&self) -> &N {
        self.source.network()
    }

    /// Ends the session and gives the network back.
    pub fn into_network(self) -> N {
        self.source.into_parts().0
    }
}

impl Explainer<Precomputed> {
    /// A session on activations computed elsewhere: the first `config.size`
    /// samples of each data set. Both data sets need the output layer (for
    /// predictions) and every selected layer.
    ///
    /// # Errors
    /// The configuration's errors as [`Explainer::new`];
    /// [`Error::LayerNotAvailable`] for the output layer or a selected layer
    /// missing from a data set.
    pub fn from_activations(activations: Activations, config: ExplainerConfig) -> Result<Self> {
        let (_, layers) = checked(&config, activations.geometry())?;
        let output = activations.geometry().len().saturating_sub(1);
        for split in [Split::Train, Split::Test] {
            let have = activations.layers(split);
            if let Some(&l) = std::iter::once(&output)
                .chain(&layers)
                .find(|l| !have.contains(l))
            {
                return Err(Error::LayerNotAvailable {
                    layer: l,
                    name: activations.geometry().name(l),
                    split,
                });
            }
        }
        let (geometry, sets, images) = activations.into_parts();
        let size = config.size;
        let images = images.map(|i| i.map(|a| head(a, size)));
        let lens = [0, 1].map(|s| sets[s].values().next().map_or(0, |a| a.nrows().min(size)));
        let mut cache = LayerCache::new(geometry.len()).with_budget(config.memory_budget);
        for (split, set) in [Split::Train, Split::Test].into_iter().zip(sets) {
            for (l, a) in set {
                cache.insert(split, l, head(a, size));
            }
        }
        let mut ex = Self::with_source(Precomputed::new(geometry, lens, images), config)?;
        ex.cache = cache;
        Ok(ex)
    }
}

impl<S: ActivationSource> Explainer<S> {
    /// A session on every sample `source` has (`config.size` is not applied:
    /// the source decides its samples).
    ///
    /// # Errors
    /// The configuration's errors as [`Explainer::new`].
    pub fn with_source(source: S, config: ExplainerConfig) -> Result<Self> {
        let (params, layers) = checked(&config, source.geometry())?;
        let cache = LayerCache::new(source.geometry().len()).with_budget(config.memory_budget);
        #[cfg(feature = "cache")]
        let cache = cache.with_disk(config.cache.map(crate::cache::ActivationCache::new));
        Ok(Explainer {
            cache,
            source,
            params,
            layers,
            observer: Observer::none(),
            buffers: Mutex::new(SearchBuffers::new()),
        })
    }

    /// The same session over a boxed source, so that sessions over sources of
    /// different types can be held alike.
    pub fn boxed(self) -> Explainer<Box<dyn ActivationSource>>
    where
        S: 'static,
    {
        Explainer {
            source: Box::new(self.source),
            params: self.params,
            layers: self.layers,
            cache: self.cache,
            observer: self.observer,
            buffers: self.buffers,
        }
    }

    /// Reports extraction progress to `observer` (nothing is reported by default).
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = observer;
        self
    }

    /// Replaces the progress observer.
    pub fn set_observer(&mut self, observer: Observer) {
        self.observer = observer;
    }

    /// The activation source.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Ends the session and gives the source back.
    pub fn into_source(self) -> S {
        self.source
    }

    /// The network's geometry.
    pub fn geometry(&self) -> &Geometry {
        self.source.geometry()
    }

    /// The input images of a data set's sample, when the source has them.
    pub fn images(&self, split: Split) -> Option<ArrayView4<'_, f32>> {
        self.source.images(split)
    }

    /// The number of samples of a data set.
    pub fn len(&self, split: Split) -> usize {
        self.source.len(split)
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
    pub fn set_layers(&mut self, layers: Vec<usize>) -> Result<()> {
        self.layers = sorted_layers(layers, self.geometry())?;
        Ok(())
    }

    /// The last layer (the network's output).
    pub fn output_layer(&self) -> usize {
        self.geometry().len().saturating_sub(1)
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
        self.geometry().shape(Place::Layer(layer))
    }

    /// Extracts (once) the activations of `layers` on a data set; returns the
    /// time spent (zero when all were in memory).
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`] and the source's errors.
    pub fn prepare(&self, split: Split, layers: &[usize]) -> Result<std::time::Duration> {
        for &l in layers {
            self.unit_shape(l)?;
        }
        let start = Instant::now();
        let (_, extracted) = self
            .cache
            .fill(&self.source, split, layers, &self.observer)?;
        Ok(if extracted {
            start.elapsed()
        } else {
            std::time::Duration::ZERO
        })
    }

    /// The activations of `layer` on a data set, `[N, units]` channels last
    /// (extracted first if need be).
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn activations(&self, split: Split, layer: usize) -> Result<LayerActivations> {
        self.unit_shape(layer)?;
        let (mut got, _) = self
            .cache
            .fill(&self.source, split, &[layer], &self.observer)?;
        Ok(got.remove(0))
    }

    /// The first failure to write the disk cache ([`ExplainerConfig::with_cache`]),
    /// if any: the explainer works on without it, writing nothing more there.
    #[cfg(feature = "cache")]
    pub fn cache_write_failure(&self) -> Option<crate::cache::WriteFailure> {
        self.cache.write_failure()
    }

    /// How much memory the session's activations take, and its budget.
    pub fn memory_use(&self) -> MemoryUse {
        self.cache.memory()
    }

    /// The network's predicted class for every sample of a data set.
    ///
    /// # Errors
    /// As [`Explainer::prepare`].
    pub fn predictions(&self, split: Split) -> Result<Vec<usize>> {
        let acts = self.activations(split, self.output_layer())?;
        Ok(acts.view().rows().into_iter().map(argmax).collect())
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

    /// Where `predicate` holds on every sample of a data set.
    ///
    /// # Errors
    /// As [`Explainer::prepare`] and [`Predicate::eval_batch`].
    pub fn mask(&self, split: Split, predicate: &LayerPredicate) -> Result<Vec<bool>> {
        let acts = self.activations(split, predicate.layer)?;
        let shape = self.unit_shape(predicate.layer)?;
        Ok(predicate.predicate.eval_batch(acts.view(), shape)?.to_vec())
    }

    /// Explains why `premise` satisfies `conclusion` with an interpolant at
    /// `layer`, searched inside the conclusion's cone.
    ///
    /// # Errors
    /// [`Error::ImageOutOfRange`], [`Error::LayerOutOfRange`],
    /// [`Error::LayerNotBelow`] when `layer` is not below the conclusion's
    /// layer, [`Error::PremiseViolatesConclusion`] when the premise does not
    /// satisfy the conclusion, and the search's errors.
    pub fn explain(
        &self,
        premise: Premise,
        conclusion: &LayerPredicate,
        layer: usize,
    ) -> Result<Explanation> {
        self.check_premise(premise)?;
        let shape = self.unit_shape(layer)?;
        if layer >= conclusion.layer {
            return Err(Error::LayerNotBelow {
                from: layer,
                to: conclusion.layer,
            });
        }
        let cone = self.predicate_cone(Place::Layer(layer), conclusion)?;
        let both = [layer, conclusion.layer];
        let extract_seconds =
            (self.prepare(Split::Train, &both)? + self.prepare(Split::Test, &both)?).as_secs_f64();
        let train_mask = self.mask(Split::Train, conclusion)?;
        let test_mask = self.mask(Split::Test, conclusion)?;
        let holds = match premise.split {
            Split::Train => train_mask[premise.index],
            Split::Test => test_mask[premise.index],
        };
        if !holds {
            return Err(Error::PremiseViolatesConclusion {
                split: premise.split,
                index: premise.index,
                conclusion: conclusion.to_string(),
            });
        }
        let start = Instant::now();
        let (train, acts) = (
            self.activations(Split::Train, layer)?,
            self.activations(premise.split, layer)?,
        );
        let test = self.activations(Split::Test, layer)?;
        let (train, acts) = (train.view(), acts.view());
        let premise_row = acts.slice(s![premise.index..premise.index + 1, ..]);
        let input =
            SearchInput::masked(premise_row, train, &train_mask, shape).with_cone(Some(cone));
        let interpolant = {
            let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
            self.params.search_with(&input, &mut buffers)?
        };
        let search_seconds = start.elapsed().as_secs_f64();
        let pred = Predicate::from(interpolant.clone());
        let train_acc = Accuracy::measure(Split::Train, &pred, train, shape, &train_mask)?;
        let test_acc = Accuracy::measure(Split::Test, &pred, test.view(), shape, &test_mask)?;
        Ok(Explanation {
            premise,
            conclusion: conclusion.clone(),
            layer,
            interpolant,
            train: train_acc,
            test: test_acc,
            extract_seconds,
            search_seconds,
            stability: None,
        })
    }

    /// The first `limit` samples of a data set satisfying `predicate`, only
    /// those the network classifies as `class` when given (nnitp's `restrict`).
    ///
    /// # Errors
    /// As [`Explainer::mask`]; [`Error::ClassOutOfRange`].
    pub fn satisfying(
        &self,
        split: Split,
        predicate: &LayerPredicate,
        limit: usize,
        class: Option<usize>,
    ) -> Result<Vec<usize>> {
        let mask = self.mask(split, predicate)?;
        let preds = match class {
            Some(c) => {
                self.check_class(c)?;
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
        &self,
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
    pub fn fraction(&self, split: Split, predicate: &LayerPredicate) -> Result<f64> {
        let mask = self.mask(split, predicate)?;
        Ok(mask.iter().filter(|&&m| m).count() as f64 / mask.len().max(1) as f64)
    }

    /// nnitp's percentile box: `bound` with its threshold moved so that the
    /// samples in the upper `percentile` percent of the unit's values (for
    /// `>=`; the lower `percentile` percent for `<=`) satisfy it. Percentiles
    /// are numpy's (linear interpolation between order statistics).
    ///
    /// # Errors
    /// [`Error::InvalidPercentile`] outside [0, 100]; [`Error::UnitOutOfRange`].
    pub fn percentile_bound(
        &self,
        split: Split,
        layer: usize,
        bound: &Bound,
        percentile: f64,
    ) -> Result<Bound> {
        if !(0.0..=100.0).contains(&percentile) {
            return Err(Error::InvalidPercentile(percentile));
        }
        let j = bound.unit.flat(self.unit_shape(layer)?)?;
        let acts = self.activations(split, layer)?;
        let mut values: Vec<f32> = acts.view().index_axis(Axis(1), j).to_vec();
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
        self.geometry()
            .cone(Place::Input, layer, &UnitBox::unit(unit))
    }

    /// The region of the input image that `predicate` depends on.
    ///
    /// # Errors
    /// As [`Explainer::input_box`].
    pub fn predicate_input_box(&self, predicate: &LayerPredicate) -> Result<UnitBox> {
        self.predicate_cone(Place::Input, predicate)
    }

    /// The box of units at `from` that can affect any unit `predicate`
    /// mentions: for a conclusion, the units its search may use.
    fn predicate_cone(&self, from: Place, predicate: &LayerPredicate) -> Result<UnitBox> {
        let geometry = self.geometry();
        let shape = geometry.shape(Place::Layer(predicate.layer))?;
        let b = predicate_box(&predicate.predicate, shape)?;
        geometry.cone(from, predicate.layer, &b)
    }

    /// The number of classes (the output layer's units).
    ///
    /// # Errors
    /// [`Error::LayerOutOfRange`] for a network without layers.
    fn classes(&self) -> Result<usize> {
        Ok(self.unit_shape(self.output_layer())?.iter().product())
    }

    /// Checks that `class` is one of the network's classes.
    ///
    /// # Errors
    /// [`Error::ClassOutOfRange`].
    fn check_class(&self, class: usize) -> Result<()> {
        let classes = self.classes()?;
        if class >= classes {
            return Err(Error::ClassOutOfRange { class, classes });
        }
        Ok(())
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
