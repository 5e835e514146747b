//! Values as ExifTool holds them: numbers (lists of them print joined with spaces), strings,
//! and undefined bytes; plus Perl's number formatting and ExifTool's JSON typing.

use crate::bytes::{sub, u16_at, u32_at, u64_at, Endian};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Nums(Vec<f64>),
    Str(String),
    Bytes(Vec<u8>),
}

impl Val {
    pub fn num(&self, i: usize) -> Option<f64> {
        match self {
            Val::Nums(v) => v.get(i).copied(),
            Val::Str(s) => s.split_whitespace().nth(i).and_then(|x| x.parse().ok()),
            Val::Bytes(_) => None,
        }
    }

    pub fn nums(&self) -> Vec<f64> {
        match self {
            Val::Nums(v) => v.clone(),
            Val::Str(s) => s
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect(),
            Val::Bytes(b) => b.iter().map(|&x| x as f64).collect(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Val::Nums(v) => v.len(),
            Val::Str(s) => s.split_whitespace().count(),
            Val::Bytes(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value as Perl would stringify it.
    pub fn text(&self) -> String {
        match self {
            Val::Nums(v) => {
                let mut out = String::with_capacity(v.len() * 4);
                for (i, &x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    push_g(&mut out, x, 15);
                }
                out
            }
            Val::Str(s) => s.clone(),
            Val::Bytes(b) => b.iter().map(|&c| c as char).collect(),
        }
    }

    /// Perl truth: "" and "0" are false.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Nums(v) => !(v.is_empty() || v.len() == 1 && v[0] == 0.0),
            _ => {
                let t = self.text();
                !(t.is_empty() || t == "0")
            }
        }
    }

    pub fn one(x: f64) -> Val {
        Val::Nums(vec![x])
    }
}

/// Perl's default number formatting (`%.15g`).
pub fn fmt_num(x: f64) -> String {
    fmt_g(x, 15)
}

/// C's `%.{prec}g`.
pub fn fmt_g(x: f64, prec: usize) -> String {
    let mut out = String::new();
    push_g(&mut out, x, prec);
    out
}

/// [`fmt_g`] appended to `out`: the exif module's one-pass `%g` for finite numbers (equal
/// to the former two `format!` passes, see its tests), Perl's words otherwise.
pub fn push_g(out: &mut String, x: f64, prec: usize) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Inf" } else { "-Inf" });
    } else {
        crate::formats::exif::push_g_finite(out, x, prec);
    }
}

/// ExifTool's RoundFloat($val, 10) for rationals.
fn round10(x: f64) -> f64 {
    fmt_g(x, 10).parse().unwrap_or(x)
}

/// Reads `count` items (at most what fits) of the ExifTool format `fmt` from `raw`.
pub fn read(raw: &[u8], fmt: &str, count: usize, e: Endian) -> Option<Val> {
    let size = super::item_size(fmt);
    let n = count.min(raw.len() / size.max(1));
    match fmt {
        "string" => {
            let raw = raw.get(..count.min(raw.len()))?;
            let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
            let r = &raw[..end];
            Some(Val::Str(match std::str::from_utf8(r) {
                Ok(s) => s.to_string(),
                Err(_) => r.iter().map(|&b| b as char).collect(),
            }))
        }
        "undef" | "binary" => Some(Val::Bytes(raw.get(..count.min(raw.len()))?.to_vec())),
        _ => {
            let mut v = Vec::with_capacity(n.min(4096));
            for i in 0..n.min(65536) {
                let o = i * size;
                let x = match fmt {
                    "int8u" => *raw.get(o)? as f64,
                    "int8s" => *raw.get(o)? as i8 as f64,
                    "int16u" => u16_at(raw, o, e)? as f64,
                    "int16s" => u16_at(raw, o, e)? as i16 as f64,
                    "int32u" | "ifd" => u32_at(raw, o, e)? as f64,
                    "int32s" => u32_at(raw, o, e)? as i32 as f64,
                    "int64u" => u64_at(raw, o, e)? as f64,
                    "int64s" => u64_at(raw, o, e)? as i64 as f64,
                    "float" => f32::from_bits(u32_at(raw, o, e)?) as f64,
                    "double" => f64::from_bits(u64_at(raw, o, e)?),
                    "rational64u" | "rational64s" => {
                        let (a, b) = (u32_at(raw, o, e)?, u32_at(raw, o + 4, e)?);
                        let (a, b) = if fmt == "rational64s" {
                            (a as i32 as f64, b as i32 as f64)
                        } else {
                            (a as f64, b as f64)
                        };
                        if b == 0.0 {
                            // ExifTool prints these items as words: the list becomes text
                            return Some(Val::Str(rationals_text(raw, fmt, n, e)));
                        } else {
                            round10(a / b)
                        }
                    }
                    _ => return Some(Val::Bytes(sub(raw, 0, raw.len())?.to_vec())),
                };
                v.push(x);
            }
            Some(Val::Nums(v))
        }
    }
}

/// A rational list with zero denominators, as ExifTool prints it ("undef", "inf").
fn rationals_text(raw: &[u8], fmt: &str, n: usize, e: Endian) -> String {
    let mut out = Vec::new();
    for i in 0..n {
        let (Some(a), Some(b)) = (u32_at(raw, i * 8, e), u32_at(raw, i * 8 + 4, e)) else {
            break;
        };
        let (a, b) = if fmt == "rational64s" {
            (a as i32 as f64, b as i32 as f64)
        } else {
            (a as f64, b as f64)
        };
        out.push(if b != 0.0 {
            fmt_num(round10(a / b))
        } else if a == 0.0 {
            "undef".into()
        } else {
            "inf".into()
        });
    }
    out.join(" ")
}

/// Types a printed value like `exiftool -json`: numbers unquoted, everything else a string.
pub fn json(s: String) -> Value {
    if looks_numeric(&s) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::from(i);
        }
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s)
}

fn looks_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 20 {
        return false;
    }
    let mut i = 0;
    if b[0] == b'-' {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn perl_numbers() {
        assert_eq!(fmt_num(5.0), "5");
        assert_eq!(fmt_num(0.1 + 0.2), "0.3");
        assert_eq!(fmt_num(-1.5), "-1.5");
        assert_eq!(fmt_g(1.0 / 3.0, 10), "0.3333333333");
        assert_eq!(fmt_g(123456.0, 2), "1.2e+05");
        assert_eq!(json("5.6".into()), serde_json::json!(5.6));
        assert_eq!(json("0210".into()), serde_json::json!("0210"));
        assert_eq!(json("1 2".into()), serde_json::json!("1 2"));
    }
}
