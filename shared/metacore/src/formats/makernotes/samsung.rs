//! Samsung maker notes: the "Type2" IFD (offsets relative to the TIFF header); the older
//! "STMN" binary notes carry nothing ExifTool prints without -u.

use super::{run_ifd, Dir, State};
use crate::bytes::Endian;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    if mn.starts_with(b"STMN") || mn.starts_with(b"\xff\xd8") {
        return;
    }
    run_ifd(
        st,
        "Image::ExifTool::Samsung::Type2",
        Dir {
            data: tiff,
            base: 0,
            endian: e,
        },
        off,
    );
}
