//! The last line of defence of `remove`: re-read the cleaned file and list any metadata a
//! person would not want to share that is still in it. A remove job whose cleaned file has
//! any is failed (500, logged) instead of handing the file out.

use metacore::{Keep, Metadata};

/// Groups that are metadata through and through: any tag left in them is a leak.
const REMOVABLE_GROUPS: &[&str] = &[
    "iptc",
    "xmp",
    "photoshop",
    "makernotes",
    "app12",
    "ducky",
    "printim",
    "id3",
    "ape",
    "xml",
    "mpf",
    "flashpix",
    "meta",
    "apple",
    "userdata",
    "itunes",
];

/// EXIF tags that describe the image structure of a TIFF file, not its story.
const EXIF_STRUCTURAL: &[&str] = &[
    "ImageWidth",
    "ImageHeight",
    "BitsPerSample",
    "Compression",
    "PhotometricInterpretation",
    "StripOffsets",
    "SamplesPerPixel",
    "RowsPerStrip",
    "StripByteCounts",
    "PlanarConfiguration",
    "Predictor",
    "ColorMap",
    "TileWidth",
    "TileLength",
    "TileOffsets",
    "TileByteCounts",
    "ExtraSamples",
    "SampleFormat",
    "YCbCrCoefficients",
    "YCbCrSubSampling",
    "YCbCrPositioning",
    "ReferenceBlackWhite",
    "XResolution",
    "YResolution",
    "ResolutionUnit",
    "FillOrder",
    "SubfileType",
    "OldSubfileType",
    "Thresholding",
    "CellWidth",
    "CellLength",
    "GrayResponseUnit",
    "TransferFunction",
    "WhitePoint",
    "PrimaryChromaticities",
    "InkSet",
    "HalftoneHints",
    "ExifByteOrder",
];

/// Tags of container groups (`png`, `quicktime`, `riff`, `vorbis`, `pdf`, `file`, ...) that
/// carry personal or descriptive metadata.
const DESCRIPTIVE_TAGS: &[&str] = &[
    "Comment",
    "Author",
    "Artist",
    "Title",
    "Description",
    "Copyright",
    "Software",
    "Make",
    "Model",
    "GPSCoordinates",
    "GPSPosition",
    "GPSLatitude",
    "GPSLongitude",
    "GPSAltitude",
    "Location",
    "LocationName",
    "Keywords",
    "Subject",
    "Creator",
    "Producer",
    "Album",
    "Genre",
    "Encoder",
    "EncodedBy",
    "Disclaimer",
    "Warning",
    "Source",
    "CreationTime",
    "Composer",
    "Performer",
    "Publisher",
    "Lyrics",
    "Picture",
    "ContentCreateDate",
    "CreationDate",
    "Director",
    "Producer",
    "Owner",
    "UserComment",
    "ImageDescription",
    "Label",
    "Contact",
    "Organization",
    "Date",
    "Year",
    "Track",
    "TrackNumber",
    "LastModifiedBy",
    "Company",
    "Manager",
    "Category",
    "Template",
    "Application",
];

/// Tags that `keep=copyright` keeps.
const COPYRIGHT_TAGS: &[&str] = &[
    "Copyright",
    "Artist",
    "Rights",
    "Creator",
    "CopyrightNotice",
    "By-line",
];

/// Lists `group:tag` for every piece of removable metadata in `meta`.
pub fn leftovers(meta: &Metadata, keep: Keep) -> Vec<String> {
    let mut out = Vec::new();
    for (group, tags) in &meta.groups {
        for tag in tags.keys() {
            let t = tag.as_str();
            let kept_copyright = keep.copyright && COPYRIGHT_TAGS.contains(&t);
            let leak = match group.as_str() {
                "composite" | "jfif" | "app14" | "zip" => false,
                "icc_profile" => !keep.icc,
                "exif" => {
                    !(EXIF_STRUCTURAL.contains(&t)
                        || (keep.orientation && t == "Orientation")
                        || kept_copyright)
                }
                "xmp" => !(kept_copyright || (keep.copyright && t == "XMPToolkit")),
                g if REMOVABLE_GROUPS.contains(&g) => !kept_copyright,
                _ => DESCRIPTIVE_TAGS.contains(&t) && !kept_copyright,
            };
            if leak {
                out.push(format!("{group}:{tag}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> Metadata {
        let mut m = Metadata::new(metacore::Budget::default());
        for (g, t) in pairs {
            m.set(g, t, "x");
        }
        m
    }

    #[test]
    fn finds_leaks_and_respects_keep() {
        let m = meta(&[
            ("file", "FileType"),
            ("exif", "ImageWidth"),
            ("jfif", "JFIFVersion"),
        ]);
        assert!(leftovers(&m, Keep::default()).is_empty());
        let m = meta(&[
            ("exif", "GPSLatitude"),
            ("xmp", "Creator"),
            ("file", "Comment"),
            ("png", "Author"),
        ]);
        assert_eq!(leftovers(&m, Keep::default()).len(), 4);
        let m = meta(&[
            ("exif", "Orientation"),
            ("icc_profile", "ProfileDescription"),
            ("exif", "Copyright"),
        ]);
        assert_eq!(leftovers(&m, Keep::default()).len(), 3);
        let keep = Keep {
            icc: true,
            orientation: true,
            copyright: true,
        };
        assert!(leftovers(&m, keep).is_empty());
    }
}
