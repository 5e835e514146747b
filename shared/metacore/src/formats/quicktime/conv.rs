//! ExifTool's value and print conversions shared by the audio, video and document parsers
//! (durations, bitrates, dates, GPS coordinates, Perl number formatting, JSON typing).

use serde_json::Value;

/// A string as `exiftool -json` prints it: numbers that look like numbers become JSON
/// numbers, `true`/`false` become booleans, everything else stays a string.
pub fn json_str(s: &str) -> Value {
    if is_json_number(s) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::from(i);
        }
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Value::Number(n);
            }
        }
    }
    if s.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if s.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    Value::String(s.to_string())
}

/// ExifTool's test: `/^-?(\d|[1-9]\d{1,14})(\.\d{1,16})?(e[-+]?\d{1,3})?$/i`.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_len = i - int_start;
    if int_len == 0 || int_len > 15 || (int_len > 1 && b[int_start] == b'0') {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f || i - f > 16 {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f || i - f > 3 {
            return false;
        }
    }
    i == b.len()
}

/// A number as Perl prints it (`%.15g`), as a JSON value.
pub fn num(x: f64) -> Value {
    if !x.is_finite() {
        return Value::String(perl_num(x));
    }
    json_str(&perl_num(x))
}

/// Perl's default stringification of a number (`%.15g`).
pub fn perl_num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    fmt_g(x, 15)
}

/// C's `%.<prec>g`.
pub fn fmt_g(x: f64, prec: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return perl_num(x);
    }
    let prec = prec.max(1);
    // Exponent after rounding to `prec` significant digits.
    let sci = format!("{:.*e}", prec - 1, x);
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if exp < -4 || exp >= prec as i32 {
        let m = strip_zeros(&mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, x))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0');
        t.trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// ExifTool's ConvertDuration.
pub fn duration(t: f64) -> String {
    if t == 0.0 {
        return "0 s".into();
    }
    if !t.is_finite() {
        return perl_num(t);
    }
    let (sign, mut t) = if t < 0.0 { ("-", -t) } else { ("", t) };
    if t < 30.0 {
        return format!("{sign}{t:.2} s");
    }
    t += 0.5;
    let mut h = (t / 3600.0).floor();
    t -= h * 3600.0;
    let m = (t / 60.0).floor();
    t -= m * 60.0;
    let mut days = String::new();
    if h > 24.0 {
        let d = (h / 24.0).floor();
        h -= d * 24.0;
        days = format!("{d} days ");
    }
    format!(
        "{sign}{days}{}:{:02}:{:02}",
        h as i64,
        m as i64,
        t.floor() as i64
    )
}

/// ExifTool's ConvertBitrate.
pub fn bitrate(mut b: f64) -> String {
    let units = ["bps", "kbps", "Mbps", "Gbps"];
    let mut i = 0;
    while b >= 1000.0 && i + 1 < units.len() {
        b /= 1000.0;
        i += 1;
    }
    if b < 100.0 {
        format!("{} {}", fmt_g(b, 3), units[i])
    } else {
        format!("{:.0} {}", b, units[i])
    }
}

