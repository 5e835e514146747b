//! Checks values ExifTool prints for a few corpus files, and that damaged copies of every
//! corpus JPEG/TIFF parse without panicking. Skips when the corpus is absent.

use serde_json::Value;
use std::path::PathBuf;

fn corpus() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples");
    p.is_dir().then_some(p)
}

fn extract(rel: &str) -> Option<metacore::Metadata> {
    let path = corpus()?.join(rel);
    let data = std::fs::read(&path).ok()?;
    let name = path.file_name()?.to_str()?.to_string();
    Some(metacore::extract(&data, Some(&name)))
}

fn get(m: &metacore::Metadata, g: &str, t: &str) -> Value {
    m.get(g, t).cloned().unwrap_or(Value::Null)
}

#[test]
fn canon_40d() {
    let Some(m) = extract("jpg/Canon_40D.jpg") else {
        return;
    };
    assert_eq!(get(&m, "exif", "Model"), "Canon EOS 40D");
    assert_eq!(get(&m, "exif", "ExposureTime"), "1/160");
    assert_eq!(get(&m, "exif", "ShutterSpeedValue"), "1/166");
    assert_eq!(get(&m, "exif", "ApertureValue"), 7.0);
    assert_eq!(get(&m, "exif", "ThumbnailOffset"), 1120);
    assert_eq!(get(&m, "exif", "FocalPlaneXResolution"), 4438.356164);
    assert_eq!(get(&m, "file", "YCbCrSubSampling"), "YCbCr4:4:4 (1 1)");
    assert_eq!(get(&m, "composite", "ScaleFactor35efl"), 1.6);
    assert_eq!(get(&m, "composite", "HyperfocalDistance"), "138.30 m");
    assert_eq!(get(&m, "composite", "FOV"), "9.4 deg");
    assert_eq!(
        get(&m, "composite", "FocalLength35efl"),
        "135.0 mm (35 mm equivalent: 218.5 mm)"
    );
    assert_eq!(
        get(&m, "composite", "SubSecModifyDate"),
        "2008:07:31 10:38:11.00"
    );
}

#[test]
fn gps_file() {
    let Some(m) = extract("jpg/gps/DSCN0010.jpg") else {
        return;
    };
    assert_eq!(get(&m, "exif", "GPSLatitude"), "43 deg 28' 2.81\"");
    assert_eq!(get(&m, "exif", "GPSTimeStamp"), "14:27:07.24");
    assert_eq!(
        get(&m, "composite", "GPSDateTime"),
        "2008:10:23 14:27:07.24Z"
    );
    assert_eq!(
        get(&m, "composite", "GPSPosition"),
        "43 deg 28' 2.81\" N, 11 deg 53' 6.46\" E"
    );
}

#[test]
fn damaged_copies_do_not_panic() {
    let Some(root) = corpus() else { return };
    let mut files = Vec::new();
    for sub in ["jpg", "jpg/invalid", "jpg/tests", "tiff"] {
        if let Ok(rd) = std::fs::read_dir(root.join(sub)) {
            files.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    for path in files {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string);
        let step = (data.len() / 23).max(1);
        for n in (0..data.len().min(70_000)).step_by(step.min(997)) {
            let _ = metacore::extract(&data[..n], name.as_deref());
        }
        let mut d = data.clone();
        let mut x: u32 = 12345;
        for _ in 0..40 {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            let i = (x as usize >> 4) % d.len().max(1);
            if let Some(b) = d.get_mut(i) {
                *b ^= (x >> 24) as u8 | 1;
            }
        }
        let _ = metacore::extract(&d, name.as_deref());
    }
}
