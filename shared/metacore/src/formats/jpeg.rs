//! JPEG segments: JFIF, EXIF, XMP (standard and extended), ICC, MPF, Photoshop/IPTC, Adobe,
//! Ducky/PictureInfo, COM, SOF.

use crate::bytes::{be16, be32, u16_at, u32_at, Endian};
use crate::formats::exif;
use crate::model::Metadata;
use serde_json::Value;

/// Most segments walked before giving up (a real JPEG has a few dozen).
const MAX_SEGMENTS: usize = 4096;
/// Largest reassembled ICC profile / extended XMP.
const MAX_REASSEMBLED: usize = 64 << 20;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    parse_embedded(meta, data, 0);
}

/// Parses a JPEG that starts at file offset `base` (an embedded preview, e.g. in RAF), so
/// that EXIF offsets are printed file-relative as ExifTool does.
pub fn parse_embedded(meta: &mut Metadata, data: &[u8], base: usize) {
    if data.get(..2) != Some(&[0xFF, 0xD8]) {
        meta.warn("File format error");
        return;
    }
    let mut pos = 2usize;
    let mut icc_chunks: Vec<(u8, u8, &[u8])> = Vec::new();
    let mut ext_xmp: Vec<(Vec<u8>, u32, u32, &[u8])> = Vec::new();
    let mut found_sos = false;
    let mut segments = 0;
    loop {
        segments += 1;
        if segments > MAX_SEGMENTS || meta.budget.exceeded() {
            break;
        }
        // Find the next marker: skip garbage up to 0xFF, then any 0xFF fill bytes.
        let Some(rel) = data
            .get(pos..)
            .and_then(|d| d.iter().position(|&b| b == 0xFF))
        else {
            break;
        };
        pos += rel;
        while data.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = data.get(pos) else {
            break;
        };
        pos += 1;
        if marker == 0xD9 {
            break;
        }
        if marker == 0x00 || marker == 0x01 || (0xD0..=0xD8).contains(&marker) {
            continue;
        }
        let Some(len) = be16(data, pos).map(|l| l as usize) else {
            meta.warn("JPEG format error");
            break;
        };
        if len < 2 {
            meta.warn("JPEG format error");
            break;
        }
        let start = pos + 2;
        let end = pos + len;
        let Some(seg) = data.get(start..end) else {
            // ExifTool stops at a segment it cannot read in full.
            meta.warn("JPEG format error");
            break;
        };
        pos = end;
        match marker {
            0xDA => {
                found_sos = true;
                break;
            }
            0xC0..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                sof(meta, marker, seg)
            }
            0xE0 => app0(meta, seg),
            0xE1 => {
                if let Some(tiff) = exif_payload(seg) {
                    let base = base + start + (seg.len() - tiff.len());
                    exif::parse_tiff_jpeg(meta, tiff, base);
                } else if let Some(x) = seg.strip_prefix(b"http://ns.adobe.com/xap/1.0/\0") {
                    crate::formats::xmp::parse(meta, x);
                } else if let Some(x) = seg.strip_prefix(b"http://ns.adobe.com/xmp/extension/\0") {
                    if x.len() >= 40 {
                        let guid = x[..32].to_vec();
                        let full = be32(x, 32).unwrap_or(0);
                        let off = be32(x, 36).unwrap_or(0);
                        ext_xmp.push((guid, full, off, &x[40..]));
                    }
                }
            }
            0xE2 => {
                if let Some(x) = seg.strip_prefix(b"ICC_PROFILE\0") {
                    if x.len() >= 2 {
                        icc_chunks.push((x[0], x[1], &x[2..]));
                    }
                } else if let Some(x) = seg.strip_prefix(b"MPF\0") {
                    mpf(meta, x);
                }
            }
            0xE3 if seg.len() > 6
                && matches!(&seg[..6], b"Meta\0\0" | b"META\0\0" | b"Exif\0\0") =>
            {
                kodak_meta(meta, &seg[6..]);
            }
            0xEC => {
                if let Some(x) = seg.strip_prefix(b"Ducky") {
                    ducky(meta, x);
                } else {
                    picture_info(meta, seg);
                }
            }
            0xED => {
                if let Some(x) = seg.strip_prefix(b"Photoshop 3.0\0") {
                    crate::formats::photoshop::parse(meta, x);
                }
            }
            0xEE => {
                if let Some(x) = seg.strip_prefix(b"Adobe") {
                    adobe(meta, x);
                }
            }
            0xFE => {
                let end = seg.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                let c = exif::decode_text(&seg[..end]);
                // ExifTool keeps the first COM segment's text.
                meta.add("file", "Comment", c);
            }
            _ => {}
        }
    }
    if !found_sos && pos >= data.len() {
        meta.warn("JPEG format error");
    }
    finish_icc(meta, &mut icc_chunks);
    finish_ext_xmp(meta, &ext_xmp);
}

