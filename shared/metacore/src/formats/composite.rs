//! ExifTool's Composite tags, computed from the other groups (Exif.pm and GPS.pm Composite
//! tables: ImageSize, Megapixels, ShutterSpeed, Aperture, LightValue, ScaleFactor35efl,
//! FocalLength35efl, CircleOfConfusion, HyperfocalDistance, DOF, FOV, GPS*, SubSec*, LensID).

use crate::bytes::cat;
use crate::formats::exif::{format_g, json_value, print_exposure_time, print_fnumber};
use crate::model::{Group, Metadata};
use serde_json::Value;

/// Groups searched for a tag when ExifTool's Composite definition names no group, in the
/// order that approximates ExifTool's priority for the inputs used here.
const SEARCH: [&str; 6] = ["exif", "makernotes", "app12", "xmp", "iptc", "quicktime"];

/// The first number in a printed value ("1.26 m" -> 1.26, "1/32" -> 0.03125).
fn first_float(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim_start();
            let num_end = |t: &str| {
                t.char_indices()
                    .find(|&(i, c)| {
                        !(c.is_ascii_digit()
                            || c == '.'
                            || ((c == '-' || c == '+') && i == 0)
                            || c == 'e'
                            || c == 'E')
                    })
                    .map_or(t.len(), |(i, _)| i)
            };
            let end = num_end(s);
            let a = s[..end].parse::<f64>().ok()?;
            // A fraction such as an exposure time printed "1/32".
            if let Some(rest) = s[end..].strip_prefix('/') {
                let e2 = num_end(rest);
                if let Ok(b) = rest[..e2].parse::<f64>() {
                    if b != 0.0 && e2 == rest.trim_end().len() {
                        return Some(a / b);
                    }
                }
            }
            Some(a)
        }
        _ => None,
    }
}

struct In<'m> {
    meta: &'m Metadata,
    /// The groups of `SEARCH`, looked up once: `num` and `has` try each for many tags.
    search: [Option<&'m Group>; SEARCH.len()],
}

