//! HEIC/HEIF/AVIF (ISO BMFF `meta` box: items, properties, Exif and XMP items), read the way
//! ExifTool's QuickTime.pm reads them: `ftyp`, `hdlr`, `pitm`, `idat` and the item properties
//! go to the `quicktime` group; properties of items other than the primary image are
//! ExifTool "sub-documents" whose tags never override the main document's.

mod tables;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::bytes::{be16, be32, sub};
use crate::formats::bmff::{BoxHeader, Boxes, MAX_DEPTH};
use crate::formats::xmp::json_value;
use crate::model::Metadata;

const G: &str = "quicktime";
const MAX_ITEMS: usize = 100_000;

/// Look-up in one of the generated (key, print) tables.
fn table(t: &'static [(&'static str, &'static str)], k: &str) -> Option<&'static str> {
    t.iter().find(|(a, _)| *a == k).map(|(_, b)| *b)
}

/// Major brand as ExifTool prints it.
pub fn brand_name(b: &str) -> String {
    match table(tables::BRANDS, b) {
        Some(s) => s.to_string(),
        None => format!("Unknown ({b})"),
    }
}

/// Handler type as ExifTool prints it.
pub fn handler_name(h: &str) -> String {
    match table(tables::HANDLERS, h) {
        Some(s) => s.to_string(),
        None => format!("Unknown ({h})"),
    }
}

fn fourcc(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

#[derive(Default, Debug, Clone)]
struct Item {
    kind: String,
    content_type: String,
    content_encoding: String,
    protection: u16,
    construction: u16,
    data_ref: u16,
    base: u64,
    extents: Vec<(u64, u64)>,
    assoc: Vec<u16>,
    refers_to: Vec<u32>,
    doc: Option<u32>,
}

/// Tags of the `quicktime` group with ExifTool's main/sub-document priority.
#[derive(Default)]
struct Store {
    tags: Vec<(String, Value, Option<u32>)>,
}

impl Store {
    fn put(&mut self, tag: &str, v: Value, doc: Option<u32>) {
        if let Some(e) = self.tags.iter_mut().find(|e| e.0 == tag) {
            if doc.is_none() || e.2 == doc {
                e.1 = v;
                e.2 = doc;
            }
            return;
        }
        self.tags.push((tag.to_string(), v, doc));
    }
    fn s(&mut self, tag: &str, v: impl AsRef<str>, doc: Option<u32>) {
        self.put(tag, json_value(v.as_ref()), doc);
    }
}

struct Ctx<'a> {
    data: &'a [u8],
    items: BTreeMap<u32, Item>,
    primary: Option<u32>,
    iref_version: u8,
    ipco: Option<(usize, usize)>,
    doc_count: u32,
    store: Store,
}

/// Parses a HEIF/HEIC/AVIF file.
pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut cx = Ctx {
        data,
        items: BTreeMap::new(),
        primary: None,
        iref_version: 0,
        ipco: None,
        doc_count: 0,
        store: Store::default(),
    };
    let mut boxes = Boxes::new(data);
    for b in boxes.by_ref() {
        if meta.budget.exceeded() {
            meta.warn("HEIF processing stopped: time budget exceeded");
            break;
        }
        let p = b.payload(data);
        match &b.kind {
            b"ftyp" => ftyp(&mut cx.store, p),
            b"meta" => {
                meta_box(meta, &mut cx, &b, 0);
            }
            b"mdat" => {
                cx.store.s(
                    "MediaDataSize",
                    (b.end - b.start - b.header_len).to_string(),
                    None,
                );
                cx.store.s(
                    "MediaDataOffset",
                    (b.start + b.header_len).to_string(),
                    None,
                );
            }
            _ => {}
        }
    }
    if boxes.truncated {
        meta.warn("Truncated HEIF box");
    }
    for (tag, v, _) in std::mem::take(&mut cx.store.tags) {
        meta.set(G, &tag, v);
    }
}

