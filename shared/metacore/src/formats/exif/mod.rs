//! EXIF/TIFF IFDs (IFD0, ExifIFD, GPS, Interop, IFD1, SubIFDs) with ExifTool's names and print
//! conversions. `tiff` starts at the TIFF header (II*\0 / MM\0*).
//!
//! Tag names, `Priority => 0` flags and simple PrintConv hashes come from ExifTool's
//! `Exif.pm`/`GPS.pm` tables (generated into `tags.rs`); the coded conversions are in `conv.rs`.

mod conv;
mod tags;

use crate::bytes::{u16_at, u32_at, Endian};
use crate::model::{raw_key, with_raw_key, Hasher, Metadata};
use indexmap::IndexMap;
use serde_json::Value;

pub use conv::{
    convert_exif_text, format_g, json_value, print_exposure_time, print_fnumber,
    to_dms as to_dms_ref,
};
pub(crate) use conv::{fixed_fast, push_g, push_g_finite};

/// One entry of ExifTool's tag tables.
#[derive(Debug)]
pub struct TagDef {
    pub id: u16,
    pub name: &'static str,
    /// `Priority => 0`: never overrides an earlier tag of the same name (except from the
    /// priority directory).
    pub prio0: bool,
    /// ExifTool's read format override (TIFF format code), 0 for none.
    pub fmt: u8,
    pub binary: bool,
    pub subdir: bool,
    pub map: &'static [(&'static str, &'static str)],
}

fn lookup(table: &'static [TagDef], id: u16) -> Option<&'static TagDef> {
    table
        .binary_search_by_key(&id, |t| t.id)
        .ok()
        .and_then(|i| table.get(i))
}

/// Deepest nesting of IFDs followed (IFD0 -> ExifIFD -> Interop is 3).
const MAX_DEPTH: usize = 6;
/// Most IFDs read from one TIFF block.
const MAX_IFDS: usize = 64;
/// Longest IFD0/IFD1/... chain followed.
const MAX_CHAIN: usize = 16;
/// Most entries read from one IFD.
const MAX_ENTRIES: usize = 1000;

/// How the TIFF block is embedded; changes ExifTool's tag priorities and some names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Container {
    /// APP1 of a JPEG: IFD1 tags never override IFD0's.
    Jpeg,
    /// A TIFF file or TIFF-based raw file (the `&str` is ExifTool's TIFF_TYPE, e.g. "CR2").
    TiffFile(&'static str),
    /// Any other container (HEIF, PNG eXIf, WebP, ...).
    #[default]
    Other,
}

/// A value as read from the file.
#[derive(Debug, Clone)]
pub enum Raw {
    Int(Vec<i64>),
    Rat(Vec<(i64, i64)>),
    Float(Vec<f64>),
    Str(Vec<u8>),
    Undef(Vec<u8>),
}

impl Raw {
    /// ExifTool's ValueConv-less value as a string (numbers separated by spaces).
    pub fn to_text(&self) -> String {
        // room for the usual text at once instead of growing from empty
        let mut out = match self {
            Raw::Int(v) => String::with_capacity(v.len().saturating_mul(6)),
            Raw::Rat(v) => String::with_capacity(v.len().saturating_mul(12)),
            Raw::Float(v) => String::with_capacity(v.len().saturating_mul(12)),
            _ => String::new(),
        };
        match self {
            Raw::Int(v) => {
                let mut ib = itoa::Buffer::new();
                for (i, &x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(ib.format(x));
                }
                out
            }
            Raw::Rat(v) => {
                for (i, &(n, d)) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    push_rat(&mut out, n, d, 10);
                }
                out
            }
            Raw::Float(v) => {
                for (i, &x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    push_g(&mut out, x, 15);
                }
                out
            }
            Raw::Str(b) => {
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                decode_text(&b[..end])
            }
            Raw::Undef(b) => decode_text(b),
        }
    }
    /// The numbers (rationals divided out), or `None` for text.
    pub fn numbers(&self) -> Option<Vec<f64>> {
        match self {
            Raw::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
            Raw::Rat(v) => Some(
                v.iter()
                    .map(|&(n, d)| {
                        if d == 0 {
                            f64::NAN
                        } else {
                            n as f64 / d as f64
                        }
                    })
                    .collect(),
            ),
            Raw::Float(v) => Some(v.clone()),
            _ => None,
        }
    }
    pub fn first_number(&self) -> Option<f64> {
        self.numbers()
            .and_then(|v| v.first().copied())
            .filter(|x| x.is_finite())
    }
    pub fn first_int(&self) -> Option<i64> {
        match self {
            Raw::Int(v) => v.first().copied(),
            _ => None,
        }
    }
    fn count(&self) -> usize {
        match self {
            Raw::Int(v) => v.len(),
            Raw::Rat(v) => v.len(),
            Raw::Float(v) => v.len(),
            Raw::Str(b) | Raw::Undef(b) => b.len(),
        }
    }
}

