//! Nikon maker notes: "Nikon\0\x02" + an embedded TIFF header (offsets relative to it), the
//! older "Nikon\0\x01" type (Coolpix E-series), or a bare IFD.

use super::value::Val;
use super::{process_ifd, tables, Dir, Entry, State, Table, Tag};
use crate::bytes::{u32_at, Endian};
use serde_json::Value;

pub fn parse_type3(st: &mut State, mn: &[u8]) {
    let Some(tiff) = mn.get(10..) else { return };
    let endian = match tiff.get(0..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => {
            st.meta.warn("Bad Nikon maker note header");
            return;
        }
    };
    let Some(ifd) = u32_at(tiff, 4, endian) else {
        return;
    };
    if let Some(t) = tables::lookup("Image::ExifTool::Nikon::Main") {
        process_ifd(
            st,
            t,
            Dir {
                data: tiff,
                base: 0,
                endian,
            },
            ifd as usize,
        );
    }
}

/// Nikon subdirectories that need more than the generic handling; true when handled.
pub fn subdirectory(
    _st: &mut State,
    _tag: &'static Tag,
    _t: &'static Table,
    _dir: Dir,
    _e: &Entry,
) -> bool {
    false
}

pub fn value(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Val>> {
    None
}

pub fn print(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Value>> {
    None
}
