//! XMP packets (group `xmp`), read the way ExifTool reads them.
//!
//! The scanner is a port of ExifTool's `ParseXMPElement` (XMP.pm): a lenient element walker
//! rather than a validating XML parser, so that damaged or non-conforming packets yield the
//! same tags ExifTool finds. Properties are flattened into tag names (the property path's
//! local names concatenated), looked up in ExifTool's namespace tables (generated into
//! `tables.rs`) for renames, list flags, value and print conversions.

mod tables;

use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap as StdHashMap;

/// The parser's maps, keyed by short names from the packet: foldhash, as the metadata maps.
type HashMap<K, V> = StdHashMap<K, V, crate::model::Hasher>;

use crate::model::Metadata;

/// Value type of a known XMP property (ExifTool's `Writable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W {
    Str,
    Rational,
    Date,
    Boolean,
    Integer,
    Real,
    LangAlt,
}

/// Print conversion of a known XMP property.
#[derive(Debug, Clone, Copy)]
pub enum Pc {
    None,
    Map(&'static [(&'static str, &'static str)]),
    MapOther(&'static [(&'static str, &'static str)]),
    Bool,
    GpsN,
    GpsE,
    Gps,
    Meters,
    F1,
    F2,
    ExposureTime,
    Fraction,
    FNumber,
    F1Mm,
    Mm,
    LensInfo,
}

/// Value conversion of a known XMP property.
#[derive(Debug, Clone, Copy)]
pub enum Vc {
    None,
    Degrees,
    Aperture,
    Shutter,
    Date,
    PlusVocab,
    RationalList,
    /// ConvertUnixTime($val / 1000, 1, 3) (local time is UTC in the service)
    UnixMs,
    /// ConvertUnixTime($val)
    Unix,
    StripSlash,
    ExifTime,
    /// DecodeBase64 to binary data (printed as ExifTool's binary placeholder)
    Base64Bin,
}

/// One known property (or flattened structure field) of a namespace table.
#[derive(Debug)]
pub struct Tag {
    pub id: &'static str,
    pub name: &'static str,
    pub w: W,
    pub list: bool,
    pub pc: Pc,
    pub vc: Vc,
    pub prio0: bool,
    /// ExifTool's RawJoin: list items are joined with spaces before conversion.
    pub join: bool,
    /// 0: not a structure, 1: structure, 2: structure whose fields may be in any namespace.
    pub st: u8,
    /// Prefix for flattened field names when it differs from `name`.
    pub flat: &'static str,
}

/// ExifTool's table for one namespace (by ExifTool's prefix).
pub struct Ns {
    pub prefix: &'static str,
    pub tags: &'static [Tag],
}

const MAX_DEPTH: usize = 64;
const MAX_TAGS: usize = 20_000;
const MAX_LIST_ITEMS: usize = 1000;

fn ns_table(prefix: &str) -> Option<&'static Ns> {
    tables::NAMESPACES
        .binary_search_by(|n| n.prefix.cmp(prefix))
        .ok()
        .map(|i| &tables::NAMESPACES[i])
}

fn lookup(prefix: &str, id: &str) -> Option<&'static Tag> {
    let t = ns_table(prefix)?;
    t.tags
        .binary_search_by(|x| x.id.cmp(id))
        .ok()
        .map(|i| &t.tags[i])
}

fn uri_prefix(uri: &str) -> Option<&'static str> {
    let find = |u: &str| {
        tables::URI_PREFIX
            .binary_search_by(|(k, _)| (*k).cmp(u))
            .ok()
            .map(|i| tables::URI_PREFIX[i].1)
    };
    if uri == "http://ns.exiftool.ca/1.0/" {
        return Some("et");
    }
    find(uri).or_else(|| {
        let alt = match uri.strip_suffix('/') {
            Some(s) => s.to_string(),
            None => format!("{uri}/"),
        };
        find(&alt)
    })
}

/// ExifTool's translation of ugly standard prefixes to its family-1 names.
fn std_xlat(ns: &str) -> &str {
    match ns {
        "Iptc4xmpCore" => "iptcCore",
        "Iptc4xmpExt" => "iptcExt",
        "photomechanic" => "photomech",
        "MicrosoftPhoto" => "microsoft",
        "prismusagerights" => "pur",
        "GettyImagesGIFT" => "getty",
        "hdr_metadata" => "hdr",
        other => other,
    }
}

fn is_std_prefix(ns: &str) -> bool {
    tables::URI_PREFIX.iter().any(|(_, p)| *p == ns)
}

fn ignored_ns(ns: &str) -> bool {
    matches!(ns, "x" | "rdf" | "xmlns" | "xml" | "svg" | "et" | "office")
}

fn is_name_byte(b: u8) -> bool {
    NAME_BYTE[b as usize]
}

/// `[-\w:.\x80-\xff]` as a table: element names are scanned a byte at a time.
static NAME_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || c == b'_'
            || c == b'-'
            || c == b':'
            || c == b'.'
            || c >= 0x80;
        b += 1;
    }
    t
};

/// `s.split_once(':')` with a plain byte loop: the names split here are a few bytes long,
/// for which the generic `char` searcher costs more than the search.
fn split_colon(s: &str) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == b':')?;
    Some((&s[..i], &s[i + 1..]))
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= hay.len() {
        return None;
    }
    memchr::memmem::find(hay.get(from..)?, needle).map(|p| p + from)
}

/// How a found tag is stored until the packet is done.
struct Found {
    name: String,
    values: Vec<String>,
    prio: u8,
    info: Info,
    hidden: bool,
}

#[derive(Clone, Copy)]
struct Info {
    w: Option<W>,
    list: bool,
    pc: Pc,
    vc: Vc,
    known: bool,
    prio: u8,
    join: bool,
}

struct Parser<'a> {
    data: &'a [u8],
    /// `data` as text when it is all UTF-8 (nearly always): its pieces are then sliced from
    /// it (a boundary check) instead of each being validated again.
    text: Option<&'a str>,
    found: Vec<Found>,
    index: HashMap<String, usize>,
    list_tags: HashMap<String, usize>,
    dynamic: HashMap<String, (String, Info)>,
    xlat: HashMap<String, String>,
    cur_ns: HashMap<String, String>,
    cur_uri: HashMap<String, String>,
    warnings: Vec<String>,
    budget: crate::model::Budget,
    steps: usize,
    /// The namespace of the last property found and its table.
    last_ns: Option<(String, Option<&'static Ns>)>,
}