/// A rational as ExifTool prints it (`undef` for 0/0, `inf` for n/0), appended to `out`.
fn push_rat(out: &mut String, n: i64, d: i64, sig: usize) {
    if d == 0 {
        out.push_str(if n == 0 { "undef" } else { "inf" });
    } else {
        push_g(out, n as f64 / d as f64, sig);
    }
}

/// Text as `exiftool -json` prints it: UTF-8, with each byte that does not start a valid
/// UTF-8 sequence replaced by '?' (ExifTool's FixUTF8).
pub fn decode_text(raw: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(raw) {
        return s.to_string();
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c < 0x80 {
            out.push(c);
            i += 1;
            continue;
        }
        if (0xc2..0xf8).contains(&c) {
            let n = if c < 0xe0 {
                1
            } else if c < 0xf0 {
                2
            } else {
                3
            };
            let cont = raw.get(i + 1..i + 1 + n);
            if cont.is_some_and(|b| b.iter().all(|&x| (0x80..0xc0).contains(&x))) {
                let seq = &raw[i..i + 1 + n];
                if std::str::from_utf8(seq).is_ok() {
                    out.extend_from_slice(seq);
                } else {
                    out.push(b'?');
                    out.extend(std::iter::repeat_n(b'?', n));
                }
                i += 1 + n;
                continue;
            }
        }
        out.push(b'?');
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

const FORMAT_SIZE: [usize; 14] = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/// Reads `count` values of TIFF `format` at `data[off..]`.
pub fn read_value(data: &[u8], off: usize, format: u16, count: usize, e: Endian) -> Option<Raw> {
    let size = *FORMAT_SIZE.get(format as usize)?;
    if size == 0 {
        return None;
    }
    let len = count.checked_mul(size)?;
    let b = crate::bytes::sub(data, off, len)?;
    let u16v = |i: usize| u16_at(b, i, e).unwrap_or(0);
    let u32v = |i: usize| u32_at(b, i, e).unwrap_or(0);
    Some(match format {
        1 => Raw::Int(b.iter().map(|&x| x as i64).collect()),
        6 => Raw::Int(b.iter().map(|&x| x as i8 as i64).collect()),
        2 => Raw::Str(b.to_vec()),
        7 => Raw::Undef(b.to_vec()),
        3 => Raw::Int((0..count).map(|i| u16v(i * 2) as i64).collect()),
        8 => Raw::Int((0..count).map(|i| u16v(i * 2) as i16 as i64).collect()),
        4 | 13 => Raw::Int((0..count).map(|i| u32v(i * 4) as i64).collect()),
        9 => Raw::Int((0..count).map(|i| u32v(i * 4) as i32 as i64).collect()),
        5 => Raw::Rat(
            (0..count)
                .map(|i| (u32v(i * 8) as i64, u32v(i * 8 + 4) as i64))
                .collect(),
        ),
        10 => Raw::Rat(
            (0..count)
                .map(|i| (u32v(i * 8) as i32 as i64, u32v(i * 8 + 4) as i32 as i64))
                .collect(),
        ),
        11 => Raw::Float(
            (0..count)
                .map(|i| f32::from_bits(u32v(i * 4)) as f64)
                .collect(),
        ),
        12 => Raw::Float(
            (0..count)
                .map(|i| {
                    let v = crate::bytes::u64_at(b, i * 8, e).unwrap_or(0);
                    f64::from_bits(v)
                })
                .collect(),
        ),
        _ => return None,
    })
}

/// Parses a TIFF block embedded in some container other than JPEG or a TIFF file.
pub fn parse_tiff(meta: &mut Metadata, tiff: &[u8]) {
    parse_tiff_in(meta, tiff, Container::Other);
}

/// Parses the TIFF block of a JPEG APP1 Exif segment.
/// `base` is the file offset of the TIFF header (ExifTool prints offsets file-relative).
pub fn parse_tiff_jpeg(meta: &mut Metadata, tiff: &[u8], base: usize) {
    parse_tiff_at(meta, tiff, Container::Jpeg, base);
}

/// Parses a TIFF block; returns what the caller may need (IFD0 image geometry, ...).
pub fn parse_tiff_in(meta: &mut Metadata, tiff: &[u8], container: Container) -> TiffSummary {
    parse_tiff_at(meta, tiff, container, 0)
}

/// Like [`parse_tiff_in`] for a block starting at file offset `base`.
pub fn parse_tiff_at(
    meta: &mut Metadata,
    tiff: &[u8],
    container: Container,
    base: usize,
) -> TiffSummary {
    let mut p = Parser::new(tiff, container);
    p.base = base;
    p.run(meta, None);
    let summary = p.summary();
    p.flush(meta);
    summary
}

/// Parses a TIFF block whose first IFD is a directory other than IFD0 ("ExifIFD",
/// "GPS", ...), as in Canon CR3's CMT2/CMT4 boxes; the next-IFD chain is not followed.
pub fn parse_tiff_dir(meta: &mut Metadata, tiff: &[u8], container: Container, dir: &str) {
    let mut p = Parser::new(tiff, container);
    p.run(meta, Some(dir));
    p.flush(meta);
}

/// A few facts about the parsed block for the container parsers.
#[derive(Debug, Clone, Default)]
pub struct TiffSummary {
    pub endian: Option<Endian>,
    /// Pages counted from SubfileType/OldSubfileType, and whether the file is multi-page
    /// (ExifTool's PageCount/MultiPage).
    pub page_count: u32,
    pub multi_page: bool,
    /// Per IFD (by directory name): its tags' raw values by tag ID.
    pub ifds: Vec<(String, IfdValues)>,
}

/// One IFD's raw values by tag ID.
pub type IfdValues = IndexMap<u16, Raw, Hasher>;

impl TiffSummary {
    pub fn ifd(&self, name: &str) -> Option<&IfdValues> {
        self.ifds.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }
}

struct Found {
    value: Value,
    raw: Option<Value>,
    /// Whether this tag would replace one of the same name found earlier (ExifTool
    /// priority 1); a second EXIF block in a file overrides the first this way.
    prio: bool,
}

struct Parser<'a> {
    tiff: &'a [u8],
    e: Endian,
    base: usize,
    container: Container,
    tags: IndexMap<String, Found, Hasher>,
    priority_dir: Option<String>,
    visited: Vec<usize>,
    make: String,
    model: String,
    ifds: Vec<(String, IfdValues)>,
    warnings: Vec<String>,
    page_count: u32,
    multi_page: bool,
    /// Single rationals as "n/d" (ExifTool's $$self{RATIONAL}, used by Canon's sensor size).
    rats: Vec<(String, String)>,
}

impl<'a> Parser<'a> {
    fn new(tiff: &'a [u8], container: Container) -> Self {
        Parser {
            tiff,
            e: Endian::Little,
            base: 0,
            container,
            tags: IndexMap::with_capacity_and_hasher(64, Hasher::default()),
            priority_dir: None,
            visited: Vec::new(),
            make: String::new(),
            model: String::new(),
            ifds: Vec::new(),
            warnings: Vec::new(),
            rats: Vec::new(),
            page_count: 0,
            multi_page: false,
        }
    }

    /// Hands the IFDs' raw values over to the summary ([`Parser::flush`] does not use them).
    fn summary(&mut self) -> TiffSummary {
        TiffSummary {
            endian: Some(self.e),
            page_count: self.page_count,
            multi_page: self.multi_page,
            ifds: std::mem::take(&mut self.ifds),
        }
    }

    fn flush(self, meta: &mut Metadata) {
        meta.raw.reserve(self.tags.len() + self.rats.len());
        if !self.tags.is_empty() {
            // the first tag would create the group here anyway: look it up once
            let gi = {
                let g = meta.group_mut("exif");
                g.reserve(self.tags.len());
                meta.groups.get_index_of("exif")
            };
            if let Some(gi) = gi {
                let Metadata { groups, raw, .. } = meta;
                let group = &mut groups[gi];
                for (name, f) in self.tags {
                    if !f.prio && group.contains_key(&name) {
                        continue;
                    }
                    match f.raw {
                        Some(r) => {
                            raw.insert(raw_key("exif", &name), r);
                        }
                        None => {
                            if !raw.is_empty() {
                                with_raw_key("exif", &name, |k| raw.shift_remove(k));
                            }
                        }
                    }
                    group.insert(name, f.value);
                }
            }
        }
        for (k, v) in self.rats {
            let mut key = raw_key("exif", &k);
            key.push_str("#rat");
            meta.raw.entry(key).or_insert(Value::String(v));
        }
        for w in self.warnings {
            meta.warn(w);
        }
    }

    fn warn(&mut self, w: String) {
        if !self.warnings.contains(&w) && self.warnings.len() < 32 {
            self.warnings.push(w);
        }
    }

    fn run(&mut self, meta: &mut Metadata, only: Option<&str>) {
        let t = self.tiff;
        self.e = match t.get(..2) {
            Some(b"II") => Endian::Little,
            Some(b"MM") => Endian::Big,
            _ => {
                meta.warn("Invalid TIFF header");
                return;
            }
        };
        let magic = u16_at(t, 2, self.e).unwrap_or(0);
        // 42 for TIFF; ORF uses 0x4f52/0x5352, RW2 0x55.
        if !matches!(magic, 42 | 0x4f52 | 0x5352 | 0x55) {
            meta.warn("Invalid TIFF header");
            return;
        }
        meta.add(
            "file",
            "ExifByteOrder",
            match self.e {
                Endian::Little => "Little-endian (Intel, II)",
                Endian::Big => "Big-endian (Motorola, MM)",
            },
        );
        let Some(mut off) = u32_at(t, 4, self.e).map(|x| x as usize) else {
            return;
        };
        if let Some(dir) = only {
            self.process_ifd(meta, off, dir, 0);
            return;
        }
        let mut n = 0;
        while off != 0 && n < MAX_CHAIN {
            if meta.budget.exceeded() {
                meta.warn("Processing time budget exceeded");
                break;
            }
            let name = crate::bytes::cat(&["IFD", itoa::Buffer::new().format(n)]);
            match self.process_ifd(meta, off, &name, 0) {
                Some(next) => off = next,
                None => break,
            }
            n += 1;
        }
    }

    /// Reads one IFD; returns the offset of the next IFD (0 for none), or `None` when the
    /// directory could not be read.
    fn process_ifd(
        &mut self,
        meta: &mut Metadata,
        off: usize,
        dir: &str,
        depth: usize,
    ) -> Option<usize> {
        let t = self.tiff;
        let e = self.e;
        if depth > MAX_DEPTH || self.visited.len() >= MAX_IFDS {
            return None;
        }
        if self.visited.contains(&off) {
            self.warn(format!("{dir} pointer references previous directory"));
            return None;
        }
        self.visited.push(off);
        let Some(n) = u16_at(t, off, e).map(|x| x as usize) else {
            self.warn(format!("Bad {dir} directory"));
            return None;
        };
        let dir_end = off + 2 + 12 * n;
        if dir_end > t.len() {
            // ExifTool reads what fits only for maker notes; EXIF IFDs are dropped.
            self.warn(format!("Bad {dir} directory"));
            return None;
        }
        let from_end = t.len() - dir_end;
        if from_end < 4 && from_end != 2 && from_end != 0 {
            self.warn(format!("Illegal {dir} directory size ({n} entries)"));
            return None;
        }
        let is_gps = dir == "GPS";
        let table = if is_gps {
            tags::GPS_TAGS
        } else {
            tags::EXIF_TAGS
        };
        let mut raw_map = IfdValues::default();
        let mut subdirs: Vec<(usize, String)> = Vec::new();
        let (mut ifd_compression, mut ifd_subfile): (Option<i64>, Option<i64>) = (None, None);
        for i in 0..n.min(MAX_ENTRIES) {
            if i % 64 == 0 && meta.budget.exceeded() {
                break;
            }
            let entry = off + 2 + 12 * i;
            let (Some(id), Some(format), Some(count)) = (
                u16_at(t, entry, e),
                u16_at(t, entry + 2, e),
                u32_at(t, entry + 4, e),
            ) else {
                break;
            };
            let count = count as usize;
            if !(1..=13).contains(&format) {
                self.warn(format!("Bad format ({format}) for {dir} entry {i}"));
                if i == 0 {
                    return None;
                }
                continue;
            }
            let fsize = FORMAT_SIZE[format as usize];
            let Some(size) = count.checked_mul(fsize) else {
                continue;
            };
            let mut val_off = entry + 8;
            if size > 4 {
                let Some(p) = u32_at(t, entry + 8, e) else {
                    continue;
                };
                val_off = p as usize;
                if val_off.checked_add(size).is_none_or(|end| end > t.len()) {
                    let name = lookup(table, id).map(|d| d.name).unwrap_or("");
                    if !name.is_empty() {
                        let tag = if name.is_empty() {
                            format!("tag 0x{id:04x}")
                        } else {
                            name.to_string()
                        };
                        self.warn(format!("Bad offset for {dir} {tag}"));
                    }
                    continue;
                }
            }
            let def = lookup(table, id);
            // Pointers and embedded blocks first.
            if !is_gps {
                let sub_name = match id {
                    0x8769 => Some("ExifIFD"),
                    0x8825 => Some("GPS"),
                    0xa005 => Some("InteropIFD"),
                    _ => None,
                };
                if let Some(sn) = sub_name {
                    if let Some(Raw::Int(v)) = read_value(t, val_off, format, count.min(1), e) {
                        if let Some(&p) = v.first() {
                            subdirs.push((p as usize, sn.to_string()));
                        }
                    }
                    continue;
                }
                if id == 0x014a {
                    if let Some(Raw::Int(v)) = read_value(t, val_off, format, count.min(8), e) {
                        for (k, &p) in v.iter().enumerate() {
                            let sn = if k == 0 {
                                "SubIFD".to_string()
                            } else {
                                format!("SubIFD{k}")
                            };
                            subdirs.push((p as usize, sn));
                        }
                    }
                    continue;
                }
                let block = t.get(val_off..val_off + size).unwrap_or(&[]);
                match id {
                    0x927c => {
                        let ctx = crate::formats::makernotes::MakerNoteContext {
                            tiff: t,
                            offset: val_off,
                            len: size,
                            endian: e,
                            make: &self.make,
                            model: &self.model,
                            file_base: self.base,
                        };
                        crate::formats::makernotes::parse(meta, &ctx);
                        continue;
                    }
                    0x02bc => {
                        crate::formats::xmp::parse(meta, block);
                        continue;
                    }
                    0x83bb => {
                        crate::formats::iptc::parse(meta, block);
                        continue;
                    }
                    0x8649 => {
                        crate::formats::photoshop::parse(meta, block);
                        continue;
                    }
                    0x8773 => {
                        crate::formats::icc::parse(meta, block);
                        continue;
                    }
                    0xc4a5 => {
                        conv::print_im(meta, block, e);
                        continue;
                    }
                    _ => {}
                }
            }
            let fmt = match def.map(|d| d.fmt).unwrap_or(0) {
                0 => format,
                f => f as u16,
            };
            // ExifTool reads a single undef byte as int8u.
            let fmt = if fmt == 7 && count == 1 && format == 7 {
                1
            } else {
                fmt
            };
            let rcount = if fmt != format {
                size / FORMAT_SIZE[fmt as usize].max(1)
            } else {
                count
            };
            if count > 500 && !matches!(fmt, 2 | 7) && def.is_none() {
                continue;
            }
            // ExifTool ignores arrays with excessive counts and does not print blobs over
            // its 10 MB binary-data limit; neither is worth reading into memory here.
            if (count > 100_000 && !matches!(fmt, 2 | 7)) || size > 10 << 20 {
                continue;
            }
            // Known blobs and subdirectories print nothing we report (id > 0xf000 may be
            // renamed from its text below, so read those).
            if id <= 0xf000 && def.is_some_and(|d| d.binary || d.subdir) {
                continue;
            }
            let Some(raw) = read_value(t, val_off, fmt, rcount, e) else {
                continue;
            };
            // Kept for the caller (moved in after the tag is recorded, not copied).
            let keep = raw_map.len() < 512 && (size <= 4096 || matches!(raw, Raw::Int(_)));
            'tag: {
                // Sony/Minolta "Description: value" tags above 0xf000.
                if id > 0xf000 && !is_gps {
                    let s = raw.to_text();
                    if let Some((k, v)) = s.split_once(": ") {
                        let name: String = k
                            .replace("'s", "")
                            .chars()
                            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() {
                            self.found(&name, dir, false, json_value(v.to_string()), None);
                        }
                        break 'tag;
                    }
                }
                let Some(def) = def else { break 'tag };
                if def.subdir || def.binary {
                    break 'tag;
                }
                if id == 0x0103 {
                    ifd_compression = raw.first_int();
                } else if id == 0x00fe {
                    ifd_subfile = raw.first_int();
                }
                let name = match id {
                    0x0111 | 0x0117 => {
                        strip_name(id, dir, self.container, ifd_compression, ifd_subfile)
                    }
                    _ => conditional_name(def, id, dir, self.container),
                };
                if id == 0x010f || id == 0x0110 {
                    let s = raw.to_text().trim_end().to_string();
                    if id == 0x010f {
                        self.make = s;
                    } else {
                        self.model = s;
                    }
                }
                if id == 0x00fe {
                    let v = raw.first_int().unwrap_or(-1);
                    if v == 0 && self.priority_dir.is_none() {
                        self.priority_dir = Some(dir.to_string());
                    }
                    if v == (v & 2) {
                        self.page_count += 1;
                        self.multi_page |= v == 2 || self.page_count > 1;
                    }
                } else if id == 0x00ff {
                    let v = raw.first_int().unwrap_or(-1);
                    if v == 1 && self.priority_dir.is_none() {
                        self.priority_dir = Some(dir.to_string());
                    }
                    if v == 1 || v == 3 {
                        self.page_count += 1;
                        self.multi_page |= v == 3 || self.page_count > 1;
                    }
                }
                let shifted;
                let raw = match &raw {
                    Raw::Int(v) if self.base > 0 && is_offset_tag(name) => {
                        shifted = Raw::Int(v.iter().map(|&x| x + self.base as i64).collect());
                        &shifted
                    }
                    r => r,
                };
                if let Raw::Rat(r) = raw {
                    if let [(n, d)] = r.as_slice() {
                        let mut ib = itoa::Buffer::new();
                        let mut r = String::with_capacity(24);
                        r.push_str(ib.format(*n));
                        r.push('/');
                        r.push_str(ib.format(*d));
                        self.rats.push((name.to_string(), r));
                    }
                }
                if let Some((value, rawv)) = conv::convert(name, def, raw, self.e) {
                    self.found(name, dir, def.prio0, value, rawv);
                }
            }
            if keep {
                raw_map.insert(id, raw);
            }
        }
        // ThumbnailImage from IFD1's offset and length.
        if let (Some(o), Some(l)) = (
            raw_map.get(&0x0201).and_then(|r| r.first_int()),
            raw_map.get(&0x0202).and_then(|r| r.first_int()),
        ) {
            let (o, l) = (o as usize, l as usize);
            if l > 0 && o.checked_add(l).is_some_and(|end| end <= t.len()) {
                let name = match conditional_name_id(0x0201, dir, self.container) {
                    "ThumbnailOffset" => Some("ThumbnailImage"),
                    "PreviewImageStart" => Some("PreviewImage"),
                    "JpgFromRawStart" => Some("JpgFromRaw"),
                    _ => None,
                };
                if let Some(name) = name {
                    self.found(
                        name,
                        dir,
                        false,
                        Value::String(format!("(Binary data {l} bytes, use -b option to extract)")),
                        None,
                    );
                }
            }
        }
        let next = if dir.starts_with("IFD") {
            u32_at(t, dir_end, e).map(|x| x as usize).unwrap_or(0)
        } else {
            0
        };
        self.ifds.push((dir.to_string(), raw_map));
        for (p, sn) in subdirs {
            if p == 0 {
                continue;
            }
            self.process_ifd(meta, p, &sn, depth + 1);
        }
        Some(next)
    }

    /// Records a tag with ExifTool's priority rules: a later tag replaces an earlier one
    /// of the same name unless it comes from a low-priority directory (IFD1 of a JPEG) or
    /// has `Priority => 0`, in both cases except when it is in the priority directory.
    fn found(&mut self, name: &str, dir: &str, prio0: bool, value: Value, raw: Option<Value>) {
        let low_dir = dir == "IFD1" && self.container == Container::Jpeg;
        let in_prio_dir = self.priority_dir.as_deref() == Some(dir);
        let prio = if prio0 {
            in_prio_dir
        } else {
            !low_dir || in_prio_dir
        };
        // one lookup; the name is copied only for a new tag (a replaced value keeps its
        // place, as `insert` does)
        match self.tags.get_mut(name) {
            Some(slot) => {
                if prio {
                    *slot = Found { value, raw, prio };
                }
            }
            None => {
                self.tags
                    .insert(name.to_string(), Found { value, raw, prio });
            }
        }
    }
}

fn is_offset_tag(name: &str) -> bool {
    matches!(
        name,
        "ThumbnailOffset"
            | "StripOffsets"
            | "TileOffsets"
            | "PreviewImageStart"
            | "JpgFromRawStart"
            | "OtherImageStart"
    )
}

fn conditional_name_id(id: u16, dir: &str, container: Container) -> &'static str {
    let tiff_type = match container {
        Container::TiffFile(t) => t,
        _ => "",
    };
    let start = id == 0x0201;
    let pick = |a: &'static str, b: &'static str| if start { a } else { b };
    match dir {
        "IFD1" => pick("ThumbnailOffset", "ThumbnailLength"),
        "IFD0" if matches!(tiff_type, "MRW" | "NRW") => pick("ThumbnailOffset", "ThumbnailLength"),
        "IFD0" if matches!(tiff_type, "ARW" | "SR2") => {
            pick("PreviewImageStart", "PreviewImageLength")
        }
        "SubIFD" | "IFD2" => pick("JpgFromRawStart", "JpgFromRawLength"),
        _ => pick("OtherImageStart", "OtherImageLength"),
    }
}

