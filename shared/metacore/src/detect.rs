//! File type detection by magic number (the file name is a hint for the ambiguous cases).

/// The container formats the core understands. `file_type`, `extension` and `mime` are what
/// ExifTool prints as FileType, FileTypeExtension and MIMEType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FileKind {
    Jpeg,
    Tiff,
    Png,
    WebP,
    Gif,
    Bmp,
    Psd,
    JpegXl,
    Heic,
    Heif,
    Avif,
    /// Raw formats built on TIFF.
    Dng,
    Cr2,
    Nef,
    Arw,
    Orf,
    Rw2,
    Pef,
    Raf,
    Cr3,
    Mp4,
    Mov,
    M4a,
    ThreeGp,
    Mkv,
    WebM,
    Avi,
    Wav,
    /// AIFF and AIFF-C (FileType AIFC is set by the parser).
    Aiff,
    Mp3,
    Flac,
    Ogg,
    Opus,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Zip,
    /// Plain text (ExifTool's TXT), the last resort for files with no magic number.
    Txt,
}

impl FileKind {
    /// Every kind, in declaration order: `ALL[k.index()] == k`. Lets callers keep per-format
    /// tables (metrics) in fixed arrays.
    pub const ALL: [FileKind; 42] = {
        use FileKind::*;
        [
            Jpeg, Tiff, Png, WebP, Gif, Bmp, Psd, JpegXl, Heic, Heif, Avif, Dng, Cr2, Nef, Arw,
            Orf, Rw2, Pef, Raf, Cr3, Mp4, Mov, M4a, ThreeGp, Mkv, WebM, Avi, Wav, Aiff, Mp3, Flac,
            Ogg, Opus, Pdf, Docx, Xlsx, Pptx, Odt, Ods, Odp, Zip, Txt,
        ]
    };

    /// The kind's position in [`FileKind::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// ExifTool's FileType.
    pub fn file_type(self) -> &'static str {
        use FileKind::*;
        match self {
            Jpeg => "JPEG",
            Tiff => "TIFF",
            Png => "PNG",
            WebP => "WEBP",
            Gif => "GIF",
            Bmp => "BMP",
            Psd => "PSD",
            JpegXl => "JXL",
            Heic => "HEIC",
            Heif => "HEIF",
            Avif => "AVIF",
            Dng => "DNG",
            Cr2 => "CR2",
            Nef => "NEF",
            Arw => "ARW",
            Orf => "ORF",
            Rw2 => "RW2",
            Pef => "PEF",
            Raf => "RAF",
            Cr3 => "CR3",
            Mp4 => "MP4",
            Mov => "MOV",
            M4a => "M4A",
            ThreeGp => "3GP",
            Mkv => "MKV",
            WebM => "WEBM",
            Avi => "AVI",
            Wav => "WAV",
            Aiff => "AIFF",
            Mp3 => "MP3",
            Flac => "FLAC",
            Ogg => "OGG",
            Opus => "OPUS",
            Pdf => "PDF",
            Docx => "DOCX",
            Xlsx => "XLSX",
            Pptx => "PPTX",
            Odt => "ODT",
            Ods => "ODS",
            Odp => "ODP",
            Zip => "ZIP",
            Txt => "TXT",
        }
    }

    /// ExifTool's FileTypeExtension.
    pub fn extension(self) -> &'static str {
        use FileKind::*;
        match self {
            Jpeg => "jpg",
            Tiff => "tif",
            Png => "png",
            WebP => "webp",
            Gif => "gif",
            Bmp => "bmp",
            Psd => "psd",
            JpegXl => "jxl",
            Heic => "heic",
            Heif => "heif",
            Avif => "avif",
            Dng => "dng",
            Cr2 => "cr2",
            Nef => "nef",
            Arw => "arw",
            Orf => "orf",
            Rw2 => "rw2",
            Pef => "pef",
            Raf => "raf",
            Cr3 => "cr3",
            Mp4 => "mp4",
            Mov => "mov",
            M4a => "m4a",
            ThreeGp => "3gp",
            Mkv => "mkv",
            WebM => "webm",
            Avi => "avi",
            Wav => "wav",
            Aiff => "aiff",
            Mp3 => "mp3",
            Flac => "flac",
            Ogg => "ogg",
            Opus => "opus",
            Pdf => "pdf",
            Docx => "docx",
            Xlsx => "xlsx",
            Pptx => "pptx",
            Odt => "odt",
            Ods => "ods",
            Odp => "odp",
            Zip => "zip",
            Txt => "txt",
        }
    }

    /// ExifTool's MIMEType.
    pub fn mime(self) -> &'static str {
        use FileKind::*;
        match self {
            Jpeg => "image/jpeg",
            Tiff => "image/tiff",
            Png => "image/png",
            WebP => "image/webp",
            Gif => "image/gif",
            Bmp => "image/bmp",
            Psd => "application/vnd.adobe.photoshop",
            JpegXl => "image/jxl",
            Heic => "image/heic",
            Heif => "image/heif",
            Avif => "image/avif",
            Dng => "image/x-adobe-dng",
            Cr2 => "image/x-canon-cr2",
            Nef => "image/x-nikon-nef",
            Arw => "image/x-sony-arw",
            Orf => "image/x-olympus-orf",
            Rw2 => "image/x-panasonic-rw2",
            Pef => "image/x-pentax-pef",
            Raf => "image/x-fujifilm-raf",
            Cr3 => "image/x-canon-cr3",
            Mp4 => "video/mp4",
            Mov => "video/quicktime",
            M4a => "audio/mp4",
            ThreeGp => "video/3gpp",
            Mkv => "video/x-matroska",
            WebM => "video/webm",
            Avi => "video/x-msvideo",
            Wav => "audio/x-wav",
            Aiff => "audio/x-aiff",
            Mp3 => "audio/mpeg",
            Flac => "audio/flac",
            Ogg => "audio/ogg",
            Opus => "audio/ogg",
            Pdf => "application/pdf",
            Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Pptx => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            Odt => "application/vnd.oasis.opendocument.text",
            Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Odp => "application/vnd.oasis.opendocument.presentation",
            Zip => "application/zip",
            Txt => "text/plain",
        }
    }
}

