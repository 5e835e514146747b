//! Byte builders for the strip tests: every fixture is made in code.
#![allow(dead_code)]

use metacore::{strip, Keep, Piece, StripPlan};

/// One IFD entry: tag, type, count, value bytes (big-endian).
pub type E = (u16, u16, u32, Vec<u8>);

pub fn ascii(tag: u16, s: &str) -> E {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    (tag, 2, v.len() as u32, v)
}
pub fn short(tag: u16, v: u16) -> E {
    (tag, 3, 1, v.to_be_bytes().to_vec())
}
pub fn long(tag: u16, v: u32) -> E {
    (tag, 4, 1, v.to_be_bytes().to_vec())
}
pub fn undef(tag: u16, v: &[u8]) -> E {
    (tag, 7, v.len() as u32, v.to_vec())
}

/// Lays out IFDs one after another in a big-endian TIFF block. `chain` are IFD0, IFD1...;
/// `subs` are (pointer tag, entries) sub-IFDs hung off IFD0.
pub fn tiff(chain: Vec<Vec<E>>, subs: Vec<(u16, Vec<E>)>) -> Vec<u8> {
    let mut chain = chain;
    for (tag, _) in &subs {
        chain[0].push(long(*tag, 0)); // patched below
    }
    for ifd in &mut chain {
        ifd.sort_by_key(|e| e.0);
    }
    let ifd_len = |ifd: &Vec<E>| -> usize {
        2 + ifd.len() * 12
            + 4
            + ifd
                .iter()
                .map(|e| {
                    if e.3.len() > 4 {
                        (e.3.len() + 1) & !1
                    } else {
                        0
                    }
                })
                .sum::<usize>()
    };
    let mut offs = Vec::new();
    let mut at = 8usize;
    for ifd in &chain {
        offs.push(at);
        at += ifd_len(ifd);
    }
    let mut sub_offs = Vec::new();
    for (_, s) in &subs {
        sub_offs.push(at);
        let mut s = s.clone();
        s.sort_by_key(|e| e.0);
        at += ifd_len(&s);
    }
    for (i, (tag, _)) in subs.iter().enumerate() {
        for e in chain[0].iter_mut() {
            if e.0 == *tag {
                e.3 = (sub_offs[i] as u32).to_be_bytes().to_vec();
            }
        }
    }
    let mut out = b"MM\0\x2a\0\0\0\x08".to_vec();
    let write = |out: &mut Vec<u8>, ifd: &Vec<E>, next: u32| {
        let base = out.len();
        let mut extra_at = base + 2 + ifd.len() * 12 + 4;
        let mut extra = Vec::new();
        out.extend_from_slice(&(ifd.len() as u16).to_be_bytes());
        for (tag, typ, count, v) in ifd {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&typ.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            if v.len() <= 4 {
                let mut b = [0u8; 4];
                b[..v.len()].copy_from_slice(v);
                out.extend_from_slice(&b);
            } else {
                out.extend_from_slice(&(extra_at as u32).to_be_bytes());
                extra.extend_from_slice(v);
                if v.len() % 2 == 1 {
                    extra.push(0);
                }
                extra_at = base + 2 + ifd.len() * 12 + 4 + extra.len();
            }
        }
        out.extend_from_slice(&next.to_be_bytes());
        out.extend_from_slice(&extra);
    };
    for (i, ifd) in chain.iter().enumerate() {
        let next = offs.get(i + 1).copied().unwrap_or(0) as u32;
        write(&mut out, ifd, next);
    }
    for (_, s) in &subs {
        let mut s = s.clone();
        s.sort_by_key(|e| e.0);
        write(&mut out, &s, 0);
    }
    out
}

