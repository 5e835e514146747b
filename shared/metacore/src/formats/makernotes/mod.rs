//! Maker notes of Canon, Nikon, Sony, Apple, Fujifilm, Olympus, Panasonic, Pentax, Samsung,
//! Casio, Kodak, Minolta, Ricoh, Sanyo and Reconyx, decoded into the `makernotes` group.
//!
//! The tag tables in `tables/` are generated from ExifTool's own tag tables (tag IDs, names,
//! formats, conditions, print conversion hashes and bitmasks, and the Perl snippets of the
//! conversions as strings); `tables/gen/regen.sh` rebuilds them from an installed ExifTool.
//!
//! - `parse` detects the maker note type from its header and the camera Make, as ExifTool's
//!   MakerNotes.pm does, and picks the byte order, the IFD start and the offset base (with
//!   Canon's footer and a FixBase-like repair for notes moved by editing software);
//! - `process_ifd` / `process_binary` walk an IFD or a binary record against a table:
//!   conditional entries, sub-directories, variable and bit-field formats, serial records,
//!   Nikon's encrypted records (`nikon.rs`), Apple's property lists (`apple.rs`);
//! - values are converted once the whole note is read (ExifTool converts lazily, so
//!   conversions may read "data members" of later tags): RawConv, ValueConv and PrintConv
//!   run through vendor code for the snippets a one-line evaluator cannot do (`canon.rs`,
//!   `nikon.rs`, `olympus.rs`, `other.rs`), then through `perl.rs`, a small bounded evaluator
//!   of ExifTool's one-line Perl expressions. A tag whose conversion is not understood is left
//!   out rather than printed wrong;
//! - `parse_ciff` decodes the Canon CIFF records some old PowerShot JPEGs carry in APP0.
//!
//! Offsets (`IsOffset` tags such as PreviewImageStart) are reported from the start of the
//! file, as ExifTool does: relative to the TIFF header plus the header's file position.
//!
//! Numeric values whose printed form differs (`5.6` printed from 5.59591869015324) are also
//! kept in `Metadata::raw` as `makernotes:Tag`, since ExifTool computes Composite tags from
//! ValueConv values, and Nikon's LensID key (the Composite's ValueConv, from raw values that
//! are not otherwise kept) as `composite:LensID`.

use crate::bytes::{sub, u16_at, u32_at, Endian};
use crate::model::Metadata;
use std::collections::HashMap;

mod apple;
mod canon;
mod casio;
mod ciff;
mod conv;
mod fujifilm;
mod nikon;
mod olympus;
mod other;
mod panasonic;
mod pentax;
mod perl;
mod samsung;
mod sony;
pub(crate) mod tables;
pub(crate) mod value;

pub use value::Val;

/// Where a maker note sits: the whole TIFF block it belongs to (offsets in many maker notes
/// are relative to it), the maker note's own offset and length inside it, its byte order,
/// and the camera's Make and Model from IFD0.
#[derive(Debug, Clone, Copy)]
pub struct MakerNoteContext<'a> {
    pub tiff: &'a [u8],
    pub offset: usize,
    pub len: usize,
    pub endian: crate::bytes::Endian,
    pub make: &'a str,
    pub model: &'a str,
    /// File position of the TIFF header (`tiff[0]`), added to offset values.
    pub file_base: usize,
}

/// One tag of a generated table (fields mirror ExifTool's tag information hash; empty
/// strings mean "not set").
#[derive(Debug)]
pub struct Tag {
    pub id: u32,
    pub name: &'static str,
    pub cond: &'static str,
    pub format: &'static str,
    pub raw: &'static str,
    pub value: &'static str,
    pub print: &'static str,
    pub map: &'static [(&'static str, &'static str)],
    pub bits: &'static [(u32, &'static str)],
    pub other: bool,
    pub sub: &'static str,
    pub sub_start: &'static str,
    pub sub_base: &'static str,
    pub sub_order: &'static str,
    pub count: u32,
    /// ExifTool's list-type PrintConv: one conversion per space-separated item.
    pub parr: &'static [PItem],
    /// ExifTool's `Unknown => 1`: read (serial data needs it to stay in step) but not shown.
    pub unknown: bool,
    /// Bit mask of a bit field in a binary table (the value is shifted down).
    pub mask: u32,
    /// Hundredths of a fractional binary-table index (several bit fields in one byte).
    pub frac: u16,
    /// ExifTool's `Priority => 0`: a later tag of the same name replaces this one.
    pub weak: bool,
    /// ExifTool's `IsOffset`: reported from the start of the file (like other EXIF
    /// offsets: relative to the TIFF header plus the header's position in the file).
    pub is_offset: bool,
}

