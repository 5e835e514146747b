//! ExifTool's value and print conversions for the EXIF and GPS tags.

use super::{Raw, TagDef};
use crate::bytes::Endian;
use crate::model::Metadata;
use serde_json::Value;

/// C's `%.{sig}g` (what Perl's sprintf and ExifTool's RoundFloat print).
pub fn format_g(v: f64, sig: usize) -> String {
    let mut out = String::new();
    push_g(&mut out, v, sig);
    out
}

/// [`format_g`] appended to `out` (no allocation besides `out`'s growth).
pub fn push_g(out: &mut String, v: f64, sig: usize) {
    if v.is_nan() {
        out.push_str("nan");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else {
        push_g_finite(out, v, sig);
    }
}

/// A fixed-size buffer for one float formatted by `core::fmt`, so that `%g` needs no
/// temporary `String`. Writing more than fits fails (the callers then fall back).
struct FloatBuf {
    buf: [u8; 64],
    len: usize,
}

impl std::fmt::Write for FloatBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// C's `%.{sig}g` of a finite `v`, appended to `out`: the digits of `%.{sig-1}e`, printed in
/// fixed notation when the exponent is in [-4, sig) (C defines `%g` that way, so this equals
/// formatting again with `%.{sig-1-exp}f`), trailing zeros removed.
pub(crate) fn push_g_finite(out: &mut String, v: f64, sig: usize) {
    use std::fmt::Write;
    if v == 0.0 {
        out.push('0');
        return;
    }
    let sig = sig.max(1);
    if sig <= 15 && push_g_decimal(out, v, sig) {
        return;
    }
    let mut b = FloatBuf {
        buf: [0; 64],
        len: 0,
    };
    if write!(b, "{:.*e}", sig - 1, v).is_err() {
        out.push_str(&format_g_slow(v, sig));
        return;
    }
    let s = std::str::from_utf8(&b.buf[..b.len]).unwrap_or("");
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= sig as i32 {
        out.push_str(trim_zeros(mant));
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(itoa::Buffer::new().format(a));
        return;
    }
    let (neg, mant) = match mant.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mant),
    };
    if neg {
        out.push('-');
    }
    // The significant digits, without the point: `sig` of them.
    let (d0, rest) = mant.split_at(1);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    if exp >= 0 {
        let int_len = exp as usize; // digits of `rest` before the point
        out.push_str(d0);
        out.push_str(&rest[..int_len]);
        let frac = rest[int_len..].trim_end_matches('0');
        if !frac.is_empty() {
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(d0);
        out.push_str(rest.trim_end_matches('0'));
    }
}

/// `%.{sig}g` (`sig` <= 15) of a `v` that is the double nearest to a decimal `D` with at
/// most 5 decimals, at most `sig` significant digits and 1e-4 <= |D| < 10^sig (camera
/// rationals, ICC s15Fixed16 values rounded to 5 decimals, integers): `v` is within 2^-53
/// relative of `D`, far less than half a unit in `D`'s 15th digit, so `%g` prints `D`, which
/// is written here with integer arithmetic. Returns false, writing nothing, for other values.
fn push_g_decimal(out: &mut String, v: f64, sig: usize) -> bool {
    const SCALE: f64 = 1e5;
    let a = v.abs();
    if !(1e-4..1e10).contains(&a) {
        return false;
    }
    let m = (a * SCALE).round();
    if m / SCALE != a || m < 10.0 {
        return false;
    }
    let m = m as u64;
    let (int, frac) = (m / 100_000, m % 100_000);
    if int >= 10u64.pow(sig as u32) {
        return false;
    }
    let mut t = m;
    while t.is_multiple_of(10) {
        t /= 10;
    }
    let mut digits = 0;
    while t > 0 {
        t /= 10;
        digits += 1;
    }
    if digits > sig {
        return false;
    }
    if v < 0.0 {
        out.push('-');
    }
    let mut ib = itoa::Buffer::new();
    out.push_str(ib.format(int));
    if frac != 0 {
        out.push('.');
        // 1xxxxx: the 5 decimals with their leading zeros.
        out.push_str(ib.format(frac + 100_000)[1..].trim_end_matches('0'));
    }
    true
}