fn ftyp(st: &mut Store, p: &[u8]) {
    if p.len() < 4 {
        return;
    }
    let major = fourcc(&p[0..4]);
    st.s("MajorBrand", brand_name(&major), None);
    if let Some(m) = sub(p, 4, 4) {
        st.s(
            "MinorVersion",
            format!(
                "{:x}.{:x}.{:x}",
                u16::from_be_bytes([m[0], m[1]]),
                m[2],
                m[3]
            ),
            None,
        );
    }
    let brands: Vec<Value> = p
        .get(8..)
        .unwrap_or(&[])
        .chunks_exact(4)
        .filter(|c| !c.contains(&0))
        .map(|c| json_value(&fourcc(c)))
        .collect();
    if !brands.is_empty() {
        let v = if brands.len() == 1 {
            brands.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(brands)
        };
        st.put("CompatibleBrands", v, None);
    }
}

fn meta_box(meta: &mut Metadata, cx: &mut Ctx, b: &BoxHeader, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let data = cx.data;
    // FullBox: skip version and flags
    let start = b.start + b.header_len + 4;
    if start > b.end {
        return;
    }
    for c in Boxes::range(data, start, b.end) {
        let p = c.payload(data);
        match &c.kind {
            b"hdlr" => {
                if let Some(h) = sub(p, 8, 4) {
                    cx.store.s("HandlerType", handler_name(&fourcc(h)), None);
                }
            }
            b"pitm" => {
                let id = if p.first() == Some(&0) {
                    be16(p, 4).map(u32::from)
                } else {
                    be32(p, 4)
                };
                if let Some(id) = id {
                    cx.primary = Some(id);
                    cx.store.s("PrimaryItemReference", id.to_string(), None);
                }
            }
            b"iinf" => iinf(cx, &c),
            b"iloc" => iloc(cx, p),
            b"iref" => iref(cx, &c),
            b"iprp" => {
                let s = c.start + c.header_len;
                for pc in Boxes::range(data, s, c.end) {
                    match &pc.kind {
                        b"ipco" => cx.ipco = Some((pc.start + pc.header_len, pc.end)),
                        b"ipma" => ipma(cx, pc.payload(data)),
                        _ => {}
                    }
                }
            }
            b"idat" => {
                let v: Vec<String> = p
                    .chunks_exact(2)
                    .take(64)
                    .map(|w| u16::from_be_bytes([w[0], w[1]]).to_string())
                    .collect();
                let s = if v.len() >= 4 {
                    let mut rest = v[4..].join(" ");
                    if !rest.is_empty() {
                        rest.insert(0, ' ');
                    }
                    format!("{}x{}{}", v[2], v[3], rest)
                } else {
                    v.join(" ")
                };
                cx.store.s("MetaImageSize", s, None);
            }
            _ => {}
        }
    }
    handle_items(meta, cx);
    if let Some((s, e)) = cx.ipco.take() {
        properties(meta, cx, s, e);
    }
}

fn cstr(p: &[u8], pos: &mut usize) -> String {
    let rest = p.get(*pos..).unwrap_or(&[]);
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let s = String::from_utf8_lossy(&rest[..end]).into_owned();
    *pos += end + 1;
    s
}

fn iinf(cx: &mut Ctx, b: &BoxHeader) {
    let data = cx.data;
    let p = b.payload(data);
    let Some(&ver) = p.first() else { return };
    let skip = if ver == 0 { 6 } else { 8 };
    let start = b.start + b.header_len + skip;
    if start > b.end {
        return;
    }
    for e in Boxes::range(data, start, b.end) {
        if &e.kind != b"infe" || cx.items.len() >= MAX_ITEMS {
            continue;
        }
        let v = e.payload(data);
        if v.len() < 8 {
            continue;
        }
        let ver = v[0];
        let mut pos = 4;
        let mut item = Item::default();
        let id;
        if ver <= 1 {
            let (Some(i), Some(pr)) = (be16(v, pos), be16(v, pos + 2)) else {
                continue;
            };
            id = i as u32;
            item.protection = pr;
            pos += 4;
            let _name = cstr(v, &mut pos);
            item.content_type = cstr(v, &mut pos);
            item.content_encoding = cstr(v, &mut pos);
        } else {
            if ver == 2 {
                let Some(i) = be16(v, pos) else { continue };
                id = i as u32;
                pos += 2;
            } else {
                let Some(i) = be32(v, pos) else { continue };
                id = i;
                pos += 4;
            }
            let (Some(pr), Some(t)) = (be16(v, pos), sub(v, pos + 2, 4)) else {
                continue;
            };
            item.protection = pr;
            item.kind = fourcc(t);
            pos += 6;
            let _name = cstr(v, &mut pos);
            if item.kind == "mime" {
                item.content_type = cstr(v, &mut pos);
                item.content_encoding = cstr(v, &mut pos);
            }
        }
        let slot = cx.items.entry(id).or_default();
        slot.kind = item.kind;
        slot.content_type = item.content_type;
        slot.content_encoding = item.content_encoding;
        slot.protection = item.protection;
    }
}

