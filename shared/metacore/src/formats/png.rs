//! PNG chunks (group `png`), read the way ExifTool's PNG.pm reads them: IHDR, gAMA, cHRM,
//! pHYs, sRGB, tIME, bKGD, PLTE, tRNS, sBIT, oFFs, acTL, cICP, text chunks (tEXt, zTXt,
//! iTXt, with ImageMagick's "Raw profile type" blocks), iCCP -> ICC, eXIf -> EXIF, XMP.

use std::io::Read;

use serde_json::Value;

use crate::bytes::{be32, sub};
use crate::formats::xmp::{fmt_num, json_value};
use crate::model::Metadata;

const G: &str = "png";
const MAX_INFLATE: u64 = 64 << 20;

fn set(meta: &mut Metadata, tag: &str, v: impl AsRef<str>) {
    meta.set(G, tag, json_value(v.as_ref()));
}

fn binary(meta: &mut Metadata, tag: &str, n: usize) {
    meta.set(
        G,
        tag,
        Value::String(format!("(Binary data {n} bytes, use -b option to extract)")),
    );
}

/// zlib inflate with a size cap.
pub fn inflate(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut d = flate2::read::ZlibDecoder::new(data).take(MAX_INFLATE);
    d.read_to_end(&mut out).ok()?;
    Some(out)
}

fn latin1(raw: &[u8]) -> String {
    raw.iter().map(|&b| b as char).collect()
}

/// Parses a PNG file (also used for the PNG-like chunk stream of APNG).
pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        meta.warn("Not a PNG file");
        return;
    }
    let mut pos = 8usize;
    let mut color_type = 0u8;
    let mut was_hdr = false;
    let mut was_end = false;
    let mut count = 0;
    loop {
        count += 1;
        if count > 100_000 || (count % 64 == 0 && meta.budget.exceeded()) {
            break;
        }
        if was_end {
            if pos < data.len() {
                meta.warn("Trailer data after PNG IEND chunk");
            }
            break;
        }
        let (Some(len), Some(kind)) = (be32(data, pos), sub(data, pos + 4, 4)) else {
            meta.warn("Truncated PNG image");
            break;
        };
        if len > 0x7fff_ffff {
            meta.warn("Invalid PNG chunk size");
            break;
        }
        let kind: [u8; 4] = [kind[0], kind[1], kind[2], kind[3]];
        if !was_hdr {
            if &kind == b"IHDR" {
                was_hdr = true;
            } else if &kind == b"CgBI" {
                meta.warn("Non-standard PNG image (Apple iPhone format)");
            } else {
                meta.warn("PNG image did not start with IHDR");
            }
        }
        let start = pos + 8;
        let Some(body) = sub(data, start, len as usize) else {
            meta.warn("Corrupted PNG image");
            break;
        };
        pos = start + len as usize + 4;
        if &kind == b"IEND" {
            was_end = true;
            continue;
        }
        chunk(meta, &kind, body, &mut color_type);
    }
}

