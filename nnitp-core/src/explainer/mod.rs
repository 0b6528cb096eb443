//! The [`Explainer`] session: a network's activations on a training and a test
//! sample, and explanations of the network's decisions on them (with
//! drill-down), as nnitp's workflow does.
//!
//! Activations come from an [`ActivationSource`]: a burn network (with the
//! `burn` feature; extracted lazily, one pass per data set for all the layers a
//! request needs, and kept) or matrices computed elsewhere
//! ([`Explainer::from_activations`]). Queries take `&self`, so results can be
//! held while asking more.

mod access;
mod cache;
mod config;
mod construct;
mod explain;
mod explanation;
pub mod faithfulness;
mod percentile;
mod queries;
mod regions;
mod rules;
mod stability;

pub use cache::{LayerActivations, MemoryUse};
pub use config::{ExplainerConfig, ValidExplainerConfig};
pub use explanation::{Explanation, Premise};
pub use faithfulness::{Faithfulness, FaithfulnessParams, ValidFaithfulnessParams};
pub use rules::{Rule, RuleSet, RuleSetParams, RuleSets, StopReason, ValidRuleSetParams};
pub use stability::{ConjunctStability, Stability};

use std::sync::Mutex;

use crate::progress::Observer;
use crate::search::{SearchBuffers, ValidSearchParams};
use crate::source::ActivationSource;
use crate::split::Split;
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
    features: Option<crate::features::Features>,
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