/// One item of a list-type PrintConv: a lookup table or a Perl snippet.
#[derive(Debug)]
pub struct PItem {
    pub map: &'static [(&'static str, &'static str)],
    pub bits: &'static [(u32, &'static str)],
    pub code: &'static str,
}

/// A generated tag table: an IFD table, or a binary table (`binary`) whose tag IDs are
/// indexes in units of `format`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub binary: bool,
    /// Canon's ProcessSerialData: entries follow each other, each as long as its format.
    pub serial: bool,
    pub format: &'static str,
    pub first: i32,
    pub tags: &'static [Tag],
}

pub const GROUP: &str = "makernotes";
const MAX_ENTRIES: usize = 1024;
const MAX_DEPTH: u32 = 6;

/// The state of one maker note walk: the output, ExifTool's "data members" (values of
/// earlier tags that later conditions and conversions read, like `$$self{FocalUnits}`),
/// and the IFDs already visited.
pub struct State<'m> {
    pub meta: &'m mut Metadata,
    pub make: String,
    pub model: String,
    /// Keyed by the tables' static names (foldhash: looked up by every condition).
    pub members: HashMap<&'static str, Val, crate::model::Hasher>,
    visited: Vec<(usize, usize)>,
    depth: u32,
    /// Values read, converted once the whole maker note is read (ExifTool converts lazily,
    /// so conversions may read data members of tags that come later).
    pending: Vec<(&'static Tag, Val)>,
    /// Names added by `Priority => 0` tags, which a later tag may replace.
    weak: Vec<String>,
    /// Address range of the TIFF block, to turn offsets relative to a maker note into
    /// offsets relative to the TIFF header.
    tiff_range: (usize, usize),
    /// File position of the TIFF header, added to offsets to make them file-relative.
    file_base: usize,
}

impl<'m> State<'m> {
    fn new(meta: &'m mut Metadata, make: &str, model: &str) -> Self {
        State {
            meta,
            make: make.to_string(),
            model: model.to_string(),
            members: HashMap::default(),
            visited: Vec::new(),
            depth: 0,
            pending: Vec::new(),
            weak: Vec::new(),
            tiff_range: (0, 0),
            file_base: 0,
        }
    }

    /// Adds a maker note tag (first value wins, as in ExifTool without -a).
    pub fn add(&mut self, name: &str, value: serde_json::Value) {
        put(self.meta.group_mut(GROUP), &mut self.weak, name, value);
    }

    pub fn member_num(&self, name: &str) -> Option<f64> {
        self.members.get(name).and_then(|v| v.num(0))
    }
}

/// A view of a directory's bytes: `data` is the buffer offsets point into, `base` is what
/// value offsets are relative to (an index into `data`).
#[derive(Clone, Copy)]
pub struct Dir<'a> {
    pub data: &'a [u8],
    pub base: i64,
    pub endian: Endian,
}

impl Dir<'_> {
    /// The index in `data` of a value offset read from the file.
    pub fn offset(&self, o: u32) -> Option<usize> {
        usize::try_from(self.base.checked_add(o as i64)?).ok()
    }
}

