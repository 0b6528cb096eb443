//! A self-contained HTML report of an explanation chain: for each explanation
//! its interpolant and train/test lines and its grid (inlined PNG), each
//! drill-down nested below its parent.

use std::path::{Path, PathBuf};

use nnitp_core::{ActivationSource, Explainer, Explanation};

use crate::base64;
use crate::error::{Error, Result};
use crate::grid::GridOptions;
use crate::view::explanation_grid;

/// One explanation of a report, with its grid as PNG bytes.
#[derive(Clone, Debug)]
pub struct Section {
    /// A heading, e.g. `training image 12 classified as 0 (T-shirt/top)`.
    pub title: String,
    /// The explanation.
    pub explanation: Explanation,
    /// Its grid (PNG).
    pub grid_png: Vec<u8>,
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
            "<section class=\"explanation\" id=\"explanation-{i}\">\n<h2>{}</h2>\n<p class=\"conclusion\">explains <code>{}</code> at layer {}</p>\n<pre>{}</pre>\n<p class=\"timing\">search {:.3} s, extraction {:.2} s</p>\n<img alt=\"grid of explanation {i}\" src=\"data:image/png;base64,{}\">\n",
            escape(&s.title),
            escape(&e.conclusion.to_string()),
            e.layer,
            escape(&e.to_string()),
            e.search_seconds,
            e.extract_seconds,
            base64::encode(&s.grid_png),
        ));
    }
    body.push_str(&"</section>\n".repeat(sections.len()));
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{t}</title>\n<style>\nbody {{ font-family: sans-serif; margin: 2em; background: #fafafa; }}\nsection {{ border-left: 4px solid #c33; padding-left: 1em; margin: 1em 0; }}\npre {{ background: #fff; padding: .5em; overflow-x: auto; }}\nimg {{ image-rendering: pixelated; max-width: 100%; }}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n{body}</body>\n</html>\n",
        t = escape(title)
    )
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes the grid of each explanation of `chain` (`explanation-<i>.png`) and
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
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    let mut sections = Vec::new();
    for (i, e) in chain.iter().enumerate() {
        let (grid, _) = explanation_grid(ex, e, 9, &GridOptions::default())?;
        let png = grid.png()?;
        let path = dir.join(format!("explanation-{i}.png"));
        write(&path, &png)?;
        files.push(path);
        sections.push(Section {
            title: title(e, classes),
            explanation: e.clone(),
            grid_png: png,
        });
    }
    let path = dir.join("report.html");
    write(&path, html("nnitp explanation", &sections).as_bytes())?;
    files.push(path);
    Ok(files)
}

fn title(e: &Explanation, classes: &[&str]) -> String {
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
        "{} image {} {what}: layer {}",
        e.premise.split, e.premise.index, e.layer
    )
    .replacen("training set", "training", 1)
    .replacen("test set", "test", 1)
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
