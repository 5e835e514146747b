//! ExifTool's Composite tags, computed from the other groups.

use crate::model::Metadata;

pub fn compute(meta: &mut Metadata) {
    let _ = meta;
}