/// The TIFF block of an APP1 Exif segment ("Exif\0\0" header; ExifTool allows up to 4
/// bytes of junk before it and any byte after the NUL).
fn exif_payload(seg: &[u8]) -> Option<&[u8]> {
    for skip in 0..=4 {
        let s = seg.get(skip..)?;
        if s.len() >= 6 && &s[..5] == b"Exif\0" {
            return s.get(6..);
        }
        if s.len() >= 6 && s[..5].eq_ignore_ascii_case(b"exif\0") {
            return s.get(6..);
        }
    }
    None
}

fn sof(meta: &mut Metadata, marker: u8, seg: &[u8]) {
    if seg.len() < 6 {
        return;
    }
    let p = seg[0];
    let h = be16(seg, 1).unwrap_or(0);
    let w = be16(seg, 3).unwrap_or(0);
    let n = seg[5];
    let proc_ = marker - 0xC0;
    let ep = match proc_ {
        0x0 => "Baseline DCT, Huffman coding",
        0x1 => "Extended sequential DCT, Huffman coding",
        0x2 => "Progressive DCT, Huffman coding",
        0x3 => "Lossless, Huffman coding",
        0x5 => "Sequential DCT, differential Huffman coding",
        0x6 => "Progressive DCT, differential Huffman coding",
        0x7 => "Lossless, Differential Huffman coding",
        0x9 => "Extended sequential DCT, arithmetic coding",
        0xa => "Progressive DCT, arithmetic coding",
        0xb => "Lossless, arithmetic coding",
        0xd => "Sequential DCT, differential arithmetic coding",
        0xe => "Progressive DCT, differential arithmetic coding",
        0xf => "Lossless, differential arithmetic coding",
        _ => "",
    };
    let ep = if !ep.is_empty() {
        Value::from(ep)
    } else {
        Value::from(format!("Unknown (0x{proc_:x})"))
    };
    // one group lookup for the five
    meta.add_all(
        "file",
        [
            ("ImageWidth", Value::from(w)),
            ("ImageHeight", h.into()),
            ("EncodingProcess", ep),
            ("BitsPerSample", p.into()),
            ("ColorComponents", n.into()),
        ],
    );
    if n != 3 || seg.len() < 15 {
        return;
    }
    let (mut hmin, mut hmax, mut vmin, mut vmax) = (0u8, 0u8, 0u8, 0u8);
    for i in 0..3 {
        let sf = seg[7 + 3 * i];
        let (hf, vf) = (sf >> 4, sf & 0x0f);
        if i == 0 {
            hmin = hf;
            hmax = hf;
            vmin = vf;
            vmax = vf;
            continue;
        }
        hmin = hmin.min(hf);
        hmax = hmax.max(hf);
        vmin = vmin.min(vf);
        vmax = vmax.max(vf);
    }
    if hmin > 0 && vmin > 0 {
        let hs = exif::format_g(hmax as f64 / hmin as f64, 15);
        let vs = exif::format_g(vmax as f64 / vmin as f64, 15);
        let key = crate::bytes::cat(&[&hs, " ", &vs]);
        let v = match key.as_str() {
            "1 1" => "YCbCr4:4:4 (1 1)".to_string(),
            "2 1" => "YCbCr4:2:2 (2 1)".to_string(),
            "2 2" => "YCbCr4:2:0 (2 2)".to_string(),
            "4 1" => "YCbCr4:1:1 (4 1)".to_string(),
            "4 2" => "YCbCr4:1:0 (4 2)".to_string(),
            "1 2" => "YCbCr4:4:0 (1 2)".to_string(),
            "1 4" => "YCbCr4:4:1 (1 4)".to_string(),
            "2 4" => "YCbCr4:2:1 (2 4)".to_string(),
            _ => format!("Unknown ({key})"),
        };
        meta.add("file", "YCbCrSubSampling", v);
    }
}

