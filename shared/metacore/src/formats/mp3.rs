//! MP3: ID3v2.2/2.3/2.4 and ID3v1 tags (group `id3`), the first MPEG audio frame header and
//! the Xing/LAME header (group `mpeg`), and ExifTool's MPEG/ID3 composites.

use crate::bytes::{be32, text};
use crate::formats::quicktime::conv::{bitrate, duration, genre, json_str, perl_num, xmp_date};
use crate::model::Metadata;

const G: &str = "id3";
const M: &str = "mpeg";

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let mut id3_size = 0u64;
    let mut hdr_end = 0usize;
    let mut v2: Option<(u8, Vec<u8>)> = None;
    if data.starts_with(b"ID3") {
        match id3v2_header(data) {
            Some((ver, body, end)) => {
                id3_size += (end.min(data.len())) as u64;
                hdr_end = end;
                v2 = Some((ver, body));
            }
            None => meta.warn("Invalid ID3 header"),
        }
    }
    let v1 = data
        .len()
        .checked_sub(128)
        .and_then(|s| data.get(s..))
        .filter(|t| t.starts_with(b"TAG"));
    if v1.is_some() {
        id3_size += 128;
    }
    // ExifTool reads the audio first, then the ID3v2 frames, then ID3v1.
    let audio = mpeg_audio(meta, data.get(hdr_end..).unwrap_or(&[]));
    if let Some((ver, body)) = v2 {
        id3v2_frames(meta, ver, &body);
    }
    if let Some(t) = v1 {
        id3v1(meta, t);
    }
    if data.starts_with(b"ID3") || v1.is_some() {
        meta.set("file", "ID3Size", id3_size);
    }
    id3_composites(meta);
    if let Some(a) = &audio {
        mpeg_composites(meta, a, data.len() as u64, id3_size);
    }
    if audio.is_some() || data.starts_with(b"ID3") || v1.is_some() {
        ape(meta, data, if v1.is_some() { 128 } else { 0 });
    }
}

/// ExifTool's APE tag names (MakeTag).
fn ape_name(key: &str) -> String {
    match key {
        "Album" | "Artist" | "Genre" | "Title" | "Track" | "Year" => return key.to_string(),
        "DURATION" => return "Duration".to_string(),
        "Tool Version" => return "ToolVersion".to_string(),
        "Tool Name" => return "ToolName".to_string(),
        _ => {}
    }
    // ucfirst(lc); s/[^\w-]+(.?)/\U$1/g; s/([a-z0-9])_([a-z])/$1\U$2/g
    let lower = key.to_lowercase();
    let mut t = String::new();
    let mut up_next = true;
    for c in lower.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            if up_next {
                t.extend(c.to_uppercase());
            } else {
                t.push(c);
            }
            up_next = false;
        } else {
            up_next = true;
        }
    }
    let cs: Vec<char> = t.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '_'
            && i > 0
            && (cs[i - 1].is_ascii_lowercase() || cs[i - 1].is_ascii_digit())
            && cs.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
        {
            out.push(cs[i + 1].to_ascii_uppercase());
            i += 2;
            continue;
        }
        out.push(cs[i]);
        i += 1;
    }
    out
}

/// An APEv1/v2 tag at the end of the file (before any ID3v1 trailer): group `ape`.
fn ape(meta: &mut Metadata, data: &[u8], trailer: usize) {
    let Some(foot) = data.len().checked_sub(32 + trailer) else {
        return;
    };
    let f = &data[foot..foot + 32];
    if !f.starts_with(b"APETAGEX") {
        return;
    }
    let (Some(size), Some(count)) = (crate::bytes::le32(f, 12), crate::bytes::le32(f, 16)) else {
        return;
    };
    let size = (size as usize).saturating_sub(32);
    let Some(start) = foot.checked_sub(size) else {
        meta.warn("Invalid APE tag size");
        return;
    };
    let buf = &data[start..foot];
    let mut pos = 0usize;
    for _ in 0..count.min(10_000) {
        if pos + 8 > buf.len() {
            break;
        }
        let len = crate::bytes::le32(buf, pos).unwrap_or(0) as usize;
        let flags = crate::bytes::le32(buf, pos + 4).unwrap_or(0);
        let Some(z) = buf[pos + 8..].iter().position(|&b| b == 0) else {
            break;
        };
        let key = String::from_utf8_lossy(&buf[pos + 8..pos + 8 + z]).into_owned();
        pos += 8 + z + 1;
        let Some(val) = buf.get(pos..pos.saturating_add(len)) else {
            break;
        };
        pos += len;
        let name = ape_name(&key);
        if flags & 0x06 == 0x02 && key.starts_with("Cover Art") {
            let n = val
                .iter()
                .take_while(|&&b| (0x20..=0x7f).contains(&b))
                .count();
            if n > 0 && val.get(n) == Some(&0) {
                let d = String::from_utf8_lossy(&val[..n]).into_owned();
                meta.set("ape", &ape_name(&format!("{key} Desc")), json_str(&d));
            }
        }
        if name.is_empty() || flags & 0x06 == 0x02 {
            continue; // binary items
        }
        let text = String::from_utf8_lossy(val).replace('\0', "");
        if name == "Duration" {
            if let Ok(mut v) = text.trim().parse::<f64>() {
                if (-2_147_483_648.0..0.0).contains(&v) {
                    v += 4_294_967_296.0;
                }
                meta.set("ape", &name, duration(v * 1e-7));
                continue;
            }
        }
        meta.set("ape", &name, json_str(&text));
    }
}

