//! Apple iOS maker notes: "Apple iOS\0" + version + "MM", a big-endian IFD at +14 with
//! offsets relative to the maker note. Some values are binary property lists (RunTime,
//! SemanticStyle), decoded by the small bplist reader below.

use super::value::Val;
use super::{run_ifd, Dir, Entry, State, Tag};
use crate::bytes::{be16, be32, be64, sub, Endian};
use serde_json::Value;

pub fn parse(st: &mut State, _tiff: &[u8], _off: usize, mn: &[u8]) {
    let endian = if mn.get(12..14) == Some(b"II") {
        Endian::Little
    } else {
        Endian::Big
    };
    run_ifd(
        st,
        "Image::ExifTool::Apple::Main",
        Dir {
            data: mn,
            base: 0,
            endian,
        },
        14,
    );
}

/// A binary property list value.
#[derive(Debug, Clone, PartialEq)]
pub enum PVal {
    Bool(bool),
    Int(i64),
    Real(f64),
    Str(String),
    Array(Vec<PVal>),
    Dict(Vec<(String, PVal)>),
}

/// Parses a "bplist00" binary property list (bounded: object count, nesting depth).
pub fn bplist(data: &[u8]) -> Option<PVal> {
    if !data.starts_with(b"bplist00") || data.len() < 40 {
        return None;
    }
    let t = data.len() - 32;
    let off_size = *data.get(t + 6)? as usize;
    let ref_size = *data.get(t + 7)? as usize;
    let n_obj = be64(data, t + 8)?;
    let top = be64(data, t + 16)?;
    let table = be64(data, t + 24)? as usize;
    if !(1..=8).contains(&off_size) || !(1..=8).contains(&ref_size) || n_obj > 4096 || top >= n_obj
    {
        return None;
    }
    let p = Plist {
        data,
        off_size,
        ref_size,
        n_obj: n_obj as usize,
        table,
    };
    p.object(top as usize, 0)
}

struct Plist<'a> {
    data: &'a [u8],
    off_size: usize,
    ref_size: usize,
    n_obj: usize,
    table: usize,
}

fn uint(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |a, &x| (a << 8) | x as u64)
}

impl Plist<'_> {
    fn object(&self, idx: usize, depth: u32) -> Option<PVal> {
        if idx >= self.n_obj || depth > 8 {
            return None;
        }
        let o = uint(sub(
            self.data,
            self.table.checked_add(idx * self.off_size)?,
            self.off_size,
        )?) as usize;
        let m = *self.data.get(o)?;
        let (hi, lo) = (m >> 4, (m & 0x0f) as usize);
        // a length of 0xf means an int object with the real length follows
        let len = |o: usize| -> Option<(usize, usize)> {
            if lo != 0x0f {
                return Some((lo, o + 1));
            }
            let im = *self.data.get(o + 1)?;
            if im >> 4 != 1 {
                return None;
            }
            let n = 1usize << (im & 0x0f).min(3);
            let count = uint(sub(self.data, o + 2, n)?);
            // no object can hold more items than there are bytes
            if count > self.data.len() as u64 {
                return None;
            }
            Some((count as usize, o + 2 + n))
        };
        Some(match hi {
            // (ExifTool's PLIST reader takes 0x08 as true and 0x09 as false; follow it)
            0x0 => match m {
                0x08 => PVal::Bool(true),
                0x09 => PVal::Bool(false),
                _ => return None,
            },
            0x1 => {
                let n = 1usize << lo.min(3);
                let b = sub(self.data, o + 1, n)?;
                let v = uint(b);
                PVal::Int(v as i64)
            }
            0x2 => match lo {
                2 => PVal::Real(f32::from_bits(be32(self.data, o + 1)?) as f64),
                3 => PVal::Real(f64::from_bits(be64(self.data, o + 1)?)),
                _ => return None,
            },
            0x5 => {
                let (n, s) = len(o)?;
                PVal::Str(sub(self.data, s, n)?.iter().map(|&c| c as char).collect())
            }
            0x6 => {
                let (n, s) = len(o)?;
                let units: Vec<u16> = (0..n.min(4096))
                    .filter_map(|i| be16(self.data, s + 2 * i))
                    .collect();
                PVal::Str(String::from_utf16_lossy(&units))
            }
            0xA => {
                let (n, s) = len(o)?;
                let mut out = Vec::new();
                for i in 0..n.min(256) {
                    let r = uint(sub(self.data, s + i * self.ref_size, self.ref_size)?) as usize;
                    out.push(self.object(r, depth + 1)?);
                }
                PVal::Array(out)
            }
            0xD => {
                let (n, s) = len(o)?;
                let mut out = Vec::new();
                for i in 0..n.min(256) {
                    let kr = uint(sub(self.data, s + i * self.ref_size, self.ref_size)?) as usize;
                    let vr =
                        uint(sub(self.data, s + (n + i) * self.ref_size, self.ref_size)?) as usize;
                    let key = match self.object(kr, depth + 1)? {
                        PVal::Str(k) => k,
                        PVal::Int(i) => i.to_string(),
                        _ => return None,
                    };
                    out.push((key, self.object(vr, depth + 1)?));
                }
                PVal::Dict(out)
            }
            _ => return None,
        })
    }
}

