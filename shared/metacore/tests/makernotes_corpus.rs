//! Maker notes of real camera files from the reference corpus, checked against values
//! `exiftool -json -G0` prints. The test finds the maker note itself (JPEG APP1 -> TIFF ->
//! IFD0 Make/Model -> ExifIFD -> 0x927C) so it depends only on the maker note module.
//! Skipped when the corpus is not there.

use metacore::bytes::{u16_at, u32_at, Endian};
use metacore::formats::makernotes::{parse, MakerNoteContext};
use metacore::{Budget, Metadata};
use serde_json::{json, Value};
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples");
    p.is_dir().then_some(p)
}

/// (tag, format, count, value offset) of each entry of the IFD at `off`.
fn entries(t: &[u8], off: usize, e: Endian) -> Vec<(u16, u32, usize)> {
    let n = u16_at(t, off, e).unwrap_or(0) as usize;
    (0..n)
        .filter_map(|i| {
            let p = off + 2 + i * 12;
            let tag = u16_at(t, p, e)?;
            let fmt = u16_at(t, p + 2, e)?;
            let cnt = u32_at(t, p + 4, e)?;
            let size = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4]
                .get(fmt as usize)
                .copied()
                .unwrap_or(1)
                * cnt as usize;
            let v = if size <= 4 {
                p + 8
            } else {
                u32_at(t, p + 8, e)? as usize
            };
            Some((tag, cnt, v))
        })
        .collect()
}

fn text(t: &[u8], off: usize, n: u32) -> String {
    let b = t.get(off..off + n as usize).unwrap_or(&[]);
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).trim().to_string()
}

fn maker_notes(rel: &str) -> Option<Metadata> {
    let data = std::fs::read(corpus()?.join(rel)).ok()?;
    let mut pos = 2;
    let tiff = loop {
        let len = u16_at(&data, pos + 2, Endian::Big)? as usize;
        let body = data.get(pos + 4..pos + 2 + len)?;
        if data[pos + 1] == 0xE1 && body.starts_with(b"Exif\0\0") {
            break &body[6..];
        }
        pos += 2 + len;
    };
    let e = if tiff.starts_with(b"II") {
        Endian::Little
    } else {
        Endian::Big
    };
    let (mut make, mut model, mut exif) = (String::new(), String::new(), 0);
    for (tag, cnt, v) in entries(tiff, u32_at(tiff, 4, e)? as usize, e) {
        match tag {
            0x010F => make = text(tiff, v, cnt),
            0x0110 => model = text(tiff, v, cnt),
            0x8769 => exif = u32_at(tiff, v, e)? as usize,
            _ => {}
        }
    }
    let (_, len, offset) = entries(tiff, exif, e).into_iter().find(|x| x.0 == 0x927C)?;
    let mut meta = Metadata::new(Budget::default());
    let ctx = MakerNoteContext {
        tiff,
        offset,
        len: len as usize,
        endian: e,
        make: &make,
        model: &model,
        file_base: 0,
    };
    parse(&mut meta, &ctx);
    Some(meta)
}

fn check(rel: &str, want: &[(&str, Value)]) {
    let Some(meta) = maker_notes(rel) else {
        eprintln!("corpus file {rel} not available, skipped");
        return;
    };
    for (tag, v) in want {
        assert_eq!(meta.get("makernotes", tag), Some(v), "{rel}: {tag}");
    }
    assert!(
        meta.groups.keys().all(|g| g == "makernotes"),
        "{rel}: only the makernotes group"
    );
}

#[test]
fn canon_powershot_s40() {
    check(
        "jpg/Canon_PowerShot_S40.jpg",
        &[
            ("Quality", json!("Superfine")),
            ("CanonModelID", json!("PowerShot S40")),
            ("FileNumber", json!("117-1771")),
            ("MaxFocalLength", json!("21.3125 mm")),
            ("CameraType", json!("Compact")),
            ("FocusMode", json!("Single")),
        ],
    );
}

#[test]
fn nikon_d300_encrypted_records() {
    check(
        "jpg/tests/32-lens_data.jpeg",
        &[
            ("Quality", json!("Normal")),
            ("Lens", json!("28-300mm f/3.5-5.6")),
            ("ShutterCount", json!(241575)),
            ("MaxFocalLength", json!("302.0 mm")),
            ("CustomSettingsBank", json!("A")),
            ("AFPointSelection", json!("11 Points")),
            ("FocusMode", json!("AF-C")),
        ],
    );
}

