//! Reading a CSV file into a [`Table`]: the header, then each row checked
//! (its number of cells, its numbers), lines bounded in length.

use std::cell::Cell;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use ndarray::Array2;

use super::{Table, TableConfig, TableError, TableSchema, Target, TargetKind};

/// A reader that fails once a line grows longer than `limit` bytes, so that
/// one huge line cannot take unbounded memory.
struct LineLimit<R> {
    inner: R,
    limit: usize,
    since_newline: usize,
    line: u64,
    exceeded: Rc<Cell<Option<u64>>>,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
                self.line += 1;
            } else {
                self.since_newline += 1;
                if self.since_newline > self.limit {
                    self.exceeded.set(Some(self.line));
                    return Err(std::io::Error::other("line too long"));
                }
            }
        }
        Ok(n)
    }
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Reads the CSV file at `path` as [`read_csv`] does.
///
/// # Errors
/// As [`read_csv`]; [`TableError::Io`] when the file cannot be opened.
pub fn read_csv_file(
    path: impl AsRef<Path>,
    config: &TableConfig,
    like: Option<&TableSchema>,
) -> Result<Table, TableError> {
    read_csv(std::fs::File::open(path)?, config, like)
}

/// Reads a CSV table: with `like`, the features and classes of that schema
/// (a test file read as its training file was); without, its own (the
/// categories and classes it holds, sorted).
///
/// # Errors
/// [`TableError`]: an empty file, a ragged row, a cell that is not a finite
/// number where one is expected, a line over the limit, a column missing,
/// a category the schema lacks, malformed CSV; each naming the line.
pub fn read_csv(
    input: impl Read,
    config: &TableConfig,
    like: Option<&TableSchema>,
) -> Result<Table, TableError> {
    let exceeded = Rc::new(Cell::new(None));
    let limited = LineLimit {
        inner: input,
        limit: config.max_line,
        since_newline: 0,
        line: 1,
        exceeded: exceeded.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(limited);
    let fail = |e: csv::Error| match exceeded.get() {
        Some(line) => TableError::LineTooLong {
            line,
            limit: config.max_line,
        },
        None => TableError::Csv {
            line: e.position().map_or(1, |p| p.line()),
            reason: e.to_string(),
        },
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(&fail)?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header.iter().all(String::is_empty) {
        return Err(TableError::Empty("no header row"));
    }
    for (i, h) in header.iter().enumerate() {
        if header[..i].contains(h) {
            return Err(TableError::DuplicateColumn(h.clone()));
        }
    }
    let position = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| TableError::MissingColumn(name.to_string()))
    };
    let target = position(&config.target)?;
    let categorical: Vec<usize> = config
        .categorical
        .iter()
        .map(|c| position(c))
        .collect::<Result<_, _>>()?;
    let is_numeric = |j: usize| j != target && !categorical.contains(&j);

    // the cells: numbers parsed at once, the others kept as text
    let mut numbers: Vec<f32> = Vec::new();
    let mut texts: Vec<Vec<String>> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(&fail)? {
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != header.len() {
            return Err(TableError::Ragged {
                line,
                expected: header.len(),
                found: record.len(),
            });
        }
        let mut row_texts = Vec::with_capacity(categorical.len() + 1);
        for (j, cell) in record.iter().enumerate() {
            let cell = cell.trim();
            if is_numeric(j) {
                match cell.parse::<f32>() {
                    Ok(v) if v.is_finite() => numbers.push(v),
                    _ => {
                        return Err(TableError::NotNumber {
                            line,
                            column: header[j].clone(),
                            cell: cut(cell),
                        })
                    }
                }
            } else {
                row_texts.push(cell.to_string());
            }
        }
        texts.push(row_texts);
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(TableError::Empty("no row below the header"));
    }
    // the text cells in header order: each categorical column, and the target
    let text_columns: Vec<usize> = (0..header.len()).filter(|&j| !is_numeric(j)).collect();
    let slot = |j: usize| text_columns.iter().position(|&k| k == j).unwrap_or(0);
    let values_of = |j: usize| -> Vec<String> {
        let mut v: Vec<String> = texts.iter().map(|r| r[slot(j)].clone()).collect();
        v.sort();
        v.dedup();
        v
    };
    let schema = match like {
        Some(s) => s.clone(),
        None => {
            let categories: Vec<(String, Vec<String>)> = categorical
                .iter()
                .map(|&j| (header[j].clone(), values_of(j)))
                .collect();
            let mut features = Vec::new();
            for (j, column) in header.iter().enumerate() {
                if is_numeric(j) {
                    features.push(column.clone());
                } else if let Some((name, values)) =
                    categories.iter().find(|(name, _)| name == column)
                {
                    features.extend(values.iter().map(|v| format!("{name}={v}")));
                }
            }
            TableSchema {
                target: config.target.clone(),
                kind: config.kind,
                classes: match config.kind {
                    TargetKind::Class => values_of(target),
                    TargetKind::Number => Vec::new(),
                },
                features,
                categories,
            }
        }
    };
    encode(
        &header,
        target,
        &categorical,
        &schema,
        &numbers,
        &texts,
        &lines,
        &slot,
    )
}

