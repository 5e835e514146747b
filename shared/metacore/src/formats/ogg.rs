//! Ogg: Vorbis identification/comment headers, Opus head/tags and Theora identification/
//! comments (ExifTool's Ogg.pm, Vorbis.pm, Opus.pm, Theora.pm). Pages are reassembled into
//! packets for each logical stream; only the header packets are read.

use crate::bytes::{be32, le16, le32};
use crate::formats::quicktime::conv::{bitrate, duration, json_str, num};
use crate::model::Metadata;
use serde_json::Value;

/// Largest header packet reassembled (cover art in comments can be big).
const MAX_PACKET: usize = 16 << 20;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let packets = header_packets(meta, data, 3);
    let mut nominal: Option<u32> = None;
    for p in &packets {
        if let Some(rest) = p.strip_prefix(b"\x80theora") {
            theora_ident(meta, rest);
            // an Ogg with Theora video is an OGV (Ogg.pm's OverrideFileType)
            if meta.get("file", "FileType").and_then(|v| v.as_str()) == Some("OGG") {
                meta.set("file", "FileType", "OGV");
                meta.set("file", "FileTypeExtension", "ogv");
                meta.set("file", "MIMEType", "video/ogg");
            }
        } else if let Some(rest) = p.strip_prefix(b"\x81theora") {
            vorbis_comments(meta, rest);
        } else if let Some(rest) = p.strip_prefix(b"\x01vorbis") {
            vorbis_ident(meta, rest, &mut nominal);
        } else if let Some(rest) = p.strip_prefix(b"\x03vorbis") {
            vorbis_comments(meta, rest);
        } else if let Some(rest) = p.strip_prefix(b"OpusHead") {
            opus_head(meta, rest);
        } else if let Some(rest) = p.strip_prefix(b"OpusTags") {
            vorbis_comments(meta, rest);
        } else if p.starts_with(b"\x7fFLAC") {
            // Ogg FLAC: mapping header then a STREAMINFO block.
            if let Some(si) = p.get(13..) {
                if si.len() >= 4 && si[0] & 0x7f == 0 {
                    crate::formats::flac::stream_info(meta, si.get(4..).unwrap_or(&[]));
                }
            }
        } else if p.first().map(|b| b & 0x7f) == Some(4)
            && packets.iter().any(|q| q.starts_with(b"\x7fFLAC"))
        {
            if let Some(c) = p.get(4..) {
                vorbis_comments(meta, c);
            }
        }
    }
    if let Some(n) = nominal {
        let d = data.len() as f64 * 8.0 / n as f64;
        meta.add("composite", "Duration", format!("{} (approx)", duration(d)));
    }
}

/// Most logical streams read (a video has one per track).
const MAX_STREAMS: usize = 8;

/// The first `want` packets of each logical stream, in the order they complete (as
/// ExifTool's Ogg.pm processes them, so a later stream's comments win). Stops once the
/// beginning-of-stream pages are over and every stream gave its packets or ended.
fn header_packets(meta: &mut Metadata, data: &[u8], want: usize) -> Vec<Vec<u8>> {
    struct Stream {
        serial: u32,
        cur: Vec<u8>,
        done: usize,
        ended: bool,
    }
    let mut streams: Vec<Stream> = Vec::new();
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut pos = 0usize;
    let mut pages = 0;
    let mut bos_over = false;
    // bytes held in packets and partial packets, all streams together
    let mut held = 0usize;
    loop {
        if bos_over && streams.iter().all(|s| s.done >= want || s.ended) {
            break;
        }
        pages += 1;
        if pages > 100_000 || meta.budget.exceeded() {
            break;
        }
        let Some(h) = data.get(pos..pos + 27) else {
            break;
        };
        if &h[..4] != b"OggS" {
            meta.warn("Lost synchronization with Ogg pages");
            break;
        }
        let flag = h[5];
        let sn = le32(h, 14).unwrap_or(0);
        let nseg = h[26] as usize;
        let Some(table) = data.get(pos + 27..pos + 27 + nseg) else {
            meta.warn("Truncated Ogg page");
            break;
        };
        let body_len: usize = table.iter().map(|&s| s as usize).sum();
        let body_start = pos + 27 + nseg;
        let body = data.get(body_start..body_start + body_len);
        pos = body_start + body_len;
        if flag & 0x02 == 0 {
            bos_over = true;
        }
        let idx = match streams.iter().position(|s| s.serial == sn) {
            Some(i) => i,
            None if streams.len() < MAX_STREAMS => {
                streams.push(Stream {
                    serial: sn,
                    cur: Vec::new(),
                    done: 0,
                    ended: false,
                });
                streams.len() - 1
            }
            None => continue,
        };
        let st = &mut streams[idx];
        if flag & 0x04 != 0 {
            st.ended = true;
        }
        if st.done >= want {
            continue;
        }
        let Some(body) = body else {
            meta.warn("Truncated Ogg page");
            break;
        };
        let mut off = 0;
        for &s in table {
            let s = s as usize;
            if held + s <= MAX_PACKET {
                st.cur.extend_from_slice(&body[off..off + s]);
                held += s;
            }
            off += s;
            if s < 255 {
                packets.push(std::mem::take(&mut st.cur));
                st.done += 1;
                if st.done >= want {
                    break;
                }
            }
        }
    }
    packets
}

