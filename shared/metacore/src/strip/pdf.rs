//! PDF: cleaned in place, so every byte offset (xref tables, xref streams, linearization
//! hints) stays valid. The `/Info` entries of the trailers and cross-reference streams are
//! overwritten with spaces, the document information dictionaries are emptied
//! (`<<  ...  >>` becomes `<<        >>`), and every `/Type /Metadata` stream (document and
//! page XMP) has its data and its `/Filter` replaced by spaces; `/PieceInfo` entries
//! (application private data) are unlinked the same way. Everything else is copied.
//! Limitation: an information dictionary stored inside a compressed object stream is
//! unlinked from the trailer but its bytes stay (they are compressed with other objects).

use super::{malformed, xmp, Out, StripError};
use crate::source::{Source, Window};
use std::io::Read;

const MAX_DEPTH: usize = 64;
const MAX_INFLATE: u64 = 16 << 20;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}
fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn skip_ws(d: &[u8], mut p: usize) -> usize {
    while p < d.len() {
        if is_ws(d[p]) {
            p += 1;
        } else if d[p] == b'%' {
            while p < d.len() && d[p] != b'\n' && d[p] != b'\r' {
                p += 1;
            }
        } else {
            break;
        }
    }
    p
}

fn regular_end(d: &[u8], mut p: usize) -> usize {
    while p < d.len() && !is_ws(d[p]) && !is_delim(d[p]) {
        p += 1;
    }
    p
}

fn is_uint(t: &[u8]) -> bool {
    !t.is_empty() && t.iter().all(u8::is_ascii_digit)
}

/// Skips one object starting at `p` (after whitespace); returns its end.
fn skip_object(d: &[u8], p: usize, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let c = *d.get(p)?;
    match c {
        b'<' if d.get(p + 1) == Some(&b'<') => {
            let (_, end) = dict_entries(d, p, depth + 1)?;
            Some(end)
        }
        b'<' => Some(p + 1 + d.get(p + 1..)?.iter().position(|&b| b == b'>')? + 1),
        b'(' => {
            let mut q = p + 1;
            let mut level = 1usize;
            while q < d.len() {
                match d[q] {
                    b'\\' => q += 1,
                    b'(' => level += 1,
                    b')' => {
                        level -= 1;
                        if level == 0 {
                            return Some(q + 1);
                        }
                    }
                    _ => {}
                }
                q += 1;
            }
            None
        }
        b'[' => {
            let mut q = p + 1;
            loop {
                q = skip_ws(d, q);
                match d.get(q)? {
                    b']' => return Some(q + 1),
                    _ => q = skip_object(d, q, depth + 1)?,
                }
            }
        }
        b'/' => Some(regular_end(d, p + 1)),
        b')' | b'>' | b']' | b'{' | b'}' => None,
        _ => {
            let e = regular_end(d, p);
            if e == p {
                return None;
            }
            // "N G R" reference
            if is_uint(&d[p..e]) {
                let g = skip_ws(d, e);
                let ge = regular_end(d, g);
                if ge > g && is_uint(&d[g..ge]) {
                    let r = skip_ws(d, ge);
                    if d.get(r) == Some(&b'R')
                        && d.get(r + 1).is_none_or(|&b| is_ws(b) || is_delim(b))
                    {
                        return Some(r + 1);
                    }
                }
            }
            Some(e)
        }
    }
}

/// Entry = (key start, key end, value start, value end).
type Entry = (usize, usize, usize, usize);

/// Parses the dictionary opening at `p` ("<<"): its entries and the end (after ">>").
fn dict_entries(d: &[u8], p: usize, depth: usize) -> Option<(Vec<Entry>, usize)> {
    if d.get(p..p + 2)? != b"<<" || depth > MAX_DEPTH {
        return None;
    }
    let mut q = p + 2;
    let mut v = Vec::new();
    loop {
        q = skip_ws(d, q);
        if d.get(q..q + 2)? == b">>" {
            return Some((v, q + 2));
        }
        if d[q] != b'/' {
            // Tolerate junk: skip one object.
            q = skip_object(d, q, depth + 1)?;
            continue;
        }
        let ke = regular_end(d, q + 1);
        let vs = skip_ws(d, ke);
        let ve = skip_object(d, vs, depth + 1)?;
        v.push((q, ke, vs, ve));
        q = ve;
    }
}

fn key<'a>(d: &'a [u8], e: &Entry) -> &'a [u8] {
    &d[e.0..e.1]
}

fn value<'a>(d: &'a [u8], e: &Entry) -> &'a [u8] {
    &d[e.2..e.3]
}

