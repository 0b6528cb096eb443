//! The page's files, compiled into the binary: the only files the server serves.

const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/app.js");
const STYLE: &str = include_str!("page/style.css");
const ICON: &str = include_str!("page/favicon.svg");

/// The content type and bytes of the page file at `path`, if it is one.
pub(crate) fn file(path: &str) -> Option<(&'static str, &'static [u8])> {
    match path {
        "/" | "/index.html" => Some(("text/html; charset=utf-8", INDEX.as_bytes())),
        "/app.js" => Some(("text/javascript; charset=utf-8", SCRIPT.as_bytes())),
        "/style.css" => Some(("text/css; charset=utf-8", STYLE.as_bytes())),
        "/favicon.svg" | "/favicon.ico" => Some(("image/svg+xml", ICON.as_bytes())),
        _ => None,
    }
}
