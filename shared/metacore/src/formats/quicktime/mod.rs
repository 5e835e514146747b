//! QuickTime/MP4/M4A/3GP atoms (ExifTool's QuickTime.pm): ftyp, mvhd, tkhd, mdhd, hdlr,
//! stsd, stts, udta, meta/keys/ilst and the XMP uuid box. Only box headers and metadata
//! boxes are read; media data (`mdat`) is measured, never loaded.

pub mod conv;

use crate::bytes::{be16, be32, be64, sub, text};
use crate::formats::bmff::{BoxHeader, Boxes, MAX_DEPTH};
use crate::model::Metadata;
use conv::*;
use serde_json::Value;

const G: &str = "quicktime";
const XMP_UUID: [u8; 16] = [
    0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
];

#[derive(Default)]
struct State {
    /// Movie time scale (mvhd), for Duration-like tags.
    timescale: Option<u32>,
    duration: Option<f64>,
    /// Media time scale of the current track (mdhd).
    media_ts: u32,
    /// Handler type of the current track (not 'alis'/'url ').
    handler: [u8; 4],
    /// Matrix of the current track's tkhd.
    track_matrix: Option<[f64; 9]>,
    rotation_done: bool,
    mdat_size: u64,
    have_mdat: bool,
    gps: Option<(f64, f64, Option<f64>)>,
    width: u64,
    height: u64,
    boxes: usize,
    /// Language-variant tags found, as (variant name, default name), for ExifTool's
    /// "fill in missing defaults for alternate language tags".
    lang_tags: Vec<(String, String)>,
    major_brand: Option<[u8; 4]>,
    has_soun: bool,
    has_vide: bool,
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut st = State::default();
    walk(meta, data, 0, data.len(), 0, &mut st, Ctx::Top);
    for (variant, base) in std::mem::take(&mut st.lang_tags) {
        if meta.get(G, &base).is_none() {
            if let Some(v) = meta.get(G, &variant).cloned() {
                meta.set(G, &base, v);
            }
        }
    }
    // an "iso*"/"dash" MP4 with sound but no video is an M4A
    if st.has_soun
        && !st.has_vide
        && st
            .major_brand
            .is_some_and(|b| b.starts_with(b"iso") || b.starts_with(b"dash"))
        && meta.get("file", "FileType").and_then(|v| v.as_str()) == Some("MP4")
    {
        meta.set("file", "FileType", "M4A");
        meta.set("file", "FileTypeExtension", "m4a");
        meta.set("file", "MIMEType", "audio/mp4");
    }
    // Composite tags ExifTool derives from QuickTime tags.
    if st.width > 0 && st.height > 0 {
        add_image_size(meta, st.width, st.height);
    }
    if st.have_mdat {
        if let Some(d) = st.duration.filter(|d| *d > 0.0) {
            let br = ((st.mdat_size as f64) * 8.0 / d + 0.5).floor();
            meta.add("composite", "AvgBitrate", bitrate(br));
        }
    }
    if let Some((lat, lon, alt)) = st.gps {
        add_gps_composites(meta, lat, lon, alt);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Top,
    Moov,
    Trak,
    Mdia,
    Minf,
    Stbl,
    Udta,
    Gmhd,
}

fn walk(
    meta: &mut Metadata,
    data: &[u8],
    start: usize,
    end: usize,
    depth: usize,
    st: &mut State,
    ctx: Ctx,
) {
    if depth > MAX_DEPTH {
        meta.warn("QuickTime atoms nested too deeply");
        return;
    }
    let mut it = Boxes::range(data, start, end);
    for b in it.by_ref() {
        st.boxes += 1;
        if st.boxes > 100_000 || meta.budget.exceeded() {
            meta.warn("Too many QuickTime atoms");
            return;
        }
        let p = b.payload(data);
        let pstart = b.start + b.header_len;
        match (ctx, &b.kind) {
            (Ctx::Top, b"ftyp") => {
                if let Some(b) = p.get(0..4) {
                    st.major_brand = Some([b[0], b[1], b[2], b[3]]);
                }
                ftyp(meta, p)
            }
            (Ctx::Top, b"moov") => walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Moov),
            (Ctx::Top, b"mdat") => {
                let declared = declared_size(data, &b);
                let size = declared.saturating_sub(b.header_len as u64);
                st.mdat_size = st.mdat_size.saturating_add(size);
                st.have_mdat = true;
                meta.set(G, "MediaDataSize", size);
                meta.set(G, "MediaDataOffset", pstart as u64);
            }
            (Ctx::Top | Ctx::Moov | Ctx::Trak | Ctx::Udta, b"uuid")
                if p.get(..16) == Some(&XMP_UUID[..]) =>
            {
                crate::formats::xmp::parse(meta, &p[16..]);
            }
            (Ctx::Top | Ctx::Moov | Ctx::Trak | Ctx::Udta, b"meta") => {
                meta_box(meta, data, &b, depth + 1, st)
            }
            (Ctx::Top | Ctx::Moov | Ctx::Trak, b"udta") => {
                walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Udta)
            }
            (Ctx::Moov, b"mvhd") => mvhd(meta, p, st),
            (Ctx::Moov, b"trak") => {
                st.track_matrix = None;
                st.handler = [0; 4];
                walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Trak)
            }
            (Ctx::Trak, b"tkhd") => tkhd(meta, p, st),
            (Ctx::Trak, b"tapt") => {
                for c in Boxes::range(data, pstart, b.end) {
                    let name = match &c.kind {
                        b"clef" => "CleanApertureDimensions",
                        b"prof" => "ProductionApertureDimensions",
                        b"enof" => "EncodedPixelsDimensions",
                        _ => continue,
                    };
                    let q = c.payload(data);
                    // flags word, then width and height as 16.16 fixed point
                    if let (Some(w), Some(h)) = (be32(q, 4), be32(q, 8)) {
                        let f = |v: u32| perl_num(v as f64 / 65536.0);
                        meta.set(G, name, format!("{}x{}", f(w), f(h)));
                    }
                }
            }
            (Ctx::Trak, b"mdia") => walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Mdia),
            (Ctx::Mdia, b"mdhd") => mdhd(meta, p, st),
            (Ctx::Mdia | Ctx::Minf, b"hdlr") => hdlr(meta, p, st, true),
            (Ctx::Mdia, b"minf") => walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Minf),
            (Ctx::Minf, b"vmhd") => vmhd(meta, p),
            (Ctx::Minf, b"smhd") => {
                if let Some(v) = be16(p, 4) {
                    meta.set(G, "Balance", num(v as i16 as f64 / 256.0));
                }
            }
            (Ctx::Minf, b"gmhd") => walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Gmhd),
            (Ctx::Gmhd, b"gmin") => {
                if let Some(&v) = p.first() {
                    meta.set(G, "GenMediaVersion", v as u64);
                }
                if let Some(f) = p.get(1..4) {
                    meta.set(G, "GenFlags", format!("{} {} {}", f[0], f[1], f[2]));
                }
                if let Some(g) = be16(p, 4) {
                    meta.set(G, "GenGraphicsMode", graphics_mode(g));
                }
                if let (Some(a), Some(b), Some(c)) = (be16(p, 6), be16(p, 8), be16(p, 10)) {
                    meta.set(G, "GenOpColor", format!("{a} {b} {c}"));
                }
                if let Some(v) = be16(p, 12) {
                    meta.set(G, "GenBalance", num(v as i16 as f64 / 256.0));
                }
            }
            (Ctx::Minf, b"stbl") => walk(meta, data, pstart, b.end, depth + 1, st, Ctx::Stbl),
            (Ctx::Stbl, b"stsd") => stsd(meta, data, pstart, b.end, depth + 1, st),
            (Ctx::Stbl, b"stts") => stts(meta, p, st),
            (Ctx::Udta, b"XMP_") => crate::formats::xmp::parse(meta, p),
            (Ctx::Udta, k) => user_data(meta, k, p, st),
            _ => {}
        }
    }
    if it.truncated && depth == 0 {
        meta.warn("Truncated QuickTime atom");
    }
}

/// The size an atom declares (an `mdat` may extend past the end of a truncated file).
fn declared_size(data: &[u8], b: &BoxHeader) -> u64 {
    match be32(data, b.start) {
        Some(1) => be64(data, b.start + 8).unwrap_or((b.end - b.start) as u64),
        Some(0) | None => (b.end - b.start) as u64,
        Some(n) => n as u64,
    }
}