#[allow(clippy::collapsible_match)]
fn chunk(meta: &mut Metadata, kind: &[u8; 4], b: &[u8], color_type: &mut u8) {
    match kind {
        b"IHDR" => {
            if let Some(w) = be32(b, 0) {
                set(meta, "ImageWidth", w.to_string());
            }
            if let Some(h) = be32(b, 4) {
                set(meta, "ImageHeight", h.to_string());
            }
            if let Some(&d) = b.get(8) {
                set(meta, "BitDepth", d.to_string());
            }
            if let Some(&c) = b.get(9) {
                *color_type = c;
                let s = match c {
                    0 => "Grayscale".to_string(),
                    2 => "RGB".to_string(),
                    3 => "Palette".to_string(),
                    4 => "Grayscale with Alpha".to_string(),
                    6 => "RGB with Alpha".to_string(),
                    _ => format!("Unknown ({c})"),
                };
                set(meta, "ColorType", s);
            }
            if let Some(&c) = b.get(10) {
                let s = if c == 0 {
                    "Deflate/Inflate".to_string()
                } else {
                    format!("Unknown ({c})")
                };
                set(meta, "Compression", s);
            }
            if let Some(&c) = b.get(11) {
                let s = if c == 0 {
                    "Adaptive".to_string()
                } else {
                    format!("Unknown ({c})")
                };
                set(meta, "Filter", s);
            }
            if let Some(&c) = b.get(12) {
                let s = match c {
                    0 => "Noninterlaced".to_string(),
                    1 => "Adam7 Interlace".to_string(),
                    _ => format!("Unknown ({c})"),
                };
                set(meta, "Interlace", s);
            }
        }
        b"gAMA" => {
            if let Some(a) = be32(b, 0) {
                let v = if a != 0 {
                    fmt_num((1e9 / a as f64 + 0.5).trunc() / 1e4)
                } else {
                    latin1(b)
                };
                set(meta, "Gamma", v);
            }
        }
        b"cHRM" => {
            let names = [
                "WhitePointX",
                "WhitePointY",
                "RedX",
                "RedY",
                "GreenX",
                "GreenY",
                "BlueX",
                "BlueY",
            ];
            for (i, n) in names.iter().enumerate() {
                if let Some(v) = be32(b, i * 4) {
                    set(meta, n, fmt_num(v as f64 / 100000.0));
                }
            }
        }
        b"pHYs" => {
            if let Some(x) = be32(b, 0) {
                set(meta, "PixelsPerUnitX", x.to_string());
            }
            if let Some(y) = be32(b, 4) {
                set(meta, "PixelsPerUnitY", y.to_string());
            }
            if let Some(&u) = b.get(8) {
                let s = match u {
                    0 => "Unknown".to_string(),
                    1 => "meters".to_string(),
                    _ => format!("Unknown ({u})"),
                };
                set(meta, "PixelUnits", s);
            }
        }
        b"sRGB" => {
            if let Some(&v) = b.first() {
                let s = match v {
                    0 => "Perceptual".to_string(),
                    1 => "Relative Colorimetric".to_string(),
                    2 => "Saturation".to_string(),
                    3 => "Absolute Colorimetric".to_string(),
                    _ => format!("Unknown ({v})"),
                };
                set(meta, "SRGBRendering", s);
            }
        }
        b"tIME" => {
            if b.len() >= 7 {
                let y = u16::from_be_bytes([b[0], b[1]]);
                set(
                    meta,
                    "ModifyDate",
                    format!(
                        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                        y, b[2], b[3], b[4], b[5], b[6]
                    ),
                );
            }
        }
        b"bKGD" => {
            let s = if b.len() < 2 {
                b.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                words(b)
            };
            set(meta, "BackgroundColor", s);
        }
        b"PLTE" => {
            if b.len() <= 3 {
                let s: Vec<String> = b.iter().map(|x| x.to_string()).collect();
                set(meta, "Palette", s.join(" "));
            } else {
                binary(meta, "Palette", b.len());
            }
        }
        b"tRNS" => {
            if b.len() > 6 {
                binary(meta, "Transparency", b.len());
            } else if *color_type == 3 {
                let s: Vec<String> = b.iter().map(|x| x.to_string()).collect();
                set(meta, "Transparency", s.join(" "));
            } else {
                set(meta, "Transparency", words(b));
            }
        }
        b"sBIT" => {
            let s: Vec<String> = b.iter().map(|x| x.to_string()).collect();
            set(meta, "SignificantBits", s.join(" "));
        }
        b"oFFs" => {
            if let (Some(x), Some(y), Some(&u)) = (be32(b, 0), be32(b, 4), b.get(8)) {
                let unit = if u != 0 { "microns" } else { "pixels" };
                set(
                    meta,
                    "ImageOffset",
                    format!("{}, {} ({unit})", x as i32, y as i32),
                );
            }
        }
        b"acTL" => {
            meta.set("file", "FileType", "APNG");
            meta.set("file", "MIMEType", "image/apng");
            if let Some(f) = be32(b, 0) {
                set(meta, "AnimationFrames", f.to_string());
            }
            if let Some(p) = be32(b, 4) {
                let s = if p == 0 {
                    "inf".to_string()
                } else {
                    p.to_string()
                };
                set(meta, "AnimationPlays", s);
            }
        }
        b"cICP" => {
            if b.len() >= 4 {
                set(
                    meta,
                    "ColorPrimaries",
                    crate::formats::heif::color_primaries(b[0] as u16),
                );
                set(
                    meta,
                    "TransferCharacteristics",
                    crate::formats::heif::transfer(b[1] as u16),
                );
                set(
                    meta,
                    "MatrixCoefficients",
                    crate::formats::heif::matrix(b[2] as u16),
                );
                set(meta, "VideoFullRangeFlag", b[3].to_string());
            }
        }
        b"iCCP" => {
            let Some(nul) = b.iter().position(|&c| c == 0) else {
                return;
            };
            let name = latin1(&b[..nul]);
            if !name.is_empty() {
                set(meta, "ProfileName", name);
            }
            match b.get(nul + 2..).and_then(inflate) {
                Some(icc) if b.get(nul + 1) == Some(&0) => crate::formats::icc::parse(meta, &icc),
                _ => meta.warn("Error inflating iCCP"),
            }
        }
        b"eXIf" | b"exif" | b"zxIf" | b"zXIf" => {
            let mut d = b;
            if d.starts_with(b"Exif\0\0") {
                meta.warn("Improper \"Exif00\" header in EXIF chunk");
                d = &d[6..];
            }
            if d.starts_with(b"II") || d.starts_with(b"MM") {
                crate::formats::exif::parse_tiff(meta, d);
            } else if d.first() == Some(&0) {
                if let Some(t) = d.get(5..).and_then(inflate) {
                    crate::formats::exif::parse_tiff(meta, &t);
                }
            } else {
                meta.warn("Invalid eXIf chunk");
            }
        }
        b"tXMP" => crate::formats::xmp::parse(meta, b),
        b"tEXt" => {
            let (k, v) = split_nul(b);
            text(meta, k, v.to_vec(), Enc::Latin, None);
        }
        b"zTXt" => {
            let (k, v) = split_nul(b);
            if v.first() != Some(&0) {
                meta.warn(format!(
                    "Unknown compression method {} for {}",
                    v.first().copied().unwrap_or(0),
                    latin1(k)
                ));
                return;
            }
            match inflate(&v[1..]) {
                Some(t) => text(meta, k, t, Enc::Latin, None),
                None => meta.warn(format!("Error inflating {}", latin1(k))),
            }
        }
        b"iTXt" => {
            let (k, rest) = split_nul(b);
            if rest.len() < 4 {
                return;
            }
            let (compressed, method) = (rest[0], rest[1]);
            let (lang, rest) = split_nul(&rest[2..]);
            let (_trans, val) = split_nul(rest);
            let lang = latin1(lang);
            let lang = if lang.is_empty() { None } else { Some(lang) };
            let val = if compressed != 0 {
                if method != 0 {
                    return;
                }
                match inflate(val) {
                    Some(t) => t,
                    None => {
                        meta.warn(format!("Error inflating {}", latin1(k)));
                        return;
                    }
                }
            } else {
                val.to_vec()
            };
            text(meta, k, val, Enc::Utf8, lang.as_deref());
        }
        b"dSIG" => binary(meta, "DigitalSignature", b.len()),
        b"iDOT" => binary(meta, "AppleDataOffsets", b.len()),
        b"hIST" => binary(meta, "PaletteHistogram", b.len()),
        b"pCAL" => binary(meta, "PixelCalibration", b.len()),
        b"sPLT" => binary(meta, "SuggestedPalette", b.len()),
        _ => {}
    }
}

