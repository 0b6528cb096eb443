//! Number formatting that matches Python's `repr` (and numpy's for `float32`), so
//! that printed interpolants and statistics read exactly as nnitp prints them.

/// Formats a float the way Python's `repr` does: the shortest digits that read
/// back to the same value, `.0` on integral values, and scientific notation when
/// the decimal exponent is below -4 or at least 16 (`1e-05`, `1e+16`).
///
/// `digits_exp` is Rust's `{:e}` rendering of the value (shortest round-trip
/// digits), so the same routine serves `f32` (numpy's `float32` repr) and `f64`.
fn python_repr(value: String, is_nan: bool, is_inf: bool, negative: bool) -> String {
    if is_nan {
        return "nan".into();
    }
    if is_inf {
        return if negative {
            "-inf".into()
        } else {
            "inf".into()
        };
    }
    let (mantissa, exp) = value.split_once('e').unwrap_or((value.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let mut m = digits[..1].to_string();
        if digits.len() > 1 {
            m.push('.');
            m.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{m}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let body = if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if (point as usize) >= digits.len() {
        format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{body}")
}

/// A ratio with four decimals, or `undefined` (e.g. a precision with no
/// sample to measure it on).
pub fn ratio4(x: Option<f64>) -> String {
    x.map_or_else(|| "undefined".into(), |v| format!("{v:.4}"))
}

/// Python `repr` of an `f64` (e.g. `0.9850746268656716`, `1.0`, `5e-05`).
pub fn repr_f64(x: f64) -> String {
    python_repr(
        format!("{x:e}"),
        x.is_nan(),
        x.is_infinite(),
        x.is_sign_negative(),
    )
}

/// numpy `repr` of a `float32` (e.g. `-0.69624305`, `2.0`).
pub fn repr_f32(x: f32) -> String {
    python_repr(
        format!("{x:e}"),
        x.is_nan(),
        x.is_infinite(),
        x.is_sign_negative(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_python_repr() {
        assert_eq!(repr_f64(0.9850746268656716), "0.9850746268656716");
        assert_eq!(repr_f64(1.0), "1.0");
        assert_eq!(repr_f64(0.0), "0.0");
        assert_eq!(repr_f64(-0.0), "-0.0");
        assert_eq!(repr_f64(5e-05), "5e-05");
        assert_eq!(repr_f64(0.0001), "0.0001");
        assert_eq!(repr_f64(1e16), "1e+16");
        assert_eq!(repr_f64(1234.5), "1234.5");
        assert_eq!(repr_f64(123456789012345.0), "123456789012345.0");
        assert_eq!(repr_f64(-1.25e-7), "-1.25e-07");
        assert_eq!(repr_f64(f64::NAN), "nan");
        assert_eq!(repr_f64(f64::NEG_INFINITY), "-inf");
        assert_eq!(repr_f64(1.3715713024139404), "1.3715713024139404");
    }

    #[test]
    fn matches_numpy_float32_repr() {
        assert_eq!(repr_f32(-0.696_243_05), "-0.69624305");
        assert_eq!(repr_f32(2.0), "2.0");
        assert_eq!(repr_f32(1.063251), "1.063251");
        assert_eq!(repr_f32(1e-5), "1e-05");
    }
}
