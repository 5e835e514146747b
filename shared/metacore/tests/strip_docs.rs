//! Strip tests for PDF and OOXML (DOCX/XLSX/PPTX).

mod strip_util;
use metacore::{strip, Keep, StripError};
use std::io::{Cursor, Read, Write};
use strip_util::*;

// ---------------------------------------------------------------- PDF

const CONTENT: &[u8] = b"BT /F1 24 Tf 20 100 Td (Hello world) Tj ET";

/// A PDF with an Info dictionary, an XMP metadata stream, and an incremental update whose
/// trailer points at a second Info dictionary.
fn pdf_fixture() -> Vec<u8> {
    let xmp = XMP.as_bytes();
    let objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /PieceInfo << /Illustrator << /Private (ACME private data) >> >> >>".to_vec(),
        [format!("<< /Length {} >>\nstream\n", CONTENT.len()).as_bytes(), CONTENT, b"\nendstream"].concat(),
        b"<< /Producer (ACME PDF \\(v2\\)) /Author (Ann Photographer) /Title <53656372657443697479> /Nested << /A [1 2] >> >>".to_vec(),
        [format!("<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n", xmp.len()).as_bytes(), xmp, b"\nendstream"].concat(),
    ];
    let mut out = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let x = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in &offs {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{x}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    // Incremental update: a new Info (object 7).
    let o7 = out.len();
    out.extend(b"7 0 obj\n<</Author(SN12345 Ann Photographer)/ModDate(D:2024)>>\nendobj\n");
    let x2 = out.len();
    out.extend(format!("xref\n0 1\n0000000000 65535 f \n7 1\n{o7:010} 00000 n \ntrailer\n<</Size 8/Root 1 0 R/Info 7 0 R/Prev {x}>>\nstartxref\n{x2}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn pdf_blanks_info_and_metadata_in_place() {
    let f = pdf_fixture();
    let (plan, out) = run(&f, "a.pdf", Keep::default());
    assert_extract_clean(&out, "a.pdf");
    assert_eq!(out.len(), f.len(), "offsets stay valid: nothing moves");
    assert_no_secrets(&out);
    assert!(!contains(&out, b"53656372657443697479"));
    assert!(!contains(&out, b"/Info"));
    assert!(!contains(&out, b"(c) XMP Owner"));
    assert!(contains(&out, CONTENT), "page content untouched");
    // Every xref offset still points at its object.
    for (i, line) in String::from_utf8_lossy(&out).lines().enumerate() {
        if line.len() == 18 && line.ends_with(" n") {
            let off: usize = line[..10].parse().unwrap();
            let head = String::from_utf8_lossy(&out[off..off + 12]).to_string();
            let mut it = head.split_whitespace();
            let num_ok = it.next().is_some_and(|n| n.parse::<u32>().is_ok());
            assert!(
                num_ok && it.next() == Some("0") && it.next() == Some("obj"),
                "line {i}: {head}"
            );
        }
    }
    assert_eq!(plan.removed.get("pdf"), Some(&7)); // 4 + 2 Info entries, PieceInfo
    assert!(!contains(&out, b"/PieceInfo"));
    assert!(contains(&out, b"/Contents 4 0 R"));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
    let (p2, again) = run(&out, "a.pdf", Keep::default());
    assert_eq!(again, out);
    assert!(p2.removed.is_empty(), "{:?}", p2.removed);
}

#[test]
fn pdf_xref_stream_info_removed() {
    let mut f = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Author (Ann Photographer) >>\nendobj\n".to_vec();
    f.extend(b"3 0 obj\n<< /Type /XRef /Size 4 /W [1 2 1] /Root 1 0 R /Info 2 0 R /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n0\n%%EOF\n");
    let (plan, out) = run(&f, "x.pdf", Keep::default());
    assert_eq!(out.len(), f.len());
    assert!(!contains(&out, b"Ann"));
    assert!(!contains(&out, b"/Info"));
    assert_eq!(plan.removed.get("pdf"), Some(&1));
}

#[test]
fn pdf_untyped_metadata_stream_found_by_reference() {
    let xmp = XMP.as_bytes();
    let mut f = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Metadata 2 0 R >>\nendobj\n".to_vec();
    f.extend(
        format!(
            "2 0 obj\n<< /Subtype /XML /Length {} >>\nstream\n",
            xmp.len()
        )
        .as_bytes(),
    );
    f.extend(xmp);
    f.extend(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    let (plan, out) = run(&f, "m.pdf", Keep::default());
    assert_eq!(out.len(), f.len());
    assert!(!contains(&out, b"SecretCity"));
    assert_eq!(plan.removed.get("xmp"), Some(&3));
}

#[test]
fn pdf_damage_never_panics() {
    no_panic_on_damage(&pdf_fixture(), "a.pdf");
    assert!(matches!(
        strip(b"%PDF-1.4 garbage", Some("a.pdf"), Keep::default()),
        Err(StripError::Malformed(_))
    ));
}

// ---------------------------------------------------------------- OOXML

const DOC: &str =
    "<w:document><w:body><w:p><w:r><w:t>Body text stays</w:t></w:r></w:p></w:body></w:document>";
const CORE_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><dc:title>Secret Title</dc:title><dc:creator>Ann Photographer</dc:creator><cp:lastModifiedBy>SN12345</cp:lastModifiedBy><dcterms:created>2024:01:02</dcterms:created></cp:coreProperties>"#;
const APP_XML: &str = r#"<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>ACME Office</Application><Company>ACME</Company></Properties>"#;

/// A small JPEG with camera EXIF (as embedded in documents).
fn photo() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE1];
    let exif = [b"Exif\0\0".to_vec(), camera_exif()].concat();
    j.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    j.extend(exif);
    j.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0]);
    j.extend_from_slice(b"SCANDATA");
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn docx_fixture() -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body, o) in [
        ("[Content_Types].xml", "<Types/>", deflate),
        ("_rels/.rels", "<Relationships/>", deflate),
        ("docProps/core.xml", CORE_XML, deflate),
        ("word/document.xml", DOC, deflate),
        ("docProps/app.xml", APP_XML, stored),
        ("word/media/image1.bin", "IMAGEBYTES-0123456789", stored),
    ] {
        z.start_file(name, o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.start_file("word/media/image2.jpeg", deflate).unwrap();
    z.write_all(&photo()).unwrap();
    z.set_comment("ACME archive comment").unwrap();
    z.finish().unwrap().into_inner()
}

fn read_zip(d: &[u8]) -> Vec<(String, String)> {
    let mut a = zip::ZipArchive::new(Cursor::new(d)).unwrap();
    let mut v = Vec::new();
    for i in 0..a.len() {
        let mut f = a.by_index(i).unwrap();
        let mut s = Vec::new();
        f.read_to_end(&mut s).unwrap();
        v.push((
            f.name().unwrap().to_string(),
            String::from_utf8_lossy(&s).into_owned(),
        ));
    }
    v
}

#[test]
fn docx_properties_replaced_entries_copied_raw() {
    let f = docx_fixture();
    let (plan, out) = run(&f, "a.docx", Keep::default());
    assert_extract_clean(&out, "a.docx");
    assert_eq!(plan.extension, "docx");
    let parts = read_zip(&out);
    let orig = read_zip(&f);
    assert_eq!(parts.len(), orig.len());
    for ((n1, b1), (n2, b2)) in parts.iter().zip(&orig) {
        assert_eq!(n1, n2);
        if !n1.starts_with("docProps/") && !n1.ends_with(".jpeg") {
            assert_eq!(b1, b2, "{n1} unchanged");
        }
    }
    let pic = &parts
        .iter()
        .find(|p| p.0 == "word/media/image2.jpeg")
        .unwrap()
        .1;
    assert!(pic.ends_with("SCANDATA\u{FFFD}\u{FFFD}"));
    assert!(!pic.contains("Exif"));
    assert_eq!(
        plan.removed.get("gps"),
        Some(&3),
        "embedded photo GPS removed"
    );
    assert_no_secrets(&out);
    assert!(contains(&out, b"coreProperties"));
    // The compressed document.xml bytes are copied, not recompressed.
    let mut a = zip::ZipArchive::new(Cursor::new(&f[..])).unwrap();
    let doc = a.by_name("word/document.xml").unwrap();
    let (s, n) = (
        doc.data_start().unwrap() as usize,
        doc.compressed_size() as usize,
    );
    assert!(contains(&out, &f[s..s + n]));
    assert_eq!(plan.removed.get("xmp"), Some(&2)); // dc:title, dc:creator
    assert_eq!(plan.removed.get("xml"), Some(&4)); // 2 in core, 2 in app
                                                   // Entry timestamps are neutralised.
    let mut a = zip::ZipArchive::new(Cursor::new(&out[..])).unwrap();
    for i in 0..a.len() {
        let f = a.by_index(i).unwrap();
        let t = f.last_modified().unwrap();
        assert_eq!((t.year(), t.month(), t.day(), t.hour()), (1980, 1, 1, 0));
    }
    assert_eq!(plan.removed.get("zip"), Some(&1));

    let (plan, out) = run(
        &f,
        "a.docx",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    let parts = read_zip(&out);
    let core = &parts.iter().find(|p| p.0 == "docProps/core.xml").unwrap().1;
    assert!(core.contains("<dc:creator>Ann Photographer</dc:creator>"));
    assert!(!core.contains("Secret"));
    assert_eq!(plan.kept, vec!["copyright"]);
    let (_, again) = run(
        &out,
        "a.docx",
        Keep {
            copyright: true,
            ..Keep::default()
        },
    );
    assert_eq!(again, out);
}

#[test]
fn docx_damage_never_panics() {
    no_panic_on_damage(&docx_fixture(), "a.docx");
}
