//! `nnitp rules`: what the network thinks a class is, as a rule set covering
//! the images it puts in the class (nnitp's `compress`), each rule an
//! interpolant at one layer.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use nnitp::core::explainer::{RuleSet, RuleSetParams};
use nnitp::core::Split;

use super::{emit, emit_json};
use crate::args::{LayerRef, SearchArgs, Shared};
use crate::model::{Output, Session};
use crate::progress::Bars;
use crate::Failure;

/// The examples `nnitp rules --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp rules --category 0
  nnitp rules --all --coverage 0.9 --max-rules 10 --json";

/// Options of `nnitp rules`.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// The class to cover.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub category: usize,
    /// Rule sets for every class instead.
    #[arg(long, conflicts_with = "category")]
    pub all: bool,
    /// Layer of the rules, by index or name (default: the model's last
    /// explanation layer).
    #[arg(long, value_parser = LayerRef::parse, allow_hyphen_values = true)]
    pub layer: Option<LayerRef>,
    /// Stop once this fraction of the class's training images is covered.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub coverage: f64,
    /// Stop at this many rules.
    #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
    pub max_rules: usize,
    /// Print the rule set(s) as one JSON object and nothing else.
    #[arg(long)]
    pub json: bool,
    /// Write each rule set's report here (`rules.html`, a grid per rule; with
    /// `--all`, one folder per class).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub search: SearchArgs,
}

/// Runs `nnitp rules`.
///
/// # Errors
/// The model cannot be opened; the options do not fit it.
pub fn run(args: &RulesArgs, shared: &Shared) -> Result<(), Failure> {
    let start = Instant::now();
    let bars = Bars::new(shared.quiet);
    let session = Session::open(shared, &args.search, bars.observer.clone())?;
    let ex = &session.explainer;
    let classes = session.class_names();
    let layer = match &args.layer {
        Some(l) => l
            .resolve(ex.geometry(), &session.aliases)
            .map_err(Failure::new)?,
        None => session.default_layer()?,
    };
    if session.output == Output::Number {
        return Err(Failure::new(format!(
            "rule sets are found per class, and {} predicts a number: explain a bound on it with nnitp explain --conclusion \"v(0)>=150\"",
            session.name
        )));
    }
    if !args.all {
        session.check_class("--category", args.category)?;
    }
    session.check_report(args.out.as_deref())?;
    let params = RuleSetParams::new()
        .with_coverage(args.coverage)
        .with_max_rules(args.max_rules)
        .check()?;
    let needed = [layer, ex.output_layer()];
    let extract =
        (ex.prepare(Split::Train, &needed)? + ex.prepare(Split::Test, &needed)?).as_secs_f64();
    session.warn_cache();
    shared.note(format!(
        "model {}: {} training and {} test {}, layer {layer} ready in {extract:.2} s",
        session.name,
        ex.len(Split::Train),
        ex.len(Split::Test),
        session.samples.many()
    ));
    if args.all {
        let sets = ex.rule_sets(layer, &params)?;
        if args.json {
            emit_json(&sets)?;
        } else {
            for set in &sets.sets {
                print_set(set, &classes);
            }
            emit(format!(
                "all classes: {} rules, test fidelity={:.4} (the most precise rule holding names the class); {:.2} s",
                sets.sets.iter().map(|s| s.rules.len()).sum::<usize>(),
                sets.test_fidelity,
                sets.seconds
            ));
        }
        if let Some(dir) = &args.out {
            for set in &sets.sets {
                let dir = dir.join(format!("class-{}", set.class().unwrap_or(0)));
                wrote(
                    shared,
                    nnitp::viz::report::write_rules(ex, set, &dir, &classes)?,
                );
            }
        }
    } else {
        let set = ex.rule_set(args.category, layer, &params)?;
        if args.json {
            emit_json(&set)?;
        } else {
            print_set(&set, &classes);
        }
        if let Some(dir) = &args.out {
            wrote(
                shared,
                nnitp::viz::report::write_rules(ex, &set, dir, &classes)?,
            );
        }
    }
    shared.note(format!("total {:.2} s", start.elapsed().as_secs_f64()));
    Ok(())
}

fn print_set(set: &RuleSet, classes: &[&str]) {
    let class = set.class().unwrap_or(0);
    emit(format!(
        "class {class} ({}), layer {}:",
        classes.get(class).copied().unwrap_or("?"),
        set.layer
    ));
    for (k, rule) in set.rules.iter().enumerate() {
        emit(format!("  rule {k}: {rule}"));
    }
    emit(format!(
        "{}; {:.2} s",
        nnitp::viz::report::rule_set_summary(set, classes),
        set.seconds
    ));
}

fn wrote(shared: &Shared, files: Vec<PathBuf>) {
    for f in files {
        shared.note(format!("wrote {}", f.display()));
    }
}