fn words(b: &[u8]) -> String {
    b.chunks_exact(2)
        .map(|w| u16::from_be_bytes([w[0], w[1]]).to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn split_nul(b: &[u8]) -> (&[u8], &[u8]) {
    match b.iter().position(|&c| c == 0) {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &[]),
    }
}

#[derive(Clone, Copy)]
enum Enc {
    Latin,
    Utf8,
}

/// A known TextualData keyword: its tag name and conversion.
fn known_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "Title" => "Title",
        "Author" => "Author",
        "Description" => "Description",
        "Copyright" => "Copyright",
        "Creation Time" => "CreationTime",
        "Software" => "Software",
        "Disclaimer" => "Disclaimer",
        "Warning" => "PNGWarning",
        "Source" => "Source",
        "Comment" => "Comment",
        "Collection" => "Collection",
        "Artist" => "Artist",
        "Document" => "Document",
        "Label" => "Label",
        "Make" => "Make",
        "Model" => "Model",
        "create-date" => "CreateDate",
        "modify-date" => "ModDate",
        "TimeStamp" => "TimeStamp",
        "URL" => "URL",
        _ => return None,
    })
}

fn text(meta: &mut Metadata, key: &[u8], val: Vec<u8>, enc: Enc, lang: Option<&str>) {
    let key = latin1(key);
    // embedded metadata blocks
    let profile = key.strip_prefix("Raw profile type ");
    if key == "XML:com.adobe.xmp" {
        crate::formats::xmp::parse(meta, &val);
        return;
    }
    if let Some(ty) = profile {
        if raw_profile(meta, ty, &val) {
            return;
        }
    }
    let s = match enc {
        Enc::Latin => latin1(&val),
        Enc::Utf8 => String::from_utf8_lossy(&val).into_owned(),
    };
    let known = known_text(&key).or_else(|| {
        let mut c = key.chars();
        let up: String = c
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default();
        known_text(&up)
    });
    let (name, value) = match known {
        Some(n) => {
            let v = match n {
                "CreationTime" => convert_png_date(&s),
                "CreateDate" | "ModDate" => crate::formats::xmp::convert_xmp_date(&s, false),
                _ => s.clone(),
            };
            (n.to_string(), v)
        }
        None => {
            // unknown keyword: white space removed (next letter upper-cased), then made a
            // valid tag name
            let mut n = String::new();
            let mut up = false;
            for c in key.chars() {
                if c.is_whitespace() {
                    up = true;
                    continue;
                }
                if up {
                    n.extend(c.to_uppercase());
                    up = false;
                } else {
                    n.push(c);
                }
            }
            let mut n: String = n
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            if let Some(f) = n.get(..1) {
                n = f.to_uppercase() + &n[1..];
            }
            if n.len() < 2 {
                n = format!("Tag{n}");
            }
            if profile.is_some() {
                binary(meta, &n, val.len());
                return;
            }
            (n, s)
        }
    };
    let name = match lang {
        Some(l) => format!("{name}-{}", lang_case(l)),
        None => name,
    };
    set(meta, &name, value);
}

