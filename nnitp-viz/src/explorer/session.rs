//! The state of one explorer session: the loaded model, its explainer, and the
//! stack of views (explanations and example grids) the back button walks.

use std::sync::Arc;

use nnitp_core::cone::Place;
use nnitp_core::explainer::{Faithfulness, FaithfulnessParams, Stability, ValidRuleSetParams};
use nnitp_core::{
    Bound, Conjunction, Explainer, Explanation, LayerPredicate, Predicate, Premise, Split,
};
use serde::Serialize;

use super::status::Status;
use super::{DynSource, ModelInfo, Output};
use crate::grid::{render, Cell, GridColumn, GridOptions};
use crate::report::rule_set_summary;
use crate::row_table::RowTable;
use crate::view::{
    columns, comparisons, conjuncts, covers_whole_input, figure, rule_grid, Figure, Samples,
};

/// Comparison images shown right of the key image.
pub(crate) const COMPARISONS: usize = 9;
/// Images listed for a category.
pub(crate) const LISTED: usize = 50;
/// Views the back button can return through; older ones are forgotten.
pub(crate) const MAX_VIEWS: usize = 50;
/// The most resamples a stability request may ask for.
pub(crate) const MAX_RESAMPLES: usize = 100;
/// The most test images per intervention a faithfulness request may ask for.
pub(crate) const MAX_FAITHFULNESS_SAMPLES: usize = 500;

/// One rule of a class's rule set, as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RuleInfo {
    /// The rule and its figures.
    pub text: String,
    /// The 95 % intervals on the training and test samples.
    pub intervals: String,
    /// The training samples it covers: their number and a picture of the
    /// first ten (a PNG or, for series, SVG data URL), if any.
    pub covered: usize,
    pub grid: Option<String>,
    /// The rows it covers (the first ten), for a table.
    pub table: Option<RowTable>,
}

/// A class's rule set, as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RulesView {
    pub title: String,
    pub summary: String,
    pub rules: Vec<RuleInfo>,
    pub seconds: f64,
}

/// A grid cell as the page sees it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CellInfo {
    /// Where the cell is and which image it shows.
    #[serde(flatten)]
    pub cell: Cell,
    /// What clicking the cell explains.
    pub predicate: LayerPredicate,
    /// The predicate as the page shows it: at a table's features in the
    /// data's own words, else as nnitp prints it.
    pub text: String,
    /// Fraction of the data set satisfying the predicate.
    pub fraction: f64,
    /// For a conjunct's cell of an image: its region is the whole image
    /// (the page says so, as no box on the image explains it).
    pub whole_input: bool,
    pub label: Option<u8>,
    pub predicted: usize,
    /// The network's output, for a model of a number.
    pub value: Option<f64>,
}

/// What a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ViewKind {
    /// An explanation of an image's classification or of a conjunct.
    Explanation,
    /// Images satisfying a predicate.
    Examples,
    /// Images violating a predicate.
    Counterexamples,
}

impl std::fmt::Display for ViewKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ViewKind::Explanation => "explanation",
            ViewKind::Examples => "examples",
            ViewKind::Counterexamples => "counterexamples",
        })
    }
}

/// One screen of the explorer: a grid and what it shows.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct View {
    pub id: u64,
    /// What it shows.
    pub kind: ViewKind,
    pub title: String,
    /// nnitp's three lines for an explanation, else the predicate.
    pub text: String,
    pub explanation: Option<Explanation>,
    /// The predicate every comparison image satisfies.
    pub predicate: LayerPredicate,
    /// What the samples shown are: images are drawn in a grid (served
    /// as `grid.png`, `cells` say where), series in a plot (`figure.svg`),
    /// rows in `table`; `cells` (rows and columns alone) say what each shows.
    pub samples: Samples,
    pub width: u32,
    pub height: u32,
    pub cells: Vec<CellInfo>,
    /// Where the region digits are drawn on the whole images.
    pub marks: Vec<crate::grid::Mark>,
    /// The rows shown, for a table.
    pub table: Option<RowTable>,
    /// How many views the back button can return to.
    pub depth: usize,
    #[serde(skip)]
    pub picture: Picture,
}

/// The picture of a view, as served.
#[derive(Clone, Debug, Default)]
pub(crate) enum Picture {
    /// A grid of images.
    Png(Vec<u8>),
    /// A plot of series.
    Svg(String),
    /// None: the page draws the view (a table) itself.
    #[default]
    None,
}

