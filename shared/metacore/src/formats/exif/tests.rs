use super::*;
use crate::model::Budget;

/// Builds a little-endian TIFF block from IFDs given as (tag, format, count, value bytes).
pub(crate) struct TiffBuilder {
    pub data: Vec<u8>,
}

type Entry = (u16, u16, u32, Vec<u8>);

impl TiffBuilder {
    pub fn new() -> Self {
        TiffBuilder {
            data: b"II*\0\x08\0\0\0".to_vec(),
        }
    }
    /// Appends an IFD at the current end; returns its offset. `next` is the next-IFD offset.
    pub fn ifd(&mut self, entries: &[Entry], next: u32) -> u32 {
        let start = self.data.len();
        let n = entries.len();
        let mut extra_off = start + 2 + 12 * n + 4;
        let mut extra = Vec::new();
        self.data.extend_from_slice(&(n as u16).to_le_bytes());
        for (tag, fmt, count, val) in entries {
            self.data.extend_from_slice(&tag.to_le_bytes());
            self.data.extend_from_slice(&fmt.to_le_bytes());
            self.data.extend_from_slice(&count.to_le_bytes());
            if val.len() <= 4 {
                let mut v = val.clone();
                v.resize(4, 0);
                self.data.extend_from_slice(&v);
            } else {
                self.data
                    .extend_from_slice(&((extra_off + extra.len()) as u32).to_le_bytes());
                extra.extend_from_slice(val);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
            }
        }
        self.data.extend_from_slice(&next.to_le_bytes());
        let _ = &mut extra_off;
        self.data.extend_from_slice(&extra);
        start as u32
    }
}

pub(crate) fn short(tag: u16, v: u16) -> Entry {
    (tag, 3, 1, v.to_le_bytes().to_vec())
}
pub(crate) fn long(tag: u16, v: u32) -> Entry {
    (tag, 4, 1, v.to_le_bytes().to_vec())
}
pub(crate) fn rational(tag: u16, vals: &[(u32, u32)]) -> Entry {
    let mut b = Vec::new();
    for (n, d) in vals {
        b.extend_from_slice(&n.to_le_bytes());
        b.extend_from_slice(&d.to_le_bytes());
    }
    (tag, 5, vals.len() as u32, b)
}
pub(crate) fn ascii(tag: u16, s: &str) -> Entry {
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    (tag, 2, b.len() as u32, b)
}
pub(crate) fn undef(tag: u16, b: &[u8]) -> Entry {
    (tag, 7, b.len() as u32, b.to_vec())
}

/// IFD0 (Make, Model, Orientation, XResolution, ResolutionUnit, ExifIFD, GPS) -> IFD1.
pub(crate) fn sample_tiff() -> Vec<u8> {
    // Layout: header(8), IFD0 at 8, then ExifIFD, GPS, IFD1 appended; pointers patched.
    let mut b = TiffBuilder::new();
    let ifd0_entries = vec![
        ascii(0x010f, "Canon"),
        ascii(0x0110, "Canon EOS 40D"),
        short(0x0112, 1),
        rational(0x011a, &[(72, 1)]),
        short(0x0128, 2),
        long(0x8769, 0),
        long(0x8825, 0),
    ];
    b.ifd(&ifd0_entries, 0);
    let exif_off = b.ifd(
        &[
            rational(0x829a, &[(1, 160)]),
            rational(0x829d, &[(71, 10)]),
            short(0x8827, 100),
            undef(0x9000, b"0221"),
            ascii(0x9003, "2008:05:30 15:56:01"),
            undef(0x9101, &[1, 2, 3, 0]),
            (
                0x9204,
                10,
                1,
                [0u32.to_le_bytes(), 1u32.to_le_bytes()].concat(),
            ),
            short(0x9209, 0x10),
            rational(0x920a, &[(135, 1)]),
            undef(0x9286, b"ASCII\0\0\0Hi there"),
            ascii(0x9291, "00"),
            short(0xa001, 1),
        ],
        0,
    );
    let gps_off = b.ifd(
        &[
            (0x0000, 1, 4, vec![2, 2, 0, 0]),
            ascii(0x0001, "N"),
            rational(0x0002, &[(43, 1), (28, 1), (281, 100)]),
            ascii(0x0003, "E"),
            rational(0x0004, &[(11, 1), (53, 1), (646, 100)]),
            (0x0005, 1, 1, vec![0]),
            rational(0x0006, &[(123, 10)]),
            rational(0x0007, &[(14, 1), (27, 1), (724, 100)]),
            ascii(0x001d, "2008:10:23"),
        ],
        0,
    );
    let ifd1_off = b.ifd(
        &[
            short(0x0103, 6),
            rational(0x011a, &[(180, 1)]),
            long(0x0201, 0),
            long(0x0202, 4),
        ],
        0,
    );
    let mut d = b.data;
    // Patch ExifIFD/GPS pointers (entries 5 and 6 of IFD0) and the next-IFD offset.
    let e5 = 8 + 2 + 12 * 5 + 8;
    d[e5..e5 + 4].copy_from_slice(&exif_off.to_le_bytes());
    let e6 = 8 + 2 + 12 * 6 + 8;
    d[e6..e6 + 4].copy_from_slice(&gps_off.to_le_bytes());
    let next = 8 + 2 + 12 * 7;
    d[next..next + 4].copy_from_slice(&ifd1_off.to_le_bytes());
    // Thumbnail: 4 bytes at offset 8 (inside the block).
    let t = ifd1_off as usize + 2 + 12 * 2 + 8;
    d[t..t + 4].copy_from_slice(&8u32.to_le_bytes());
    d
}

