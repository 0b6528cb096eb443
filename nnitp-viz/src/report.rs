//! Self-contained HTML reports: of an explanation chain (for each explanation
//! its interpolant, train/test lines, 95 % intervals, stability when measured,
//! and its grid as an inlined PNG, each drill-down nested below its parent),
//! and of a rule set (each rule with its figures and a grid of the images it
//! covers).

use std::path::{Path, PathBuf};

use nnitp_core::explainer::RuleSet;
use nnitp_core::{ActivationSource, Explainer, Explanation};

use crate::base64;
use crate::error::{Error, Result};
use crate::grid::GridOptions;
use crate::view::{explanation_figure, rule_grid, Figure};

/// One explanation of a report, with its figure.
#[derive(Clone, Debug)]
pub struct Section {
    /// A heading, e.g. `training image 12 classified as 0 (T-shirt/top)`.
    pub title: String,
    /// The explanation.
    pub explanation: Explanation,
    /// Its inputs drawn: a grid of images, a plot of series, a table of rows.
    pub figure: Figure,
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report of a chain of explanations, each a drill-down of the one before,
/// as one self-contained HTML page.
pub fn html(title: &str, sections: &[Section]) -> String {
    let mut body = String::new();
    for (i, s) in sections.iter().enumerate() {
        let e = &s.explanation;
        body.push_str(&format!(
            "<section class=\"explanation\" id=\"explanation-{i}\">\n<h2>{}</h2>\n<p class=\"conclusion\">explains <code>{}</code> at layer {}</p>\n<pre>{}</pre>\n<p class=\"intervals\">{}</p>\n{}<p class=\"timing\">search {:.3} s, extraction {:.2} s</p>\n{}\n",
            escape(&s.title),
            escape(&e.conclusion.to_string()),
            e.layer,
            escape(&e.to_string()),
            escape(&e.intervals_line()),
            e.stability.as_ref().map_or(String::new(), |st| format!(
                "<p class=\"stability\">{}</p>\n",
                escape(&st.to_string())
            )) + &e.faithfulness.as_ref().map_or(String::new(), |f| format!(
                "<h3>Does the network use this?</h3>\n<pre class=\"faithfulness\">{}</pre>\n",
                escape(&f.to_string())
            )),
            e.search_seconds,
            e.extract_seconds,
            match &s.figure {
                Figure::Png(png) => format!(
                    "<img alt=\"grid of explanation {i}\" src=\"data:image/png;base64,{}\">",
                    base64::encode(png)
                ),
                Figure::Svg(svg) => svg.clone(),
                Figure::Table(table) => table.html(),
            },
        ));
    }
    body.push_str(&"</section>\n".repeat(sections.len()));
    page(title, &body)
}

/// A page around `body`, with the reports' style.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 2em; background: #fafafa; }}\nsection {{ border-left: 4px solid #c33; padding-left: 1em; margin: 1em 0; }}\npre {{ background: #fff; padding: .5em; overflow-x: auto; }}\nimg {{ image-rendering: pixelated; max-width: 100%; }}\n.rows {{ overflow-x: auto; }}\n.rows td, .rows th {{ padding: .2em .5em; font-size: 90%; }}\n.rows .bounded {{ background: #fde2d8; }}\n.rows tr.premise td {{ font-weight: bold; }}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = escape(title)
    )
}

/// The summary line of a rule set: rules, coverage, why it stopped, and its
/// figures as a classifier on the test sample.
pub fn rule_set_summary(set: &RuleSet, classes: &[&str]) -> String {
    let class = set.class().unwrap_or(0);
    let show = nnitp_core::format::ratio4;
    format!(
        "class {class} ({}): {} rules at layer {}, coverage {:.4} ({}); as a classifier on {} test images: precision={} recall={} ({}), fidelity={:.4}",
        classes.get(class).copied().unwrap_or("?"),
        set.rules.len(),
        set.layer,
        set.coverage(),
        set.stop,
        set.test_samples,
        show(set.test.precision()),
        show(set.test.recall()),
        set.test.intervals_text(),
        set.test_fidelity,
    )
}

