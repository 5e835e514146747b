use super::*;
use crate::model::Budget;

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

fn full(kind: &[u8; 4], ver: u8, body: &[u8]) -> Vec<u8> {
    let mut b = vec![ver, 0, 0, 0];
    b.extend_from_slice(body);
    bx(kind, &b)
}

fn infe(id: u16, ty: &[u8; 4], mime: &str) -> Vec<u8> {
    let mut b = id.to_be_bytes().to_vec();
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(ty);
    b.push(0);
    if !mime.is_empty() {
        b.extend_from_slice(mime.as_bytes());
        b.push(0);
    }
    full(b"infe", 2, &b)
}

const XMP: &str = "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:CreatorTool='14.4.2'/></rdf:RDF></x:xmpmeta>";

/// ftyp + meta (hdlr, pitm, iinf, iloc, iprp) + mdat holding an XMP item.
pub(crate) fn sample_heic() -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"heic\0\0\0\0mif1heic");
    let hdlr = full(
        b"hdlr",
        0,
        &[
            0, 0, 0, 0, b'p', b'i', b'c', b't', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
    );
    let pitm = full(b"pitm", 0, &1u16.to_be_bytes());
    let mut iinf_body = 2u16.to_be_bytes().to_vec();
    iinf_body.extend(infe(1, b"hvc1", ""));
    iinf_body.extend(infe(2, b"mime", "application/rdf+xml"));
    let iinf = full(b"iinf", 0, &iinf_body);
    let mut hvcc = vec![
        1, 0x03, 0x70, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 90, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0,
        0x0f, 0,
    ];
    hvcc.truncate(23);
    let mut ispe_b = vec![0, 0, 0, 0];
    ispe_b.extend_from_slice(&640u32.to_be_bytes());
    ispe_b.extend_from_slice(&426u32.to_be_bytes());
    let ipco_body = [bx(b"hvcC", &hvcc), bx(b"ispe", &ispe_b), bx(b"irot", &[3])].concat();
    let ipco = bx(b"ipco", &ipco_body);
    let ipma = full(b"ipma", 0, &[0, 0, 0, 1, 0, 1, 3, 1, 2, 3]);
    let iprp = bx(b"iprp", &[ipco, ipma].concat());
    // iloc v0, offset_size 4, length_size 4, base 0: item 2 -> xmp in mdat (patched below)
    let mut iloc_b = vec![0x44, 0x00];
    iloc_b.extend_from_slice(&1u16.to_be_bytes());
    iloc_b.extend_from_slice(&2u16.to_be_bytes());
    iloc_b.extend_from_slice(&0u16.to_be_bytes());
    iloc_b.extend_from_slice(&1u16.to_be_bytes());
    iloc_b.extend_from_slice(&0u32.to_be_bytes()); // offset placeholder
    iloc_b.extend_from_slice(&(XMP.len() as u32).to_be_bytes());
    let iloc = full(b"iloc", 0, &iloc_b);
    let meta_body = [hdlr, pitm, iinf, iloc, iprp].concat();
    let meta = full(b"meta", 0, &meta_body);
    let mut out = [ftyp, meta].concat();
    let mdat_payload = out.len() + 8;
    out.extend(bx(b"mdat", XMP.as_bytes()));
    // patch the extent offset
    let pat = (XMP.len() as u32).to_be_bytes();
    let pos = out
        .windows(8)
        .position(|w| w[0..4] == [0, 0, 0, 0] && w[4..8] == pat)
        .expect("extent");
    out[pos..pos + 4].copy_from_slice(&(mdat_payload as u32).to_be_bytes());
    out
}

#[test]
fn heic_tags() {
    let d = sample_heic();
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, &d);
    let q = |t: &str| m.get("quicktime", t).cloned().unwrap_or(Value::Null);
    assert_eq!(
        q("MajorBrand"),
        "High Efficiency Image Format HEVC still image (.HEIC)"
    );
    assert_eq!(q("MinorVersion"), "0.0.0");
    assert_eq!(q("CompatibleBrands"), serde_json::json!(["mif1", "heic"]));
    assert_eq!(q("HandlerType"), "Picture");
    assert_eq!(q("PrimaryItemReference"), 1);
    assert_eq!(q("GeneralProfileIDC"), "Main Still Picture");
    assert_eq!(
        q("GenProfileCompatibilityFlags"),
        "Main Still Picture, Main 10, Main"
    );
    assert_eq!(q("GeneralLevelIDC"), "90 (level 3.0)");
    assert_eq!(q("ChromaFormat"), "4:2:0");
    assert_eq!(q("ImageSpatialExtent"), "640x426");
    assert_eq!(q("Rotation"), 270);
    assert_eq!(q("MediaDataSize"), XMP.len());
    assert_eq!(m.get("file", "ImageWidth"), Some(&Value::from(640)));
    assert_eq!(m.get("xmp", "CreatorTool"), Some(&Value::from("14.4.2")));
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let d = sample_heic();
    for n in 0..d.len() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &d[..n]);
    }
}

#[test]
fn mutations_do_not_panic() {
    crate::formats::xmp::mutations(&sample_heic(), 300, |d| {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
    });
}

#[test]
fn exif_item_offsets_are_file_relative() {
    // an Exif item: header offset, "Exif\0\0", then the TIFF block
    let mut buf = 6u32.to_be_bytes().to_vec();
    buf.extend_from_slice(b"Exif\0\0");
    buf.extend(crate::formats::exif::test_tiff());
    let mut m = Metadata::new(Budget::default());
    extract_item(&mut m, "EXIF", &buf, Some(1000));
    // IFD1's ThumbnailOffset is 8 in the block, which starts at 1000 + 10 in the file
    assert_eq!(m.get("exif", "ThumbnailOffset"), Some(&Value::from(1018)));
    let mut m = Metadata::new(Budget::default());
    extract_item(&mut m, "EXIF", &buf, None);
    assert_eq!(m.get("exif", "ThumbnailOffset"), Some(&Value::from(8)));
}
