//! Kodak, Ricoh, Reconyx and other makers with a single small format each.

use super::value::Val;
use super::{process_binary, tables, State, Tag};
use crate::bytes::Endian;
use serde_json::Value;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
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
    } else if make.starts_with("RICOH") || make.starts_with("PENTAX RICOH") {
        if mn.starts_with(b"Rev") || mn.starts_with(b"Rv") {
            ricoh_text(st, mn);
        } else if mn.len() > 8
            && (mn[..5].eq_ignore_ascii_case(b"ricoh") || mn.starts_with(b"      "))
        {
            super::run_ifd(
                st,
                "Image::ExifTool::Ricoh::Main",
                super::Dir {
                    data: tiff,
                    base: 0,
                    endian: e,
                },
                off + 8,
            );
        }
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

/// Ricoh's text maker notes: "Rv0207;Rg76;Gg42;Bg60;..." (2-3 letter keys, hex digits).
fn ricoh_text(st: &mut State, mn: &[u8]) {
    let text: String = mn.iter().take(4096).map(|&c| c as char).collect();
    for item in text.split(';') {
        let key_len = item.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        if !(2..=3).contains(&key_len)
            || !item.starts_with(|c: char| c.is_ascii_uppercase())
            || !item[1..key_len].chars().all(|c| c.is_ascii_lowercase())
        {
            continue;
        }
        let (key, val) = item.split_at(key_len);
        if val.is_empty()
            || !val
                .chars()
                .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
        {
            continue;
        }
        match key {
            "Rev" | "Rv" => {
                let v = match val.parse::<u64>() {
                    Ok(n) => format!("{:.2}", n as f64 / 100.0),
                    Err(_) => val.to_string(),
                };
                st.add("FirmwareVersion", super::value::json(v));
            }
            "Rg" => st.add("RedGain", super::value::json(val.to_string())),
            "Gg" => st.add("GreenGain", super::value::json(val.to_string())),
            "Bg" => st.add("BlueGain", super::value::json(val.to_string())),
            _ => {}
        }
    }
}

/// Small list/string snippets that occur as ValueConv or PrintConv in several tables.
fn list_snippet(code: &str, v: &Val) -> Option<Option<String>> {
    // The list and its numbers are made only by the snippets that use them: this runs for
    // every tag with a conversion, most of which match none of these.
    let it = || items(v);
    let f = super::value::fmt_num;
    let nums = || -> Vec<f64> {
        items(v)
            .iter()
            .map(|x| super::perl::leading_num(x))
            .collect()
    };
    let bytes = || match v {
        Val::Bytes(b) => b.clone(),
        _ => v.text().chars().map(|c| c as u32 as u8).collect(),
    };
    Some(Some(match code {
        "my @v=split(\" \",$val); $_*=15 foreach @v; \"$v[1] $v[0] $v[3] $v[2]\"" => {
            let nums = nums();
            if nums.len() < 4 {
                return Some(None);
            }
            format!(
                "{} {} {} {}",
                f(nums[1] * 15.0),
                f(nums[0] * 15.0),
                f(nums[3] * 15.0),
                f(nums[2] * 15.0)
            )
        }
        "my @a=split \" \",$val;$a[0]*=2;$a[3]*=2;\"@a\"" => {
            let mut a: Vec<String> = it();
            for i in [0, 3] {
                if let Some(x) = a.get_mut(i) {
                    *x = f(super::perl::leading_num(x) * 2.0);
                }
            }
            a.join(" ")
        }
        c if c.contains("return 'Full' if $val > 0.99;")
            && c.contains("PrintExposureTime($val)") =>
        {
            let x = v.num(0)?;
            if x > 0.99 {
                "Full".into()
            } else {
                super::perl::print_exposure_time(&super::perl::P::Num(x))
            }
        }
        "length($val) > 64 ? \\$val : $val" => {
            if v.text().len() > 64 {
                return Some(None);
            }
            v.text()
        }
        "join \" \", unpack \"H2H2\", $val" => bytes()
            .iter()
            .take(2)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" "),
        "unpack \"H*\", pack \"C*\", split \" \", $val" => nums()
            .iter()
            .map(|&x| format!("{:02x}", x as i64 as u8))
            .collect(),
        "unpack(\"H*\",$val)" => bytes().iter().map(|b| format!("{b:02x}")).collect(),
        "$val=~s/ +$//; $val" => v.text().trim_end_matches(' ').to_string(),
        "$val=~s/ .*//; $val" => it().into_iter().next().unwrap_or_default(),
        "$val=~s/ .*//; $val / 256" => f(nums().first().copied().unwrap_or(0.0) / 256.0),
        c if c.starts_with("$self->Options(\"DateFormat\") ?") && c.ends_with(": $val") => v.text(),
        "join(\" \", reverse split(\" \", $val))" => {
            it().iter().rev().cloned().collect::<Vec<_>>().join(" ")
        }
        "join(\" \",map({sprintf(\"%.5f\",$_)} split(\" \",$val)))" => nums()
            .iter()
            .map(|x| format!("{x:.5}"))
            .collect::<Vec<_>>()
            .join(" "),
        "join(\" \",map({ $_/8192 } split(\" \",$val)))" => nums()
            .iter()
            .map(|x| f(x / 8192.0))
            .collect::<Vec<_>>()
            .join(" "),
        "$_=sprintf(\"%.4x\",$val); s/(..)(..)/$2 $1/; $_" => {
            let h = format!("{:04x}", v.num(0)? as i64);
            format!("{} {}{}", &h[2..4], &h[0..2], &h[4..])
        }
        c if c.contains("my @v = unpack('vC*', $val);")
            && c.contains("%.4d:%.2d:%.2d %.2d:%.2d:%.2d") =>
        {
            let b = bytes();
            if b.len() < 7 {
                return Some(None);
            }
            format!(
                "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                u16::from_le_bytes([b[0], b[1]]),
                b[2],
                b[3],
                b[4],
                b[5],
                b[6]
            )
        }
        _ => return None,
    }))
}

