//! Strip tests for the image formats: JPEG, PNG, WebP, GIF, TIFF.

mod strip_util;
use metacore::{strip, Keep, StripError};
use strip_util::*;

// ---------------------------------------------------------------- JPEG

fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, marker];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

fn entropy() -> Vec<u8> {
    let mut e = Vec::new();
    for i in 0..2000u32 {
        e.push(((i * 7) as u8 | 1) & 0x7F);
        if i % 97 == 0 {
            e.extend_from_slice(&[0xFF, 0x00]);
        }
        if i % 500 == 499 {
            e.extend_from_slice(&[0xFF, 0xD0 + ((i / 500) % 8) as u8]);
        }
    }
    e
}

/// (file, entropy-coded data)
fn jpeg_fixture() -> (Vec<u8>, Vec<u8>) {
    let mut j = vec![0xFF, 0xD8];
    let mut jfif = b"JFIF\0\x01\x02\x01\0\x48\0\x48\x01\x01".to_vec();
    jfif.extend_from_slice(&[9, 9, 9]); // 1x1 RGB thumbnail
    j.extend(seg(0xE0, &jfif));
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(camera_exif());
    j.extend(seg(0xE1, &app1));
    let mut x = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    x.extend_from_slice(XMP.as_bytes());
    j.extend(seg(0xE1, &x));
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend_from_slice(ICC);
    j.extend(seg(0xE2, &icc));
    // Photoshop APP13 with IPTC (2 datasets) and one other resource.
    let mut iptc = vec![0x1C, 2, 0, 0, 2, 0, 4];
    iptc.extend_from_slice(&[0x1C, 2, 90, 0, 10]);
    iptc.extend_from_slice(b"SecretCity");
    let mut irb = b"Photoshop 3.0\0".to_vec();
    irb.extend_from_slice(b"8BIM\x04\x04\0\0");
    irb.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    irb.extend_from_slice(&iptc);
    if iptc.len() % 2 == 1 {
        irb.push(0);
    }
    irb.extend_from_slice(b"8BIM\x04\x0c\0\0\0\0\0\x04ACME");
    j.extend(seg(0xED, &irb));
    j.extend(seg(0xEC, b"Ducky\0\x01ACME"));
    j.extend(seg(0xEE, b"Adobe\0\x64\0\0\0\0\x01"));
    j.extend(seg(0xFE, b"Ann Photographer was here"));
    j.extend(seg(0xDB, &[0u8; 65]));
    j.extend(seg(0xC0, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
    j.extend(seg(0xC4, &[0u8; 20]));
    j.extend(seg(0xDD, &[0, 4]));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
    let e = entropy();
    j.extend_from_slice(&e);
    j.extend_from_slice(&[0xFF, 0xD9]);
    j.extend_from_slice(b"MPF trailer: ACME Snapper secondary image");
    (j, e)
}

/// Walks a JPEG: marker codes before the first SOS and the entropy data after it.
fn walk_jpeg(d: &[u8]) -> (Vec<(u8, Vec<u8>)>, Vec<u8>) {
    assert_eq!(&d[..2], &[0xFF, 0xD8]);
    let mut pos = 2;
    let mut segs = Vec::new();
    loop {
        assert_eq!(d[pos], 0xFF, "marker expected at {pos}");
        let m = d[pos + 1];
        let len = be16(d, pos + 2) as usize;
        segs.push((m, d[pos + 4..pos + 2 + len].to_vec()));
        pos += 2 + len;
        if m == 0xDA {
            break;
        }
    }
    assert_eq!(&d[d.len() - 2..], &[0xFF, 0xD9], "must end at EOI");
    (segs, d[pos..d.len() - 2].to_vec())
}

#[test]
fn jpeg_default_removes_all_metadata() {
    let (j, e) = jpeg_fixture();
    let (plan, out) = run(&j, "a.jpg", Keep::default());
    assert_extract_clean(&out, "a.jpg");
    let (segs, ent) = walk_jpeg(&out);
    let markers: Vec<u8> = segs.iter().map(|s| s.0).collect();
    assert_eq!(markers, vec![0xE0, 0xEE, 0xDB, 0xC0, 0xC4, 0xDD, 0xDA]);
    // JFIF kept without its thumbnail.
    assert_eq!(&segs[0].1[..5], b"JFIF\0");
    assert_eq!(segs[0].1.len(), 14);
    assert_eq!(&segs[0].1[12..14], &[0, 0]);
    assert_eq!(ent, e, "entropy-coded data must be identical");
    assert_no_secrets(&out);
    assert!(!contains(&out, b"fakeICC"));
    assert!(!contains(&out, b"Exif\0\0"));
    assert_eq!(plan.removed.get("exif"), Some(&9)); // 6 IFD0 tags + 3 Exif IFD tags
    assert_eq!(plan.removed.get("gps"), Some(&3));
    assert_eq!(plan.removed.get("makernotes"), Some(&1));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert_eq!(plan.removed.get("iptc"), Some(&2));
    assert_eq!(plan.removed.get("photoshop"), Some(&1));
    assert_eq!(plan.removed.get("icc_profile"), Some(&1));
    assert_eq!(plan.removed.get("comment"), Some(&1));
    assert_eq!(plan.removed.get("ducky"), Some(&1));
    assert_eq!(plan.removed.get("trailer"), Some(&1));
    assert_eq!(plan.mime, "image/jpeg");
    assert!(plan.kept.is_empty());
    // The entropy data is referenced, not copied into the plan.
    assert!(biggest_copy(&plan).1 as usize >= e.len());
    assert!(max_data_piece(&plan) < 100);
    // Core parsers (when present) see nothing either.
    let m = metacore::extract(&out, Some("a.jpg"));
    for g in [
        "exif",
        "xmp",
        "iptc",
        "photoshop",
        "makernotes",
        "icc_profile",
    ] {
        assert!(m.groups.get(g).is_none_or(|t| t.is_empty()), "{g} survived");
    }
    // Idempotent: stripping again removes nothing and changes nothing.
    let (p2, out2) = run(&out, "a.jpg", Keep::default());
    assert_eq!(out2, out);
    assert!(p2.removed.is_empty(), "{:?}", p2.removed);
}

#[test]
fn jpeg_keep_options() {
    let (j, e) = jpeg_fixture();
    let keep = Keep {
        icc: true,
        orientation: true,
        copyright: true,
    };
    let (plan, out) = run(&j, "a.jpg", keep);
    let (segs, ent) = walk_jpeg(&out);
    assert_eq!(ent, e);
    let markers: Vec<u8> = segs.iter().map(|s| s.0).collect();
    assert_eq!(
        markers,
        vec![0xE0, 0xE1, 0xE2, 0xEE, 0xDB, 0xC0, 0xC4, 0xDD, 0xDA]
    );
    assert!(contains(&segs[2].1, b"fakeICC"));
    let ex = &segs[1].1;
    assert!(ex.starts_with(b"Exif\0\0MM"));
    assert!(contains(ex, b"Ann Photographer"));
    assert!(contains(ex, b"(c) 2024 Ann"));
    assert!(!contains(ex, b"ACME"));
    assert!(!contains(&out, b"SecretCity"));
    // IFD0 has exactly Orientation(6), Artist, Copyright.
    let t = &ex[6..];
    assert_eq!(be16(t, 8), 3);
    assert_eq!(be16(t, 10), 0x0112);
    assert_eq!(be16(t, 18), 6);
    assert_eq!(plan.kept, vec!["icc_profile", "orientation", "copyright"]);
    assert!(plan.removed.get("icc_profile").is_none());

    // Orientation only.
    let (_, out) = run(
        &j,
        "a.jpg",
        Keep {
            orientation: true,
            ..Keep::default()
        },
    );
    let (segs, _) = walk_jpeg(&out);
    assert_eq!(segs[1].0, 0xE1);
    assert_eq!(be16(&segs[1].1[6..], 8), 1);
    assert_no_secrets(&out);
}

#[test]
fn jpeg_copyright_from_xmp_when_no_exif() {
    let mut j = vec![0xFF, 0xD8];
    let mut x = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    x.extend_from_slice(XMP.as_bytes());
    j.extend(seg(0xE1, &x));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
    j.extend_from_slice(&[1, 2, 3, 0xFF, 0xD9]);
    let (_, out) = run(
        &j,
        "x.jpg",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    let (segs, _) = walk_jpeg(&out);
    assert!(segs[0].1.starts_with(b"Exif\0\0"));
    assert!(contains(&segs[0].1, b"(c) XMP Owner"));
    assert!(contains(&segs[0].1, b"XMP Creator"));
    assert!(!contains(&out, b"SecretCity"));
}

#[test]
fn jpeg_copyright_from_iptc_when_no_exif_or_xmp() {
    let mut iptc = vec![0x1C, 2, 116, 0, 13];
    iptc.extend_from_slice(b"(c) IPTC Ann");
    iptc.push(b'!');
    iptc.extend_from_slice(&[0x1C, 2, 90, 0, 10]);
    iptc.extend_from_slice(b"SecretCity");
    let mut irb = b"Photoshop 3.0\0".to_vec();
    irb.extend_from_slice(b"8BIM\x04\x04\0\0");
    irb.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    irb.extend_from_slice(&iptc);
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xED, &irb));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 63, 0]));
    j.extend_from_slice(&[1, 2, 3, 0xFF, 0xD9]);
    let (plan, out) = run(
        &j,
        "i.jpg",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"(c) IPTC Ann!"));
    assert!(!contains(&out, b"SecretCity"));
    assert_eq!(plan.kept, vec!["copyright"]);
}

