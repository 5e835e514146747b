//! Strip tests for ISO BMFF (MP4/MOV/HEIC), MP3, FLAC, Ogg and WAV.

mod strip_util;
use metacore::{Keep, Piece};
use strip_util::*;

// ---------------------------------------------------------------- MP4

const VIDEO: &[&[u8]] = &[
    b"frame-one-data....",
    b"frame-two-data..",
    b"frame-three-data",
];
const GPS_SAMPLE: &[u8] = b"+48.8584+002.2945/SecretCity";

fn stbl(offsets: &[u32], sizes: &[u32], wide: bool) -> Vec<u8> {
    let mut stsc = 1u32.to_be_bytes().to_vec();
    stsc.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]); // 1 sample per chunk
    let mut stsz = 0u32.to_be_bytes().to_vec();
    stsz.extend_from_slice(&(sizes.len() as u32).to_be_bytes());
    for s in sizes {
        stsz.extend_from_slice(&s.to_be_bytes());
    }
    let mut co = (offsets.len() as u32).to_be_bytes().to_vec();
    for o in offsets {
        if wide {
            co.extend_from_slice(&(*o as u64).to_be_bytes());
        } else {
            co.extend_from_slice(&o.to_be_bytes());
        }
    }
    let mut b = full(b"stsd", 0, 0, &0u32.to_be_bytes());
    b.extend(full(b"stsc", 0, 0, &stsc));
    b.extend(full(b"stsz", 0, 0, &stsz));
    b.extend(full(if wide { b"co64" } else { b"stco" }, 0, 0, &co));
    bx(b"stbl", &b)
}

fn trak(handler: &[u8; 4], stbl: Vec<u8>, udta: bool) -> Vec<u8> {
    let mut hdlr = vec![0u8; 4];
    hdlr.extend_from_slice(handler);
    hdlr.extend_from_slice(&[0u8; 13]);
    let mut mdia = full(b"mdhd", 0, 0, &[0u8; 20]);
    mdia.extend(full(b"hdlr", 0, 0, &hdlr));
    mdia.extend(bx(b"minf", &stbl));
    let mut t = full(b"tkhd", 0, 3, &[0u8; 80]);
    if udta {
        t.extend(bx(b"udta", &bx(b"name", b"ACME track")));
    }
    t.extend(bx(b"mdia", &mdia));
    bx(b"trak", &t)
}

fn moov(offsets: &[u32], gps_offset: u32, wide: bool) -> Vec<u8> {
    let sizes: Vec<u32> = VIDEO.iter().map(|f| f.len() as u32).collect();
    let mut mvhd = [0u8; 96];
    mvhd[..8].copy_from_slice(&[0xE0, 0x1F, 0x2A, 0x3B, 0xE0, 0x1F, 0x2A, 0x3C]); // 2023 dates
    let mut m = full(b"mvhd", 0, 0, &mvhd);
    let mut ilst_item = bx(b"data", b"\0\0\0\x01\0\0\0\0Ann Photographer");
    ilst_item = bx(b"\xa9ART", &ilst_item);
    let mut udta = bx(b"\xa9xyz", b"\0\x12\x15\xc7+48.8584+002.2945/");
    udta.extend(bx(b"\xa9day", b"\0\x0a\x15\xc72024-01-02"));
    udta.extend(bx(b"cprt", b"\0\0\0\0\x15\xc7(c) 2024 Ann"));
    udta.extend(bx(
        b"meta",
        &[&[0u8, 0, 0, 0][..], &bx(b"ilst", &ilst_item)].concat(),
    ));
    m.extend(bx(b"udta", &udta));
    let mut keys_meta = bx(
        b"hdlr",
        &[0, 0, 0, 0, 0, 0, 0, 0, b'm', b'd', b't', b'a', 0, 0, 0, 0],
    );
    keys_meta.extend(bx(
        b"keys",
        b"\0\0\0\0\0\0\0\x01\0\0\0\x2cmdtacom.apple.quicktime.location.ISO6709",
    ));
    keys_meta.extend(bx(
        b"ilst",
        &bx(b"\0\0\0\x01", &bx(b"data", b"\0\0\0\x01\0\0\0\0SecretCity")),
    ));
    m.extend(bx(b"meta", &keys_meta));
    let mut xmp_uuid = vec![
        0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF,
        0xAC,
    ];
    xmp_uuid.extend_from_slice(XMP.as_bytes());
    m.extend(bx(b"uuid", &xmp_uuid));
    m.extend(trak(b"vide", stbl(offsets, &sizes, wide), true));
    m.extend(trak(
        b"meta",
        stbl(&[gps_offset], &[GPS_SAMPLE.len() as u32], false),
        false,
    ));
    bx(b"moov", &m)
}