/// A loaded model and what the page has done with it.
pub(crate) struct Session {
    pub info: ModelInfo,
    /// The explanation session, shared with the thread extracting its layers
    /// in the background.
    pub explainer: Arc<Explainer<DynSource>>,
    /// The explainer's number among those loaded (for its progress reports).
    pub load: u64,
    /// True labels of the training images, if known.
    pub train_labels: Vec<u8>,
    /// True labels of the test images, if known.
    pub test_labels: Vec<u8>,
    pub split: Split,
    /// What the samples are.
    pub samples: Samples,
    pub size: usize,
    pub views: Vec<View>,
    pub next_id: u64,
}

/// An error for the page, with its HTTP status.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: Status,
    pub message: String,
}

impl ApiError {
    pub fn bad(message: impl Into<String>) -> Self {
        ApiError {
            status: Status::BadRequest,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: Status::NotFound,
            message: message.into(),
        }
    }
}

impl From<nnitp_core::Error> for ApiError {
    fn from(e: nnitp_core::Error) -> Self {
        ApiError::bad(e.with_file_names().to_string())
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Core(c) => c.into(),
            other => ApiError {
                status: Status::InternalServerError,
                message: other.with_file_names().to_string(),
            },
        }
    }
}

pub(crate) type ApiResult<T> = std::result::Result<T, ApiError>;

/// Image `image` of `images` as a PNG, `scale` pixels per image pixel.
pub(crate) fn image_png(
    images: ndarray::ArrayView4<'_, f32>,
    image: usize,
    scale: u32,
) -> ApiResult<Vec<u8>> {
    let n = images.shape()[0];
    if image >= n {
        return Err(ApiError::bad(format!(
            "image {image} is out of range (0..{n})"
        )));
    }
    let col = GridColumn {
        image,
        regions: vec![],
    };
    let options = GridOptions {
        scale: Some(scale.clamp(1, 16)),
        gap: 0,
    };
    Ok(render(images, &[col], &options)?.png()?)
}

/// An image of a category list.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Listed {
    pub index: usize,
    pub label: Option<u8>,
    pub predicted: usize,
    /// The network's output, for a model of a number.
    pub value: Option<f64>,
}

impl Session {
    fn labels(&self) -> &[u8] {
        match self.split {
            Split::Train => &self.train_labels,
            Split::Test => &self.test_labels,
        }
    }

    fn check_image(&self, image: usize) -> ApiResult<()> {
        let n = self.explainer.len(self.split);
        if image >= n {
            return Err(ApiError::bad(format!(
                "image {image} is out of range (0..{n})"
            )));
        }
        Ok(())
    }

    fn check_class(&self, class: usize) -> ApiResult<()> {
        if self.info.output == Output::Number {
            return Err(ApiError::bad(format!(
                "{} predicts a number: it has no categories",
                self.info.name
            )));
        }
        let n = self.info.classes.len();
        if class >= n {
            return Err(ApiError::bad(format!(
                "category {class} is out of range (0..{n})"
            )));
        }
        Ok(())
    }

    /// The note a title gets when comparisons are restricted to a class.
    fn restricted(&self, restrict: Option<usize>) -> String {
        restrict.map_or(String::new(), |c| {
            format!(
                ", comparisons restricted to {} classified {c} ({})",
                self.samples.plural(),
                self.info.classes.get(c).map_or("?", String::as_str)
            )
        })
    }

    /// The network's output for each sample of the data set shown, for a
    /// model of a number (its one output unit).
    fn values(&self) -> ApiResult<Option<Vec<f64>>> {
        if self.info.output != Output::Number {
            return Ok(None);
        }
        let ex = &self.explainer;
        let acts = ex.activations(self.split, ex.output_layer())?;
        Ok(Some(
            acts.view()
                .rows()
                .into_iter()
                .map(|r| r.first().map_or(f64::NAN, |&v| f64::from(v)))
                .collect(),
        ))
    }

    /// The first images the model classifies as `category` (for a model of
    /// a number, the first samples, each with the number it predicts).
    pub fn list(&mut self, category: usize) -> ApiResult<Vec<Listed>> {
        let labels = self.labels().to_vec();
        if let Some(values) = self.values()? {
            return Ok(values
                .into_iter()
                .take(LISTED)
                .enumerate()
                .map(|(index, v)| Listed {
                    index,
                    label: None,
                    predicted: 0,
                    value: Some(v),
                })
                .collect());
        }
        self.check_class(category)?;
        let ex = &self.explainer;
        let out = ex.output_layer();
        let found = ex.satisfying(
            self.split,
            &LayerPredicate::new(out, Predicate::IsMax(category)),
            LISTED,
            None,
        )?;
        Ok(found
            .into_iter()
            .map(|index| Listed {
                index,
                label: labels.get(index).copied(),
                predicted: category,
                value: None,
            })
            .collect())
    }

