//! The series the zoo's time-series model is trained on, shipped inside the
//! crate (`data/series/`, with their provenance): GunPoint's training and
//! test files, read as one-row images `[N, 1, time steps, 1]`.

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::Array4;

use super::series::{read_ts, Series};
use super::{open_regular, Dataset, DatasetKind, Splits};
use crate::error::{Error, Result};

/// GunPoint's training series (`.ts`, gzip).
const GUNPOINT_TRAIN: &[u8] = include_bytes!("../../data/series/GunPoint_TRAIN.ts.gz");
/// GunPoint's test series (`.ts`, gzip).
const GUNPOINT_TEST: &[u8] = include_bytes!("../../data/series/GunPoint_TEST.ts.gz");

/// The longest line of a `.ts` file read (a series of a million values).
const MAX_LINE: usize = 32 << 20;
/// The most bytes a shipped file inflates to.
const MAX_INFLATED: u64 = 8 << 20;

impl DatasetKind {
    /// Whether the dataset is of time series (one channel over time).
    pub fn is_series(self) -> bool {
        self == DatasetKind::GunPoint
    }
}

fn read(path: PathBuf, input: impl Read) -> Result<Series> {
    read_ts(input, MAX_LINE).map_err(|source| Error::Series { path, source })
}

/// A series dataset: the shipped files, or `dir/<Name>_TRAIN.ts` and
/// `dir/<Name>_TEST.ts` (the archive's layout), checked against the
/// model's length and classes.
///
/// # Errors
/// [`Error::Series`] for a file that is not such a `.ts` file, or whose
/// length or classes differ from the shipped ones; [`Error::Io`],
/// [`Error::NotRegularFile`].
pub(super) fn load_series(kind: DatasetKind, dir: Option<&Path>) -> Result<Splits> {
    let inflate = |bytes: &'static [u8]| flate2::read::GzDecoder::new(bytes).take(MAX_INFLATED);
    let (train, test, source) = match dir {
        None => (
            read(
                "<embedded>/GunPoint_TRAIN.ts".into(),
                inflate(GUNPOINT_TRAIN),
            )?,
            read("<embedded>/GunPoint_TEST.ts".into(), inflate(GUNPOINT_TEST))?,
            "embedded".to_string(),
        ),
        Some(d) => {
            let file = |split: &str| -> Result<Series> {
                let path = d.join(format!("GunPoint_{split}.ts"));
                let (f, _) = open_regular(&path)?;
                read(path, f)
            };
            (file("TRAIN")?, file("TEST")?, d.display().to_string())
        }
    };
    Ok(Splits {
        train: to_dataset(kind, train)?,
        test: to_dataset(kind, test)?,
        source,
    })
}

/// The class labels of GunPoint's files, in `@classLabel` order: the
/// model's classes 0 (gun-draw) and 1 (point).
const GUNPOINT_LABELS: [&str; 2] = ["1", "2"];

/// Series as one-row, one-channel images, with their classes.
fn to_dataset(kind: DatasetKind, s: Series) -> Result<Dataset> {
    let [_, length, _] = kind.image_shape();
    // the same labels in the same order, so that class k means the same
    let fits = s.length() == length && s.classes == GUNPOINT_LABELS;
    if !fits {
        return Err(Error::InvalidArgument(format!(
            "{}: series of {} steps labelled {:?}, the model reads {length} steps labelled {:?}",
            s.name,
            s.length(),
            s.classes,
            GUNPOINT_LABELS
        )));
    }
    let images =
        Array4::from_shape_vec((s.len(), 1, length, 1), s.values.iter().copied().collect())
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
    Ok(Dataset {
        kind,
        images,
        // at most as many classes as the model's two
        labels: s.labels.iter().map(|&l| l as u8).collect(),
        values: None,
    })
}
