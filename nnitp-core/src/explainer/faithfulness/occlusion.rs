//! The deletion test: each conjunct's region of the image filled with the
//! training images' mean, beside a random region of the same size.

use ndarray::{Array2, Axis};

use super::super::{Explainer, Explanation};
use super::run::{is_max_class, PREMISE_DRAWS};
use super::trials::{Bench, Changes, Trial};
use super::{Effect, MeanFall, Occlusion};
use crate::cone::Place;
use crate::error::Result;
use crate::rng::SplitMix64;
use crate::source::ActivationSource;
use crate::split::Split;
use crate::unit::UnitBox;

/// A region of the size of `region` at a random place of the image.
fn random_region(rng: &mut SplitMix64, region: &UnitBox, [h, w, _]: [usize; 3]) -> UnitBox {
    let r = region.ranges();
    let (rh, rw) = (r[0].len(), r[1].len());
    let top = rng.below((h - rh + 1) as u64) as usize;
    let left = rng.below((w - rw + 1) as u64) as usize;
    UnitBox::new([top..top + rh, left..left + rw, r[2].clone()])
}

impl<S: ActivationSource> Explainer<S> {
    /// Each conjunct's input region occluded on the premise and on the
    /// `applies` test images, beside random regions; and the fill. Nothing
    /// when the source has no images or the input is not `[H, W, C]`.
    pub(super) fn occlusions(
        &self,
        explanation: &Explanation,
        applies: &[usize],
        rng: &mut SplitMix64,
    ) -> Result<(Vec<Occlusion>, Vec<f32>)> {
        let premise = explanation.premise;
        let (Some(train), Some(test), Some(own)) = (
            self.images(Split::Train),
            self.images(Split::Test),
            self.images(premise.split),
        ) else {
            return Ok((Vec::new(), Vec::new()));
        };
        let input = match *self.geometry().shape(Place::Input)? {
            [h, w, c] => [h, w, c],
            _ => return Ok((Vec::new(), Vec::new())),
        };
        let channels = input[2];
        let fill: Vec<f32> = (0..channels)
            .map(|k| {
                let plane = train.index_axis(Axis(3), k);
                let n = plane.len().max(1) as f64;
                (plane.iter().map(|&v| f64::from(v)).sum::<f64>() / n) as f32
            })
            .collect();
        // each image a row, channels last (the images are `[N, H, W, C]`)
        let flat = |a: ndarray::ArrayView4<'_, f32>| -> Result<Array2<f32>> {
            let pixels = input.iter().product::<usize>();
            let n = a.shape()[0];
            Array2::from_shape_vec((n, pixels), a.iter().copied().collect())
                .map_err(|_| crate::Error::shape("images", &[n, pixels], a.shape()))
        };
        let (test_flat, own_flat) = (flat(test)?, flat(own)?);
        let conclusion = &explanation.conclusion;
        let class = is_max_class(&conclusion.predicate);
        let bench = |split, base| Bench {
            split,
            at: Place::Input,
            base,
            conclusion,
            score: class,
            fill: Some((input, &fill)),
        };
        let bounds = explanation.interpolant.bounds();
        let (mut on_test, mut on_premise) = (Vec::new(), Vec::new());
        let mut regions = Vec::with_capacity(bounds.len());
        for (j, b) in bounds.iter().enumerate() {
            let region = self.input_box(explanation.layer, &b.unit)?;
            let trial = |sample, region, group| Trial {
                sample,
                changes: Changes::Region(region),
                group,
            };
            for &i in applies {
                on_test.push(trial(i, region.clone(), 2 * j));
                on_test.push(trial(i, random_region(rng, &region, input), 2 * j + 1));
            }
            on_premise.push(trial(premise.index, region.clone(), 2 * j));
            for _ in 0..PREMISE_DRAWS {
                let random = random_region(rng, &region, input);
                on_premise.push(trial(premise.index, random, 2 * j + 1));
            }
            regions.push(region);
        }
        let groups = 2 * bounds.len();
        let test_tally =
            self.run_trials(&bench(Split::Test, test_flat.view()), &on_test, groups)?;
        let premise_tally =
            self.run_trials(&bench(premise.split, own_flat.view()), &on_premise, groups)?;
        // the score's mean on the test images before any occlusion
        let before = match class {
            Some(c) if !applies.is_empty() => {
                let out = self.activations(Split::Test, conclusion.layer)?;
                let sum: f64 = applies.iter().map(|&i| f64::from(out.view()[[i, c]])).sum();
                Some(sum / applies.len() as f64)
            }
            _ => None,
        };
        let occlusions = bounds
            .iter()
            .zip(regions)
            .enumerate()
            .map(|(j, (b, region))| {
                let (own, random) = (test_tally[2 * j], test_tally[2 * j + 1]);
                let mean = |t: super::trials::Tally| t.score / t.trials.max(1) as f64;
                Occlusion {
                    bound: b.clone(),
                    region,
                    breaks: Effect {
                        premise: premise_tally[2 * j].broke(),
                        sample: own.broke(),
                    },
                    random_breaks: Effect {
                        premise: premise_tally[2 * j + 1].broke(),
                        sample: random.broke(),
                    },
                    mean_fall: before.map(|b| MeanFall {
                        region: b - mean(own),
                        random: b - mean(random),
                    }),
                }
            })
            .collect();
        Ok((occlusions, fill))
    }
}
