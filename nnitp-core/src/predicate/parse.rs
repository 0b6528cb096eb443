//! Reading predicates in the text they print as: `v(0)>=150`,
//! `(v(3,2,42)<=-0.96 & v(0,2,1)>=0.19)`, `~p`, `is_max(3)`, `true`, and
//! `layer 14: ...` for a predicate bound to a layer.

use std::str::FromStr;

use super::{Bound, LayerPredicate, Op, Predicate};
use crate::unit::Unit;

/// The longest predicate text read (a conjunction of thousands of bounds).
const MAX_LEN: usize = 1 << 20;
/// The deepest nesting of parentheses and negations read.
const MAX_DEPTH: usize = 64;

/// Text that is not a predicate: where reading stopped, and what it expected
/// there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a predicate: at character {position} of {text:?}: expected {expected}")]
pub struct PredicateSyntaxError {
    /// The character (from 0) where reading stopped.
    pub position: usize,
    /// What was expected there.
    pub expected: &'static str,
    /// The text (cut to 80 characters).
    pub text: String,
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

type Read<T> = Result<T, PredicateSyntaxError>;

impl<'a> Reader<'a> {
    fn fail<T>(&self, expected: &'static str) -> Read<T> {
        Err(PredicateSyntaxError {
            position: self.text[..self.at].chars().count(),
            expected,
            text: self.text.chars().take(80).collect(),
        })
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    /// Takes `word` (after any space) if it comes next.
    fn eat(&mut self, word: &str) -> bool {
        self.skip_space();
        if self.rest().starts_with(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, word: &'static str) -> Read<()> {
        if self.eat(word) {
            Ok(())
        } else {
            self.fail(word)
        }
    }

    /// The longest run of characters satisfying `keep`, after any space.
    fn run_of(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        self.skip_space();
        let rest = self.rest();
        let end = rest.find(|c| !keep(c)).unwrap_or(rest.len());
        self.at += end;
        &rest[..end]
    }

    fn index(&mut self) -> Read<usize> {
        self.skip_space();
        let start = self.at;
        let digits = self.run_of(|c| c.is_ascii_digit());
        match digits.parse() {
            Ok(n) => Ok(n),
            Err(_) => {
                self.at = start;
                self.fail("an index (digits, at most usize)")
            }
        }
    }

    fn number(&mut self) -> Read<f32> {
        self.skip_space();
        let start = self.at;
        let lexeme = self.run_of(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
        match lexeme.parse::<f32>() {
            Ok(v) if !v.is_nan() => Ok(v),
            _ => {
                self.at = start;
                self.fail("a number (not NaN)")
            }
        }
    }

    fn predicate(&mut self, depth: usize) -> Read<Predicate> {
        if depth > MAX_DEPTH {
            return self.fail("less nesting (at most 64 levels)");
        }
        if self.eat("~") {
            return Ok(Predicate::Not(Box::new(self.predicate(depth + 1)?)));
        }
        if self.eat("(") {
            let mut parts = vec![self.predicate(depth + 1)?];
            while self.eat("&") {
                parts.push(self.predicate(depth + 1)?);
            }
            self.expect(")")?;
            return Ok(Predicate::And(parts));
        }
        if self.eat("true") {
            return Ok(Predicate::And(Vec::new()));
        }
        if self.eat("is_max(") {
            let class = self.index()?;
            self.expect(")")?;
            return Ok(Predicate::IsMax(class));
        }
        if self.eat("v(") {
            let mut index = vec![self.index()?];
            while self.eat(",") {
                index.push(self.index()?);
            }
            self.expect(")")?;
            let op = if self.eat(">=") {
                Op::Ge
            } else if self.eat("<=") {
                Op::Le
            } else {
                return self.fail(">= or <=");
            };
            let value = self.number()?;
            return Ok(Predicate::Bound(Bound::new(Unit::new(index), op, value)));
        }
        self.fail("a predicate: v(...)>=x, v(...)<=x, (p & q), ~p, is_max(c) or true")
    }

    fn end(&mut self) -> Read<()> {
        self.skip_space();
        if self.rest().is_empty() {
            Ok(())
        } else {
            self.fail("the end of the predicate")
        }
    }
}

fn reader(text: &str) -> Read<Reader<'_>> {
    let r = Reader { text, at: 0 };
    if text.len() > MAX_LEN {
        return r.fail("a shorter text (at most 1 MiB)");
    }
    Ok(r)
}

impl FromStr for Predicate {
    type Err = PredicateSyntaxError;

    /// Reads the text a predicate prints as (`Display`).
    ///
    /// ```
    /// use nnitp_core::Predicate;
    /// let p: Predicate = "(v(3,2,42)<=-0.96 & ~v(0)>=1e3)".parse()?;
    /// assert_eq!(p.to_string(), "(v(3,2,42)<=-0.96 & ~v(0)>=1000.0)");
    /// assert!("v(0)=>1".parse::<Predicate>().is_err());
    /// # Ok::<(), nnitp_core::predicate::PredicateSyntaxError>(())
    /// ```
    fn from_str(text: &str) -> Read<Predicate> {
        let mut r = reader(text)?;
        let p = r.predicate(0)?;
        r.end()?;
        Ok(p)
    }
}

impl LayerPredicate {
    /// Reads `layer N: p`, or a predicate `p` alone as one of layer `layer`.
    ///
    /// ```
    /// use nnitp_core::LayerPredicate;
    /// assert_eq!(LayerPredicate::parse_at("v(0)>=150", 5)?.layer, 5);
    /// assert_eq!(LayerPredicate::parse_at("layer 2: v(1)<=0", 5)?.layer, 2);
    /// # Ok::<(), nnitp_core::predicate::PredicateSyntaxError>(())
    /// ```
    ///
    /// # Errors
    /// As [`FromStr`].
    pub fn parse_at(text: &str, layer: usize) -> Read<LayerPredicate> {
        if text.trim_start().starts_with("layer") {
            text.parse()
        } else {
            Ok(LayerPredicate::new(layer, text.parse::<Predicate>()?))
        }
    }
}

impl FromStr for LayerPredicate {
    type Err = PredicateSyntaxError;

    /// Reads `layer N: p`.
    fn from_str(text: &str) -> Read<LayerPredicate> {
        let mut r = reader(text)?;
        r.expect("layer")?;
        let layer = r.index()?;
        r.expect(":")?;
        let p = r.predicate(0)?;
        r.end()?;
        Ok(LayerPredicate::new(layer, p))
    }
}
