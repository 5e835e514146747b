//! EXIF/TIFF IFDs (IFD0, ExifIFD, GPS, Interop, IFD1) with ExifTool's names and print conversions. `tiff` starts at the TIFF header (II*\0 / MM\0*).
//! TEMP: only a minimal walk to the maker note for maker note testing.

use crate::bytes::{u16_at, u32_at, Endian};
use crate::model::Metadata;

fn entries(tiff: &[u8], off: usize, e: Endian) -> Vec<(u16, u16, u32, usize)> {
    let mut out = Vec::new();
    let n = u16_at(tiff, off, e).unwrap_or(0) as usize;
    for i in 0..n.min(512) {
        let p = off + 2 + i * 12;
        let (Some(tag), Some(fmt), Some(cnt)) = (
            u16_at(tiff, p, e),
            u16_at(tiff, p + 2, e),
            u32_at(tiff, p + 4, e),
        ) else {
            break;
        };
        let size = [0usize, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4]
            .get(fmt as usize)
            .copied()
            .unwrap_or(1)
            * cnt as usize;
        let voff = if size <= 4 {
            p + 8
        } else {
            u32_at(tiff, p + 8, e).unwrap_or(0) as usize
        };
        out.push((tag, fmt, cnt, voff));
    }
    out
}

pub fn parse_tiff(meta: &mut Metadata, tiff: &[u8]) {
    let e = match tiff.get(0..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => return,
    };
    let ifd0 = u32_at(tiff, 4, e).unwrap_or(0) as usize;
    let mut make = String::new();
    let mut model = String::new();
    let mut exif_ifd = None;
    for (tag, _fmt, cnt, voff) in entries(tiff, ifd0, e) {
        match tag {
            0x010F => {
                make =
                    crate::bytes::text(crate::bytes::sub(tiff, voff, cnt as usize).unwrap_or(&[]))
            }
            0x0110 => {
                model =
                    crate::bytes::text(crate::bytes::sub(tiff, voff, cnt as usize).unwrap_or(&[]))
            }
            0x8769 => exif_ifd = u32_at(tiff, voff, e),
            _ => {}
        }
    }
    let Some(exif_ifd) = exif_ifd else { return };
    for (tag, _fmt, cnt, voff) in entries(tiff, exif_ifd as usize, e) {
        if tag == 0x927C {
            let ctx = super::makernotes::MakerNoteContext {
                tiff,
                offset: voff,
                len: cnt as usize,
                endian: e,
                make: &make,
                model: &model,
            };
            super::makernotes::parse(meta, &ctx);
        }
    }
}
