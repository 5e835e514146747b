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
}

/// The formats [`strip`] can clean, as listed in 415 answers.
pub const SUPPORTED: &str =
    "JPEG, PNG, WebP, GIF, TIFF, HEIC/AVIF, MP4/MOV/M4A, MP3, FLAC, Ogg, WAV, PDF, DOCX/XLSX/PPTX";

/// Plans the removal of all metadata from `data` (keeping what `keep` asks for).
pub fn strip(data: &[u8], file_name: Option<&str>, keep: Keep) -> Result<StripPlan, StripError> {
    let kind = detect(data, file_name);
    let Some(kind) = kind else {
        return Err(StripError::Unsupported(SUPPORTED.to_string()));
    };
    let mut out = Out::new(keep);
    use FileKind::*;
    match kind {
        Jpeg => jpeg::strip(data, &mut out)?,
        Png => png::strip(data, &mut out)?,
        WebP => riff::strip_webp(data, &mut out)?,
        Wav => riff::strip_wav(data, &mut out)?,
        Gif => gif::strip(data, &mut out)?,
        Tiff => tiff::strip(data, &mut out)?,
        Heic | Heif | Avif | Mp4 | Mov | M4a | ThreeGp => bmff::strip(data, &mut out)?,
        Mp3 => mp3::strip(data, &mut out)?,
        Flac => flac::strip(data, &mut out)?,
        Ogg | Opus => ogg::strip(data, &mut out)?,
        Pdf => pdf::strip(data, &mut out)?,
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
