//! Canon maker notes: a plain IFD whose offsets are relative to the TIFF header; most
//! information sits in int16s arrays (CameraSettings, ShotInfo, FocalLength, FileInfo...)
//! decoded by the binary tables.

use super::value::Val;
use super::{run_ifd, Dir, State, Tag};
use serde_json::Value;

pub fn parse(st: &mut State, dir: Dir, off: usize) {
    run_ifd(st, "Image::ExifTool::Canon::Main", dir, off);
}

/// Conditions the evaluator cannot run (None: let it try).
pub fn condition(_st: &State, _cond: &str) -> Option<bool> {
    None
}

pub fn value(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Val>> {
    None
}

pub fn print(_st: &State, _tag: &Tag, _v: &Val) -> Option<Option<Value>> {
    None
}
