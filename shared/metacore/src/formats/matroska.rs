//! Matroska/WebM: EBML header, Segment Info, Tracks, Tags and Chapters, read the way
//! ExifTool's Matroska.pm does (a flat walk over the elements that stops at the first
//! Cluster). Nesting is tracked with an explicit, bounded stack.

use crate::formats::quicktime::conv::{
    add_image_size, duration, json_str, num, perl_num, unix_time,
};
use crate::model::Metadata;
use serde_json::Value;

const G: &str = "matroska";
const MAX_STACK: usize = 32;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Master,
    Unsigned,
    Float,
    Str,
    Utf8,
    Date,
    Uid,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Conv {
    None,
    TrackType,
    NoYes,
    Duration,
    TimecodeScale,
    DefaultDuration,
    ChapterTime,
    DisplayUnit,
    AspectRatio,
    ScanType,
    EncodingType,
    CompAlgo,
    EncAlgo,
    CodecId,
    CodecName,
}

fn element(id: u64) -> Option<(&'static str, Fmt, Conv)> {
    use Conv as C;
    use Fmt::*;
    Some(match id {
        // masters
        0x0A45DFA3 => ("EBMLHeader", Master, C::None),
        0x08538067 => ("Segment", Master, C::None),
        0x014D9B74 => ("SeekHead", Master, C::None),
        0x0549A966 => ("Info", Master, C::None),
        0x0654AE6B => ("Tracks", Master, C::None),
        0x2E => ("TrackEntry", Master, C::None),
        0x60 => ("Video", Master, C::None),
        0x61 => ("Audio", Master, C::None),
        0x2D80 => ("ContentEncodings", Master, C::None),
        0x2240 => ("ContentEncoding", Master, C::None),
        0x1034 => ("ContentCompression", Master, C::None),
        0x1035 => ("ContentEncryption", Master, C::None),
        0x0254C367 => ("Tags", Master, C::None),
        0x3373 => ("Tag", Master, C::None),
        0x23C0 => ("Targets", Master, C::None),
        0x27C8 => ("SimpleTag", Master, C::None),
        0x0F43B675 => ("Cluster", Master, C::None),
        0x0043A770 => ("Chapters", Master, C::None),
        0x05B9 => ("EditionEntry", Master, C::None),
        0x36 => ("ChapterAtom", Master, C::None),
        0x00 => ("ChapterDisplay", Master, C::None),
        0x0F => ("ChapterTrack", Master, C::None),
        0x0941A469 => ("Attachments", Master, C::None),
        0x21A7 => ("AttachedFile", Master, C::None),
        0x0C53BB6B => ("Cues", Master, C::None),
        // EBML header
        0x286 => ("EBMLVersion", Unsigned, C::None),
        0x2F7 => ("EBMLReadVersion", Unsigned, C::None),
        0x282 => ("DocType", Str, C::None),
        0x287 => ("DocTypeVersion", Unsigned, C::None),
        0x285 => ("DocTypeReadVersion", Unsigned, C::None),
        // Info
        0x33A4 => ("SegmentUID", Uid, C::None),
        0x3384 => ("SegmentFileName", Utf8, C::None),
        0x1C83AB => ("PrevFileName", Utf8, C::None),
        0x1E83BB => ("NextFileName", Utf8, C::None),
        0x0AD7B1 => ("TimecodeScale", Unsigned, C::TimecodeScale),
        0x489 => ("Duration", Float, C::Duration),
        0x461 => ("DateTimeOriginal", Date, C::None),
        0x3BA9 => ("Title", Utf8, C::None),
        0xD80 => ("MuxingApp", Utf8, C::None),
        0x1741 => ("WritingApp", Utf8, C::None),
        // TrackEntry
        0x57 => ("TrackNumber", Unsigned, C::None),
        0x33C5 => ("TrackUID", Uid, C::None),
        0x03 => ("TrackType", Unsigned, C::TrackType),
        0x39 => ("TrackUsed", Unsigned, C::NoYes),
        0x08 => ("TrackDefault", Unsigned, C::NoYes),
        0x15AA => ("TrackForced", Unsigned, C::NoYes),
        0x03E383 => ("DefaultDuration", Unsigned, C::DefaultDuration),
        0x03314F => ("TrackTimecodeScale", Float, C::None),
        0x136E => ("TrackName", Utf8, C::None),
        0x02B59C => ("TrackLanguage", Str, C::None),
        0x02B59D => ("TrackLanguageIETF", Str, C::None),
        0x06 => ("CodecID", Str, C::CodecId),
        0x058688 => ("CodecName", Utf8, C::CodecName),
        0x1A9697 => ("CodecSettings", Utf8, C::None),
        0x1B4040 => ("CodecInfoURL", Str, C::None),
        0x06B240 => ("CodecDownloadURL", Str, C::None),
        0x2A => ("CodecDecodeAll", Unsigned, C::NoYes),
        0x3446 => ("TrackAttachmentUID", Uid, C::None),
        // Video
        0x1A => ("VideoScanType", Unsigned, C::ScanType),
        0x13B8 => ("Stereo3DMode", Unsigned, C::None),
        0x30 => ("ImageWidth", Unsigned, C::None),
        0x3A => ("ImageHeight", Unsigned, C::None),
        0x14AA => ("CropBottom", Unsigned, C::None),
        0x14BB => ("CropTop", Unsigned, C::None),
        0x14CC => ("CropLeft", Unsigned, C::None),
        0x14DD => ("CropRight", Unsigned, C::None),
        0x14B0 => ("DisplayWidth", Unsigned, C::None),
        0x14BA => ("DisplayHeight", Unsigned, C::None),
        0x14B2 => ("DisplayUnit", Unsigned, C::DisplayUnit),
        0x14B3 => ("AspectRatioType", Unsigned, C::AspectRatio),
        0x0FB523 => ("Gamma", Float, C::None),
        0x0383E3 => ("FrameRate", Float, C::None),
        // Audio
        0x35 => ("AudioSampleRate", Float, C::None),
        0x38B5 => ("OutputAudioSampleRate", Float, C::None),
        0x1F => ("AudioChannels", Unsigned, C::None),
        0x2264 => ("AudioBitsPerSample", Unsigned, C::None),
        // Content encoding
        0x1033 => ("ContentEncodingType", Unsigned, C::EncodingType),
        0x254 => ("ContentCompressionAlgorithm", Unsigned, C::CompAlgo),
        0x7E1 => ("ContentEncryptionAlgorithm", Unsigned, C::EncAlgo),
        // Tags
        0x28CA => ("TargetTypeValue", Unsigned, C::None),
        0x23CA => ("TargetType", Str, C::None),
        0x23C5 => ("TagTrackUID", Uid, C::None),
        0x23C9 => ("TagEditionUID", Uid, C::None),
        0x23C4 => ("TagChapterUID", Uid, C::None),
        0x23C6 => ("TagAttachmentUID", Uid, C::None),
        0x5A3 => ("TagName", Utf8, C::None),
        0x47A => ("TagLanguage", Str, C::None),
        0x484 => ("TagDefault", Unsigned, C::NoYes),
        0x487 => ("TagString", Utf8, C::None),
        // Chapters
        0x11 => ("ChapterTimeStart", Unsigned, C::ChapterTime),
        0x12 => ("ChapterTimeEnd", Unsigned, C::ChapterTime),
        0x05 => ("ChapterString", Utf8, C::None),
        0x037C => ("ChapterLanguage", Str, C::None),
        0x037E => ("ChapterCountry", Str, C::None),
        // Attachments
        0x067E => ("AttachedFileDescription", Utf8, C::None),
        0x066E => ("AttachedFileName", Utf8, C::None),
        0x0660 => ("AttachedFileMIMEType", Str, C::None),
        0x06AE => ("AttachedFileUID", Uid, C::None),
        _ => return None,
    })
}

