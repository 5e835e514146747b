//! HEIC/HEIF/AVIF (ISO BMFF meta box: items, properties, Exif and XMP items).

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
