//! From explanations (and rules) to grid columns: which images a grid shows
//! and the input region of each conjunct, computed with an [`Explainer`].

use nnitp_core::explainer::RuleSet;
use nnitp_core::{
    ActivationSource, Explainer, Explanation, LayerPredicate, Predicate, Split, UnitBox,
};

use crate::error::{Error, Result};
use crate::grid::{render, Grid, GridColumn, GridOptions};
use crate::row_table::RowTable;
use serde::Serialize;

/// The conjuncts of `predicate`, each as a predicate at the same layer: the
/// bounds of a conjunction, or the predicate itself when it is a single bound.
/// `is_max` and negations have no conjunct regions.
pub fn conjuncts(predicate: &LayerPredicate) -> Vec<LayerPredicate> {
    match &predicate.predicate {
        Predicate::And(ps) => ps
            .iter()
            .map(|p| LayerPredicate::new(predicate.layer, p.clone()))
            .collect(),
        Predicate::Bound(_) => vec![predicate.clone()],
        _ => Vec::new(),
    }
}

/// The input regions of each conjunct of `predicate`.
///
/// # Errors
/// When the predicate does not fit its layer.
pub fn regions<S: ActivationSource>(
    ex: &Explainer<S>,
    predicate: &LayerPredicate,
) -> Result<Vec<UnitBox>> {
    conjuncts(predicate)
        .iter()
        .map(|c| Ok(ex.predicate_input_box(c)?))
        .collect()
}

/// Whether `region` spans every row and column of an input of `shape`
/// (`[H, W, C]`): a conjunct after global pooling, a dense layer or a
/// gate over the whole map, which no box on the image explains.
pub fn covers_whole_input(region: &UnitBox, shape: &[usize]) -> bool {
    match (region.ranges(), shape) {
        ([rows, cols, ..], [h, w, ..]) => *rows == (0..*h) && *cols == (0..*w),
        _ => false,
    }
}

/// Columns for `key` followed by `others` (images of one data set), each marked
/// with the input regions of `predicate`'s conjuncts.
///
/// # Errors
/// When the predicate does not fit its layer.
pub fn columns<S: ActivationSource>(
    ex: &Explainer<S>,
    predicate: &LayerPredicate,
    key: usize,
    others: &[usize],
) -> Result<Vec<GridColumn>> {
    let regions = regions(ex, predicate)?;
    Ok(std::iter::once(key)
        .chain(others.iter().copied())
        .map(|image| GridColumn {
            image,
            regions: regions.clone(),
        })
        .collect())
}

/// Up to `count` images of `split`, other than `key`, satisfying `predicate`
/// (only those classified as `class` when given).
///
/// # Errors
/// As [`Explainer::satisfying`].
pub fn comparisons<S: ActivationSource>(
    ex: &Explainer<S>,
    split: Split,
    predicate: &LayerPredicate,
    key: usize,
    count: usize,
    class: Option<usize>,
) -> Result<Vec<usize>> {
    let found = ex.satisfying(split, predicate, count + 1, class)?;
    Ok(found
        .into_iter()
        .filter(|&i| i != key)
        .take(count)
        .collect())
}

/// nnitp's grid of an explanation: the premise with the interpolant's regions,
/// then `count` comparison images of the same data set satisfying it.
///
/// # Errors
/// As [`comparisons`] and [`render`].
pub fn explanation_grid<S: ActivationSource>(
    ex: &Explainer<S>,
    e: &Explanation,
    count: usize,
    options: &GridOptions,
) -> Result<(Grid, Vec<GridColumn>)> {
    let predicate = e.predicate();
    let split = e.premise.split;
    let others = comparisons(ex, split, &predicate, e.premise.index, count, None)?;
    let cols = columns(ex, &predicate, e.premise.index, &others)?;
    let images = ex.images(split).ok_or(Error::NoImages(split))?;
    let grid = render(images, &cols, options)?;
    Ok((grid, cols))
}

/// The grid of rule `k` of `set`: the first training image it covers with the
/// rule's regions, then up to `count` more images it covers. `None` when the
/// rule covers no image (or there is no rule `k`).
///
/// # Errors
/// As [`render`].
pub fn rule_grid<S: ActivationSource>(
    ex: &Explainer<S>,
    set: &RuleSet,
    k: usize,
    count: usize,
    options: &GridOptions,
) -> Result<Option<Grid>> {
    let Some(rule) = set.rules.get(k) else {
        return Ok(None);
    };
    let Some((&key, rest)) = rule.covered.split_first() else {
        return Ok(None);
    };
    let others: Vec<usize> = rest.iter().copied().take(count).collect();
    let predicate = LayerPredicate::new(set.layer, rule.interpolant.clone());
    let cols = columns(ex, &predicate, key, &others)?;
    let images = ex
        .images(Split::Train)
        .ok_or(Error::NoImages(Split::Train))?;
    Ok(Some(render(images, &cols, options)?))
}