/// Detects the container from its first bytes (and, for ZIP- and TIFF-based formats, from
/// a look inside). Returns `None` for anything the core does not understand.
pub fn detect(data: &[u8], file_name: Option<&str>) -> Option<FileKind> {
    let ext = file_name
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let head = |n: usize| data.get(..n);
    if head(3) == Some(&[0xFF, 0xD8, 0xFF]) {
        return Some(FileKind::Jpeg);
    }
    if head(8) == Some(b"\x89PNG\r\n\x1a\n") {
        return Some(FileKind::Png);
    }
    if head(6) == Some(b"GIF87a") || head(6) == Some(b"GIF89a") {
        return Some(FileKind::Gif);
    }
    if head(4) == Some(b"RIFF") {
        return match data.get(8..12) {
            Some(b"WEBP") => Some(FileKind::WebP),
            Some(b"AVI ") => Some(FileKind::Avi),
            Some(b"WAVE") => Some(FileKind::Wav),
            _ => None,
        };
    }
    if head(4) == Some(b"FORM") && matches!(data.get(8..12), Some(b"AIFF" | b"AIFC")) {
        return Some(FileKind::Aiff);
    }
    if head(4) == Some(b"%PDF") {
        return Some(FileKind::Pdf);
    }
    if head(4) == Some(b"8BPS") {
        return Some(FileKind::Psd);
    }
    if head(2) == Some(b"BM") && data.len() >= 26 {
        return Some(FileKind::Bmp);
    }
    if head(2) == Some(&[0xFF, 0x0A]) || head(12) == Some(b"\0\0\0\x0cJXL \r\n\x87\n") {
        return Some(FileKind::JpegXl);
    }
    if head(4) == Some(b"fLaC") {
        return Some(FileKind::Flac);
    }
    if head(4) == Some(b"OggS") {
        let opus = data.windows(8).take(256).any(|w| w == b"OpusHead");
        return Some(if opus { FileKind::Opus } else { FileKind::Ogg });
    }
    if head(4) == Some(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let webm = data.windows(4).take(64).any(|w| w == b"webm");
        return Some(if webm { FileKind::WebM } else { FileKind::Mkv });
    }
    if head(3) == Some(b"ID3") {
        return Some(if ext == "flac" {
            FileKind::Flac
        } else {
            FileKind::Mp3
        });
    }
    if let Some(kind) = detect_iso_bmff(data) {
        return Some(kind);
    }
    if head(8) == Some(b"FUJIFILM") {
        return Some(FileKind::Raf);
    }
    if head(4) == Some(b"II*\0") || head(4) == Some(b"MM\0*") {
        return Some(detect_tiff_raw(data, &ext));
    }
    if head(4) == Some(b"IIRO") || head(4) == Some(b"IIRS") || head(4) == Some(b"MMOR") {
        return Some(FileKind::Orf);
    }
    if head(4) == Some(b"IIU\0") {
        return Some(FileKind::Rw2);
    }
    if head(4) == Some(b"PK\x03\x04") {
        return Some(detect_zip(data));
    }
    // MPEG audio frame sync without an ID3 tag.
    if data.len() >= 4 && data[0] == 0xFF && (data[1] & 0xE0) == 0xE0 && (data[1] & 0x06) != 0 {
        return Some(FileKind::Mp3);
    }
    if crate::formats::txt::looks_like_text(data) {
        return Some(FileKind::Txt);
    }
    None
}

