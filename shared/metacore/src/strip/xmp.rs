//! Just enough XMP reading for the receipt (how many properties a packet holds) and for
//! `keep=copyright` (the first `dc:rights` / `dc:creator` value). A tolerant tag scanner,
//! not a full XML parser: it never fails, it only counts less.

const MAX_TAGS: usize = 200_000;

struct Tag<'a> {
    name: &'a [u8],
    /// The raw text between the name and the closing `>` (attributes).
    attrs: &'a [u8],
    end: bool,
    empty: bool,
    /// Offset just past the `>`.
    after: usize,
}

/// Iterates the element tags of `x` (comments, processing instructions, doctype skipped).
fn tags(x: &[u8]) -> impl Iterator<Item = Tag<'_>> {
    let mut pos = 0usize;
    let mut n = 0usize;
    std::iter::from_fn(move || loop {
        if n >= MAX_TAGS {
            return None;
        }
        n += 1;
        let lt = pos + x.get(pos..)?.iter().position(|&b| b == b'<')?;
        let rest = x.get(lt + 1..)?;
        if rest.starts_with(b"!--") {
            let end = find(rest, b"-->").map(|e| lt + 1 + e + 3)?;
            pos = end;
            continue;
        }
        if rest.starts_with(b"![CDATA[") {
            pos = find(rest, b"]]>").map(|e| lt + 1 + e + 3)?;
            continue;
        }
        // find '>' outside quotes
        let mut q = 0u8;
        let mut gt = None;
        for (i, &b) in rest.iter().enumerate() {
            if q != 0 {
                if b == q {
                    q = 0;
                }
            } else if b == b'"' || b == b'\'' {
                q = b;
            } else if b == b'>' {
                gt = Some(i);
                break;
            }
        }
        let gt = gt?;
        let inner = &rest[..gt];
        pos = lt + 1 + gt + 1;
        if inner.first() == Some(&b'?') || inner.first() == Some(&b'!') {
            continue;
        }
        let (end, inner) = match inner.strip_prefix(b"/") {
            Some(i) => (true, i),
            None => (false, inner),
        };
        let (empty, inner) = match inner.strip_suffix(b"/") {
            Some(i) => (true, i),
            None => (false, inner),
        };
        let name_len = inner
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(inner.len());
        return Some(Tag {
            name: &inner[..name_len],
            attrs: &inner[name_len..],
            end,
            empty,
            after: pos,
        });
    })
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// Attribute names of a tag's attribute text.
fn attr_names(attrs: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    let mut i = 0;
    while i < attrs.len() {
        while i < attrs.len() && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let s = i;
        while i < attrs.len() && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        if s == i {
            i += 1;
            continue;
        }
        v.push(&attrs[s..i]);
        while i < attrs.len() && attrs[i] != b'"' && attrs[i] != b'\'' {
            i += 1;
        }
        if i < attrs.len() {
            let q = attrs[i];
            i += 1;
            while i < attrs.len() && attrs[i] != q {
                i += 1;
            }
            i += 1;
        }
    }
    v
}

fn is_property_name(n: &[u8]) -> bool {
    n.contains(&b':')
        && !n.starts_with(b"xmlns")
        && !n.starts_with(b"rdf:")
        && !n.starts_with(b"xml:")
        && !n.starts_with(b"x:")
}

/// Counts the top-level properties of an XMP packet (attributes and child elements of
/// every `rdf:Description`). At least 1 for a non-empty packet.
pub fn count_props(x: &[u8]) -> u64 {
    let mut depth = 0usize;
    let mut desc: Option<usize> = None;
    let mut n = 0u64;
    for t in tags(x) {
        if t.end {
            depth = depth.saturating_sub(1);
            if desc == Some(depth) {
                desc = None;
            }
            continue;
        }
        if t.name == b"rdf:Description" && desc.is_none() {
            n += attr_names(t.attrs)
                .into_iter()
                .filter(|a| is_property_name(a))
                .count() as u64;
            if !t.empty {
                desc = Some(depth);
            }
        } else if let Some(d) = desc {
            if depth == d + 1 && is_property_name(t.name) {
                n += 1;
            }
        }
        if !t.empty {
            depth += 1;
        }
    }
    n.max(1)
}

