//! OOXML (DOCX/XLSX/PPTX) and ODF document properties.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
