//! AIFF and AIFF-C audio (ExifTool's AIFF.pm): the `FORM` chunk's COMM (channels, sample
//! frames, sample size, 80-bit sample rate, compression), FVER, COMT comments, the NAME,
//! AUTH, `(c) ` and ANNO texts (Mac Roman), an `ID3 ` chunk, and the Duration composite.

use crate::bytes::{be16, be32, sub};
use crate::formats::quicktime::conv::{duration, json_str, num, unix_time, MAC_EPOCH_OFFSET};
use crate::model::Metadata;

const G: &str = "aiff";

/// Most chunks looked at (ExifTool walks them all; a real file has a handful).
const MAX_CHUNKS: usize = 100_000;

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if data.get(8..12) == Some(b"AIFC") {
        meta.set("file", "FileType", "AIFC");
        meta.set("file", "FileTypeExtension", "aifc");
    }
    let mut pos = 12usize;
    let mut rate_frames: (Option<f64>, Option<u32>) = (None, None);
    for _ in 0..MAX_CHUNKS {
        if meta.budget.exceeded() {
            break;
        }
        let (Some(tag), Some(len)) = (sub(data, pos, 4), be32(data, pos + 4)) else {
            break;
        };
        let len = len as usize;
        // chunks are padded to an even length
        let len2 = len.saturating_add(len & 1);
        let start = pos + 8;
        let known = matches!(
            tag,
            b"FVER" | b"COMM" | b"COMT" | b"NAME" | b"AUTH" | b"(c) " | b"ANNO" | b"ID3 "
        );
        if known && len2 > 100_000_000 {
            meta.warn("Skipping large AIFF chunk (> 100 MB)");
        } else if known {
            let Some(p) = data.get(start..start.saturating_add(len)) else {
                meta.warn("Error reading AIFF file (corrupted?)");
                break;
            };
            chunk(meta, tag, p, &mut rate_frames);
        }
        let Some(next) = start.checked_add(len2) else {
            break;
        };
        pos = next;
    }
    if let (Some(rate), Some(frames)) = rate_frames {
        if rate != 0.0 && frames != 0 {
            meta.add("composite", "Duration", duration(f64::from(frames) / rate));
        }
    }
}

fn chunk(meta: &mut Metadata, tag: &[u8], p: &[u8], rate_frames: &mut (Option<f64>, Option<u32>)) {
    match tag {
        b"COMM" => common(meta, p, rate_frames),
        b"FVER" => {
            if let Some(t) = be32(p, 0) {
                meta.set(G, "FormatVersionTime", mac_time(t));
            }
        }
        b"COMT" => comments(meta, p),
        b"ID3 " => {
            if let Some((ver, body, end)) = crate::formats::mp3::id3v2_header(p) {
                meta.set("file", "ID3Size", end.min(p.len()) as u64);
                crate::formats::mp3::id3v2_frames(meta, ver, &body);
                crate::formats::mp3::id3_composites(meta);
            }
        }
        _ => {
            let name = match tag {
                b"NAME" => "Name",
                b"AUTH" => "Author",
                b"(c) " => "Copyright",
                _ => "Annotation",
            };
            // trailing NULs removed, then decoded from Mac Roman
            let mut end = p.len();
            while end > 0 && p[end - 1] == 0 {
                end -= 1;
            }
            meta.set(G, name, json_str(&mac_roman(&p[..end])));
        }
    }
}

/// The COMM chunk, read as ExifTool's binary table of 16-bit words: NumChannels (word 0),
/// NumSampleFrames (int32u at word 1), SampleSize (3), SampleRate (80-bit float at 4),
/// CompressionType (string[4] at 9) and CompressorName (Pascal string at 11), AIFF-C only.
fn common(meta: &mut Metadata, p: &[u8], rate_frames: &mut (Option<f64>, Option<u32>)) {
    if let Some(n) = be16(p, 0) {
        meta.set(G, "NumChannels", n as u64);
    }
    if let Some(n) = be32(p, 2) {
        meta.set(G, "NumSampleFrames", n as u64);
        rate_frames.1 = Some(n);
    }
    if let Some(n) = be16(p, 6) {
        meta.set(G, "SampleSize", n as u64);
    }
    if let Some(r) = sub(p, 8, 10).map(extended) {
        meta.set(G, "SampleRate", num(r));
        rate_frames.0 = Some(r);
    }
    if let Some(t) = sub(p, 18, 4) {
        let end = t.iter().position(|&b| b == 0).unwrap_or(4);
        let raw = String::from_utf8_lossy(&t[..end]).into_owned();
        let v = match raw.as_str() {
            "NONE" => "None",
            "ACE2" => "ACE 2-to-1",
            "ACE8" => "ACE 8-to-3",
            "MAC3" => "MAC 3-to-1",
            "MAC6" => "MAC 6-to-1",
            "sowt" => "Little-endian, no compression",
            "alaw" => "a-law",
            "ALAW" => "A-law",
            "ulaw" => "mu-law",
            "ULAW" => "Mu-law",
            "GSM " => "GSM",
            "G722" => "G722",
            "G726" => "G726",
            "G728" => "G728",
            _ => "",
        };
        let v = if v.is_empty() {
            format!("Unknown ({raw})")
        } else {
            v.to_string()
        };
        meta.set(G, "CompressionType", v);
    }
    if let Some(&n) = p.get(22) {
        if let Some(s) = sub(p, 23, n as usize) {
            meta.set(G, "CompressorName", json_str(&mac_roman(s)));
        }
    }
}

