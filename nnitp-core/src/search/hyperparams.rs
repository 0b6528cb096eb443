//! Search parameters, checked once into [`ValidSearchParams`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Parameters of the interpolant search, as in nnitp.
///
/// Build with [`SearchParams::default`] and the `with_*` methods, then
/// [`check`](SearchParams::check) them once into a [`ValidSearchParams`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchParams {
    alpha: f64,
    gamma: f64,
    mu: f64,
    ensemble_size: usize,
    seed: u64,
}

impl Default for SearchParams {
    fn default() -> Self {
        SearchParams {
            alpha: 0.98,
            gamma: 0.6,
            mu: 0.9,
            ensemble_size: 1,
            seed: 0,
        }
    }
}

/// Replacements for some search parameters, e.g. from a command line or a
/// request; `None` keeps the value it is applied to
/// ([`SearchParams::overridden`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ParamOverrides {
    /// Replaces `alpha`.
    pub alpha: Option<f64>,
    /// Replaces `gamma`.
    pub gamma: Option<f64>,
    /// Replaces `mu`.
    pub mu: Option<f64>,
    /// Replaces `ensemble_size`.
    pub ensemble_size: Option<usize>,
    /// Replaces `seed`.
    pub seed: Option<u64>,
}

impl SearchParams {
    /// Required precision on the training samples, in (0, 1]. Default 0.98.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Initial fraction of the positive samples each conjunct must keep, in
    /// (0, 1]. Default 0.6.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// Factor applied to gamma after each conjunct, in (0, 1]. Default 0.9.
    pub fn mu(&self) -> f64 {
        self.mu
    }

    /// Number of searches on disjoint random unit subsets whose results are
    /// conjoined. Default 1.
    pub fn ensemble_size(&self) -> usize {
        self.ensemble_size
    }

    /// Seed of the unit subsets of an ensemble. Default 0.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// These parameters with the values `overrides` gives replaced (unchecked).
    pub fn overridden(self, overrides: &ParamOverrides) -> Self {
        SearchParams {
            alpha: overrides.alpha.unwrap_or(self.alpha),
            gamma: overrides.gamma.unwrap_or(self.gamma),
            mu: overrides.mu.unwrap_or(self.mu),
            ensemble_size: overrides.ensemble_size.unwrap_or(self.ensemble_size),
            seed: overrides.seed.unwrap_or(self.seed),
        }
    }

    /// Sets the required precision `alpha`.
    pub fn with_alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets the initial recall fraction `gamma`.
    pub fn with_gamma(mut self, gamma: f64) -> Self {
        self.gamma = gamma;
        self
    }

    /// Sets the gamma decay `mu`.
    pub fn with_mu(mut self, mu: f64) -> Self {
        self.mu = mu;
        self
    }

    /// Sets the ensemble size.
    pub fn with_ensemble_size(mut self, ensemble_size: usize) -> Self {
        self.ensemble_size = ensemble_size;
        self
    }

    /// Sets the ensemble seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every rule once.
    ///
    /// # Errors
    /// [`ParamError::InvalidAlpha`](crate::error::ParamError::InvalidAlpha), [`ParamError::InvalidGamma`](crate::error::ParamError::InvalidGamma), [`ParamError::InvalidMu`](crate::error::ParamError::InvalidMu) for a
    /// value outside (0, 1] (NaN included); [`ParamError::InvalidEnsembleSize`](crate::error::ParamError::InvalidEnsembleSize) for 0.
    pub fn check(self) -> Result<ValidSearchParams> {
        let in_unit = |x: f64| x > 0.0 && x <= 1.0;
        if !in_unit(self.alpha) {
            return Err(Error::Params(crate::error::ParamError::InvalidAlpha(
                self.alpha,
            )));
        }
        if !in_unit(self.gamma) {
            return Err(Error::Params(crate::error::ParamError::InvalidGamma(
                self.gamma,
            )));
        }
        if !in_unit(self.mu) {
            return Err(Error::Params(crate::error::ParamError::InvalidMu(self.mu)));
        }
        if self.ensemble_size == 0 {
            return Err(Error::Params(
                crate::error::ParamError::InvalidEnsembleSize(self.ensemble_size),
            ));
        }
        Ok(ValidSearchParams(self))
    }
}

/// Search parameters that passed [`SearchParams::check`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ValidSearchParams(SearchParams);

impl ValidSearchParams {
    /// The checked parameters.
    pub fn params(&self) -> &SearchParams {
        &self.0
    }
}

impl std::ops::Deref for ValidSearchParams {
    type Target = SearchParams;
    fn deref(&self) -> &SearchParams {
        &self.0
    }
}

impl TryFrom<SearchParams> for ValidSearchParams {
    type Error = Error;
    fn try_from(p: SearchParams) -> Result<Self> {
        p.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let p = SearchParams::default().check().unwrap();
        assert_eq!(
            (p.alpha(), p.gamma(), p.mu(), p.ensemble_size()),
            (0.98, 0.6, 0.9, 1)
        );
    }

    #[test]
    fn invalid_alpha() {
        for a in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(matches!(
                SearchParams::default().with_alpha(a).check(),
                Err(Error::Params(crate::error::ParamError::InvalidAlpha(_)))
            ));
        }
        assert!(SearchParams::default().with_alpha(1.0).check().is_ok());
    }

    #[test]
    fn invalid_gamma() {
        for g in [0.0, 1.01, f64::NAN] {
            assert!(matches!(
                SearchParams::default().with_gamma(g).check(),
                Err(Error::Params(crate::error::ParamError::InvalidGamma(_)))
            ));
        }
    }

    #[test]
    fn invalid_mu() {
        for m in [0.0, 2.0, f64::INFINITY] {
            assert!(matches!(
                SearchParams::default().with_mu(m).check(),
                Err(Error::Params(crate::error::ParamError::InvalidMu(_)))
            ));
        }
    }

    #[test]
    fn invalid_ensemble_size() {
        assert!(matches!(
            SearchParams::default().with_ensemble_size(0).check(),
            Err(Error::Params(
                crate::error::ParamError::InvalidEnsembleSize(0)
            ))
        ));
    }
}
