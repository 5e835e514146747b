use super::*;
use crate::model::{Budget, Metadata};
use serde_json::json;

fn bx(t: &[u8], p: &[u8]) -> Vec<u8> {
    let mut v = ((p.len() + 8) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(t);
    v.extend_from_slice(p);
    v
}
fn fbx(t: &[u8], ver: u8, flags: u32, p: &[u8]) -> Vec<u8> {
    let mut q = vec![ver];
    q.extend_from_slice(&flags.to_be_bytes()[1..]);
    q.extend_from_slice(p);
    bx(t, &q)
}
fn be32v(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_be_bytes()).collect()
}
const CT: u32 = (1_710_498_600u64 + MAC_EPOCH_OFFSET) as u32;
const UNITY: [u32; 9] = [0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x4000_0000];

fn hdlr_box(t: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = vec![0; 4];
    p.extend_from_slice(t);
    p.extend_from_slice(&[0; 12]);
    p.extend_from_slice(name);
    p.push(0);
    fbx(b"hdlr", 0, 0, &p)
}

fn tkhd(id: u32, w: u32, h: u32, vol: u16, m: [u32; 9]) -> Vec<u8> {
    let mut p = be32v(&[CT, CT, id, 0, 12340, 0, 0]);
    p.extend_from_slice(&[0, 0, 0, 0]);
    p.extend_from_slice(&vol.to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend(be32v(&m));
    p.extend(be32v(&[w << 16, h << 16]));
    fbx(b"tkhd", 0, 7, &p)
}

fn mdhd(ts: u32, dur: u32) -> Vec<u8> {
    let mut p = be32v(&[CT, CT, ts, dur]);
    p.extend_from_slice(&[0x15, 0xc7, 0, 0]);
    fbx(b"mdhd", 0, 0, &p)
}

pub(crate) fn sample_mp4() -> Vec<u8> {
    let mut mv = be32v(&[CT, CT + 60, 1000, 12340, 0x10000]);
    mv.extend_from_slice(&[1, 0]);
    mv.extend_from_slice(&[0; 10]);
    mv.extend(be32v(&UNITY));
    mv.extend(be32v(&[0, 0, 0, 0, 0, 0, 3]));
    let mvhd = fbx(b"mvhd", 0, 0, &mv);

    // video track, rotated 90 degrees
    let mut e = vec![0; 6];
    e.extend_from_slice(&[0, 1]);
    e.extend_from_slice(&[0; 16]);
    e.extend_from_slice(&640u16.to_be_bytes());
    e.extend_from_slice(&480u16.to_be_bytes());
    e.extend(be32v(&[72 << 16, 72 << 16, 0]));
    e.extend_from_slice(&[0, 1, 4]);
    e.extend_from_slice(b"test");
    e.extend_from_slice(&[0; 27]);
    e.extend_from_slice(&[0, 24, 0xff, 0xff]);
    e.extend(bx(b"pasp", &be32v(&[1, 1])));
    let mut stsd = be32v(&[1]);
    stsd.extend(bx(b"avc1", &e));
    let stbl = [
        fbx(b"stsd", 0, 0, &stsd),
        fbx(b"stts", 0, 0, &be32v(&[1, 300, 41])),
    ]
    .concat();
    let minf = bx(
        b"minf",
        &[fbx(b"vmhd", 0, 1, &[0; 8]), bx(b"stbl", &stbl)].concat(),
    );
    let rot = [0, 0x10000, 0, 0xffff_0000, 0, 0, 0, 0, 0x4000_0000];
    let vtrak = bx(
        b"trak",
        &[
            tkhd(1, 640, 480, 0, rot),
            bx(
                b"mdia",
                &[
                    mdhd(12288, 151_634),
                    hdlr_box(b"vide", b"VideoHandler"),
                    minf,
                ]
                .concat(),
            ),
        ]
        .concat(),
    );
    // audio track
    let mut a = vec![0; 6];
    a.extend_from_slice(&[0, 1]);
    a.extend_from_slice(&[0; 8]);
    a.extend_from_slice(&[0, 2, 0, 16, 0, 0, 0, 0]);
    a.extend(be32v(&[44100 << 16]));
    let mut astsd = be32v(&[1]);
    astsd.extend(bx(b"mp4a", &a));
    let aminf = bx(
        b"minf",
        &[
            fbx(b"smhd", 0, 0, &[0; 4]),
            bx(b"stbl", &fbx(b"stsd", 0, 0, &astsd)),
        ]
        .concat(),
    );
    let atrak = bx(
        b"trak",
        &[
            tkhd(2, 0, 0, 0x100, UNITY),
            bx(
                b"mdia",
                &[
                    mdhd(44100, 544_194),
                    hdlr_box(b"soun", b"SoundHandler"),
                    aminf,
                ]
                .concat(),
            ),
        ]
        .concat(),
    );
    // udta with ©xyz and an iTunes ilst
    let xyz = b"+48.8577+002.2950/";
    let mut x = (xyz.len() as u16).to_be_bytes().to_vec();
    x.extend_from_slice(&[0x15, 0xc7]);
    x.extend_from_slice(xyz);
    let data = |s: &[u8]| {
        let mut d = be32v(&[1, 0]);
        d.extend_from_slice(s);
        bx(b"data", &d)
    };
    let mut trkn = be32v(&[0, 0]);
    trkn.extend_from_slice(&[0, 0, 0, 3, 0, 12, 0, 0]);
    let ilst = bx(
        b"ilst",
        &[
            bx(b"\xa9too", &data(b"Lavf60.3.100")),
            bx(b"\xa9nam", &data(b"My Title")),
            bx(b"trkn", &bx(b"data", &trkn)),
        ]
        .concat(),
    );
    let udta = bx(
        b"udta",
        &[
            bx(b"\xa9xyz", &x),
            fbx(b"meta", 0, 0, &[hdlr_box(b"mdir", b""), ilst].concat()),
        ]
        .concat(),
    );
    // Apple keys
    let keys = [
        &b"com.apple.quicktime.make"[..],
        b"com.apple.quicktime.model",
        b"com.apple.quicktime.creationdate",
        b"com.apple.quicktime.location.ISO6709",
        b"com.apple.quicktime.software",
    ];
    let vals = [
        &b"Apple"[..],
        b"iPhone 15 Pro",
        b"2024-03-15T10:30:00+0100",
        b"+48.8577+002.2950+035.000/",
        b"17.4",
    ];
    let mut k = be32v(&[keys.len() as u32]);
    for key in keys {
        k.extend(be32v(&[8 + key.len() as u32]));
        k.extend_from_slice(b"mdta");
        k.extend_from_slice(key);
    }
    let mut il = Vec::new();
    for (i, v) in vals.iter().enumerate() {
        il.extend(bx(&(i as u32 + 1).to_be_bytes(), &data(v)));
    }
    let kmeta = bx(
        b"meta",
        &[
            hdlr_box(b"mdta", b""),
            fbx(b"keys", 0, 0, &k),
            bx(b"ilst", &il),
        ]
        .concat(),
    );
    let mut ft = b"isom".to_vec();
    ft.extend(be32v(&[512]));
    ft.extend_from_slice(b"isomiso2avc1mp41");
    [
        bx(b"ftyp", &ft),
        bx(b"moov", &[mvhd, vtrak, atrak, udta, kmeta].concat()),
        bx(b"mdat", &[0; 1000]),
    ]
    .concat()
}

fn run(d: &[u8]) -> Metadata {
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, d);
    m
}