/// The entry point: detects the maker note type like ExifTool's MakerNotes.pm and decodes it.
pub fn parse(meta: &mut Metadata, ctx: &MakerNoteContext) {
    let Some(rest) = ctx.tiff.get(ctx.offset..).filter(|r| !r.is_empty()) else {
        meta.warn("Maker note offset outside the EXIF block");
        return;
    };
    let mn = match rest.get(..ctx.len) {
        Some(mn) => mn,
        None => {
            meta.warn("Maker note runs past the end of the EXIF block");
            rest
        }
    };
    // values may lie a little past the declared end (ExifTool reads them from the whole
    // block), so the parsers with offsets relative to the note get everything after it

    let make = ctx.make.trim();
    let mut st = State::new(meta, make, ctx.model.trim());
    let start = ctx.tiff.as_ptr() as usize;
    st.tiff_range = (start, start + ctx.tiff.len());
    st.file_base = ctx.file_base;
    let tiff = ctx.tiff;
    let off = ctx.offset;
    let e = ctx.endian;
    let tiff_dir = |endian| Dir {
        data: tiff,
        base: 0,
        endian,
    };
    if mn.starts_with(b"Apple iOS\0") {
        apple::parse(&mut st, tiff, off, rest);
    } else if mn.starts_with(b"Nikon\0\x02") || mn.starts_with(b"Nikon\0\x03") {
        nikon::parse_type3(&mut st, rest);
    } else if mn.starts_with(b"Nikon\0\x01") {
        run_ifd(
            &mut st,
            "Image::ExifTool::Nikon::Type2",
            tiff_dir(e),
            off + 8,
        );
    } else if make.starts_with("NIKON") || make.starts_with("Nikon") {
        // Nikon maker notes without a header (D1, some Coolpix): a plain IFD
        run_ifd(&mut st, "Image::ExifTool::Nikon::Main", tiff_dir(e), off);
    } else if make.starts_with("Canon") {
        canon::parse(&mut st, tiff_dir(e), off, ctx.len);
    } else if mn.starts_with(b"FUJIFILM") || mn.starts_with(b"GENERALE") {
        fujifilm::parse(&mut st, rest);
    } else if mn.starts_with(b"OLYMP") || mn.starts_with(b"OM SYSTEM") {
        olympus::parse(&mut st, tiff, off, rest, e);
    } else if mn.starts_with(b"Panasonic\0") {
        run_ifd(
            &mut st,
            "Image::ExifTool::Panasonic::Main",
            tiff_dir(e),
            off + 12,
        );
    } else if mn.starts_with(b"QVC\0") || mn.starts_with(b"DCI\0") {
        run_ifd(
            &mut st,
            "Image::ExifTool::Casio::Type2",
            tiff_dir(e),
            off + 6,
        );
    } else if make.starts_with("CASIO") {
        run_ifd(&mut st, "Image::ExifTool::Casio::Main", tiff_dir(e), off);
    } else if mn.starts_with(b"SANYO\0") {
        run_ifd(
            &mut st,
            "Image::ExifTool::Sanyo::Main",
            tiff_dir(e),
            off + 8,
        );
    } else if mn.starts_with(b"PENTAX \0") {
        pentax::parse_pentax5(&mut st, rest, e);
    } else if mn.starts_with(b"AOC\0") {
        pentax::parse(&mut st, tiff, off, mn, e);
    } else if mn.starts_with(b"SONY DSC \0\0\0") || mn.starts_with(b"SONY CAM \0\0\0") {
        run_ifd(
            &mut st,
            "Image::ExifTool::Sony::Main",
            tiff_dir(e),
            off + 12,
        );
    } else if make.starts_with("SONY") && !mn.starts_with(b"SONY") {
        run_ifd(&mut st, "Image::ExifTool::Sony::Main", tiff_dir(e), off);
    } else if make.starts_with("SAMSUNG") || make.starts_with("Samsung") {
        samsung::parse(&mut st, tiff, off, mn, e);
    } else if make.starts_with("KONICA MINOLTA")
        || make.starts_with("Minolta")
        || make.starts_with("MINOLTA")
    {
        run_ifd(&mut st, "Image::ExifTool::Minolta::Main", tiff_dir(e), off);
    } else {
        other::parse(&mut st, tiff, off, mn, e);
    }
    if mn.starts_with(b"Nikon\0") || make.starts_with("NIKON") || make.starts_with("Nikon") {
        if let Some(key) = nikon::lens_id_key(&st) {
            st.meta
                .raw
                .insert("composite:LensID".into(), serde_json::Value::String(key));
        }
    }
    flush(&mut st);
}

