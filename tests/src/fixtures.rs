//! Test files built in code, so that a clone of the project alone can run the tests.

/// A 16x16 baseline JPEG (JFIF, no metadata), as ImageMagick writes it.
pub const TINY_JPEG: &[u8] = &[
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x06, 0x04, 0x05, 0x06, 0x05, 0x04, 0x06,
    0x06, 0x05, 0x06, 0x07, 0x07, 0x06, 0x08, 0x0a, 0x10, 0x0a, 0x0a, 0x09, 0x09, 0x0a, 0x14, 0x0e,
    0x0f, 0x0c, 0x10, 0x17, 0x14, 0x18, 0x18, 0x17, 0x14, 0x16, 0x16, 0x1a, 0x1d, 0x25, 0x1f, 0x1a,
    0x1b, 0x23, 0x1c, 0x16, 0x16, 0x20, 0x2c, 0x20, 0x23, 0x26, 0x27, 0x29, 0x2a, 0x29, 0x19, 0x1f,
    0x2d, 0x30, 0x2d, 0x28, 0x30, 0x25, 0x28, 0x29, 0x28, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x07, 0x07,
    0x07, 0x0a, 0x08, 0x0a, 0x13, 0x0a, 0x0a, 0x13, 0x28, 0x1a, 0x16, 0x1a, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28,
    0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0x28, 0xff, 0xc0,
    0x00, 0x11, 0x08, 0x00, 0x10, 0x00, 0x10, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11,
    0x01, 0xff, 0xc4, 0x00, 0x16, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x07, 0xff, 0xc4, 0x00, 0x16, 0x10, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14,
    0x61, 0xff, 0xc4, 0x00, 0x14, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0xff, 0xc4, 0x00, 0x16, 0x11, 0x00, 0x03, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x62, 0xff,
    0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00, 0xca, 0xdc, 0xa1,
    0xca, 0x4f, 0x39, 0x43, 0x94, 0x60, 0x89, 0x23, 0xd7, 0x3a, 0x3f, 0xff, 0xd9,
];

/// Big-endian TIFF IFD builder: entries of (tag, type, count, value bytes).
struct Ifd {
    entries: Vec<(u16, u16, u32, Vec<u8>)>,
}

impl Ifd {
    fn new() -> Self {
        Ifd {
            entries: Vec::new(),
        }
    }
    fn ascii(mut self, tag: u16, s: &str) -> Self {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.entries.push((tag, 2, v.len() as u32, v));
        self
    }
    fn short(mut self, tag: u16, n: u16) -> Self {
        self.entries.push((tag, 3, 1, n.to_be_bytes().to_vec()));
        self
    }
    fn long(mut self, tag: u16, n: u32) -> Self {
        self.entries.push((tag, 4, 1, n.to_be_bytes().to_vec()));
        self
    }
    fn rationals(mut self, tag: u16, r: &[(u32, u32)]) -> Self {
        let mut v = Vec::new();
        for (a, b) in r {
            v.extend_from_slice(&a.to_be_bytes());
            v.extend_from_slice(&b.to_be_bytes());
        }
        self.entries.push((tag, 5, r.len() as u32, v));
        self
    }
    fn undefined(mut self, tag: u16, b: &[u8]) -> Self {
        self.entries.push((tag, 7, b.len() as u32, b.to_vec()));
        self
    }
    /// Serialises at `base` (offset from the TIFF header); returns the bytes.
    fn write(&self, base: u32) -> Vec<u8> {
        let mut entries = self.entries.clone();
        entries.sort_by_key(|e| e.0);
        let table = 2 + entries.len() * 12 + 4;
        let mut out = Vec::new();
        let mut extra = Vec::new();
        out.extend_from_slice(&(entries.len() as u16).to_be_bytes());
        for (tag, typ, count, val) in &entries {
            out.extend_from_slice(&tag.to_be_bytes());
            out.extend_from_slice(&typ.to_be_bytes());
            out.extend_from_slice(&count.to_be_bytes());
            if val.len() <= 4 {
                let mut v = val.clone();
                v.resize(4, 0);
                out.extend_from_slice(&v);
            } else {
                let off = base + table as u32 + extra.len() as u32;
                out.extend_from_slice(&off.to_be_bytes());
                extra.extend_from_slice(val);
                if extra.len() % 2 == 1 {
                    extra.push(0);
                }
            }
        }
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&extra);
        out
    }
    fn size(&self) -> u32 {
        self.write(0).len() as u32
    }
}