/// Days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// ExifTool's ConvertUnixTime in UTC: "YYYY:MM:DD HH:MM:SS" (zero gives the zero date).
pub fn unix_time(t: i64) -> String {
    if t == 0 {
        return "0000:00:00 00:00:00".into();
    }
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{:4}:{:02}:{:02} {:02}:{:02}:{:02}",
        y,
        m,
        d,
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Seconds between 1904-01-01 and 1970-01-01.
pub const MAC_EPOCH_OFFSET: u64 = (66 * 365 + 17) * 24 * 3600;

/// A QuickTime date (seconds since 1904) as ExifTool prints it.
pub fn mac_time(v: u64) -> String {
    let t = if v >= MAC_EPOCH_OFFSET {
        (v - MAC_EPOCH_OFFSET) as i64
    } else {
        v as i64
    };
    unix_time(t)
}

/// ExifTool's XMP::ConvertXMPDate plus the time-zone colon fix the QuickTime tables add:
/// "2024-03-15T10:30:00+0100" -> "2024:03:15 10:30:00+01:00".
pub fn xmp_date(s: &str) -> String {
    let s = s.trim();
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let mut out;
    if digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
    {
        out = format!("{}:{}:{}", &s[0..4], &s[5..7], &s[8..10]);
        let rest = &s[10..];
        if let Some(t) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) {
            let tb = t.as_bytes();
            let td = |r: std::ops::Range<usize>| {
                tb.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit))
            };
            if td(0..2) && tb.get(2) == Some(&b':') && td(3..5) {
                if tb.get(5) == Some(&b':') && td(6..8) {
                    out.push(' ');
                    out.push_str(t);
                } else {
                    out.push(' ');
                    out.push_str(&t[..5]);
                    out.push_str(":00");
                    out.push_str(&t[5..]);
                }
            } else {
                out.push_str(rest);
            }
        } else {
            out.push_str(rest);
        }
    } else if digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.len() == 7 {
        out = format!("{}:{}", &s[0..4], &s[5..7]);
    } else {
        out = s.to_string();
    }
    // "+0100" at the end -> "+01:00"
    let ob = out.as_bytes();
    let n = ob.len();
    if n >= 5
        && (ob[n - 5] == b'+' || ob[n - 5] == b'-')
        && ob[n - 4..].iter().all(u8::is_ascii_digit)
        && out.contains(' ')
    {
        out.insert(n - 2, ':');
    }
    out
}

/// ExifTool's GPS::ToDMS with print conversion 1 and a reference letter.
pub fn to_dms(val: f64, pos_ref: char) -> String {
    let (v, r) = if val < 0.0 {
        (
            -val,
            match pos_ref {
                'N' => 'S',
                _ => 'W',
            },
        )
    } else {
        (val, pos_ref)
    };
    let mut d = v.trunc();
    let mut m = ((v - d) * 60.0).trunc();
    let s = (v - d - m / 60.0) * 3600.0;
    let mut s_str = format!("{s:.2}");
    if s_str.parse::<f64>().unwrap_or(0.0) >= 60.0 {
        s_str = format!("{:.2}", s_str.parse::<f64>().unwrap_or(60.0) - 60.0);
        m += 1.0;
        if m >= 60.0 {
            m -= 60.0;
            d += 1.0;
        }
    }
    format!("{} deg {}' {}\" {}", d as i64, m as i64, s_str, r)
}

/// ExifTool's QuickTime ConvertISO6709: "+48.8577+002.2950+035.000/" -> (lat, lon, alt).
pub fn iso6709(s: &str) -> Option<(f64, f64, Option<f64>)> {
    let b = s.as_bytes();
    // Split into signed numeric fields.
    let mut fields: Vec<&str> = Vec::new();
    let mut start = None;
    for (i, &c) in b.iter().enumerate() {
        if c == b'+' || c == b'-' {
            if let Some(st) = start {
                fields.push(&s[st..i]);
            }
            start = Some(i);
        } else if !(c.is_ascii_digit() || c == b'.') {
            if let Some(st) = start {
                fields.push(&s[st..i]);
            }
            start = None;
            break;
        }
        if fields.len() >= 3 {
            start = None;
            break;
        }
    }
    if let Some(st) = start {
        fields.push(&s[st..]);
    }
    if fields.len() < 2 || !s.starts_with(['+', '-']) {
        return None;
    }
    let int_digits = |f: &str| f[1..].split('.').next().map(str::len).unwrap_or(0);
    let parse = |f: &str| f.parse::<f64>().ok();
    let (lat_f, lon_f) = (fields[0], fields[1]);
    let alt = fields.get(2).and_then(|f| parse(f));
    let conv = |f: &str, deg_digits: usize| -> Option<f64> {
        let sign = if f.starts_with('-') { -1.0 } else { 1.0 };
        let body = &f[1..];
        let nd = int_digits(f);
        if nd <= deg_digits {
            return parse(f);
        }
        let (dpart, rest) = body.split_at(deg_digits.min(body.len()));
        let d: f64 = dpart.parse().ok()?;
        if nd == deg_digits + 2 {
            let m: f64 = rest.parse().ok()?;
            Some(sign * (d + m / 60.0))
        } else {
            let (mp, sp) = rest.split_at(2.min(rest.len()));
            let m: f64 = mp.parse().ok()?;
            let sec: f64 = sp.parse().ok()?;
            Some(sign * (d + m / 60.0 + sec / 3600.0))
        }
    };
    let lat = conv(lat_f, 2)?;
    let lon = conv(lon_f, 3)?;
    Some((lat, lon, alt))
}