/// How an explanation's inputs are drawn.
#[derive(Clone, Debug)]
pub enum Figure {
    /// nnitp's grid of images (PNG).
    Png(Vec<u8>),
    /// A line plot of series, each conjunct's window shaded (SVG).
    Svg(String),
    /// A table of rows in the data's units, the bounded features
    /// highlighted.
    Table(RowTable),
}

/// What the samples of a data set are, by their shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Samples {
    /// Images `[H, W, C]` (and any input that is neither of the others).
    Image,
    /// A table's rows `[1, 1, F]` with named features
    /// ([`Explainer::features`]).
    Row,
    /// Series `[1, T, 1]`, `T > 1`.
    Series,
}

impl Samples {
    /// What the samples of `split` are.
    pub fn of<S: ActivationSource>(ex: &Explainer<S>, split: Split) -> Samples {
        match (
            ex.images(split).map(|i| i.shape()[1..].to_vec()),
            ex.features(),
        ) {
            (Some(s), Some(_)) if s[..2] == [1, 1] => Samples::Row,
            (Some(s), _) if s[0] == 1 && s[1] > 1 && s[2] == 1 => Samples::Series,
            _ => Samples::Image,
        }
    }

    /// What one sample is called: `image`, `row` or `series`.
    pub fn noun(self) -> &'static str {
        match self {
            Samples::Image => "image",
            Samples::Row => "row",
            Samples::Series => "series",
        }
    }

    /// What several samples are called: `images`, `rows` or `series`.
    pub fn plural(self) -> &'static str {
        match self {
            Samples::Image => "images",
            Samples::Row => "rows",
            Samples::Series => "series",
        }
    }
}

/// The figure of `shown` (samples of `split`, the key first), marked with the
/// input regions of `predicate`'s conjuncts: for images, nnitp's grid; for
/// series, a line plot with each conjunct's window shaded; for a table's rows,
/// those rows in a table, the bounded features first.
///
/// # Errors
/// When the predicate does not fit its layer, [`render`]'s errors, and
/// [`Error::NoImages`] without inputs.
pub fn figure<S: ActivationSource>(
    ex: &Explainer<S>,
    split: Split,
    predicate: &LayerPredicate,
    shown: &[usize],
) -> Result<Figure> {
    let images = ex.images(split).ok_or(Error::NoImages(split))?;
    let n = images.shape()[0];
    if let Some(&i) = shown.iter().find(|&&i| i >= n) {
        return Err(Error::Core(nnitp_core::Error::ImageOutOfRange {
            index: i,
            images: n,
        }));
    }
    let boxes = regions(ex, predicate)?;
    match (Samples::of(ex, split), ex.features()) {
        (Samples::Row, Some(features)) => {
            let bounded: Vec<usize> = boxes
                .iter()
                .filter(|b| b.len() == 1)
                .map(|b| b.ranges()[2].start)
                .collect();
            let rows: Vec<(String, Vec<f32>)> = shown
                .iter()
                .map(|&i| {
                    let label = format!("{} row {i}", split.name());
                    (label, images.slice(ndarray::s![i, 0, 0, ..]).to_vec())
                })
                .collect();
            Ok(Figure::Table(RowTable::new(features, &rows, &bounded)))
        }
        (Samples::Series, _) => {
            let windows: Vec<std::ops::Range<usize>> =
                boxes.iter().map(|b| b.ranges()[1].clone()).collect();
            let series: Vec<Vec<f32>> = shown
                .iter()
                .map(|&i| images.slice(ndarray::s![i, 0, .., 0]).to_vec())
                .collect();
            Ok(Figure::Svg(crate::series_plot::series_svg(
                &series, &windows,
            )))
        }
        _ => {
            let columns = shown
                .iter()
                .map(|&image| GridColumn {
                    image,
                    regions: boxes.clone(),
                })
                .collect::<Vec<_>>();
            let grid = render(images, &columns, &GridOptions::default())?;
            Ok(Figure::Png(grid.png()?))
        }
    }
}

/// The figure of an explanation ([`figure`]): the premise and `count`
/// comparison samples of its data set satisfying the interpolant.
///
/// # Errors
/// As [`comparisons`] and [`figure`].
pub fn explanation_figure<S: ActivationSource>(
    ex: &Explainer<S>,
    e: &Explanation,
    count: usize,
) -> Result<Figure> {
    let split = e.premise.split;
    let predicate = e.predicate();
    let others = comparisons(ex, split, &predicate, e.premise.index, count, None)?;
    let shown: Vec<usize> = std::iter::once(e.premise.index).chain(others).collect();
    figure(ex, split, &predicate, &shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_covers_the_whole_input_when_it_spans_every_row_and_column() {
        let shape = [28, 28, 1];
        assert!(covers_whole_input(
            &UnitBox::new([0..28, 0..28, 0..1]),
            &shape
        ));
        assert!(!covers_whole_input(
            &UnitBox::new([0..28, 1..28, 0..1]),
            &shape
        ));
        assert!(!covers_whole_input(
            &UnitBox::new([3..9, 0..28, 0..1]),
            &shape
        ));
        // a row or a series has no rows and columns to cover
        assert!(!covers_whole_input(&UnitBox::flat(0..30), &[30]));
    }
}
