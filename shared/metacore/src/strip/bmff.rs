//! ISO BMFF (MP4, MOV, M4A, 3GP, HEIC, HEIF, AVIF).
//!
//! - `moov` is rewritten: `udta` (user data: ©xyz GPS, ©day, XMP_, meta/ilst...), `meta`
//!   (Apple keys/ilst, e.g. the location key), `uuid` boxes (XMP and vendor data) are
//!   removed from the movie and its tracks, and timed-metadata tracks (handler `meta`:
//!   GoPro GPMF, Apple `mebx` location, Google `camm`) are removed with their samples blanked.
//!   With `keep.copyright`, `udta/cprt` and `udta/©cpy` survive.
//! - A HEIF `meta` is rewritten: Exif and XMP items leave `iinf`, `iloc`, `iref` and `ipma`,
//!   their bytes (in `mdat` or `idat`) are zeroed in place, and an ICC `colr` property
//!   becomes a `free` box of the same size unless `keep.icc` (property indices stay valid).
//! - Top-level `udta`, non-image `meta` and `uuid` boxes are removed.
//! - When a rewritten box precedes the media data, every absolute offset (`stco`, `co64`,
//!   `iloc`) is shifted by what was removed before it. Fragmented files (`moof`/`mfra`)
//!   have absolute offsets elsewhere, so there removed boxes become `free` boxes of the same
//!   size instead (nothing moves).
//! - `mdat` and every other box is copied as a range.

use indexmap::IndexMap;
use std::collections::{HashMap, HashSet};

use super::{exif, malformed, xmp, Keep, Out, StripError};
use crate::bytes::{be16, be32, be64, sub};
use crate::formats::bmff::{BoxHeader, Boxes, MAX_DEPTH};

const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];
const MAX_ITEMS: usize = 100_000;
const MAX_SAMPLES: u64 = 50_000_000;
const MAX_READ: usize = 16 << 20;

struct Ctx<'a> {
    data: &'a [u8],
    keep: Keep,
    /// Removed boxes become `free` boxes of the same size (nothing moves).
    neutral: bool,
    removed: IndexMap<String, u64>,
    kept: Vec<&'static str>,
    /// (original end, bytes removed up to and including this box) of each changed
    /// top-level box, in file order.
    shifts: Vec<(u64, u64)>,
    drop_items: HashSet<u32>,
    /// Absolute ranges of the input to be written as zeros.
    blanks: Vec<(usize, usize)>,
    /// New bytes written over the start of a blanked range (a reduced Exif item).
    patches: Vec<(usize, Vec<u8>)>,
    /// Items whose single extent gets a new length.
    resized: HashMap<u32, u64>,
    /// Receipt entries and kept names decided before the passes.
    fixed_counts: Vec<(&'static str, u64)>,
    fixed_kept: Vec<&'static str>,
}

impl Ctx<'_> {
    fn count(&mut self, group: &str, n: u64) {
        if n > 0 {
            *self.removed.entry(group.to_string()).or_insert(0) += n;
        }
    }

    /// New position of original absolute offset `x`.
    fn map(&self, x: u64) -> Result<u64, StripError> {
        let i = self.shifts.partition_point(|(end, _)| *end <= x);
        let d = if i == 0 { 0 } else { self.shifts[i - 1].1 };
        x.checked_sub(d)
            .ok_or_else(|| malformed("offset points into removed data"))
    }

    /// Appends `data[start..end]` to `buf` with the blanked ranges zeroed.
    fn copy_blanked(&self, buf: &mut Vec<u8>, start: usize, end: usize) {
        let from = buf.len();
        let Some(src) = self.data.get(start..end) else {
            return;
        };
        buf.extend_from_slice(src);
        for (s, e) in blanks_in(&self.blanks, start, end) {
            buf[from + s - start..from + e - start].fill(0);
            overlay(
                &self.patches,
                s,
                e,
                &mut buf[from + s - start..from + e - start],
            );
        }
    }

    /// What a removed box leaves behind: nothing, or a `free` box of the same size.
    fn removed_box(&self, h: &BoxHeader) -> Vec<u8> {
        if !self.neutral {
            return Vec::new();
        }
        let size = h.end - h.start;
        let mut v = vec![0u8; size];
        if h.header_len == 16 || size > u32::MAX as usize {
            if size >= 16 {
                v[..4].copy_from_slice(&1u32.to_be_bytes());
                v[4..8].copy_from_slice(b"free");
                v[8..16].copy_from_slice(&(size as u64).to_be_bytes());
            }
        } else if size >= 8 {
            v[..4].copy_from_slice(&(size as u32).to_be_bytes());
            v[4..8].copy_from_slice(b"free");
        }
        v
    }
}

fn put_box(buf: &mut Vec<u8>, kind: &[u8; 4], large: bool, body: &[u8]) {
    let total = body.len() as u64 + if large { 16 } else { 8 };
    if large || total > u32::MAX as u64 {
        buf.extend_from_slice(&1u32.to_be_bytes());
        buf.extend_from_slice(kind);
        buf.extend_from_slice(&(body.len() as u64 + 16).to_be_bytes());
    } else {
        buf.extend_from_slice(&(total as u32).to_be_bytes());
        buf.extend_from_slice(kind);
    }
    buf.extend_from_slice(body);
}

fn uuid_of(data: &[u8], h: &BoxHeader) -> Option<[u8; 16]> {
    sub(data, h.start + h.header_len, 16)?.try_into().ok()
}