/// Theora.pm's identification header (after `\x80theora`), group `theora`.
fn theora_ident(meta: &mut Metadata, p: &[u8]) {
    const G: &str = "theora";
    let be24 = |o: usize| {
        p.get(o..o + 3)
            .map(|b| u32::from_be_bytes([0, b[0], b[1], b[2]]))
    };
    let be16 = |o: usize| p.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    if let Some(v) = p.get(0..3) {
        meta.set(G, "TheoraVersion", format!("{}.{}.{}", v[0], v[1], v[2]));
    }
    if let Some(w) = be24(7).filter(|_| p.len() >= 11) {
        meta.set(G, "ImageWidth", w as u64);
    }
    if let Some(h) = be24(10).filter(|_| p.len() >= 14) {
        meta.set(G, "ImageHeight", h as u64);
    }
    if let Some(&x) = p.get(13) {
        meta.set(G, "XOffset", x as u64);
    }
    if let Some(&y) = p.get(14) {
        meta.set(G, "YOffset", y as u64);
    }
    if let (Some(n), Some(d)) = (be32(p, 15), be32(p, 19)) {
        if d != 0 {
            let r = n as f64 / d as f64;
            meta.set(G, "FrameRate", num((r * 1000.0 + 0.5).floor() / 1000.0));
        }
    }
    if let (Some(a), Some(b), Some(c)) = (be16(23), be16(25), be16(27)) {
        let (a, b, c) = (u32::from(a), u32::from(b), u32::from(c));
        let den = ((b & 0xff) << 8) + c;
        if den != 0 {
            let r = f64::from((a << 8) + (b >> 8)) / f64::from(den);
            meta.set(
                G,
                "PixelAspectRatio",
                num((r * 1000.0 + 0.5).floor() / 1000.0),
            );
        }
    }
    if let Some(&c) = p.get(29) {
        let v = match c {
            0 => "Undefined".to_string(),
            1 => "Rec. 470M".to_string(),
            2 => "Rec. 470BG".to_string(),
            n => format!("Unknown ({n})"),
        };
        meta.set(G, "ColorSpace", v);
    }
    if let Some(b) = be32(p, 30) {
        let b = b >> 8;
        let v = if b == 0 {
            "Unspecified".to_string()
        } else {
            bitrate(b as f64)
        };
        meta.set(G, "NominalVideoBitrate", v);
    }
    if let Some(&q) = p.get(33) {
        meta.set(G, "Quality", (q >> 2) as u64);
    }
    if let Some(&f) = p.get(34) {
        let v = match (f >> 3) & 3 {
            0 => "4:2:0".to_string(),
            2 => "4:2:2".to_string(),
            3 => "4:4:4".to_string(),
            n => format!("Unknown ({n})"),
        };
        meta.set(G, "PixelFormat", v);
    }
}

fn vorbis_ident(meta: &mut Metadata, p: &[u8], nominal: &mut Option<u32>) {
    const G: &str = "vorbis";
    if let Some(v) = le32(p, 0) {
        meta.set(G, "VorbisVersion", v as u64);
    }
    if let Some(&c) = p.get(4) {
        meta.set(G, "AudioChannels", c as u64);
    }
    if let Some(r) = le32(p, 5) {
        meta.set(G, "SampleRate", r as u64);
    }
    for (off, name) in [
        (9, "MaximumBitrate"),
        (13, "NominalBitrate"),
        (17, "MinimumBitrate"),
    ] {
        if let Some(b) = le32(p, off) {
            // 0 means "unset"; ExifTool reads these as unsigned.
            if b != 0 {
                meta.set(G, name, bitrate(b as f64));
                if off == 13 {
                    *nominal = Some(b);
                }
            }
        }
    }
}

