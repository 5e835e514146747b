//! Block parsers (XMP, ICC, IPTC, Photoshop, HEIF) against values ExifTool prints for files of
//! the reference corpus. Skipped when the corpus is not present.

use serde_json::{json, Value};
use std::path::PathBuf;

fn corpus(rel: &str) -> Option<Vec<u8>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/exif-samples")
        .join(rel);
    std::fs::read(p).ok()
}

fn check(rel: &str, expected: &[(&str, &str, Value)]) {
    let Some(data) = corpus(rel) else {
        eprintln!("corpus file {rel} not present, skipped");
        return;
    };
    let name = rel.rsplit('/').next();
    let meta = metacore::extract(&data, name);
    for (g, t, v) in expected {
        assert_eq!(meta.get(g, t), Some(v), "{rel}: {g}:{t}");
    }
}

#[test]
fn iphone_heic() {
    check(
        "heic/mobile/iphone_13_pro_max.HEIC",
        &[
            (
                "quicktime",
                "MajorBrand",
                json!("High Efficiency Image Format HEVC still image (.HEIC)"),
            ),
            (
                "quicktime",
                "CompatibleBrands",
                json!(["mif1", "MiHE", "MiPr", "miaf", "MiHB", "heic"]),
            ),
            ("quicktime", "PrimaryItemReference", json!(49)),
            ("quicktime", "MetaImageSize", json!("4032x3024")),
            ("quicktime", "GeneralLevelIDC", json!("90 (level 3.0)")),
            ("quicktime", "ImageSpatialExtent", json!("4032x3024")),
            ("quicktime", "Rotation", json!(270)),
            ("quicktime", "ImagePixelDepth", json!(8)),
            (
                "quicktime",
                "AuxiliaryImageType",
                json!("urn:com:apple:photo:2020:aux:hdrgainmap"),
            ),
            ("quicktime", "MediaDataOffset", json!(3765)),
            ("file", "ImageWidth", json!(4032)),
            ("xmp", "XMPToolkit", json!("XMP Core 6.0.0")),
            ("xmp", "HDRGainMapVersion", json!(65536)),
            ("icc_profile", "ProfileDescription", json!("Display P3")),
        ],
    );
}

#[test]
fn nokia_heif_nclx() {
    check(
        "heic/mobile/HMD_Nokia_8.3_5G_hdr.heif",
        &[
            ("quicktime", "ColorProfiles", json!("nclx")),
            (
                "quicktime",
                "ColorPrimaries",
                json!("BT.470 System B, G (historical)"),
            ),
            ("quicktime", "TransferCharacteristics", json!("BT.709")),
            ("quicktime", "NumTemporalLayers", json!(1)),
        ],
    );
}

#[test]
fn bluesquare_jpeg_blocks() {
    check(
        "jpg/xmp/BlueSquare.jpg",
        &[
            ("xmp", "Format", json!("image/jpeg")),
            ("xmp", "Title", json!("Blue Square Test File - .jpg")),
            (
                "iptc",
                "Keywords",
                json!(["XMP", "Blue Square", "test file", "Photoshop", ".jpg"]),
            ),
            ("iptc", "ApplicationRecordVersion", json!(2)),
            (
                "photoshop",
                "IPTCDigest",
                json!("2a68f92da36c336e3d10aea5d25a2e20"),
            ),
            ("photoshop", "URL_List", json!([])),
            ("photoshop", "SlicesGroupName", json!("BlueSquare")),
            (
                "file",
                "CurrentIPTCDigest",
                json!("2a68f92da36c336e3d10aea5d25a2e20"),
            ),
        ],
    );
}

#[test]
fn nikon_xmp_conversions() {
    check(
        "jpg/Nikon_D70.jpg",
        &[
            ("xmp", "ExposureTime", json!("1/200")),
            ("xmp", "FNumber", json!(9.0)),
            ("xmp", "ExposureProgram", json!("Manual")),
            ("xmp", "FlashFired", json!(false)),
            ("xmp", "FocalLength", json!("100.0 mm")),
            (
                "xmp",
                "DateTimeOriginal",
                json!("2008:03:15 09:52:01-04:00"),
            ),
            (
                "xmp",
                "ToneCurve",
                json!(["0, 0", "32, 22", "64, 56", "128, 128", "192, 196", "255, 255"]),
            ),
            (
                "icc_profile",
                "ProfileCopyright",
                json!("Copyright (c) 1998 Hewlett-Packard Company"),
            ),
            ("icc_profile", "MediaWhitePoint", json!("0.95045 1 1.08905")),
        ],
    );
}

#[test]
fn every_corpus_file_parses_truncated() {
    // every block parser must survive arbitrary truncation of real files
    for rel in [
        "heic/IMG_5195.HEIC",
        "heic/samplefilehub.heif",
        "jpg/xmp/BlueSquare.jpg",
    ] {
        let Some(data) = corpus(rel) else { continue };
        let step = (data.len() / 64).max(1);
        let mut n = 0;
        while n < data.len() {
            let _ = metacore::extract(&data[..n], None);
            n += step;
        }
    }
}
