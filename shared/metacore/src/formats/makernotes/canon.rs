//! Canon maker notes: a plain IFD whose offsets are relative to the TIFF header; most
//! information sits in int16s arrays (CameraSettings, ShotInfo, FocalLength, FileInfo...)
//! decoded by the binary tables.

use super::value::Val;
use super::{run_ifd, Dir, State, Tag};
use crate::bytes::{u32_at, Endian};
use serde_json::Value;

pub fn parse(st: &mut State, dir: Dir, off: usize, len: usize) {
    // Canon writes a footer "II*\0" + the maker note's original offset: when software
    // moved the maker note, value offsets are still relative to the original place.
    let mut dir = dir;
    dir.endian = super::guess_order(dir.data, off, dir.endian);
    if len >= 8 {
        if let Some(foot) = dir.data.get(off + len - 8..off + len) {
            let e = match &foot[..4] {
                b"II*\0" => Some(Endian::Little),
                b"MM\0*" => Some(Endian::Big),
                _ => None,
            };
            if let Some(e) = e {
                if let Some(orig) = u32_at(foot, 4, e) {
                    if e == dir.endian {
                        dir.base = off as i64 - orig as i64;
                        run_ifd(st, "Image::ExifTool::Canon::Main", dir, off);
                        return;
                    }
                }
            }
        }
    }
    let model = st.model.clone();
    let mut allowed = vec![
        0,
        4,
        if model.contains("20D") || model.contains("350D") {
            6
        } else {
            4
        },
    ];
    if model.contains("PowerShot") || model.contains("IXUS") || model.contains("IXY") {
        allowed.push(16);
    }
    super::fix_base(&mut dir, off, &allowed);
    run_ifd(st, "Image::ExifTool::Canon::Main", dir, off);
}

/// Conditions the evaluator cannot run (None: let it try).
pub fn condition(_st: &State, _cond: &str) -> Option<bool> {
    None
}

/// ValueConv snippets of Canon's tables.
pub fn value(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Val>> {
    Some(match tag.value {
        "Image::ExifTool::Canon::CameraISO($val)" => {
            let x = v.num(0)? as i64;
            if x == 0x7fff {
                None
            } else if x & 0x4000 != 0 {
                Some(Val::one((x & 0x3fff) as f64))
            } else {
                Some(Val::Str(
                    match x {
                        0 => "n/a",
                        14 => "Auto High",
                        15 => "Auto",
                        16 => "50",
                        17 => "100",
                        18 => "200",
                        19 => "400",
                        20 => "800",
                        _ => return Some(Some(Val::Str(format!("Unknown ({x})")))),
                    }
                    .to_string(),
                ))
            }
        }
        "$val =~ s/^8 //; $val" => Some(Val::Str(
            v.text()
                .strip_prefix("8 ")
                .map(str::to_string)
                .unwrap_or_else(|| v.text()),
        )),
        "unpack(\"H*\", $val)" => match v {
            Val::Bytes(b) => Some(Val::Str(b.iter().map(|x| format!("{x:02x}")).collect())),
            _ => Some(v.clone()),
        },
        _ => return None,
    })
}

/// PrintConv snippets of Canon's tables.
pub fn print(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    let code = tag.print;
    if tag.name == "IntelligentContrast" && !tag.map.is_empty() {
        let x = v.num(0)? as i64;
        let s = match tag.map.iter().find(|(k, _)| *k == x.to_string()) {
            Some((_, s)) => s.to_string(),
            None if x & 0x08 != 0 => format!("On (0x{x:02x})"),
            None => format!("Off (0x{x:02x})"),
        };
        return Some(Some(Value::from(s)));
    }
    if code.contains("return 'Off' unless $val;") && code.contains("0x4000 ? ', Custom'") {
        // SelfTimer
        let x = v.num(0)? as i64;
        if x == 0 {
            return Some(Some(Value::from("Off")));
        }
        let secs = super::value::fmt_num((x & 0xfff) as f64 / 10.0);
        let custom = if x & 0x4000 != 0 { ", Custom" } else { "" };
        return Some(Some(Value::from(format!("{secs} s{custom}"))));
    }
    if code.contains("my $rev = sprintf(\"%.8x\", $val);") {
        // FirmwareRevision: 0x01002000 -> "1.00 rev 2.00"
        let rev = format!("{:08x}", v.num(0)? as i64 as u32);
        let (rel, v1, v2, r1, r2) = (
            &rev[0..1],
            &rev[1..2],
            &rev[2..4],
            rev[4..6].trim_start_matches('0'),
            &rev[6..8],
        );
        let r1 = if r1.is_empty() { "0" } else { r1 };
        let rel = match rel {
            "a" => "Alpha ",
            "b" => "Beta ",
            "0" => "",
            _ => {
                return Some(Some(Value::from(format!(
                    "Unknown({rel}) {v1}.{v2} rev {r1}.{r2}"
                ))))
            }
        };
        return Some(Some(Value::from(format!("{rel}{v1}.{v2} rev {r1}.{r2}"))));
    }
    Some(match code {
        "$_=$val,s/(\\d+)(\\d{4})/$1-$2/,$_" | "$_=$val;s/(\\d+)(\\d{4})/$1-$2/;$_" => {
            let t = v.text();
            if t.len() > 4 && t.bytes().all(|b| b.is_ascii_digit()) {
                Some(Value::from(format!(
                    "{}-{}",
                    &t[..t.len() - 4],
                    &t[t.len() - 4..]
                )))
            } else {
                Some(super::value::json(t))
            }
        }
        "Image::ExifTool::TimeZoneString($val)" => {
            let m = v.num(0)?;
            let (sign, m) = if m < 0.0 { ('-', -m) } else { ('+', m) };
            let m = (m + 0.5).trunc() as i64;
            Some(Value::from(format!("{sign}{:02}:{:02}", m / 60, m % 60)))
        }
        _ => return None,
    })
}