fn mdat_body() -> Vec<u8> {
    let mut b = Vec::new();
    for f in VIDEO {
        b.extend_from_slice(f);
    }
    b.extend_from_slice(GPS_SAMPLE);
    b
}

/// (file, sample offsets) with moov first (`moov_first`) or last.
fn mp4_fixture(moov_first: bool, wide: bool) -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let body = mdat_body();
    // moov size does not depend on the offsets' values.
    let moov_len = moov(&[0, 0, 0], 0, wide).len();
    let mdat_start = if moov_first {
        ftyp.len() + moov_len
    } else {
        ftyp.len()
    } + 8;
    let mut offs = Vec::new();
    let mut at = mdat_start as u32;
    for f in VIDEO {
        offs.push(at);
        at += f.len() as u32;
    }
    let mv = moov(&offs, at, wide);
    let mut f = ftyp;
    if moov_first {
        f.extend(mv);
        f.extend(bx(b"mdat", &body));
    } else {
        f.extend(bx(b"mdat", &body));
        f.extend(mv);
    }
    f
}

fn chunk_offsets(d: &[u8], wide: bool) -> Vec<u64> {
    let co: &[u8; 4] = if wide { b"co64" } else { b"stco" };
    let (s, e) = find_box(d, &[b"moov", b"trak", b"mdia", b"minf", b"stbl", co], &[5]).unwrap();
    let n = be32(d, s) as usize;
    assert_eq!(e, s + 4 + n * if wide { 8 } else { 4 });
    (0..n)
        .map(|i| {
            if wide {
                u64::from_be_bytes(d[s + 4 + i * 8..s + 12 + i * 8].try_into().unwrap())
            } else {
                be32(d, s + 4 + i * 4) as u64
            }
        })
        .collect()
}

fn check_mp4(f: &[u8], wide: bool) {
    let (plan, out) = run(f, "a.mp4", Keep::default());
    assert_extract_clean(&out, "a.mp4");
    boxes(&out, 0, out.len());
    let top: Vec<[u8; 4]> = boxes(&out, 0, out.len()).iter().map(|b| b.0).collect();
    assert!(top.contains(b"mdat"));
    let (ms, me) = find_box(&out, &[b"moov"], &[]).unwrap();
    let kinds: Vec<[u8; 4]> = boxes(&out, ms, me).iter().map(|b| b.0).collect();
    assert_eq!(
        kinds,
        vec![*b"mvhd", *b"trak"],
        "udta, meta, uuid and the metadata track go"
    );
    let (ts, te) = find_box(&out, &[b"moov", b"trak"], &[]).unwrap();
    let tk: Vec<[u8; 4]> = boxes(&out, ts, te).iter().map(|b| b.0).collect();
    assert_eq!(tk, vec![*b"tkhd", *b"mdia"]);
    // Every chunk offset points at the same frame bytes.
    let offs = chunk_offsets(&out, wide);
    for (o, fr) in offs.iter().zip(VIDEO) {
        assert_eq!(&out[*o as usize..*o as usize + fr.len()], *fr);
    }
    assert_no_secrets(&out);
    assert!(!contains(&out, b"+48.8584"), "GPS samples are blanked");
    assert!(!contains(&out, b"(c) 2024"));
    assert_eq!(plan.removed.get("gps"), Some(&1));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert!(plan.removed.get("quicktime").copied().unwrap_or(0) >= 6);
    let (hs, _) = find_box(&out, &[b"moov", b"mvhd"], &[1]).unwrap();
    assert_eq!(&out[hs..hs + 8], &[0u8; 8], "recording dates zeroed");
    // mdat is referenced, not copied
    let (mdat_s, mdat_e) = find_box(f, &[b"mdat"], &[]).unwrap();
    assert!(plan.pieces.iter().any(|p| matches!(p, Piece::Copy { offset, len } if *offset <= mdat_s as u64 && *offset + *len >= (mdat_s + VIDEO[0].len()) as u64)));
    let _ = mdat_e;
    let (_, again) = run(&out, "a.mp4", Keep::default());
    assert_eq!(again, out);
}