/// ExifTool's PrintGPSCoordinates.
pub fn gps_coordinates(lat: f64, lon: f64, alt: Option<f64>) -> String {
    let mut s = format!("{}, {}", to_dms(lat, 'N'), to_dms(lon, 'E'));
    if let Some(a) = alt {
        if a < 0.0 {
            s.push_str(&format!(", {} m Below Sea Level", perl_num(-a)));
        } else {
            s.push_str(&format!(", {} m Above Sea Level", perl_num(a)));
        }
    }
    s
}

/// Adds ExifTool's GPS composites (GPSLatitude, GPSLongitude, GPSAltitude, GPSAltitudeRef,
/// GPSPosition) for a coordinate triple.
pub fn add_gps_composites(meta: &mut crate::model::Metadata, lat: f64, lon: f64, alt: Option<f64>) {
    let la = to_dms(lat, 'N');
    let lo = to_dms(lon, 'E');
    meta.add("composite", "GPSLatitude", la.clone());
    meta.add("composite", "GPSLongitude", lo.clone());
    if let Some(a) = alt {
        meta.add(
            "composite",
            "GPSAltitude",
            format!("{} m", perl_num(a.abs())),
        );
        meta.add(
            "composite",
            "GPSAltitudeRef",
            if a < 0.0 {
                "Below Sea Level"
            } else {
                "Above Sea Level"
            },
        );
    }
    meta.add("composite", "GPSPosition", format!("{la}, {lo}"));
}

/// Composite ImageSize and Megapixels from a width and height.
pub fn add_image_size(meta: &mut crate::model::Metadata, w: u64, h: u64) {
    if w == 0 || h == 0 {
        return;
    }
    meta.add("composite", "ImageSize", format!("{w}x{h}"));
    let mp = (w as f64) * (h as f64) / 1_000_000.0;
    let s = if mp >= 1.0 {
        format!("{mp:.1}")
    } else if mp >= 0.001 {
        format!("{mp:.3}")
    } else {
        format!("{mp:.6}")
    };
    meta.add("composite", "Megapixels", json_str(&s));
}

/// ID3 genre name for a number, as ExifTool prints it.
pub fn genre(n: u64) -> String {
    if n == 255 {
        return "None".into();
    }
    GENRE_TABLE
        .get(n as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("Unknown ({n})"))
}