/// COMT: a count, then (time, marker ID, length, text) records padded to even lengths.
fn comments(meta: &mut Metadata, p: &[u8]) {
    if p.len() <= 2 {
        return;
    }
    let n = be16(p, 0).unwrap_or(0);
    let mut pos = 2usize;
    for _ in 0..n {
        let (Some(time), Some(marker), Some(size)) =
            (be32(p, pos), be16(p, pos + 4), be16(p, pos + 6))
        else {
            break;
        };
        meta.set(G, "CommentTime", mac_time(time));
        if marker != 0 {
            meta.set(G, "MarkerID", marker as u64);
        }
        pos += 8;
        let size = size as usize;
        let Some(text) = sub(p, pos, size) else {
            break;
        };
        meta.set(G, "Comment", json_str(&mac_roman(text)));
        pos += size + (size & 1);
    }
}

/// Seconds since 1904 as ExifTool's ConvertUnixTime prints them.
fn mac_time(t: u32) -> String {
    unix_time(i64::from(t) - MAC_EPOCH_OFFSET as i64)
}

/// An IEEE 754 80-bit extended float (big-endian), as ExifTool's GetExtended.
fn extended(b: &[u8]) -> f64 {
    let (Some(w), Some(hi), Some(lo)) = (be16(b, 0), be32(b, 2), be32(b, 6)) else {
        return 0.0;
    };
    let exp = i32::from(w & 0x7fff) - 16383 - 63;
    let mant = f64::from(hi) * 4_294_967_296.0 + f64::from(lo);
    let v = mant * 2f64.powi(exp);
    if w & 0x8000 != 0 {
        -v
    } else {
        v
    }
}

/// Mac Roman text (ExifTool's Charset::MacRoman) as a string.
fn mac_roman(b: &[u8]) -> String {
    const HIGH: &str = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
                        ¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\u{f8ff}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ";
    b.iter()
        .map(|&c| {
            if c < 0x80 {
                c as char
            } else {
                HIGH.chars()
                    .nth(usize::from(c - 0x80))
                    .unwrap_or('\u{fffd}')
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ck(tag: &[u8], p: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        v.extend_from_slice(&(p.len() as u32).to_be_bytes());
        v.extend_from_slice(p);
        if p.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    /// An AIFF-C file as ffmpeg writes one, plus a comment and an ID3 chunk.
    fn sample() -> Vec<u8> {
        let mut comm = vec![0, 2];
        comm.extend_from_slice(&88_200u32.to_be_bytes());
        comm.extend_from_slice(&[0, 16]);
        // 44100 as an 80-bit float
        comm.extend_from_slice(&[0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]);
        comm.extend_from_slice(b"sowt");
        comm.extend_from_slice(b"\x0enot compressed\0");
        let mut comt = vec![0, 1];
        comt.extend_from_slice(&0xE1B8_59C0u32.to_be_bytes());
        comt.extend_from_slice(&[0, 0, 0, 5]);
        comt.extend_from_slice(b"Hi \x8e!\0");
        let mut id3 = b"ID3\x03\0\0\0\0\0\x1e".to_vec();
        id3.extend_from_slice(b"TIT2\0\0\0\x05\0\0\0Song");
        id3.extend_from_slice(b"TYER\0\0\0\x05\0\0\x002024");
        let body = [
            b"AIFC".to_vec(),
            ck(b"FVER", &0xA280_5140u32.to_be_bytes()),
            ck(b"COMM", &comm),
            ck(b"NAME", b"Track\0"),
            ck(b"AUTH", b"Ada"),
            ck(b"COMT", &comt),
            ck(b"ID3 ", &id3),
            ck(b"SSND", &[0; 16]),
        ]
        .concat();
        let mut d = b"FORM".to_vec();
        d.extend_from_slice(&(body.len() as u32).to_be_bytes());
        d.extend(body);
        d
    }

    #[test]
    fn reads_aifc_like_exiftool() {
        let d = sample();
        let m = crate::extract(&d, Some("a.aifc"));
        let a = |t: &str| m.get("aiff", t).cloned().unwrap_or(json!(null));
        assert_eq!(m.get("file", "FileType"), Some(&json!("AIFC")));
        assert_eq!(m.get("file", "FileTypeExtension"), Some(&json!("aifc")));
        assert_eq!(m.get("file", "MIMEType"), Some(&json!("audio/x-aiff")));
        assert_eq!(a("FormatVersionTime"), json!("1990:05:23 14:40:00"));
        assert_eq!(a("NumChannels"), json!(2));
        assert_eq!(a("NumSampleFrames"), json!(88200));
        assert_eq!(a("SampleSize"), json!(16));
        assert_eq!(a("SampleRate"), json!(44100));
        assert_eq!(a("CompressionType"), json!("Little-endian, no compression"));
        assert_eq!(a("CompressorName"), json!("not compressed"));
        assert_eq!(a("Name"), json!("Track"));
        assert_eq!(a("Author"), json!("Ada"));
        assert_eq!(a("Comment"), json!("Hi é!"));
        assert_eq!(a("CommentTime"), json!("2024:01:01 12:00:00"));
        assert_eq!(m.get("id3", "Title"), Some(&json!("Song")));
        assert_eq!(m.get("composite", "DateTimeOriginal"), Some(&json!(2024)));
        assert_eq!(m.get("composite", "Duration"), Some(&json!("2.00 s")));
        for n in 0..d.len() {
            let mut m = Metadata::new(crate::model::Budget::default());
            parse(&mut m, &d[..n]);
        }
    }

    #[test]
    fn mac_roman_and_extended() {
        assert_eq!(mac_roman(b"a\x80\xdb\xff"), "aÄ€ˇ");
        assert_eq!(
            extended(&[0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]),
            44100.0
        );
        assert_eq!(extended(&[0xc0, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0]), -2.0);
        assert_eq!(extended(&[0; 3]), 0.0);
    }
}
