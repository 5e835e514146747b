use super::*;
use crate::model::Budget;

fn tagdata(ty: &[u8], body: &[u8]) -> Vec<u8> {
    let mut v = ty.to_vec();
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(body);
    v
}

fn xyz(vals: [f64; 3]) -> Vec<u8> {
    let mut b = Vec::new();
    for x in vals {
        b.extend_from_slice(&((x * 65536.0).round() as i32).to_be_bytes());
    }
    tagdata(b"XYZ ", &b)
}

/// A small v2 display profile with desc, cprt, wtpt, mluc and meas tags.
pub(crate) fn sample_profile() -> Vec<u8> {
    let mut desc_body = 5u32.to_be_bytes().to_vec();
    desc_body.extend_from_slice(b"sRGB\0");
    desc_body.extend_from_slice(&[0; 67]);
    let mut mluc = b"mluc".to_vec();
    mluc.extend_from_slice(&[0; 4]);
    mluc.extend_from_slice(&2u32.to_be_bytes());
    mluc.extend_from_slice(&12u32.to_be_bytes());
    let s1: Vec<u8> = "Hi".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let s2: Vec<u8> = "Hallo"
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    mluc.extend_from_slice(b"enUS");
    mluc.extend_from_slice(&(s1.len() as u32).to_be_bytes());
    mluc.extend_from_slice(&40u32.to_be_bytes());
    mluc.extend_from_slice(b"deDE");
    mluc.extend_from_slice(&(s2.len() as u32).to_be_bytes());
    mluc.extend_from_slice(&(40 + s1.len() as u32).to_be_bytes());
    mluc.extend_from_slice(&s1);
    mluc.extend_from_slice(&s2);
    let mut meas = Vec::new();
    meas.extend_from_slice(&1u32.to_be_bytes());
    meas.extend_from_slice(&[0; 12]);
    meas.extend_from_slice(&0u32.to_be_bytes());
    meas.extend_from_slice(&655u32.to_be_bytes());
    meas.extend_from_slice(&2u32.to_be_bytes());
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", tagdata(b"desc", &desc_body)),
        (b"cprt", tagdata(b"text", b"Copyright X\0")),
        (b"wtpt", xyz([0.95045, 1.0, 1.08905])),
        (b"dscm", mluc),
        (b"meas", tagdata(b"meas", &meas)),
        (b"rTRC", tagdata(b"curv", &[0, 0, 0, 1, 1, 0])),
    ];
    let mut hdr = vec![0u8; 128];
    hdr[4..8].copy_from_slice(b"Lino");
    hdr[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    hdr[12..16].copy_from_slice(b"mntr");
    hdr[16..20].copy_from_slice(b"RGB ");
    hdr[20..24].copy_from_slice(b"XYZ ");
    for (i, v) in [1998u16, 2, 9, 6, 49, 0].iter().enumerate() {
        hdr[24 + i * 2..26 + i * 2].copy_from_slice(&v.to_be_bytes());
    }
    hdr[36..40].copy_from_slice(b"acsp");
    hdr[40..44].copy_from_slice(b"MSFT");
    hdr[48..52].copy_from_slice(b"IEC ");
    hdr[52..56].copy_from_slice(b"sRGB");
    hdr[68..72].copy_from_slice(&63190u32.to_be_bytes());
    hdr[72..76].copy_from_slice(&65536u32.to_be_bytes());
    hdr[76..80].copy_from_slice(&54061u32.to_be_bytes());
    hdr[80..84].copy_from_slice(b"HP  ");
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut body = Vec::new();
    let base = 128 + 4 + tags.len() * 12;
    for (id, d) in &tags {
        table.extend_from_slice(*id);
        table.extend_from_slice(&((base + body.len()) as u32).to_be_bytes());
        table.extend_from_slice(&(d.len() as u32).to_be_bytes());
        body.extend_from_slice(d);
    }
    let mut out = hdr;
    out.extend_from_slice(&table);
    out.extend_from_slice(&body);
    let n = out.len() as u32;
    out[0..4].copy_from_slice(&n.to_be_bytes());
    out
}

#[test]
fn header_and_tags() {
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, &sample_profile());
    let g = |t: &str| m.get("icc_profile", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("ProfileCMMType"), "Linotronic");
    assert_eq!(g("ProfileVersion"), "2.1.0");
    assert_eq!(g("ProfileClass"), "Display Device Profile");
    assert_eq!(g("ColorSpaceData"), "RGB ");
    assert_eq!(g("ProfileDateTime"), "1998:02:09 06:49:00");
    assert_eq!(g("PrimaryPlatform"), "Microsoft Corporation");
    assert_eq!(g("CMMFlags"), "Not Embedded, Independent");
    assert_eq!(g("DeviceManufacturer"), "Hewlett-Packard");
    assert_eq!(g("DeviceAttributes"), "Reflective, Glossy, Positive, Color");
    assert_eq!(g("RenderingIntent"), "Perceptual");
    assert_eq!(g("ConnectionSpaceIlluminant"), "0.9642 1 0.82491");
    assert_eq!(g("ProfileID"), 0);
    assert_eq!(g("ProfileDescription"), "sRGB");
    assert_eq!(g("ProfileCopyright"), "Copyright X");
    assert_eq!(g("MediaWhitePoint"), "0.95045 1 1.08905");
    assert_eq!(g("ProfileDescriptionML"), "Hi");
    assert_eq!(g("ProfileDescriptionML-de-DE"), "Hallo");
    assert_eq!(g("MeasurementObserver"), "CIE 1931");
    assert_eq!(g("MeasurementFlare"), "0.999%");
    assert_eq!(g("MeasurementIlluminant"), "D65");
    assert_eq!(
        g("RedTRC"),
        "(Binary data 14 bytes, use -b option to extract)"
    );
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let p = sample_profile();
    for n in 0..p.len() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &p[..n]);
    }
    // a corrupted length field too
    let mut q = p.clone();
    q[0..4].copy_from_slice(&[0xff; 4]);
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, &q);
}

#[test]
fn mutations_do_not_panic() {
    crate::formats::xmp::mutations(&sample_profile(), 300, |d| {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
    });
}

#[test]
fn meta_dictionary() {
    let u16s = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect() };
    let names = [
        ("ManufacturerName", "ACME"),
        ("media color", "white paper"),
        ("x", "y"),
    ];
    let mut d = b"dict\0\0\0\0".to_vec();
    d.extend_from_slice(&(names.len() as u32).to_be_bytes());
    d.extend_from_slice(&16u32.to_be_bytes());
    let base = 16 + 16 * names.len();
    let mut data = Vec::new();
    for (k, v) in names {
        let (kb, vb) = (u16s(k), u16s(v));
        let np = base + data.len();
        data.extend_from_slice(&kb);
        let vp = base + data.len();
        data.extend_from_slice(&vb);
        for x in [np, kb.len(), vp, vb.len()] {
            d.extend_from_slice(&(x as u32).to_be_bytes());
        }
    }
    d.extend(data);
    let mut m = Metadata::new(Budget::default());
    dict(&mut m, &d);
    let g = |t: &str| m.get("icc_profile", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("ManufacturerName"), "ACME");
    assert_eq!(g("MediaColor"), "white paper");
    assert_eq!(g("TagX"), "y");
}
