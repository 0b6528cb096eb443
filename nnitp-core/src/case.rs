//! The activation-folder format: explain any network's decision from activations
//! saved with numpy, whatever framework produced them.
//!
//! A case folder holds
//! - `train.npy`: `float32`, `[N, ...unit shape]`, the training activations of a layer;
//! - `train_mask.npy`: `bool`, `[N]`, whether the conclusion holds for each sample;
//! - `test.npy`, `test_mask.npy`: the same for test samples;
//! - `input.npy`: `float32`, `[k, ...unit shape]`, the premise rows;
//! - `case.json`: `{"alpha": 0.95, "gamma": 0.6, "mu": 0.9, "cone": [[lo, hi], ...] | null}`
//!   (optional `ensemble_size` and `seed`), the cone a half-open range per unit dimension.
//!
//! [`Case::solve`] gives a [`CaseReport`], whose JSON is
//! `{"interpolant": [{"unit": [r, c, k], "op": ">=", "value": 0.5}, ...], "text": "(...)",
//! "train": {"F": 0, "N": 0, "P": 0}, "test": {...}, "search_seconds": 0.0}`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array2, ArrayD, Ix1};
use serde::{Deserialize, Serialize};

use crate::accuracy::Accuracy;
use crate::error::{Error, Result};
use crate::npy;
use crate::predicate::{Interpolant, Predicate};
use crate::search::{SearchInput, SearchParams};
use crate::split::Split;
use crate::unit::UnitBox;

/// The content of `case.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseConfig {
    /// Required precision.
    pub alpha: f64,
    /// Initial recall fraction.
    pub gamma: f64,
    /// Gamma decay.
    pub mu: f64,
    /// The units the search may use: `[lo, hi)` per unit dimension; `null` for all.
    #[serde(default)]
    pub cone: Option<Vec<[usize; 2]>>,
    /// Ensemble size (default 1).
    #[serde(default)]
    pub ensemble_size: Option<usize>,
    /// Ensemble seed (default 0).
    #[serde(default)]
    pub seed: Option<u64>,
}

/// One loaded case folder.
#[derive(Clone, Debug)]
pub struct Case {
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Search parameters from `case.json` (not yet checked).
    pub params: SearchParams,
    /// The cone from `case.json`.
    pub cone: Option<UnitBox>,
    /// Shape of one sample's units.
    pub unit_shape: Vec<usize>,
    /// Training activations, `[N, units]`.
    pub train: Array2<f32>,
    /// Conclusion mask of the training samples.
    pub train_mask: Vec<bool>,
    /// Test activations, `[M, units]`.
    pub test: Array2<f32>,
    /// Conclusion mask of the test samples.
    pub test_mask: Vec<bool>,
    /// Premise rows, `[k, units]`.
    pub input: Array2<f32>,
}

/// F, N and P as written in the JSON format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// False positives.
    #[serde(rename = "F")]
    pub f: usize,
    /// Samples satisfying the interpolant.
    #[serde(rename = "N")]
    pub n: usize,
    /// Samples satisfying the conclusion.
    #[serde(rename = "P")]
    pub p: usize,
}

impl From<Accuracy> for Counts {
    fn from(a: Accuracy) -> Self {
        Counts {
            f: a.false_positives,
            n: a.satisfying,
            p: a.positives,
        }
    }
}

/// The answer for a case, in the stable JSON format of the `interpolant` example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseReport {
    /// The conjuncts in order.
    pub interpolant: Interpolant,
    /// The interpolant's text, thresholds printed as `f64`.
    pub text: String,
    /// Counts on the training samples.
    pub train: Counts,
    /// Counts on the test samples.
    pub test: Counts,
    /// Wall time of the search alone, in seconds.
    #[serde(default)]
    pub search_seconds: f64,
}

/// A solved case: the interpolant and its accuracy on both sets.
#[derive(Clone, Debug)]
pub struct CaseSolution {
    /// The interpolant found.
    pub interpolant: Interpolant,
    /// Accuracy on the training samples.
    pub train: Accuracy,
    /// Accuracy on the test samples.
    pub test: Accuracy,
    /// Wall time of the search alone, in seconds.
    pub search_seconds: f64,
}

impl CaseSolution {
    /// The JSON report.
    pub fn report(&self) -> CaseReport {
        CaseReport {
            interpolant: self.interpolant.clone(),
            text: self.interpolant.to_string_f64(),
            train: self.train.into(),
            test: self.test.into(),
            search_seconds: self.search_seconds,
        }
    }
}

impl fmt::Display for CaseSolution {
    /// nnitp's three lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Interpolant: {}", self.interpolant)?;
        writeln!(f, "{}", self.train)?;
        write!(f, "{}", self.test)
    }
}