/// ValueConv snippets shared by several makers.
pub fn value(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Val>> {
    let code = tag.value;
    if let Some(s) = sprintf_split(code, v) {
        return Some(Some(Val::Str(s)));
    }
    if let Some(r) = list_snippet(code, v) {
        return Some(r.map(Val::Str));
    }
    let list = std::cell::OnceCell::new();
    let it = || list.get_or_init(|| items(v));
    Some(match code {
        "my @a=split(\" \",$val); $_ /= 10 foreach @a; \"@a\"" => Some(Val::Str(
            it().iter()
                .map(|x| super::value::fmt_num(super::perl::leading_num(x) / 10.0))
                .collect::<Vec<_>>()
                .join(" "),
        )),
        "my @v=split(\" \",$val); ($v[0]<<16) + $v[1]" => Some(Val::one(
            ((num(it().first()) as i64) << 16) as f64 + num(it().get(1)),
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
            num(it().first()) as i64,
            num(it().get(2)) as i64,
            num(it().get(3)) as i64
        ))),
        "my @a=split(\" \",$val); sprintf(\"%x %.2x\",@a[0,2])" => Some(Val::Str(format!(
            "{:x} {:02x}",
            num(it().first()) as i64,
            num(it().get(2)) as i64
        ))),
        c if c.contains("return 0 if $a == 0xffffffff;") && c.contains("return $a / 1000;") => {
            let a = num(it().first());
            Some(Val::one(if a == 4294967295.0 { 0.0 } else { a / 1000.0 }))
        }
        c if crate::bytes::contains_str(
            c,
            "sprintf('%.4x:%.2x:%.2x', $v[0], $v[1]>>8, $v[1]&0xff)",
        ) =>
        {
            let (a, b) = (num(it().first()) as i64, num(it().get(1)) as i64);
            Some(Val::Str(format!(
                "{:04x}:{:02x}:{:02x}",
                a,
                b >> 8,
                b & 0xff
            )))
        }
        c if crate::bytes::contains_str(
            c,
            "sprintf('%.4d:%.2d:%.2d %.2d:%.2d:%.2d', @a[5,3,4,2,1,0])",
        ) =>
        {
            let mut a: Vec<i64> = it()
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
        "ConvertUnixTime($val)" => Some(Val::Str(unix_time(v.num(0)? as i64))),
        _ => return None,
    })
}

/// PrintConv snippets shared by several makers.
pub fn print(st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    use super::value::json;
    let code = tag.print;
    // every snippet below is recognised by its code
    if code.is_empty() {
        return None;
    }
    if code == "ARRAY" && !tag.parr.is_empty() {
        return Some(print_array(st, tag, v));
    }
    if let Some(s) = sprintf_split(code, v) {
        return Some(Some(json(s)));
    }
    if let Some(r) = list_snippet(code, v) {
        return Some(r.map(json));
    }
    let list = std::cell::OnceCell::new();
    let it = || list.get_or_init(|| items(v));
    let some = |s: String| Some(Some(json(s)));
    if code.contains("return 'Off' unless $a;") && code.contains("', Shot ' . $b") {
        let a = num(it().first()) as i64;
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
            it().get(1).cloned().unwrap_or_default()
        ));
    }
    if crate::bytes::contains_str(code, "return \"Single Shot$e\" unless $a;") {
        let g = |i: usize| num(it().get(i)) as i64;
        let e = match g(4) {
            0 => String::new(),
            2 => "; Anti-shock 0".into(),
            4 => "; Electronic shutter".into(),
            x => format!("; Unknown ({x})"),
        };
        if g(0) == 0 {
            return some(format!("Single Shot{e}"));
        }
        let a = if g(0) == 5 && it().len() > 2 {
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
    if crate::bytes::contains_str(code, "$b = ($b == 1) ? 'Full' : \"1/$b\";") {
        if num(it().first()) == 0.0 {
            return some("Off".into());
        }
        let b = it().get(1).cloned().unwrap_or_default();
        let b = if b == "1" {
            "Full".to_string()
        } else {
            format!("1/{b}")
        };
        return some(format!("On ({b} strength)"));
    }
    if crate::bytes::contains_str(code, "$val =~ /^\\0{4}/ ? 'Off' : 'On, '") {
        let Val::Bytes(b) = v else { return Some(None) };
        if b.len() >= 4 && b[..4] == [0, 0, 0, 0] {
            return some("Off".into());
        }
        let m = b.get(44).map(|x| x & 1).unwrap_or(0);
        return some(format!("On, {}", if m == 1 { "Mode 1" } else { "Mode 2" }));
    }
    if code.contains("my ($a,$b,$c)=split ' ',$val;") && code.contains("CS$a (min CS0, max CS$c)") {
        let (a, b, c) = (num(it().first()), num(it().get(1)), num(it().get(2)));
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
    if crate::bytes::contains_str(
        code,
        "sprintf('%.2f - %.2f m', $a[0] <= $a[1] ? @a : reverse @a)",
    ) {
        let (mut a, mut b) = (num(it().first()), num(it().get(1)));
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        return some(format!("{a:.2} - {b:.2} m"));
    }
    if crate::bytes::contains_str(
        code,
        "return 'n/a' if $v[0] == 65535 or not $v[1] or not $v[3];",
    ) {
        let g = |i: usize| num(it().get(i));
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
    if crate::bytes::contains_str(
        code,
        "if (/^(\\d{2})(\\d{2})\\0\\0(\\d{2})(\\d{2})\\0\\0(\\d{2})",
    ) {
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
    if crate::bytes::contains_str(
        code,
        "return $val unless $val=~/^([A-Z][0-9A-Z]{2})(\\d{2})(\\d{2})(\\d{2})(\\d{4})/;",
    ) {
        let t = v.text();
        let c: Vec<char> = t.chars().collect();
        let ok = c.len() >= 13
            && c[0].is_ascii_uppercase()
            && c[1..3]
                .iter()
                .all(|x| x.is_ascii_digit() || x.is_ascii_uppercase())
            && c[3..13].iter().all(char::is_ascii_digit);
        if !ok {
            return some(t.replace(char::from(0), ""));
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
            it().first().cloned().unwrap_or_default(),
            it().get(1).cloned().unwrap_or_default(),
            it().get(2).cloned().unwrap_or_default()
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
        "CODE:__ANON__" if tag.name == "TimeSincePowerOn" => {
            let mut x = v.num(0)?;
            let mut s = String::new();
            if x >= 86400.0 {
                let d = (x / 86400.0).trunc();
                s = format!("{d} days ");
                x -= d * 86400.0;
            }
            let mut h = (x / 3600.0).trunc();
            x -= h * 3600.0;
            let mut m = (x / 60.0).trunc();
            x -= m * 60.0;
            let mut ss = format!("{:05.2}", x);
            if x >= 59.995 {
                ss = "00.00".into();
                m += 1.0;
                if m >= 60.0 {
                    m -= 60.0;
                    h += 1.0;
                }
            }
            Some(json(format!("{s}{:02}:{:02}:{ss}", h as i64, m as i64)))
        }
        "Image::ExifTool::DecodeBits($val, undef, 16)"
        | "Image::ExifTool::DecodeBits($val, undef, 8)" => {
            let width = if code.ends_with("16)") { 16 } else { 8 };
            let mut bits = Vec::new();
            for (k, x) in v.nums().iter().enumerate() {
                let x = *x as i64 as u64;
                for i in 0..width {
                    if x & (1 << i) != 0 {
                        bits.push((k as u32 * width + i).to_string());
                    }
                }
            }
            Some(json(if bits.is_empty() {
                "(none)".into()
            } else {
                bits.join(",")
            }))
        }
        _ => return None,
    })
}

/// ExifTool's ConvertUnixTime (UTC): seconds since 1970 as "YYYY:MM:DD HH:MM:SS".
pub fn unix_time(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
        y,
        m,
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
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
        if !p.map.is_empty() || !p.bits.is_empty() {
            match p.map.iter().find(|(k, _)| k == item) {
                Some((_, s)) => out.push(s.to_string()),
                None if !p.bits.is_empty() => out.push(super::conv::decode_bits(
                    &[super::perl::leading_num(item)],
                    p.bits,
                    32,
                )),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values produced by running the same snippets in Perl.
    #[test]
    fn snippets_match_perl() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "my @v=split(\" \",$val); $_*=15 foreach @v; \"$v[1] $v[0] $v[3] $v[2]\"",
                "1 2 3 4",
                "30 15 60 45",
            ),
            (
                "my @a=split \" \",$val;$a[0]*=2;$a[3]*=2;\"@a\"",
                "1 2 3 4 5",
                "2 2 3 8 5",
            ),
            (
                "unpack \"H*\", pack \"C*\", split \" \", $val",
                "1 171 255",
                "01abff",
            ),
            ("join(\" \", reverse split(\" \", $val))", "1 2 3", "3 2 1"),
            (
                "join(\" \",map({ $_/8192 } split(\" \",$val)))",
                "8192 4096",
                "1 0.5",
            ),
            (
                "$_=sprintf(\"%.4x\",$val); s/(..)(..)/$2 $1/; $_",
                "4660",
                "34 12",
            ),
            ("$val=~s/ .*//; $val / 256", "512 7", "2"),
        ];
        for (code, input, want) in cases {
            let got = list_snippet(code, &Val::Str(input.to_string())).flatten();
            assert_eq!(got.as_deref(), Some(*want), "{code}");
        }
        assert_eq!(print_lens_info("18 70 3.5 4.5"), "18-70mm f/3.5-4.5");
        assert_eq!(print_lens_info("50 50 1.8 1.8"), "50mm f/1.8");
        assert_eq!(unix_time(972687386), "2000:10:27 22:56:26");
        assert_eq!(super::super::perl::print_fraction(0.3333333), "+1/3");
        assert_eq!(super::super::perl::print_fraction(-1.5), "-3/2");
    }
}
