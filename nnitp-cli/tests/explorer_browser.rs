//! The explorer end to end in a real headless Chromium, driven by Playwright
//! (`tests/browser/explorer.mjs`), against the explorer that `nnitp explore`
//! serves with the shipped Fashion-MNIST model, then the table, series and
//! number models. Needs Node.js, Debian's `chromium` and
//! `npm ci --prefix tests/browser`, so it is an ignored test: `.ci/run`
//! installs all three and runs the ignored tests too; run by hand, a missing
//! one fails it, saying which. Screenshots of each step go to
//! `target/tmp/browser-screenshots/`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

mod run;

#[test]
#[ignore = "needs Node.js, Playwright and Chromium (`bash .ci/run` installs them and runs it)"]
fn explorer_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("../tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing = if !node {
        Some("Node.js is not installed (`apt-get install nodejs npm`)".to_string())
    } else if !browser_dir.join("node_modules/playwright-core").is_dir() {
        Some("Playwright is not installed (`npm ci --prefix tests/browser`)".to_string())
    } else if !Path::new(&chromium).exists() {
        Some(format!(
            "no Chromium at {chromium} (`apt-get install chromium` or set CHROMIUM)"
        ))
    } else {
        None
    };
    if let Some(why) = missing {
        panic!(
            "the explorer browser test needs a browser: {why}; `bash .ci/run` installs everything"
        );
    }

    let mut child = run::nnitp(&["explore", "--port", "0", "--no-cache", "--no-open"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cargo builds nnitp for its tests");
    let stdout = child.stdout.take().unwrap();
    let server = run::Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("explorer: ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    // screenshots of an earlier run must not stand in for this one's
    let _ = std::fs::remove_dir_all(&shots);
    let out = Command::new("node")
        .arg(browser_dir.join("explorer.mjs"))
        .arg(&url)
        .arg(&shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("Node.js runs the browser script");
    drop(server);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{log}\nscreenshots: {}",
        shots.display()
    );
    assert!(log.contains("explorer browser test passed"), "{log}");
    for step in [
        "explanation",
        "drill-down",
        "back",
        "faithfulness",
        "examples",
        "counterexamples",
        "layout-1400x1000",
        "layout-1280x720",
        "busy",
        "rules",
        "test-set",
        "table",
        "series",
        "number",
    ] {
        let found = std::fs::read_dir(&shots).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(&format!("-{step}.png"))
        });
        assert!(found, "no screenshot of {step}");
    }
}