/// The ID3v1 genre names (index = genre number), shared by ID3 and the iTunes `gnre` atom.
pub const GENRE_TABLE: &[&str] = &[
    "Blues",
    "Classic Rock",
    "Country",
    "Dance",
    "Disco",
    "Funk",
    "Grunge",
    "Hip-Hop",
    "Jazz",
    "Metal",
    "New Age",
    "Oldies",
    "Other",
    "Pop",
    "R&B",
    "Rap",
    "Reggae",
    "Rock",
    "Techno",
    "Industrial",
    "Alternative",
    "Ska",
    "Death Metal",
    "Pranks",
    "Soundtrack",
    "Euro-Techno",
    "Ambient",
    "Trip-Hop",
    "Vocal",
    "Jazz+Funk",
    "Fusion",
    "Trance",
    "Classical",
    "Instrumental",
    "Acid",
    "House",
    "Game",
    "Sound Clip",
    "Gospel",
    "Noise",
    "Alt. Rock",
    "Bass",
    "Soul",
    "Punk",
    "Space",
    "Meditative",
    "Instrumental Pop",
    "Instrumental Rock",
    "Ethnic",
    "Gothic",
    "Darkwave",
    "Techno-Industrial",
    "Electronic",
    "Pop-Folk",
    "Eurodance",
    "Dream",
    "Southern Rock",
    "Comedy",
    "Cult",
    "Gangsta Rap",
    "Top 40",
    "Christian Rap",
    "Pop/Funk",
    "Jungle",
    "Native American",
    "Cabaret",
    "New Wave",
    "Psychedelic",
    "Rave",
    "Showtunes",
    "Trailer",
    "Lo-Fi",
    "Tribal",
    "Acid Punk",
    "Acid Jazz",
    "Polka",
    "Retro",
    "Musical",
    "Rock & Roll",
    "Hard Rock",
    "Folk",
    "Folk-Rock",
    "National Folk",
    "Swing",
    "Fast-Fusion",
    "Bebop",
    "Latin",
    "Revival",
    "Celtic",
    "Bluegrass",
    "Avantgarde",
    "Gothic Rock",
    "Progressive Rock",
    "Psychedelic Rock",
    "Symphonic Rock",
    "Slow Rock",
    "Big Band",
    "Chorus",
    "Easy Listening",
    "Acoustic",
    "Humour",
    "Speech",
    "Chanson",
    "Opera",
    "Chamber Music",
    "Sonata",
    "Symphony",
    "Booty Bass",
    "Primus",
    "Porn Groove",
    "Satire",
    "Slow Jam",
    "Club",
    "Tango",
    "Samba",
    "Folklore",
    "Ballad",
    "Power Ballad",
    "Rhythmic Soul",
    "Freestyle",
    "Duet",
    "Punk Rock",
    "Drum Solo",
    "A Cappella",
    "Euro-House",
    "Dance Hall",
    "Goa",
    "Drum & Bass",
    "Club-House",
    "Hardcore",
    "Terror",
    "Indie",
    "BritPop",
    "Afro-Punk",
    "Polsk Punk",
    "Beat",
    "Christian Gangsta Rap",
    "Heavy Metal",
    "Black Metal",
    "Crossover",
    "Contemporary Christian",
    "Christian Rock",
    "Merengue",
    "Salsa",
    "Thrash Metal",
    "Anime",
    "JPop",
    "Synthpop",
    "Abstract",
    "Art Rock",
    "Baroque",
    "Bhangra",
    "Big Beat",
    "Breakbeat",
    "Chillout",
    "Downtempo",
    "Dub",
    "EBM",
    "Eclectic",
    "Electro",
    "Electroclash",
    "Emo",
    "Experimental",
    "Garage",
    "Global",
    "IDM",
    "Illbient",
    "Industro-Goth",
    "Jam Band",
    "Krautrock",
    "Leftfield",
    "Lounge",
    "Math Rock",
    "New Romantic",
    "Nu-Breakz",
    "Post-Punk",
    "Post-Rock",
    "Psytrance",
    "Shoegaze",
    "Space Rock",
    "Trop Rock",
    "World Music",
    "Neoclassical",
    "Audiobook",
    "Audio Theatre",
    "Neue Deutsche Welle",
    "Podcast",
    "Indie Rock",
    "G-Funk",
    "Dubstep",
    "Garage Rock",
    "Psybient",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(duration(12.34), "12.34 s");
        assert_eq!(duration(62.0), "0:01:02");
        assert_eq!(duration(0.0), "0 s");
        assert_eq!(bitrate(648.0), "648 bps");
        assert_eq!(bitrate(1_411_200.0), "1.41 Mbps");
        assert_eq!(bitrate(128_000.0), "128 kbps");
        assert_eq!(fmt_g(0.000012345, 3), "1.23e-05");
        assert_eq!(perl_num(299.707), "299.707");
        assert_eq!(
            mac_time(1_710_498_600 + MAC_EPOCH_OFFSET),
            "2024:03:15 10:30:00"
        );
        assert_eq!(
            xmp_date("2024-03-15T10:30:00+0100"),
            "2024:03:15 10:30:00+01:00"
        );
        assert_eq!(xmp_date("2024-03-15"), "2024:03:15");
        let (la, lo, al) = iso6709("+48.8577+002.2950+035.000/").unwrap();
        assert_eq!(
            gps_coordinates(la, lo, al),
            "48 deg 51' 27.72\" N, 2 deg 17' 42.00\" E, 35 m Above Sea Level"
        );
        assert_eq!(json_str("17.4"), serde_json::json!(17.4));
        assert_eq!(json_str("0123"), serde_json::json!("0123"));
        assert_eq!(genre(17), "Rock");
    }
}