/// Reads an EBML variable-length integer at `*pos`, ExifTool's GetVInt: the length marker
/// is removed; all-ones values come back as -1 ("unknown").
fn vint(d: &[u8], pos: &mut usize) -> Option<i128> {
    let mut v = *d.get(*pos)? as u64;
    *pos += 1;
    let mut num = 0usize;
    if v == 0 {
        v = *d.get(*pos)? as u64;
        *pos += 1;
        if v == 0 {
            return None;
        }
        num += 7;
    }
    let mut mask = 0x7fu64;
    while v == (v & mask) {
        mask >>= 1;
        num += 1;
    }
    v &= mask;
    let mut unknown = v == mask;
    if *pos + num > d.len() {
        return None;
    }
    for _ in 0..num {
        let b = d[*pos];
        *pos += 1;
        if b != 0xff {
            unknown = false;
        }
        v = v.checked_mul(256)? + b as u64;
    }
    Some(if unknown { -1 } else { v as i128 })
}

#[derive(Default)]
struct SimpleTag {
    name: Option<String>,
    string: Option<String>,
    lang: Option<String>,
    children: Vec<SimpleTag>,
}

struct Frame {
    end: usize,
    name: &'static str,
}

pub fn parse(meta: &mut Metadata, data: &[u8]) {
    if !data.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        return;
    }
    let mut pos = 0usize;
    let mut stack: Vec<Frame> = Vec::new();
    let mut tag_stack: Vec<SimpleTag> = Vec::new();
    let mut timecode_scale: Option<u64> = None;
    let mut raw_duration: Option<f64> = None;
    let mut track_type: Option<u64> = None;
    let mut track_types: Vec<u64> = Vec::new();
    let mut width = 0u64;
    let mut height = 0u64;
    let mut count = 0usize;
    loop {
        count += 1;
        if count > 1_000_000 || meta.budget.exceeded() {
            meta.warn("Too many Matroska elements");
            break;
        }
        // leave finished master elements
        while let Some(top) = stack.last() {
            if pos >= top.end {
                let f = stack.pop();
                if f.is_some_and(|f| f.name == "SimpleTag") {
                    if let Some(t) = tag_stack.pop() {
                        match tag_stack.last_mut() {
                            Some(parent) => parent.children.push(t),
                            None => handle_simple_tag(meta, &t, None, None),
                        }
                    }
                }
            } else {
                break;
            }
        }
        let Some(id) = vint(data, &mut pos) else {
            break;
        };
        if id < 0 {
            break;
        }
        let Some(size) = vint(data, &mut pos) else {
            break;
        };
        let unknown_size = size < 0;
        let size: usize = if unknown_size {
            data.len().saturating_sub(pos)
        } else {
            usize::try_from(size).unwrap_or(usize::MAX)
        };
        if let Some(top) = stack.last() {
            if !unknown_size && pos.saturating_add(size) > top.end {
                meta.warn(format!("Invalid or corrupted {} master element", top.name));
                pos = top.end;
                continue;
            }
        }
        let info = element(id as u64);
        if let Some((name, Fmt::Master, _)) = info {
            if name == "Cluster" {
                break;
            }
            if stack.len() >= MAX_STACK {
                meta.warn("Matroska elements nested too deeply");
                break;
            }
            let end = pos.saturating_add(size).min(data.len());
            stack.push(Frame { end, name });
            if name == "SimpleTag" {
                tag_stack.push(SimpleTag::default());
            }
            if name == "TrackEntry" {
                track_type = None;
            }
            continue;
        }
        if unknown_size {
            break;
        }
        let end = pos.saturating_add(size);
        let Some(raw) = data.get(pos..end) else {
            // an element running past the end of a truncated file
            if info.is_some() {
                meta.warn("Truncated Matroska element");
            }
            break;
        };
        pos = end;
        let Some((name, fmt, conv)) = info else {
            continue;
        };
        let val: Value = match fmt {
            Fmt::Master => continue,
            Fmt::Str | Fmt::Utf8 => {
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                Value::String(String::from_utf8_lossy(&raw[..end]).into_owned())
            }
            Fmt::Uid => {
                let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
                Value::String(raw[..end].iter().map(|b| format!("{b:02x}")).collect())
            }
            Fmt::Float => match raw.len() {
                4 => num(f32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]) as f64),
                8 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(raw);
                    num(f64::from_be_bytes(b))
                }
                _ => {
                    meta.warn(format!("Illegal float size ({})", raw.len()));
                    continue;
                }
            },
            Fmt::Unsigned => {
                if raw.len() > 8 {
                    continue;
                }
                let v = raw.iter().fold(0u64, |a, &b| (a << 8) | b as u64);
                Value::from(v)
            }
            Fmt::Date => {
                if raw.len() > 8 || raw.is_empty() {
                    continue;
                }
                let mut v = raw.iter().fold(0i128, |a, &b| (a << 8) | b as i128);
                if raw[0] & 0x80 != 0 {
                    v -= 1i128 << (8 * raw.len());
                }
                {
                    let t = v as f64 / 1e9;
                    let whole = t.trunc();
                    let frac = t - whole;
                    let secs = whole as i64 + (((2001 - 1970) * 365 + 8) * 24 * 3600);
                    let mut s = unix_time(secs);
                    if frac != 0.0 {
                        let f = perl_num(frac);
                        if let Some(stripped) = f.strip_prefix('0').or_else(|| f.strip_prefix("-0"))
                        {
                            s.push_str(stripped);
                        }
                    }
                    s.push('Z');
                    Value::String(s)
                }
            }
        };
        // SimpleTag members are collected, not stored.
        if matches!(name, "TagName" | "TagString" | "TagLanguage") {
            if let Some(t) = tag_stack.last_mut() {
                let s = val.as_str().unwrap_or_default().to_string();
                match name {
                    "TagName" => t.name = Some(s),
                    "TagString" => t.string = Some(s),
                    _ => t.lang = Some(s),
                }
                continue;
            }
        }
        if tag_stack.last().is_some() && name == "TagDefault" {
            continue;
        }
        let as_u = val.as_u64();
        let out_name: &str = match conv {
            Conv::CodecId => match track_type {
                Some(1) => "VideoCodecID",
                Some(2) => "AudioCodecID",
                _ => "CodecID",
            },
            Conv::CodecName => match track_type {
                Some(1) => "VideoCodecName",
                Some(2) => "AudioCodecName",
                _ => "CodecName",
            },
            Conv::DefaultDuration if track_type == Some(1) => "VideoFrameRate",
            _ => name,
        };
        let out: Value = match (conv, as_u) {
            (Conv::TrackType, Some(t)) => {
                track_type = Some(t);
                if !track_types.contains(&t) {
                    track_types.push(t);
                }
                Value::String(match t {
                    1 => "Video".into(),
                    2 => "Audio".into(),
                    3 => "Complex".into(),
                    0x10 => "Logo".into(),
                    0x11 => "Subtitle".into(),
                    0x12 => "Buttons".into(),
                    0x20 => "Control".into(),
                    n => format!("Unknown (0x{n:x})"),
                })
            }
            (Conv::NoYes, Some(v)) => Value::String(
                match v {
                    0 => "No",
                    1 => "Yes",
                    _ => "",
                }
                .to_string(),
            ),
            (Conv::TimecodeScale, Some(v)) => {
                timecode_scale = Some(v);
                Value::String(format!("{} ms", perl_num(v as f64 / 1e9 * 1000.0)))
            }
            (Conv::Duration, _) => {
                // converted at the end with the last TimecodeScale (ExifTool's ValueConv)
                raw_duration = val.as_f64();
                continue;
            }
            (Conv::DefaultDuration, Some(v)) => {
                if track_type == Some(1) {
                    let r = if v != 0 { 1e9 / v as f64 } else { 0.0 };
                    num((r * 1000.0 + 0.5).floor() / 1000.0)
                } else {
                    Value::String(format!("{} ms", perl_num(v as f64 / 1e9 * 1000.0)))
                }
            }
            (Conv::ChapterTime, Some(v)) => Value::String(duration(v as f64 / 1e9)),
            (Conv::DisplayUnit, Some(v)) => lookup(
                v,
                &["Pixels", "cm", "inches", "Display Aspect Ratio", "Unknown"],
            ),
            (Conv::AspectRatio, Some(v)) => {
                lookup(v, &["Free Resizing", "Keep Aspect Ratio", "Fixed"])
            }
            (Conv::ScanType, Some(v)) => lookup(v, &["Progressive", "Interlaced"]),
            (Conv::EncodingType, Some(v)) => lookup(v, &["Compression", "Encryption"]),
            (Conv::CompAlgo, Some(v)) => lookup(v, &["zlib", "bzlib", "lzo1x", "Header Stripping"]),
            (Conv::EncAlgo, Some(v)) => lookup(
                v,
                &["Not Encrypted", "DES", "3DES", "Twofish", "Blowfish", "AES"],
            ),
            _ => match &val {
                Value::String(s) => json_str(s),
                other => other.clone(),
            },
        };
        if name == "DocType" && val.as_str() == Some("webm") {
            meta.set("file", "FileType", "WEBM");
            meta.set("file", "FileTypeExtension", "webm");
            meta.set("file", "MIMEType", "video/webm");
        }
        if name == "ImageWidth" {
            width = as_u.unwrap_or(0);
        }
        if name == "ImageHeight" {
            height = as_u.unwrap_or(0);
        }
        if out.as_str() == Some("") && matches!(conv, Conv::NoYes) {
            continue;
        }
        meta.set(G, out_name, out);
    }
    // flush SimpleTags left open by a truncated file
    while let Some(t) = tag_stack.pop() {
        match tag_stack.last_mut() {
            Some(parent) => parent.children.push(t),
            None => handle_simple_tag(meta, &t, None, None),
        }
    }
    if !(track_types.contains(&1) || track_types.contains(&3)) {
        if track_types.contains(&2) {
            meta.set("file", "FileType", "MKA");
            meta.set("file", "FileTypeExtension", "mka");
            meta.set("file", "MIMEType", "audio/x-matroska");
        } else if track_types.contains(&0x11) {
            meta.set("file", "FileType", "MKS");
            meta.set("file", "FileTypeExtension", "mks");
            meta.set("file", "MIMEType", "application/x-matroska");
        }
    }
    // (a SimpleTag DURATION, which follows the Info in practice, replaces this one)
    if let Some(f) = raw_duration.filter(|_| meta.get(G, "Duration").is_none()) {
        let v = match timecode_scale {
            Some(ts) if ts != 0 => Value::String(duration(f * ts as f64 / 1e9)),
            _ => num(f),
        };
        meta.set(G, "Duration", v);
    }
    if width > 0 && height > 0 {
        add_image_size(meta, width, height);
    }
}

