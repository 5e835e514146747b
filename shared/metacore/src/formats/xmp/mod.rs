//! XMP packets, any namespace, flattened the way ExifTool names its tags.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, packet: &[u8]) {
    let _ = (meta, packet);
}
