//! Tables read from CSV: a header row naming the columns, one target column
//! (a class or a number), numeric features, and categorical columns one-hot
//! encoded as features named `column=value`; with the normalisation a model
//! was trained with, fitted on the training rows and applied to the others.
//!
//! ```
//! use nnitp_models::data::table::{read_csv, Target, TableConfig};
//! let csv = "size,colour,label\n1.5,red,yes\n2.5,blue,no\n3.0,red,yes\n";
//! let config = TableConfig::new("label").with_categorical(["colour"]);
//! let t = read_csv(csv.as_bytes(), &config, None)?;
//! assert_eq!(t.schema.features, ["size", "colour=blue", "colour=red"]);
//! assert_eq!(t.features.row(0).to_vec(), [1.5, 0.0, 1.0]);
//! assert!(matches!(&t.targets, Target::Classes(c) if c == &[1, 0, 1]));
//! # Ok::<(), nnitp_models::data::table::TableError>(())
//! ```

mod error;
mod normalise;
mod read;

pub use error::TableError;
pub use normalise::{Normalisation, NormalisationKind};
pub use read::{read_csv, read_csv_file};

use ndarray::{Array2, Axis};
use nnitp_core::rng::SplitMix64;
use serde::{Deserialize, Serialize};

/// How the target column is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Classes, named by the column's values (sorted).
    Class,
    /// A number.
    Number,
}

/// What a CSV file holds: the target column, which columns are
/// categorical, and the longest line read.
#[derive(Clone, Debug, PartialEq)]
pub struct TableConfig {
    target: String,
    kind: TargetKind,
    categorical: Vec<String>,
    max_line: usize,
}

impl TableConfig {
    /// A table whose target is the class in column `target`; every other
    /// column numeric; lines of at most 1 MiB.
    pub fn new(target: impl Into<String>) -> Self {
        TableConfig {
            target: target.into(),
            kind: TargetKind::Class,
            categorical: Vec::new(),
            max_line: 1 << 20,
        }
    }

    /// How the target is read.
    pub fn with_target_kind(mut self, kind: TargetKind) -> Self {
        self.kind = kind;
        self
    }

    /// Columns one-hot encoded (`column=value`, one feature per value).
    pub fn with_categorical<S: Into<String>>(
        mut self,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        self.categorical = columns.into_iter().map(Into::into).collect();
        self
    }

    /// The longest line read, in bytes; a longer one is an error.
    pub fn with_max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes;
        self
    }
}

/// How a table's columns become features: fixed by the training file and
/// applied to the others, so that both have the same features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableSchema {
    /// The target column.
    pub target: String,
    /// How it is read.
    pub kind: TargetKind,
    /// The class names, sorted (for a class target).
    pub classes: Vec<String>,
    /// The feature names, in order: numeric columns as named, categorical
    /// ones as `column=value` (values sorted).
    pub features: Vec<String>,
    /// The categorical columns and their values, sorted.
    pub categories: Vec<(String, Vec<String>)>,
}

/// The target of each row.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Class indices into [`TableSchema::classes`].
    Classes(Vec<usize>),
    /// Numbers.
    Numbers(Vec<f32>),
}

impl Target {
    fn select(&self, rows: &[usize]) -> Target {
        match self {
            Target::Classes(c) => Target::Classes(rows.iter().map(|&i| c[i]).collect()),
            Target::Numbers(v) => Target::Numbers(rows.iter().map(|&i| v[i]).collect()),
        }
    }
}

/// Rows of features and their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// How the columns became features.
    pub schema: TableSchema,
    /// `[rows, features]`.
    pub features: Array2<f32>,
    /// One per row.
    pub targets: Target,
}

impl Table {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.features.nrows()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The table split into a training and a test part: `test_fraction` of
    /// the rows (rounded) drawn with `seed`, each part in the file's order.
    ///
    /// # Errors
    /// [`TableError::Fraction`] for a fraction outside `[0, 1]`.
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Table, Table), TableError> {
        if !(0.0..=1.0).contains(&test_fraction) {
            return Err(TableError::Fraction(test_fraction));
        }
        let n = self.len();
        let mut order: Vec<usize> = (0..n).collect();
        SplitMix64::new(seed).shuffle(&mut order);
        let k = (test_fraction * n as f64).round() as usize;
        let (mut test, mut train) = (order[..k].to_vec(), order[k..].to_vec());
        test.sort_unstable();
        train.sort_unstable();
        let part = |rows: &[usize]| Table {
            schema: self.schema.clone(),
            features: self.features.select(Axis(0), rows),
            targets: self.targets.select(rows),
        };
        Ok((part(&train), part(&test)))
    }
}
