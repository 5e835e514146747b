//! Kodak, Ricoh, Reconyx and other makers with a single small format each.

use super::value::Val;
use super::{process_binary, tables, State, Tag};
use crate::bytes::Endian;
use serde_json::Value;

pub fn parse(st: &mut State, _tiff: &[u8], _off: usize, mn: &[u8], _e: Endian) {
    let make = st.make.clone();
    let binary = |st: &mut State, name: &str, data: &[u8], endian| {
        if let Some(t) = tables::lookup(name) {
            process_binary(st, t, data, endian);
        }
    };
    if make.starts_with("EASTMAN KODAK")
        && mn.get(12) == Some(&7)
        && !mn.starts_with(b"MM")
        && !mn.starts_with(b"II")
        && !mn.starts_with(b"AOC")
    {
        binary(st, "Image::ExifTool::Kodak::Type3", mn, Endian::Big);
    } else if make.starts_with("Eastman Kodak") && mn.get(41..44) == Some(b"JPG") {
        binary(st, "Image::ExifTool::Kodak::Type4", mn, Endian::Big);
    } else if mn.starts_with(b"\x01\xf1")
        && (mn.get(2..4) == Some(b"\x02\0") || mn.get(2..4) == Some(b"\x03\0") || make == "RECONYX")
    {
        binary(st, "Image::ExifTool::Reconyx::Main", mn, Endian::Little);
    }
}

fn items(v: &Val) -> Vec<String> {
    v.text().split_whitespace().map(str::to_string).collect()
}

fn num(s: Option<&String>) -> f64 {
    s.map(|x| super::perl::leading_num(x)).unwrap_or(0.0)
}

/// `sprintf(FMT, split(" ", $val))` and similar list forms.
fn sprintf_split(code: &str, v: &Val) -> Option<String> {
    let rest = code
        .strip_prefix("sprintf(\"")
        .or_else(|| code.strip_prefix("sprintf('"))?;
    let q = if code.starts_with("sprintf(\"") {
        '"'
    } else {
        '\''
    };
    let end = rest.find(q)?;
    let fmt = &rest[..end];
    let tail: String = rest[end + 1..]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if tail != ",split(\"\",$val))" && tail != ",split('',$val))" {
        return None;
    }
    let args: Vec<super::perl::P> = items(v)
        .iter()
        .map(|x| super::perl::P::Num(super::perl::leading_num(x)))
        .collect();
    super::perl::sprintf(fmt, &args)
}