/// The first text value of property `name` (`dc:rights`, `dc:creator`): an attribute of
/// `rdf:Description`, a simple element, or the first `rdf:li` of an array.
pub fn first_value(x: &[u8], name: &str) -> Option<String> {
    let name = name.as_bytes();
    let mut it = tags(x).peekable();
    while let Some(t) = it.next() {
        if t.end {
            continue;
        }
        if t.name == b"rdf:Description" {
            if let Some(v) = attr_value(t.attrs, name) {
                return Some(v);
            }
            continue;
        }
        if t.name != name || t.empty {
            continue;
        }
        // Simple element: text up to the next tag.
        let start = t.after;
        let next = it.next()?;
        if next.end && next.name == name {
            let lt = start + x.get(start..)?.iter().position(|&b| b == b'<')?;
            return clean(x.get(start..lt)?);
        }
        // Array: look for the first rdf:li.
        let mut cur = Some(next);
        while let Some(t) = cur {
            if t.end && t.name == name {
                return None;
            }
            if !t.end && !t.empty && t.name == b"rdf:li" {
                let s = t.after;
                let lt = s + x.get(s..)?.iter().position(|&b| b == b'<')?;
                return clean(x.get(s..lt)?);
            }
            cur = it.next();
        }
        return None;
    }
    None
}

/// The copyright notice of a packet: `dc:rights`, else `tiff:Copyright`.
pub fn rights(x: &[u8]) -> Option<String> {
    first_value(x, "dc:rights").or_else(|| first_value(x, "tiff:Copyright"))
}

/// The creator of a packet: `dc:creator`, else `tiff:Artist`.
pub fn creator(x: &[u8]) -> Option<String> {
    first_value(x, "dc:creator").or_else(|| first_value(x, "tiff:Artist"))
}

/// A minimal XMP packet holding only `dc:rights` and `dc:creator` (for keep=copyright in
/// formats without EXIF), or None when both are absent.
pub fn minimal(rights: Option<&str>, creator: Option<&str>) -> Option<String> {
    if rights.is_none() && creator.is_none() {
        return None;
    }
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut x = String::from(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
    );
    if let Some(r) = rights {
        x.push_str(&format!(
            "<dc:rights><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:rights>",
            esc(r)
        ));
    }
    if let Some(c) = creator {
        x.push_str(&format!(
            "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>",
            esc(c)
        ));
    }
    x.push_str("</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>");
    Some(x)
}

fn attr_value(attrs: &[u8], name: &[u8]) -> Option<String> {
    let mut i = 0;
    while let Some(p) = find(attrs.get(i..)?, name) {
        let at = i + p;
        let before_ok = at == 0 || attrs[at - 1].is_ascii_whitespace();
        let rest = &attrs[at + name.len()..];
        let rest_trim: &[u8] = {
            let k = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            &rest[k..]
        };
        if before_ok && rest_trim.first() == Some(&b'=') {
            let r = &rest_trim[1..];
            let k = r.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let r = &r[k..];
            let q = *r.first()?;
            let body = &r[1..];
            let e = body.iter().position(|&b| b == q)?;
            return clean(&body[..e]);
        }
        i = at + 1;
    }
    None
}

fn clean(raw: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(raw);
    let s = s
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#xA;", "\n")
        .replace("&amp;", "&");
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const X: &[u8] = br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:CreatorTool="Cam" xmp:Rating="3">
<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">(c) Ann &amp; Bob</rdf:li></rdf:Alt></dc:rights>
<dc:creator><rdf:Seq><rdf:li>Ann</rdf:li></rdf:Seq></dc:creator>
<photoshop:City>Paris</photoshop:City>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;

    #[test]
    fn minimal_packet_reads_back() {
        let x = minimal(Some("(c) A & B"), Some("Ann")).unwrap();
        assert_eq!(
            first_value(x.as_bytes(), "dc:rights").as_deref(),
            Some("(c) A & B")
        );
        assert_eq!(
            first_value(x.as_bytes(), "dc:creator").as_deref(),
            Some("Ann")
        );
        assert_eq!(count_props(x.as_bytes()), 2);
        assert!(minimal(None, None).is_none());
    }

    #[test]
    fn counts_and_reads() {
        assert_eq!(count_props(X), 5);
        assert_eq!(
            first_value(X, "dc:rights").as_deref(),
            Some("(c) Ann & Bob")
        );
        assert_eq!(first_value(X, "dc:creator").as_deref(), Some("Ann"));
        assert_eq!(first_value(X, "photoshop:City").as_deref(), Some("Paris"));
        assert_eq!(first_value(X, "xmp:Rating").as_deref(), Some("3"));
        for n in 0..X.len() {
            let _ = count_props(&X[..n]);
            let _ = first_value(&X[..n], "dc:rights");
        }
    }
}