/// Nikon's Composite:LensID printed from its key (see `nikon::print_lens_id`).
pub fn nikon_lens_id(key: &str) -> String {
    nikon::print_lens_id(key)
}

/// Canon CIFF records embedded in a JPEG APP0 segment (`II` + length + `HEAPJPGM`), which
/// ExifTool reports in the MakerNotes group. `seg` is the APP0 payload after the length.
pub fn parse_ciff(meta: &mut Metadata, seg: &[u8]) {
    let mut st = State::new(meta, "Canon", "");
    ciff::parse(&mut st, seg);
    flush(&mut st);
}

/// ExifTool's "Unknown" byte order for maker notes: the one that gives a sane entry count.
pub fn guess_order(data: &[u8], ifd: usize, default: Endian) -> Endian {
    let ok = |e| u16_at(data, ifd, e).is_some_and(|n| (1..=512).contains(&n));
    if ok(default) {
        return default;
    }
    let other = match default {
        Endian::Big => Endian::Little,
        Endian::Little => Endian::Big,
    };
    if ok(other) {
        other
    } else {
        default
    }
}

/// Walks an IFD at `ifd` (an index into `dir.data`) against the named table.
pub fn run_ifd(st: &mut State, table: &str, dir: Dir, ifd: usize) {
    let Some(t) = tables::lookup(table) else {
        return;
    };
    let endian = guess_order(dir.data, ifd, dir.endian);
    process_ifd(st, t, Dir { endian, ..dir }, ifd);
}

/// The TIFF format sizes (1-based TIFF format codes; 13 is IFD).
pub fn format_size(fmt: u16) -> Option<usize> {
    Some(match fmt {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    })
}

/// ExifTool's format name for a TIFF format code.
pub fn format_name(fmt: u16) -> &'static str {
    match fmt {
        1 => "int8u",
        2 => "string",
        3 => "int16u",
        4 => "int32u",
        5 => "rational64u",
        6 => "int8s",
        7 => "undef",
        8 => "int16s",
        9 => "int32s",
        10 => "rational64s",
        11 => "float",
        12 => "double",
        13 => "ifd",
        _ => "undef",
    }
}

/// One raw IFD entry.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub tag: u16,
    pub fmt: u16,
    pub count: u32,
    pub raw: &'a [u8],
    /// Where the value sits in `dir.data`.
    pub pos: usize,
}

/// Reads the entries of the IFD at `ifd`; entries whose value lies outside the buffer are
/// skipped. Returns `None` when the IFD header itself is unreadable.
pub fn read_ifd<'a>(dir: Dir<'a>, ifd: usize) -> Option<Vec<Entry<'a>>> {
    let n = u16_at(dir.data, ifd, dir.endian)? as usize;
    if n == 0 || n > MAX_ENTRIES {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let p = ifd.checked_add(2 + i * 12)?;
        let (Some(tag), Some(fmt), Some(count)) = (
            u16_at(dir.data, p, dir.endian),
            u16_at(dir.data, p + 2, dir.endian),
            u32_at(dir.data, p + 4, dir.endian),
        ) else {
            break;
        };
        let Some(size) = format_size(fmt).and_then(|s| s.checked_mul(count as usize)) else {
            continue;
        };
        let pos = if size <= 4 {
            p + 8
        } else {
            let Some(o) = u32_at(dir.data, p + 8, dir.endian) else {
                continue;
            };
            match dir.offset(o) {
                Some(v) => v,
                None => continue,
            }
        };
        let Some(raw) = sub(dir.data, pos, size) else {
            continue;
        };
        out.push(Entry {
            tag,
            fmt,
            count,
            raw,
            pos,
        });
    }
    Some(out)
}