fn lookup(v: u64, names: &[&str]) -> Value {
    Value::String(
        names
            .get(v as usize)
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("Unknown ({v})")),
    )
}

fn std_tag_name(tag: &str) -> String {
    let known = match tag {
        "DATE_DIGITIZED" => "CreateDate",
        "DATE_RECORDED" => "DateTimeOriginal",
        "DATE_ENCODED" => "DateEncoded",
        "DATE_PURCHASED" => "DatePurchased",
        "DATE_RELEASED" => "DateReleased",
        "DATE_TAGGED" => "DateTagged",
        "DATE_WRITTEN" => "DateWritten",
        "BPM" => "BPM",
        "BPS" => "BPS",
        "FPS" => "FPS",
        "FAX" => "FAX",
        "IMDB" => "IMDB",
        "ISBN" => "ISBN",
        "ISRC" => "ISRC",
        "MCDI" => "MCDI",
        "TMDB" => "TMDB",
        "TVDB" => "TVDB",
        "URL" => "URL",
        "REPLAYGAIN_GAIN" => "ReplaygainGain",
        "REPLAYGAIN_PEAK" => "ReplaygainPeak",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    // ucfirst lc; tr/0-9a-zA-Z_//dc; s/_([a-z])/\U$1/g
    let lower = tag.to_lowercase();
    let mut s: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if let Some(f) = s.get(..1) {
        s = f.to_uppercase() + &s[1..];
    }
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '_' && it.peek().is_some_and(|n| n.is_ascii_lowercase()) {
            if let Some(n) = it.next() {
                out.push(n.to_ascii_uppercase());
            }
        } else {
            out.push(c);
        }
    }
    if out.len() < 2 {
        out = format!("Tag_{out}");
    }
    out
}

