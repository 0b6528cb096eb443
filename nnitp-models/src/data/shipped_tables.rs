//! The tables the zoo's tabular models are trained on, shipped inside the
//! crate (`data/tables/`, with their provenance): how each is read, its
//! seeded test split, and the normalisation fitted on its training rows,
//! which every table given to the model goes through.

use std::path::Path;

use ndarray::Array4;
use nnitp_core::features::Features;

use super::table::{
    read_csv, Normalisation, NormalisationKind, Table, TableConfig, TableSchema, Target, TargetKind,
};
use super::{open_regular, Dataset, DatasetKind, Splits};
use crate::error::{Error, Result};

/// scikit-learn's Breast Cancer Wisconsin (Diagnostic), with a header row.
const BREAST_CANCER: &[u8] = include_bytes!("../../data/tables/breast-cancer.csv");
/// scikit-learn's diabetes table (unscaled), with a header row.
const DIABETES: &[u8] = include_bytes!("../../data/tables/diabetes.csv");

/// The fraction of a table's rows held out as its test set.
pub const TEST_FRACTION: f64 = 0.2;
/// The seed that draws them.
pub const SPLIT_SEED: u64 = 0;

/// What a tabular model was trained with: the columns it reads and the
/// normalisation of its features.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessing {
    /// How a CSV file's columns become the model's features.
    pub schema: TableSchema,
    /// The constants the features are scaled with.
    pub normalisation: Normalisation,
}

impl Preprocessing {
    /// The schema of `train` and the standardisation fitted on its rows.
    fn fitted(train: &Table) -> Self {
        Preprocessing {
            normalisation: Normalisation::fit(NormalisationKind::Standard, train),
            schema: train.schema.clone(),
        }
    }

    /// The features the model reads, named and scaled as it saw them.
    ///
    /// # Errors
    /// Only if the normalisation could not be undone (never for one fitted
    /// by [`Normalisation::fit`]).
    pub fn features(&self) -> Result<Features> {
        let n = &self.normalisation;
        Ok(Features::new(self.schema.features.clone())
            .with_scaling(n.shift.clone(), n.scale.clone())?)
    }
}

impl DatasetKind {
    /// Whether the dataset is a table (one row of features per sample).
    pub fn is_table(self) -> bool {
        self.shipped_table().is_some()
    }

    /// The shipped table and how to read it.
    fn shipped_table(self) -> Option<(&'static [u8], TableConfig)> {
        match self {
            DatasetKind::BreastCancer => Some((BREAST_CANCER, TableConfig::new("diagnosis"))),
            DatasetKind::Diabetes => Some((
                DIABETES,
                TableConfig::new("progression").with_target_kind(TargetKind::Number),
            )),
            _ => None,
        }
    }

    /// The schema and normalisation of a table dataset: the shipped table's
    /// columns, standardisation fitted on its training rows. `None` for an
    /// image dataset.
    ///
    /// # Errors
    /// Only if the shipped table were damaged at build time.
    pub fn preprocessing(self) -> Result<Option<Preprocessing>> {
        Ok(self
            .shipped_splits()?
            .map(|(train, _)| Preprocessing::fitted(&train)))
    }

    /// The shipped table split into its training and test rows, unscaled.
    fn shipped_splits(self) -> Result<Option<(Table, Table)>> {
        let Some((bytes, config)) = self.shipped_table() else {
            return Ok(None);
        };
        let table = read_csv(bytes, &config, None).map_err(|source| Error::Table {
            path: format!("<embedded>/{}.csv", self.name()).into(),
            source,
        })?;
        Ok(Some(split(&table)?))
    }
}

fn split(table: &Table) -> Result<(Table, Table)> {
    table
        .split(TEST_FRACTION, SPLIT_SEED)
        .map_err(|source| Error::Table {
            path: "<split>".into(),
            source,
        })
}

/// A table dataset: the shipped table, or the CSV file `file` with the same
/// columns (its rows split as the shipped table's are), scaled with the
/// shipped training rows' normalisation.
///
/// # Errors
/// [`Error::Table`] for a file that is not such a table; [`Error::Io`],
/// [`Error::NotRegularFile`]; [`Error::InvalidArgument`] for an image dataset.
pub(super) fn load_table(kind: DatasetKind, file: Option<&Path>) -> Result<Splits> {
    let Some((train, test)) = kind.shipped_splits()? else {
        return Err(Error::InvalidArgument(format!(
            "{} is no table dataset",
            kind.name()
        )));
    };
    // the shipped table is read once: its training rows give the scaling
    let prep = Preprocessing::fitted(&train);
    let ((mut train, mut test), source) = match file {
        None => ((train, test), "embedded".to_string()),
        Some(path) => {
            let (f, _) = open_regular(path)?;
            let (_, config) = kind.shipped_table().expect("a table dataset");
            let table = read_csv(std::io::BufReader::new(f), &config, Some(&prep.schema)).map_err(
                |source| Error::Table {
                    path: path.to_path_buf(),
                    source,
                },
            )?;
            (split(&table)?, path.display().to_string())
        }
    };
    for t in [&mut train, &mut test] {
        prep.normalisation.apply(t).map_err(|source| Error::Table {
            path: file.map_or_else(|| "<embedded>".into(), Path::to_path_buf),
            source,
        })?;
    }
    Ok(Splits {
        train: to_dataset(kind, train)?,
        test: to_dataset(kind, test)?,
        source,
    })
}

/// Rows as one-pixel images `[N, 1, 1, features]`, with their classes or
/// numbers.
fn to_dataset(kind: DatasetKind, table: Table) -> Result<Dataset> {
    let (n, f) = table.features.dim();
    let images = Array4::from_shape_vec((n, 1, 1, f), table.features.iter().copied().collect())
        .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let (labels, values) = match table.targets {
        Target::Classes(c) => (
            c.iter()
                .map(|&c| u8::try_from(c))
                .collect::<std::result::Result<Vec<u8>, _>>()
                .map_err(|_| Error::InvalidArgument("more than 256 classes".into()))?,
            None,
        ),
        Target::Numbers(v) => (Vec::new(), Some(v)),
    };
    Ok(Dataset {
        kind,
        images,
        labels,
        values,
    })
}
