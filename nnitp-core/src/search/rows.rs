//! Rows of one matrix selected by an index list, read in place.

use ndarray::{ArrayView2, CowArray, Ix2};

use crate::error::{Error, Result};

/// Rows of one matrix (in place, row-major) selected by an index list.
pub(super) struct RowSet<'a> {
    what: &'static str,
    data: CowArray<'a, f32, Ix2>,
    pub(super) rows: Vec<u32>,
}

impl<'a> RowSet<'a> {
    pub(super) fn new(what: &'static str, data: ArrayView2<'a, f32>, rows: Vec<u32>) -> Self {
        let data = if data.is_standard_layout() {
            CowArray::from(data)
        } else {
            CowArray::from(data.as_standard_layout().into_owned())
        };
        RowSet { what, data, rows }
    }

    pub(super) fn flat(&self) -> &[f32] {
        self.data
            .as_slice()
            .expect("as_standard_layout gives a contiguous array")
    }

    pub(super) fn width(&self) -> usize {
        self.data.ncols()
    }

    #[inline]
    pub(super) fn value(&self, row: u32, unit: usize) -> f32 {
        self.flat()[row as usize * self.width() + unit]
    }

    /// The first non-finite value among `units` of the selected rows, as an error.
    pub(super) fn find_non_finite(&self, units: &[usize]) -> Result<()> {
        for &r in &self.rows {
            for &u in units {
                let v = self.value(r, u);
                if !v.is_finite() {
                    return Err(Error::NonFinite {
                        what: self.what.into(),
                        row: r as usize,
                        unit: u,
                        value: v,
                    });
                }
            }
        }
        Ok(())
    }
}