fn fourcc(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

fn major_brand(b: &str) -> Option<&'static str> {
    Some(match b {
        "3g2a" => "3GPP2 Media (.3G2) compliant with 3GPP2 C.S0050-0 V1.0",
        "3g2b" => "3GPP2 Media (.3G2) compliant with 3GPP2 C.S0050-A V1.0.0",
        "3g2c" => "3GPP2 Media (.3G2) compliant with 3GPP2 C.S0050-B v1.0",
        "3ge6" => "3GPP (.3GP) Release 6 MBMS Extended Presentations",
        "3ge7" => "3GPP (.3GP) Release 7 MBMS Extended Presentations",
        "3gg6" => "3GPP Release 6 General Profile",
        "3gp1" => "3GPP Media (.3GP) Release 1 (probably non-existent)",
        "3gp2" => "3GPP Media (.3GP) Release 2 (probably non-existent)",
        "3gp3" => "3GPP Media (.3GP) Release 3 (probably non-existent)",
        "3gp4" => "3GPP Media (.3GP) Release 4",
        "3gp5" => "3GPP Media (.3GP) Release 5",
        "3gp6" => "3GPP Media (.3GP) Release 6 Streaming Servers",
        "3gs7" => "3GPP Media (.3GP) Release 7 Streaming Servers",
        "aax " => "Audible Enhanced Audiobook (.AAX)",
        "avc1" => "MP4 Base w/ AVC ext [ISO 14496-12:2005]",
        "CAEP" => "Canon Digital Camera",
        "caqv" => "Casio Digital Camera",
        "CDes" => "Convergent Design",
        "dmpf" => "Digital Media Project",
        "drc1" => "Dirac (wavelet compression), encapsulated in ISO base media (MP4)",
        "dvr1" => "DVB (.DVB) over RTP",
        "dvt1" => "DVB (.DVB) over MPEG-2 Transport Stream",
        "F4A " => "Audio for Adobe Flash Player 9+ (.F4A)",
        "F4B " => "Audio Book for Adobe Flash Player 9+ (.F4B)",
        "F4P " => "Protected Video for Adobe Flash Player 9+ (.F4P)",
        "F4V " => "Video for Adobe Flash Player 9+ (.F4V)",
        "isc2" => "ISMACryp 2.0 Encrypted File",
        "iso2" => "MP4 Base Media v2 [ISO 14496-12:2005]",
        "iso3" => "MP4 Base Media v3",
        "iso4" => "MP4 Base Media v4",
        "iso5" => "MP4 Base Media v5",
        "iso6" => "MP4 Base Media v6",
        "iso7" => "MP4 Base Media v7",
        "iso8" => "MP4 Base Media v8",
        "iso9" => "MP4 Base Media v9",
        "isom" => "MP4 Base Media v1 [IS0 14496-12:2003]",
        "JP2 " => "JPEG 2000 Image (.JP2) [ISO 15444-1 ?]",
        "jpm " => "JPEG 2000 Compound Image (.JPM) [ISO 15444-6]",
        "jpx " => "JPEG 2000 with extensions (.JPX) [ISO 15444-2]",
        "KDDI" => "3GPP2 EZmovie for KDDI 3G cellphones",
        "M4A " => "Apple iTunes AAC-LC (.M4A) Audio",
        "M4B " => "Apple iTunes AAC-LC (.M4B) Audio Book",
        "M4P " => "Apple iTunes AAC-LC (.M4P) AES Protected Audio",
        "M4V " => "Apple iTunes Video (.M4V) Video",
        "M4VH" => "Apple TV (.M4V)",
        "M4VP" => "Apple iPhone (.M4V)",
        "mj2s" => "Motion JPEG 2000 [ISO 15444-3] Simple Profile",
        "mjp2" => "Motion JPEG 2000 [ISO 15444-3] General Profile",
        "mmp4" => "MPEG-4/3GPP Mobile Profile (.MP4/3GP) (for NTT)",
        "mp21" => "MPEG-21 [ISO/IEC 21000-9]",
        "mp41" => "MP4 v1 [ISO 14496-1:ch13]",
        "mp42" => "MP4 v2 [ISO 14496-14]",
        "mp71" => "MP4 w/ MPEG-7 Metadata [per ISO 14496-12]",
        "MPPI" => "Photo Player, MAF [ISO/IEC 23000-3]",
        "mqt " => "Sony / Mobile QuickTime (.MQV) US Patent 7,477,830 (Sony Corp)",
        "MSNV" => "MPEG-4 (.MP4) for SonyPSP",
        "NDAS" => "MP4 v2 [ISO 14496-14] Nero Digital AAC Audio",
        "NDSC" => "MPEG-4 (.MP4) Nero Cinema Profile",
        "NDSH" => "MPEG-4 (.MP4) Nero HDTV Profile",
        "NDSM" => "MPEG-4 (.MP4) Nero Mobile Profile",
        "NDSP" => "MPEG-4 (.MP4) Nero Portable Profile",
        "NDSS" => "MPEG-4 (.MP4) Nero Standard Profile",
        "NDXC" => "H.264/MPEG-4 AVC (.MP4) Nero Cinema Profile",
        "NDXH" => "H.264/MPEG-4 AVC (.MP4) Nero HDTV Profile",
        "NDXM" => "H.264/MPEG-4 AVC (.MP4) Nero Mobile Profile",
        "NDXP" => "H.264/MPEG-4 AVC (.MP4) Nero Portable Profile",
        "NDXS" => "H.264/MPEG-4 AVC (.MP4) Nero Standard Profile",
        "odcf" => "OMA DCF DRM Format 2.0 (OMA-TS-DRM-DCF-V2_0-20060303-A)",
        "opf2" => "OMA PDCF DRM Format 2.1 (OMA-TS-DRM-DCF-V2_1-20070724-C)",
        "opx2" => "OMA PDCF DRM + XBS extensions (OMA-TS-DRM_XBS-V1_0-20070529-C)",
        "pana" => "Panasonic Digital Camera",
        "qt  " => "Apple QuickTime (.MOV/QT)",
        "ROSS" => "Ross Video",
        "sdv " => "SD Memory Card Video",
        "ssc1" => "Samsung stereoscopic, single stream",
        "ssc2" => "Samsung stereoscopic, dual stream",
        "XAVC" => "Sony XAVC",
        "heic" => "High Efficiency Image Format HEVC still image (.HEIC)",
        "hevc" => "High Efficiency Image Format HEVC sequence (.HEICS)",
        "mif1" => "High Efficiency Image Format still image (.HEIF)",
        "msf1" => "High Efficiency Image Format sequence (.HEIFS)",
        "heix" => "High Efficiency Image Format still image (.HEIF)",
        "avif" => "AV1 Image File Format (.AVIF)",
        "crx " => "Canon Raw (.CRX)",
        _ => return None,
    })
}

fn ftyp(meta: &mut Metadata, p: &[u8]) {
    if let Some(m) = p.get(0..4) {
        let s = fourcc(m);
        let v = major_brand(&s)
            .map(str::to_string)
            .unwrap_or_else(|| s.clone());
        meta.set(G, "MajorBrand", v);
    }
    if let Some(v) = p.get(4..8) {
        meta.set(
            G,
            "MinorVersion",
            format!(
                "{:x}.{:x}.{:x}",
                u16::from_be_bytes([v[0], v[1]]),
                v[2],
                v[3]
            ),
        );
    }
    if p.len() > 8 {
        let list: Vec<Value> = p[8..]
            .chunks_exact(4)
            .filter(|c| !c.contains(&0))
            .map(|c| Value::String(fourcc(c)))
            .collect();
        meta.set(G, "CompatibleBrands", Value::Array(list));
    }
    // The File tags follow the brand as in QuickTime.pm's ProcessMOV (detection only tells
    // the QuickTime family from HEIF, CR3...).
    let current = meta.get("file", "FileType").and_then(|v| v.as_str());
    if matches!(current, Some("MP4" | "MOV" | "M4A" | "3GP")) {
        if let Some(t) = ftyp_file_type(p) {
            if current != Some(t.as_str()) {
                let mime = match t.as_str() {
                    "3G2" => "video/3gpp2",
                    "3GP" => "video/3gpp",
                    "M4A" | "M4B" | "M4P" | "F4A" | "F4B" => "audio/mp4",
                    "M4V" => "video/x-m4v",
                    "MOV" | "MQV" => "video/quicktime",
                    "AAX" => "audio/vnd.audible.aax",
                    "DVB" => "video/vnd.dvb.file",
                    _ => "video/mp4",
                };
                meta.set("file", "FileTypeExtension", t.to_ascii_lowercase());
                meta.set("file", "MIMEType", mime);
                meta.set("file", "FileType", t);
            }
        }
    }
}

