//! Predicates over a layer's activations: bounds on units, conjunctions
//! (interpolants), negation, `is_max(class)`, and a predicate bound to a layer.
//!
//! Every predicate evaluates on one activation row and, vectorised, on a whole
//! batch `[N, units]`. `Display` prints nnitp's text (`(v(0,4,25)<=-0.69624305 &
//! v(5,0,44)>=1.063251)`, `~p`, `is_max(3)`, `layer 14: ...`), and `FromStr`
//! reads it back.

use std::fmt;

use ndarray::{Array1, ArrayView1, ArrayView2, Axis, Zip};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::format::{repr_f32, repr_f64};
use crate::unit::Unit;

mod parse;
pub use parse::PredicateSyntaxError;

/// The direction of a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// `v(u) >= x`
    #[serde(rename = ">=")]
    Ge,
    /// `v(u) <= x`
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    /// Whether `value` satisfies `value op threshold`.
    #[inline]
    pub fn holds(self, value: f32, threshold: f32) -> bool {
        match self {
            Op::Ge => value >= threshold,
            Op::Le => value <= threshold,
        }
    }

    /// The operator's text, `>=` or `<=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Le => "<=",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn value_as_f64<S: Serializer>(v: &f32, s: S) -> std::result::Result<S::Ok, S::Error> {
    // Widen exactly, so JSON readers in f64 (Python, JavaScript) get the f32 value.
    s.serialize_f64(f64::from(*v))
}

fn value_from_f64<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f32, D::Error> {
    Ok(f64::deserialize(d)? as f32)
}

/// A bound on one unit: `v(u) >= value` or `v(u) <= value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bound {
    /// The unit bounded.
    pub unit: Unit,
    /// The direction.
    pub op: Op,
    /// The threshold.
    #[serde(serialize_with = "value_as_f64", deserialize_with = "value_from_f64")]
    pub value: f32,
}

impl Bound {
    /// A bound `unit op value`.
    pub fn new(unit: Unit, op: Op, value: f32) -> Self {
        Bound { unit, op, value }
    }

    /// The bound pointing the other way at the same threshold (`>=` becomes `<=`).
    pub fn flipped(&self) -> Self {
        let op = match self.op {
            Op::Ge => Op::Le,
            Op::Le => Op::Ge,
        };
        Bound::new(self.unit.clone(), op, self.value)
    }

    fn write(&self, f: &mut impl fmt::Write, wide: bool) -> fmt::Result {
        let value = if wide {
            repr_f64(f64::from(self.value))
        } else {
            repr_f32(self.value)
        };
        write!(f, "{}{}{}", self.unit, self.op, value)
    }

    /// Evaluates the bound on every row of `data` (`[N, units]`, units in C order
    /// over `shape`).
    ///
    /// # Errors
    /// [`UnitError::UnitOutOfRange`](crate::unit::UnitError::UnitOutOfRange) or [`Error::ShapeMismatch`] when the unit or the
    /// data do not fit `shape`.
    pub fn eval_batch(&self, data: ArrayView2<'_, f32>, shape: &[usize]) -> Result<Array1<bool>> {
        let j = self.column(data.ncols(), shape)?;
        let t = self.value;
        Ok(match self.op {
            Op::Ge => data.column(j).mapv(|v| v >= t),
            Op::Le => data.column(j).mapv(|v| v <= t),
        })
    }

