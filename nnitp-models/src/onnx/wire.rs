//! The protobuf wire format, read from a byte slice: each field's number and
//! value, every length checked against the bytes there are.

/// One field's value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Value<'a> {
    /// A varint (ints, enums, bools).
    Varint(u64),
    /// Eight bytes (double, fixed64).
    Fixed64(u64),
    /// Length-delimited bytes (strings, messages, packed repeated fields).
    Bytes(&'a [u8]),
    /// Four bytes (float, fixed32).
    Fixed32(u32),
}

/// Fields of one message in order.
pub(super) struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Fields { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or("the data ends inside a number")?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("a number longer than 10 bytes".into())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| {
                format!(
                    "a field of {n} bytes where {} remain",
                    self.buf.len() - self.pos
                )
            })?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next field, `None` at the end.
    ///
    /// # Errors
    /// Truncated or malformed data.
    pub(super) fn next_field(&mut self) -> Result<Option<(u32, Value<'a>)>, String> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| "a field number out of range")?;
        if number == 0 {
            return Err("field number 0".into());
        }
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed64(u64::from_le_bytes(
                self.take(8)?.try_into().expect("eight bytes"),
            )),
            2 => {
                let n = usize::try_from(self.varint()?).map_err(|_| "a length out of range")?;
                Value::Bytes(self.take(n)?)
            }
            5 => Value::Fixed32(u32::from_le_bytes(
                self.take(4)?.try_into().expect("four bytes"),
            )),
            t => return Err(format!("wire type {t} (groups are not used by ONNX)")),
        };
        Ok(Some((number, value)))
    }
}

impl<'a> Value<'a> {
    pub(super) fn bytes(self) -> Result<&'a [u8], String> {
        match self {
            Value::Bytes(b) => Ok(b),
            _ => Err("a number where bytes were expected".into()),
        }
    }

    pub(super) fn string(self) -> Result<String, String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| "a string that is not UTF-8".into())
    }

    pub(super) fn int(self) -> Result<i64, String> {
        match self {
            Value::Varint(v) => Ok(v as i64),
            _ => Err("bytes where a number was expected".into()),
        }
    }

    pub(super) fn float(self) -> Result<f32, String> {
        match self {
            Value::Fixed32(v) => Ok(f32::from_bits(v)),
            _ => Err("a float of the wrong wire type".into()),
        }
    }

    /// Appends a repeated varint field's values (packed or one at a time).
    pub(super) fn ints_into(self, out: &mut Vec<i64>) -> Result<(), String> {
        match self {
            Value::Varint(v) => out.push(v as i64),
            Value::Bytes(b) => {
                let mut f = Fields::new(b);
                while f.pos < b.len() {
                    out.push(f.varint()? as i64);
                }
            }
            _ => return Err("an int list of the wrong wire type".into()),
        }
        Ok(())
    }

    /// Appends a repeated float field's values (packed or one at a time).
    pub(super) fn floats_into(self, out: &mut Vec<f32>) -> Result<(), String> {
        match self {
            Value::Fixed32(v) => out.push(f32::from_bits(v)),
            Value::Bytes(b) if b.len() % 4 == 0 => out.extend(
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes(c.try_into().expect("four bytes"))),
            ),
            _ => return Err("a float list of the wrong wire type".into()),
        }
        Ok(())
    }

    /// Appends a repeated double field's values (packed or one at a time).
    pub(super) fn doubles_into(self, out: &mut Vec<f64>) -> Result<(), String> {
        match self {
            Value::Fixed64(v) => out.push(f64::from_bits(v)),
            Value::Bytes(b) if b.len() % 8 == 0 => out.extend(
                b.chunks_exact(8)
                    .map(|c| f64::from_le_bytes(c.try_into().expect("eight bytes"))),
            ),
            _ => return Err("a double list of the wrong wire type".into()),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_their_limits() {
        // field 1 varint 150, field 2 bytes "hi", field 3 fixed32 1.0
        let mut buf = vec![0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i', 0x1d];
        buf.extend(1f32.to_le_bytes());
        let mut f = Fields::new(&buf);
        assert_eq!(f.next_field().unwrap(), Some((1, Value::Varint(150))));
        assert_eq!(f.next_field().unwrap().unwrap().1.string().unwrap(), "hi");
        assert_eq!(f.next_field().unwrap().unwrap().1.float().unwrap(), 1.0);
        assert_eq!(f.next_field().unwrap(), None);
        // a length beyond the data, a number that never ends, field 0
        for bad in [&[0x12, 0x05, b'a'][..], &[0x08, 0xff, 0xff], &[0x00, 0x00]] {
            assert!(Fields::new(bad).next_field().is_err());
        }
        let mut ints = Vec::new();
        Value::Bytes(&[0x01, 0x96, 0x01])
            .ints_into(&mut ints)
            .unwrap();
        assert_eq!(ints, [1, 150]);
    }
}
