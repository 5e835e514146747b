//! TIFF: rewritten. Every IFD of the main chain (the pages) keeps only the tags needed to
//! decode and show the image; the Exif, GPS and Interop IFDs, IPTC, XMP, Photoshop, ICC
//! (unless kept) and every descriptive tag go, as do SubIFDs. The strip/tile data is copied
//! as ranges and the offsets are rewritten. Byte order is kept.

use super::{exif, jpeg, malformed, xmp, Out, StripError};
use crate::bytes::Endian;
use exif::Entry;

const MAX_PAGES: usize = 256;

/// Tags needed to decode and show the image, always kept: NewSubfileType, SubfileType,
/// width, height, bits, compression, photometric, fill order, samples, rows per strip,
/// resolution, planar configuration, transfer function, predictor, white point,
/// primaries, colour map, tiles, ink set, number of inks, extra samples, sample format,
/// SMin/SMaxSampleValue, JPEG tables, old-style JPEG process and restart interval, YCbCr
/// coefficients/subsampling/positioning, reference black/white.
const STRUCTURE: &[u16] = &[
    254, 255, 256, 257, 258, 259, 262, 266, 277, 278, 282, 283, 284, 296, 301, 317, 318, 319, 320,
    322, 323, 332, 334, 338, 339, 340, 341, 347, 512, 515, 529, 530, 531, 532,
];

/// (offsets tag, byte counts tag) pairs pointing at image data.
const DATA: &[(u16, u16)] = &[(273, 279), (324, 325), (513, 514)];

struct Page {
    /// (tag, type, count, value bytes) of the kept entries.
    entries: Vec<(u16, u16, u32, Vec<u8>)>,
    /// For each data tag pair: (offsets tag, ranges)
    data: Vec<(u16, Vec<(usize, usize)>)>,
}

pub fn strip(data: &[u8], out: &mut Out) -> Result<(), StripError> {
    if data.get(2..4) == Some(&[43, 0]) || data.get(2..4) == Some(&[0, 43]) {
        return Err(StripError::Unsupported(format!(
            "BigTIFF ({})",
            super::SUPPORTED
        )));
    }
    let (e, first) = exif::header(data).ok_or_else(|| malformed("not a TIFF file"))?;
    let mut pages = Vec::new();
    let mut visited = Vec::new();
    let mut off = first;
    while off != 0 {
        if visited.contains(&off) || pages.len() >= MAX_PAGES {
            break;
        }
        visited.push(off);
        let (entries, next) =
            exif::read_ifd(data, off, e).ok_or_else(|| malformed("damaged IFD"))?;
        pages.push(page(data, e, &entries, out)?);
        off = next;
    }
    if pages.is_empty() {
        return Err(malformed("no IFD"));
    }
    // Layout: header, image data, IFDs.
    let mut pos = 8u64;
    let mut plan: Vec<(usize, usize)> = Vec::new();
    let mut new_offsets: Vec<Vec<(u16, Vec<u64>)>> = Vec::new();
    for p in &pages {
        let mut per = Vec::new();
        for (tag, ranges) in &p.data {
            let mut v = Vec::new();
            for &(s, l) in ranges {
                v.push(pos);
                plan.push((s, l));
                pos += l as u64;
                if pos % 2 == 1 {
                    plan.push((usize::MAX, 1)); // pad byte
                    pos += 1;
                }
            }
            per.push((*tag, v));
        }
        new_offsets.push(per);
    }
    let mut ifds = Vec::new();
    let ifd_base = pos;
    for (i, p) in pages.iter().enumerate() {
        let start = ifd_base + ifds.len() as u64;
        let n = p.entries.len();
        let mut extra_at = start + 2 + 12 * n as u64 + 4;
        let mut extra = Vec::new();
        let mut ifd = Vec::new();
        put16(&mut ifd, n as u16, e);
        for (tag, typ, count, value) in &p.entries {
            let (typ, value) = match new_offsets[i].iter().find(|(t, _)| t == tag) {
                Some((_, offs)) => {
                    let mut v = Vec::new();
                    for &o in offs {
                        put32(
                            &mut v,
                            u32::try_from(o).map_err(|_| malformed("output over 4 GiB"))?,
                            e,
                        );
                    }
                    (4u16, v)
                }
                None => (*typ, value.clone()),
            };
            put16(&mut ifd, *tag, e);
            put16(&mut ifd, typ, e);
            put32(&mut ifd, *count, e);
            if value.len() <= 4 {
                let mut b = value.clone();
                b.resize(4, 0);
                ifd.extend_from_slice(&b);
            } else {
                put32(
                    &mut ifd,
                    u32::try_from(extra_at).map_err(|_| malformed("output over 4 GiB"))?,
                    e,
                );
                extra.extend_from_slice(&value);
                if value.len() % 2 == 1 {
                    extra.push(0);
                }
                extra_at = start + 2 + 12 * n as u64 + 4 + extra.len() as u64;
            }
        }
        let next = if i + 1 < pages.len() { extra_at } else { 0 };
        put32(
            &mut ifd,
            u32::try_from(next).map_err(|_| malformed("output over 4 GiB"))?,
            e,
        );
        ifd.extend(extra);
        ifds.extend(ifd);
    }
    let mut header = data[..4].to_vec();
    put32(
        &mut header,
        u32::try_from(ifd_base).map_err(|_| malformed("output over 4 GiB"))?,
        e,
    );
    out.data(&header);
    for (s, l) in plan {
        if s == usize::MAX {
            out.data(&[0]);
        } else {
            out.copy(s, l);
        }
    }
    out.data(&ifds);
    Ok(())
}

