//! IPTC IIM records (group `iptc`), with ExifTool's tag names (IPTC.pm). Also computes
//! `File:CurrentIPTCDigest` (MD5 of the IPTC block) as ExifTool does for standard IPTC.

mod tables;

use serde_json::Value;

use crate::formats::xmp::json_value;
use crate::model::Metadata;

#[derive(Debug, Clone, Copy)]
pub enum Vc {
    None,
    Date,
    Time,
    Nulls,
}

#[derive(Debug, Clone, Copy)]
pub enum Pc {
    None,
    Map(&'static [(&'static str, &'static str)]),
    CodedCharset,
}

/// One dataset of ExifTool's record tables.
pub struct T {
    pub rec: u8,
    pub tag: u8,
    pub name: &'static str,
    pub fmt: &'static str,
    pub list: bool,
    pub bin: bool,
    pub vc: Vc,
    pub pc: Pc,
}

const MAX_VALUES: usize = 10_000;

fn lookup(rec: u8, tag: u8) -> Option<&'static T> {
    tables::TAGS.iter().find(|t| t.rec == rec && t.tag == tag)
}

/// Windows-1252 decoding (ExifTool's default IPTC character set, "Latin").
pub fn cp1252(raw: &[u8]) -> String {
    const HI: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    raw.iter()
        .map(|&b| match b {
            0x80..=0x9f => HI[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

/// Parses an IPTC IIM block (the payload of Photoshop resource 0x0404, TIFF tag 0x83bb, ...).
pub fn parse(meta: &mut Metadata, data: &[u8]) {
    meta.add("file", "CurrentIPTCDigest", Value::String(md5_hex(data)));
    let swapped;
    let mut data = data;
    if data.len() >= 4 && data[0] != 0x1c && data[3] == 0x1c {
        meta.warn("IPTC data was improperly byte-swapped");
        let mut v = Vec::with_capacity(data.len() + 3);
        for ch in data.chunks(4) {
            let mut w = [0u8; 4];
            w[..ch.len()].copy_from_slice(ch);
            v.extend_from_slice(&[w[3], w[2], w[1], w[0]]);
        }
        v.truncate(data.len());
        swapped = v;
        data = &swapped;
    }
    let mut utf8 = false;
    let mut found: Vec<(String, Vec<Value>, bool)> = Vec::new();
    let mut pos = 0usize;
    let end = data.len();
    let mut n = 0usize;
    while pos + 5 <= end {
        n += 1;
        if n > MAX_VALUES || (n.is_multiple_of(256) && meta.budget.exceeded()) {
            break;
        }
        let id = data[pos];
        let rec = data[pos + 1];
        let tag = data[pos + 2];
        let mut len = u16::from_be_bytes([data[pos + 3], data[pos + 4]]) as usize;
        if id != 0x1c {
            if id == 0 && data[pos..].iter().all(|&b| b == 0) {
                break;
            }
            meta.warn(format!("Bad IPTC data tag (marker 0x{id:x})"));
            break;
        }
        pos += 5;
        if len & 0x8000 != 0 {
            let k = len & 0x7fff;
            if pos + k > end || k > 8 {
                break;
            }
            len = 0;
            for _ in 0..k {
                len = len.saturating_mul(256).saturating_add(data[pos] as usize);
                pos += 1;
            }
        }
        if pos.checked_add(len).is_none_or(|e| e > end) {
            meta.warn("Invalid IPTC entry");
            break;
        }
        let raw = &data[pos..pos + len];
        pos += len;
        if !matches!(rec, 1 | 2 | 3 | 7 | 8 | 9 | 240) {
            meta.warn(format!("Unrecognized IPTC record {rec} (ignored)"));
            continue;
        }
        let Some(t) = lookup(rec, tag) else { continue };
        let value = decode(t, rec, raw, &mut utf8);
        if let Some(e) = found.iter_mut().find(|e| e.0 == t.name) {
            if t.list {
                e.1.push(value);
            } else {
                e.1 = vec![value];
            }
        } else {
            found.push((t.name.to_string(), vec![value], t.list));
        }
    }
    for (name, vals, _) in found {
        let v = if vals.len() == 1 {
            vals.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(vals)
        };
        meta.set("iptc", &name, v);
    }
}

fn decode(t: &T, rec: u8, raw: &[u8], utf8: &mut bool) -> Value {
    let fmt = t.fmt;
    if t.bin {
        return Value::String(format!(
            "(Binary data {} bytes, use -b option to extract)",
            raw.len()
        ));
    }
    let mut s: String;
    if fmt.starts_with("int") {
        if raw.len() <= 8 {
            let v = raw.iter().fold(0u64, |a, &b| (a << 8) | b as u64);
            s = v.to_string();
        } else {
            s = cp1252(raw);
        }
    } else if fmt.starts_with("string") || fmt.starts_with("digits") {
        let end = raw.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let r = &raw[..end];
        if fmt.starts_with("string") && rec == 1 && t.tag == 90 {
            *utf8 = r == b"\x1b%G";
        }
        s = if rec == 1 {
            match std::str::from_utf8(r) {
                Ok(x) => x.to_string(),
                Err(_) => cp1252(r),
            }
        } else if *utf8 {
            String::from_utf8_lossy(r).into_owned()
        } else if r.iter().any(|&b| b >= 0x80) {
            cp1252(r)
        } else {
            String::from_utf8_lossy(r).into_owned()
        };
    } else if fmt.starts_with("undef") {
        return Value::String(format!(
            "(Binary data {} bytes, use -b option to extract)",
            raw.len()
        ));
    } else {
        // no format: ExifTool guesses an integer for short binary values
        if raw.len() <= 4 && raw.len() != 3 && raw.iter().any(|&b| b <= 8) {
            let v = raw.iter().fold(0u64, |a, &b| (a << 8) | b as u64);
            s = v.to_string();
        } else {
            s = cp1252(raw);
        }
    }
    match t.vc {
        Vc::None => {}
        Vc::Date => s = exif_date(&s),
        Vc::Time => s = exif_time(&s),
        Vc::Nulls => {
            let mut out = String::new();
            let mut prev_nul = false;
            for c in s.chars() {
                if c == '\0' {
                    if !prev_nul {
                        out.push('\n');
                    }
                    prev_nul = true;
                } else {
                    out.push(c);
                    prev_nul = false;
                }
            }
            s = out;
        }
    }
    if rec == 3 && t.tag == 10 {
        s = picture_number(&s);
    }
    match t.pc {
        Pc::None => {}
        Pc::Map(m) => {
            s = match m.iter().find(|(k, _)| *k == s) {
                Some((_, v)) => v.to_string(),
                // (ColorRepresentation is ExifTool's only PrintHex IPTC tag)
                None if rec == 3 && t.tag == 60 && s != "0" => match s.parse::<u64>() {
                    Ok(n) => format!("Unknown (0x{n:x})"),
                    Err(_) => format!("Unknown ({s})"),
                },
                None => format!("Unknown ({s})"),
            }
        }
        Pc::CodedCharset => {
            if s == "\x1b%G" {
                s = "UTF8".into();
            } else {
                let spaced: String = s.chars().flat_map(|c| [' ', c]).collect();
                let mut r = spaced.replace(" \x1b", ", ESC");
                if let Some(x) = r.strip_prefix(", ") {
                    r = x.to_string();
                } else if let Some(x) = r.strip_prefix(' ') {
                    r = x.to_string();
                }
                s = r;
            }
        }
    }
    json_value(&s)
}

/// ExifTool's ConvertPictureNumber (NewsPhoto IPTCPictureNumber), without the
/// manufacturer names.
fn picture_number(v: &str) -> String {
    let b = v.as_bytes();
    if b.len() < 16 {
        return "<format error>".into();
    }
    if b[..16].iter().all(|&c| c == 0) {
        return "Unknown".into();
    }
    let manu = u16::from_be_bytes([b[0], b[1]]);
    let equip = u32::from_be_bytes([b[2], b[3], b[4], b[5]]);
    let date: String = String::from_utf8_lossy(&b[6..14])
        .trim_end_matches([' ', '\0'])
        .to_string();
    let date = if date.len() == 8 && date.bytes().all(|c| c.is_ascii_digit()) {
        format!("{}:{}:{}", &date[0..4], &date[4..6], &date[6..8])
    } else {
        date
    };
    let no = u16::from_be_bytes([b[14], b[15]]);
    format!("{manu}, equip {equip}, {date}, no. {no}")
}

/// Exif::ExifDate: "YYYYMMDD" -> "YYYY:MM:DD".
fn exif_date(s: &str) -> String {
    let s = s.strip_suffix('\0').unwrap_or(s);
    let b = s.as_bytes();
    // (\d{4})[^\d]*(\d{2})[^\d]*(\d{2})$
    let n = b.len();
    if n >= 8 && b[n - 2..].iter().all(u8::is_ascii_digit) {
        let mut i = n - 2;
        let mid_end = i;
        while i > 0 && !b[i - 1].is_ascii_digit() {
            i -= 1;
        }
        if i >= 2 && b[i - 2..i].iter().all(u8::is_ascii_digit) {
            let m_start = i - 2;
            let mut j = m_start;
            while j > 0 && !b[j - 1].is_ascii_digit() {
                j -= 1;
            }
            if j >= 4 && b[j - 4..j].iter().all(u8::is_ascii_digit) {
                return format!(
                    "{}{}:{}:{}",
                    &s[..j - 4],
                    &s[j - 4..j],
                    &s[m_start..m_start + 2],
                    &s[mid_end..]
                );
            }
        }
    }
    s.to_string()
}

use crate::formats::xmp::exif_time;

/// MD5 (RFC 1321) as lower-case hex.
pub fn md5_hex(data: &[u8]) -> String {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    let k: Vec<u32> = (0..64)
        .map(|i| ((i as f64 + 1.0).sin().abs() * 4294967296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_le_bytes());
    for chunk in msg.chunks_exact(64) {
        let m: Vec<u32> = chunk
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let (mut a, mut b, mut c, mut d) = (h[0], h[1], h[2], h[3]);
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let tmp = d;
            d = c;
            c = b;
            b = b.wrapping_add(
                a.wrapping_add(f)
                    .wrapping_add(k[i])
                    .wrapping_add(m[g])
                    .rotate_left(S[i]),
            );
            a = tmp;
        }
        h[0] = h[0].wrapping_add(a);
        h[1] = h[1].wrapping_add(b);
        h[2] = h[2].wrapping_add(c);
        h[3] = h[3].wrapping_add(d);
    }
    h.iter()
        .flat_map(|x| x.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;
