//! JPEG: keeps the segments needed to decode and show the image (JFIF APP0 without its
//! thumbnail, Adobe APP14, tables, frame and scan headers, the entropy-coded data as copied
//! ranges) and drops every metadata segment (APP1 EXIF/XMP, APP2 ICC unless kept, FPXR and
//! MPF, APP3-APP13 and APP15, COM) and whatever trails EOI (MPF secondary images,
//! vendor trailers).

use super::{exif, malformed, xmp, Out, StripError};
use crate::bytes::{be16, be32, sub};
use crate::source::{Source, Window};

const XMP_SIG: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXT_SIG: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";

enum Action {
    Keep,
    /// Replace the segment by these bytes (marker included).
    Replace(Vec<u8>),
    Drop,
}

pub fn strip(src: &dyn Source, out: &mut Out) -> Result<(), StripError> {
    let mut w = Window::new(src);
    let len = usize::try_from(w.len()).map_err(|_| malformed("file too large"))?;
    if w.get(0, 2)? != [0xFF, 0xD8] {
        return Err(malformed("not a JPEG (no SOI)"));
    }
    let mut summary = exif::Summary::default();
    let mut xmp_text: Option<Vec<u8>> = None;
    let (mut iptc_cr, mut iptc_by) = (None, None);
    let mut icc_seen = false;
    let mut mpf = false;
    // Segments before the first SOS as (start, end, action), in order.
    let mut segs: Vec<(usize, usize, Action)> = Vec::new();
    let mut pos = 2usize;
    let mut insert_after_jfif = false;
    let mut eoi_end: Option<usize> = None;
    let mut seen_sos = false;
    loop {
        if seen_sos {
            // After the first scan, damage is treated as more scan data up to the next EOI.
            if let Err(StripError::Malformed(_)) | Ok(None) = peek_segment(&mut w, pos) {
                let eoi = w
                    .find_pattern(pos as u64, &[0xFF, 0xD9])?
                    .map(|p| p as usize + 2);
                let end = eoi.unwrap_or(len);
                segs.push((pos, end, Action::Keep));
                eoi_end = eoi;
                break;
            }
        }
        // Skip fill bytes before a marker.
        let Some(code_at) = w.find(pos as u64, |b| b != 0xFF)? else {
            // Ran out while looking for a marker.
            break;
        };
        let code_at = code_at as usize;
        if code_at == pos || w.byte(pos as u64)? != Some(0xFF) {
            return Err(malformed(format!("expected a marker at offset {pos}")));
        }
        let code = w.byte(code_at as u64)?.unwrap_or(0);
        let start = code_at - 1; // the last 0xFF before the marker code
        if code == 0xD9 {
            segs.push((start, start + 2, Action::Keep));
            eoi_end = Some(start + 2);
            break;
        }
        if (0xD0..=0xD7).contains(&code) || code == 0x01 {
            segs.push((start, start + 2, Action::Keep));
            pos = start + 2;
            continue;
        }
        let seg_len = be16(w.get(start as u64 + 2, 2)?, 0)
            .ok_or_else(|| malformed("truncated segment header"))? as usize;
        if seg_len < 2 {
            return Err(malformed(format!("bad segment length at offset {start}")));
        }
        let end = start + 2 + seg_len;
        if end > len {
            return Err(malformed(format!(
                "segment at offset {start} runs past the end"
            )));
        }
        // Only metadata segments are read in full (at most 64 KiB each).
        let payload = if matches!(code, 0xE0..=0xEF | 0xFE) {
            w.get(start as u64 + 4, seg_len - 2)?.to_vec()
        } else {
            Vec::new()
        };
        let payload = payload.as_slice();
        let action = match code {
            0xE0 => app0(payload, out),
            0xE1 => {
                if let Some(t) = payload.strip_prefix(b"Exif\0\0".as_slice()) {
                    summary.merge(exif::summarize(t));
                } else if let Some(t) = payload.strip_prefix(XMP_SIG) {
                    out.removed("xmp", xmp::count_props(t));
                    xmp_text.get_or_insert_with(|| t.to_vec());
                } else if payload.starts_with(XMP_EXT_SIG) {
                    // Extended XMP chunks: the properties were counted with the main packet.
                    out.removed("xmp", 0);
                } else {
                    out.removed("app1", 1);
                }
                Action::Drop
            }
            0xE2 => {
                if payload.starts_with(b"ICC_PROFILE\0") {
                    if out.keep.icc {
                        out.kept("icc_profile");
                        Action::Keep
                    } else {
                        if !icc_seen {
                            out.removed("icc_profile", 1);
                        }
                        icc_seen = true;
                        Action::Drop
                    }
                } else if payload.starts_with(b"MPF\0") {
                    mpf = true;
                    out.removed("mpf", 1);
                    Action::Drop
                } else if payload.starts_with(b"FPXR") {
                    out.removed("flashpix", 1);
                    Action::Drop
                } else {
                    out.removed("app2", 1);
                    Action::Drop
                }
            }
            0xED => {
                if let Some(irb) = payload.strip_prefix(b"Photoshop 3.0\0".as_slice()) {
                    photoshop_counts(irb, out);
                    if out.keep.copyright {
                        iptc_cr = iptc_cr.take().or_else(|| iptc_value(irb, 116));
                        iptc_by = iptc_by.take().or_else(|| iptc_value(irb, 80));
                    }
                } else {
                    out.removed("photoshop", 1);
                }
                Action::Drop
            }
            0xEE if payload.starts_with(b"Adobe") => Action::Keep,
            0xEC if payload.starts_with(b"Ducky") => {
                out.removed("ducky", 1);
                Action::Drop
            }
            0xE3..=0xEF => {
                out.removed(&format!("app{}", code - 0xE0), 1);
                Action::Drop
            }
            0xFE => {
                out.removed("comment", 1);
                Action::Drop
            }
            _ => Action::Keep,
        };
        if segs.is_empty() && code == 0xE0 && payload.starts_with(b"JFIF\0") {
            insert_after_jfif = true;
        }
        segs.push((start, end, action));
        pos = end;
        if code == 0xDA {
            seen_sos = true;
            // Entropy-coded data follows: scan to the next marker that is not RSTn/stuffing.
            let scan_end = scan_entropy(&mut w, end)?;
            segs.push((end, scan_end, Action::Keep));
            pos = scan_end;
            if scan_end >= len {
                break;
            }
        }
    }
    summary.record(out);
    // IPTC CopyrightNotice / By-line stand in when EXIF and XMP have none.
    summary.copyright = summary.copyright.take().or(iptc_cr);
    summary.artist = summary.artist.take().or(iptc_by);
    let minimal = exif::Minimal::choose(out, &summary, xmp_text.as_deref());

    out.copy(0, 2);
    let new_exif = minimal.build().map(|t| {
        let mut seg = vec![0xFF, 0xE1, 0, 0];
        seg.extend_from_slice(b"Exif\0\0");
        seg.extend_from_slice(&t);
        let l = (seg.len() - 2).min(0xFFFF) as u16;
        seg[2..4].copy_from_slice(&l.to_be_bytes());
        seg
    });
    let mut exif_pending = new_exif;
    if !insert_after_jfif {
        if let Some(e) = exif_pending.take() {
            out.data(&e);
        }
    }
    for (i, (s, e, a)) in segs.into_iter().enumerate() {
        match a {
            Action::Keep => out.copy_range(s, e),
            Action::Replace(b) => out.data(&b),
            Action::Drop => {}
        }
        if i == 0 {
            if let Some(ex) = exif_pending.take() {
                out.data(&ex);
            }
        }
    }
    if eoi_end.is_some_and(|e| e < len) && !mpf {
        out.removed("trailer", 1);
    }
    Ok(())
}

