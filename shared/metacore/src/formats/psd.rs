//! Photoshop PSD/PSB files (group `photoshop`): the file header, the image resources (via
//! [`crate::formats::photoshop::parse`]), the layer records and the image data compression,
//! read the way ExifTool's Photoshop.pm reads them.

use serde_json::Value;

use crate::bytes::{be16, be32, be64, sub};
use crate::formats::xmp::json_value;
use crate::model::Metadata;

const G: &str = "photoshop";
const MAX_LAYERS: usize = 10_000;

fn set(meta: &mut Metadata, tag: &str, v: impl AsRef<str>) {
    meta.set(G, tag, json_value(v.as_ref()));
}

fn set_list(meta: &mut Metadata, tag: &str, vals: Vec<String>) {
    let mut v: Vec<Value> = vals.iter().map(|s| json_value(s)).collect();
    let value = if v.len() == 1 {
        v.pop().unwrap_or(Value::Null)
    } else {
        Value::Array(v)
    };
    meta.set(G, tag, value);
}

/// Parses a PSD or PSB file.
pub fn parse(meta: &mut Metadata, d: &[u8]) {
    if d.len() < 30 || !d.starts_with(b"8BPS") || !matches!(d[5], 1 | 2) || d[4] != 0 {
        meta.warn("Not a PSD file");
        return;
    }
    let psb = d[5] == 2;
    if psb {
        meta.set("file", "FileType", "PSB");
        meta.set("file", "FileTypeExtension", "psb");
    }
    let w16 = |o: usize| be16(d, o).unwrap_or(0);
    set(meta, "NumChannels", w16(12).to_string());
    set(meta, "ImageHeight", be32(d, 14).unwrap_or(0).to_string());
    set(meta, "ImageWidth", be32(d, 18).unwrap_or(0).to_string());
    set(meta, "BitDepth", w16(22).to_string());
    let mode = w16(24);
    let m = match mode {
        0 => "Bitmap".to_string(),
        1 => "Grayscale".to_string(),
        2 => "Indexed".to_string(),
        3 => "RGB".to_string(),
        4 => "CMYK".to_string(),
        7 => "Multichannel".to_string(),
        8 => "Duotone".to_string(),
        9 => "Lab".to_string(),
        _ => format!("Unknown ({mode})"),
    };
    set(meta, "ColorMode", m);
    let Some(cm_len) = be32(d, 26) else { return };
    let mut pos = 30usize.saturating_add(cm_len as usize);
    let Some(res_len) = be32(d, pos) else {
        meta.warn("File format error");
        return;
    };
    pos += 4;
    let Some(res) = sub(d, pos, res_len as usize) else {
        meta.warn("File format error");
        return;
    };
    crate::formats::photoshop::parse(meta, res);
    pos += res_len as usize;
    if let Some(after) = layers_and_mask(meta, d, pos, psb) {
        if let Some(c) = be16(d, after) {
            let s = match c {
                0 => "Uncompressed".to_string(),
                1 => "RLE".to_string(),
                2 => "ZIP without prediction".to_string(),
                3 => "ZIP with prediction".to_string(),
                _ => format!("Unknown ({c})"),
            };
            set(meta, "Compression", s);
        }
    }
}

fn len_at(d: &[u8], pos: usize, psb: bool) -> Option<u64> {
    if psb {
        be64(d, pos)
    } else {
        be32(d, pos).map(u64::from)
    }
}

/// The layer and mask information section; returns the position after it.
fn layers_and_mask(meta: &mut Metadata, d: &[u8], start: usize, psb: bool) -> Option<usize> {
    let psiz = if psb { 8 } else { 4 };
    let tot = len_at(d, start, psb)? as usize;
    let end = start.checked_add(psiz)?.checked_add(tot)?;
    if tot == 0 {
        return Some(end);
    }
    let mut p = start + psiz;
    let mut len = len_at(d, p, psb)? as usize;
    let num = be16(d, p + psiz)? as i16;
    p += psiz;
    if len == 0 && num == 0 {
        // 16/32-bit documents keep their layers in an Lr16 block
        let probe = sub(d, p, 10)?;
        if &probe[2..10] == b"8BIMLr16" {
            len = len_at(d, p + 10, psb)? as usize;
            p += 10 + psiz;
        } else if &probe[2..10] == b"8BIMMt16" {
            let mlen = len_at(d, p + 10, psb)? as usize;
            let q = p + 10 + psiz + mlen;
            if sub(d, q, 8) == Some(b"8BIMLr16") {
                len = len_at(d, q + 8, psb)? as usize;
                p = q + 8 + psiz;
            }
        }
    }
    layers(meta, d, p, len + 2, psb);
    Some(end)
}