/// ID3 tags of a non-MP3 file (FLAC with ID3): the ID3v2 header at the start, the ID3v1
/// trailer, File:ID3Size and the ID3 composites. Returns the end of the ID3v2 tag.
pub fn id3_only(meta: &mut Metadata, data: &[u8]) -> usize {
    let mut id3_size = 0u64;
    let mut end = 0;
    let mut found = false;
    if let Some((ver, body, e)) = id3v2_header(data) {
        id3v2_frames(meta, ver, &body);
        id3_size += e.min(data.len()) as u64;
        end = e;
        found = true;
    }
    let v1 = data
        .len()
        .checked_sub(128)
        .and_then(|s| data.get(s..))
        .filter(|t| t.starts_with(b"TAG"));
    if let Some(t) = v1 {
        id3v1(meta, t);
        id3_size += 128;
        found = true;
    }
    if found {
        meta.set("file", "ID3Size", id3_size);
        id3_composites(meta);
    }
    end
}

/// Parses the ID3v2 header at the start of `data`: (major version, frame bytes with the
/// whole-tag unsynchronisation undone, end offset of the tag).
pub fn id3v2_header(data: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    if !data.starts_with(b"ID3") {
        return None;
    }
    let ver = *data.get(3)?;
    let flags = *data.get(5)?;
    let size = unsyncsafe(be32(data, 6)?)? as usize;
    if !(2..5).contains(&ver) {
        return None;
    }
    let end = 10usize.checked_add(size)?;
    let raw = data.get(10..end.min(data.len()))?;
    let mut body = if flags & 0x80 != 0 && ver < 4 {
        undo_unsync(raw)
    } else {
        raw.to_vec()
    };
    if flags & 0x40 != 0 {
        let len = be32(&body, 0).and_then(unsyncsafe).unwrap_or(0) as usize;
        if len > body.len() {
            return Some((ver, Vec::new(), end));
        }
        body.drain(..len);
    }
    let end = if flags & 0x10 != 0 { end + 10 } else { end };
    Some((ver, body, end))
}

fn unsyncsafe(v: u32) -> Option<u32> {
    if v & 0x8080_8080 != 0 {
        return None;
    }
    Some((v & 0x7f) | ((v & 0x7f00) >> 1) | ((v & 0x7f_0000) >> 2) | ((v & 0x7f00_0000) >> 3))
}

fn undo_unsync(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        out.push(raw[i]);
        if raw[i] == 0xff && raw.get(i + 1) == Some(&0) {
            i += 1;
        }
        i += 1;
    }
    out
}

/// Decodes an ID3 string of encoding `enc`; several NUL-separated values come back as a list.
fn decode_strings(enc: u8, v: &[u8]) -> Vec<String> {
    match enc {
        0 | 3 => {
            let mut end = v.len();
            while end > 0 && v[end - 1] == 0 {
                end -= 1;
            }
            v[..end]
                .split(|&b| b == 0)
                .map(|s| {
                    if enc == 3 {
                        String::from_utf8_lossy(s).into_owned()
                    } else {
                        s.iter().map(|&b| b as char).collect()
                    }
                })
                .collect()
        }
        1 | 2 => {
            let mut out = Vec::new();
            let mut big = true;
            let mut i = 0;
            let mut cur: Vec<u16> = Vec::new();
            let mut first = true;
            while i + 1 < v.len() {
                let u = u16::from_be_bytes([v[i], v[i + 1]]);
                i += 2;
                if first {
                    first = false;
                    if u == 0xFEFF {
                        big = true;
                        continue;
                    }
                    if u == 0xFFFE {
                        big = false;
                        continue;
                    }
                }
                if u == 0 {
                    out.push(String::from_utf16_lossy(&cur));
                    cur.clear();
                    first = true;
                    continue;
                }
                cur.push(if big { u } else { u.swap_bytes() });
            }
            if !cur.is_empty() {
                out.push(String::from_utf16_lossy(&cur));
            }
            out
        }
        _ => vec![format!("<Unknown encoding {enc}> {}", text(v))],
    }
}

fn decode_joined(v: &[u8]) -> String {
    match v.split_first() {
        Some((&enc, rest)) => decode_strings(enc, rest).join("/"),
        None => String::new(),
    }
}

