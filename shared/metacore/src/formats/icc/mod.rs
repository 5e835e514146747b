//! ICC profiles (group `icc_profile`): the 128-byte header and the tag table, with
//! ExifTool's names and print conversions (ICC_Profile.pm).

mod tables;

use serde_json::Value;

use crate::bytes::{be16, be32, sub};
use crate::formats::xmp::{fmt_num, json_value_owned};
use crate::model::Metadata;

const G: &str = "icc_profile";

fn set(meta: &mut Metadata, tag: &str, v: impl Into<String>) {
    meta.set(G, tag, json_value_owned(v.into()));
}

/// A 4-byte signature as ExifTool's `string[4]` format reads it (stops at a NUL).
fn sig(data: &[u8], off: usize) -> String {
    let raw = sub(data, off, 4).unwrap_or(&[]);
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    raw[..end].iter().map(|&b| b as char).collect()
}

fn manu(s: &str) -> String {
    match tables::MANU_SIG.binary_search_by(|(k, _)| (*k).cmp(s)) {
        Ok(i) => tables::MANU_SIG[i].1.to_string(),
        Err(_) => format!("Unknown ({s})"),
    }
}

/// ExifTool's GetFixed32s/GetFixed32u: rounded to 5 decimals.
fn fixed32(data: &[u8], off: usize, signed: bool) -> Option<f64> {
    let raw = be32(data, off)?;
    let v = if signed {
        raw as i32 as f64 / 65536.0
    } else {
        raw as f64 / 65536.0
    };
    let r = if v > 0.0 { 0.5 } else { -0.5 };
    Some((v * 1e5 + r).trunc() / 1e5)
}

fn fixed_list(data: &[u8], off: usize, n: usize, signed: bool) -> Option<String> {
    let mut out = String::with_capacity(n * 8);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        crate::formats::xmp::push_num(&mut out, fixed32(data, off + i * 4, signed)?);
    }
    Some(out)
}

fn illuminant(v: u32) -> String {
    match v {
        1 => "D50",
        2 => "D65",
        3 => "D93",
        4 => "F2",
        5 => "D55",
        6 => "A",
        7 => "Equi-Power (E)",
        8 => "F8",
        _ => return format!("Unknown ({v})"),
    }
    .to_string()
}

fn technology(s: &str) -> String {
    let t = match s {
        "fscn" => "Film Scanner",
        "dcam" => "Digital Camera",
        "rscn" => "Reflective Scanner",
        "ijet" => "Ink Jet Printer",
        "twax" => "Thermal Wax Printer",
        "epho" => "Electrophotographic Printer",
        "esta" => "Electrostatic Printer",
        "dsub" => "Dye Sublimation Printer",
        "rpho" => "Photographic Paper Printer",
        "fprn" => "Film Writer",
        "vidm" => "Video Monitor",
        "vidc" => "Video Camera",
        "pjtv" => "Projection Television",
        "CRT " => "Cathode Ray Tube Display",
        "PMD " => "Passive Matrix Display",
        "AMD " => "Active Matrix Display",
        "KPCD" => "Photo CD",
        "imgs" => "Photo Image Setter",
        "grav" => "Gravure",
        "offs" => "Offset Lithography",
        "silk" => "Silkscreen",
        "flex" => "Flexography",
        "mpfs" => "Motion Picture Film Scanner",
        "mpfr" => "Motion Picture Film Recorder",
        "dmpc" => "Digital Motion Picture Camera",
        "dcpj" => "Digital Cinema Projector",
        _ => return format!("Unknown ({s})"),
    };
    t.to_string()
}

fn profile_class(s: &str) -> String {
    let t = match s {
        "scnr" => "Input Device Profile",
        "mntr" => "Display Device Profile",
        "prtr" => "Output Device Profile",
        "link" => "DeviceLink Profile",
        "spac" => "ColorSpace Conversion Profile",
        "abst" => "Abstract Profile",
        "nmcl" => "NamedColor Profile",
        "nkpf" => "Nikon Input Device Profile (NON-STANDARD!)",
        "cenc" => "ColorEncodingSpace Profile",
        "mid " => "MultiplexIdentification Profile",
        "mlnk" => "MultiplexLink Profile",
        "mvis" => "MultiplexVisualization Profile",
        _ => return format!("Unknown ({s})"),
    };
    t.to_string()
}