/// "N G R" -> (N, G)
fn parse_ref(v: &[u8]) -> Option<(u64, u64)> {
    let s = std::str::from_utf8(v).ok()?;
    let mut it = s.split_ascii_whitespace();
    let n = it.next()?.parse().ok()?;
    let g = it.next()?.parse().ok()?;
    (it.next()? == "R").then_some((n, g))
}

/// Every offset of `pat` in the whole input, found through the window: the one pass over
/// all of a PDF's bytes (its content and image streams included) never goes through the
/// mapped slice, so it does not page the file in.
fn find_all_in(w: &mut Window, pat: &[u8]) -> Result<Vec<usize>, StripError> {
    let mut v = Vec::new();
    let mut from = 0u64;
    while let Some(at) = w.find_pattern(from, pat)? {
        v.push(at as usize);
        from = at + 1;
    }
    Ok(v)
}

fn find_all<'a>(d: &'a [u8], pat: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = pat[0];
    let mut p = 0usize;
    std::iter::from_fn(move || {
        while p + pat.len() <= d.len() {
            let off = d[p..].iter().position(|&b| b == first)?;
            let at = p + off;
            p = at + 1;
            if d.get(at..at + pat.len()) == Some(pat) {
                return Some(at);
            }
        }
        None
    })
}

struct Obj {
    num: u64,
    gen: u64,
    dict: usize,
}

/// Finds "N G obj" headers whose body is a dictionary.
fn objects(d: &[u8], w: &mut Window) -> Result<Vec<Obj>, StripError> {
    let mut v = Vec::new();
    for at in find_all_in(w, b"obj")? {
        if d.get(at + 3).is_some_and(|&b| !is_ws(b) && !is_delim(b)) {
            continue; // "objstm" etc.
        }
        // Walk back: ws, gen, ws, num.
        let mut p = at;
        let ws_end = p;
        while p > 0 && is_ws(d[p - 1]) {
            p -= 1;
        }
        if p == ws_end {
            continue;
        }
        let ge = p;
        while p > 0 && d[p - 1].is_ascii_digit() {
            p -= 1;
        }
        let gs = p;
        if gs == ge {
            continue;
        }
        let ws2 = p;
        while p > 0 && is_ws(d[p - 1]) {
            p -= 1;
        }
        if p == ws2 {
            continue;
        }
        let ne = p;
        while p > 0 && d[p - 1].is_ascii_digit() {
            p -= 1;
        }
        if p == ne {
            continue;
        }
        let (Ok(num), Ok(gen)) = (
            std::str::from_utf8(&d[p..ne]).unwrap_or("x").parse::<u64>(),
            std::str::from_utf8(&d[gs..ge])
                .unwrap_or("x")
                .parse::<u64>(),
        ) else {
            continue;
        };
        let b = skip_ws(d, at + 3);
        if d.get(b..b + 2) == Some(b"<<") {
            v.push(Obj { num, gen, dict: b });
        }
    }
    Ok(v)
}

/// Name value without the leading slash and whitespace.
fn name_is(v: &[u8], n: &[u8]) -> bool {
    v.strip_prefix(b"/").is_some_and(|x| x == n)
}

