//! GIF blocks (group `gif`), read the way ExifTool's GIF.pm reads them: the logical screen
//! descriptor, comments (File:Comment), NETSCAPE2.0 animation loops, XMP and ICC application
//! extensions, frame count and total duration.

use crate::bytes::{le16, sub};
use crate::formats::xmp::json_value;
use crate::model::Metadata;

const G: &str = "gif";

fn set(meta: &mut Metadata, tag: &str, v: impl AsRef<str>) {
    meta.set(G, tag, json_value(v.as_ref()));
}

/// Reads data sub-blocks starting at `*pos` (each a length byte then data, ended by a 0).
/// With `incl_len`, the length bytes are kept (XMP's "magic trailer" layout).
fn sub_blocks(d: &[u8], pos: &mut usize, incl_len: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let &n = d.get(*pos)?;
        *pos += 1;
        if n == 0 {
            return Some(out);
        }
        let b = sub(d, *pos, n as usize)?;
        if incl_len {
            out.push(n);
        }
        out.extend_from_slice(b);
        *pos += n as usize;
    }
}

/// Parses a GIF file.
pub fn parse(meta: &mut Metadata, d: &[u8]) {
    let Some(ver) = d.get(3..6) else { return };
    if !d.starts_with(b"GIF") || !(ver == b"87a" || ver == b"89a") || d.len() < 13 {
        meta.warn("Not a GIF file");
        return;
    }
    set(meta, "GIFVersion", String::from_utf8_lossy(ver));
    let s = &d[6..13];
    set(
        meta,
        "ImageWidth",
        u16::from_le_bytes([s[0], s[1]]).to_string(),
    );
    set(
        meta,
        "ImageHeight",
        u16::from_le_bytes([s[2], s[3]]).to_string(),
    );
    let flags = s[4];
    set(
        meta,
        "HasColorMap",
        if flags & 0x80 != 0 { "Yes" } else { "No" },
    );
    set(
        meta,
        "ColorResolutionDepth",
        (((flags & 0x70) >> 4) + 1).to_string(),
    );
    set(meta, "BitsPerPixel", ((flags & 0x07) + 1).to_string());
    set(meta, "BackgroundColor", s[5].to_string());
    if s[6] != 0 {
        set(
            meta,
            "PixelAspectRatio",
            crate::formats::xmp::fmt_num((s[6] as f64 + 15.0) / 64.0),
        );
    }
    let mut pos = 13usize;
    if flags & 0x80 != 0 {
        pos += 3 * (2usize << (flags & 7));
    }
    let mut frames = 0u32;
    let mut delay = 0u64;
    let mut steps = 0;
    loop {
        steps += 1;
        if steps > 1_000_000 || (steps % 1024 == 0 && meta.budget.exceeded()) {
            break;
        }
        let Some(&ch) = d.get(pos) else { break };
        pos += 1;
        match ch {
            0x2c => {
                frames += 1;
                let Some(&f) = d.get(pos + 8) else { break };
                pos += 9;
                if f & 0x80 != 0 {
                    pos += 3 * (2usize << (f & 7));
                }
                pos += 1; // LZW minimum code size
                if sub_blocks(d, &mut pos, false).is_none() {
                    break;
                }
            }
            0x21 => {
                let (Some(&a), Some(&len)) = (d.get(pos), d.get(pos + 1)) else {
                    break;
                };
                pos += 2;
                match (a, len) {
                    (0xfe, _) => {
                        pos -= 1;
                        let Some(c) = sub_blocks(d, &mut pos, false) else {
                            break;
                        };
                        if !c.is_empty() {
                            let text = utf8_or_latin1(&c);
                            meta.set("file", "Comment", json_value(&text));
                        }
                    }
                    (0xff, 11) => {
                        let Some(id) = sub(d, pos, 11) else { break };
                        let tag: String = format!(
                            "{}/{}",
                            String::from_utf8_lossy(&id[..8]),
                            String::from_utf8_lossy(&id[8..])
                        )
                        .chars()
                        .filter(|c| !c.is_control())
                        .collect();
                        pos += 11;
                        let incl = tag == "XMP Data/XMP";
                        let Some(dat) = sub_blocks(d, &mut pos, incl) else {
                            break;
                        };
                        match tag.as_str() {
                            "NETSCAPE/2.0" => {
                                if let Some(n) = le16(&dat, 1) {
                                    let s = if n == 0 {
                                        "Infinite".to_string()
                                    } else {
                                        n.to_string()
                                    };
                                    set(meta, "AnimationIterations", s);
                                }
                            }
                            "XMP Data/XMP" => {
                                let end = find_xpacket_end(&dat).unwrap_or(dat.len());
                                crate::formats::xmp::parse(meta, &dat[..end]);
                            }
                            "ICCRGBG1/012" => crate::formats::icc::parse(meta, &dat),
                            _ => {}
                        }
                    }
                    (0xf9, 4) => {
                        let Some(b) = sub(d, pos, 4) else { break };
                        delay += u16::from_le_bytes([b[1], b[2]]) as u64;
                        if b[0] & 1 != 0 {
                            set(meta, "TransparentColor", b[3].to_string());
                        }
                        pos -= 1;
                        if sub_blocks(d, &mut pos, false).is_none() {
                            break;
                        }
                    }
                    (0x01, 12) => {
                        pos += 12;
                        let Some(t) = sub_blocks(d, &mut pos, false) else {
                            break;
                        };
                        set(meta, "Text", utf8_or_latin1(&t));
                    }
                    _ => {
                        pos -= 1;
                        if sub_blocks(d, &mut pos, false).is_none() {
                            break;
                        }
                    }
                }
            }
            _ => break, // trailer (0x3b) or garbage
        }
    }
    if frames > 1 {
        set(meta, "FrameCount", frames.to_string());
    }
    if delay > 0 {
        set(meta, "Duration", format!("{:.2} s", delay as f64 / 100.0));
    }
}

