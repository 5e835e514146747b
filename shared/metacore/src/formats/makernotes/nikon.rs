//! Nikon maker notes: "Nikon\0\x02" + an embedded TIFF header (offsets relative to it), the
//! older "Nikon\0\x01" type (Coolpix E-series), or a bare IFD.

use super::value::Val;
use super::{process_ifd, tables, Dir, Entry, State, Table, Tag};
use crate::bytes::{u32_at, Endian};
use serde_json::Value;

pub fn parse_type3(st: &mut State, mn: &[u8]) {
    let Some(tiff) = mn.get(10..) else { return };
    let endian = match tiff.get(0..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => {
            st.meta.warn("Bad Nikon maker note header");
            return;
        }
    };
    let Some(ifd) = u32_at(tiff, 4, endian) else {
        return;
    };
    if let Some(t) = tables::lookup("Image::ExifTool::Nikon::Main") {
        process_ifd(
            st,
            t,
            Dir {
                data: tiff,
                base: 0,
                endian,
            },
            ifd as usize,
        );
    }
}

/// Nikon subdirectories that need more than the generic handling; true when handled.
pub fn subdirectory(
    _st: &mut State,
    _tag: &'static Tag,
    _t: &'static Table,
    _dir: Dir,
    _e: &Entry,
) -> bool {
    false
}

