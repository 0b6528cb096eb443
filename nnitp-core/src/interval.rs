//! 95 % confidence intervals for a proportion (a precision or a recall):
//! Wilson's score interval, and the exact Clopper-Pearson interval where the
//! counts are small.
//!
//! A precision measured on 17 samples is a coin with few flips: the interval
//! says how far the figure could move on other samples from the same source.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The standard normal quantile of 0.975 (two-sided 95 %).
const Z95: f64 = 1.959_963_984_540_054;
/// Two-sided error rate of a 95 % interval.
const ALPHA: f64 = 0.05;

/// How an interval was computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Wilson's score interval (no continuity correction).
    Wilson,
    /// The exact (Clopper-Pearson) interval from the binomial distribution.
    ClopperPearson,
}

impl fmt::Display for IntervalMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntervalMethod::Wilson => "Wilson",
            IntervalMethod::ClopperPearson => "Clopper-Pearson",
        })
    }
}

/// A 95 % confidence interval of a proportion.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The lower end.
    pub low: f64,
    /// The upper end.
    pub high: f64,
    /// How it was computed.
    pub method: IntervalMethod,
}

impl Interval {
    /// Wilson's 95 % score interval of `successes` out of `trials`; `None`
    /// without trials (or more successes than trials).
    pub fn wilson(successes: usize, trials: usize) -> Option<Interval> {
        if trials == 0 || successes > trials {
            return None;
        }
        let n = trials as f64;
        let p = successes as f64 / n;
        let z2 = Z95 * Z95;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = Z95 / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
        Some(Interval {
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
            method: IntervalMethod::Wilson,
        })
    }

    /// The exact 95 % Clopper-Pearson interval of `successes` out of
    /// `trials`; `None` without trials (or more successes than trials).
    pub fn clopper_pearson(successes: usize, trials: usize) -> Option<Interval> {
        if trials == 0 || successes > trials {
            return None;
        }
        let (k, n) = (successes, trials);
        // low: P(X >= k | p) = alpha/2; high: P(X <= k | p) = alpha/2
        let low = if k == 0 {
            0.0
        } else {
            solve(|p| 1.0 - binomial_cdf(k - 1, n, p) - ALPHA / 2.0)
        };
        let high = if k == n {
            1.0
        } else {
            solve(|p| ALPHA / 2.0 - binomial_cdf(k, n, p))
        };
        Some(Interval {
            low,
            high,
            method: IntervalMethod::ClopperPearson,
        })
    }

    /// The 95 % interval of `successes` out of `trials`: exact
    /// (Clopper-Pearson) when the counts are small (under 30 trials, or
    /// fewer than 5 successes or failures), where the normal approximation
    /// behind Wilson's is poor; Wilson's otherwise.
    pub fn of(successes: usize, trials: usize) -> Option<Interval> {
        let small = trials < 30 || successes < 5 || trials.saturating_sub(successes) < 5;
        if small {
            Self::clopper_pearson(successes, trials)
        } else {
            Self::wilson(successes, trials)
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:.4}, {:.4}] ({})", self.low, self.high, self.method)
    }
}

/// The root in [0, 1] of `f`, increasing in `p`, by bisection.
fn solve(f: impl Fn(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `P(X <= k)` for `X ~ Binomial(n, p)`, summed in log space.
fn binomial_cdf(k: usize, n: usize, p: f64) -> f64 {
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return if k >= n { 1.0 } else { 0.0 };
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    let mut log_choose = 0.0f64;
    let mut sum = 0.0;
    for i in 0..=k.min(n) {
        if i > 0 {
            log_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        sum += (log_choose + i as f64 * lp + (n - i) as f64 * lq).exp();
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(i: Interval, low: f64, high: f64) {
        assert!(
            (i.low - low).abs() < 5e-5 && (i.high - high).abs() < 5e-5,
            "{i} is not [{low}, {high}]"
        );
    }

    /// Published values: Wilson (1927) as tabulated by Newcombe, Statistics in
    /// Medicine 17 (1998) 857-872, Table I (methods 3 and 5), and
    /// Clopper-Pearson as given by scipy's `binomtest(k, n).proportion_ci()`.
    #[test]
    fn wilson_and_clopper_pearson_match_published_values() {
        close(Interval::wilson(0, 10).unwrap(), 0.0, 0.2775);
        close(Interval::wilson(5, 10).unwrap(), 0.2366, 0.7634);
        close(Interval::wilson(10, 10).unwrap(), 0.7225, 1.0);
        close(Interval::wilson(81, 263).unwrap(), 0.2553, 0.3662);
        close(Interval::clopper_pearson(0, 10).unwrap(), 0.0, 0.3085);
        close(Interval::clopper_pearson(5, 10).unwrap(), 0.1871, 0.8129);
        close(Interval::clopper_pearson(10, 10).unwrap(), 0.6915, 1.0);
        close(Interval::clopper_pearson(81, 263).unwrap(), 0.2527, 0.3676);
    }

    #[test]
    fn small_counts_are_exact_and_large_ones_wilson() {
        assert_eq!(
            Interval::of(17, 17).unwrap().method,
            IntervalMethod::ClopperPearson
        );
        assert_eq!(
            Interval::of(3, 300).unwrap().method,
            IntervalMethod::ClopperPearson
        );
        assert_eq!(
            Interval::of(150, 300).unwrap().method,
            IntervalMethod::Wilson
        );
        assert_eq!(Interval::of(0, 0), None);
        assert_eq!(Interval::of(3, 2), None);
        let i = Interval::of(150, 300).unwrap();
        assert!(i.low < 0.5 && 0.5 < i.high);
        assert_eq!(
            i.to_string(),
            format!("[{:.4}, {:.4}] (Wilson)", i.low, i.high)
        );
    }
}