/// A big-endian integer of `n` bytes (0, 4 or 8) at `*pos`.
fn var_int(p: &[u8], pos: &mut usize, n: usize) -> Option<u64> {
    let v = match n {
        0 => 0,
        4 => be32(p, *pos)? as u64,
        8 => crate::bytes::be64(p, *pos)?,
        2 => be16(p, *pos)? as u64,
        _ => return None,
    };
    *pos += n;
    Some(v)
}

fn iloc(cx: &mut Ctx, p: &[u8]) {
    if p.len() < 8 {
        return;
    }
    let ver = p[0];
    let Some(siz) = be16(p, 4) else { return };
    let noff = (siz >> 12) as usize;
    let nlen = ((siz >> 8) & 0x0f) as usize;
    let nbas = ((siz >> 4) & 0x0f) as usize;
    let nind = (siz & 0x0f) as usize;
    let (num, mut pos) = if ver < 2 {
        (be16(p, 6).map(u32::from), 8)
    } else {
        (be32(p, 6), 10)
    };
    let Some(num) = num else { return };
    for _ in 0..num.min(MAX_ITEMS as u32) {
        let id = if ver < 2 {
            let Some(i) = be16(p, pos) else { return };
            pos += 2;
            i as u32
        } else {
            let Some(i) = be32(p, pos) else { return };
            pos += 4;
            i
        };
        let mut construction = 0;
        if ver == 1 || ver == 2 {
            let Some(c) = be16(p, pos) else { return };
            construction = c & 0x0f;
            pos += 2;
        }
        let Some(dref) = be16(p, pos) else { return };
        pos += 2;
        let Some(base) = var_int(p, &mut pos, nbas) else {
            return;
        };
        let Some(n_ext) = be16(p, pos) else { return };
        pos += 2;
        let mut extents = Vec::new();
        for _ in 0..n_ext {
            if ver == 1 || ver == 2 {
                let Some(_) = var_int(p, &mut pos, nind) else {
                    return;
                };
            }
            let (Some(off), Some(len)) = (var_int(p, &mut pos, noff), var_int(p, &mut pos, nlen))
            else {
                return;
            };
            extents.push((off, len));
        }
        let it = cx.items.entry(id).or_default();
        it.construction = construction;
        it.data_ref = dref;
        it.base = base;
        it.extents = extents;
    }
}

fn iref(cx: &mut Ctx, b: &BoxHeader) {
    let data = cx.data;
    let p = b.payload(data);
    let Some(&ver) = p.first() else { return };
    cx.iref_version = ver;
    let start = b.start + b.header_len + 4;
    if start > b.end {
        return;
    }
    for r in Boxes::range(data, start, b.end) {
        if &r.kind != b"cdsc" {
            continue;
        }
        let v = r.payload(data);
        let w = if ver == 0 { 2 } else { 4 };
        let rd = |o: usize| {
            if w == 2 {
                be16(v, o).map(u32::from)
            } else {
                be32(v, o)
            }
        };
        let (Some(from), Some(count)) = (rd(0), be16(v, w)) else {
            continue;
        };
        let mut to = Vec::new();
        for k in 0..count as usize {
            match rd(w + 2 + k * w) {
                Some(t) => to.push(t),
                None => break,
            }
        }
        if cx.items.len() < MAX_ITEMS || cx.items.contains_key(&from) {
            cx.items.entry(from).or_default().refers_to.extend(to);
        }
    }
}

