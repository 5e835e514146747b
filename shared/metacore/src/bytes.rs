//! Checked reads from byte slices. Every accessor returns `None` past the end instead of
//! panicking; parsers use these (or `slice::get`) for every offset that comes from the file.

/// Byte order of a TIFF-like structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Big,
    Little,
}

/// `hay.find(needle)` for the short texts of the tag tables: the first byte found with
/// `memchr`, then compared. `str::find` sets up a two-way searcher for the needle on every
/// call, which costs more than the search itself here. (A match of UTF-8 in UTF-8 always
/// starts at a character boundary, so the byte offset is the one `find` gives.)
/// The texts one after the other: what `format!` with only `{}` of texts gives, without
/// the formatting machinery.
pub fn cat(parts: &[&str]) -> String {
    parts.concat()
}

/// `hay.contains(needle)` the way [`find_str`] searches: for needles over 32 bytes, where
/// `str::contains` sets up its two-way searcher (see [`find_str`]).
pub fn contains_str(hay: &str, needle: &str) -> bool {
    find_str(hay, needle).is_some()
}

pub fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some(&first) = n.first() else {
        return Some(0);
    };
    let mut i = 0;
    while let Some(p) = memchr::memchr(first, h.get(i..)?) {
        let s = i + p;
        if h.get(s..s + n.len()) == Some(n) {
            return Some(s);
        }
        i = s + 1;
    }
    None
}

pub fn sub(data: &[u8], off: usize, len: usize) -> Option<&[u8]> {
    data.get(off..off.checked_add(len)?)
}

pub fn u8_at(data: &[u8], off: usize) -> Option<u8> {
    data.get(off).copied()
}

pub fn u16_at(data: &[u8], off: usize, e: Endian) -> Option<u16> {
    let b: [u8; 2] = sub(data, off, 2)?.try_into().ok()?;
    Some(match e {
        Endian::Big => u16::from_be_bytes(b),
        Endian::Little => u16::from_le_bytes(b),
    })
}

pub fn u32_at(data: &[u8], off: usize, e: Endian) -> Option<u32> {
    let b: [u8; 4] = sub(data, off, 4)?.try_into().ok()?;
    Some(match e {
        Endian::Big => u32::from_be_bytes(b),
        Endian::Little => u32::from_le_bytes(b),
    })
}

pub fn u64_at(data: &[u8], off: usize, e: Endian) -> Option<u64> {
    let b: [u8; 8] = sub(data, off, 8)?.try_into().ok()?;
    Some(match e {
        Endian::Big => u64::from_be_bytes(b),
        Endian::Little => u64::from_le_bytes(b),
    })
}

pub fn be16(data: &[u8], off: usize) -> Option<u16> {
    u16_at(data, off, Endian::Big)
}
pub fn be32(data: &[u8], off: usize) -> Option<u32> {
    u32_at(data, off, Endian::Big)
}
pub fn be64(data: &[u8], off: usize) -> Option<u64> {
    u64_at(data, off, Endian::Big)
}
pub fn le16(data: &[u8], off: usize) -> Option<u16> {
    u16_at(data, off, Endian::Little)
}
pub fn le32(data: &[u8], off: usize) -> Option<u32> {
    u32_at(data, off, Endian::Little)
}

/// Decodes text the way ExifTool prints it: UTF-8 when valid, else Latin-1 (ExifTool's
/// default for legacy strings), with trailing NULs and whitespace removed.
pub fn text(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let raw = &raw[..end];
    let s = match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => raw.iter().map(|&b| b as char).collect(),
    };
    s.trim_end().to_string()
}