#[test]
fn mp4_moov_first_offsets_shift() {
    let f = mp4_fixture(true, false);
    check_mp4(&f, false);
    let f = mp4_fixture(true, true);
    check_mp4(&f, true);
}

#[test]
fn mp4_moov_last() {
    let f = mp4_fixture(false, false);
    check_mp4(&f, false);
    // moov at the end: mdat offsets do not move.
    let (_, out) = run(&f, "a.mp4", Keep::default());
    assert_eq!(chunk_offsets(&out, false), chunk_offsets(&f, false));
}

#[test]
fn mp4_keep_copyright() {
    let f = mp4_fixture(true, false);
    let (plan, out) = run(
        &f,
        "a.mp4",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"(c) 2024 Ann"));
    assert!(contains(&out, b"Ann Photographer"), "ilst artist kept");
    assert!(!contains(&out, b"+48.8584"));
    assert!(!contains(&out, b"SecretCity"));
    assert!(!contains(&out, b"2024-01-02"));
    assert_eq!(plan.kept, vec!["copyright"]);
    let (us, ue) = find_box(&out, &[b"moov", b"udta"], &[]).unwrap();
    let kinds: Vec<[u8; 4]> = boxes(&out, us, ue).iter().map(|b| b.0).collect();
    assert_eq!(kinds, vec![*b"cprt", *b"meta"]);
    let offs = chunk_offsets(&out, false);
    assert_eq!(
        &out[offs[0] as usize..offs[0] as usize + VIDEO[0].len()],
        VIDEO[0]
    );
}

#[test]
fn mp4_fragmented_keeps_sizes() {
    let mut f = mp4_fixture(true, false);
    f.extend(bx(b"moof", &full(b"mfhd", 0, 0, &[0, 0, 0, 1])));
    f.extend(bx(b"mdat", b"fragment"));
    let (_, out) = run(&f, "a.mp4", Keep::default());
    assert_eq!(out.len(), f.len(), "fragmented files keep every offset");
    assert_no_secrets(&out);
    assert!(!contains(&out, b"+48.8584"));
    assert_eq!(chunk_offsets(&out, false), chunk_offsets(&f, false));
}

#[test]
fn mp4_damage_never_panics() {
    no_panic_on_damage(&mp4_fixture(true, false), "a.mp4");
    no_panic_on_damage(&mp4_fixture(false, true), "a.mov");
}

// ---------------------------------------------------------------- HEIC

fn infe(id: u16, typ: &[u8; 4], extra: &[u8]) -> Vec<u8> {
    let mut b = id.to_be_bytes().to_vec();
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(typ);
    b.push(0); // empty name
    b.extend_from_slice(extra);
    full(b"infe", 2, 0, &b)
}

const IMAGE: &[u8] = b"HEVC-coded-image-bytes-0123456789";

