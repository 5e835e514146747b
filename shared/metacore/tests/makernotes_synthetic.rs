//! Maker note decoding on fixtures built in code: a Canon IFD (offsets relative to the TIFF
//! header, int16 arrays decoded by binary tables), a Nikon type-3 note (own TIFF header),
//! an Apple iOS note (big-endian, offsets relative to the note), plus truncation and
//! corruption robustness.

use metacore::bytes::Endian;
use metacore::formats::makernotes::{parse, MakerNoteContext};
use metacore::{Budget, Metadata};
use serde_json::{json, Value};

/// Builds one IFD at `start` (absolute position in the final buffer): entries are
/// (tag, format, count, value bytes); values longer than 4 bytes go after the IFD, and their
/// offsets are written relative to `base`.
fn ifd(start: usize, base: usize, e: Endian, entries: &[(u16, u16, u32, Vec<u8>)]) -> Vec<u8> {
    let u16b = |v: u16| match e {
        Endian::Big => v.to_be_bytes(),
        Endian::Little => v.to_le_bytes(),
    };
    let u32b = |v: u32| match e {
        Endian::Big => v.to_be_bytes(),
        Endian::Little => v.to_le_bytes(),
    };
    let mut head = Vec::new();
    let mut data = Vec::new();
    let data_start = start + 2 + entries.len() * 12 + 4;
    head.extend_from_slice(&u16b(entries.len() as u16));
    for (tag, fmt, count, val) in entries {
        head.extend_from_slice(&u16b(*tag));
        head.extend_from_slice(&u16b(*fmt));
        head.extend_from_slice(&u32b(*count));
        if val.len() <= 4 {
            let mut v = val.clone();
            v.resize(4, 0);
            head.extend_from_slice(&v);
        } else {
            let off = data_start + data.len() - base;
            head.extend_from_slice(&u32b(off as u32));
            data.extend_from_slice(val);
            if data.len() % 2 == 1 {
                data.push(0);
            }
        }
    }
    head.extend_from_slice(&[0, 0, 0, 0]);
    head.extend_from_slice(&data);
    head
}

