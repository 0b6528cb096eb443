//! nnitp's quick start: find an image the network gets wrong and see why.
//!
//! ```text
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- --category 6 --json
//! cargo run --release --example quickstart -- --model cifar10 --data DIR --weights FILE
//! ```
//!
//! On the embedded Fashion-MNIST model and data (no files needed): lists the first
//! 50 training images the model classifies as the category, picks the first whose
//! true label differs (the network's mistake), explains it at layer 14, then
//! explains one conjunct of that interpolant at layer 6 for the same image, with
//! the time each step took. `--out DIR` also writes each explanation's image grid
//! and an HTML report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use nnitp::core::progress::{Observer, Progress};
use nnitp::core::{Explanation, LayerPredicate, Predicate, Premise, Split};

mod common;
use common::{CacheArgs, ModelArgs, SearchArgs};

/// Explain why the network misclassified an image.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    search: SearchArgs,
    #[command(flatten)]
    cache: CacheArgs,
    /// The category the network predicts for the images listed.
    #[arg(long, default_value_t = 0)]
    category: usize,
    /// Explain this training image instead of the first mistake.
    #[arg(long)]
    image: Option<usize>,
    /// Layer of the first explanation (default: the model's last explanation layer).
    #[arg(long)]
    layer: Option<usize>,
    /// Images used from each data set.
    #[arg(long)]
    size: Option<usize>,
    /// Print one JSON object per explanation instead of text.
    #[arg(long)]
    json: bool,
    /// Write each explanation's image grid (PNG) and an HTML report here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also measure how stable each explanation is over this many bootstrap
    /// resamples of the training images.
    #[arg(long, value_name = "K")]
    stability: Option<usize>,
    /// The seed of the resamples.
    #[arg(long, default_value_t = 0)]
    stability_seed: u64,
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    args.cache.keep_gpu_kernels();
    let loaded = args.model.load()?;
    let kind = loaded.kind;
    let classes = kind.dataset().classes();
    if args.category >= classes.len() {
        return Err(format!(
            "category {} is out of range (0..{})",
            args.category,
            classes.len()
        )
        .into());
    }
    let labels = loaded.splits.train.labels.clone();
    let source = loaded.splits.source.clone();
    let config = common::explainer_config(kind, &args.search, &args.cache, args.size);
    // the bar on a terminal, and a count of the layers read from the cache
    let bar = if args.json {
        Observer::none()
    } else {
        common::progress_bar()
    };
    let from_cache = Arc::new(AtomicUsize::new(0));
    let counted = from_cache.clone();
    let ex = loaded
        .explainer(config)?
        .with_observer(Observer::new(move |p: &Progress| {
            if p.task.starts_with("reading cached") {
                counted.fetch_add(1, Ordering::Relaxed);
            }
            bar.report(p);
        }));
    // Arguments are checked before anything is extracted.
    let output = ex.output_layer();
    let layer = match args.layer {
        Some(l) if l >= output => {
            return Err(format!(
            "--layer {l} is not a hidden layer of {} (layers 0..{output}; {output} is the output)",
            kind.name()
        )
            .into())
        }
        Some(l) => l,
        None => *ex
            .layers()
            .last()
            .ok_or("the model has no explanation layers")?,
    };
    if let Some(i) = args.image {
        let images = ex.len(Split::Train);
        if i >= images {
            return Err(nnitp::core::Error::ImageOutOfRange { index: i, images }.into());
        }
    }
    let drill_layer = ex.previous_layer(layer);
    say(
        args,
        format!(
            "model {}: data {source}, {} training and {} test images ({:.2} s to load)",
            kind.name(),
            ex.len(Split::Train),
            ex.len(Split::Test),
            started.elapsed().as_secs_f64()
        ),
    );

    // Extract every layer the walk needs in one pass per data set.
    let mut needed = vec![layer, output];
    needed.extend(drill_layer);
    let mut extract = ex.prepare(Split::Train, &needed)?;
    extract += ex.prepare(Split::Test, &needed)?;
    let read = from_cache.load(Ordering::Relaxed);
    say(
        args,
        match read {
            0 => format!("extracted layers {needed:?} in {extract:.2} s"),
            n if n == 2 * needed.len() => {
                format!("read layers {needed:?} from the cache in {extract:.2} s")
            }
            n => format!(
                "extracted layers {needed:?} in {extract:.2} s ({n} of {} read from the cache)",
                2 * needed.len()
            ),
        },
    );

    let predicted = LayerPredicate::new(output, Predicate::IsMax(args.category));
    let (index, category) = match args.image {
        Some(i) => {
            // in range: checked above
            (i, ex.predictions(Split::Train)?[i])
        }
        None => {
            let listed = ex.satisfying(Split::Train, &predicted, 50, None)?;
            say(
                args,
                format!(
                    "first {} training images classified as {} ({}):",
                    listed.len(),
                    args.category,
                    classes[args.category]
                ),
            );
            let row: Vec<String> = listed
                .iter()
                .map(|&i| format!("{i}:{}", labels[i]))
                .collect();
            say(args, format!("  index:label  {}", row.join(" ")));
            let i = listed
                .iter()
                .copied()
                .find(|&i| usize::from(labels[i]) != args.category)
                .ok_or("the network classifies all of these correctly: pick one with --image")?;
            (i, args.category)
        }
    };
    say(
        args,
        format!(
            "explaining training image {index}: labelled {} ({}), classified {} ({})",
            labels[index],
            classes[usize::from(labels[index])],
            category,
            classes[category]
        ),
    );
    let conclusion = LayerPredicate::new(output, Predicate::IsMax(category));
    let premise = Premise::train(index);
    let mut first = ex.explain(premise, &conclusion, layer)?;
    if let Some(k) = args.stability {
        first.stability = Some(ex.stability(&first, k, args.stability_seed)?);
    }
    show(args, &first, "first explanation");
    let mut chain = vec![first.clone()];

    match drill_layer {
        None => say(
            args,
            format!(
                "no drill-down: no explanation layer lies below layer {layer} (the model's are {:?})",
                ex.layers()
            ),
        ),
        Some(_) if first.interpolant.is_empty() => say(
            args,
            "no drill-down: the interpolant is `true`, it has no conjunct".into(),
        ),
        Some(drill) => {
            let k = if first.interpolant.len() > 1 { 1 } else { 0 };
            let conjunct = first.conjunct(k)?;
            say(
                args,
                format!("explaining conjunct {k}, {conjunct}, at layer {drill}"),
            );
            let mut second = ex.explain(premise, &conjunct, drill)?;
            if let Some(k) = args.stability {
                second.stability = Some(ex.stability(&second, k, args.stability_seed)?);
            }
            show(args, &second, "second explanation");
            chain.push(second);
        }
    }
    if let Some(dir) = &args.out {
        let files = nnitp::viz::report::write_chain(&ex, &chain, dir, classes)?;
        for f in files {
            say(args, format!("wrote {}", f.display()));
        }
    }
    say(
        args,
        format!("total {:.2} s", started.elapsed().as_secs_f64()),
    );
    Ok(())
}

/// A progress line: on stdout in text mode, on stderr with `--json`.
fn say(args: &Args, line: String) {
    if args.json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}

fn show(args: &Args, e: &Explanation, what: &str) {
    if args.json {
        println!(
            "{}",
            serde_json::to_string(e).expect("explanations serialise")
        );
    } else {
        println!("{e}");
        println!("{}", e.intervals_line());
        if let Some(s) = &e.stability {
            println!("{s}");
        }
        // the walk extracted its layers up front: an explanation extracts
        // only what was not ready
        let extraction = if e.extract_seconds > 0.0 {
            format!("plus {:.2} s extracting its layers", e.extract_seconds)
        } else {
            "its layers were ready".to_string()
        };
        println!("{what}: search {:.3} s ({extraction})", e.search_seconds);
    }
}

fn main() -> ExitCode {
    common::finish(run(&Args::parse()))
}