fn heic_fixture() -> Vec<u8> {
    let mut exif_item = vec![0, 0, 0, 0];
    exif_item.extend(camera_exif());
    let xmp_item = XMP.as_bytes().to_vec();
    let build = |base: u32| -> Vec<u8> {
        let mut iinf = 3u16.to_be_bytes().to_vec();
        iinf.extend(infe(1, b"hvc1", &[]));
        iinf.extend(infe(2, b"Exif", &[]));
        iinf.extend(infe(3, b"mime", b"application/rdf+xml\0"));
        // iloc v1, offset_size 4, length_size 4, base_offset_size 0, index 0
        let mut iloc = vec![0x44, 0x00, 0, 3];
        let mut at = base;
        for (id, len) in [
            (1u16, IMAGE.len()),
            (2, exif_item.len()),
            (3, xmp_item.len()),
        ] {
            iloc.extend_from_slice(&id.to_be_bytes());
            iloc.extend_from_slice(&[0, 0, 0, 0, 0, 1]); // method 0, dref 0, 1 extent
            iloc.extend_from_slice(&at.to_be_bytes());
            iloc.extend_from_slice(&(len as u32).to_be_bytes());
            at += len as u32;
        }
        let mut iref = bx(b"cdsc", &[0, 2, 0, 1, 0, 1]);
        iref.extend(bx(b"cdsc", &[0, 3, 0, 1, 0, 1]));
        let mut colr = b"prof".to_vec();
        colr.extend_from_slice(ICC);
        let mut ipco = bx(b"colr", &colr);
        ipco.extend(full(b"ispe", 0, 0, &[0, 0, 0, 64, 0, 0, 0, 64]));
        let mut iprp = bx(b"ipco", &ipco);
        iprp.extend(full(
            b"ipma",
            0,
            0,
            &[0, 0, 0, 2, 0, 1, 2, 1, 0x82, 0, 2, 0],
        ));
        let mut hdlr = vec![0u8; 4];
        hdlr.extend_from_slice(b"pict");
        hdlr.extend_from_slice(&[0u8; 13]);
        let mut meta = full(b"hdlr", 0, 0, &hdlr);
        meta.extend(full(b"pitm", 0, 0, &[0, 1]));
        meta.extend(full(b"iinf", 0, 0, &iinf));
        meta.extend(full(b"iloc", 1, 0, &iloc));
        meta.extend(full(b"iref", 0, 0, &iref));
        meta.extend(bx(b"iprp", &iprp));
        full(b"meta", 0, 0, &meta)
    };
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let meta_len = build(0).len();
    let base = (ftyp.len() + meta_len + 8) as u32;
    let mut f = ftyp;
    f.extend(build(base));
    let mut mdat = IMAGE.to_vec();
    mdat.extend(exif_item);
    mdat.extend(xmp_item);
    f.extend(bx(b"mdat", &mdat));
    f
}

#[test]
fn heic_drops_exif_and_xmp_items() {
    let f = heic_fixture();
    let (plan, out) = run(&f, "a.heic", Keep::default());
    assert_extract_clean(&out, "a.heic");
    boxes(&out, 0, out.len());
    assert_no_secrets(&out);
    assert!(!contains(&out, b"fakeICC"));
    assert!(!contains(&out, b"Exif"));
    assert!(!contains(&out, b"rdf+xml"));
    // iinf has one entry, iloc one item whose offset points at the image bytes.
    let (s, _) = find_box(&out, &[b"meta", b"iinf"], &[0, 1]).unwrap();
    assert_eq!(be16(&out, s), 1);
    let (s, _) = find_box(&out, &[b"meta", b"iloc"], &[0, 1]).unwrap();
    assert_eq!(be16(&out, s + 2), 1);
    let off = be32(&out, s + 2 + 2 + 2 + 2 + 2 + 2) as usize;
    let len = be32(&out, s + 16) as usize;
    assert_eq!(&out[off..off + len], IMAGE);
    assert!(find_box(&out, &[b"meta", b"iref", b"cdsc"], &[0, 1]).is_none());
    // colr became a free box of the same size: property indices unchanged.
    let (ps, pe) = find_box(&out, &[b"meta", b"iprp", b"ipco"], &[0]).unwrap();
    let props: Vec<[u8; 4]> = boxes(&out, ps, pe).iter().map(|b| b.0).collect();
    assert_eq!(props, vec![*b"free", *b"ispe"]);
    assert_eq!(plan.removed.get("exif"), Some(&9));
    assert_eq!(plan.removed.get("gps"), Some(&3));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    assert_eq!(plan.removed.get("icc_profile"), Some(&1));
    let (p2, again) = run(&out, "a.heic", Keep::default());
    assert_eq!(again, out);
    assert!(p2.removed.is_empty());

    let (plan, out) = run(
        &f,
        "a.heic",
        Keep {
            icc: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"fakeICC"));
    assert_no_secrets(&out);
    assert_eq!(plan.kept, vec!["icc_profile"]);
}

