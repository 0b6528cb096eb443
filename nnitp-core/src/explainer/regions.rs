//! The regions a predicate depends on: boxes of units at an earlier layer or
//! in the input image.

use super::Explainer;
use crate::cone::Place;
use crate::error::Result;
use crate::predicate::{LayerPredicate, Predicate};
use crate::source::ActivationSource;
use crate::unit::{Unit, UnitBox, UnitError};

impl<S: ActivationSource> Explainer<S> {
    /// The region of the input image that unit `unit` of `layer` depends on.
    ///
    /// # Errors
    /// [`GeometryError::LayerOutOfRange`](crate::cone::GeometryError::LayerOutOfRange),
    /// [`UnitError::ConeOutsideShape`] for a unit outside the layer.
    pub fn input_box(&self, layer: usize, unit: &Unit) -> Result<UnitBox> {
        Ok(self
            .geometry()
            .cone(Place::Input, layer, &UnitBox::unit(unit))?)
    }

    /// The region of the input image that `predicate` depends on.
    ///
    /// # Errors
    /// As [`Explainer::input_box`].
    pub fn predicate_input_box(&self, predicate: &LayerPredicate) -> Result<UnitBox> {
        self.predicate_cone(Place::Input, predicate)
    }

    /// The box of units at `from` that can affect any unit `predicate`
    /// mentions: for a conclusion, the units its search may use.
    pub(super) fn predicate_cone(
        &self,
        from: Place,
        predicate: &LayerPredicate,
    ) -> Result<UnitBox> {
        let geometry = self.geometry();
        let shape = geometry.shape(Place::Layer(predicate.layer))?;
        let b = predicate_box(&predicate.predicate, shape)?;
        Ok(geometry.cone(from, predicate.layer, &b)?)
    }
}

/// The smallest box holding every unit `predicate` mentions (`is_max` and the
/// empty conjunction: the whole layer).
fn predicate_box(
    predicate: &Predicate,
    shape: &[usize],
) -> std::result::Result<UnitBox, UnitError> {
    fn collect(p: &Predicate, out: &mut Vec<Unit>) -> bool {
        match p {
            Predicate::Bound(b) => {
                out.push(b.unit.clone());
                true
            }
            Predicate::And(ps) => ps.iter().all(|q| collect(q, out)) && !ps.is_empty(),
            Predicate::Not(q) => collect(q, out),
            Predicate::IsMax(_) => false,
        }
    }
    let mut units = Vec::new();
    if !collect(predicate, &mut units) {
        return Ok(UnitBox::full(shape));
    }
    for u in &units {
        u.flat(shape)?;
    }
    let ranges = (0..shape.len()).map(|d| {
        let lo = units.iter().map(|u| u.0[d]).min().unwrap_or(0);
        let hi = units.iter().map(|u| u.0[d]).max().unwrap_or(0);
        lo..hi + 1
    });
    Ok(UnitBox::new(ranges))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::predicate::{Bound, Op};

    #[test]
    fn predicate_boxes() {
        let shape = [4, 4, 2];
        let b = |u: [usize; 3]| Predicate::Bound(Bound::new(Unit::new(u), Op::Ge, 0.0));
        assert_eq!(
            predicate_box(&Predicate::IsMax(1), &shape).unwrap(),
            UnitBox::full(&shape)
        );
        assert_eq!(
            predicate_box(&b([1, 2, 0]), &shape).unwrap(),
            UnitBox::new([1..2, 2..3, 0..1])
        );
        let both = Predicate::And(vec![b([1, 2, 0]), b([3, 0, 1])]).negate();
        assert_eq!(
            predicate_box(&both, &shape).unwrap(),
            UnitBox::new([1..4, 0..3, 0..2])
        );
        assert!(matches!(
            predicate_box(&b([4, 0, 0]), &shape),
            Err(UnitError::UnitOutOfRange { .. })
        ));
    }
}
