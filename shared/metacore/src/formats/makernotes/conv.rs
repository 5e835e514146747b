//! Conditions and conversions of table entries: vendor code for the snippets the generic
//! Perl evaluator cannot run, the evaluator for the rest, hash and bitmask print tables.

use super::perl::{self, Env, P};
use super::value::{json, Val};
use super::{Entry, State, Tag};
use serde_json::Value;

pub fn to_p(v: &Val) -> P {
    match v {
        Val::Nums(n) if n.len() == 1 => P::Num(n[0]),
        Val::Str(s) => P::Str(s.clone()),
        _ => P::Str(v.text()),
    }
}

pub fn from_p(p: P) -> Option<Val> {
    match p {
        P::Num(x) => Some(Val::one(x)),
        P::Str(s) => Some(Val::Str(s)),
        P::Undef => None,
    }
}

struct Ev<'a, 'm> {
    st: &'a State<'m>,
    v: P,
    bytes: Option<&'a [u8]>,
    entry: Option<&'a Entry<'a>>,
}

impl Env for Ev<'_, '_> {
    fn val(&self) -> P {
        self.v.clone()
    }
    fn member(&self, name: &str) -> P {
        match name {
            "Make" => P::Str(self.st.make.clone()),
            "Model" if self.st.model.is_empty() => {
                self.st.members.get("Model").map(to_p).unwrap_or(P::Undef)
            }
            "Model" => P::Str(self.st.model.clone()),
            _ => self.st.members.get(name).map(to_p).unwrap_or(P::Undef),
        }
    }
    fn value_bytes(&self) -> P {
        match self.bytes {
            Some(b) => P::Str(b.iter().take(4096).map(|&c| c as char).collect()),
            None => P::Undef,
        }
    }
    fn format(&self) -> P {
        match self.entry {
            Some(e) => P::Str(super::format_name(e.fmt).to_string()),
            None => P::Undef,
        }
    }
    fn count(&self) -> P {
        match self.entry {
            Some(e) => P::Num(e.count as f64),
            None => P::Undef,
        }
    }
}

pub fn eval(st: &State, code: &'static str, v: &Val) -> Option<P> {
    perl::eval_static(
        code,
        &Ev {
            st,
            v: to_p(v),
            bytes: None,
            entry: None,
        },
    )
}

/// Evaluates a tag's Condition; conditions beyond the evaluator count as false.
pub fn condition(st: &State, tag: &Tag, e: Option<&Entry>, bytes: &[u8]) -> bool {
    if let Some(b) = super::canon::condition(st, tag.cond) {
        return b;
    }
    let env = Ev {
        st,
        v: P::Undef,
        bytes: Some(bytes),
        entry: e,
    };
    let r = perl::eval_static(tag.cond, &env).map(|p| p.truthy());
    r.unwrap_or(false)
}

pub fn raw_conv(st: &State, tag: &Tag, v: Val) -> Option<Val> {
    let mut code = tag.raw.trim();
    // "$$self{Name} = $val; ..." stores a data member (done for every tag) first
    while let Some(rest) = code.strip_prefix("$$self{") {
        match rest.find("} = $val;") {
            Some(p) if !rest[..p].contains(' ') => code = rest[p + 9..].trim(),
            _ => break,
        }
    }
    if code.is_empty() || code == "$val" {
        return Some(v);
    }
    match code {
        "$val ? $val : undef" | "$val || undef" => return v.truthy().then_some(v),
        "$val=~s/\\s+$//;$val" => return Some(Val::Str(v.text().trim_end().to_string())),
        "$_ = $self->Decode($val, \"UCS2\"); s/\\0.*//; $_" => {
            let Val::Bytes(b) = &v else { return Some(v) };
            // (Reconyx notes are little-endian)
            let units: Vec<u16> = b
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&units);
            return Some(Val::Str(s.split('\0').next().unwrap_or("").to_string()));
        }
        _ => {}
    }
    match eval(st, code, &v) {
        Some(P::Undef) => None,
        // the same number prints the same (`P::text` and `Val::text` are both `%.15g`)
        Some(P::Num(x)) if matches!(&v, Val::Nums(n) if n.len() == 1 && n[0].to_bits() == x.to_bits()) => {
            Some(v)
        }
        Some(p) if p.text() == v.text() => Some(v),
        Some(p) => from_p(p),
        None => Some(v),
    }
}

