//! ISO base media file format (ISO/IEC 14496-12 §4.2) box walking, shared by QuickTime/MP4,
//! HEIF/AVIF and CR3. Boxes are read from a slice; sizes are checked against it.

use crate::bytes::{be32, be64};

/// Deepest box nesting any parser descends into.
pub const MAX_DEPTH: usize = 16;

/// One box: its type and the byte ranges of the whole box and of its payload, as offsets
/// into the slice it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    pub kind: [u8; 4],
    pub start: usize,
    pub header_len: usize,
    pub end: usize,
}

impl BoxHeader {
    pub fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.start + self.header_len..self.end)
            .unwrap_or(&[])
    }
    pub fn kind_str(&self) -> String {
        self.kind.iter().map(|&b| b as char).collect()
    }
}

/// Iterates the boxes laid end to end in `data[start..end]`. Stops at the first box whose
/// header or size does not fit (a truncated file yields the boxes before the damage); a
/// truncated last box is yielded with `end` clipped when `clip_last` is set, so that a box
/// whose header is intact is still visited.
pub struct Boxes<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
    pub truncated: bool,
}

impl<'a> Boxes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Boxes {
            data,
            pos: 0,
            end: data.len(),
            truncated: false,
        }
    }
    pub fn range(data: &'a [u8], start: usize, end: usize) -> Self {
        Boxes {
            data,
            pos: start,
            end: end.min(data.len()),
            truncated: false,
        }
    }
}

impl Iterator for Boxes<'_> {
    type Item = BoxHeader;

    fn next(&mut self) -> Option<BoxHeader> {
        if self.pos.checked_add(8)? > self.end {
            return None;
        }
        let size32 = be32(self.data, self.pos)?;
        let kind: [u8; 4] = self.data.get(self.pos + 4..self.pos + 8)?.try_into().ok()?;
        let (size, header_len) = match size32 {
            0 => ((self.end - self.pos) as u64, 8),
            1 => (be64(self.data, self.pos + 8)?, 16),
            n => (n as u64, 8),
        };
        if size < header_len as u64 {
            self.truncated = true;
            self.pos = self.end;
            return None;
        }
        let avail = (self.end - self.pos) as u64;
        let end = if size > avail {
            self.truncated = true;
            self.end
        } else {
            self.pos + size as usize
        };
        if self.pos + header_len > end {
            self.truncated = true;
            self.pos = self.end;
            return None;
        }
        let h = BoxHeader {
            kind,
            start: self.pos,
            header_len,
            end,
        };
        self.pos = end;
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_and_clips() {
        let mut d = Vec::new();
        d.extend_from_slice(&12u32.to_be_bytes());
        d.extend_from_slice(b"ftyp");
        d.extend_from_slice(b"isom");
        d.extend_from_slice(&100u32.to_be_bytes());
        d.extend_from_slice(b"moov");
        d.extend_from_slice(b"abc");
        let mut it = Boxes::new(&d);
        let a = it.next().unwrap();
        assert_eq!(&a.kind, b"ftyp");
        assert_eq!(a.payload(&d), b"isom");
        let b = it.next().unwrap();
        assert_eq!(&b.kind, b"moov");
        assert_eq!(b.end, d.len());
        assert!(it.truncated);
        assert!(it.next().is_none());
    }

    #[test]
    fn rejects_tiny_size() {
        let d = [0, 0, 0, 4, b'a', b'b', b'c', b'd'];
        assert!(Boxes::new(&d).next().is_none());
    }
}
