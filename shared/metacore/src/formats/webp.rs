//! WebP (RIFF) chunks (group `riff`), read the way ExifTool's RIFF.pm reads them: VP8, VP8L,
//! VP8X, ALPH, ANIM, ANMF, plus EXIF, XMP and ICCP blocks.

use crate::bytes::{le16, le32, sub};
use crate::formats::xmp::{fmt_num, json_value};
use crate::model::Metadata;

const G: &str = "riff";

/// A tag with ExifTool priority 1 (later values replace earlier ones).
fn set(meta: &mut Metadata, tag: &str, v: impl AsRef<str>) {
    meta.set(G, tag, json_value(v.as_ref()));
}

/// Sub-document tags never replace main-document ones.
fn put(meta: &mut Metadata, sub_doc: bool, tag: &str, v: impl AsRef<str>) {
    if sub_doc {
        meta.add(G, tag, json_value(v.as_ref()));
    } else {
        set(meta, tag, v);
    }
}

/// Parses a WebP file.
#[allow(clippy::collapsible_match)]
pub fn parse(meta: &mut Metadata, d: &[u8]) {
    if d.len() < 12 || !d.starts_with(b"RIFF") || &d[8..12] != b"WEBP" {
        meta.warn("Not a WebP file");
        return;
    }
    // ImageWidth/ImageHeight from VP8/VP8L have priority 0: VP8X's win
    let mut low_prio: Vec<(&str, String)> = Vec::new();
    let mut duration: Option<u64> = None;
    let mut pos = 12usize;
    let mut n = 0;
    let mut sub_doc = false;
    loop {
        n += 1;
        if n > 100_000 || (n % 256 == 0 && meta.budget.exceeded()) {
            break;
        }
        let (Some(tag), Some(len)) = (sub(d, pos, 4), le32(d, pos + 4)) else {
            if pos < d.len() {
                meta.warn("Error reading RIFF file (corrupted?)");
            }
            break;
        };
        let tag: [u8; 4] = [tag[0], tag[1], tag[2], tag[3]];
        pos += 8;
        let len = len as usize;
        if &tag == b"RIFF" {
            // a concatenated RIFF: ExifTool parses on into it as a sub-document
            pos += 4;
            sub_doc = true;
            continue;
        }
        let Some(b) = sub(d, pos, len) else {
            meta.warn("Error reading RIFF file (corrupted?)");
            break;
        };
        // the chunk data's file offset (ExifTool prints EXIF offsets file-relative)
        let data_pos = pos;
        pos += len + (len & 1);
        match &tag {
            b"VP8 " => {
                if b.len() >= 10 && b[3..6] == [0x9d, 0x01, 0x2a] {
                    let v = (b[0] & 0x0e) >> 1;
                    let s = match v {
                        0 => "0 (bicubic reconstruction, normal loop)".to_string(),
                        1 => "1 (bilinear reconstruction, simple loop)".to_string(),
                        2 => "2 (bilinear reconstruction, no loop)".to_string(),
                        3 => "3 (no reconstruction, no loop)".to_string(),
                        _ => format!("Unknown ({v})"),
                    };
                    put(meta, sub_doc, "VP8Version", s);
                    let w = u16::from_le_bytes([b[6], b[7]]);
                    let h = u16::from_le_bytes([b[8], b[9]]);
                    low_prio.push(("ImageWidth", (w & 0x3fff).to_string()));
                    put(meta, sub_doc, "HorizontalScale", (w >> 14).to_string());
                    low_prio.push(("ImageHeight", (h & 0x3fff).to_string()));
                    put(meta, sub_doc, "VerticalScale", (h >> 14).to_string());
                }
            }
            b"VP8L" => {
                if b.first() == Some(&0x2f) {
                    if let Some(w) = le16(b, 1) {
                        low_prio.push(("ImageWidth", ((w & 0x3fff) + 1).to_string()));
                    }
                    if let Some(h) = le32(b, 2) {
                        low_prio.push(("ImageHeight", (((h >> 6) & 0x3fff) + 1).to_string()));
                    }
                }
            }
            b"VP8X" => {
                meta.set("file", "FileType", "Extended WEBP");
                if let Some(f) = le32(b, 0) {
                    let names = [
                        (1, "Animation"),
                        (2, "XMP"),
                        (3, "EXIF"),
                        (4, "Alpha"),
                        (5, "ICC Profile"),
                    ];
                    let mut out = Vec::new();
                    for bit in 0..32u32 {
                        if f & (1 << bit) != 0 {
                            match names.iter().find(|(b, _)| *b == bit) {
                                Some((_, nm)) => out.push(nm.to_string()),
                                None => out.push(format!("[{bit}]")),
                            }
                        }
                    }
                    let s = if out.is_empty() {
                        "(none)".to_string()
                    } else {
                        out.join(", ")
                    };
                    set(meta, "WebP_Flags", s);
                }
                if let Some(w) = le32(b, 4) {
                    set(meta, "ImageWidth", ((w & 0xff_ffff) + 1).to_string());
                }
                if let Some(h) = le32(b, 6) {
                    set(meta, "ImageHeight", ((h >> 8) + 1).to_string());
                }
            }
            b"ALPH" => {
                if let Some(&a) = b.first() {
                    // (ExifTool reads all three fields with mask 0x03)
                    let v = a & 3;
                    set(
                        meta,
                        "AlphaPreprocessing",
                        match v {
                            0 => "none".to_string(),
                            1 => "Level Reduction".to_string(),
                            _ => format!("Unknown ({v})"),
                        },
                    );
                    set(
                        meta,
                        "AlphaFiltering",
                        ["none", "Horizontal", "Vertical", "Gradient"][v as usize],
                    );
                    set(
                        meta,
                        "AlphaCompression",
                        match v {
                            0 => "none".to_string(),
                            1 => "Lossless".to_string(),
                            _ => format!("Unknown ({v})"),
                        },
                    );
                }
            }
            b"ANIM" => {
                if let Some(c) = sub(b, 0, 4) {
                    let s: Vec<String> = c.iter().map(|x| x.to_string()).collect();
                    set(meta, "BackgroundColor", s.join(" "));
                }
                if let Some(&l) = b.get(4) {
                    let s = if l == 0 {
                        "inf".to_string()
                    } else {
                        l.to_string()
                    };
                    set(meta, "AnimationLoopCount", s);
                }
            }
            b"ANMF" => {
                if let Some(v) = le32(b, 12) {
                    let add = (v & 0x0fff) as u64;
                    duration = Some(duration.unwrap_or(0) + add);
                }
            }
            b"EXIF" => {
                use crate::formats::exif::{parse_tiff_at, Container};
                if b.starts_with(b"II\x2a\0") || b.starts_with(b"MM\0\x2a") {
                    parse_tiff_at(meta, b, Container::Other, data_pos);
                } else if b.starts_with(b"Exif\0\0") {
                    parse_tiff_at(meta, &b[6..], Container::Other, data_pos + 6);
                } else {
                    set(
                        meta,
                        "UnknownEXIF",
                        format!("(Binary data {} bytes, use -b option to extract)", b.len()),
                    );
                }
            }
            b"XMP " => crate::formats::xmp::parse(meta, b),
            b"ICCP" => crate::formats::icc::parse(meta, b),
            _ => {}
        }
    }
    for (tag, v) in low_prio {
        meta.add(G, tag, json_value(&v));
    }
    if let Some(ms) = duration {
        set(meta, "Duration", convert_duration(ms as f64 / 1000.0));
    }
}