#[test]
fn nikon_coolpix_strings() {
    check(
        "jpg/gps/DSCN0029.jpg",
        &[("Quality", json!("Fine")), ("FocusMode", json!("AF-S"))],
    );
}

#[test]
fn apple_iphone_hdr() {
    check(
        "jpg/hdr/iphone_hdr_YES.jpg",
        &[
            ("HDRImageType", json!("HDR Image")),
            ("RunTimeFlags", json!("Valid")),
        ],
    );
}

#[test]
fn fujifilm_and_olympus() {
    check(
        "jpg/Fujifilm_FinePix_E500.jpg",
        &[("Quality", json!("FINE   ")), ("FocusMode", json!("Auto"))],
    );
    check(
        "jpg/tests/42_IndexError.jpg",
        &[
            (
                "SpecialMode",
                json!("Normal, Sequence: 0, Panorama: (none)"),
            ),
            ("ArtFilter", json!("Pin Hole; 2304; 0; 0")),
        ],
    );
}

/// The TIFF block and maker note position of a corpus JPEG.
fn locate(rel: &str) -> Option<(Vec<u8>, usize, usize, Endian, String, String)> {
    let data = std::fs::read(corpus()?.join(rel)).ok()?;
    let mut pos = 2;
    let tiff = loop {
        let len = u16_at(&data, pos + 2, Endian::Big)? as usize;
        let body = data.get(pos + 4..pos + 2 + len)?;
        if data[pos + 1] == 0xE1 && body.starts_with(b"Exif\0\0") {
            break body[6..].to_vec();
        }
        pos += 2 + len;
    };
    let e = if tiff.starts_with(b"II") {
        Endian::Little
    } else {
        Endian::Big
    };
    let (mut make, mut model, mut exif) = (String::new(), String::new(), 0);
    for (tag, cnt, v) in entries(&tiff, u32_at(&tiff, 4, e)? as usize, e) {
        match tag {
            0x010F => make = text(&tiff, v, cnt),
            0x0110 => model = text(&tiff, v, cnt),
            0x8769 => exif = u32_at(&tiff, v, e)? as usize,
            _ => {}
        }
    }
    let (_, len, offset) = entries(&tiff, exif, e)
        .into_iter()
        .find(|x| x.0 == 0x927C)?;
    Some((tiff, offset, len as usize, e, make, model))
}

#[test]
fn damaged_real_maker_notes_never_panic() {
    let files = [
        "jpg/Canon_PowerShot_S40.jpg",
        "jpg/tests/32-lens_data.jpeg",
        "jpg/tests/87_OSError.jpg",
        "jpg/gps/DSCN0029.jpg",
        "jpg/hdr/iphone_hdr_YES.jpg",
        "jpg/hdr/canon_hdr_YES.jpg",
        "jpg/Fujifilm_FinePix_E500.jpg",
        "jpg/tests/42_IndexError.jpg",
        "jpg/Panasonic_DMC-FZ30.jpg",
        "jpg/tests/35-empty.jpg",
        "jpg/exif-org/olympus-c960.jpg",
        "jpg/Reconyx_HC500_Hyperfire.jpg",
    ];
    let mut seed: u32 = 0x9e37_79b9;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for rel in files {
        let Some((tiff, off, len, e, make, model)) = locate(rel) else {
            continue;
        };
        let run = |t: &[u8], l: usize| {
            let mut meta = Metadata::new(Budget::default());
            let ctx = MakerNoteContext {
                tiff: t,
                offset: off,
                len: l,
                endian: e,
                make: &make,
                model: &model,
                file_base: 0,
            };
            parse(&mut meta, &ctx);
        };
        // truncated maker notes (and EXIF blocks cut inside them)
        for cut in (0..len).step_by(len / 40 + 1) {
            run(&tiff, cut);
            run(&tiff[..(off + cut).min(tiff.len())], len);
        }
        // random byte damage inside the maker note
        let rounds: usize = std::env::var("MN_FUZZ_ROUNDS")
            .ok()
            .and_then(|x| x.parse().ok())
            .unwrap_or(40);
        for _ in 0..rounds {
            let mut t = tiff.clone();
            for _ in 0..(1 + rnd() % 8) {
                let i = off + rnd() as usize % len.max(1);
                if let Some(b) = t.get_mut(i) {
                    *b = rnd() as u8;
                }
            }
            run(&t, len);
        }
    }
}
