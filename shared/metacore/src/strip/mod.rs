//! Lossless metadata removal. A stripper reads the file's structure and returns a
//! [`StripPlan`]: the output as a list of pieces, either new bytes (rewritten headers, kept
//! segments) or ranges copied verbatim from the input (compressed image, audio and video
//! data). The caller executes the plan, streaming the copied ranges from wherever the input
//! lives, so a 2 GiB video never has to be held in memory.
//!
//! One module per container: `jpeg`, `png`, `riff` (WebP, WAV), `gif`, `tiff`, `bmff`
//! (HEIC/HEIF/AVIF, MP4/MOV/M4A/3GP), `mp3`, `flac`, `ogg` (Vorbis, Opus), `pdf` and
//! `office` (DOCX/XLSX/PPTX); `exif` and `xmp` read just enough of those blocks for the
//! receipt and for [`Keep`]. Each module's documentation says what is kept and what goes.
//! Image, audio and video data is never decoded or re-encoded: it is copied as ranges.
//!
//! The receipt ([`StripPlan::removed`]) counts what was removed per family-0 group: tags
//! where the group has tags (`exif` and `gps` entries, `xmp` properties, `iptc` datasets,
//! `vorbis` comments, `id3` frames, `pdf` Info entries, ...), otherwise blocks (`comment`,
//! `icc_profile`, `photoshop` resources, `trailer`, `quicktime` boxes/items, ...).

use indexmap::IndexMap;
use std::io::{self, Write};

use crate::detect::{detect, FileKind};
use crate::source::Source;

mod bmff;
mod exif;
mod flac;
mod gif;
mod jpeg;
mod mp3;
mod office;
mod ogg;
mod pdf;
mod png;
mod riff;
mod tiff;
mod xmp;

/// What the caller asks to keep (`keep=icc,orientation,copyright`); default removes all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    pub icc: bool,
    pub orientation: bool,
    pub copyright: bool,
}

impl Keep {
    /// Parses `icc,orientation,copyright` (any order, any case); unknown names are an error.
    pub fn parse(list: &str) -> Result<Keep, String> {
        let mut k = Keep::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item.to_ascii_lowercase().as_str() {
                "icc" => k.icc = true,
                "orientation" => k.orientation = true,
                "copyright" => k.copyright = true,
                other => {
                    return Err(format!(
                        "unknown keep option '{other}': expected icc, orientation or copyright"
                    ))
                }
            }
        }
        Ok(k)
    }
}

/// One piece of the cleaned output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Data(Vec<u8>),
    /// `len` bytes copied from the input starting at `offset`.
    Copy {
        offset: u64,
        len: u64,
    },
}

/// The cleaned file as pieces, and the receipt of what was removed.
#[derive(Debug, Clone, Default)]
pub struct StripPlan {
    pub pieces: Vec<Piece>,
    /// Removed items by group (`exif`, `gps`, `xmp`, `iptc`, ...), counted in tags where the
    /// group has tags, else in blocks.
    pub removed: IndexMap<String, u64>,
    pub mime: &'static str,
    pub extension: &'static str,
    /// What was deliberately kept because [`Keep`] asked for it (`icc_profile`,
    /// `orientation`, `copyright`), for the receipt.
    pub kept: Vec<String>,
}

impl StripPlan {
    pub fn output_len(&self) -> u64 {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Data(d) => d.len() as u64,
                Piece::Copy { len, .. } => *len,
            })
            .sum()
    }

    /// Writes the plan with `input` held in memory.
    pub fn write_from_slice(&self, input: &[u8], out: &mut impl Write) -> io::Result<()> {
        for p in &self.pieces {
            match p {
                Piece::Data(d) => out.write_all(d)?,
                Piece::Copy { offset, len } => {
                    let start = usize::try_from(*offset).map_err(|_| bad_range())?;
                    let end = start
                        .checked_add(usize::try_from(*len).map_err(|_| bad_range())?)
                        .ok_or_else(bad_range)?;
                    out.write_all(input.get(start..end).ok_or_else(bad_range)?)?;
                }
            }
        }
        Ok(())
    }

    /// Writes the plan reading the copied ranges from `input` (a file, say): the input
    /// is never held in memory, only a 64 KiB buffer. Fails if a range is past its end.
    pub fn write_from_reader<R: io::Read + io::Seek>(
        &self,
        input: &mut R,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        for p in &self.pieces {
            match p {
                Piece::Data(d) => out.write_all(d)?,
                Piece::Copy { offset, len } => {
                    input.seek(io::SeekFrom::Start(*offset))?;
                    let mut left = *len;
                    while left > 0 {
                        let n = left.min(buf.len() as u64) as usize;
                        input.read_exact(&mut buf[..n]).map_err(|_| bad_range())?;
                        out.write_all(&buf[..n])?;
                        left -= n as u64;
                    }
                }
            }
        }
        Ok(())
    }

    /// The cleaned file as one buffer (tests and small files).
    pub fn to_vec(&self, input: &[u8]) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.output_len() as usize);
        self.write_from_slice(input, &mut v)?;
        Ok(v)
    }
}

