//! FLAC: metadata blocks (ExifTool's FLAC.pm): STREAMINFO (group `flac`), VORBIS_COMMENT
//! (group `vorbis`) and PICTURE, plus the Duration composite.

use crate::bytes::be32;
use crate::formats::quicktime::conv::{duration, json_str};
use crate::model::Metadata;

const G: &str = "flac";

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut pos = 0usize;
    let v1 = data.len() >= 128 && data[data.len() - 128..].starts_with(b"TAG");
    if data.starts_with(b"ID3") || v1 {
        pos = crate::formats::mp3::id3_only(meta, data);
    }
    if data.get(pos..pos + 4) != Some(b"fLaC") {
        meta.warn("FLAC signature not found");
        return;
    }
    pos += 4;
    for _ in 0..10_000 {
        if meta.budget.exceeded() {
            break;
        }
        let Some(h) = data.get(pos..pos + 4) else {
            meta.warn("Truncated FLAC metadata");
            break;
        };
        let last = h[0] & 0x80 != 0;
        let kind = h[0] & 0x7f;
        let len = ((h[1] as usize) << 16) | ((h[2] as usize) << 8) | h[3] as usize;
        pos += 4;
        let Some(b) = data.get(pos..pos + len) else {
            meta.warn("Truncated FLAC metadata block");
            break;
        };
        match kind {
            0 => stream_info(meta, b),
            4 => crate::formats::ogg::vorbis_comments(meta, b),
            6 => picture(meta, b),
            _ => {}
        }
        pos += len;
        if last {
            break;
        }
    }
    if let (Some(sr), Some(n)) = (
        meta.get(G, "SampleRate").and_then(|v| v.as_f64()),
        meta.get(G, "TotalSamples").and_then(|v| v.as_f64()),
    ) {
        if sr > 0.0 && n > 0.0 {
            meta.add("composite", "Duration", duration(n / sr));
        }
    }
}

/// Reads `n` bits starting at bit `pos` (MSB first).
fn bits(b: &[u8], pos: usize, n: usize) -> Option<u64> {
    let mut v = 0u64;
    for i in pos..pos + n {
        let byte = *b.get(i / 8)?;
        v = (v << 1) | ((byte >> (7 - i % 8)) & 1) as u64;
    }
    Some(v)
}

/// A STREAMINFO block's payload.
pub fn stream_info(meta: &mut Metadata, b: &[u8]) {
    let fields: [(&str, usize, usize, u64); 8] = [
        ("BlockSizeMin", 0, 16, 0),
        ("BlockSizeMax", 16, 16, 0),
        ("FrameSizeMin", 32, 24, 0),
        ("FrameSizeMax", 56, 24, 0),
        ("SampleRate", 80, 20, 0),
        ("Channels", 100, 3, 1),
        ("BitsPerSample", 103, 5, 1),
        ("TotalSamples", 108, 36, 0),
    ];
    for (name, pos, n, add) in fields {
        if let Some(v) = bits(b, pos, n) {
            meta.set(G, name, v + add);
        }
    }
    if let Some(md5) = b.get(18..34) {
        let hex: String = md5.iter().map(|x| format!("{x:02x}")).collect();
        meta.set(G, "MD5Signature", hex);
    }
}

/// A PICTURE block (also found base64-encoded in Vorbis comments).
pub fn picture(meta: &mut Metadata, b: &[u8]) {
    let Some(t) = be32(b, 0) else { return };
    meta.set(
        G,
        "PictureType",
        crate::formats::mp3::picture_type(t.min(255) as u8),
    );
    let Some(ml) = be32(b, 4) else { return };
    let ml = ml as usize;
    let Some(mime) = b.get(8..8usize.saturating_add(ml)) else {
        return;
    };
    meta.set(
        G,
        "PictureMIMEType",
        String::from_utf8_lossy(mime).into_owned(),
    );
    let p = 8 + ml;
    let Some(dl) = be32(b, p) else { return };
    let dl = dl as usize;
    let Some(desc) = b.get(p + 4..(p + 4).saturating_add(dl)) else {
        return;
    };
    meta.set(
        G,
        "PictureDescription",
        json_str(&String::from_utf8_lossy(desc)),
    );
    let p = p + 4 + dl;
    for (i, name) in [
        "PictureWidth",
        "PictureHeight",
        "PictureBitsPerPixel",
        "PictureIndexedColors",
        "PictureLength",
    ]
    .iter()
    .enumerate()
    {
        if let Some(v) = be32(b, p + i * 4) {
            meta.set(G, name, v as u64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn sample() -> Vec<u8> {
        let mut d = b"fLaC".to_vec();
        // STREAMINFO: 4096/4096, frame 815/2996, 44100 Hz, 2 ch, 16 bits, 132300 samples
        let mut si = vec![0x10, 0x00, 0x10, 0x00, 0x00, 0x03, 0x2f, 0x00, 0x0b, 0xb4];
        let sr: u64 = 44100;
        let packed: u64 = (sr << 44) | (1 << 41) | (15 << 36) | 132_300;
        si.extend_from_slice(&packed.to_be_bytes());
        si.extend_from_slice(&[0xab; 16]);
        d.extend_from_slice(&[0, 0, 0, 34]);
        d.extend(si);
        let mut c = (6u32).to_le_bytes().to_vec();
        c.extend_from_slice(b"vendor");
        c.extend_from_slice(&1u32.to_le_bytes());
        c.extend_from_slice(&16u32.to_le_bytes());
        c.extend_from_slice(b"TITLE=Flac Title");
        d.extend_from_slice(&[4, 0, 0, c.len() as u8]);
        d.extend(c);
        let mut p = 3u32.to_be_bytes().to_vec();
        p.extend_from_slice(&9u32.to_be_bytes());
        p.extend_from_slice(b"image/png");
        p.extend_from_slice(&0u32.to_be_bytes());
        for v in [16u32, 16, 24, 0, 0] {
            p.extend_from_slice(&v.to_be_bytes());
        }
        d.extend_from_slice(&[0x86, 0, 0, p.len() as u8]);
        d.extend(p);
        d
    }

    #[test]
    fn reads_flac() {
        let d = sample();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("flac", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("BlockSizeMin"), json!(4096));
        assert_eq!(g("FrameSizeMin"), json!(815));
        assert_eq!(g("FrameSizeMax"), json!(2996));
        assert_eq!(g("SampleRate"), json!(44100));
        assert_eq!(g("Channels"), json!(2));
        assert_eq!(g("BitsPerSample"), json!(16));
        assert_eq!(g("TotalSamples"), json!(132300));
        assert_eq!(g("PictureType"), json!("Front Cover"));
        assert_eq!(g("PictureMIMEType"), json!("image/png"));
        assert_eq!(g("PictureWidth"), json!(16));
        assert_eq!(m.get("vorbis", "Title"), Some(&json!("Flac Title")));
        assert_eq!(m.get("vorbis", "Vendor"), Some(&json!("vendor")));
        assert_eq!(m.get("composite", "Duration"), Some(&json!("3.00 s")));
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample();
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
