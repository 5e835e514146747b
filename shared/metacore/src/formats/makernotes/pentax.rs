//! Pentax maker notes: "AOC\0" + byte order ("II"/"MM", or two spaces for the TIFF's),
//! an IFD at +6 with offsets relative to the TIFF header.

use super::{run_ifd, Dir, State};
use crate::bytes::Endian;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    let endian = match mn.get(4..6) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => e,
    };
    run_ifd(
        st,
        "Image::ExifTool::Pentax::Main",
        Dir {
            data: tiff,
            base: 0,
            endian,
        },
        off + 6,
    );
}
