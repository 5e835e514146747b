//! BMP headers (ExifTool puts them in the `file` group), read the way BMP.pm reads them,
//! with the embedded ICC profile of V5 headers.

use crate::bytes::{le16, le32, sub};
use crate::formats::xmp::{fmt_num, json_value};
use crate::model::Metadata;

const G: &str = "file";

fn set(meta: &mut Metadata, tag: &str, v: impl AsRef<str>) {
    meta.set(G, tag, json_value(v.as_ref()));
}

/// Parses a BMP file.
pub fn parse(meta: &mut Metadata, d: &[u8]) {
    if !d.starts_with(b"BM") {
        meta.warn("Not a BMP file");
        return;
    }
    let Some(len) = le32(d, 14) else { return };
    let len = len as usize;
    if !(len == 12 || len == 16 || (40..1_000_000).contains(&len)) {
        return;
    }
    let Some(h) = sub(d, 14, len) else {
        meta.warn("Truncated BMP header");
        return;
    };
    if len == 12 || len == 16 || len == 64 {
        let v = match len {
            12 => "OS/2 V1".to_string(),
            64 => "OS/2 V2".to_string(),
            _ => format!("Unknown ({len})"),
        };
        set(meta, "BMPVersion", v);
        let f = |o: usize| le16(h, o).map(|x| x.to_string());
        for (o, n) in [
            (4, "ImageWidth"),
            (6, "ImageHeight"),
            (8, "Planes"),
            (10, "BitDepth"),
        ] {
            if let Some(v) = f(o) {
                set(meta, n, v);
            }
        }
        return;
    }
    let v = match len {
        40 => "Windows V3".to_string(),
        68 => "AVI BMP structure?".to_string(),
        108 => "Windows V4".to_string(),
        124 => "Windows V5".to_string(),
        _ => format!("Unknown ({len})"),
    };
    set(meta, "BMPVersion", v);
    let u = |o: usize| le32(h, o);
    if let Some(w) = u(4) {
        set(meta, "ImageWidth", w.to_string());
    }
    if let Some(v) = u(8) {
        set(meta, "ImageHeight", (v as i32).unsigned_abs().to_string());
    }
    if let Some(v) = le16(h, 12) {
        set(meta, "Planes", v.to_string());
    }
    if let Some(v) = le16(h, 14) {
        set(meta, "BitDepth", v.to_string());
    }
    if let Some(c) = u(16) {
        let s = match c {
            0 => "None".to_string(),
            1 => "8-Bit RLE".to_string(),
            2 => "4-Bit RLE".to_string(),
            3 => "Bitfields".to_string(),
            4 => "JPEG".to_string(),
            5 => "PNG".to_string(),
            c if c > 256 => c
                .to_le_bytes()
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| {
                    if !(0x20..0x7f).contains(&b) {
                        format!("\\x{b:02x}")
                    } else {
                        (b as char).to_string()
                    }
                })
                .collect::<String>()
                .trim_end()
                .to_string(),
            c => c.to_string(),
        };
        set(meta, "Compression", s);
    }
    if let Some(v) = u(20) {
        set(meta, "ImageLength", v.to_string());
    }
    if let Some(v) = u(24) {
        set(meta, "PixelsPerMeterX", v.to_string());
    }
    if let Some(v) = u(28) {
        set(meta, "PixelsPerMeterY", v.to_string());
    }
    if let Some(v) = u(32) {
        let s = if v == 0 {
            "Use BitDepth".to_string()
        } else {
            v.to_string()
        };
        set(meta, "NumColors", s);
    }
    if let Some(v) = u(36) {
        let s = if v == 0 {
            "All".to_string()
        } else {
            v.to_string()
        };
        set(meta, "NumImportantColors", s);
    }
    if len == 68 {
        return;
    }
    for (o, n) in [
        (40, "RedMask"),
        (44, "GreenMask"),
        (48, "BlueMask"),
        (52, "AlphaMask"),
    ] {
        if let Some(v) = u(o) {
            set(meta, n, format!("0x{v:08x}"));
        }
    }
    let mut cs = String::new();
    if let Some(raw) = sub(h, 56, 4) {
        cs = if raw.contains(&0) {
            u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]).to_string()
        } else {
            raw.iter().rev().map(|&b| b as char).collect()
        };
        let s = match cs.as_str() {
            "0" => "Calibrated RGB".to_string(),
            "1" => "Device RGB".to_string(),
            "2" => "Device CMYK".to_string(),
            "LINK" => "Linked Color Profile".to_string(),
            "MBED" => "Embedded Color Profile".to_string(),
            "sRGB" => "sRGB".to_string(),
            "Win " => "Windows Color Space".to_string(),
            _ => format!("Unknown ({cs})"),
        };
        set(meta, "ColorSpace", s);
    }
    if cs == "0" {
        for (o, n) in [
            (60, "RedEndpoint"),
            (72, "GreenEndpoint"),
            (84, "BlueEndpoint"),
        ] {
            let v: Vec<String> = (0..3)
                .filter_map(|i| u(o + i * 4))
                .map(|x| format!("{:.6}", x as f64 / 1073741824.0))
                .collect();
            if v.len() == 3 {
                set(meta, n, v.join(" "));
            }
        }
        for (o, n) in [(96, "GammaRed"), (100, "GammaGreen"), (104, "GammaBlue")] {
            if let Some(x) = u(o) {
                set(meta, n, fmt_num(x as f64 / 65536.0));
            }
        }
    }
    if let Some(v) = u(108) {
        let s = match v {
            1 => "Graphic (LCS_GM_BUSINESS)".to_string(),
            2 => "Proof (LCS_GM_GRAPHICS)".to_string(),
            4 => "Picture (LCS_GM_IMAGES)".to_string(),
            8 => "Absolute Colorimetric (LCS_GM_ABS_COLORIMETRIC)".to_string(),
            _ => format!("Unknown ({v})"),
        };
        set(meta, "RenderingIntent", s);
    }
    if len == 124 && (cs == "LINK" || cs == "MBED") {
        let (Some(off), Some(size)) = (u(112), u(116)) else {
            return;
        };
        set(meta, "ProfileDataOffset", off.to_string());
        set(meta, "ProfileSize", size.to_string());
        let Some(p) = sub(d, off as usize + 14, size as usize) else {
            meta.warn("Error loading profile data");
            return;
        };
        if cs == "LINK" {
            let end = p.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            let name: String = p[..end].iter().map(|&b| b as char).collect();
            set(meta, "LinkedProfileName", name);
        } else {
            crate::formats::icc::parse(meta, p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::Value;

    pub(crate) fn sample() -> Vec<u8> {
        let mut h = vec![0u8; 124];
        h[0..4].copy_from_slice(&124u32.to_le_bytes());
        h[4..8].copy_from_slice(&20u32.to_le_bytes());
        h[8..12].copy_from_slice(&(-10i32).to_le_bytes());
        h[12..14].copy_from_slice(&1u16.to_le_bytes());
        h[14..16].copy_from_slice(&24u16.to_le_bytes());
        h[20..24].copy_from_slice(&600u32.to_le_bytes());
        h[40..44].copy_from_slice(&0x00ff0000u32.to_le_bytes());
        h[56..60].copy_from_slice(b"BGRs");
        h[108..112].copy_from_slice(&4u32.to_le_bytes());
        let mut d = b"BM".to_vec();
        d.extend_from_slice(&(14 + 124 + 600u32).to_le_bytes());
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&138u32.to_le_bytes());
        d.extend(h);
        d.extend(vec![0u8; 600]);
        d
    }

    #[test]
    fn header() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("file", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("BMPVersion"), "Windows V5");
        assert_eq!(g("ImageHeight"), 10);
        assert_eq!(g("Compression"), "None");
        assert_eq!(g("NumColors"), "Use BitDepth");
        assert_eq!(g("RedMask"), "0x00ff0000");
        assert_eq!(g("ColorSpace"), "sRGB");
        assert_eq!(g("RenderingIntent"), "Picture (LCS_GM_IMAGES)");
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample();
        for n in 0..d.len().min(200) {
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
