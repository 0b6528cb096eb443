//! An explainer under a memory budget: the layers used least recently are
//! dropped and extracted again when needed, the layers of one query always
//! stay, handles already given out stay valid, and without a budget nothing
//! is dropped.

use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::Array2;
use nnitp_core::cone::{Geometry, LayerKind};
use nnitp_core::progress::Observer;
use nnitp_core::source::ActivationSource;
use nnitp_core::{Explainer, ExplainerConfig, Result, Split};

/// Five dense layers of 100 units over 50 samples (20000 bytes a layer),
/// counting the layers it extracts.
struct Counting {
    geometry: Geometry,
    extracted: AtomicUsize,
}

const LAYER_BYTES: usize = 50 * 100 * 4;

fn values(layer: usize) -> Array2<f32> {
    Array2::from_shape_fn((50, 100), |(i, j)| (i * 100 + j + layer) as f32)
}

impl ActivationSource for Counting {
    fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn len(&self, _split: Split) -> usize {
        50
    }

    fn extract(&self, _split: Split, layers: &[usize], _: &Observer) -> Result<Vec<Array2<f32>>> {
        self.extracted.fetch_add(layers.len(), Ordering::SeqCst);
        Ok(layers.iter().map(|&l| values(l)).collect())
    }
}

fn explainer(budget: Option<usize>) -> Explainer<Counting> {
    let geometry = Geometry::new(&[100], vec![LayerKind::Dense { units: 100 }; 5]).unwrap();
    let source = Counting {
        geometry,
        extracted: AtomicUsize::new(0),
    };
    let config = ExplainerConfig::new(vec![0]).with_memory_budget(budget);
    Explainer::with_source(source, config).unwrap()
}

fn extracted(ex: &Explainer<Counting>) -> usize {
    ex.source().extracted.load(Ordering::SeqCst)
}

#[test]
fn least_recently_used_layers_are_dropped_and_come_back() {
    let ex = explainer(Some(2 * LAYER_BYTES));
    let first = ex.activations(Split::Train, 0).unwrap();
    ex.activations(Split::Train, 1).unwrap();
    ex.activations(Split::Train, 0).unwrap(); // 0 is now more recent than 1
    assert_eq!(extracted(&ex), 2);
    ex.activations(Split::Train, 2).unwrap(); // drops 1, the least recent
    let m = ex.memory_use();
    assert_eq!((m.bytes, m.layers, m.dropped), (2 * LAYER_BYTES, 2, 1));
    assert_eq!(m.budget, Some(2 * LAYER_BYTES));
    ex.activations(Split::Train, 0).unwrap();
    assert_eq!(extracted(&ex), 3, "layer 0 stayed");
    ex.activations(Split::Train, 1).unwrap();
    assert_eq!(extracted(&ex), 4, "layer 1 was extracted again");
    // a handle given out before its layer was dropped still reads its values
    ex.activations(Split::Test, 3).unwrap();
    ex.activations(Split::Test, 4).unwrap();
    assert_eq!(first.view(), values(0).view());
    assert!(ex.memory_use().bytes <= 2 * LAYER_BYTES);
}

#[test]
fn the_layers_of_one_query_stay_even_above_the_budget() {
    let ex = explainer(Some(LAYER_BYTES / 2));
    ex.prepare(Split::Train, &[0, 1, 2]).unwrap();
    let m = ex.memory_use();
    assert_eq!((m.layers, m.bytes), (3, 3 * LAYER_BYTES));
    ex.prepare(Split::Train, &[3]).unwrap();
    assert_eq!(ex.memory_use().layers, 1);
}

#[test]
fn without_a_budget_nothing_is_dropped() {
    let ex = explainer(None);
    for l in 0..5 {
        ex.activations(Split::Train, l).unwrap();
        ex.activations(Split::Test, l).unwrap();
    }
    let m = ex.memory_use();
    assert_eq!((m.layers, m.dropped, m.budget), (10, 0, None));
    assert_eq!(m.bytes, 10 * LAYER_BYTES);
}