fn bad_range() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        "strip plan range outside the input",
    )
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StripError {
    #[error("this file type cannot be cleaned; supported: {0}")]
    Unsupported(String),
    #[error("the file is damaged and cannot be cleaned safely: {0}")]
    Malformed(String),
    /// The [`Source`] failed (an I/O error in the caller's reader).
    #[error("the input could not be read: {0}")]
    Read(String),
}

impl From<io::Error> for StripError {
    fn from(e: io::Error) -> Self {
        StripError::Read(e.to_string())
    }
}

/// The formats [`strip`] can clean, as listed in 415 answers.
pub const SUPPORTED: &str =
    "JPEG, PNG, WebP, GIF, TIFF, HEIC/AVIF, MP4/MOV/M4A, MP3, FLAC, Ogg, WAV, PDF, DOCX/XLSX/PPTX";

/// Plans the removal of all metadata from `data` (keeping what `keep` asks for).
pub fn strip(data: &[u8], file_name: Option<&str>, keep: Keep) -> Result<StripPlan, StripError> {
    strip_with_source(data, &data, file_name, keep)
}

/// Like [`strip`], for a large input: `data` (typically a memory map) is only used to parse
/// headers and metadata blocks, and every pass whose cost grows with the file size (the
/// entropy-coded data of a JPEG, ...) reads `src` instead, which must hold the same bytes,
/// through a bounded [`Window`](crate::source::Window). So the pages of `data` touched, and
/// the memory used, do not grow with the size of the image, audio or video data.
pub fn strip_with_source(
    data: &[u8],
    src: &dyn Source,
    file_name: Option<&str>,
    keep: Keep,
) -> Result<StripPlan, StripError> {
    if src.len() != data.len() as u64 {
        return Err(StripError::Read(
            "the source and the mapped input differ in length".into(),
        ));
    }
    let kind = detect(data, file_name);
    let Some(kind) = kind else {
        return Err(StripError::Unsupported(SUPPORTED.to_string()));
    };
    let mut out = Out::new(keep);
    use FileKind::*;
    match kind {
        Jpeg => jpeg::strip(src, &mut out)?,
        Png => png::strip(src, &mut out)?,
        WebP => riff::strip_webp(data, &mut out)?,
        Wav => riff::strip_wav(data, &mut out)?,
        Gif => gif::strip(src, &mut out)?,
        Tiff => tiff::strip(data, &mut out)?,
        Heic | Heif | Avif | Mp4 | Mov | M4a | ThreeGp => bmff::strip(data, &mut out)?,
        Mp3 => mp3::strip(data, &mut out)?,
        Flac => flac::strip(data, &mut out)?,
        Ogg | Opus => ogg::strip(src, &mut out)?,
        Pdf => pdf::strip(data, src, &mut out)?,
        Docx | Xlsx | Pptx => office::strip(data, &mut out)?,
        k => {
            return Err(StripError::Unsupported(format!(
                "{} ({SUPPORTED})",
                k.file_type()
            )))
        }
    }
    let mut plan = plan_for(kind);
    plan.pieces = out.pieces;
    plan.removed = out.removed;
    plan.kept = out.kept;
    Ok(plan)
}

/// Fills in the plan's MIME type and extension from the detected kind.
pub fn plan_for(kind: FileKind) -> StripPlan {
    StripPlan {
        mime: kind.mime(),
        extension: kind.extension(),
        ..Default::default()
    }
}

/// The plan under construction, shared by the format strippers.
pub(crate) struct Out {
    pub keep: Keep,
    pub pieces: Vec<Piece>,
    pub removed: IndexMap<String, u64>,
    pub kept: Vec<String>,
}

impl Out {
    pub fn new(keep: Keep) -> Self {
        Out {
            keep,
            pieces: Vec::new(),
            removed: IndexMap::new(),
            kept: Vec::new(),
        }
    }

    /// Appends new bytes.
    pub fn data(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if let Some(Piece::Data(d)) = self.pieces.last_mut() {
            d.extend_from_slice(bytes);
        } else {
            self.pieces.push(Piece::Data(bytes.to_vec()));
        }
    }

    /// Appends `len` bytes of the input starting at `offset` (merged with the previous
    /// range when contiguous).
    pub fn copy(&mut self, offset: usize, len: usize) {
        if len == 0 {
            return;
        }
        let (offset, len) = (offset as u64, len as u64);
        if let Some(Piece::Copy { offset: o, len: l }) = self.pieces.last_mut() {
            if *o + *l == offset {
                *l += len;
                return;
            }
        }
        self.pieces.push(Piece::Copy { offset, len });
    }