fn layers(meta: &mut Metadata, d: &[u8], base: usize, dir_len: usize, psb: bool) {
    let psiz = if psb { 8 } else { 4 };
    let Some(n) = be16(d, base) else { return };
    let num = (n as i16).unsigned_abs() as usize;
    set(meta, "LayerCount", num.to_string());
    let num = num.min(MAX_LAYERS);
    let mut rects = Vec::new();
    let mut blends = Vec::new();
    let mut opac = Vec::new();
    let mut vis = Vec::new();
    let mut names = Vec::new();
    let mut extra: Vec<(&'static str, Vec<String>)> = Vec::new();
    let mut pos = 2usize;
    let at = |o: usize| base + o;
    for i in 0..num {
        if meta.budget.exceeded() || pos + 18 > dir_len {
            break;
        }
        let Some(r) = sub(d, at(pos), 18) else { break };
        let rv: Vec<String> = (0..4)
            .map(|k| {
                u32::from_be_bytes([r[k * 4], r[k * 4 + 1], r[k * 4 + 2], r[k * 4 + 3]]).to_string()
            })
            .collect();
        rects.push(rv.join(" "));
        let channels = u16::from_be_bytes([r[16], r[17]]) as usize;
        pos += 18 + (2 + psiz) * channels;
        if pos + 20 > dir_len {
            break;
        }
        let Some(b) = sub(d, at(pos), 20) else { break };
        if &b[0..4] != b"8BIM" && &b[0..4] != b"MIB8" {
            break;
        }
        let mode: String = b[4..8].iter().map(|&c| c as char).collect();
        blends.push(blend_mode(&mode));
        opac.push(format!("{}%", (100.0 * b[8] as f64 / 255.0).trunc() as i64));
        vis.push(if b[10] & 2 != 0 { "No" } else { "Yes" }.to_string());
        let nxt = pos + 16 + u32::from_be_bytes([b[12], b[13], b[14], b[15]]) as usize;
        let mask = u32::from_be_bytes([b[16], b[17], b[18], b[19]]) as usize;
        pos += 20 + mask;
        if pos + 4 > dir_len {
            break;
        }
        let Some(blen) = be32(d, at(pos)) else { break };
        pos += 4 + blen as usize;
        if pos + 1 > dir_len {
            break;
        }
        let Some(&nl) = d.get(at(pos)) else { break };
        let nl = nl as usize;
        if pos + 1 + nl > dir_len {
            break;
        }
        let Some(nm) = sub(d, at(pos) + 1, nl) else {
            break;
        };
        names.push(nm.iter().map(|&c| c as char).collect::<String>());
        pos += (nl + 4) & !3;
        // additional layer information blocks
        while pos + 12 <= nxt {
            let Some(h) = sub(d, at(pos), 12) else { break };
            if &h[0..4] != b"8BIM" && &h[0..4] != b"8B64" {
                break;
            }
            let tag: [u8; 4] = [h[4], h[5], h[6], h[7]];
            let long = psb
                && matches!(
                    &tag,
                    b"LMsk"
                        | b"Lr16"
                        | b"Lr32"
                        | b"Layr"
                        | b"Mt16"
                        | b"Mt32"
                        | b"Mtrn"
                        | b"Alph"
                        | b"FMsk"
                        | b"lnk2"
                        | b"FEid"
                        | b"FXid"
                        | b"PxSD"
                );
            let n = if long {
                let Some(n) = be64(d, at(pos) + 8) else { break };
                pos += 4;
                n as usize
            } else {
                u32::from_be_bytes([h[8], h[9], h[10], h[11]]) as usize
            };
            pos += 12;
            if pos.saturating_add(n) > nxt {
                break;
            }
            let Some(v) = sub(d, at(pos), n) else { break };
            let name: Option<&'static str> = match &tag {
                b"luni" => Some("LayerUnicodeNames"),
                b"lclr" => Some("LayerColors"),
                b"lsct" => Some("LayerSections"),
                _ => None,
            };
            if let Some(name) = name {
                let val = match &tag {
                    b"luni" => {
                        let l = be32(v, 0).unwrap_or(0) as usize;
                        let raw = v
                            .get(4..4 + (l * 2).min(v.len().saturating_sub(4)))
                            .unwrap_or(&[]);
                        let units: Vec<u16> = raw
                            .chunks_exact(2)
                            .map(|c| u16::from_be_bytes([c[0], c[1]]))
                            .collect();
                        String::from_utf16_lossy(&units)
                            .trim_end_matches('\0')
                            .to_string()
                    }
                    b"lclr" => {
                        let c = be16(v, 0).unwrap_or(0);
                        match c {
                            0 => "None",
                            1 => "Red",
                            2 => "Orange",
                            3 => "Yellow",
                            4 => "Green",
                            5 => "Blue",
                            6 => "Violet",
                            7 => "Gray",
                            _ => "",
                        }
                        .to_string()
                    }
                    _ => {
                        let s = be32(v, 0).unwrap_or(0);
                        match s {
                            0 => "Layer".to_string(),
                            1 => "Folder (open)".to_string(),
                            2 => "Folder (closed)".to_string(),
                            3 => "Divider".to_string(),
                            _ => format!("Unknown ({s})"),
                        }
                    }
                };
                let idx = match extra.iter().position(|(n, _)| *n == name) {
                    Some(k) => k,
                    None => {
                        extra.push((name, Vec::new()));
                        extra.len() - 1
                    }
                };
                let list = &mut extra[idx].1;
                while list.len() < i {
                    list.push(if name == "LayerSections" {
                        "Layer".into()
                    } else {
                        String::new()
                    });
                }
                list.push(val);
            }
            pos += (n + 3) & !3;
        }
        pos = nxt;
    }
    if !rects.is_empty() {
        set_list(meta, "LayerRectangles", rects);
    }
    if !blends.is_empty() {
        set_list(meta, "LayerBlendModes", blends);
    }
    if !opac.is_empty() {
        set_list(meta, "LayerOpacities", opac);
    }
    if !vis.is_empty() {
        set_list(meta, "LayerVisible", vis);
    }
    if !names.is_empty() {
        set_list(meta, "LayerNames", names);
    }
    for (name, mut list) in extra {
        while list.len() < num {
            list.push(if name == "LayerSections" {
                "Layer".into()
            } else {
                String::new()
            });
        }
        set_list(meta, name, list);
    }
}