/// Parses an XMP packet (the bytes after the APP1 identifier, an `XML:com.adobe.xmp` iTXt
/// chunk, a HEIF `mime` item, ...) into the `xmp` group.
pub fn parse(meta: &mut Metadata, packet: &[u8]) {
    let data = decode_packet(packet);
    let mut p = Parser {
        data: &data,
        text: std::str::from_utf8(&data).ok(),
        found: Vec::new(),
        index: HashMap::default(),
        list_tags: HashMap::default(),
        dynamic: HashMap::default(),
        xlat: HashMap::default(),
        cur_ns: HashMap::default(),
        cur_uri: HashMap::default(),
        warnings: Vec::new(),
        budget: meta.budget,
        steps: 0,
        last_ns: None,
    };
    let mut props = Vec::new();
    let n = p.parse_level(0, data.len(), &mut props, 0);
    if n == 0 {
        let blank = data.iter().all(|&b| b == b' ' || b == 0);
        meta.warn(if blank { "Invalid XMP" } else { "Empty XMP" });
    }
    for w in std::mem::take(&mut p.warnings) {
        meta.warn(w);
    }
    for f in p.found {
        if f.hidden {
            continue;
        }
        let mut values = f.values;
        if f.info.join && values.len() > 1 {
            values = vec![values.join(" ")];
        }
        let vals: Vec<Value> = values
            .iter()
            .map(|v| json_value_owned(convert(v, &f.info)))
            .collect();
        let value = if vals.len() == 1 {
            vals.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(vals)
        };
        if f.prio >= 1 {
            meta.set_owned("xmp", f.name, value);
        } else {
            meta.add("xmp", &f.name, value);
        }
    }
}

/// Strips a BOM and converts UTF-16/UTF-32 packets to UTF-8.
fn decode_packet(packet: &[u8]) -> Vec<u8> {
    let begin = b"<?xpacket begin=";
    if packet.starts_with(&[0xef, 0xbb, 0xbf]) {
        return packet[3..].to_vec();
    }
    if packet.starts_with(begin) || find(packet, b"x:xmpmeta", 0).is_some() {
        return packet.to_vec();
    }
    // UTF-16/32: look at where the NULs are around the '<'.
    let lt = packet.iter().position(|&b| b == b'<');
    let units = |size: usize, be: bool| -> Vec<u8> {
        let mut s = String::new();
        for ch in packet.chunks_exact(size) {
            let v = match (size, be) {
                (2, true) => u16::from_be_bytes([ch[0], ch[1]]) as u32,
                (2, false) => u16::from_le_bytes([ch[0], ch[1]]) as u32,
                (_, true) => u32::from_be_bytes([ch[0], ch[1], ch[2], ch[3]]),
                (_, false) => u32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]),
            };
            if v == 0xfeff {
                continue;
            }
            s.push(char::from_u32(v).unwrap_or('\u{fffd}'));
        }
        s.into_bytes()
    };
    if let Some(i) = lt {
        let nul = |k: usize| packet.get(k) == Some(&0);
        if i >= 3 && nul(i - 1) && nul(i - 2) && nul(i - 3) {
            return units(4, true);
        }
        if nul(i + 1) && nul(i + 2) && nul(i + 3) {
            return units(4, false);
        }
        if i >= 1 && nul(i - 1) {
            return units(2, true);
        }
        if nul(i + 1) {
            return units(2, false);
        }
    }
    packet.to_vec()
}

/// One element found by the scanner: `<name attrs>`.
struct Elem {
    name: (usize, usize),
    attrs: (usize, usize),
    closing_or_pi: bool,
    after: usize,
}

impl<'a> Parser<'a> {
    /// `<([?/]?)([-\w:.\x80-\xff]+|!--)([^>]*)>` searched from `pos`.
    fn next_elem(&self, mut pos: usize) -> Option<Elem> {
        let d = self.data;
        loop {
            let lt = pos + memchr::memchr(b'<', d.get(pos..)?)?;
            let mut i = lt + 1;
            let mut special = false;
            if matches!(d.get(i), Some(b'?') | Some(b'/')) {
                special = true;
                i += 1;
            }
            let ns = i;
            if d.get(i..i + 3) == Some(b"!--") && !special {
                i += 3;
            } else {
                while i < d.len() && is_name_byte(d[i]) {
                    i += 1;
                }
            }
            if i == ns {
                pos = lt + 1;
                continue;
            }
            let gt = i + memchr::memchr(b'>', d.get(i..)?)?;
            return Some(Elem {
                name: (ns, i),
                attrs: (i, gt),
                closing_or_pi: special,
                after: gt + 1,
            });
        }
    }

