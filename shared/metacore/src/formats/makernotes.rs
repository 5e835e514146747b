//! Maker notes of Canon, Nikon, Sony, Apple, Fujifilm, Olympus, Panasonic, Pentax, Samsung.

use crate::model::Metadata;

/// Where a maker note sits: the whole TIFF block it belongs to (offsets in many maker notes
/// are relative to it), the maker note's own offset and length inside it, its byte order,
/// and the camera's Make and Model from IFD0.
#[derive(Debug, Clone, Copy)]
pub struct MakerNoteContext<'a> {
    pub tiff: &'a [u8],
    pub offset: usize,
    pub len: usize,
    pub endian: crate::bytes::Endian,
    pub make: &'a str,
    pub model: &'a str,
}

pub fn parse(meta: &mut Metadata, ctx: &MakerNoteContext) {
    let _ = (meta, ctx);
}
