//! PNG: chunks are independent and carry their own CRC, so cleaning is dropping chunks.
//! Kept: the critical chunks, the display chunks (gAMA, cHRM, sRGB, cICP, mDCv, cLLi, sBIT,
//! bKGD, hIST, tRNS, pHYs, sPLT), animation (acTL, fcTL, fdAT) and iCCP when asked. Dropped:
//! text (tEXt, zTXt, iTXt), eXIf, tIME, dSIG, iDOT and every other ancillary chunk, plus
//! anything after IEND.

use super::{crc32, exif, malformed, xmp, Out, StripError};
use crate::bytes::be32;
use crate::source::{Source, Window};

const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
const MAX_ZTXT: usize = 8 << 20;
/// Most bytes of one metadata chunk read for the receipt and `keep` (an EXIF or XMP block
/// is far smaller; a larger chunk is still dropped whole).
const MAX_BODY: usize = 16 << 20;

pub fn strip(src: &dyn Source, out: &mut Out) -> Result<(), StripError> {
    // The chunk walk reads headers through a window: a large PNG's IDAT chunks are
    // skipped, not paged in; only metadata chunk bodies are read (up to MAX_BODY each).
    let mut w = Window::new(src);
    let data_len = usize::try_from(w.len()).map_err(|_| malformed("file too large"))?;
    if w.get(0, 8)? != SIG {
        return Err(malformed("not a PNG"));
    }
    let mut summary = exif::Summary::default();
    let mut xmp_text: Option<Vec<u8>> = None;
    let (mut text_cr, mut text_by) = (None, None);
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut pos = 8usize;
    let mut seen_iend = false;
    let mut first_idat: Option<usize> = None;
    while pos < data_len {
        let hdr = w.get(pos as u64, 8)?;
        let len = be32(hdr, 0).ok_or_else(|| malformed("truncated chunk header"))? as usize;
        let typ: [u8; 4] = hdr
            .get(4..8)
            .and_then(|t| t.try_into().ok())
            .ok_or_else(|| malformed("truncated chunk header"))?;
        let end = pos
            .checked_add(12)
            .and_then(|p| p.checked_add(len))
            .filter(|&e| e <= data_len)
            .ok_or_else(|| malformed(format!("chunk at offset {pos} runs past the end")))?;
        if !typ.iter().all(|b| b.is_ascii_alphabetic()) {
            return Err(malformed(format!("bad chunk type at offset {pos}")));
        }
        let body = if matches!(&typ, b"eXIf" | b"zxIf" | b"iTXt" | b"zTXt" | b"tEXt") {
            w.read_vec(pos as u64 + 8, len.min(MAX_BODY))?
        } else {
            Vec::new()
        };
        let body = body.as_slice();
        let keep = match &typ {
            b"IHDR" | b"PLTE" | b"IDAT" | b"IEND" | b"tRNS" | b"gAMA" | b"cHRM" | b"sRGB"
            | b"cICP" | b"mDCv" | b"cLLi" | b"sBIT" | b"bKGD" | b"hIST" | b"pHYs" | b"sPLT"
            | b"acTL" | b"fcTL" | b"fdAT" => true,
            b"iCCP" => {
                if out.keep.icc {
                    out.kept("icc_profile");
                } else {
                    out.removed("icc_profile", 1);
                }
                out.keep.icc
            }
            b"eXIf" | b"zxIf" => {
                let t = if body.starts_with(b"Exif\0\0") {
                    &body[6..]
                } else {
                    body
                };
                summary.merge(exif::summarize(t));
                false
            }
            b"iTXt" if body.starts_with(b"XML:com.adobe.xmp\0") => {
                let x = itxt_text(body);
                out.removed("xmp", xmp::count_props(&x));
                xmp_text.get_or_insert(x);
                false
            }
            b"zTXt" | b"tEXt" | b"iTXt"
                if body.starts_with(b"Raw profile type exif\0")
                    || body.starts_with(b"Raw profile type APP1\0") =>
            {
                out.removed("exif", 1);
                false
            }
            b"tEXt" => {
                // Copyright / Author stand in for keep=copyright when EXIF and XMP have none.
                if let Some(z) = body.iter().position(|&b| b == 0) {
                    let v = body[z + 1..].to_vec();
                    match &body[..z] {
                        b"Copyright" if !v.is_empty() => text_cr = text_cr.take().or(Some(v)),
                        b"Author" if !v.is_empty() => text_by = text_by.take().or(Some(v)),
                        _ => {}
                    }
                }
                out.removed("png", 1);
                false
            }
            _ if typ[0].is_ascii_uppercase() => true, // unknown critical chunk: needed
            _ => {
                out.removed("png", 1);
                false
            }
        };
        if &typ == b"IDAT" && first_idat.is_none() {
            first_idat = Some(kept.len());
        }
        if keep {
            kept.push((pos, end));
        }
        pos = end;
        if &typ == b"IEND" {
            seen_iend = true;
            break;
        }
    }
    if seen_iend && pos < data_len {
        out.removed("trailer", 1);
    }
    summary.record(out);
    summary.copyright = summary.copyright.take().or(text_cr);
    summary.artist = summary.artist.take().or(text_by);
    let minimal = exif::Minimal::choose(out, &summary, xmp_text.as_deref());
    let exif_chunk = minimal.build().map(|t| chunk(b"eXIf", &t));
    out.copy(0, 8);
    let insert_at = first_idat.unwrap_or(kept.len().min(1));
    for (i, (s, e)) in kept.iter().enumerate() {
        if i == insert_at {
            if let Some(c) = &exif_chunk {
                out.data(c);
            }
        }
        out.copy_range(*s, *e);
    }
    if insert_at >= kept.len() {
        if let Some(c) = &exif_chunk {
            out.data(c);
        }
    }
    Ok(())
}

/// A complete chunk (length, type, data, CRC).
pub fn chunk(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(body.len() + 12);
    c.extend_from_slice(&(body.len() as u32).to_be_bytes());
    c.extend_from_slice(typ);
    c.extend_from_slice(body);
    c.extend_from_slice(&crc32(&[typ, body]).to_be_bytes());
    c
}

/// The text of an iTXt chunk (decompressed when needed, capped).
fn itxt_text(body: &[u8]) -> Vec<u8> {
    let Some(kw_end) = body.iter().position(|&b| b == 0) else {
        return Vec::new();
    };
    let compressed = body.get(kw_end + 1).copied().unwrap_or(0) == 1;
    let mut p = kw_end + 3;
    for _ in 0..2 {
        match body.get(p..).and_then(|r| r.iter().position(|&b| b == 0)) {
            Some(z) => p += z + 1,
            None => return Vec::new(),
        }
    }
    let text = body.get(p..).unwrap_or(&[]);
    if compressed {
        use std::io::Read;
        let mut v = Vec::new();
        let _ = flate2::read::ZlibDecoder::new(text)
            .take(MAX_ZTXT as u64)
            .read_to_end(&mut v);
        v
    } else {
        text.to_vec()
    }
}