fn le16s(v: &[i16]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn run(
    tiff: &[u8],
    offset: usize,
    len: usize,
    endian: Endian,
    make: &str,
    model: &str,
) -> Metadata {
    run_at(tiff, 0, offset, len, endian, make, model)
}

/// Like `run` for a TIFF block that starts at `file_base` in the file (12 in a JPEG with
/// only the EXIF APP1 before it).
fn run_at(
    tiff: &[u8],
    file_base: usize,
    offset: usize,
    len: usize,
    endian: Endian,
    make: &str,
    model: &str,
) -> Metadata {
    let mut meta = Metadata::new(Budget::default());
    parse(
        &mut meta,
        &MakerNoteContext {
            tiff,
            offset,
            len,
            endian,
            make,
            model,
            file_base,
        },
    );
    meta
}

fn mn(meta: &Metadata, tag: &str) -> Value {
    meta.get("makernotes", tag).cloned().unwrap_or(Value::Null)
}

/// A little-endian TIFF block with a Canon maker note at offset 8.
fn canon_fixture() -> (Vec<u8>, usize, usize) {
    let mut cs = vec![0i16; 46];
    cs[0] = 92; // length in bytes
    cs[1] = 1; // MacroMode: Macro
    cs[3] = 3; // Quality: Fine
    cs[4] = 0; // CanonFlashMode: Off
    cs[16] = 15; // CameraISO: Auto
    cs[23] = 7100; // MaxFocalLength (units of 1/FocalUnits mm)
    cs[24] = 2300; // MinFocalLength
    cs[25] = 1000; // FocalUnits
    let start = 8;
    let note = ifd(
        start,
        0,
        Endian::Little,
        &[
            (0x0001, 3, cs.len() as u32, le16s(&cs)),
            (
                0x0006,
                2,
                20,
                b"IMG:PowerShot S40 JPEG\0".to_vec()[..20].to_vec(),
            ),
            (0x0008, 4, 1, 1171771u32.to_le_bytes().to_vec()),
            (0x0010, 4, 1, 0x1010000u32.to_le_bytes().to_vec()),
        ],
    );
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let len = note.len();
    tiff.extend_from_slice(&note);
    (tiff, start, len)
}

#[test]
fn canon_decodes_camera_settings_and_main_tags() {
    let (tiff, off, len) = canon_fixture();
    let meta = run(
        &tiff,
        off,
        len,
        Endian::Little,
        "Canon",
        "Canon PowerShot S40",
    );
    assert_eq!(mn(&meta, "MacroMode"), json!("Macro"));
    assert_eq!(mn(&meta, "Quality"), json!("Fine"));
    assert_eq!(mn(&meta, "CanonFlashMode"), json!("Off"));
    assert_eq!(mn(&meta, "CameraISO"), json!("Auto"));
    assert_eq!(mn(&meta, "FocalUnits"), json!("1000/mm"));
    assert_eq!(mn(&meta, "MaxFocalLength"), json!("7.1 mm"));
    assert_eq!(mn(&meta, "MinFocalLength"), json!("2.3 mm"));
    assert_eq!(mn(&meta, "FileNumber"), json!("117-1771"));
    assert_eq!(mn(&meta, "CanonModelID"), json!("PowerShot A30"));
    assert_eq!(mn(&meta, "CanonImageType"), json!("IMG:PowerShot S40 JP"));
    // maker note tags never leak into other groups
    assert!(meta.groups.keys().all(|g| g == "makernotes"));
}

#[test]
fn canon_moved_maker_note_uses_footer_offset() {
    // the same note, moved 16 bytes further by an editor: value offsets still point to the
    // original place, and the "II*\0" footer records where that was
    let (tiff, off, len) = canon_fixture();
    let mut note = tiff[off..off + len].to_vec();
    note.extend_from_slice(b"II*\0");
    note.extend_from_slice(&(off as u32).to_le_bytes());
    let mut moved = b"II*\0\x08\0\0\0".to_vec();
    moved.extend_from_slice(&[0u8; 16]);
    let new_off = moved.len();
    moved.extend_from_slice(&note);
    let meta = run(
        &moved,
        new_off,
        note.len(),
        Endian::Little,
        "Canon",
        "Canon PowerShot S40",
    );
    assert_eq!(mn(&meta, "Quality"), json!("Fine"));
    assert_eq!(mn(&meta, "FileNumber"), json!("117-1771"));
}

/// "Nikon\0\x02\x10\0\0" + a big-endian TIFF header; offsets relative to that header.
fn nikon_fixture() -> (Vec<u8>, usize, usize) {
    let rat = |n: u32, d: u32| [n.to_be_bytes(), d.to_be_bytes()].concat();
    let lens = [rat(18, 1), rat(70, 1), rat(35, 10), rat(45, 10)].concat();
    let entries = ifd(
        8,
        0,
        Endian::Big,
        &[
            (0x0001, 7, 4, b"0210".to_vec()),
            (0x0002, 3, 2, vec![0, 0, 0, 200]),
            (0x0004, 2, 8, b"FINE   \0".to_vec()),
            (0x0007, 2, 7, b"AF-S  \0".to_vec()),
            (0x0084, 5, 4, lens),
            (0x0083, 1, 1, vec![6]),
        ],
    );
    let mut note = b"Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08".to_vec();
    note.extend_from_slice(&entries);
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    let off = tiff.len();
    tiff.extend_from_slice(&note);
    (tiff, off, note.len())
}

#[test]
fn nikon_type3_decodes_strings_and_rationals() {
    let (tiff, off, len) = nikon_fixture();
    let meta = run(
        &tiff,
        off,
        len,
        Endian::Big,
        "NIKON CORPORATION",
        "NIKON D70s",
    );
    assert_eq!(mn(&meta, "MakerNoteVersion"), json!(2.1));
    assert_eq!(mn(&meta, "ISO"), json!(200));
    assert_eq!(mn(&meta, "Quality"), json!("Fine"));
    assert_eq!(mn(&meta, "FocusMode"), json!("AF-S"));
    assert_eq!(mn(&meta, "Lens"), json!("18-70mm f/3.5-4.5"));
    assert_eq!(mn(&meta, "LensType"), json!("G"));
}

#[test]
fn maker_note_offsets_are_file_relative() {
    // a Nikon note whose PreviewIFD gives PreviewImageStart 0x100 relative to the note's own
    // TIFF header; ExifTool adds that header's position (8 + 10 in the EXIF TIFF block)
    // and the EXIF block's position in the file (12 in a plain JPEG)
    let preview = ifd(
        8,
        0,
        Endian::Big,
        &[
            (0x0201, 4, 1, 0x100u32.to_be_bytes().to_vec()),
            (0x0202, 4, 1, 0x40u32.to_be_bytes().to_vec()),
        ],
    );
    let main = ifd(
        8 + preview.len(),
        0,
        Endian::Big,
        &[(0x0011, 13, 1, 8u32.to_be_bytes().to_vec())],
    );
    let mut note = b"Nikon\0\x02\x10\0\0MM\0*".to_vec();
    note.extend_from_slice(&((8 + preview.len()) as u32).to_be_bytes());
    note.extend_from_slice(&preview);
    note.extend_from_slice(&main);
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&note);
    let (e, make, model) = (Endian::Big, "NIKON CORPORATION", "NIKON D70s");
    let meta = run_at(&tiff, 12, 8, note.len(), e, make, model);
    assert_eq!(mn(&meta, "PreviewImageStart"), json!(0x100 + 18 + 12));
    assert_eq!(mn(&meta, "PreviewImageLength"), json!(0x40));
    // a TIFF file (header at 0) reports them from the TIFF header
    let meta = run(&tiff, 8, note.len(), e, make, model);
    assert_eq!(mn(&meta, "PreviewImageStart"), json!(0x100 + 18));
}

