//! The settings of a faithfulness measurement, checked once.

use serde::{Deserialize, Serialize};

use crate::error::{ParamError, Result};

/// How a faithfulness measurement samples: how many test images per
/// intervention, and the seed every random choice is drawn from.
///
/// ```
/// use nnitp_core::explainer::FaithfulnessParams;
/// let p = FaithfulnessParams::new().with_samples(50).with_seed(3).check()?;
/// assert_eq!(p.samples(), 50);
/// assert!(FaithfulnessParams::new().with_samples(0).check().is_err());
/// # Ok::<(), nnitp_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaithfulnessParams {
    samples: usize,
    seed: u64,
}

impl Default for FaithfulnessParams {
    fn default() -> Self {
        Self::new()
    }
}

impl FaithfulnessParams {
    /// 100 test images per intervention, seed 0.
    pub fn new() -> Self {
        FaithfulnessParams {
            samples: 100,
            seed: 0,
        }
    }

    /// The test images per intervention (at most; fewer where fewer qualify).
    pub fn with_samples(mut self, samples: usize) -> Self {
        self.samples = samples;
        self
    }

    /// The seed of the images, the random units and the random regions.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The settings, checked.
    ///
    /// # Errors
    /// [`ParamError::InvalidFaithfulnessSamples`] for 0 samples.
    pub fn check(self) -> Result<ValidFaithfulnessParams> {
        if self.samples == 0 {
            return Err(ParamError::InvalidFaithfulnessSamples.into());
        }
        Ok(ValidFaithfulnessParams(self))
    }
}

/// [`FaithfulnessParams`] that passed [`FaithfulnessParams::check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidFaithfulnessParams(FaithfulnessParams);

impl ValidFaithfulnessParams {
    /// The test images per intervention.
    pub fn samples(&self) -> usize {
        self.0.samples
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.0.seed
    }
}