fn ipma(cx: &mut Ctx, p: &[u8]) {
    if p.len() < 8 {
        return;
    }
    let ver = p[0];
    let Some(flags) = be32(p, 0) else { return };
    let Some(num) = be32(p, 4) else { return };
    let mut pos = 8;
    for _ in 0..num.min(MAX_ITEMS as u32) {
        let id = if ver == 0 {
            let Some(i) = be16(p, pos) else { return };
            pos += 2;
            i as u32
        } else {
            let Some(i) = be32(p, pos) else { return };
            pos += 4;
            i
        };
        let Some(&n) = p.get(pos) else { return };
        pos += 1;
        let mut assoc = Vec::new();
        for _ in 0..n {
            if flags & 1 != 0 {
                let Some(v) = be16(p, pos) else { return };
                assoc.push(v & 0x7fff);
                pos += 2;
            } else {
                let Some(&v) = p.get(pos) else { return };
                assoc.push((v & 0x7f) as u16);
                pos += 1;
            }
        }
        cx.items.entry(id).or_default().assoc = assoc;
    }
}

/// Extracts the Exif and XMP items (ExifTool's HandleItemInfo).
fn handle_items(meta: &mut Metadata, cx: &mut Ctx) {
    let data = cx.data;
    let ids: Vec<u32> = cx.items.keys().copied().collect();
    for id in ids {
        let Some(item) = cx.items.get(&id).cloned() else {
            continue;
        };
        let ty = if item.content_type.is_empty() {
            item.kind.as_str()
        } else {
            item.content_type.as_str()
        };
        let name = match ty {
            "Exif" => "EXIF",
            "application/rdf+xml" => "XMP",
            _ => continue,
        };
        if !item.content_encoding.is_empty() {
            meta.warn(format!("Can't currently decode encoded {ty} metadata"));
            continue;
        }
        if item.protection != 0 {
            meta.warn(format!("Can't currently decode protected {ty} metadata"));
            continue;
        }
        if item.construction != 0 {
            meta.warn(format!(
                "Can't currently extract {ty} with construction method {}",
                item.construction
            ));
            continue;
        }
        if item.data_ref != 0 {
            continue;
        }
        if item.extents.is_empty() {
            meta.warn(format!("No Extents for {ty} item"));
            continue;
        }
        let mut buf = Vec::new();
        let mut ok = true;
        // file offset of the item's first byte, for the offsets EXIF prints file-relative
        let file_pos = item.extents.first().and_then(|&(off, _)| {
            let p = item.base.checked_add(off)?;
            usize::try_from(p).ok()
        });
        for &(off, len) in &item.extents {
            let start = item.base.checked_add(off);
            let slice = start.and_then(|s| {
                let s = usize::try_from(s).ok()?;
                let l = usize::try_from(len).ok()?;
                sub(data, s, l)
            });
            match slice {
                Some(s) if buf.len() + s.len() <= 64 << 20 => buf.extend_from_slice(s),
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            meta.warn(format!("Truncated {ty} item"));
        }
        if buf.is_empty() {
            continue;
        }
        // metadata describing an item other than the primary image is a sub-document
        let sub_doc = matches!(cx.primary, Some(p) if !item.refers_to.is_empty() && !item.refers_to.contains(&p));
        if sub_doc {
            cx.doc_count += 1;
            if let Some(low) = item.refers_to.iter().min().copied() {
                cx.items.entry(low).or_default().doc = Some(cx.doc_count);
            }
        }
        if sub_doc {
            let mut scratch = Metadata::new(meta.budget);
            extract_item(&mut scratch, name, &buf, file_pos);
            merge_sub_document(meta, &scratch);
        } else {
            extract_item(meta, name, &buf, file_pos);
        }
    }
}

/// `file_pos` is the file offset of `buf`'s first byte when known (a single extent, or
/// the first of several holding the TIFF header).
fn extract_item(target: &mut Metadata, name: &str, buf: &[u8], file_pos: Option<usize>) {
    if name == "EXIF" {
        let start = if buf.starts_with(b"MM\0\x2a") || buf.starts_with(b"II\x2a\0") {
            target.warn("Missing Exif header");
            0
        } else if buf.starts_with(b"Exif\0\0") {
            target.warn("Missing Exif header size");
            6
        } else {
            let n = be32(buf, 0).unwrap_or(0) as usize;
            4usize.saturating_add(n)
        };
        match buf.get(start..) {
            Some(tiff) => {
                let base = file_pos.and_then(|p| p.checked_add(start)).unwrap_or(0);
                let other = crate::formats::exif::Container::Other;
                crate::formats::exif::parse_tiff_at(target, tiff, other, base);
            }
            None => target.warn("Invalid EXIF header"),
        }
    } else {
        crate::formats::xmp::parse(target, buf);
    }
}

/// Adds a sub-document's tags without overriding the main document's.
fn merge_sub_document(meta: &mut Metadata, sub: &Metadata) {
    for (g, tags) in &sub.groups {
        for (t, v) in tags {
            meta.add(g, t, v.clone());
        }
    }
    for w in &sub.warnings {
        meta.warn(w.clone());
    }
}

/// Properties ExifTool never attributes to the main document through a tile.
fn dont_inherit(kind: &[u8; 4]) -> bool {
    matches!(kind, b"ispe" | b"hvcC")
}

fn properties(meta: &mut Metadata, cx: &mut Ctx, start: usize, end: usize) {
    let data = cx.data;
    let primary = cx.primary.unwrap_or(0);
    let mut index: u16 = 0;
    let mut n = 0;
    for b in Boxes::range(data, start, end) {
        n += 1;
        if n > 10_000 || meta.budget.exceeded() {
            break;
        }
        index = index.wrapping_add(1);
        // document number of this property
        let mut doc: Option<u32> = None;
        let mut lowest: Option<u32> = None;
        let mut main = false;
        let mut any = false;
        for (&id, it) in cx.items.iter() {
            if !it.assoc.contains(&index) {
                continue;
            }
            any = true;
            if id == primary
                || (!dont_inherit(&b.kind)
                    && (it.refers_to.is_empty() || it.refers_to.contains(&primary)))
            {
                main = true;
                break;
            } else if let Some(d) = it.doc {
                doc = Some(doc.map_or(d, |x: u32| x.min(d)));
            } else if lowest.is_none_or(|l| l > id) {
                lowest = Some(id);
            }
        }
        let doc = if main || !any {
            None
        } else if doc.is_some() {
            doc
        } else if let Some(low) = lowest {
            cx.doc_count += 1;
            if let Some(it) = cx.items.get_mut(&low) {
                it.doc = Some(cx.doc_count);
            }
            Some(cx.doc_count)
        } else {
            None
        };
        property(meta, cx, &b, doc);
    }
}

#[allow(clippy::collapsible_match)]
fn property(meta: &mut Metadata, cx: &mut Ctx, b: &BoxHeader, doc: Option<u32>) {
    let p = b.payload(cx.data);
    let st = &mut cx.store;
    match &b.kind {
        b"colr" => {
            if p.starts_with(b"prof") || p.starts_with(b"rICC") {
                if doc.is_none() {
                    crate::formats::icc::parse(meta, &p[4..]);
                } else {
                    let mut scratch = Metadata::new(meta.budget);
                    crate::formats::icc::parse(&mut scratch, &p[4..]);
                    merge_sub_document(meta, &scratch);
                }
            } else if p.len() >= 4 {
                st.s("ColorProfiles", fourcc(&p[0..4]), doc);
                if let Some(v) = be16(p, 4) {
                    st.s("ColorPrimaries", color_primaries(v), doc);
                }
                if let Some(v) = be16(p, 6) {
                    st.s("TransferCharacteristics", transfer(v), doc);
                }
                if let Some(v) = be16(p, 8) {
                    st.s("MatrixCoefficients", matrix(v), doc);
                }
            }
        }
        b"irot" => {
            if let Some(&r) = p.first() {
                st.s("Rotation", (r as u32 * 90).to_string(), doc);
            }
        }
        b"ispe" => {
            if p.len() >= 12 && p[0..4] == [0, 0, 0, 0] {
                let dims: Vec<u32> = p[4..]
                    .chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .take(16)
                    .collect();
                if dims.len() >= 2 {
                    if doc.is_none() {
                        meta.set("file", "ImageWidth", dims[0]);
                        meta.set("file", "ImageHeight", dims[1]);
                    }
                    let s: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
                    st.s("ImageSpatialExtent", s.join("x"), doc);
                }
            }
        }
        b"pixi" => {
            if p.len() >= 5 && p[0..4] == [0, 0, 0, 0] {
                let s: Vec<String> = p[5..].iter().map(|b| b.to_string()).collect();
                st.s("ImagePixelDepth", s.join(" "), doc);
            }
        }
        b"auxC" => {
            let rest = p.get(4..).unwrap_or(&[]);
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            st.s(
                "AuxiliaryImageType",
                String::from_utf8_lossy(&rest[..end]),
                doc,
            );
        }
        b"pasp" => {
            let v: Vec<String> = p
                .chunks_exact(4)
                .take(8)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]).to_string())
                .collect();
            st.s("PixelAspectRatio", v.join(" "), doc);
        }
        b"rloc" => {
            let v: Vec<String> = p
                .chunks_exact(4)
                .skip(1)
                .take(8)
                .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]).to_string())
                .collect();
            st.s("RelativeLocation", v.join(" "), doc);
        }
        b"hvcC" => hvcc(st, p, doc),
        b"av1C" => av1c(st, p, doc),
        _ => {}
    }
}