/// Writes a grid of each rule of `set` (`rule-<k>.png`: the training images
/// it covers, with its regions) and `rules.html` into `dir` (created if
/// needed); returns the files written.
///
/// # Errors
/// [`Error::Io`] and the grid's errors.
pub fn write_rules<S: ActivationSource>(
    ex: &Explainer<S>,
    set: &RuleSet,
    dir: impl AsRef<Path>,
    classes: &[&str],
) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    create_dir(dir)?;
    let mut files = Vec::new();
    let summary = rule_set_summary(set, classes);
    let mut body = format!("<p class=\"summary\">{}</p>\n", escape(&summary));
    for (k, rule) in set.rules.iter().enumerate() {
        body.push_str(&format!(
            "<section class=\"rule\" id=\"rule-{k}\">\n<h2>rule {k}</h2>\n<pre>{}</pre>\n<p class=\"intervals\">training {}; test {}</p>\n",
            escape(&rule.to_string()),
            escape(&rule.train.intervals_text()),
            escape(&rule.test.intervals_text()),
        ));
        if let Some(grid) = rule_grid(ex, set, k, 9, &GridOptions::default())? {
            let png = grid.png()?;
            let path = dir.join(format!("rule-{k}.png"));
            write(&path, &png)?;
            files.push(path);
            body.push_str(&format!(
                "<img alt=\"training images covered by rule {k}\" src=\"data:image/png;base64,{}\">\n",
                base64::encode(&png)
            ));
        }
        body.push_str("</section>\n");
    }
    let path = dir.join("rules.html");
    let class = set.class().unwrap_or(0);
    let title = format!(
        "nnitp rules for class {class} ({})",
        classes.get(class).copied().unwrap_or("?")
    );
    write(&path, page(&title, &body).as_bytes())?;
    files.push(path);
    Ok(files)
}

/// Creates `dir` and its parents if need be.
fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the figure of each explanation of `chain` (`explanation-<i>.png`,
/// `.svg` for series; a table's rows go into the page itself) and
/// `report.html` into `dir` (created if needed); returns the files written.
/// `classes` names the network's output classes in headings.
///
/// # Errors
/// [`Error::Io`] and the grid's errors.
pub fn write_chain<S: ActivationSource>(
    ex: &Explainer<S>,
    chain: &[Explanation],
    dir: impl AsRef<Path>,
    classes: &[&str],
) -> Result<Vec<PathBuf>> {
    let dir = dir.as_ref();
    create_dir(dir)?;
    let mut files = Vec::new();
    let mut sections = Vec::new();
    for (i, e) in chain.iter().enumerate() {
        let figure = explanation_figure(ex, e, 9)?;
        let file = match &figure {
            Figure::Png(png) => Some(("png", png.as_slice())),
            Figure::Svg(svg) => Some(("svg", svg.as_bytes())),
            Figure::Table(_) => None,
        };
        if let Some((ext, bytes)) = file {
            let path = dir.join(format!("explanation-{i}.{ext}"));
            write(&path, bytes)?;
            files.push(path);
        }
        sections.push(Section {
            title: title(
                e,
                classes,
                crate::view::Samples::of(ex, e.premise.split).noun(),
            ),
            explanation: e.clone(),
            figure,
        });
    }
    let path = dir.join("report.html");
    write(&path, html("nnitp explanation", &sections).as_bytes())?;
    files.push(path);
    Ok(files)
}

fn title(e: &Explanation, classes: &[&str], noun: &str) -> String {
    let what = match &e.conclusion.predicate {
        nnitp_core::Predicate::IsMax(c) => {
            format!(
                "classified as {c} ({})",
                classes.get(*c).copied().unwrap_or("?")
            )
        }
        p => format!("satisfies {p} at layer {}", e.conclusion.layer),
    };
    format!(
        "{} {noun} {} {what}: layer {}",
        e.premise.split.name(),
        e.premise.index,
        e.layer
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("a<b & \"c\">'"),
            "a&lt;b &amp; &quot;c&quot;&gt;&#39;"
        );
    }
}
