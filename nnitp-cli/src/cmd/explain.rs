//! `nnitp explain`: find an image the network gets wrong (or the one given),
//! explain its classification at a layer, then drill down into a conjunct at
//! the layer below, as often as asked.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use nnitp::core::explainer::FaithfulnessParams;
use nnitp::core::{Error as CoreError, Explanation, LayerPredicate, Predicate, Premise, Split};
use nnitp::models::data::SampleKind;

use super::{emit, emit_json};
use crate::args::{LayerRef, SearchArgs, Shared, SplitName};
use crate::model::{Output, Session};
use crate::progress::Bars;
use crate::Failure;

/// The examples `nnitp explain --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp explain --embedded                 the first mistake among images classified as 0
  nnitp explain --image 12 --split test --drill 2 --json
  nnitp explain --conclusion \"v(0)>=0.9\"       why an image gets a score of class 0 of at least 0.9";

/// How many images of the category are listed when looking for a mistake.
const LISTED: usize = 50;

/// A `--conclusion`: a predicate of the output layer or of a given layer.
#[derive(Clone, Debug)]
pub enum Conclusion {
    /// Of the output layer.
    Output(Predicate),
    /// Of this layer.
    At(LayerPredicate),
}

impl Conclusion {
    /// Reads `p` or `layer N: p`.
    fn parse(text: &str) -> Result<Self, String> {
        let read = if text.trim_start().starts_with("layer") {
            text.parse().map(Conclusion::At)
        } else {
            text.parse().map(Conclusion::Output)
        };
        read.map_err(|e| e.to_string())
    }

    /// The predicate bound to its layer.
    fn at(&self, output: usize) -> LayerPredicate {
        match self {
            Conclusion::Output(p) => LayerPredicate::new(output, p.clone()),
            Conclusion::At(lp) => lp.clone(),
        }
    }
}

/// Options of `nnitp explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The category the network predicts for the images listed.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub category: usize,
    /// Explain why the image satisfies this predicate of the output layer
    /// (`v(0)>=150`, `(v(1)>=0.2 & v(1)<=0.8)`), or of a later layer
    /// (`layer 14: v(3,2,42)<=-0.96`), instead of its class.
    #[arg(
        long,
        value_name = "PREDICATE",
        value_parser = Conclusion::parse,
        conflicts_with = "category",
        allow_hyphen_values = true
    )]
    pub conclusion: Option<Conclusion>,
    /// Explain this image instead of the first mistake.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub image: Option<usize>,
    /// The data set of the image.
    #[arg(long, value_enum, default_value_t = SplitName::Train)]
    pub split: SplitName,
    /// Layer of the first explanation, by index or name (default: the
    /// model's last explanation layer).
    #[arg(long, value_parser = LayerRef::parse, allow_hyphen_values = true)]
    pub layer: Option<LayerRef>,
    /// How many drill-downs: each explains a conjunct of the previous
    /// explanation at the explanation layer below it.
    #[arg(
        long,
        default_value_t = 1,
        value_name = "N",
        allow_negative_numbers = true
    )]
    pub drill: usize,
    /// Also measure how stable each explanation is over K bootstrap
    /// resamples of the training images.
    #[arg(long, value_name = "K", allow_negative_numbers = true)]
    pub stability: Option<usize>,
    /// The seed of the resamples.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub stability_seed: u64,
    /// Also measure whether the network uses each explanation: its units
    /// moved across their bounds, set to the premise's values, and their
    /// input regions occluded, each beside random units or regions.
    #[arg(long)]
    pub faithfulness: bool,
    /// Test images per faithfulness intervention (at most).
    #[arg(
        long,
        default_value_t = 100,
        value_name = "N",
        requires = "faithfulness",
        allow_negative_numbers = true
    )]
    pub samples: usize,
    /// The seed of the faithfulness images, random units and regions.
    #[arg(
        long,
        default_value_t = 0,
        requires = "faithfulness",
        allow_negative_numbers = true
    )]
    pub faithfulness_seed: u64,
    /// Print one JSON object per explanation (JSON Lines) and nothing else.
    #[arg(long)]
    pub json: bool,
    /// Write each explanation's image grid (PNG) and an HTML report here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub search: SearchArgs,
}

