//! HEIC/HEIF/AVIF (ISO BMFF meta box: items, properties, Exif and XMP items).
//! TEMP: scan for the Exif block for maker note testing.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if let Some(p) = data
        .windows(10)
        .position(|w| w == b"Exif\0\0MM\0*" || w == b"Exif\0\0II*\0")
    {
        super::exif::parse_tiff(meta, &data[p + 6..]);
    }
}
