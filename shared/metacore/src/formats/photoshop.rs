//! Photoshop image resource blocks (8BIM) (group `photoshop`), with ExifTool's names
//! (Photoshop.pm). Resource 0x0404 is IPTC, 0x040f ICC, 0x0422 EXIF, 0x0424 XMP.

use serde_json::Value;

use crate::bytes::{be16, be32, sub};
use crate::formats::xmp::{fmt_num, json_value};
use crate::model::Metadata;

const G: &str = "photoshop";

fn set(meta: &mut Metadata, tag: &str, v: impl Into<String>) {
    meta.set(G, tag, json_value(&v.into()));
}

fn binary(meta: &mut Metadata, tag: &str, n: usize) {
    meta.set(
        G,
        tag,
        Value::String(format!("(Binary data {n} bytes, use -b option to extract)")),
    );
}

/// Big-endian UCS-2 to a string (stops at a NUL, like ExifTool's Decode of var_ustr32).
fn ucs2(raw: &[u8]) -> String {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let s = String::from_utf16_lossy(&units);
    s.split('\0').next().unwrap_or("").to_string()
}

/// ExifTool's `var_ustr32`: a 32-bit character count and that many UCS-2 characters.
fn var_ustr32(d: &[u8], off: usize) -> Option<(String, usize)> {
    let n = be32(d, off)? as usize;
    let bytes = n.checked_mul(2)?;
    let raw = sub(d, off + 4, bytes)?;
    Some((ucs2(raw), off + 4 + bytes))
}

/// Parses a sequence of image resource blocks (the APP13 payload after "Photoshop 3.0\0",
/// TIFF tag 0x8649, the PSD image resources section).
pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let end = data.len();
    let mut pos = 0usize;
    let mut count = 0;
    while pos + 8 < end {
        count += 1;
        if count > 10_000 || meta.budget.exceeded() {
            break;
        }
        let ty = &data[pos..pos + 4];
        let known = ty == b"8BIM";
        if !known && !matches!(ty, b"PHUT" | b"DCSR" | b"AgHg" | b"MeSa") {
            let t: String = ty
                .iter()
                .map(|&b| {
                    if b.is_ascii_alphanumeric() || b == b'_' {
                        (b as char).to_string()
                    } else {
                        format!("\\x{b:02x}")
                    }
                })
                .collect();
            meta.warn(format!("Bad Photoshop IRB resource \"{t}\""));
            break;
        }
        let Some(tag) = be16(data, pos + 4) else {
            break;
        };
        pos += 6;
        let name_len = data[pos] as usize;
        pos += 1 + name_len;
        if name_len & 1 == 0 {
            pos += 1;
        }
        if pos + 4 > end {
            meta.warn("Bad Photoshop resource block");
            break;
        }
        let Some(size) = be32(data, pos) else { break };
        let size = size as usize;
        pos += 4;
        if pos.checked_add(size).is_none_or(|e| e > end) {
            meta.warn(format!("Bad Photoshop resource data size {size}"));
            break;
        }
        let val = &data[pos..pos + size];
        if known {
            resource(meta, tag, val);
        }
        pos += size + (size & 1);
    }
}