fn put16(v: &mut Vec<u8>, x: u16, e: Endian) {
    v.extend_from_slice(&match e {
        Endian::Big => x.to_be_bytes(),
        Endian::Little => x.to_le_bytes(),
    });
}
fn put32(v: &mut Vec<u8>, x: u32, e: Endian) {
    v.extend_from_slice(&match e {
        Endian::Big => x.to_be_bytes(),
        Endian::Little => x.to_le_bytes(),
    });
}

fn page(data: &[u8], e: Endian, entries: &[Entry], out: &mut Out) -> Result<Page, StripError> {
    let mut p = Page {
        entries: Vec::new(),
        data: Vec::new(),
    };
    for en in entries {
        let tag = en.tag;
        let keep = if STRUCTURE.contains(&tag) || DATA.iter().any(|d| d.0 == tag || d.1 == tag) {
            true
        } else {
            match tag {
                exif::TAG_ORIENTATION if out.keep.orientation => {
                    out.kept("orientation");
                    true
                }
                exif::TAG_ARTIST | exif::TAG_COPYRIGHT if out.keep.copyright => {
                    out.kept("copyright");
                    true
                }
                34675 if out.keep.icc => {
                    out.kept("icc_profile");
                    true
                }
                _ => {
                    count_dropped(data, e, en, out);
                    false
                }
            }
        };
        if !keep {
            continue;
        }
        let value = en
            .value(data, e)
            .ok_or_else(|| malformed(format!("value of tag {tag} outside the file")))?;
        p.entries.push((tag, en.typ, en.count, value.to_vec()));
    }
    for &(otag, ctag) in DATA {
        let Some(o) = entries.iter().find(|x| x.tag == otag) else {
            continue;
        };
        let offs = if otag == 513 {
            o.uint(data, e).map(|v| vec![v])
        } else {
            o.uints(data, e)
        }
        .ok_or_else(|| malformed("bad image data offsets"))?;
        let counts = entries
            .iter()
            .find(|x| x.tag == ctag)
            .and_then(|c| {
                if ctag == 514 {
                    c.uint(data, e).map(|v| vec![v])
                } else {
                    c.uints(data, e)
                }
            })
            .ok_or_else(|| malformed("image data without byte counts"))?;
        if counts.len() != offs.len() {
            return Err(malformed("offset and byte count tables differ in length"));
        }
        let mut ranges = Vec::new();
        for (&o, &c) in offs.iter().zip(&counts) {
            let (s, l) = (o as usize, c as usize);
            if s.checked_add(l).is_none_or(|end| end > data.len()) {
                return Err(malformed("image data outside the file"));
            }
            ranges.push((s, l));
        }
        p.data.push((otag, ranges));
    }
    Ok(p)
}

fn count_dropped(data: &[u8], e: Endian, en: &Entry, out: &mut Out) {
    match en.tag {
        exif::TAG_EXIF_IFD | exif::TAG_GPS_IFD => {
            let gps = en.tag == exif::TAG_GPS_IFD;
            let mut todo = vec![en.uint(data, e).unwrap_or(0) as usize];
            let mut seen = Vec::new();
            while let Some(off) = todo.pop() {
                if off == 0 || seen.contains(&off) || seen.len() > 8 {
                    continue;
                }
                seen.push(off);
                let Some((es, _)) = exif::read_ifd(data, off, e) else {
                    continue;
                };
                for x in es {
                    if x.tag == exif::TAG_INTEROP_IFD && !gps {
                        todo.push(x.uint(data, e).unwrap_or(0) as usize);
                    } else if gps {
                        out.removed("gps", 1);
                    } else {
                        out.removed("exif", 1);
                        if x.tag == exif::TAG_MAKERNOTE {
                            out.removed("makernotes", 1);
                        }
                    }
                }
            }
        }
        33723 => {
            let n = en.value(data, e).map(jpeg::iptc_count).unwrap_or(1);
            out.removed("iptc", n);
        }
        700 => {
            let n = en.value(data, e).map(xmp::count_props).unwrap_or(1);
            out.removed("xmp", n);
        }
        34377 => match en.value(data, e) {
            Some(v) => jpeg::photoshop_counts(v, out),
            None => out.removed("photoshop", 1),
        },
        34675 => out.removed("icc_profile", 1),
        _ => out.removed("exif", 1),
    }
}