#[test]
fn reads_mp4_like_exiftool() {
    let d = sample_mp4();
    let m = run(&d);
    let q = |t: &str| m.get("quicktime", t).cloned().unwrap_or(json!(null));
    assert_eq!(
        q("MajorBrand"),
        json!("MP4 Base Media v1 [IS0 14496-12:2003]")
    );
    assert_eq!(q("MinorVersion"), json!("0.2.0"));
    assert_eq!(
        q("CompatibleBrands"),
        json!(["isom", "iso2", "avc1", "mp41"])
    );
    assert_eq!(q("CreateDate"), json!("2024:03:15 10:30:00"));
    assert_eq!(q("ModifyDate"), json!("2024:03:15 10:31:00"));
    assert_eq!(q("Duration"), json!("12.34 s"));
    assert_eq!(q("PreferredRate"), json!(1));
    assert_eq!(q("PreferredVolume"), json!("100.00%"));
    assert_eq!(q("NextTrackID"), json!(3));
    assert_eq!(q("TrackID"), json!(1));
    assert_eq!(q("TrackVolume"), json!("0.00%"));
    assert_eq!(q("ImageWidth"), json!(640));
    assert_eq!(q("ImageHeight"), json!(480));
    assert_eq!(q("CompressorID"), json!("avc1"));
    assert_eq!(q("CompressorName"), json!("test"));
    assert_eq!(q("XResolution"), json!(72));
    assert_eq!(q("BitDepth"), json!(24));
    assert_eq!(q("PixelAspectRatio"), json!("1:1"));
    assert_eq!(q("VideoFrameRate"), json!(299.707));
    assert_eq!(q("MediaTimeScale"), json!(44100));
    assert_eq!(q("MediaLanguageCode"), json!("eng"));
    assert_eq!(q("HandlerDescription"), json!("SoundHandler"));
    assert_eq!(q("AudioFormat"), json!("mp4a"));
    assert_eq!(q("AudioChannels"), json!(2));
    assert_eq!(q("AudioSampleRate"), json!(44100));
    assert_eq!(q("Encoder"), json!("Lavf60.3.100"));
    assert_eq!(q("Title"), json!("My Title"));
    assert_eq!(q("TrackNumber"), json!("3 of 12"));
    assert_eq!(q("HandlerType"), json!("Metadata Tags"));
    assert_eq!(q("Make"), json!("Apple"));
    assert_eq!(q("Model"), json!("iPhone 15 Pro"));
    assert_eq!(q("CreationDate"), json!("2024:03:15 10:30:00+01:00"));
    assert_eq!(q("Software"), json!(17.4));
    assert_eq!(
        q("GPSCoordinates"),
        json!("48 deg 51' 27.72\" N, 2 deg 17' 42.00\" E, 35 m Above Sea Level")
    );
    assert_eq!(q("MediaDataSize"), json!(1000));
    let c = |t: &str| m.get("composite", t).cloned().unwrap_or(json!(null));
    assert_eq!(c("Rotation"), json!(90));
    assert_eq!(c("ImageSize"), json!("640x480"));
    assert_eq!(c("AvgBitrate"), json!("648 bps"));
    assert_eq!(c("GPSAltitude"), json!("35 m"));
    assert_eq!(
        c("GPSPosition"),
        json!("48 deg 51' 27.72\" N, 2 deg 17' 42.00\" E")
    );
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let d = sample_mp4();
    for n in 0..d.len() {
        let _ = run(&d[..n]);
    }
}