    /// Copies `start..end` of the input.
    pub fn copy_range(&mut self, start: usize, end: usize) {
        self.copy(start, end.saturating_sub(start));
    }

    /// Records `n` removed items of `group` on the receipt.
    pub fn removed(&mut self, group: &str, n: u64) {
        if n > 0 {
            *self.removed.entry(group.to_string()).or_insert(0) += n;
        }
    }

    /// Records that `what` was kept on request.
    pub fn kept(&mut self, what: &str) {
        if !self.kept.iter().any(|k| k == what) {
            self.kept.push(what.to_string());
        }
    }
}

pub(crate) fn malformed(what: impl Into<String>) -> StripError {
    StripError::Malformed(what.into())
}

/// CRC-32 (ISO-HDLC, as in PNG and ZIP).
pub(crate) fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = flate2::Crc::new();
    for p in parts {
        c.update(p);
    }
    c.sum()
}

#[cfg(test)]
mod source_tests {
    //! The passes over a file's data read the [`Source`] through a bounded window, and read
    //! each byte a bounded number of times.
    use super::*;
    use crate::source::tests::Counting;
    use crate::source::WINDOW;

    /// Pseudo-random bytes (xorshift), never 0xFF (so a JPEG scan has no markers in it).
    fn noise(n: usize) -> Vec<u8> {
        let mut x = 0x1234_5678u32;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                ((x >> 24) as u8).min(0xFE)
            })
            .collect()
    }

    fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, marker];
        v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn jpeg(scan: usize) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(seg(0xE0, b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0"));
        j.extend(seg(0xFE, b"a comment"));
        j.extend(seg(0xDB, &[0; 65]));
        j.extend(seg(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
        j.extend(seg(0xC4, &[0; 20]));
        j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
        for (i, c) in noise(scan).chunks(10_000).enumerate() {
            j.extend_from_slice(c);
            j.extend_from_slice(&[0xFF, 0x00, 0xFF, 0xD0 + (i % 8) as u8]);
        }
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(b"trailer");
        j
    }

    fn png(idat: usize) -> Vec<u8> {
        let chunk = |t: &[u8], b: &[u8]| {
            let mut c = (b.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(t);
            c.extend_from_slice(b);
            c.extend_from_slice(&crc32(&[t, b]).to_be_bytes());
            c
        };
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0]));
        p.extend(chunk(b"tEXt", b"Author\0someone"));
        for c in noise(idat).chunks(8192) {
            p.extend(chunk(b"IDAT", c));
        }
        p.extend(chunk(b"IEND", b""));
        p
    }

    fn gif(data: usize) -> Vec<u8> {
        let mut g = b"GIF89a\x10\x00\x10\x00\x00\x00\x00".to_vec();
        g.extend_from_slice(b"\x21\xFE\x05hello\x00");
        g.extend_from_slice(&[0x2C, 0, 0, 0, 0, 16, 0, 16, 0, 0, 8]);
        for c in noise(data).chunks(255) {
            g.push(c.len() as u8);
            g.extend_from_slice(c);
        }
        g.extend_from_slice(&[0, 0x3B]);
        g
    }

    #[test]
    fn data_passes_read_a_bounded_window_once() {
        for (name, file) in [
            ("jpeg", jpeg(3 * WINDOW + 1234)),
            ("png", png(3 * WINDOW + 1234)),
            ("gif", gif(3 * WINDOW + 1234)),
        ] {
            let expected = strip(&file, None, Keep::default()).unwrap();
            // The mapped input as a parser would see it if it only looked at the headers:
            // everything past the first 4 KiB zeroed. A stripper that scanned the slice
            // instead of the source would plan something else.
            let mut headers_only = file.clone();
            headers_only[4096..].fill(0);
            let src = Counting::new(&file);
            let plan = strip_with_source(&headers_only, &src, None, Keep::default()).unwrap();
            assert_eq!(plan.pieces, expected.pieces, "{name}");
            assert_eq!(plan.removed, expected.removed, "{name}");
            assert!(!plan.removed.is_empty(), "{name}");
            assert!(
                src.largest.get() <= WINDOW,
                "{name}: asked for {} bytes at once",
                src.largest.get()
            );
            let len = file.len() as u64;
            assert!(
                src.bytes_read.get() <= len + len / 8,
                "{name}: read {} bytes of {len}",
                src.bytes_read.get()
            );
            assert!(
                src.requests.get() < 64,
                "{name}: {} reads",
                src.requests.get()
            );
        }
    }
}
