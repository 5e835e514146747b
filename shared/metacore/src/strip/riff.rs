//! RIFF containers: WebP (drop EXIF, XMP and ICCP chunks, clear the VP8X flags) and WAV
//! (keep the audio chunks, drop LIST/INFO, id3, bext, iXML, _PMX and unknown chunks). The
//! RIFF size is recomputed; kept chunks (the audio and image data) are copied ranges.

use super::{exif, malformed, xmp, Out, StripError};
use crate::bytes::le32;

const MAX_CHUNKS: usize = 100_000;

struct Chunk {
    id: [u8; 4],
    start: usize,
    /// End including the pad byte (clipped to the data for a truncated last chunk).
    end: usize,
    body_start: usize,
    body_end: usize,
}

fn chunks(data: &[u8], lenient_last: bool) -> Result<Vec<Chunk>, StripError> {
    let mut v = Vec::new();
    let mut pos = 12usize;
    let riff_end = (le32(data, 4).unwrap_or(0) as usize)
        .saturating_add(8)
        .min(data.len());
    // Bytes after the RIFF size are not part of the file (dropped); a broken size walks
    // to the end of the data.
    let limit = if riff_end < 12 { data.len() } else { riff_end };
    while pos + 8 <= limit {
        if v.len() >= MAX_CHUNKS {
            return Err(malformed("too many RIFF chunks"));
        }
        let id: [u8; 4] = data[pos..pos + 4]
            .try_into()
            .map_err(|_| malformed("chunk id"))?;
        let size = le32(data, pos + 4).ok_or_else(|| malformed("truncated chunk"))? as usize;
        let body_start = pos + 8;
        let body_end = body_start.saturating_add(size);
        if body_end > data.len() {
            if lenient_last {
                v.push(Chunk {
                    id,
                    start: pos,
                    end: data.len(),
                    body_start,
                    body_end: data.len(),
                });
                break;
            }
            return Err(malformed(format!(
                "chunk {} at offset {pos} runs past the end",
                String::from_utf8_lossy(&id)
            )));
        }
        let end = (body_end + (size & 1)).min(data.len());
        v.push(Chunk {
            id,
            start: pos,
            end,
            body_start,
            body_end,
        });
        pos = end;
    }
    Ok(v)
}

fn riff_header(form: &[u8; 4], body_len: u64) -> Result<Vec<u8>, StripError> {
    let size = u32::try_from(body_len + 4).map_err(|_| malformed("output too large for RIFF"))?;
    let mut h = b"RIFF".to_vec();
    h.extend_from_slice(&size.to_le_bytes());
    h.extend_from_slice(form);
    Ok(h)
}

fn chunk_bytes(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

enum Part {
    Copy(usize, usize),
    Data(Vec<u8>),
}

fn emit(out: &mut Out, form: &[u8; 4], parts: Vec<Part>) -> Result<(), StripError> {
    let len: u64 = parts
        .iter()
        .map(|p| match p {
            Part::Copy(s, e) => (e - s) as u64,
            Part::Data(d) => d.len() as u64,
        })
        .sum();
    out.data(&riff_header(form, len)?);
    for p in parts {
        match p {
            Part::Copy(s, e) => out.copy_range(s, e),
            Part::Data(d) => out.data(&d),
        }
    }
    Ok(())
}

pub fn strip_webp(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    if data.get(..4) != Some(b"RIFF") || data.get(8..12) != Some(b"WEBP") {
        return Err(malformed("not a WebP file"));
    }
    let list = chunks(data, false)?;
    let mut summary = exif::Summary::default();
    let mut xmp_text = None;
    let mut parts = Vec::new();
    let mut vp8x_at = None;
    let mut has_icc = false;
    for c in &list {
        let body = &data[c.body_start..c.body_end];
        match &c.id {
            b"VP8X" => {
                if body.len() < 10 {
                    return Err(malformed("short VP8X chunk"));
                }
                vp8x_at = Some(parts.len());
                parts.push(Part::Data(Vec::new())); // rewritten below
            }
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ANMF" => {
                parts.push(Part::Copy(c.start, c.end))
            }
            b"ICCP" => {
                if out.keep.icc {
                    out.kept("icc_profile");
                    has_icc = true;
                    parts.push(Part::Copy(c.start, c.end));
                } else {
                    out.removed("icc_profile", 1);
                }
            }
            b"EXIF" => {
                let t = body.strip_prefix(b"Exif\0\0".as_slice()).unwrap_or(body);
                summary.merge(exif::summarize(t));
            }
            b"XMP " => {
                out.removed("xmp", xmp::count_props(body));
                xmp_text.get_or_insert_with(|| body.to_vec());
            }
            _ => out.removed("riff", 1),
        }
    }
    summary.record(out);
    let minimal = exif::Minimal::choose(out, &summary, xmp_text.as_deref());
    let new_exif = if vp8x_at.is_some() {
        minimal.build()
    } else {
        None
    };
    if let Some(i) = vp8x_at {
        let c = list
            .iter()
            .find(|c| &c.id == b"VP8X")
            .ok_or_else(|| malformed("VP8X"))?;
        let mut body = data[c.body_start..c.body_end].to_vec();
        body[0] &= !(0x20 | 0x08 | 0x04);
        if has_icc {
            body[0] |= 0x20;
        }
        if new_exif.is_some() {
            body[0] |= 0x08;
        }
        parts[i] = Part::Data(chunk_bytes(b"VP8X", &body));
    }
    if let Some(t) = new_exif {
        parts.push(Part::Data(chunk_bytes(b"EXIF", &t)));
    }
    emit(out, b"WEBP", parts)
}

