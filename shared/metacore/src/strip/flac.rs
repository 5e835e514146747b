//! FLAC: keeps STREAMINFO, SEEKTABLE and CUESHEET, drops VORBIS_COMMENT, PICTURE,
//! APPLICATION and PADDING (and any ID3 tags around the stream), sets the last-block flag.
//! Audio frames are one copied range. With `keep.copyright`, a new VORBIS_COMMENT holds
//! only the COPYRIGHT, LICENSE and ARTIST fields.

use super::{malformed, mp3, Out, StripError};
use crate::bytes::le32;

const MAX_BLOCKS: usize = 10_000;

/// Parses a Vorbis comment body (vendor + fields): (vendor, fields).
pub fn parse_comments(b: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    let vl = le32(b, 0)? as usize;
    let vendor = b.get(4..4usize.checked_add(vl)?)?;
    let mut pos = 4 + vl;
    let n = le32(b, pos)? as usize;
    pos += 4;
    let mut v = Vec::new();
    for _ in 0..n.min(100_000) {
        let l = le32(b, pos)? as usize;
        let f = b.get(pos + 4..(pos + 4).checked_add(l)?)?;
        v.push(f);
        pos += 4 + l;
    }
    Some((vendor, v))
}

/// Builds a Vorbis comment body with `vendor` and the fields `keep` allows.
pub fn build_comments(vendor: &[u8], fields: &[&[u8]], out: &mut Out) -> Vec<u8> {
    let kept: Vec<&[u8]> = if out.keep.copyright {
        fields
            .iter()
            .copied()
            .filter(|f| {
                let name = f.split(|&b| b == b'=').next().unwrap_or(&[]);
                let name = name.to_ascii_uppercase();
                matches!(name.as_slice(), b"COPYRIGHT" | b"LICENSE" | b"ARTIST")
            })
            .collect()
    } else {
        Vec::new()
    };
    if !kept.is_empty() {
        out.kept("copyright");
    }
    let mut b = (vendor.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(vendor);
    b.extend_from_slice(&(kept.len() as u32).to_le_bytes());
    for f in &kept {
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f);
    }
    b
}

pub fn strip(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    let mut unused = Vec::new();
    let keep_c = out.keep.copyright;
    out.keep.copyright = false; // ID3 copyright frames are not carried into FLAC
    let start = mp3::skip_leading_id3(data, out, &mut unused)?;
    out.keep.copyright = keep_c;
    if data.get(start..start + 4) != Some(b"fLaC") {
        return Err(malformed("no fLaC marker"));
    }
    let mut pos = start + 4;
    let mut kept: Vec<(u8, usize, usize)> = Vec::new(); // (type, body start, body end)
    let mut new_comment: Option<Vec<u8>> = None;
    for _ in 0..MAX_BLOCKS {
        let h = *data
            .get(pos)
            .ok_or_else(|| malformed("truncated metadata block"))?;
        let len = data
            .get(pos + 1..pos + 4)
            .map(|b| (b[0] as usize) << 16 | (b[1] as usize) << 8 | b[2] as usize)
            .ok_or_else(|| malformed("truncated metadata block"))?;
        let bs = pos + 4;
        let be = bs + len;
        if be > data.len() {
            return Err(malformed("metadata block runs past the end"));
        }
        let typ = h & 0x7F;
        match typ {
            0 | 3 | 5 => kept.push((typ, bs, be)),
            4 => {
                let (vendor, fields) = parse_comments(&data[bs..be]).unwrap_or((&[], Vec::new()));
                out.removed("vorbis", (fields.len() as u64).max(1));
                if out.keep.copyright && new_comment.is_none() {
                    let c = build_comments(vendor, &fields, out);
                    if parse_comments(&c).is_some_and(|(_, f)| !f.is_empty()) {
                        new_comment = Some(c);
                    }
                }
            }
            1 => {}
            6 => out.removed("flac", 1),
            127 => return Err(malformed("invalid metadata block type")),
            _ => out.removed("flac", 1),
        }
        pos = be;
        if h & 0x80 != 0 {
            break;
        }
    }
    if kept.first().map(|k| k.0) != Some(0) {
        return Err(malformed("STREAMINFO must come first"));
    }
    let end = mp3::trim_trailing_tags(data, pos, out);
    out.data(b"fLaC");
    let n = kept.len();
    for (i, (typ, bs, be)) in kept.into_iter().enumerate() {
        let last = i + 1 == n && new_comment.is_none();
        let len = (be - bs) as u32;
        out.data(&[
            typ | if last { 0x80 } else { 0 },
            (len >> 16) as u8,
            (len >> 8) as u8,
            len as u8,
        ]);
        out.copy_range(bs, be);
    }
    if let Some(c) = new_comment {
        let len = c.len() as u32;
        out.data(&[0x84, (len >> 16) as u8, (len >> 8) as u8, len as u8]);
        out.data(&c);
    }
    out.copy_range(pos, end);
    Ok(())
}