/// A typical camera EXIF block: IFD0 with Make/Model/Orientation/Artist/Copyright, an Exif
/// IFD with a date and a maker note, a GPS IFD.
pub fn camera_exif() -> Vec<u8> {
    tiff(
        vec![vec![
            ascii(0x010F, "ACME"),
            ascii(0x0110, "Snapper 3000"),
            short(0x0112, 6),
            ascii(0x013B, "Ann Photographer"),
            ascii(0x8298, "(c) 2024 Ann"),
            ascii(0x0131, "Firmware 1.2"),
        ]],
        vec![
            (
                0x8769,
                vec![
                    ascii(0x9003, "2024:01:02 03:04:05"),
                    undef(0x927C, b"ACMEMAKERNOTE-SERIAL-123456"),
                    ascii(0xA431, "SN12345"),
                ],
            ),
            (
                0x8825,
                vec![
                    ascii(0x0001, "N"),
                    (
                        0x0002,
                        5,
                        3,
                        [48u32, 1, 51, 1, 0, 1]
                            .iter()
                            .flat_map(|v| v.to_be_bytes())
                            .collect(),
                    ),
                    ascii(0x0003, "E"),
                ],
            ),
        ],
    )
}

pub const XMP: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="SecretCity"><dc:rights><rdf:Alt><rdf:li xml:lang="x-default">(c) XMP Owner</rdf:li></rdf:Alt></dc:rights><dc:creator><rdf:Seq><rdf:li>XMP Creator</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#;

pub const ICC: &[u8] = b"\0\0\0\x80fakeICCprofile-mntrRGB XYZ -- a fake profile, long enough to look like one..................................................";

pub fn contains(h: &[u8], n: &[u8]) -> bool {
    !n.is_empty() && h.windows(n.len()).any(|w| w == n)
}

/// Secrets planted in the fixtures; none may survive a default strip.
pub const SECRETS: &[&str] = &[
    "ACME",
    "Snapper",
    "Ann Photographer",
    "SecretCity",
    "XMP Creator",
    "SN12345",
    "MAKERNOTE",
    "2024:01:02",
];

pub fn assert_no_secrets(out: &[u8]) {
    for s in SECRETS {
        assert!(!contains(out, s.as_bytes()), "secret {s:?} survived");
    }
}

/// Runs strip and executes the plan, checking the plan's ranges and length.
pub fn run(data: &[u8], name: &str, keep: Keep) -> (StripPlan, Vec<u8>) {
    let plan = strip(data, Some(name), keep).expect("strip failed");
    for p in &plan.pieces {
        if let Piece::Copy { offset, len } = p {
            assert!(offset + len <= data.len() as u64);
        }
    }
    let out = plan.to_vec(data).unwrap();
    assert_eq!(out.len() as u64, plan.output_len());
    let mut streamed = Vec::new();
    plan.write_from_reader(&mut std::io::Cursor::new(data), &mut streamed)
        .unwrap();
    assert!(
        streamed == out,
        "streaming from a reader gives the same bytes"
    );
    (plan, out)
}

/// Every prefix (and some corrupted variants) of `data` strips without panicking.
pub fn no_panic_on_damage(data: &[u8], name: &str) {
    let step = (data.len() / 400).max(1);
    let mut n = 0;
    while n < data.len() {
        if let Ok(p) = strip(&data[..n], Some(name), Keep::default()) {
            p.to_vec(&data[..n])
                .expect("plan ranges must be inside the input");
        }
        n += step;
    }
    for seed in 0..64u32 {
        let mut d = data.to_vec();
        let mut x = seed.wrapping_mul(2654435761).wrapping_add(12345);
        for _ in 0..4 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let i = (x as usize) % d.len().max(1);
            if let Some(b) = d.get_mut(i) {
                *b = (x >> 8) as u8;
            }
        }
        if let Ok(p) = strip(&d, Some(name), Keep::default()) {
            p.to_vec(&d).expect("plan ranges must be inside the input");
        }
    }
}

/// The largest Copy piece's source range (the payload that must be referenced, not copied).
pub fn biggest_copy(plan: &StripPlan) -> (u64, u64) {
    plan.pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Copy { offset, len } => Some((*offset, *len)),
            _ => None,
        })
        .max_by_key(|c| c.1)
        .unwrap_or((0, 0))
}

