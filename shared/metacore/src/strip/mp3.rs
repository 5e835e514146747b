//! MP3: drops every ID3v2 tag (leading, and appended with a footer), ID3v1 / enhanced TAG+
//! trailers, APEv2 tags and Lyrics3v2 blocks. The audio frames (from the first frame to the
//! last) are one copied range. With `keep.copyright`, a new ID3v2 tag carries only the
//! copyright and artist frames, copied byte for byte.

use super::{malformed, Out, StripError};
use crate::bytes::le32;

const MAX_FRAMES: usize = 100_000;

fn syncsafe(b: &[u8]) -> Option<usize> {
    if b.len() < 4 || b[..4].iter().any(|x| x & 0x80 != 0) {
        return None;
    }
    Some(b[..4].iter().fold(0usize, |a, &x| (a << 7) | x as usize))
}

/// One ID3v2 frame as raw bytes (header + body) with its id.
struct Frame<'a> {
    id: &'a [u8],
    raw: &'a [u8],
}

/// Walks the frames of an ID3v2 tag body (after the 10-byte header, before any footer).
fn frames(major: u8, body: &[u8]) -> Vec<Frame<'_>> {
    let (id_len, hdr) = if major == 2 { (3, 6) } else { (4, 10) };
    let mut v = Vec::new();
    let mut pos = 0usize;
    while pos + hdr <= body.len() && v.len() < MAX_FRAMES {
        let id = &body[pos..pos + id_len];
        if id[0] == 0
            || !id
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            break;
        }
        let sb = &body[pos + id_len..];
        let size = match major {
            2 => (sb[0] as usize) << 16 | (sb[1] as usize) << 8 | sb[2] as usize,
            3 => u32::from_be_bytes([sb[0], sb[1], sb[2], sb[3]]) as usize,
            _ => match syncsafe(sb) {
                Some(s) => s,
                None => break,
            },
        };
        let end = pos.saturating_add(hdr).saturating_add(size);
        if end > body.len() {
            break;
        }
        v.push(Frame {
            id,
            raw: &body[pos..end],
        });
        pos = end;
    }
    v
}

/// Parses an ID3v2 tag at `pos`: (total length, major version, flags, body range).
pub fn id3v2_at(data: &[u8], pos: usize) -> Option<(usize, u8, u8, usize, usize)> {
    if data.get(pos..pos + 3)? != b"ID3" {
        return None;
    }
    let major = *data.get(pos + 3)?;
    let flags = *data.get(pos + 5)?;
    let size = syncsafe(data.get(pos + 6..pos + 10)?)?;
    let footer = if major >= 4 && flags & 0x10 != 0 {
        10
    } else {
        0
    };
    let total = 10usize.checked_add(size)?.checked_add(footer)?;
    Some((total, major, flags, pos + 10, pos + 10 + size))
}

/// Removes leading ID3v2 tags; returns the offset after them.
pub fn skip_leading_id3(
    data: &[u8],
    out: &mut Out,
    copyright: &mut Vec<u8>,
) -> Result<usize, StripError> {
    let mut pos = 0usize;
    while let Some((total, major, flags, bs, be)) = id3v2_at(data, pos) {
        if pos + total > data.len() {
            return Err(malformed("ID3v2 tag runs past the end"));
        }
        let body = &data[bs..be];
        let fr = if flags & 0x80 == 0 && flags & 0x40 == 0 && (2..=4).contains(&major) {
            frames(major, body)
        } else {
            Vec::new()
        };
        out.removed("id3", (fr.len() as u64).max(1));
        if out.keep.copyright && copyright.is_empty() && major >= 3 {
            let keep: Vec<&Frame> = fr
                .iter()
                .filter(|f| matches!(f.id, b"TCOP" | b"TPE1" | b"WCOP"))
                .collect();
            if !keep.is_empty() {
                let body: Vec<u8> = keep.iter().flat_map(|f| f.raw.iter().copied()).collect();
                let size = body.len() as u32;
                let mut tag = b"ID3".to_vec();
                tag.extend_from_slice(&[major, 0, 0]);
                tag.extend_from_slice(&[
                    (size >> 21) as u8 & 0x7F,
                    (size >> 14) as u8 & 0x7F,
                    (size >> 7) as u8 & 0x7F,
                    size as u8 & 0x7F,
                ]);
                tag.extend(body);
                *copyright = tag;
            }
        }
        pos += total;
    }
    Ok(pos)
}

