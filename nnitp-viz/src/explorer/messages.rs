//! The server's messages for the page: bounded in count and bytes, each
//! numbered, so that the page asks for those after the last it saw and never
//! misses a new one, however many came before.

use std::collections::VecDeque;

use serde::Serialize;

/// Messages kept.
const MAX_LINES: usize = 200;
/// Bytes of messages kept.
const MAX_BYTES: usize = 64 << 10;
/// The longest message, in bytes; longer ones are cut.
const MAX_LINE: usize = 2000;

/// The message list.
#[derive(Debug, Default)]
pub(crate) struct Messages {
    lines: VecDeque<(u64, String)>,
    /// The number the next message gets.
    next: u64,
    bytes: usize,
}

/// The messages after a cursor, and the cursor to ask with next.
#[derive(Debug, Serialize)]
pub(crate) struct Since {
    pub messages: Vec<String>,
    pub cursor: u64,
}

impl Messages {
    /// Adds `line` (cut to [`MAX_LINE`] bytes), dropping the oldest beyond
    /// the bounds.
    pub fn push(&mut self, line: &str) {
        let mut line = line.to_string();
        if line.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
            line.push_str(" [...]");
        }
        self.bytes += line.len();
        self.lines.push_back((self.next, line));
        self.next += 1;
        while self.lines.len() > MAX_LINES || self.bytes > MAX_BYTES {
            if let Some((_, old)) = self.lines.pop_front() {
                self.bytes -= old.len();
            }
        }
    }

    /// The messages numbered `cursor` and later (all kept, for a cursor from
    /// before a restart of the server).
    pub fn since(&self, cursor: u64) -> Since {
        let cursor = if cursor > self.next { 0 } else { cursor };
        Since {
            messages: self
                .lines
                .iter()
                .filter(|(n, _)| *n >= cursor)
                .map(|(_, l)| l.clone())
                .collect(),
            cursor: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_never_missing_a_new_one() {
        let mut m = Messages::default();
        for i in 0..500 {
            m.push(&format!("line {i}"));
        }
        let all = m.since(0);
        assert_eq!(all.messages.len(), MAX_LINES);
        assert_eq!(all.messages.last().unwrap(), "line 499");
        // a page that has seen everything gets exactly the next one
        m.push("new");
        let next = m.since(all.cursor);
        assert_eq!(next.messages, vec!["new".to_string()]);
        assert_eq!(m.since(next.cursor).messages.len(), 0);
        // long lines are cut, bytes stay bounded
        for _ in 0..100 {
            m.push(&"é".repeat(10_000));
        }
        assert!(m.bytes <= MAX_BYTES);
        assert!(m.since(0).messages.iter().all(|l| l.len() <= MAX_LINE + 6));
        // a cursor from the future (a restarted server) gets what is kept
        assert!(!m.since(1 << 40).messages.is_empty());
    }
}
