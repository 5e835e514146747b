//! A small TIFF/EXIF reader for the strippers: counts what an EXIF block holds (for the
//! receipt), reads the few values [`Keep`](super::Keep) may preserve, and builds the minimal
//! EXIF block that carries them.

use super::{xmp, Keep, Out};
use crate::bytes::{sub, u16_at, u32_at, Endian};

const MAX_IFDS: usize = 32;
const MAX_ENTRIES: usize = 4096;

pub const TAG_ORIENTATION: u16 = 0x0112;
pub const TAG_ARTIST: u16 = 0x013B;
pub const TAG_COPYRIGHT: u16 = 0x8298;
pub const TAG_EXIF_IFD: u16 = 0x8769;
pub const TAG_GPS_IFD: u16 = 0x8825;
pub const TAG_INTEROP_IFD: u16 = 0xA005;
pub const TAG_MAKERNOTE: u16 = 0x927C;

/// What one EXIF (TIFF) block contains.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub exif: u64,
    pub gps: u64,
    pub makernotes: bool,
    pub orientation: Option<u16>,
    pub artist: Option<Vec<u8>>,
    pub copyright: Option<Vec<u8>>,
}

impl Summary {
    /// Puts the counts on the receipt.
    pub fn record(&self, out: &mut Out) {
        out.removed("exif", self.exif);
        out.removed("gps", self.gps);
        if self.makernotes {
            out.removed("makernotes", 1);
        }
    }

    /// Merges another block's values (the first value wins).
    pub fn merge(&mut self, o: Summary) {
        self.exif += o.exif;
        self.gps += o.gps;
        self.makernotes |= o.makernotes;
        self.orientation = self.orientation.or(o.orientation);
        self.artist = self.artist.take().or(o.artist);
        self.copyright = self.copyright.take().or(o.copyright);
    }
}

/// One IFD entry as read from the file.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub tag: u16,
    pub typ: u16,
    pub count: u32,
    /// Offset of the 12-byte entry in the TIFF block.
    pub pos: usize,
}

pub fn type_size(typ: u16) -> Option<usize> {
    Some(match typ {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    })
}

impl Entry {
    /// Total value size in bytes (None for unknown types or overflow).
    pub fn size(&self) -> Option<usize> {
        type_size(self.typ)?.checked_mul(self.count as usize)
    }

    /// The value bytes (inline or at their offset).
    pub fn value<'a>(&self, tiff: &'a [u8], e: Endian) -> Option<&'a [u8]> {
        let size = self.size()?;
        if size <= 4 {
            sub(tiff, self.pos + 8, size)
        } else {
            let off = u32_at(tiff, self.pos + 8, e)? as usize;
            sub(tiff, off, size)
        }
    }

    /// The first value as an unsigned integer (BYTE, SHORT or LONG).
    pub fn uint(&self, tiff: &[u8], e: Endian) -> Option<u32> {
        let v = self.value(tiff, e)?;
        match self.typ {
            1 | 7 => v.first().map(|&b| b as u32),
            3 => u16_at(v, 0, e).map(u32::from),
            4 | 13 => u32_at(v, 0, e),
            _ => None,
        }
    }

    /// All values as unsigned integers (SHORT or LONG).
    pub fn uints(&self, tiff: &[u8], e: Endian) -> Option<Vec<u32>> {
        let v = self.value(tiff, e)?;
        let n = self.count as usize;
        match self.typ {
            3 => (0..n).map(|i| u16_at(v, i * 2, e).map(u32::from)).collect(),
            4 | 13 => (0..n).map(|i| u32_at(v, i * 4, e)).collect(),
            _ => None,
        }
    }
}

/// Parses the TIFF header: byte order and first IFD offset.
pub fn header(tiff: &[u8]) -> Option<(Endian, usize)> {
    let e = match tiff.get(..2)? {
        b"II" => Endian::Little,
        b"MM" => Endian::Big,
        _ => return None,
    };
    if u16_at(tiff, 2, e)? != 42 {
        return None;
    }
    Some((e, u32_at(tiff, 4, e)? as usize))
}

/// Reads the entries of the IFD at `off` and the offset of the next IFD (0 when none).
pub fn read_ifd(tiff: &[u8], off: usize, e: Endian) -> Option<(Vec<Entry>, usize)> {
    let n = u16_at(tiff, off, e)? as usize;
    if n > MAX_ENTRIES {
        return None;
    }
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let pos = off + 2 + i * 12;
        let tag = u16_at(tiff, pos, e)?;
        let typ = u16_at(tiff, pos + 2, e)?;
        let count = u32_at(tiff, pos + 4, e)?;
        v.push(Entry {
            tag,
            typ,
            count,
            pos,
        });
    }
    let next = u32_at(tiff, off + 2 + n * 12, e).unwrap_or(0) as usize;
    Some((v, next))
}

