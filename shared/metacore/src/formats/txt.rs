//! Plain text files, as ExifTool's Text.pm reads them: the character encoding guessed from
//! the first 64 KiB (MIMEEncoding, ByteOrderMark), the newline convention, and line and word
//! counts.

use crate::model::Metadata;

/// How much of the file the encoding guess looks at (ExifTool reads 64 KiB).
const PROBE: usize = 65536;

/// Control characters that make ExifTool call a file "not text" (unless it has a UTF-16/32 BOM).
fn is_weird(b: u8) -> bool {
    matches!(b, 0x00..=0x06 | 0x0e..=0x1a | 0x1c..=0x1f | 0x7f)
}

/// True when ExifTool would read `data` as a text file.
pub fn looks_like_text(data: &[u8]) -> bool {
    !data.is_empty() && encoding(&data[..data.len().min(PROBE)]).is_some()
}

struct Guess {
    encoding: &'static str,
    bom: Option<bool>,
    /// Byte width of one code unit (1, 2 or 4) and its byte order, for counting.
    unit: usize,
    little: bool,
}

fn encoding(probe: &[u8]) -> Option<Guess> {
    if probe.iter().any(|&b| is_weird(b)) {
        let g = |encoding, unit, little| {
            Some(Guess {
                encoding,
                bom: Some(true),
                unit,
                little,
            })
        };
        return if probe.starts_with(b"\xff\xfe\0\0") {
            g("utf-32le", 4, true)
        } else if probe.starts_with(b"\0\0\xfe\xff") {
            g("utf-32be", 4, false)
        } else if probe.starts_with(b"\xff\xfe") {
            g("utf-16le", 2, true)
        } else if probe.starts_with(b"\xfe\xff") {
            g("utf-16be", 2, false)
        } else {
            None
        };
    }
    let one = |encoding, bom| {
        Some(Guess {
            encoding,
            bom,
            unit: 1,
            little: false,
        })
    };
    if probe.starts_with(b"\xef\xbb\xbf") {
        return one("utf-8", Some(true));
    }
    if probe.iter().all(|&b| b < 0x80) {
        return one("us-ascii", None);
    }
    // A multi-byte sequence cut by the end of the probe is still UTF-8.
    match std::str::from_utf8(probe) {
        Ok(_) => one("utf-8", Some(false)),
        Err(e) if e.error_len().is_none() => one("utf-8", Some(false)),
        Err(_) if probe.iter().any(|&b| (0x80..=0x9f).contains(&b)) => one("windows-1252", None),
        Err(_) => one("iso-8859-1", None),
    }
}

/// The text as code units (one per character for the single-byte encodings).
fn units(data: &[u8], g: &Guess) -> Vec<u32> {
    let body = match g.bom {
        Some(true) => {
            &data[match g.unit {
                1 => 3,
                n => n.min(data.len()),
            }
            .min(data.len())..]
        }
        _ => data,
    };
    body.chunks_exact(g.unit)
        .map(|c| match (g.unit, g.little) {
            (1, _) => c[0] as u32,
            (2, true) => u16::from_le_bytes([c[0], c[1]]) as u32,
            (2, false) => u16::from_be_bytes([c[0], c[1]]) as u32,
            (_, true) => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            (_, false) => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
        })
        .collect()
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let Some(g) = encoding(&data[..data.len().min(PROBE)]) else {
        return;
    };
    meta.add("file", "MIMEEncoding", g.encoding);
    if let Some(bom) = g.bom.filter(|_| g.unit == 1) {
        meta.add("file", "ByteOrderMark", if bom { "Yes" } else { "No" });
    }
    let text = units(data, &g);
    let (cr, lf) = (u32::from(b'\r'), u32::from(b'\n'));
    let probe_len = text.len().min(PROBE);
    let nl: &[u32] = match text[..probe_len].iter().position(|&c| c == cr || c == lf) {
        Some(i) if text[i] == cr && text.get(i + 1) == Some(&lf) => &[13, 10],
        Some(i) if text[i] == cr => &[13],
        Some(_) => &[10],
        None => &[],
    };
    let newlines = match nl {
        [13, 10] => "Windows CRLF",
        [13] => "Macintosh CR",
        [10] => "Unix LF",
        _ => "(none)",
    };
    meta.add("file", "Newlines", newlines);
    // Lines as Perl's readline with $/ set to the newline sequence; words are runs of
    // non-space characters.
    let (mut lines, mut words, mut in_word, mut line_has) = (0u64, 0u64, false, false);
    let mut i = 0;
    while i < text.len() {
        if meta.budget.exceeded() {
            meta.warn("Time budget exhausted while counting text lines");
            return;
        }
        line_has = true;
        let c = text[i];
        let space = matches!(c, 0x20 | 0x09 | 0x0a | 0x0b | 0x0c | 0x0d);
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
        if !nl.is_empty() && text[i..].starts_with(nl) {
            lines += 1;
            line_has = false;
            in_word = false;
            i += nl.len();
            continue;
        }
        i += 1;
    }
    if line_has || (nl.is_empty() && !text.is_empty()) {
        lines += 1;
    }
    meta.add("file", "LineCount", lines);
    meta.add("file", "WordCount", words);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{detect, FileKind};

    fn run(d: &[u8]) -> Metadata {
        let mut m = Metadata::new(crate::Budget::default());
        parse(&mut m, d);
        m
    }

    #[test]
    fn ascii_lf() {
        let m = run(b"hello world\nsecond line here\n");
        assert_eq!(m.get("file", "MIMEEncoding").unwrap(), "us-ascii");
        assert!(m.get("file", "ByteOrderMark").is_none());
        assert_eq!(m.get("file", "Newlines").unwrap(), "Unix LF");
        assert_eq!(m.get("file", "LineCount").unwrap(), 2);
        assert_eq!(m.get("file", "WordCount").unwrap(), 5);
    }

    #[test]
    fn utf8_crlf_and_last_line_without_newline() {
        let m = run("caf\u{e9} ol\u{e9}\r\nfin".as_bytes());
        assert_eq!(m.get("file", "MIMEEncoding").unwrap(), "utf-8");
        assert_eq!(m.get("file", "ByteOrderMark").unwrap(), "No");
        assert_eq!(m.get("file", "Newlines").unwrap(), "Windows CRLF");
        assert_eq!(m.get("file", "LineCount").unwrap(), 2);
        assert_eq!(m.get("file", "WordCount").unwrap(), 3);
    }

    #[test]
    fn binary_is_not_text() {
        assert_eq!(detect(b"\x00\x01\x02binary", None), None);
        assert_eq!(detect(b"plain words", None), Some(FileKind::Txt));
        assert_eq!(detect(b"\xfe\xff\0h\0i", None), Some(FileKind::Txt));
        let m = run(b"\xff\xfeh\0i\0\n\0");
        assert_eq!(m.get("file", "MIMEEncoding").unwrap(), "utf-16le");
        assert_eq!(m.get("file", "LineCount").unwrap(), 1);
    }

    #[test]
    fn prefixes_never_panic() {
        let d = "a b\r\nc \u{e9}\u{20ac}\n".as_bytes();
        for n in 0..d.len() {
            run(&d[..n]);
        }
    }
}