#[test]
fn garbage_sizes_do_not_panic() {
    let mut d = sample_mp4();
    for i in (0..d.len()).step_by(7) {
        let saved = d[i];
        d[i] = 0xff;
        let _ = run(&d);
        d[i] = 0;
        let _ = run(&d);
        d[i] = saved;
    }
}

#[test]
fn key_names_like_exiftool() {
    assert_eq!(key_name(b"mdta", "com.apple.quicktime.make"), "Make");
    assert_eq!(
        key_name(
            b"mdta",
            "com.apple.quicktime.full-frame-rate-playback-intent"
        ),
        "Full-frame-rate-playback-intent"
    );
    assert_eq!(
        key_name(b"mdta", "com.apple.quicktime.content.identifier"),
        "ContentIdentifier"
    );
    assert_eq!(key_name(b"mdta", "com.android.version"), "AndroidVersion");
    assert_eq!(key_name(b"mdta", "com.apple.quicktime.my_key"), "MyKey");
}

#[test]
fn itunes_freeform_atoms() {
    let data_box = |v: &[u8]| {
        let mut d = be32v(&[1, 0]);
        d.extend_from_slice(v);
        bx(b"data", &d)
    };
    let free = [
        fbx(b"mean", 0, 0, b"com.apple.iTunes"),
        fbx(b"name", 0, 0, b"iTunSMPB"),
        data_box(b" 00000000 00000840 000001F4 0000000000219E0C 00000000 00000000"),
    ]
    .concat();
    let ilst = bx(b"ilst", &bx(b"----", &free));
    let meta_box = fbx(b"meta", 0, 0, &[hdlr_box(b"mdir", b""), ilst].concat());
    let d = [bx(b"moov", &bx(b"udta", &meta_box))].concat();
    let m = run(&d);
    assert_eq!(
        m.get("quicktime", "iTunSMPB"),
        Some(&json!("0 840 1F4 219E0C 0 0"))
    );
}