pub fn value_conv(st: &State, tag: &Tag, v: Val) -> Option<Val> {
    if tag.value.is_empty() {
        return Some(v);
    }
    if let Some(r) = super::apple::value(st, tag, &v)
        .or_else(|| super::canon::value(st, tag, &v))
        .or_else(|| super::nikon::value(st, tag, &v))
        .or_else(|| super::olympus::value(st, tag, &v))
        .or_else(|| super::other::value(st, tag, &v))
    {
        return r;
    }
    eval(st, tag.value, &v).and_then(from_p)
}

/// ExifTool's DecodeBits.
pub fn decode_bits(vals: &[f64], bits: &[(u32, &str)], width: u32) -> String {
    let mut out = Vec::new();
    let mut num = 0;
    for &x in vals {
        let x = x as i64 as u64;
        for i in 0..width {
            if x & (1u64 << i) != 0 {
                let n = i + num;
                match bits.iter().find(|(b, _)| *b == n) {
                    Some((_, s)) => out.push(s.to_string()),
                    None => out.push(format!("[{n}]")),
                }
            }
        }
        num += width;
    }
    if out.is_empty() {
        "(none)".into()
    } else {
        out.join(", ")
    }
}

pub fn print_conv(st: &State, tag: &Tag, v: &Val) -> Option<Value> {
    if let Some(r) = super::apple::print(st, tag, v)
        .or_else(|| super::canon::print(st, tag, v))
        .or_else(|| super::nikon::print(st, tag, v))
        .or_else(|| super::olympus::print(st, tag, v))
        .or_else(|| super::other::print(st, tag, v))
    {
        return r;
    }
    if !tag.map.is_empty() || !tag.bits.is_empty() {
        let mut buf = itoa::Buffer::new();
        let text;
        let key = match int_text(v, &mut buf) {
            Some(k) => k,
            None => {
                text = v.text();
                text.as_str()
            }
        };
        if let Some((_, s)) = tag.map.iter().find(|(k, _)| *k == key) {
            return Some(Value::String(s.to_string()));
        }
        if !tag.bits.is_empty() {
            return Some(Value::String(decode_bits(&v.nums(), tag.bits, 32)));
        }
        if tag.other {
            return None;
        }
        return Some(Value::String(format!("Unknown ({key})")));
    }
    if tag.print.is_empty() || tag.print == "NONE" {
        return match v {
            Val::Bytes(b) => {
                let b = trim_nul(b);
                if b.iter().all(|&c| (0x20..0x7f).contains(&c)) {
                    Some(Value::String(String::from_utf8_lossy(b).into_owned()))
                } else {
                    None
                }
            }
            Val::Str(s) => Some(Value::String(s.clone())),
            _ => Some(json(v.text())),
        };
    }
    eval(st, tag.print, v).map(|p| match p {
        P::Num(x) => json(super::value::fmt_num(x)),
        other => json(other.text()),
    })
}

/// [`Val::text`] of a single whole number below 10^15 in size (`%.15g` prints those as
/// integers, and -0 as 0), written without allocating; `None` for other values.
fn int_text<'b>(v: &Val, buf: &'b mut itoa::Buffer) -> Option<&'b str> {
    match v {
        Val::Nums(n) if n.len() == 1 && n[0].fract() == 0.0 && n[0].abs() < 1e15 => {
            Some(buf.format(n[0] as i64))
        }
        _ => None,
    }
}

fn trim_nul(b: &[u8]) -> &[u8] {
    let mut e = b.len();
    while e > 0 && b[e - 1] == 0 {
        e -= 1;
    }
    &b[..e]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_text_is_text() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            65535.0,
            -32768.0,
            1e14,
            999_999_999_999_999.0,
        ];
        xs.extend((0..2000).map(|i| (i as f64 - 1000.0) * 7919.0));
        xs.extend([0.5, 1e15, 1e16, f64::NAN, f64::INFINITY]);
        for x in xs {
            let v = Val::one(x);
            let mut buf = itoa::Buffer::new();
            if let Some(k) = int_text(&v, &mut buf) {
                assert_eq!(k, v.text(), "{x}");
            }
        }
    }
}
