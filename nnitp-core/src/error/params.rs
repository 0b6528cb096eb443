//! Parameters outside their range: the caller's settings, refused before any
//! work is done.

/// A parameter outside its range.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamError {
    /// `alpha` (the required precision) must lie in (0, 1].
    #[error("alpha must lie in (0, 1], got {0}")]
    InvalidAlpha(f64),
    /// `gamma` (the initial recall fraction) must lie in (0, 1].
    #[error("gamma must lie in (0, 1], got {0}")]
    InvalidGamma(f64),
    /// `mu` (the gamma decay per conjunct) must lie in (0, 1].
    #[error("mu must lie in (0, 1], got {0}")]
    InvalidMu(f64),
    /// The ensemble size must be at least 1.
    #[error("ensemble size must be at least 1, got {0}")]
    InvalidEnsembleSize(usize),
    /// A batch size of zero.
    #[error("batch size must be at least 1")]
    InvalidBatchSize,
    /// A sample size of zero.
    #[error("the sample size must be at least 1")]
    InvalidSize,
    /// A stability measurement with no resample.
    #[error("the number of resamples must be at least 1")]
    InvalidResamples,
    /// A faithfulness measurement on no image.
    #[error("the number of faithfulness samples must be at least 1")]
    InvalidFaithfulnessSamples,
    /// A rule-set coverage target outside (0, 1].
    #[error("the coverage target must lie in (0, 1], got {0}")]
    InvalidCoverage(f64),
    /// A rule set allowed no rule.
    #[error("the rule limit must be at least 1")]
    InvalidMaxRules,
    /// A percentile outside [0, 100].
    #[error("percentile must lie in [0, 100], got {0}")]
    InvalidPercentile(f64),
}
