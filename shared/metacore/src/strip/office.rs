//! DOCX/XLSX/PPTX: the ZIP is rebuilt with every entry copied raw (local header and
//! compressed data as one range, never recompressed) except the document properties
//! (`docProps/core.xml`, `app.xml`, `custom.xml`), which are replaced by stored,
//! empty-property versions (core keeps `dc:creator` with `keep.copyright`). The parts stay
//! the same, so `[Content_Types].xml` and the relationships remain consistent. JPEG and
//! PNG pictures embedded in the document (`*/media/*`) that carry metadata (camera EXIF,
//! GPS...) are cleaned losslessly by the image strippers and stored. The central directory
//! is rewritten with the new offsets; the archive comment is dropped.

use super::{crc32, malformed, xmp, Out, Piece, StripError};
use crate::bytes::{le16, le32};
use std::io::Read;

const MAX_ENTRIES: usize = 65_535;
const MAX_PROPS: u64 = 8 << 20;
/// Embedded pictures larger than this (uncompressed) are copied as they are.
const MAX_PICTURE: u64 = 64 << 20;

const CORE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">";
const CORE_END: &str = "</cp:coreProperties>";
const APP: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>";
const CUSTOM: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\"></Properties>";

struct Central {
    /// The central directory record as it is in the file.
    start: usize,
    end: usize,
    name: Vec<u8>,
    flags: u16,
    method: u16,
    csize: usize,
    local: usize,
}

/// The end-of-central-directory record: the last one whose comment reaches the end of
/// the file exactly, else the last one found.
fn eocd(d: &[u8]) -> Option<usize> {
    let from = d.len().saturating_sub(65_535 + 22);
    let mut candidates = (from..=d.len().checked_sub(22)?)
        .rev()
        .filter(|&p| d.get(p..p + 4) == Some(b"PK\x05\x06"));
    let first = candidates.next()?;
    let exact = |p: usize| le16(d, p + 20).is_some_and(|c| p + 22 + c as usize == d.len());
    if exact(first) {
        return Some(first);
    }
    candidates.find(|&p| exact(p)).or(Some(first))
}

fn read_central(d: &[u8]) -> Result<(Vec<Central>, usize), StripError> {
    let e = eocd(d).ok_or_else(|| malformed("no ZIP end of central directory"))?;
    let total = le16(d, e + 10).unwrap_or(0) as usize;
    let cd_size = le32(d, e + 12).unwrap_or(0) as usize;
    let cd_off = le32(d, e + 16).unwrap_or(0) as usize;
    if total == 0xFFFF || cd_off == 0xFFFF_FFFF || cd_size == 0xFFFF_FFFF {
        return Err(StripError::Unsupported(format!(
            "ZIP64 documents ({})",
            super::SUPPORTED
        )));
    }
    if total == 0 {
        return Err(malformed("empty ZIP central directory"));
    }
    let comment_len = le16(d, e + 20).unwrap_or(0) as usize;
    let mut v = Vec::new();
    let mut p = cd_off;
    for _ in 0..total.min(MAX_ENTRIES) {
        if d.get(p..p + 4) != Some(b"PK\x01\x02") {
            return Err(malformed("damaged ZIP central directory"));
        }
        let bad = || malformed("truncated ZIP central directory");
        let n = le16(d, p + 28).ok_or_else(bad)? as usize;
        let x = le16(d, p + 30).ok_or_else(bad)? as usize;
        let c = le16(d, p + 32).ok_or_else(bad)? as usize;
        let end = p + 46 + n + x + c;
        if end > d.len() {
            return Err(bad());
        }
        let csize = le32(d, p + 20).ok_or_else(bad)? as usize;
        let local = le32(d, p + 42).ok_or_else(bad)? as usize;
        if csize == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
            return Err(StripError::Unsupported(format!(
                "ZIP64 documents ({})",
                super::SUPPORTED
            )));
        }
        v.push(Central {
            start: p,
            end,
            name: d[p + 46..p + 46 + n].to_vec(),
            flags: le16(d, p + 8).ok_or_else(bad)?,
            method: le16(d, p + 10).ok_or_else(bad)?,
            csize,
            local,
        });
        p = end;
    }
    Ok((v, comment_len))
}

/// Length of the local record (header, data, data descriptor) of `c`.
fn local_len(d: &[u8], c: &Central) -> Result<usize, StripError> {
    let p = c.local;
    if d.get(p..p + 4) != Some(b"PK\x03\x04") {
        return Err(malformed("damaged ZIP local header"));
    }
    let bad = || malformed("truncated ZIP entry");
    let n = le16(d, p + 26).ok_or_else(bad)? as usize;
    let x = le16(d, p + 28).ok_or_else(bad)? as usize;
    let mut end = p + 30 + n + x + c.csize;
    if c.flags & 8 != 0 {
        end += if d.get(end..end + 4) == Some(b"PK\x07\x08") {
            16
        } else {
            12
        };
    }
    if end > d.len() {
        return Err(bad());
    }
    Ok(end - p)
}