fn frame_name(ver: u8, id: &str) -> Option<&'static str> {
    if ver == 2 {
        return Some(match id {
            "CNT" => "PlayCounter",
            "COM" => "Comment",
            "IPL" => "InvolvedPeople",
            "PIC" => "Picture",
            "POP" => "Popularimeter",
            "TAL" => "Album",
            "TBP" => "BeatsPerMinute",
            "TCM" => "Composer",
            "TCO" => "Genre",
            "TCP" => "Compilation",
            "TCR" => "Copyright",
            "TDA" => "Date",
            "TDY" => "PlaylistDelay",
            "TEN" => "EncodedBy",
            "TFT" => "FileType",
            "TIM" => "Time",
            "TKE" => "InitialKey",
            "TLA" => "Language",
            "TLE" => "Length",
            "TMT" => "Media",
            "TOA" => "OriginalArtist",
            "TOF" => "OriginalFileName",
            "TOL" => "OriginalLyricist",
            "TOR" => "OriginalReleaseYear",
            "TOT" => "OriginalAlbum",
            "TP1" => "Artist",
            "TP2" => "Band",
            "TP3" => "Conductor",
            "TP4" => "InterpretedBy",
            "TPA" => "PartOfSet",
            "TPB" => "Publisher",
            "TRC" => "ISRC",
            "TRD" => "RecordingDates",
            "TRK" => "Track",
            "TS2" => "AlbumArtistSortOrder",
            "TSA" => "AlbumSortOrder",
            "TSC" => "ComposerSortOrder",
            "TSI" => "Size",
            "TSP" => "PerformerSortOrder",
            "TSS" => "EncoderSettings",
            "TST" => "TitleSortOrder",
            "TT1" => "Grouping",
            "TT2" => "Title",
            "TT3" => "Subtitle",
            "TXT" => "Lyricist",
            "TXX" => "UserDefinedText",
            "TYE" => "Year",
            "ULT" => "Lyrics",
            "WAF" => "FileURL",
            "WAR" => "ArtistURL",
            "WAS" => "SourceURL",
            "WCM" => "CommercialURL",
            "WCP" => "CopyrightURL",
            "WPB" => "PublisherURL",
            "WXX" => "UserDefinedURL",
            _ => return None,
        });
    }
    let common = match id {
        "APIC" => "Picture",
        "COMM" => "Comment",
        "GRP1" => "Grouping",
        "MVIN" => "MovementNumber",
        "MVNM" => "MovementName",
        "OWNE" => "Ownership",
        "PCNT" => "PlayCounter",
        "POPM" => "Popularimeter",
        "TALB" => "Album",
        "TBPM" => "BeatsPerMinute",
        "TCAT" => "PodcastCategory",
        "TCMP" => "Compilation",
        "TCOM" => "Composer",
        "TCON" => "Genre",
        "TCOP" => "Copyright",
        "TDES" => "PodcastDescription",
        "TDLY" => "PlaylistDelay",
        "TENC" => "EncodedBy",
        "TEXT" => "Lyricist",
        "TFLT" => "FileType",
        "TGID" => "PodcastID",
        "TIT1" => "Grouping",
        "TIT2" => "Title",
        "TIT3" => "Subtitle",
        "TKEY" => "InitialKey",
        "TKWD" => "PodcastKeywords",
        "TLAN" => "Language",
        "TLEN" => "Length",
        "TMED" => "Media",
        "TOAL" => "OriginalAlbum",
        "TOFN" => "OriginalFileName",
        "TOLY" => "OriginalLyricist",
        "TOPE" => "OriginalArtist",
        "TOWN" => "FileOwner",
        "TPE1" => "Artist",
        "TPE2" => "Band",
        "TPE3" => "Conductor",
        "TPE4" => "InterpretedBy",
        "TPOS" => "PartOfSet",
        "TPUB" => "Publisher",
        "TRCK" => "Track",
        "TRSN" => "InternetRadioStationName",
        "TRSO" => "InternetRadioStationOwner",
        "TSO2" => "AlbumArtistSortOrder",
        "TSOC" => "ComposerSortOrder",
        "TSRC" => "ISRC",
        "TSSE" => "EncoderSettings",
        "TXXX" => "UserDefinedText",
        "USER" => "TermsOfUse",
        "USLT" => "Lyrics",
        "WCOM" => "CommercialURL",
        "WCOP" => "CopyrightURL",
        "WFED" => "PodcastURL",
        "WOAF" => "FileURL",
        "WOAR" => "ArtistURL",
        "WOAS" => "SourceURL",
        "WORS" => "InternetRadioStationURL",
        "WPAY" => "PaymentURL",
        "WPUB" => "PublisherURL",
        "WXXX" => "UserDefinedURL",
        "XDOR" => "OriginalReleaseTime",
        "XSOA" => "AlbumSortOrder",
        "XSOP" => "PerformerSortOrder",
        "XSOT" => "TitleSortOrder",
        _ => "",
    };
    if !common.is_empty() {
        return Some(common);
    }
    if ver == 3 {
        return Some(match id {
            "IPLS" => "InvolvedPeople",
            "TDAT" => "Date",
            "TIME" => "Time",
            "TORY" => "OriginalReleaseYear",
            "TRDA" => "RecordingDates",
            "TSIZ" => "Size",
            "TYER" => "Year",
            _ => return None,
        });
    }
    Some(match id {
        "RVA2" => "RelativeVolumeAdjustment",
        "TDEN" => "EncodingTime",
        "TDOR" => "OriginalReleaseTime",
        "TDRC" => "RecordingTime",
        "TDRL" => "ReleaseTime",
        "TDTG" => "TaggingTime",
        "TIPL" => "InvolvedPeople",
        "TMCL" => "MusicianCredits",
        "TMOO" => "Mood",
        "TPRO" => "ProducedNotice",
        "TSOA" => "AlbumSortOrder",
        "TSOP" => "PerformerSortOrder",
        "TSOT" => "TitleSortOrder",
        "TSST" => "SetSubtitle",
        _ => return None,
    })
}

pub(crate) fn picture_type(n: u8) -> String {
    const T: [&str; 21] = [
        "Other",
        "32x32 PNG Icon",
        "Other Icon",
        "Front Cover",
        "Back Cover",
        "Leaflet",
        "Media",
        "Lead Artist",
        "Artist",
        "Conductor",
        "Band",
        "Composer",
        "Lyricist",
        "Recording Studio or Location",
        "Recording Session",
        "Performance",
        "Capture from Movie or Video",
        "Bright(ly) Colored Fish",
        "Illustration",
        "Band Logo",
        "Publisher Logo",
    ];
    T.get(n as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("Unknown ({n})"))
}