/// Checks that a well-formed marker segment starts at `pos` (after optional fill bytes):
/// Ok(Some(())) when it does, Ok(None) at the end of the data.
fn peek_segment(w: &mut Window, pos: usize) -> Result<Option<()>, StripError> {
    let Some(code_at) = w.find(pos as u64, |b| b != 0xFF)? else {
        return Ok(None);
    };
    if code_at == pos as u64 {
        return Err(malformed("no marker"));
    }
    let code = w.byte(code_at)?.unwrap_or(0);
    match code {
        0xD9 | 0xD0..=0xD7 | 0x01 => Ok(Some(())),
        0xD8 => Err(malformed("SOI inside the image data")),
        0xC0..=0xFE => {
            let len = be16(w.get(code_at + 1, 2)?, 0).ok_or_else(|| malformed("short"))? as u64;
            if len < 2 || code_at + 1 + len > w.len() {
                return Err(malformed("bad length"));
            }
            Ok(Some(()))
        }
        _ => Err(malformed("not a marker")),
    }
}

fn app0(payload: &[u8], out: &mut Out) -> Action {
    if payload.starts_with(b"JFIF\0") {
        // JFIF header: version(2) units(1) density(4) thumbnail w/h(2) + RGB thumbnail.
        if payload.len() > 14 {
            let (tw, th) = (payload[12], payload[13]);
            if tw != 0 || th != 0 || payload.len() > 14 {
                out.removed("jfif", 1);
                let mut seg = vec![0xFF, 0xE0, 0, 16];
                seg.extend_from_slice(&payload[..12]);
                seg.extend_from_slice(&[0, 0]);
                return Action::Replace(seg);
            }
        }
        Action::Keep
    } else {
        out.removed(
            if payload.starts_with(b"JFXX\0") {
                "jfif"
            } else {
                "app0"
            },
            1,
        );
        Action::Drop
    }
}

