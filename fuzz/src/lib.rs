//! Mutation fuzzing of the metadata core, on the stable toolchain.
//!
//! One target per container parser (`jpeg`, `tiff`, `png`, ..., called through the parser's
//! own entry point so a mutation that breaks the magic number still reaches it) plus `strip`
//! (the stripper chosen by detection) and `extract` (the whole pipeline). Seeds are built in
//! code ([`seeds`]) and, for image formats, taken from the shared corpus when it is present.
//! Each run mutates seeds with a deterministic PRNG and checks three things: no panic, no
//! run slower than [`SLOW`], and for `strip`, that every plan stays inside its input.

pub mod seeds;

use metacore::detect::FileKind;
use metacore::formats;
use metacore::{Budget, Metadata};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A run slower than this counts as a hang.
pub const SLOW: Duration = Duration::from_secs(3);

/// A fuzz target: a name, what it runs, and its seeds.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Corpus file extensions that seed this target.
    pub corpus_ext: &'static [&'static str],
}

fn meta() -> Metadata {
    Metadata::new(Budget::new(Duration::from_secs(2)))
}

macro_rules! parser {
    ($f:path) => {
        |d: &[u8]| {
            let mut m = meta();
            $f(&mut m, d);
            formats::composite(&mut m);
        }
    };
}

fn tiff_target(d: &[u8]) {
    let mut m = meta();
    formats::tiff::parse(&mut m, d, FileKind::Tiff);
    formats::composite(&mut m);
}

fn strip_target(d: &[u8]) {
    for keep in ["", "icc,orientation,copyright"] {
        let keep = metacore::Keep::parse(keep).unwrap_or_default();
        if let Ok(plan) = metacore::strip(d, None, keep) {
            for p in &plan.pieces {
                if let metacore::Piece::Copy { offset, len } = p {
                    let end = offset.checked_add(*len);
                    assert!(
                        end.is_some_and(|e| e <= d.len() as u64),
                        "strip plan copies outside its input"
                    );
                }
            }
            let out = plan.to_vec(d).expect("plan writes");
            let _ = metacore::extract(&out, None);
        }
    }
}

fn extract_target(d: &[u8]) {
    let _ = metacore::extract(d, None);
}

fn one(f: fn() -> Vec<u8>) -> Vec<Vec<u8>> {
    vec![f()]
}

fn all_seeds() -> Vec<Vec<u8>> {
    use seeds::*;
    [
        jpeg, tiff, png, gif, webp, bmp, psd, jxl, heic, mp4, wav, avi, aiff, mp3, flac, ogg, opus,
        mkv, pdf, docx,
    ]
    .iter()
    .map(|f| f())
    .collect()
}

pub fn targets() -> Vec<Target> {
    use seeds::*;
    vec![
        Target {
            name: "jpeg",
            run: parser!(formats::jpeg::parse),
            seeds: || one(jpeg),
            corpus_ext: &["jpg", "jpeg"],
        },
        Target {
            name: "tiff",
            run: tiff_target,
            seeds: || one(tiff),
            corpus_ext: &["tif", "tiff"],
        },
        Target {
            name: "png",
            run: parser!(formats::png::parse),
            seeds: || one(png),
            corpus_ext: &["png"],
        },
        Target {
            name: "gif",
            run: parser!(formats::gif::parse),
            seeds: || one(gif),
            corpus_ext: &["gif"],
        },
        Target {
            name: "webp",
            run: parser!(formats::webp::parse),
            seeds: || one(webp),
            corpus_ext: &["webp"],
        },
        Target {
            name: "bmp",
            run: parser!(formats::bmp::parse),
            seeds: || one(bmp),
            corpus_ext: &["bmp"],
        },
        Target {
            name: "psd",
            run: parser!(formats::psd::parse),
            seeds: || one(psd),
            corpus_ext: &["psd"],
        },
        Target {
            name: "jxl",
            run: parser!(formats::jxl::parse),
            seeds: || one(jxl),
            corpus_ext: &["jxl"],
        },
        Target {
            name: "heif",
            run: parser!(formats::heif::parse),
            seeds: || one(heic),
            corpus_ext: &["heic", "heif", "avif"],
        },
        Target {
            name: "quicktime",
            run: parser!(formats::quicktime::parse),
            seeds: || one(mp4),
            corpus_ext: &["mp4", "mov", "m4a", "m4v", "3gp", "3g2"],
        },
        Target {
            name: "riff",
            run: parser!(formats::riff::parse),
            seeds: || vec![wav(), avi()],
            corpus_ext: &["wav", "avi"],
        },
        Target {
            name: "aiff",
            run: parser!(formats::aiff::parse),
            seeds: || one(aiff),
            corpus_ext: &["aif", "aiff", "aifc"],
        },
        Target {
            name: "mp3",
            run: parser!(formats::mp3::parse),
            seeds: || one(mp3),
            corpus_ext: &["mp3"],
        },
        Target {
            name: "flac",
            run: parser!(formats::flac::parse),
            seeds: || one(flac),
            corpus_ext: &["flac"],
        },
        Target {
            name: "ogg",
            run: parser!(formats::ogg::parse),
            seeds: || vec![ogg(), opus()],
            corpus_ext: &["ogg", "opus", "ogv"],
        },
        Target {
            name: "matroska",
            run: parser!(formats::matroska::parse),
            seeds: || one(mkv),
            corpus_ext: &["mkv", "webm"],
        },
        Target {
            name: "pdf",
            run: parser!(formats::pdf::parse),
            seeds: || one(pdf),
            corpus_ext: &["pdf"],
        },
        Target {
            name: "office",
            run: parser!(formats::office::parse),
            seeds: || one(docx),
            corpus_ext: &["docx", "xlsx", "pptx", "odt"],
        },
        Target {
            name: "extract",
            run: extract_target,
            seeds: all_seeds,
            corpus_ext: &["jpg", "tif", "tiff", "heic"],
        },
        Target {
            name: "strip",
            run: strip_target,
            seeds: all_seeds,
            corpus_ext: &["jpg", "tif", "tiff", "heic"],
        },
    ]
}