/// Lines of the walk's narrative: results in text mode, notes with `--json`.
struct Say<'a> {
    json: bool,
    shared: &'a Shared,
}

impl Say<'_> {
    fn line(&self, line: impl std::fmt::Display) {
        if self.json {
            self.shared.note(line);
        } else {
            emit(line);
        }
    }
}

/// Runs `nnitp explain`.
///
/// # Errors
/// The model cannot be opened; the options do not fit it; the search fails.
pub fn run(args: &ExplainArgs, shared: &Shared) -> Result<(), Failure> {
    let started = Instant::now();
    let say = Say {
        json: args.json,
        shared,
    };
    let bars = Bars::new(shared.quiet);
    let session = Session::open(shared, &args.search, bars.observer.clone())?;
    let ex = &session.explainer;
    let split = Split::from(args.split);

    // the options are checked before anything is extracted
    if args.conclusion.is_none() {
        session.check_class("--category", args.category)?;
    }
    let output = ex.output_layer();
    let asked = args.conclusion.as_ref().map(|c| c.at(output));
    if let Some(c) = &asked {
        check_conclusion(ex.geometry(), c)?;
    }
    let layer = match &args.layer {
        Some(l) => {
            let l = l
                .resolve(ex.geometry(), &session.aliases)
                .map_err(Failure::new)?;
            if l >= output {
                return Err(Failure::new(format!(
                    "--layer {l}: not a hidden layer (layer {output} is the output)"
                )));
            }
            l
        }
        None => session.default_layer()?,
    };
    if let Some(i) = args.image {
        let images = ex.len(split);
        if i >= images {
            return Err(nnitp::core::Error::ImageOutOfRange { index: i, images }.into());
        }
    }
    let mut drills = Vec::new();
    let mut below = layer;
    for _ in 0..args.drill {
        match ex.previous_layer(below) {
            Some(l) => {
                drills.push(l);
                below = l;
            }
            None => break,
        }
    }
    shared.note(format!(
        "model {}: data {}, {} training and {} test {} ({:.2} s to load)",
        session.name,
        session.source,
        ex.len(Split::Train),
        ex.len(Split::Test),
        session.samples.many(),
        started.elapsed().as_secs_f64()
    ));

    // every layer the walk needs, in one pass per data set
    let mut needed = vec![layer, asked.as_ref().map_or(output, |c| c.layer)];
    needed.extend(&drills);
    let extract =
        (ex.prepare(Split::Train, &needed)? + ex.prepare(Split::Test, &needed)?).as_secs_f64();
    session.warn_cache();
    let read = bars.cache_reads();
    shared.note(match read {
        0 => format!("extracted layers {needed:?} in {extract:.2} s"),
        n if n == 2 * needed.len() => {
            format!("read layers {needed:?} from the cache in {extract:.2} s")
        }
        n => format!(
            "extracted layers {needed:?} in {extract:.2} s ({n} of {} read from the cache)",
            2 * needed.len()
        ),
    });

    let (index, conclusion) = match &asked {
        Some(c) => (pick_satisfying(args, &session, split, c, &say)?, c.clone()),
        None => {
            let (index, category) = pick(args, &session, split, &say)?;
            let conclusion = LayerPredicate::new(output, Predicate::IsMax(category));
            (index, conclusion)
        }
    };
    let labelled = match session.label(split, index) {
        Some(l) => format!("labelled {l} ({}), ", session.class(l)),
        None => String::new(),
    };
    let decided = match session.output {
        Output::Number => {
            let value = ex.activations(split, output)?.view()[[index, 0]];
            format!("predicted {value:.4}")
        }
        _ => {
            let category = ex.predictions(split)?[index];
            format!("classified {category} ({})", session.class(category))
        }
    };
    let satisfies = match &asked {
        Some(c) => format!(", satisfying {c}"),
        None => String::new(),
    };
    say.line(format!(
        "explaining {} {} {index}: {labelled}{decided}{satisfies}",
        split.name(),
        session.samples.one()
    ));
    let premise = Premise { split, index };
    let first = explain(args, shared, &session, premise, &conclusion, layer)?;
    show(args, shared, &session, &first)?;
    let mut chain = vec![first];
    for &drill in &drills {
        let last = chain.last().expect("the first explanation is there");
        if last.interpolant.is_empty() {
            say.line("no drill-down: the interpolant is `true`, it has no conjunct");
            break;
        }
        let k = usize::from(last.interpolant.len() > 1);
        let conjunct = last.conjunct(k)?;
        say.line(format!(
            "explaining conjunct {k}, {conjunct}, at layer {drill}"
        ));
        let next = explain(args, shared, &session, premise, &conjunct, drill)?;
        show(args, shared, &session, &next)?;
        chain.push(next);
    }
    if drills.len() < args.drill {
        say.line(format!(
            "no drill-down below layer {below}: no explanation layer lies below it (the model's are {:?})",
            ex.layers()
        ));
    }
    if let Some(dir) = &args.out {
        let files = nnitp::viz::report::write_chain(ex, &chain, dir, &session.class_names())?;
        for f in files {
            say.line(format!("wrote {}", f.display()));
        }
    }
    shared.note(format!("total {:.2} s", started.elapsed().as_secs_f64()));
    Ok(())
}