/// ExifTool's ID3::PrintGenre: "(17)" and "17" become genre names.
pub fn print_genre(v: &str) -> String {
    let name = |n: &str| -> String {
        match n {
            "CR" => "Cover".into(),
            "RX" => "Remix".into(),
            _ => n
                .parse::<u64>()
                .map(genre)
                .unwrap_or_else(|_| n.to_string()),
        }
    };
    // "(nn)" references
    let mut out = String::new();
    let mut rest = v;
    while let Some(p) = rest.find('(') {
        out.push_str(&rest[..p]);
        let after = &rest[p + 1..];
        match after.find(')') {
            Some(q) if q > 0 && after[..q].bytes().all(|b| b.is_ascii_digit()) => {
                out.push('(');
                out.push_str(&name(&after[..q]));
                out.push(')');
                rest = &after[q + 1..];
            }
            _ => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    // bare numbers between slashes
    let parts: Vec<String> = out
        .split('/')
        .map(|p| {
            if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
                name(p)
            } else {
                p.to_string()
            }
        })
        .collect();
    let mut s = parts.join("/");
    // "(Rock)" or "(Rock)Rock" -> "Rock"
    if s.starts_with('(') {
        if let Some(q) = s.find(')') {
            let inner = s[1..q].to_string();
            let tail = &s[q + 1..];
            if !inner.is_empty() && (tail.is_empty() || tail == inner) {
                s = inner;
            }
        }
    }
    s
}

pub(crate) fn id3v2_frames(meta: &mut Metadata, ver: u8, body: &[u8]) {
    let mut off = 0usize;
    let mut count = 0;
    loop {
        count += 1;
        if count > 10_000 || meta.budget.exceeded() {
            break;
        }
        let (id, len, flags, hdr) = if ver < 3 {
            let Some(h) = body.get(off..off + 6) else {
                break;
            };
            if h[..3] == [0, 0, 0] {
                break;
            }
            let len = ((h[3] as usize) << 16) | ((h[4] as usize) << 8) | h[5] as usize;
            (String::from_utf8_lossy(&h[..3]).into_owned(), len, 0u16, 6)
        } else {
            let Some(h) = body.get(off..off + 10) else {
                break;
            };
            if h[..4] == [0, 0, 0, 0] {
                break;
            }
            let mut len = u32::from_be_bytes([h[4], h[5], h[6], h[7]]) as usize;
            if ver >= 4 && len > 0x7f && len & 0x8080_8080 == 0 {
                if let Some(l) = unsyncsafe(len as u32) {
                    let l = l as usize;
                    // iTunes writes plain integers: keep whichever length lands on a frame.
                    let next_ok = |n: usize| {
                        body.get(off + 10 + n..off + 14 + n)
                            .map(|b| frame_name(ver, &String::from_utf8_lossy(b)).is_some())
                            .unwrap_or(false)
                    };
                    if next_ok(l) || !next_ok(len) {
                        len = l;
                    }
                }
            }
            (
                String::from_utf8_lossy(&h[..4]).into_owned(),
                len,
                u16::from_be_bytes([h[8], h[9]]),
                10,
            )
        };
        off += hdr;
        let Some(raw) = off.checked_add(len).and_then(|e| body.get(off..e)) else {
            meta.warn("Truncated ID3 frame");
            break;
        };
        off += len;
        // frames of the other 2.3/2.4 version are accepted too (ExifTool warns)
        let other = match ver {
            3 => 4,
            4 => 3,
            v => v,
        };
        let Some(name) = frame_name(ver, &id).or_else(|| frame_name(other, &id)) else {
            if id == "PRIV" {
                private_frame(meta, raw);
            }
            continue;
        };
        let (mut compress, mut encrypt, mut group, mut unsync, mut datalen) =
            (false, false, false, false, false);
        if ver == 3 {
            compress = flags & 0x80 != 0;
            encrypt = flags & 0x40 != 0;
            group = flags & 0x20 != 0;
        } else if ver == 4 {
            group = flags & 0x40 != 0;
            compress = flags & 0x08 != 0;
            encrypt = flags & 0x04 != 0;
            unsync = flags & 0x02 != 0;
            datalen = flags & 0x01 != 0;
        }
        if encrypt {
            meta.warn("Encrypted frames currently not supported");
            continue;
        }
        let mut val: Vec<u8> = if unsync {
            undo_unsync(raw)
        } else {
            raw.to_vec()
        };
        if group {
            if val.is_empty() {
                continue;
            }
            val.remove(0);
        }
        if datalen || compress {
            if val.len() < 4 {
                continue;
            }
            val.drain(..4);
        }
        if compress {
            use std::io::Read;
            let mut out = Vec::new();
            let d = flate2::read::ZlibDecoder::new(&val[..]);
            if d.take(16 << 20).read_to_end(&mut out).is_err() {
                meta.warn(format!("Error inflating {id} frame"));
                continue;
            }
            val = out;
        }
        frame(meta, &id, name, &val);
    }
}

/// A PRIV frame: owner identifier, NUL, data.
fn private_frame(meta: &mut Metadata, val: &[u8]) {
    let (owner, data) = match val.iter().position(|&b| b == 0) {
        Some(z) => (&val[..z], &val[z + 1..]),
        None => (&[][..], val),
    };
    let owner = String::from_utf8_lossy(owner).into_owned();
    let guid = |d: &[u8]| -> Option<String> {
        if d.len() != 16 {
            return None;
        }
        let a = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
        let b = u16::from_le_bytes([d[4], d[5]]);
        let c = u16::from_le_bytes([d[6], d[7]]);
        let rest: String = d[8..].iter().map(|x| format!("{x:02X}")).collect();
        Some(format!(
            "{a:08X}-{b:04X}-{c:04X}-{}-{}",
            &rest[..4],
            &rest[4..]
        ))
    };
    match owner.as_str() {
        "XMP" => crate::formats::xmp::parse(meta, data),
        "PeakValue" | "AverageLevel" if data.len() == 4 => {
            let v = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            meta.set(G, &owner, v as u64);
        }
        "WM/WMContentID"
        | "WM/WMCollectionID"
        | "WM/WMCollectionGroupID"
        | "WM/MediaClassPrimaryID"
        | "WM/MediaClassSecondaryID" => {
            let name = match owner.as_str() {
                "WM/WMContentID" => "WM_ContentID",
                "WM/WMCollectionID" => "WM_CollectionID",
                "WM/WMCollectionGroupID" => "WM_CollectionGroupID",
                "WM/MediaClassPrimaryID" => "WM_MediaClassPrimaryID",
                _ => "WM_MediaClassSecondaryID",
            };
            if let Some(g) = guid(data) {
                meta.set(G, name, g);
            }
        }
        "WM/Provider" => {
            let u: Vec<u16> = data
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let s = String::from_utf16_lossy(&u);
            meta.set(G, "WM_Provider", json_str(s.trim_end_matches('\0')));
        }
        _ => {} // binary data: ExifTool prints "(Binary data ...)"
    }
}

fn frame(meta: &mut Metadata, id: &str, name: &str, val: &[u8]) {
    let set_str = |meta: &mut Metadata, n: &str, s: String| meta.set(G, n, json_str(&s));
    match id {
        "TXX" | "TXXX" => {
            let Some((&enc, rest)) = val.split_first() else {
                return;
            };
            let v = decode_strings(enc, rest);
            let a = v.first().cloned().unwrap_or_default();
            let b = v.get(1).cloned().unwrap_or_default();
            let s = if a.is_empty() {
                b
            } else {
                format!("({a}) {b}")
            };
            set_str(meta, name, s);
        }
        "COM" | "COMM" | "ULT" | "USLT" | "USER" => {
            if val.len() <= 4 {
                return;
            }
            let lang = String::from_utf8_lossy(&val[1..4]).into_owned();
            let v = decode_strings(val[0], &val[4..]);
            let s = if id == "USER" {
                v.join("/")
            } else {
                let a = v.first().cloned().unwrap_or_default();
                let b = v.get(1).cloned().unwrap_or_default();
                if a.is_empty() {
                    b
                } else {
                    format!("({a}) {b}")
                }
            };
            let n = if lang.len() == 3
                && lang.bytes().all(|c| c.is_ascii_alphabetic())
                && lang != "eng"
            {
                format!("{name}-{}", lang.to_ascii_lowercase())
            } else {
                name.to_string()
            };
            set_str(meta, &n, s);
        }
        "WXX" | "WXXX" => {
            let Some(&enc) = val.first() else { return };
            let rest = &val[1..];
            let split = if enc == 1 || enc == 2 {
                (0..rest.len().saturating_sub(1))
                    .step_by(2)
                    .find(|&i| rest[i] == 0 && rest[i + 1] == 0)
                    .map(|i| (i, i + 2))
            } else {
                rest.iter().position(|&b| b == 0).map(|i| (i, i + 1))
            };
            let Some((a, b)) = split else { return };
            let d = decode_strings(enc, &rest[..a]).join("/");
            let url = text(&rest[b..]);
            let s = if d.is_empty() {
                url
            } else {
                format!("({d}) {url}")
            };
            meta.set(G, name, s);
        }
        "CNT" | "PCNT" if val.len() >= 4 => {
            let mut n: u64 = 0;
            for &b in val.iter().take(8) {
                n = (n << 8) | b as u64;
            }
            meta.set(G, name, n);
        }
        "PIC" | "APIC" => {
            if val.len() < 4 {
                return;
            }
            let enc = val[0];
            let rest = &val[1..];
            let (fmt, after) = if id == "PIC" {
                (text(&rest[..3]), &rest[3..])
            } else {
                let Some(z) = rest.iter().position(|&b| b == 0) else {
                    return;
                };
                (text(&rest[..z]), &rest[z + 1..])
            };
            let Some((&ptype, drest)) = after.split_first() else {
                return;
            };
            let desc_end = if enc == 1 || enc == 2 {
                (0..drest.len().saturating_sub(1))
                    .step_by(2)
                    .find(|&i| drest[i] == 0 && drest[i + 1] == 0)
            } else {
                drest.iter().position(|&b| b == 0)
            };
            let Some(de) = desc_end else { return };
            let desc = decode_strings(enc, &drest[..de]).join("/");
            let (n1, n3) = if id == "PIC" {
                ("PictureFormat", "PictureDescription")
            } else {
                ("PictureMIMEType", "PictureDescription")
            };
            meta.set(G, n1, fmt);
            meta.set(G, "PictureType", picture_type(ptype));
            meta.set(G, n3, json_str(&desc));
        }
        "POP" | "POPM" => {
            let Some(z) = val.iter().position(|&b| b == 0) else {
                return;
            };
            let email = text(&val[..z]);
            let dat = &val[z + 1..];
            let Some((&rating, xtra)) = dat.split_first() else {
                return;
            };
            let mut cnt: u64 = 0;
            for &b in xtra.iter().take(8) {
                cnt = (cnt << 8) | b as u64;
            }
            // PrintConv: "$1 Rating=$2 Count=$3" of the "email rating count" value
            meta.set(G, name, format!("{email} Rating={rating} Count={cnt}"));
        }
        "GRP1" | "MVNM" | "MVIN" => {
            let s = text(val.strip_prefix(&[0]).unwrap_or(val));
            set_str(meta, name, s);
        }
        _ if id.starts_with('T') || id == "IPL" || id == "IPLS" => {
            let s = decode_joined(val);
            match name {
                "Genre" => meta.set(G, name, print_genre(&s)),
                "Length" => {
                    if let Ok(ms) = s.trim().parse::<f64>() {
                        meta.set(G, name, format!("{} s", perl_num(ms / 1000.0)));
                    } else {
                        meta.set(G, name, s);
                    }
                }
                "Compilation" => match s.as_str() {
                    "0" => meta.set(G, name, "No"),
                    "1" => meta.set(G, name, "Yes"),
                    _ => set_str(meta, name, s),
                },
                "RecordingTime"
                | "EncodingTime"
                | "OriginalReleaseTime"
                | "ReleaseTime"
                | "TaggingTime" => set_str(meta, name, xmp_date(&s)),
                _ => set_str(meta, name, s),
            }
        }
        _ if id.starts_with('W') => {
            meta.set(G, name, text(val));
        }
        _ => {}
    }
}

fn id3v1(meta: &mut Metadata, t: &[u8]) {
    let s = |a: usize, n: usize| -> String {
        let raw = t.get(a..a + n).unwrap_or(&[]);
        let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
        raw[..end].iter().map(|&b| b as char).collect()
    };
    meta.add(G, "Title", json_str(&s(3, 30)));
    meta.add(G, "Artist", json_str(&s(33, 30)));
    meta.add(G, "Album", json_str(&s(63, 30)));
    meta.add(G, "Year", json_str(&s(93, 4)));
    meta.add(G, "Comment", json_str(&s(97, 30)));
    if let (Some(0), Some(&tr)) = (t.get(125).copied(), t.get(126)) {
        if tr != 0 {
            meta.add(G, "Track", tr as u64);
        }
    }
    if let Some(&g) = t.get(127) {
        meta.add(G, "Genre", genre(g as u64));
    }
}

pub(crate) fn id3_composites(meta: &mut Metadata) {
    let get = |meta: &Metadata, t: &str| -> Option<String> {
        meta.get(G, t).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    if let Some(rt) = get(meta, "RecordingTime").filter(|s| !s.is_empty()) {
        meta.add("composite", "DateTimeOriginal", json_str(&rt));
        return;
    }
    let Some(mut y) = get(meta, "Year").filter(|s| !s.is_empty() && s != "0") else {
        return;
    };
    let dd = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(d) = get(meta, "Date").filter(|d| dd(d)) {
        y = format!("{y}:{}:{}", &d[2..4], &d[0..2]);
        if let Some(t) = get(meta, "Time").filter(|t| dd(t)) {
            y = format!("{y} {}:{}", &t[0..2], &t[2..4]);
        }
    }
    meta.add("composite", "DateTimeOriginal", json_str(&y));
}

/// What the first MPEG audio frame told us.
pub struct AudioInfo {
    version: u8,
    sample_rate: u32,
    bitrate: Option<u32>,
    vbr_frames: Option<u32>,
    vbr_bytes: Option<u32>,
}

fn bitrate_of(version: u8, layer: u8, idx: u8) -> Option<u32> {
    const V1L1: [u32; 15] = [
        0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
    ];
    const V1L2: [u32; 15] = [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
    ];
    const V1L3: [u32; 15] = [
        0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
    ];
    const V2L1: [u32; 15] = [
        0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
    ];
    const V2L23: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    // version: 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5; layer: 3 = I, 2 = II, 1 = III
    let t = match (version, layer) {
        (3, 3) => &V1L1,
        (3, 2) => &V1L2,
        (3, 1) => &V1L3,
        (_, 3) => &V2L1,
        (_, 1 | 2) => &V2L23,
        _ => return None,
    };
    t.get(idx as usize).map(|k| k * 1000).filter(|&b| b > 0)
}

/// Finds and decodes the first MPEG audio frame header (layer 3) in `data`, ExifTool style.
pub fn mpeg_audio(meta: &mut Metadata, data: &[u8]) -> Option<AudioInfo> {
    let scan = &data[..data.len().min(8192)];
    let mut pos = None;
    let mut word = 0u32;
    let mut i = 0;
    while i + 4 <= scan.len() {
        if scan[i] == 0xff {
            let w = u32::from_be_bytes([scan[i], scan[i + 1], scan[i + 2], scan[i + 3]]);
            let bad = (w & 0xffe0_0000) != 0xffe0_0000
                || (w & 0x18_0000) == 0x08_0000
                || (w & 0x06_0000) == 0
                || (w & 0xf000) == 0
                || (w & 0xf000) == 0xf000
                || (w & 0x0c00) == 0x0c00
                || (w & 3) == 2
                || (w & 0x06_0000) != 0x02_0000;
            if !bad {
                pos = Some(i + 4);
                word = w;
                break;
            }
        }
        i += 1;
    }
    let pos = pos?;
    let version = ((word >> 19) & 3) as u8;
    let layer = ((word >> 17) & 3) as u8;
    let br_idx = ((word >> 12) & 15) as u8;
    let sr_idx = ((word >> 10) & 3) as usize;
    let mode = ((word >> 6) & 3) as u8;
    meta.set(
        M,
        "MPEGAudioVersion",
        match version {
            0 => json_str("2.5"),
            2 => 2.into(),
            _ => 1.into(),
        },
    );
    meta.set(M, "AudioLayer", (4 - layer) as u64);
    let br = bitrate_of(version, layer, br_idx);
    if let Some(b) = br {
        meta.set(M, "AudioBitrate", bitrate(b as f64));
    }
    let sr = match version {
        3 => [44100, 48000, 32000].get(sr_idx).copied(),
        2 => [22050, 24000, 16000].get(sr_idx).copied(),
        0 => [11025, 12000, 8000].get(sr_idx).copied(),
        _ => None,
    }?;
    meta.set(M, "SampleRate", sr as u64);
    meta.set(
        M,
        "ChannelMode",
        ["Stereo", "Joint Stereo", "Dual Channel", "Single Channel"][mode as usize],
    );
    let onoff = |b: u32| if b != 0 { "On" } else { "Off" };
    meta.set(M, "MSStereo", onoff((word >> 5) & 1));
    meta.set(M, "IntensityStereo", onoff((word >> 4) & 1));
    meta.set(M, "CopyrightFlag", (word >> 3) & 1 != 0);
    meta.set(M, "OriginalMedia", (word >> 2) & 1 != 0);
    meta.set(
        M,
        "Emphasis",
        ["None", "50/15 ms", "reserved", "CCIT J.17"][(word & 3) as usize],
    );
    let mut info = AudioInfo {
        version,
        sample_rate: sr,
        bitrate: br,
        vbr_frames: None,
        vbr_bytes: None,
    };
    xing(meta, data, pos, version, mode, &mut info);
    Some(info)
}

fn fix_utf8(raw: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = raw;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                out.push_str(std::str::from_utf8(&rest[..good]).unwrap_or(""));
                out.push('?');
                let skip = e.error_len().unwrap_or(rest.len() - good);
                rest = &rest[good + skip.max(1)..];
            }
        }
    }
    out.replace('\0', "")
}