/// ExifTool's ConvertDuration.
pub fn convert_duration(t: f64) -> String {
    if t == 0.0 {
        return "0 s".into();
    }
    let (sign, mut t) = if t < 0.0 { ("-", -t) } else { ("", t) };
    if t < 30.0 {
        return format!("{sign}{t:.2} s");
    }
    t += 0.5;
    let mut h = (t / 3600.0).trunc();
    t -= h * 3600.0;
    let m = (t / 60.0).trunc();
    t -= m * 60.0;
    let mut sign = sign.to_string();
    if h > 24.0 {
        let days = (h / 24.0).trunc();
        h -= days * 24.0;
        sign = format!("{sign}{} days ", fmt_num(days));
    }
    format!("{sign}{}:{:02}:{:02}", h as i64, m as i64, t.trunc() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::Value;

    fn ch(tag: &[u8; 4], b: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend_from_slice(&(b.len() as u32).to_le_bytes());
        v.extend_from_slice(b);
        if b.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    pub(crate) fn sample() -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        body.extend(ch(b"VP8X", &[0x0c, 0, 0, 0, 39, 0, 0, 29, 0, 0]));
        body.extend(ch(
            b"VP8 ",
            &[0x50, 0x02, 0, 0x9d, 0x01, 0x2a, 40, 0, 30, 0, 0, 0],
        ));
        let xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:Rating='4'/></rdf:RDF></x:xmpmeta>";
        body.extend(ch(b"XMP ", xmp));
        let mut d = b"RIFF".to_vec();
        d.extend_from_slice(&(body.len() as u32).to_le_bytes());
        d.extend(body);
        d
    }

    #[test]
    fn chunks() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("riff", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("WebP_Flags"), "XMP, EXIF");
        assert_eq!(g("ImageWidth"), 40);
        assert_eq!(g("ImageHeight"), 30);
        assert_eq!(g("VP8Version"), "0 (bicubic reconstruction, normal loop)");
        assert_eq!(g("HorizontalScale"), 0);
        assert_eq!(
            m.get("file", "FileType"),
            Some(&Value::from("Extended WEBP"))
        );
        assert_eq!(m.get("xmp", "Rating"), Some(&Value::from(4)));
        assert_eq!(convert_duration(0.2), "0.20 s");
        assert_eq!(convert_duration(3725.0), "1:02:05");
    }

    #[test]
    fn exif_offsets_are_file_relative() {
        // an EXIF chunk (with and without the "Exif\0\0" prefix) after the sample's chunks
        for prefix in [&b""[..], b"Exif\0\0"] {
            let mut d = sample();
            let data_pos = d.len() + 8 + prefix.len();
            let mut exif = prefix.to_vec();
            exif.extend(crate::formats::exif::test_tiff());
            d.extend(ch(b"EXIF", &exif));
            let size = (d.len() - 8) as u32;
            d[4..8].copy_from_slice(&size.to_le_bytes());
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d);
            // IFD1's ThumbnailOffset is 8 in the block, plus the block's file position
            assert_eq!(
                m.get("exif", "ThumbnailOffset"),
                Some(&Value::from(data_pos as u64 + 8))
            );
        }
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
