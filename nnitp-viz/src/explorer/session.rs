//! The state of one explorer session: the loaded model, its explainer, and the
//! stack of views (explanations and example grids) the back button walks.

use std::sync::Arc;

use nnitp_core::explainer::{Faithfulness, FaithfulnessParams, Stability, ValidRuleSetParams};
use nnitp_core::{Bound, Explainer, Explanation, LayerPredicate, Predicate, Premise, Split};
use serde::Serialize;

use super::status::Status;
use super::{DynSource, ModelInfo};
use crate::grid::{render, Cell, GridColumn, GridOptions};
use crate::report::rule_set_summary;
use crate::view::{columns, comparisons, conjuncts, rule_grid};

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
    /// The training images it covers: their number and the grid of the
    /// first ten (a PNG data URL), if any.
    pub covered: usize,
    pub grid: Option<String>,
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
    /// The predicate as nnitp prints it.
    pub text: String,
    /// Fraction of the data set satisfying the predicate.
    pub fraction: f64,
    pub label: Option<u8>,
    pub predicted: usize,
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
    pub width: u32,
    pub height: u32,
    pub cells: Vec<CellInfo>,
    /// Where the region digits are drawn on the whole images.
    pub marks: Vec<crate::grid::Mark>,
    /// How many views the back button can return to.
    pub depth: usize,
    #[serde(skip)]
    pub png: Vec<u8>,
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
                ", comparisons restricted to images classified {c} ({})",
                self.info.classes.get(c).map_or("?", String::as_str)
            )
        })
    }

    /// The first images the model classifies as `category`.
    pub fn list(&mut self, category: usize) -> ApiResult<Vec<Listed>> {
        self.check_class(category)?;
        let ex = &self.explainer;
        let out = ex.output_layer();
        let found = ex.satisfying(
            self.split,
            &LayerPredicate::new(out, Predicate::IsMax(category)),
            LISTED,
            None,
        )?;
        let labels = self.labels().to_vec();
        Ok(found
            .into_iter()
            .map(|index| Listed {
                index,
                label: labels.get(index).copied(),
                predicted: category,
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
            None => {
                let predicted = ex.predictions(self.split)?[image];
                LayerPredicate::new(ex.output_layer(), Predicate::IsMax(predicted))
            }
        };
        ex.unit_shape(predicate.layer)?;
        let layer = ex.previous_layer(predicate.layer).ok_or_else(|| {
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
            "image {image}: why {} (layer {}){}",
            predicate,
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
        let title = format!(
            "{kind} of layer {}: {}{at}{}",
            shown.layer,
            shown.predicate,
            self.restricted(restrict)
        );
        let text = shown.to_string();
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
        let ex = &self.explainer;
        let others = comparisons(ex, split, &predicate, key, COMPARISONS, restrict)?;
        // regions come from the predicate's conjuncts (a negation: its operand's)
        let marked = match &predicate.predicate {
            Predicate::Not(p) => LayerPredicate::new(predicate.layer, (**p).clone()),
            _ => predicate.clone(),
        };
        let cols = columns(ex, &marked, key, &others)?;
        let images = ex.images(split).ok_or(crate::Error::NoImages(split))?;
        let grid = render(images, &cols, &GridOptions::default())?;
        let parts = conjuncts(&marked);
        let predictions = ex.predictions(split)?;
        let mut cells = Vec::with_capacity(grid.cells.len());
        let mut fractions: Vec<Option<f64>> = vec![None; parts.len() + 1];
        for c in &grid.cells {
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
                text: p.to_string(),
                predicate: p,
                fraction,
                label: labels.get(c.image).copied(),
                predicted: predictions[c.image],
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
            width: grid.image.width(),
            height: grid.image.height(),
            cells,
            marks: grid.marks.clone(),
            depth: self.views.len(),
            png: grid.png()?,
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
            let grid = rule_grid(ex, &set, k, 9, &GridOptions::default())?
                .map(|g| g.png())
                .transpose()?
                .map(|png| format!("data:image/png;base64,{}", crate::base64::encode(&png)));
            rules.push(RuleInfo {
                text: format!("rule {k}: {rule}"),
                intervals: format!(
                    "95% intervals: training {}; test {}",
                    rule.train.intervals_text(),
                    rule.test.intervals_text()
                ),
                covered: rule.covered.len(),
                grid,
            });
        }
        Ok(RulesView {
            title: format!(
                "rules for class {category} ({}) at layer {layer}, over the training images",
                classes.get(category).copied().unwrap_or("?")
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

/// The explanation of the view shown.
fn shown_explanation(views: &mut [View]) -> ApiResult<&mut Explanation> {
    let view = views
        .last_mut()
        .ok_or_else(|| ApiError::bad("no explanation is shown: explain an image first"))?;
    view.explanation
        .as_mut()
        .ok_or_else(|| ApiError::bad("the view shown is not an explanation"))
}