fn xing(meta: &mut Metadata, data: &[u8], pos: usize, v: u8, m: u8, info: &mut AudioInfo) {
    let len = data.len();
    let mut pos = pos
        + if v == 3 {
            if m == 3 {
                17
            } else {
                32
            }
        } else if m == 3 {
            9
        } else {
            17
        };
    let Some(buff) = data.get(pos..pos + 8) else {
        return;
    };
    if !(buff.starts_with(b"Xing") || buff.starts_with(b"Info")) {
        return;
    }
    let is_vbr = !buff.starts_with(b"Info");
    let flags = be32(buff, 4).unwrap_or(0);
    pos += 8;
    let mut vbr_scale: u32 = 0;
    if flags & 1 != 0 {
        let Some(n) = be32(data, pos) else { return };
        if is_vbr {
            meta.set(M, "VBRFrames", n as u64);
            info.vbr_frames = Some(n);
        }
        pos += 4;
    }
    if flags & 2 != 0 {
        let Some(n) = be32(data, pos) else { return };
        if is_vbr {
            meta.set(M, "VBRBytes", n as u64);
            info.vbr_bytes = Some(n);
        }
        pos += 4;
    }
    if flags & 4 != 0 {
        if pos + 100 > len {
            return;
        }
        pos += 100;
    }
    if flags & 8 != 0 {
        let Some(n) = be32(data, pos) else { return };
        vbr_scale = n;
        if is_vbr {
            meta.set(M, "VBRScale", n as u64);
        }
        pos += 4;
    }
    if flags & 0x10 != 0 {
        if pos + 348 > len {
            return;
        }
    } else if pos + 4 <= len {
        let lib = &data[pos..pos + 4];
        if lib != b"LAME" && lib != b"GOGO" {
            return;
        }
    }
    if len - pos.min(len) < 9 {
        return;
    }
    let enc = &data[pos..pos + 9];
    if enc >= &b"LAME3.90"[..] {
        meta.set(M, "Encoder", fix_utf8(enc));
        if vbr_scale <= 100 {
            meta.set(M, "LameVBRQuality", ((100 - vbr_scale) / 10) as u64);
            meta.set(M, "LameQuality", ((100 - vbr_scale) % 10) as u64);
        }
        let l = &data[pos..];
        if let Some(&b) = l.get(9) {
            let s = match b & 0x0f {
                1 => "CBR",
                2 => "ABR",
                3 | 5 => "VBR (old/rh)",
                4 => "VBR (new/mtrh)",
                6 => "VBR",
                8 => "CBR (2-pass)",
                9 => "ABR (2-pass)",
                _ => "",
            };
            let s = if s.is_empty() {
                format!("Unknown ({})", b & 0x0f)
            } else {
                s.to_string()
            };
            meta.set(M, "LameMethod", s);
        }
        if let Some(&b) = l.get(10) {
            meta.set(
                M,
                "LameLowPassFilter",
                format!("{} kHz", perl_num(b as f64 * 100.0 / 1000.0)),
            );
        }
        if let Some(&b) = l.get(20) {
            meta.set(M, "LameBitrate", bitrate(b as f64 * 1000.0));
        }
        if let Some(&b) = l.get(24) {
            let s = match (b & 0x1c) >> 2 {
                0 => "Mono".to_string(),
                1 => "Stereo".to_string(),
                2 => "Dual Channels".to_string(),
                3 => "Joint Stereo".to_string(),
                4 => "Forced Joint Stereo".to_string(),
                6 => "Auto".to_string(),
                7 => "Intensity Stereo".to_string(),
                n => format!("Unknown ({n})"),
            };
            meta.set(M, "LameStereoMode", s);
        }
    } else {
        let end = (pos + 20).min(len);
        meta.set(M, "Encoder", fix_utf8(&data[pos..end]));
    }
}

