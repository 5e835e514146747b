//! JPEG segments: JFIF, EXIF, XMP (standard and extended), ICC, Photoshop/IPTC, Adobe, COM, SOF.
//! TEMP: only a minimal APP1 Exif walk for maker note testing.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut pos = 2usize;
    while pos + 4 <= data.len() {
        if data[pos] != 0xFF {
            break;
        }
        let marker = data[pos + 1];
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = crate::bytes::be16(data, pos + 2).unwrap_or(0) as usize;
        if len < 2 {
            break;
        }
        let body = crate::bytes::sub(data, pos + 4, len - 2).unwrap_or(&[]);
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            super::exif::parse_tiff(meta, &body[6..]);
            break;
        }
        pos += 2 + len;
    }
}