    fn column(&self, ncols: usize, shape: &[usize]) -> Result<usize> {
        check_width(ncols, shape)?;
        Ok(self.unit.flat(shape)?)
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

fn check_width(ncols: usize, shape: &[usize]) -> Result<()> {
    let units: usize = shape.iter().product();
    if ncols != units {
        return Err(Error::shape("activation row", &[units], &[ncols]));
    }
    Ok(())
}

/// A conjunction of bounds: the form of every interpolant.
/// Prints `(a & b & c)`, or `true` when empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Conjunction(pub Vec<Bound>);

/// An interpolant is a conjunction of bounds on units of one layer.
pub type Interpolant = Conjunction;

impl Conjunction {
    /// The conjunction of `bounds`, in order.
    pub fn new(bounds: Vec<Bound>) -> Self {
        Conjunction(bounds)
    }

    /// The conjuncts.
    pub fn bounds(&self) -> &[Bound] {
        &self.0
    }

    /// Number of conjuncts.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no conjunct (the conjunction is `true`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The same condition with the bounds on one unit and direction merged into
    /// the tightest (the largest threshold of `>=` bounds, the smallest of
    /// `<=`), in the order each unit and direction first appears. The search
    /// returns the exact form, which may bound a unit twice (`v(u)>=a & ... &
    /// v(u)>=b`); that form is what is printed by default.
    ///
    /// ```
    /// use nnitp_core::{Bound, Conjunction, Op, Unit};
    /// let b = |u: usize, op, v| Bound::new(Unit::new([u]), op, v);
    /// let c = Conjunction::new(vec![b(3, Op::Ge, 1.0), b(5, Op::Le, 0.0), b(3, Op::Ge, 2.0), b(3, Op::Le, 4.0)]);
    /// assert_eq!(c.simplified().to_string(), "(v(3)>=2.0 & v(5)<=0.0 & v(3)<=4.0)");
    /// ```
    pub fn simplified(&self) -> Conjunction {
        let mut out: Vec<Bound> = Vec::with_capacity(self.0.len());
        for b in &self.0 {
            match out.iter_mut().find(|o| o.unit == b.unit && o.op == b.op) {
                Some(o) => {
                    let tighter = match b.op {
                        Op::Ge => b.value > o.value,
                        Op::Le => b.value < o.value,
                    };
                    if tighter {
                        o.value = b.value;
                    }
                }
                None => out.push(b.clone()),
            }
        }
        Conjunction(out)
    }

    /// The text with thresholds printed as `f64` (Python's `repr(float(x))`),
    /// e.g. `(v(17)>=1.3715713024139404 & v(3)>=1.510896921157837)`; this is the
    /// `text` field of the interpolant JSON format.
    pub fn to_string_f64(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, true).expect("writing to a String");
        s
    }

    fn write(&self, f: &mut impl fmt::Write, wide: bool) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("true");
        }
        f.write_char('(')?;
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" & ")?;
            }
            b.write(f, wide)?;
        }
        f.write_char(')')
    }

    /// Evaluates the conjunction on every row of `data`.
    ///
    /// # Errors
    /// As [`Bound::eval_batch`].
    pub fn eval_batch(&self, data: ArrayView2<'_, f32>, shape: &[usize]) -> Result<Array1<bool>> {
        check_width(data.ncols(), shape)?;
        let mut out = Array1::from_elem(data.nrows(), true);
        for b in &self.0 {
            let j = b.unit.flat(shape)?;
            let t = b.value;
            let op = b.op;
            Zip::from(&mut out)
                .and(data.column(j))
                .for_each(|o, &v| *o = *o && op.holds(v, t));
        }
        Ok(out)
    }

    /// Evaluates the conjunction on one activation row.
    ///
    /// # Errors
    /// As [`Bound::eval_batch`].
    pub fn eval(&self, row: ArrayView1<'_, f32>, shape: &[usize]) -> Result<bool> {
        let data = row.insert_axis(Axis(0));
        Ok(self.eval_batch(data, shape)?[0])
    }
}

impl fmt::Display for Conjunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

/// A predicate over the activations of one layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// A single bound.
    Bound(Bound),
    /// A conjunction of predicates (`true` when empty).
    And(Vec<Predicate>),
    /// The negation of a predicate, printed `~p`.
    Not(Box<Predicate>),
    /// The output unit `class` is the largest (ties: the first largest wins,
    /// as numpy's `argmax`), printed `is_max(class)`.
    IsMax(usize),
}

impl Predicate {
    /// The negation of this predicate.
    pub fn negate(self) -> Predicate {
        match self {
            Predicate::Not(p) => *p,
            p => Predicate::Not(Box::new(p)),
        }
    }