#[test]
fn international_text_languages() {
    let itext = |entries: &[(&[u8], u16)]| {
        let mut v = Vec::new();
        for (t, l) in entries {
            v.extend_from_slice(&(t.len() as u16).to_be_bytes());
            v.extend_from_slice(&l.to_be_bytes());
            v.extend_from_slice(t);
        }
        v
    };
    let fra: u16 = (6 << 10) | (18 << 5) | 1;
    let udta = bx(
        b"udta",
        &[
            bx(
                b"\xa9nam",
                &itext(&[(b"English title", 0x15c7), (b"Titre", fra)]),
            ),
            bx(b"\xa9cmt", &itext(&[(b"mac fr", 1)])),
            bx(b"\xa9day", &itext(&[(b"2019-05-04T10:00:00+0200", 0)])),
        ]
        .concat(),
    );
    let m = run(&bx(b"moov", &udta));
    let q = |t: &str| m.get("quicktime", t).cloned().unwrap_or(json!(null));
    assert_eq!(q("Title"), json!("English title"));
    assert_eq!(q("Title-fra"), json!("Titre"));
    assert_eq!(q("Comment-fr"), json!("mac fr"));
    // the first language fills in a missing default
    assert_eq!(q("Comment"), json!("mac fr"));
    assert_eq!(q("ContentCreateDate"), json!("2019:05:04 10:00:00+02:00"));
}

#[test]
fn track_aperture_and_clean_aperture() {
    let tapt = bx(
        b"tapt",
        &[
            fbx(b"clef", 0, 0, &be32v(&[1888 << 16, 1062 << 16])),
            fbx(b"enof", 0, 0, &be32v(&[1920 << 16, 1080 << 16])),
        ]
        .concat(),
    );
    let mut e = vec![0; 6];
    e.extend_from_slice(&[0, 1]);
    e.extend_from_slice(&[0; 70]);
    e.extend(bx(
        b"clap",
        &be32v(&[1888, 1, 1062, 1, (-3i32) as u32, 2, 0, 1]),
    ));
    e.extend(bx(b"fiel", &[1, 0]));
    let mut stsd = be32v(&[1]);
    stsd.extend(bx(b"apcn", &e));
    let minf = bx(b"minf", &bx(b"stbl", &fbx(b"stsd", 0, 0, &stsd)));
    let mdia = bx(b"mdia", &[hdlr_box(b"vide", b""), minf].concat());
    let d = bx(b"moov", &bx(b"trak", &[tapt, mdia].concat()));
    let m = run(&d);
    let q = |t: &str| m.get("quicktime", t).cloned().unwrap_or(json!(null));
    assert_eq!(q("CleanApertureDimensions"), json!("1888x1062"));
    assert_eq!(q("EncodedPixelsDimensions"), json!("1920x1080"));
    assert_eq!(q("CleanApertureWidth"), json!(1888));
    assert_eq!(q("CleanApertureOffsetX"), json!(-1.5));
    assert_eq!(q("VideoFieldOrder"), json!("Progressive; 0"));
}

#[test]
fn location_information_and_its_composites() {
    // 3GPP 'loci': flags, language 'und', name, role, lon/lat/alt in 16.16, body, notes
    let mut p = vec![0, 0, 0, 0, 0x55, 0xc4];
    p.extend_from_slice(b"\0");
    p.push(0);
    let fixed = |v: f64| ((v * 65536.0) as i32).to_be_bytes();
    p.extend_from_slice(&fixed(2.2945));
    p.extend_from_slice(&fixed(48.8583));
    p.extend_from_slice(&fixed(-12.5));
    p.extend_from_slice(b"earth\0\0");
    let d = bx(b"moov", &bx(b"udta", &bx(b"loci", &p)));
    let mut m = run(&d);
    assert_eq!(
        m.get("quicktime", "LocationInformation"),
        Some(&json!(
            "(none) Role=shooting Lat=48.85829 Lon=2.29449 Alt=-12.50 Body=earth Notes="
        ))
    );
    crate::formats::composite::compute(&mut m);
    let c = |t: &str| m.get("composite", t).cloned().unwrap_or(json!(null));
    assert_eq!(c("GPSLatitude"), json!("48 deg 51' 29.84\" N"));
    assert_eq!(c("GPSLongitude"), json!("2 deg 17' 40.16\" E"));
    assert_eq!(c("GPSAltitude"), json!("12.5 m"));
    assert_eq!(c("GPSAltitudeRef"), json!("Below Sea Level"));
    assert!(c("GPSPosition").as_str().is_some());
    // too short for the coordinates, and without a terminated name
    assert_eq!(location_information(b"x\0\0\0"), "<err>");
    assert_eq!(location_information(b"abc"), "<err>");
}

