//! What a CSV table refuses, each naming the line.

/// A CSV file that is not a table of the configured shape.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The file cannot be read.
    #[error("cannot read the table: {0}")]
    Io(#[from] std::io::Error),
    /// No header row, or no row of values.
    #[error("the table is empty: {0}")]
    Empty(&'static str),
    /// A line longer than the limit.
    #[error("line {line} is longer than {limit} bytes")]
    LineTooLong {
        /// The line (from 1).
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// A row with another number of cells than the header.
    #[error("line {line} has {found} cells, the header {expected}")]
    Ragged {
        /// The line (from 1).
        line: u64,
        /// The header's cells.
        expected: usize,
        /// The row's.
        found: usize,
    },
    /// A cell that is not a number in a numeric column (or a NaN, or an
    /// infinity).
    #[error("line {line}, column {column:?}: {cell:?} is not a finite number")]
    NotNumber {
        /// The line (from 1).
        line: u64,
        /// The column.
        column: String,
        /// The cell (cut to 40 characters).
        cell: String,
    },
    /// A column the configuration (or the training file) names is not in
    /// the header.
    #[error("no column {0:?} in the header")]
    MissingColumn(String),
    /// A column the training file does not have.
    #[error("column {0:?} is not a column of the training file")]
    UnknownColumn(String),
    /// A column named twice in the header.
    #[error("the header names column {0:?} twice")]
    DuplicateColumn(String),
    /// A category (or class) the training file does not have.
    #[error("line {line}, column {column:?}: {value:?} is not a value of the training file")]
    UnknownCategory {
        /// The line (from 1).
        line: u64,
        /// The column.
        column: String,
        /// The value (cut to 40 characters).
        value: String,
    },
    /// Malformed CSV (an unclosed quote, invalid UTF-8).
    #[error("line {line}: {reason}")]
    Csv {
        /// The line (from 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A test fraction outside `[0, 1]`.
    #[error("the test fraction must lie in [0, 1], got {0}")]
    Fraction(f64),
    /// Normalisation constants for another number of features.
    #[error("the normalisation holds {found} features, the table {expected}")]
    NormalisationWidth {
        /// The table's features.
        expected: usize,
        /// The normalisation's.
        found: usize,
    },
}