/// A TIFF block (as in an Exif APP1) with Make, Model, Orientation, DateTimeOriginal,
/// an Artist and Copyright, and a GPS position of 48 deg 51' 29.99" N, 2 deg 17' 40.2" E.
pub fn exif_tiff() -> Vec<u8> {
    let exif = Ifd::new()
        .ascii(0x9003, "2024:03:15 10:30:00")
        .undefined(0x9000, b"0232")
        .rationals(0x829a, &[(1, 1000)])
        .rationals(0x829d, &[(28, 10)]);
    let gps = Ifd::new()
        .ascii(0x0001, "N")
        .rationals(0x0002, &[(48, 1), (51, 1), (2999, 100)])
        .ascii(0x0003, "E")
        .rationals(0x0004, &[(2, 1), (17, 1), (402, 10)]);
    let ifd0_probe = Ifd::new()
        .ascii(0x010f, "Canon")
        .ascii(0x0110, "Canon EOS R5")
        .short(0x0112, 6)
        .ascii(0x013b, "Jane Photographer")
        .ascii(0x8298, "(c) 2024 Jane")
        .long(0x8769, 0)
        .long(0x8825, 0);
    let ifd0_at = 8u32;
    let exif_at = ifd0_at + ifd0_probe.size();
    let gps_at = exif_at + exif.size();
    let ifd0 = Ifd::new()
        .ascii(0x010f, "Canon")
        .ascii(0x0110, "Canon EOS R5")
        .short(0x0112, 6)
        .ascii(0x013b, "Jane Photographer")
        .ascii(0x8298, "(c) 2024 Jane")
        .long(0x8769, exif_at)
        .long(0x8825, gps_at);
    let mut t = b"MM\0\x2a".to_vec();
    t.extend_from_slice(&ifd0_at.to_be_bytes());
    t.extend_from_slice(&ifd0.write(ifd0_at));
    t.extend_from_slice(&exif.write(exif_at));
    t.extend_from_slice(&gps.write(gps_at));
    t
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

/// An XMP packet with a creator, a rating and a GPS position.
pub const XMP_PACKET: &str = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5" xmp:CreatorTool="TestSuite">
<dc:creator><rdf:Seq><rdf:li>Jane Photographer</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"#;

/// TINY_JPEG with an Exif APP1 (see [`exif_tiff`]), an XMP APP1, an IPTC APP13 and a comment.
pub fn jpeg_with_metadata() -> Vec<u8> {
    let mut out = TINY_JPEG[..2].to_vec();
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&exif_tiff());
    out.extend_from_slice(&segment(0xE1, &app1));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend_from_slice(XMP_PACKET.as_bytes());
    out.extend_from_slice(&segment(0xE1, &xmp));
    // IPTC By-line (2:80) in a Photoshop 8BIM 0x0404 resource.
    let mut iptc = vec![0x1C, 0x02, 0x50, 0x00, 0x0B];
    iptc.extend_from_slice(b"Jane Doe IP");
    let mut app13 = b"Photoshop 3.0\0".to_vec();
    app13.extend_from_slice(b"8BIM\x04\x04\0\0");
    app13.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    app13.extend_from_slice(&iptc);
    if iptc.len() % 2 == 1 {
        app13.push(0);
    }
    out.extend_from_slice(&segment(0xED, &app13));
    out.extend_from_slice(&segment(0xFE, b"a private comment"));
    out.extend_from_slice(&TINY_JPEG[2..]);
    out
}

/// Finds `needle` in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_is_a_jpeg_with_segments() {
        let j = jpeg_with_metadata();
        assert_eq!(&j[..4], &[0xFF, 0xD8, 0xFF, 0xE1]);
        assert!(contains(&j, b"Exif\0\0MM"));
        assert!(contains(&j, b"Canon EOS R5"));
        assert_eq!(&j[j.len() - 2..], &[0xFF, 0xD9]);
    }
}