fn opus_head(meta: &mut Metadata, p: &[u8]) {
    const G: &str = "opus";
    if let Some(&v) = p.first() {
        meta.set(G, "OpusVersion", v as u64);
    }
    if let Some(&c) = p.get(1) {
        meta.set(G, "AudioChannels", c as u64);
    }
    if let Some(r) = le32(p, 4) {
        meta.set(G, "SampleRate", r as u64);
    }
    if let Some(g) = le16(p, 8) {
        meta.set(G, "OutputGain", num(10f64.powf(g as f64 / 5120.0)));
    }
}

/// ExifTool's name for a Vorbis comment field.
fn comment_name(field: &str) -> String {
    let known = match field {
        "TITLE" => "Title",
        "VERSION" => "Version",
        "ALBUM" => "Album",
        "TRACKNUMBER" => "TrackNumber",
        "ARTIST" => "Artist",
        "PERFORMER" => "Performer",
        "COPYRIGHT" => "Copyright",
        "LICENSE" => "License",
        "ORGANIZATION" => "Organization",
        "DESCRIPTION" => "Description",
        "GENRE" => "Genre",
        "DATE" => "Date",
        "LOCATION" => "Location",
        "CONTACT" => "Contact",
        "ISRC" => "ISRCNumber",
        "COVERARTMIME" => "CoverArtMIMEType",
        "COVERART" => "CoverArt",
        "REPLAYGAIN_TRACK_PEAK" => "ReplayGainTrackPeak",
        "REPLAYGAIN_TRACK_GAIN" => "ReplayGainTrackGain",
        "REPLAYGAIN_ALBUM_PEAK" => "ReplayGainAlbumPeak",
        "REPLAYGAIN_ALBUM_GAIN" => "ReplayGainAlbumGain",
        "ENCODED_USING" => "EncodedUsing",
        "ENCODED_BY" => "EncodedBy",
        "COMMENT" => "Comment",
        "DIRECTOR" => "Director",
        "PRODUCER" => "Producer",
        "COMPOSER" => "Composer",
        "ACTOR" => "Actor",
        "ENCODER" => "Encoder",
        "ENCODER_OPTIONS" => "EncoderOptions",
        "METADATA_BLOCK_PICTURE" => "Picture",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // ucfirst(lc(tag)); s/[^\w-]+(.?)/\U$1/g; s/([a-z0-9])_([a-z])/$1\U$2/g
    let lower = field.to_lowercase();
    let mut s: String = lower
        .chars()
        .enumerate()
        .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
        .collect();
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.push(c);
        } else {
            while chars
                .peek()
                .is_some_and(|d| !(d.is_alphanumeric() || *d == '_' || *d == '-'))
            {
                chars.next();
            }
            if let Some(n) = chars.next() {
                out.extend(n.to_uppercase());
            }
        }
    }
    s = out;
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '_'
            && i > 0
            && (cs[i - 1].is_ascii_lowercase() || cs[i - 1].is_ascii_digit())
            && cs.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
        {
            out.extend(cs[i + 1].to_uppercase());
            i += 2;
            continue;
        }
        out.push(cs[i]);
        i += 1;
    }
    out
}