fn hvcc(st: &mut Store, p: &[u8], doc: Option<u32>) {
    let Some(&v0) = p.first() else { return };
    st.s("HEVCConfigurationVersion", v0.to_string(), doc);
    let Some(&b1) = p.get(1) else { return };
    let space = b1 >> 6;
    st.s(
        "GeneralProfileSpace",
        if space == 0 {
            "Conforming".to_string()
        } else {
            format!("Unknown ({space})")
        },
        doc,
    );
    st.s(
        "GeneralTierFlag",
        if b1 & 0x20 != 0 {
            "High Tier"
        } else {
            "Main Tier"
        },
        doc,
    );
    st.s("GeneralProfileIDC", hevc_profile(b1 & 0x1f), doc);
    if let Some(f) = be32(p, 2) {
        let mut names = Vec::new();
        for bit in 0..32u32 {
            if f & (1 << bit) != 0 {
                names.push(if (20..=31).contains(&bit) {
                    hevc_profile((31 - bit) as u8)
                } else {
                    format!("[{bit}]")
                });
            }
        }
        let s = if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        };
        st.s("GenProfileCompatibilityFlags", s, doc);
    }
    if let Some(c) = sub(p, 6, 6) {
        let s: Vec<String> = c.iter().map(|b| b.to_string()).collect();
        st.s("ConstraintIndicatorFlags", s.join(" "), doc);
    }
    if let Some(&l) = p.get(12) {
        st.s(
            "GeneralLevelIDC",
            format!("{} (level {:.1})", l, l as f64 / 30.0),
            doc,
        );
    }
    if let Some(v) = be16(p, 13) {
        st.s("MinSpatialSegmentationIDC", (v & 0x0fff).to_string(), doc);
    }
    if let Some(&v) = p.get(15) {
        st.s("ParallelismType", (v & 3).to_string(), doc);
    }
    if let Some(&v) = p.get(16) {
        let s = match v & 3 {
            0 => "Monochrome",
            1 => "4:2:0",
            2 => "4:2:2",
            _ => "4:4:4",
        };
        st.s("ChromaFormat", s, doc);
    }
    if let Some(&v) = p.get(17) {
        st.s("BitDepthLuma", ((v & 7) + 8).to_string(), doc);
    }
    if let Some(&v) = p.get(18) {
        st.s("BitDepthChroma", ((v & 7) + 8).to_string(), doc);
    }
    if let Some(v) = be16(p, 19) {
        st.s(
            "AverageFrameRate",
            crate::formats::xmp::fmt_num(v as f64 / 256.0),
            doc,
        );
    }
    if let Some(&v) = p.get(21) {
        let c = match v >> 6 {
            0 => "Unknown".to_string(),
            1 => "Constant Frame Rate".to_string(),
            2 => "Each Temporal Layer is Constant Frame Rate".to_string(),
            x => format!("Unknown ({x})"),
        };
        st.s("ConstantFrameRate", c, doc);
        st.s("NumTemporalLayers", ((v & 0x38) >> 3).to_string(), doc);
        st.s(
            "TemporalIDNested",
            if v & 4 != 0 { "Yes" } else { "No" },
            doc,
        );
    }
}

