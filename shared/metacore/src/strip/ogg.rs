//! Ogg Vorbis and Ogg Opus: the comment header packet is replaced by a vendor-only one
//! (plus COPYRIGHT/LICENSE/ARTIST with `keep.copyright`), the header pages after the
//! identification page are re-paged, and when the number of header pages changes the
//! stream's later pages get new sequence numbers and CRCs (their bodies are copied ranges).

use super::{flac, malformed, Out, StripError};
use crate::bytes::le32;
use crate::source::{Source, Window};

const MAX_PAGES: usize = 10_000_000;
const MAX_HEADER_BYTES: usize = 64 << 20;

const fn crc_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut j = 0;
        while j < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04C1_1DB7
            } else {
                r << 1
            };
            j += 1;
        }
        t[i] = r;
        i += 1;
    }
    t
}
static CRC: [u32; 256] = crc_table();

fn ogg_crc(parts: &[&[u8]]) -> u32 {
    let mut c = 0u32;
    for p in parts {
        for &b in *p {
            c = (c << 8) ^ CRC[((c >> 24) as u8 ^ b) as usize];
        }
    }
    c
}

struct Page {
    start: usize,
    header_len: usize,
    end: usize,
    serial: u32,
    seq: u32,
    flags: u8,
}

fn read_page(data: &[u8], pos: usize) -> Option<Page> {
    if data.get(pos..pos + 4)? != b"OggS" || *data.get(pos + 4)? != 0 {
        return None;
    }
    let nseg = *data.get(pos + 26)? as usize;
    let lacing = data.get(pos + 27..pos + 27 + nseg)?;
    let body: usize = lacing.iter().map(|&l| l as usize).sum();
    let end = pos + 27 + nseg + body;
    if end > data.len() {
        return None;
    }
    Some(Page {
        start: pos,
        header_len: 27 + nseg,
        end,
        serial: le32(data, pos + 14)?,
        seq: le32(data, pos + 18)?,
        flags: *data.get(pos + 5)?,
    })
}

/// Largest possible page: 27-byte header, 255 lacing values, 255 segments of 255 bytes.
const MAX_PAGE: usize = 27 + 255 + 255 * 255;

/// The page at `pos`, read through the window (every pass over the stream's pages goes
/// through it, so a large file is never paged in whole), and its bytes (header + body).
fn page_at<'w>(w: &'w mut Window, pos: usize) -> Result<Option<(Page, &'w [u8])>, StripError> {
    let chunk = w.get(pos as u64, MAX_PAGE)?;
    Ok(read_page(chunk, 0).map(|p| {
        let bytes = &chunk[..p.end];
        let abs = Page {
            start: pos,
            end: pos + p.end,
            ..p
        };
        (abs, bytes)
    }))
}

/// Builds a page (header with CRC + body).
fn page_bytes(
    flags: u8,
    granule: u64,
    serial: u32,
    seq: u32,
    lacing: &[u8],
    body: &[u8],
) -> Vec<u8> {
    let mut p = b"OggS\0".to_vec();
    p.push(flags);
    p.extend_from_slice(&granule.to_le_bytes());
    p.extend_from_slice(&serial.to_le_bytes());
    p.extend_from_slice(&seq.to_le_bytes());
    p.extend_from_slice(&[0; 4]);
    p.push(lacing.len() as u8);
    p.extend_from_slice(lacing);
    p.extend_from_slice(body);
    let c = ogg_crc(&[&p]);
    p[22..26].copy_from_slice(&c.to_le_bytes());
    p
}

/// Lays packets out in pages of at most 255 lacing values.
fn paginate(packets: &[Vec<u8>], serial: u32, first_seq: u32) -> Vec<Vec<u8>> {
    // (lacing value, packet index, is last segment of packet)
    let mut segs: Vec<(u8, usize, bool)> = Vec::new();
    let mut bodies: Vec<&[u8]> = Vec::new();
    for (i, p) in packets.iter().enumerate() {
        let n = p.len() / 255 + 1;
        for k in 0..n {
            let last = k + 1 == n;
            let l = if last { p.len() % 255 } else { 255 };
            segs.push((l as u8, i, last));
            bodies.push(&p[k * 255..k * 255 + l]);
        }
    }
    let mut pages = Vec::new();
    let mut continued = false;
    for (pi, chunk) in segs.chunks(255).enumerate() {
        let base = pi * 255;
        let lacing: Vec<u8> = chunk.iter().map(|s| s.0).collect();
        let body: Vec<u8> = (0..chunk.len())
            .flat_map(|k| bodies[base + k].iter().copied())
            .collect();
        let ends_packet = chunk.iter().any(|s| s.2);
        let granule = if ends_packet { 0 } else { u64::MAX };
        pages.push(page_bytes(
            if continued { 1 } else { 0 },
            granule,
            serial,
            first_seq + pi as u32,
            &lacing,
            &body,
        ));
        continued = !chunk.last().is_some_and(|s| s.2);
    }
    pages
}