    /// Explains why `image` satisfies `predicate` (default: the model's
    /// classification of it) at the nearest selected layer below the predicate's.
    pub fn explain(
        &mut self,
        image: usize,
        predicate: Option<LayerPredicate>,
        restrict: Option<usize>,
    ) -> ApiResult<&View> {
        self.check_image(image)?;
        if let Some(c) = restrict {
            self.check_class(c)?;
        }
        let ex = &self.explainer;
        let predicate = match predicate {
            Some(p) => p,
            None if self.info.output == Output::Number => {
                return Err(ApiError::bad(format!(
                    "{} predicts a number: give a conclusion about it to explain, e.g. v(0)>=150",
                    self.info.name
                )))
            }
            None => {
                let predicted = ex.predictions(self.split)?[image];
                LayerPredicate::new(ex.output_layer(), Predicate::IsMax(predicted))
            }
        };
        ex.unit_shape(predicate.layer)?;
        // a conclusion of the output is explained at a table's features,
        // in the data's own words, as `nnitp explain` does
        let features = ex
            .features_layer()
            .filter(|_| predicate.layer == ex.output_layer());
        let layer = features
            .or_else(|| ex.previous_layer(predicate.layer))
            .ok_or_else(|| {
                ApiError::bad(format!(
                    "no selected layer below layer {}: select an earlier layer in the Model tab",
                    predicate.layer
                ))
            })?;
        let premise = Premise {
            split: self.split,
            index: image,
        };
        let e = ex.explain(premise, &predicate, layer)?;
        let itp = e.predicate();
        let title = format!(
            "{} {image}: why {} (layer {}){}",
            self.samples.noun(),
            in_words(ex, &predicate),
            layer,
            self.restricted(restrict)
        );
        let text = format!("{e}\n{}", e.intervals_line());
        self.push_grid(
            ViewKind::Explanation,
            title,
            text,
            Some(e),
            itp,
            image,
            restrict,
        )
    }

    /// Example (or, negated, counterexample) images of the predicate of cell
    /// `cell` of the current view; with `percentile`, a single bound's threshold
    /// moves to that percentile of its unit's values (nnitp's percentile box).
    pub fn examples(
        &mut self,
        cell: usize,
        negate: bool,
        percentile: Option<f64>,
        restrict: Option<usize>,
    ) -> ApiResult<&View> {
        if let Some(c) = restrict {
            self.check_class(c)?;
        }
        let view = self
            .views
            .last()
            .ok_or_else(|| ApiError::bad("no grid is shown: explain an image first"))?;
        let info = view.cells.get(cell).ok_or_else(|| {
            ApiError::bad(format!(
                "cell {cell} is out of range (0..{})",
                view.cells.len()
            ))
        })?;
        let key = view.cells[0].cell.image;
        let mut predicate = info.predicate.clone();
        if let Some(p) = percentile {
            let Predicate::Bound(b) = &predicate.predicate else {
                return Err(ApiError::bad(
                    "a percentile applies to a single-unit predicate (a region cell)",
                ));
            };
            let b: Bound = self
                .explainer
                .percentile_bound(self.split, predicate.layer, b, p)?;
            predicate = LayerPredicate::new(predicate.layer, b);
        }
        let shown = if negate {
            LayerPredicate::new(predicate.layer, predicate.predicate.clone().negate())
        } else {
            predicate.clone()
        };
        let kind = if negate {
            ViewKind::Counterexamples
        } else {
            ViewKind::Examples
        };
        let at = percentile.map_or(String::new(), |p| {
            format!(", threshold at the {p}th percentile of its unit")
        });
        let text = in_words(&self.explainer, &shown);
        let title = format!("{kind} of {text}{at}{}", self.restricted(restrict));
        self.push_grid(kind, title, text, None, shown, key, restrict)
    }