/// QuickTime.pm's file type for an `ftyp` payload: the extension named in the major
/// brand's description ("Apple iTunes Video (.M4V) Video" -> M4V), else MP4, F4V or MOV
/// from a compatible brand after the first, else MP4. `None` for a payload under 4 bytes
/// (ExifTool needs a 12-byte atom).
fn ftyp_file_type(p: &[u8]) -> Option<String> {
    let major = fourcc(p.get(0..4)?);
    if let Some(desc) = major_brand(&major) {
        if let Some(at) = desc.find("(.") {
            let ext: String = desc[at + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !ext.is_empty() {
                return Some(ext);
            }
        }
    }
    let compat: Vec<&[u8]> = p.get(12..).unwrap_or(&[]).chunks_exact(4).collect();
    let has = |b: &[u8]| compat.contains(&b);
    Some(if has(b"mp41") || has(b"mp42") || has(b"avc1") {
        "MP4".into()
    } else if has(b"f4v ") {
        "F4V".into()
    } else if has(b"qt  ") {
        "MOV".into()
    } else {
        "MP4".into()
    })
}

fn duration_value(v: u64, ts: Option<u32>) -> Value {
    match ts {
        Some(ts) if ts != 0 => Value::String(duration(v as f64 / ts as f64)),
        _ => Value::from(v),
    }
}

fn matrix(p: &[u8], off: usize) -> Option<[f64; 9]> {
    let mut m = [0f64; 9];
    for (i, slot) in m.iter_mut().enumerate() {
        let raw = be32(p, off + i * 4)? as i32 as f64;
        *slot = if i % 3 == 2 {
            raw / 1_073_741_824.0
        } else {
            raw / 65536.0
        };
    }
    Some(m)
}

fn matrix_str(m: &[f64; 9]) -> String {
    m.iter().map(|v| perl_num(*v)).collect::<Vec<_>>().join(" ")
}

fn mvhd(meta: &mut Metadata, p: &[u8], st: &mut State) {
    let Some(ver) = p.first().copied() else {
        return;
    };
    meta.set(G, "MovieHeaderVersion", ver as u64);
    let (create, modify, ts, dur, rest) = if ver == 1 {
        (be64(p, 4), be64(p, 12), be32(p, 20), be64(p, 24), 32usize)
    } else {
        (
            be32(p, 4).map(u64::from),
            be32(p, 8).map(u64::from),
            be32(p, 12),
            be32(p, 16).map(u64::from),
            20usize,
        )
    };
    if let Some(c) = create {
        meta.set(G, "CreateDate", mac_time(c));
    }
    if let Some(m) = modify {
        meta.set(G, "ModifyDate", mac_time(m));
    }
    if let Some(ts) = ts {
        st.timescale = Some(ts);
        meta.set(G, "TimeScale", ts as u64);
    }
    if let Some(d) = dur {
        meta.set(G, "Duration", duration_value(d, st.timescale));
        st.duration = Some(match st.timescale {
            Some(ts) if ts != 0 => d as f64 / ts as f64,
            _ => d as f64,
        });
    }
    if let Some(r) = be32(p, rest) {
        meta.set(G, "PreferredRate", num(r as f64 / 65536.0));
    }
    if let Some(v) = be16(p, rest + 4) {
        meta.set(
            G,
            "PreferredVolume",
            format!("{:.2}%", v as f64 / 256.0 * 100.0),
        );
    }
    if let Some(m) = matrix(p, rest + 16) {
        meta.set(G, "MatrixStructure", matrix_str(&m));
    }
    let names = [
        "PreviewTime",
        "PreviewDuration",
        "PosterTime",
        "SelectionTime",
        "SelectionDuration",
        "CurrentTime",
    ];
    for (i, n) in names.iter().enumerate() {
        if let Some(v) = be32(p, rest + 52 + i * 4) {
            meta.set(G, n, duration_value(v as u64, st.timescale));
        }
    }
    if let Some(v) = be32(p, rest + 76) {
        meta.set(G, "NextTrackID", v as u64);
    }
}

fn fix_wrong_format(v: u32) -> Option<u64> {
    if v == 0 {
        None
    } else if v & 0xfff0_0000 != 0 {
        Some((v >> 16) as u64)
    } else {
        Some(v as u64)
    }
}

fn tkhd(meta: &mut Metadata, p: &[u8], st: &mut State) {
    let Some(ver) = p.first().copied() else {
        return;
    };
    // Priority 0 in ExifTool: the first track's values are kept.
    meta.add(G, "TrackHeaderVersion", ver as u64);
    let x = if ver == 1 { 12 } else { 0 };
    let (create, modify, id, dur) = if ver == 1 {
        (be64(p, 4), be64(p, 12), be32(p, 20), be64(p, 28))
    } else {
        (
            be32(p, 4).map(u64::from),
            be32(p, 8).map(u64::from),
            be32(p, 12),
            be32(p, 20).map(u64::from),
        )
    };
    if let Some(c) = create {
        meta.add(G, "TrackCreateDate", mac_time(c));
    }
    if let Some(m) = modify {
        meta.add(G, "TrackModifyDate", mac_time(m));
    }
    if let Some(id) = id {
        meta.add(G, "TrackID", id as u64);
    }
    if let Some(d) = dur {
        meta.add(G, "TrackDuration", duration_value(d, st.timescale));
    }
    if let Some(l) = be16(p, 32 + x) {
        meta.add(G, "TrackLayer", l as u64);
    }
    if let Some(v) = be16(p, 36 + x) {
        meta.add(
            G,
            "TrackVolume",
            format!("{:.2}%", v as f64 / 256.0 * 100.0),
        );
    }
    if let Some(m) = matrix(p, 40 + x) {
        meta.set(G, "MatrixStructure", matrix_str(&m));
        st.track_matrix = Some(m);
    }
    let w = be32(p, 76 + x).and_then(fix_wrong_format);
    let h = be32(p, 80 + x).and_then(fix_wrong_format);
    if let Some(w) = w {
        meta.add(G, "ImageWidth", w);
        if st.width == 0 {
            st.width = w;
        }
    }
    if let Some(h) = h {
        meta.add(G, "ImageHeight", h);
        if st.height == 0 {
            st.height = h;
        }
    }
}

/// Font.pm's Macintosh language codes.
fn mac_lang(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "en",
        1 => "fr",
        2 => "de",
        3 => "it",
        4 => "nl-NL",
        5 => "sv",
        6 => "es",
        7 => "da",
        8 => "pt",
        9 => "no",
        10 => "he",
        11 => "ja",
        12 => "ar",
        13 => "fi",
        14 => "el",
        15 => "is",
        16 => "mt",
        17 => "tr",
        18 => "hr",
        19 => "zh-TW",
        20 => "ur",
        21 => "hi",
        22 => "th",
        23 => "ko",
        24 => "lt",
        25 => "pl",
        26 => "hu",
        27 => "et",
        28 => "lv",
        29 => "smi",
        30 => "fo",
        31 => "fa",
        32 => "ru",
        33 => "zh-CN",
        34 => "nl-BE",
        35 => "ga",
        36 => "sq",
        37 => "ro",
        38 => "cs",
        39 => "sk",
        40 => "sl",
        41 => "yi",
        42 => "sr",
        43 => "mk",
        44 => "bg",
        45 => "uk",
        46 => "be",
        47 => "uz",
        48 => "kk",
        49 => "az",
        50 => "az",
        51 => "hy",
        52 => "ka",
        53 => "ro",
        54 => "ky",
        55 => "tg",
        56 => "tk",
        57 => "mn-MN",
        58 => "mn-CN",
        59 => "ps",
        60 => "ku",
        61 => "ks",
        62 => "sd",
        63 => "bo",
        64 => "ne",
        65 => "sa",
        66 => "mr",
        67 => "bn",
        68 => "as",
        69 => "gu",
        70 => "pa",
        71 => "or",
        72 => "ml",
        73 => "kn",
        74 => "ta",
        75 => "te",
        76 => "si",
        77 => "my",
        78 => "km",
        79 => "lo",
        80 => "vi",
        81 => "id",
        82 => "tl",
        83 => "ms-MY",
        84 => "ms-BN",
        85 => "am",
        86 => "ti",
        87 => "om",
        88 => "so",
        89 => "sw",
        90 => "rw",
        91 => "rn",
        92 => "ny",
        93 => "mg",
        94 => "eo",
        128 => "cy",
        129 => "eu",
        130 => "ca",
        131 => "la",
        132 => "qu",
        133 => "gn",
        134 => "ay",
        135 => "tt",
        136 => "ug",
        137 => "dz",
        138 => "jv",
        139 => "su",
        140 => "gl",
        141 => "af",
        142 => "br",
        144 => "gd",
        145 => "gv",
        146 => "ga",
        147 => "to",
        148 => "el",
        149 => "kl",
        150 => "az",
        _ => return None,
    })
}

fn mac_language(code: u16) -> String {
    mac_lang(code)
        .map(str::to_string)
        .unwrap_or_else(|| format!("Unknown ({code})"))
}

/// ExifTool's UnpackLang: a packed ISO 639-2 code, `None` for the default (und/eng).
fn unpack_lang(l: u16) -> Option<String> {
    if l == 0 {
        return None;
    }
    let s: String = [10u16, 5, 0]
        .iter()
        .map(|sh| (((l >> sh) & 0x1f) as u8 + 0x60) as char)
        .collect();
    if s.chars().all(|c| c.is_ascii_lowercase()) {
        if s == "und" || s == "eng" {
            None
        } else {
            Some(s)
        }
    } else {
        Some("err".into())
    }
}

/// Decodes a QuickTime international text entry and its language suffix.
fn itext(str_raw: &[u8], lang: u16) -> (String, Option<String>) {
    if (lang < 0x400 || lang == 0x7fff) && !str_raw.starts_with(&[0xfe, 0xff]) {
        let l = match lang {
            0 => None,
            0x7fff => Some("un".to_string()),
            n => {
                Some(mac_lang(n).map(str::to_string).unwrap_or_default()).filter(|x| !x.is_empty())
            }
        };
        (text_trim_nulls(str_raw), l)
    } else {
        let l = unpack_lang(lang & 0x7fff);
        let s = if let Some(u) = str_raw.strip_prefix(&[0xfe, 0xff]) {
            let w: Vec<u16> = u
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&w)
                .trim_end_matches('\0')
                .to_string()
        } else {
            text_trim_nulls(str_raw)
        };
        (s, l)
    }
}

/// UTF-8 (else Latin-1) text with trailing NULs removed (not truncated at the first NUL).
fn text_trim_nulls(raw: &[u8]) -> String {
    let mut end = raw.len();
    while end > 0 && raw[end - 1] == 0 {
        end -= 1;
    }
    let r = &raw[..end];
    match std::str::from_utf8(r) {
        Ok(s) => s.to_string(),
        Err(_) => r.iter().map(|&b| b as char).collect(),
    }
}

fn mdhd(meta: &mut Metadata, p: &[u8], st: &mut State) {
    let Some(vf) = be32(p, 0) else {
        return;
    };
    let ver = p[0];
    meta.set(G, "MediaHeaderVersion", vf as u64);
    let (create, modify, ts, dur, x) = if ver == 1 {
        (be64(p, 4), be64(p, 12), be32(p, 20), be64(p, 24), 12)
    } else {
        (
            be32(p, 4).map(u64::from),
            be32(p, 8).map(u64::from),
            be32(p, 12),
            be32(p, 16).map(u64::from),
            0,
        )
    };
    if let Some(c) = create {
        meta.set(G, "MediaCreateDate", mac_time(c));
    }
    if let Some(m) = modify {
        meta.set(G, "MediaModifyDate", mac_time(m));
    }
    if let Some(ts) = ts {
        st.media_ts = ts;
        meta.set(G, "MediaTimeScale", ts as u64);
    }
    if let Some(d) = dur {
        let v = if st.media_ts != 0 {
            Value::String(duration(d as f64 / st.media_ts as f64))
        } else {
            Value::from(d)
        };
        meta.set(G, "MediaDuration", v);
    }
    if let Some(l) = be16(p, 20 + x) {
        if l != 0 {
            let v = if l < 0x400 || l == 0x7fff {
                mac_language(l)
            } else {
                [10u16, 5, 0]
                    .iter()
                    .map(|s| (((l >> s) & 0x1f) as u8 + 0x60) as char)
                    .collect()
            };
            meta.set(G, "MediaLanguageCode", v);
        }
    }
}