/// Nikon's FormatString: the PrintConv of Main-table strings (fixes the case of words).
pub fn format_string(s: &str) -> String {
    if s.chars().count() > 60 {
        let head: String = s.chars().take(55).collect();
        return format!("{head}[...]");
    }
    let mut s = s.trim_end().to_string();
    if !s.contains(['A', 'E', 'I', 'O', 'U', 'Y']) {
        return s;
    }
    let vowel = |c: char| "AEIOUY".contains(c);
    // s/\b([AEIOUY])([A-Z]+)/$1\L$2/g
    let (t, n) = recase(&s, |w: &[char]| {
        if w.len() >= 2 && vowel(w[0]) && w[1].is_ascii_uppercase() {
            Some(
                w.iter()
                    .skip(1)
                    .take_while(|c| c.is_ascii_uppercase())
                    .count(),
            )
        } else {
            None
        }
    });
    s = t;
    if n > 0 {
        s = replace_word(&s, "Af", "AF");
        // s/  +.$//s
        let c: Vec<char> = s.chars().collect();
        if c.len() >= 3 && c[c.len() - 2] == ' ' && c[c.len() - 3] == ' ' {
            let mut k = c.len() - 1;
            while k > 0 && c[k - 1] == ' ' {
                k -= 1;
            }
            s = c[..k].iter().collect();
        }
    }
    // s/\b([A-Z])([A-Z]*[AEIOUY][A-Z]*)/$1\L$2/g
    let (t, n) = recase(&s, |w: &[char]| {
        if w.is_empty() || !w[0].is_ascii_uppercase() {
            return None;
        }
        let run = w
            .iter()
            .skip(1)
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        w[1..1 + run].iter().any(|&c| vowel(c)).then_some(run)
    });
    s = t;
    if n > 0 {
        s = replace_word(&s, "Raw", "RAW");
    }
    s
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// At each word start, `f` says how many letters after the first to lower-case.
fn recase(s: &str, f: impl Fn(&[char]) -> Option<usize>) -> (String, usize) {
    let c: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut n = 0;
    while i < c.len() {
        let boundary = is_word(c[i]) && (i == 0 || !is_word(c[i - 1]));
        if boundary {
            if let Some(k) = f(&c[i..]) {
                out.push(c[i]);
                for ch in &c[i + 1..i + 1 + k] {
                    out.push(ch.to_ascii_lowercase());
                }
                i += 1 + k;
                n += 1;
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    (out, n)
}

fn replace_word(s: &str, from: &str, to: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let f: Vec<char> = from.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < c.len() {
        if c[i..].starts_with(&f)
            && (i == 0 || !is_word(c[i - 1]))
            && c.get(i + f.len()).is_none_or(|&x| !is_word(x))
        {
            out.push_str(to);
            i += f.len();
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Nikon's PrintPC (Picture Control adjustments).
fn print_pc(v: f64, norm: &str, fmt: &str, div: f64) -> String {
    if v == 0.0 {
        return if norm.is_empty() {
            "Normal".into()
        } else {
            norm.into()
        };
    }
    if v == 127.0 {
        return "n/a".into();
    }
    if v == -128.0 {
        return "Auto".into();
    }
    if v == -127.0 {
        return "User".into();
    }
    let f = if fmt.is_empty() { "%+d" } else { fmt };
    super::perl::sprintf(f, &[super::perl::P::Num(v / div)]).unwrap_or_default()
}

/// `my ($a,$b,$c)=unpack("c3",$val); $c ? $a*($b/$c) : 0`
fn unpack3(v: &Val, signed: bool) -> Option<f64> {
    let Val::Bytes(b) = v else { return None };
    let g = |i: usize| {
        b.get(i)
            .map(|&x| if signed { x as i8 as f64 } else { x as f64 })
    };
    let (a, bb, c) = (g(0)?, g(1)?, g(2)?);
    Some(if c != 0.0 { a * (bb / c) } else { 0.0 })
}

pub fn value(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Val>> {
    Some(match tag.value {
        "$_=$val; /^[\\x00-\\x09]/ and $_=join(\"\",unpack(\"CCCC\",$_)); $_" => {
            let b = match v {
                Val::Bytes(b) => b.clone(),
                _ => v.text().into_bytes(),
            };
            if b.first().is_some_and(|&c| c <= 9) {
                Some(Val::Str(b.iter().take(4).map(|c| c.to_string()).collect()))
            } else {
                Some(Val::Str(b.iter().map(|&c| c as char).collect()))
            }
        }
        "$val=~s/( 0)+$//; $val" => {
            let mut t = v.text();
            while let Some(x) = t.strip_suffix(" 0") {
                t = x.to_string();
            }
            Some(Val::Str(t))
        }
        "my ($a,$b,$c)=unpack(\"c3\",$val); $c ? $a*($b/$c) : 0" => {
            Some(Val::one(unpack3(v, true)?))
        }
        "my ($a,$b,$c)=unpack(\"C3\",$val); $c ? $a*($b/$c) : 0" => {
            Some(Val::one(unpack3(v, false)?))
        }
        "$val=~/[\\0-\\x2f]/ ? join(\" \",unpack(\"C*\",$val)) : $val" => {
            let t = v.text();
            if t.chars().any(|c| (c as u32) <= 0x2f) {
                Some(Val::Str(
                    t.chars()
                        .map(|c| (c as u32).to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                ))
            } else {
                Some(Val::Str(t))
            }
        }
        c if c.starts_with("join(\" \", unpack(\"H2\"x") => match v {
            Val::Bytes(b) => Some(Val::Str(
                b.iter()
                    .map(|x| format!("{x:02x}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            _ => None,
        },
        "unpack(\"v\",$val)" => match v {
            Val::Bytes(b) if b.len() >= 2 => {
                Some(Val::one(u16::from_le_bytes([b[0], b[1]]) as f64))
            }
            _ => None,
        },
        _ => return None,
    })
}

pub fn print(st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    use super::value::json;
    let code = tag.print;
    if let Some(args) = code
        .strip_prefix("Image::ExifTool::Nikon::PrintPC($val")
        .and_then(|r| r.strip_suffix(')'))
    {
        // ,"norm","fmt",div
        let parts: Vec<&str> = args
            .split(',')
            .map(|x| x.trim().trim_matches('"'))
            .collect();
        let norm = parts.get(1).copied().unwrap_or("");
        let fmt = parts.get(2).copied().unwrap_or("");
        let div = parts.get(3).and_then(|x| x.parse().ok()).unwrap_or(1.0);
        return Some(Some(json(print_pc(v.num(0)?, norm, fmt, div))));
    }
    if code.starts_with("$_ = $val ? Image::ExifTool::DecodeBits($val,") && code.contains("'AF-P'")
    {
        // Nikon LensType
        let x = v.num(0)? as u32;
        let mut s = if x == 0 {
            "AF".to_string()
        } else {
            super::conv::decode_bits(
                &[x as f64],
                &[
                    (0, "MF"),
                    (1, "D"),
                    (2, "G"),
                    (3, "VR"),
                    (4, "1"),
                    (5, "FT-1"),
                    (6, "E"),
                    (7, "AF-P"),
                ],
                32,
            )
        };
        s = s.replace(',', "");
        s = replace_word(&s, "D G", "G");
        if s.contains(" E") && (s.ends_with(" E") || s.contains(" E ")) {
            s = s.replacen(" E", "", 1);
            s = match s.strip_prefix("G ") {
                Some(r) => format!("E {r}"),
                None if s == "G" => "E".into(),
                None => format!("E {s}"),
            };
        }
        if s.contains(" 1") {
            s = format!("1 {}", s.replacen(" 1", "", 1));
        }
        if s.contains("FT-1 ") {
            s = format!("{} FT-1", s.replacen("FT-1 ", "", 1));
        }
        return Some(Some(json(s)));
    }
    if code.contains("unless ($val & 0x87)") && code.contains("Single-Frame") {
        // ShootingMode
        let x = v.num(0)? as u32;
        let mut pre = String::new();
        if x & 0x87 == 0 {
            if x == 0 {
                return Some(Some(json("Single-Frame".into())));
            }
            pre = "Single-Frame, ".into();
        }
        let bits = [
            (0, "Continuous"),
            (1, "Delay"),
            (2, "PC Control"),
            (3, "Self-timer"),
            (4, "Exposure Bracketing"),
            (5, "Auto ISO"),
            (6, "White-Balance Bracketing"),
            (7, "IR Control"),
            (8, "D-Lighting Bracketing"),
        ];
        return Some(Some(json(
            pre + &super::conv::decode_bits(&[x as f64], &bits, 32),
        )));
    }
    Some(match code {
        "$_=$val;s/^(\\d{2})/$1\\./;s/^0//;$_" => {
            let t = v.text();
            let t = if t.len() >= 2 && t.as_bytes()[..2].iter().all(u8::is_ascii_digit) {
                format!("{}.{}", &t[..2], &t[2..])
            } else {
                t
            };
            Some(json(t.strip_prefix('0').map(str::to_string).unwrap_or(t)))
        }
        "$_=$val;s/^0 //;s/^1 (\\d+)/Hi $1/;$_" | "$_=$val;s/^0 //;$_" => {
            let t = v.text();
            let t = match t.strip_prefix("0 ") {
                Some(r) => r.to_string(),
                None => match t.strip_prefix("1 ") {
                    Some(r)
                        if code.contains("Hi") && r.starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        format!("Hi {r}")
                    }
                    _ => t,
                },
            };
            Some(json(t))
        }
        "$val=~s/ / x /;\"$val um\"" => {
            Some(json(format!("{} um", v.text().replacen(' ', " x ", 1))))
        }
        "$val=~s/\\s+$//;$val" => Some(json(v.text().trim_end().to_string())),
        "$val=~/\\./ or $val.=\".0\"; $val" => {
            let t = v.text();
            Some(json(if t.contains('.') { t } else { format!("{t}.0") }))
        }
        "$self->ConvertDateTime($val)" => Some(json(v.text())),
        "CODE:FormatString" => Some(json(format_string(&v.text()))),
        "" if tag.map.is_empty() && tag.bits.is_empty() && is_main(st, tag) => match v {
            Val::Str(s) => Some(json(format_string(s))),
            _ => return None,
        },
        _ => return None,
    })
}

fn is_main(_st: &State, tag: &Tag) -> bool {
    tables::lookup("Image::ExifTool::Nikon::Main")
        .is_some_and(|t| t.tags.as_ptr_range().contains(&(tag as *const Tag)))
}
