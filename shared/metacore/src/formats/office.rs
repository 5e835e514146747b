//! ZIP-based documents: the `zip` group for the first archive member (as ExifTool prints it),
//! OOXML `docProps/*.xml` (DOCX/XLSX/PPTX: dc elements in group `xmp`, the rest in group
//! `xml`, ExifTool's OOXML.pm naming) and the OpenDocument `meta.xml` (handed to the XMP
//! parser, as ExifTool does). Decompressed sizes are capped.

use std::io::{Cursor, Read};

use crate::bytes::{le16, le32};
use crate::formats::quicktime::conv::{json_str, xmp_date};
use crate::model::Metadata;
use serde_json::Value;

const Z: &str = "zip";
const X: &str = "xml";
const MAX_PART: u64 = 16 << 20;

/// The fields of one central-directory (or local) file header.
struct Member {
    version_needed: u16,
    flags: u16,
    method: u16,
    dos_time: u32,
    crc: u32,
    csize: u32,
    usize: u32,
    name: String,
    comment: String,
}

/// The first member of the central directory (ExifTool reads the archive with Archive::Zip),
/// or of the local headers when the central directory is missing.
fn first_member(data: &[u8]) -> Option<Member> {
    let tail_start = data.len().saturating_sub(65_557);
    let eocd = data[tail_start..]
        .windows(4)
        .rposition(|w| w == b"PK\x05\x06")
        .map(|p| p + tail_start);
    if let Some(e) = eocd {
        if let Some(cd) = le32(data, e + 16) {
            let cd = cd as usize;
            if data.get(cd..cd + 4) == Some(b"PK\x01\x02") {
                let nl = le16(data, cd + 28)? as usize;
                let xl = le16(data, cd + 30)? as usize;
                let cl = le16(data, cd + 32)? as usize;
                let name = data.get(cd + 46..cd + 46 + nl)?;
                let com = data
                    .get(cd + 46 + nl + xl..cd + 46 + nl + xl + cl)
                    .unwrap_or(&[]);
                return Some(Member {
                    version_needed: le16(data, cd + 6)?,
                    flags: le16(data, cd + 8)?,
                    method: le16(data, cd + 10)?,
                    dos_time: (le16(data, cd + 14)? as u32) << 16 | le16(data, cd + 12)? as u32,
                    crc: le32(data, cd + 16)?,
                    csize: le32(data, cd + 20)?,
                    usize: le32(data, cd + 24)?,
                    name: String::from_utf8_lossy(name).into_owned(),
                    comment: String::from_utf8_lossy(com).into_owned(),
                });
            }
        }
    }
    if !data.starts_with(b"PK\x03\x04") {
        return None;
    }
    let nl = le16(data, 26)? as usize;
    Some(Member {
        version_needed: le16(data, 4)?,
        flags: le16(data, 6)?,
        method: le16(data, 8)?,
        dos_time: (le16(data, 12)? as u32) << 16 | le16(data, 10)? as u32,
        crc: le32(data, 14)?,
        csize: le32(data, 18)?,
        usize: le32(data, 22)?,
        name: String::from_utf8_lossy(data.get(30..30 + nl)?).into_owned(),
        comment: String::new(),
    })
}

