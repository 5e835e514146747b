//! Pentax maker notes: "AOC\0" + byte order ("II"/"MM", or two spaces for the TIFF's),
//! an IFD at +6 with offsets relative to the TIFF header (repaired like ExifTool's FixBase
//! when the note was moved), or "PENTAX \0" + byte order with offsets relative to the note.

use super::{fix_base, guess_order, run_ifd, Dir, State};
use crate::bytes::Endian;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    let order = match mn.get(4..6) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => e,
    };
    let ifd = off + 6;
    let mut dir = Dir {
        data: tiff,
        base: 0,
        endian: guess_order(tiff, ifd, order),
    };
    fix_base(&mut dir, ifd, &[0, 4]);
    run_ifd(st, "Image::ExifTool::Pentax::Main", dir, ifd);
}

/// "PENTAX \0" + "II"/"MM" (newer models): IFD at +10, offsets relative to the note.
pub fn parse_pentax5(st: &mut State, rest: &[u8], e: Endian) {
    let order = match rest.get(8..10) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => e,
    };
    run_ifd(
        st,
        "Image::ExifTool::Pentax::Main",
        Dir {
            data: rest,
            base: 0,
            endian: order,
        },
        10,
    );
}