    /// `data[a..b]` as text if it is UTF-8 (`None` too when out of range). When all of
    /// `data` is UTF-8, a piece is exactly when its ends are character boundaries.
    fn str_at(&self, a: usize, b: usize) -> Option<&'a str> {
        match self.text {
            Some(t) => t.get(a..b),
            None => std::str::from_utf8(self.data.get(a..b)?).ok(),
        }
    }

    /// `String::from_utf8_lossy` of `data[a..b]` (which must be in range), borrowed when
    /// it is UTF-8 (nearly always).
    fn lossy_at(&self, a: usize, b: usize) -> Cow<'a, str> {
        match self.str_at(a, b) {
            Some(s) => Cow::Borrowed(s),
            None => String::from_utf8_lossy(&self.data[a..b]),
        }
    }

    /// The attributes in `r`, as (name, value) text borrowed from the packet where it is
    /// UTF-8 (one element's list: no copy of names or values).
    fn parse_attrs(&self, r: (usize, usize)) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
        let data: &'a [u8] = self.data;
        let a = data.get(r.0..r.1).unwrap_or(&[]);
        let mut out = Vec::new();
        let mut i = 0;
        while i < a.len() {
            if a[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            // name: run of non-space, non-'=' bytes
            let ns = i;
            let mut j = i;
            while j < a.len() && !a[j].is_ascii_whitespace() && a[j] != b'=' {
                j += 1;
            }
            let ne = j;
            while j < a.len() && a[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= a.len() || a[j] != b'=' || ne == ns {
                i = ne.max(i + 1);
                continue;
            }
            j += 1;
            while j < a.len() && a[j].is_ascii_whitespace() {
                j += 1;
            }
            let Some(&q) = a.get(j) else { break };
            if q != b'"' && q != b'\'' {
                i = j;
                continue;
            }
            let vs = j + 1;
            let Some(ve) = a.get(vs..).and_then(|x| x.iter().position(|&b| b == q)) else {
                break;
            };
            let name = self.lossy_at(r.0 + ns, r.0 + ne);
            let val = self.lossy_at(r.0 + vs, r.0 + vs + ve);
            out.push((name, val));
            i = vs + ve + 1;
        }
        out
    }

    /// Finds the end of element `prop` whose content starts at `from`: returns (value end,
    /// position after the closing tag).
    fn find_close(&self, prop: &[u8], from: usize, end: usize) -> Option<(usize, usize)> {
        let d = self.data;
        let mut nesting = 1usize;
        let mut pos = from;
        loop {
            let lt = pos + memchr::memchr(b'<', d.get(pos..)?)?;
            let mut i = lt + 1;
            let closing = d.get(i) == Some(&b'/');
            if closing {
                i += 1;
            }
            // (the first byte alone rules out most tags without a call to compare)
            if prop.first().is_some_and(|f| d.get(i) != Some(f))
                || d.get(i..i + prop.len()) != Some(prop)
            {
                pos = lt + 1;
                continue;
            }
            i += prop.len();
            let more_name = i < d.len() && is_name_byte(d[i]);
            let gt = i + memchr::memchr(b'>', d.get(i..)?)?;
            let after = gt + 1;
            if after > end {
                return None;
            }
            pos = after;
            if more_name {
                continue;
            }
            if closing {
                nesting -= 1;
                if nesting == 0 {
                    return Some((lt, after));
                }
            } else if d.get(gt.wrapping_sub(1)) != Some(&b'/') {
                nesting += 1;
            }
        }
    }

    fn warn(&mut self, w: String) {
        if !self.warnings.contains(&w) && self.warnings.len() < 16 {
            self.warnings.push(w);
        }
    }

    /// Port of ParseXMPElement: returns the number of elements found at this level.
    fn parse_level(
        &mut self,
        start: usize,
        end: usize,
        props: &mut Vec<String>,
        depth: usize,
    ) -> usize {
        if depth > MAX_DEPTH {
            self.warn("XMP nesting too deep".into());
            return 0;
        }
        let mut count = 0usize;
        let mut n_items = 0usize;
        let mut saved_xlat: Option<HashMap<String, String>> = None;
        let mut pos = start;
        loop {
            self.steps += 1;
            if self.steps.is_multiple_of(256) && self.budget.exceeded() {
                self.warn("XMP processing stopped: time budget exceeded".into());
                break;
            }
            if self.found.len() > MAX_TAGS {
                break;
            }
            if pos + 4 > end {
                break;
            }
            let Some(el) = self.next_elem(pos) else { break };
            if el.after > end {
                break;
            }
            pos = el.after;
            if el.closing_or_pi {
                continue;
            }
            let data = self.data;
            let name_bytes = &data[el.name.0..el.name.1];
            if name_bytes == b"!--" {
                let a = &self.data[el.attrs.0..el.attrs.1];
                if a.ends_with(b"--") {
                    continue;
                }
                match find(self.data, b"-->", pos) {
                    Some(p) => {
                        pos = p + 3;
                        continue;
                    }
                    None => break,
                }
            }
            let mut attrs_r = el.attrs;
            let self_closing =
                self.data.get(attrs_r.1.wrapping_sub(1)) == Some(&b'/') && attrs_r.1 > attrs_r.0;
            if self_closing {
                attrs_r.1 -= 1;
            }
            let val_start = pos;
            let val_end;
            if !self_closing {
                match self.find_close(name_bytes, val_start, end) {
                    Some((ve, after)) => {
                        val_end = ve;
                        pos = after;
                    }
                    None => {
                        if !name_bytes.contains(&b':') {
                            // ExifTool stops this level (e.g. "<1>" inside a CDATA value)
                            break;
                        }
                        let p = String::from_utf8_lossy(name_bytes).into_owned();
                        self.warn(format!("XMP format error (no closing tag for {p})"));
                        // ExifTool stops here too; we read on to the end of the data
                        // instead so a truncated packet still yields what it holds.
                        val_end = end;
                        pos = end;
                    }
                }
            } else {
                val_end = val_start;
            }
            let raw_attrs = match data.get(attrs_r.0..attrs_r.1) {
                Some(_) => self.str_at(attrs_r.0, attrs_r.1).unwrap_or(""),
                None => "",
            };
            // namespaces and attributes
            let mut attrs: Vec<(Cow<str>, Cow<str>)> = Vec::new();
            for (mut a, v) in self.parse_attrs(attrs_r) {
                if let Some((pre, local)) = split_colon(&a) {
                    if pre == "xmlns" {
                        let ns = local.to_string();
                        let mut std_ns = uri_prefix(&v).map(|s| s.to_string());
                        if std_ns.is_none() {
                            std_ns = self.version_match(&v);
                        }
                        let mut new_ns: Option<String> = None;
                        if let Some(sn) = std_ns {
                            if sn != ns {
                                new_ns = Some(sn);
                            } else if self.xlat.contains_key(&ns) {
                                new_ns = Some(String::new());
                            }
                        } else if let Some(cur) = self.cur_ns.get(v.as_ref()) {
                            if *cur != ns {
                                new_ns = Some(cur.clone());
                            }
                        } else {
                            let mut used = ns.clone();
                            if self.cur_uri.contains_key(&ns) || is_std_prefix(&ns) {
                                let mut i = 0;
                                while self.cur_uri.contains_key(&format!("tmp{i}")) {
                                    i += 1;
                                }
                                used = format!("tmp{i}");
                                new_ns = Some(used.clone());
                            }
                            self.cur_ns.insert(v.to_string(), used.clone());
                            self.cur_uri.insert(used, v.to_string());
                        }
                        if let Some(nn) = new_ns {
                            if saved_xlat.is_none() {
                                saved_xlat = Some(self.xlat.clone());
                            }
                            if nn.is_empty() {
                                self.xlat.remove(&ns);
                            } else {
                                self.xlat.insert(ns.clone(), nn.clone());
                                a = crate::bytes::cat(&["xmlns:", &nn]).into();
                                for (prev, _) in attrs.iter_mut() {
                                    if let Some((pp, rest)) = split_colon(prev) {
                                        if pp == ns && pp != nn {
                                            *prev = crate::bytes::cat(&[&nn, ":", rest]).into();
                                        }
                                    }
                                }
                            }
                        }
                    } else if let Some(x) = self.xlat.get(pre) {
                        a = crate::bytes::cat(&[x, ":", local]).into();
                    }
                }
                if let Some(e) = attrs.iter_mut().find(|(k, _)| *k == a) {
                    e.1 = v;
                } else {
                    attrs.push((a, v));
                }
            }
            let mut prop = self.lossy_at(el.name.0, el.name.1).into_owned();
            if let Some((pre, local)) = split_colon(&prop) {
                if let Some(x) = self.xlat.get(pre) {
                    prop = crate::bytes::cat(&[x, ":", local]);
                }
            }
            let mut parse_resource = false;
            if prop == "rdf:li" {
                if n_items == MAX_LIST_ITEMS {
                    self.warn("Extracted only 1000 XMP list items".into());
                    break;
                }
                let digits = n_items.to_string();
                prop = format!("rdf:li {}{}", digits.len(), digits);
                if n_items == 0 && !props.iter().any(|p| p.starts_with("rdf:li ")) {
                    self.list_tags.clear();
                }
                n_items += 1;
            } else if prop == "rdf:Description" {
                if props.iter().any(|p| p == "rdf:Description") {
                    parse_resource = true;
                    attrs.retain(|(k, _)| k != "rdf:parseType");
                    attrs.push(("rdf:parseType".into(), "Resource".into()));
                }
            } else if prop == "xmp:xmpmeta" {
                prop = "x:xmpmeta".into();
            }
            if let Some(i) = attrs.iter().position(|(k, _)| k == "rdf:nodeID") {
                let (_, id) = attrs.remove(i);
                prop = crate::bytes::cat(&[&prop, " #", &id]);
                parse_resource = false;
            }
            let is_desc = prop == "rdf:Description";
            let elem_ns = split_colon(&prop).map(|(n, _)| n.to_string());
            if !parse_resource {
                props.push(prop);
            }
            // shorthand properties in attributes
            let mut shorthand = false;
            let mut remaining: Vec<(Cow<str>, Cow<str>)> = Vec::new();
            for (short, val) in attrs {
                let own_ns = split_colon(&short).map(|(n, _)| n);
                let ns = own_ns.or(elem_ns.as_deref()).unwrap_or("");
                let prop_name: std::borrow::Cow<str> = if own_ns.is_some() || elem_ns.is_none() {
                    short.as_ref().into()
                } else {
                    crate::bytes::cat(&[ns, ":", &short]).into()
                };
                if ignored_ns(ns) {
                    let special = match &*prop_name {
                        "rdf:about" => Some(("rdf", "about")),
                        "x:xmptk" | "x:xaptk" => Some(("x", "xmptk")),
                        _ => None,
                    };
                    if let Some((tns, tid)) = special {
                        if !val.is_empty() {
                            let tval = unescape_xml(&val);
                            self.handle_special(tns, tid, tval);
                        }
                    }
                    remaining.push((short, val));
                    continue;
                }
                props.push(prop_name.into_owned());
                self.found_xmp(props, &val, None);
                props.pop();
                shorthand = true;
            }
            let attrs = remaining;
            let inner = if val_start == val_end {
                0
            } else {
                self.parse_level(val_start, val_end, props, depth + 1)
            };
            if inner == 0 {
                let mut val = match self.data.get(val_start..val_end) {
                    Some(_) => self.lossy_at(val_start, val_end).into_owned(),
                    None => String::new(),
                };
                if is_desc && !val.is_empty() {
                    val = strip_comments(&val).trim().to_string();
                }
                let mut was_empty = false;
                if val.is_empty() {
                    if let Some(v) = attr_in_raw(raw_attrs, &["rdf:value", "rdf:resource"])
                        .or_else(|| attr_in_raw(raw_attrs, &["rdf:about"]))
                    {
                        val = v;
                        was_empty = true;
                    }
                }
                if !val.is_empty() || !shorthand {
                    let last = props.last().map(String::as_str).unwrap_or("");
                    let skip = (last == "rdf:type" && was_empty)
                        || matches!(last, "et:desc" | "et:prt" | "et:val");
                    if !skip {
                        let lang = attrs
                            .iter()
                            .find(|(k, _)| k == "xml:lang")
                            .map(|(_, v)| v.as_ref());
                        self.found_xmp(props, &val, lang);
                    }
                }
            }
            if !parse_resource {
                props.pop();
            }
            count += 1;
            if pos >= end {
                break;
            }
            while pos < end && self.data[pos].is_ascii_whitespace() {
                pos += 1;
            }
        }
        if let Some(x) = saved_xlat {
            self.xlat = x;
        }
        count
    }

    /// Same namespace URI with a different version number (`.../1.0/` vs `.../2.0/`).
    fn version_match(&self, uri: &str) -> Option<String> {
        let pat = version_pattern(uri)?;
        tables::URI_PREFIX
            .iter()
            .find(|(u, _)| version_pattern(u).as_deref() == Some(pat.as_str()))
            .map(|(_, p)| p.to_string())
    }

    /// rdf:about and x:xmptk, extracted once per distinct value.
    fn handle_special(&mut self, tns: &str, tid: &str, val: String) {
        let Some(t) = lookup(tns, tid) else { return };
        if let Some(&i) = self.index.get(t.name) {
            if self.found[i].values.len() == 1 && self.found[i].values[0] == val {
                return;
            }
        }
        let info = Info {
            w: Some(t.w),
            list: false,
            pc: Pc::None,
            vc: Vc::None,
            known: true,
            prio: 1,
            join: false,
        };
        self.found_tag(t.name.to_string(), info, val);
    }

    fn found_xmp(&mut self, props: &[String], raw: &str, lang: Option<&str>) {
        let Some((tag, ns)) = xmp_tag_id(props, None) else {
            return;
        };
        let ns = std_xlat(ns);
        let mut name;
        let mut info;
        // (consecutive properties mostly share their namespace)
        let ns_known = match &self.last_ns {
            Some((p, t)) if p == ns => *t,
            _ => {
                let t = ns_table(ns);
                self.last_ns = Some((ns.to_string(), t));
                t
            }
        };
        let known = ns_known.and_then(|t| {
            t.tags
                .binary_search_by(|x| x.id.cmp(tag.as_str()))
                .ok()
                .map(|i| &t.tags[i])
        });
        let dyn_key = if known.is_some() {
            String::new()
        } else {
            let mut k = String::with_capacity(ns.len() + 1 + tag.len());
            k.push_str(ns);
            k.push(':');
            k.push_str(&tag);
            k
        };
        if let Some(t) = known {
            name = t.name.to_string();
            info = Info {
                w: Some(t.w),
                list: t.list,
                pc: t.pc,
                vc: t.vc,
                known: true,
                prio: if t.prio0 { 0 } else { 1 },
                join: t.join,
            };
        } else if let Some((n, i)) = self.dynamic.get(&dyn_key) {
            info = *i;
            name = n.clone();
        } else {
            name = ucfirst(&tag);
            let mut field: Option<&'static Tag> = None;
            if ns_known.is_some() {
                // an unknown field of a known structure: named after the innermost one
                let mut parts = Vec::new();
                xmp_tag_id(props, Some(&mut parts));
                let mut cum: Vec<String> = Vec::new();
                for (k, (nm, _)) in parts.iter().enumerate() {
                    let prev = cum.last().cloned().unwrap_or_default();
                    cum.push(if k == 0 {
                        nm.clone()
                    } else {
                        prev + &ucfirst(nm)
                    });
                }
                for i in (0..parts.len().saturating_sub(1)).rev() {
                    let Some(st) = lookup(ns, &cum[i]) else {
                        continue;
                    };
                    if st.st == 0 {
                        continue;
                    }
                    let flat = if st.flat.is_empty() { st.name } else { st.flat };
                    let mut rel = String::new();
                    for (nm, _) in parts[i + 1..].iter().rev() {
                        rel = crate::bytes::cat(&[nm, &ucfirst(&rel)]);
                    }
                    name = crate::bytes::cat(&[flat, &ucfirst(&rel)]);
                    if st.st == 2 {
                        // variable-namespace structure: the field's own namespace table
                        let fns = std_xlat(&parts[i + 1].1);
                        if fns != ns {
                            if let Some(t) = lookup(fns, &rel) {
                                name = crate::bytes::cat(&[flat, t.name]);
                                field = Some(t);
                            }
                        }
                    }
                    break;
                }
            }
            info = match field {
                Some(t) => Info {
                    w: Some(t.w),
                    list: t.list,
                    pc: t.pc,
                    vc: t.vc,
                    known: true,
                    prio: if t.prio0 { 0 } else { 1 },
                    join: t.join,
                },
                None => Info {
                    w: None,
                    list: false,
                    pc: Pc::None,
                    vc: Vc::None,
                    known: false,
                    prio: 0,
                    join: false,
                },
            };
            let n = props.len();
            if field.is_none() && n > 2 && props[n - 1].starts_with("rdf:li ") {
                let parent = props[n - 2].as_str();
                if matches!(parent, "rdf:Bag" | "rdf:Seq" | "rdf:Alt") {
                    if lang.is_some() && parent == "rdf:Alt" {
                        info.w = Some(W::LangAlt);
                    } else {
                        info.list = true;
                    }
                }
            }
            self.dynamic.insert(dyn_key, (name.clone(), info));
        }
        if let Some(l) = lang {
            if !l.eq_ignore_ascii_case("x-default") && info.w == Some(W::LangAlt) {
                name = crate::bytes::cat(&[&name, "-", &standard_lang_case(&l.replace('_', "-"))]);
            }
        }
        let mut val = unescape_value(raw);
        // rational and date values
        let fmt = info.w;
        let new = !info.known;
        if fmt.is_some() || new {
            let rational = (new || fmt == Some(W::Rational)) && convert_rational(&mut val);
            if !rational && (new || fmt == Some(W::Date)) {
                val = convert_xmp_date(&val, new);
            }
        }
        self.found_tag(name, info, val);
    }

    fn found_tag(&mut self, name: String, info: Info, val: String) {
        if let Some(&i) = self.index.get(&name) {
            if let Some(&li) = self.list_tags.get(&name) {
                if self.found[li].values.len() < MAX_LIST_ITEMS * 10 {
                    self.found[li].values.push(val);
                }
                return;
            }
            let old = self.found[i].prio.max(1);
            let list_key = info.list.then(|| name.clone());
            let target = if info.prio >= old {
                self.found[i] = Found {
                    name,
                    values: vec![val],
                    prio: info.prio,
                    info,
                    hidden: false,
                };
                i
            } else {
                // kept as a hidden duplicate, like ExifTool's "Tag (1)"
                self.found.push(Found {
                    name,
                    values: vec![val],
                    prio: info.prio,
                    info,
                    hidden: true,
                });
                self.found.len() - 1
            };
            if let Some(k) = list_key {
                self.list_tags.insert(k, target);
            }
            return;
        }
        let i = self.found.len();
        if info.list {
            self.list_tags.insert(name.clone(), i);
        }
        self.index.insert(name.clone(), i);
        self.found.push(Found {
            name,
            values: vec![val],
            prio: info.prio,
            info,
            hidden: false,
        });
    }
}

