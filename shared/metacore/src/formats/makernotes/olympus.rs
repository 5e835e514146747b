//! Olympus maker notes: "OLYMP\0" (IFD at +8, offsets relative to the TIFF header),
//! "OLYMPUS\0II" and "OM SYSTEM" (own byte order, offsets relative to the maker note), with
//! sub-IFDs (Equipment, CameraSettings, RawDevelopment, ImageProcessing, FocusInfo).

use super::value::Val;
use super::{run_ifd, Dir, Entry, State, Table, Tag};
use crate::bytes::Endian;
use serde_json::Value;

pub fn parse(st: &mut State, tiff: &[u8], off: usize, mn: &[u8], e: Endian) {
    let order = |b: Option<&[u8]>| match b {
        Some(b"II") => Some(Endian::Little),
        Some(b"MM") => Some(Endian::Big),
        _ => None,
    };
    if mn.starts_with(b"OLYMPUS\0") {
        let endian = order(mn.get(8..10)).unwrap_or(e);
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: mn,
                base: 0,
                endian,
            },
            12,
        );
    } else if mn.starts_with(b"OM SYSTEM\0") {
        let endian = order(mn.get(12..14)).unwrap_or(e);
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: mn,
                base: 0,
                endian,
            },
            16,
        );
    } else {
        run_ifd(
            st,
            "Image::ExifTool::Olympus::Main",
            Dir {
                data: tiff,
                base: 0,
                endian: e,
            },
            off + 8,
        );
    }
}

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