fn vendor_id(v: &str) -> String {
    match v {
        "appl" => "Apple",
        "fe20" => "Olympus (fe20)",
        "FFMP" => "FFmpeg",
        "GIC " => "General Imaging Co.",
        "kdak" => "Kodak",
        "KMPI" => "Konica-Minolta",
        "leic" => "Leica",
        "mino" => "Minolta",
        "niko" | "NIKO" => "Nikon",
        "olym" => "Olympus",
        "pana" => "Panasonic",
        "pent" => "Pentax",
        "pr01" => "Olympus (pr01)",
        "sany" => "Sanyo",
        "SMI " => "Sorenson Media Inc.",
        "ZORA" => "Zoran Corporation",
        "AR.D" => "Parrot AR.Drone",
        " KD " => "Kodak",
        other => return other.to_string(),
    }
    .to_string()
}

/// A C string, or a Pascal string when the first byte is a plausible length.
fn pascal_or_c(raw: &[u8]) -> Option<String> {
    let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
    let mut s = &raw[..end];
    if let Some(&n) = s.first() {
        if n < 0x20 && (n as usize) < s.len() {
            s = &s[1..1 + n as usize];
        }
    }
    let t = text(s);
    if t.is_empty() {
        None
    } else {
        Some(t)
    }
}

fn hdlr(meta: &mut Metadata, p: &[u8], st: &mut State, track: bool) {
    if let Some(c) = p.get(4..8) {
        if c != [0, 0, 0, 0] {
            let v = match c {
                b"mhlr" => "Media Handler".to_string(),
                b"dhlr" => "Data Handler".to_string(),
                _ => fourcc(c),
            };
            meta.set(G, "HandlerClass", v);
        }
    }
    if let Some(t) = p.get(8..12) {
        if t == b"soun" {
            st.has_soun = true;
        }
        if t == b"vide" {
            st.has_vide = true;
        }
        if track && t != b"alis" && t != b"url " {
            st.handler.copy_from_slice(t);
            if t == b"vide" && !st.rotation_done {
                if let Some(m) = st.track_matrix {
                    st.rotation_done = true;
                    if !(m[0] == 0.0 && m[1] == 0.0) {
                        // ExifTool divides by 3.14159, not by pi
                        #[allow(clippy::approx_constant)]
                        let mut a = m[1].atan2(m[0]) * 180.0 / 3.14159;
                        if a < 0.0 {
                            a += 360.0;
                        }
                        let r = (a * 1000.0 + 0.5).floor() / 1000.0;
                        meta.add("composite", "Rotation", num(r));
                    }
                }
            }
        }
        let v = match t {
            b"alis" => "Alias Data",
            b"crsm" => "Clock Reference",
            b"hint" => "Hint Track",
            b"ipsm" => "IPMP",
            b"m7sm" => "MPEG-7 Stream",
            b"meta" => "NRT Metadata",
            b"mdir" => "Metadata",
            b"mdta" => "Metadata Tags",
            b"mjsm" => "MPEG-J",
            b"ocsm" => "Object Content",
            b"odsm" => "Object Descriptor",
            b"priv" => "Private",
            b"sdsm" => "Scene Description",
            b"soun" => "Audio Track",
            b"text" => "Text",
            b"tmcd" => "Time Code",
            b"url " => "URL",
            b"vide" => "Video Track",
            b"subp" => "Subpicture",
            b"nrtm" => "Non-Real Time Metadata",
            b"pict" => "Picture",
            b"camm" => "Camera Metadata",
            b"psmd" => "Panasonic Static Metadata",
            b"data" => "Data",
            b"sbtl" => "Subtitle",
            _ => "",
        };
        let v = if v.is_empty() {
            fourcc(t)
        } else {
            v.to_string()
        };
        meta.set(G, "HandlerType", v);
    }
    if let Some(v) = p.get(12..16) {
        if v != [0, 0, 0, 0] {
            meta.set(G, "HandlerVendorID", vendor_id(&text(v)));
        }
    }
    if let Some(d) = p.get(24..) {
        if let Some(s) = pascal_or_c(d) {
            meta.set(G, "HandlerDescription", s);
        }
    }
}

fn graphics_mode(v: u16) -> String {
    match v {
        0x00 => "srcCopy",
        0x01 => "srcOr",
        0x02 => "srcXor",
        0x03 => "srcBic",
        0x04 => "notSrcCopy",
        0x05 => "notSrcOr",
        0x06 => "notSrcXor",
        0x07 => "notSrcBic",
        0x08 => "patCopy",
        0x09 => "patOr",
        0x0a => "patXor",
        0x0b => "patBic",
        0x0c => "notPatCopy",
        0x0d => "notPatOr",
        0x0e => "notPatXor",
        0x0f => "notPatBic",
        0x20 => "blend",
        0x21 => "addPin",
        0x22 => "addOver",
        0x23 => "subPin",
        0x24 => "transparent",
        0x25 => "addMax",
        0x26 => "subOver",
        0x27 => "addMin",
        0x31 => "grayishTextOr",
        0x32 => "hilite",
        0x40 => "ditherCopy",
        0x100 => "Alpha",
        0x101 => "White Alpha",
        0x102 => "Pre-multiplied Black Alpha",
        0x110 => "Component Alpha",
        _ => return format!("Unknown (0x{v:x})"),
    }
    .to_string()
}

fn vmhd(meta: &mut Metadata, p: &[u8]) {
    if let Some(g) = be16(p, 4) {
        meta.set(G, "GraphicsMode", graphics_mode(g));
    }
    if let (Some(a), Some(b), Some(c)) = (be16(p, 6), be16(p, 8), be16(p, 10)) {
        meta.set(G, "OpColor", format!("{a} {b} {c}"));
    }
}

fn fixed32u(p: &[u8], off: usize) -> Option<Value> {
    be32(p, off).map(|v| num(v as f64 / 65536.0))
}

fn stsd(meta: &mut Metadata, data: &[u8], start: usize, end: usize, depth: usize, st: &State) {
    // version/flags, entry count, then the sample entries
    let n = be32(data, start + 4).unwrap_or(0);
    let mut pos = start + 8;
    for _ in 0..n.min(64) {
        let Some(size) = be32(data, pos) else { break };
        let size = size as usize;
        if size < 8 || pos + size > end {
            meta.warn("Truncated sample table");
            break;
        }
        let e = &data[pos..pos + size];
        sample_entry(meta, data, pos, pos + size, e, depth, st);
        pos += size;
    }
}

fn sample_entry(
    meta: &mut Metadata,
    data: &[u8],
    estart: usize,
    eend: usize,
    e: &[u8],
    depth: usize,
    st: &State,
) {
    match &st.handler {
        b"vide" => {
            if let Some(c) = e.get(4..8) {
                meta.set(G, "CompressorID", text(c));
            }
            if let Some(v) = e.get(20..24) {
                let s = text(v);
                if !s.is_empty() {
                    meta.set(G, "VendorID", vendor_id(&s));
                }
            }
            if let Some(w) = be16(e, 32) {
                meta.set(G, "SourceImageWidth", w as u64);
            }
            if let Some(h) = be16(e, 34) {
                meta.set(G, "SourceImageHeight", h as u64);
            }
            if let Some(x) = fixed32u(e, 36) {
                meta.set(G, "XResolution", x);
            }
            if let Some(y) = fixed32u(e, 40) {
                meta.set(G, "YResolution", y);
            }
            if let Some(n) = e.get(50..82) {
                if let Some(s) = pascal_or_c(n) {
                    meta.set(G, "CompressorName", s);
                }
            }
            if let Some(d) = be16(e, 82) {
                meta.set(G, "BitDepth", d as u64);
            }
            video_children(meta, data, estart + 86, eend, depth);
        }
        b"soun" => {
            if let Some(f) = e.get(4..8) {
                if f.iter()
                    .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b' ')
                {
                    meta.set(G, "AudioFormat", fourcc(f));
                }
                if let Some(v) = e.get(20..24) {
                    if v != [0, 0, 0, 0] && f != b"mp4s" {
                        meta.set(G, "AudioVendorID", vendor_id(&text(v)));
                    }
                }
            }
            if let Some(c) = be16(e, 24) {
                meta.set(G, "AudioChannels", c as u64);
            }
            if let Some(b) = be16(e, 26) {
                meta.set(G, "AudioBitsPerSample", b as u64);
            }
            if let Some(r) = fixed32u(e, 32) {
                meta.set(G, "AudioSampleRate", r);
            }
            // child atoms follow the version's fields (ExifTool finds them by search)
            let child = match be16(e, 16) {
                Some(1) => 52,
                Some(2) => 72,
                _ => 36,
            };
            audio_children(meta, data, estart + child, eend, depth);
        }
        b"hint" => {}
        b"meta" => {
            if let Some(f) = e.get(4..8) {
                meta.set(G, "MetaFormat", fourcc(f));
            }
            if let Some(rest) = e.get(8..) {
                if let Some(p) = rest.windows(11).position(|w| w == b"application") {
                    let t = &rest[p..];
                    let end = t.iter().position(|&b| b == 0).unwrap_or(t.len());
                    meta.set(
                        G,
                        "MetaType",
                        String::from_utf8_lossy(&t[..end]).into_owned(),
                    );
                }
            }
        }
        _ => {
            if let Some(f) = e.get(4..8) {
                meta.set(G, "OtherFormat", fourcc(f));
                if f == b"tmcd" {
                    if let (Some(n), Some(d)) = (be32(e, 24), be32(e, 28)) {
                        if d != 0 {
                            meta.set(G, "PlaybackFrameRate", num(n as f64 / d as f64));
                        }
                    }
                }
            }
        }
    }
}