fn lang_case(l: &str) -> String {
    let parts: Vec<&str> = l.splitn(2, '-').collect();
    if parts.len() == 2 && parts[1].len() == 2 {
        format!("{}-{}", parts[0].to_lowercase(), parts[1].to_uppercase())
    } else {
        l.to_lowercase()
    }
}

/// ImageMagick's hex-encoded "Raw profile type" blocks.
fn raw_profile(meta: &mut Metadata, ty: &str, val: &[u8]) -> bool {
    // "\n<type>\n   <len>\n<hex...>"
    let s = latin1(val);
    let Some(rest) = s.strip_prefix('\n') else {
        return false;
    };
    let Some((_, rest)) = rest.split_once('\n') else {
        return false;
    };
    let rest = rest.trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return false;
    }
    let hex = &rest[digits.len()..];
    let mut buf = Vec::with_capacity(hex.len() / 2);
    let mut hi: Option<u8> = None;
    for c in hex.chars() {
        let Some(d) = c.to_digit(16) else { continue };
        match hi.take() {
            Some(h) => buf.push(h << 4 | d as u8),
            None => hi = Some(d as u8),
        }
    }
    match ty {
        "exif" | "APP1" => {
            if buf.starts_with(b"Exif\0\0") {
                crate::formats::exif::parse_tiff(meta, &buf[6..]);
            } else if buf.starts_with(b"II") || buf.starts_with(b"MM") {
                crate::formats::exif::parse_tiff(meta, &buf);
            } else if ty == "APP1" && buf.starts_with(b"http://ns.adobe.com/xap/1.0/\0") {
                crate::formats::xmp::parse(meta, &buf[29..]);
            } else if ty == "APP1" {
                crate::formats::xmp::parse(meta, &buf);
            }
            true
        }
        "icc" | "icm" => {
            crate::formats::icc::parse(meta, &buf);
            true
        }
        "iptc" => {
            if buf.first() == Some(&0x1c) {
                crate::formats::iptc::parse(meta, &buf);
            } else {
                crate::formats::photoshop::parse(meta, &buf);
            }
            true
        }
        "xmp" => {
            crate::formats::xmp::parse(meta, &buf);
            true
        }
        "8bim" => {
            crate::formats::photoshop::parse(meta, &buf);
            true
        }
        _ => false,
    }
}

