//! The optimised search against a literal transcription of the algorithm in
//! docs/DESIGN.md ("The search"), on many random inputs: continuous values, small
//! integers (many ties), several premise rows, cones, premises for which the
//! conclusion does not hold, and matrices given as positives/negatives or masked.

use ndarray::{s, Array2};
use nnitp_core::{Op, SearchInput, SearchParams, Unit, UnitBox};

/// A small deterministic generator for test data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
    fn normal(&mut self) -> f32 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        ((-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()) as f32
    }
}

/// The search exactly as docs/DESIGN.md states it, with full sorts.
fn reference(
    premise: &Array2<f32>,
    onset: &Array2<f32>,
    offset: &Array2<f32>,
    units: &[usize],
    (alpha, g0, mu): (f64, f64, f64),
) -> Vec<(usize, Op, f32)> {
    let rows = |m: &Array2<f32>| (0..m.nrows()).collect::<Vec<_>>();
    let (mut a, mut on, mut off) = (rows(premise), rows(onset), rows(offset));
    let epsilon = 1.0 - alpha;
    let mut gamma = g0;
    let mut result = Vec::new();
    while on.len() as f64 > epsilon * (on.len() + off.len()) as f64 && gamma > 0.001 {
        let pos = |n: usize| (gamma * n as f64).ceil() as usize - 1;
        let mut best: Vec<(f64, usize, f32, usize)> = Vec::new();
        for op in [Op::Ge, Op::Le] {
            let mut b = (f64::INFINITY, 0, 0.0f32, 0usize);
            for &u in units {
                let stat = |m: &Array2<f32>, rs: &[usize]| {
                    let mut v: Vec<f32> = rs.iter().map(|&r| m[[r, u]]).collect();
                    v.sort_by(|x, y| x.partial_cmp(y).unwrap());
                    if op == Op::Ge {
                        v.reverse();
                    }
                    v[pos(rs.len())]
                };
                let (y, x) = (stat(offset, &off), stat(premise, &a));
                let thr = if op == Op::Ge { x.min(y) } else { x.max(y) };
                let t = on.iter().filter(|&&r| op.holds(onset[[r, u]], thr)).count();
                let f = off
                    .iter()
                    .filter(|&&r| op.holds(offset[[r, u]], thr))
                    .count();
                let cost = t as f64 / (t + f) as f64;
                if cost < b.0 {
                    b = (cost, u, thr, t);
                }
            }
            best.push(b);
        }
        let (op, (_, u, thr, t)) = if best[0].0 <= best[1].0 {
            (Op::Ge, best[0])
        } else {
            (Op::Le, best[1])
        };
        if t < on.len() {
            a.retain(|&r| op.holds(premise[[r, u]], thr));
            on.retain(|&r| op.holds(onset[[r, u]], thr));
            off.retain(|&r| op.holds(offset[[r, u]], thr));
            result.push((u, op, thr));
            gamma *= mu;
        } else if g0 < 1.0 {
            gamma *= g0;
        } else {
            break;
        }
    }
    result
}

fn split(data: &Array2<f32>, mask: &[bool], want: bool) -> Array2<f32> {
    let idx: Vec<usize> = (0..mask.len()).filter(|&i| mask[i] == want).collect();
    data.select(ndarray::Axis(0), &idx)
}

