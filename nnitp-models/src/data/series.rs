//! Time series read from the UCR/UEA archive's `.ts` format: `#` comments,
//! `@` header lines (`@problemName`, `@univariate`, `@equalLength`,
//! `@seriesLength`, `@classLabel true A B ...`, `@data`), then one series
//! per line, `v1,v2,...,vn:label`. Univariate series of equal length, with
//! class labels and no missing values, are read; anything else is a
//! [`SeriesError`] naming the line. Lines are bounded in length, so one huge
//! line cannot take unbounded memory.
//!
//! ```
//! use nnitp_models::data::series::read_ts;
//! let ts = "@problemName Tiny\n@univariate true\n@classLabel true a b\n@data\n1,2,3:a\n3,2,1:b\n";
//! let s = read_ts(ts.as_bytes(), 1 << 20)?;
//! assert_eq!((s.len(), s.length()), (2, 3));
//! assert_eq!(s.labels, [0, 1]);
//! # Ok::<(), nnitp_models::data::series::SeriesError>(())
//! ```

use std::io::{BufRead, BufReader, Read};

use ndarray::Array2;

/// Series of one length, each with a class.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The problem's name (`@problemName`).
    pub name: String,
    /// The class names, as `@classLabel` lists them.
    pub classes: Vec<String>,
    /// `[series, time steps]`.
    pub values: Array2<f32>,
    /// Each series' class, an index into `classes`.
    pub labels: Vec<usize>,
}

impl Series {
    /// The number of series.
    pub fn len(&self) -> usize {
        self.values.nrows()
    }

    /// Whether there is no series.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of time steps of each series.
    pub fn length(&self) -> usize {
        self.values.ncols()
    }
}