#[test]
fn jpeg_progressive_tables_between_scans_kept() {
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xC2, &[8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
    j.extend(seg(0xDA, &[1, 1, 0, 0, 0, 0]));
    j.extend_from_slice(&[5, 6, 0xFF, 0x00, 7]);
    j.extend(seg(0xC4, &[1, 2, 3]));
    j.extend(seg(0xFE, b"ACME comment between scans"));
    j.extend(seg(0xDA, &[1, 1, 0, 1, 63, 0]));
    j.extend_from_slice(&[8, 9]);
    j.extend_from_slice(&[0xFF, 0xD9]);
    let (_, out) = run(&j, "p.jpg", Keep::default());
    assert!(!contains(&out, b"ACME"));
    let mut expect = j.clone();
    let c = expect.windows(2).position(|w| w == [0xFF, 0xFE]).unwrap();
    expect.drain(c..c + 4 + 26);
    assert_eq!(out, expect);
}

#[test]
fn jpeg_damage_never_panics() {
    let (j, _) = jpeg_fixture();
    no_panic_on_damage(&j, "a.jpg");
    assert!(matches!(
        strip(
            &[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1],
            Some("a.jpg"),
            Keep::default()
        ),
        Err(StripError::Malformed(_))
    ));
}

// ---------------------------------------------------------------- PNG

fn chunk(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = (body.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(typ);
    c.extend_from_slice(body);
    let mut h = flate2::Crc::new();
    h.update(typ);
    h.update(body);
    c.extend_from_slice(&h.sum().to_be_bytes());
    c
}

fn png_fixture() -> (Vec<u8>, Vec<u8>) {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]));
    p.extend(chunk(b"tEXt", b"Author\0Ann Photographer"));
    p.extend(chunk(b"gAMA", &45455u32.to_be_bytes()));
    p.extend(chunk(b"iCCP", b"prof\0\0fakeICC"));
    p.extend(chunk(b"tIME", &[7, 232, 1, 2, 3, 4, 5]));
    p.extend(chunk(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1]));
    let mut it = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    it.extend_from_slice(XMP.as_bytes());
    p.extend(chunk(b"iTXt", &it));
    p.extend(chunk(b"eXIf", &camera_exif()));
    p.extend(chunk(b"zTXt", b"Comment\0\0x\x9c\x03\0\0\0\0\x01"));
    let idat1: Vec<u8> = (0..300u32).map(|i| (i * 13) as u8).collect();
    let idat2: Vec<u8> = (0..50u32).map(|i| (i * 3) as u8).collect();
    p.extend(chunk(b"IDAT", &idat1));
    p.extend(chunk(b"IDAT", &idat2));
    p.extend(chunk(b"IEND", &[]));
    p.extend_from_slice(b"ACME trailer");
    let mut both = idat1;
    both.extend(idat2);
    (p, both)
}

