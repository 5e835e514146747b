//! One module per container format. `extract_into` dispatches on the detected kind; each
//! container parser hands embedded blocks (EXIF, XMP, IPTC, ICC, ...) to the block parsers.
//!
//! Ownership of modules (who writes what) is in ARCHITECTURE.md; the signatures below are the
//! contract between them.

use crate::detect::FileKind;
use crate::model::Metadata;

pub mod aiff;
pub mod bmff;

// Still images and the blocks embedded in them.
pub mod bmp;
pub mod composite;
pub mod cr3;
pub mod exif;
pub mod gif;
pub mod heif;
pub mod icc;
pub mod iptc;
pub mod jpeg;
pub mod jxl;
pub mod makernotes;
pub mod photoshop;
pub mod png;
pub mod psd;
pub mod raf;
pub mod tiff;
pub mod webp;
pub mod xmp;

// Audio, video and documents.
pub mod flac;
pub mod matroska;
pub mod mp3;
pub mod office;
pub mod ogg;
pub mod pdf;
pub mod quicktime;
pub mod riff;
pub mod txt;

/// Fills the `file` group: the seed's `Name`, `Size`, `Type` plus ExifTool's FileType,
/// FileTypeExtension and MIMEType. Format parsers add the rest (ImageWidth, ...).
pub fn file_group(
    meta: &mut Metadata,
    data: &[u8],
    file_name: Option<&str>,
    kind: Option<FileKind>,
) {
    if let Some(name) = file_name {
        meta.set("file", "Name", name);
    }
    meta.set("file", "Size", data.len() as u64);
    let mime = kind.map(|k| k.mime()).unwrap_or("application/octet-stream");
    meta.set("file", "Type", mime);
    if let Some(k) = kind {
        meta.set("file", "FileType", k.file_type());
        meta.set("file", "FileTypeExtension", k.extension());
        meta.set("file", "MIMEType", mime);
    }
}

/// Runs the container parser for `kind`.
pub fn extract_into(meta: &mut Metadata, data: &[u8], kind: FileKind) {
    use FileKind::*;
    match kind {
        Jpeg => jpeg::parse(meta, data),
        Tiff | Dng | Cr2 | Nef | Arw | Orf | Rw2 | Pef => tiff::parse(meta, data, kind),
        Raf => raf::parse(meta, data),
        Cr3 => cr3::parse(meta, data),
        Png => png::parse(meta, data),
        WebP => webp::parse(meta, data),
        Gif => gif::parse(meta, data),
        Bmp => bmp::parse(meta, data),
        Psd => psd::parse(meta, data),
        JpegXl => jxl::parse(meta, data),
        Heic | Heif | Avif => heif::parse(meta, data),
        Mp4 | Mov | M4a | ThreeGp => quicktime::parse(meta, data),
        Mkv | WebM => matroska::parse(meta, data),
        Avi | Wav => riff::parse(meta, data),
        Aiff => aiff::parse(meta, data),
        Mp3 => mp3::parse(meta, data),
        Flac => flac::parse(meta, data),
        Ogg | Opus => ogg::parse(meta, data),
        Pdf => pdf::parse(meta, data),
        Docx | Xlsx | Pptx | Odt | Ods | Odp | Zip => office::parse(meta, data),
        Txt => txt::parse(meta, data),
    }
}

/// Computes ExifTool's Composite tags from what the parsers found.
pub fn composite(meta: &mut Metadata) {
    composite::compute(meta);
}