/// Exif.pm's conditional names for 0x111/0x117 (StripOffsets/StripByteCounts).
fn strip_name(
    id: u16,
    dir: &str,
    container: Container,
    compression: Option<i64>,
    subfile: Option<i64>,
) -> &'static str {
    let tiff_type = match container {
        Container::TiffFile(t) => t,
        Container::Jpeg => "APP1",
        Container::Other => "",
    };
    let start = id == 0x0111;
    let pick = |a: &'static str, b: &'static str| if start { a } else { b };
    if compression == Some(34892) {
        return pick("OtherImageStart", "OtherImageLength");
    }
    let cr2_ifd0 = tiff_type == "CR2" && dir == "IFD0";
    let jpeg_preview =
        matches!(tiff_type, "DNG" | "TIFF") && compression == Some(7) && subfile != Some(0);
    let app1_ifd2 = tiff_type == "APP1" && dir == "IFD2";
    let strips = !(cr2_ifd0 || jpeg_preview || app1_ifd2);
    if strips {
        pick("StripOffsets", "StripByteCounts")
    } else if tiff_type == "CR2" || dir != "SubIFD2" {
        pick("PreviewImageStart", "PreviewImageLength")
    } else {
        pick("JpgFromRawStart", "JpgFromRawLength")
    }
}

