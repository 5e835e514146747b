use super::*;
use crate::model::Budget;

fn run(xmp: &str) -> Metadata {
    let mut m = Metadata::new(Budget::default());
    parse(&mut m, xmp.as_bytes());
    m
}

const SAMPLE: &str = r#"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/' x:xmptk='Image::ExifTool 12.16'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about='' xmlns:xap='http://ns.adobe.com/xap/1.0/'
  xmlns:exif='http://ns.adobe.com/exif/1.0/' xmlns:dc='http://purl.org/dc/elements/1.1/'
  xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/' xmlns:stEvt='http://ns.adobe.com/xap/1.0/sType/ResourceEvent#'
  xap:CreatorTool='Tool &amp; Co' xap:Rating='3' exif:PixelXDimension='2730'>
  <xap:CreateDate>2016-09-14T15:43:09+02:00</xap:CreateDate>
  <exif:ExposureTime>1/200</exif:ExposureTime>
  <exif:FNumber>9/1</exif:FNumber>
  <exif:ExposureProgram>1</exif:ExposureProgram>
  <exif:Flash rdf:parseType='Resource'><exif:Fired>False</exif:Fired><exif:Mode>0</exif:Mode></exif:Flash>
  <exif:GPSLatitude>41,24.5N</exif:GPSLatitude>
  <dc:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Bag></dc:subject>
  <dc:creator><rdf:Seq><rdf:li>Me</rdf:li></rdf:Seq></dc:creator>
  <dc:title><rdf:Alt><rdf:li xml:lang='x-default'>Hello</rdf:li><rdf:li xml:lang='de-de'>Hallo</rdf:li></rdf:Alt></dc:title>
  <xmpMM:History><rdf:Seq>
   <rdf:li rdf:parseType='Resource'><stEvt:action>saved</stEvt:action><stEvt:when>2012-08-03T11:54:39+02:00</stEvt:when></rdf:li>
   <rdf:li rdf:parseType='Resource'><stEvt:action>converted</stEvt:action></rdf:li>
  </rdf:Seq></xmpMM:History>
  <foo:Bar xmlns:foo='http://example.com/foo/'>1/4</foo:Bar>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>"#;

#[test]
fn flattens_like_exiftool() {
    let m = run(SAMPLE);
    let g = |t: &str| m.get("xmp", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("XMPToolkit"), "Image::ExifTool 12.16");
    assert_eq!(g("CreatorTool"), "Tool & Co");
    assert_eq!(g("Rating"), 3);
    assert_eq!(g("ExifImageWidth"), 2730);
    assert_eq!(g("CreateDate"), "2016:09:14 15:43:09+02:00");
    assert_eq!(g("ExposureTime"), "1/200");
    assert_eq!(g("FNumber"), 9.0);
    assert_eq!(g("ExposureProgram"), "Manual");
    assert_eq!(g("FlashFired"), false);
    assert_eq!(g("FlashMode"), "Unknown");
    assert_eq!(g("GPSLatitude"), "41 deg 24' 30.00\" N");
    assert_eq!(g("Subject"), serde_json::json!(["a", "b"]));
    assert_eq!(g("Creator"), "Me");
    assert_eq!(g("Title"), "Hello");
    assert_eq!(g("Title-de-DE"), "Hallo");
    assert_eq!(
        g("HistoryAction"),
        serde_json::json!(["saved", "converted"])
    );
    assert_eq!(g("HistoryWhen"), "2012:08:03 11:54:39+02:00");
    assert_eq!(g("Bar"), 0.25);
}

#[test]
fn broken_xml_keeps_what_was_read() {
    let m = run("<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmp:Rating='5'><xmp:Label>Red</xmp:Label><xmp:Nickname>oops");
    assert_eq!(m.get("xmp", "Rating"), Some(&Value::from(5)));
    assert!(!m.warnings.is_empty());
}

#[test]
fn truncated_prefixes_do_not_panic() {
    let b = SAMPLE.as_bytes();
    for n in 0..b.len() {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, &b[..n]);
    }
}

#[test]
fn number_formatting() {
    assert_eq!(fmt_num(4000000.0 / 291.0), "13745.704467354");
    assert_eq!(fmt_num(0.005), "0.005");
    assert_eq!(fmt_num(1e-7), "1e-07");
    assert_eq!(print_fraction(-0.5), "-1/2");
    assert_eq!(print_exposure_time(0.005), "1/200");
    assert!(looks_numeric("9.0") && !looks_numeric("0100") && !looks_numeric("1/2"));
}

#[test]
fn dates() {
    assert_eq!(convert_xmp_date("2005-12-14", false), "2005:12:14");
    assert_eq!(convert_xmp_date("2005-12-14", true), "2005-12-14");
    assert_eq!(
        convert_xmp_date("2021-04-11T15:47:53", true),
        "2021:04:11 15:47:53"
    );
}

#[test]
fn struct_fields_cdata_and_duplicates() {
    let x = r#"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
<rdf:Description xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/' xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#' xmlns:apple-fi='http://ns.apple.com/faceinfo/1.0/' xmlns:xap='http://ns.adobe.com/xap/1.0/' xmlns:tiff='http://ns.adobe.com/tiff/1.0/' xmlns:exif='http://ns.adobe.com/exif/1.0/'>
 <mwg-rs:Regions rdf:parseType='Resource'><mwg-rs:RegionList><rdf:Bag>
  <rdf:li><rdf:Description mwg-rs:Name='Ann'><mwg-rs:Area stArea:x='0.5'/><mwg-rs:Extensions><rdf:Description><apple-fi:AngleInfoYaw>45</apple-fi:AngleInfoYaw></rdf:Description></mwg-rs:Extensions></rdf:Description></rdf:li>
 </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
 <xap:CreatorTool><![CDATA[Tool <1> & more]]></xap:CreatorTool>
 <tiff:NativeDigest>first</tiff:NativeDigest>
 <exif:NativeDigest>second</exif:NativeDigest>
</rdf:Description>
<rdf:Description xmlns:xmp='http://ns.adobe.com/xap/1.0/'><xmp:Rating>2</xmp:Rating><xmp:Rating>5</xmp:Rating></rdf:Description>
</rdf:RDF></x:xmpmeta>"#;
    let m = run(x);
    let g = |t: &str| m.get("xmp", t).cloned().unwrap_or(Value::Null);
    assert_eq!(g("RegionName"), "Ann");
    assert_eq!(g("RegionAreaX"), 0.5);
    assert_eq!(g("RegionExtensionsAngleInfoYaw"), 45);
    assert_eq!(g("CreatorTool"), "Tool <1> & more");
    // exif:NativeDigest is an "Avoid" tag: the tiff one is kept
    assert_eq!(g("NativeDigest"), "first");
    // later known tags replace earlier ones
    assert_eq!(g("Rating"), 5);
}

#[test]
fn mutations_do_not_panic() {
    crate::formats::xmp::mutations(SAMPLE.as_bytes(), 300, |d| {
        let mut m = Metadata::new(Budget::default());
        parse(&mut m, d);
    });
}