pub fn mpeg_composites(meta: &mut Metadata, a: &AudioInfo, file_size: u64, id3_size: u64) {
    let div = if a.version == 3 { 144.0 } else { 72.0 };
    let mfs = a.sample_rate as f64 / div;
    let dur = match a.vbr_frames {
        Some(f) if f > 0 => Some(8.0 * f as f64 / mfs),
        _ => a
            .bitrate
            .map(|b| 8.0 * file_size.saturating_sub(id3_size) as f64 / b as f64),
    };
    if let Some(d) = dur {
        meta.add("composite", "Duration", format!("{} (approx)", duration(d)));
    }
    if let (Some(f), Some(b)) = (a.vbr_frames, a.vbr_bytes) {
        if f > 0 {
            meta.add(
                "composite",
                "AudioBitrate",
                bitrate(mfs * b as f64 / f as f64),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn frame3(id: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(body.len() as u32).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(body);
        v
    }

    pub(crate) fn sample_mp3() -> Vec<u8> {
        let mut frames = Vec::new();
        frames.extend(frame3(b"TIT2", b"\0Song Title"));
        frames.extend(frame3(b"TPE1", b"\x01\xff\xfeA\0r\0t\0"));
        frames.extend(frame3(b"TYER", b"\x002024"));
        frames.extend(frame3(b"TCON", b"\0(17)"));
        frames.extend(frame3(b"TRCK", b"\x003/12"));
        frames.extend(frame3(b"COMM", b"\0engdesc\0A comment"));
        frames.extend(frame3(b"TLEN", b"\x003000"));
        frames.extend(frame3(b"TXXX", b"\0MyKey\0MyValue"));
        frames.extend(frame3(b"POPM", b"a@b.c\0\xc4\0\0\0\x03"));
        frames.extend_from_slice(&[0; 20]);
        let n = frames.len() as u32;
        let ss = (n & 0x7f) | ((n << 1) & 0x7f00) | ((n << 2) & 0x7f_0000);
        let mut d = b"ID3\x03\x00\x00".to_vec();
        d.extend_from_slice(&ss.to_be_bytes());
        d.extend(frames);
        // an MPEG-1 layer III frame: 128 kbps, 44100 Hz, joint stereo, Xing header
        let hdr = 0xFFFB_9064u32;
        let mut f = hdr.to_be_bytes().to_vec();
        f.extend_from_slice(&[0; 32]);
        f.extend_from_slice(b"Xing");
        f.extend_from_slice(&0x0fu32.to_be_bytes());
        f.extend_from_slice(&1000u32.to_be_bytes());
        f.extend_from_slice(&400_000u32.to_be_bytes());
        f.extend_from_slice(&[0; 100]);
        f.extend_from_slice(&78u32.to_be_bytes());
        f.extend_from_slice(b"LAME3.99r");
        f.extend_from_slice(&[0x03, 0xC8, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0x0C]);
        f.resize(417, 0);
        d.extend(f);
        let mut v1 = b"TAG".to_vec();
        v1.extend_from_slice(&[b'x'; 30]);
        v1.resize(128, 0);
        v1[127] = 13;
        d.extend(v1);
        d
    }

    #[test]
    fn reads_id3_and_mpeg() {
        let d = sample_mp3();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("id3", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("Title"), json!("Song Title"));
        assert_eq!(g("Artist"), json!("Art"));
        assert_eq!(g("Year"), json!(2024));
        assert_eq!(g("Genre"), json!("Rock"));
        assert_eq!(g("Track"), json!("3/12"));
        assert_eq!(g("Comment"), json!("(desc) A comment"));
        assert_eq!(g("Length"), json!("3 s"));
        assert_eq!(g("UserDefinedText"), json!("(MyKey) MyValue"));
        assert_eq!(g("Popularimeter"), json!("a@b.c Rating=196 Count=3"));
        // ID3v1 has lower priority, but fills in what v2 lacks
        assert_eq!(g("Album"), json!(""));
        let p = |t: &str| m.get("mpeg", t).cloned().unwrap_or(json!(null));
        assert_eq!(p("MPEGAudioVersion"), json!(1));
        assert_eq!(p("AudioLayer"), json!(3));
        assert_eq!(p("AudioBitrate"), json!("128 kbps"));
        assert_eq!(p("SampleRate"), json!(44100));
        assert_eq!(p("ChannelMode"), json!("Joint Stereo"));
        assert_eq!(p("VBRFrames"), json!(1000));
        assert_eq!(p("Encoder"), json!("LAME3.99r"));
        assert_eq!(p("LameMethod"), json!("VBR (old/rh)"));
        assert_eq!(p("LameLowPassFilter"), json!("20 kHz"));
        assert_eq!(p("LameVBRQuality"), json!(2));
        let c = |t: &str| m.get("composite", t).cloned().unwrap_or(json!(null));
        assert_eq!(c("Duration"), json!("26.12 s (approx)"));
        assert_eq!(c("AudioBitrate"), json!("122 kbps"));
        assert_eq!(c("DateTimeOriginal"), json!(2024));
    }

    #[test]
    fn reads_ape_tag_before_id3v1() {
        let mut d = sample_mp3();
        let v1 = d.split_off(d.len() - 128);
        let items: [(&[u8], &[u8], u32); 2] = [
            (b"REPLAYGAIN_TRACK_GAIN", b"-3.21 dB", 0),
            (b"Cover Art (Front)", b"x.jpg\0\xff\xd8", 2),
        ];
        let mut it = Vec::new();
        for (k, v, f) in items {
            it.extend_from_slice(&(v.len() as u32).to_le_bytes());
            it.extend_from_slice(&f.to_le_bytes());
            it.extend_from_slice(k);
            it.push(0);
            it.extend_from_slice(v);
        }
        let mut foot = b"APETAGEX".to_vec();
        for v in [2000u32, it.len() as u32 + 32, 2, 0x8000_0000] {
            foot.extend_from_slice(&v.to_le_bytes());
        }
        foot.extend_from_slice(&[0; 8]);
        d.extend(it);
        d.extend(foot);
        d.extend(v1);
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(
            m.get("ape", "ReplaygainTrackGain"),
            Some(&json!("-3.21 dB"))
        );
        assert_eq!(m.get("ape", "CoverArtFrontDesc"), Some(&json!("x.jpg")));
        assert!(m.get("ape", "CoverArtFront").is_none());
        for n in (d.len() - 300)..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    #[test]
    fn genre_printing() {
        assert_eq!(print_genre("(17)"), "Rock");
        assert_eq!(print_genre("17"), "Rock");
        assert_eq!(print_genre("(17)Rock"), "Rock");
        assert_eq!(print_genre("Jazz"), "Jazz");
        assert_eq!(print_genre("(200)"), "(Unknown (200))");
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample_mp3();
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
