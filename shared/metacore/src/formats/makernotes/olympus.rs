//! Olympus maker notes: "OLYMP\0" (IFD at +8, offsets relative to the TIFF header),
//! "OLYMPUS\0II" and "OM SYSTEM" (own byte order, offsets relative to the maker note), with
//! sub-IFDs (Equipment, CameraSettings, RawDevelopment, ImageProcessing, FocusInfo).

use super::value::Val;
use super::{run_ifd, Dir, Entry, State, Table, Tag};
use crate::bytes::Endian;
use serde_json::Value;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    let order = |b: Option<&[u8]>| match b {
        Some(b"II") => Some(Endian::Little),
        Some(b"MM") => Some(Endian::Big),
        _ => None,
    };
    if mn.starts_with(b"OLYMPUS\0") {
        let endian = order(mn.get(8..10)).unwrap_or(e);
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: mn,
                base: 0,
                endian,
            },
            12,
        );
    } else if mn.starts_with(b"OM SYSTEM\0") {
        let endian = order(mn.get(12..14)).unwrap_or(e);
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: mn,
                base: 0,
                endian,
            },
            16,
        );
    } else {
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: tiff,
                base: 0,
                endian: e,
            },
            off + 8,
        );
    }
}

pub fn subdirectory(
    _st: &mut State,
    _tag: &'static Tag,
    _t: &'static Table,
    _dir: Dir,
    _e: &Entry,
) -> bool {
    false
}

pub fn value(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Val>> {
    None
}

pub fn print(st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    use super::value::json;
    let code = tag.print;
    // the value's words, split only for the few conversions that use them
    let words = std::cell::OnceCell::new();
    let it = || -> &Vec<String> {
        words.get_or_init(|| v.text().split_whitespace().map(str::to_string).collect())
    };
    if tag.name == "Quality" && code.starts_with("CODE") {
        // the table depends on CameraType (SX cameras except SX151, and D4322, start at 0)
        let ct = st
            .members
            .get("CameraType")
            .map(|v| v.text())
            .unwrap_or_default();
        // /^(SX(?!151\b)|D4322)/
        let sx151 = ct
            .strip_prefix("SX151")
            .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric()));
        let sx = (ct.starts_with("SX") && !sx151) || ct.starts_with("D4322");
        let x = v.num(0)? as i64;
        let s = if sx {
            match x {
                0 => "SQ (Low)",
                1 => "HQ (Normal)",
                2 => "SHQ (Fine)",
                6 => "RAW",
                _ => "",
            }
        } else {
            match x {
                1 => "SQ (Low)",
                2 => "HQ (Normal)",
                3 => "SHQ (Fine)",
                4 => "RAW",
                5 => "Medium-Fine",
                6 => "Small-Fine",
                33 => "Uncompressed",
                _ => "",
            }
        };
        return Some(Some(json(if s.is_empty() {
            format!("Unknown ({x})")
        } else {
            s.to_string()
        })));
    }
    if tag.name == "Gradation" && tag.parr.len() == 2 {
        // Relist => [[0..2], 3]: the first three values are looked up together
        let first = it().iter().take(3).cloned().collect::<Vec<_>>().join(" ");
        let mut out = vec![tag.parr[0]
            .map
            .iter()
            .find(|(k, _)| *k == first)
            .map(|(_, s)| s.to_string())
            .unwrap_or_else(|| format!("Unknown ({first})"))];
        if let Some(x) = it().get(3) {
            out.push(
                tag.parr[1]
                    .map
                    .iter()
                    .find(|(k, _)| k == x)
                    .map(|(_, s)| s.to_string())
                    .unwrap_or_else(|| format!("Unknown ({x})")),
            );
        }
        return Some(Some(json(out.join("; "))));
    }
    if tag.name == "SpecialMode" && code.starts_with("CODE") {
        if it().len() < 3 {
            return Some(Some(json(v.text())));
        }
        let v0 = ["Normal", "Unknown (1)", "Fast", "Panorama"];
        let v2 = [
            "(none)",
            "Left to Right",
            "Right to Left",
            "Bottom to Top",
            "Top to Bottom",
        ];
        let pick = |list: &[&str], s: &str| {
            s.parse::<usize>()
                .ok()
                .and_then(|i| list.get(i))
                .map(|x| x.to_string())
                .unwrap_or_else(|| format!("Unknown ({s})"))
        };
        return Some(Some(json(format!(
            "{}, Sequence: {}, Panorama: {}",
            pick(&v0, &it()[0]),
            it()[1],
            pick(&v2, &it()[2])
        ))));
    }
    if code == "Image::ExifTool::Olympus::PrintAFAreas($val)" {
        let mut out = String::new();
        for p in it() {
            let x = super::perl::leading_num(p) as i64 as u32;
            if x == 0 {
                continue;
            }
            if !out.is_empty() {
                out.push_str(", ");
            }
            match x {
                0x36794285 => out.push_str("Left "),
                0x79798585 => out.push_str("Center "),
                0xBD79C985 => out.push_str("Right "),
                _ => {}
            }
            let c = x.to_be_bytes();
            out.push_str(&format!("({},{})-({},{})", c[0], c[1], c[2], c[3]));
        }
        return Some(Some(json(if out.is_empty() { "none".into() } else { out })));
    }
    if code.contains("return 'n/a' if $val =~ /undef/;") && code.contains("(%d%%,%d%%) (%d%%,%d%%)")
    {
        if v.text().contains("undef") {
            return Some(Some(json("n/a".into())));
        }
        let p: Vec<i64> = it()
            .iter()
            .map(|x| (super::perl::leading_num(x) * 100.0).trunc() as i64)
            .collect();
        if p.len() < 4 {
            return Some(None);
        }
        return Some(Some(json(format!(
            "({}%,{}%) ({}%,{}%)",
            p[0], p[1], p[2], p[3]
        ))));
    }
    if code == "$val=~s/(\\S+) (\\S+)/$1 m, $2 ft/; $val" {
        let t = v.text();
        return Some(Some(json(match t.split_once(' ') {
            Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains(' ') => {
                format!("{a} m, {b} ft")
            }
            Some((a, b)) if !a.is_empty() => {
                let (b1, rest) = b.split_once(' ').unwrap_or((b, ""));
                format!("{a} m, {b1} ft {rest}").trim_end().to_string()
            }
            _ => t,
        })));
    }
    None
}