/// (chunk types, concatenated IDAT data); checks every CRC.
fn walk_png(d: &[u8]) -> (Vec<String>, Vec<u8>) {
    assert_eq!(&d[..8], b"\x89PNG\r\n\x1a\n");
    let mut pos = 8;
    let mut types = Vec::new();
    let mut idat = Vec::new();
    while pos < d.len() {
        let len = be32(d, pos) as usize;
        let typ = &d[pos + 4..pos + 8];
        let body = &d[pos + 8..pos + 8 + len];
        let mut h = flate2::Crc::new();
        h.update(typ);
        h.update(body);
        assert_eq!(h.sum(), be32(d, pos + 8 + len), "CRC");
        if typ == b"IDAT" {
            idat.extend_from_slice(body);
        }
        types.push(String::from_utf8_lossy(typ).into_owned());
        pos += 12 + len;
    }
    assert_eq!(pos, d.len());
    (types, idat)
}

#[test]
fn png_default_and_keep() {
    let (p, idat) = png_fixture();
    let (plan, out) = run(&p, "a.png", Keep::default());
    assert_extract_clean(&out, "a.png");
    let (types, got) = walk_png(&out);
    assert_eq!(types, vec!["IHDR", "gAMA", "pHYs", "IDAT", "IDAT", "IEND"]);
    assert_eq!(got, idat);
    assert_no_secrets(&out);
    assert_eq!(plan.removed.get("gps"), Some(&3));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert_eq!(plan.removed.get("png"), Some(&3)); // tEXt, tIME, zTXt
    assert_eq!(plan.removed.get("icc_profile"), Some(&1));
    assert_eq!(plan.removed.get("trailer"), Some(&1));
    let m = metacore::extract(&out, Some("a.png"));
    for g in ["exif", "xmp", "icc_profile"] {
        assert!(m.groups.get(g).is_none_or(|t| t.is_empty()), "{g} survived");
    }

    let keep = Keep {
        icc: true,
        orientation: true,
        copyright: true,
    };
    let (plan, out) = run(&p, "a.png", keep);
    let (types, got) = walk_png(&out);
    assert_eq!(
        types,
        vec!["IHDR", "gAMA", "iCCP", "pHYs", "eXIf", "IDAT", "IDAT", "IEND"]
    );
    assert_eq!(got, idat);
    assert!(contains(&out, b"(c) 2024 Ann"));
    assert!(!contains(&out, b"SecretCity"));
    assert!(!contains(&out, b"ACME"));
    assert_eq!(plan.kept.len(), 3);
}