#[test]
fn heic_keep_orientation_and_copyright_reduces_exif_item_in_place() {
    let f = heic_fixture();
    let keep = Keep {
        orientation: true,
        copyright: true,
        ..Keep::default()
    };
    let (plan, out) = run(&f, "a.heic", keep);
    assert_eq!(plan.kept, vec!["orientation", "copyright"]);
    assert!(!contains(&out, b"ACME"));
    assert!(!contains(&out, b"SN12345"));
    assert!(!contains(&out, b"SecretCity"));
    assert!(!contains(&out, b"MAKERNOTE"));
    // iinf keeps the image and the Exif item; iloc gives the Exif item its new length.
    let (s, _) = find_box(&out, &[b"meta", b"iinf"], &[0, 1]).unwrap();
    assert_eq!(be16(&out, s), 2);
    let (s, _) = find_box(&out, &[b"meta", b"iloc"], &[0, 1]).unwrap();
    assert_eq!(be16(&out, s + 2), 2);
    let item2 = s + 4 + 16; // second item entry
    assert_eq!(be16(&out, item2), 2);
    let off = be32(&out, item2 + 8) as usize;
    let len = be32(&out, item2 + 12) as usize;
    let exif = &out[off..off + len];
    assert_eq!(&exif[..4], &[0, 0, 0, 0]);
    assert!(exif[4..].starts_with(b"MM\0\x2a"));
    assert!(contains(exif, b"Ann Photographer"));
    assert!(contains(exif, b"(c) 2024 Ann"));
    assert_eq!(be16(exif, 4 + 8), 3, "Orientation, Artist, Copyright");
    assert_eq!(be16(exif, 4 + 10), 0x0112);
    assert_eq!(be16(exif, 4 + 18), 6);
    assert_eq!(plan.removed.get("exif"), Some(&6)); // 9 - 3 kept
    assert_eq!(plan.removed.get("gps"), Some(&3));
    // the image is untouched
    let (s, _) = find_box(&out, &[b"meta", b"iloc"], &[0, 1]).unwrap();
    let o1 = be32(&out, s + 12) as usize;
    assert_eq!(&out[o1..o1 + IMAGE.len()], IMAGE);
}

#[test]
fn heic_damage_never_panics() {
    no_panic_on_damage(&heic_fixture(), "a.heic");
}

// ---------------------------------------------------------------- MP3

fn id3_frame(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut f = id.to_vec();
    f.extend_from_slice(&(body.len() as u32).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(body);
    f
}

fn id3v23(frames: &[Vec<u8>]) -> Vec<u8> {
    let body = frames.concat();
    let s = body.len() as u32;
    let mut t = b"ID3\x03\0\0".to_vec();
    t.extend_from_slice(&[
        (s >> 21) as u8 & 127,
        (s >> 14) as u8 & 127,
        (s >> 7) as u8 & 127,
        s as u8 & 127,
    ]);
    t.extend(body);
    t
}

fn mpeg_frames() -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..20u8 {
        v.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        v.extend((0..413u32).map(|k| (k as u8).wrapping_mul(i | 1)));
    }
    v
}

