//! Fujifilm maker notes: "FUJIFILM" + a little-endian offset to the IFD; offsets are relative
//! to the maker note and always little-endian.

use super::{run_ifd, Dir, State};
use crate::bytes::{le32, Endian};

pub fn parse(st: &mut State, mn: &[u8]) {
    let Some(ifd) = le32(mn, 8) else { return };
    run_ifd(
        st,
        "Image::ExifTool::FujiFilm::Main",
        Dir {
            data: mn,
            base: 0,
            endian: Endian::Little,
        },
        ifd as usize,
    );
}
