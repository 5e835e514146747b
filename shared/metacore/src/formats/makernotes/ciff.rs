//! Canon's CIFF (CRW) records, as embedded in the APP0 segment of early PowerShot JPEGs
//! ("II" + header length + "HEAPJPGM"); ExifTool reports them in the MakerNotes group.

use super::value;
use super::{emit, process_binary, tables, State};
use crate::bytes::{u16_at, u32_at, Endian};

const MAX_DEPTH: u32 = 6;

pub fn parse(st: &mut State, seg: &[u8]) {
    let endian = match seg.get(0..2) {
        Some(b"II") => Endian::Little,
        Some(b"MM") => Endian::Big,
        _ => return,
    };
    if seg.get(6..14) != Some(b"HEAPJPGM") && seg.get(6..14) != Some(b"HEAPCCDR") {
        return;
    }
    let Some(hlen) = u32_at(seg, 2, endian) else {
        return;
    };
    let hlen = hlen as usize;
    if hlen >= seg.len() {
        return;
    }
    let mut seen = Vec::new();
    block(st, seg, hlen, seg.len() - hlen, endian, 0, &mut seen);
}

fn block(
    st: &mut State,
    data: &[u8],
    start: usize,
    size: usize,
    e: Endian,
    depth: u32,
    seen: &mut Vec<usize>,
) {
    if depth > MAX_DEPTH || size < 4 || seen.len() > 64 {
        return;
    }
    let Some(end) = start.checked_add(size) else {
        return;
    };
    let Some(dir) = u32_at(data, end - 4, e).and_then(|o| (o as usize).checked_add(start)) else {
        st.meta.warn("Bad CIFF directory");
        return;
    };
    if seen.contains(&dir) {
        st.meta
            .warn("Not processing double-referenced CIFF directory");
        return;
    }
    seen.push(dir);
    let Some(n) = u16_at(data, dir, e) else {
        return;
    };
    let Some(table) = tables::lookup("Image::ExifTool::CanonRaw::Main") else {
        return;
    };
    for i in 0..(n as usize).min(512) {
        if st.meta.budget.exceeded() {
            return;
        }
        let p = dir + 2 + 10 * i;
        let (Some(tag), Some(sz), Some(ptr)) = (
            u16_at(data, p, e),
            u32_at(data, p + 2, e),
            u32_at(data, p + 6, e),
        ) else {
            st.meta.warn("Truncated CIFF directory");
            return;
        };
        if tag & 0x8000 != 0 {
            st.meta.warn("Bad CRW directory entry");
            return;
        }
        let id = (tag & 0x3fff) as u32;
        let kind = (tag >> 8) & 0x38;
        let in_dir = tag & 0x4000 != 0;
        let Some(ptr) = (ptr as usize).checked_add(start) else {
            continue;
        };
        if (kind == 0x28 || kind == 0x30) && !in_dir {
            // conditions of the records inside read the block's name (DIR_NAME)
            let name = table
                .tags
                .iter()
                .find(|t| t.id == id)
                .map(|t| t.name)
                .unwrap_or("");
            let saved = st.members.insert("DIR_NAME", value::Val::Str(name.into()));
            block(st, data, ptr, sz as usize, e, depth + 1, seen);
            match saved {
                Some(v) => st.members.insert("DIR_NAME", v),
                None => st.members.remove("DIR_NAME"),
            };
            continue;
        }
        let cond_bytes: &[u8] = if in_dir {
            data.get(p + 2..p + 10).unwrap_or(&[])
        } else {
            &[]
        };
        let Some(t) = super::pick(st, table, id, 0, None, cond_bytes) else {
            continue;
        };
        let raw: &[u8] = if in_dir {
            match data.get(p + 2..p + 10) {
                Some(r) => r,
                None => continue,
            }
        } else if sz <= 512 || !t.sub.is_empty() {
            match crate::bytes::sub(data, ptr, sz as usize) {
                Some(r) => r,
                None => {
                    st.meta.warn("Bad CIFF value offset");
                    continue;
                }
            }
        } else {
            continue;
        };
        if !t.sub.is_empty() {
            if let Some(t2) = tables::lookup(t.sub) {
                if t2.binary {
                    process_binary(st, t2, raw, e);
                }
            }
            continue;
        }
        let fmt = if !t.format.is_empty() {
            t.format
        } else {
            match kind {
                0x00 => "int8u",
                0x08 => "string",
                0x10 => "int16u",
                0x18 => "int32u",
                _ => "undef",
            }
        };
        let count = if t.count > 0 {
            t.count as usize
        } else if in_dir && fmt != "string" {
            1
        } else {
            raw.len() / super::item_size(fmt)
        };
        if let Some(v) = value::read(raw, fmt, count, e) {
            emit(st, t, v);
        }
    }
}
