//! Whether the network uses what an explanation says: interventions on the
//! explanation's units (and on random units of the same layer, as a
//! control), and occlusions of their regions of the image, each run through
//! the rest of the network ([`Explainer::faithfulness`](super::Explainer::faithfulness)).
//!
//! - **Necessity** of a conjunct: its unit moved just across its bound (to
//!   the median of that unit among the training images beyond the bound);
//!   how often the conclusion then stops holding.
//! - **Sufficiency**: on test images that do not satisfy the conclusion, the
//!   conjuncts' units set to the premise's values; how often it then holds.
//! - **Control**: the same on as many random units of the layer (drawn per
//!   image among the units that vary on the training sample): a random
//!   unit is moved to the median of the training values on the far side of
//!   the image's own value from the unit's median.
//! - **Occlusion**: each conjunct's input region filled with the training
//!   images' mean per channel, beside a random region of the same size.

mod occlusion;
mod params;
mod run;
mod trials;

pub use params::{FaithfulnessParams, ValidFaithfulnessParams};

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::interval::Interval;
use crate::predicate::Bound;
use crate::unit::UnitBox;

/// How often an intervention had its effect: `count` of `trials`, with the
/// 95 % interval of the proportion.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Trials with the effect.
    pub count: usize,
    /// Trials.
    pub trials: usize,
    /// The 95 % interval ([`Interval::of`]); `None` without trials.
    pub interval: Option<Interval>,
}

impl Rate {
    /// `count` of `trials`.
    pub fn new(count: usize, trials: usize) -> Self {
        Rate {
            count,
            trials,
            interval: Interval::of(count, trials),
        }
    }

    /// The proportion; `None` without trials.
    pub fn fraction(&self) -> Option<f64> {
        (self.trials > 0).then(|| self.count as f64 / self.trials as f64)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.fraction(), self.interval) {
            (Some(p), Some(i)) => write!(f, "{p:.2} ({}/{}) {i}", self.count, self.trials),
            _ => f.write_str("n/a (no trials)"),
        }
    }
}

/// An intervention's effect on the premise and on a sample of test images.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Effect {
    /// On the premise (one trial, or one per random draw).
    pub premise: Rate,
    /// On the sample of test images.
    pub sample: Rate,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let premise = match (self.premise.trials, self.premise.count) {
            (1, 1) => "yes".to_string(),
            (1, _) => "no".to_string(),
            _ => self.premise.to_string(),
        };
        write!(f, "premise {premise}; test images {}", self.sample)
    }
}

/// One conjunct's necessity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConjunctNecessity {
    /// The conjunct.
    pub bound: Bound,
    /// The value its unit is moved to: the median of the unit among the
    /// training images beyond the bound; `None` when no training image is
    /// beyond it (the conjunct cannot be moved, and has no figures).
    pub moved_to: Option<f32>,
    /// How often the conclusion stops holding.
    pub breaks: Option<Effect>,
}

/// One conjunct's input region occluded, beside random regions of its size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Occlusion {
    /// The conjunct.
    pub bound: Bound,
    /// Its region of the image (rows, columns, channels).
    pub region: UnitBox,
    /// How often the conclusion stops holding with the region occluded.
    pub breaks: Effect,
    /// The same with a random region of the same size (one per image).
    pub random_breaks: Effect,
    /// For an `is_max(c)` conclusion: the mean fall of output `c` on the test
    /// images.
    pub mean_fall: Option<MeanFall>,
}

/// The mean fall of the conclusion's output with a region occluded.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanFall {
    /// With the conjunct's region occluded.
    pub region: f64,
    /// With the random region.
    pub random: f64,
}

/// Whether the network's decision depends on an explanation's units: see
/// the [module](self) for each figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Faithfulness {
    /// The explanation's layer.
    pub layer: usize,
    /// The seed every random choice was drawn from.
    pub seed: u64,
    /// Test images the necessity runs on: the explanation holds on them (the
    /// interpolant and the conclusion), the premise left out.
    pub necessity_images: usize,
    /// Test images the sufficiency runs on: the conclusion does not hold.
    pub sufficiency_images: usize,
    /// Each conjunct moved across its bound alone.
    pub conjuncts: Vec<ConjunctNecessity>,
    /// Every conjunct that can be moved, at once.
    pub all: Effect,
    /// Control: one random unit moved, once per conjunct.
    pub random_each: Effect,
    /// Control: as many random units as conjuncts, at once.
    pub random_all: Effect,
    /// The conjuncts' units set to the premise's values: how often the
    /// conclusion then holds on test images where it did not.
    pub sufficiency: Rate,
    /// Control: as many random units set to the premise's values.
    pub random_sufficiency: Rate,
    /// Each conjunct's input region occluded, when the source has images.
    pub occlusions: Vec<Occlusion>,
    /// The fill of an occluded region: the training images' mean per channel.
    pub fill: Vec<f32>,
}

impl fmt::Display for Faithfulness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Faithfulness (seed {}; {} test images where the explanation holds, {} where the conclusion does not):",
            self.seed, self.necessity_images, self.sufficiency_images
        )?;
        writeln!(
            f,
            "  necessity (the conclusion stops holding when the unit is moved across its bound):"
        )?;
        for c in &self.conjuncts {
            match (c.moved_to, &c.breaks) {
                (Some(v), Some(e)) => writeln!(f, "    {} moved to {v}: {e}", c.bound)?,
                _ => writeln!(
                    f,
                    "    {}: n/a (no training image lies beyond the bound)",
                    c.bound
                )?,
            }
        }
        writeln!(f, "    all conjuncts at once: {}", self.all)?;
        writeln!(f, "    control, one random unit: {}", self.random_each)?;
        writeln!(
            f,
            "    control, as many random units at once: {}",
            self.random_all
        )?;
        writeln!(
            f,
            "  sufficiency (the conclusion holds when the units take the premise's values): {}; control, random units: {}",
            self.sufficiency, self.random_sufficiency
        )?;
        if !self.occlusions.is_empty() {
            let fill: Vec<String> = self.fill.iter().map(|v| format!("{v:.4}")).collect();
            writeln!(
                f,
                "  occlusion (the conclusion stops holding when the conjunct's input region is filled with the training mean {}):",
                fill.join(",")
            )?;
            for o in &self.occlusions {
                write!(
                    f,
                    "    {} region {}: {}; random region of {} values: {}",
                    o.bound,
                    region_text(&o.region),
                    o.breaks,
                    o.region.len(),
                    o.random_breaks
                )?;
                if let Some(m) = o.mean_fall {
                    write!(
                        f,
                        "; mean fall of the output {:.4} (random {:.4})",
                        m.region, m.random
                    )?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// `rows 3..9, columns 0..5` for a box over `[H, W, C]`.
fn region_text(b: &UnitBox) -> String {
    match b.ranges() {
        [r, c, ..] => format!(
            "rows {}..{}, columns {}..{}",
            r.start, r.end, c.start, c.end
        ),
        other => format!("{other:?}"),
    }
}