    /// Renders the grid of `predicate` with key image `key` and pushes it as
    /// the current view.
    #[allow(clippy::too_many_arguments)]
    fn push_grid(
        &mut self,
        kind: ViewKind,
        title: String,
        text: String,
        explanation: Option<Explanation>,
        predicate: LayerPredicate,
        key: usize,
        restrict: Option<usize>,
    ) -> ApiResult<&View> {
        let split = self.split;
        let labels = self.labels().to_vec();
        let values = self.values()?;
        let ex = &self.explainer;
        let others = comparisons(ex, split, &predicate, key, COMPARISONS, restrict)?;
        // regions come from the predicate's conjuncts (a negation: its operand's)
        let marked = match &predicate.predicate {
            Predicate::Not(p) => LayerPredicate::new(predicate.layer, (**p).clone()),
            _ => predicate.clone(),
        };
        let parts = conjuncts(&marked);
        let (grid_cells, width, height, marks, picture, table) = if self.samples == Samples::Image {
            let cols = columns(ex, &marked, key, &others)?;
            let images = ex.images(split).ok_or(crate::Error::NoImages(split))?;
            let grid = render(images, &cols, &GridOptions::default())?;
            let (w, h) = (grid.image.width(), grid.image.height());
            let png = Picture::Png(grid.png()?);
            (grid.cells, w, h, grid.marks, png, None)
        } else {
            // rows and columns alone: the page draws the table or the plot
            let shown: Vec<usize> = std::iter::once(key).chain(others).collect();
            let rows = parts.len() + 1;
            let cells = shown
                .iter()
                .enumerate()
                .flat_map(|(column, &image)| {
                    (0..rows).map(move |row| Cell {
                        column,
                        row,
                        image,
                        x: 0,
                        y: 0,
                        width: 0,
                        height: 0,
                    })
                })
                .collect();
            let (picture, table) = match figure(ex, split, &marked, &shown)? {
                Figure::Png(png) => (Picture::Png(png), None),
                Figure::Svg(svg) => (Picture::Svg(svg), None),
                Figure::Table(t) => (Picture::None, Some(t)),
            };
            (cells, 0, 0, Vec::new(), picture, table)
        };
        let predictions = ex.predictions(split)?;
        let mut cells = Vec::with_capacity(grid_cells.len());
        let mut fractions: Vec<Option<f64>> = vec![None; parts.len() + 1];
        let input = ex
            .geometry()
            .shape(Place::Input)
            .map_err(nnitp_core::Error::from)?
            .to_vec();
        let whole: Vec<bool> = std::iter::once(Ok(false))
            .chain(parts.iter().map(|p| {
                let image = self.samples == Samples::Image;
                Ok(image && covers_whole_input(&ex.predicate_input_box(p)?, &input))
            }))
            .collect::<ApiResult<_>>()?;
        for c in &grid_cells {
            let p = if c.row == 0 {
                predicate.clone()
            } else {
                parts[c.row - 1].clone()
            };
            let fraction = match fractions[c.row] {
                Some(f) => f,
                None => {
                    let f = ex.fraction(split, &p)?;
                    fractions[c.row] = Some(f);
                    f
                }
            };
            cells.push(CellInfo {
                cell: *c,
                text: in_words(ex, &p),
                predicate: p,
                fraction,
                whole_input: whole[c.row],
                label: labels.get(c.image).copied(),
                predicted: predictions[c.image],
                value: values.as_ref().and_then(|v| v.get(c.image).copied()),
            });
        }
        if self.views.len() == MAX_VIEWS {
            self.views.remove(0);
        }
        self.next_id += 1;
        let view = View {
            id: self.next_id,
            kind,
            title,
            text,
            explanation,
            predicate,
            samples: self.samples,
            width,
            height,
            cells,
            marks,
            table,
            depth: self.views.len(),
            picture,
        };
        self.views.push(view);
        Ok(self.views.last().expect("just pushed"))
    }