fn app0(meta: &mut Metadata, seg: &[u8]) {
    // Canon PowerShot CIFF ("HEAPJPGM") in APP0 carries the camera's maker notes.
    if seg.get(6..14) == Some(b"HEAPJPGM") {
        crate::formats::makernotes::parse_ciff(meta, seg);
        return;
    }
    if let Some(x) = seg.strip_prefix(b"JFIF\0") {
        if x.len() < 7 {
            return;
        }
        meta.add(
            "jfif",
            "JFIFVersion",
            exif::json_value(format!("{}.{:02}", x[0], x[1])),
        );
        let unit = match x[2] {
            0 => "None".to_string(),
            1 => "inches".to_string(),
            2 => "cm".to_string(),
            u => format!("Unknown ({u})"),
        };
        meta.add("jfif", "ResolutionUnit", unit);
        meta.add("jfif", "XResolution", be16(x, 3).unwrap_or(0));
        meta.add("jfif", "YResolution", be16(x, 5).unwrap_or(0));
        let (tw, th) = (
            x.get(7).copied().unwrap_or(0),
            x.get(8).copied().unwrap_or(0),
        );
        if tw > 0 {
            meta.add("jfif", "ThumbnailWidth", tw);
        }
        if th > 0 {
            meta.add("jfif", "ThumbnailHeight", th);
        }
    } else if let Some(x) = seg.strip_prefix(b"JFXX\0") {
        if x.first() == Some(&0x10) && x.len() > 1 {
            meta.add(
                "jfif",
                "ThumbnailImage",
                format!(
                    "(Binary data {} bytes, use -b option to extract)",
                    x.len() - 1
                ),
            );
        }
    }
}

fn adobe(meta: &mut Metadata, x: &[u8]) {
    if x.len() < 7 {
        return;
    }
    let bits = |v: u16, names: &[(u32, &str)]| -> String {
        if v == 0 {
            return "(none)".into();
        }
        let mut out = Vec::new();
        for b in 0..16u32 {
            if v & (1 << b) != 0 {
                match names.iter().find(|(n, _)| *n == b) {
                    Some((_, s)) => out.push(s.to_string()),
                    None => out.push(format!("[{b}]")),
                }
            }
        }
        out.join(", ")
    };
    meta.add("app14", "DCTEncodeVersion", be16(x, 0).unwrap_or(0));
    meta.add(
        "app14",
        "APP14Flags0",
        bits(
            be16(x, 2).unwrap_or(0),
            &[(15, "Encoded with Blend=1 downsampling")],
        ),
    );
    meta.add("app14", "APP14Flags1", bits(be16(x, 4).unwrap_or(0), &[]));
    let ct = match x[6] {
        0 => "Unknown (RGB or CMYK)".to_string(),
        1 => "YCbCr".to_string(),
        2 => "YCCK".to_string(),
        v => format!("Unknown ({v})"),
    };
    meta.add("app14", "ColorTransform", ct);
}

fn ducky(meta: &mut Metadata, x: &[u8]) {
    let mut pos = 0usize;
    while pos + 4 <= x.len() {
        let tag = be16(x, pos).unwrap_or(0);
        let len = be16(x, pos + 2).unwrap_or(0) as usize;
        pos += 4;
        let Some(val) = x.get(pos..pos + len) else {
            meta.warn("Invalid Ducky block length");
            break;
        };
        pos += len;
        match tag {
            0 => break,
            1 if len >= 4 => {
                meta.add(
                    "ducky",
                    "Quality",
                    format!("{}%", be32(val, 0).unwrap_or(0)),
                );
            }
            2 | 3 if len >= 4 => {
                let s = exif::conv_decode_utf16(&val[4..], false);
                meta.add("ducky", if tag == 2 { "Comment" } else { "Copyright" }, s);
            }
            _ => {}
        }
    }
}