#[test]
fn composites_use_maker_note_values_before_print_conversion() {
    // Canon ShotInfo: AutoISO 2**(78/32)*100 = 541.70 (printed 542), BaseISO 200, so
    // Composite:ISO is 1083 as in ExifTool, not 542*200/100 = 1084 from printed values
    let (mut tiff, off, _) = canon_fixture();
    let mut si = vec![0i16; 34];
    si[0] = 68;
    si[1] = 78;
    si[2] = 192;
    let mut note = ifd(
        off,
        0,
        Endian::Little,
        &[
            (0x0001, 3, 46, {
                let mut cs = vec![0i16; 46];
                cs[0] = 92;
                cs[16] = 15; // CameraISO: Auto
                le16s(&cs)
            }),
            (0x0004, 3, si.len() as u32, le16s(&si)),
        ],
    );
    tiff.truncate(off);
    tiff.append(&mut note);
    let len = tiff.len() - off;
    let mut meta = run(&tiff, off, len, Endian::Little, "Canon", "Canon EOS 5D");
    assert_eq!(mn(&meta, "AutoISO"), json!(542));
    assert_eq!(mn(&meta, "BaseISO"), json!(200));
    meta.set("exif", "Make", "Canon");
    metacore::formats::composite::compute(&mut meta);
    assert_eq!(meta.get("composite", "ISO"), Some(&json!(1083)));
}