/// A Vorbis comment block (vendor string, count, `NAME=value` fields), group `vorbis`.
pub fn vorbis_comments(meta: &mut Metadata, p: &[u8]) {
    const G: &str = "vorbis";
    let Some(vlen) = le32(p, 0) else { return };
    let vlen = vlen as usize;
    let Some(vendor) = p.get(4..4usize.saturating_add(vlen)) else {
        meta.warn("Format error in Vorbis comments");
        return;
    };
    meta.set(G, "Vendor", json_str(&String::from_utf8_lossy(vendor)));
    let mut pos = 4 + vlen;
    let n = le32(p, pos).unwrap_or(0);
    pos += 4;
    for _ in 0..n.min(100_000) {
        let Some(len) = le32(p, pos) else {
            meta.warn("Format error in Vorbis comments");
            return;
        };
        let len = len as usize;
        let Some(field) = p.get(pos + 4..(pos + 4).saturating_add(len)) else {
            meta.warn("Format error in Vorbis comments");
            return;
        };
        pos += 4 + len;
        let s = String::from_utf8_lossy(field);
        let Some((k, v)) = s.split_once('=') else {
            meta.warn("Format error in Vorbis comments");
            return;
        };
        let key = k.to_uppercase();
        if key == "METADATA_BLOCK_PICTURE" {
            if let Some(raw) = base64(v) {
                crate::formats::flac::picture(meta, &raw);
            }
            continue;
        }
        let name = comment_name(&key);
        if name.is_empty() {
            continue;
        }
        let val = json_str(v);
        let list = matches!(key.as_str(), "ARTIST" | "PERFORMER" | "CONTACT");
        match (list, meta.get(G, &name).cloned()) {
            (true, Some(Value::Array(mut a))) => {
                a.push(val);
                meta.set(G, &name, Value::Array(a));
            }
            (true, Some(old)) => meta.set(G, &name, Value::Array(vec![old, val])),
            _ => meta.set(G, &name, val),
        }
    }
}

