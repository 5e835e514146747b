//! JPEG segments: JFIF, EXIF, XMP (standard and extended), ICC, Photoshop/IPTC, Adobe, COM, SOF.
//!
//! TEMPORARY minimal segment walk (blocks branch only): hands APP1 XMP, APP2 ICC and APP13
//! Photoshop payloads to the block parsers so their corpus scores can be measured. The real
//! parser is written by another helper; this file is dropped at merge.

use crate::bytes::be16;
use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut pos = 2usize;
    let mut icc: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut ps: Vec<u8> = Vec::new();
    let mut ext: Vec<(u32, Vec<u8>)> = Vec::new();
    while pos + 4 <= data.len() {
        if data[pos] != 0xff {
            break;
        }
        let marker = data[pos + 1];
        if marker == 0xff {
            pos += 1;
            continue;
        }
        if marker == 0xda || marker == 0xd9 {
            break;
        }
        let Some(len) = be16(data, pos + 2) else {
            break;
        };
        let len = len as usize;
        let end = (pos + 2 + len).min(data.len());
        let payload = data.get(pos + 4..end).unwrap_or(&[]);
        match marker {
            0xe1 if payload.starts_with(b"Exif\0") => {
                crate::formats::exif::parse_tiff(meta, payload.get(6..).unwrap_or(&[]))
            }
            0xe1 if payload.starts_with(b"http://ns.adobe.com/xap/1.0/\0") => {
                crate::formats::xmp::parse(meta, &payload[29..])
            }
            0xe1 if payload.starts_with(b"http://ns.adobe.com/xmp/extension/\0")
                && payload.len() >= 75 =>
            {
                let off = u32::from_be_bytes([payload[71], payload[72], payload[73], payload[74]]);
                ext.push((off, payload[75..].to_vec()))
            }
            0xe2 if payload.starts_with(b"ICC_PROFILE\0") && payload.len() >= 14 => {
                icc.push((payload[12], payload[14..].to_vec()))
            }
            0xed if payload.starts_with(b"Photoshop 3.0\0") => ps.extend_from_slice(&payload[14..]),
            _ => {}
        }
        pos = end;
    }
    if !icc.is_empty() {
        icc.sort_by_key(|x| x.0);
        let all: Vec<u8> = icc.into_iter().flat_map(|x| x.1).collect();
        crate::formats::icc::parse(meta, &all);
    }
    if !ext.is_empty() {
        ext.sort_by_key(|x| x.0);
        let all: Vec<u8> = ext.into_iter().flat_map(|x| x.1).collect();
        crate::formats::xmp::parse(meta, &all);
    }
    if !ps.is_empty() {
        crate::formats::photoshop::parse(meta, &ps);
    }
}
