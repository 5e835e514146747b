//! Samsung maker notes: the "Type2" IFD (offsets relative to the TIFF header, repaired like
//! ExifTool's FixBase when they are not); the older "STMN" binary notes carry nothing
//! ExifTool prints without -u.

use super::{fix_base, guess_order, run_ifd, Dir, State};
use crate::bytes::Endian;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    if mn.starts_with(b"STMN") || mn.starts_with(b"\xff\xd8") {
        return;
    }
    let mut dir = Dir {
        data: tiff,
        base: 0,
        endian: guess_order(tiff, off, e),
    };
    fix_base(&mut dir, off, &[0, 4]);
    run_ifd(st, "Image::ExifTool::Samsung::Type2", dir, off);
}
