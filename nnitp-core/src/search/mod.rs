//! The Bayesian interpolant search.
//!
//! ```
//! use ndarray::array;
//! use nnitp_core::search::{SearchInput, SearchParams};
//!
//! // four samples of two units; the conclusion holds for the last two
//! let data = array![[0.1f32, 0.9], [0.2, 0.1], [0.9, 0.8], [0.8, 0.7]];
//! let mask = [false, false, true, true];
//! let premise = data.slice(ndarray::s![2..3, ..]);
//! let params = SearchParams::default().with_alpha(0.9).check()?;
//! let itp = params.search(&SearchInput::masked(premise, data.view(), &mask, &[2]))?;
//! assert_eq!(itp.to_string(), "(v(0)>=0.8)");
//! # Ok::<(), nnitp_core::Error>(())
//! ```

mod algorithm;
mod buffers;
mod columns;
mod hyperparams;
mod input;
mod keys;
#[cfg(target_arch = "x86_64")]
mod lanes;
mod member;
mod rows;
mod scatter;
mod select;
mod simd;

pub use buffers::SearchBuffers;
pub use hyperparams::{ParamOverrides, SearchParams, ValidSearchParams};
pub use input::SearchInput;

use crate::error::Result;
use crate::predicate::Interpolant;

impl ValidSearchParams {
    /// Searches for an interpolant: a conjunction of bounds on the units of
    /// `input` that every premise row satisfies and that predicts the positive
    /// samples with precision at least `alpha` on `input`'s samples (or as close
    /// as the search gets before gamma falls to 0.001).
    ///
    /// Returns exactly what the reference nnitp returns on the same data.
    ///
    /// # Errors
    /// [`Error::NoPositiveSamples`](crate::Error::NoPositiveSamples),
    /// [`Error::EmptyPremise`](crate::Error::EmptyPremise),
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) (a matrix or mask
    /// that does not fit the unit shape),
    /// [`Error::NonFinite`](crate::Error::NonFinite) (a NaN or infinity in the
    /// premise or in the units searched),
    /// [`UnitError::ConeOutsideShape`](crate::unit::UnitError::ConeOutsideShape),
    /// [`Error::EnsembleTooLarge`](crate::Error::EnsembleTooLarge).
    pub fn search(&self, input: &SearchInput<'_>) -> Result<Interpolant> {
        algorithm::search(self, input, &mut SearchBuffers::new())
    }

    /// [`ValidSearchParams::search`] reusing the large buffers of earlier
    /// searches given the same `buffers` (faster for repeated searches).
    ///
    /// # Errors
    /// As [`ValidSearchParams::search`].
    pub fn search_with(
        &self,
        input: &SearchInput<'_>,
        buffers: &mut SearchBuffers,
    ) -> Result<Interpolant> {
        algorithm::search(self, input, buffers)
    }
}