/// The former `%g` (two `format!` passes), kept as the fallback of [`push_g_finite`] for
/// precisions too long for its buffer and as the reference of its tests.
fn format_g_slow(v: f64, sig: usize) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let sig = sig.max(1);
    let e_repr = format!("{:.*e}", sig - 1, v);
    let (mant, exp) = e_repr.split_once('e').unwrap_or((&e_repr, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= sig as i32 {
        let mant = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, v)).to_string()
    }
}

#[cfg(test)]
mod g_tests {
    use super::{format_g, format_g_slow};

    #[test]
    fn fast_g_equals_two_pass_g() {
        let mut vals: Vec<f64> = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            1.5,
            2.5,
            9.5,
            99.5,
            999.5,
            0.05,
            0.15,
            0.25,
            1e-5,
            -1e-5,
            1e-4,
            9.99995e-5,
            0.000123456,
            1e21,
            1e20,
            1e15,
            1e16,
            1e17,
            123456789012345.6,
            999999999999999.9,
            999_999_999_999_999.9,
            1e-300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            -f64::MAX,
            1.0 / 3.0,
            2.0 / 3.0,
            0.1,
            0.2,
            0.3,
            100.0,
            1000.0,
            12345.678,
            72.0,
            2.8,
            1.0 / 200.0,
            1.0 / 1250.0,
            4.5,
            0.999999,
            9.999999999,
            99.99,
            0.00999,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-4,
            1e-3,
            0.01,
            0.1,
            9.99999e9,
            1e10,
            0.00015,
            0.00099999,
            99999.99999,
            1e9,
            123456789.12345,
        ];
        // Pseudo-random values over many magnitudes, plus halves and rationals.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for i in 0..40_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let m = (x >> 11) as f64 / (1u64 << 53) as f64;
            let e = (i % 60) as i32 - 30;
            let sign = if x & 1 == 0 { 1.0 } else { -1.0 };
            vals.push(sign * m * 10f64.powi(e));
            vals.push(((x >> 40) as f64 + 0.5) / 10f64.powi((i % 8) as i32));
            vals.push((x % 100_000) as f64 / ((x >> 20) % 10_000 + 1) as f64);
            vals.push(f64::from_bits(x));
            // Decimals with few digits (the fast path), negative too.
            vals.push((x % 1_000_000_000_000) as f64 / 1e5);
            vals.push(-((x % 100_000_000) as f64) / 1e5);
            vals.push((x % 10_000) as f64 / 1e3);
            vals.push((x % 1000) as f64 / 1e2);
            vals.push((x % 100_000) as f64 / 1e5);
            vals.push((x % 100) as f64 / 1e4);
            vals.push((x % 1_000_000) as f64);
        }
        for &v in &vals {
            for sig in [1, 2, 3, 4, 6, 7, 10, 15, 16, 17, 20] {
                assert_eq!(format_g(v, sig), format_g_slow(v, sig), "{v:e} sig {sig}");
            }
        }
        assert_eq!(format_g(1.0, 70), format_g_slow(1.0, 70));
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// `sprintf("%.{d}f")`.
pub fn fixed(v: f64, d: usize) -> String {
    if let Some(s) = fixed_fast(v, d) {
        return s;
    }
    let s = format!("{:.*}", d, v);
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
        // C prints "-0.0" for small negatives too; keep it.
        return s;
    }
    s
}

/// `format!("{:.d$}", v)` for a positive `v` with integer arithmetic, when that gives the
/// same digits: `v * 10^d` is within 2^-52 relative of the exact product, so unless its
/// fraction is within 1e-6 of one half (then `None`, and the caller formats), the nearest
/// integer to it is the nearest to the exact value, which is what `format!` rounds to.
pub(crate) fn fixed_fast(v: f64, d: usize) -> Option<String> {
    const POW: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    const IPOW: [u64; 7] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
    if v.is_nan() || v <= 0.0 || d >= POW.len() {
        return None;
    }
    let x = v * POW[d];
    if x >= 1e15 {
        return None;
    }
    let fl = x.floor();
    let frac = x - fl;
    if (frac - 0.5).abs() < 1e-6 {
        return None;
    }
    let k = fl as u64 + u64::from(frac > 0.5);
    let (int, fr) = (k / IPOW[d], k % IPOW[d]);
    let mut out = String::with_capacity(24);
    out.push_str(itoa::Buffer::new().format(int));
    if d > 0 {
        out.push('.');
        let mut b = itoa::Buffer::new();
        let f = b.format(fr);
        for _ in f.len()..d {
            out.push('0');
        }
        out.push_str(f);
    }
    Some(out)
}