/// ExifTool's FixBase heuristic (simplified): value data normally starts right after the
/// IFD (plus 0 or 4 bytes, or a maker-specific gap); when the smallest value offset says
/// otherwise, the maker note was moved and its offsets need shifting.
pub fn fix_base(dir: &mut Dir, ifd: usize, allowed: &[i64]) {
    let Some(n) = u16_at(dir.data, ifd, dir.endian) else {
        return;
    };
    let ifd_end = ifd as i64 + 2 + 12 * n as i64;
    let mut min: Option<i64> = None;
    for i in 0..(n as usize).min(MAX_ENTRIES) {
        let p = ifd + 2 + i * 12;
        let (Some(fmt), Some(count), Some(o)) = (
            u16_at(dir.data, p + 2, dir.endian),
            u32_at(dir.data, p + 4, dir.endian),
            u32_at(dir.data, p + 8, dir.endian),
        ) else {
            return;
        };
        let Some(size) = format_size(fmt).and_then(|s| s.checked_mul(count as usize)) else {
            continue;
        };
        if size > 4 && o != 0 {
            let v = dir.base + o as i64;
            min = Some(min.map_or(v, |m: i64| m.min(v)));
        }
    }
    let Some(min) = min else { return };
    let diff = min - ifd_end;
    if allowed.contains(&diff) {
        return;
    }
    dir.base += 4 - diff;
}

/// Conditions like `($$self{CameraInfoCount} = $count) and ...` store the entry's count
/// for later conditions; do that before they are evaluated.
fn store_count_members(st: &mut State, t: &Table, e: &Entry) {
    let id = e.tag as u32;
    let start = t.tags.partition_point(|x| (x.id, x.frac) < (id, 0));
    for tag in t.tags[start..].iter().take_while(|x| x.id == id) {
        // both forms below contain '='
        if !tag.cond.as_bytes().contains(&b'=') {
            continue;
        }
        if let Some(p) = crate::bytes::find_str(tag.cond, "} = $count") {
            if let Some(q) = tag.cond[..p].rfind("$$self{") {
                let name = &tag.cond[q + 7..p];
                st.members.insert(name, Val::one(e.count as f64));
            }
        } else if let Some(rest) = tag.cond.trim().strip_prefix("$$self{") {
            // "$$self{AFInfo3} = 1": a flag for later conditions
            if let Some((name, num)) = rest.split_once("} = ") {
                if let Ok(n) = num.trim().parse::<f64>() {
                    st.members.insert(name, Val::one(n));
                }
            }
        }
    }
}

/// Picks the table entry for `id` whose condition holds (ExifTool's conditional lists).
pub(crate) fn pick<'t>(
    st: &State,
    t: &'t Table,
    id: u32,
    frac: u16,
    e: Option<&Entry>,
    bytes: &[u8],
) -> Option<&'t Tag> {
    let start = t.tags.partition_point(|x| (x.id, x.frac) < (id, frac));
    t.tags[start..]
        .iter()
        .take_while(|x| x.id == id && x.frac == frac)
        .find(|tag| tag.cond.is_empty() || conv::condition(st, tag, e, bytes))
}

pub fn process_ifd(st: &mut State, t: &'static Table, dir: Dir, ifd: usize) {
    if st.depth > MAX_DEPTH
        || st.visited.contains(&(dir.data.as_ptr() as usize, ifd))
        || st.visited.len() > 64
    {
        return;
    }
    st.visited.push((dir.data.as_ptr() as usize, ifd));
    let Some(entries) = read_ifd(dir, ifd) else {
        st.meta
            .warn(format!("Bad maker note IFD ({})", short(t.name)));
        return;
    };
    for e in entries {
        if st.meta.budget.exceeded() {
            st.meta.warn("Time budget exceeded in maker notes");
            return;
        }
        store_count_members(st, t, &e);
        let Some(tag) = pick(st, t, e.tag as u32, 0, Some(&e), e.raw) else {
            continue;
        };
        if !tag.sub.is_empty() {
            st.depth += 1;
            subdirectory(st, tag, dir, &e);
            st.depth -= 1;
            continue;
        }
        let fmt = if tag.format.is_empty() {
            format_name(e.fmt)
        } else {
            tag.format
        };
        let count = if tag.format.is_empty() {
            e.count as usize
        } else {
            usize::MAX
        };
        let Some(v) = value::read(e.raw, fmt, count, dir.endian) else {
            continue;
        };
        let v = if tag.is_offset {
            to_tiff_offset(st, dir, v)
        } else {
            v
        };
        let v = if tag.raw.starts_with("CODE") {
            raw_code(tag, v, dir.endian)
        } else {
            v
        };
        emit(st, tag, v);
    }
}