fn utf8_or_latin1(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| c as char).collect(),
    }
}

fn find_xpacket_end(d: &[u8]) -> Option<usize> {
    let pat = b"<?xpacket end=";
    let i = d.windows(pat.len()).position(|w| w == pat)?;
    let rest = d.get(i + pat.len()..)?;
    let j = rest.windows(2).position(|w| w == b"?>")?;
    Some(i + pat.len() + j + 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::Value;

    pub(crate) fn sample() -> Vec<u8> {
        let mut d = b"GIF89a".to_vec();
        d.extend_from_slice(&[8, 0, 8, 0, 0xf0, 0, 0]);
        d.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        d.extend_from_slice(&[0x21, 0xff, 11]);
        d.extend_from_slice(b"NETSCAPE2.0");
        d.extend_from_slice(&[3, 1, 0, 0, 0]);
        d.extend_from_slice(&[0x21, 0xfe, 5]);
        d.extend_from_slice(b"hello");
        d.push(0);
        for _ in 0..2 {
            d.extend_from_slice(&[0x21, 0xf9, 4, 0, 10, 0, 0, 0]);
            d.extend_from_slice(&[0x2c, 0, 0, 0, 0, 8, 0, 8, 0, 0, 2, 2, 0x4c, 0x01, 0]);
        }
        d.push(0x3b);
        d
    }

    #[test]
    fn blocks() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        let g = |t: &str| m.get("gif", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("GIFVersion"), "89a");
        assert_eq!(g("ImageWidth"), 8);
        assert_eq!(g("HasColorMap"), "Yes");
        assert_eq!(g("ColorResolutionDepth"), 8);
        assert_eq!(g("BitsPerPixel"), 1);
        assert_eq!(g("AnimationIterations"), "Infinite");
        assert_eq!(g("FrameCount"), 2);
        assert_eq!(g("Duration"), "0.20 s");
        assert_eq!(m.get("file", "Comment"), Some(&Value::from("hello")));
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