/// Checks a `--conclusion` against the model: its layer exists, and its
/// units and classes fit the layer.
fn check_conclusion(
    geometry: &nnitp::core::cone::Geometry,
    c: &LayerPredicate,
) -> Result<(), Failure> {
    let shape = geometry.shape(nnitp::core::cone::Place::Layer(c.layer))?;
    let row = nnitp::core::ndarray::Array2::<f32>::zeros((1, shape.iter().product()));
    c.predicate
        .eval_batch(row.view(), shape)
        .map(drop)
        .map_err(|e| Failure::new(format!("--conclusion {c}: {e}")))
}

/// The image whose `conclusion` is explained: `--image`, else the first
/// listed image satisfying it.
fn pick_satisfying(
    args: &ExplainArgs,
    session: &Session,
    split: Split,
    conclusion: &LayerPredicate,
    say: &Say<'_>,
) -> Result<usize, Failure> {
    let ex = &session.explainer;
    if let Some(i) = args.image {
        return Ok(i);
    }
    let listed = ex.satisfying(split, conclusion, LISTED, None)?;
    say.line(format!(
        "first {} {} {} satisfying {conclusion}:",
        listed.len(),
        split.name(),
        session.samples.many()
    ));
    let row: Vec<String> = listed.iter().map(usize::to_string).collect();
    say.line(format!("  index  {}", row.join(" ")));
    listed.first().copied().ok_or_else(|| {
        Failure::new(format!(
            "no {} {} satisfies {conclusion}: pick one with --image",
            split.name(),
            session.samples.one()
        ))
    })
}