#[test]
fn nikon_lens_id_from_lens_data() {
    // D70-style unencrypted LensData 0101 plus LensType: the key is
    // "7F 40 2D 5C 2C 34 84 06", an AF-S DX 18-70mm in ExifTool's %nikonLensIDs
    let mut lens = b"0101".to_vec();
    lens.resize(0x12, 0);
    lens[0x0b..0x12].copy_from_slice(&[0x7f, 0x40, 0x2d, 0x5c, 0x2c, 0x34, 0x84]);
    let entries = ifd(
        8,
        0,
        Endian::Big,
        &[
            (0x0083, 1, 1, vec![6]),
            (0x0098, 7, lens.len() as u32, lens),
        ],
    );
    let mut note = b"Nikon\0\x02\x10\0\0MM\0*\0\0\0\x08".to_vec();
    note.extend_from_slice(&entries);
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&note);
    let mut meta = run(
        &tiff,
        8,
        note.len(),
        Endian::Big,
        "NIKON CORPORATION",
        "NIKON D70",
    );
    assert_eq!(mn(&meta, "LensIDNumber"), json!(127));
    assert_eq!(mn(&meta, "MinFocalLength"), json!("18.3 mm"));
    metacore::formats::composite::compute(&mut meta);
    assert_eq!(
        meta.get("composite", "LensID"),
        Some(&json!("AF-S DX Zoom-Nikkor 18-70mm f/3.5-4.5G IF-ED"))
    );
}

/// "Apple iOS\0" + version + "MM" + a big-endian IFD at +14, offsets relative to the note.
fn apple_fixture() -> (Vec<u8>, usize, usize) {
    let entries = ifd(
        14,
        0,
        Endian::Big,
        &[
            (0x0001, 9, 1, 14i32.to_be_bytes().to_vec()),
            (0x0004, 9, 1, 1i32.to_be_bytes().to_vec()),
            (0x000a, 9, 1, 3i32.to_be_bytes().to_vec()),
            (0x000b, 2, 8, b"ABCDEF0\0".to_vec()),
        ],
    );
    let mut note = b"Apple iOS\0\0\x01MM".to_vec();
    note.extend_from_slice(&entries);
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let off = tiff.len() + 6;
    tiff.extend_from_slice(&[0u8; 6]);
    tiff.extend_from_slice(&note);
    (tiff, off, note.len())
}

#[test]
fn apple_ios_decodes_big_endian_note_with_relative_offsets() {
    let (tiff, off, len) = apple_fixture();
    let meta = run(&tiff, off, len, Endian::Little, "Apple", "iPhone 6");
    assert_eq!(mn(&meta, "MakerNoteVersion"), json!(14));
    assert_eq!(mn(&meta, "AEStable"), json!("Yes"));
    assert_eq!(mn(&meta, "HDRImageType"), json!("HDR Image"));
    assert_eq!(mn(&meta, "BurstUUID"), json!("ABCDEF0"));
}

/// "FUJIFILM" + le32 offset of a little-endian IFD; offsets relative to the note.
fn fujifilm_fixture() -> (Vec<u8>, usize, usize) {
    let entries = ifd(
        12,
        0,
        Endian::Little,
        &[
            (0x0000, 7, 4, b"0130".to_vec()),
            (0x1000, 2, 8, b"NORMAL \0".to_vec()),
            (0x1001, 3, 1, 3u16.to_le_bytes().to_vec()),
            (0x1021, 3, 1, 1u16.to_le_bytes().to_vec()),
        ],
    );
    let mut note = b"FUJIFILM\x0c\0\0\0".to_vec();
    note.extend_from_slice(&entries);
    // a big-endian TIFF: the Fujifilm note stays little-endian
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    let off = tiff.len();
    tiff.extend_from_slice(&note);
    (tiff, off, note.len())
}

#[test]
fn fujifilm_is_little_endian_and_relative_to_the_note() {
    let (tiff, off, len) = fujifilm_fixture();
    let meta = run(&tiff, off, len, Endian::Big, "FUJIFILM", "FinePix E500");
    assert_eq!(mn(&meta, "Version"), json!("0130"));
    assert_eq!(mn(&meta, "Quality"), json!("NORMAL "));
    assert_eq!(mn(&meta, "Sharpness"), json!("0 (normal)"));
    assert_eq!(mn(&meta, "FocusMode"), json!("Manual"));
}

