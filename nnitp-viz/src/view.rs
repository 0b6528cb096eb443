//! From explanations (and rules) to grid columns: which images a grid shows
//! and the input region of each conjunct, computed with an [`Explainer`].

use nnitp_core::explainer::RuleSet;
use nnitp_core::{
    ActivationSource, Explainer, Explanation, LayerPredicate, Predicate, Split, UnitBox,
};

use crate::error::{Error, Result};
use crate::grid::{render, Grid, GridColumn, GridOptions};

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
    /// highlighted (HTML).
    Html(String),
}

/// What one input of `split` is called, by its shape: `row` for `[1, 1, F]`
/// with named features, `series` for `[1, T, 1]`, else `image`.
pub fn sample_noun<S: ActivationSource>(ex: &Explainer<S>, split: Split) -> &'static str {
    match (
        ex.images(split).map(|i| i.shape()[1..].to_vec()),
        ex.features(),
    ) {
        (Some(s), Some(_)) if s[..2] == [1, 1] => "row",
        (Some(s), _) if s[0] == 1 && s[1] > 1 && s[2] == 1 => "series",
        _ => "image",
    }
}

/// The figure of an explanation, by what its inputs are: for images
/// `[H, W, 1 or 3]`, nnitp's grid ([`explanation_grid`]); for series
/// `[1, T, 1]`, the premise and `count` comparison series satisfying the
/// interpolant, plotted; for a table's rows `[1, 1, F]` with named features
/// ([`Explainer::features`]), those rows in a table.
///
/// # Errors
/// As [`explanation_grid`]; [`Error::NoImages`] without inputs.
pub fn explanation_figure<S: ActivationSource>(
    ex: &Explainer<S>,
    e: &Explanation,
    count: usize,
) -> Result<Figure> {
    let split = e.premise.split;
    let images = ex.images(split).ok_or(Error::NoImages(split))?;
    let shape = &images.shape()[1..];
    let predicate = e.predicate();
    let pick = || -> Result<Vec<usize>> {
        let others = comparisons(ex, split, &predicate, e.premise.index, count, None)?;
        Ok(std::iter::once(e.premise.index).chain(others).collect())
    };
    match (shape, ex.features()) {
        ([1, 1, _], Some(features)) => {
            let boxes = regions(ex, &predicate)?;
            let bounded: Vec<usize> = boxes
                .iter()
                .filter(|b| b.len() == 1)
                .map(|b| b.ranges()[2].start)
                .collect();
            let rows: Vec<(String, Vec<f32>)> = pick()?
                .into_iter()
                .map(|i| {
                    let label = format!("{} row {i}", split.name());
                    (label, images.slice(ndarray::s![i, 0, 0, ..]).to_vec())
                })
                .collect();
            Ok(Figure::Html(crate::row_table::rows_html(
                features, &rows, &bounded,
            )))
        }
        ([1, t, 1], _) if *t > 1 => {
            let windows: Vec<std::ops::Range<usize>> = regions(ex, &predicate)?
                .iter()
                .map(|b| b.ranges()[1].clone())
                .collect();
            let series: Vec<Vec<f32>> = pick()?
                .into_iter()
                .map(|i| images.slice(ndarray::s![i, 0, .., 0]).to_vec())
                .collect();
            Ok(Figure::Svg(crate::series_plot::series_svg(
                &series, &windows,
            )))
        }
        _ => {
            let (grid, _) = explanation_grid(ex, e, count, &GridOptions::default())?;
            Ok(Figure::Png(grid.png()?))
        }
    }
}
