//! JPEG segments: JFIF, EXIF, XMP (standard and extended), ICC, Photoshop/IPTC, Adobe, COM, SOF.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
