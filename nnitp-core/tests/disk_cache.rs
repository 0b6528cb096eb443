//! The disk cache of extracted activations: a second explainer reads what the
//! first extracted; truncated, corrupt and foreign entries are recomputed and
//! replaced, never used; explainers filling one entry at once leave a valid
//! entry; nothing is written when no cache is configured.
#![cfg(feature = "cache")]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ndarray::Array2;
use nnitp_core::cone::{Geometry, LayerKind};
use nnitp_core::digest::{Digest, DigestBuilder};
use nnitp_core::progress::Observer;
use nnitp_core::source::ActivationSource;
use nnitp_core::{Explainer, ExplainerConfig, Result, Split};

/// A source whose activations are a function of its seed, counting its extractions.
struct Counting {
    geometry: Geometry,
    seed: u64,
    calls: Arc<AtomicUsize>,
}

impl Counting {
    fn new(seed: u64) -> Self {
        let geometry = Geometry::new(
            &[4],
            vec![LayerKind::Activation, LayerKind::Dense { units: 3 }],
        )
        .unwrap();
        Counting {
            geometry,
            seed,
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }
}

fn values(seed: u64, split: Split, layer: usize, cols: usize) -> Array2<f32> {
    let s = seed as f32 + if split == Split::Train { 0.0 } else { 0.5 };
    Array2::from_shape_fn((50, cols), |(i, j)| {
        s + (i * 7 + j * 3 + layer) as f32 / 10.0
    })
}

impl ActivationSource for Counting {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn len(&self, _split: Split) -> usize {
        50
    }

    fn cache_key(&self, split: Split) -> Option<Digest> {
        Some(
            DigestBuilder::new()
                .number(self.seed)
                .number(split as u64)
                .finish(),
        )
    }

    fn extract(&self, split: Split, layers: &[usize], _: &Observer) -> Result<Vec<Array2<f32>>> {
        self.calls.fetch_add(layers.len(), Ordering::SeqCst);
        Ok(layers
            .iter()
            .map(|&l| values(self.seed, split, l, self.geometry.units(l).unwrap()))
            .collect())
    }
}

fn explainer(source: Counting, dir: Option<&Path>) -> Explainer<Counting> {
    let config = ExplainerConfig::new(vec![0]).with_cache(dir);
    Explainer::with_source(source, config).unwrap()
}

/// Reads layer 0 of the training set and says how many layers were extracted.
fn read(seed: u64, dir: &Path) -> (Array2<f32>, usize) {
    let ex = explainer(Counting::new(seed), Some(dir));
    let a = ex.activations(Split::Train, 0).unwrap().view().to_owned();
    (a, ex.source().calls.load(Ordering::SeqCst))
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn a_second_explainer_reads_what_the_first_extracted() {
    let tmp = tempfile::tempdir().unwrap();
    let want = values(1, Split::Train, 0, 4);
    assert_eq!(read(1, tmp.path()), (want.clone(), 1));
    assert_eq!(entries(tmp.path()).len(), 1);
    assert_eq!(read(1, tmp.path()), (want, 0));
    // another source (another key) does not see it
    assert_eq!(read(2, tmp.path()).1, 1);
    assert_eq!(entries(tmp.path()).len(), 2);
}

#[test]
fn damaged_entries_are_recomputed_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let want = values(3, Split::Train, 0, 4);
    read(3, tmp.path());
    let file = entries(tmp.path()).remove(0);
    let good = std::fs::read(&file).unwrap();
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() - 4].to_vec()),
        ("header only", good[..128].to_vec()),
        ("empty", Vec::new()),
        ("a value changed", {
            let mut b = good.clone();
            b[200] ^= 1;
            b
        }),
        ("the header's rows changed", {
            let mut b = good.clone();
            b[16] ^= 1;
            b
        }),
        ("bad magic", {
            let mut b = good.clone();
            b[0] = b'X';
            b
        }),
        ("extra bytes", {
            let mut b = good.clone();
            b.extend_from_slice(&[0; 8]);
            b
        }),
    ];
    for (what, bytes) in damages {
        std::fs::write(&file, &bytes).unwrap();
        assert_eq!(read(3, tmp.path()), (want.clone(), 1), "{what}");
        assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: replaced");
        assert_eq!(read(3, tmp.path()).1, 0, "{what}: then used");
    }
}

/// The file of layer 0 of the training set of source `seed`.
fn entry_of(seed: u64, dir: &Path) -> std::path::PathBuf {
    let source = DigestBuilder::new()
        .number(seed)
        .number(Split::Train as u64)
        .finish();
    let key = DigestBuilder::new()
        .bytes(b"nnitp layer activations")
        .digest(&source)
        .number(0)
        .finish();
    dir.join(format!("{key}.nnact"))
}

#[test]
fn a_foreign_entry_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    read(4, tmp.path());
    read(5, tmp.path());
    let (four, five) = (entry_of(4, tmp.path()), entry_of(5, tmp.path()));
    assert!(four.is_file() && five.is_file());
    // a valid entry, but of another key, in source 5's place
    std::fs::copy(&four, &five).unwrap();
    assert_eq!(read(5, tmp.path()), (values(5, Split::Train, 0, 4), 1));
    assert_ne!(std::fs::read(&four).unwrap(), std::fs::read(&five).unwrap());
}

#[test]
fn explainers_filling_one_entry_at_once_leave_it_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let want = values(6, Split::Train, 0, 4);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(read(6, tmp.path()).0, want);
                }
            });
        }
    });
    let files = entries(tmp.path());
    assert_eq!(files.len(), 1, "no temporary file is left: {files:?}");
    assert_eq!(read(6, tmp.path()), (want, 0));
}

#[test]
fn nothing_is_written_without_a_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let ex = explainer(Counting::new(7), None);
    ex.activations(Split::Train, 0).unwrap();
    assert!(entries(tmp.path()).is_empty());
    // and an unwritable folder only costs the next extraction
    let blocked = tmp.path().join("file");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let ex = explainer(Counting::new(7), Some(&blocked));
    assert_eq!(
        ex.activations(Split::Train, 0).unwrap().view().to_owned(),
        values(7, Split::Train, 0, 4)
    );
}

/// A pipe where an entry should be is passed over, not waited on.
#[cfg(unix)]
#[test]
fn a_pipe_in_place_of_an_entry_is_recomputed_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = entry_of(8, tmp.path());
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    assert_eq!(read(8, tmp.path()), (values(8, Split::Train, 0, 4), 1));
    assert!(fifo.is_file(), "the pipe is replaced by a valid entry");
    assert_eq!(read(8, tmp.path()).1, 0);
}
