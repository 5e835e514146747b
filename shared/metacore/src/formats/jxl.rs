//! JPEG XL: the bare codestream (image size from its header) and the ISO BMFF container
//! (`ftyp` -> group `jpeg2000`, `jxlc` codestream, `Exif` and `xml ` boxes), read the way
//! ExifTool's Jpeg2000.pm reads them.

use serde_json::Value;

use crate::bytes::be32;
use crate::formats::bmff::Boxes;
use crate::formats::xmp::json_value;
use crate::model::Metadata;

/// Image size from a codestream's SizeHeader (ExifTool's ProcessJXLCodestream).
fn codestream(meta: &mut Metadata, cs: &[u8]) {
    let mut a = [0u8; 12];
    for (i, b) in a.iter_mut().enumerate() {
        *b = cs.get(2 + i).copied().unwrap_or(0);
    }
    let mut bit = 0usize;
    let mut get = |n: usize| -> u64 {
        let mut v = 0u64;
        for k in 0..n {
            let byte = a[(bit / 8).min(11)];
            if bit / 8 < 12 && (byte >> (bit % 8)) & 1 != 0 {
                v |= 1 << k;
            }
            bit += 1;
        }
        v
    };
    const SIZES: [usize; 4] = [9, 13, 18, 30];
    let small = get(1) == 1;
    let y = if small {
        (get(5) + 1) * 8
    } else {
        let sel = get(2) as usize;
        get(SIZES[sel]) + 1
    };
    let ratio = get(3) as usize;
    let x = if ratio == 0 {
        if small {
            (get(5) + 1) * 8
        } else {
            let sel = get(2) as usize;
            get(SIZES[sel]) + 1
        }
    } else {
        const R: [(u64, u64); 7] = [(1, 1), (12, 10), (4, 3), (3, 2), (16, 9), (5, 4), (2, 1)];
        let (n, d) = R[ratio - 1];
        y * n / d
    };
    meta.set("file", "ImageWidth", x);
    meta.set("file", "ImageHeight", y);
}

/// Parses a JPEG XL file.
pub fn parse(meta: &mut Metadata, d: &[u8]) {
    if d.starts_with(&[0xff, 0x0a]) {
        meta.set("file", "FileType", "JXL Codestream");
        codestream(meta, d);
        return;
    }
    if !d.starts_with(b"\0\0\0\x0cJXL \x0d\x0a\x87\x0a") {
        meta.warn("Not a JPEG XL file");
        return;
    }
    let mut boxes = Boxes::new(d);
    let mut n = 0;
    for b in boxes.by_ref() {
        n += 1;
        if n > 100_000 || meta.budget.exceeded() {
            break;
        }
        let p = b.payload(d);
        match &b.kind {
            b"ftyp" => ftyp(meta, p),
            b"jxlc" => codestream(meta, p),
            // first partial codestream box carries the header (after its index)
            b"jxlp" if p.get(4..6) == Some(&[0xff, 0x0a]) => codestream(meta, &p[4..]),
            b"Exif" => {
                let off = if p.len() > 4 {
                    4usize.saturating_add(be32(p, 0).unwrap_or(0) as usize)
                } else {
                    4
                };
                match p.get(off..) {
                    // offsets are printed file-relative, as ExifTool does
                    Some(t) => {
                        let base = b.start + b.header_len + off;
                        let other = crate::formats::exif::Container::Other;
                        crate::formats::exif::parse_tiff_at(meta, t, other, base);
                    }
                    None => meta.warn("Invalid EXIF box"),
                }
            }
            b"xml " => crate::formats::xmp::parse(meta, p),
            _ => {}
        }
    }
    if boxes.truncated {
        meta.warn("Truncated JPEG XL box");
    }
}

fn ftyp(meta: &mut Metadata, p: &[u8]) {
    const G: &str = "jpeg2000";
    let Some(major) = p.get(0..4) else { return };
    let m: String = major.iter().map(|&c| c as char).collect();
    let s = match m.as_str() {
        "jp2 " => "JPEG 2000 Image (.JP2)".to_string(),
        "jpm " => "JPEG 2000 Compound Image (.JPM)".to_string(),
        "jpx " => "JPEG 2000 with extensions (.JPX)".to_string(),
        "jxl " => "JPEG XL Image (.JXL)".to_string(),
        _ => format!("Unknown ({m})"),
    };
    meta.set(G, "MajorBrand", json_value(&s));
    if let Some(v) = p.get(4..8) {
        meta.set(
            G,
            "MinorVersion",
            json_value(&format!(
                "{:x}.{:x}.{:x}",
                u16::from_be_bytes([v[0], v[1]]),
                v[2],
                v[3]
            )),
        );
    }
    let brands: Vec<Value> = p
        .get(8..)
        .unwrap_or(&[])
        .chunks_exact(4)
        .filter(|c| !c.contains(&0))
        .map(|c| json_value(&c.iter().map(|&b| b as char).collect::<String>()))
        .collect();
    if !brands.is_empty() {
        let v = if brands.len() == 1 {
            brands.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(brands)
        };
        meta.set(G, "CompatibleBrands", v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    // small image 64x64: small=1, (64/8-1)=7 -> bits 1,11100 ; ratio=1 (1:1) -> 100
    fn cs() -> Vec<u8> {
        // bits LSB first: 1, 1,1,1,0,0, 1,0,0 -> byte0 = 0b0100_1111 (bits 0..7), byte1 bit0 = 0
        vec![0xff, 0x0a, 0b0100_1111, 0, 0, 0]
    }

    pub(crate) fn sample() -> Vec<u8> {
        let mut d = b"\0\0\0\x0cJXL \x0d\x0a\x87\x0a".to_vec();
        d.extend(bx(b"ftyp", b"jxl \0\0\0\0jxl "));
        d.extend(bx(b"jxlc", &cs()));
        d
    }

    #[test]
    fn container_and_codestream() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &sample());
        assert_eq!(
            m.get("jpeg2000", "MajorBrand"),
            Some(&Value::from("JPEG XL Image (.JXL)"))
        );
        assert_eq!(
            m.get("jpeg2000", "MinorVersion"),
            Some(&Value::from("0.0.0"))
        );
        assert_eq!(m.get("file", "ImageWidth"), Some(&Value::from(64)));
        assert_eq!(m.get("file", "ImageHeight"), Some(&Value::from(64)));
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &cs());
        assert_eq!(
            m.get("file", "FileType"),
            Some(&Value::from("JXL Codestream"))
        );
        assert_eq!(m.get("file", "ImageWidth"), Some(&Value::from(64)));
    }

    #[test]
    fn exif_offsets_are_file_relative() {
        let mut d = sample();
        let mut exif = 6u32.to_be_bytes().to_vec();
        exif.extend_from_slice(b"Exif\0\0");
        exif.extend(crate::formats::exif::test_tiff());
        let tiff_pos = d.len() + 8 + 10;
        d.extend(bx(b"Exif", &exif));
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(
            m.get("exif", "ThumbnailOffset"),
            Some(&Value::from(tiff_pos as u64 + 8))
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