/// Children of a sound sample entry: 'chan' (ChannelLayout) and 'wave' (frma, enda).
fn audio_children(meta: &mut Metadata, data: &[u8], start: usize, end: usize, depth: usize) {
    if start >= end || depth > MAX_DEPTH {
        return;
    }
    for b in Boxes::range(data, start, end) {
        let p = b.payload(data);
        match &b.kind {
            b"chan" => channel_layout(meta, p),
            b"wave" => audio_children(meta, data, b.start + b.header_len, b.end, depth + 1),
            b"frma" => {
                if let Some(f) = p.get(0..4) {
                    meta.set(G, "PurchaseFileFormat", fourcc(f));
                }
            }
            b"enda" => {
                if let Some(v) = be16(p, 0) {
                    let s = match v {
                        0 => "Big-endian (Motorola, MM)".to_string(),
                        1 => "Little-endian (Intel, II)".to_string(),
                        n => format!("Unknown ({n})"),
                    };
                    meta.set(G, "Endianness", s);
                }
            }
            _ => {}
        }
    }
}

/// QuickTime.pm's ChannelLayout table ('chan': version/flags, layout tag, bitmap, count).
fn channel_layout(meta: &mut Metadata, p: &[u8]) {
    /// Layout tags 100 to 183 (kAudioChannelLayoutTag_* >> 16).
    const FIXED: [&str; 84] = [
        "Mono",
        "Stereo",
        "StereoHeadphones",
        "MatrixStereo",
        "MidSide",
        "XY",
        "Binaural",
        "Ambisonic_B_Format",
        "Quadraphonic",
        "Pentagonal",
        "Hexagonal",
        "Octagonal",
        "Cube",
        "MPEG_3_0_A",
        "MPEG_3_0_B",
        "MPEG_4_0_A",
        "MPEG_4_0_B",
        "MPEG_5_0_A",
        "MPEG_5_0_B",
        "MPEG_5_0_C",
        "MPEG_5_0_D",
        "MPEG_5_1_A",
        "MPEG_5_1_B",
        "MPEG_5_1_C",
        "MPEG_5_1_D",
        "MPEG_6_1_A",
        "MPEG_7_1_A",
        "MPEG_7_1_B",
        "MPEG_7_1_C",
        "Emagic_Default_7_1",
        "SMPTE_DTV",
        "ITU_2_1",
        "ITU_2_2",
        "DVD_4",
        "DVD_5",
        "DVD_6",
        "DVD_10",
        "DVD_11",
        "DVD_18",
        "AudioUnit_6_0",
        "AudioUnit_7_0",
        "AAC_6_0",
        "AAC_6_1",
        "AAC_7_0",
        "AAC_Octagonal",
        "TMH_10_2_std",
        "TMH_10_2_full",
        "DiscreteInOrder",
        "AudioUnit_7_0_Front",
        "AC3_1_0_1",
        "AC3_3_0",
        "AC3_3_1",
        "AC3_3_0_1",
        "AC3_2_1_1",
        "AC3_3_1_1",
        "EAC_6_0_A",
        "EAC_7_0_A",
        "EAC3_6_1_A",
        "EAC3_6_1_B",
        "EAC3_6_1_C",
        "EAC3_7_1_A",
        "EAC3_7_1_B",
        "EAC3_7_1_C",
        "EAC3_7_1_D",
        "EAC3_7_1_E",
        "EAC3_7_1_F",
        "EAC3_7_1_G",
        "EAC3_7_1_H",
        "DTS_3_1",
        "DTS_4_1",
        "DTS_6_0_A",
        "DTS_6_0_B",
        "DTS_6_0_C",
        "DTS_6_1_A",
        "DTS_6_1_B",
        "DTS_6_1_C",
        "DTS_7_0",
        "DTS_7_1",
        "DTS_8_0_A",
        "DTS_8_0_B",
        "DTS_8_1_A",
        "DTS_8_1_B",
        "DTS_6_1_D",
        "AAC_7_1_B",
    ];
    let Some(flags) = be16(p, 4) else { return };
    let name = match flags {
        0 => "UseDescriptions".to_string(),
        1 => "UseBitmap".to_string(),
        0xffff => "Unknown".to_string(),
        n => FIXED
            .get(usize::from(n).wrapping_sub(100))
            .map_or_else(|| format!("Unknown ({n})"), |s| s.to_string()),
    };
    meta.set(G, "LayoutFlags", name);
    if flags > 1 {
        if let Some(c) = be16(p, 6) {
            meta.set(G, "AudioChannels", c as u64);
        }
        return;
    }
    if flags == 1 {
        if let Some(bits) = be32(p, 8) {
            const TYPES: [&str; 18] = [
                "Left",
                "Right",
                "Center",
                "LFEScreen",
                "LeftSurround",
                "RightSurround",
                "LeftCenter",
                "RightCenter",
                "CenterSurround",
                "LeftSurroundDirect",
                "RightSurroundDirect",
                "TopCenterSurround",
                "VerticalHeightLeft",
                "VerticalHeightCenter",
                "VerticalHeightRight",
                "TopBackLeft",
                "TopBackCenter",
                "TopBackRight",
            ];
            let v: Vec<String> = (0..32)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| {
                    TYPES
                        .get(i)
                        .map_or_else(|| format!("[{i}]"), |s| s.to_string())
                })
                .collect();
            let s = if v.is_empty() {
                "(none)".to_string()
            } else {
                v.join(", ")
            };
            meta.set(G, "AudioChannelTypes", s);
        }
        if let Some(n) = be32(p, 12) {
            meta.set(G, "NumChannelDescriptions", n as u64);
        }
    }
}

fn video_children(meta: &mut Metadata, data: &[u8], start: usize, end: usize, _depth: usize) {
    if start >= end {
        return;
    }
    for b in Boxes::range(data, start, end) {
        let p = b.payload(data);
        match &b.kind {
            b"btrt" => {
                // Priority 0: often filled with zeros.
                for (i, n) in ["BufferSize", "MaxBitrate", "AverageBitrate"]
                    .iter()
                    .enumerate()
                {
                    if let Some(v) = be32(p, i * 4) {
                        meta.add(G, n, v as u64);
                    }
                }
            }
            b"pasp" => {
                let parts: Vec<String> = p
                    .chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]).to_string())
                    .collect();
                if !parts.is_empty() {
                    meta.set(G, "PixelAspectRatio", parts.join(":"));
                }
            }
            b"colr" => colr(meta, p),
            b"fiel" => {
                if let Some(&f) = p.first() {
                    let s = match f {
                        1 => "Progressive".to_string(),
                        2 => "2:1 Interlaced".to_string(),
                        n => format!("Unknown ({n})"),
                    };
                    let rest: Vec<String> = p[1..].iter().map(|b| b.to_string()).collect();
                    let v = if rest.is_empty() {
                        s
                    } else {
                        format!("{s}; {}", rest.join("; "))
                    };
                    meta.set(G, "VideoFieldOrder", v);
                }
            }
            b"clap" => {
                let names = [
                    "CleanApertureWidth",
                    "CleanApertureHeight",
                    "CleanApertureOffsetX",
                    "CleanApertureOffsetY",
                ];
                for (i, n) in names.iter().enumerate() {
                    if let (Some(a), Some(b)) = (be32(p, i * 8), be32(p, i * 8 + 4)) {
                        let (a, b) = (a as i32 as f64, b as i32 as f64);
                        if b != 0.0 {
                            meta.set(G, n, num(a / b));
                        }
                    }
                }
            }
            b"gama" => {
                if let Some(v) = fixed32u(p, 0) {
                    meta.set(G, "Gamma", v);
                }
            }
            _ => {}
        }
    }
}

fn colr(meta: &mut Metadata, p: &[u8]) {
    let Some(kind) = p.get(0..4) else {
        return;
    };
    meta.set(G, "ColorProfiles", fourcc(kind));
    if kind != b"nclx" && kind != b"nclc" {
        return;
    }
    if let Some(v) = be16(p, 4) {
        let s = match v {
            1 => "BT.709",
            2 => "Unspecified",
            4 => "BT.470 System M (historical)",
            5 => "BT.470 System B, G (historical)",
            6 => "BT.601",
            7 => "SMPTE 240",
            8 => "Generic film (color filters using illuminant C)",
            9 => "BT.2020, BT.2100",
            10 => "SMPTE 428 (CIE 1921 XYZ)",
            11 => "SMPTE RP 431-2",
            12 => "SMPTE EG 432-1",
            22 => "EBU Tech. 3213-E",
            _ => "",
        };
        meta.set(G, "ColorPrimaries", unknown_or(s, v));
    }
    if let Some(v) = be16(p, 6) {
        let s = match v {
            0 => "For future use (0)",
            1 => "BT.709",
            2 => "Unspecified",
            3 => "For future use (3)",
            4 => "BT.470 System M (historical)",
            5 => "BT.470 System B, G (historical)",
            6 => "BT.601",
            7 => "SMPTE 240 M",
            8 => "Linear",
            9 => "Logarithmic (100 : 1 range)",
            10 => "Logarithmic (100 * Sqrt(10) : 1 range)",
            11 => "IEC 61966-2-4",
            12 => "BT.1361",
            13 => "sRGB or sYCC",
            14 => "BT.2020 10-bit systems",
            15 => "BT.2020 12-bit systems",
            16 => "SMPTE ST 2084, ITU BT.2100 PQ",
            17 => "SMPTE ST 428",
            18 => "BT.2100 HLG, ARIB STD-B67",
            _ => "",
        };
        meta.set(G, "TransferCharacteristics", unknown_or(s, v));
    }
    if let Some(v) = be16(p, 8) {
        let s = match v {
            0 => "Identity matrix",
            1 => "BT.709",
            2 => "Unspecified",
            3 => "For future use (3)",
            4 => "US FCC 73.628",
            5 => "BT.470 System B, G (historical)",
            6 => "BT.601",
            7 => "SMPTE 240 M",
            8 => "YCgCo",
            9 => "BT.2020 non-constant luminance, BT.2100 YCbCr",
            10 => "BT.2020 constant luminance",
            11 => "SMPTE ST 2085 YDzDx",
            12 => "Chromaticity-derived non-constant luminance",
            13 => "Chromaticity-derived constant luminance",
            14 => "BT.2100 ICtCp",
            _ => "",
        };
        meta.set(G, "MatrixCoefficients", unknown_or(s, v));
    }
    if kind == b"nclx" {
        if let Some(&f) = p.get(10) {
            let v = f >> 7;
            meta.set(
                G,
                "VideoFullRangeFlag",
                if v == 0 { "Limited" } else { "Full" },
            );
        }
    }
}