fn base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\r' | b'\n' | b' ' => continue,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn page(serial: u32, seq: u32, packet: &[u8]) -> Vec<u8> {
        let mut segs = Vec::new();
        let mut n = packet.len();
        while n >= 255 {
            segs.push(255u8);
            n -= 255;
        }
        segs.push(n as u8);
        let mut v = b"OggS\0\x02".to_vec();
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&serial.to_le_bytes());
        v.extend_from_slice(&seq.to_le_bytes());
        v.extend_from_slice(&[0; 4]);
        v.push(segs.len() as u8);
        v.extend(segs);
        v.extend_from_slice(packet);
        v
    }

    pub(crate) fn comments(vendor: &str, fields: &[&str]) -> Vec<u8> {
        let mut c = (vendor.len() as u32).to_le_bytes().to_vec();
        c.extend_from_slice(vendor.as_bytes());
        c.extend_from_slice(&(fields.len() as u32).to_le_bytes());
        for f in fields {
            c.extend_from_slice(&(f.len() as u32).to_le_bytes());
            c.extend_from_slice(f.as_bytes());
        }
        c
    }

    fn sample_vorbis() -> Vec<u8> {
        let mut id = b"\x01vorbis".to_vec();
        id.extend_from_slice(&0u32.to_le_bytes());
        id.push(2);
        id.extend_from_slice(&44100u32.to_le_bytes());
        id.extend_from_slice(&0u32.to_le_bytes());
        id.extend_from_slice(&112_000u32.to_le_bytes());
        id.extend_from_slice(&0u32.to_le_bytes());
        id.extend_from_slice(&[0xb8, 1]);
        let mut c = b"\x03vorbis".to_vec();
        c.extend(comments(
            "Xiph.Org libVorbis",
            &[
                "TITLE=Ogg Title",
                "ARTIST=A",
                "ARTIST=B",
                "DATE=2024",
                "MY_FIELD=x",
            ],
        ));
        c.extend_from_slice(&[0; 300]); // spans two pages
        c.push(1);
        let mut d = page(7, 0, &id);
        let (a, b) = c.split_at(255);
        // the packet continues on the next page: this page's only segment is 255 bytes
        let mut p2 = page(7, 1, &[]);
        p2.truncate(27);
        p2[26] = 1;
        p2.push(255);
        p2.extend_from_slice(a);
        d.extend(p2);
        d.extend(page(7, 2, b));
        d.extend(page(7, 3, b"\x05vorbis"));
        d
    }

    #[test]
    fn reads_vorbis() {
        let d = sample_vorbis();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("vorbis", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("VorbisVersion"), json!(0));
        assert_eq!(g("AudioChannels"), json!(2));
        assert_eq!(g("SampleRate"), json!(44100));
        assert_eq!(g("NominalBitrate"), json!("112 kbps"));
        assert_eq!(g("Vendor"), json!("Xiph.Org libVorbis"));
        assert_eq!(g("Title"), json!("Ogg Title"));
        assert_eq!(g("Artist"), json!(["A", "B"]));
        assert_eq!(g("Date"), json!(2024));
        assert_eq!(g("MyField"), json!("x"));
        assert!(m.get("composite", "Duration").is_some());
    }

    #[test]
    fn reads_opus() {
        let mut h = b"OpusHead\x01\x02".to_vec();
        h.extend_from_slice(&312u16.to_le_bytes());
        h.extend_from_slice(&48000u32.to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.push(0);
        let mut t = b"OpusTags".to_vec();
        t.extend(comments("libopus 1.3.1", &["title=Opus Title"]));
        let mut d = page(1, 0, &h);
        d.extend(page(1, 1, &t));
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        assert_eq!(m.get("opus", "SampleRate"), Some(&json!(48000)));
        assert_eq!(m.get("opus", "OutputGain"), Some(&json!(1)));
        assert_eq!(m.get("vorbis", "Title"), Some(&json!("Opus Title")));
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    /// A page with the given header flag (0x02 begins a stream).
    fn page_flag(serial: u32, flag: u8, packet: &[u8]) -> Vec<u8> {
        let mut p = page(serial, 0, packet);
        p[5] = flag;
        p
    }

    fn sample_theora() -> Vec<u8> {
        let mut id = b"\x80theora".to_vec();
        id.extend_from_slice(&[3, 2, 1, 0, 10, 0, 8]); // version, macroblocks
        id.extend_from_slice(&[0, 0, 160, 0, 0, 120, 0, 8]); // picture size, offsets
        id.extend_from_slice(&25u32.to_be_bytes());
        id.extend_from_slice(&1u32.to_be_bytes());
        id.extend_from_slice(&[0, 0, 1, 0, 0, 1]); // aspect 1:1
        id.push(0); // colour space
        id.extend_from_slice(&[0x03, 0x0d, 0x40]); // 200 kbps
        id.extend_from_slice(&[0x00, 0x18, 0x00]); // quality 0, 4:4:4
        let mut vid = b"\x01vorbis".to_vec();
        vid.extend_from_slice(&0u32.to_le_bytes());
        vid.push(1);
        vid.extend_from_slice(&44100u32.to_le_bytes());
        vid.extend_from_slice(&[0; 4]);
        vid.extend_from_slice(&80_000u32.to_le_bytes());
        vid.extend_from_slice(&[0; 4]);
        vid.extend_from_slice(&[0xb8, 1]);
        let mut tc = b"\x81theora".to_vec();
        tc.extend(comments("Lavf", &["ENCODER=libtheora", "TITLE=Clip"]));
        let mut vc = b"\x03vorbis".to_vec();
        vc.extend(comments("Lavf", &["ENCODER=libvorbis", "TITLE=Clip"]));
        [
            page_flag(1, 2, &id),
            page_flag(2, 2, &vid),
            page_flag(1, 0, &tc),
            page_flag(2, 0, &vc),
            page_flag(1, 0, &[0x55; 40]),
        ]
        .concat()
    }

    #[test]
    fn reads_theora_and_vorbis_streams() {
        let d = sample_theora();
        let m = crate::extract(&d, Some("clip.ogv"));
        let t = |tag: &str| m.get("theora", tag).cloned().unwrap_or(json!(null));
        assert_eq!(t("TheoraVersion"), json!("3.2.1"));
        assert_eq!(t("ImageWidth"), json!(160));
        assert_eq!(t("ImageHeight"), json!(120));
        assert_eq!(t("YOffset"), json!(8));
        assert_eq!(t("FrameRate"), json!(25));
        assert_eq!(t("PixelAspectRatio"), json!(1));
        assert_eq!(t("ColorSpace"), json!("Undefined"));
        assert_eq!(t("NominalVideoBitrate"), json!("200 kbps"));
        assert_eq!(t("Quality"), json!(0));
        assert_eq!(t("PixelFormat"), json!("4:4:4"));
        // the Vorbis stream's comments come last and win
        assert_eq!(m.get("vorbis", "Encoder"), Some(&json!("libvorbis")));
        assert_eq!(m.get("vorbis", "SampleRate"), Some(&json!(44100)));
        assert_eq!(m.get("file", "FileType"), Some(&json!("OGV")));
        assert_eq!(m.get("file", "MIMEType"), Some(&json!("video/ogg")));
        assert_eq!(m.get("composite", "ImageSize"), Some(&json!("160x120")));
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample_vorbis();
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    #[test]
    fn comment_names() {
        assert_eq!(comment_name("MY_FIELD"), "MyField");
        assert_eq!(comment_name("REPLAYGAIN_TRACK_GAIN"), "ReplayGainTrackGain");
        assert_eq!(comment_name("X-FOO BAR"), "X-fooBar");
    }
}