pub fn max_data_piece(plan: &StripPlan) -> usize {
    plan.pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Data(d) => Some(d.len()),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

pub fn be16(d: &[u8], o: usize) -> u16 {
    u16::from_be_bytes([d[o], d[o + 1]])
}
pub fn be32(d: &[u8], o: usize) -> u32 {
    u32::from_be_bytes(d[o..o + 4].try_into().unwrap())
}
pub fn le32(d: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(d[o..o + 4].try_into().unwrap())
}

// ---------------------------------------------------------------- ISO BMFF helpers

pub fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

pub fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = vec![version];
    b.extend_from_slice(&flags.to_be_bytes()[1..]);
    b.extend_from_slice(body);
    bx(kind, &b)
}

/// Boxes (kind, start, end) laid end to end in d[start..end].
pub fn boxes(d: &[u8], mut pos: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut v = Vec::new();
    while pos + 8 <= end {
        let size = be32(d, pos) as usize;
        let (size, _hl) = if size == 1 {
            (
                u64::from_be_bytes(d[pos + 8..pos + 16].try_into().unwrap()) as usize,
                16,
            )
        } else {
            (size, 8)
        };
        assert!(size >= 8 && pos + size <= end, "box at {pos} does not fit");
        v.push((d[pos + 4..pos + 8].try_into().unwrap(), pos, pos + size));
        pos += size;
    }
    assert_eq!(pos, end, "boxes must fill their parent");
    v
}

/// Finds a box by path; `full_at` lists path indices that are FullBoxes (4 bytes skipped).
pub fn find_box(d: &[u8], path: &[&[u8; 4]], full_at: &[usize]) -> Option<(usize, usize)> {
    let (mut s, mut e) = (0, d.len());
    for (i, k) in path.iter().enumerate() {
        let (_, bs, be) = boxes(d, s, e).into_iter().find(|b| &b.0 == *k)?;
        s = bs + 8 + if full_at.contains(&i) { 4 } else { 0 };
        e = be;
    }
    Some((s, e))
}

/// Groups that must be empty after a default strip, as the core's own parsers see them.
pub const METADATA_GROUPS: &[&str] = &[
    "exif",
    "gps",
    "xmp",
    "iptc",
    "photoshop",
    "makernotes",
    "icc_profile",
    "id3",
    "ape",
    "comment",
    "mpf",
    "ducky",
    "app12",
    "flashpix",
];

/// Runs the core's extractor on a cleaned file: none of the metadata groups may remain
/// (`vorbis` also holds stream parameters, so it is covered by the secrets check only).
pub fn assert_extract_clean(out: &[u8], name: &str) {
    let m = metacore::extract(out, Some(name));
    for g in METADATA_GROUPS {
        if let Some(tags) = m.groups.get(*g) {
            // Structural tags some parsers file under these groups are allowed.
            let real: Vec<&String> = tags
                .keys()
                .filter(|k| {
                    !matches!(
                        k.as_str(),
                        "Vendor"
                            | "XMPToolkit"
                            // TIFF image structure (kept by design)
                            | "ImageWidth"
                            | "ImageHeight"
                            | "BitsPerSample"
                            | "Compression"
                            | "PhotometricInterpretation"
                            | "StripOffsets"
                            | "SamplesPerPixel"
                            | "RowsPerStrip"
                            | "StripByteCounts"
                            | "PlanarConfiguration"
                            | "XResolution"
                            | "YResolution"
                            | "ResolutionUnit"
                            | "Predictor"
                    )
                })
                .collect();
            assert!(real.is_empty(), "{name}: group {g} survived: {real:?}");
        }
    }
    for s in SECRETS {
        let json = m.to_json().to_string();
        assert!(!json.contains(s), "{name}: {s} still extracted");
    }
}