fn is_json_number(s: &str) -> bool {
    // ExifTool's JSON writer: /^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$/i
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - start;
    if int_len == 0 || int_len > 15 || (int_len > 1 && b[start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs || i - fs > 16 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es || i - es > 3 {
            return false;
        }
    }
    i == b.len()
}

/// A printed value as `exiftool -json` types it: a number when it looks like one.
pub fn json_value(s: String) -> Value {
    if is_json_number(&s) {
        if !s.contains(['.', 'e', 'E']) {
            if let Ok(i) = s.parse::<i64>() {
                return Value::from(i);
            }
        }
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    Value::String(s)
}

fn is_float(s: &str) -> bool {
    let s = s.trim_start_matches(['+', '-']);
    !s.is_empty() && s.parse::<f64>().is_ok() && !s.contains(['i', 'n', 'I', 'N', ' '])
}

pub fn print_exposure_time(s: &str) -> String {
    if !is_float(s) {
        return s.to_string();
    }
    let secs: f64 = s.parse().unwrap_or(0.0);
    if secs < 0.25001 && secs > 0.0 {
        let d = (0.5 + 1.0 / secs).trunc() as i64;
        return crate::bytes::cat(&["1/", itoa::Buffer::new().format(d)]);
    }
    let r = fixed(secs, 1);
    r.strip_suffix(".0").map(str::to_string).unwrap_or(r)
}

pub fn print_fnumber(s: &str) -> String {
    if is_float(s) {
        let v: f64 = s.parse().unwrap_or(0.0);
        if v > 0.0 {
            return fixed(v, if v < 1.0 { 2 } else { 1 });
        }
    }
    s.to_string()
}

pub fn print_fraction(v: f64) -> String {
    let v = v * 1.00001;
    if v == 0.0 {
        return "0".into();
    }
    let t = |x: f64| x.trunc();
    if t(v) / v > 0.999 {
        format!("{:+}", t(v) as i64)
    } else if t(v * 2.0) / (v * 2.0) > 0.999 {
        format!("{:+}/2", t(v * 2.0) as i64)
    } else if t(v * 3.0) / (v * 3.0) > 0.999 {
        format!("{:+}/3", t(v * 3.0) as i64)
    } else {
        let g = format_g(v, 3);
        if g.starts_with('-') {
            g
        } else {
            format!("+{g}")
        }
    }
}

/// GPS::ToDMS with the default CoordFormat (`%d deg %d' %.2f"`), `ref_` like " N" or "".
pub fn to_dms(deg: f64, ref_: &str) -> String {
    let val = deg.abs();
    let mut d = val.trunc();
    let mut m = ((val - d) * 60.0).trunc();
    let s = (val - d - m / 60.0) * 3600.0;
    let mut s_str = fixed(s, 2);
    if s_str.parse::<f64>().unwrap_or(0.0) >= 60.0 {
        let s2 = s_str.parse::<f64>().unwrap_or(60.0) - 60.0;
        s_str = fixed(s2, 2);
        m += 1.0;
        if m >= 60.0 {
            m -= 60.0;
            d += 1.0;
        }
    }
    format!("{} deg {}' {}\"{}", d as i64, m as i64, s_str, ref_)
}

/// GPS::ToDegrees on a "d m s" string.
pub fn to_degrees(s: &str) -> Option<f64> {
    if s.contains("inf") || s.contains("undef") {
        return None;
    }
    let nums: Vec<f64> = s
        .split_whitespace()
        .filter_map(|x| x.parse::<f64>().ok())
        .collect();
    let d = *nums.first()?;
    let m = nums.get(1).copied().unwrap_or(0.0);
    let sec = nums.get(2).copied().unwrap_or(0.0);
    Some(d + (m + sec / 60.0) / 60.0)
}

fn convert_time_stamp(s: &str) -> String {
    let n: Vec<f64> = s
        .split_whitespace()
        .map(|x| x.parse::<f64>().unwrap_or(0.0))
        .collect();
    let mut f = (n.first().copied().unwrap_or(0.0) * 60.0 + n.get(1).copied().unwrap_or(0.0))
        * 60.0
        + n.get(2).copied().unwrap_or(0.0);
    let mut h = (f / 3600.0).trunc();
    f -= h * 3600.0;
    let mut m = (f / 60.0).trunc();
    f -= m * 60.0;
    let mut ss = format!("{:012.9}", f);
    if ss.parse::<f64>().unwrap_or(0.0) >= 60.0 {
        ss = "00".into();
        m += 1.0;
        if m >= 60.0 {
            m -= 60.0;
            h += 1.0;
        }
    } else {
        // s/\.?0+$//
        let t = ss.trim_end_matches('0');
        ss = t.strip_suffix('.').unwrap_or(t).to_string();
    }
    format!("{:02}:{:02}:{}", h as i64, m as i64, ss)
}

fn print_time_stamp(s: &str) -> String {
    // s/:(\d{2}\.\d+)$// then round to microseconds
    if let Some(pos) = s.rfind(':') {
        let tail = &s[pos + 1..];
        let ok = tail.len() > 3
            && tail.as_bytes().get(2) == Some(&b'.')
            && tail[..2].bytes().all(|c| c.is_ascii_digit())
            && tail[3..].bytes().all(|c| c.is_ascii_digit());
        if ok {
            let v: f64 = tail.parse().unwrap_or(0.0);
            let r = (v * 1_000_000.0 + 0.5).trunc() / 1_000_000.0;
            let mut rs = format_g(r, 15);
            if r < 10.0 {
                rs = format!("0{rs}");
            }
            return format!("{}:{}", &s[..pos], rs);
        }
    }
    s.to_string()
}

fn exif_date(s: &str) -> String {
    let s = s.trim_end_matches('\0');
    // s/(\d{4})[^\d]*(\d{2})[^\d]*(\d{2})$/$1:$2:$3/
    let digits: Vec<(usize, char)> = s.char_indices().collect();
    let n = digits.len();
    if n >= 8 {
        // Find the last two 2-digit groups and a 4-digit group, scanning from the end.
        let chars: Vec<char> = s.chars().collect();
        if chars[n - 1].is_ascii_digit() && chars[n - 2].is_ascii_digit() {
            let mut i = n - 2;
            while i > 0 && !chars[i - 1].is_ascii_digit() {
                i -= 1;
            }
            if i >= 2 && chars[i - 1].is_ascii_digit() && chars[i - 2].is_ascii_digit() {
                let mid_end = i;
                let mut j = mid_end - 2;
                while j > 0 && !chars[j - 1].is_ascii_digit() {
                    j -= 1;
                }
                if j >= 4 && chars[j - 4..j].iter().all(|c| c.is_ascii_digit()) {
                    let prefix: String = chars[..j - 4].iter().collect();
                    let y: String = chars[j - 4..j].iter().collect();
                    let mo: String = chars[mid_end - 2..mid_end].iter().collect();
                    let d: String = chars[n - 2..].iter().collect();
                    return format!("{prefix}{y}:{mo}:{d}");
                }
            }
        }
    }
    s.to_string()
}

/// Exif::ConvertExifText (UserComment, GPSProcessingMethod, ...).
pub fn convert_exif_text(b: &[u8], e: Endian) -> String {
    if b.len() < 8 {
        return super::decode_text(b).trim_end_matches('\0').to_string();
    }
    let (id, rest) = b.split_at(8);
    let ascii_like = {
        let tail = if id.starts_with(b"ASCII") {
            &id[5..]
        } else {
            id
        };
        tail.first() == Some(&0) || tail.iter().all(|&c| c == 0 || c == b' ')
    };
    let s = if ascii_like {
        let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        super::decode_text(&rest[..end])
    } else if id.starts_with(b"UNICODE") && matches!(id[7], 0 | b' ') {
        decode_utf16_guess(rest, e)
    } else {
        super::decode_text(b).trim_end_matches('\0').to_string()
    };
    s.trim_end_matches(' ').to_string()
}

fn decode_utf16_guess(b: &[u8], e: Endian) -> String {
    // ExifTool guesses the byte order from where the zero bytes are.
    let even = b.iter().step_by(2).filter(|&&c| c == 0).count();
    let odd = b.iter().skip(1).step_by(2).filter(|&&c| c == 0).count();
    let le = if even == odd {
        e == Endian::Little
    } else {
        odd > even
    };
    decode_utf16(b, le)
}

pub fn decode_utf16(b: &[u8], le: bool) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

fn print_lens_info(s: &str) -> String {
    let vals: Vec<&str> = s.split_whitespace().collect();
    if vals.len() != 4 {
        return s.to_string();
    }
    let mut v: Vec<String> = Vec::new();
    for x in &vals {
        if is_float(x) {
            v.push(x.to_string());
        } else if *x == "inf" || *x == "undef" {
            v.push("?".into());
        } else {
            return s.to_string();
        }
    }
    let truthy = |x: &str| !(x == "0" || x.is_empty());
    let mut out = v[0].clone();
    if truthy(&v[1]) && v[1] != v[0] {
        out.push_str(&format!("-{}", v[1]));
    }
    out.push_str(&format!("mm f/{}", v[2]));
    if truthy(&v[3]) && v[3] != v[2] {
        out.push_str(&format!("-{}", v[3]));
    }
    out
}

fn cfa_pattern(b: &[u8], e: Endian) -> String {
    if b.len() < 4 {
        return "<truncated data>".into();
    }
    let rd = |o: usize| crate::bytes::u16_at(b, o, e).unwrap_or(0) as usize;
    let (mut w, mut h) = (rd(0), rd(2));
    let pat = &b[4..];
    if w * h > pat.len() {
        let (w2, h2) = (
            crate::bytes::u16_at(b, 0, swap(e)).unwrap_or(0) as usize,
            crate::bytes::u16_at(b, 2, swap(e)).unwrap_or(0) as usize,
        );
        if w2 * h2 <= pat.len() {
            w = w2;
            h = h2;
        }
    }
    if w == 0 || h == 0 {
        return "<zero pattern size>".into();
    }
    if w * h > pat.len() {
        return "<invalid pattern size>".into();
    }
    let colors = ["Red", "Green", "Blue", "Cyan", "Magenta", "Yellow", "White"];
    let mut out = String::from("[");
    for (i, &c) in pat.iter().take(w * h).enumerate() {
        out.push_str(colors.get(c as usize).copied().unwrap_or("Unknown"));
        if i + 1 == w * h {
            break;
        }
        if (i + 1) % h != 0 {
            out.push(',');
        } else {
            out.push_str("][");
        }
    }
    out.push(']');
    out
}

fn swap(e: Endian) -> Endian {
    match e {
        Endian::Big => Endian::Little,
        Endian::Little => Endian::Big,
    }
}

fn map_print(def: &TagDef, key: &str, hex: bool) -> String {
    if let Some((_, v)) = def.map.iter().find(|(k, _)| *k == key) {
        return v.to_string();
    }
    if hex {
        if let Ok(n) = key.parse::<i64>() {
            return format!("Unknown (0x{n:x})");
        }
    }
    format!("Unknown ({key})")
}

/// The converted value of one tag: (printed value, numeric/ValueConv value).
pub fn convert(name: &str, def: &TagDef, raw: &Raw, e: Endian) -> Option<(Value, Option<Value>)> {
    let text = raw.to_text();
    let text_has_space = text.contains(' ');
    // ValueConv
    let vc: String = match name {
        "ShutterSpeedValue" => match raw.first_number() {
            Some(v) if v.abs() < 100.0 => format_g(2f64.powf(-v), 15),
            Some(_) => "0".into(),
            None => text.clone(),
        },
        "ApertureValue" | "MaxApertureValue" => match raw.first_number() {
            Some(v) => format_g(2f64.powf(v / 2.0), 15),
            None => text.clone(),
        },
        "GPSLatitude" | "GPSLongitude" | "GPSDestLatitude" | "GPSDestLongitude" => {
            match to_degrees(&text) {
                Some(d) => format_g(d, 15),
                None => String::new(),
            }
        }
        "GPSTimeStamp" => convert_time_stamp(&text),
        "GPSDateStamp" => exif_date(&text),
        "UserComment" | "GPSProcessingMethod" | "GPSAreaInformation" => match raw {
            Raw::Undef(b) | Raw::Str(b) => convert_exif_text(b, e),
            _ => text.clone(),
        },
        "XPTitle" | "XPComment" | "XPAuthor" | "XPKeywords" | "XPSubject" => match raw {
            Raw::Undef(b) | Raw::Str(b) => decode_utf16(b, true),
            Raw::Int(v) => {
                let b: Vec<u8> = v.iter().map(|&x| x as u8).collect();
                decode_utf16(&b, true)
            }
            _ => text.clone(),
        },
        "ExifVersion" | "FlashpixVersion" | "InteropVersion" => {
            text.trim_end_matches('\0').to_string()
        }
        "SubSecTime" | "SubSecTimeOriginal" | "SubSecTimeDigitized" => {
            text.trim_end_matches(' ').to_string()
        }
        "Make" | "Model" | "Software" | "Artist" => text.trim_end().to_string(),
        "Copyright" => {
            let b = match raw {
                Raw::Undef(b) | Raw::Str(b) => b.clone(),
                _ => text.clone().into_bytes(),
            };
            copyright(&b)
        }
        "StripOffsets" | "StripByteCounts" | "TileOffsets" | "TileByteCounts" | "FreeOffsets"
        | "FreeByteCounts" => {
            if text.len() > 32 {
                return None;
            }
            text.clone()
        }
        "CFAPattern" => match raw {
            Raw::Undef(b) => return Some((Value::String(cfa_pattern(b, e)), None)),
            _ => text.clone(),
        },
        _ => text,
    };
    if matches!(raw, Raw::Undef(_)) && !undef_is_text(name) && def.map.is_empty() {
        // Undefined-format blobs ExifTool does not convert print as binary data.
        let n = raw.count();
        if vc
            .bytes()
            .any(|c| c < 0x20 && c != b'\n' && c != b'\r' && c != b'\t')
        {
            return Some((
                Value::String(format!("(Binary data {n} bytes, use -b option to extract)")),
                None,
            ));
        }
    }
    // PrintConv
    let pc: String = if !def.map.is_empty() {
        match name {
            "ComponentsConfiguration" => vc
                .split_whitespace()
                .map(|k| {
                    def.map
                        .iter()
                        .find(|(kk, _)| *kk == k)
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_else(|| format!("Err ({k})"))
                })
                .collect::<Vec<_>>()
                .join(", "),
            _ => map_print(def, &vc, matches!(name, "Flash" | "ColorSpace")),
        }
    } else {
        match name {
            "ExposureTime" | "ShutterSpeedValue" => print_exposure_time(&vc),
            "FNumber" => print_fnumber(&vc),
            "ApertureValue" | "MaxApertureValue" => match vc.parse::<f64>() {
                Ok(v) => fixed(v, 1),
                Err(_) => vc.clone(),
            },
            "ExposureCompensation" => match raw.first_number() {
                Some(v) if !text_has_space => print_fraction(v),
                _ => vc.clone(),
            },
            "SubjectDistance" | "GPSAltitude" => {
                if vc == "inf" || vc == "undef" {
                    vc.clone()
                } else {
                    format!("{vc} m")
                }
            }
            "GPSHPositioningError" => format!("{vc} m"),
            "FocalLength" => match raw.first_number() {
                Some(v) => format!("{} mm", fixed(v, 1)),
                None => vc.clone(),
            },
            "FocalLengthIn35mmFormat" => format!("{vc} mm"),
            "AmbientTemperature" => format!("{vc} C"),
            "ISO" => vc.split_whitespace().collect::<Vec<_>>().join(", "),
            "GPSVersionID" | "DNGVersion" | "DNGBackwardVersion" | "CacheVersion" => {
                vc.replace(' ', ".")
            }
            "GPSLatitude" | "GPSLongitude" | "GPSDestLatitude" | "GPSDestLongitude" => {
                match vc.parse::<f64>() {
                    Ok(d) => to_dms(d, ""),
                    Err(_) => vc.clone(),
                }
            }
            "GPSTimeStamp" => print_time_stamp(&vc),
            "LensInfo" | "DNGLensInfo" => print_lens_info(&vc),
            "FrameRate" => match vc.parse::<f64>() {
                Ok(v) => format_g((v * 1000.0 + 0.5).trunc() / 1000.0, 15),
                Err(_) => vc.clone(),
            },
            "SampleFormat" => vc
                .split_whitespace()
                .map(|k| match k {
                    "1" => "Unsigned".to_string(),
                    "2" => "Signed".to_string(),
                    "3" => "Float".to_string(),
                    "4" => "Undefined".to_string(),
                    "5" => "Complex int".to_string(),
                    "6" => "Complex float".to_string(),
                    _ => format!("Unknown ({k})"),
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => {
                // PrintConv is the ValueConv: convert the text once.
                let v = json_value(vc);
                return Some((v.clone(), Some(v)));
            }
        }
    };
    Some((json_value(pc), Some(json_value(vc))))
}

fn undef_is_text(name: &str) -> bool {
    matches!(
        name,
        "ExifVersion"
            | "FlashpixVersion"
            | "InteropVersion"
            | "UserComment"
            | "GPSProcessingMethod"
            | "GPSAreaInformation"
            | "Copyright"
            | "XPTitle"
            | "XPComment"
            | "XPAuthor"
            | "XPKeywords"
            | "XPSubject"
            | "GPSDateStamp"
            | "CFAPattern"
    )
}

fn copyright(b: &[u8]) -> String {
    let s = super::decode_text(b);
    // s/ *\0/\n/; s/ *\0.*//s; s/\n$//;
    let mut s = match s.find('\0') {
        Some(i) => {
            let head = s[..i].trim_end_matches(' ').to_string();
            format!("{head}\n{}", &s[i + 1..])
        }
        None => s,
    };
    if let Some(i) = s.find('\0') {
        s = s[..i].trim_end_matches(' ').to_string();
    }
    s.strip_suffix('\n').map(str::to_string).unwrap_or(s)
}

/// PrintIM (0xc4a5): `PrintIM` header, version, entry count; ExifTool prints only the version.
pub fn print_im(meta: &mut Metadata, b: &[u8], e: Endian) {
    let _ = e;
    if b.len() < 16 || !b.starts_with(b"PrintIM") {
        return;
    }
    let v = super::decode_text(&b[8..12]);
    meta.add("printim", "PrintIMVersion", v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g_format() {
        assert_eq!(format_g(4438.356164383562, 10), "4438.356164");
        assert_eq!(format_g(0.00625, 10), "0.00625");
        assert_eq!(format_g(1e-5, 10), "1e-05");
        assert_eq!(format_g(72.0, 10), "72");
        assert_eq!(format_g(123456789012.0, 10), "1.23456789e+11");
    }

    #[test]
    fn prints() {
        assert_eq!(print_exposure_time("0.00625"), "1/160");
        assert_eq!(print_exposure_time("2"), "2");
        assert_eq!(print_exposure_time("0.5"), "0.5");
        assert_eq!(print_fnumber("7.1"), "7.1");
        assert_eq!(print_fraction(0.0), "0");
        assert_eq!(print_fraction(-1.0 / 3.0), "-1/3");
        assert_eq!(print_fraction(0.7), "+0.7");
        assert_eq!(print_fraction(2.0), "+2");
        assert_eq!(to_dms(43.467447, ""), "43 deg 28' 2.81\"");
        assert_eq!(convert_time_stamp("14 27 7.24"), "14:27:07.24");
        assert_eq!(exif_date("2008:10:23\0"), "2008:10:23");
        assert_eq!(print_lens_info("24 70 2.8 2.8"), "24-70mm f/2.8");
        assert_eq!(json_value("0220".into()), Value::String("0220".into()));
        assert_eq!(json_value("72".into()), Value::from(72));
    }

    #[test]
    fn exif_text() {
        assert_eq!(
            convert_exif_text(b"ASCII\0\0\0hello  \0junk", Endian::Little),
            "hello"
        );
        assert_eq!(convert_exif_text(&[0u8; 20], Endian::Little), "");
        let mut u = b"UNICODE\0".to_vec();
        u.extend_from_slice(&[b'h', 0, b'i', 0]);
        assert_eq!(convert_exif_text(&u, Endian::Big), "hi");
    }
}