fn hevc_profile(v: u8) -> String {
    match v {
        0 => "No Profile",
        1 => "Main",
        2 => "Main 10",
        3 => "Main Still Picture",
        4 => "Format Range Extensions",
        5 => "High Throughput",
        6 => "Multiview Main",
        7 => "Scalable Main",
        8 => "3D Main",
        9 => "Screen Content Coding Extensions",
        10 => "Scalable Format Range Extensions",
        11 => "High Throughput Screen Content Coding Extensions",
        _ => return format!("Unknown ({v})"),
    }
    .to_string()
}

fn av1c(st: &mut Store, p: &[u8], doc: Option<u32>) {
    let Some(&v0) = p.first() else { return };
    st.s("AV1ConfigurationVersion", (v0 & 0x7f).to_string(), doc);
    if let Some(&b2) = p.get(2) {
        let cf = (b2 & 0x1c) >> 2;
        let s = match cf {
            0 => "YUV 4:4:4".to_string(),
            2 => "YUV 4:2:2".to_string(),
            3 => "YUV 4:2:0".to_string(),
            7 => "Monochrome 4:0:0".to_string(),
            x => format!("Unknown ({x})"),
        };
        st.s("ChromaFormat", s, doc);
        let pos = match b2 & 3 {
            0 => "Unknown",
            1 => "Vertical",
            2 => "Colocated",
            _ => "(reserved)",
        };
        st.s("ChromaSamplePosition", pos, doc);
    }
}