/// APP12 "Picture Info": `[Section]` headers and `tag=value` pairs.
fn picture_info(meta: &mut Metadata, seg: &[u8]) {
    let text: String = seg.iter().map(|&b| b as char).collect();
    let mut found = false;
    for tok in text.split(['\r', '\n', '\0']) {
        let tok = tok.trim();
        if tok.is_empty() || tok.starts_with('[') {
            found |= tok.starts_with('[');
            continue;
        }
        let Some((k, v)) = tok.split_once('=') else {
            continue;
        };
        if k.is_empty()
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == '-')
            || v.is_empty()
            || !v.chars().all(|c| (' '..='~').contains(&c))
        {
            continue;
        }
        found = true;
        let v = v.trim_end().to_string();
        let (name, value): (String, Value) = match k {
            "FNumber" | "Aperture" => {
                let t = v.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == ' ');
                match t.parse::<f64>() {
                    Ok(f) => (k.into(), exif::json_value(format!("{f:.1}"))),
                    Err(_) => (k.into(), exif::json_value(t.to_string())),
                }
            }
            "TimeDate" => ("DateTimeOriginal".into(), Value::String(unix_or(&v))),
            "Shutter" | "shtr" => match v.parse::<f64>() {
                Ok(f) => {
                    meta.raw
                        .insert("app12:ExposureTime".into(), Value::from(f * 1e-6));
                    (
                        "ExposureTime".into(),
                        exif::json_value(exif::print_exposure_time(&exif::format_g(f * 1e-6, 15))),
                    )
                }
                Err(_) => ("ExposureTime".into(), Value::String(v)),
            },
            "Serial#" => ("SerialNumber".into(), exif::json_value(v)),
            "Flash" | "Macro" => (
                k.into(),
                Value::String(match v.as_str() {
                    "0" => "Off".into(),
                    "1" => "On".into(),
                    _ => format!("Unknown ({v})"),
                }),
            ),
            "Ytarget" => ("YTarget".into(), exif::json_value(v)),
            "ylevel" => ("YLevel".into(), exif::json_value(v)),
            "ExpBias" => ("ExposureCompensation".into(), exif::json_value(v)),
            "FWare" => ("FirmwareVersion".into(), exif::json_value(v)),
            "ImageSize" => (k.into(), exif::json_value(v.replace('-', "x"))),
            "Type" => ("CameraType".into(), exif::json_value(v)),
            _ => {
                let mut c = k.chars();
                let name = match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => continue,
                };
                // ExifTool's AddTagToTable prefixes names shorter than 2 characters.
                let name = if name.len() < 2 {
                    format!("Tag{name}")
                } else {
                    name
                };
                (name, exif::json_value(v))
            }
        };
        meta.set("app12", &name, value);
    }
    let _ = found;
}