fn latin1_to_nul(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let raw = &raw[..end];
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => raw.iter().map(|&b| b as char).collect(),
    }
}

/// Parses an ICC profile (for JPEG, the reassembled APP2 chunks).
pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let len = be32(data, 0).unwrap_or(0) as usize;
    if len != data.len() || len < 128 {
        meta.warn(format!("Bad length ICC_Profile (length {len})"));
        if len < 128 || data.len() < len {
            return;
        }
    }
    let dir_len = data.len();
    let Some(n) = be32(data, 128) else { return };
    if !(1..0x100).contains(&n) || (n as usize) * 12 + 132 > dir_len {
        meta.warn(format!("Bad ICC_Profile table ({n} entries)"));
        return;
    }
    header(meta, data);
    let mut pos = 132usize;
    for _ in 0..n {
        if meta.budget.exceeded() {
            break;
        }
        let (Some(id), Some(off), Some(size)) =
            (sub(data, pos, 4), be32(data, pos + 4), be32(data, pos + 8))
        else {
            break;
        };
        pos += 12;
        let id: [u8; 4] = [id[0], id[1], id[2], id[3]];
        let Ok(ti) = tables::TAGS.binary_search_by(|(k, _, _)| k.cmp(&id)) else {
            continue;
        };
        let (_, name, binary) = tables::TAGS[ti];
        let (off, size) = (off as usize, size as usize);
        if off.checked_add(size).is_none_or(|e| e > dir_len) {
            meta.warn("Bad ICC_Profile table (truncated)");
            break;
        }
        let val = &data[off..off + size];
        tag(meta, &id, name, binary, val);
    }
}

fn header(meta: &mut Metadata, d: &[u8]) {
    set(meta, "ProfileCMMType", manu(&sig(d, 4)));
    if let Some(v) = be16(d, 8) {
        let v = v as i16 as i32;
        set(
            meta,
            "ProfileVersion",
            format!("{}.{}.{}", v >> 8, (v & 0xf0) >> 4, v & 0x0f),
        );
    }
    set(meta, "ProfileClass", profile_class(&sig(d, 12)));
    set(meta, "ColorSpaceData", sig(d, 16));
    set(meta, "ProfileConnectionSpace", sig(d, 20));
    let p: Vec<u16> = (0..6).filter_map(|i| be16(d, 24 + i * 2)).collect();
    if p.len() == 6 {
        set(
            meta,
            "ProfileDateTime",
            format!(
                "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                p[0], p[1], p[2], p[3], p[4], p[5]
            ),
        );
    }
    set(meta, "ProfileFileSignature", sig(d, 36));
    let pp = sig(d, 40);
    let platform = match pp.as_str() {
        "APPL" => "Apple Computer Inc.".to_string(),
        "MSFT" => "Microsoft Corporation".to_string(),
        "SGI " => "Silicon Graphics Inc.".to_string(),
        "SUNW" => "Sun Microsystems Inc.".to_string(),
        "TGNT" => "Taligent Inc.".to_string(),
        _ => format!("Unknown ({pp})"),
    };
    set(meta, "PrimaryPlatform", platform);
    if let Some(f) = be32(d, 44) {
        let a = if f & 1 != 0 {
            "Embedded, "
        } else {
            "Not Embedded, "
        };
        let b = if f & 2 != 0 {
            "Not Independent"
        } else {
            "Independent"
        };
        set(meta, "CMMFlags", format!("{a}{b}"));
    }
    set(meta, "DeviceManufacturer", manu(&sig(d, 48)));
    set(meta, "DeviceModel", sig(d, 52));
    if let Some(v) = be32(d, 60) {
        let s = format!(
            "{}{}{}{}",
            if v & 1 != 0 {
                "Transparency, "
            } else {
                "Reflective, "
            },
            if v & 2 != 0 { "Matte, " } else { "Glossy, " },
            if v & 4 != 0 {
                "Negative, "
            } else {
                "Positive, "
            },
            if v & 8 != 0 { "B&W" } else { "Color" }
        );
        set(meta, "DeviceAttributes", s);
    }
    if let Some(v) = be32(d, 64) {
        let s = match v {
            0 => "Perceptual".to_string(),
            1 => "Media-Relative Colorimetric".to_string(),
            2 => "Saturation".to_string(),
            3 => "ICC-Absolute Colorimetric".to_string(),
            _ => format!("Unknown ({v})"),
        };
        set(meta, "RenderingIntent", s);
    }
    if let Some(s) = fixed_list(d, 68, 3, true) {
        set(meta, "ConnectionSpaceIlluminant", s);
    }
    set(meta, "ProfileCreator", manu(&sig(d, 80)));
    if let Some(id) = sub(d, 84, 16) {
        let v = if id.iter().all(|&b| b == 0) {
            "0".to_string()
        } else {
            id.iter().map(|b| format!("{b:02x}")).collect()
        };
        set(meta, "ProfileID", v);
    }
}