fn zip_tags(meta: &mut Metadata, m: &Member) {
    meta.add(Z, "ZipRequiredVersion", m.version_needed as u64);
    if m.flags == 0 {
        meta.add(Z, "ZipBitFlag", 0);
    } else {
        meta.add(Z, "ZipBitFlag", format!("0x{:04x}", m.flags));
    }
    let c = match m.method {
        0 => "None",
        1 => "Shrunk",
        2 => "Reduced with compression factor 1",
        3 => "Reduced with compression factor 2",
        4 => "Reduced with compression factor 3",
        5 => "Reduced with compression factor 4",
        6 => "Imploded",
        7 => "Tokenized",
        8 => "Deflated",
        9 => "Enhanced Deflate using Deflate64(tm)",
        10 => "Imploded (old IBM TERSE)",
        12 => "BZIP2",
        14 => "LZMA (EFS)",
        18 => "IBM TERSE (new)",
        19 => "IBM LZ77 z Architecture (PFS)",
        96 => "JPEG recompressed",
        97 => "WavPack compressed",
        98 => "PPMd version I, Rev 1",
        _ => "",
    };
    if c.is_empty() {
        meta.add(Z, "ZipCompression", format!("Unknown ({})", m.method));
    } else {
        meta.add(Z, "ZipCompression", c);
    }
    let v = m.dos_time;
    meta.add(
        Z,
        "ZipModifyDate",
        format!(
            "{:04}:{:02}:{:02} {:02}:{:02}:{:02}",
            (v >> 25) + 1980,
            (v >> 21) & 0x0f,
            (v >> 16) & 0x1f,
            (v >> 11) & 0x1f,
            (v >> 5) & 0x3f,
            (v & 0x1f) * 2
        ),
    );
    meta.add(Z, "ZipCRC", format!("0x{:08x}", m.crc));
    meta.add(Z, "ZipCompressedSize", m.csize as u64);
    meta.add(Z, "ZipUncompressedSize", m.usize as u64);
    meta.add(Z, "ZipFileName", json_str(&m.name));
    if !m.comment.is_empty() {
        meta.add(Z, "ZipFileComment", json_str(&m.comment));
    }
}

fn read_part<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, name: &str) -> Option<Vec<u8>> {
    let f = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    f.take(MAX_PART).read_to_end(&mut out).ok()?;
    Some(out)
}

const OOXML_TYPES: &[(&str, &str, &str)] = &[
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "DOCX",
        "docx",
    ),
    (
        "application/vnd.ms-word.document.macroEnabled.12",
        "DOCM",
        "docm",
    ),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template",
        "DOTX",
        "dotx",
    ),
    (
        "application/vnd.ms-word.template.macroEnabledTemplate",
        "DOTM",
        "dotm",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.template",
        "POTX",
        "potx",
    ),
    (
        "application/vnd.ms-powerpoint.template.macroEnabled.12",
        "POTM",
        "potm",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow",
        "PPSX",
        "ppsx",
    ),
    (
        "application/vnd.ms-powerpoint.slideshow.macroEnabled.12",
        "PPSM",
        "ppsm",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PPTX",
        "pptx",
    ),
    (
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
        "PPTM",
        "pptm",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
        "xlsx",
    ),
    (
        "application/vnd.ms-excel.sheet.macroEnabled.12",
        "XLSM",
        "xlsm",
    ),
    (
        "application/vnd.ms-excel.sheet.binary.macroEnabled.12",
        "XLSB",
        "xlsb",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.template",
        "XLTX",
        "xltx",
    ),
    (
        "application/vnd.ms-excel.template.macroEnabled.12",
        "XLTM",
        "xltm",
    ),
];