fn resource(meta: &mut Metadata, tag: u16, v: &[u8]) {
    match tag {
        0x03ed => {
            // ResolutionInfo; X/YResolution have priority 0 (EXIF's win elsewhere, not here)
            if let Some(x) = be32(v, 0) {
                let r = x as f64 / 65536.0;
                set(
                    meta,
                    "XResolution",
                    fmt_num((r * 100.0 + 0.5).trunc() / 100.0),
                );
            }
            if let Some(u) = be16(v, 4) {
                set(meta, "DisplayedUnitsX", units(u));
            }
            if let Some(y) = be32(v, 8) {
                let r = y as f64 / 65536.0;
                set(
                    meta,
                    "YResolution",
                    fmt_num((r * 100.0 + 0.5).trunc() / 100.0),
                );
            }
            if let Some(u) = be16(v, 12) {
                set(meta, "DisplayedUnitsY", units(u));
            }
        }
        0x03ee => set(meta, "AlphaChannelsNames", pascal_strings(v)),
        0x0404 => crate::formats::iptc::parse(meta, v),
        0x0406 => {
            if let Some(q) = be16(v, 0) {
                set(meta, "PhotoshopQuality", (q as i16 as i32 + 4).to_string());
            }
            if let Some(f) = be16(v, 2) {
                let s = match f {
                    0 => "Standard".to_string(),
                    1 => "Optimized".to_string(),
                    0x101 => "Progressive".to_string(),
                    _ => format!("Unknown ({})", f as i16),
                };
                set(meta, "PhotoshopFormat", s);
                if f == 0x101 {
                    if let Some(n) = be16(v, 4) {
                        let s = match n {
                            1 => "3 Scans".to_string(),
                            2 => "4 Scans".to_string(),
                            3 => "5 Scans".to_string(),
                            _ => format!("Unknown ({})", n as i16),
                        };
                        set(meta, "ProgressiveScans", s);
                    }
                }
            }
        }
        0x0409 => binary(meta, "PhotoshopBGRThumbnail", v.len().saturating_sub(28)),
        0x040a => {
            let s: Vec<String> = v.iter().map(|b| b.to_string()).collect();
            let s = s.join(" ");
            let p = match s.as_str() {
                "0" => "False".to_string(),
                "1" => "True".to_string(),
                _ => format!("Unknown ({s})"),
            };
            set(meta, "CopyrightFlag", p);
        }
        0x040b => set(meta, "URL", crate::bytes::text(v)),
        0x040c => binary(meta, "PhotoshopThumbnail", v.len().saturating_sub(28)),
        0x040d => {
            if let Some(a) = be32(v, 0) {
                set(meta, "GlobalAngle", a.to_string());
            }
        }
        0x040f => crate::formats::icc::parse(meta, v),
        0x0419 => {
            if let Some(a) = be32(v, 0) {
                set(meta, "GlobalAltitude", a.to_string());
            }
        }
        0x041a => {
            // SliceInfo: group name (var_ustr32 at 20), then NumSlices (int32u)
            if let Some((name, next)) = var_ustr32(v, 20) {
                set(meta, "SlicesGroupName", name);
                if let Some(n) = be32(v, next) {
                    set(meta, "NumSlices", n.to_string());
                }
            }
        }
        0x041b => {
            if let Some((s, _)) = var_ustr32(v, 0) {
                set(meta, "WorkflowURL", s);
            }
        }
        0x041e => {
            let mut vals = Vec::new();
            if let Some(n) = be32(v, 0) {
                let mut pos = 4usize;
                for _ in 0..n.min(1000) {
                    pos += 8;
                    let Some(len) = be32(v, pos) else { break };
                    let Some(raw) = (len as usize)
                        .checked_mul(2)
                        .and_then(|l| sub(v, pos + 4, l))
                    else {
                        break;
                    };
                    vals.push(json_value(&ucs2(raw)));
                    pos += 4 + raw.len();
                }
            }
            let value = if vals.len() == 1 {
                vals.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(vals)
            };
            meta.set(G, "URL_List", value);
        }
        0x0421 => {
            if let Some(&b) = v.get(4) {
                let s = match b {
                    0 => "No".to_string(),
                    1 => "Yes".to_string(),
                    _ => format!("Unknown ({b})"),
                };
                set(meta, "HasRealMergedData", s);
            }
            if let Some((w, next)) = var_ustr32(v, 5) {
                set(meta, "WriterName", w);
                if let Some((r, _)) = var_ustr32(v, next) {
                    set(meta, "ReaderName", r);
                }
            }
        }
        0x0422 => crate::formats::exif::parse_tiff(meta, v),
        0x0424 => crate::formats::xmp::parse(meta, v),
        0x0425 => set(
            meta,
            "IPTCDigest",
            v.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ),
        0x0426 => {
            if let Some(s) = be16(v, 0) {
                let p = match s {
                    0 => "Centered".to_string(),
                    1 => "Size to Fit".to_string(),
                    2 => "User Defined".to_string(),
                    _ => format!("Unknown ({s})"),
                };
                set(meta, "PrintStyle", p);
            }
            let f = |o: usize| be32(v, o).map(|x| fmt_float(f32::from_bits(x)));
            if let (Some(a), Some(b)) = (f(2), f(6)) {
                set(meta, "PrintPosition", format!("{a} {b}"));
            }
            if let Some(s) = f(10) {
                set(meta, "PrintScale", s);
            }
        }
        0x0428 => {
            if let Some(d) = crate::bytes::be64(v, 4) {
                set(meta, "PixelAspectRatio", fmt_num(f64::from_bits(d)));
            }
        }
        0x0bb7 => {
            if let Some(&n) = v.first() {
                let n = n as usize;
                let raw = v.get(1..1 + n).unwrap_or(&v[1..]);
                set(meta, "ClippingPathName", crate::bytes::text(raw));
            }
        }
        _ => {}
    }
}