pub fn strip(src: &dyn Source, out: &mut Out) -> Result<(), StripError> {
    let mut w = Window::new(src);
    let data_len = usize::try_from(w.len()).map_err(|_| malformed("file too large"))?;
    let (first, first_bytes) =
        page_at(&mut w, 0)?.ok_or_else(|| malformed("no Ogg page at the start"))?;
    if first.flags & 2 == 0 {
        return Err(malformed("first page is not a beginning of stream"));
    }
    let serial = first.serial;
    let first_body = &first_bytes[first.header_len..];
    let (headers, is_vorbis) = if first_body.starts_with(b"\x01vorbis") {
        (3usize, true)
    } else if first_body.starts_with(b"OpusHead") {
        (2, false)
    } else {
        return Err(StripError::Unsupported(format!(
            "Ogg streams other than Vorbis and Opus ({})",
            super::SUPPORTED
        )));
    };
    // The identification packet must fill the first page alone.
    if first_bytes[27..first.header_len]
        .last()
        .is_none_or(|&l| l == 255)
    {
        return Err(malformed("identification header spans pages"));
    }
    // Collect the header packets from the following pages of this stream.
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut cur = Vec::new();
    let mut pos = first.end;
    let mut header_pages = Vec::new();
    let mut other_pages = Vec::new(); // pages of other streams interleaved with the headers
    while packets.len() < headers - 1 {
        let (p, bytes) =
            page_at(&mut w, pos)?.ok_or_else(|| malformed("truncated header pages"))?;
        pos = p.end;
        if p.serial != serial {
            if p.flags & 2 != 0 {
                return Err(StripError::Unsupported(format!(
                    "multiplexed Ogg streams ({})",
                    super::SUPPORTED
                )));
            }
            other_pages.push((p.start, p.end));
            continue;
        }
        let mut body_at = p.header_len;
        let lacing = &bytes[27..p.header_len];
        for (i, &l) in lacing.iter().enumerate() {
            cur.extend_from_slice(&bytes[body_at..body_at + l as usize]);
            body_at += l as usize;
            if cur.len() > MAX_HEADER_BYTES {
                return Err(malformed("header packet too large"));
            }
            if l < 255 {
                packets.push(std::mem::take(&mut cur));
                if packets.len() == headers - 1 && i + 1 != lacing.len() {
                    return Err(malformed("audio data shares a page with the headers"));
                }
            }
        }
        header_pages.push(p);
        if header_pages.len() > MAX_PAGES {
            return Err(malformed("too many pages"));
        }
    }
    if !other_pages.is_empty() {
        return Err(StripError::Unsupported(format!(
            "multiplexed Ogg streams ({})",
            super::SUPPORTED
        )));
    }
    let comment = &packets[0];
    let (prefix, framing): (&[u8], bool) = if is_vorbis {
        (b"\x03vorbis", true)
    } else {
        (b"OpusTags", false)
    };
    let body = comment
        .strip_prefix(prefix)
        .ok_or_else(|| malformed("second packet is not a comment header"))?;
    let (vendor, fields) = flac::parse_comments(body).unwrap_or((&[], Vec::new()));
    out.removed("vorbis", fields.len() as u64);
    let mut new_comment = prefix.to_vec();
    new_comment.extend(flac::build_comments(vendor, &fields, out));
    if framing {
        new_comment.push(1);
    }
    packets[0] = new_comment;

    out.copy_range(first.start, first.end);
    let first_seq = first.seq.wrapping_add(1);
    let new_pages = paginate(&packets, serial, first_seq);
    let delta = new_pages.len() as i64 - header_pages.len() as i64;
    for p in &new_pages {
        out.data(p);
    }
    // The rest of the stream.
    if delta == 0 {
        out.copy_range(pos, data_len);
        return Ok(());
    }
    let mut n = 0usize;
    while pos < data_len {
        n += 1;
        if n > MAX_PAGES {
            return Err(malformed("too many pages"));
        }
        let Some((p, bytes)) = page_at(&mut w, pos)? else {
            // Damaged or truncated tail: copy it as it is.
            out.copy_range(pos, data_len);
            break;
        };
        if p.serial != serial {
            out.copy_range(p.start, p.end);
        } else {
            let seq = (p.seq as i64 + delta) as u32;
            let mut h = bytes[..p.header_len].to_vec();
            h[18..22].copy_from_slice(&seq.to_le_bytes());
            h[22..26].copy_from_slice(&[0; 4]);
            let c = ogg_crc(&[&h, &bytes[p.header_len..]]);
            h[22..26].copy_from_slice(&c.to_le_bytes());
            out.data(&h);
            out.copy_range(p.start + p.header_len, p.end);
        }
        pos = p.end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_known_page() {
        // CRC of "OggS" with the Ogg polynomial (non-reflected, init 0).
        assert_eq!(ogg_crc(&[b"123456789"]), 0x89A1_897F);
    }
}