/// The main part's MIME type from `[Content_Types].xml`.
fn main_content_type(ct: &str) -> Option<String> {
    let mut best: Option<String> = None;
    for part in ct.split('<').filter(|p| p.starts_with("Override")) {
        let attr = |name: &str| -> Option<String> {
            let i = part.find(&format!("{name}="))?;
            let rest = &part[i + name.len() + 1..];
            let q = rest.chars().next()?;
            let rest = &rest[1..];
            let e = rest.find(q)?;
            Some(rest[..e].to_string())
        };
        let (Some(pn), Some(ty)) = (attr("PartName"), attr("ContentType")) else {
            continue;
        };
        let Some(base) = ty
            .strip_suffix(".main+xml")
            .or_else(|| ty.strip_suffix(".main"))
        else {
            continue;
        };
        if matches!(
            pn.as_str(),
            "/ppt/presentation.xml" | "/word/document.xml" | "/xl/workbook.xml"
        ) {
            return Some(base.to_string());
        }
        if best.is_none() {
            best = Some(base.to_string());
        }
    }
    best
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let first = first_member(data);
    let mut zip = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(z) => Some(z),
        Err(_) => {
            meta.warn("Error reading ZIP file");
            None
        }
    };
    let Some(z) = zip.as_mut() else {
        if let Some(m) = &first {
            zip_tags(meta, m);
        }
        return;
    };
    let comment = String::from_utf8_lossy(z.comment()).into_owned();
    if !comment.is_empty() {
        meta.set("file", "Comment", json_str(&comment));
    }
    let names: Vec<String> = (0..z.len().min(100_000))
        .filter_map(|i| {
            z.name_for_index(i)
                .and_then(|r| r.ok())
                .map(|c| c.into_owned())
        })
        .collect();
    // OOXML
    let mime = read_part(z, "[Content_Types].xml")
        .and_then(|b| main_content_type(&String::from_utf8_lossy(&b)));
    let doc_props: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("docProps/") && (n.ends_with(".xml") || n.ends_with(".XML")))
        .collect();
    if mime.is_some() || !doc_props.is_empty() {
        // the file type comes from the main part's MIME type, else from the file
        // extension when that is an OOXML one, else DOCX (ExifTool's ProcessDOCX)
        let by_mime = mime
            .as_deref()
            .and_then(|m| OOXML_TYPES.iter().find(|(t, _, _)| *t == m));
        let by_ext = || {
            let name = meta.get("file", "Name").and_then(|v| v.as_str())?;
            let ext = name.rsplit_once('.')?.1.to_ascii_uppercase();
            OOXML_TYPES.iter().find(|(_, ft, _)| *ft == ext)
        };
        let found = by_mime
            .or_else(by_ext)
            .or_else(|| OOXML_TYPES.iter().find(|(_, ft, _)| *ft == "DOCX"));
        if let Some((mt, ft, ext)) = found {
            meta.set("file", "FileType", *ft);
            meta.set("file", "FileTypeExtension", *ext);
            meta.set("file", "MIMEType", *mt);
        }
        if let Some(m) = &first {
            zip_tags(meta, m);
        }
        let props: Vec<String> = doc_props.into_iter().cloned().collect();
        for p in props {
            if meta.budget.exceeded() {
                break;
            }
            if let Some(b) = read_part(z, &p) {
                ooxml_part(meta, &b);
            }
        }
        return;
    }
    // OpenDocument
    if names.iter().any(|n| n == "mimetype") {
        let mt = read_part(z, "mimetype").unwrap_or_default();
        let mt = String::from_utf8_lossy(&mt).trim().to_ascii_lowercase();
        let odf = [
            ("application/vnd.oasis.opendocument.database", "ODB"),
            ("application/vnd.oasis.opendocument.chart", "ODC"),
            ("application/vnd.oasis.opendocument.formula", "ODF"),
            ("application/vnd.oasis.opendocument.graphics", "ODG"),
            ("application/vnd.oasis.opendocument.image", "ODI"),
            ("application/vnd.oasis.opendocument.presentation", "ODP"),
            ("application/vnd.oasis.opendocument.spreadsheet", "ODS"),
            ("application/vnd.oasis.opendocument.text", "ODT"),
        ];
        if mt == "application/epub+zip" {
            meta.set("file", "FileType", "EPUB");
            meta.set("file", "FileTypeExtension", "epub");
            meta.set("file", "MIMEType", "application/epub+zip");
            let opf = read_part(z, "META-INF/container.xml").and_then(|c| {
                let c = String::from_utf8_lossy(&c).into_owned();
                let i = c.find("full-path=")?;
                let rest = &c[i + 10..];
                let q = rest.chars().next()?;
                let rest = &rest[1..];
                Some(unescape(&rest[..rest.find(q)?]))
            });
            if let Some(b) = opf.and_then(|p| read_part(z, &p)) {
                epub_opf(meta, &b);
            }
            return;
        }
        let known = odf.iter().find(|(m, _)| *m == mt);
        if let Some((m, ft)) = known {
            meta.set("file", "FileType", *ft);
            meta.set("file", "FileTypeExtension", ft.to_ascii_lowercase());
            meta.set("file", "MIMEType", *m);
        }
        let xml = read_part(z, "meta.xml").or_else(|| read_part(z, "META-INF/metadata.xml"));
        if let Some(x) = &xml {
            let before = meta.groups.get("xmp").map_or(0, |g| g.len());
            crate::formats::xmp::parse(meta, x);
            if meta.groups.get("xmp").map_or(0, |g| g.len()) == before {
                // the XMP parser did not flatten this plain XML: do it the way ExifTool does
                odf_meta(meta, x);
            }
        }
        if known.is_some() || xml.is_some() {
            return;
        }
    }
    if let Some(m) = &first {
        zip_tags(meta, m);
    }
}

