//! Keeping the server's file paths from the page: error messages of loading
//! and extraction name files by their absolute paths, which tell a page more
//! about the machine than it needs; they are cut to the file's name.

/// Characters after which a `/` starts a path.
fn starts_path(prev: Option<char>) -> bool {
    prev.is_none_or(|c| c.is_whitespace() || "([{\"'=:,<".contains(c))
}

/// Characters that end a path.
fn ends_path(c: char) -> bool {
    c.is_whitespace() || ")]}\"',;>".contains(c)
}

/// `text` with every absolute path (a `/` at the start of a word, up to the
/// end of the word) replaced by its last component.
pub(crate) fn redact_paths(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut prev = None;
    while let Some(c) = chars.next() {
        if c == '/' && starts_path(prev) {
            let mut path = String::from('/');
            while let Some(&n) = chars.peek() {
                if ends_path(n) {
                    break;
                }
                path.push(n);
                chars.next();
            }
            // the name, without a trailing ':' of "path: reason"
            let (path, colon) = match path.strip_suffix(':') {
                Some(p) => (p, ":"),
                None => (path.as_str(), ""),
            };
            let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            out.push_str(if name.is_empty() { "/" } else { name });
            out.push_str(colon);
            prev = Some('/');
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact_paths;

    #[test]
    fn absolute_paths_become_file_names() {
        assert_eq!(
            redact_paths(
                "cannot load fashion-mnist: /home/u/data/train-images-idx3-ubyte.gz: bad IDX magic"
            ),
            "cannot load fashion-mnist: train-images-idx3-ubyte.gz: bad IDX magic"
        );
        assert_eq!(
            redact_paths(
                "dataset mnist not found (looked in: /srv/data/mnist, /srv/data, --data DIR)"
            ),
            "dataset mnist not found (looked in: mnist, data, --data DIR)"
        );
        assert_eq!(redact_paths("\"/etc/x/y.bpk\" is bad"), "\"y.bpk\" is bad");
        assert_eq!(redact_paths("at /"), "at /");
        // not paths
        for keep in ["T-shirt/top", "1/2 of them", "layer 14: (8, 5, 60) >= 0.1"] {
            assert_eq!(redact_paths(keep), keep);
        }
    }
}
