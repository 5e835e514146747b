use super::*;
use crate::model::Budget;

fn ds(rec: u8, tag: u8, v: &[u8]) -> Vec<u8> {
    let mut d = vec![0x1c, rec, tag];
    d.extend_from_slice(&(v.len() as u16).to_be_bytes());
    d.extend_from_slice(v);
    d
}

fn sample(utf8: bool) -> Vec<u8> {
    let mut d = Vec::new();
    if utf8 {
        d.extend(ds(1, 90, b"\x1b%G"));
    }
    d.extend(ds(2, 0, &[0, 4]));
    d.extend(ds(2, 5, b"Title"));
    d.extend(ds(2, 25, b"one"));
    d.extend(ds(2, 25, b"two"));
    d.extend(ds(2, 55, b"20240315"));
    d.extend(ds(2, 60, b"143947+0200"));
    d.extend(ds(
        2,
        101,
        if utf8 {
            "Zürich".as_bytes()
        } else {
            b"Z\xfcrich\x80"
        },
    ));
    d.extend(ds(2, 116, b"(c) Me\0"));
    d
}

#[test]
fn records_and_charsets() {
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, &sample(true));
    let g = |t: &str| m.get("iptc", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("CodedCharacterSet"), "UTF8");
    assert_eq!(g("ApplicationRecordVersion"), 4);
    assert_eq!(g("ObjectName"), "Title");
    assert_eq!(g("Keywords"), serde_json::json!(["one", "two"]));
    assert_eq!(g("DateCreated"), "2024:03:15");
    assert_eq!(g("TimeCreated"), "14:39:47+02:00");
    assert_eq!(g("Country-PrimaryLocationName"), "Zürich");
    assert_eq!(g("CopyrightNotice"), "(c) Me");
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, &sample(false));
    assert_eq!(
        m.get("iptc", "Country-PrimaryLocationName"),
        Some(&Value::String("Zürich€".into()))
    );
}

#[test]
fn digest_is_md5() {
    assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(
        md5_hex(b"The quick brown fox jumps over the lazy dog"),
        "9e107d9d372bb6826bd81d3542a419d6"
    );
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let d = sample(true);
    for n in 0..d.len() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d[..n]);
    }
}

#[test]
fn mutations_do_not_panic() {
    crate::formats::xmp::mutations(&sample(true), 300, |d| {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
    });
}