fn blend_mode(m: &str) -> String {
    let s = match m {
        "pass" => "Pass Through",
        "norm" => "Normal",
        "diss" => "Dissolve",
        "dark" => "Darken",
        "mul " => "Multiply",
        "idiv" => "Color Burn",
        "lbrn" => "Linear Burn",
        "dkCl" => "Darker Color",
        "lite" => "Lighten",
        "scrn" => "Screen",
        "div " => "Color Dodge",
        "lddg" => "Linear Dodge",
        "lgCl" => "Lighter Color",
        "over" => "Overlay",
        "sLit" => "Soft Light",
        "hLit" => "Hard Light",
        "vLit" => "Vivid Light",
        "lLit" => "Linear Light",
        "pLit" => "Pin Light",
        "hMix" => "Hard Mix",
        "diff" => "Difference",
        "smud" => "Exclusion",
        "fsub" => "Subtract",
        "fdiv" => "Divide",
        "hue " => "Hue",
        "sat " => "Saturation",
        "colr" => "Color",
        "lum " => "Luminosity",
        _ => return format!("Unknown ({m})"),
    };
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    pub(crate) fn sample() -> Vec<u8> {
        let mut d = b"8BPS\0\x01\0\0\0\0\0\0".to_vec();
        d.extend_from_slice(&3u16.to_be_bytes());
        d.extend_from_slice(&10u32.to_be_bytes());
        d.extend_from_slice(&20u32.to_be_bytes());
        d.extend_from_slice(&8u16.to_be_bytes());
        d.extend_from_slice(&3u16.to_be_bytes());
        d.extend_from_slice(&0u32.to_be_bytes()); // color mode data
        let mut res = b"8BIM".to_vec();
        res.extend_from_slice(&0x0425u16.to_be_bytes());
        res.extend_from_slice(&[0, 0]);
        res.extend_from_slice(&4u32.to_be_bytes());
        res.extend_from_slice(&[1, 2, 3, 4]);
        d.extend_from_slice(&(res.len() as u32).to_be_bytes());
        d.extend(res);
        // one layer
        let mut lr = Vec::new();
        lr.extend_from_slice(&1u16.to_be_bytes());
        for v in [0u32, 0, 10, 20] {
            lr.extend_from_slice(&v.to_be_bytes());
        }
        lr.extend_from_slice(&0u16.to_be_bytes()); // channels
        lr.extend_from_slice(b"8BIMnorm");
        lr.extend_from_slice(&[255, 0, 0, 0]);
        let extra = [
            0u32.to_be_bytes().to_vec(),
            0u32.to_be_bytes().to_vec(),
            vec![2, b'L', b'1', 0],
        ]
        .concat();
        lr.extend_from_slice(&(extra.len() as u32).to_be_bytes());
        lr.extend(extra);
        let mut li = (lr.len() as u32).to_be_bytes().to_vec();
        li.extend(lr);
        d.extend_from_slice(&(li.len() as u32).to_be_bytes());
        d.extend(li);
        d.extend_from_slice(&0u16.to_be_bytes()); // image data compression
        d
    }

    #[test]
    fn header_resources_layers() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("photoshop", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("NumChannels"), 3);
        assert_eq!(g("ImageHeight"), 10);
        assert_eq!(g("ImageWidth"), 20);
        assert_eq!(g("ColorMode"), "RGB");
        assert_eq!(g("IPTCDigest"), "01020304");
        assert_eq!(g("LayerCount"), 1);
        assert_eq!(g("LayerRectangles"), "0 0 10 20");
        assert_eq!(g("LayerBlendModes"), "Normal");
        assert_eq!(g("LayerOpacities"), "100%");
        assert_eq!(g("LayerVisible"), "Yes");
        assert_eq!(g("LayerNames"), "L1");
        assert_eq!(g("Compression"), "Uncompressed");
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
