//! PDF: header version, linearization flag, cross-reference tables and streams, the trailer's
//! Info dictionary (group `pdf`), the catalog (PageCount, TaggedPDF, Language) and the XMP
//! metadata stream (handed to the XMP parser), as ExifTool's PDF.pm reads them.
//!
//! A small tokenizer of our own: nesting depth, object counts, stream sizes and decompressed
//! sizes are capped; object references are followed at most a few levels and never in a cycle.
//! When the cross-reference data is broken, objects are found by scanning for `obj`.

use std::collections::{HashMap, HashSet};
use std::io::Read;

mod crypt;

use crate::formats::quicktime::conv::json_str;
use crate::model::Metadata;
use crypt::Crypt;
use serde_json::Value;

const G: &str = "pdf";
const MAX_DEPTH: usize = 32;
const MAX_ITEMS: usize = 100_000;
const MAX_STREAM: u64 = 32 << 20;

#[derive(Debug, Clone, PartialEq)]
enum Obj {
    Null,
    Bool(bool),
    Num(String),
    Str(Vec<u8>),
    Name(String),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32, u32),
    /// A dictionary followed by stream data (absolute byte range in the file or in a
    /// decoded object stream).
    Stream(Dict, usize, usize),
}

type Dict = Vec<(String, Obj)>;

fn get<'a>(d: &'a Dict, k: &str) -> Option<&'a Obj> {
    d.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)
}
fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

struct Lexer<'a> {
    d: &'a [u8],
    pos: usize,
    items: usize,
}

impl<'a> Lexer<'a> {
    fn new(d: &'a [u8], pos: usize) -> Self {
        Lexer { d, pos, items: 0 }
    }

