//! The header of a `.npy` file: a Python dict literal, e.g.
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, parsed as
//! one (keys and values quoted as Python quotes them, a shape tuple of
//! integers), with exactly numpy's three keys.

/// The parsed header of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The numpy dtype string, e.g. `<f4` or `|b1`.
    pub descr: String,
    /// Whether the data are stored in Fortran (column-major) order.
    pub fortran_order: bool,
    /// The array shape.
    pub shape: Vec<usize>,
}

/// A value of the header's dict.
#[derive(Debug, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// A cursor over the header's text.
struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    /// The next byte after any space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        match self.peek() {
            Some(c) if c == b => {
                self.at += 1;
                Ok(())
            }
            Some(c) => Err(format!(
                "expected '{}' at byte {}, found '{}'",
                char::from(b),
                self.at,
                char::from(c)
            )),
            None => Err(format!("expected '{}', found the end", char::from(b))),
        }
    }

    /// A string in single or double quotes (no escapes: numpy writes none).
    fn string(&mut self) -> Result<String, String> {
        let q = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(format!("expected a quoted string at byte {}", self.at)),
        };
        self.at += 1;
        let start = self.at;
        while let Some(&c) = self.text.get(self.at) {
            if c == b'\\' {
                return Err("escapes in header strings are not supported".into());
            }
            if c == q {
                let s = String::from_utf8_lossy(&self.text[start..self.at]).into_owned();
                self.at += 1;
                return Ok(s);
            }
            self.at += 1;
        }
        Err("a string that is never closed".into())
    }

    /// A word of letters (`True`, `False`).
    fn word(&mut self) -> &[u8] {
        self.skip_space();
        let start = self.at;
        while self.text.get(self.at).is_some_and(u8::is_ascii_alphabetic) {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// A non-negative integer (Python may write `3L` in old headers).
    fn integer(&mut self) -> Result<usize, String> {
        self.skip_space();
        let start = self.at;
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.at]).unwrap_or("");
        let n = digits
            .parse()
            .map_err(|_| format!("expected a dimension at byte {start}"))?;
        if self.text.get(self.at) == Some(&b'L') {
            self.at += 1;
        }
        Ok(n)
    }

    /// `(a, b, ...)` with an optional trailing comma; `()` for a scalar.
    fn tuple(&mut self) -> Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            if self.peek() == Some(b')') {
                self.at += 1;
                return Ok(dims);
            }
            dims.push(self.integer()?);
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b')') => {}
                _ => return Err(format!("expected ',' or ')' at byte {}", self.at)),
            }
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(b'\'' | b'"') => self.string().map(Value::Str),
            Some(b'(') => self.tuple().map(Value::Tuple),
            _ => match self.word() {
                b"True" => Ok(Value::Bool(true)),
                b"False" => Ok(Value::Bool(false)),
                _ => Err(format!("expected a value at byte {}", self.at)),
            },
        }
    }

    /// `{key: value, ...}` with an optional trailing comma, then only space.
    fn dict(&mut self) -> Result<Vec<(String, Value)>, String> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.at += 1;
                break;
            }
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value()?;
            entries.push((key, value));
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {}
                _ => return Err(format!("expected ',' or '}}' at byte {}", self.at)),
            }
        }
        if self.peek().is_some() {
            return Err(format!("text after the header's dict at byte {}", self.at));
        }
        Ok(entries)
    }
}

/// Parses the header text (ASCII, a Python dict literal with the keys
/// `descr`, `fortran_order` and `shape`, each once, and no other).
///
/// # Errors
/// The reason the text is not such a header.
pub(super) fn parse(text: &[u8]) -> Result<Header, String> {
    if !text.is_ascii() {
        return Err("the header is not ASCII text".into());
    }
    let entries = Parser { text, at: 0 }.dict()?;
    let (mut descr, mut fortran_order, mut shape) = (None, None, None);
    for (key, value) in entries {
        let slot_taken = match (key.as_str(), value) {
            ("descr", Value::Str(s)) => descr.replace(s).is_some(),
            ("fortran_order", Value::Bool(b)) => fortran_order.replace(b).is_some(),
            ("shape", Value::Tuple(t)) => shape.replace(t).is_some(),
            ("descr" | "fortran_order" | "shape", v) => {
                return Err(format!("bad '{key}' in header: {v:?}"))
            }
            _ => return Err(format!("unknown key '{key}' in header")),
        };
        if slot_taken {
            return Err(format!("'{key}' appears twice in the header"));
        }
    }
    Ok(Header {
        descr: descr.ok_or("no 'descr' in header")?,
        fortran_order: fortran_order.ok_or("no 'fortran_order' in header")?,
        shape: shape.ok_or("no 'shape' in header")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_headers_parse() {
        let h = parse(b"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n")
            .unwrap();
        assert_eq!(
            h,
            Header {
                descr: "<f4".into(),
                fortran_order: false,
                shape: vec![2, 3]
            }
        );
        // one dimension, a scalar, other quotes and order, old long integers
        assert_eq!(
            parse(b"{'shape': (5,), 'fortran_order': True, 'descr': '|b1'}")
                .unwrap()
                .shape,
            [5]
        );
        assert!(
            parse(b"{'descr': \"<f4\", 'fortran_order': False, 'shape': ()}")
                .unwrap()
                .shape
                .is_empty()
        );
        assert_eq!(
            parse(b"{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L)}")
                .unwrap()
                .shape,
            [3, 4]
        );
    }

    #[test]
    fn malformed_headers_say_why() {
        for (text, why) in [
            (
                &b"{'descr': '<f4', 'fortran_order': False}"[..],
                "no 'shape'",
            ),
            (
                b"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}",
                "twice",
            ),
            (
                b"{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 'y'}",
                "unknown key 'x'",
            ),
            (
                b"{'descr': 4, 'fortran_order': False, 'shape': ()}",
                "expected a value",
            ),
            (
                b"{'descr': '<f4', 'fortran_order': 'no', 'shape': ()}",
                "bad 'fortran_order'",
            ),
            (
                b"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
                "expected a dimension",
            ),
            (
                b"{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}",
                "expected ',' or ')'",
            ),
            (b"{'descr': '<f4", "never closed"),
            (
                b"{'descr': '<f4', 'fortran_order': False, 'shape': ()} x",
                "text after",
            ),
            (b"'descr': '<f4'", "expected '{'"),
            (
                b"{'descr': '<\\f4', 'fortran_order': False, 'shape': ()}",
                "escapes",
            ),
            (
                b"{'shape': (99999999999999999999999,)}",
                "expected a dimension",
            ),
        ] {
            let err = parse(text).unwrap_err();
            assert!(
                err.contains(why),
                "{}: {err}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