/// ExifTool's ConvertPNGDate: RFC-1123 dates to EXIF format.
fn convert_png_date(val: &str) -> String {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let toks: Vec<&str> = val
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    for i in 0..toks.len() {
        let Ok(day) = toks[i].parse::<u32>() else {
            continue;
        };
        let Some(mon) = toks
            .get(i + 1)
            .and_then(|m| MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m)))
        else {
            continue;
        };
        let Some(Ok(mut yr)) = toks.get(i + 2).map(|y| y.parse::<u32>()) else {
            continue;
        };
        let Some(time) = toks.get(i + 3) else {
            continue;
        };
        let tp: Vec<&str> = time.split(':').collect();
        if tp.len() < 2 {
            continue;
        }
        if yr < 100 {
            yr += if yr > 70 { 1900 } else { 2000 };
        }
        let sec = tp
            .get(2)
            .map(|s| format!(":{s}"))
            .unwrap_or_else(|| ":00".into());
        let tz = match toks.get(i + 4) {
            None => String::new(),
            Some(t) => match t.to_ascii_uppercase().as_str() {
                "UT" | "UTC" | "GMT" | "Z" => "Z".into(),
                "EST" => "-05:00".into(),
                "EDT" => "-04:00".into(),
                "CST" => "-06:00".into(),
                "CDT" => "-05:00".into(),
                "MST" => "-07:00".into(),
                "MDT" => "-06:00".into(),
                "PST" => "-08:00".into(),
                "PDT" => "-07:00".into(),
                x if (x.starts_with('+') || x.starts_with('-')) && x.len() >= 5 => {
                    let d: String = x[1..].chars().filter(|c| c.is_ascii_digit()).collect();
                    if d.len() >= 4 {
                        format!("{}{}:{}", &x[..1], &d[..2], &d[2..4])
                    } else {
                        return val.to_string();
                    }
                }
                _ => return val.to_string(),
            },
        };
        let Ok(hr) = tp[0].parse::<u32>() else {
            continue;
        };
        return format!(
            "{:04}:{:02}:{:02} {:02}:{}{}{}",
            yr,
            mon + 1,
            day,
            hr,
            tp[1],
            sec,
            tz
        );
    }
    val.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xffff_ffffu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    fn ch(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = (body.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        let mut c = kind.to_vec();
        c.extend_from_slice(body);
        v.extend_from_slice(&crc32(&c).to_be_bytes());
        v
    }

    fn deflate(d: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = e.write_all(d);
        e.finish().unwrap_or_default()
    }

    pub(crate) fn sample() -> Vec<u8> {
        let mut d = b"\x89PNG\r\n\x1a\n".to_vec();
        d.extend(ch(b"IHDR", &[0, 0, 0, 64, 0, 0, 0, 48, 8, 6, 0, 0, 0]));
        d.extend(ch(b"gAMA", &45455u32.to_be_bytes()));
        d.extend(ch(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1]));
        d.extend(ch(b"tIME", &[0x07, 0xea, 11, 27, 10, 16, 46]));
        d.extend(ch(b"tEXt", b"Comment\0hello"));
        d.extend(ch(b"tEXt", b"date:create\x002026-11-27T10:16:46+00:00"));
        let mut z = b"Title\0\0".to_vec();
        z.extend(deflate(b"ttl"));
        d.extend(ch(b"zTXt", &z));
        d.extend(ch(b"iTXt", b"Description\0\0\0de\0\0Beschreibung"));
        let xmp = b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator><rdf:Seq><rdf:li>x</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>";
        let mut it = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
        it.extend_from_slice(xmp);
        d.extend(ch(b"iTXt", &it));
        d.extend(ch(b"IDAT", &[0; 4]));
        d.extend(ch(b"IEND", &[]));
        d
    }

    #[test]
    fn chunks() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("png", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("ImageWidth"), 64);
        assert_eq!(g("ColorType"), "RGB with Alpha");
        assert_eq!(g("Compression"), "Deflate/Inflate");
        assert_eq!(g("Interlace"), "Noninterlaced");
        assert_eq!(g("Gamma"), 2.2);
        assert_eq!(g("PixelUnits"), "meters");
        assert_eq!(g("ModifyDate"), "2026:11:27 10:16:46");
        assert_eq!(g("Comment"), "hello");
        assert_eq!(g("Datecreate"), "2026-11-27T10:16:46+00:00");
        assert_eq!(g("Title"), "ttl");
        assert_eq!(g("Description-de"), "Beschreibung");
        assert_eq!(m.get("xmp", "Creator"), Some(&Value::from("x")));
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn dates() {
        assert_eq!(
            convert_png_date("Mon, 1 Jan 2018 12:10:22 EST"),
            "2018:01:01 12:10:22-05:00"
        );
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
