//! The zoo's time-series model: GunPoint's shipped series, the 1-d layers'
//! shapes, cones over time steps checked by perturbing the series, and the
//! shipped weights' accuracy.

use burn::tensor::Device;
use ndarray::{s, Axis};
use nnitp_core::cone::Place;
use nnitp_core::network::extract;
use nnitp_core::progress::{Observer, Task};
use nnitp_core::unit::{Unit, UnitBox};
use nnitp_models::data::{self, DatasetKind, SampleKind};
use nnitp_models::train::accuracy;
use nnitp_models::zoo::ModelKind;
use nnitp_models::{Error, Setup};

/// The shipped `.ts` text of GunPoint's `split` (TRAIN or TEST).
fn shipped_text(split: &str) -> String {
    let gz = std::fs::read(format!(
        "{}/data/series/GunPoint_{split}.ts.gz",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
    text
}

#[test]
fn gunpoint_is_read_as_one_row_series() {
    let splits = data::load(DatasetKind::GunPoint, None).unwrap();
    assert_eq!(splits.train.images.shape(), &[50, 1, 150, 1]);
    assert_eq!(splits.test.images.shape(), &[150, 1, 150, 1]);
    // the archive's counts per class
    let count = |l: &[u8], c: u8| l.iter().filter(|&&x| x == c).count();
    assert_eq!(
        (
            count(&splits.train.labels, 0),
            count(&splits.train.labels, 1)
        ),
        (24, 26)
    );
    assert_eq!(
        (count(&splits.test.labels, 0), count(&splits.test.labels, 1)),
        (76, 74)
    );
    assert_eq!(DatasetKind::GunPoint.samples(), SampleKind::Series);
    // a folder in the archive's layout is read the same way
    let dir = tempfile::tempdir().unwrap();
    for split in ["TRAIN", "TEST"] {
        let text = shipped_text(split);
        std::fs::write(dir.path().join(format!("GunPoint_{split}.ts")), text).unwrap();
    }
    let read = data::load(DatasetKind::GunPoint, Some(dir.path())).unwrap();
    assert_eq!(read.test.images, splits.test.images);
    // a series of another length is refused, naming the problem
    let short = "@problemName Short\n@univariate true\n@classLabel true 1 2\n@data\n1,2,3:1\n";
    std::fs::write(dir.path().join("GunPoint_TRAIN.ts"), short).unwrap();
    let err = data::load(DatasetKind::GunPoint, Some(dir.path())).unwrap_err();
    assert!(err.to_string().contains("3 steps"), "{err}");
    // labels declared in another order would swap the classes: refused
    let train = shipped_text("TRAIN").replace("@classLabel true 1 2", "@classLabel true 2 1");
    std::fs::write(dir.path().join("GunPoint_TRAIN.ts"), train).unwrap();
    let err = data::load(DatasetKind::GunPoint, Some(dir.path())).unwrap_err();
    assert!(err.to_string().contains("labelled [\"2\", \"1\"]"), "{err}");
    // a malformed one names the file and the line
    std::fs::write(dir.path().join("GunPoint_TRAIN.ts"), "@data\n").unwrap();
    let err = data::load(DatasetKind::GunPoint, Some(dir.path())).unwrap_err();
    assert!(matches!(err, Error::Series { .. }), "{err}");
    assert!(
        err.to_string().contains("GunPoint_TRAIN.ts: line 1"),
        "{err}"
    );
}

#[test]
fn cones_cover_the_time_steps_a_unit_reads() {
    let loaded = Setup::new(ModelKind::GunpointCnn, Device::flex())
        .load()
        .unwrap();
    let g = nnitp_core::Network::geometry(&loaded.model).clone();
    assert_eq!(g.shape(Place::Layer(2)).unwrap(), &[1, 75, 8]);
    assert_eq!(g.shape(Place::Layer(5)).unwrap(), &[1, 37, 16]);
    let images = loaded
        .splits
        .test
        .images
        .slice(s![..8, .., .., ..])
        .to_owned();
    let run = |x: &ndarray::Array4<f32>| {
        extract(
            &loaded.model,
            x.view(),
            &[5],
            8,
            &Observer::none(),
            Task::Running,
        )
        .unwrap()
        .remove(0)
    };
    let base = run(&images);
    for t in [0usize, 9, 20, 36] {
        let unit = Unit::new([0, t, 3]);
        let flat = unit.flat(&[1, 37, 16]).unwrap();
        let cone = g.cone(Place::Input, 5, &UnitBox::unit(&unit)).unwrap();
        let steps = cone.ranges()[1].clone();
        // pool 2 of conv 5 of pool 2 of conv 7: 4 * 2 + 6 + 4 * ... at most 18 steps
        assert!(steps.len() <= 18 && !steps.is_empty(), "{t}: {steps:?}");
        // changing every step outside the window leaves the unit as it was
        let mut outside = images.clone();
        for (k, mut v) in outside.axis_iter_mut(Axis(2)).enumerate() {
            if !steps.contains(&k) {
                v.mapv_inplace(|x| x + 3.0);
            }
        }
        let moved = run(&outside);
        for i in 0..8 {
            assert!(
                (moved[[i, flat]] - base[[i, flat]]).abs() < 1e-5,
                "{t}: row {i}"
            );
        }
        // changing the window itself moves it for some series
        let mut inside = images.clone();
        for k in steps.clone() {
            inside.index_axis_mut(Axis(2), k).mapv_inplace(|x| x + 3.0);
        }
        let moved = run(&inside);
        assert!(
            (0..8).any(|i| (moved[[i, flat]] - base[[i, flat]]).abs() > 1e-3),
            "{t}: the window {steps:?} does not move the unit"
        );
    }
}

#[test]
fn the_shipped_weights_classify_the_test_series() {
    let loaded = Setup::new(ModelKind::GunpointCnn, Device::flex())
        .load()
        .unwrap();
    // 1-nearest neighbour with dynamic time warping, the archive's baseline, scores 0.907
    let acc = accuracy(&loaded.model, &loaded.splits.test, 64).unwrap();
    assert!(acc >= 0.9, "{acc}");
}