/// The handler type of a `meta` or `trak` box (looked up in `hdlr` / `mdia/hdlr`).
fn handler(data: &[u8], h: &BoxHeader, full: bool) -> Option<[u8; 4]> {
    let start = h.start + h.header_len + if full { 4 } else { 0 };
    for c in Boxes::range(data, start, h.end) {
        if &c.kind == b"hdlr" {
            return sub(data, c.start + c.header_len + 8, 4)?.try_into().ok();
        }
        if &c.kind == b"mdia" {
            return handler(data, &c, false);
        }
    }
    None
}

/// Counts the items of a QuickTime `meta` (ilst entries).
fn count_meta(data: &[u8], h: &BoxHeader) -> u64 {
    let p = h.start + h.header_len;
    // QuickTime meta is not a FullBox, ISO meta is: find `hdlr` to decide.
    let start = if data.get(p + 4..p + 8) == Some(b"hdlr") {
        p
    } else {
        p + 4
    };
    for c in Boxes::range(data, start, h.end) {
        if &c.kind == b"ilst" {
            return Boxes::range(data, c.start + c.header_len, c.end).count() as u64;
        }
    }
    1
}

pub fn strip(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    let mut top = Vec::new();
    let mut it = Boxes::new(data);
    for h in it.by_ref() {
        top.push(h);
        if top.len() > 100_000 {
            return Err(malformed("too many top-level boxes"));
        }
    }
    if top.is_empty() {
        return Err(malformed("no boxes"));
    }
    if it.truncated {
        // A clipped last box is only acceptable for media data.
        let last = top.last().map(|h| h.kind);
        if last != Some(*b"mdat") {
            return Err(malformed("truncated box structure"));
        }
    }
    let neutral = top
        .iter()
        .any(|h| matches!(&h.kind, b"moof" | b"mfra" | b"sidx" | b"ssix"));
    let mut ctx = Ctx {
        data,
        keep: out.keep,
        neutral,
        removed: IndexMap::new(),
        kept: Vec::new(),
        shifts: Vec::new(),
        drop_items: HashSet::new(),
        blanks: Vec::new(),
        patches: Vec::new(),
        resized: HashMap::new(),
        fixed_counts: Vec::new(),
        fixed_kept: Vec::new(),
    };
    // HEIF: find the Exif/XMP items and their bytes first.
    for h in &top {
        if &h.kind == b"meta" && handler(data, h, true) == Some(*b"pict") {
            heif_prepass(&mut ctx, h)?;
        }
    }
    for h in &top {
        if &h.kind == b"moov" {
            collect_meta_tracks(&mut ctx, h)?;
        }
    }
    normalize_blanks(&mut ctx.blanks);
    ctx.patches.sort_by_key(|p| p.0);
    // Pass 1 (sizes), pass 2 (with the offset shifts known).
    let mut plan = Vec::new();
    for pass in 0..2 {
        ctx.removed.clear();
        ctx.kept = ctx.fixed_kept.clone();
        for (g, n) in ctx.fixed_counts.clone() {
            ctx.count(g, n);
        }
        plan.clear();
        let mut shifts = Vec::new();
        for h in &top {
            let p = top_level(&mut ctx, h)?;
            let old = (h.end - h.start) as u64;
            let new = match &p {
                TopPart::Copy => old,
                TopPart::Bytes(b) => b.len() as u64,
            };
            if new != old {
                let before = shifts.last().map(|s: &(u64, u64)| s.1).unwrap_or(0);
                shifts.push((h.end as u64, before + old.saturating_sub(new)));
            }
            plan.push(p);
        }
        if pass == 0 {
            ctx.shifts = shifts;
        }
    }
    for (h, p) in top.iter().zip(plan) {
        match p {
            TopPart::Copy => copy_with_blanks(out, &ctx.blanks, &ctx.patches, h.start, h.end),
            TopPart::Bytes(b) => out.data(&b),
        }
    }
    for (g, n) in ctx.removed {
        out.removed(&g, n);
    }
    for k in ctx.kept {
        out.kept(k);
    }
    Ok(())
}

fn copy_with_blanks(
    out: &mut Out,
    blanks: &[(usize, usize)],
    patches: &[(usize, Vec<u8>)],
    start: usize,
    end: usize,
) {
    let mut pos = start;
    for (s, e) in blanks_in(blanks, start, end) {
        out.copy_range(pos, s);
        let mut z = vec![0u8; e - s];
        overlay(patches, s, e, &mut z);
        out.data(&z);
        pos = e;
    }
    out.copy_range(pos, end);
}