/// xorshift64*: deterministic, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Values that break length and offset arithmetic.
const INTERESTING: [u32; 10] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fffe,
    0xffff_ffff,
];

/// Applies 1 to 8 random mutations: bit flips, byte sets, interesting 16/32-bit values (both
/// byte orders), block deletion, duplication and truncation.
pub fn mutate(rng: &mut Rng, data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    let n = 1 + rng.below(8);
    for _ in 0..n {
        if d.is_empty() {
            d.push(rng.next_u64() as u8);
            continue;
        }
        let at = rng.below(d.len());
        match rng.below(8) {
            0 => d[at] ^= 1 << rng.below(8),
            1 => d[at] = rng.next_u64() as u8,
            2 | 3 => {
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let bytes = if rng.below(2) == 0 {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                };
                let w = if rng.below(2) == 0 { 2 } else { 4 };
                let src = if w == 2 { &bytes[2..] } else { &bytes[..] };
                for (i, b) in src.iter().enumerate() {
                    if let Some(x) = d.get_mut(at + i) {
                        *x = *b;
                    }
                }
            }
            4 => {
                let len = 1 + rng.below(64.min(d.len() - at));
                d.drain(at..at + len);
            }
            5 => {
                let len = 1 + rng.below(64.min(d.len() - at));
                let chunk = d[at..at + len].to_vec();
                let to = rng.below(d.len());
                d.splice(to..to, chunk);
            }
            6 => d.truncate(at),
            _ => {
                let len = 1 + rng.below(16);
                let to = rng.below(d.len() + 1);
                let junk: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
                d.splice(to..to, junk);
            }
        }
        if d.len() > 8 << 20 {
            d.truncate(8 << 20);
        }
    }
    d
}

/// Corpus files for a target (the shared corpus, when it is there).
pub fn corpus_files(root: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// What went wrong with one input.
#[derive(Debug)]
pub struct Finding {
    pub target: &'static str,
    pub input: Vec<u8>,
    pub what: String,
}

/// Runs `target` on `input`; a panic or a hang is a finding.
pub fn check(target: &Target, input: &[u8]) -> Option<Finding> {
    let t = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| (target.run)(input)));
    let what = match r {
        Err(e) => Some(format!(
            "panic: {}",
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
        Ok(()) if t.elapsed() > SLOW => Some(format!("slow: {:?}", t.elapsed())),
        Ok(()) => None,
    };
    what.map(|what| Finding {
        target: target.name,
        input: input.to_vec(),
        what,
    })
}

/// Fuzzes `target` for `budget` (or `max_execs` runs), mutating its seeds. Returns the
/// number of executions and the findings.
pub fn fuzz(
    target: &Target,
    seeds: &[Vec<u8>],
    seed: u64,
    budget: Duration,
    max_execs: u64,
) -> (u64, Vec<Finding>) {
    let mut rng = Rng::new(seed ^ fnv(target.name.as_bytes()));
    let mut findings = Vec::new();
    let start = Instant::now();
    let mut execs = 0;
    if seeds.is_empty() {
        return (0, findings);
    }
    while execs < max_execs && start.elapsed() < budget && findings.len() < 16 {
        let base = &seeds[rng.below(seeds.len())];
        let input = mutate(&mut rng, base);
        if let Some(f) = check(target, &input) {
            findings.push(f);
        }
        execs += 1;
    }
    (execs, findings)
}

/// FNV-1a, for stable file names of findings.
pub fn fnv(d: &[u8]) -> u64 {
    d.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}
