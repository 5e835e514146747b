//! Fujifilm RAF: a header, an embedded JPEG preview holding the EXIF, and the RAF
//! directories (big-endian tag/length/value records) with the raw image geometry.

use crate::bytes::{be16, be32};
use crate::formats::exif::json_value;
use crate::model::Metadata;
use serde_json::Value;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if data.len() < 0x5c || !data.starts_with(b"FUJIFILM") {
        meta.warn("File format error");
        return;
    }
    let jpos = be32(data, 84).unwrap_or(0) as usize;
    let jlen = be32(data, 88).unwrap_or(0) as usize;
    if jpos & 0x8000 != 0 {
        return;
    }
    let version = crate::formats::exif::decode_text(&data[0x3c..0x40]);
    meta.add("file", "RAFVersion", json_value(version));
    match jpos.checked_add(jlen).and_then(|end| data.get(jpos..end)) {
        Some(jpeg) if !jpeg.is_empty() => {
            crate::formats::jpeg::parse_embedded(meta, jpeg, jpos);
        }
        _ => {
            meta.warn("Error reading RAF JPEG preview");
            return;
        }
    }
    for off in [0x5c, 0x78] {
        if off >= jpos {
            break;
        }
        let Some(start) = be32(data, off).map(|x| x as usize) else {
            meta.warn("Possibly corrupt RAF information");
            break;
        };
        if start != 0 && !fuji_dir(meta, data, start) {
            meta.warn("Possibly corrupt RAF information");
        }
    }
}

/// One RAF directory: count, then (tag u16, len u16, value) records. Returns false when
/// the directory could not be read in full.
fn fuji_dir(meta: &mut Metadata, data: &[u8], start: usize) -> bool {
    let Some(n) = be32(data, start) else {
        return false;
    };
    if n >= 256 {
        return false;
    }
    let mut pos = start + 4;
    for _ in 0..n {
        let (Some(tag), Some(len)) = (be16(data, pos), be16(data, pos + 2)) else {
            return false;
        };
        let len = len as usize;
        let Some(v) = data.get(pos + 4..pos + 4 + len) else {
            return false;
        };
        pos += 4 + len;
        let u16s = |count: usize| -> Vec<u16> {
            (0..count.min(len / 2))
                .filter_map(|i| be16(v, i * 2))
                .collect()
        };
        let pair = |sep: &str| -> Option<String> {
            let x = u16s(2);
            (x.len() == 2).then(|| format!("{}{sep}{}", x[1], x[0]))
        };
        let (name, value): (&str, Value) = match tag {
            0x100 => match pair("x") {
                Some(s) => ("RawImageFullSize", Value::String(s)),
                None => continue,
            },
            0x110 => {
                let x = u16s(2);
                (
                    "RawImageCropTopLeft",
                    json_value(
                        x.iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                )
            }
            0x111 => match pair("x") {
                Some(s) => {
                    if let Some((w, h)) = s.split_once('x') {
                        meta.raw
                            .entry("raf:RawImageCroppedSize".into())
                            .or_insert(Value::String(format!("{w} {h}")));
                    }
                    ("RawImageCroppedSize", Value::String(s))
                }
                None => continue,
            },
            0x115 => match pair(":") {
                Some(s) => ("RawImageAspectRatio", Value::String(s)),
                None => continue,
            },
            0x121 => match pair("x") {
                Some(s) => ("RawImageSize", Value::String(s)),
                None => continue,
            },
            0x130 => (
                "FujiLayout",
                json_value(
                    v.iter()
                        .map(|b| b.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
            ),
            0x2000 | 0x2100 | 0x2200 | 0x2300 | 0x2301 | 0x2302 | 0x2310 | 0x2311 | 0x2400
            | 0x2ff0 => {
                let name = match tag {
                    0x2000 => "WB_GRGBLevelsAuto",
                    0x2100 => "WB_GRGBLevelsDaylight",
                    0x2200 => "WB_GRGBLevelsCloudy",
                    0x2300 => "WB_GRGBLevelsDaylightFluor",
                    0x2301 => "WB_GRGBLevelsDayWhiteFluor",
                    0x2302 => "WB_GRGBLevelsWhiteFluorescent",
                    0x2310 => "WB_GRGBLevelsWarmWhiteFluor",
                    0x2311 => "WB_GRGBLevelsLivingRoomWarmWhiteFluor",
                    0x2400 => "WB_GRGBLevelsTungsten",
                    _ => "WB_GRGBLevels",
                };
                let x = u16s(4);
                (
                    name,
                    Value::String(
                        x.iter()
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                )
            }
            0x9650 if len >= 4 => {
                let n = be16(v, 0).unwrap_or(0) as i16 as f64;
                let d = be16(v, 2).unwrap_or(0) as i16 as f64;
                let val = if d == 0.0 { 0.0 } else { n / d };
                let p = if val == 0.0 {
                    "0".to_string()
                } else {
                    format!("{val:+.1}")
                };
                ("RawExposureBias", json_value(p))
            }
            _ => continue,
        };
        meta.add("raf", name, value);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    fn sample() -> Vec<u8> {
        let mut d = vec![0u8; 0x100];
        d[..16].copy_from_slice(b"FUJIFILMCCD-RAW ");
        d[0x3c..0x40].copy_from_slice(b"0100");
        // RAF directory at 0x60 with one record: RawImageCroppedSize (h=3000, w=4000).
        d[0x5c..0x60].copy_from_slice(&0x60u32.to_be_bytes());
        d[0x60..0x64].copy_from_slice(&1u32.to_be_bytes());
        d[0x64..0x66].copy_from_slice(&0x111u16.to_be_bytes());
        d[0x66..0x68].copy_from_slice(&4u16.to_be_bytes());
        d[0x68..0x6a].copy_from_slice(&3000u16.to_be_bytes());
        d[0x6a..0x6c].copy_from_slice(&4000u16.to_be_bytes());
        // Embedded JPEG at 0x100: SOI, COM, EOI.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xFE, 0, 4, b'h', b'i', 0xFF, 0xD9];
        d[84..88].copy_from_slice(&0x100u32.to_be_bytes());
        d[88..92].copy_from_slice(&(jpeg.len() as u32).to_be_bytes());
        d.extend_from_slice(&jpeg);
        d
    }

    #[test]
    fn raf() {
        let d = sample();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(m.get("file", "RAFVersion").cloned().unwrap(), "0100");
        assert_eq!(m.get("file", "Comment").cloned().unwrap(), "hi");
        assert_eq!(
            m.get("raf", "RawImageCroppedSize").cloned().unwrap(),
            "4000x3000"
        );
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