fn version_pattern(uri: &str) -> Option<String> {
    // replace the first "/N.N/" (or trailing "/N.N") by a placeholder
    let b = uri.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' {
            let mut j = i + 1;
            let ds = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > ds && j < b.len() && b[j] == b'.' {
                let k0 = j + 1;
                let mut k = k0;
                while k < b.len() && b[k].is_ascii_digit() {
                    k += 1;
                }
                if k > k0 && (k == b.len() || b[k] == b'/') {
                    return Some(format!("{}/#.#{}", &uri[..i], &uri[k..]));
                }
            }
        }
        i += 1;
    }
    None
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => rest = &rest[i + j + 3..],
            None => {
                rest = &rest[i..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `\brdf:(value|resource)=(['"])(.*?)\1` in the raw attribute text.
fn attr_in_raw(raw: &str, names: &[&str]) -> Option<String> {
    let b = raw.as_bytes();
    for name in names {
        let pat = crate::bytes::cat(&[name, "="]);
        let mut from = 0;
        while let Some(i) = raw.get(from..).and_then(|r| r.find(&pat)).map(|i| i + from) {
            let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            let q = b.get(i + pat.len()).copied();
            if boundary && matches!(q, Some(b'"') | Some(b'\'')) {
                let vs = i + pat.len() + 1;
                if let Some(e) = b
                    .get(vs..)
                    .and_then(|r| r.iter().position(|&c| Some(c) == q))
                {
                    return Some(raw[vs..vs + e].to_string());
                }
            }
            from = i + 1;
        }
    }
    None
}

/// Port of GetXMPTagID: the flattened tag ID and the namespace of its first property (a
/// slice of `props`); with `parts`, also each contributing (local name, namespace), which
/// only tags missing from the tables need.
fn xmp_tag_id<'p>(
    props: &'p [String],
    mut parts: Option<&mut Vec<(String, String)>>,
) -> Option<(String, &'p str)> {
    let mut tag: Option<String> = None;
    let mut namespace: Option<&'p str> = None;
    for prop in props {
        let (ns, nm) = match split_colon(prop) {
            Some((n, m)) => (n, m),
            None => ("", prop.as_str()),
        };
        if ignored_ns(ns) {
            // rdf:_N numbered items contribute their number
            if ns == "rdf" && nm.starts_with('_') && nm[1..].chars().all(|c| c.is_ascii_digit()) {
                if let Some(t) = tag.as_mut() {
                    t.push_str(nm);
                }
                if namespace.is_none() {
                    namespace = Some(ns);
                }
            }
            continue;
        }
        let mut nm: std::borrow::Cow<str> = nm.split(' ').next().unwrap_or("").into();
        if !nm.bytes().any(|b| b.is_ascii_lowercase()) && lookup(std_xlat(ns), &nm).is_none() {
            let lower = nm.to_lowercase();
            let mut out = String::new();
            let mut chars = lower.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '_' {
                    if let Some(&n) = chars.peek() {
                        if n.is_ascii_lowercase() {
                            out.push(n.to_ascii_uppercase());
                            chars.next();
                            continue;
                        }
                    }
                }
                out.push(c);
            }
            nm = out.into();
        }
        if let Some(p) = parts.as_deref_mut() {
            p.push((nm.to_string(), ns.to_string()));
        }
        match tag.as_mut() {
            Some(t) => push_ucfirst(t, &nm),
            None => tag = Some(nm.into_owned()),
        }
        if namespace.is_none() {
            namespace = Some(ns);
        }
    }
    let tag = tag.filter(|t| !t.is_empty())?;
    Some((tag, namespace.unwrap_or("")))
}