#[test]
fn pentax_aoc_note_with_offsets_relative_to_tiff() {
    let off = 8;
    let entries = ifd(
        off + 6,
        0,
        Endian::Big,
        &[
            (0x0000, 1, 4, vec![4, 1, 0, 0]),
            (0x0008, 3, 1, 2u16.to_be_bytes().to_vec()),
            (0x0019, 3, 1, 1u16.to_be_bytes().to_vec()),
        ],
    );
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    tiff.extend_from_slice(b"AOC\0MM");
    tiff.extend_from_slice(&entries);
    let len = tiff.len() - off;
    let meta = run(
        &tiff,
        off,
        len,
        Endian::Big,
        "PENTAX Corporation",
        "PENTAX K10D",
    );
    assert_eq!(mn(&meta, "PentaxVersion"), json!("4.1.0.0"));
    assert_eq!(mn(&meta, "Quality"), json!("Best"));
    assert_eq!(mn(&meta, "WhiteBalance"), json!("Daylight"));
}

#[test]
fn olympus_type2_note_has_its_own_byte_order() {
    // "OLYMPUS\0II\x03\0" + IFD at +12, offsets relative to the note
    let entries = ifd(
        12,
        0,
        Endian::Little,
        &[
            (
                0x0200,
                4,
                3,
                [0u32, 5, 0].iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
            (0x0207, 2, 6, b"D4040\0".to_vec()),
        ],
    );
    let mut note = b"OLYMPUS\0II\x03\0".to_vec();
    note.extend_from_slice(&entries);
    let mut tiff = b"MM\0*\0\0\0\x08".to_vec();
    let off = tiff.len();
    tiff.extend_from_slice(&note);
    let meta = run(
        &tiff,
        off,
        note.len(),
        Endian::Big,
        "OLYMPUS IMAGING CORP.",
        "E-1",
    );
    assert_eq!(
        mn(&meta, "SpecialMode"),
        json!("Normal, Sequence: 5, Panorama: (none)")
    );
    assert_eq!(mn(&meta, "CameraType"), json!("E-1"));
}

#[test]
fn unknown_or_empty_maker_notes_add_nothing() {
    let tiff = b"II*\0\x08\0\0\0garbage-maker-note".to_vec();
    let meta = run(&tiff, 8, 18, Endian::Little, "NoSuchMaker", "X");
    assert!(meta.groups.get("makernotes").is_none_or(|g| g.is_empty()));
    // a context pointing outside the block only warns
    let meta = run(&tiff, 100, 50, Endian::Little, "Canon", "X");
    assert!(!meta.warnings.is_empty());
}

/// (TIFF block, maker note offset, length, byte order, make, model)
type Fixture = (Vec<u8>, usize, usize, Endian, &'static str, &'static str);

fn fixtures() -> Vec<Fixture> {
    let (c, co, cl) = canon_fixture();
    let (n, no, nl) = nikon_fixture();
    let (a, ao, al) = apple_fixture();
    let (f, fo, fl) = fujifilm_fixture();
    vec![
        (f, fo, fl, Endian::Big, "FUJIFILM", "FinePix E500"),
        (c, co, cl, Endian::Little, "Canon", "Canon PowerShot S40"),
        (n, no, nl, Endian::Big, "NIKON CORPORATION", "NIKON D70s"),
        (a, ao, al, Endian::Little, "Apple", "iPhone 6"),
    ]
}

#[test]
fn truncated_prefixes_never_panic() {
    for (buf, off, len, e, make, model) in fixtures() {
        for n in 0..=buf.len() {
            let cut = &buf[..n];
            // the context as the EXIF parser would give it, and one clamped to the data
            run(cut, off, len, e, make, model);
            let l = len.min(n.saturating_sub(off));
            run(cut, off.min(n), l, e, make, model);
        }
    }
}

#[test]
fn corrupted_bytes_never_panic() {
    let mut seed: u32 = 0x1234_5678;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for (buf, off, len, e, make, model) in fixtures() {
        for _ in 0..400 {
            let mut b = buf.clone();
            for _ in 0..(1 + rnd() % 6) {
                let i = rnd() as usize % b.len();
                b[i] = rnd() as u8;
            }
            run(&b, off, len, e, make, model);
        }
    }
}