/// Summarises a TIFF-structured EXIF block (the bytes starting at "II*\0"/"MM\0*").
pub fn summarize(tiff: &[u8]) -> Summary {
    let mut s = Summary::default();
    let Some((e, first)) = header(tiff) else {
        // Unreadable EXIF still counts as one removed block.
        s.exif = 1;
        return s;
    };
    let mut visited = Vec::new();
    // (offset, kind): 0 = IFD0 chain, 1 = Exif IFD, 2 = GPS, 3 = Interop
    let mut todo = vec![(first, 0u8)];
    let mut ifd_index = 0usize;
    while let Some((off, kind)) = todo.pop() {
        if off == 0 || visited.contains(&off) || visited.len() >= MAX_IFDS {
            continue;
        }
        visited.push(off);
        let Some((entries, next)) = read_ifd(tiff, off, e) else {
            continue;
        };
        for en in &entries {
            match en.tag {
                TAG_EXIF_IFD => {
                    if let Some(o) = en.uint(tiff, e) {
                        todo.push((o as usize, 1));
                    }
                    continue;
                }
                TAG_GPS_IFD => {
                    if let Some(o) = en.uint(tiff, e) {
                        todo.push((o as usize, 2));
                    }
                    continue;
                }
                TAG_INTEROP_IFD => {
                    if let Some(o) = en.uint(tiff, e) {
                        todo.push((o as usize, 3));
                    }
                    continue;
                }
                _ => {}
            }
            if kind == 2 {
                s.gps += 1;
                continue;
            }
            s.exif += 1;
            if en.tag == TAG_MAKERNOTE {
                s.makernotes = true;
            }
            if kind == 0 && ifd_index == 0 {
                match en.tag {
                    TAG_ORIENTATION => {
                        s.orientation = en.uint(tiff, e).and_then(|v| u16::try_from(v).ok())
                    }
                    TAG_ARTIST if en.typ == 2 => s.artist = en.value(tiff, e).map(trim_nul),
                    TAG_COPYRIGHT if en.typ == 2 => s.copyright = en.value(tiff, e).map(trim_nul),
                    _ => {}
                }
            }
        }
        if kind == 0 {
            ifd_index += 1;
            todo.push((next, 0));
        }
    }
    s
}

fn trim_nul(v: &[u8]) -> Vec<u8> {
    let mut v = v.to_vec();
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

/// The values a minimal replacement EXIF block carries, chosen from `s` and `keep`.
#[derive(Debug, Default, Clone)]
pub struct Minimal {
    pub orientation: Option<u16>,
    pub artist: Option<Vec<u8>>,
    pub copyright: Option<Vec<u8>>,
}

impl Minimal {
    /// Picks what `out.keep` asks for from `s` (and from the XMP text, for copyright),
    /// recording what is kept.
    pub fn choose(out: &mut Out, s: &Summary, xmp_text: Option<&[u8]>) -> Minimal {
        let (m, kept) = Minimal::pick(out.keep, s, xmp_text);
        for k in kept {
            out.kept(k);
        }
        m
    }

    /// Like [`Minimal::choose`], returning what is kept instead of recording it.
    pub fn pick(keep: Keep, s: &Summary, xmp_text: Option<&[u8]>) -> (Minimal, Vec<&'static str>) {
        let mut m = Minimal::default();
        let mut kept = Vec::new();
        if keep.orientation {
            if let Some(o) = s.orientation.filter(|o| (1..=8).contains(o)) {
                m.orientation = Some(o);
                kept.push("orientation");
            }
        }
        if keep.copyright {
            m.artist = s.artist.clone().filter(|a| !a.is_empty());
            m.copyright = s.copyright.clone().filter(|a| !a.is_empty());
            if let Some(x) = xmp_text {
                if m.copyright.is_none() {
                    m.copyright = xmp::rights(x).map(String::into_bytes);
                }
                if m.artist.is_none() {
                    m.artist = xmp::creator(x).map(String::into_bytes);
                }
            }
            if m.artist.is_some() || m.copyright.is_some() {
                kept.push("copyright");
            }
        }
        (m, kept)
    }

    /// How many tags the block holds.
    pub fn len(&self) -> u64 {
        [
            self.orientation.is_some(),
            self.artist.is_some(),
            self.copyright.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.orientation.is_none() && self.artist.is_none() && self.copyright.is_none()
    }

    /// A big-endian TIFF block with one IFD holding only these tags, or None when empty.
    pub fn build(&self) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let mut entries: Vec<(u16, u16, u32, Vec<u8>)> = Vec::new();
        if let Some(o) = self.orientation {
            entries.push((TAG_ORIENTATION, 3, 1, o.to_be_bytes().to_vec()));
        }
        for (tag, v) in [(TAG_ARTIST, &self.artist), (TAG_COPYRIGHT, &self.copyright)] {
            if let Some(v) = v {
                let mut v: Vec<u8> = v.iter().copied().take(65_000).collect();
                v.push(0);
                entries.push((tag, 2, v.len() as u32, v));
            }
        }
        let n = entries.len();
        let mut ifd = Vec::new();
        let mut extra = Vec::new();
        let extra_base = 8 + 2 + n * 12 + 4;
        ifd.extend_from_slice(b"MM\0\x2a\0\0\0\x08");
        ifd.extend_from_slice(&(n as u16).to_be_bytes());
        for (tag, typ, count, v) in &entries {
            ifd.extend_from_slice(&tag.to_be_bytes());
            ifd.extend_from_slice(&typ.to_be_bytes());
            ifd.extend_from_slice(&count.to_be_bytes());
            if v.len() <= 4 {
                let mut inline = [0u8; 4];
                inline[..v.len()].copy_from_slice(v);
                ifd.extend_from_slice(&inline);
            } else {
                ifd.extend_from_slice(&((extra_base + extra.len()) as u32).to_be_bytes());
                extra.extend_from_slice(v);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
            }
        }
        ifd.extend_from_slice(&[0, 0, 0, 0]);
        ifd.extend_from_slice(&extra);
        Some(ifd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_roundtrip() {
        let m = Minimal {
            orientation: Some(6),
            artist: Some(b"Ann".to_vec()),
            copyright: Some(b"(c) 2024 Ann Example".to_vec()),
        };
        let t = m.build().unwrap();
        let s = summarize(&t);
        assert_eq!(s.orientation, Some(6));
        assert_eq!(s.artist.as_deref(), Some(&b"Ann"[..]));
        assert_eq!(s.copyright.as_deref(), Some(&b"(c) 2024 Ann Example"[..]));
        assert_eq!(s.exif, 3);
        for n in 0..t.len() {
            let _ = summarize(&t[..n]);
        }
    }
}
