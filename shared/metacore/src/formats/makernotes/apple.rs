//! Apple iOS maker notes: "Apple iOS\0" + version + "MM", a big-endian IFD at +14 with
//! offsets relative to the maker note.

use super::{run_ifd, Dir, State};
use crate::bytes::Endian;

pub fn parse(st: &mut State, _tiff: &[u8], _off: usize, mn: &[u8]) {
    let endian = if mn.get(12..14) == Some(b"II") {
        Endian::Little
    } else {
        Endian::Big
    };
    run_ifd(
        st,
        "Image::ExifTool::Apple::Main",
        Dir {
            data: mn,
            base: 0,
            endian,
        },
        14,
    );
}