#[test]
fn png_copyright_from_text_chunks() {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    p.extend(chunk(b"tEXt", b"Copyright\0(c) PNG Ann"));
    p.extend(chunk(b"tEXt", b"Author\0PNG Author"));
    p.extend(chunk(b"tEXt", b"Comment\0SecretCity"));
    p.extend(chunk(b"IDAT", &[1, 2, 3]));
    p.extend(chunk(b"IEND", &[]));
    let (plan, out) = run(
        &p,
        "t.png",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    let (types, _) = walk_png(&out);
    assert_eq!(types, vec!["IHDR", "eXIf", "IDAT", "IEND"]);
    assert!(contains(&out, b"(c) PNG Ann"));
    assert!(contains(&out, b"PNG Author"));
    assert!(!contains(&out, b"SecretCity"));
    assert_eq!(plan.kept, vec!["copyright"]);
    assert_eq!(plan.removed.get("png"), Some(&3));
}

#[test]
fn png_damage_never_panics() {
    let (p, _) = png_fixture();
    no_panic_on_damage(&p, "a.png");
}

// ---------------------------------------------------------------- WebP

fn riff_chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn riff(form: &[u8; 4], chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut r = b"RIFF".to_vec();
    r.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    r.extend_from_slice(form);
    r.extend(body);
    r
}

/// (id, body) of each chunk; checks the RIFF size.
fn walk_riff(d: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    assert_eq!(le32(d, 4) as usize + 8, d.len(), "RIFF size");
    let mut pos = 12;
    let mut v = Vec::new();
    while pos < d.len() {
        let size = le32(d, pos + 4) as usize;
        v.push((
            d[pos..pos + 4].try_into().unwrap(),
            d[pos + 8..pos + 8 + size].to_vec(),
        ));
        pos += 8 + size + (size & 1);
    }
    assert_eq!(pos, d.len());
    v
}

fn webp_fixture() -> (Vec<u8>, Vec<u8>) {
    let vp8: Vec<u8> = (0..501u32).map(|i| (i * 31) as u8).collect();
    let f = riff(
        b"WEBP",
        &[
            riff_chunk(
                b"VP8X",
                &[0x20 | 0x08 | 0x04 | 0x10, 0, 0, 0, 1, 0, 0, 1, 0, 0],
            ),
            riff_chunk(b"ICCP", ICC),
            riff_chunk(b"ALPH", &[1, 2, 3]),
            riff_chunk(b"VP8 ", &vp8),
            riff_chunk(b"EXIF", &camera_exif()),
            riff_chunk(b"XMP ", XMP.as_bytes()),
            riff_chunk(b"ABCD", b"ACME private"),
        ],
    );
    (f, vp8)
}

#[test]
fn webp_default_and_keep() {
    let (f, vp8) = webp_fixture();
    let (plan, out) = run(&f, "a.webp", Keep::default());
    assert_extract_clean(&out, "a.webp");
    let ch = walk_riff(&out);
    let ids: Vec<&[u8]> = ch.iter().map(|c| &c.0[..]).collect();
    assert_eq!(ids, vec![&b"VP8X"[..], b"ALPH", b"VP8 "]);
    assert_eq!(ch[0].1[0], 0x10, "only the alpha flag is left");
    assert_eq!(ch[2].1, vp8);
    assert_no_secrets(&out);
    assert_eq!(plan.removed.get("gps"), Some(&3));
    assert_eq!(plan.removed.get("riff"), Some(&1));

    let (plan, out) = run(
        &f,
        "a.webp",
        Keep {
            icc: true,
            orientation: true,
            copyright: false,
        },
    );
    let ch = walk_riff(&out);
    let ids: Vec<&[u8]> = ch.iter().map(|c| &c.0[..]).collect();
    assert_eq!(ids, vec![&b"VP8X"[..], b"ICCP", b"ALPH", b"VP8 ", b"EXIF"]);
    assert_eq!(ch[0].1[0], 0x10 | 0x20 | 0x08);
    assert_eq!(ch[3].1, vp8);
    assert_no_secrets(&out);
    assert_eq!(plan.kept, vec!["icc_profile", "orientation"]);
}

#[test]
fn webp_damage_never_panics() {
    no_panic_on_damage(&webp_fixture().0, "a.webp");
}

// ---------------------------------------------------------------- GIF

fn gif_fixture() -> (Vec<u8>, Vec<u8>) {
    let mut g = b"GIF89a\x02\0\x02\0\x80\0\0".to_vec();
    g.extend_from_slice(&[0, 0, 0, 255, 255, 255]); // 2-colour table
    g.extend_from_slice(b"\x21\xFF\x0bNETSCAPE2.0\x03\x01\0\0\0");
    g.extend_from_slice(b"\x21\xFE\x10Ann Photographer\0");
    g.extend_from_slice(b"\x21\xFF\x0bXMP DataXMP");
    g.extend_from_slice(XMP.as_bytes());
    g.push(1);
    g.extend((0..=255u8).rev()); // magic trailer
    g.push(0);
    g.extend_from_slice(b"\x21\xFF\x0bACMEPRIV1.0\x04ACME\0");
    g.extend_from_slice(b"\x21\xF9\x04\x00\x0a\x00\x00\x00");
    let mut img = b"\x2C\0\0\0\0\x02\0\x02\0\0\x02".to_vec();
    img.extend_from_slice(&[4, 0x84, 0x1d, 0x81, 0x7a, 2, 0x50, 0x01, 0]);
    g.extend_from_slice(&img);
    g.push(0x3B);
    g.extend_from_slice(b"ACME junk");
    (g, img)
}

#[test]
fn gif_default() {
    let (g, img) = gif_fixture();
    let (plan, out) = run(&g, "a.gif", Keep::default());
    assert_extract_clean(&out, "a.gif");
    let mut expect = g[..19].to_vec();
    expect.extend_from_slice(b"\x21\xFF\x0bNETSCAPE2.0\x03\x01\0\0\0");
    expect.extend_from_slice(b"\x21\xF9\x04\x00\x0a\x00\x00\x00");
    expect.extend_from_slice(&img);
    expect.push(0x3B);
    assert_eq!(out, expect);
    assert_no_secrets(&out);
    assert_eq!(plan.removed.get("comment"), Some(&1));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert_eq!(plan.removed.get("gif"), Some(&1));
}

#[test]
fn gif_keep_copyright_writes_minimal_xmp() {
    let (g, img) = gif_fixture();
    let (plan, out) = run(
        &g,
        "a.gif",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"XMP DataXMP"));
    assert!(contains(&out, b"(c) XMP Owner"));
    assert!(contains(&out, b"XMP Creator"));
    assert!(!contains(&out, b"SecretCity"));
    assert!(contains(&out, &img));
    assert_eq!(out.last(), Some(&0x3B));
    assert_eq!(plan.kept, vec!["copyright"]);
    // still a well-formed block structure: stripping again keeps the same bytes
    let (_, again) = run(
        &out,
        "a.gif",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert_eq!(again, out);
}

#[test]
fn gif_damage_never_panics() {
    no_panic_on_damage(&gif_fixture().0, "a.gif");
}

// ---------------------------------------------------------------- TIFF

/// A 4x2 8-bit greyscale TIFF in two strips with camera metadata, IPTC, XMP and ICC.
fn tiff_fixture() -> (Vec<u8>, Vec<Vec<u8>>) {
    let strips = vec![
        b"\x10\x20\x30\x40\x50\x60\x70\x80".to_vec(),
        b"\x11\x21\x31\x41\x51\x61\x71\x81".to_vec(),
    ];
    let iptc = [0x1C, 2, 90, 0, 10]
        .iter()
        .copied()
        .chain(b"SecretCity".iter().copied())
        .collect::<Vec<u8>>();
    let build = |data_at: u32| {
        let mut ifd0 = vec![
            long(256, 4),
            long(257, 2),
            short(258, 8),
            short(259, 1),
            short(262, 1),
            (
                273,
                4,
                2,
                [data_at, data_at + 8]
                    .iter()
                    .flat_map(|v| v.to_be_bytes())
                    .collect(),
            ),
            short(277, 1),
            long(278, 1),
            (
                279,
                4,
                2,
                [8u32, 8].iter().flat_map(|v| v.to_be_bytes()).collect(),
            ),
            ascii(0x010F, "ACME"),
            ascii(0x0110, "Snapper 3000"),
            short(0x0112, 6),
            ascii(0x013B, "Ann Photographer"),
            ascii(0x8298, "(c) 2024 Ann"),
            undef(33723, &iptc),
            (700, 1, XMP.len() as u32, XMP.as_bytes().to_vec()),
            undef(34675, ICC),
        ];
        ifd0.sort_by_key(|e| e.0);
        tiff(
            vec![ifd0],
            vec![
                (
                    0x8769,
                    vec![
                        ascii(0x9003, "2024:01:02 03:04:05"),
                        undef(0x927C, b"MAKERNOTE"),
                    ],
                ),
                (0x8825, vec![ascii(1, "N")]),
            ],
        )
    };
    let len = build(0).len() as u32;
    let mut f = build(len);
    for s in &strips {
        f.extend_from_slice(s);
    }
    (f, strips)
}

/// (entries as (tag, values...), strip data) of each IFD in the chain.
fn walk_tiff(d: &[u8]) -> Vec<(Vec<u16>, Vec<u8>)> {
    assert_eq!(&d[..4], b"MM\0\x2a");
    let mut off = be32(d, 4) as usize;
    let mut v = Vec::new();
    while off != 0 {
        assert_eq!(off % 2, 0, "IFDs are word aligned");
        let n = be16(d, off) as usize;
        let mut tags = Vec::new();
        let (mut offs, mut counts) = (Vec::new(), Vec::new());
        for i in 0..n {
            let e = off + 2 + i * 12;
            let tag = be16(d, e);
            tags.push(tag);
            let typ = be16(d, e + 2);
            let count = be32(d, e + 4) as usize;
            let vals = |d: &[u8]| -> Vec<usize> {
                let size = if typ == 3 { 2 } else { 4 };
                let at = if size * count <= 4 {
                    e + 8
                } else {
                    be32(d, e + 8) as usize
                };
                (0..count)
                    .map(|k| {
                        if typ == 3 {
                            be16(d, at + k * 2) as usize
                        } else {
                            be32(d, at + k * 4) as usize
                        }
                    })
                    .collect()
            };
            if tag == 273 {
                offs = vals(d);
            }
            if tag == 279 {
                counts = vals(d);
            }
        }
        assert!(tags.windows(2).all(|w| w[0] < w[1]), "tags sorted");
        let mut data = Vec::new();
        for (o, c) in offs.iter().zip(&counts) {
            data.extend_from_slice(&d[*o..*o + *c]);
        }
        v.push((tags, data));
        off = be32(d, off + 2 + n * 12) as usize;
    }
    v
}

#[test]
fn tiff_keeps_structure_only() {
    let (f, strips) = tiff_fixture();
    let (plan, out) = run(&f, "a.tif", Keep::default());
    assert_extract_clean(&out, "a.tif");
    let ifds = walk_tiff(&out);
    assert_eq!(ifds.len(), 1);
    assert_eq!(ifds[0].0, vec![256, 257, 258, 259, 262, 273, 277, 278, 279]);
    assert_eq!(ifds[0].1, strips.concat());
    assert_no_secrets(&out);
    assert!(!contains(&out, b"fakeICC"));
    assert_eq!(plan.removed.get("exif"), Some(&7)); // 5 IFD0 + 2 Exif IFD
    assert_eq!(plan.removed.get("gps"), Some(&1));
    assert_eq!(plan.removed.get("iptc"), Some(&1));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert_eq!(plan.removed.get("icc_profile"), Some(&1));
    let (_, again) = run(&out, "a.tif", Keep::default());
    assert_eq!(again, out);

    let keep = Keep {
        icc: true,
        orientation: true,
        copyright: true,
    };
    let (plan, out) = run(&f, "a.tif", keep);
    let ifds = walk_tiff(&out);
    assert_eq!(
        ifds[0].0,
        vec![256, 257, 258, 259, 262, 273, 274, 277, 278, 279, 315, 33432, 34675]
    );
    assert_eq!(ifds[0].1, strips.concat());
    assert!(contains(&out, b"fakeICC"));
    assert!(!contains(&out, b"ACME"));
    assert_eq!(plan.kept.len(), 3);
}

#[test]
fn tiff_damage_never_panics() {
    no_panic_on_damage(&tiff_fixture().0, "a.tif");
}

#[test]
fn garbage_after_every_magic_never_panics() {
    let magics: &[(&[u8], &str)] = &[
        (b"\xFF\xD8\xFF", "a.jpg"),
        (b"\x89PNG\r\n\x1a\n", "a.png"),
        (b"GIF89a", "a.gif"),
        (b"RIFF\x20\0\0\0WEBP", "a.webp"),
        (b"RIFF\x20\0\0\0WAVE", "a.wav"),
        (b"II*\0", "a.tif"),
        (b"MM\0*", "a.tif"),
        (b"\0\0\0\x18ftypheic", "a.heic"),
        (b"\0\0\0\x18ftypisom", "a.mp4"),
        (b"ID3\x03\0\0", "a.mp3"),
        (b"fLaC", "a.flac"),
        (b"OggS\0\x02", "a.ogg"),
        (b"%PDF-1.4\n", "a.pdf"),
        (b"PK\x03\x04", "a.docx"),
    ];
    let mut x = 0x9E37_79B9u32;
    for (magic, name) in magics {
        for len in [0usize, 1, 7, 31, 200, 2000] {
            let mut d = magic.to_vec();
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                d.push((x >> 3) as u8);
            }
            if let Ok(p) = strip(&d, Some(name), Keep::default()) {
                p.to_vec(&d).expect("plan inside the input");
            }
            let _ = strip(
                &d,
                Some(name),
                Keep {
                    icc: true,
                    orientation: true,
                    copyright: true,
                },
            );
        }
    }
    assert!(matches!(
        strip(b"hello world", Some("a.txt"), Keep::default()),
        Err(StripError::Unsupported(_))
    ));
    assert!(matches!(
        strip(
            b"BM\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            Some("a.bmp"),
            Keep::default()
        ),
        Err(StripError::Unsupported(_))
    ));
}
