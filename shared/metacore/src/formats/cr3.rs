//! Canon CR3 (ISO BMFF with CMT1..CMT4 TIFF blocks in the Canon `uuid` box of `moov`).
//! CMT1 is IFD0, CMT2 the ExifIFD, CMT3 the Canon maker notes and CMT4 the GPS IFD.

use crate::bytes::{u32_at, Endian};
use crate::formats::bmff::{Boxes, MAX_DEPTH};
use crate::formats::exif::{self, Container};
use crate::model::Metadata;

/// The Canon metadata box: uuid 85c0b687-820f-11e0-8111-f4ce462b6a48.
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    // The BMFF structure itself (ftyp, mdat, ...) is QuickTime's, as in ExifTool.
    crate::formats::quicktime::parse(meta, data);
    let mut found = false;
    walk(meta, data, 0, data.len(), 0, &mut found);
    if !found {
        meta.warn("No Canon CMT metadata found");
    }
}

fn walk(
    meta: &mut Metadata,
    data: &[u8],
    start: usize,
    end: usize,
    depth: usize,
    found: &mut bool,
) {
    if depth > MAX_DEPTH || meta.budget.exceeded() {
        return;
    }
    let mut boxes = Boxes::range(data, start, end);
    for b in boxes.by_ref().take(4096) {
        match &b.kind {
            b"moov" => walk(meta, data, b.start + b.header_len, b.end, depth + 1, found),
            b"uuid" => {
                let p = b.payload(data);
                if p.len() >= 16 && p[..16] == CANON_UUID {
                    *found = true;
                    let s = b.start + b.header_len + 16;
                    cmt_boxes(meta, data, s, b.end);
                }
            }
            _ => {}
        }
    }
    if boxes.truncated {
        meta.warn("Truncated CR3 box");
    }
}

fn cmt_boxes(meta: &mut Metadata, data: &[u8], start: usize, end: usize) {
    let mut model = String::new();
    let mut blocks: Vec<([u8; 4], &[u8], usize)> = Vec::new();
    for b in Boxes::range(data, start, end).take(256) {
        if matches!(&b.kind, b"CMT1" | b"CMT2" | b"CMT3" | b"CMT4") {
            blocks.push((b.kind, b.payload(data), b.start + b.header_len));
        }
    }
    for (kind, tiff, base) in &blocks {
        match kind {
            b"CMT1" => {
                exif::parse_tiff_at(meta, tiff, Container::TiffFile("CR3"), *base);
                if let Some(m) = meta.get("exif", "Model").and_then(|v| v.as_str()) {
                    model = m.to_string();
                }
            }
            b"CMT2" => exif::parse_tiff_dir(meta, tiff, Container::TiffFile("CR3"), "ExifIFD"),
            b"CMT4" => exif::parse_tiff_dir(meta, tiff, Container::TiffFile("CR3"), "GPS"),
            _ => {}
        }
    }
    for (kind, tiff, _) in &blocks {
        if kind != b"CMT3" {
            continue;
        }
        let e = match tiff.get(..2) {
            Some(b"II") => Endian::Little,
            Some(b"MM") => Endian::Big,
            _ => continue,
        };
        let Some(off) = u32_at(tiff, 4, e).map(|x| x as usize) else {
            continue;
        };
        if off >= tiff.len() {
            continue;
        }
        let make = meta
            .get("exif", "Make")
            .and_then(|v| v.as_str())
            .unwrap_or("Canon")
            .to_string();
        let ctx = crate::formats::makernotes::MakerNoteContext {
            tiff,
            offset: off,
            len: tiff.len() - off,
            endian: e,
            make: &make,
            model: &model,
            file_base: 0,
        };
        crate::formats::makernotes::parse(meta, &ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    fn bx(kind: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn cmt_blocks() {
        let tiff = exif::test_tiff();
        let mut uuid = CANON_UUID.to_vec();
        uuid.extend(bx(b"CMT1", &tiff));
        let moov = bx(b"moov", &bx(b"uuid", &uuid));
        let mut d = bx(b"ftyp", b"crx \0\0\0\x01crx isom");
        d.extend(moov);
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(m.get("exif", "Make").cloned().unwrap(), "Canon");
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