fn short(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// Follows a SubDirectory entry: vendors handle their own odd cases first, then binary
/// tables get the value bytes and IFD tables the IFD the value points to.
fn subdirectory(st: &mut State, tag: &'static Tag, dir: Dir, e: &Entry) {
    let Some(t) = tables::lookup(tag.sub) else {
        return;
    };
    if t.name.contains("::Nikon::") && nikon::subdirectory(st, tag, t, dir, e) {
        return;
    }
    if t.name.contains("::Olympus::") && olympus::subdirectory(st, tag, t, dir, e) {
        return;
    }
    if t.name.contains("::Apple::") {
        apple::subdirectory(st, tag, e);
        return;
    }
    if t.name.contains("::Canon::CustomFunctions") {
        return;
    }
    let endian = match tag.sub_order {
        "BigEndian" | "Big-endian" => Endian::Big,
        "LittleEndian" | "Little-endian" => Endian::Little,
        _ => dir.endian,
    };
    // Start => '$valuePtr + N': the record starts N bytes into the value
    let skip = tag
        .sub_start
        .strip_prefix("$valuePtr + ")
        .and_then(|n| n.trim().parse::<usize>().ok());
    if let Some(n) = skip {
        if t.binary {
            process_binary(st, t, e.raw.get(n..).unwrap_or(&[]), endian);
        } else if let Some(p) = e.pos.checked_add(n) {
            process_ifd(st, t, Dir { endian, ..dir }, p);
        }
    } else if t.binary {
        process_binary(st, t, e.raw, endian);
    } else if e.fmt == 13 || e.fmt == 4 {
        if let Some(o) = u32_at(e.raw, 0, dir.endian) {
            if let Some(p) = dir.offset(o) {
                process_ifd(st, t, Dir { endian, ..dir }, p);
            }
        }
    } else {
        process_ifd(st, t, Dir { endian, ..dir }, e.pos);
    }
}

/// Size in bytes of one item of an ExifTool format name.
pub fn item_size(fmt: &str) -> usize {
    match fmt {
        "int16u" | "int16s" => 2,
        "int32u" | "int32s" | "float" | "ifd" => 4,
        "rational64u" | "rational64s" | "double" | "int64u" | "int64s" => 8,
        _ => 1,
    }
}

/// Splits "int16u[4]" into ("int16u", Some(4)); a count that is an expression gives None.
fn split_format(f: &str) -> (&str, Option<Option<usize>>) {
    match f.find('[') {
        Some(i) => {
            let n = f[i + 1..].trim_end_matches(']');
            (&f[..i], Some(n.parse().ok()))
        }
        None => (f, None),
    }
}

/// Evaluates a binary-table count expression such as `$val{0}` or `int(($val{2}+15)/16)`.
fn eval_count(expr: &str, vals: &HashMap<u32, Val>) -> Option<usize> {
    if let Ok(n) = expr.parse() {
        return Some(n);
    }
    let mut e = String::new();
    let mut rest = expr;
    while let Some(p) = rest.find("$val{") {
        e.push_str(&rest[..p]);
        let after = &rest[p + 5..];
        let end = after.find('}')?;
        let idx: u32 = after[..end].parse().ok()?;
        e.push_str(&vals.get(&idx)?.num(0)?.to_string());
        rest = &after[end + 1..];
    }
    e.push_str(rest);
    struct NoEnv;
    impl perl::Env for NoEnv {
        fn val(&self) -> perl::P {
            perl::P::Undef
        }
        fn member(&self, _: &str) -> perl::P {
            perl::P::Undef
        }
    }
    let n = perl::eval(&e, &NoEnv)?.num();
    (0.0..1e6).contains(&n).then_some(n as usize)
}

/// Walks a binary block against a binary table (ExifTool's ProcessBinaryData).
pub fn process_binary(st: &mut State, t: &'static Table, bytes: &[u8], endian: Endian) {
    let unit = item_size(if t.format.is_empty() {
        "int8u"
    } else {
        t.format
    });
    let mut last = (u32::MAX, 0);
    let mut var_size: usize = 0;
    let mut vals: HashMap<u32, Val> = HashMap::new();
    let mut serial_index = 0;
    for tag in t.tags {
        if (tag.id, tag.frac) == last {
            continue;
        }
        last = (tag.id, tag.frac);
        if t.serial && tag.id != serial_index {
            break;
        }
        serial_index += 1;
        let Some(tag) = pick(st, t, tag.id, tag.frac, None, bytes) else {
            if t.serial {
                break;
            }
            continue;
        };
        let fmt_full = if tag.format.is_empty() {
            if t.format.is_empty() {
                "int8u"
            } else {
                t.format
            }
        } else {
            tag.format
        };
        let off = if tag.id & 0x8000_0000 != 0 {
            // a negative index counts from the end of the record
            match bytes
                .len()
                .checked_sub(((tag.id & 0x7fff_ffff) as usize).saturating_mul(unit))
            {
                Some(o) => o,
                None => continue,
            }
        } else if t.serial {
            var_size
        } else {
            match (tag.id as usize)
                .checked_mul(unit)
                .and_then(|o| o.checked_add(var_size))
            {
                Some(o) => o,
                None => continue,
            }
        };
        let (mut fmt, count) = split_format(fmt_full);
        let is_var = fmt.starts_with("var_");
        if is_var {
            fmt = &fmt[4..];
        }
        let count = match count {
            None if fmt == "string" => bytes.len().saturating_sub(off),
            None => 1,
            Some(Some(n)) => n,
            Some(None) => {
                let expr = &fmt_full[fmt_full.find('[').unwrap_or(0) + 1..fmt_full.len() - 1];
                match eval_count(expr, &vals) {
                    Some(n) => n,
                    None => continue,
                }
            }
        };
        let Some(size) = item_size(fmt).checked_mul(count) else {
            continue;
        };
        if t.serial {
            var_size = var_size.saturating_add(size);
        } else if is_var {
            var_size = var_size.saturating_add(size).saturating_sub(unit);
        }
        let Some(raw) = sub(bytes, off, size) else {
            if t.serial {
                break;
            }
            continue;
        };
        if !tag.sub.is_empty() {
            if let Some(t2) = tables::lookup(tag.sub) {
                if t2.binary && st.depth < MAX_DEPTH {
                    st.depth += 1;
                    // a sized format bounds the sub-record, else it runs to the end
                    let rest = if tag.format.contains('[') {
                        raw
                    } else {
                        bytes.get(off..).unwrap_or(&[])
                    };
                    process_binary(st, t2, rest, endian);
                    st.depth -= 1;
                }
            }
            continue;
        }
        let Some(mut v) = value::read(raw, fmt, count, endian) else {
            continue;
        };
        if tag.mask != 0 {
            if let Val::Nums(n) = &mut v {
                let shift = tag.mask.trailing_zeros();
                for x in n.iter_mut() {
                    *x = (((*x as i64) & tag.mask as i64) >> shift) as f64;
                }
            }
        }
        vals.insert(tag.id, v.clone());
        emit(st, tag, v);
    }
}

/// Runs RawConv, ValueConv and PrintConv on a value and adds the tag.
pub fn emit(st: &mut State, tag: &'static Tag, v: Val) {
    if tag.unknown {
        return;
    }
    let v = if tag.raw.is_empty() {
        v
    } else {
        match conv::raw_conv(st, tag, v) {
            Some(v) => v,
            None => return,
        }
    };
    st.members.insert(tag.name, v.clone());
    if st.pending.len() < 4096 {
        st.pending.push((tag, v));
    }
}

/// An offset value relative to `dir`'s base, made relative to the start of the file.
fn to_tiff_offset(st: &State, dir: Dir, v: Val) -> Val {
    let p = dir.data.as_ptr() as usize;
    let (lo, hi) = st.tiff_range;
    if p < lo || p > hi {
        return v;
    }
    let shift = (p - lo) as i64 + dir.base + st.file_base as i64;
    match v {
        Val::Nums(n) if n.len() == 1 => Val::one(n[0] + shift as f64),
        other => other,
    }
}

/// RawConv subroutines (Perl code refs) that depend on the directory's byte order.
fn raw_code(tag: &Tag, v: Val, e: Endian) -> Val {
    match (tag.name, &v) {
        ("PowerUpTime", Val::Bytes(b)) if b.len() >= 7 => {
            let y = match e {
                Endian::Big => u16::from_be_bytes([b[0], b[1]]),
                Endian::Little => u16::from_le_bytes([b[0], b[1]]),
            };
            Val::Str(format!(
                "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
                y, b[2], b[3], b[4], b[5], b[6]
            ))
        }
        _ => v,
    }
}

/// The numeric ValueConv value to keep for a tag whose printed value is not that number,
/// for the Composite tags (ExifTool computes them from ValueConv values, e.g. Composite:ISO
/// from Canon's AutoISO 541.70, printed 542). A value printed as itself needs no copy.
fn raw_number(v: &Val, out: &serde_json::Value) -> Option<serde_json::Number> {
    match v {
        Val::Nums(n) if n.len() == 1 && out.as_f64() != Some(n[0]) => {
            serde_json::Number::from_f64(n[0])
        }
        _ => None,
    }
}

/// What [`put`] did with a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Put {
    Added,
    /// It replaced a weak (`Priority => 0`) value of the same name.
    Replaced,
    /// A value of that name was there already: this one was dropped.
    Kept,
}