fn entry_data(d: &[u8], c: &Central, cap: u64) -> Option<Vec<u8>> {
    let p = c.local;
    let n = le16(d, p + 26).unwrap_or(0) as usize;
    let x = le16(d, p + 28).unwrap_or(0) as usize;
    let raw = d
        .get(p + 30 + n + x..p + 30 + n + x + c.csize)
        .unwrap_or(&[]);
    match c.method {
        0 => (raw.len() as u64 <= cap).then(|| raw.to_vec()),
        8 => {
            let mut v = Vec::new();
            flate2::read::DeflateDecoder::new(raw)
                .take(cap + 1)
                .read_to_end(&mut v)
                .ok()?;
            (v.len() as u64 <= cap).then_some(v)
        }
        _ => None,
    }
}

fn props(d: &[u8], c: &Central) -> Vec<u8> {
    entry_data(d, c, MAX_PROPS).unwrap_or_default()
}

/// A JPEG or PNG picture embedded in the document, cleaned with the same options; None
/// when it is not a picture, cannot be read, or has nothing to remove.
fn clean_picture(d: &[u8], c: &Central, out: &mut Out) -> Option<Vec<u8>> {
    let lower = String::from_utf8_lossy(&c.name).to_ascii_lowercase();
    let is_jpeg = lower.ends_with(".jpg") || lower.ends_with(".jpeg");
    let is_png = lower.ends_with(".png");
    if !(is_jpeg || is_png) || !(lower.contains("media/") || lower.starts_with("docprops/")) {
        return None;
    }
    let pic = entry_data(d, c, MAX_PICTURE)?;
    let mut sub = Out::new(out.keep);
    let ok = if pic.starts_with(&[0xFF, 0xD8]) {
        super::jpeg::strip(&pic, &mut sub).is_ok()
    } else if pic.starts_with(b"\x89PNG") {
        super::png::strip(&pic, &mut sub).is_ok()
    } else {
        false
    };
    if !ok || sub.removed.is_empty() {
        return None;
    }
    let mut v = Vec::with_capacity(pic.len());
    for p in &sub.pieces {
        match p {
            Piece::Data(b) => v.extend_from_slice(b),
            Piece::Copy { offset, len } => {
                v.extend_from_slice(pic.get(*offset as usize..(*offset + *len) as usize)?)
            }
        }
    }
    for (g, n) in sub.removed {
        out.removed(&g, n);
    }
    for k in sub.kept {
        out.kept(&k);
    }
    Some(v)
}

/// Counts the property elements (children of the root) of a properties part:
/// (Dublin Core `dc:` elements, which ExifTool reports as XMP, other elements).
fn count_props_split(x: &[u8]) -> (u64, u64) {
    let mut depth = 0i32;
    let mut n = 0u64;
    let mut dc = 0u64;
    let mut i = 0usize;
    while let Some(off) = x.get(i..).and_then(|r| r.iter().position(|&b| b == b'<')) {
        let at = i + off;
        let Some(gt) = x[at..].iter().position(|&b| b == b'>') else {
            break;
        };
        let tag = &x[at + 1..at + gt];
        i = at + gt + 1;
        if tag.starts_with(b"?") || tag.starts_with(b"!") {
            continue;
        }
        if tag.starts_with(b"/") {
            depth -= 1;
            continue;
        }
        if depth == 1 {
            if tag.starts_with(b"dc:") {
                dc += 1;
            } else {
                n += 1;
            }
        }
        if !tag.ends_with(b"/") {
            depth += 1;
        }
    }
    (dc, n)
}

fn count_props(x: &[u8]) -> u64 {
    let (a, b) = count_props_split(x);
    a + b
}