fn detect_iso_bmff(data: &[u8]) -> Option<FileKind> {
    if data.get(4..8) != Some(b"ftyp") {
        // QuickTime files may start with other atoms (wide, mdat, moov).
        let t = data.get(4..8)?;
        if matches!(t, b"moov" | b"mdat" | b"wide" | b"free" | b"skip" | b"pnot") {
            return Some(FileKind::Mov);
        }
        return None;
    }
    let size = crate::bytes::be32(data, 0)? as usize;
    let major = data.get(8..12)?;
    let compat_end = size.min(data.len()).max(16);
    let compat: Vec<&[u8]> = data
        .get(16..compat_end)
        .unwrap_or(&[])
        .chunks_exact(4)
        .collect();
    let has = |b: &[u8]| major == b || compat.contains(&b);
    Some(match major {
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => FileKind::Heic,
        b"avif" | b"avis" => FileKind::Avif,
        b"mif1" | b"msf1" => {
            if has(b"heic") || has(b"heix") {
                FileKind::Heic
            } else if has(b"avif") {
                FileKind::Avif
            } else {
                FileKind::Heif
            }
        }
        b"crx " => FileKind::Cr3,
        b"qt  " => FileKind::Mov,
        b"M4A " | b"M4B " | b"M4P " => FileKind::M4a,
        b"3gp4" | b"3gp5" | b"3gp6" | b"3g2a" | b"3gs7" | b"3ge6" | b"3ge7" | b"3gg6" => {
            FileKind::ThreeGp
        }
        _ => FileKind::Mp4,
    })
}

fn detect_tiff_raw(data: &[u8], ext: &str) -> FileKind {
    // CR2: "CR" at offset 8 after the TIFF header.
    if data.get(8..10) == Some(b"CR") {
        return FileKind::Cr2;
    }
    let by_ext = match ext {
        "dng" => Some(FileKind::Dng),
        "nef" | "nrw" => Some(FileKind::Nef),
        "arw" | "sr2" | "srf" => Some(FileKind::Arw),
        "pef" => Some(FileKind::Pef),
        "orf" => Some(FileKind::Orf),
        "rw2" => Some(FileKind::Rw2),
        _ => None,
    };
    by_ext.unwrap_or(FileKind::Tiff)
}

fn detect_zip(data: &[u8]) -> FileKind {
    // ODF: the first entry is an uncompressed "mimetype" holding the media type.
    if data.get(30..38) == Some(b"mimetype") {
        let rest = data.get(38..38 + 60).unwrap_or(&[]);
        let s = String::from_utf8_lossy(rest);
        if s.contains("opendocument.text") {
            return FileKind::Odt;
        }
        if s.contains("opendocument.spreadsheet") {
            return FileKind::Ods;
        }
        if s.contains("opendocument.presentation") {
            return FileKind::Odp;
        }
    }
    // OOXML: look for the main part's directory name among the local file names.
    let probe = &data[..data.len().min(1 << 20)];
    let has = |n: &[u8]| probe.windows(n.len()).any(|w| w == n);
    if has(b"word/") {
        FileKind::Docx
    } else if has(b"xl/") {
        FileKind::Xlsx
    } else if has(b"ppt/") {
        FileKind::Pptx
    } else {
        FileKind::Zip
    }
}

#[cfg(test)]
mod tests {
    use super::FileKind;

    #[test]
    fn all_lists_every_kind_in_order() {
        for (i, k) in FileKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i, "{k:?}");
        }
        // `Txt` is the last variant: a kind added after it must be added to ALL too.
        assert_eq!(FileKind::ALL.len(), FileKind::Txt.index() + 1);
    }
}