fn unknown_or(s: &str, v: u16) -> String {
    if s.is_empty() {
        format!("Unknown ({v})")
    } else {
        s.to_string()
    }
}

fn stts(meta: &mut Metadata, p: &[u8], st: &State) {
    if &st.handler != b"vide" || st.media_ts == 0 {
        return;
    }
    let count = be32(p, 4).unwrap_or(0) as usize;
    let (mut n, mut dur) = (0f64, 0f64);
    for i in 0..count.min(1_000_000) {
        let (Some(c), Some(d)) = (be32(p, 8 + i * 8), be32(p, 12 + i * 8)) else {
            break;
        };
        n += c as f64;
        dur += c as f64 * d as f64;
    }
    if n > 0.0 && dur > 0.0 {
        let rate = n * st.media_ts as f64 / dur;
        meta.set(
            G,
            "VideoFrameRate",
            num((rate * 1000.0 + 0.5).floor() / 1000.0),
        );
    }
}

/// `udta` children: the `©xxx` international text atoms and a few 3GPP text atoms.
fn user_data(meta: &mut Metadata, kind: &[u8; 4], p: &[u8], st: &mut State) {
    if kind[0] == 0xA9 {
        let name = match &kind[1..] {
            b"day" => "ContentCreateDate",
            b"xyz" => "GPSCoordinates",
            b"ART" => "Artist",
            b"alb" => "Album",
            b"arg" => "Arranger",
            b"ark" => "ArrangerKeywords",
            b"cmt" => "Comment",
            b"cok" => "ComposerKeywords",
            b"com" => "Composer",
            b"cpy" => "Copyright",
            b"dir" => "Director",
            b"ed1" => "Edit1",
            b"ed2" => "Edit2",
            b"ed3" => "Edit3",
            b"ed4" => "Edit4",
            b"ed5" => "Edit5",
            b"ed6" => "Edit6",
            b"ed7" => "Edit7",
            b"ed8" => "Edit8",
            b"ed9" => "Edit9",
            b"enc" => "EncoderID",
            b"fmt" => "Format",
            b"gen" => "Genre",
            b"grp" => "Grouping",
            b"inf" => "Information",
            b"isr" => "ISRCCode",
            b"lab" => "RecordLabelName",
            b"lal" => "RecordLabelURL",
            b"lyr" => "Lyrics",
            b"mak" => "Make",
            b"mal" => "MakerURL",
            b"mod" => "Model",
            b"nam" => "Title",
            b"pdk" => "ProducerKeywords",
            b"phg" => "RecordingCopyright",
            b"prd" => "Producer",
            b"prf" => "Performers",
            b"prk" => "PerformerKeywords",
            b"prl" => "PerformerURL",
            b"req" => "Requirements",
            b"snk" => "SubtitleKeywords",
            b"snm" => "Subtitle",
            b"src" => "SourceCredits",
            b"swf" => "SongWriter",
            b"swk" => "SongWriterKeywords",
            b"swr" => "SoftwareVersion",
            b"too" => "Encoder",
            b"trk" => "Track",
            b"wrt" => "Composer",
            b"TIM" => "StartTimecode",
            b"TSC" => "StartTimeScale",
            b"TSZ" => "StartTimeSampleSize",
            _ => return,
        };
        // A list of (length, language, text) records.
        let size = p.len();
        let mut pos = 0usize;
        let mut first = true;
        while pos + 4 <= size {
            let (Some(l), Some(lang)) = (be16(p, pos), be16(p, pos + 2)) else {
                break;
            };
            pos += 4;
            let mut len = l as usize;
            if pos + len > size {
                if len < 4 || pos + len - 4 > size {
                    break;
                }
                len -= 4;
            }
            if len == 0 && !first {
                continue;
            }
            first = false;
            let (s, lang) = itext(&p[pos..pos + len], lang);
            pos += len;
            match lang {
                Some(l) => {
                    let n = format!("{name}-{l}");
                    store_text(meta, &n, &s, st);
                    if !st.lang_tags.iter().any(|(v, _)| *v == n) && st.lang_tags.len() < 1000 {
                        st.lang_tags.push((n, name.to_string()));
                    }
                }
                None => store_text(meta, name, &s, st),
            }
        }
        return;
    }
    // 3GPP text atoms (version/flags, language, text), "Avoid": they never replace a tag
    let itext6 = match kind {
        b"titl" => Some("Title"),
        b"dscp" => Some("Description"),
        b"cprt" => Some("Copyright"),
        b"perf" => Some("Performer"),
        b"auth" => Some("Author"),
        b"gnre" => Some("Genre"),
        b"albm" => Some("Album"),
        b"coll" => Some("CollectionName"),
        _ => None,
    };
    if let Some(name) = itext6 {
        let (Some(lang), Some(raw)) = (be16(p, 4), p.get(6..)) else {
            return;
        };
        let (s, lang) = itext(raw, lang);
        let n = match lang {
            Some(l) => {
                let n = format!("{name}-{l}");
                if !st.lang_tags.iter().any(|(v, _)| *v == n) && st.lang_tags.len() < 1000 {
                    st.lang_tags.push((n.clone(), name.to_string()));
                }
                n
            }
            None => name.to_string(),
        };
        meta.add(G, &n, json_str(&s));
        return;
    }
    match kind {
        b"manu" | b"modl" => {
            // RawConv: strip "\0\0\0\0" and two bytes, then truncate at NUL
            let raw = if p.len() >= 6 && p[..4] == [0, 0, 0, 0] {
                &p[6..]
            } else {
                p
            };
            let name = if kind == b"manu" { "Make" } else { "Model" };
            meta.add(G, name, json_str(&text(raw)));
        }
        b"loci" => {
            // IText => 6: version/flags, language, then the location record
            let (Some(lang), Some(raw)) = (be16(p, 4), p.get(6..)) else {
                return;
            };
            let name = match itext(raw, lang).1 {
                Some(l) => format!("LocationInformation-{l}"),
                None => "LocationInformation".to_string(),
            };
            meta.set_owned(G, name, Value::String(location_information(raw)));
        }
        b"yrrc" => {
            if let Some(y) = be16(p, 4) {
                meta.add(G, "Year", y as u64);
            }
        }
        b"date" => meta.set(G, "DateTimeOriginal", xmp_date(&text_trim_nulls(p))),
        b"name" => meta.set(G, "Name", json_str(&text_trim_nulls(p))),
        _ => {}
    }
}

/// QuickTime.pm's RawConv of the 3GPP `loci` atom (after its flags and language): name,
/// role, 16.16 longitude, latitude and altitude, body and notes, as
/// "NAME Role=R Lat=LAT Lon=LON Alt=ALT Body=B Notes=N".
fn location_information(val: &[u8]) -> String {
    // A string ending in NUL (UTF-8) or in a NUL pair (UTF-16 with its byte-order mark,
    // which ExifTool's UCS2 decoding keeps as U+FEFF); `None` when it has no end.
    fn take(v: &[u8]) -> Option<(String, &[u8])> {
        if v.starts_with(&[0xfe, 0xff]) {
            let end = (0..v.len() / 2)
                .map(|k| 2 * k)
                .find(|&o| v.get(o..o + 2) == Some(&[0, 0][..]))?;
            let w: Vec<u16> = v[..end]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some((String::from_utf16_lossy(&w), &v[end + 2..]))
        } else {
            let end = v.iter().position(|&b| b == 0)?;
            Some((
                String::from_utf8_lossy(&v[..end]).into_owned(),
                &v[end + 1..],
            ))
        }
    }
    let Some((mut out, rest)) = take(val) else {
        return "<err>".into();
    };
    if out.is_empty() {
        out.push_str("(none)");
    }
    let fixed = |o: usize| -> f64 {
        rest.get(o..o + 4).map_or(0.0, |b| {
            f64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])) / 65536.0
        })
    };
    let Some(&role) = rest.first().filter(|_| rest.len() >= 13) else {
        return "<err>".into();
    };
    let role = match role {
        0 => "shooting".to_string(),
        1 => "real".to_string(),
        2 => "fictional".to_string(),
        3 => "reserved".to_string(),
        n => format!("unknown({n})"),
    };
    out.push_str(&format!(
        " Role={role} Lat={:.5} Lon={:.5} Alt={:.2}",
        fixed(5),
        fixed(1),
        fixed(9)
    ));
    let mut rest = &rest[13..];
    for label in ["Body", "Notes"] {
        let Some((s, r)) = take(rest) else { break };
        out.push_str(&format!(" {label}={s}"));
        rest = r;
    }
    out
}

/// Stores a text value with the conversions some tag names need.
fn store_text(meta: &mut Metadata, name: &str, s: &str, st: &mut State) {
    // language variants ("Title-fr") keep the conversions of their tag
    let base = name.split('-').next().unwrap_or(name);
    match base {
        "ContentCreateDate" | "CreationDate" => meta.set(G, name, xmp_date(s)),
        "GPSCoordinates" => match iso6709(s) {
            Some((la, lo, al)) => {
                meta.set(G, name, gps_coordinates(la, lo, al));
                st.gps = Some((la, lo, al));
            }
            None => meta.set(G, name, s.to_string()),
        },
        _ => meta.set(G, name, json_str(s)),
    }
}

