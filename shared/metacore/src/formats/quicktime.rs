//! QuickTime/MP4/M4A/3GP atoms.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