/// Adds `value` as `name` to the maker-note group `g` (one lookup of the name): the first
/// value wins, except over a weak value of that name listed in `weak`, which it replaces
/// (that name is then no longer weak).
fn put(
    g: &mut crate::model::Group,
    weak: &mut Vec<String>,
    name: &str,
    value: serde_json::Value,
) -> Put {
    use indexmap::map::{raw_entry_v1::RawEntryMut, RawEntryApiV1};
    let was_weak = weak.iter().any(|w| w == name);
    if was_weak {
        weak.retain(|w| w != name);
    }
    match g.raw_entry_mut_v1().from_key(name) {
        RawEntryMut::Vacant(e) => {
            e.insert(name.to_string(), value);
            Put::Added
        }
        RawEntryMut::Occupied(mut e) if was_weak => {
            e.insert(value);
            Put::Replaced
        }
        RawEntryMut::Occupied(_) => Put::Kept,
    }
}

/// Converts and adds the values read (as [`State::add`] does, with the group looked up
/// once per walk).
fn flush(st: &mut State) {
    let pending = std::mem::take(&mut st.pending);
    // the group's index once it is made (conversions only read the metadata, so no group
    // moves meanwhile)
    let mut gi: Option<usize> = None;
    for (tag, v) in pending {
        let Some(v) = conv::value_conv(st, tag, v) else {
            continue;
        };
        let Some(out) = conv::print_conv(st, tag, &v) else {
            continue;
        };
        let num = raw_number(&v, &out);
        let i = match gi {
            Some(i) => i,
            None => {
                st.meta.group_mut(GROUP);
                let Some(i) = st.meta.groups.get_index_of(GROUP) else {
                    continue;
                };
                gi = Some(i);
                i
            }
        };
        let put = put(&mut st.meta.groups[i], &mut st.weak, tag.name, out);
        if put != Put::Kept {
            match num {
                Some(x) => {
                    st.meta.raw.insert(
                        crate::model::raw_key(GROUP, tag.name),
                        serde_json::Value::Number(x),
                    );
                }
                // a replaced weak value must not leave its number behind
                None if put == Put::Replaced => {
                    crate::model::with_raw_key(GROUP, tag.name, |k| st.meta.raw.swap_remove(k));
                }
                None => {}
            }
        }
        if tag.weak && put == Put::Added {
            st.weak.push(tag.name.to_string());
        }
    }
}