fn meta_box(meta: &mut Metadata, data: &[u8], b: &BoxHeader, depth: usize, st: &mut State) {
    if depth > MAX_DEPTH {
        return;
    }
    let pstart = b.start + b.header_len;
    // ISO 'meta' is a full box; QuickTime's is not (its first child follows directly).
    let start = if data.get(pstart + 4..pstart + 8) == Some(b"hdlr") {
        pstart
    } else {
        pstart + 4
    };
    let mut keys: Vec<(Vec<u8>, String)> = Vec::new();
    for c in Boxes::range(data, start, b.end) {
        let p = c.payload(data);
        match &c.kind {
            b"hdlr" => hdlr(meta, p, st, false),
            b"keys" => {
                let n = be32(p, 4).unwrap_or(0) as usize;
                let mut off = 8;
                for _ in 0..n.min(10_000) {
                    let Some(sz) = be32(p, off) else { break };
                    let sz = sz as usize;
                    if sz < 8 {
                        break;
                    }
                    let (Some(ns), Some(k)) = (sub(p, off + 4, 4), sub(p, off + 8, sz - 8)) else {
                        break;
                    };
                    let k = k.split(|&b| b == 0).next().unwrap_or(&[]);
                    keys.push((ns.to_vec(), String::from_utf8_lossy(k).into_owned()));
                    off += sz;
                }
            }
            b"ilst" => ilst(meta, data, &c, &keys, st),
            b"uuid" if p.get(..16) == Some(&XMP_UUID[..]) => {
                crate::formats::xmp::parse(meta, &p[16..]);
            }
            _ => {}
        }
    }
}

/// The value inside an `ilst` item's `data` box: (type, value bytes).
fn item_data<'a>(data: &'a [u8], item: &BoxHeader) -> Option<(u32, &'a [u8])> {
    for d in Boxes::range(data, item.start + item.header_len, item.end) {
        if &d.kind == b"data" {
            let p = d.payload(data);
            let t = be32(p, 0)? & 0x00ff_ffff;
            return Some((t, p.get(8..)?));
        }
    }
    None
}

fn int_be(v: &[u8], signed: bool) -> Option<i64> {
    Some(match v.len() {
        1 => {
            if signed {
                v[0] as i8 as i64
            } else {
                v[0] as i64
            }
        }
        2 => {
            let x = u16::from_be_bytes([v[0], v[1]]);
            if signed {
                x as i16 as i64
            } else {
                x as i64
            }
        }
        4 => {
            let x = u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
            if signed {
                x as i32 as i64
            } else {
                x as i64
            }
        }
        8 => i64::from_be_bytes(v.try_into().ok()?),
        _ => return None,
    })
}

fn item_name(k: &[u8; 4]) -> Option<&'static str> {
    Some(match k {
        b"aART" => "AlbumArtist",
        b"akID" => "AppleStoreAccountType",
        b"albm" => "Album",
        b"apID" => "AppleStoreAccount",
        b"atID" => "AlbumTitleID",
        b"auth" => "Author",
        b"catg" => "Category",
        b"cnID" => "AppleStoreCatalogID",
        b"cpil" => "Compilation",
        b"cprt" => "Copyright",
        b"desc" => "Description",
        b"disk" => "DiskNumber",
        b"dscp" => "Description",
        b"egid" => "EpisodeGlobalUniqueID",
        b"geID" => "GenreID",
        b"gnre" => "Genre",
        b"grup" => "Grouping",
        b"hdvd" => "HDVideo",
        b"keyw" => "Keyword",
        b"ldes" => "LongDescription",
        b"pcst" => "Podcast",
        b"perf" => "Performer",
        b"pgap" => "PlayGap",
        b"plID" => "PlayListID",
        b"prID" => "ProductID",
        b"purd" => "PurchaseDate",
        b"purl" => "PodcastURL",
        b"rate" => "RatingPercent",
        b"rldt" => "ReleaseDate",
        b"rtng" => "Rating",
        b"sdes" => "StoreDescription",
        b"sfID" => "AppleStoreCountry",
        b"shwm" => "ShowMovement",
        b"soaa" => "SortAlbumArtist",
        b"soal" => "SortAlbum",
        b"soar" => "SortArtist",
        b"soco" => "SortComposer",
        b"sonm" => "SortName",
        b"sosn" => "SortShow",
        b"stik" => "MediaType",
        b"titl" => "Title",
        b"tmpo" => "BeatsPerMinute",
        b"trkn" => "TrackNumber",
        b"tven" => "TVEpisodeID",
        b"tves" => "TVEpisode",
        b"tvnn" => "TVNetworkName",
        b"tvsh" => "TVShow",
        b"tvsn" => "TVSeason",
        b"yrrc" => "Year",
        b"\xa9ART" => "Artist",
        b"\xa9alb" => "Album",
        b"\xa9ard" => "ArtDirector",
        b"\xa9arg" => "Arranger",
        b"\xa9aut" => "Author",
        b"\xa9cmt" => "Comment",
        b"\xa9com" => "Composer",
        b"\xa9con" => "Conductor",
        b"\xa9cpy" => "Copyright",
        b"\xa9day" => "ContentCreateDate",
        b"\xa9des" => "Description",
        b"\xa9dir" => "Director",
        b"\xa9enc" => "EncodedBy",
        b"\xa9gen" => "Genre",
        b"\xa9grp" => "Grouping",
        b"\xa9lyr" => "Lyrics",
        b"\xa9mvc" => "MovementCount",
        b"\xa9mvi" => "MovementNumber",
        b"\xa9mvn" => "MovementName",
        b"\xa9nam" => "Title",
        b"\xa9nrt" => "Narrator",
        b"\xa9ope" => "OriginalArtist",
        b"\xa9prd" => "Producer",
        b"\xa9pub" => "Publisher",
        b"\xa9sne" => "SoundEngineer",
        b"\xa9sol" => "Soloist",
        b"\xa9st3" => "Subtitle",
        b"\xa9too" => "Encoder",
        b"\xa9trk" => "Track",
        b"\xa9wrk" => "Work",
        b"\xa9wrt" => "Composer",
        b"\xa9xpd" => "ExecutiveProducer",
        b"\xa9xyz" => "GPSCoordinates",
        _ => return None,
    })
}

fn key_known(k: &str) -> Option<&'static str> {
    Some(match k {
        "album" => "Album",
        "artist" => "Artist",
        "artwork" => "Artwork",
        "author" => "Author",
        "camera.framereadouttimeinmicroseconds" => "FrameReadoutTime",
        "camera.identifier" => "CameraIdentifier",
        "collection.user" => "UserCollection",
        "com.android.version" => "AndroidVersion",
        "com.apple.photos.captureMode" => "CaptureMode",
        "apple.photos.variation-identifier" => "ApplePhotosVariationIdentifier",
        "comment" => "Comment",
        "copyright" => "Copyright",
        "creationdate" => "CreationDate",
        "description" => "Description",
        "detected-face.face-id" => "DetectedFaceID",
        "detected-face.roll-angle" => "DetectedFaceRollAngle",
        "detected-face.yaw-angle" => "DetectedFaceYawAngle",
        "direction.facing" => "CameraDirection",
        "direction.motion" => "CameraMotion",
        "director" => "Director",
        "displayname" => "DisplayName",
        "Encoded_With" => "EncodedWith",
        "genre" => "Genre",
        "information" => "Information",
        "keywords" => "Keywords",
        "live-photo.auto" => "LivePhotoAuto",
        "live-photo.vitality-score" => "LivePhotoVitalityScore",
        "live-photo.vitality-scoring-version" => "LivePhotoVitalityScoringVersion",
        "location.ISO6709" => "GPSCoordinates",
        "location.accuracy.horizontal" => "LocationAccuracyHorizontal",
        "location.body" => "LocationBody",
        "location.date" => "LocationDate",
        "location.name" => "LocationName",
        "location.note" => "LocationNote",
        "location.role" => "LocationRole",
        "make" => "Make",
        "model" => "Model",
        "player.movie.audio.balance" => "Balance",
        "player.movie.audio.bass" => "Bass",
        "player.movie.audio.gain" => "AudioGain",
        "player.movie.audio.pitchshift" => "PitchShift",
        "player.movie.audio.treble" => "Treble",
        "player.movie.visual.brightness" => "Brightness",
        "player.movie.visual.color" => "Color",
        "player.movie.visual.contrast" => "Contrast",
        "player.movie.visual.tint" => "Tint",
        "player.version" => "PlayerVersion",
        "producer" => "Producer",
        "publisher" => "Publisher",
        "rating.user" => "UserRating",
        "software" => "Software",
        "still-image-time" => "StillImageTime",
        "title" => "Title",
        "version" => "Version",
        "year" => "Year",
        _ => return None,
    })
}