/// ValueConv snippets shared by several makers.
pub fn value(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Val>> {
    let code = tag.value;
    if let Some(s) = sprintf_split(code, v) {
        return Some(Some(Val::Str(s)));
    }
    let it = items(v);
    Some(match code {
        "my @a=split(\" \",$val); $_ /= 10 foreach @a; \"@a\"" => Some(Val::Str(
            it.iter()
                .map(|x| super::value::fmt_num(super::perl::leading_num(x) / 10.0))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "my @v=split(\" \",$val); ($v[0]<<16) + $v[1]" => Some(Val::one(
            ((num(it.first()) as i64) << 16) as f64 + num(it.get(1)),
        )),
        "$val =~ s/\\s+$//; $val" | "$val=~s/\\s+$//;$val" => {
            Some(Val::Str(v.text().trim_end().to_string()))
        }
        "$val =~ s/\\S* //; $val" => {
            let t = v.text();
            Some(Val::Str(match t.find(' ') {
                Some(p) if !t[..p].contains(char::is_whitespace) => t[p + 1..].to_string(),
                _ => t,
            }))
        }
        "$val=~s/\\xff+$//; $val" => {
            Some(Val::Str(v.text().trim_end_matches('\u{ff}').to_string()))
        }
        "my @a=split(\" \",$val); sprintf(\"%x %.2x %.2x\",@a[0,2,3])" => Some(Val::Str(format!(
            "{:x} {:02x} {:02x}",
            num(it.first()) as i64,
            num(it.get(2)) as i64,
            num(it.get(3)) as i64
        ))),
        "my @a=split(\" \",$val); sprintf(\"%x %.2x\",@a[0,2])" => Some(Val::Str(format!(
            "{:x} {:02x}",
            num(it.first()) as i64,
            num(it.get(2)) as i64
        ))),
        c if c.contains("return 0 if $a == 0xffffffff;") && c.contains("return $a / 1000;") => {
            let a = num(it.first());
            Some(Val::one(if a == 4294967295.0 { 0.0 } else { a / 1000.0 }))
        }
        c if c.contains("sprintf('%.4x:%.2x:%.2x', $v[0], $v[1]>>8, $v[1]&0xff)") => {
            let (a, b) = (num(it.first()) as i64, num(it.get(1)) as i64);
            Some(Val::Str(format!(
                "{:04x}:{:02x}:{:02x}",
                a,
                b >> 8,
                b & 0xff
            )))
        }
        c if c.contains("sprintf('%.4d:%.2d:%.2d %.2d:%.2d:%.2d', @a[5,3,4,2,1,0])") => {
            let mut a: Vec<i64> = it
                .iter()
                .map(|x| super::perl::leading_num(x) as i64)
                .collect();
            if a.len() < 6 {
                return Some(None);
            }
            if a[0] & 0xff00 != 0 && a[0] & 0xff == 0 {
                for x in a.iter_mut() {
                    *x = (*x >> 8) | ((*x & 0xff) << 8);
                }
            }
            Some(Val::Str(format!(
                "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                a[5], a[3], a[4], a[2], a[1], a[0]
            )))
        }
        "\"On\"" => Some(Val::Str("On".into())),
        _ => return None,
    })
}

/// PrintConv snippets shared by several makers.
pub fn print(st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    use super::value::json;
    let code = tag.print;
    if code == "ARRAY" && !tag.parr.is_empty() {
        return Some(print_array(st, tag, v));
    }
    let it = items(v);
    let some = |s: String| Some(Some(json(s)));
    if code.contains("return 'Off' unless $a;") && code.contains("', Shot ' . $b") {
        let a = num(it.first()) as i64;
        if a == 0 {
            return some("Off".into());
        }
        let d = match a {
            1 => "Left to Right".to_string(),
            2 => "Right to Left".into(),
            3 => "Bottom to Top".into(),
            4 => "Top to Bottom".into(),
            _ => format!("Unknown ({a})"),
        };
        return some(format!(
            "{d}, Shot {}",
            it.get(1).cloned().unwrap_or_default()
        ));
    }
    if code.contains("return \"Single Shot$e\" unless $a;") {
        let g = |i: usize| num(it.get(i)) as i64;
        let e = match g(4) {
            0 => String::new(),
            2 => "; Anti-shock 0".into(),
            4 => "; Electronic shutter".into(),
            x => format!("; Unknown ({x})"),
        };
        if g(0) == 0 {
            return some(format!("Single Shot{e}"));
        }
        let a = if g(0) == 5 && it.len() > 2 {
            let bits = [
                (0, "AE"),
                (1, "WB"),
                (2, "FL"),
                (3, "MF"),
                (4, "ISO"),
                (5, "AE Auto"),
                (6, "Focus"),
            ];
            format!(
                "{} Bracketing",
                super::conv::decode_bits(&[g(2) as f64], &bits, 32)
            )
            .replace(", ", "+")
        } else {
            match g(0) {
                1 => "Continuous Shooting".into(),
                2 => "Exposure Bracketing".into(),
                3 => "White Balance Bracketing".into(),
                4 => "Exposure+WB Bracketing".into(),
                x => format!("Unknown ({x})"),
            }
        };
        return some(format!("{a}, Shot {}{e}", g(1)));
    }
    if code.contains("$b = ($b == 1) ? 'Full' : \"1/$b\";") {
        if num(it.first()) == 0.0 {
            return some("Off".into());
        }
        let b = it.get(1).cloned().unwrap_or_default();
        let b = if b == "1" {
            "Full".to_string()
        } else {
            format!("1/{b}")
        };
        return some(format!("On ({b} strength)"));
    }
    if code.contains("$val =~ /^\\0{4}/ ? 'Off' : 'On, '") {
        let Val::Bytes(b) = v else { return Some(None) };
        if b.len() >= 4 && b[..4] == [0, 0, 0, 0] {
            return some("Off".into());
        }
        let m = b.get(44).map(|x| x & 1).unwrap_or(0);
        return some(format!("On, {}", if m == 1 { "Mode 1" } else { "Mode 2" }));
    }
    if code.contains("my ($a,$b,$c)=split ' ',$val;") && code.contains("CS$a (min CS0, max CS$c)") {
        let (a, b, c) = (num(it.first()), num(it.get(1)), num(it.get(2)));
        let f = super::value::fmt_num;
        if st.model.starts_with("E-1")
            && st
                .model
                .get(3..4)
                .is_none_or(|x| !x.chars().all(char::is_alphanumeric))
        {
            return some(format!("CS{} (min CS0, max CS{})", f(a - b), f(c - b)));
        }
        return some(format!("{} (min {}, max {})", f(a), f(b), f(c)));
    }
    if code.contains("sprintf('%.2f - %.2f m', $a[0] <= $a[1] ? @a : reverse @a)") {
        let (mut a, mut b) = (num(it.first()), num(it.get(1)));
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        return some(format!("{a:.2} - {b:.2} m"));
    }
    if code.contains("return 'n/a' if $v[0] == 65535 or not $v[1] or not $v[3];") {
        let g = |i: usize| num(it.get(i));
        if g(0) == 65535.0 || g(1) == 0.0 || g(3) == 0.0 {
            return some("n/a".into());
        }
        return some(format!(
            "{} {}",
            super::value::fmt_g(g(0) / g(1), 2),
            super::value::fmt_g(g(2) / g(3), 2)
        ));
    }
    if code.contains("my $sign = $val < 0 ? '-' : '+';") {
        let x = v.num(0)?;
        let sign = if x < 0.0 { '-' } else { '+' };
        let h = (x.abs() / 60.0).trunc();
        return some(format!(
            "{sign}{:02}:{:02}",
            h as i64,
            (x.abs() - 60.0 * h) as i64
        ));
    }
    if code.contains("if (/^(\\d{2})(\\d{2})\\0\\0(\\d{2})(\\d{2})\\0\\0(\\d{2})") {
        let b: Vec<u8> = match v {
            Val::Bytes(b) => b.clone(),
            _ => v.text().chars().map(|c| c as u8).collect(),
        };
        let d = |r: std::ops::Range<usize>| {
            b.get(r)
                .filter(|x| x.iter().all(u8::is_ascii_digit))
                .map(|x| String::from_utf8_lossy(x).into_owned())
        };
        if b.len() >= 14 && b[4..6] == [0, 0] && b[10..12] == [0, 0] {
            if let (Some(y), Some(m), Some(dd), Some(h), Some(mi)) =
                (d(0..2), d(2..4), d(6..8), d(8..10), d(12..14))
            {
                let yr: i64 = y.parse().unwrap_or(0);
                let yr = yr + if yr < 70 { 2000 } else { 1900 };
                let mut s = format!("{yr}:{m}:{dd} {h}:{mi}");
                if code.contains("my $sec = $6;") {
                    if let Some(sec) = d(14..16) {
                        s.push_str(&format!(":{sec}"));
                    }
                }
                return some(s);
            }
        }
        let t: String = b
            .iter()
            .map(|&c| if c == 0 { '.' } else { c as char })
            .collect();
        return some(format!("Unknown ({})", t.trim_end_matches('.')));
    }
    if code
        .contains("return $val unless $val=~/^([A-Z][0-9A-Z]{2})(\\d{2})(\\d{2})(\\d{2})(\\d{4})/;")
    {
        let t = v.text();
        let c: Vec<char> = t.chars().collect();
        let ok = c.len() >= 13
            && c[0].is_ascii_uppercase()
            && c[1..3]
                .iter()
                .all(|x| x.is_ascii_digit() || x.is_ascii_uppercase())
            && c[3..13].iter().all(char::is_ascii_digit);
        if !ok {
            return some(t);
        }
        let s = |a: usize, b: usize| c[a..b].iter().collect::<String>();
        let yr: i64 = s(3, 5).parse().unwrap_or(0);
        let yr = yr + if yr < 70 { 2000 } else { 1900 };
        return some(format!(
            "({}) {yr}:{}:{} no. {}",
            s(0, 3),
            s(5, 7),
            s(7, 9),
            s(9, 13)
        ));
    }
    Some(match code {
        "$val =~ tr/ /x/; $val" => Some(json(v.text().replace(' ', "x"))),
        "$val=~tr/ /./; $val" => Some(json(v.text().replace(' ', "."))),
        "$val =~ s/ / of /; $val" => Some(json(v.text().replacen(' ', " of ", 1))),
        "my @v=split \" \",$val; \"$v[0] (min $v[1], max $v[2])\"" => Some(json(format!(
            "{} (min {}, max {})",
            it.first().cloned().unwrap_or_default(),
            it.get(1).cloned().unwrap_or_default(),
            it.get(2).cloned().unwrap_or_default()
        ))),
        "$val=sprintf(\"%x\",$val);$val=~s/(.{3})$/\\.$1/;$val" => {
            let h = format!("{:x}", v.num(0)? as i64);
            Some(json(if h.len() > 3 {
                format!("{}.{}", &h[..h.len() - 3], &h[h.len() - 3..])
            } else {
                h
            }))
        }
        "$self->ConvertDateTime($val)" => Some(json(v.text())),
        "CODE:PrintLensInfo" => Some(json(print_lens_info(&v.text()))),
        _ => return None,
    })
}

/// A list-type PrintConv: each space-separated item converted by its own table or snippet,
/// joined with "; ".
fn print_array(st: &State, tag: &Tag, v: &Val) -> Option<Value> {
    let mut out = Vec::new();
    for (i, item) in items(v).iter().enumerate() {
        let Some(p) = tag.parr.get(i) else {
            out.push(item.clone());
            continue;
        };
        if !p.map.is_empty() {
            match p.map.iter().find(|(k, _)| k == item) {
                Some((_, s)) => out.push(s.to_string()),
                None => out.push(format!("Unknown ({item})")),
            }
        } else if p.code.is_empty() {
            out.push(item.clone());
        } else {
            let x = Val::Str(item.clone());
            out.push(super::conv::eval(st, p.code, &x)?.text());
        }
    }
    Some(super::value::json(out.join("; ")))
}

/// ExifTool's PrintLensInfo: "18 70 3.5 4.5" -> "18-70mm f/3.5-4.5".
pub fn print_lens_info(val: &str) -> String {
    let mut v: Vec<String> = val.split_whitespace().map(str::to_string).collect();
    if v.len() != 4 {
        return val.to_string();
    }
    for x in v.iter_mut() {
        if x.parse::<f64>().is_ok() {
            continue;
        }
        if x == "inf" || x == "undef" {
            *x = "?".into();
            continue;
        }
        return val.to_string();
    }
    let mut s = v[0].clone();
    if v[1] != "0" && v[1] != v[0] {
        s.push_str(&format!("-{}", v[1]));
    }
    s.push_str(&format!("mm f/{}", v[2]));
    if v[3] != "0" && v[3] != v[2] {
        s.push_str(&format!("-{}", v[3]));
    }
    s
}