/// Finds the end of the entropy-coded data starting at `pos`: the offset of the first marker
/// that is neither a stuffed 0xFF00 nor RSTn (or the end of the data). Reads the scan
/// through `w`, a window at a time: this is the one pass over a JPEG's image data.
pub fn scan_entropy(w: &mut Window, mut pos: usize) -> Result<usize, StripError> {
    let len = w.len() as usize;
    while pos < len {
        let Some(at) = w.find(pos as u64, |b| b == 0xFF)? else {
            return Ok(len);
        };
        let at = at as usize;
        match w.byte(at as u64 + 1)? {
            None => return Ok(len),
            // Stuffing, restart markers and codes that are no segment marker (damaged
            // data) belong to the scan.
            Some(0x00..=0xBF) | Some(0xD0..=0xD7) => pos = at + 2,
            Some(0xFF) => pos = at + 1,
            Some(_) => return Ok(at),
        }
    }
    Ok(len)
}

/// Counts the resources of a Photoshop IRB (Image Resource Block): IPTC datasets under
/// `iptc`, the other resources under `photoshop`.
pub fn photoshop_counts(irb: &[u8], out: &mut Out) {
    let mut pos = 0usize;
    let mut n = 0u64;
    let mut guard = 0;
    while pos + 12 <= irb.len() && guard < 10_000 {
        guard += 1;
        if sub(irb, pos, 4) != Some(b"8BIM") {
            break;
        }
        let Some(id) = be16(irb, pos + 4) else { break };
        let name_len = irb.get(pos + 6).copied().unwrap_or(0) as usize;
        let name_total = (1 + name_len + 1) & !1;
        let sz_at = pos + 6 + name_total;
        let Some(size) = be32(irb, sz_at) else { break };
        let size = size as usize;
        let body_at = sz_at + 4;
        let body = sub(irb, body_at, size).unwrap_or_else(|| irb.get(body_at..).unwrap_or(&[]));
        if id == 0x0404 {
            out.removed("iptc", iptc_count(body));
        } else {
            n += 1;
        }
        pos = body_at.saturating_add(size + (size & 1));
    }
    out.removed("photoshop", n.max(u64::from(pos == 0)));
}

/// The first IPTC record-2 dataset `ds` (116 CopyrightNotice, 80 By-line) in a Photoshop
/// IRB.
fn iptc_value(irb: &[u8], ds: u8) -> Option<Vec<u8>> {
    let mut pos = 0usize;
    for _ in 0..10_000 {
        if sub(irb, pos, 4)? != b"8BIM" {
            return None;
        }
        let id = be16(irb, pos + 4)?;
        let name_len = *irb.get(pos + 6)? as usize;
        let sz_at = pos + 6 + ((1 + name_len + 1) & !1);
        let size = be32(irb, sz_at)? as usize;
        let body = sub(irb, sz_at + 4, size)?;
        if id == 0x0404 {
            let mut p = 0usize;
            while p + 5 <= body.len() && body[p] == 0x1C {
                let len = be16(body, p + 3)? as usize;
                if len & 0x8000 != 0 {
                    return None;
                }
                if body[p + 1] == 2 && body[p + 2] == ds {
                    let v = sub(body, p + 5, len)?.to_vec();
                    return (!v.is_empty()).then_some(v);
                }
                p += 5 + len;
            }
        }
        pos = sz_at + 4 + size + (size & 1);
    }
    None
}

/// Counts IPTC-IIM datasets.
pub fn iptc_count(d: &[u8]) -> u64 {
    let mut pos = 0usize;
    let mut n = 0;
    while pos + 5 <= d.len() && d[pos] == 0x1C && n < 100_000 {
        let Some(len) = be16(d, pos + 3) else { break };
        let (hdr, len) = if len & 0x8000 != 0 {
            let k = (len & 0x7FFF) as usize;
            if k > 4 {
                break;
            }
            let mut l = 0usize;
            for i in 0..k {
                l = (l << 8) | d.get(pos + 5 + i).copied().unwrap_or(0) as usize;
            }
            (5 + k, l)
        } else {
            (5, len as usize)
        };
        n += 1;
        pos = pos.saturating_add(hdr).saturating_add(len);
    }
    n.max(1)
}