fn unix_or(v: &str) -> String {
    if let Ok(t) = v.parse::<i64>() {
        // ConvertUnixTime (UTC).
        let days = t.div_euclid(86400);
        let secs = t.rem_euclid(86400);
        let (y, m, d) = civil_from_days(days);
        return format!(
            "{y:04}:{m:02}:{d:02} {:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        );
    }
    v.to_string()
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z.rem_euclid(146097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// MPF (CIPA DC-007): a TIFF-style header and IFD; only the index IFD is read.
fn mpf(meta: &mut Metadata, t: &[u8]) {
    let e = match t.get(..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => return,
    };
    let Some(off) = u32_at(t, 4, e).map(|x| x as usize) else {
        return;
    };
    let Some(n) = u16_at(t, off, e) else { return };
    for i in 0..(n as usize).min(64) {
        let ent = off + 2 + 12 * i;
        let (Some(tag), Some(fmt), Some(count)) = (
            u16_at(t, ent, e),
            u16_at(t, ent + 2, e),
            u32_at(t, ent + 4, e),
        ) else {
            break;
        };
        let count = count as usize;
        let size = count.saturating_mul(match fmt {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 => 4,
            _ => 8,
        });
        let voff = if size > 4 {
            match u32_at(t, ent + 8, e) {
                Some(p) => p as usize,
                None => continue,
            }
        } else {
            ent + 8
        };
        match tag {
            0xb000 => {
                if let Some(v) = t.get(voff..voff + count.min(4)) {
                    meta.add("mpf", "MPFVersion", exif::decode_text(v));
                }
            }
            0xb001 => {
                if let Some(v) = u32_at(t, voff, e) {
                    meta.add("mpf", "NumberOfImages", v);
                }
            }
            0xb002 => {
                let Some(list) = t.get(voff..voff.saturating_add(size)) else {
                    continue;
                };
                for ent in list.chunks_exact(16).take(64) {
                    let v = u32_at(ent, 0, e).unwrap_or(0);
                    let flags = (v & 0xf800_0000) >> 27;
                    let mut names = Vec::new();
                    for b in 0..5u32 {
                        if flags & (1 << b) != 0 {
                            names.push(match b {
                                2 => "Representative image".to_string(),
                                3 => "Dependent child image".to_string(),
                                4 => "Dependent parent image".to_string(),
                                _ => format!("[{b}]"),
                            });
                        }
                    }
                    let flags = if names.is_empty() {
                        "(none)".to_string()
                    } else {
                        names.join(", ")
                    };
                    meta.set("mpf", "MPImageFlags", flags);
                    let fmt = (v & 0x0700_0000) >> 24;
                    meta.set(
                        "mpf",
                        "MPImageFormat",
                        if fmt == 0 {
                            "JPEG".to_string()
                        } else {
                            format!("Unknown ({fmt})")
                        },
                    );
                    let ty = v & 0x00ff_ffff;
                    let tys = match ty {
                        0x000000 => "Undefined".to_string(),
                        0x010001 => "Large Thumbnail (VGA equivalent)".to_string(),
                        0x010002 => "Large Thumbnail (full HD equivalent)".to_string(),
                        0x020001 => "Multi-frame Panorama".to_string(),
                        0x020002 => "Multi-frame Disparity".to_string(),
                        0x020003 => "Multi-angle".to_string(),
                        0x030000 => "Baseline MP Primary Image".to_string(),
                        _ => format!("Unknown (0x{ty:x})"),
                    };
                    meta.set("mpf", "MPImageType", tys);
                    meta.set("mpf", "MPImageLength", u32_at(ent, 4, e).unwrap_or(0));
                    meta.set("mpf", "MPImageStart", u32_at(ent, 8, e).unwrap_or(0));
                    meta.set(
                        "mpf",
                        "DependentImage1EntryNumber",
                        u16_at(ent, 12, e).unwrap_or(0),
                    );
                    meta.set(
                        "mpf",
                        "DependentImage2EntryNumber",
                        u16_at(ent, 14, e).unwrap_or(0),
                    );
                }
            }
            _ => {}
        }
    }
}

const KODAK_META: &[(u16, &str)] = &[
    (0xc350, "FilmProductCode"),
    (0xc351, "ImageSourceEK"),
    (0xc352, "CaptureConditionsPAR"),
    (0xc353, "CameraOwner"),
    (0xc354, "SerialNumber"),
    (0xc355, "UserSelectGroupTitle"),
    (0xc356, "DealerIDNumber"),
    (0xc357, "CaptureDeviceFID"),
    (0xc358, "EnvelopeNumber"),
    (0xc359, "FrameNumber"),
    (0xc35a, "FilmCategory"),
    (0xc35b, "FilmGencode"),
    (0xc35c, "ModelAndVersion"),
    (0xc35d, "FilmSize"),
    (0xc35e, "SBA_RGBShifts"),
    (0xc35f, "SBAInputImageColorspace"),
    (0xc360, "SBAInputImageBitDepth"),
    (0xc361, "SBAExposureRecord"),
    (0xc362, "UserAdjSBA_RGBShifts"),
    (0xc363, "ImageRotationStatus"),
    (0xc364, "RollGuidElements"),
    (0xc365, "MetadataNumber"),
    (0xc366, "EditTagArray"),
    (0xc367, "Magnification"),
    (0xc36c, "NativeXResolution"),
    (0xc36d, "NativeYResolution"),
    (0xc37a, "NativeResolutionUnit"),
    (0xc418, "SourceImageDirectory"),
    (0xc419, "SourceImageFileName"),
    (0xc41a, "SourceImageVolumeName"),
    (0xc46c, "PrintQuality"),
    (0xc46e, "ImagePrintStatus"),
];
const KODAK_EFFECTS: &[(u16, &str)] = &[
    (0, "DigitalEffectsVersion"),
    (1, "DigitalEffectsName"),
    (2, "DigitalEffectsType"),
];
const KODAK_BORDERS: &[(u16, &str)] = &[
    (0, "BordersVersion"),
    (1, "BorderName"),
    (2, "BorderID"),
    (3, "BorderLocation"),
    (4, "BorderType"),
    (8, "WatermarkType"),
];

/// Kodak's APP3 "Meta" segment: a TIFF structure with Kodak's own tags (group Meta).
fn kodak_meta(meta: &mut Metadata, t: &[u8]) {
    let e = match t.get(..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => return,
    };
    let Some(off) = u32_at(t, 4, e).map(|x| x as usize) else {
        return;
    };
    kodak_ifd(meta, t, e, off, KODAK_META, 0);
}

fn kodak_ifd(
    meta: &mut Metadata,
    t: &[u8],
    e: Endian,
    off: usize,
    table: &[(u16, &str)],
    depth: usize,
) {
    if depth > 1 {
        return;
    }
    let Some(n) = u16_at(t, off, e) else { return };
    for i in 0..(n as usize).min(256) {
        let ent = off + 2 + 12 * i;
        let (Some(tag), Some(fmt), Some(count)) = (
            u16_at(t, ent, e),
            u16_at(t, ent + 2, e),
            u32_at(t, ent + 4, e),
        ) else {
            break;
        };
        let size_of = [0usize, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
        let Some(&fs) = size_of.get(fmt as usize).filter(|&&s| s > 0) else {
            continue;
        };
        let Some(size) = (count as usize).checked_mul(fs) else {
            continue;
        };
        let voff = if size > 4 {
            match u32_at(t, ent + 8, e) {
                Some(p) => p as usize,
                None => continue,
            }
        } else {
            ent + 8
        };
        if depth == 0 && (tag == 0xc36e || tag == 0xc36f) {
            if let Some(p) = u32_at(t, voff, e) {
                let sub = if tag == 0xc36e {
                    KODAK_EFFECTS
                } else {
                    KODAK_BORDERS
                };
                kodak_ifd(meta, t, e, p as usize, sub, depth + 1);
            }
            continue;
        }
        let Some(name) = table.iter().find(|(id, _)| *id == tag).map(|(_, n)| *n) else {
            continue;
        };
        let Some(raw) = exif::read_value(t, voff, fmt, count as usize, e) else {
            continue;
        };
        let v = match (&raw, name) {
            (
                exif::Raw::Undef(b),
                "CameraOwner" | "SerialNumber" | "DigitalEffectsName" | "BorderName",
            ) => Value::String(exif::convert_exif_text(b, e)),
            _ => exif::json_value(raw.to_text()),
        };
        meta.add("meta", name, v);
    }
}

fn finish_icc(meta: &mut Metadata, chunks: &mut [(u8, u8, &[u8])]) {
    if chunks.is_empty() {
        return;
    }
    chunks.sort_by_key(|c| c.0);
    let total: usize = chunks.iter().map(|c| c.2.len()).sum();
    if total > MAX_REASSEMBLED {
        meta.warn("ICC profile too large");
        return;
    }
    let mut icc = Vec::with_capacity(total);
    for c in chunks.iter() {
        icc.extend_from_slice(c.2);
    }
    let expected = chunks[0].1 as usize;
    if expected != chunks.len() {
        meta.warn("Incomplete ICC_Profile record");
    }
    crate::formats::icc::parse(meta, &icc);
}

fn finish_ext_xmp(meta: &mut Metadata, parts: &[(Vec<u8>, u32, u32, &[u8])]) {
    let Some(first) = parts.first() else { return };
    let guid = &first.0;
    let full = first.1 as usize;
    if full == 0 || full > MAX_REASSEMBLED {
        return;
    }
    let mut buf = vec![0u8; full];
    let mut got = 0usize;
    for (g, f, off, d) in parts {
        if g != guid || *f as usize != full {
            continue;
        }
        let off = *off as usize;
        let Some(end) = off.checked_add(d.len()).filter(|&e| e <= full) else {
            continue;
        };
        buf[off..end].copy_from_slice(d);
        got += d.len();
    }
    if got >= full {
        crate::formats::xmp::parse(meta, &buf);
    } else {
        meta.warn("Incomplete extended XMP");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    pub(crate) fn sample_jpeg() -> Vec<u8> {
        let mut d = vec![0xFF, 0xD8];
        // APP0 JFIF
        let jfif = [b"JFIF\0".as_slice(), &[1, 1, 1, 0, 72, 0, 72, 0, 0]].concat();
        seg(&mut d, 0xE0, &jfif);
        // APP1 Exif
        let exif = [b"Exif\0\0".as_slice(), &crate::formats::exif::test_tiff()].concat();
        seg(&mut d, 0xE1, &exif);
        // APP14 Adobe
        seg(&mut d, 0xEE, b"Adobe\0\x64\x80\x00\x00\x00\x01");
        // COM
        seg(&mut d, 0xFE, b"hello\0");
        // SOF0: 8 bits, 480x640, 3 comps 2x2,1x1,1x1
        seg(
            &mut d,
            0xC0,
            &[8, 1, 0xE0, 2, 0x80, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
        );
        seg(&mut d, 0xDA, &[1, 1, 0, 0, 63, 0]);
        d.extend_from_slice(&[0x12, 0x34, 0xFF, 0xD9]);
        d
    }

    fn seg(d: &mut Vec<u8>, m: u8, p: &[u8]) {
        d.extend_from_slice(&[0xFF, m]);
        d.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
        d.extend_from_slice(p);
    }

    fn run(d: &[u8]) -> Metadata {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
        m
    }

    #[test]
    fn segments() {
        let m = run(&sample_jpeg());
        let g = |gr: &str, t: &str| m.get(gr, t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("file", "ImageWidth"), 640);
        assert_eq!(g("file", "ImageHeight"), 480);
        assert_eq!(g("file", "EncodingProcess"), "Baseline DCT, Huffman coding");
        assert_eq!(g("file", "YCbCrSubSampling"), "YCbCr4:2:0 (2 2)");
        assert_eq!(g("file", "ColorComponents"), 3);
        assert_eq!(g("file", "BitsPerSample"), 8);
        assert_eq!(g("file", "Comment"), "hello");
        assert_eq!(g("jfif", "JFIFVersion"), 1.01);
        assert_eq!(g("jfif", "ResolutionUnit"), "inches");
        assert_eq!(g("jfif", "XResolution"), 72);
        assert_eq!(g("exif", "Make"), "Canon");
        assert_eq!(g("app14", "DCTEncodeVersion"), 100);
        assert_eq!(
            g("app14", "APP14Flags0"),
            "Encoded with Blend=1 downsampling"
        );
        assert_eq!(g("app14", "APP14Flags1"), "(none)");
        assert_eq!(g("app14", "ColorTransform"), "YCbCr");
    }

    #[test]
    fn truncations_do_not_panic() {
        let d = sample_jpeg();
        for n in 0..d.len() {
            let _ = run(&d[..n]);
        }
        let mut g = d.clone();
        for i in (2..g.len()).step_by(5) {
            g[i] ^= 0x5A;
            let _ = run(&g);
        }
    }

    #[test]
    fn kodak_meta_segment() {
        // MM TIFF: one IFD entry MetadataNumber (undef[4] "0100").
        let mut t = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        t.extend_from_slice(&[0xc3, 0x65, 0, 7, 0, 0, 0, 4]);
        t.extend_from_slice(b"0100");
        t.extend_from_slice(&[0, 0, 0, 0]);
        let mut d = vec![0xFF, 0xD8];
        seg(&mut d, 0xE3, &[b"Meta\0\0".as_slice(), &t].concat());
        let m = run(&d);
        assert_eq!(m.get("meta", "MetadataNumber").cloned().unwrap(), "0100");
        for n in 0..d.len() {
            let _ = run(&d[..n]);
        }
    }

    #[test]
    fn fill_bytes_and_garbage() {
        let mut d = vec![0xFF, 0xD8, 0x00, 0x11, 0xFF, 0xFF, 0xFF];
        d.extend_from_slice(&[0xFE, 0, 5, b'a', b'b', b'c']);
        let m = run(&d);
        assert_eq!(m.get("file", "Comment").cloned().unwrap(), "abc");
    }
}