/// `data` is parsed where the objects are (their dictionaries, the metadata streams);
/// the searches for them over the whole file read `src`, the same bytes.
pub fn strip(data: &[u8], src: &dyn Source, out: &mut Out) -> Result<(), StripError> {
    let mut w = Window::new(src);
    if !data.starts_with(b"%PDF") {
        return Err(malformed("not a PDF file"));
    }
    let mut blanks: Vec<(usize, usize)> = Vec::new();
    let mut info_refs: std::collections::HashSet<(u64, u64)> = Default::default();
    let mut info_count = 0u64;
    let mut handle_info = |d: &[u8], entries: &[Entry], blanks: &mut Vec<(usize, usize)>| {
        for e in entries {
            if key(d, e) == b"/Info" {
                blanks.push((e.0, e.3));
                let v = value(d, e);
                if let Some(r) = parse_ref(v) {
                    info_refs.insert(r);
                } else if v.starts_with(b"<<") {
                    info_count += dict_entries(d, e.2, 0)
                        .map(|x| x.0.len() as u64)
                        .unwrap_or(1);
                }
            }
        }
    };
    // Classic trailers.
    for at in find_all_in(&mut w, b"trailer")? {
        let p = skip_ws(data, at + 7);
        if let Some((entries, _)) = dict_entries(data, p, 0) {
            handle_info(data, &entries, &mut blanks);
        }
    }
    let objs = objects(data, &mut w)?;
    if objs.is_empty() && blanks.is_empty() {
        return Err(malformed("no PDF objects found"));
    }
    let mut metadata = Vec::new();
    let mut metadata_refs = std::collections::HashSet::new();
    let mut piece_info = 0u64;
    let mut others = Vec::new();
    for o in &objs {
        let Some((entries, end)) = dict_entries(data, o.dict, 0) else {
            continue;
        };
        let typ = entries
            .iter()
            .find(|e| key(data, e) == b"/Type")
            .map(|e| value(data, e));
        if typ.is_some_and(|t| name_is(t, b"XRef")) {
            handle_info(data, &entries, &mut blanks);
        }
        // Metadata streams are found by type and by the /Metadata references to them.
        for e in &entries {
            match key(data, e) {
                b"/Metadata" => {
                    if let Some(r) = parse_ref(value(data, e)) {
                        metadata_refs.insert(r);
                    }
                }
                // Application private data (Illustrator, Photoshop, Acrobat edit history).
                b"/PieceInfo" => {
                    blanks.push((e.0, e.3));
                    piece_info += 1;
                }
                _ => {}
            }
        }
        if typ.is_some_and(|t| name_is(t, b"Metadata")) {
            metadata.push((entries, end));
        } else {
            others.push(o);
        }
    }
    for o in others {
        if metadata_refs.contains(&(o.num, o.gen)) {
            if let Some((entries, end)) = dict_entries(data, o.dict, 0) {
                metadata.push((entries, end));
            }
        }
    }
    // Information dictionaries.
    let mut found_info = false;
    for o in &objs {
        if !info_refs.contains(&(o.num, o.gen)) {
            continue;
        }
        if let Some((entries, end)) = dict_entries(data, o.dict, 0) {
            info_count += entries.len() as u64;
            blanks.push((o.dict + 2, end - 2));
            found_info = true;
        }
    }
    if !info_refs.is_empty() && !found_info {
        info_count += 1; // unlinked, inside an object stream
    }
    out.removed("pdf", info_count + piece_info);
    // Metadata streams.
    for (entries, end) in metadata {
        let mut p = skip_ws(data, end);
        if data.get(p..p + 6) != Some(b"stream") {
            continue;
        }
        p += 6;
        if data.get(p) == Some(&b'\r') {
            p += 1;
        }
        if data.get(p) == Some(&b'\n') {
            p += 1;
        }
        let declared = entries
            .iter()
            .find(|e| key(data, e) == b"/Length")
            .and_then(|e| {
                std::str::from_utf8(value(data, e))
                    .ok()?
                    .trim()
                    .parse::<usize>()
                    .ok()
            });
        let stream_end = declared
            .and_then(|l| p.checked_add(l))
            .filter(|&e| {
                e <= data.len() && {
                    let q = skip_ws(data, e);
                    data.get(q..q + 9) == Some(b"endstream")
                }
            })
            .or_else(|| find_all(data.get(p..)?, b"endstream").next().map(|x| p + x))
            .ok_or_else(|| malformed("metadata stream without endstream"))?;
        let raw = &data[p..stream_end];
        let filter = entries.iter().find(|e| key(data, e) == b"/Filter");
        let text = match filter {
            None => raw.to_vec(),
            Some(f) if contains(value(data, f), b"FlateDecode") => {
                let mut v = Vec::new();
                let _ = flate2::read::ZlibDecoder::new(raw)
                    .take(MAX_INFLATE)
                    .read_to_end(&mut v);
                v
            }
            Some(_) => Vec::new(),
        };
        if raw.iter().any(|&b| !is_ws(b)) {
            out.removed("xmp", xmp::count_props(&text));
        }
        for e in &entries {
            if matches!(key(data, e), b"/Filter" | b"/DecodeParms") {
                blanks.push((e.0, e.3));
            }
        }
        blanks.push((p, stream_end));
    }
    // Emit: copies with blanked ranges as spaces.
    blanks.sort_unstable();
    let mut pos = 0usize;
    for (s, e) in blanks {
        let s = s.max(pos);
        if e <= s {
            continue;
        }
        out.copy_range(pos, s);
        out.data(&vec![b' '; e - s]);
        pos = e;
    }
    out.copy_range(pos, data.len());
    Ok(())
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexer_handles_nesting() {
        let d = b"<< /A (x (y) \\) z) /B [1 0 R <41> << /C /D >>] /Info 12 0 R /E true >>";
        let (e, end) = dict_entries(d, 0, 0).unwrap();
        assert_eq!(end, d.len());
        assert_eq!(e.len(), 4);
        assert_eq!(value(d, &e[2]), b"12 0 R");
        assert_eq!(parse_ref(value(d, &e[2])), Some((12, 0)));
        for n in 0..d.len() {
            let _ = dict_entries(&d[..n], 0, 0);
        }
    }
}