/// The image to explain and the class it is given: `--image`, else the
/// first listed image of `--category` whose label differs (the network's
/// mistake), or the first listed where labels are unknown.
fn pick(
    args: &ExplainArgs,
    session: &Session,
    split: Split,
    say: &Say<'_>,
) -> Result<(usize, usize), Failure> {
    let ex = &session.explainer;
    if let Some(i) = args.image {
        // in range: checked before extraction
        return Ok((i, ex.predictions(split)?[i]));
    }
    let predicted = LayerPredicate::new(ex.output_layer(), Predicate::IsMax(args.category));
    let listed = ex.satisfying(split, &predicted, LISTED, None)?;
    say.line(format!(
        "first {} {} {} classified as {} ({}):",
        listed.len(),
        split.name(),
        session.samples.many(),
        args.category,
        session.class(args.category)
    ));
    let row: Vec<String> = listed
        .iter()
        .map(|&i| match session.label(split, i) {
            Some(l) => format!("{i}:{l}"),
            None => i.to_string(),
        })
        .collect();
    let known = session.labels.iter().all(Option::is_some);
    say.line(format!(
        "  {}  {}",
        if known { "index:label" } else { "index" },
        row.join(" ")
    ));
    let found = if known {
        listed
            .iter()
            .copied()
            .find(|&i| session.label(split, i) != Some(args.category))
            .ok_or_else(|| {
                Failure::new("the network classifies all of these correctly: pick one with --image")
            })?
    } else {
        *listed.first().ok_or_else(|| {
            Failure::new(format!(
                "no {} image is classified as {}: pick one with --image",
                split.name(),
                args.category
            ))
        })?
    };
    Ok((found, args.category))
}

/// The time steps each conjunct of `e` depends on (a series model's):
/// `Windows: v(0,12,3)>=0.5 steps 20-35; ...`.
fn windows(session: &Session, e: &Explanation) -> Result<String, Failure> {
    let mut parts = Vec::new();
    for b in e.interpolant.bounds() {
        let region = session.explainer.input_box(e.layer, &b.unit)?;
        let steps = &region.ranges()[1];
        parts.push(format!("{b} steps {}-{}", steps.start, steps.end - 1));
    }
    Ok(format!("Windows: {}", parts.join("; ")))
}

/// One explanation, with its stability and faithfulness when asked for.
fn explain(
    args: &ExplainArgs,
    shared: &Shared,
    session: &Session,
    premise: Premise,
    conclusion: &LayerPredicate,
    layer: usize,
) -> Result<Explanation, Failure> {
    let ex = &session.explainer;
    let mut e = ex.explain(premise, conclusion, layer)?;
    if let Some(k) = args.stability {
        e.stability = Some(ex.stability(&e, k, args.stability_seed)?);
    }
    if args.faithfulness {
        let params = FaithfulnessParams::new()
            .with_samples(args.samples)
            .with_seed(args.faithfulness_seed)
            .check()?;
        let start = Instant::now();
        match ex.faithfulness(&e, &params) {
            Ok(f) => {
                e.faithfulness = Some(f);
                shared.note(format!(
                    "layer {}: faithfulness {:.2} s",
                    e.layer,
                    start.elapsed().as_secs_f64()
                ));
            }
            Err(err @ CoreError::InterventionsUnsupported) if args.json => {
                shared.note(format!("Faithfulness: unavailable: {err}"));
            }
            Err(err @ CoreError::InterventionsUnsupported) => {
                emit(format!("Faithfulness: unavailable: {err}"));
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(e)
}

/// nnitp's three lines and the intervals line (with `--json`, the object).
fn show(
    args: &ExplainArgs,
    shared: &Shared,
    session: &Session,
    e: &Explanation,
) -> Result<(), Failure> {
    if args.json {
        return emit_json(e);
    }
    emit(e);
    emit(e.intervals_line());
    if session.samples == SampleKind::Series {
        emit(windows(session, e)?);
    }
    if let Some(f) = &e.faithfulness {
        emit(f.to_string().trim_end());
    }
    if let Some(s) = &e.stability {
        emit(s);
    }
    let extraction = if e.extract_seconds > 0.0 {
        format!("plus {:.2} s extracting its layers", e.extract_seconds)
    } else {
        "its layers were ready".to_string()
    };
    shared.note(format!(
        "layer {}: search {:.3} s ({extraction})",
        e.layer, e.search_seconds
    ));
    Ok(())
}