fn matrix(path: &Path, a: ArrayD<f32>) -> Result<(Array2<f32>, Vec<usize>)> {
    if a.ndim() < 2 {
        return Err(Error::bad_file(
            path,
            format!("expected [samples, ...units], found shape {:?}", a.shape()),
        ));
    }
    // (finiteness was checked as the file was read)
    let unit_shape = a.shape()[1..].to_vec();
    let rows = a.shape()[0];
    let units: usize = unit_shape.iter().product();
    let m = a
        .into_shape_with_order((rows, units))
        .map_err(|e| Error::bad_file(path, e.to_string()))?;
    Ok((m, unit_shape))
}

fn mask(path: &Path, rows: usize) -> Result<Vec<bool>> {
    let m = npy::read_bool(path)?;
    let found = m.shape().to_vec();
    let m = m.into_dimensionality::<Ix1>().map_err(|_| {
        Error::bad_file(path, format!("expected a 1-d mask, found shape {found:?}"))
    })?;
    if m.len() != rows {
        return Err(Error::bad_file(
            path,
            format!(
                "mask has {} entries but the matrix has {rows} samples",
                m.len()
            ),
        ));
    }
    Ok(m.to_vec())
}

/// The longest `case.json` read (a few hundred bytes in practice).
const MAX_JSON: u64 = 1 << 20;

impl Case {
    /// Reads a case folder, checking every file.
    ///
    /// # Errors
    /// [`FileError::Io`](crate::error::FileError::Io) for a missing or unreadable file; [`FileError::Invalid`](crate::error::FileError::Invalid) naming the
    /// file for a wrong dtype, a mask whose length differs from its matrix, unit
    /// shapes that differ between files, a NaN or infinity, or bad JSON.
    pub fn load(dir: impl AsRef<Path>) -> Result<Case> {
        let dir = dir.as_ref();
        let p = |name: &str| dir.join(name);
        let cfg_path = p("case.json");
        let cfg: CaseConfig = crate::files::read_json_object(&cfg_path, MAX_JSON)?;

        let (train, unit_shape) = matrix(&p("train.npy"), npy::read_f32_finite(p("train.npy"))?)?;
        let train_mask = mask(&p("train_mask.npy"), train.nrows())?;
        let same_shape = |name: &str, shape: &[usize]| -> Result<()> {
            if shape != unit_shape.as_slice() {
                return Err(Error::bad_file(
                    p(name),
                    format!("unit shape {shape:?} differs from train.npy's {unit_shape:?}"),
                ));
            }
            Ok(())
        };
        let (test, test_shape) = matrix(&p("test.npy"), npy::read_f32_finite(p("test.npy"))?)?;
        same_shape("test.npy", &test_shape)?;
        let test_mask = mask(&p("test_mask.npy"), test.nrows())?;
        let (input, input_shape) = matrix(&p("input.npy"), npy::read_f32_finite(p("input.npy"))?)?;
        same_shape("input.npy", &input_shape)?;

        let cone = cfg
            .cone
            .as_ref()
            .map(|c| UnitBox::new(c.iter().map(|[lo, hi]| *lo..*hi)));
        let params = SearchParams::default()
            .with_alpha(cfg.alpha)
            .with_gamma(cfg.gamma)
            .with_mu(cfg.mu)
            .with_ensemble_size(cfg.ensemble_size.unwrap_or(1))
            .with_seed(cfg.seed.unwrap_or(0));
        Ok(Case {
            dir: dir.to_path_buf(),
            params,
            cone,
            unit_shape,
            train,
            train_mask,
            test,
            test_mask,
            input,
        })
    }

    /// Runs the search on the training samples and measures the interpolant on
    /// both sets.
    ///
    /// # Errors
    /// Invalid parameters, or any error of [`ValidSearchParams::search`](crate::ValidSearchParams::search).
    pub fn solve(&self) -> Result<CaseSolution> {
        self.solve_with(self.params)
    }

    /// As [`Case::solve`] with other parameters.
    ///
    /// # Errors
    /// As [`Case::solve`].
    pub fn solve_with(&self, params: SearchParams) -> Result<CaseSolution> {
        let params = params.check()?;
        let input = SearchInput::masked(
            self.input.view(),
            self.train.view(),
            &self.train_mask,
            &self.unit_shape,
        )
        .with_cone(self.cone.clone());
        let start = Instant::now();
        let interpolant = params.search(&input)?;
        let search_seconds = start.elapsed().as_secs_f64();
        let pred = Predicate::from(interpolant.clone());
        let shape = &self.unit_shape;
        let train = Accuracy::measure(
            Split::Train,
            &pred,
            self.train.view(),
            shape,
            &self.train_mask,
        )?;
        let test = Accuracy::measure(Split::Test, &pred, self.test.view(), shape, &self.test_mask)?;
        Ok(CaseSolution {
            interpolant,
            train,
            test,
            search_seconds,
        })
    }
}