pub fn color_primaries(v: u16) -> String {
    match v {
        1 => "BT.709",
        2 => "Unspecified",
        4 => "BT.470 System M (historical)",
        5 => "BT.470 System B, G (historical)",
        6 => "BT.601",
        7 => "SMPTE 240",
        8 => "Generic film (color filters using illuminant C)",
        9 => "BT.2020, BT.2100",
        10 => "SMPTE 428 (CIE 1921 XYZ)",
        11 => "SMPTE RP 431-2",
        12 => "SMPTE EG 432-1",
        22 => "EBU Tech. 3213-E",
        _ => return format!("Unknown ({v})"),
    }
    .to_string()
}

pub fn transfer(v: u16) -> String {
    match v {
        0 => "For future use (0)",
        1 => "BT.709",
        2 => "Unspecified",
        3 => "For future use (3)",
        4 => "BT.470 System M (historical)",
        5 => "BT.470 System B, G (historical)",
        6 => "BT.601",
        7 => "SMPTE 240 M",
        8 => "Linear",
        9 => "Logarithmic (100 : 1 range)",
        10 => "Logarithmic (100 * Sqrt(10) : 1 range)",
        11 => "IEC 61966-2-4",
        12 => "BT.1361",
        13 => "sRGB or sYCC",
        14 => "BT.2020 10-bit systems",
        15 => "BT.2020 12-bit systems",
        16 => "SMPTE ST 2084, ITU BT.2100 PQ",
        17 => "SMPTE ST 428",
        18 => "BT.2100 HLG, ARIB STD-B67",
        _ => return format!("Unknown ({v})"),
    }
    .to_string()
}

pub fn matrix(v: u16) -> String {
    match v {
        0 => "Identity matrix",
        1 => "BT.709",
        2 => "Unspecified",
        3 => "For future use (3)",
        4 => "US FCC 73.628",
        5 => "BT.470 System B, G (historical)",
        6 => "BT.601",
        7 => "SMPTE 240 M",
        8 => "YCgCo",
        9 => "BT.2020 non-constant luminance, BT.2100 YCbCr",
        10 => "BT.2020 constant luminance",
        11 => "SMPTE ST 2085 YDzDx",
        12 => "Chromaticity-derived non-constant luminance",
        13 => "Chromaticity-derived constant luminance",
        14 => "BT.2100 ICtCp",
        _ => return format!("Unknown ({v})"),
    }
    .to_string()
}

#[cfg(test)]
mod tests;