pub fn strip_wav(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    if data.get(..4) != Some(b"RIFF") || data.get(8..12) != Some(b"WAVE") {
        return Err(malformed("not a WAV file"));
    }
    let list = chunks(data, true)?;
    let mut parts = Vec::new();
    for c in &list {
        let body = &data[c.body_start..c.body_end];
        match &c.id {
            b"fmt " | b"fact" | b"data" | b"cue " | b"smpl" | b"inst" | b"plst" | b"JUNK"
            | b"junk" | b"PAD " | b"wavl" | b"slnt" => {
                if &c.id == b"data"
                    && c.body_end < c.body_start + le32(data, c.start + 4).unwrap_or(0) as usize
                {
                    // Truncated data chunk: copy what there is with a corrected size.
                    let len = c.body_end - c.body_start;
                    let mut h = b"data".to_vec();
                    h.extend_from_slice(&(len as u32).to_le_bytes());
                    parts.push(Part::Data(h));
                    parts.push(Part::Copy(c.body_start, c.body_end));
                    if len % 2 == 1 {
                        parts.push(Part::Data(vec![0]));
                    }
                } else if c.end < c.body_end + ((c.body_end - c.body_start) & 1) {
                    parts.push(Part::Copy(c.start, c.end));
                    parts.push(Part::Data(vec![0]));
                } else {
                    parts.push(Part::Copy(c.start, c.end));
                }
            }
            b"LIST" => {
                if let Some(info) = body.strip_prefix(b"INFO".as_slice()) {
                    let n = count_list(info);
                    let kept = if out.keep.copyright {
                        copyright_items(info)
                    } else {
                        Vec::new()
                    };
                    out.removed("riff", n.saturating_sub(kept.len() as u64));
                    if !kept.is_empty() {
                        out.kept("copyright");
                        let mut b = b"INFO".to_vec();
                        for (id, v) in &kept {
                            b.extend(chunk_bytes(id, v));
                        }
                        parts.push(Part::Data(chunk_bytes(b"LIST", &b)));
                    }
                } else {
                    out.removed("riff", 1);
                }
            }
            b"id3 " | b"ID3 " | b"id3\0" => out.removed("id3", 1),
            b"_PMX" => out.removed("xmp", xmp::count_props(body)),
            b"iXML" => out.removed("xml", 1),
            _ => out.removed("riff", 1),
        }
    }
    emit(out, b"WAVE", parts)
}

/// The ICOP (copyright) and IART (artist) items of a LIST/INFO body.
fn copyright_items(d: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut v = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= d.len() && v.len() < 16 {
        let id: [u8; 4] = [d[pos], d[pos + 1], d[pos + 2], d[pos + 3]];
        let size = le32(d, pos + 4).unwrap_or(0) as usize;
        let Some(body) = d.get(pos + 8..(pos + 8).saturating_add(size)) else {
            break;
        };
        if matches!(&id, b"ICOP" | b"IART") {
            v.push((id, body.to_vec()));
        }
        pos = pos.saturating_add(8).saturating_add(size + (size & 1));
    }
    v
}

fn count_list(d: &[u8]) -> u64 {
    let mut pos = 0usize;
    let mut n = 0;
    while pos + 8 <= d.len() && n < 10_000 {
        let size = le32(d, pos + 4).unwrap_or(0) as usize;
        n += 1;
        pos = pos.saturating_add(8).saturating_add(size + (size & 1));
    }
    n.max(1)
}