    /// Evaluates the predicate on every row of `data` (`[N, units]`, C order over
    /// `shape`), vectorised over the batch.
    ///
    /// # Errors
    /// [`UnitError::UnitOutOfRange`](crate::unit::UnitError::UnitOutOfRange), [`Error::ClassOutOfRange`] or
    /// [`Error::ShapeMismatch`] when the predicate or the data do not fit `shape`.
    pub fn eval_batch(&self, data: ArrayView2<'_, f32>, shape: &[usize]) -> Result<Array1<bool>> {
        match self {
            Predicate::Bound(b) => b.eval_batch(data, shape),
            Predicate::And(ps) => {
                check_width(data.ncols(), shape)?;
                let mut out = Array1::from_elem(data.nrows(), true);
                for p in ps {
                    let m = p.eval_batch(data, shape)?;
                    Zip::from(&mut out).and(&m).for_each(|o, &x| *o = *o && x);
                }
                Ok(out)
            }
            Predicate::Not(p) => Ok(p.eval_batch(data, shape)?.mapv(|x| !x)),
            Predicate::IsMax(class) => {
                check_width(data.ncols(), shape)?;
                let classes = data.ncols();
                if *class >= classes {
                    return Err(Error::ClassOutOfRange {
                        class: *class,
                        classes,
                    });
                }
                Ok(Array1::from_iter(
                    data.rows().into_iter().map(|r| argmax(r) == *class),
                ))
            }
        }
    }

    /// Evaluates the predicate on one activation row.
    ///
    /// # Errors
    /// As [`Predicate::eval_batch`].
    pub fn eval(&self, row: ArrayView1<'_, f32>, shape: &[usize]) -> Result<bool> {
        Ok(self.eval_batch(row.insert_axis(Axis(0)), shape)?[0])
    }

    /// The text with thresholds printed as `f64` (see [`Conjunction::to_string_f64`]).
    pub fn to_string_f64(&self) -> String {
        let mut s = String::new();
        self.write(&mut s, true).expect("writing to a String");
        s
    }

    fn write(&self, f: &mut impl fmt::Write, wide: bool) -> fmt::Result {
        match self {
            Predicate::Bound(b) => b.write(f, wide),
            Predicate::And(ps) if ps.is_empty() => f.write_str("true"),
            Predicate::And(ps) => {
                f.write_char('(')?;
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" & ")?;
                    }
                    p.write(f, wide)?;
                }
                f.write_char(')')
            }
            Predicate::Not(p) => {
                f.write_char('~')?;
                p.write(f, wide)
            }
            Predicate::IsMax(c) => write!(f, "is_max({c})"),
        }
    }
}

/// The index of the first largest value of a row (numpy's `argmax`).
pub fn argmax(row: ArrayView1<'_, f32>) -> usize {
    let mut best = 0;
    let mut best_v = f32::NEG_INFINITY;
    for (i, &v) in row.iter().enumerate() {
        if v > best_v || i == 0 {
            best = i;
            best_v = v;
        }
    }
    best
}

impl fmt::Display for Predicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, false)
    }
}

impl From<Bound> for Predicate {
    fn from(b: Bound) -> Self {
        Predicate::Bound(b)
    }
}

impl From<Conjunction> for Predicate {
    fn from(c: Conjunction) -> Self {
        Predicate::And(c.0.into_iter().map(Predicate::Bound).collect())
    }
}

/// A predicate on the activations of a given layer, printed `layer 14: (...)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerPredicate {
    /// Layer index.
    pub layer: usize,
    /// The predicate on that layer's units.
    pub predicate: Predicate,
}

impl LayerPredicate {
    /// `predicate` at `layer`.
    pub fn new(layer: usize, predicate: impl Into<Predicate>) -> Self {
        LayerPredicate {
            layer,
            predicate: predicate.into(),
        }
    }
}

impl fmt::Display for LayerPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "layer {}: {}", self.layer, self.predicate)
    }
}

#[cfg(test)]
mod tests;
