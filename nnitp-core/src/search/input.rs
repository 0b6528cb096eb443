//! What the search works on: premise rows, labelled samples, unit shape, cone.

use ndarray::ArrayView2;

use crate::unit::UnitBox;

/// The samples of a search, labelled by whether the conclusion holds.
#[derive(Clone, Debug)]
pub(crate) enum Samples<'a> {
    /// Separate matrices of positive and negative samples.
    Split {
        positives: ArrayView2<'a, f32>,
        negatives: ArrayView2<'a, f32>,
    },
    /// One matrix and a mask: `mask[i]` is whether the conclusion holds for row `i`.
    Masked {
        data: ArrayView2<'a, f32>,
        mask: &'a [bool],
    },
}

/// The data of one interpolant search.
///
/// All matrices are `[rows, units]` with the units of one layer flattened in C
/// order over `unit_shape` (channels last: `v(r,c,k)`). Build with
/// [`SearchInput::masked`] or [`SearchInput::split`]; restrict the units the
/// search may use with [`SearchInput::with_cone`].
#[derive(Clone, Debug)]
pub struct SearchInput<'a> {
    pub(crate) premise: ArrayView2<'a, f32>,
    pub(crate) samples: Samples<'a>,
    pub(crate) unit_shape: Vec<usize>,
    pub(crate) cone: Option<UnitBox>,
}

impl<'a> SearchInput<'a> {
    /// Samples in one matrix `data`, with `mask[i]` telling whether the
    /// conclusion holds for row `i` (the positives) or not (the negatives).
    pub fn masked(
        premise: ArrayView2<'a, f32>,
        data: ArrayView2<'a, f32>,
        mask: &'a [bool],
        unit_shape: &[usize],
    ) -> Self {
        SearchInput {
            premise,
            samples: Samples::Masked { data, mask },
            unit_shape: unit_shape.to_vec(),
            cone: None,
        }
    }

    /// Positive samples (the conclusion holds) and negative samples in two matrices.
    pub fn split(
        premise: ArrayView2<'a, f32>,
        positives: ArrayView2<'a, f32>,
        negatives: ArrayView2<'a, f32>,
        unit_shape: &[usize],
    ) -> Self {
        SearchInput {
            premise,
            samples: Samples::Split {
                positives,
                negatives,
            },
            unit_shape: unit_shape.to_vec(),
            cone: None,
        }
    }

    /// Restricts the search to the units inside `cone` (`None`: all units).
    pub fn with_cone(mut self, cone: Option<UnitBox>) -> Self {
        self.cone = cone;
        self
    }

    /// The unit shape of the layer searched.
    pub fn unit_shape(&self) -> &[usize] {
        &self.unit_shape
    }
}