    /// The rule set of class `category` at `layer` (default: the last
    /// selected layer) over the training sample, each rule with a grid of
    /// the training images it covers.
    pub fn rules(&mut self, category: usize, layer: Option<usize>) -> ApiResult<RulesView> {
        self.check_class(category)?;
        let ex = &self.explainer;
        let layer = match layer {
            Some(l) => l,
            None => *ex
                .layers()
                .last()
                .ok_or_else(|| ApiError::bad("no layer is selected"))?,
        };
        let set = ex.rule_set(category, layer, &ValidRuleSetParams::default())?;
        let classes: Vec<&str> = self.info.classes.iter().map(String::as_str).collect();
        let mut rules = Vec::with_capacity(set.rules.len());
        for (k, rule) in set.rules.iter().enumerate() {
            let (grid, table) = if self.samples == Samples::Image {
                let png = rule_grid(ex, &set, k, 9, &GridOptions::default())?
                    .map(|g| g.png())
                    .transpose()?;
                (png.map(|p| data_url("image/png", &p)), None)
            } else if rule.covered.is_empty() {
                (None, None)
            } else {
                let predicate = LayerPredicate::new(set.layer, rule.interpolant.clone());
                let shown: Vec<usize> = rule.covered.iter().copied().take(10).collect();
                match figure(ex, Split::Train, &predicate, &shown)? {
                    Figure::Png(p) => (Some(data_url("image/png", &p)), None),
                    Figure::Svg(svg) => (Some(data_url("image/svg+xml", svg.as_bytes())), None),
                    Figure::Table(t) => (None, Some(t)),
                }
            };
            rules.push(RuleInfo {
                text: format!("rule {k}: {rule}"),
                intervals: format!(
                    "95% intervals: training {}; test {}",
                    rule.train.intervals_text(),
                    rule.test.intervals_text()
                ),
                covered: rule.covered.len(),
                grid,
                table,
            });
        }
        Ok(RulesView {
            title: format!(
                "rules for class {category} ({}) at layer {layer}, over the training {}",
                classes.get(category).copied().unwrap_or("?"),
                self.samples.plural()
            ),
            summary: rule_set_summary(&set, &classes),
            rules,
            seconds: set.seconds,
        })
    }

    /// How stable the current view's explanation is over `resamples`
    /// bootstrap resamples of the training sample (seed 0).
    pub fn stability(&mut self, resamples: usize) -> ApiResult<Stability> {
        if resamples == 0 || resamples > MAX_RESAMPLES {
            return Err(ApiError::bad(format!(
                "resamples must lie in 1..={MAX_RESAMPLES}, got {resamples}"
            )));
        }
        let e = shown_explanation(&mut self.views)?;
        let s = self.explainer.stability(e, resamples, 0)?;
        e.stability = Some(s.clone());
        Ok(s)
    }

    /// Whether the network uses the current view's explanation: its
    /// faithfulness on up to `samples` test images per intervention (seed 0).
    pub fn faithfulness(&mut self, samples: usize) -> ApiResult<Faithfulness> {
        if samples == 0 || samples > MAX_FAITHFULNESS_SAMPLES {
            return Err(ApiError::bad(format!(
                "samples must lie in 1..={MAX_FAITHFULNESS_SAMPLES}, got {samples}"
            )));
        }
        let e = shown_explanation(&mut self.views)?;
        let params = FaithfulnessParams::new().with_samples(samples).check()?;
        let f = self.explainer.faithfulness(e, &params)?;
        e.faithfulness = Some(f.clone());
        Ok(f)
    }

    /// Returns to the previous view.
    pub fn back(&mut self) -> ApiResult<&View> {
        if self.views.len() < 2 {
            return Err(ApiError::bad("nothing to go back to"));
        }
        self.views.pop();
        Ok(self.views.last().expect("at least one view"))
    }
}

/// `p` as the page shows it: at a table's features, in the data's own words
/// (`layer 0: bmi >= 27.9`), else as nnitp prints it.
fn in_words(ex: &Explainer<DynSource>, p: &LayerPredicate) -> String {
    fn conjunction(p: &Predicate) -> Option<Conjunction> {
        match p {
            Predicate::Bound(b) => Some(Conjunction::new(vec![b.clone()])),
            Predicate::And(ps) => ps
                .iter()
                .map(|q| match q {
                    Predicate::Bound(b) => Some(b.clone()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .map(Conjunction::new),
            _ => None,
        }
    }
    let (negated, inner) = match &p.predicate {
        Predicate::Not(q) => (true, &**q),
        q => (false, q),
    };
    let words = conjunction(inner).and_then(|c| ex.describe(p.layer, &c).ok().flatten());
    match (words, negated) {
        (Some(w), false) => format!("layer {}: {w}", p.layer),
        (Some(w), true) => format!("layer {}: ~({w})", p.layer),
        (None, _) => p.to_string(),
    }
}

/// `bytes` as a data URL of type `mime`.
fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!("data:{mime};base64,{}", crate::base64::encode(bytes))
}

/// The explanation of the view shown.
fn shown_explanation(views: &mut [View]) -> ApiResult<&mut Explanation> {
    let view = views
        .last_mut()
        .ok_or_else(|| ApiError::bad("no explanation is shown: explain an image first"))?;
    view.explanation
        .as_mut()
        .ok_or_else(|| ApiError::bad("the view shown is not an explanation"))
}
