//! # nnitp-core
//!
//! The engine of nnitp: explains a neural classifier's decision on an input with a
//! **Bayesian interpolant**, a conjunction of bounds on the units of a hidden layer
//! that the input satisfies and that predicts the conclusion (e.g. "the output is
//! class 0") with precision at least `alpha` on training data.
//!
//! - [`predicate`]: units, bounds, conjunctions, `is_max`, evaluation on batches.
//! - [`search`]: the interpolant search, exact to the reference nnitp.
//! - [`accuracy`]: F, N, P, precision and recall on a data set.
//! - [`cone`]: layer geometry and receptive fields (cones).
//! - [`explainer`]: the [`Explainer`] session: explain a model's decisions on
//!   its data, drill down, find examples and counterexamples.
//! - [`source`]: where activations come from: [`ActivationSource`], and
//!   [`Activations`] computed elsewhere (another framework, `.npy` files).
//! - [`network`] (feature `burn`, on by default): the [`Network`] trait any burn
//!   model implements, its self-check, and extraction on any burn device.
//! - [`npy`] and [`case`]: the `.npy` folder format for bringing your own activations.
//! - [`features`]: input units named as a table's columns, in the data's units.
//! - [`progress`]: progress callbacks; [`rng`]: the seeded generator.
//!
//! Without default features (`default-features = false`) the engine builds
//! without burn: everything above but [`network`] and [`Explainer::new`].
//! `ndarray` (and `burn`, with the feature) are re-exported, so a dependent
//! crate uses the very versions this crate was built with.
//!
//! ```
//! use ndarray::array;
//! use nnitp_core::{Accuracy, Predicate, SearchInput, SearchParams, Split};
//!
//! let train = array![[0.0f32, 1.0], [1.0, 0.0], [0.9, 0.2], [0.1, 0.8]];
//! let mask = [false, true, true, false];
//! let premise = train.slice(ndarray::s![1..2, ..]);
//! let params = SearchParams::default().check()?;
//! let itp = params.search(&SearchInput::masked(premise, train.view(), &mask, &[2]))?;
//! let acc = Accuracy::measure(Split::Train, &itp.clone().into(), train.view(), &[2], &mask)?;
//! assert_eq!(acc.precision(), Some(1.0));
//! println!("{itp}\n{acc}");
//! # Ok::<(), nnitp_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod accuracy;
#[cfg(feature = "cache")]
pub mod cache;
pub mod case;
pub mod cone;
pub mod digest;
pub mod error;
pub mod explainer;
pub mod features;
mod files;
pub mod format;
pub mod interval;
#[cfg(feature = "burn")]
pub mod network;
pub mod npy;
pub mod predicate;
pub mod progress;
pub mod rng;
pub mod search;
pub mod source;
pub mod split;
pub mod unit;

#[cfg(feature = "burn")]
pub use burn;
pub use ndarray;

pub use accuracy::Accuracy;
pub use error::{Error, Result};
pub use explainer::{Explainer, ExplainerConfig, Explanation, Premise};
pub use interval::{Interval, IntervalMethod};
#[cfg(feature = "burn")]
pub use network::{Network, NetworkSource, Taps};
pub use predicate::{Bound, Conjunction, Interpolant, LayerPredicate, Op, Predicate};
pub use search::{ParamOverrides, SearchInput, SearchParams, ValidSearchParams};
pub use source::{ActivationSource, Activations};
pub use split::Split;
pub use unit::{Unit, UnitBox};
