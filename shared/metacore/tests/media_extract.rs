//! End-to-end checks of the audio, video and document parsers through the public API
//! (`metacore::extract`): detection, dispatch and the values ExifTool prints. Every fixture is
//! built here, so these tests need no files.

use serde_json::{json, Value};

fn get(m: &metacore::Metadata, g: &str, t: &str) -> Value {
    m.get(g, t).cloned().unwrap_or(Value::Null)
}

fn le32(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

fn wav() -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&le32(8000));
    fmt.extend_from_slice(&le32(16000));
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    let mut body = b"WAVE".to_vec();
    body.extend_from_slice(b"fmt ");
    body.extend_from_slice(&le32(fmt.len() as u32));
    body.extend(fmt);
    body.extend_from_slice(b"data");
    body.extend_from_slice(&le32(16000));
    body.extend(std::iter::repeat_n(0u8, 16000));
    let mut d = b"RIFF".to_vec();
    d.extend_from_slice(&le32(body.len() as u32));
    d.extend(body);
    d
}

#[test]
fn wav_through_extract() {
    let d = wav();
    let m = metacore::extract(&d, Some("a.wav"));
    assert_eq!(get(&m, "file", "FileType"), json!("WAV"));
    assert_eq!(get(&m, "riff", "Encoding"), json!("Microsoft PCM"));
    assert_eq!(get(&m, "riff", "SampleRate"), json!(8000));
    assert_eq!(get(&m, "riff", "NumChannels"), json!(1));
    assert_eq!(get(&m, "composite", "Duration"), json!("1.00 s"));
}

fn mp3() -> Vec<u8> {
    let mut frame = b"TIT2".to_vec();
    frame.extend_from_slice(&6u32.to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(b"\x03Title");
    let mut d = b"ID3\x04\x00\x00".to_vec();
    d.extend_from_slice(&(frame.len() as u32).to_be_bytes());
    d.extend(frame);
    // MPEG-1 layer III, 128 kbps, 44.1 kHz, stereo: 417-byte frames
    for _ in 0..10 {
        let mut f = 0xFFFB_9000u32.to_be_bytes().to_vec();
        f.resize(417, 0);
        d.extend(f);
    }
    d
}

#[test]
fn mp3_through_extract() {
    let d = mp3();
    let m = metacore::extract(&d, Some("a.mp3"));
    assert_eq!(get(&m, "file", "FileType"), json!("MP3"));
    assert_eq!(get(&m, "id3", "Title"), json!("Title"));
    assert_eq!(get(&m, "mpeg", "AudioBitrate"), json!("128 kbps"));
    assert_eq!(get(&m, "mpeg", "ChannelMode"), json!("Stereo"));
    assert_eq!(get(&m, "file", "ID3Size"), json!(26));
    assert_eq!(get(&m, "composite", "Duration"), json!("0.26 s (approx)"));
}

fn pdf() -> Vec<u8> {
    let objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [] /Count 3 >>",
        "<< /Title (A \\(small\\) PDF) /CreationDate (D:20240315103000+01'00') >>",
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let x = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n{x}\n%%EOF\n")
            .as_bytes(),
    );
    out
}

#[test]
fn pdf_through_extract() {
    let d = pdf();
    let m = metacore::extract(&d, Some("a.pdf"));
    assert_eq!(get(&m, "pdf", "PDFVersion"), json!(1.4));
    assert_eq!(get(&m, "pdf", "PageCount"), json!(3));
    assert_eq!(get(&m, "pdf", "Title"), json!("A (small) PDF"));
    assert_eq!(
        get(&m, "pdf", "CreateDate"),
        json!("2024:03:15 10:30:00+01:00")
    );
}

fn ebml(id: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = id.to_vec();
    v.push(0x40 | (body.len() >> 8) as u8);
    v.push(body.len() as u8);
    v.extend_from_slice(body);
    v
}

#[test]
fn audio_only_matroska_is_mka() {
    let head = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"matroska"));
    let track = ebml(
        &[0xAE],
        &[
            ebml(&[0xD7], &[1]),
            ebml(&[0x83], &[2]),
            ebml(&[0x86], b"A_OPUS"),
            ebml(&[0xE1], &ebml(&[0x9F], &[2])),
        ]
        .concat(),
    );
    let seg = ebml(
        &[0x18, 0x53, 0x80, 0x67],
        &ebml(&[0x16, 0x54, 0xAE, 0x6B], &track),
    );
    let d = [head, seg].concat();
    let m = metacore::extract(&d, Some("a.mkv"));
    assert_eq!(get(&m, "file", "FileType"), json!("MKA"));
    assert_eq!(get(&m, "file", "MIMEType"), json!("audio/x-matroska"));
    assert_eq!(get(&m, "matroska", "AudioCodecID"), json!("A_OPUS"));
    assert_eq!(get(&m, "matroska", "AudioChannels"), json!(2));
    assert_eq!(get(&m, "matroska", "TrackType"), json!("Audio"));
}

#[test]
fn docx_through_extract() {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    w.start_file("[Content_Types].xml", o).unwrap();
    w.write_all(br#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    w.start_file("word/document.xml", o).unwrap();
    w.write_all(b"<w:document/>").unwrap();
    w.start_file("docProps/app.xml", o).unwrap();
    w.write_all(b"<Properties><Application>Writer</Application><Words>42</Words></Properties>")
        .unwrap();
    let d = w.finish().unwrap().into_inner();
    let m = metacore::extract(&d, Some("a.docx"));
    assert_eq!(get(&m, "file", "FileType"), json!("DOCX"));
    assert_eq!(get(&m, "xml", "Application"), json!("Writer"));
    assert_eq!(get(&m, "xml", "Words"), json!(42));
    assert_eq!(get(&m, "zip", "ZipFileName"), json!("[Content_Types].xml"));
}

#[test]
fn truncated_and_damaged_inputs_do_not_panic() {
    for (name, d) in [("a.wav", wav()), ("a.mp3", mp3()), ("a.pdf", pdf())] {
        for n in (0..d.len()).step_by(7) {
            let _ = metacore::extract(&d[..n], Some(name));
        }
        let mut bad = d.clone();
        for i in (0..bad.len()).step_by(13) {
            bad[i] ^= 0xA5;
        }
        let _ = metacore::extract(&bad, Some(name));
    }
}

/// `serde_json::to_string(&meta)` (the service's path) writes exactly the text of
/// `to_json()`, for the fixtures above, whole and truncated, and an empty input.
#[test]
fn serialize_matches_to_json_on_fixtures() {
    let check = |d: &[u8], name: &str| {
        let m = metacore::extract(d, Some(name));
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&m.to_json()).unwrap(),
            "{name} ({} bytes)",
            d.len()
        );
    };
    check(b"", "a.bin");
    for (name, d) in [("a.wav", wav()), ("a.mp3", mp3()), ("a.pdf", pdf())] {
        check(&d, name);
        for n in (0..d.len()).step_by(11) {
            check(&d[..n], name);
        }
    }
}