fn mp3_fixture() -> Vec<u8> {
    let mut f = id3v23(&[
        id3_frame(b"TIT2", b"\0Secret Title"),
        id3_frame(b"TPE1", b"\0Ann Photographer"),
        id3_frame(b"TCOP", b"\0(c) 2024 Ann"),
        id3_frame(b"COMM", b"\0engSecretCity"),
        id3_frame(b"APIC", b"\0image/jpeg\0\x03\0ACME cover bytes"),
    ]);
    f.extend(mpeg_frames());
    // APEv2 with header and footer, one item
    let item = b"\x05\0\0\0\0\0\0\0Title\0ACME!";
    let size = (item.len() + 32) as u32;
    let apehdr = |footer: bool| {
        let mut h = b"APETAGEX".to_vec();
        h.extend_from_slice(&2000u32.to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&1u32.to_le_bytes());
        h.extend_from_slice(&(0x8000_0000u32 | if footer { 0 } else { 0x2000_0000 }).to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        h
    };
    f.extend(apehdr(false));
    f.extend_from_slice(item);
    f.extend(apehdr(true));
    let mut v1 = b"TAGSecret Title".to_vec();
    v1.resize(128, 0);
    f.extend(v1);
    f
}

#[test]
fn mp3_removes_all_tags() {
    let f = mp3_fixture();
    let (plan, out) = run(&f, "a.mp3", Keep::default());
    assert_extract_clean(&out, "a.mp3");
    assert_eq!(out, mpeg_frames());
    assert_eq!(plan.removed.get("id3"), Some(&6)); // 5 frames + ID3v1
    assert_eq!(plan.removed.get("ape"), Some(&1));
    assert!(
        max_data_piece(&plan) == 0,
        "audio is referenced, not copied"
    );

    let (plan, out) = run(
        &f,
        "a.mp3",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(out.starts_with(b"ID3\x03"));
    assert!(contains(&out, b"(c) 2024 Ann"));
    assert!(contains(&out, b"Ann Photographer"));
    assert!(!contains(&out, b"Secret"));
    assert!(!contains(&out, b"ACME"));
    assert!(out.ends_with(&mpeg_frames()));
    assert_eq!(plan.kept, vec!["copyright"]);
}

#[test]
fn mp3_damage_never_panics() {
    no_panic_on_damage(&mp3_fixture(), "a.mp3");
}

// ---------------------------------------------------------------- FLAC

fn vorbis_comment(vendor: &str, fields: &[&str]) -> Vec<u8> {
    let mut b = (vendor.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(vendor.as_bytes());
    b.extend_from_slice(&(fields.len() as u32).to_le_bytes());
    for f in fields {
        b.extend_from_slice(&(f.len() as u32).to_le_bytes());
        b.extend_from_slice(f.as_bytes());
    }
    b
}

const FIELDS: &[&str] = &[
    "TITLE=Secret Title",
    "ARTIST=Ann Photographer",
    "COPYRIGHT=(c) 2024 Ann",
    "LOCATION=SecretCity",
];

fn flac_block(typ: u8, last: bool, body: &[u8]) -> Vec<u8> {
    let l = body.len() as u32;
    let mut b = vec![
        typ | if last { 0x80 } else { 0 },
        (l >> 16) as u8,
        (l >> 8) as u8,
        l as u8,
    ];
    b.extend_from_slice(body);
    b
}

fn flac_frames() -> Vec<u8> {
    (0..3000u32).map(|i| (i * 7 + 3) as u8).collect()
}

fn flac_fixture() -> Vec<u8> {
    let mut f = b"fLaC".to_vec();
    f.extend(flac_block(0, false, &[0x10; 34]));
    f.extend(flac_block(
        4,
        false,
        &vorbis_comment("ACME encoder", FIELDS),
    ));
    f.extend(flac_block(3, false, &[0; 18]));
    f.extend(flac_block(
        6,
        false,
        b"\0\0\0\x03\0\0\0\x0aimage/jpeg\0\0\0\0ACME cover",
    ));
    f.extend(flac_block(2, false, b"ACMEappdata"));
    f.extend(flac_block(1, true, &[0; 100]));
    f.extend(flac_frames());
    f
}

#[test]
fn flac_keeps_streaminfo_and_seektable() {
    let f = flac_fixture();
    let (plan, out) = run(&f, "a.flac", Keep::default());
    assert_extract_clean(&out, "a.flac");
    let mut expect = b"fLaC".to_vec();
    expect.extend(flac_block(0, false, &[0x10; 34]));
    expect.extend(flac_block(3, true, &[0; 18]));
    expect.extend(flac_frames());
    assert_eq!(out, expect);
    assert_eq!(plan.removed.get("vorbis"), Some(&4));
    assert_eq!(plan.removed.get("flac"), Some(&2));

    let (_, out) = run(
        &f,
        "a.flac",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"COPYRIGHT=(c) 2024 Ann"));
    assert!(contains(&out, b"ARTIST=Ann Photographer"));
    assert!(!contains(&out, b"Secret"));
    assert!(out.ends_with(&flac_frames()));
    // the seek table is no longer last, the new comment is
    assert_eq!(out[4 + 38], 3);
    assert_eq!(out[4 + 38 + 22], 0x84);
}

#[test]
fn flac_damage_never_panics() {
    no_panic_on_damage(&flac_fixture(), "a.flac");
}

// ---------------------------------------------------------------- Ogg

fn ogg_crc(d: &[u8]) -> u32 {
    let mut c = 0u32;
    for &b in d {
        c ^= (b as u32) << 24;
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
        }
    }
    c
}

/// Pages one packet list; each page carries up to `per_page` lacing values.
fn ogg_pages(
    packets: &[Vec<u8>],
    seq0: u32,
    flags0: u8,
    granule: u64,
    per_page: usize,
) -> Vec<Vec<u8>> {
    let mut segs = Vec::new();
    for p in packets {
        let n = p.len() / 255 + 1;
        for k in 0..n {
            let l = if k + 1 == n { p.len() % 255 } else { 255 };
            segs.push((l as u8, p[k * 255..k * 255 + l].to_vec()));
        }
    }
    let mut pages = Vec::new();
    let mut cont = false;
    for (i, ch) in segs.chunks(per_page).enumerate() {
        let mut p = b"OggS\0".to_vec();
        p.push(if cont { 1 } else { 0 } | if i == 0 { flags0 } else { 0 });
        p.extend_from_slice(&granule.to_le_bytes());
        p.extend_from_slice(&0x1234u32.to_le_bytes());
        p.extend_from_slice(&(seq0 + i as u32).to_le_bytes());
        p.extend_from_slice(&[0; 4]);
        p.push(ch.len() as u8);
        for s in ch {
            p.push(s.0);
        }
        for s in ch {
            p.extend_from_slice(&s.1);
        }
        let c = ogg_crc(&p);
        p[22..26].copy_from_slice(&c.to_le_bytes());
        cont = ch.last().unwrap().0 == 255;
        pages.push(p);
    }
    pages
}

/// (file, audio packets)
fn ogg_fixture() -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut id = b"\x01vorbis".to_vec();
    id.extend_from_slice(&[0u8; 23]);
    let mut fields: Vec<String> = FIELDS.iter().map(|s| s.to_string()).collect();
    fields.push(format!("METADATA_BLOCK_PICTURE={}", "A".repeat(20_000)));
    let fr: Vec<&str> = fields.iter().map(|s| s.as_str()).collect();
    let mut comment = b"\x03vorbis".to_vec();
    comment.extend(vorbis_comment("Xiph.Org libVorbis I 20200704", &fr));
    comment.push(1);
    let setup: Vec<u8> = [b"\x05vorbis".to_vec(), vec![7u8; 3000]].concat();
    let audio: Vec<Vec<u8>> = (0..40u32)
        .map(|i| vec![i as u8; 100 + i as usize * 37])
        .collect();
    let mut f = Vec::new();
    f.extend(ogg_pages(&[id], 0, 2, 0, 255).concat());
    let hdr = ogg_pages(&[comment, setup], 1, 0, 0, 255);
    let n = hdr.len() as u32;
    f.extend(hdr.concat());
    let a1 = ogg_pages(&audio[..20], 1 + n, 0, 1000, 10);
    let m = a1.len() as u32;
    f.extend(a1.concat());
    f.extend(ogg_pages(&audio[20..], 1 + n + m, 4, 2000, 255).concat());
    (f, audio)
}

