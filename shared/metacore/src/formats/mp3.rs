//! MP3: ID3v2, ID3v1, MPEG audio frame header.

use crate::model::Metadata;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let _ = (meta, data);
}
