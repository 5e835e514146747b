//! Canon maker notes: a plain IFD whose offsets are relative to the TIFF header; most
//! information sits in int16s arrays (CameraSettings, ShotInfo, FocalLength, FileInfo...)
//! decoded by the binary tables.

use super::value::Val;
use super::{run_ifd, Dir, State, Tag};
use crate::bytes::{u32_at, Endian};
use serde_json::Value;

pub fn parse(st: &mut State, dir: Dir, off: usize, len: usize) {
    // Canon writes a footer "II*\0" + the maker note's original offset: when software
    // moved the maker note, value offsets are still relative to the original place.
    let mut dir = dir;
    if len >= 8 {
        if let Some(foot) = dir.data.get(off + len - 8..off + len) {
            let e = match &foot[..4] {
                b"II*\0" => Some(Endian::Little),
                b"MM\0*" => Some(Endian::Big),
                _ => None,
            };
            if let Some(e) = e {
                if let Some(orig) = u32_at(foot, 4, e) {
                    if e == dir.endian {
                        dir.base = off as i64 - orig as i64;
                        run_ifd(st, "Image::ExifTool::Canon::Main", dir, off);
                        return;
                    }
                }
            }
        }
    }
    let model = st.model.clone();
    let mut allowed = vec![
        0,
        4,
        if model.contains("20D") || model.contains("350D") {
            6
        } else {
            4
        },
    ];
    if model.contains("PowerShot") || model.contains("IXUS") || model.contains("IXY") {
        allowed.push(16);
    }
    super::fix_base(&mut dir, off, &allowed);
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