/// Walks pages: checks CRCs and sequence numbers, returns the packets.
fn walk_ogg(d: &[u8]) -> Vec<Vec<u8>> {
    let mut pos = 0;
    let mut seq = 0;
    let mut packets = Vec::new();
    let mut cur = Vec::new();
    while pos < d.len() {
        assert_eq!(&d[pos..pos + 4], b"OggS");
        let n = d[pos + 26] as usize;
        let lac = &d[pos + 27..pos + 27 + n];
        let len: usize = lac.iter().map(|&l| l as usize).sum();
        let end = pos + 27 + n + len;
        let mut p = d[pos..end].to_vec();
        p[22..26].copy_from_slice(&[0; 4]);
        assert_eq!(ogg_crc(&p), le32(d, pos + 22), "CRC of page {seq}");
        assert_eq!(le32(d, pos + 18), seq, "sequence number");
        seq += 1;
        let mut at = pos + 27 + n;
        for &l in lac {
            cur.extend_from_slice(&d[at..at + l as usize]);
            at += l as usize;
            if l < 255 {
                packets.push(std::mem::take(&mut cur));
            }
        }
        pos = end;
    }
    packets
}

#[test]
fn ogg_vorbis_comment_emptied_and_pages_renumbered() {
    let (f, audio) = ogg_fixture();
    assert_eq!(walk_ogg(&f).len(), 43);
    let (plan, out) = run(&f, "a.ogg", Keep::default());
    assert_extract_clean(&out, "a.ogg");
    let packets = walk_ogg(&out);
    assert_eq!(packets.len(), 43);
    assert_eq!(&packets[3..], &audio[..]);
    let mut empty = b"\x03vorbis".to_vec();
    empty.extend(vorbis_comment("Xiph.Org libVorbis I 20200704", &[]));
    empty.push(1);
    assert_eq!(packets[1], empty);
    assert_eq!(plan.removed.get("vorbis"), Some(&5));
    assert!(out.len() < f.len() - 20_000);

    let (_, out) = run(
        &f,
        "a.ogg",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    let packets = walk_ogg(&out);
    assert!(contains(&packets[1], b"COPYRIGHT=(c) 2024 Ann"));
    assert!(!contains(&out, b"Secret"));
    assert_eq!(&packets[3..], &audio[..]);
}

#[test]
fn ogg_damage_never_panics() {
    no_panic_on_damage(&ogg_fixture().0, "a.ogg");
}

// ---------------------------------------------------------------- WAV

fn riff_chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

fn wav_fixture() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let fmt = riff_chunk(
        b"fmt ",
        &[1, 0, 1, 0, 0x44, 0xAC, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0],
    );
    let pcm: Vec<u8> = (0..999u32).map(|i| (i * 5) as u8).collect();
    let data = riff_chunk(b"data", &pcm);
    let mut info = b"INFO".to_vec();
    info.extend(riff_chunk(b"IART", b"Ann Photographer\0"));
    info.extend(riff_chunk(b"ICMT", b"SecretCity\0"));
    let body = [
        fmt.clone(),
        riff_chunk(b"LIST", &info),
        riff_chunk(b"bext", b"ACME originator"),
        data.clone(),
        riff_chunk(b"id3 ", &id3v23(&[id3_frame(b"TIT2", b"\0Secret Title")])),
        riff_chunk(b"_PMX", XMP.as_bytes()),
    ]
    .concat();
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    f.extend_from_slice(b"WAVE");
    f.extend(body);
    (f, fmt, data)
}