/// Removes trailing tags (ID3v1, TAG+, APEv2, Lyrics3v2, appended ID3v2); returns the new end.
pub fn trim_trailing_tags(data: &[u8], start: usize, out: &mut Out) -> usize {
    let mut end = data.len();
    for _ in 0..8 {
        let before = end;
        if end >= start + 128 && data.get(end - 128..end - 125) == Some(b"TAG") {
            end -= 128;
            out.removed("id3", 1);
            if end >= start + 227 && data.get(end - 227..end - 223) == Some(b"TAG+") {
                end -= 227;
            }
        }
        if end >= start + 32 && data.get(end - 32..end - 24) == Some(b"APETAGEX") {
            let size = le32(data, end - 20).unwrap_or(0) as usize;
            let items = le32(data, end - 16).unwrap_or(0) as u64;
            let flags = le32(data, end - 12).unwrap_or(0);
            let total = size.saturating_add(if flags & 0x8000_0000 != 0 { 32 } else { 0 });
            if total >= 32 && end >= start + total {
                end -= total;
                out.removed("ape", items.max(1));
            }
        }
        if end >= start + 15 && data.get(end - 9..end) == Some(b"LYRICS200") {
            let digits = std::str::from_utf8(&data[end - 15..end - 9]).ok();
            if let Some(n) = digits.and_then(|d| d.parse::<usize>().ok()) {
                if end >= start + 15 + n {
                    end -= 15 + n;
                    out.removed("lyrics3", 1);
                }
            }
        }
        if end >= start + 20 && data.get(end - 10..end - 7) == Some(b"3DI") {
            if let Some(size) = data.get(end - 4..end).and_then(syncsafe) {
                if end >= start + 20 + size {
                    end -= 20 + size;
                    out.removed("id3", 1);
                }
            }
        }
        if end == before {
            break;
        }
    }
    end
}

/// Length of the MPEG audio frame whose header is at `p`, if it is a valid header.
fn frame_len(d: &[u8], p: usize) -> Option<usize> {
    let h = d.get(p..p + 4)?;
    if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0 = 2.5, 2 = 2, 3 = 1
    let layer = (h[1] >> 1) & 3; // 1 = III, 2 = II, 3 = I
    let br_idx = (h[2] >> 4) as usize;
    let sr_idx = ((h[2] >> 2) & 3) as usize;
    let pad = ((h[2] >> 1) & 1) as usize;
    if version == 1 || layer == 0 || br_idx == 0 || br_idx == 15 || sr_idx == 3 {
        return None;
    }
    const V1: [[u32; 14]; 3] = [
        [
            32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        [
            32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        [
            32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
    ];
    const V2: [[u32; 14]; 2] = [
        [
            32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];
    let li = (3 - layer) as usize; // 0 = I, 1 = II, 2 = III
    let kbps = if version == 3 {
        V1[li][br_idx - 1]
    } else {
        V2[li.min(1)][br_idx - 1]
    } as usize;
    let sr = [44_100usize, 48_000, 32_000][sr_idx]
        >> if version == 3 {
            0
        } else if version == 2 {
            1
        } else {
            2
        };
    let len = match li {
        0 => (12 * kbps * 1000 / sr + pad) * 4,
        2 if version != 3 => 72 * kbps * 1000 / sr + pad,
        _ => 144 * kbps * 1000 / sr + pad,
    };
    (len > 4).then_some(len)
}

/// The first offset at or after `start` where two consecutive valid frames (or one that
/// ends the data) begin: where the audio starts when a tag's size is wrong.
fn find_sync(d: &[u8], start: usize) -> Option<usize> {
    let limit = d.len().min(start.saturating_add(4 << 20));
    let mut p = start;
    while p < limit {
        let off = d.get(p..limit)?.iter().position(|&b| b == 0xFF)?;
        p += off;
        if let Some(l) = frame_len(d, p) {
            if p + l == d.len() || frame_len(d, p + l).is_some() {
                return Some(p);
            }
        }
        p += 1;
    }
    None
}

pub fn strip(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    let mut new_tag = Vec::new();
    let after_tags = skip_leading_id3(data, out, &mut new_tag)?;
    // Anything between the tags and the first frame (a tag with a wrong size, junk) goes.
    let start = find_sync(data, after_tags).ok_or_else(|| malformed("no MPEG audio frames"))?;
    let end = trim_trailing_tags(data, start, out);
    if start >= end {
        return Err(malformed("no audio data"));
    }
    if !new_tag.is_empty() {
        out.kept("copyright");
        out.data(&new_tag);
    }
    out.copy_range(start, end);
    Ok(())
}
