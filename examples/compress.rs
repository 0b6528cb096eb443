//! What the network thinks a class is: a rule set covering the images it puts
//! in the class (nnitp's `compress`), each rule an interpolant at one layer.
//!
//! ```text
//! cargo run --release --example compress -- --category 0
//! cargo run --release --example compress -- --all --coverage 0.9 --max-rules 10
//! cargo run --release --example compress -- --category 3 --layer 6 --json
//! ```
//!
//! Prints one rule per line in nnitp's predicate syntax with its training and
//! test precision and recall and the class's cumulative coverage, then a
//! summary line: the coverage, why the set stopped growing, and the rule set
//! as a classifier ("the class if any rule holds") on the test sample:
//! precision, recall (with 95 % intervals) and fidelity to the network. With
//! `--all`, a rule set per class and the fidelity of all of them together.
//! `--out DIR` writes an HTML report with a grid of the images each rule
//! covers.

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use nnitp::core::explainer::{RuleSet, RuleSetParams};
use nnitp::core::progress::Observer;

mod common;
use common::{CacheArgs, ModelArgs, SearchArgs};

/// Cover a class with interpolants.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// The class to cover.
    #[arg(long, default_value_t = 0)]
    category: usize,
    /// Rule sets for every class instead.
    #[arg(long)]
    all: bool,
    /// Layer of the rules (default: the model's last explanation layer).
    #[arg(long)]
    layer: Option<usize>,
    /// Stop once this fraction of the class's training images is covered.
    #[arg(long, default_value_t = 0.95)]
    coverage: f64,
    /// Stop at this many rules.
    #[arg(long, default_value_t = 20)]
    max_rules: usize,
    /// Images used from each data set.
    #[arg(long)]
    size: Option<usize>,
    /// Print the rule set(s) as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Write each rule set's report here (`rules.html`, a grid per rule; with
    /// `--all`, one folder per class).
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

fn print_set(set: &RuleSet, classes: &[&str]) {
    let class = set.class().unwrap_or(0);
    println!("class {class} ({}), layer {}:", classes[class], set.layer);
    for (k, rule) in set.rules.iter().enumerate() {
        println!("  rule {k}: {rule}");
    }
    println!(
        "{}; {:.2} s",
        nnitp::viz::report::rule_set_summary(set, classes),
        set.seconds
    );
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    args.cache.keep_gpu_kernels();
    let loaded = args.model.load()?;
    let kind = loaded.kind;
    let classes = kind.dataset().classes();
    let config = common::explainer_config(kind, &args.search, &args.cache, args.size);
    let bar = if args.json {
        Observer::none()
    } else {
        common::progress_bar()
    };
    let ex = loaded.explainer(config)?.with_observer(bar);
    let layer = match args.layer {
        Some(l) => l,
        None => *ex
            .layers()
            .last()
            .ok_or("the model has no explanation layers")?,
    };
    if !args.all && args.category >= classes.len() {
        return Err(format!(
            "category {} is out of range (0..{})",
            args.category,
            classes.len()
        )
        .into());
    }
    let params = RuleSetParams::new()
        .with_coverage(args.coverage)
        .with_max_rules(args.max_rules);
    params.check()?;
    let start = Instant::now();
    let extract = ex.prepare(nnitp::core::Split::Train, &[layer, ex.output_layer()])?
        + ex.prepare(nnitp::core::Split::Test, &[layer, ex.output_layer()])?;
    if !args.json {
        println!(
            "model {}: {} training and {} test images, layer {layer} extracted in {extract:.2} s",
            kind.name(),
            ex.len(nnitp::core::Split::Train),
            ex.len(nnitp::core::Split::Test)
        );
    }
    if args.all {
        let sets = ex.rule_sets(layer, &params)?;
        if args.json {
            println!("{}", serde_json::to_string(&sets)?);
        } else {
            for set in &sets.sets {
                print_set(set, classes);
                if let Some(dir) = &args.out {
                    let class = set.class().unwrap_or(0);
                    let dir = dir.join(format!("class-{class}"));
                    nnitp::viz::report::write_rules(&ex, set, &dir, classes)?;
                }
            }
            println!(
                "all classes: {} rules, test fidelity={:.4} (the most precise rule holding names the class); {:.2} s",
                sets.sets.iter().map(|s| s.rules.len()).sum::<usize>(),
                sets.test_fidelity,
                sets.seconds
            );
        }
    } else {
        let set = ex.rule_set(args.category, layer, &params)?;
        if args.json {
            println!("{}", serde_json::to_string(&set)?);
        } else {
            print_set(&set, classes);
        }
        if let Some(dir) = &args.out {
            for f in nnitp::viz::report::write_rules(&ex, &set, dir, classes)? {
                if !args.json {
                    println!("wrote {}", f.display());
                }
            }
        }
    }
    if !args.json {
        println!("total {:.2} s", start.elapsed().as_secs_f64());
    }
    Ok(())
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