/// Sorts and merges blank ranges, so that both their starts and ends are increasing.
fn normalize_blanks(blanks: &mut Vec<(usize, usize)>) {
    blanks.retain(|(s, e)| s < e);
    blanks.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(blanks.len());
    for &(s, e) in blanks.iter() {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    *blanks = merged;
}

/// The parts of the (normalized) blank ranges inside `start..end`, in order.
fn blanks_in(blanks: &[(usize, usize)], start: usize, end: usize) -> Vec<(usize, usize)> {
    let first = blanks.partition_point(|b| b.1 <= start);
    blanks[first..]
        .iter()
        .take_while(|b| b.0 < end)
        .map(|&(s, e)| (s.max(start), e.min(end)))
        .filter(|(s, e)| s < e)
        .collect()
}

/// Writes the patch bytes falling in `s..e` into `buf` (which holds `s..e`). Patches are
/// sorted by offset and each lies inside a blank range.
fn overlay(patches: &[(usize, Vec<u8>)], s: usize, e: usize, buf: &mut [u8]) {
    let max = patches.iter().map(|p| p.1.len()).max().unwrap_or(0);
    let first = patches.partition_point(|p| p.0 + max < s);
    for (at, bytes) in patches[first..].iter().take_while(|p| p.0 < e) {
        for (k, b) in bytes.iter().enumerate() {
            if (s..e).contains(&(at + k)) {
                buf[at + k - s] = *b;
            }
        }
    }
}

fn count_uuid(ctx: &mut Ctx, h: &BoxHeader) {
    if uuid_of(ctx.data, h) == Some(XMP_UUID) {
        let x = ctx
            .data
            .get(h.start + h.header_len + 16..h.end)
            .unwrap_or(&[]);
        let n = xmp::count_props(x);
        ctx.count("xmp", n);
    } else {
        ctx.count("quicktime", 1);
    }
}

enum TopPart {
    Copy,
    Bytes(Vec<u8>),
}

fn top_level(ctx: &mut Ctx, h: &BoxHeader) -> Result<TopPart, StripError> {
    let data = ctx.data;
    Ok(match &h.kind {
        b"moov" => TopPart::Bytes(container(ctx, h, false, 0)?),
        b"meta" if handler(data, h, true) == Some(*b"pict") => TopPart::Bytes(heif_meta(ctx, h)?),
        b"meta" => {
            let n = count_meta(data, h);
            ctx.count("quicktime", n);
            TopPart::Bytes(ctx.removed_box(h))
        }
        b"udta" => {
            let b = udta(ctx, h)?;
            TopPart::Bytes(b)
        }
        b"uuid" => {
            count_uuid(ctx, h);
            TopPart::Bytes(ctx.removed_box(h))
        }
        _ => TopPart::Copy,
    })
}

/// Rewrites a container box of the movie (moov, trak, mdia, minf, stbl, edts, mvex).
fn container(
    ctx: &mut Ctx,
    h: &BoxHeader,
    full: bool,
    depth: usize,
) -> Result<Vec<u8>, StripError> {
    if depth > MAX_DEPTH {
        return Err(malformed("boxes nested too deeply"));
    }
    let data = ctx.data;
    let body_start = h.start + h.header_len + if full { 4 } else { 0 };
    let mut body = Vec::new();
    if full {
        body.extend_from_slice(sub(data, h.start + h.header_len, 4).unwrap_or(&[0; 4]));
    }
    let mut it = Boxes::range(data, body_start, h.end);
    let mut pos = body_start;
    for c in it.by_ref() {
        pos = c.end;
        match &c.kind {
            b"udta" => body.extend(udta(ctx, &c)?),
            b"meta" => {
                let n = count_meta(data, &c);
                ctx.count("quicktime", n);
                body.extend(ctx.removed_box(&c));
            }
            b"uuid" => {
                count_uuid(ctx, &c);
                body.extend(ctx.removed_box(&c));
            }
            b"trak" if handler(data, &c, false) == Some(*b"meta") => {
                ctx.count("quicktime", 1);
                body.extend(ctx.removed_box(&c));
            }
            b"trak" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"mvex" => {
                body.extend(container(ctx, &c, false, depth + 1)?)
            }
            b"stco" | b"co64" => body.extend(chunk_offsets(ctx, &c)?),
            b"mvhd" | b"tkhd" | b"mdhd" => body.extend(zero_dates(ctx, &c)),
            _ => body.extend_from_slice(&data[c.start..c.end]),
        }
    }
    if it.truncated {
        return Err(malformed(format!("damaged {} box", h.kind_str())));
    }
    // Trailing bytes too short for a box (old QuickTime ends lists with 4 zero bytes).
    body.extend_from_slice(data.get(pos..h.end).unwrap_or(&[]));
    let mut v = Vec::with_capacity(body.len() + 16);
    put_box(&mut v, &h.kind, h.header_len == 16, &body);
    Ok(v)
}

/// A movie, track or media header with its creation and modification times set to 0
/// (they tell when the recording was made).
fn zero_dates(ctx: &mut Ctx, h: &BoxHeader) -> Vec<u8> {
    let data = ctx.data;
    let mut v = data[h.start..h.end].to_vec();
    let p = h.header_len;
    let width = match v.get(p) {
        Some(1) => 8,
        Some(0) => 4,
        _ => return v,
    };
    let Some(dates) = v.get_mut(p + 4..p + 4 + 2 * width) else {
        return v;
    };
    let set = dates
        .chunks(width)
        .filter(|d| d.iter().any(|&b| b != 0))
        .count() as u64;
    dates.fill(0);
    ctx.count("quicktime", set);
    v
}

/// `udta`: removed, or (keep.copyright) reduced to its copyright entries.
fn udta(ctx: &mut Ctx, h: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let mut kept = Vec::new();
    for c in Boxes::range(data, h.start + h.header_len, h.end) {
        match &c.kind {
            b"cprt" | b"\xa9cpy" if ctx.keep.copyright => {
                kept.extend_from_slice(&data[c.start..c.end]);
                if !ctx.kept.contains(&"copyright") {
                    ctx.kept.push("copyright");
                }
            }
            b"meta" if ctx.keep.copyright => {
                let (m, removed) = meta_copyright_only(ctx, &c);
                ctx.count("quicktime", removed);
                if let Some(m) = m {
                    kept.extend(m);
                    if !ctx.kept.contains(&"copyright") {
                        ctx.kept.push("copyright");
                    }
                }
            }
            b"meta" => {
                let n = count_meta(data, &c);
                ctx.count("quicktime", n);
            }
            b"XMP_" => {
                let x = c.payload(data);
                ctx.count("xmp", xmp::count_props(x));
            }
            b"\xa9xyz" => ctx.count("gps", 1),
            _ => ctx.count("quicktime", 1),
        }
    }
    if kept.is_empty() || ctx.neutral {
        return Ok(ctx.removed_box(h));
    }
    let mut v = Vec::new();
    put_box(&mut v, b"udta", h.header_len == 16, &kept);
    Ok(v)
}

/// An iTunes-style `udta/meta` reduced to its handler and the copyright (`cprt`, `©cpy`)
/// and artist (`©ART`) items of `ilst`; None when none of them is present. Also returns how
/// many items were removed.
fn meta_copyright_only(ctx: &Ctx, h: &BoxHeader) -> (Option<Vec<u8>>, u64) {
    let data = ctx.data;
    let p = h.start + h.header_len;
    let full = data.get(p + 4..p + 8) != Some(b"hdlr");
    let start = if full { p + 4 } else { p };
    let mut body = if full {
        data.get(p..p + 4).unwrap_or(&[0; 4]).to_vec()
    } else {
        Vec::new()
    };
    let mut items = Vec::new();
    let mut removed = 0u64;
    for c in Boxes::range(data, start, h.end) {
        match &c.kind {
            b"hdlr" => body.extend_from_slice(&data[c.start..c.end]),
            b"ilst" => {
                for it in Boxes::range(data, c.start + c.header_len, c.end) {
                    if matches!(&it.kind, b"cprt" | b"\xa9cpy" | b"\xa9ART") {
                        items.extend_from_slice(&data[it.start..it.end]);
                    } else {
                        removed += 1;
                    }
                }
            }
            _ => removed += 1,
        }
    }
    if items.is_empty() {
        return (None, removed.max(1));
    }
    put_box(&mut body, b"ilst", false, &items);
    let mut v = Vec::new();
    put_box(&mut v, b"meta", h.header_len == 16, &body);
    (Some(v), removed)
}

fn chunk_offsets(ctx: &mut Ctx, h: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let p = h.start + h.header_len;
    let wide = &h.kind == b"co64";
    let n = be32(data, p + 4).ok_or_else(|| malformed("short chunk offset box"))? as usize;
    let esz = if wide { 8 } else { 4 };
    let need = n
        .checked_mul(esz)
        .and_then(|x| x.checked_add(8))
        .ok_or_else(|| malformed("chunk offset count"))?;
    if p + need > h.end {
        return Err(malformed("chunk offset table runs past its box"));
    }
    let mut body = data[p..p + 8].to_vec();
    body.reserve(n * esz);
    let no_shift = ctx.shifts.is_empty();
    for i in 0..n {
        let at = p + 8 + i * esz;
        if wide {
            let o = be64(data, at).unwrap_or(0);
            let m = if no_shift { o } else { ctx.map(o)? };
            body.extend_from_slice(&m.to_be_bytes());
        } else {
            let o = be32(data, at).unwrap_or(0) as u64;
            let m = if no_shift { o } else { ctx.map(o)? };
            body.extend_from_slice(&(m as u32).to_be_bytes());
        }
    }
    body.extend_from_slice(&data[p + need..h.end]);
    let mut v = Vec::new();
    put_box(&mut v, &h.kind, h.header_len == 16, &body);
    Ok(v)
}

/// Finds timed-metadata tracks in `moov` and blanks their samples.
fn collect_meta_tracks(ctx: &mut Ctx, moov: &BoxHeader) -> Result<(), StripError> {
    let data = ctx.data;
    for t in Boxes::range(data, moov.start + moov.header_len, moov.end) {
        if &t.kind != b"trak" || handler(data, &t, false) != Some(*b"meta") {
            continue;
        }
        let Some(stbl) = find_path(data, &t, &[b"mdia", b"minf", b"stbl"]) else {
            continue;
        };
        let ranges = sample_chunks(data, &stbl)
            .ok_or_else(|| malformed("cannot locate the samples of a metadata track"))?;
        ctx.blanks.extend(ranges);
    }
    Ok(())
}

fn find_path(data: &[u8], h: &BoxHeader, path: &[&[u8; 4]]) -> Option<BoxHeader> {
    let mut cur = *h;
    for k in path {
        cur = Boxes::range(data, cur.start + cur.header_len, cur.end).find(|c| &c.kind == *k)?;
    }
    Some(cur)
}

/// The byte ranges of a track's chunks, from stsc/stsz/stco.
fn sample_chunks(data: &[u8], stbl: &BoxHeader) -> Option<Vec<(usize, usize)>> {
    let mut stsc = None;
    let mut stsz = None;
    let mut offsets = Vec::new();
    for c in Boxes::range(data, stbl.start + stbl.header_len, stbl.end) {
        let p = c.start + c.header_len;
        match &c.kind {
            b"stsc" => stsc = Some(c),
            b"stsz" => stsz = Some(c),
            b"stco" | b"co64" => {
                let n = be32(data, p + 4)? as usize;
                if n > MAX_ITEMS * 100 {
                    return None;
                }
                for i in 0..n {
                    offsets.push(if &c.kind == b"co64" {
                        be64(data, p + 8 + i * 8)?
                    } else {
                        be32(data, p + 8 + i * 4)? as u64
                    });
                }
            }
            _ => {}
        }
    }
    if offsets.is_empty() {
        return Some(Vec::new()); // a track without samples
    }
    let (stsc, stsz) = (stsc?, stsz?);
    let sp = stsc.start + stsc.header_len;
    let sc_n = be32(data, sp + 4)? as usize;
    let mut runs = Vec::new();
    for i in 0..sc_n.min(offsets.len() + 1) {
        let first = be32(data, sp + 8 + i * 12)? as usize;
        let per = be32(data, sp + 12 + i * 12)? as u64;
        runs.push((first, per));
    }
    let zp = stsz.start + stsz.header_len;
    let fixed = be32(data, zp + 4)? as u64;
    let count = be32(data, zp + 8)? as u64;
    if count > MAX_SAMPLES {
        return None;
    }
    let mut sample = 0u64;
    let mut ranges = Vec::new();
    for (ci, &off) in offsets.iter().enumerate() {
        let chunk_no = ci + 1;
        let per = runs
            .iter()
            .rev()
            .find(|(f, _)| *f <= chunk_no)
            .map(|r| r.1)
            .unwrap_or(0);
        let mut len = 0u64;
        for _ in 0..per {
            if sample >= count {
                break;
            }
            len += if fixed != 0 {
                fixed
            } else {
                be32(data, zp + 12 + sample as usize * 4)? as u64
            };
            sample += 1;
        }
        let s = usize::try_from(off).ok()?;
        let e = s.checked_add(usize::try_from(len).ok()?)?;
        if e > data.len() {
            return None;
        }
        ranges.push((s, e));
    }
    Some(ranges)
}

// ---------------------------------------------------------------- HEIF

struct Infe {
    id: u32,
    item_type: [u8; 4],
    content_type: Vec<u8>,
}

fn read_infe(data: &[u8], h: &BoxHeader) -> Option<Infe> {
    let p = h.start + h.header_len;
    let version = *data.get(p)?;
    let mut q = p + 4;
    let id = if version >= 3 {
        q += 4;
        be32(data, q - 4)?
    } else {
        q += 2;
        be16(data, q - 2)? as u32
    };
    q += 2; // protection index
    let item_type: [u8; 4] = if version >= 2 {
        q += 4;
        sub(data, q - 4, 4)?.try_into().ok()?
    } else {
        *b"\0\0\0\0"
    };
    let end = h.end;
    let cstr = |at: usize| -> Option<(Vec<u8>, usize)> {
        let r = data.get(at..end)?;
        let z = r.iter().position(|&b| b == 0).unwrap_or(r.len());
        Some((r[..z].to_vec(), at + z + 1))
    };
    let (_, q) = cstr(q)?; // name
    let content_type = if version < 2 || &item_type == b"mime" {
        cstr(q).map(|c| c.0).unwrap_or_default()
    } else {
        Vec::new()
    };
    Some(Infe {
        id,
        item_type,
        content_type,
    })
}

#[derive(Clone)]
struct IlocItem {
    id: u32,
    method: u16,
    dref: u16,
    base: u64,
    extents: Vec<(u64, u64, u64)>,
}

struct Iloc {
    version: u8,
    flags: [u8; 3],
    off_size: usize,
    len_size: usize,
    base_size: usize,
    idx_size: usize,
    items: Vec<IlocItem>,
}

fn read_n(data: &[u8], at: &mut usize, n: usize) -> Option<u64> {
    let v = match n {
        0 => 0,
        4 => be32(data, *at)? as u64,
        8 => be64(data, *at)?,
        _ => return None,
    };
    *at += n;
    Some(v)
}

fn write_n(buf: &mut Vec<u8>, n: usize, v: u64) -> Result<(), StripError> {
    match n {
        0 if v == 0 => {}
        4 => buf.extend_from_slice(
            &u32::try_from(v)
                .map_err(|_| malformed("iloc offset overflow"))?
                .to_be_bytes(),
        ),
        8 => buf.extend_from_slice(&v.to_be_bytes()),
        _ => return Err(malformed("iloc field cannot hold the offset")),
    }
    Ok(())
}

fn read_iloc(data: &[u8], h: &BoxHeader) -> Option<Iloc> {
    let p = h.start + h.header_len;
    let version = *data.get(p)?;
    let flags: [u8; 3] = sub(data, p + 1, 3)?.try_into().ok()?;
    let b1 = *data.get(p + 4)?;
    let b2 = *data.get(p + 5)?;
    let (off_size, len_size, base_size) =
        ((b1 >> 4) as usize, (b1 & 15) as usize, (b2 >> 4) as usize);
    let idx_size = if version >= 1 { (b2 & 15) as usize } else { 0 };
    let mut q = p + 6;
    let count = if version < 2 {
        q += 2;
        be16(data, q - 2)? as usize
    } else {
        q += 4;
        be32(data, q - 4)? as usize
    };
    if count > MAX_ITEMS {
        return None;
    }
    let mut items = Vec::new();
    for _ in 0..count {
        let id = if version < 2 {
            q += 2;
            be16(data, q - 2)? as u32
        } else {
            q += 4;
            be32(data, q - 4)?
        };
        let method = if version >= 1 {
            q += 2;
            be16(data, q - 2)?
        } else {
            0
        };
        let dref = be16(data, q)?;
        q += 2;
        let base = read_n(data, &mut q, base_size)?;
        let n = be16(data, q)? as usize;
        q += 2;
        let mut extents = Vec::new();
        for _ in 0..n {
            let idx = if version >= 1 && idx_size > 0 {
                read_n(data, &mut q, idx_size)?
            } else {
                0
            };
            let off = read_n(data, &mut q, off_size)?;
            let len = read_n(data, &mut q, len_size)?;
            extents.push((idx, off, len));
        }
        if q > h.end {
            return None;
        }
        items.push(IlocItem {
            id,
            method,
            dref,
            base,
            extents,
        });
    }
    Some(Iloc {
        version,
        flags,
        off_size,
        len_size,
        base_size,
        idx_size,
        items,
    })
}

fn heif_children(data: &[u8], meta: &BoxHeader) -> Vec<BoxHeader> {
    Boxes::range(data, meta.start + meta.header_len + 4, meta.end).collect()
}

/// Absolute byte ranges of an item (construction methods 0 and 1).
fn item_ranges(data: &[u8], meta: &BoxHeader, it: &IlocItem) -> Vec<(usize, usize)> {
    let method = it.method & 15;
    let base = match method {
        0 => 0u64,
        1 => match heif_children(data, meta)
            .iter()
            .find(|c| &c.kind == b"idat")
        {
            Some(idat) => (idat.start + idat.header_len) as u64,
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    it.extents
        .iter()
        .filter_map(|&(_, off, len)| {
            let s = base.checked_add(it.base)?.checked_add(off)?;
            let len = if len == 0 {
                (data.len() as u64).checked_sub(s)?
            } else {
                len
            };
            let e = s.checked_add(len)?;
            let (s, e) = (usize::try_from(s).ok()?, usize::try_from(e).ok()?);
            (e <= data.len()).then_some((s, e))
        })
        .collect()
}

fn heif_prepass(ctx: &mut Ctx, meta: &BoxHeader) -> Result<(), StripError> {
    let data = ctx.data;
    let children = heif_children(data, meta);
    let mut drop: Vec<(u32, bool)> = Vec::new();
    for c in &children {
        if &c.kind != b"iinf" {
            continue;
        }
        let p = c.start + c.header_len;
        let skip = if data.get(p) == Some(&0) { 6 } else { 8 };
        for e in Boxes::range(data, p + skip, c.end) {
            if &e.kind != b"infe" {
                continue;
            }
            let Some(i) = read_infe(data, &e) else {
                return Err(malformed("damaged item info entry"));
            };
            let ct = String::from_utf8_lossy(&i.content_type).to_ascii_lowercase();
            let is_xmp = &i.item_type == b"mime" && (ct.contains("rdf+xml") || ct.contains("xmp"));
            if &i.item_type == b"Exif" || is_xmp {
                drop.push((i.id, &i.item_type == b"Exif"));
            }
        }
    }
    if drop.is_empty() {
        return Ok(());
    }
    let iloc = children
        .iter()
        .find(|c| &c.kind == b"iloc")
        .and_then(|c| read_iloc(data, c))
        .ok_or_else(|| malformed("missing or damaged iloc box"))?;
    let by_id: HashMap<u32, &IlocItem> = iloc.items.iter().map(|i| (i.id, i)).collect();
    for (id, is_exif) in drop {
        let Some(it) = by_id.get(&id).copied() else {
            ctx.drop_items.insert(id);
            continue;
        };
        let ranges = item_ranges(data, meta, it);
        if is_exif
            && (ctx.keep.orientation || ctx.keep.copyright)
            && reduce_exif(ctx, &iloc, it, &ranges)
        {
            continue;
        }
        ctx.drop_items.insert(id);
        ctx.blanks.extend(ranges);
    }
    Ok(())
}

/// With keep=orientation/copyright, rewrites an Exif item in place as a minimal EXIF block
/// (4-byte header offset + TIFF) holding only the kept tags; the rest of the extent is
/// zeroed and the extent shortened. False when there is nothing to keep or it cannot be
/// done in place (the item is then dropped).
fn reduce_exif(ctx: &mut Ctx, iloc: &Iloc, it: &IlocItem, ranges: &[(usize, usize)]) -> bool {
    let data = ctx.data;
    let [(s, e)] = ranges else {
        return false;
    };
    if iloc.len_size == 0 || it.extents.len() != 1 {
        return false;
    }
    let bytes = &data[*s..*e];
    let off = be32(bytes, 0).unwrap_or(0) as usize;
    let Some(tiff) = bytes.get(4usize.saturating_add(off)..) else {
        return false;
    };
    let summary = exif::summarize(tiff);
    let (m, kept) = exif::Minimal::pick(ctx.keep, &summary, None);
    let Some(t) = m.build() else {
        return false;
    };
    let mut item = vec![0, 0, 0, 0];
    item.extend(t);
    if item.len() > e - s {
        return false;
    }
    let kept_n = m.len();
    let mut fixed = vec![
        ("exif", summary.exif.saturating_sub(kept_n)),
        ("gps", summary.gps),
    ];
    if summary.makernotes {
        fixed.push(("makernotes", 1));
    }
    ctx.fixed_counts.extend(fixed);
    ctx.fixed_kept.extend(kept);
    ctx.resized.insert(it.id, item.len() as u64);
    ctx.blanks.push((*s, *e));
    ctx.patches.push((*s, item));
    true
}

/// Receipt counts for the dropped items (called in the counting pass).
fn count_items(ctx: &mut Ctx, meta: &BoxHeader, iloc: &Iloc, infes: &[Infe]) {
    let data = ctx.data;
    let by_id: HashMap<u32, &IlocItem> = iloc.items.iter().map(|i| (i.id, i)).collect();
    for inf in infes {
        if !ctx.drop_items.contains(&inf.id) {
            continue;
        }
        let Some(it) = by_id.get(&inf.id).copied() else {
            ctx.count(
                if &inf.item_type == b"Exif" {
                    "exif"
                } else {
                    "xmp"
                },
                1,
            );
            continue;
        };
        let mut bytes = Vec::new();
        for (s, e) in item_ranges(data, meta, it) {
            if bytes.len() + (e - s) > MAX_READ {
                break;
            }
            bytes.extend_from_slice(&data[s..e]);
        }
        if &inf.item_type == b"Exif" {
            let off = be32(&bytes, 0).unwrap_or(0) as usize;
            let t = bytes.get(4 + off..).unwrap_or(&[]);
            let s = exif::summarize(t);
            ctx.count("exif", s.exif);
            ctx.count("gps", s.gps);
            if s.makernotes {
                ctx.count("makernotes", 1);
            }
        } else {
            ctx.count("xmp", xmp::count_props(&bytes));
        }
    }
}

fn heif_meta(ctx: &mut Ctx, meta: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let children = heif_children(data, meta);
    let mut body = sub(data, meta.start + meta.header_len, 4)
        .unwrap_or(&[0; 4])
        .to_vec();
    let mut infes = Vec::new();
    let iloc = children
        .iter()
        .find(|c| &c.kind == b"iloc")
        .and_then(|c| read_iloc(data, c));
    let mut last = meta.start + meta.header_len + 4;
    for c in &children {
        last = c.end;
        match &c.kind {
            b"iinf" => body.extend(iinf(ctx, c, &mut infes)?),
            b"iloc" => {
                let il = iloc.as_ref().ok_or_else(|| malformed("damaged iloc box"))?;
                body.extend(write_iloc(ctx, c, il)?);
            }
            b"iref" => body.extend(iref(ctx, c)?),
            b"iprp" => body.extend(iprp(ctx, c)?),
            _ => ctx.copy_blanked(&mut body, c.start, c.end),
        }
    }
    body.extend_from_slice(data.get(last..meta.end).unwrap_or(&[]));
    if let Some(il) = &iloc {
        count_items(ctx, meta, il, &infes);
    }
    let mut v = Vec::new();
    put_box(&mut v, b"meta", meta.header_len == 16, &body);
    Ok(v)
}

fn iinf(ctx: &mut Ctx, h: &BoxHeader, infes: &mut Vec<Infe>) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let p = h.start + h.header_len;
    let version = *data.get(p).ok_or_else(|| malformed("short iinf"))?;
    let skip = if version == 0 { 6 } else { 8 };
    let mut entries = Vec::new();
    let mut n = 0u32;
    for e in Boxes::range(data, p + skip, h.end) {
        if &e.kind == b"infe" {
            if let Some(i) = read_infe(data, &e) {
                let drop = ctx.drop_items.contains(&i.id);
                infes.push(i);
                if drop {
                    continue;
                }
            }
        }
        n += 1;
        entries.extend_from_slice(&data[e.start..e.end]);
    }
    let mut body = sub(data, p, 4)
        .ok_or_else(|| malformed("short full box"))?
        .to_vec();
    if version == 0 {
        body.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        body.extend_from_slice(&n.to_be_bytes());
    }
    body.extend(entries);
    let mut v = Vec::new();
    put_box(&mut v, b"iinf", h.header_len == 16, &body);
    Ok(v)
}

fn write_iloc(ctx: &mut Ctx, h: &BoxHeader, il: &Iloc) -> Result<Vec<u8>, StripError> {
    let mut body = vec![il.version];
    body.extend_from_slice(&il.flags);
    body.push(((il.off_size as u8) << 4) | il.len_size as u8);
    body.push(((il.base_size as u8) << 4) | il.idx_size as u8);
    let items: Vec<&IlocItem> = il
        .items
        .iter()
        .filter(|i| !ctx.drop_items.contains(&i.id))
        .collect();
    if il.version < 2 {
        body.extend_from_slice(&(items.len() as u16).to_be_bytes());
    } else {
        body.extend_from_slice(&(items.len() as u32).to_be_bytes());
    }
    for it in items {
        let mut base = it.base;
        let mut extents = it.extents.clone();
        if let Some(len) = ctx.resized.get(&it.id) {
            if let Some(first) = extents.first_mut() {
                first.2 = *len;
            }
        }
        if it.method & 15 == 0 && !ctx.shifts.is_empty() {
            for ext in extents.iter_mut() {
                let abs = base
                    .checked_add(ext.1)
                    .ok_or_else(|| malformed("iloc offset overflow"))?;
                let d = abs - ctx.map(abs)?;
                if d == 0 {
                    continue;
                }
                if il.off_size > 0 && ext.1 >= d {
                    ext.1 -= d;
                } else if il.base_size > 0 && base >= d && it.extents.len() == 1 {
                    base -= d;
                } else {
                    return Err(malformed("cannot relocate an item"));
                }
            }
        }
        if il.version < 2 {
            body.extend_from_slice(&(it.id as u16).to_be_bytes());
        } else {
            body.extend_from_slice(&it.id.to_be_bytes());
        }
        if il.version >= 1 {
            body.extend_from_slice(&it.method.to_be_bytes());
        }
        body.extend_from_slice(&it.dref.to_be_bytes());
        write_n(&mut body, il.base_size, base)?;
        body.extend_from_slice(&(extents.len() as u16).to_be_bytes());
        for (idx, off, len) in extents {
            if il.version >= 1 && il.idx_size > 0 {
                write_n(&mut body, il.idx_size, idx)?;
            }
            write_n(&mut body, il.off_size, off)?;
            write_n(&mut body, il.len_size, len)?;
        }
    }
    let mut v = Vec::new();
    put_box(&mut v, b"iloc", h.header_len == 16, &body);
    Ok(v)
}

fn iref(ctx: &mut Ctx, h: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let p = h.start + h.header_len;
    let version = *data.get(p).ok_or_else(|| malformed("short iref"))?;
    let w = if version == 0 { 2 } else { 4 };
    let rd = |at: usize| -> Option<u32> {
        if w == 2 {
            be16(data, at).map(u32::from)
        } else {
            be32(data, at)
        }
    };
    let wr = |b: &mut Vec<u8>, v: u32| {
        if w == 2 {
            b.extend_from_slice(&(v as u16).to_be_bytes());
        } else {
            b.extend_from_slice(&v.to_be_bytes());
        }
    };
    let mut body = sub(data, p, 4)
        .ok_or_else(|| malformed("short full box"))?
        .to_vec();
    for r in Boxes::range(data, p + 4, h.end) {
        let q = r.start + r.header_len;
        let from = rd(q).ok_or_else(|| malformed("short item reference"))?;
        let n = be16(data, q + w).ok_or_else(|| malformed("short item reference"))? as usize;
        let mut to = Vec::new();
        for i in 0..n {
            to.push(rd(q + w + 2 + i * w).ok_or_else(|| malformed("short item reference"))?);
        }
        if ctx.drop_items.contains(&from) {
            continue;
        }
        to.retain(|t| !ctx.drop_items.contains(t));
        if to.is_empty() {
            continue;
        }
        let mut rb = Vec::new();
        wr(&mut rb, from);
        rb.extend_from_slice(&(to.len() as u16).to_be_bytes());
        for t in to {
            wr(&mut rb, t);
        }
        put_box(&mut body, &r.kind, r.header_len == 16, &rb);
    }
    let mut v = Vec::new();
    put_box(&mut v, b"iref", h.header_len == 16, &body);
    Ok(v)
}

fn iprp(ctx: &mut Ctx, h: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let mut body = Vec::new();
    for c in Boxes::range(data, h.start + h.header_len, h.end) {
        match &c.kind {
            b"ipco" => {
                let mut pb = Vec::new();
                for prop in Boxes::range(data, c.start + c.header_len, c.end) {
                    let ct = sub(data, prop.start + prop.header_len, 4);
                    if &prop.kind == b"colr" && matches!(ct, Some(b"prof") | Some(b"rICC")) {
                        if ctx.keep.icc {
                            if !ctx.kept.contains(&"icc_profile") {
                                ctx.kept.push("icc_profile");
                            }
                        } else {
                            ctx.count("icc_profile", 1);
                            let mut f = vec![0u8; prop.end - prop.start];
                            f[..4].copy_from_slice(&data[prop.start..prop.start + 4]);
                            f[4..8].copy_from_slice(b"free");
                            if prop.header_len == 16 {
                                f[8..16].copy_from_slice(&data[prop.start + 8..prop.start + 16]);
                            }
                            pb.extend(f);
                            continue;
                        }
                    }
                    pb.extend_from_slice(&data[prop.start..prop.end]);
                }
                put_box(&mut body, b"ipco", c.header_len == 16, &pb);
            }
            b"ipma" => body.extend(ipma(ctx, &c)?),
            _ => body.extend_from_slice(&data[c.start..c.end]),
        }
    }
    let mut v = Vec::new();
    put_box(&mut v, b"iprp", h.header_len == 16, &body);
    Ok(v)
}

fn ipma(ctx: &mut Ctx, h: &BoxHeader) -> Result<Vec<u8>, StripError> {
    let data = ctx.data;
    let p = h.start + h.header_len;
    let bad = || malformed("damaged ipma box");
    let version = *data.get(p).ok_or_else(bad)?;
    let flags = be32(data, p).ok_or_else(bad)? & 0xFF_FFFF;
    let n = be32(data, p + 4).ok_or_else(bad)? as usize;
    if n > MAX_ITEMS {
        return Err(bad());
    }
    let mut q = p + 8;
    let mut entries = Vec::new();
    let mut kept = 0u32;
    for _ in 0..n {
        let s = q;
        let id = if version < 1 {
            q += 2;
            be16(data, q - 2).ok_or_else(bad)? as u32
        } else {
            q += 4;
            be32(data, q - 4).ok_or_else(bad)?
        };
        let a = *data.get(q).ok_or_else(bad)? as usize;
        q += 1 + a * if flags & 1 != 0 { 2 } else { 1 };
        if q > h.end {
            return Err(bad());
        }
        if !ctx.drop_items.contains(&id) {
            kept += 1;
            entries.extend_from_slice(&data[s..q]);
        }
    }
    let mut body = sub(data, p, 4)
        .ok_or_else(|| malformed("short full box"))?
        .to_vec();
    body.extend_from_slice(&kept.to_be_bytes());
    body.extend(entries);
    body.extend_from_slice(&data[q..h.end]);
    let mut v = Vec::new();
    put_box(&mut v, b"ipma", h.header_len == 16, &body);
    Ok(v)
}
