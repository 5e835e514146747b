//! Canon CR3 (ISO BMFF with CMT1..CMT4 TIFF blocks).

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