fn handle_simple_tag(meta: &mut Metadata, t: &SimpleTag, parent: Option<&str>, lang: Option<&str>) {
    let Some(tag) = t.name.as_deref() else {
        return;
    };
    let base = std_tag_name(tag);
    let name = match parent {
        Some(p) => format!("{p}/{base}"),
        None => base.clone(),
    };
    let lang = t.lang.as_deref().filter(|l| !l.is_empty()).or(lang);
    if let Some(v) = &t.string {
        let mut v = v.clone();
        if tag.starts_with("DATE_") {
            let b = v.as_bytes();
            if b.len() >= 8
                && b[..4].iter().all(u8::is_ascii_digit)
                && b[4] == b'-'
                && b[5..7].iter().all(u8::is_ascii_digit)
                && b[7] == b'-'
            {
                v = format!("{}:{}:{}", &v[..4], &v[5..7], &v[8..]);
            }
        }
        let key = match lang {
            Some(l) => format!("{name}-{l}"),
            None => name.clone(),
        };
        meta.set(G, &key, json_str(&v));
    }
    for c in &t.children {
        handle_simple_tag(meta, c, Some(&name), lang);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;
    use serde_json::json;

    fn el(id: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        assert!(body.len() < 0x3fff);
        v.extend_from_slice(&[0x40 | (body.len() >> 8) as u8, body.len() as u8]);
        v.extend_from_slice(body);
        v
    }

    fn sample() -> Vec<u8> {
        let ebml = el(
            &[0x1A, 0x45, 0xDF, 0xA3],
            &[
                el(&[0x42, 0x86], &[1]),
                el(&[0x42, 0xF7], &[1]),
                el(&[0x42, 0x82], b"matroska"),
                el(&[0x42, 0x87], &[4]),
                el(&[0x42, 0x85], &[2]),
            ]
            .concat(),
        );
        let info = el(
            &[0x15, 0x49, 0xA9, 0x66],
            &[
                el(&[0x2A, 0xD7, 0xB1], &[0x0F, 0x42, 0x40]),
                el(&[0x44, 0x89], &3010.0f64.to_be_bytes()),
                el(&[0x44, 0x61], &0x0AF8_3C5A_7D2E_0000u64.to_be_bytes()),
                el(&[0x7B, 0xA9], b"MKV Title"),
                el(&[0x4D, 0x80], b"libebml"),
                el(&[0x57, 0x41], b"mkvmerge"),
            ]
            .concat(),
        );
        let video = el(
            &[0xE0],
            &[el(&[0xB0], &[0x01, 0x40]), el(&[0xBA], &[0x00, 0xF0])].concat(),
        );
        let track = el(
            &[0xAE],
            &[
                el(&[0xD7], &[1]),
                el(&[0x73, 0xC5], &[0x9b, 0xd6, 0xfc]),
                el(&[0x83], &[1]),
                el(&[0x86], b"V_MPEG4/ISO/AVC"),
                el(&[0x23, 0xE3, 0x83], &40_000_000u32.to_be_bytes()),
                el(&[0x22, 0xB5, 0x9C], b"und"),
                video,
            ]
            .concat(),
        );
        let tracks = el(&[0x16, 0x54, 0xAE, 0x6B], &track);
        let simple = el(
            &[0x67, 0xC8],
            &[
                el(&[0x45, 0xA3], b"ENCODER"),
                el(&[0x44, 0x87], b"Lavf60.3.100"),
            ]
            .concat(),
        );
        let dur = el(
            &[0x67, 0xC8],
            &[
                el(&[0x45, 0xA3], b"DURATION"),
                el(&[0x44, 0x87], b"00:00:03.000000000"),
            ]
            .concat(),
        );
        let fre = el(
            &[0x67, 0xC8],
            &[
                el(&[0x45, 0xA3], b"TITLE"),
                el(&[0x44, 0x87], b"Titre"),
                el(&[0x44, 0x7A], b"fre"),
            ]
            .concat(),
        );
        let tags = el(
            &[0x12, 0x54, 0xC3, 0x67],
            &el(&[0x73, 0x73], &[simple.clone(), dur, fre].concat()),
        );
        let cluster = el(&[0x1F, 0x43, 0xB6, 0x75], &[0xE7, 0x81, 0x00]);
        let after = el(&[0x12, 0x54, 0xC3, 0x67], &el(&[0x73, 0x73], &simple));
        let seg_body = [info, tracks, tags, cluster, after].concat();
        let mut seg = vec![
            0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        seg.extend(seg_body);
        [ebml, seg].concat()
    }

    #[test]
    fn reads_matroska() {
        let d = sample();
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d);
        let g = |t: &str| m.get("matroska", t).cloned().unwrap_or(json!(null));
        assert_eq!(g("EBMLVersion"), json!(1));
        assert_eq!(g("DocType"), json!("matroska"));
        assert_eq!(g("DocTypeReadVersion"), json!(2));
        assert_eq!(g("TimecodeScale"), json!("1 ms"));
        // the SimpleTag DURATION replaces the Info Duration
        assert_eq!(g("Duration"), json!("00:00:03.000000000"));
        assert_eq!(g("Title-fre"), json!("Titre"));
        assert_eq!(g("Title"), json!("MKV Title"));
        assert_eq!(g("MuxingApp"), json!("libebml"));
        assert_eq!(g("TrackNumber"), json!(1));
        assert_eq!(g("TrackUID"), json!("9bd6fc"));
        assert_eq!(g("TrackType"), json!("Video"));
        assert_eq!(g("VideoCodecID"), json!("V_MPEG4/ISO/AVC"));
        assert_eq!(g("VideoFrameRate"), json!(25));
        assert_eq!(g("ImageWidth"), json!(320));
        assert_eq!(g("ImageHeight"), json!(240));
        assert_eq!(g("Encoder"), json!("Lavf60.3.100"));
        assert!(g("DateTimeOriginal").as_str().unwrap().ends_with('Z'));
        assert_eq!(m.get("composite", "ImageSize"), Some(&json!("320x240")));
    }

    #[test]
    fn truncated_prefixes_do_not_panic() {
        let d = sample();
        for n in 0..d.len() {
            let mut m = Metadata::new(Budget::default());
            parse(&mut m, &d[..n]);
        }
    }
}