    fn skip_ws(&mut self) {
        while let Some(&c) = self.d.get(self.pos) {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(&c) = self.d.get(self.pos) {
                    if c == b'\r' || c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn token(&mut self) -> Option<&'a [u8]> {
        self.skip_ws();
        let start = self.pos;
        while let Some(&c) = self.d.get(self.pos) {
            if is_ws(c) || is_delim(c) {
                break;
            }
            self.pos += 1;
        }
        if self.pos > start {
            Some(&self.d[start..self.pos])
        } else {
            None
        }
    }

    fn peek_keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        let end = self.pos + kw.len();
        self.d.get(self.pos..end) == Some(kw)
            && self.d.get(end).is_none_or(|&c| is_ws(c) || is_delim(c))
    }

    /// Parses one object. Integers followed by `G R` become references.
    fn object(&mut self, depth: usize) -> Option<Obj> {
        self.items += 1;
        if depth > MAX_DEPTH || self.items > MAX_ITEMS {
            return None;
        }
        self.skip_ws();
        let c = *self.d.get(self.pos)?;
        match c {
            b'/' => {
                self.pos += 1;
                let start = self.pos;
                while let Some(&c) = self.d.get(self.pos) {
                    if is_ws(c) || is_delim(c) {
                        break;
                    }
                    self.pos += 1;
                }
                Some(Obj::Name(decode_name(&self.d[start..self.pos])))
            }
            b'(' => self.literal().map(Obj::Str),
            b'<' => {
                if self.d.get(self.pos + 1) == Some(&b'<') {
                    self.pos += 2;
                    let mut dict = Dict::new();
                    loop {
                        self.skip_ws();
                        match self.d.get(self.pos) {
                            None => return Some(Obj::Dict(dict)),
                            Some(b'>') => {
                                self.pos += 2;
                                break;
                            }
                            Some(b'/') => {
                                let Some(Obj::Name(k)) = self.object(depth + 1) else {
                                    return None;
                                };
                                let v = self.object(depth + 1)?;
                                dict.push((k, v));
                            }
                            Some(_) => {
                                // junk inside a dictionary: skip one token
                                if self.token().is_none() {
                                    self.pos += 1;
                                }
                            }
                        }
                    }
                    // a stream follows?
                    let save = self.pos;
                    if self.peek_keyword(b"stream") {
                        self.pos += 6;
                        if self.d.get(self.pos) == Some(&b'\r') {
                            self.pos += 1;
                        }
                        if self.d.get(self.pos) == Some(&b'\n') {
                            self.pos += 1;
                        }
                        let start = self.pos;
                        return Some(Obj::Stream(dict, start, start));
                    }
                    self.pos = save;
                    Some(Obj::Dict(dict))
                } else {
                    self.pos += 1;
                    let start = self.pos;
                    while let Some(&c) = self.d.get(self.pos) {
                        if c == b'>' {
                            break;
                        }
                        self.pos += 1;
                    }
                    let hex: Vec<u8> = self.d[start..self.pos]
                        .iter()
                        .copied()
                        .filter(u8::is_ascii_hexdigit)
                        .collect();
                    self.pos += 1;
                    let mut out = Vec::with_capacity(hex.len() / 2 + 1);
                    for pair in hex.chunks(2) {
                        let hi = hexval(pair[0]);
                        let lo = pair.get(1).map(|&c| hexval(c)).unwrap_or(0);
                        out.push(hi << 4 | lo);
                    }
                    Some(Obj::Str(out))
                }
            }
            b'[' => {
                self.pos += 1;
                let mut a = Vec::new();
                loop {
                    self.skip_ws();
                    match self.d.get(self.pos) {
                        None => return Some(Obj::Array(a)),
                        Some(b']') => {
                            self.pos += 1;
                            return Some(Obj::Array(a));
                        }
                        Some(_) => {
                            let before = self.pos;
                            match self.object(depth + 1) {
                                Some(o) => a.push(o),
                                None => {
                                    if self.pos == before {
                                        self.pos += 1;
                                    }
                                    if depth + 1 > MAX_DEPTH || self.items > MAX_ITEMS {
                                        return None;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            b')' | b'>' | b']' | b'{' | b'}' => {
                self.pos += 1;
                None
            }
            _ => {
                let t = self.token()?;
                match t {
                    b"true" => Some(Obj::Bool(true)),
                    b"false" => Some(Obj::Bool(false)),
                    b"null" => Some(Obj::Null),
                    _ => {
                        let s = String::from_utf8_lossy(t).into_owned();
                        if t.iter().all(u8::is_ascii_digit) {
                            // maybe "N G R"
                            let save = self.pos;
                            if let Some(g) = self.token() {
                                if g.iter().all(u8::is_ascii_digit) && self.peek_keyword(b"R") {
                                    self.pos += 1;
                                    let n = s.parse().unwrap_or(0);
                                    let g = std::str::from_utf8(g)
                                        .ok()
                                        .and_then(|g| g.parse().ok())
                                        .unwrap_or(0);
                                    return Some(Obj::Ref(n, g));
                                }
                            }
                            self.pos = save;
                        }
                        Some(Obj::Num(s))
                    }
                }
            }
        }
    }

    /// A literal string with its escapes decoded (ExifTool's ReadPDFValue).
    fn literal(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut level = 1usize;
        while let Some(&c) = self.d.get(self.pos) {
            self.pos += 1;
            match c {
                b'\\' => {
                    let Some(&e) = self.d.get(self.pos) else {
                        break;
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = (e - b'0') as u32;
                            for _ in 0..2 {
                                match self.d.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + (d - b'0') as u32;
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        b'\r' => {
                            if self.d.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'(' => {
                    level += 1;
                    out.push(c);
                }
                b')' => {
                    level -= 1;
                    if level == 0 {
                        return Some(out);
                    }
                    out.push(c);
                }
                _ => out.push(c),
            }
            if out.len() > (16 << 20) {
                return None;
            }
        }
        Some(out)
    }
}

fn hexval(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

fn decode_name(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && raw.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && raw.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            out.push(hexval(raw[i + 1]) << 4 | hexval(raw[i + 2]));
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone, Copy)]
enum XEntry {
    Offset(usize),
    InStream(u32, u32),
}

struct Pdf<'a> {
    data: &'a [u8],
    xref: HashMap<u32, XEntry>,
    /// Decoded object streams, by object number.
    objstm: HashMap<u32, Vec<u8>>,
    fetches: usize,
    /// Generation numbers of the objects read so far (for decryption keys).
    gens: HashMap<u32, u32>,
    crypt: Option<Crypt>,
}

/// Decrypts every string inside `o` (an object read from the file, not from an object stream).
fn decrypt_strings(c: &Crypt, num: u32, gen: u32, o: &mut Obj, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match o {
        Obj::Str(s) => *s = c.decrypt(num, gen, s),
        Obj::Array(a) => a
            .iter_mut()
            .for_each(|x| decrypt_strings(c, num, gen, x, depth + 1)),
        Obj::Dict(d) | Obj::Stream(d, _, _) => d
            .iter_mut()
            .for_each(|(_, x)| decrypt_strings(c, num, gen, x, depth + 1)),
        _ => {}
    }
}

impl<'a> Pdf<'a> {
    /// Fetches an indirect object; `Stream` ranges refer to `self.data`.
    fn fetch(&mut self, n: u32, depth: usize) -> Option<Obj> {
        self.fetches += 1;
        if self.fetches > 10_000 || depth > 8 {
            return None;
        }
        match *self.xref.get(&n)? {
            XEntry::Offset(off) => {
                let mut o = self.object_at(off, depth)?;
                if let Some(c) = &self.crypt {
                    if c.strings {
                        let g = self.gens.get(&n).copied().unwrap_or(0);
                        decrypt_strings(c, n, g, &mut o, 0);
                    }
                }
                Some(o)
            }
            XEntry::InStream(sn, idx) => {
                if !self.objstm.contains_key(&sn) {
                    let Some(Obj::Stream(d, s, _)) = self.fetch(sn, depth + 1) else {
                        return None;
                    };
                    let raw = self.stream_data(&d, s, depth + 1, Some(sn))?;
                    self.objstm.insert(sn, raw);
                }
                let buf = self.objstm.get(&sn)?.clone();
                let Some(Obj::Stream(d, _, _)) = self.fetch(sn, depth + 1) else {
                    return None;
                };
                let count = num_u(get(&d, "N"))?;
                let first = num_u(get(&d, "First"))? as usize;
                let mut lx = Lexer::new(&buf, 0);
                let mut off = None;
                for i in 0..count.min(MAX_ITEMS as u64) {
                    let _num = lx.token()?;
                    let o = lx.token()?;
                    if i == idx as u64 {
                        off = std::str::from_utf8(o).ok()?.parse::<usize>().ok();
                        break;
                    }
                }
                let mut lx = Lexer::new(&buf, first.checked_add(off?)?);
                match lx.object(0)? {
                    // streams cannot live in object streams
                    Obj::Stream(d, _, _) => Some(Obj::Dict(d)),
                    o => Some(o),
                }
            }
        }
    }

    /// Parses "N G obj <object>" at `off`.
    fn object_at(&mut self, off: usize, depth: usize) -> Option<Obj> {
        let mut lx = Lexer::new(self.data, off);
        let a = lx.token()?;
        let b = lx.token()?;
        if !a.iter().all(u8::is_ascii_digit) || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if !lx.peek_keyword(b"obj") {
            return None;
        }
        lx.pos += 3;
        if let (Some(n), Some(g)) = (
            std::str::from_utf8(a)
                .ok()
                .and_then(|x| x.parse::<u32>().ok()),
            std::str::from_utf8(b)
                .ok()
                .and_then(|x| x.parse::<u32>().ok()),
        ) {
            self.gens.insert(n, g);
        }
        let o = lx.object(0)?;
        if let Obj::Stream(d, start, _) = o {
            let len = match get(&d, "Length") {
                Some(Obj::Ref(n, _)) => {
                    let n = *n;
                    match self.fetch(n, depth + 1) {
                        Some(Obj::Num(s)) => s.parse::<u64>().ok(),
                        _ => None,
                    }
                }
                other => num_u(other),
            };
            let end = match len {
                Some(l) if l <= MAX_STREAM && start + l as usize <= self.data.len() => {
                    start + l as usize
                }
                _ => find(self.data, b"endstream", start).unwrap_or(self.data.len()),
            };
            return Some(Obj::Stream(d, start, end));
        }
        Some(o)
    }

    fn resolve(&mut self, o: &Obj, depth: usize) -> Option<Obj> {
        match o {
            Obj::Ref(n, _) => self.fetch(*n, depth + 1),
            other => Some(other.clone()),
        }
    }

    /// Decoded stream data (FlateDecode with an optional PNG predictor; unfiltered data as is).
    /// `owner` is the stream's object number when it may be encrypted.
    fn stream_data(
        &mut self,
        d: &Dict,
        start: usize,
        depth: usize,
        owner: Option<u32>,
    ) -> Option<Vec<u8>> {
        let end = match self.xref_len_hint(d, start, depth) {
            Some(e) => e,
            None => find(self.data, b"endstream", start).unwrap_or(self.data.len()),
        };
        let raw = self.data.get(start..end)?;
        let filters: Vec<String> = match get(d, "Filter") {
            Some(Obj::Name(n)) => vec![n.clone()],
            Some(Obj::Array(a)) => a
                .iter()
                .filter_map(|o| match o {
                    Obj::Name(n) => Some(n.clone()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut buf = raw.to_vec();
        if let (Some(c), Some(n)) = (&self.crypt, owner) {
            if c.streams {
                let g = self.gens.get(&n).copied().unwrap_or(0);
                buf = c.decrypt(n, g, &buf);
            }
        }
        for f in &filters {
            match f.as_str() {
                "FlateDecode" | "Fl" => {
                    let mut out = Vec::new();
                    let dec = flate2::read::ZlibDecoder::new(&buf[..]);
                    if dec.take(MAX_STREAM).read_to_end(&mut out).is_err() && out.is_empty() {
                        return None;
                    }
                    buf = out;
                }
                _ => return None,
            }
        }
        let parms = match get(d, "DecodeParms") {
            Some(Obj::Dict(p)) => Some(p.clone()),
            Some(Obj::Array(a)) => a.iter().find_map(|o| match o {
                Obj::Dict(p) => Some(p.clone()),
                _ => None,
            }),
            _ => None,
        };
        if let Some(p) = parms {
            let pred = num_u(get(&p, "Predictor")).unwrap_or(1);
            if pred >= 10 {
                let cols = num_u(get(&p, "Columns")).unwrap_or(1).clamp(1, 1 << 20) as usize;
                buf = png_unpredict(&buf, cols);
            }
        }
        Some(buf)
    }

    fn xref_len_hint(&mut self, d: &Dict, start: usize, depth: usize) -> Option<usize> {
        let len = match get(d, "Length") {
            Some(Obj::Ref(n, _)) => {
                let n = *n;
                match self.fetch(n, depth + 1) {
                    Some(Obj::Num(s)) => s.parse::<u64>().ok(),
                    _ => None,
                }
            }
            other => num_u(other),
        }?;
        if len > MAX_STREAM {
            return None;
        }
        let end = start.checked_add(len as usize)?;
        (end <= self.data.len()).then_some(end)
    }
}

fn png_unpredict(buf: &[u8], cols: usize) -> Vec<u8> {
    let row = cols + 1;
    let mut out = Vec::with_capacity(buf.len());
    let mut prev = vec![0u8; cols];
    for chunk in buf.chunks(row) {
        if chunk.len() < row {
            break;
        }
        let ft = chunk[0];
        let mut cur = chunk[1..].to_vec();
        for i in 0..cols {
            let left = if i > 0 { cur[i - 1] } else { 0 };
            let up = prev[i];
            let ul = if i > 0 { prev[i - 1] } else { 0 };
            cur[i] = match ft {
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((left as u16 + up as u16) / 2) as u8),
                4 => {
                    let p = left as i16 + up as i16 - ul as i16;
                    let (pa, pb, pc) = (
                        (p - left as i16).abs(),
                        (p - up as i16).abs(),
                        (p - ul as i16).abs(),
                    );
                    let pr = if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        ul
                    };
                    cur[i].wrapping_add(pr)
                }
                _ => cur[i],
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    out
}

fn num_u(o: Option<&Obj>) -> Option<u64> {
    match o {
        Some(Obj::Num(s)) => s
            .parse::<u64>()
            .ok()
            .or_else(|| s.parse::<f64>().ok().map(|f| f as u64)),
        _ => None,
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    // header
    let head = &data[..data.len().min(1024)];
    let Some(hp) = find(head, b"%PDF-", 0) else {
        return;
    };
    if !head[..hp].iter().all(|&c| is_ws(c)) {
        return;
    }
    let base = hp;
    if base > 0 {
        meta.warn("PDF header is not at start of file");
    }
    let vstart = hp + 5;
    let vlen = head[vstart..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    let ver = String::from_utf8_lossy(&head[vstart..vstart + vlen]).into_owned();
    meta.set(G, "PDFVersion", json_str(&ver));
    // linearization: the first dictionary in the first 1024 bytes
    let mut lin = false;
    if let Some(p) = find(head, b"<<", 0) {
        let mut lx = Lexer::new(head, p);
        if let Some(Obj::Dict(d) | Obj::Stream(d, _, _)) = lx.object(0) {
            if get(&d, "Linearized").is_some() {
                if let Some(l) = num_u(get(&d, "L")) {
                    lin = l as usize == data.len() - base;
                }
            }
        }
    }
    meta.set(G, "Linearized", if lin { "Yes" } else { "No" });

    let mut pdf = Pdf {
        data,
        xref: HashMap::new(),
        objstm: HashMap::new(),
        fetches: 0,
        gens: HashMap::new(),
        crypt: None,
    };
    let trailers = read_xref(meta, &mut pdf, base);
    let trailers = if trailers.is_empty() {
        meta.warn("Invalid xref table; scanning for objects");
        scan_objects(&mut pdf)
    } else {
        trailers
    };
    let enc = trailers
        .iter()
        .find_map(|t| get(t, "Encrypt").filter(|e| **e != Obj::Null).cloned());
    if let Some(e) = enc {
        let id0 = trailers.iter().find_map(|t| match get(t, "ID") {
            Some(Obj::Array(a)) => match a.first() {
                Some(Obj::Str(s)) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        });
        match pdf.resolve(&e, 0) {
            Some(Obj::Dict(ed)) => {
                if let Err(msg) = init_crypt(meta, &mut pdf, &ed, id0.as_deref()) {
                    meta.warn(msg);
                    return;
                }
            }
            _ => {
                meta.warn("Error loading Encrypt object");
                return;
            }
        }
    }
    let mut done_info = false;
    let mut done_root = false;
    for t in &trailers {
        for (k, v) in t {
            if meta.budget.exceeded() {
                return;
            }
            match k.as_str() {
                "Root" if !done_root => {
                    done_root = true;
                    if let Some(Obj::Dict(d)) = pdf.resolve(v, 0) {
                        root(meta, &mut pdf, &d);
                    }
                }
                "Info" if !done_info => {
                    done_info = true;
                    if let Some(Obj::Dict(d)) = pdf.resolve(v, 0) {
                        info(meta, &mut pdf, &d);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Reads the Encrypt dictionary like ExifTool's DecryptInit: prints Encryption and UserAccess
/// and derives the key for the empty user password.
fn init_crypt(
    meta: &mut Metadata,
    pdf: &mut Pdf,
    e: &Dict,
    id0: Option<&[u8]>,
) -> Result<(), String> {
    let name = |o: Option<&Obj>| match o {
        Some(Obj::Name(n)) => Some(n.clone()),
        _ => None,
    };
    let Some(filt) = name(get(e, "Filter")) else {
        return Err("Encrypt dictionary has no Filter!".into());
    };
    let v = num_u(get(e, "V")).unwrap_or(0) as u32;
    let r = num_u(get(e, "R"));
    let mut enc = format!("{filt} V{v}");
    if filt == "Standard" {
        enc.push_str(&format!(".{}", r.unwrap_or(0)));
    }
    if let Some(sf) = name(get(e, "SubFilter")) {
        enc.push_str(&format!(" ({sf})"));
    }
    let len_bits = num_u(get(e, "Length")).unwrap_or(40) as u32;
    if filt == "Standard" {
        enc.push_str(&format!(" ({len_bits}-bit)"));
    }
    meta.set(G, "Encryption", enc);
    if filt != "Standard" {
        return Err(format!("Encryption filter {filt} currently not supported"));
    }
    let Some(r) = r else {
        return Err("Standard security handler missing revision".into());
    };
    let str_of = |o: Option<&Obj>| match o {
        Some(Obj::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let (Some(o), Some(u), Some(Obj::Num(p))) =
        (str_of(get(e, "O")), str_of(get(e, "U")), get(e, "P"))
    else {
        return Err("Incomplete Encrypt specification".into());
    };
    let p: i64 = p.parse().unwrap_or(0);
    let access = p & 0x0f3c;
    let bits = [
        (2, "Print"),
        (3, "Modify"),
        (4, "Copy"),
        (5, "Annotate"),
        (8, "Fill forms"),
        (9, "Extract"),
        (10, "Assemble"),
        (11, "Print high-res"),
    ];
    let names: Vec<&str> = bits
        .iter()
        .filter(|(b, _)| access & (1 << b) != 0)
        .map(|(_, n)| *n)
        .collect();
    meta.set(
        G,
        "UserAccess",
        if names.is_empty() {
            "(none)".to_string()
        } else {
            names.join(", ")
        },
    );
    let (mut strings, mut streams, mut aes) = (true, true, false);
    match v {
        1 | 2 => {}
        4 => {
            let f = |k: &str| name(get(e, k));
            let sf = f("StrF");
            let tf = f("StmF");
            strings = sf.as_deref().is_some_and(|x| x != "Identity");
            streams = tf.as_deref().is_some_and(|x| x != "Identity");
            for x in [&sf, &tf].into_iter().flatten() {
                if x != "Identity" && x != "StdCF" {
                    return Err(format!("Unsupported encryption /{x}"));
                }
            }
            if strings || streams {
                let cfm = match get(e, "CF") {
                    Some(Obj::Dict(cf)) => match get(cf, "StdCF") {
                        Some(Obj::Dict(std)) => name(get(std, "CFM")),
                        _ => None,
                    },
                    _ => None,
                };
                match cfm.as_deref() {
                    Some("V2") => {}
                    Some("AESV2") => aes = true,
                    Some(m) => return Err(format!("Unsupported encryption method /{m}")),
                    None => return Err("Missing or invalid Encrypt StdCF entry".into()),
                }
            }
        }
        5 => {
            aes = true;
            let f = |k: &str| name(get(e, k));
            let sf = f("StrF");
            let tf = f("StmF");
            strings = sf.as_deref().is_some_and(|x| x != "Identity");
            streams = tf.as_deref().is_some_and(|x| x != "Identity");
        }
        _ => return Err(format!("Encryption version {v} currently not supported")),
    }
    let ue = str_of(get(e, "UE")).unwrap_or_default();
    if v == 5 && ue.len() != 32 {
        return Err("Invalid Encrypt UE entry".into());
    }
    let Some(id0) = id0 else {
        return Err("Can't decrypt (no document ID)".into());
    };
    let encrypt_metadata = !matches!(get(e, "EncryptMetadata"), Some(Obj::Bool(false)));
    let params = crypt::Params {
        v,
        r: r as u32,
        length_bits: len_bits,
        o: &o,
        u: &u,
        p,
        id0,
        encrypt_metadata,
        aes,
        strings,
        streams,
        ue: &ue,
    };
    match Crypt::new(&params) {
        Some(c) => {
            pdf.crypt = Some(c);
            Ok(())
        }
        None => Err("Document is password protected (use Password option)".into()),
    }
}

/// Reads the cross-reference chain from `startxref`; returns the trailer dictionaries,
/// newest first. Empty when the chain is unusable.
fn read_xref(meta: &mut Metadata, pdf: &mut Pdf, base: usize) -> Vec<Dict> {
    let data = pdf.data;
    let tail_start = data.len().saturating_sub(1024);
    let tail = &data[tail_start..];
    let Some(sx) = rfind(tail, b"startxref") else {
        return Vec::new();
    };
    let mut lx = Lexer::new(tail, sx + 9);
    let Some(off) = lx
        .token()
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|s| s.parse::<usize>().ok())
    else {
        return Vec::new();
    };
    let mut todo = vec![off];
    let mut seen = HashSet::new();
    let mut trailers = Vec::new();
    while let Some(off) = todo.pop() {
        if !seen.insert(off) || seen.len() > 64 || meta.budget.exceeded() {
            continue;
        }
        let Some(pos) = off.checked_add(base) else {
            continue;
        };
        let mut lx = Lexer::new(data, pos);
        lx.skip_ws();
        if lx.peek_keyword(b"xref") {
            lx.pos += 4;
            if !xref_table(pdf, &mut lx) {
                if trailers.is_empty() {
                    return Vec::new();
                }
                meta.warn("Invalid secondary xref table");
                continue;
            }
            let Some(Obj::Dict(t)) = lx.object(0) else {
                if trailers.is_empty() {
                    return Vec::new();
                }
                continue;
            };
            if let Some(p) = num_u(get(&t, "Prev")) {
                todo.insert(0, p as usize);
            }
            if let Some(p) = num_u(get(&t, "XRefStm")) {
                todo.push(p as usize);
            }
            trailers.push(t);
        } else {
            // cross-reference stream
            let Some(Obj::Stream(d, start, _)) = pdf.object_at(pos, 0) else {
                if trailers.is_empty() {
                    return Vec::new();
                }
                meta.warn("Invalid secondary xref table");
                continue;
            };
            if !matches!(get(&d, "Type"), Some(Obj::Name(n)) if n == "XRef") {
                if trailers.is_empty() {
                    return Vec::new();
                }
                continue;
            }
            xref_stream(pdf, &d, start);
            if let Some(p) = num_u(get(&d, "Prev")) {
                todo.insert(0, p as usize);
            }
            trailers.push(d);
        }
    }
    trailers
}

fn xref_table(pdf: &mut Pdf, lx: &mut Lexer) -> bool {
    loop {
        lx.skip_ws();
        if lx.peek_keyword(b"trailer") {
            lx.pos += 7;
            return true;
        }
        let (Some(a), Some(b)) = (lx.token(), lx.token()) else {
            return false;
        };
        let (Some(start), Some(count)) = (
            std::str::from_utf8(a)
                .ok()
                .and_then(|s| s.parse::<u64>().ok()),
            std::str::from_utf8(b)
                .ok()
                .and_then(|s| s.parse::<u64>().ok()),
        ) else {
            return false;
        };
        for i in 0..count.min(10_000_000) {
            let (Some(o), Some(_g), Some(t)) = (lx.token(), lx.token(), lx.token()) else {
                return false;
            };
            let n = match u32::try_from(start + i) {
                Ok(n) => n,
                Err(_) => return false,
            };
            if t == b"n" {
                let Some(o) = std::str::from_utf8(o)
                    .ok()
                    .and_then(|s| s.parse::<usize>().ok())
                else {
                    return false;
                };
                pdf.xref.entry(n).or_insert(XEntry::Offset(o));
            } else if t != b"f" {
                return false;
            }
        }
    }
}

fn xref_stream(pdf: &mut Pdf, d: &Dict, start: usize) {
    let w: Vec<usize> = match get(d, "W") {
        Some(Obj::Array(a)) => a
            .iter()
            .map(|o| num_u(Some(o)).unwrap_or(0).min(8) as usize)
            .collect(),
        _ => return,
    };
    if w.len() < 3 {
        return;
    }
    let size = num_u(get(d, "Size")).unwrap_or(0);
    let index: Vec<u64> = match get(d, "Index") {
        Some(Obj::Array(a)) => a.iter().filter_map(|o| num_u(Some(o))).collect(),
        _ => vec![0, size],
    };
    let Some(buf) = pdf.stream_data(d, start, 0, None) else {
        return;
    };
    let esize: usize = w.iter().sum();
    if esize == 0 {
        return;
    }
    let read = |b: &[u8]| b.iter().fold(0u64, |a, &x| (a << 8) | x as u64);
    let mut rows = buf.chunks_exact(esize);
    for pair in index.chunks(2) {
        let (Some(&s), Some(&c)) = (pair.first(), pair.get(1)) else {
            break;
        };
        for i in 0..c.min(10_000_000) {
            let Some(r) = rows.next() else { return };
            let ty = if w[0] == 0 { 1 } else { read(&r[..w[0]]) };
            let f2 = read(&r[w[0]..w[0] + w[1]]);
            let f3 = read(&r[w[0] + w[1]..]);
            let Ok(n) = u32::try_from(s + i) else { return };
            let e = match ty {
                1 => XEntry::Offset(f2 as usize),
                2 => XEntry::InStream(f2 as u32, f3 as u32),
                _ => continue,
            };
            pdf.xref.entry(n).or_insert(e);
        }
    }
}

/// Fallback for a broken cross-reference: finds "N G obj" headers by scanning, and the
/// trailer (or the catalog and an Info-like dictionary).
fn scan_objects(pdf: &mut Pdf) -> Vec<Dict> {
    let data = pdf.data;
    let mut pos = 0;
    let mut found = 0;
    while let Some(p) = find(data, b"obj", pos) {
        pos = p + 3;
        found += 1;
        if found > 1_000_000 {
            break;
        }
        // walk back over "N G "
        let mut i = p;
        let mut fields = 0;
        let mut num_start = p;
        while fields < 2 && i > 0 {
            while i > 0 && is_ws(data[i - 1]) {
                i -= 1;
            }
            let end = i;
            while i > 0 && data[i - 1].is_ascii_digit() {
                i -= 1;
            }
            if i == end {
                break;
            }
            fields += 1;
            num_start = i;
        }
        if fields < 2 {
            continue;
        }
        let mut lx = Lexer::new(data, num_start);
        if let Some(n) = lx
            .token()
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|s| s.parse::<u32>().ok())
        {
            pdf.xref.insert(n, XEntry::Offset(num_start));
        }
    }
    let mut out = Vec::new();
    if let Some(t) = rfind(data, b"trailer") {
        let mut lx = Lexer::new(data, t + 7);
        if let Some(Obj::Dict(d)) = lx.object(0) {
            out.push(d);
        }
    }
    if out.is_empty() {
        let mut root = None;
        let mut info = None;
        let mut nums: Vec<u32> = pdf.xref.keys().copied().collect();
        nums.sort_unstable();
        for n in nums.into_iter().take(100_000) {
            if let Some(Obj::Dict(d) | Obj::Stream(d, _, _)) = pdf.fetch(n, 0) {
                if root.is_none() && matches!(get(&d, "Type"), Some(Obj::Name(t)) if t == "Catalog")
                {
                    root = Some(n);
                }
                if info.is_none()
                    && ["Producer", "Creator", "Author", "Title", "CreationDate"]
                        .iter()
                        .any(|k| get(&d, k).is_some())
                    && get(&d, "Type").is_none()
                {
                    info = Some(n);
                }
            }
        }
        let mut d = Dict::new();
        if let Some(r) = root {
            d.push(("Root".into(), Obj::Ref(r, 0)));
        }
        if let Some(i) = info {
            d.push(("Info".into(), Obj::Ref(i, 0)));
        }
        out.push(d);
    }
    out
}

const PDFDOC: [(u8, u16); 32] = [
    (0x18, 0x02d8),
    (0x19, 0x02c7),
    (0x1a, 0x02c6),
    (0x1b, 0x02d9),
    (0x1c, 0x02dd),
    (0x1d, 0x02db),
    (0x1e, 0x02da),
    (0x1f, 0x02dc),
    (0x80, 0x2022),
    (0x81, 0x2020),
    (0x82, 0x2021),
    (0x83, 0x2026),
    (0x84, 0x2014),
    (0x85, 0x2013),
    (0x86, 0x0192),
    (0x87, 0x2044),
    (0x88, 0x2039),
    (0x89, 0x203a),
    (0x8a, 0x2212),
    (0x8b, 0x2030),
    (0x8c, 0x201e),
    (0x8d, 0x201c),
    (0x8e, 0x201d),
    (0x8f, 0x2018),
    (0x90, 0x2019),
    (0x91, 0x201a),
    (0x92, 0x2122),
    (0x93, 0xfb01),
    (0x94, 0xfb02),
    (0x95, 0x0141),
    (0x96, 0x0152),
    (0x97, 0x0160),
];

fn pdfdoc_char(b: u8) -> char {
    let extra: [(u8, u16); 8] = [
        (0x98, 0x0178),
        (0x99, 0x017d),
        (0x9a, 0x0131),
        (0x9b, 0x0142),
        (0x9c, 0x0153),
        (0x9d, 0x0161),
        (0x9e, 0x017e),
        (0xa0, 0x20ac),
    ];
    PDFDOC
        .iter()
        .chain(extra.iter())
        .find(|(k, _)| *k == b)
        .and_then(|(_, u)| char::from_u32(*u as u32))
        .unwrap_or(b as char)
}

/// Decodes a PDF text string: UTF-16BE with a BOM, else PDFDocEncoding.
fn pdf_text(raw: &[u8]) -> String {
    let special = raw.iter().any(|&b| (0x18..=0x1f).contains(&b) || b >= 0x80);
    if !special {
        return String::from_utf8_lossy(raw).into_owned();
    }
    if let Some(rest) = raw.strip_prefix(&[0xfe, 0xff]) {
        let u: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&u);
    }
    raw.iter().map(|&b| pdfdoc_char(b)).collect()
}

/// ExifTool's ConvertPDFDate.
fn pdf_date(s: &str) -> String {
    let d = s.strip_prefix("D:").unwrap_or(s);
    let default = "00000101000000";
    let mut full = d.to_string();
    if full.len() < default.len() {
        full.push_str(&default[full.len().min(default.len())..]);
    }
    let b = full.as_bytes();
    if b.len() < 14 || !b[..14].iter().all(u8::is_ascii_digit) {
        return d.to_string();
    }
    let mut out = format!(
        "{}:{}:{} {}:{}:{}",
        &full[0..4],
        &full[4..6],
        &full[6..8],
        &full[8..10],
        &full[10..12],
        &full[12..14]
    );
    let tz = full[14..].trim_start();
    if tz.starts_with(['Z', 'z']) {
        out.push('Z');
    } else if let Some(sign) = tz.chars().next().filter(|c| *c == '+' || *c == '-') {
        let rest = tz[1..].trim_start();
        let hh: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if !hh.is_empty() {
            let after = &rest[hh.len()..];
            let sep: String = after
                .chars()
                .take_while(|c| matches!(c, '\'' | ':' | ' '))
                .collect();
            if !sep.is_empty() {
                let mm: String = after[sep.len()..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let mm = if mm.is_empty() { "00".to_string() } else { mm };
                out.push_str(&format!("{sign}{hh}:{mm}"));
            }
        }
    }
    out
}

/// A value as ExifTool's ReadPDFValue leaves it (strings decoded, names without '/').
fn scalar_text(o: &Obj) -> Option<String> {
    Some(match o {
        Obj::Str(b) => pdf_text(b),
        Obj::Name(n) => pdf_text(n.as_bytes()),
        Obj::Num(n) => n.clone(),
        Obj::Bool(b) => b.to_string(),
        _ => return None,
    })
}

/// ExifTool's NewPDFTag naming for unknown Info keys:
/// `s/[^-\w]+/_/g; s/(^|_)([a-z])/\U$2/g`.
fn new_tag_name(key: &str) -> String {
    let mut s: Vec<char> = Vec::new();
    let mut bad = false;
    for c in key.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            s.push(c);
            bad = false;
        } else if !bad {
            s.push('_');
            bad = true;
        }
    }
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        if i == 0 && s[0].is_ascii_lowercase() {
            out.push(s[0].to_ascii_uppercase());
        } else if s[i] == '_' && s.get(i + 1).is_some_and(char::is_ascii_lowercase) {
            out.push(s[i + 1].to_ascii_uppercase());
            i += 1;
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    out
}

fn info(meta: &mut Metadata, pdf: &mut Pdf, d: &Dict) {
    for (k, v) in d {
        let (name, date, list) = match k.as_str() {
            "Title" | "Author" | "Subject" | "Creator" | "Producer" | "Trapped" => {
                (k.clone(), false, false)
            }
            "Keywords" => (k.clone(), false, true),
            "CreationDate" => ("CreateDate".to_string(), true, false),
            "ModDate" => ("ModifyDate".to_string(), true, false),
            "AAPL:Keywords" => ("AppleKeywords".to_string(), false, false),
            other => (new_tag_name(other), false, false),
        };
        let Some(v) = pdf.resolve(v, 0) else { continue };
        match &v {
            Obj::Array(a) => {
                let items: Vec<Value> = a
                    .iter()
                    .filter_map(scalar_text)
                    .map(|s| json_str(&s))
                    .collect();
                if items.len() == 1 {
                    meta.add(G, &name, items[0].clone());
                } else if !items.is_empty() {
                    meta.add(G, &name, Value::Array(items));
                }
            }
            Obj::Dict(_) | Obj::Stream(..) | Obj::Null | Obj::Ref(..) => {}
            other => {
                let Some(mut s) = scalar_text(other) else {
                    continue;
                };
                if date {
                    s = pdf_date(&s);
                }
                if list {
                    let parts: Vec<String> = if s.contains(',') {
                        s.split(',')
                            .enumerate()
                            .map(|(i, p)| {
                                if i == 0 {
                                    p.to_string()
                                } else {
                                    p.trim_start().to_string()
                                }
                            })
                            .filter(|p| !p.is_empty())
                            .collect()
                    } else {
                        s.split_whitespace().map(str::to_string).collect()
                    };
                    match parts.len() {
                        0 => {}
                        1 => meta.add(G, &name, json_str(&parts[0])),
                        _ => meta.add(
                            G,
                            &name,
                            Value::Array(parts.iter().map(|p| json_str(p)).collect()),
                        ),
                    }
                } else {
                    meta.add(G, &name, json_str(&s));
                }
            }
        }
    }
}

/// The first level of page objects (ExifTool's Kids table without ExtractEmbedded): their
/// XMP Metadata streams and the ICC profiles of their color spaces, each object once.
fn kids_dicts(meta: &mut Metadata, pdf: &mut Pdf, kids: &Obj) {
    let list = match pdf.resolve(kids, 0) {
        Some(Obj::Array(a)) => a,
        _ => return,
    };
    let mut done: HashSet<u32> = HashSet::new();
    for kid in list.iter().take(10_000) {
        if meta.budget.exceeded() {
            return;
        }
        if let Obj::Ref(n, _) = kid {
            if !done.insert(*n) {
                continue;
            }
        }
        let Some(Obj::Dict(page)) = pdf.resolve(kid, 0) else {
            continue;
        };
        if let Some(m) = get(&page, "Metadata").cloned() {
            if let Obj::Ref(n, _) = m {
                if !done.insert(n) {
                    continue;
                }
            }
            xmp_stream(meta, pdf, &m);
        }
        let Some(Obj::Dict(res)) = get(&page, "Resources").and_then(|r| pdf.resolve(r, 0)) else {
            continue;
        };
        let Some(Obj::Dict(cs)) = get(&res, "ColorSpace").and_then(|c| pdf.resolve(c, 0)) else {
            continue;
        };
        for key in ["DefaultRGB", "DefaultCMYK", "Cs1", "CS0"] {
            let Some(c) = get(&cs, key) else { continue };
            if let Obj::Ref(n, _) = c {
                if !done.insert(*n) {
                    continue;
                }
            }
            let Some(Obj::Array(a)) = pdf.resolve(c, 0) else {
                continue;
            };
            if a.len() != 2 || a[0] != Obj::Name("ICCBased".into()) {
                continue;
            }
            if let Obj::Ref(n, _) = &a[1] {
                if !done.insert(*n) {
                    continue;
                }
                let n = *n;
                if let Some(Obj::Stream(sd, start, _)) = pdf.fetch(n, 0) {
                    if let Some(buf) = pdf.stream_data(&sd, start, 0, Some(n)) {
                        crate::formats::icc::parse(meta, &buf);
                    }
                }
            }
        }
    }
}

/// A /Metadata stream of subtype XML, handed to the XMP parser.
fn xmp_stream(meta: &mut Metadata, pdf: &mut Pdf, v: &Obj) {
    if let Some(Obj::Stream(sd, start, _)) = pdf.resolve(v, 0) {
        let xml = matches!(get(&sd, "Subtype"), Some(Obj::Name(n)) if n == "XML");
        if xml {
            let owner = match v {
                Obj::Ref(n, _) if pdf.crypt.as_ref().is_none_or(|c| c.meta) => Some(*n),
                _ => None,
            };
            if let Some(buf) = pdf.stream_data(&sd, start, 0, owner) {
                crate::formats::xmp::parse(meta, &buf);
            }
        }
    }
}

fn root(meta: &mut Metadata, pdf: &mut Pdf, d: &Dict) {
    for (k, v) in d {
        match k.as_str() {
            "Pages" => {
                if let Some(Obj::Dict(p)) = pdf.resolve(v, 0) {
                    if let Some(c) = p.iter().find(|(k, _)| k == "Count").map(|(_, v)| v.clone()) {
                        if let Some(c) = pdf.resolve(&c, 0).as_ref().and_then(scalar_text) {
                            meta.set(G, "PageCount", json_str(&c));
                        }
                    }
                    if let Some(kids) = get(&p, "Kids").cloned() {
                        kids_dicts(meta, pdf, &kids);
                    }
                }
            }
            "AcroForm" => {
                if let Some(Obj::Dict(a)) = pdf.resolve(v, 0) {
                    let xfa = get(&a, "XFA").is_some_and(|x| *x != Obj::Null);
                    meta.set(G, "HasXFA", if xfa { "Yes" } else { "No" });
                }
            }
            "MarkInfo" => {
                if let Some(Obj::Dict(m)) = pdf.resolve(v, 0) {
                    if let Some(Obj::Bool(b)) = get(&m, "Marked") {
                        meta.set(G, "TaggedPDF", if *b { "Yes" } else { "No" });
                    }
                }
            }
            "Lang" | "PageLayout" | "PageMode" | "Version" => {
                let name = match k.as_str() {
                    "Lang" => "Language",
                    "Version" => "PDFVersion",
                    other => other,
                };
                if let Some(s) = pdf.resolve(v, 0).as_ref().and_then(scalar_text) {
                    meta.set(G, name, json_str(&s));
                }
            }
            "Metadata" => xmp_stream(meta, pdf, v),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn build(info: &[u8], xref_stream: bool) -> Vec<u8> {
        let objs: Vec<(u32, Vec<u8>)> = vec![
            (
                1,
                b"<< /Type /Catalog /Pages 2 0 R /MarkInfo << /Marked true >> /Lang (en-US) >>"
                    .to_vec(),
            ),
            (
                2,
                b"<< /Type /Pages /Kids [10 0 R 11 0 R] /Count 2 >>".to_vec(),
            ),
            (3, info.to_vec()),
            (10, b"<< /Type /Page /Parent 2 0 R >>".to_vec()),
            (11, b"<< /Type /Page /Parent 2 0 R >>".to_vec()),
        ];
        let mut out = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let mut offs = std::collections::BTreeMap::new();
        for (n, o) in &objs {
            offs.insert(*n, out.len());
            out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
            out.extend_from_slice(o);
            out.extend_from_slice(b"\nendobj\n");
        }
        let start;
        if xref_stream {
            let size = 13u32;
            offs.insert(12, out.len());
            start = out.len();
            let mut rows = Vec::new();
            for i in 0..size {
                match offs.get(&i) {
                    Some(&o) => {
                        rows.push(1u8);
                        rows.extend_from_slice(&(o as u32).to_be_bytes());
                        rows.push(0);
                    }
                    None => rows.extend_from_slice(&[0; 6]),
                }
            }
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut z, &rows).unwrap();
            let z = z.finish().unwrap();
            out.extend_from_slice(
                format!("12 0 obj\n<< /Type /XRef /Size {size} /W [1 4 1] /Root 1 0 R /Info 3 0 R /Filter /FlateDecode /Length {} >>\nstream\n", z.len()).as_bytes(),
            );
            out.extend_from_slice(&z);
            out.extend_from_slice(b"\nendstream\nendobj\n");
        } else {
            start = out.len();
            out.extend_from_slice(b"xref\n0 12\n0000000000 65535 f \n");
            for i in 1..12u32 {
                match offs.get(&i) {
                    Some(o) => out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes()),
                    None => out.extend_from_slice(b"0000000000 00000 f \n"),
                }
            }
            out.extend_from_slice(b"trailer\n<< /Size 12 /Root 1 0 R /Info 3 0 R >>\n");
        }
        out.extend_from_slice(format!("startxref\n{start}\n%%EOF\n").as_bytes());
        out
    }

    const INFO: &[u8] = b"<< /Title (Hello \\(World\\) \\351t\\351) /Author <FEFF00410075007400680020263A> /Subject <48657820537562> /Keywords (alpha, beta, gamma) /Creator (Writer) /Producer (My \\\nProducer) /CreationDate (D:20240315103000+01'00') /ModDate (D:20240316) /Trapped /False /Company (ACME \x93quoted\x94) /Custom#20Key (2024) >>";

    fn run(d: &[u8]) -> Metadata {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
        m
    }

    #[test]
    fn reads_info_and_catalog() {
        for xs in [false, true] {
            let d = build(INFO, xs);
            let m = run(&d);
            let g = |t: &str| m.get("pdf", t).cloned().unwrap_or(json!(null));
            assert_eq!(g("PDFVersion"), json!(1.6));
            assert_eq!(g("Linearized"), json!("No"));
            assert_eq!(g("PageCount"), json!(2));
            assert_eq!(g("TaggedPDF"), json!("Yes"));
            assert_eq!(g("Language"), json!("en-US"));
            assert_eq!(g("Title"), json!("Hello (World) \u{e9}t\u{e9}"));
            assert_eq!(g("Author"), json!("Auth \u{263a}"));
            assert_eq!(g("Subject"), json!("Hex Sub"));
            assert_eq!(g("Keywords"), json!(["alpha", "beta", "gamma"]));
            assert_eq!(g("Producer"), json!("My Producer"));
            assert_eq!(g("CreateDate"), json!("2024:03:15 10:30:00+01:00"));
            assert_eq!(g("ModifyDate"), json!("2024:03:16 00:00:00"));
            assert_eq!(g("Trapped"), json!(false));
            assert_eq!(g("Company"), json!("ACME \u{fb01}quoted\u{fb02}"));
            assert_eq!(g("Custom_Key"), json!(2024));
        }
    }

    #[test]
    fn broken_xref_falls_back_to_scanning() {
        let mut d = build(b"<< /Title (Broken) >>", false);
        let n = d.len();
        d.truncate(n - 20);
        d.extend_from_slice(b"startxref\n99999\n%%EOF\n");
        let m = run(&d);
        assert_eq!(m.get("pdf", "Title"), Some(&json!("Broken")));
        assert_eq!(m.get("pdf", "PageCount"), Some(&json!(2)));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let mut info = b"<< /Title (x) /Deep ".to_vec();
        info.extend(std::iter::repeat_n(b'[', 100_000));
        info.extend_from_slice(b" >>");
        let d = build(&info, false);
        let _ = run(&d);
    }

    #[test]
    fn decrypts_rc4_with_empty_user_password() {
        use super::crypt::{md5, rc4};
        const PAD: [u8; 32] = [
            0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA,
            0x01, 0x08, 0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE,
            0x64, 0x53, 0x69, 0x7A,
        ];
        let o = [0x11u8; 32];
        let id = b"0123456789abcdef";
        let p: i32 = -44;
        let mut b = PAD.to_vec();
        b.extend_from_slice(&o);
        b.extend_from_slice(&p.to_le_bytes());
        b.extend_from_slice(id);
        let key = md5(&b)[..5].to_vec();
        let u = rc4(&key, &PAD);
        let mut ok = key.clone();
        ok.extend_from_slice(&[3, 0, 0, 0, 0]);
        let title = rc4(&md5(&ok)[..10], b"Secret Title");
        let hex = |v: &[u8]| v.iter().map(|x| format!("{x:02X}")).collect::<String>();
        let objs = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [] /Count 1 >>".to_string(),
            format!("<< /Title <{}> >>", hex(&title)),
            format!(
                "<< /Filter /Standard /V 1 /R 2 /O <{}> /U <{}> /P {p} >>",
                hex(&o),
                hex(&u)
            ),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offs = Vec::new();
        for (i, ob) in objs.iter().enumerate() {
            offs.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{ob}\nendobj\n", i + 1).as_bytes());
        }
        let x = out.len();
        out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
        for o in offs {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(format!("trailer\n<< /Size 5 /Root 1 0 R /Info 3 0 R /Encrypt 4 0 R /ID [<{}> <{}>] >>\nstartxref\n{x}\n%%EOF\n", hex(id), hex(id)).as_bytes());
        let m = run(&out);
        assert_eq!(
            m.get("pdf", "Encryption"),
            Some(&json!("Standard V1.2 (40-bit)"))
        );
        assert_eq!(
            m.get("pdf", "UserAccess"),
            Some(&json!(
                "Print, Copy, Fill forms, Extract, Assemble, Print high-res"
            ))
        );
        assert_eq!(m.get("pdf", "Title"), Some(&json!("Secret Title")));
        // a wrong /U means a user password is needed: nothing past the header is read
        let bad: Vec<u8> = String::from_utf8_lossy(&out)
            .replace(&hex(&u), &"AB".repeat(32))
            .into_bytes();
        let m = run(&bad);
        assert!(m.get("pdf", "Title").is_none());
        assert!(m.warnings.iter().any(|w| w.contains("password")));
    }

    #[test]
    fn acroform_and_page_resources() {
        let objs = [
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 6 0 R >> >>",
            "<< /Type /Pages /Kids [3 0 R 3 0 R] /Count 2 >>",
            "<< /Type /Page /Resources << /ColorSpace << /Cs1 4 0 R >> >> >>",
            "[ /ICCBased 5 0 R ]",
            "<< /N 3 /Length 4 >>\nstream\nabcd\nendstream",
            "[]",
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offs = Vec::new();
        for (i, o) in objs.iter().enumerate() {
            offs.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let x = out.len();
        out.extend_from_slice(b"xref\n0 7\n0000000000 65535 f \n");
        for o in offs {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n{x}\n%%EOF\n").as_bytes(),
        );
        let m = run(&out);
        assert_eq!(m.get("pdf", "HasXFA"), Some(&json!("Yes")));
        assert_eq!(m.get("pdf", "PageCount"), Some(&json!(2)));
        for n in 0..out.len() {
            let _ = run(&out[..n]);
        }
    }

    #[test]
    fn names_and_dates() {
        assert_eq!(new_tag_name("SourceModified"), "SourceModified");
        assert_eq!(new_tag_name("my key"), "MyKey");
        assert_eq!(pdf_date("D:2024"), "2024:01:01 00:00:00");
        assert_eq!(pdf_date("D:20240315103000Z"), "2024:03:15 10:30:00Z");
        assert_eq!(
            pdf_date("D:20240315103000-05'30"),
            "2024:03:15 10:30:00-05:30"
        );
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        for xs in [false, true] {
            let d = build(INFO, xs);
            for n in 0..d.len() {
                let _ = run(&d[..n]);
            }
        }
    }
}