fn binary(meta: &mut Metadata, name: &str, n: usize) {
    meta.set(
        G,
        name,
        Value::String(format!("(Binary data {n} bytes, use -b option to extract)")),
    );
}

fn tag(meta: &mut Metadata, id: &[u8; 4], name: &str, is_binary: bool, v: &[u8]) {
    let size = v.len();
    let ty: [u8; 4] = if size >= 4 {
        [v[0], v[1], v[2], v[3]]
    } else {
        *b"err "
    };
    // sub-directories
    match id {
        b"meas" | b"view" | b"chrm" | b"clrt" => {
            if &ty == id || (id == b"clrt" && &ty == b"clrt") {
                subdir(meta, id, v);
            } else {
                meta.warn(format!("Invalid ICC {name} data"));
            }
            return;
        }
        b"meta" => {
            if &ty == b"dict" {
                dict(meta, v);
            } else {
                meta.warn(format!("Invalid ICC {name} data"));
            }
            return;
        }
        _ => {}
    }
    if size > 4 && &ty == b"mluc" {
        mluc(meta, name, v);
        return;
    }
    if is_binary {
        binary(meta, name, size);
        return;
    }
    let Some(val) = format_tag(v) else {
        binary(meta, name, size);
        return;
    };
    let val = match id {
        b"tech" => technology(&val),
        b"rig0" | b"rig2" => {
            if val == "prmg" {
                "Perceptual Reference Medium Gamut".to_string()
            } else {
                format!("Unknown ({val})")
            }
        }
        b"cprt" => val.split('\0').next().unwrap_or("").to_string(),
        b"targ" => {
            let t = val.split('\0').next().unwrap_or("");
            if t.len() > 128 {
                binary(meta, name, t.len());
                return;
            }
            t.to_string()
        }
        _ => val,
    };
    set(meta, name, val);
}