/// Extra fields without timestamps and owners (extended timestamp 0x5455, NTFS times
/// 0x000a, Unix 0x5855/0x7855/0x7875).
fn clean_extra(x: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut p = 0usize;
    while p + 4 <= x.len() {
        let id = le16(x, p).unwrap_or(0);
        let len = le16(x, p + 2).unwrap_or(0) as usize;
        let end = (p + 4 + len).min(x.len());
        if !matches!(id, 0x5455 | 0x000a | 0x5855 | 0x7855 | 0x7875) {
            v.extend_from_slice(&x[p..end]);
        }
        p = end;
    }
    v
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn strip(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    let (entries, comment_len) = read_central(data)?;
    if comment_len > 0 {
        out.removed("zip", 1);
    }
    let mut central = Vec::new();
    let mut pos = 0u64;
    for c in &entries {
        // OPC part names compare case-insensitively; any other XML part under docProps/
        // (custom.xml, or a renamed one) gets the empty custom-properties document.
        let lname = c.name.to_ascii_lowercase();
        let lname = match lname.as_slice() {
            b"docprops/core.xml" | b"docprops/app.xml" => lname.as_slice(),
            n if n.starts_with(b"docprops/") && n.ends_with(b".xml") => b"docprops/custom.xml",
            n => n,
        };
        let replacement: Option<Vec<u8>> = match lname {
            b"docprops/core.xml" => {
                let old = props(data, c);
                let (dc, other) = count_props_split(&old);
                out.removed("xmp", dc);
                out.removed("xml", other);
                let mut s = CORE.to_string();
                if out.keep.copyright {
                    if let Some(cr) = xmp::first_value(&old, "dc:creator") {
                        s.push_str(&format!("<dc:creator>{}</dc:creator>", escape(&cr)));
                        out.kept("copyright");
                    }
                }
                s.push_str(CORE_END);
                Some(s.into_bytes())
            }
            b"docprops/app.xml" => {
                out.removed("xml", count_props(&props(data, c)));
                Some(APP.as_bytes().to_vec())
            }
            b"docprops/custom.xml" => {
                out.removed("xml", count_props(&props(data, c)));
                Some(CUSTOM.as_bytes().to_vec())
            }
            _ => clean_picture(data, c, out),
        };
        let offset = u32::try_from(pos).map_err(|_| malformed("output over 4 GiB"))?;
        let mut rec = data[c.start..c.end].to_vec();
        match replacement {
            None => {
                // Local header with neutral timestamps and no time/owner extra fields,
                // then the compressed data (and descriptor) as a copied range.
                let len = local_len(data, c)?;
                let n = le16(data, c.local + 26).unwrap_or(0) as usize;
                let x = le16(data, c.local + 28).unwrap_or(0) as usize;
                let hdr_end = c.local + 30 + n + x;
                let mut h = data[c.local..c.local + 30 + n].to_vec();
                h[10..14].copy_from_slice(&[0, 0, 0x21, 0]);
                let extra = clean_extra(&data[c.local + 30 + n..hdr_end]);
                h[28..30].copy_from_slice(&(extra.len() as u16).to_le_bytes());
                h.extend_from_slice(&extra);
                pos += (h.len() + (c.local + len - hdr_end)) as u64;
                out.data(&h);
                out.copy_range(hdr_end, c.local + len);
                // Central record: same treatment.
                let cn = le16(&rec, 28).unwrap_or(0) as usize;
                let cx = le16(&rec, 30).unwrap_or(0) as usize;
                let cextra = clean_extra(&rec[46 + cn..46 + cn + cx]);
                let tail = rec[46 + cn + cx..].to_vec();
                rec.truncate(46 + cn);
                rec[12..16].copy_from_slice(&[0, 0, 0x21, 0]);
                rec[30..32].copy_from_slice(&(cextra.len() as u16).to_le_bytes());
                rec.extend(cextra);
                rec.extend(tail);
            }
            Some(body) => {
                let crc = crc32(&[&body]);
                let size = body.len() as u32;
                let mut h = b"PK\x03\x04".to_vec();
                h.extend_from_slice(&20u16.to_le_bytes()); // version needed
                h.extend_from_slice(&0u16.to_le_bytes()); // flags
                h.extend_from_slice(&0u16.to_le_bytes()); // stored
                h.extend_from_slice(&0u16.to_le_bytes()); // time
                h.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
                h.extend_from_slice(&crc.to_le_bytes());
                h.extend_from_slice(&size.to_le_bytes());
                h.extend_from_slice(&size.to_le_bytes());
                h.extend_from_slice(&(c.name.len() as u16).to_le_bytes());
                h.extend_from_slice(&0u16.to_le_bytes());
                h.extend_from_slice(&c.name);
                h.extend_from_slice(&body);
                pos += h.len() as u64;
                out.data(&h);
                // Central record: same name, no extra/comment, new sizes.
                rec = b"PK\x01\x02".to_vec();
                rec.extend_from_slice(&data[c.start + 4..c.start + 6]); // version made by
                rec.extend_from_slice(&20u16.to_le_bytes());
                rec.extend_from_slice(&0u16.to_le_bytes());
                rec.extend_from_slice(&0u16.to_le_bytes());
                rec.extend_from_slice(&0u16.to_le_bytes());
                rec.extend_from_slice(&0x21u16.to_le_bytes());
                rec.extend_from_slice(&crc.to_le_bytes());
                rec.extend_from_slice(&size.to_le_bytes());
                rec.extend_from_slice(&size.to_le_bytes());
                rec.extend_from_slice(&(c.name.len() as u16).to_le_bytes());
                rec.extend_from_slice(&[0; 4]); // extra, comment lengths
                rec.extend_from_slice(&[0; 2]); // disk
                rec.extend_from_slice(&data[c.start + 36..c.start + 42]); // attributes
                rec.extend_from_slice(&[0; 4]); // offset, patched below
                rec.extend_from_slice(&c.name);
            }
        }
        rec[42..46].copy_from_slice(&offset.to_le_bytes());
        central.extend(rec);
    }
    let cd_off = u32::try_from(pos).map_err(|_| malformed("output over 4 GiB"))?;
    let n = entries.len() as u16;
    let mut eocd = central;
    eocd.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    eocd.extend_from_slice(&n.to_le_bytes());
    eocd.extend_from_slice(&n.to_le_bytes());
    let cd_size = (eocd.len() - 12) as u32;
    eocd.extend_from_slice(&cd_size.to_le_bytes());
    eocd.extend_from_slice(&cd_off.to_le_bytes());
    eocd.extend_from_slice(&0u16.to_le_bytes());
    out.data(&eocd);
    Ok(())
}