/// The features and targets of the rows read, in `schema`'s encoding.
#[allow(clippy::too_many_arguments)]
fn encode(
    header: &[String],
    target: usize,
    categorical: &[usize],
    schema: &TableSchema,
    numbers: &[f32],
    texts: &[Vec<String>],
    lines: &[u64],
    slot: &dyn Fn(usize) -> usize,
) -> Result<Table, TableError> {
    let n = lines.len();
    let width = schema.features.len();
    let numeric: Vec<usize> = (0..header.len())
        .filter(|&j| j != target && !categorical.contains(&j))
        .collect();
    let per_row = numeric.len();
    // where each of this file's columns goes among the schema's features
    let mut places = Vec::with_capacity(header.len());
    for &j in &numeric {
        let at = schema.features.iter().position(|f| *f == header[j]);
        places.push(at.ok_or_else(|| TableError::UnknownColumn(header[j].clone()))?);
    }
    for f in &schema.features {
        let known = numeric.iter().any(|&j| header[j] == *f)
            || schema
                .categories
                .iter()
                .any(|(c, vs)| vs.iter().any(|v| format!("{c}={v}") == *f));
        if !known {
            return Err(TableError::MissingColumn(f.clone()));
        }
    }
    let mut features = Array2::<f32>::zeros((n, width));
    for (r, mut row) in features.rows_mut().into_iter().enumerate() {
        for (k, &place) in places.iter().enumerate() {
            row[place] = numbers[r * per_row + k];
        }
        for &j in categorical {
            let value = &texts[r][slot(j)];
            let name = format!("{}={value}", header[j]);
            let place = schema.features.iter().position(|f| *f == name);
            row[place.ok_or_else(|| TableError::UnknownCategory {
                line: lines[r],
                column: header[j].clone(),
                value: cut(value),
            })?] = 1.0;
        }
    }
    let targets = match schema.kind {
        TargetKind::Class => Target::Classes(
            (0..n)
                .map(|r| {
                    let value = &texts[r][slot(target)];
                    schema
                        .classes
                        .iter()
                        .position(|c| c == value)
                        .ok_or_else(|| TableError::UnknownCategory {
                            line: lines[r],
                            column: header[target].clone(),
                            value: cut(value),
                        })
                })
                .collect::<Result<_, _>>()?,
        ),
        TargetKind::Number => Target::Numbers(
            (0..n)
                .map(|r| {
                    let cell = &texts[r][slot(target)];
                    match cell.parse::<f32>() {
                        Ok(v) if v.is_finite() => Ok(v),
                        _ => Err(TableError::NotNumber {
                            line: lines[r],
                            column: header[target].clone(),
                            cell: cut(cell),
                        }),
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Table {
        schema: schema.clone(),
        features,
        targets,
    })
}
