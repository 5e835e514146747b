//! TIFF files and the TIFF-based RAW formats (DNG, CR2, NEF, ARW, ORF, RW2, PEF).

use crate::detect::FileKind;
use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8], kind: FileKind) {
    let _ = (meta, data, kind);
}