/// ExifTool's FormatICCTag: the tag types it prints as values.
fn format_tag(v: &[u8]) -> Option<String> {
    let size = v.len();
    let ty = if size >= 8 {
        &v[0..4]
    } else {
        b"err " as &[u8]
    };
    match ty {
        b"clro" if size >= 12 => {
            let n = be32(v, 8)? as usize;
            if size >= n + 12 {
                return Some(
                    v[12..12 + n]
                        .iter()
                        .map(|&b| (b as i8).to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
            None
        }
        b"data" if size >= 12 && be32(v, 8)? == 0 => Some(latin1_to_nul(&v[12..])),
        b"dtim" if size >= 20 => {
            let p: Vec<u16> = (0..6).filter_map(|i| be16(v, 8 + i * 2)).collect();
            if p.len() != 6 {
                return None;
            }
            Some(format!(
                "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                p[0], p[1], p[2], p[3], p[4], p[5]
            ))
        }
        b"sf32" | b"uf32" => {
            let n = (size - 8) / 4;
            fixed_list(v, 8, n, ty == b"sf32")
        }
        b"sig " if size >= 12 => Some(sig(v, 8)),
        b"text" => Some(latin1_to_nul(&v[8..])),
        b"desc" if size >= 12 => {
            let n = be32(v, 8)? as usize;
            if size >= n.checked_add(12)? {
                return Some(latin1_to_nul(&v[12..12 + n]));
            }
            None
        }
        b"ui32" => {
            let n = (size - 8) / 4;
            let vals: Vec<String> = (0..n)
                .filter_map(|i| be32(v, 8 + i * 4).map(|x| x.to_string()))
                .collect();
            Some(vals.join(" "))
        }
        b"ui08" => Some(
            v[8..]
                .iter()
                .map(|b| b.to_string())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        b"XYZ " => {
            let mut parts = Vec::new();
            let mut pos = 8;
            while pos + 12 <= size {
                parts.push(fixed_list(v, pos, 3, true)?);
                pos += 12;
            }
            Some(parts.join(", "))
        }
        _ => None,
    }
}

/// multiLocalizedUnicodeType: one tag per language (`Name-xx-YY`, en-US as plain Name).
fn mluc(meta: &mut Metadata, name: &str, v: &[u8]) {
    let size = v.len();
    if size < 28 {
        return;
    }
    let (Some(count), Some(rec_len)) = (be32(v, 8), be32(v, 12)) else {
        return;
    };
    let rec_len = rec_len as usize;
    if rec_len < 12 {
        return;
    }
    let mut i = 0u32;
    while i < count.min(1000) {
        let rec = 16 + i as usize * rec_len;
        if rec + rec_len > size {
            break;
        }
        let lang = &v[rec..rec + 4];
        let (Some(slen), Some(spos)) = (be32(v, rec + 4), be32(v, rec + 8)) else {
            break;
        };
        let (slen, spos) = (slen as usize, spos as usize);
        if spos + slen > size {
            break;
        }
        let units: Vec<u16> = v[spos..spos + slen]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        let s: String = String::from_utf16_lossy(&units);
        let s = s.trim_end_matches('\0').to_string();
        let valid = lang[0..2].iter().all(u8::is_ascii_alphabetic)
            && lang[2..4].iter().all(u8::is_ascii_alphabetic);
        let tag = if valid {
            let l = format!(
                "{}-{}",
                String::from_utf8_lossy(&lang[0..2]).to_lowercase(),
                String::from_utf8_lossy(&lang[2..4]).to_uppercase()
            );
            if l == "en-US" {
                name.to_string()
            } else {
                format!("{name}-{l}")
            }
        } else {
            name.to_string()
        };
        set(meta, &tag, s);
        i += 1;
    }
    if i < count {
        meta.warn(format!("Corrupted {name} data"));
    }
}

fn utf16be(raw: &[u8]) -> String {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// The v4.4 `meta` dictionary (ExifTool's ProcessMetadata): UTF-16 name/value pairs.
fn dict(meta: &mut Metadata, v: &[u8]) {
    let dir_len = v.len();
    if dir_len < 16 {
        meta.warn("Invalid ICC meta dictionary");
        return;
    }
    let (Some(num), Some(size)) = (be32(v, 8), be32(v, 12)) else {
        return;
    };
    let (num, size) = (num as usize, size as usize);
    if size < 16 {
        meta.warn("Invalid ICC meta record size");
        return;
    }
    let min_ptr = size.saturating_mul(num).saturating_add(16);
    for index in 0..num.min(10_000) {
        let entry = 16 + size * index;
        if entry + size > dir_len {
            meta.warn("Truncated ICC meta dictionary");
            break;
        }
        let f = |o: usize| be32(v, entry + o).unwrap_or(0) as usize;
        let (np, nl, vp, vl) = (f(0), f(4), f(8), f(12));
        if np == 0 || vp == 0 {
            continue;
        }
        if np < min_ptr || np + nl > dir_len || vp < min_ptr || vp + vl > dir_len {
            meta.warn("Corrupted ICC meta dictionary");
            break;
        }
        let tag = utf16be(&v[np..np + nl]);
        let val = utf16be(&v[vp..vp + vl]);
        // tag name: first letter up, white space removed (next letter up), invalid chars out
        let mut name = String::new();
        let mut up = true;
        for c in tag.chars() {
            if c.is_whitespace() {
                up = true;
                continue;
            }
            if up {
                name.extend(c.to_uppercase());
                up = false;
            } else {
                name.push(c);
            }
        }
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        let name = if name.len() < 2 {
            format!("Tag{name}")
        } else {
            name
        };
        set(meta, &name, val);
    }
}

fn subdir(meta: &mut Metadata, id: &[u8; 4], v: &[u8]) {
    match id {
        b"meas" => {
            if let Some(o) = be32(v, 8) {
                let s = match o {
                    1 => "CIE 1931".to_string(),
                    2 => "CIE 1964".to_string(),
                    _ => format!("Unknown ({o})"),
                };
                set(meta, "MeasurementObserver", s);
            }
            if let Some(s) = fixed_list(v, 12, 3, true) {
                set(meta, "MeasurementBacking", s);
            }
            if let Some(g) = be32(v, 24) {
                let s = match g {
                    0 => "Unknown".to_string(),
                    1 => "0/45 or 45/0".to_string(),
                    2 => "0/d or d/0".to_string(),
                    _ => format!("Unknown ({g})"),
                };
                set(meta, "MeasurementGeometry", s);
            }
            if let Some(f) = fixed32(v, 28, false) {
                set(meta, "MeasurementFlare", format!("{}%", fmt_num(f * 100.0)));
            }
            if let Some(i) = be32(v, 32) {
                set(meta, "MeasurementIlluminant", illuminant(i));
            }
        }
        b"view" => {
            if let Some(s) = fixed_list(v, 8, 3, true) {
                set(meta, "ViewingCondIlluminant", s);
            }
            if let Some(s) = fixed_list(v, 20, 3, true) {
                set(meta, "ViewingCondSurround", s);
            }
            if let Some(i) = be32(v, 32) {
                set(meta, "ViewingCondIlluminantType", illuminant(i));
            }
        }
        b"chrm" => {
            let ch = be16(v, 8);
            if let Some(c) = ch {
                set(meta, "ChromaticityChannels", c.to_string());
            }
            if let Some(c) = be16(v, 10) {
                let s = match c {
                    0 => "Unknown".to_string(),
                    1 => "ITU-R BT.709".to_string(),
                    2 => "SMPTE RP145-1994".to_string(),
                    3 => "EBU Tech.3213-E".to_string(),
                    4 => "P22".to_string(),
                    _ => format!("Unknown ({c})"),
                };
                set(meta, "ChromaticityColorant", s);
            }
            for i in 0..4 {
                if let Some(s) = fixed_list(v, 12 + i * 8, 2, false) {
                    set(meta, &format!("ChromaticityChannel{}", i + 1), s);
                }
            }
        }
        b"clrt" => {
            if let Some(c) = be32(v, 8) {
                set(meta, "ColorantCount", c.to_string());
            }
            for i in 0..3usize {
                let base = 12 + i * 38;
                if let Some(n) = sub(v, base, 32) {
                    set(meta, &format!("Colorant{}Name", i + 1), latin1_to_nul(n));
                }
                let c: Vec<String> = (0..3)
                    .filter_map(|k| be16(v, base + 32 + k * 2).map(|x| x.to_string()))
                    .collect();
                if c.len() == 3 {
                    set(meta, &format!("Colorant{}Coordinates", i + 1), c.join(" "));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