/// `out.push_str(&ucfirst(s))` without the temporary `String`.
fn push_ucfirst(out: &mut String, s: &str) {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_ascii() => out.push(f.to_ascii_uppercase()),
        Some(f) => out.extend(f.to_uppercase()),
        None => return,
    }
    out.push_str(c.as_str());
}

fn ucfirst(s: &str) -> String {
    if let Some(&b) = s.as_bytes().first() {
        if b.is_ascii() {
            let mut out = String::with_capacity(s.len());
            out.push(b.to_ascii_uppercase() as char);
            out.push_str(&s[1..]);
            return out;
        }
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn standard_lang_case(lang: &str) -> String {
    let parts: Vec<&str> = lang.splitn(2, '-').collect();
    if parts.len() == 2 {
        let first = parts[0];
        let rest = parts[1];
        let first_ok = (first.len() == 2 || first.len() == 3)
            && first.bytes().all(|b| b.is_ascii_alphabetic())
            || first.eq_ignore_ascii_case("x")
            || first.eq_ignore_ascii_case("i");
        let sub: String = rest.chars().take(2).collect();
        let after = &rest[sub.len()..];
        let boundary = after
            .chars()
            .next()
            .map(|c| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(true);
        if first_ok && sub.len() == 2 && sub.bytes().all(|b| b.is_ascii_alphabetic()) && boundary {
            return format!(
                "{}-{}{}",
                first.to_lowercase(),
                sub.to_uppercase(),
                after.to_lowercase()
            );
        }
    }
    lang.to_lowercase()
}

/// Un-escapes XML entities, keeping CDATA sections verbatim.
fn unescape_value(raw: &str) -> String {
    if !raw.contains("<![CDATA[") {
        return unescape_xml(raw);
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find("<![CDATA[") {
        match rest[i + 9..].find("]]>") {
            Some(j) => {
                out.push_str(&unescape_xml(&rest[..i]));
                out.push_str(&rest[i + 9..i + 9 + j]);
                rest = &rest[i + 9 + j + 3..];
            }
            None => break,
        }
    }
    out.push_str(&unescape_xml(rest));
    out
}

/// ExifTool's UnescapeXML: the five XML entities and numeric character references.
pub fn unescape_xml(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let semi = after.find(';').filter(|&j| j <= 10);
        let mut done = false;
        if let Some(j) = semi {
            let ent = &after[..j];
            let rep = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "apos" => Some('\''),
                "quot" => Some('"'),
                _ => {
                    if let Some(h) = ent.strip_prefix("#x").or_else(|| ent.strip_prefix("#X")) {
                        u32::from_str_radix(h, 16).ok().and_then(char::from_u32)
                    } else if let Some(d) = ent.strip_prefix('#') {
                        d.parse::<u32>().ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
            };
            if let Some(c) = rep {
                out.push(c);
                rest = &after[j + 1..];
                done = true;
            }
        }
        if !done {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// ExifTool's ConvertRational: "a/b" -> the quotient (or "inf"/"undef").
fn convert_rational(val: &mut String) -> bool {
    let Some((a, b)) = val.split_once('/') else {
        return false;
    };
    let int = |s: &str| {
        let d = s.strip_prefix('-').unwrap_or(s);
        !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
    };
    if !int(a) || !int(b) {
        return false;
    }
    let (Ok(x), Ok(y)) = (a.parse::<f64>(), b.parse::<f64>()) else {
        return false;
    };
    *val = if y != 0.0 {
        fmt_num(x / y)
    } else if x != 0.0 {
        "inf".into()
    } else {
        "undef".into()
    };
    true
}

/// ExifTool's ConvertXMPDate.
pub fn convert_xmp_date(val: &str, unsure: bool) -> String {
    let b = val.as_bytes();
    let dig =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    // ^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}:\d{2})(:\d{2})?\s*(\S*)$
    if b.len() >= 16
        && dig(0..4)
        && b[4] == b'-'
        && dig(5..7)
        && b[7] == b'-'
        && dig(8..10)
        && (b[10] == b'T' || b[10] == b' ')
        && dig(11..13)
        && b[13] == b':'
        && dig(14..16)
    {
        let mut i = 16;
        let mut secs = "";
        if b.get(16) == Some(&b':') && dig(17..19) {
            secs = &val[16..19];
            i = 19;
        }
        let rest = &val[i..];
        let tz = rest.trim_start();
        if !tz.chars().any(char::is_whitespace) {
            return format!(
                "{}:{}:{} {}{}{}",
                &val[0..4],
                &val[5..7],
                &val[8..10],
                &val[11..16],
                secs,
                tz
            );
        }
    }
    if !unsure && b.len() >= 4 && dig(0..4) {
        return val.replace('-', ":");
    }
    val.to_string()
}

/// Applies the value and print conversions of a known tag to one value.
fn convert(val: &str, info: &Info) -> String {
    let mut v = val.to_string();
    match info.vc {
        Vc::None => {}
        Vc::Degrees => v = to_degrees(&v).map(fmt_num).unwrap_or_default(),
        Vc::Aperture => v = fmt_num(2f64.sqrt().powf(perl_num(&v))),
        Vc::Shutter => {
            let x = perl_num(&v);
            v = fmt_num(if x.abs() < 100.0 {
                1.0 / 2f64.powf(x)
            } else {
                0.0
            });
        }
        Vc::RationalList => {
            let mut parts: Vec<String> = v.split_whitespace().map(str::to_string).collect();
            if parts.len() == 4 && parts.iter_mut().all(convert_rational) {
                v = parts.join(" ");
            }
        }
        Vc::Date => v = convert_xmp_date(&v, false),
        Vc::PlusVocab => v = v.replace("http://ns.useplus.org/ldf/vocab/", ""),
        Vc::UnixMs => v = convert_unix_time(perl_num(&v) / 1000.0, true, 3),
        Vc::Unix => v = convert_unix_time(perl_num(&v), false, 0),
        Vc::StripSlash => {
            if let Some(x) = v.strip_prefix('/') {
                v = x.to_string();
            }
        }
        Vc::ExifTime => v = exif_time(&v),
        Vc::Base64Bin => {
            v = format!(
                "(Binary data {} bytes, use -b option to extract)",
                decode_base64(&v).len()
            )
        }
    }
    let num = v.trim().parse::<f64>().ok();
    let pn = perl_num(&v);
    match info.pc {
        Pc::None => v,
        Pc::Map(m) | Pc::MapOther(m) => match m.binary_search_by(|(k, _)| (*k).cmp(v.as_str())) {
            Ok(i) => m[i].1.to_string(),
            Err(_) if matches!(info.pc, Pc::MapOther(_)) => v,
            Err(_) => format!("Unknown ({v})"),
        },
        Pc::Bool => {
            if v.eq_ignore_ascii_case("true") {
                "True".into()
            } else if v.eq_ignore_ascii_case("false") {
                "False".into()
            } else {
                v
            }
        }
        Pc::GpsN | Pc::GpsE | Pc::Gps => {
            let Some(x) = num else { return v };
            let r = match info.pc {
                Pc::GpsN => Some(('N', 'S')),
                Pc::GpsE => Some(('E', 'W')),
                _ => None,
            };
            to_dms(x, r)
        }
        Pc::Meters => {
            if v == "inf" || v == "undef" {
                v
            } else {
                format!("{v} m")
            }
        }
        Pc::F1 => format!("{pn:.1}"),
        Pc::F2 => format!("{pn:.2}"),
        Pc::F1Mm => format!("{pn:.1} mm"),
        Pc::LensInfo => print_lens_info(&v),
        Pc::Mm => format!("{v} mm"),
        Pc::ExposureTime => match num {
            Some(x) => print_exposure_time(x),
            None => v,
        },
        Pc::FNumber => match num {
            Some(x) if x > 0.0 => {
                if x < 1.0 {
                    format!("{x:.2}")
                } else {
                    format!("{x:.1}")
                }
            }
            _ => v,
        },
        Pc::Fraction => print_fraction(pn),
    }
}

/// ExifTool's DecodeBase64 (characters outside the alphabet are ignored).
pub fn decode_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// ExifTool's ConvertUnixTime, in UTC (with "+00:00" when `local`).
pub fn convert_unix_time(t: f64, local: bool, dec: usize) -> String {
    if t == 0.0 || !t.is_finite() {
        return "0000:00:00 00:00:00".into();
    }
    let mut secs = t.floor();
    let mut frac = String::new();
    if dec > 0 {
        let f = format!("{:.*}", dec, t - secs);
        if f.starts_with('1') {
            secs += 1.0;
        }
        frac = f.get(1..).unwrap_or("").to_string();
    } else if t != t.trunc() {
        secs = (t + 1e-6).trunc();
    }
    let s = secs as i64;
    let days = s.div_euclid(86400);
    let rem = s.rem_euclid(86400);
    // civil from days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{:4}:{:02}:{:02} {:02}:{:02}:{:02}{}{}",
        y,
        m,
        d,
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        frac,
        if local { "+00:00" } else { "" }
    )
}

/// Exif::ExifTime: "HHMMSS+hhmm" -> "HH:MM:SS+hh:mm".
pub fn exif_time(s: &str) -> String {
    let mut t = s.replace(' ', ":");
    if let Some(x) = t.strip_suffix('\0') {
        t = x.to_string();
    }
    let b = t.as_bytes();
    if b.len() >= 6 && b[..6].iter().all(u8::is_ascii_digit) {
        t = format!("{}:{}:{}{}", &t[0..2], &t[2..4], &t[4..6], &t[6..]);
    }
    let trimmed = t.trim_end();
    let b = trimmed.as_bytes();
    let n = b.len();
    if n >= 5 && matches!(b[n - 5], b'+' | b'-') && b[n - 4..].iter().all(u8::is_ascii_digit) {
        t = format!("{}:{}", &trimmed[..n - 2], &trimmed[n - 2..]);
    }
    t
}

/// Perl's numeric value of a string: its leading number, or 0.
pub fn perl_num(s: &str) -> f64 {
    let t = s.trim_start();
    let b = t.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+') | Some(b'-')) {
        i = 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut nd = i - ds;
    if i < b.len() && b[i] == b'.' {
        let k = i + 1;
        let mut e = k;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        nd += e - k;
        i = e;
    }
    if nd == 0 {
        return 0.0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut e = i + 1;
        if matches!(b.get(e), Some(b'+') | Some(b'-')) {
            e += 1;
        }
        let es = e;
        while e < b.len() && b[e].is_ascii_digit() {
            e += 1;
        }
        if e > es {
            i = e;
        }
    }
    t[..i].parse().unwrap_or(0.0)
}

/// ExifTool's Exif::PrintLensInfo.
pub fn print_lens_info(val: &str) -> String {
    let mut vals: Vec<String> = val.split_whitespace().map(str::to_string).collect();
    if vals.len() != 4 {
        return val.to_string();
    }
    for v in vals.iter_mut() {
        if v == "inf" || v == "undef" {
            *v = "?".into();
        } else if v.parse::<f64>().is_err() {
            return val.to_string();
        }
    }
    let nz = |s: &str| s == "?" || perl_num(s) != 0.0;
    let mut out = vals[0].clone();
    if nz(&vals[1]) && vals[1] != vals[0] {
        out.push_str(&format!("-{}", vals[1]));
    }
    out.push_str(&format!("mm f/{}", vals[2]));
    if nz(&vals[3]) && vals[3] != vals[2] {
        out.push_str(&format!("-{}", vals[3]));
    }
    out
}

/// ExifTool's Exif::PrintExposureTime.
pub fn print_exposure_time(secs: f64) -> String {
    if secs < 0.25001 && secs > 0.0 {
        return format!("1/{}", (0.5 + 1.0 / secs) as i64);
    }
    let s = format!("{secs:.1}");
    s.strip_suffix(".0").map(|x| x.to_string()).unwrap_or(s)
}

/// ExifTool's Exif::PrintFraction.
pub fn print_fraction(val: f64) -> String {
    let v = val * 1.00001;
    if v == 0.0 {
        "0".into()
    } else if (v.trunc() / v) > 0.999 {
        format!("{:+}", v.trunc() as i64)
    } else if ((v * 2.0).trunc() / (v * 2.0)) > 0.999 {
        format!("{:+}/2", (v * 2.0).trunc() as i64)
    } else if ((v * 3.0).trunc() / (v * 3.0)) > 0.999 {
        format!("{:+}/3", (v * 3.0).trunc() as i64)
    } else {
        let s = fmt_g(v, 3);
        if s.starts_with('-') {
            s
        } else {
            format!("+{s}")
        }
    }
}

/// GPS::ToDegrees with sign from a trailing S/W.
fn to_degrees(val: &str) -> Option<f64> {
    if val.contains("inf") || val.contains("undef") {
        return None;
    }
    let nums = extract_floats(val, 3);
    let d = *nums.first()?;
    let m = nums.get(1).copied().unwrap_or(0.0);
    let s = nums.get(2).copied().unwrap_or(0.0);
    let mut deg = d + (m + s / 60.0) / 60.0;
    let t = val.trim_end();
    let up = t.to_ascii_uppercase();
    let south = ["S", "SOUTH", "W", "WEST"].iter().any(|suf| {
        up.ends_with(suf) && {
            let before = up.len() - suf.len();
            before > 0 && !up.as_bytes()[before - 1].is_ascii_uppercase()
        }
    });
    if south {
        deg = -deg;
    }
    Some(deg)
}

fn extract_floats(s: &str, max: usize) -> Vec<f64> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < max {
        let start = i;
        let mut j = i;
        if b[j] == b'+' || b[j] == b'-' {
            j += 1;
        }
        let ds = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let mut has = j > ds;
        if j < b.len() && b[j] == b'.' {
            let k = j + 1;
            let mut e = k;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            if e > k || has {
                has = true;
                j = e;
            }
        }
        if has {
            if let Ok(x) = s[start..j].parse::<f64>() {
                out.push(x);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// GPS::ToDMS with ExifTool's default print format `%d deg %d' %.2f"`.
pub fn to_dms(val: f64, refs: Option<(char, char)>) -> String {
    let (mut v, r) = match refs {
        Some((pos, neg)) => {
            if val < 0.0 {
                (-val, format!(" {neg}"))
            } else {
                (val, format!(" {pos}"))
            }
        }
        None => (val.abs(), String::new()),
    };
    if !v.is_finite() {
        v = 0.0;
    }
    let mut d = v.trunc();
    let mut m = ((v - d) * 60.0).trunc();
    let s = (v - d - m / 60.0) * 3600.0;
    let mut s: f64 = format!("{s:.2}").parse().unwrap_or(0.0);
    if s >= 60.0 {
        s -= 60.0;
        m += 1.0;
        if m >= 60.0 {
            m -= 60.0;
            d += 1.0;
        }
    }
    format!("{} deg {}' {:.2}\"{}", d as i64, m as i64, s, r)
}

/// Perl's default number stringification (`%.15g`).
pub fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    fmt_g(x, 15)
}

/// C's `%.{prec}g`.
pub fn fmt_g(x: f64, prec: usize) -> String {
    let mut out = String::new();
    if x.is_finite() {
        crate::formats::exif::push_g_finite(&mut out, x, prec);
    } else {
        // What the former `format!`-based version printed for these.
        out.push_str(if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "inf"
        } else {
            "-inf"
        });
    }
    out
}

/// [`fmt_num`] appended to `out`.
pub fn push_num(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Inf" } else { "-Inf" });
    } else {
        crate::formats::exif::push_g_finite(out, x, 15);
    }
}

/// How `exiftool -json` prints a value: numbers that look like numbers, true/false as
/// booleans, everything else as a string.
pub fn json_value(s: &str) -> Value {
    json_scalar(s).unwrap_or_else(|| Value::String(s.to_string()))
}

/// [`json_value`] of a string the caller owns (not copied when it stays a string).
pub fn json_value_owned(s: String) -> Value {
    json_scalar(&s).unwrap_or(Value::String(s))
}

/// The boolean or number `s` prints as, if any.
fn json_scalar(s: &str) -> Option<Value> {
    if s.eq_ignore_ascii_case("true") {
        return Some(Value::Bool(true));
    }
    if s.eq_ignore_ascii_case("false") {
        return Some(Value::Bool(false));
    }
    if looks_numeric(s) {
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::from(i));
        }
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Some(Value::Number(n));
            }
        }
    }
    None
}

/// `^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$`i
pub fn looks_numeric(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let ds = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let nd = i - ds;
    if nd == 0 || nd > 15 || (nd > 1 && b[ds] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == fs || i - fs > 16 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let es = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == es || i - es > 3 {
            return false;
        }
    }
    i == b.len()
}

/// Test helper: calls `f` on `n` copies of `d` with a few bytes replaced (deterministic).
#[cfg(test)]
pub(crate) fn mutations(d: &[u8], n: usize, f: impl Fn(&[u8])) {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const SPECIAL: &[u8] = b"<>/:\"'=\0\xff ";
    for _ in 0..n {
        let mut v = d.to_vec();
        for _ in 0..4 {
            if v.is_empty() {
                break;
            }
            let i = (next() as usize) % v.len();
            let r = next();
            v[i] = if r % 3 == 0 {
                SPECIAL[(r as usize / 3) % SPECIAL.len()]
            } else {
                r as u8
            };
        }
        f(&v);
    }
}

#[cfg(test)]
mod tests;