impl<'m> In<'m> {
    fn new(meta: &'m Metadata) -> Self {
        In {
            meta,
            search: SEARCH.map(|g| meta.groups.get(g)),
        }
    }
    /// Numeric (ValueConv) value of group:tag: the recorded raw value, else the printed one.
    fn num_in(&self, group: &str, tag: &str) -> Option<f64> {
        if let Some(v) = self.meta.raw_get(group, tag) {
            return first_float(v).filter(|x| x.is_finite());
        }
        self.meta
            .get(group, tag)
            .and_then(first_float)
            .filter(|x| x.is_finite())
    }
    fn num(&self, tag: &str) -> Option<f64> {
        if self.maker_first(tag) {
            if let Some(v) = self.num_in("makernotes", tag) {
                return Some(v);
            }
        }
        SEARCH.iter().zip(self.search).find_map(|(g, grp)| {
            let printed = grp?.get(tag)?;
            // as `num_in`, with the group's value at hand
            match self.meta.raw_get(g, tag) {
                Some(v) => first_float(v),
                None => first_float(printed),
            }
            .filter(|x| x.is_finite())
        })
    }
    /// Whether the maker-note value of `tag` wins over EXIF's, as for Kodak's main maker
    /// note table, which (unlike Canon's, Nikon's, Sony's...) has no `Priority => 0`.
    fn maker_first(&self, tag: &str) -> bool {
        matches!(tag, "FNumber" | "ExposureTime")
            && self.meta.get("makernotes", tag).is_some()
            && self
                .meta
                .get("exif", "Make")
                .and_then(|v| v.as_str())
                .is_some_and(|m| m.to_ascii_uppercase().contains("KODAK"))
    }
    fn has(&self, tag: &str) -> bool {
        self.search
            .iter()
            .any(|g| g.is_some_and(|g| g.contains_key(tag)))
    }
    fn text_in(&self, group: &str, tag: &str) -> Option<String> {
        self.meta.get(group, tag).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
    fn raw_text_in(&self, group: &str, tag: &str) -> Option<String> {
        self.meta
            .raw_get(group, tag)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .or_else(|| self.text_in(group, tag))
    }
}

fn fixed(v: f64, d: usize) -> String {
    crate::formats::exif::fixed_fast(v, d).unwrap_or_else(|| format!("{:.*}", d, v))
}

pub fn compute(meta: &mut Metadata) {
    let mut out: Vec<(&'static str, Value)> = Vec::new();
    {
        let i = In::new(meta);
        image_size(&i, &mut out);
        maker(&i, &mut out);
        exposure(&i, &mut out);
        gps(&i, &mut out);
        subsec(&i, &mut out);
        lens_id(&i, &mut out);
        flash_and_dates(&i, &mut out);
        maker_more(&i, &mut out);
    }
    meta.add_all("composite", out);
}

fn image_size(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let meta = i.meta;
    // Non-EXIF image dimensions (JPEG SOF, PNG IHDR, ...) take precedence over IFD0's,
    // which have Priority 0 in ExifTool.
    let mut wh: Option<(f64, f64)> = None;
    for (g, _) in meta.groups.iter() {
        // XMP-tiff tags have Priority 0 in ExifTool and never win over real ones.
        if g == "exif" || g == "composite" || g == "xmp" {
            continue;
        }
        if let (Some(w), Some(h)) = (i.num_in(g, "ImageWidth"), i.num_in(g, "ImageHeight")) {
            if meta.get(g, "ImageWidth").is_some() && meta.get(g, "ImageHeight").is_some() {
                wh = Some((w, h));
                break;
            }
        }
    }
    if let Some(Value::String(s)) = meta.raw.get("raf:RawImageCroppedSize") {
        if let Some((w, h)) = s.split_once(' ') {
            if let (Ok(w), Ok(h)) = (w.parse::<f64>(), h.parse::<f64>()) {
                wh = Some((w, h));
            }
        }
    }
    let tiff_type = meta
        .get("file", "FileType")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if tiff_type == "CR2" {
        if let (Some(w), Some(h)) = (
            i.num_in("exif", "ExifImageWidth"),
            i.num_in("exif", "ExifImageHeight"),
        ) {
            if w > 0.0 && h > 0.0 {
                wh = Some((w, h));
            }
        }
    }
    for g in ["exif", "xmp"] {
        if wh.is_some() {
            break;
        }
        if let (Some(w), Some(h)) = (i.num_in(g, "ImageWidth"), i.num_in(g, "ImageHeight")) {
            wh = Some((w, h));
        }
    }
    let Some((w, h)) = wh else { return };
    out.push((
        "ImageSize",
        Value::String(cat(&[&format_g(w, 15), "x", &format_g(h, 15)])),
    ));
    let mp = w * h / 1_000_000.0;
    let d = if mp >= 1.0 {
        1
    } else if mp >= 0.001 {
        3
    } else {
        6
    };
    out.push(("Megapixels", json_value(fixed(mp, d))));
}

/// CalcScaleFactor35efl (Exif.pm).
fn scale_factor(i: &In) -> Option<f64> {
    let focal = i.num("FocalLength").unwrap_or(0.0);
    let foc35 = i.num("FocalLengthIn35mmFormat").unwrap_or(0.0);
    if focal != 0.0 && foc35 != 0.0 {
        return Some(foc35 / focal);
    }
    let digz = i
        .meta
        .get("composite", "DigitalZoom")
        .and_then(first_float)
        .filter(|&z| z != 0.0)
        .unwrap_or(1.0);
    let mut diag = i.num("FocalPlaneDiagonal").filter(|&d| d != 0.0);
    let make = i
        .meta
        .get("exif", "Make")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    if make == "Canon" {
        if let Some(d) = canon_sensor_diag(i) {
            diag = Some(d);
        }
    }
    if diag.is_none() {
        let (xs, ys) = (
            i.num("FocalPlaneXSize").unwrap_or(0.0),
            i.num("FocalPlaneYSize").unwrap_or(0.0),
        );
        if xs != 0.0 && ys != 0.0 {
            let a = xs / ys;
            if (a - 1.3333).abs() < 0.1 || (a - 1.5).abs() < 0.1 {
                diag = Some((xs * xs + ys * ys).sqrt());
            }
        }
    }
    let diag = match diag {
        Some(d) => d,
        None => {
            let units = match i
                .num_in("exif", "FocalPlaneResolutionUnit")
                .map(|u| u as i64)
            {
                Some(3) => 10.0,
                Some(4) => 1.0,
                Some(5) => 0.001,
                _ => 25.4,
            };
            let xr = i.num("FocalPlaneXResolution").filter(|&x| x != 0.0)?;
            let yr = i
                .num("FocalPlaneYResolution")
                .filter(|&x| x != 0.0)
                .unwrap_or(xr);
            let pairs = [
                ("ExifImageWidth", "ExifImageHeight"),
                ("CanonImageWidth", "CanonImageHeight"),
                ("ImageWidth", "ImageHeight"),
            ];
            let mut found = None;
            for (wt, ht) in pairs {
                let w = if wt == "ImageWidth" {
                    image_dim(i, wt)
                } else {
                    i.num(wt)
                };
                let h = if ht == "ImageHeight" {
                    image_dim(i, ht)
                } else {
                    i.num(ht)
                };
                let (Some(w), Some(h)) = (w, h) else { continue };
                if w == 0.0 || h == 0.0 {
                    continue;
                }
                let a = w / h;
                if a > 0.5 && a < 2.0 {
                    found = Some((w, h));
                    break;
                }
            }
            let (w, h) = found?;
            let w = w * units / xr;
            let h = h * units / yr;
            let d = (w * w + h * h).sqrt();
            if !(d > 1.0 && d < 100.0) {
                return None;
            }
            d
        }
    };
    if diag == 0.0 {
        return None;
    }
    Some((36.0f64 * 36.0 + 24.0 * 24.0).sqrt() * digz / diag)
}

/// The "ImageWidth"/"ImageHeight" ExifTool would pick: the container's, else IFD0's.
fn image_dim(i: &In, tag: &str) -> Option<f64> {
    for (g, _) in i.meta.groups.iter() {
        if g == "exif" || g == "composite" || g == "xmp" {
            continue;
        }
        if i.meta.get(g, tag).is_some() {
            return i.num_in(g, tag);
        }
    }
    i.num_in("exif", tag).or_else(|| i.num_in("xmp", tag))
}

fn canon_sensor_diag(i: &In) -> Option<f64> {
    let rat = |t: &str| -> Option<(i64, i64)> {
        let s = i
            .meta
            .raw
            .get(&format!("exif:{t}#rat"))?
            .as_str()?
            .to_string();
        let (n, d) = s.split_once('/')?;
        Some((n.parse().ok()?, d.parse().ok()?))
    };
    let (xn, xd) = rat("FocalPlaneXResolution")?;
    let (yn, yd) = rat("FocalPlaneYResolution")?;
    if xn % 1000 == 0
        && yn % 1000 == 0
        && xn >= 640000
        && yn >= 480000
        && xn < 10000000
        && yn < 10000000
        && (61..1500).contains(&xd)
        && (61..1000).contains(&yd)
        && xd != yd
    {
        return Some(((xd * xd + yd * yd) as f64).sqrt() * 0.0254);
    }
    None
}

fn exposure(i: &In, out: &mut Vec<(&'static str, Value)>) {
    // ShutterSpeed: BulbDuration, else ExposureTime (EXIF before maker notes), else
    // ShutterSpeedValue.
    let (shutter, shutter_txt) = if let Some(b) = i.num("BulbDuration").filter(|&b| b > 0.0) {
        (Some(b), Some(format_g(b, 15)))
    } else if let Some(g) = std::iter::once(&"makernotes")
        .filter(|_| i.maker_first("ExposureTime"))
        .chain(SEARCH.iter())
        .find(|g| i.meta.get(g, "ExposureTime").is_some())
    {
        let t = if *g == "exif" {
            i.raw_text_in(g, "ExposureTime")
        } else {
            i.num_in(g, "ExposureTime").map(|x| format_g(x, 15))
        };
        (i.num_in(g, "ExposureTime"), t)
    } else if let Some(v) = i.num_in("exif", "ShutterSpeedValue") {
        (Some(v), i.raw_text_in("exif", "ShutterSpeedValue"))
    } else if let Some(v) = i.num("ShutterSpeedValue") {
        (Some(v), Some(format_g(v, 15)))
    } else {
        (None, None)
    };
    if let Some(t) = &shutter_txt {
        out.push(("ShutterSpeed", json_value(print_exposure_time(t))));
    }
    // Aperture: FNumber (any group, EXIF first), else ApertureValue.
    let aperture = i
        .num("FNumber")
        .filter(|&a| a != 0.0)
        .or_else(|| i.num("ApertureValue").filter(|&a| a != 0.0));
    if let Some(a) = aperture {
        out.push(("Aperture", json_value(print_fnumber(&format_g(a, 15)))));
    }
    // LightValue (ISO taken as printed)
    let iso = i
        .meta
        .get("exif", "ISO")
        .and_then(first_float)
        .or_else(|| i.meta.get("makernotes", "ISO").and_then(first_float))
        .or_else(|| {
            out.iter()
                .find(|(k, _)| *k == "ISO")
                .and_then(|(_, v)| first_float(v))
        });
    if let (Some(a), Some(s), Some(iso)) = (aperture, shutter, iso) {
        if a > 0.0 && s > 0.0 && iso > 0.0 {
            let lv = (a * a * 100.0 / (s * iso)).log2();
            out.push(("LightValue", json_value(fixed(lv, 1))));
        }
    }
    // Focal length family
    let focal = i
        .num_in("exif", "FocalLength")
        .or_else(|| i.num("FocalLength"));
    let scale = scale_factor(i);
    if let Some(s) = scale {
        out.push(("ScaleFactor35efl", json_value(fixed(s, 1))));
    }
    if let Some(f) = focal {
        let v = f * scale.unwrap_or(1.0);
        let p = match scale {
            Some(_) => cat(&[
                &fixed(f, 1),
                " mm (35 mm equivalent: ",
                &fixed(v, 1),
                " mm)",
            ]),
            None => cat(&[&fixed(v, 1), " mm"]),
        };
        out.push(("FocalLength35efl", Value::String(p)));
    }
    lens35(i, scale, out);
    let Some(scale) = scale else { return };
    let coc = (24.0f64 * 24.0 + 36.0 * 36.0).sqrt() / (scale * 1440.0);
    out.push((
        "CircleOfConfusion",
        Value::String(cat(&[&fixed(coc, 3), " mm"])),
    ));
    let Some(f) = focal else { return };
    // FOV
    let focus = i.num("FocusDistance");
    if f != 0.0 {
        let mut corr = 1.0;
        if let Some(fd) = focus.filter(|&d| d != 0.0) {
            let d = 1000.0 * fd - f;
            if d > 0.0 {
                corr += f / d;
            }
        }
        let fd2 = 36f64.atan2(2.0 * f * scale * corr);
        // ExifTool divides by 3.14159, not by pi.
        #[allow(clippy::approx_constant)]
        let fov = fd2 * 360.0 / 3.14159;
        let mut s = cat(&[&fixed(fov, 1), " deg"]);
        if let Some(fd) = focus.filter(|&d| d > 0.0 && d < 10000.0) {
            let m = 2.0 * fd * fd2.sin() / fd2.cos();
            if m != 0.0 {
                s.push_str(&cat(&[" (", &fixed(m, 2), " m)"]));
            }
        }
        out.push(("FOV", Value::String(s)));
    }
    // HyperfocalDistance
    if let Some(a) = aperture {
        let h = if a != 0.0 && coc != 0.0 {
            fixed(f * f / (a * coc * 1000.0), 2)
        } else {
            "inf".into()
        };
        out.push(("HyperfocalDistance", Value::String(cat(&[&h, " m"]))));
        // DOF
        let d = if i.has("FocusDistance") {
            Some(focus.filter(|&d| d != 0.0).unwrap_or(1e10))
        } else {
            let sd = i.num_in("exif", "SubjectDistance").filter(|&d| d != 0.0);
            let od = i.num("ObjectDistance").filter(|&d| d != 0.0);
            let ad = i.num("ApproximateFocusDistance").filter(|&d| d != 0.0);
            sd.or(od).or(ad).or_else(|| {
                match (i.num("FocusDistanceLower"), i.num("FocusDistanceUpper")) {
                    (Some(l), Some(u)) => Some((l + u) / 2.0),
                    _ => None,
                }
            })
        };
        if let Some(d) = d {
            let v = if f != 0.0 && coc != 0.0 {
                let t = a * coc * (d * 1000.0 - f) / (f * f);
                let near = d / (1.0 + t);
                let mut far = d / (1.0 - t);
                if far < 0.0 {
                    far = 0.0;
                }
                (near, far)
            } else {
                (0.0, 0.0)
            };
            let s = if v.1 == 0.0 {
                format!("inf ({} m - inf)", fixed(v.0, 2))
            } else {
                let dof = v.1 - v.0;
                let p = if dof > 0.0 && dof < 0.02 { 3 } else { 2 };
                format!(
                    "{} m ({} - {} m)",
                    fixed(dof, p),
                    fixed(v.0, p),
                    fixed(v.1, p)
                )
            };
            out.push(("DOF", Value::String(s)));
        }
    }
}

fn truthy_xmp(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn xmp_code(v: Option<&Value>, names: &[(&str, i64)]) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => {
            if let Some((_, c)) = names.iter().find(|(n, _)| n == s) {
                return *c;
            }
            if let Ok(c) = s.trim().parse::<i64>() {
                return c;
            }
            // "Unknown (5)"
            s.strip_prefix("Unknown (")
                .and_then(|r| r.strip_suffix(')'))
                .and_then(|r| r.parse().ok())
                .unwrap_or(0)
        }
        _ => 0,
    }
}

/// XMP.pm's Composite:Flash, IPTC.pm's DateTimeCreated, Kodak's DateCreated and Exif.pm's
/// Composite:DateTimeOriginal.
fn flash_and_dates(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let x = |t: &str| i.meta.get("xmp", t);
    let names = [
        "FlashFired",
        "FlashReturn",
        "FlashMode",
        "FlashFunction",
        "FlashRedEyeMode",
        "Flash",
    ];
    if names.iter().any(|n| x(n).is_some()) {
        let ret = xmp_code(
            x("FlashReturn"),
            &[
                ("No return detection", 0),
                ("Return not detected", 2),
                ("Return detected", 3),
            ],
        );
        let mode = xmp_code(
            x("FlashMode"),
            &[("Unknown", 0), ("On", 1), ("Off", 2), ("Auto", 3)],
        );
        let v = (if truthy_xmp(x("FlashFired")) { 1 } else { 0 })
            | (ret << 1)
            | (mode << 3)
            | (if truthy_xmp(x("FlashFunction")) {
                0x20
            } else {
                0
            })
            | (if truthy_xmp(x("FlashRedEyeMode")) {
                0x40
            } else {
                0
            });
        out.push(("Flash", Value::String(crate::formats::exif::flash_print(v))));
    }
    // IPTC DateTimeCreated
    let dtc = match (
        i.text_in("iptc", "DateCreated"),
        i.text_in("iptc", "TimeCreated"),
    ) {
        (Some(d), Some(t)) => Some(cat(&[&d, " ", &t])),
        _ => None,
    };
    if let Some(v) = &dtc {
        out.push(("DateTimeCreated", Value::String(v.clone())));
    }
    // Kodak DateCreated
    if make_is(i, "EASTMAN KODAK") || make_is(i, "Kodak") || make_is(i, "KODAK") {
        if let (Some(y), Some(md)) = (mn_text(i, "YearCreated"), mn_text(i, "MonthDayCreated")) {
            out.push(("DateCreated", Value::String(cat(&[&y, ":", &md]))));
        }
    }
    // Composite DateTimeOriginal when no group has one.
    let has_dto = i
        .meta
        .groups
        .values()
        .any(|g| g.contains_key("DateTimeOriginal"));
    if !has_dto {
        let find = |t: &str| {
            ["iptc", "xmp", "makernotes", "quicktime"]
                .iter()
                .find_map(|g| i.text_in(g, t))
        };
        if let (Some(d), Some(t)) = (find("DateCreated"), find("TimeCreated")) {
            let v = match &dtc {
                Some(v) if v.contains(' ') => v.clone(),
                _ => cat(&[&d, " ", &t]),
            };
            out.push(("DateTimeOriginal", Value::String(v)));
        }
    }
}

fn mn_text(i: &In, tag: &str) -> Option<String> {
    i.text_in("makernotes", tag)
}

fn make_is(i: &In, prefix: &str) -> bool {
    i.meta
        .get("exif", "Make")
        .and_then(|v| v.as_str())
        .is_some_and(|m| m.starts_with(prefix))
}

/// Composite tags built from maker notes (Canon.pm and Apple.pm Composite tables), from
/// the printed maker-note values.
fn maker(i: &In, out: &mut Vec<(&'static str, Value)>) {
    if make_is(i, "Canon") {
        if let (Some(cd), Some(st)) = (mn_text(i, "ContinuousDrive"), mn_text(i, "SelfTimer")) {
            let v = if cd != "Single" && cd != "0" {
                "Continuous Shooting"
            } else if st != "Off" && st != "0" {
                "Self-timer Operation"
            } else {
                "Single-frame Shooting"
            };
            out.push(("DriveMode", Value::String(v.into())));
        }
        if let (Some(em), Some(easy)) = (mn_text(i, "CanonExposureMode"), mn_text(i, "EasyMode")) {
            let bulb = i.num_in("makernotes", "BulbDuration").unwrap_or(0.0) > 0.0;
            let v = if em == "Easy" || em == "0" {
                easy
            } else if em == "Manual" && bulb {
                "Bulb".into()
            } else {
                em
            };
            out.push(("ShootingMode", json_value(v)));
        }
        let cam = mn_text(i, "CameraISO");
        let iso = match cam.as_deref() {
            Some(c) if !c.is_empty() && c != "0" && c.bytes().all(|b| b.is_ascii_digit()) => {
                c.parse::<f64>().ok()
            }
            _ => match (
                i.num_in("makernotes", "BaseISO"),
                i.num_in("makernotes", "AutoISO"),
            ) {
                (Some(b), Some(a)) if b != 0.0 && a != 0.0 => Some(b * a / 100.0),
                _ => None,
            },
        };
        if let Some(iso) = iso {
            out.push(("ISO", json_value(fixed(iso, 0))));
        }
        if let (Some(a), Some(b)) = (
            i.num_in("makernotes", "MinFocalLength"),
            i.num_in("makernotes", "MaxFocalLength"),
        ) {
            out.push(("Lens", Value::String(focal_range(a, b, 1.0))));
        }
    }
    if let (Some(v), Some(s)) = (
        i.num_in("makernotes", "RunTimeValue"),
        i.num_in("makernotes", "RunTimeScale"),
    ) {
        if s != 0.0 && make_is(i, "Apple") {
            out.push(("RunTimeSincePowerUp", json_value(duration(v / s))));
        }
    }
}

/// Canon::PrintFocalRange.
fn focal_range(a: f64, b: f64, scale: f64) -> String {
    if a == b {
        format!("{} mm", fixed(a * scale, 1))
    } else {
        format!("{} - {} mm", fixed(a * scale, 1), fixed(b * scale, 1))
    }
}

fn lens35(i: &In, scale: Option<f64>, out: &mut Vec<(&'static str, Value)>) {
    if !make_is(i, "Canon") {
        return;
    }
    let (Some(a), Some(b)) = (
        i.num_in("makernotes", "MinFocalLength"),
        i.num_in("makernotes", "MaxFocalLength"),
    ) else {
        return;
    };
    let mut s = focal_range(a, b, 1.0);
    if let Some(sc) = scale.filter(|&x| x != 0.0) {
        s.push_str(&format!(" (35 mm equivalent: {})", focal_range(a, b, sc)));
    }
    out.push(("Lens35efl", Value::String(s)));
}

/// ConvertDuration (ExifTool.pm).
fn duration(t: f64) -> String {
    if t == 0.0 {
        return "0 s".into();
    }
    let (sign, t) = if t > 0.0 { ("", t) } else { ("-", -t) };
    if t < 30.0 {
        return format!("{sign}{} s", fixed(t, 2));
    }
    let mut t = t + 0.5;
    let mut h = (t / 3600.0).trunc();
    t -= h * 3600.0;
    let m = (t / 60.0).trunc();
    t -= m * 60.0;
    let mut sign = sign.to_string();
    if h > 24.0 {
        let d = (h / 24.0).trunc();
        h -= d * 24.0;
        sign = format!("{sign}{d} days ");
    }
    format!("{sign}{}:{:02}:{:02}", h as i64, m as i64, t.trunc() as i64)
}

fn to_dms(deg: f64, pos: &str, neg: &str) -> String {
    let r = if deg < 0.0 { neg } else { pos };
    crate::formats::exif::to_dms_ref(deg, &cat(&[" ", r]))
}

fn gps(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let coord = |tag: &str, reftag: &str, negref: char| -> Option<f64> {
        let v = i.num_in("exif", tag)?;
        if i.raw_text_in("exif", tag).as_deref() == Some("") {
            return None;
        }
        let r = i.raw_text_in("exif", reftag)?;
        Some(
            if r.starts_with(negref) || r.starts_with(negref.to_ascii_lowercase()) {
                -v
            } else {
                v
            },
        )
    };
    let lat = coord("GPSLatitude", "GPSLatitudeRef", 'S');
    let lon = coord("GPSLongitude", "GPSLongitudeRef", 'W');
    if let Some(d) = lat {
        out.push(("GPSLatitude", Value::String(to_dms(d, "N", "S"))));
    }
    if let Some(d) = lon {
        out.push(("GPSLongitude", Value::String(to_dms(d, "E", "W"))));
    }
    if let (Some(a), Some(b)) = (lat, lon) {
        out.push((
            "GPSPosition",
            Value::String(cat(&[&to_dms(a, "N", "S"), ", ", &to_dms(b, "E", "W")])),
        ));
    } else if lat.is_none() && lon.is_none() {
        quicktime_gps(i, out);
    }
    if let Some(d) = coord("GPSDestLatitude", "GPSDestLatitudeRef", 'S') {
        out.push(("GPSDestLatitude", Value::String(to_dms(d, "N", "S"))));
    }
    if let Some(d) = coord("GPSDestLongitude", "GPSDestLongitudeRef", 'W') {
        out.push(("GPSDestLongitude", Value::String(to_dms(d, "E", "W"))));
    }
    gps_altitude(i, out);
    xmp_gps_refs(i, out);
    // GPSDateTime
    if let (Some(d), Some(t)) = (
        i.raw_text_in("exif", "GPSDateStamp"),
        i.raw_text_in("exif", "GPSTimeStamp"),
    ) {
        out.push(("GPSDateTime", Value::String(cat(&[&d, " ", &t, "Z"]))));
    }
}

/// GPS.pm's GPSAltitude composite: EXIF's altitude and reference, else XMP's (either
/// reference must exist). The reference is 1 (or printed "Below ...") for below sea level.
fn gps_altitude(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let has_ref = |g: &str| i.meta.get(g, "GPSAltitudeRef").is_some();
    if !has_ref("exif") && !has_ref("xmp") {
        return;
    }
    let ref_value = |g: &str| -> Option<f64> {
        i.meta.get(g, "GPSAltitudeRef")?;
        if let Some(n) = i.num_in(g, "GPSAltitudeRef") {
            return Some(n);
        }
        let t = i.text_in(g, "GPSAltitudeRef")?;
        Some(if t.contains("Below") { 1.0 } else { 0.0 })
    };
    for g in ["exif", "xmp"] {
        let (Some(alt), Some(r)) = (i.num_in(g, "GPSAltitude"), ref_value(g)) else {
            continue;
        };
        let prt = i.text_in(g, "GPSAltitudeRef").unwrap_or_default();
        let s = if prt.contains("Sea") {
            cat(&[&format_g((alt * 10.0).trunc() / 10.0, 15), " m ", &prt])
        } else {
            let v = if r != 0.0 { -alt.abs() } else { alt };
            let v = (v * 10.0).trunc() / 10.0;
            if v < 0.0 {
                cat(&[&format_g(-v, 15), " m Below Sea Level"])
            } else {
                cat(&[&format_g(v, 15), " m Above Sea Level"])
            }
        };
        out.push(("GPSAltitude", Value::String(s)));
        return;
    }
}

/// XMP.pm's GPSLatitudeRef, GPSLongitudeRef and their Dest forms: the hemisphere of the
/// XMP-exif coordinate (which is stored signed or with its N/S/E/W letter).
fn xmp_gps_refs(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let specs: [(&str, &'static str, &str, &str); 4] = [
        ("GPSLatitude", "GPSLatitudeRef", "North", "South"),
        ("GPSLongitude", "GPSLongitudeRef", "East", "West"),
        ("GPSDestLatitude", "GPSDestLatitudeRef", "North", "South"),
        ("GPSDestLongitude", "GPSDestLongitudeRef", "East", "West"),
    ];
    for (tag, name, pos, neg) in specs {
        let Some(d) = i.text_in("xmp", tag).as_deref().and_then(dms_degrees) else {
            continue;
        };
        out.push((name, Value::String(if d < 0.0 { neg } else { pos }.into())));
    }
}

/// Degrees from a printed coordinate (`37 deg 46' 12.34" S` or a signed number).
fn dms_degrees(s: &str) -> Option<f64> {
    let nums: Vec<f64> = s
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .filter(|x| !x.is_empty())
        .filter_map(|x| x.parse::<f64>().ok())
        .take(3)
        .collect();
    let d = *nums.first()?;
    let v = d.abs() + (nums.get(1).unwrap_or(&0.0) + nums.get(2).unwrap_or(&0.0) / 60.0) / 60.0;
    let t = s.trim_end();
    let neg = d < 0.0 || t.ends_with('S') || t.ends_with('W');
    Some(if neg { -v } else { v })
}

/// QuickTime.pm's GPS composites from GPSCoordinates, and GPSPosition from XMP/QuickTime
/// coordinates when there is no EXIF GPS.
fn quicktime_gps(i: &In, out: &mut Vec<(&'static str, Value)>) {
    if let Some(c) = i.raw_text_in("quicktime", "GPSCoordinates") {
        let parts: Vec<&str> = c.split(',').map(str::trim).collect();
        let nums: Vec<f64> = c
            .split_whitespace()
            .filter_map(|x| x.parse::<f64>().ok())
            .collect();
        // Either the raw "lat lon [alt]" numbers or the printed DMS form.
        let (lat, lon, alt) = if nums.len() >= 2 && !c.contains("deg") {
            (Some(nums[0]), Some(nums[1]), nums.get(2).copied())
        } else {
            let alt = parts.get(2).and_then(|a| {
                let v = a.split_whitespace().next()?.parse::<f64>().ok()?;
                Some(if a.contains("Below") { -v } else { v })
            });
            (
                parts.first().and_then(|p| dms_degrees(p)),
                parts.get(1).and_then(|p| dms_degrees(p)),
                alt,
            )
        };
        if let (Some(a), Some(b)) = (lat, lon) {
            out.push(("GPSLatitude", Value::String(to_dms(a, "N", "S"))));
            out.push(("GPSLongitude", Value::String(to_dms(b, "E", "W"))));
            out.push((
                "GPSPosition",
                Value::String(cat(&[&to_dms(a, "N", "S"), ", ", &to_dms(b, "E", "W")])),
            ));
        }
        if let Some(al) = alt {
            out.push((
                "GPSAltitude",
                Value::String(cat(&[&format_g(al.abs(), 15), " m"])),
            ));
            out.push((
                "GPSAltitudeRef",
                Value::String(
                    if al < 0.0 {
                        "Below Sea Level"
                    } else {
                        "Above Sea Level"
                    }
                    .into(),
                ),
            ));
        }
        return;
    }
    if let Some(loc) = i.text_in("quicktime", "LocationInformation") {
        // QuickTime.pm's GPSLatitude2 etc.: the numbers after "Lat=", "Lon=" and "Alt="
        let field = |key: &str| -> Option<f64> {
            let at = loc.find(key)? + key.len();
            let t = &loc[at..];
            let end = t
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
                .unwrap_or(t.len());
            t[..end].parse::<f64>().ok()
        };
        let (lat, lon) = (field("Lat="), field("Lon="));
        if let Some(a) = lat {
            out.push(("GPSLatitude", Value::String(to_dms(a, "N", "S"))));
        }
        if let Some(b) = lon {
            out.push(("GPSLongitude", Value::String(to_dms(b, "E", "W"))));
        }
        if let (Some(a), Some(b)) = (lat, lon) {
            out.push((
                "GPSPosition",
                Value::String(cat(&[&to_dms(a, "N", "S"), ", ", &to_dms(b, "E", "W")])),
            ));
        }
        if let Some(al) = field("Alt=") {
            let m = cat(&[&format_g(al.abs(), 15), " m"]);
            out.push(("GPSAltitude", Value::String(m)));
            let r = if al < 0.0 { "Below" } else { "Above" };
            out.push(("GPSAltitudeRef", Value::String(cat(&[r, " Sea Level"]))));
        }
        return;
    }
    if let (Some(a), Some(b)) = (
        i.text_in("xmp", "GPSLatitude"),
        i.text_in("xmp", "GPSLongitude"),
    ) {
        out.push(("GPSPosition", Value::String(cat(&[&a, ", ", &b]))));
    }
}

fn subsec(i: &In, out: &mut Vec<(&'static str, Value)>) {
    let specs: [(&'static str, &str, &str, &str); 3] = [
        (
            "SubSecDateTimeOriginal",
            "DateTimeOriginal",
            "SubSecTimeOriginal",
            "OffsetTimeOriginal",
        ),
        (
            "SubSecCreateDate",
            "CreateDate",
            "SubSecTimeDigitized",
            "OffsetTimeDigitized",
        ),
        ("SubSecModifyDate", "ModifyDate", "SubSecTime", "OffsetTime"),
    ];
    for (name, dt, ss, ot) in specs {
        let Some(date) = i.raw_text_in("exif", dt) else {
            continue;
        };
        let mut v: Option<String> = None;
        if let Some(sub) = i.raw_text_in("exif", ss) {
            let digits: String = sub.chars().take_while(|c| c.is_ascii_digit()).collect();
            if !digits.is_empty() {
                v = insert_subsec(&date, &digits);
            }
        }
        if let Some(off) = i.raw_text_in("exif", ot) {
            if !date.contains(['-', '+']) {
                if let Some(tz) = parse_tz(&off) {
                    v = Some(cat(&[&v.unwrap_or_else(|| date.clone()), &tz]));
                }
            }
        }
        if let Some(v) = v {
            out.push((name, Value::String(v)));
        }
    }
}

/// s/( \d{2}:\d{2}:\d{2})(?!\.\d+)/$1.$subSec/
fn insert_subsec(date: &str, sub: &str) -> Option<String> {
    let b = date.as_bytes();
    for p in 0..b.len() {
        if b[p] != b' ' || p + 9 > b.len() {
            continue;
        }
        let t = &b[p + 1..p + 9];
        let ok = t[0].is_ascii_digit()
            && t[1].is_ascii_digit()
            && t[2] == b':'
            && t[3].is_ascii_digit()
            && t[4].is_ascii_digit()
            && t[5] == b':'
            && t[6].is_ascii_digit()
            && t[7].is_ascii_digit();
        if !ok {
            continue;
        }
        let after = &b[p + 9..];
        if after.first() == Some(&b'.') && after.get(1).is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        return Some(format!("{}.{}{}", &date[..p + 9], sub, &date[p + 9..]));
    }
    None
}

/// /^([-+])(\d{1,2}):(\d{2})/ -> "+hh:mm"
fn parse_tz(s: &str) -> Option<String> {
    let sign = s.chars().next().filter(|c| *c == '+' || *c == '-')?;
    let rest = &s[1..];
    let (h, m) = rest.split_once(':')?;
    if h.is_empty() || h.len() > 2 || !h.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let m: String = m.chars().take(2).collect();
    if m.len() != 2 || !m.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!("{sign}{:02}:{m}", h.parse::<u32>().ok()?))
}

/// LensID from LensModel (ExifTool's "LensID-2"), when no maker-note LensType exists.
fn lens_id(i: &In, out: &mut Vec<(&'static str, Value)>) {
    // Nikon's own Composite:LensID, from the LensData key the maker-note parser built
    if let Some(Value::String(key)) = i.meta.raw.get("composite:LensID") {
        let lens = crate::formats::makernotes::nikon_lens_id(key);
        out.push(("LensID", Value::String(lens)));
        return;
    }
    if i.meta.get("makernotes", "LensType").is_some() || i.meta.get("composite", "LensID").is_some()
    {
        if let Some(l) = lens_id_from_type(i) {
            out.push(("LensID", Value::String(l)));
        }
        return;
    }
    let pick = |s: &str| s.contains("mm") || has_digit_slash_f(s);
    let model = SEARCH
        .iter()
        .find_map(|g| i.text_in(g, "LensModel"))
        .filter(|s| pick(s))
        .or_else(|| {
            SEARCH
                .iter()
                .find_map(|g| i.text_in(g, "Lens"))
                .filter(|s| pick(s))
        });
    let Some(v) = model else { return };
    // s/(\d)\/F/$1mm F/; s/mmF/mm F/; s/(\d) mm/${1}mm/; s/ - /-/;
    let mut s = replace_digit(&v, "/F", "mm F");
    s = s.replacen("mmF", "mm F", 1);
    s = replace_digit(&s, " mm", "mm");
    s = s.replacen(" - ", "-", 1);
    out.push(("LensID", Value::String(s)));
}

/// The LensType-based Composite:LensID (Exif.pm PrintLensID / Canon.pm PrintLensID),
/// from the printed LensType (ambiguous types print as "A or B or C").
fn lens_id_from_type(i: &In) -> Option<String> {
    let prt = mn_text(i, "LensType")?;
    let canon = make_is(i, "Canon");
    // Nikon's LensType is a bit field, not a lens table: its LensID comes from LensData
    // (see `lens_id`).
    if make_is(i, "NIKON") {
        return None;
    }
    let lens_model = ["exif", "makernotes"]
        .iter()
        .find_map(|g| i.text_in(g, "LensModel"));
    let short = i.num_in("makernotes", "MinFocalLength");
    let long = i.num_in("makernotes", "MaxFocalLength");
    let unknown = prt == "n/a" || prt.starts_with("Unknown");
    if canon {
        let (Some(sf), Some(lf)) = (short.filter(|&x| x != 0.0), long.filter(|&x| x != 0.0)) else {
            return (!unknown).then_some(prt);
        };
        if unknown {
            if let Some(m) = lens_model.filter(|m| m.bytes().any(|b| b.is_ascii_digit())) {
                return Some(format!("Canon {m}"));
            }
            let mut s = format!(" {}", sf.trunc() as i64);
            if lf != sf {
                s.push_str(&format!("-{}", lf.trunc() as i64));
            }
            return Some(format!("Unknown{s}mm"));
        }
        let lenses: Vec<&str> = prt.split(" or ").collect();
        if lenses.len() == 1 {
            return Some(lens_with_tc(&prt, sf));
        }
        let max_ap = i
            .num_in("makernotes", "MaxAperture")
            .or_else(|| i.num_in("exif", "MaxApertureValue"));
        let (mut maybe, mut likely, mut matches) = (Vec::new(), Vec::new(), Vec::new());
        for tc in [1.0, 1.4, 2.0, 2.8] {
            for l in &lenses {
                let Some((lsf, llf, lsa, lla)) = lens_info(l) else {
                    continue;
                };
                if (sf - lsf * tc).abs() > 0.9 {
                    continue;
                }
                let name = if tc > 1.0 {
                    format!("{l} + {}x", format_g(tc, 15))
                } else {
                    l.to_string()
                };
                maybe.push(name.clone());
                if (lf - llf * tc).abs() > 0.9 {
                    continue;
                }
                likely.push(name.clone());
                if let Some(ma) = max_ap.filter(|&m| m != 0.0) {
                    if ma < lsa * tc - 0.18 || ma > lla * tc + 0.18 {
                        continue;
                    }
                }
                matches.push(name);
            }
            if !maybe.is_empty() {
                break;
            }
        }
        let pick = if !matches.is_empty() {
            matches
        } else if !likely.is_empty() {
            likely
        } else {
            maybe
        };
        return (!pick.is_empty()).then(|| pick.join(" or "));
    }
    if unknown {
        return Some(lens_model.unwrap_or(prt));
    }
    (!prt.contains(" or ")).then_some(prt)
}

/// Canon::LensWithTC: adds " + 1.4x" etc. when the focal length shows a teleconverter.
fn lens_with_tc(lens: &str, short: f64) -> String {
    if lens.ends_with('x') {
        return lens.to_string();
    }
    let digits: String = lens
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let Ok(sf) = digits.parse::<f64>() else {
        return lens.to_string();
    };
    for tc in [1.0, 1.4, 2.0, 2.8] {
        if (short - sf * tc).abs() > 0.9 {
            continue;
        }
        if tc > 1.0 {
            return format!("{lens} + {}x", format_g(tc, 15));
        }
        break;
    }
    lens.to_string()
}

/// (short focal, long focal, max aperture wide, max aperture tele) from a lens name:
/// /(\d+)(?:-(\d+))?mm.*?(?:[fF]\/?)(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?/
fn lens_info(l: &str) -> Option<(f64, f64, f64, f64)> {
    let mm = l.find("mm")?;
    let head = &l[..mm];
    let range: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '-' || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let (a, b) = match range.split_once('-') {
        Some((a, b)) => (a.parse::<f64>().ok()?, b.parse::<f64>().ok()),
        None => (range.parse::<f64>().ok()?, None),
    };
    let rest = &l[mm..];
    let fpos = rest.find(['f', 'F'])?;
    let ap = rest[fpos + 1..].trim_start_matches('/');
    let ap: String = ap
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    let (sa, la) = match ap.split_once('-') {
        Some((x, y)) => (x.parse::<f64>().ok()?, y.parse::<f64>().ok()),
        None => (ap.parse::<f64>().ok()?, None),
    };
    Some((a, b.unwrap_or(a), sa, la.unwrap_or(sa)))
}

/// Red/BlueBalance (Exif.pm RedBlueBalance), Nikon LensSpec and AutoFocus, Olympus
/// ExtenderStatus.
fn maker_more(i: &In, out: &mut Vec<(&'static str, Value)>) {
    const LOOKUP: [(&str, [usize; 4]); 9] = [
        ("WB_RGGBLevels", [0, 1, 2, 3]),
        ("WB_RGBGLevels", [0, 1, 3, 2]),
        ("WB_RBGGLevels", [0, 2, 3, 1]),
        ("WB_GRBGLevels", [1, 0, 3, 2]),
        ("WB_GRGBLevels", [1, 0, 2, 3]),
        ("WB_GBRGLevels", [2, 3, 0, 1]),
        ("WB_RGBLevels", [0, 1, 1, 2]),
        ("WB_GRBLevels", [1, 0, 0, 2]),
        ("WB_RBLevels", [0, 256, 256, 1]),
    ];
    for (blue, name) in [(false, "RedBalance"), (true, "BlueBalance")] {
        let mut val = None;
        for (tag, lk) in LOOKUP {
            let Some(t) = SEARCH.iter().find_map(|g| i.text_in(g, tag)) else {
                continue;
            };
            let lv: Vec<f64> = t
                .split_whitespace()
                .filter_map(|x| x.parse::<f64>().ok())
                .collect();
            if lv.len() < 2 {
                continue;
            }
            let idx = if blue { lk[3] } else { lk[0] };
            let mut g = lk[1] as f64;
            if lk[1] < 4 {
                if lv.len() < 3 {
                    continue;
                }
                g = (lv.get(lk[1]).copied().unwrap_or(0.0) + lv.get(lk[2]).copied().unwrap_or(0.0))
                    / 2.0;
                if g == 0.0 {
                    continue;
                }
            } else if lv.get(idx).copied().unwrap_or(0.0) < 4.0 {
                g = 1.0;
            }
            val = lv.get(idx).map(|v| v / g);
            break;
        }
        if val.is_none() {
            let lvl = if blue { "WBBlueLevel" } else { "WBRedLevel" };
            if let (Some(a), Some(g)) = (i.num(lvl), i.num("WBGreenLevel")) {
                if a != 0.0 && g != 0.0 {
                    val = Some(a / g);
                }
            }
        }
        if let Some(v) = val {
            let r = (v * 1e6 + 0.5).trunc() * 1e-6;
            out.push((name, json_value(format_g(r, 15))));
        }
    }
    if make_is(i, "NIKON") {
        if let (Some(l), Some(t)) = (mn_text(i, "Lens"), mn_text(i, "LensType")) {
            out.push(("LensSpec", Value::String(format!("{l} {t}"))));
        }
        if let (Some(p), Some(c)) = (mn_text(i, "PhaseDetectAF"), mn_text(i, "ContrastDetectAF")) {
            let on = |s: &str| s != "Off" && s != "0";
            let v = if on(&p) || on(&c) { "On" } else { "Off" };
            out.push(("AutoFocus", Value::String(v.into())));
        }
    }
    if make_is(i, "OLYMPUS") {
        if let (Some(ext), Some(lt), Some(ma)) = (
            mn_text(i, "Extender"),
            mn_text(i, "LensType"),
            i.num("MaxApertureValue"),
        ) {
            let st = if ext == "None" || ext.is_empty() || ext.starts_with("0 0") {
                0
            } else if !ext.contains("EC-14") {
                1
            } else {
                match lt.find(" F").and_then(|p| {
                    let n: String = lt[p + 2..]
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.')
                        .collect();
                    n.parse::<f64>().ok()
                }) {
                    Some(f) if ma - f > 0.2 => 1,
                    Some(_) => 2,
                    None => 1,
                }
            };
            let s = ["Not attached", "Attached", "Removed"][st];
            out.push(("ExtenderStatus", Value::String(s.into())));
        }
    }
}

fn has_digit_slash_f(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len().saturating_sub(1)).any(|p| b[p - 1].is_ascii_digit() && &b[p..p + 2] == b"/F")
}

/// Replaces the first `pat` that follows a digit.
fn replace_digit(s: &str, pat: &str, rep: &str) -> String {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(rel) = s[from..].find(pat) {
        let p = from + rel;
        if p > 0 && b[p - 1].is_ascii_digit() {
            return format!("{}{}{}", &s[..p], rep, &s[p + pat.len()..]);
        }
        from = p + 1;
    }
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Budget;

    #[test]
    fn from_exif_sample() {
        let mut m = Metadata::new(Budget::default());
        crate::formats::exif::parse_tiff(&mut m, &crate::formats::exif::test_tiff());
        m.set("file", "ImageWidth", 640);
        m.set("file", "ImageHeight", 480);
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("ImageSize"), "640x480");
        assert_eq!(g("Megapixels"), 0.307);
        assert_eq!(g("ShutterSpeed"), "1/160");
        assert_eq!(g("Aperture"), 7.1);
        assert_eq!(g("LightValue"), 13.0);
        assert_eq!(g("FocalLength35efl"), "135.0 mm");
        assert_eq!(g("GPSLatitude"), "43 deg 28' 2.81\" N");
        assert_eq!(g("GPSLongitude"), "11 deg 53' 6.46\" E");
        assert_eq!(g("GPSPosition"), "43 deg 28' 2.81\" N, 11 deg 53' 6.46\" E");
        assert_eq!(g("GPSAltitude"), "12.3 m Above Sea Level");
        assert_eq!(g("GPSDateTime"), "2008:10:23 14:27:07.24Z");
        assert_eq!(g("SubSecDateTimeOriginal"), "2008:05:30 15:56:01.00");
    }

    #[test]
    fn canon_and_apple() {
        let mut m = Metadata::new(Budget::default());
        m.set("exif", "Make", "Canon");
        m.set("exif", "FocalLength", "7.4 mm");
        m.set("exif", "FocalLengthIn35mmFormat", "36 mm");
        m.set("makernotes", "ContinuousDrive", "Single");
        m.set("makernotes", "SelfTimer", "Off");
        m.set("makernotes", "CanonExposureMode", "Easy");
        m.set("makernotes", "EasyMode", "Full auto");
        m.set("makernotes", "CameraISO", "Auto");
        m.set("makernotes", "BaseISO", 50);
        m.set("makernotes", "AutoISO", 100);
        m.set("makernotes", "MinFocalLength", "7.40625 mm");
        m.set("makernotes", "MaxFocalLength", "22.21875 mm");
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("DriveMode"), "Single-frame Shooting");
        assert_eq!(g("ShootingMode"), "Full auto");
        assert_eq!(g("ISO"), 50);
        assert_eq!(g("Lens"), "7.4 - 22.2 mm");
        assert_eq!(duration(79657.4), "22:07:37");
        assert_eq!(duration(11320.0), "3:08:40");
    }

    #[test]
    fn xmp_flash_and_iptc_dates() {
        let mut m = Metadata::new(Budget::default());
        m.set("xmp", "FlashFired", true);
        m.set("xmp", "FlashReturn", "No return detection");
        m.set("xmp", "FlashMode", "Auto");
        m.set("xmp", "FlashFunction", false);
        m.set("iptc", "DateCreated", "2005:12:14");
        m.set("iptc", "TimeCreated", "14:39:47");
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("Flash"), "Auto, Fired");
        assert_eq!(g("DateTimeCreated"), "2005:12:14 14:39:47");
        assert_eq!(g("DateTimeOriginal"), "2005:12:14 14:39:47");
    }

    #[test]
    fn maker_note_fallbacks() {
        let mut m = Metadata::new(Budget::default());
        m.set("file", "ImageWidth", 1024);
        m.set("file", "ImageHeight", 768);
        m.set("makernotes", "ShutterSpeedValue", "1/29");
        m.set("makernotes", "ApertureValue", 4.8);
        m.set("makernotes", "FocalLength", "5 mm");
        m.set("makernotes", "FocalPlaneXSize", "5.05 mm");
        m.set("makernotes", "FocalPlaneYSize", "3.71 mm");
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("ShutterSpeed"), "1/29");
        assert_eq!(g("Aperture"), 4.8);
        assert_eq!(g("ScaleFactor35efl"), 6.9);
        assert_eq!(g("FocalLength35efl"), "5.0 mm (35 mm equivalent: 34.5 mm)");

        let mut m = Metadata::new(Budget::default());
        m.set("exif", "Make", "EASTMAN KODAK COMPANY");
        m.set("exif", "FNumber", 4.0);
        m.set("makernotes", "FNumber", 3.9);
        m.set("makernotes", "WB_RGGBLevels", "500 256 256 421");
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("Aperture"), 3.9);
        assert_eq!(g("RedBalance"), 1.953125);
    }

    #[test]
    fn lens_ids() {
        let mut m = Metadata::new(Budget::default());
        m.set("exif", "Make", "Canon");
        m.set("makernotes", "LensType", "n/a");
        m.set("makernotes", "MinFocalLength", "7.40625 mm");
        m.set("makernotes", "MaxFocalLength", "22.21875 mm");
        compute(&mut m);
        assert_eq!(
            m.get("composite", "LensID").cloned().unwrap(),
            "Unknown 7-22mm"
        );
        assert_eq!(
            lens_info("Canon EF 70-200mm f/2.8L"),
            Some((70.0, 200.0, 2.8, 2.8))
        );
    }

    #[test]
    fn quicktime_coordinates() {
        let mut m = Metadata::new(Budget::default());
        m.set(
            "quicktime",
            "GPSCoordinates",
            "37 deg 46' 12.34\" N, 122 deg 25' 9.12\" W, 10 m Above Sea Level",
        );
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("GPSLatitude"), "37 deg 46' 12.34\" N");
        assert_eq!(g("GPSLongitude"), "122 deg 25' 9.12\" W");
        assert_eq!(g("GPSAltitude"), "10 m");
    }

    #[test]
    fn xmp_gps_references_and_altitude() {
        let mut m = Metadata::new(Budget::default());
        m.set("xmp", "GPSLatitude", "40 deg 41' 21.12\" N");
        m.set("xmp", "GPSLongitude", "74 deg 2' 40.20\" W");
        m.set("xmp", "GPSDestLatitude", "33 deg 52' 7.68\" S");
        m.set("xmp", "GPSAltitude", "93 m");
        m.set("xmp", "GPSAltitudeRef", "Above Sea Level");
        compute(&mut m);
        let g = |t: &str| m.get("composite", t).cloned().unwrap_or(Value::Null);
        assert_eq!(g("GPSLatitudeRef"), "North");
        assert_eq!(g("GPSLongitudeRef"), "West");
        assert_eq!(g("GPSDestLatitudeRef"), "South");
        assert_eq!(g("GPSDestLongitudeRef"), Value::Null);
        assert_eq!(g("GPSAltitude"), "93 m Above Sea Level");

        // EXIF's altitude wins over XMP's; XMP's reference alone still allows one
        let mut m = Metadata::new(Budget::default());
        m.set("exif", "GPSAltitude", "2.5 m");
        m.set("xmp", "GPSAltitude", "93 m");
        m.set("xmp", "GPSAltitudeRef", "Below Sea Level");
        compute(&mut m);
        assert_eq!(
            m.get("composite", "GPSAltitude").cloned().unwrap(),
            "93 m Below Sea Level"
        );
        let mut m = Metadata::new(Budget::default());
        m.set("exif", "GPSAltitude", "2.5 m");
        m.set("exif", "GPSAltitudeRef", "Below Sea Level");
        m.set("xmp", "GPSAltitude", "93 m");
        m.set("xmp", "GPSAltitudeRef", "Above Sea Level");
        compute(&mut m);
        assert_eq!(
            m.get("composite", "GPSAltitude").cloned().unwrap(),
            "2.5 m Below Sea Level"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(
            insert_subsec("2008:05:30 15:56:01", "00").as_deref(),
            Some("2008:05:30 15:56:01.00")
        );
        assert_eq!(parse_tz("-5:00").as_deref(), Some("-05:00"));
        assert_eq!(replace_digit("f/2.8 35/F", "/F", "mm F"), "f/2.8 35mm F");
    }
}