/// XML entity decoding (the five predefined entities and character references).
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        match after.find(';').filter(|&e| e <= 10) {
            Some(e) => {
                let ent = &after[..e];
                let rep = match ent {
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "amp" => Some('&'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
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
                match rep {
                    Some(c) => {
                        out.push(c);
                        rest = &after[e + 1..];
                    }
                    None => {
                        out.push('&');
                        rest = after;
                    }
                }
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // ExifTool also decodes OOXML "_xHHHH_" escapes
    decode_x_escapes(&out)
}

fn decode_x_escapes(s: &str) -> String {
    if !s.contains("_x") {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'_'
            && b.get(i + 1) == Some(&b'x')
            && b.get(i + 6) == Some(&b'_')
            && b.get(i + 2..i + 6)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        {
            if let Some(c) = std::str::from_utf8(&b[i + 2..i + 6])
                .ok()
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .and_then(char::from_u32)
            {
                out.push(c);
                i += 7;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// One XML element event from the tiny scanner below.
enum Ev {
    Start(String, Vec<(String, String)>),
    End,
    Text(String),
}

/// A minimal, bounded XML scanner (docProps parts are small and flat).
fn xml_events(s: &str) -> Vec<Ev> {
    let mut ev = Vec::new();
    let mut rest = s;
    while !rest.is_empty() && ev.len() < 200_000 {
        let Some(lt) = rest.find('<') else {
            break;
        };
        let text = &rest[..lt];
        if !text.trim().is_empty() {
            ev.push(Ev::Text(unescape(text)));
        }
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(e) => rest = &rest[e + 3..],
                None => break,
            }
            continue;
        }
        if rest.starts_with("<![CDATA[") {
            match rest.find("]]>") {
                Some(e) => {
                    ev.push(Ev::Text(rest[9..e].to_string()));
                    rest = &rest[e + 3..];
                }
                None => break,
            }
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            match rest.find('>') {
                Some(e) => rest = &rest[e + 1..],
                None => break,
            }
            continue;
        }
        // find the end of the tag, honouring quoted attribute values
        let b = rest.as_bytes();
        let mut i = 1;
        let mut q: Option<u8> = None;
        while i < b.len() {
            match (q, b[i]) {
                (None, b'"' | b'\'') => q = Some(b[i]),
                (Some(c), x) if c == x => q = None,
                (None, b'>') => break,
                _ => {}
            }
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let tag = &rest[1..i];
        rest = &rest[i + 1..];
        if let Some(_name) = tag.strip_prefix('/') {
            ev.push(Ev::End);
            continue;
        }
        let empty = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = tag[..name_end].to_string();
        let mut attrs = Vec::new();
        let mut a = &tag[name_end..];
        while let Some(eq) = a.find('=') {
            let key = a[..eq].trim().to_string();
            let after = a[eq + 1..].trim_start();
            let Some(qc) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                break;
            };
            let after = &after[1..];
            let Some(end) = after.find(qc) else { break };
            attrs.push((key, unescape(&after[..end])));
            a = &after[end + 1..];
        }
        ev.push(Ev::Start(name, attrs));
        if empty {
            ev.push(Ev::End);
        }
    }
    ev
}

fn ucfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn local(q: &str) -> (&str, &str) {
    match q.split_once(':') {
        Some((ns, n)) => (ns, n),
        None => ("", q),
    }
}

/// ExifTool's OOXML GetTagID: the first element below the root names the tag, deeper
/// elements are appended; `vt:` elements are ignored.
fn tag_id(props: &[String]) -> (Option<String>, String) {
    let mut tag: Option<String> = None;
    let mut ns_out = String::new();
    for p in props {
        let (ns, nm) = local(p);
        if ns == "vt" {
            continue;
        }
        match &mut tag {
            Some(t) => t.push_str(&ucfirst(nm)),
            None => {
                if p != "Properties" && p != "cp:coreProperties" && p != "property" {
                    tag = Some(nm.to_string());
                    ns_out = ns.to_string();
                }
            }
        }
    }
    (tag, ns_out)
}

struct Ooxml {
    vector_count: Option<usize>,
    vector_vals: Vec<String>,
    queued_name: Option<String>,
}

fn ooxml_part(meta: &mut Metadata, raw: &[u8]) {
    let s = String::from_utf8_lossy(raw);
    let mut props: Vec<String> = Vec::new();
    let mut st = Ooxml {
        vector_count: None,
        vector_vals: Vec::new(),
        queued_name: None,
    };
    // text seen for the innermost element since it opened
    let mut text: Option<String> = None;
    let mut had_child: Vec<bool> = Vec::new();
    for e in xml_events(&s) {
        match e {
            Ev::Start(name, attrs) => {
                if let Some(h) = had_child.last_mut() {
                    *h = true;
                }
                if props.len() >= 32 {
                    return;
                }
                props.push(name);
                had_child.push(false);
                text = None;
                for (k, v) in attrs {
                    if k == "xmlns" || k.starts_with("xmlns:") {
                        continue;
                    }
                    let mut p = props.clone();
                    p.push(k);
                    found(meta, &mut st, &p, v);
                }
            }
            Ev::Text(t) => {
                text = Some(text.map(|x| x + &t).unwrap_or(t));
            }
            Ev::End => {
                let child = had_child.pop().unwrap_or(false);
                if !child {
                    let v = text.take().unwrap_or_default();
                    found(meta, &mut st, &props, v);
                }
                text = None;
                props.pop();
            }
        }
    }
}

fn found(meta: &mut Metadata, st: &mut Ooxml, props: &[String], val: String) {
    let Some(last) = props.last() else { return };
    let last_local = local(last).1;
    if matches!(last.as_str(), "fmtid" | "pid" | "name") {
        if last == "name" {
            st.queued_name = Some(val);
        }
        return;
    }
    let _ = last_local;
    let (tag, ns) = tag_id(props);
    let val_json: Value;
    let tag = match tag {
        None => {
            // custom.xml property: named by its "name" attribute
            let Some(name) = st.queued_name.clone() else {
                return;
            };
            // s/(^| )([a-z])/$1\U$2/g; tr/-_a-zA-Z0-9//dc
            let mut up = true;
            let mut t = String::new();
            for c in name.chars() {
                let c2 = if up && c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                up = c == ' ';
                if c2.is_ascii_alphanumeric() || c2 == '-' || c2 == '_' {
                    t.push(c2);
                }
            }
            if t.is_empty() {
                return;
            }
            val_json = if last == "vt:filetime" {
                json_str(&xmp_date(&val))
            } else {
                json_str(&val)
            };
            st.queued_name = None;
            st.vector_count = None;
            meta.set(X, &t, val_json);
            return;
        }
        Some(t) => t,
    };
    if tag == "xmlns" {
        return;
    }
    if ns == "dc" {
        // the standard XMP dc table
        let name = match tag.as_str() {
            "title" => "Title",
            "subject" => "Subject",
            "creator" => "Creator",
            "description" => "Description",
            "language" => "Language",
            "identifier" => "Identifier",
            "contributor" => "Contributor",
            "coverage" => "Coverage",
            "date" => "Date",
            "format" => "Format",
            "publisher" => "Publisher",
            "relation" => "Relation",
            "rights" => "Rights",
            "source" => "Source",
            "type" => "Type",
            _ => return,
        };
        let v = if name == "Date" { xmp_date(&val) } else { val };
        meta.set("xmp", name, json_str(&v));
        st.queued_name = None;
        return;
    }
    if props.len() > 2 && props.iter().any(|p| p == "vt:vector") {
        if last == "size" {
            st.vector_count = val.parse().ok();
            st.vector_vals.clear();
            return;
        }
        if last == "baseType" {
            return;
        }
        if let Some(n) = st.vector_count {
            let n = n.saturating_sub(1);
            st.vector_count = Some(n);
            if n > 0 {
                if st.vector_vals.len() < 10_000 {
                    st.vector_vals.push(val);
                }
                return;
            }
            if !st.vector_vals.is_empty() {
                let mut all: Vec<Value> = st.vector_vals.drain(..).map(|v| json_str(&v)).collect();
                all.push(json_str(&val));
                st.vector_count = None;
                st.queued_name = None;
                meta.set(X, &ucfirst(&tag), Value::Array(all));
                return;
            }
        }
    }
    // known OOXML tags and their conversions
    let (name, conv): (String, u8) = match tag.as_str() {
        "created" => ("CreateDate".into(), 1),
        "modified" => ("ModifyDate".into(), 1),
        "lastPrinted" | "DateCompleted" | "RecordedDate" => (ucfirst(&tag), 1),
        "createdType" | "modifiedType" | "lastPrintedType" => return,
        "revision" => ("RevisionNumber".into(), 0),
        "TotalTime" => ("TotalEditTime".into(), 2),
        "DocSecurity" => ("DocSecurity".into(), 3),
        "HyperlinksChanged" | "LinksUpToDate" | "ScaleCrop" | "SharedDoc" => (tag.clone(), 4),
        _ => (ucfirst(&tag), 0),
    };
    val_json = match conv {
        1 => json_str(&xmp_date(&val)),
        2 => Value::String(time_span(&val)),
        3 => match val.trim() {
            "0" => "None".into(),
            "1" => "Password protected".into(),
            "2" => "Read-only recommended".into(),
            "4" => "Read-only enforced".into(),
            "8" => "Locked for annotations".into(),
            other => json_str(other),
        },
        4 => match val.trim() {
            "false" => "No".into(),
            "true" => "Yes".into(),
            other => json_str(other),
        },
        _ => json_str(&val),
    };
    st.vector_count = None;
    st.queued_name = None;
    meta.set(X, &name, val_json);
}

/// ExifTool's flattening of an OpenDocument `meta.xml` (read by its XMP parser as plain XML):
/// element names under `office:meta`, nested names and attribute names appended.
fn odf_meta(meta: &mut Metadata, raw: &[u8]) {
    let s = String::from_utf8_lossy(raw);
    let mut path: Vec<String> = Vec::new();
    let mut text: Option<String> = None;
    let mut had_child: Vec<bool> = Vec::new();
    let name_of = |path: &[String]| -> Option<String> {
        let i = path.iter().position(|p| p == "office:meta")?;
        let parts = &path[i + 1..];
        if parts.is_empty() {
            return None;
        }
        Some(parts.iter().map(|p| ucfirst(local(p).1)).collect())
    };
    let value = |v: &str| {
        let b = v.as_bytes();
        if b.len() >= 11 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b'T' {
            json_str(&xmp_date(v))
        } else {
            json_str(v)
        }
    };
    for e in xml_events(&s) {
        match e {
            Ev::Start(name, attrs) => {
                if let Some(h) = had_child.last_mut() {
                    *h = true;
                }
                if path.len() >= 32 {
                    return;
                }
                path.push(name);
                had_child.push(false);
                text = None;
                if let Some(base) = name_of(&path) {
                    for (k, v) in attrs {
                        if k == "xmlns" || k.starts_with("xmlns:") {
                            continue;
                        }
                        meta.add("xmp", &format!("{base}{}", ucfirst(local(&k).1)), value(&v));
                    }
                }
            }
            Ev::Text(t) => text = Some(text.map(|x| x + &t).unwrap_or(t)),
            Ev::End => {
                let child = had_child.pop().unwrap_or(false);
                if !child {
                    if let (Some(n), Some(t)) = (name_of(&path), text.take()) {
                        meta.add("xmp", &n, value(&t));
                    }
                }
                text = None;
                path.pop();
            }
        }
    }
}

/// An EPUB package document, read like ExifTool's XMP::XML table (group `xml`): element and
/// attribute names flattened, `package` and `metadata` levels ignored, `dc:date` events named.
fn epub_opf(meta: &mut Metadata, raw: &[u8]) {
    let s = String::from_utf8_lossy(raw);
    let mut path: Vec<String> = Vec::new();
    let mut text: Option<String> = None;
    let mut had_child: Vec<bool> = Vec::new();
    let mut event: Vec<Option<String>> = Vec::new();
    let name_of = |path: &[String]| -> Option<String> {
        let parts: Vec<String> = path
            .iter()
            .map(|p| local(p).1.to_string())
            .filter(|l| l != "package" && l != "metadata")
            .map(|l| ucfirst(&l))
            .collect();
        if parts.is_empty() {
            None
        } else {
            Some(parts.concat())
        }
    };
    let value = |v: &str| {
        let b = v.as_bytes();
        if b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-' {
            json_str(&xmp_date(v))
        } else {
            json_str(v)
        }
    };
    for e in xml_events(&s) {
        match e {
            Ev::Start(name, attrs) => {
                if let Some(h) = had_child.last_mut() {
                    *h = true;
                }
                if path.len() >= 32 {
                    return;
                }
                let is_date = name == "dc:date";
                path.push(name);
                had_child.push(false);
                text = None;
                let mut ev = None;
                if let Some(base) = name_of(&path) {
                    for (k, v) in attrs {
                        if k == "xmlns" || k.starts_with("xmlns:") {
                            continue;
                        }
                        if is_date && local(&k).1 == "event" {
                            ev = Some(v);
                            continue;
                        }
                        meta.add(X, &format!("{base}{}", ucfirst(local(&k).1)), json_str(&v));
                    }
                }
                event.push(ev);
            }
            Ev::Text(t) => text = Some(text.map(|x| x + &t).unwrap_or(t)),
            Ev::End => {
                let child = had_child.pop().unwrap_or(false);
                let ev = event.pop().flatten();
                if !child {
                    let n = match ev {
                        Some(e) => Some(format!("{}Date", ucfirst(&e))),
                        None => name_of(&path),
                    };
                    if let Some(n) = n {
                        meta.add(X, &n, value(&text.take().unwrap_or_default()));
                    }
                }
                text = None;
                path.pop();
            }
        }
    }
}

/// ExifTool's ConvertTimeSpan($val, 60).
fn time_span(v: &str) -> String {
    let Ok(x) = v.trim().parse::<f64>() else {
        return v.to_string();
    };
    if x == 0.0 {
        return v.to_string();
    }
    let s = x * 60.0;
    if s < 60.0 {
        format!("{} seconds", crate::formats::quicktime::conv::perl_num(s))
    } else if s < 3600.0 {
        let m = (s / 60.0).trunc();
        let plural = if s == 60.0 { "" } else { "s" };
        format!("{} minute{plural}", m as i64)
    } else if s < 86_400.0 {
        format!("{:.1} hours", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;
    use std::io::Write;

    const CORE: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Doc &amp; Title</dc:title><dc:creator>Jane Doe</dc:creator><cp:keywords>k1, k2</cp:keywords><cp:lastModifiedBy>John Roe</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2024-03-15T10:30:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-03-16T11:00:00Z</dcterms:modified></cp:coreProperties>"#;
    const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><TotalTime>5</TotalTime><Pages>2</Pages><Application>Microsoft Office Word</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Title</vt:lpstr></vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr></vt:lpstr></vt:vector></TitlesOfParts><Company>ACME</Company><AppVersion>16.0000</AppVersion></Properties>"#;
    const CUSTOM: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="my prop"><vt:lpwstr>Custom Value</vt:lpwstr></property></Properties>"#;

    fn docx() -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::from_date_and_time(2024, 3, 15, 10, 30, 0).unwrap());
        let parts = [
            (
                "[Content_Types].xml",
                r#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
            ),
            ("word/document.xml", "<w:document/>"),
            ("docProps/core.xml", CORE),
            ("docProps/app.xml", APP),
            ("docProps/custom.xml", CUSTOM),
        ];
        for (n, c) in parts {
            w.start_file(n, o).unwrap();
            w.write_all(c.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_docx() {
        let d = docx();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let z = |t: &str| m.get("zip", t).cloned().unwrap_or(json!(null));
        assert_eq!(z("ZipRequiredVersion"), json!(20));
        assert_eq!(z("ZipCompression"), json!("Deflated"));
        assert_eq!(z("ZipModifyDate"), json!("2024:03:15 10:30:00"));
        assert_eq!(z("ZipFileName"), json!("[Content_Types].xml"));
        let x = |t: &str| m.get("xml", t).cloned().unwrap_or(json!(null));
        assert_eq!(m.get("xmp", "Title"), Some(&json!("Doc & Title")));
        assert_eq!(m.get("xmp", "Creator"), Some(&json!("Jane Doe")));
        assert_eq!(x("Keywords"), json!("k1, k2"));
        assert_eq!(x("LastModifiedBy"), json!("John Roe"));
        assert_eq!(x("RevisionNumber"), json!(3));
        assert_eq!(x("CreateDate"), json!("2024:03:15 10:30:00Z"));
        assert_eq!(x("ModifyDate"), json!("2024:03:16 11:00:00Z"));
        assert_eq!(x("TotalEditTime"), json!("5 minutes"));
        assert_eq!(x("Pages"), json!(2));
        assert_eq!(x("DocSecurity"), json!("None"));
        assert_eq!(x("ScaleCrop"), json!("No"));
        assert_eq!(x("HeadingPairs"), json!(["Title", 1]));
        assert_eq!(x("TitlesOfParts"), json!(""));
        assert_eq!(x("Company"), json!("ACME"));
        assert_eq!(x("MyProp"), json!("Custom Value"));
        assert_eq!(m.get("file", "FileType"), Some(&json!("DOCX")));
    }

    #[test]
    fn reads_odt_meta() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        w.start_file("mimetype", stored).unwrap();
        w.write_all(b"application/vnd.oasis.opendocument.text")
            .unwrap();
        w.start_file("meta.xml", stored).unwrap();
        w.write_all(br#"<office:document-meta xmlns:office="o" xmlns:meta="m" xmlns:dc="d"><office:meta><meta:creation-date>2024-03-15T10:30:00</meta:creation-date><dc:title>ODT Title</dc:title><meta:document-statistic meta:page-count="1"/></office:meta></office:document-meta>"#).unwrap();
        let d = w.finish().unwrap().into_inner();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(m.get("xmp", "Title"), Some(&json!("ODT Title")));
        assert_eq!(
            m.get("xmp", "Creation-date"),
            Some(&json!("2024:03:15 10:30:00"))
        );
        assert_eq!(
            m.get("xmp", "Document-statisticPage-count"),
            Some(&json!(1))
        );
        assert_eq!(m.get("file", "FileType"), Some(&json!("ODT")));
        assert!(m.get("zip", "ZipFileName").is_none());
    }

    #[test]
    fn reads_epub_package() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let parts: [(&str, &str); 3] = [
            ("mimetype", "application/epub+zip"),
            (
                "META-INF/container.xml",
                r#"<container><rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>"#,
            ),
            (
                "OEBPS/content.opf",
                r#"<package xmlns="http://www.idpf.org/2007/opf"><metadata xmlns:dc="d" xmlns:opf="o"><dc:title>Book Title</dc:title><dc:creator opf:role="aut">Jane Doe</dc:creator><dc:date opf:event="publication">2020-01-01</dc:date></metadata><manifest/></package>"#,
            ),
        ];
        for (n, c) in parts {
            w.start_file(n, o).unwrap();
            w.write_all(c.as_bytes()).unwrap();
        }
        let d = w.finish().unwrap().into_inner();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(m.get("file", "FileType"), Some(&json!("EPUB")));
        assert_eq!(m.get("xml", "Title"), Some(&json!("Book Title")));
        assert_eq!(m.get("xml", "CreatorRole"), Some(&json!("aut")));
        assert_eq!(m.get("xml", "Creator"), Some(&json!("Jane Doe")));
        assert_eq!(m.get("xml", "PublicationDate"), Some(&json!("2020:01:01")));
        assert_eq!(m.get("xml", "Manifest"), Some(&json!("")));
        assert!(m.get("zip", "ZipFileName").is_none());
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = docx();
        for n in (0..d.len()).step_by(3) {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