fn run(d: &[u8], c: Container) -> Metadata {
    let mut m = Metadata::new(Budget::default());
    parse_tiff_in(&mut m, d, c);
    m
}

#[test]
fn parses_sample() {
    let m = run(&sample_tiff(), Container::Jpeg);
    let g = |t: &str| m.get("exif", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("Make"), "Canon");
    assert_eq!(g("Model"), "Canon EOS 40D");
    assert_eq!(g("Orientation"), "Horizontal (normal)");
    assert_eq!(g("XResolution"), 72);
    assert_eq!(g("ResolutionUnit"), "inches");
    assert_eq!(g("ExposureTime"), "1/160");
    assert_eq!(g("FNumber"), 7.1);
    assert_eq!(g("ISO"), 100);
    assert_eq!(g("ExifVersion"), "0221");
    assert_eq!(g("ComponentsConfiguration"), "Y, Cb, Cr, -");
    assert_eq!(g("ExposureCompensation"), 0);
    assert_eq!(g("Flash"), "Off, Did not fire");
    assert_eq!(g("FocalLength"), "135.0 mm");
    assert_eq!(g("UserComment"), "Hi there");
    assert_eq!(g("ColorSpace"), "sRGB");
    assert_eq!(g("GPSVersionID"), "2.2.0.0");
    assert_eq!(g("GPSLatitudeRef"), "North");
    assert_eq!(g("GPSLatitude"), "43 deg 28' 2.81\"");
    assert_eq!(g("GPSAltitude"), "12.3 m");
    assert_eq!(g("GPSAltitudeRef"), "Above Sea Level");
    assert_eq!(g("GPSTimeStamp"), "14:27:07.24");
    assert_eq!(g("GPSDateStamp"), "2008:10:23");
    assert_eq!(g("Compression"), "JPEG (old-style)");
    assert_eq!(g("ThumbnailOffset"), 8);
    assert_eq!(g("ThumbnailLength"), 4);
    assert_eq!(
        m.get("file", "ExifByteOrder").cloned().unwrap(),
        "Little-endian (Intel, II)"
    );
    assert_eq!(
        m.raw
            .get("exif:GPSLatitude")
            .and_then(|v| v.as_f64())
            .map(|v| (v * 1e6).round()),
        Some(43467447.0)
    );
}

#[test]
fn ifd1_priority_depends_on_container() {
    let d = sample_tiff();
    // In a JPEG, IFD1's XResolution (180) never overrides IFD0's (72).
    let m = run(&d, Container::Jpeg);
    assert_eq!(m.get("exif", "XResolution").cloned().unwrap(), 72);
    // Priority 0 tags keep the first value in any container.
    let m = run(&d, Container::Other);
    assert_eq!(m.get("exif", "XResolution").cloned().unwrap(), 72);
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let d = sample_tiff();
    for n in 0..d.len() {
        let _ = run(&d[..n], Container::Jpeg);
    }
    // Garbage too.
    let mut g = d.clone();
    for i in (8..g.len()).step_by(3) {
        g[i] = g[i].wrapping_mul(31).wrapping_add(7);
        let _ = run(&g, Container::TiffFile("TIFF"));
    }
}

#[test]
fn ifd_cycle_stops() {
    let mut b = TiffBuilder::new();
    b.ifd(&[short(0x0112, 1)], 8);
    let m = run(&b.data, Container::Jpeg);
    assert_eq!(
        m.get("exif", "Orientation").cloned().unwrap(),
        "Horizontal (normal)"
    );
}

#[test]
fn bad_utf8_becomes_question_marks() {
    assert_eq!(decode_text(b"caf\xe9 x"), "caf? x");
    assert_eq!(decode_text("café".as_bytes()), "café");
    assert_eq!(decode_text(b"\xc3"), "?");
}

#[test]
fn second_block_overrides_priority_tags() {
    let mut a = TiffBuilder::new();
    a.ifd(&[ascii(0x010f, "First"), rational(0x011a, &[(72, 1)])], 0);
    let mut b = TiffBuilder::new();
    b.ifd(&[ascii(0x010f, "Second"), rational(0x011a, &[(300, 1)])], 0);
    let mut m = Metadata::new(Budget::default());
    parse_tiff_jpeg(&mut m, &a.data, 0);
    parse_tiff_jpeg(&mut m, &b.data, 0);
    // Make (priority 1) is replaced; XResolution (Priority 0) keeps the first value.
    assert_eq!(m.get("exif", "Make").cloned().unwrap(), "Second");
    assert_eq!(m.get("exif", "XResolution").cloned().unwrap(), 72);
}