/// A float as Perl prints ExifTool's `float` format (`%.7g`, then as a number).
fn fmt_float(x: f32) -> String {
    crate::formats::xmp::fmt_g(x as f64, 7)
}

fn units(u: u16) -> String {
    match u {
        1 => "inches".into(),
        2 => "cm".into(),
        _ => format!("Unknown ({u})"),
    }
}

/// ConvertPascalString for a list of Pascal strings.
fn pascal_strings(v: &[u8]) -> String {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < v.len() {
        let n = v[pos] as usize;
        pos += 1;
        let Some(s) = v.get(pos..pos + n) else { break };
        out.push(crate::bytes::text(s));
        pos += n;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    fn res(id: u16, data: &[u8]) -> Vec<u8> {
        let mut v = b"8BIM".to_vec();
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(&(data.len() as u32).to_be_bytes());
        v.extend_from_slice(data);
        if data.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    pub(crate) fn sample() -> Vec<u8> {
        let mut d = Vec::new();
        d.extend(res(
            0x03ed,
            &[0, 0x48, 0, 0, 0, 1, 0, 1, 0, 0x48, 0, 0, 0, 1, 0, 1],
        ));
        d.extend(res(0x0406, &[0xff, 0xfc, 0, 0, 0, 1]));
        d.extend(res(0x040a, &[0]));
        d.extend(res(0x040d, &120u32.to_be_bytes()));
        d.extend(res(0x041e, &0u32.to_be_bytes()));
        let mut vi = vec![0, 0, 0, 1, 1];
        vi.extend_from_slice(&2u32.to_be_bytes());
        vi.extend_from_slice(&[0, b'P', 0, b'S']);
        vi.extend_from_slice(&0u32.to_be_bytes());
        d.extend(res(0x0421, &vi));
        d.extend(res(0x0425, &[0xd4, 0x1d, 0x8c, 0xd9]));
        let iptc = [
            0x1c, 2, 0, 0, 2, 0, 4, 0x1c, 2, 25, 0, 1, b'a', 0x1c, 2, 25, 0, 1, b'b', 0x1c, 2, 55,
            0, 8, b'2', b'0', b'2', b'4', b'0', b'3', b'1', b'5', 0x1c, 2, 80, 0, 2, b'M', b'e',
        ];
        d.extend(res(0x0404, &iptc));
        d
    }

    #[test]
    fn resources() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("photoshop", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("XResolution"), 72);
        assert_eq!(g("DisplayedUnitsX"), "inches");
        assert_eq!(g("PhotoshopQuality"), 0);
        assert_eq!(g("PhotoshopFormat"), "Standard");
        assert_eq!(g("CopyrightFlag"), false);
        assert_eq!(g("GlobalAngle"), 120);
        assert_eq!(g("URL_List"), serde_json::json!([]));
        assert_eq!(g("HasRealMergedData"), "Yes");
        assert_eq!(g("WriterName"), "PS");
        assert_eq!(g("IPTCDigest"), "d41d8cd9");
        let i = |t: &str| m.get("iptc", t).cloned().unwrap_or(Value::Null);
        assert_eq!(i("ApplicationRecordVersion"), 4);
        assert_eq!(i("Keywords"), serde_json::json!(["a", "b"]));
        assert_eq!(i("DateCreated"), "2024:03:15");
        assert_eq!(i("By-line"), "Me");
        assert!(m.get("file", "CurrentIPTCDigest").is_some());
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample();
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    #[test]
    fn mutations_do_not_panic() {
        crate::formats::xmp::mutations(&sample(), 300, |d| {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, d);
        });
    }
}
