//! Building an [`Explainer`] and changing its settings.

use std::sync::Mutex;

use super::cache::LayerCache;
use super::config::{sorted_layers, ExplainerConfig, ValidExplainerConfig};
use super::Explainer;
use crate::error::{Error, Result};
use crate::progress::Observer;
use crate::search::{SearchBuffers, SearchParams};
use crate::source::{ActivationSource, Activations, Precomputed};
use crate::split::Split;

/// The first `n` samples (rows along the first axis) of `a`.
fn head<D: ndarray::Dimension>(a: ndarray::Array<f32, D>, n: usize) -> ndarray::Array<f32, D> {
    if a.len_of(ndarray::Axis(0)) > n {
        a.slice_axis(ndarray::Axis(0), ndarray::Slice::from(..n))
            .to_owned()
    } else {
        a
    }
}

#[cfg(feature = "burn")]
impl<N: crate::network::Network + Send + Sync> Explainer<crate::network::NetworkSource<N>> {
    /// A session on the first `config.size()` images of `train` and of `test`
    /// (`[N, H, W, C]`, channels last, normalised as the network expects).
    /// The network is checked first: a few images run through every layer
    /// and each output must have the shape (and each flatten the order) its
    /// geometry declares.
    ///
    /// # Errors
    /// The configuration's errors ([`ExplainerConfig::check`]),
    /// [`Error::ShapeMismatch`] for images that do not fit the network's
    /// input, and the network check's errors
    /// ([`NetworkError::LayerOutputShape`](crate::error::NetworkError::LayerOutputShape)
    /// naming the layer).
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
        let config = config.check(network.geometry())?;
        let (train, test) = (head(train, config.size), head(test, config.size));
        let source = crate::network::NetworkSource::new(network, train, test)?
            .with_batch_size(config.batch_size)?;
        let cache = Self::cache_for(&source, &config);
        Ok(Self::from_parts(source, config, cache))
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
    /// A session on activations computed elsewhere: the first `config.size()`
    /// samples of each data set. Both data sets need the output layer (for
    /// predictions) and every selected layer.
    ///
    /// # Errors
    /// The configuration's errors ([`ExplainerConfig::check`]);
    /// [`Error::LayerNotAvailable`] for the output layer or a selected layer
    /// missing from a data set.
    pub fn from_activations(activations: Activations, config: ExplainerConfig) -> Result<Self> {
        let config = config.check(activations.geometry())?;
        let output = activations.geometry().len().saturating_sub(1);
        for split in [Split::Train, Split::Test] {
            let have = activations.layers(split);
            if let Some(&l) = std::iter::once(&output)
                .chain(&config.layers)
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
        Ok(Self::from_parts(
            Precomputed::new(geometry, lens, images),
            config,
            cache,
        ))
    }
}

impl<S: ActivationSource> Explainer<S> {
    /// A session on every sample `source` has (`config.size()` is not
    /// applied: the source decides its samples).
    ///
    /// # Errors
    /// The configuration's errors ([`ExplainerConfig::check`]).
    pub fn with_source(source: S, config: ExplainerConfig) -> Result<Self> {
        let config = config.check(source.geometry())?;
        let cache = Self::cache_for(&source, &config);
        Ok(Self::from_parts(source, config, cache))
    }

    /// An empty layer cache for `source` with the configuration's budget and
    /// disk cache.
    fn cache_for(source: &S, config: &ValidExplainerConfig) -> LayerCache {
        let cache = LayerCache::new(source.geometry().len()).with_budget(config.memory_budget);
        #[cfg(feature = "cache")]
        let cache = cache.with_disk(config.cache.clone().map(crate::cache::ActivationCache::new));
        cache
    }

    fn from_parts(source: S, config: ValidExplainerConfig, cache: LayerCache) -> Self {
        Explainer {
            cache,
            source,
            params: config.params,
            layers: config.layers,
            observer: Observer::none(),
            buffers: Mutex::new(SearchBuffers::new()),
            features: None,
        }
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
            features: self.features,
        }
    }

    /// Reports extraction progress to `observer` (nothing is reported by default).
    pub fn with_observer(mut self, observer: Observer) -> Self {
        self.observer = observer;
        self
    }

    /// Names the input's units ([`Features`](crate::features::Features)):
    /// explanations at a layer that holds the features one for one then say
    /// their interpolant in the data's own words
    /// ([`Explanation::in_features`](super::Explanation::in_features)).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the input has another number of units.
    pub fn with_features(mut self, features: crate::features::Features) -> Result<Self> {
        let shape = self.geometry().shape(crate::cone::Place::Input)?;
        let units: usize = shape.iter().product();
        if units != features.len() {
            return Err(Error::shape("feature names", &[units], &[features.len()]));
        }
        self.features = Some(features);
        Ok(self)
    }

    /// The names of the input's units, where given
    /// ([`with_features`](Self::with_features)).
    pub fn features(&self) -> Option<&crate::features::Features> {
        self.features.as_ref()
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
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange);
    /// the old layers stay in use then.
    pub fn set_layers(&mut self, layers: Vec<usize>) -> Result<()> {
        self.layers = sorted_layers(layers, self.geometry())?;
        Ok(())
    }
}