#[test]
fn file_type_follows_the_brand() {
    let ftyp = |major: &[u8], compat: &[&[u8]]| {
        let mut p = major.to_vec();
        p.extend_from_slice(&[0, 0, 2, 0]);
        for c in compat {
            p.extend_from_slice(c);
        }
        p
    };
    let t = |p: Vec<u8>| ftyp_file_type(&p);
    assert_eq!(
        t(ftyp(b"M4V ", &[b"M4V ", b"mp42"])).as_deref(),
        Some("M4V")
    );
    assert_eq!(t(ftyp(b"3g2a", &[])).as_deref(), Some("3G2"));
    assert_eq!(t(ftyp(b"qt  ", &[])).as_deref(), Some("MOV"));
    // no extension in the description: a compatible brand after the first decides
    assert_eq!(t(ftyp(b"3gg6", &[b"qt  "])).as_deref(), Some("MP4"));
    assert_eq!(
        t(ftyp(b"abcd", &[b"isom", b"qt  "])).as_deref(),
        Some("MOV")
    );
    assert_eq!(t(ftyp(b"abcd", &[b"qt  "])).as_deref(), Some("MP4"));
    assert_eq!(ftyp_file_type(b"ab"), None);

    let mut m = Metadata::new(Budget::default());
    m.set("file", "FileType", "MP4");
    parse(&mut m, &bx(b"ftyp", &ftyp(b"M4V ", &[b"M4V "])));
    assert_eq!(m.get("file", "FileType"), Some(&json!("M4V")));
    assert_eq!(m.get("file", "FileTypeExtension"), Some(&json!("m4v")));
    assert_eq!(m.get("file", "MIMEType"), Some(&json!("video/x-m4v")));
    // HEIF and the other ISO BMFF kinds keep what detection said
    let mut m = Metadata::new(Budget::default());
    m.set("file", "FileType", "HEIC");
    parse(&mut m, &bx(b"ftyp", &ftyp(b"3g2a", &[])));
    assert_eq!(m.get("file", "FileType"), Some(&json!("HEIC")));
}

#[test]
fn audio_channel_layout_and_wave() {
    // a version-1 sound description with 'wave' (frma, enda) and 'chan' (Stereo, 2 ch)
    let mut e = vec![0; 6];
    e.extend_from_slice(&[0, 1]);
    e.extend_from_slice(&[0, 1, 0, 0]); // version 1
    e.extend_from_slice(&[0; 4]);
    e.extend_from_slice(&[0, 2, 0, 16, 0, 0, 0, 0]);
    e.extend(be32v(&[44100 << 16]));
    e.extend_from_slice(&[0; 16]); // version 1 fields
    let wave = bx(
        b"wave",
        &[bx(b"frma", b"in24"), bx(b"enda", &[0, 1])].concat(),
    );
    e.extend(wave);
    e.extend(fbx(b"chan", 0, 0, &be32v(&[(101 << 16) | 2, 0, 0])));
    let mut stsd = be32v(&[1]);
    stsd.extend(bx(b"in24", &e));
    let minf = bx(b"minf", &bx(b"stbl", &fbx(b"stsd", 0, 0, &stsd)));
    let mdia = bx(b"mdia", &[hdlr_box(b"soun", b""), minf].concat());
    let m = run(&bx(b"moov", &bx(b"trak", &mdia)));
    let q = |t: &str| m.get("quicktime", t).cloned().unwrap_or(json!(null));
    assert_eq!(q("PurchaseFileFormat"), json!("in24"));
    assert_eq!(q("Endianness"), json!("Little-endian (Intel, II)"));
    assert_eq!(q("LayoutFlags"), json!("Stereo"));
    assert_eq!(q("AudioChannels"), json!(2));
    let mut m = Metadata::new(Budget::default());
    channel_layout(&mut m, &be32v(&[0, 1 << 16, 0b101, 0]));
    assert_eq!(m.get("quicktime", "LayoutFlags"), Some(&json!("UseBitmap")));
    assert_eq!(
        m.get("quicktime", "AudioChannelTypes"),
        Some(&json!("Left, Center"))
    );
    assert_eq!(
        m.get("quicktime", "NumChannelDescriptions"),
        Some(&json!(0))
    );
}