/// ExifTool's tag name for a `keys` entry (ProcessKeys).
fn key_name(ns: &[u8], full: &str) -> String {
    let short = if ns == b"mdta" {
        full.strip_prefix("com.apple.quicktime.")
            .or_else(|| full.strip_prefix("com."))
            .unwrap_or(full)
    } else {
        full
    };
    if let Some(n) = key_known(short).or_else(|| key_known(full)) {
        return n.to_string();
    }
    let k4: Option<[u8; 4]> = short.as_bytes().try_into().ok();
    if let Some(n) = k4.and_then(|k| item_name(&k)) {
        return n.to_string();
    }
    let tag = if short.is_empty() {
        format!("Tag_{}", String::from_utf8_lossy(ns))
    } else {
        short.to_string()
    };
    // ucfirst; tr/-0-9a-zA-Z_. //dc; s/[. ]+(.?)/\U$1/g; s/_([a-z])/_\U$1/g; s/([a-z])_([A-Z])/$1$2/g
    let mut n: Vec<char> = Vec::new();
    for (i, c) in tag.chars().enumerate() {
        let c = if i == 0 { c.to_ascii_uppercase() } else { c };
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ') {
            n.push(c);
        }
    }
    let mut a: Vec<char> = Vec::new();
    let mut i = 0;
    while i < n.len() {
        if n[i] == '.' || n[i] == ' ' {
            while i < n.len() && (n[i] == '.' || n[i] == ' ') {
                i += 1;
            }
            if i < n.len() {
                a.push(n[i].to_ascii_uppercase());
                i += 1;
            }
            continue;
        }
        a.push(n[i]);
        i += 1;
    }
    let mut b: Vec<char> = Vec::new();
    for i in 0..a.len() {
        if i > 0 && a[i - 1] == '_' && a[i].is_ascii_lowercase() {
            b.push(a[i].to_ascii_uppercase());
        } else {
            b.push(a[i]);
        }
    }
    let mut out = String::new();
    for i in 0..b.len() {
        if b[i] == '_'
            && i > 0
            && b[i - 1].is_ascii_lowercase()
            && b.get(i + 1).is_some_and(|c| c.is_ascii_uppercase())
        {
            continue;
        }
        out.push(b[i]);
    }
    if out.len() < 2 {
        out = format!("Tag_{out}");
    }
    out
}

fn ilst(
    meta: &mut Metadata,
    data: &[u8],
    b: &BoxHeader,
    keys: &[(Vec<u8>, String)],
    st: &mut State,
) {
    for item in Boxes::range(data, b.start + b.header_len, b.end) {
        if meta.budget.exceeded() {
            return;
        }
        if &item.kind == b"----" {
            itunes_info(meta, data, &item);
            continue;
        }
        let Some((ty, v)) = item_data(data, &item) else {
            continue;
        };
        let idx = u32::from_be_bytes(item.kind) as usize;
        let name: String = if !keys.is_empty() && idx >= 1 && idx <= keys.len() {
            key_name(&keys[idx - 1].0, &keys[idx - 1].1)
        } else if let Some(n) = item_name(&item.kind) {
            n.to_string()
        } else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let k = &item.kind;
        // Atoms with fixed binary formats.
        match k {
            b"trkn" | b"disk" => {
                if v.len() >= 6 {
                    let a = u16::from_be_bytes([v[2], v[3]]);
                    let t = u16::from_be_bytes([v[4], v[5]]);
                    let s = if t != 0 {
                        format!("{a} of {t}")
                    } else {
                        a.to_string()
                    };
                    meta.set(G, &name, json_str(&s));
                }
                continue;
            }
            b"gnre" => {
                if let Some(g) = be16(v, 0) {
                    if g >= 1 {
                        meta.set(G, &name, genre(g as u64 - 1));
                    } else {
                        meta.set(G, &name, 0);
                    }
                }
                continue;
            }
            b"cpil" | b"pgap" | b"hdvd" | b"pcst" | b"shwm" | b"stik" | b"rtng" | b"akID" => {
                let Some(&n) = v.first() else { continue };
                let s: Option<&str> = match (k, n) {
                    (b"cpil" | b"hdvd" | b"pcst" | b"shwm", 0) => Some("No"),
                    (b"cpil" | b"hdvd" | b"pcst" | b"shwm", 1) => Some("Yes"),
                    (b"pgap", 0) => Some("Insert Gap"),
                    (b"pgap", 1) => Some("No Gap"),
                    (b"rtng", 0) => Some("none"),
                    (b"rtng", 1) => Some("Explicit"),
                    (b"rtng", 2) => Some("Clean"),
                    (b"rtng", 4) => Some("Explicit (old)"),
                    (b"stik", 0) => Some("Movie (old)"),
                    (b"stik", 1) => Some("Normal (Music)"),
                    (b"stik", 2) => Some("Audiobook"),
                    (b"stik", 5) => Some("Whacked Bookmark"),
                    (b"stik", 6) => Some("Music Video"),
                    (b"stik", 9) => Some("Movie"),
                    (b"stik", 10) => Some("TV Show"),
                    (b"stik", 11) => Some("Booklet"),
                    (b"stik", 14) => Some("Ringtone"),
                    (b"stik", 21) => Some("Podcast"),
                    (b"stik", 23) => Some("iTunes U"),
                    _ => None,
                };
                match s {
                    Some(s) => meta.set(G, &name, s),
                    None => meta.set(G, &name, n as u64),
                }
                continue;
            }
            b"tmpo" | b"\xa9mvc" | b"\xa9mvi" => {
                if let Some(n) = be16(v, 0) {
                    meta.set(G, &name, n as u64);
                }
                continue;
            }
            b"atID" | b"cnID" | b"geID" | b"sfID" | b"tves" | b"tvsn" => {
                if let Some(n) = be32(v, 0) {
                    meta.set(G, &name, n as u64);
                }
                continue;
            }
            b"plID" => {
                if let Some(&n) = v.first() {
                    meta.set(G, &name, n as u64);
                }
                continue;
            }
            _ => {}
        }
        match ty {
            1 | 4 => {
                let s = text(v);
                store_text(meta, &name, &s, st);
            }
            2 | 5 => {
                let u: Vec<u16> = v
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                let s = String::from_utf16_lossy(&u);
                let s = s.trim_end_matches('\0').to_string();
                store_text(meta, &name, &s, st);
            }
            21 => {
                if let Some(n) = int_be(v, true) {
                    meta.set(G, &name, n);
                }
            }
            22 => {
                if let Some(n) = int_be(v, false) {
                    meta.set(G, &name, n);
                }
            }
            23 => {
                if let Some(x) = be32(v, 0) {
                    meta.set(G, &name, num(f32::from_bits(x) as f64));
                }
            }
            24 => {
                if let Some(x) = be64(v, 0) {
                    meta.set(G, &name, num(f64::from_bits(x)));
                }
            }
            _ => {
                // Binary (cover art, ...): ExifTool prints "(Binary data ...)", not compared.
            }
        }
    }
}

/// An iTunes "----" atom: mean/name/data triplet.
fn itunes_info(meta: &mut Metadata, data: &[u8], item: &BoxHeader) {
    let mut mean = None;
    let mut name = None;
    for c in Boxes::range(data, item.start + item.header_len, item.end) {
        let p = c.payload(data);
        match &c.kind {
            b"mean" if p.len() > 4 => mean = Some(String::from_utf8_lossy(&p[4..]).into_owned()),
            b"name" if p.len() > 4 => name = Some(String::from_utf8_lossy(&p[4..]).into_owned()),
            b"data" => {
                let (Some(m), Some(n)) = (&mean, &name) else {
                    continue;
                };
                let key = if m == "com.apple.iTunes" {
                    n.clone()
                } else {
                    format!("{m}/{n}")
                };
                let (tag, conv) = match key.as_str() {
                    "Dynamic Range (DR)" => ("DynamicRange".to_string(), false),
                    "Dynamic Range (R128)" => ("DynamicRangeR128".to_string(), false),
                    "Peak Level (R128)" => ("PeakLevelR128".to_string(), false),
                    "Peak Level (Sample)" => ("PeakLevelSample".to_string(), false),
                    "Volume Level (R128)" => ("VolumeLevelR128".to_string(), false),
                    "Volume Level (ReplayGain)" => ("ReplayVolumeLevel".to_string(), false),
                    "iTunEXTC" => ("ContentRating".to_string(), false),
                    "iTunNORM" => ("VolumeNormalization".to_string(), true),
                    "iTunSMPB" => ("iTunSMPB".to_string(), true),
                    "iTunes_CDDB_1" => ("CDDB1Info".to_string(), false),
                    "iTunes_CDDB_TrackNumber" => ("CDDBTrackNumber".to_string(), false),
                    "initialkey" => ("InitialKey".to_string(), false),
                    "originaldate" => ("OriginalDate".to_string(), false),
                    "originalyear" => ("OriginalYear".to_string(), false),
                    "popularimeter" => ("Popularimeter".to_string(), false),
                    "replaygain_track_gain" => ("ReplayTrackGain".to_string(), false),
                    "replaygain_track_peak" => ("ReplayTrackPeak".to_string(), false),
                    "~length" => ("Length".to_string(), false),
                    "Encoding Params" | "iTunMOVI" | "tool" => continue,
                    _ => (
                        n.chars()
                            .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect(),
                        false,
                    ),
                };
                if tag.is_empty() {
                    continue;
                }
                let v = p.get(8..).unwrap_or(&[]);
                if v.iter().any(|&b| !(0x20..=0x7e).contains(&b)) {
                    continue; // binary
                }
                let mut s = String::from_utf8_lossy(v).into_owned();
                if conv {
                    // s/ 0+(\w)/ $1/g; s/^\s+//
                    let mut out = String::new();
                    let cs: Vec<char> = s.chars().collect();
                    let mut i = 0;
                    while i < cs.len() {
                        if cs[i] == ' ' && cs.get(i + 1) == Some(&'0') {
                            let mut j = i + 1;
                            while j < cs.len() && cs[j] == '0' {
                                j += 1;
                            }
                            let word = |c: char| c.is_alphanumeric() || c == '_';
                            if j < cs.len() && word(cs[j]) {
                                out.push(' ');
                                i = j;
                                continue;
                            }
                            if j - (i + 1) >= 2 {
                                // the regex gives one zero back to match \w
                                out.push(' ');
                                i = j - 1;
                                continue;
                            }
                        }
                        out.push(cs[i]);
                        i += 1;
                    }
                    s = out.trim_start().to_string();
                }
                meta.set(G, &tag, json_str(&s));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