fn conditional_name(
    def: &'static TagDef,
    id: u16,
    dir: &str,
    container: Container,
) -> &'static str {
    match id {
        0x0201 | 0x0202 => conditional_name_id(id, dir, container),
        _ => def.name,
    }
}

/// Stores a tag's numeric (ValueConv) value for the Composite tags, out of the JSON output.
pub fn meta_set_raw(meta: &mut Metadata, group: &str, tag: &str, v: Value) {
    meta.raw.entry(raw_key(group, tag)).or_insert(v);
}

/// The numeric (ValueConv) value of a tag, if a parser recorded one.
pub fn meta_raw<'m>(meta: &'m Metadata, group: &str, tag: &str) -> Option<&'m Value> {
    meta.raw_get(group, tag)
}

/// ExifTool's EXIF Flash print conversion (also used by the XMP-based Composite:Flash).
pub fn flash_print(v: i64) -> String {
    let def = lookup(tags::EXIF_TAGS, 0x9209);
    let key = v.to_string();
    def.and_then(|d| d.map.iter().find(|(k, _)| *k == key))
        .map(|(_, s)| s.to_string())
        .unwrap_or_else(|| format!("Unknown (0x{v:x})"))
}

/// UTF-16 text up to the first NUL (`le` for little-endian).
pub fn conv_decode_utf16(b: &[u8], le: bool) -> String {
    conv::decode_utf16(b, le)
}

/// Fixture builders for other modules' tests.
#[cfg(test)]
pub(crate) mod tests_support {
    pub(crate) use super::tests::{short, TiffBuilder};
}

/// A small EXIF TIFF block for other modules' tests.
#[cfg(test)]
pub(crate) fn test_tiff() -> Vec<u8> {
    tests::sample_tiff()
}

#[cfg(test)]
mod tests;