/// A `.ts` file that is not a set of labelled univariate series of one
/// length.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeriesError {
    /// The file cannot be read.
    #[error("cannot read the series: {0}")]
    Io(#[from] std::io::Error),
    /// A line longer than the limit.
    #[error("line {line} is longer than {limit} bytes")]
    LineTooLong {
        /// The line (from 1).
        line: u64,
        /// The limit.
        limit: usize,
    },
    /// A header line that is malformed, or says what is not read.
    #[error("line {line}: {reason}")]
    Header {
        /// The line (from 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// A series line that is malformed.
    #[error("line {line}: {reason}")]
    Row {
        /// The line (from 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// No `@data` line, or no series after it.
    #[error("the file holds no series: {0}")]
    Empty(&'static str),
}

/// Reads a `.ts` file, lines of at most `max_line` bytes.
///
/// # Errors
/// [`SeriesError`]: a line over the limit; a header that is malformed or
/// says multivariate series, timestamps, unequal lengths or no class labels;
/// a series whose values are not finite numbers (`?`, a missing value,
/// included), whose length differs from the first, or whose label
/// `@classLabel` does not list; no `@data` or no series.
pub fn read_ts(input: impl Read, max_line: usize) -> Result<Series, SeriesError> {
    let mut reader = BufReader::new(input);
    let (mut name, mut classes, mut data) = (String::new(), None::<Vec<String>>, false);
    let (mut values, mut labels, mut length) = (Vec::new(), Vec::new(), None);
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        line += 1;
        let n = (&mut reader)
            .take(max_line as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        if buf.last() != Some(&b'\n') && buf.len() > max_line {
            return Err(SeriesError::LineTooLong {
                line,
                limit: max_line,
            });
        }
        let text = std::str::from_utf8(&buf).map_err(|_| SeriesError::Row {
            line,
            reason: "not UTF-8 text".into(),
        })?;
        let text = text.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if !data {
            let header = |reason: String| SeriesError::Header { line, reason };
            let mut words = text.split_whitespace();
            let key = words.next().unwrap_or_default().to_ascii_lowercase();
            let rest: Vec<&str> = words.collect();
            let flag = |want: bool| -> Result<(), SeriesError> {
                match rest.first().map(|w| w.eq_ignore_ascii_case("true")) {
                    Some(v) if v == want => Ok(()),
                    Some(_) => Err(header(format!(
                        "{key} {}: only {} is read",
                        rest.join(" "),
                        want
                    ))),
                    None => Err(header(format!("{key} needs true or false"))),
                }
            };
            match key.as_str() {
                "@problemname" => name = rest.join(" "),
                "@timestamps" => flag(false)?,
                "@missing" => flag(false)?,
                "@univariate" => flag(true)?,
                "@equallength" => flag(true)?,
                "@classlabel" => {
                    flag(true)?;
                    let names: Vec<String> = rest[1..].iter().map(|s| s.to_string()).collect();
                    if names.is_empty() {
                        return Err(header("@classLabel true lists no class".into()));
                    }
                    classes = Some(names);
                }
                "@data" => {
                    if classes.is_none() {
                        return Err(header("@data before @classLabel".into()));
                    }
                    data = true;
                }
                k if k.starts_with('@') => {} // @seriesLength, @dimension, ...: checked on the data
                _ => return Err(header(format!("{:?} before @data", cut(text)))),
            }
            continue;
        }
        let row = |reason: String| SeriesError::Row { line, reason };
        let (series, label) = text
            .rsplit_once(':')
            .ok_or_else(|| row("no `:label` after the values".into()))?;
        if series.contains(':') {
            return Err(row(
                "more than one dimension: only univariate series are read".into(),
            ));
        }
        let classes = classes.as_ref().expect("checked at @data");
        let label = classes
            .iter()
            .position(|c| c == label.trim())
            .ok_or_else(|| row(format!("label {:?} is not in @classLabel", cut(label))))?;
        let before = values.len();
        for cell in series.split(',') {
            match cell.trim().parse::<f32>() {
                Ok(v) if v.is_finite() => values.push(v),
                _ => return Err(row(format!("{:?} is not a finite number", cut(cell)))),
            }
        }
        let n = values.len() - before;
        match length {
            None => length = Some(n),
            Some(l) if l != n => {
                return Err(row(format!("{n} values, the first series has {l}")));
            }
            Some(_) => {}
        }
        labels.push(label);
    }
    if !data {
        return Err(SeriesError::Empty("no @data line"));
    }
    let length = length.ok_or(SeriesError::Empty("no series after @data"))?;
    let values =
        Array2::from_shape_vec((labels.len(), length), values).map_err(|e| SeriesError::Row {
            line,
            reason: e.to_string(),
        })?;
    Ok(Series {
        name,
        classes: classes.unwrap_or_default(),
        values,
        labels,
    })
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "# comment\n@problemName T\n@univariate true\n@classLabel true 1 2\n@data\n";

    fn read(body: &str) -> Result<Series, SeriesError> {
        read_ts(format!("{HEAD}{body}").as_bytes(), 64)
    }

    #[test]
    fn series_and_their_labels_are_read() {
        let s = read("1.5,2,-3:2\n\n4,5,6:1\n").unwrap();
        assert_eq!(s.name, "T");
        assert_eq!(s.values.row(0).to_vec(), [1.5, 2.0, -3.0]);
        assert_eq!(s.labels, [1, 0]);
    }

    #[test]
    fn each_bad_line_is_named() {
        let line = |r: Result<Series, SeriesError>| match r {
            Err(SeriesError::Row { line, .. } | SeriesError::Header { line, .. }) => line,
            other => panic!("{other:?}"),
        };
        assert_eq!(line(read("1,2:1\n1,2,3:1\n")), 7);
        assert_eq!(line(read("1,?:1\n")), 6);
        assert_eq!(line(read("1,NaN:1\n")), 6);
        assert_eq!(line(read("1,2:3\n")), 6);
        assert_eq!(line(read("1,2\n")), 6);
        assert_eq!(line(read("1,2:0.5:1\n")), 6);
        let multi = "@problemName T\n@univariate false\n@data\n";
        assert_eq!(line(read_ts(multi.as_bytes(), 64)), 2);
        let stamps = "@timeStamps true\n";
        assert_eq!(line(read_ts(stamps.as_bytes(), 64)), 1);
        let early = "@data\n1,2:1\n";
        assert_eq!(line(read_ts(early.as_bytes(), 64)), 1);
        assert!(matches!(read(""), Err(SeriesError::Empty(_))));
        assert!(matches!(
            read_ts("@problemName T\n".as_bytes(), 64),
            Err(SeriesError::Empty(_))
        ));
    }

    #[test]
    fn a_huge_line_is_refused_at_the_limit() {
        // an endless line of digits: refused after the limit, not read to its end
        let endless = std::io::repeat(b'1');
        let r = read_ts(HEAD.as_bytes().chain(endless), 1 << 16);
        assert!(
            matches!(r, Err(SeriesError::LineTooLong { line: 6, .. })),
            "{r:?}"
        );
    }
}
