//! TIFF files and the TIFF-based RAW formats (DNG, CR2, NEF, ARW, ORF, RW2, PEF).

use crate::detect::FileKind;
use crate::formats::exif::{self, Container};
use crate::model::Metadata;

/// ExifTool's TIFF_TYPE for each kind (changes a few tag names, e.g. CR2 IFD0 previews).
fn tiff_type(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Dng => "DNG",
        FileKind::Cr2 => "CR2",
        FileKind::Nef => "NEF",
        FileKind::Arw => "ARW",
        FileKind::Orf => "ORF",
        FileKind::Rw2 => "RW2",
        FileKind::Pef => "PEF",
        _ => "TIFF",
    }
}

pub fn parse(meta: &mut Metadata, data: &[u8], kind: FileKind) {
    if data.len() < 8 {
        meta.warn("File format error");
        return;
    }
    exif::parse_tiff_at(meta, data, Container::TiffFile(tiff_type(kind)), 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    #[test]
    fn tiff_file() {
        let d = exif::test_tiff();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d, FileKind::Tiff);
        assert_eq!(m.get("exif", "Make").cloned().unwrap(), "Canon");
        assert_eq!(
            m.get("file", "ExifByteOrder").cloned().unwrap(),
            "Little-endian (Intel, II)"
        );
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n], FileKind::Nef);
        }
    }
}