#[test]
fn wav_keeps_fmt_and_data() {
    let (f, fmt, data) = wav_fixture();
    let (plan, out) = run(&f, "a.wav", Keep::default());
    assert_extract_clean(&out, "a.wav");
    let mut expect = b"RIFF".to_vec();
    expect.extend_from_slice(&((fmt.len() + data.len() + 4) as u32).to_le_bytes());
    expect.extend_from_slice(b"WAVE");
    expect.extend(fmt);
    expect.extend(data);
    assert_eq!(out, expect);
    assert_eq!(plan.removed.get("riff"), Some(&3));
    assert_eq!(plan.removed.get("id3"), Some(&1));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
}

#[test]
fn wav_keep_copyright_keeps_icop_and_iart() {
    let (f, _, data) = wav_fixture();
    let mut f = f;
    // add ICOP to the LIST/INFO: rebuild quickly by appending a second LIST
    let mut info = b"INFO".to_vec();
    info.extend(riff_chunk(b"ICOP", b"(c) 2024 Ann\0"));
    info.extend(riff_chunk(b"INAM", b"Secret Title\0"));
    f.extend(riff_chunk(b"LIST", &info));
    let size = (f.len() - 8) as u32;
    f[4..8].copy_from_slice(&size.to_le_bytes());
    let (plan, out) = run(
        &f,
        "a.wav",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert!(contains(&out, b"(c) 2024 Ann"));
    assert!(contains(&out, b"Ann Photographer"), "IART kept");
    assert!(!contains(&out, b"Secret"));
    assert!(!contains(&out, b"ACME"));
    assert!(contains(&out, &data));
    assert_eq!(plan.kept, vec!["copyright"]);
    assert_eq!(
        u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize,
        out.len() - 8
    );
}

#[test]
fn wav_damage_never_panics() {
    no_panic_on_damage(&wav_fixture().0, "a.wav");
}