/// ExifTool's flattened form of a plist value (XMP SerializeStruct for dictionaries).
pub fn serialize(v: &PVal) -> String {
    match v {
        PVal::Bool(b) => if *b { "True" } else { "False" }.into(),
        PVal::Int(i) => i.to_string(),
        PVal::Real(r) => super::value::fmt_num(*r),
        PVal::Str(s) => s.clone(),
        PVal::Array(a) => format!(
            "[{}]",
            a.iter().map(serialize).collect::<Vec<_>>().join(",")
        ),
        PVal::Dict(d) => {
            let mut d = d.clone();
            d.sort_by(|a, b| a.0.cmp(&b.0));
            format!(
                "{{{}}}",
                d.iter()
                    .map(|(k, v)| format!("{k}={}", serialize(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        }
    }
}

/// The RunTime subdirectory (a plist dictionary holding a CMTime).
pub fn subdirectory(st: &mut State, tag: &'static Tag, e: &Entry) -> bool {
    if tag.name != "RunTime" {
        return false;
    }
    let Some(PVal::Dict(d)) = bplist(e.raw) else {
        return true;
    };
    for (k, v) in d {
        let n = match &v {
            PVal::Int(i) => *i,
            _ => continue,
        };
        match k.as_str() {
            "flags" => {
                let bits = [
                    (0, "Valid"),
                    (1, "Has been rounded"),
                    (2, "Positive infinity"),
                    (3, "Negative infinity"),
                    (4, "Indefinite"),
                ];
                let s = super::conv::decode_bits(&[n as f64], &bits, 32);
                st.add("RunTimeFlags", Value::from(s));
            }
            "value" => st.add("RunTimeValue", Value::from(n)),
            "timescale" => st.add("RunTimeScale", Value::from(n)),
            "epoch" => st.add("RunTimeEpoch", Value::from(n)),
            _ => {}
        }
    }
    true
}

/// ValueConv `\&ConvertPLIST`.
pub fn value(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Val>> {
    if tag.value != "CODE:ConvertPLIST" {
        return None;
    }
    let Val::Bytes(b) = v else { return Some(None) };
    Some(bplist(b).map(|p| Val::Str(serialize(&p))))
}

/// Booleans from property lists print as JSON booleans.
pub fn print(_st: &State, tag: &Tag, v: &Val) -> Option<Option<Value>> {
    if tag.value != "CODE:ConvertPLIST" || !tag.print.is_empty() {
        return None;
    }
    Some(Some(match v.text().as_str() {
        "True" => Value::Bool(true),
        "False" => Value::Bool(false),
        t => super::value::json(t.to_string()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cmtime_dictionary() {
        // {"flags": 1, "value": 300, "timescale": 1000000000, "epoch": 0}
        let mut b = b"bplist00".to_vec();
        let mut offs = Vec::new();
        offs.push(b.len());
        b.extend_from_slice(&[0xD4, 1, 2, 3, 4, 5, 6, 7, 8]);
        for k in ["flags", "value", "timescale", "epoch"] {
            offs.push(b.len());
            b.push(0x50 | k.len() as u8);
            b.extend_from_slice(k.as_bytes());
        }
        offs.push(b.len());
        b.extend_from_slice(&[0x10, 1]);
        offs.push(b.len());
        b.extend_from_slice(&[0x11, 1, 44]);
        offs.push(b.len());
        b.extend_from_slice(&[0x12, 0x3b, 0x9a, 0xca, 0x00]);
        offs.push(b.len());
        b.extend_from_slice(&[0x10, 0]);
        let table = b.len();
        for o in &offs {
            b.push(*o as u8);
        }
        let mut trailer = vec![0u8; 6];
        trailer.push(1);
        trailer.push(1);
        trailer.extend_from_slice(&(offs.len() as u64).to_be_bytes());
        trailer.extend_from_slice(&0u64.to_be_bytes());
        trailer.extend_from_slice(&(table as u64).to_be_bytes());
        b.extend_from_slice(&trailer);
        let v = bplist(&b).expect("plist");
        assert_eq!(
            serialize(&v),
            "{epoch=0,flags=1,timescale=1000000000,value=300}"
        );
        for n in 0..b.len() {
            let _ = bplist(&b[..n]);
        }
        // damaged lists (including huge lengths and offsets) never panic
        let mut seed: u32 = 7;
        for _ in 0..3000 {
            let mut d = b.clone();
            for _ in 0..3 {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let i = seed as usize % d.len();
                d[i] = (seed >> 8) as u8;
            }
            let _ = bplist(&d);
        }
        let mut huge = b.clone();
        huge[9] = 0xDF; // dictionary with an extended length...
        huge[10] = 0x13; // ...given as an 8-byte int
        let _ = bplist(&huge);
    }
}