/// One random case: `n` samples over `shape`, checked against [`reference`]
/// with the masked and the split inputs.
fn check_random_case(
    rng: &mut Lcg,
    shape: [usize; 3],
    n: usize,
    cone: Option<UnitBox>,
    case: usize,
) {
    let units: usize = shape.iter().product();
    let integer = case.is_multiple_of(3);
    let frac = 0.1 + 0.4 * rng.unit();
    let mask: Vec<bool> = (0..n).map(|_| rng.unit() < frac).collect();
    if !mask.iter().any(|&m| m) {
        return;
    }
    let informative = [(rng.next() as usize) % units, (rng.next() as usize) % units];
    let data = Array2::from_shape_fn((n, units), |(i, u)| {
        let base = if integer {
            (rng.next() % 4) as f32
        } else {
            rng.normal()
        };
        base + if mask[i] && informative.contains(&u) {
            1.0
        } else {
            0.0
        }
    });
    let k = 1 + case % 3;
    let premise_rows: Vec<usize> = (0..k).map(|j| (j * 37 + case) % n).collect();
    let premise = data.select(ndarray::Axis(0), &premise_rows);
    let alpha = [0.9, 0.95, 0.99][case % 3];
    let (gamma, mu) = [(0.6, 0.9), (0.5, 0.8), (1.0, 0.95)][case % 3];
    let candidates = match &cone {
        Some(c) => c.flat_indices(&shape).unwrap(),
        None => (0..units).collect(),
    };
    let expected = reference(
        &premise,
        &split(&data, &mask, false),
        &split(&data, &mask, true),
        &candidates,
        (alpha, gamma, mu),
    );
    let params = SearchParams::default()
        .with_alpha(alpha)
        .with_gamma(gamma)
        .with_mu(mu)
        .check()
        .unwrap();
    let masked =
        SearchInput::masked(premise.view(), data.view(), &mask, &shape).with_cone(cone.clone());
    let got = params.search(&masked).unwrap();
    let got: Vec<(usize, Op, f32)> = got
        .bounds()
        .iter()
        .map(|b| (b.unit.flat(&shape).unwrap(), b.op, b.value))
        .collect();
    assert_eq!(got, expected, "case {case}");
    let (pos, neg) = (split(&data, &mask, true), split(&data, &mask, false));
    let by_split = params
        .search(&SearchInput::split(premise.view(), pos.view(), neg.view(), &shape).with_cone(cone))
        .unwrap();
    let by_split: Vec<(usize, Op, f32)> = by_split
        .bounds()
        .iter()
        .map(|b| (b.unit.flat(&shape).unwrap(), b.op, b.value))
        .collect();
    assert_eq!(by_split, expected, "case {case}: split input");
}

#[test]
fn agrees_with_the_literal_algorithm_on_random_data() {
    let mut rng = Lcg(7);
    for case in 0..60 {
        let n = 200 + (rng.next() % 400) as usize;
        let cone = (case % 2 == 1).then(|| UnitBox::new([1..4, 0..2, 1..5]));
        check_random_case(&mut rng, [4, 3, 5], n, cone, case);
    }
}

/// Layers wider than the units the search counts together (1024), whole and
/// through a cone whose runs cross that boundary.
#[test]
fn agrees_with_the_literal_algorithm_on_a_wide_layer() {
    let mut rng = Lcg(23);
    for case in 0..4 {
        let n = 300 + (rng.next() % 300) as usize;
        let cone = (case % 2 == 1).then(|| UnitBox::new([0..6, 1..6, 0..40]));
        check_random_case(&mut rng, [6, 6, 40], n, cone, case);
    }
}

#[test]
fn non_contiguous_views_give_the_same_answer() {
    let mut rng = Lcg(11);
    let data = Array2::from_shape_fn((300, 12), |_| rng.normal());
    let mask: Vec<bool> = (0..300).map(|i| i % 4 == 0).collect();
    let params = SearchParams::default().with_alpha(0.9).check().unwrap();
    let premise = data.slice(s![0..1, ..]);
    let a = params
        .search(&SearchInput::masked(premise, data.view(), &mask, &[12]))
        .unwrap();
    // the same matrix stored column-major
    let mut t = Array2::<f32>::zeros((12, 300));
    t.assign(&data.t());
    let b = params
        .search(&SearchInput::masked(premise, t.t(), &mask, &[12]))
        .unwrap();
    assert_eq!(a, b);
    assert!(!a.is_empty());
    assert!(a.bounds().iter().all(|b| b.unit.flat(&[12]).unwrap() < 12));
    let _ = Unit::new([0]);
}
