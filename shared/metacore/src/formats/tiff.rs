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
    let summary = exif::parse_tiff_at(meta, data, Container::TiffFile(tiff_type(kind)), 0);
    // ExifTool re-identifies plain TIFFs: DNGVersion makes a DNG, and a raw compression
    // scheme ("Nikon NEF Compressed", ...) names the raw format.
    let mut kind = kind;
    if kind == FileKind::Tiff {
        let mut new = None;
        'found: for (_, ifd) in &summary.ifds {
            if let Some(c) = ifd.get(&0x0103).and_then(|r| r.first_int()) {
                new = match c {
                    32767 => Some(FileKind::Arw),
                    34713 => Some(FileKind::Nef),
                    65535 => Some(FileKind::Pef),
                    _ => None,
                };
                if new.is_some() {
                    break 'found;
                }
            }
        }
        if let Some(k) = new {
            kind = k;
        }
    }
    if meta.get("exif", "DNGVersion").is_some() {
        kind = FileKind::Dng;
    }
    if meta.get("file", "FileType").and_then(|v| v.as_str()) != Some(kind.file_type()) {
        meta.set("file", "FileType", kind.file_type());
        meta.set("file", "FileTypeExtension", kind.extension());
        meta.set("file", "MIMEType", kind.mime());
        if meta.get("file", "Type").is_some() {
            meta.set("file", "Type", kind.mime());
        }
    }
    if tiff_type(kind) == "TIFF" && summary.multi_page {
        meta.add("file", "PageCount", summary.page_count);
    }
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

    #[test]
    fn multi_page() {
        use crate::formats::exif::tests_support::{short, TiffBuilder};
        let mut b = TiffBuilder::new();
        // IFD0 at 8 (2 entries: 8 + 2 + 24 + 4 = 38), IFD1 at 38.
        b.ifd(&[short(0x00fe, 2), short(0x0112, 1)], 38);
        b.ifd(&[short(0x00fe, 2)], 0);
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &b.data, FileKind::Tiff);
        assert_eq!(m.get("file", "PageCount").cloned().unwrap(), 2);
    }
}
