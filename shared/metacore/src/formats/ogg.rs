//! Ogg: Vorbis identification/comment headers and Opus head/tags (ExifTool's Ogg.pm,
//! Vorbis.pm, Opus.pm). Pages are reassembled into packets for the first logical stream;
//! only the header packets are read.

use crate::bytes::{le16, le32};
use crate::formats::quicktime::conv::{bitrate, duration, json_str, num};
use crate::model::Metadata;
use serde_json::Value;

/// Largest header packet reassembled (cover art in comments can be big).
const MAX_PACKET: usize = 16 << 20;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    let packets = header_packets(meta, data, 3);
    let mut nominal: Option<u32> = None;
    for p in &packets {
        if let Some(rest) = p.strip_prefix(b"\x01vorbis") {
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

/// The first `want` packets of the first logical stream.
fn header_packets(meta: &mut Metadata, data: &[u8], want: usize) -> Vec<Vec<u8>> {
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut pos = 0usize;
    let mut serial: Option<u32> = None;
    let mut pages = 0;
    while packets.len() < want {
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
        let sn = le32(h, 14).unwrap_or(0);
        let nseg = h[26] as usize;
        let Some(table) = data.get(pos + 27..pos + 27 + nseg) else {
            meta.warn("Truncated Ogg page");
            break;
        };
        let body_len: usize = table.iter().map(|&s| s as usize).sum();
        let body_start = pos + 27 + nseg;
        let body = data.get(body_start..body_start + body_len);
        let next = body_start + body_len;
        let same = match serial {
            None => {
                serial = Some(sn);
                true
            }
            Some(s) => s == sn,
        };
        if same {
            let Some(body) = body else {
                meta.warn("Truncated Ogg page");
                break;
            };
            let mut off = 0;
            for &s in table {
                let s = s as usize;
                if cur.len() + s <= MAX_PACKET {
                    cur.extend_from_slice(&body[off..off + s]);
                }
                off += s;
                if s < 255 {
                    packets.push(std::mem::take(&mut cur));
                    if packets.len() >= want {
                        break;
                    }
                }
            }
        }
        pos = next;
    }
    packets
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
