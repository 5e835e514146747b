//! EXIF/TIFF IFDs (IFD0, ExifIFD, GPS, Interop, IFD1) with ExifTool's names and print conversions. `tiff` starts at the TIFF header (II*\0 / MM\0*).

use crate::model::Metadata;

pub fn parse_tiff(meta: &mut Metadata, tiff: &[u8]) {
    let _ = (meta, tiff);
}
