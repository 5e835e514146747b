//! Kodak, Ricoh, Reconyx and other makers with a single small format each.

use super::value::Val;
use super::{process_binary, tables, State, Tag};
use crate::bytes::Endian;
use serde_json::Value;

pub fn parse(st: &mut State, _tiff: &[u8], _off: usize, mn: &[u8], _e: Endian) {
    let make = st.make.clone();
    let binary = |st: &mut State, name: &str, data: &[u8], endian| {
        if let Some(t) = tables::lookup(name) {
            process_binary(st, t, data, endian);
        }
    };
    if make.starts_with("EASTMAN KODAK")
        && mn.get(12) == Some(&7)
        && !mn.starts_with(b"MM")
        && !mn.starts_with(b"II")
        && !mn.starts_with(b"AOC")
    {
        binary(st, "Image::ExifTool::Kodak::Type3", mn, Endian::Big);
    } else if make.starts_with("Eastman Kodak") && mn.get(41..44) == Some(b"JPG") {
        binary(st, "Image::ExifTool::Kodak::Type4", mn, Endian::Big);
    } else if mn.starts_with(b"\x01\xf1")
        && (mn.get(2..4) == Some(b"\x02\0") || mn.get(2..4) == Some(b"\x03\0") || make == "RECONYX")
    {
        binary(st, "Image::ExifTool::Reconyx::Main", mn, Endian::Little);
    }
}

pub fn value(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Val>> {
    None
}

pub fn print(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Value>> {
    None
}
