//! Extraction throughput: `cargo bench -p metacore --bench extract`.
//!
//! 1. Criterion groups, one per format, on fixtures built in code (files/s and MB/s).
//! 2. When the corpus is present (`<project>/../shared/corpus/exif-samples/jpg/*.jpg`), the
//!    camera JPEGs: criterion on the whole set (files/s, MB/s), then a side-by-side with one
//!    persistent `exiftool -stay_open True -@ -` process fed `-json -G0 FILE` per file. Both
//!    run on one thread (exiftool is one Perl process), so the figures are "per core"; the
//!    ratio printed is core files/s / exiftool files/s (target: >= 100). The two sides take
//!    turns (one exiftool pass, then core passes for a tenth of its time), so that drifts in
//!    the machine's speed hit both alike. Without exiftool the comparison is skipped with a
//!    message. `EXTRACT_BENCH_SECS` (default 5) sets how long each side of it runs.
//!
//! The core side of the comparison includes serialising the metadata to JSON text, as
//! exiftool's side includes printing it.

use criterion::{Criterion, Throughput};
use metacore::extract;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// The allocator of the service binaries (gateway, worker), so that the figures are theirs.
#[global_allocator]
static GLOBAL: mialloc::MiMalloc = mialloc::MiMalloc;

#[path = "../tests/strip_util/mod.rs"]
mod strip_util;
use strip_util::{bx, camera_exif, full, ICC, XMP};

// ------------------------------------------------------------------ fixtures

fn seg(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0xFF, marker];
    v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// Pseudo-random entropy-coded data of about `len` bytes (0xFF stuffed, RST markers).
fn entropy(len: usize) -> Vec<u8> {
    let mut e = Vec::with_capacity(len + len / 128);
    let mut x = 0x9E37_79B9u32;
    let mut rst = 0u8;
    while e.len() < len {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let b = (x >> 24) as u8;
        e.push(b);
        if b == 0xFF {
            e.push(0);
        }
        if x.is_multiple_of(4096) {
            e.extend_from_slice(&[0xFF, 0xD0 + rst]);
            rst = (rst + 1) % 8;
        }
    }
    e
}

/// A camera-like JPEG: JFIF, EXIF (IFD0, Exif IFD, GPS, maker note), XMP, ICC, Photoshop
/// IPTC, a comment, tables, then `scan` bytes of entropy-coded data.
fn jpeg(scan: usize) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend(seg(0xE0, b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0"));
    j.extend(seg(0xE1, &[b"Exif\0\0".to_vec(), camera_exif()].concat()));
    j.extend(seg(
        0xE1,
        &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), XMP.as_bytes()].concat(),
    ));
    j.extend(seg(
        0xE2,
        &[b"ICC_PROFILE\0\x01\x01".as_slice(), ICC].concat(),
    ));
    let mut iptc = vec![0x1C, 2, 0, 0, 2, 0, 4];
    iptc.extend_from_slice(&[0x1C, 2, 90, 0, 10]);
    iptc.extend_from_slice(b"SecretCity");
    let mut irb = b"Photoshop 3.0\08BIM\x04\x04\0\0".to_vec();
    irb.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    irb.extend_from_slice(&iptc);
    if iptc.len() % 2 == 1 {
        irb.push(0);
    }
    j.extend(seg(0xED, &irb));
    j.extend(seg(0xFE, b"Ann Photographer was here"));
    j.extend(seg(0xDB, &[0u8; 65]));
    j.extend(seg(
        0xC0,
        &[
            8, 0x07, 0xD0, 0x09, 0xC4, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
        ],
    ));
    j.extend(seg(0xC4, &[0u8; 30]));
    j.extend(seg(0xDD, &[0, 64]));
    j.extend(seg(0xDA, &[3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]));
    j.extend(entropy(scan));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

fn png_chunk(typ: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = (body.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(typ);
    c.extend_from_slice(body);
    let mut h = flate2::Crc::new();
    h.update(typ);
    h.update(body);
    c.extend_from_slice(&h.sum().to_be_bytes());
    c
}

/// A PNG with text, eXIf, iTXt XMP, time and ~`idat` bytes of image data.
fn png(idat: usize) -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(png_chunk(
        b"IHDR",
        &[0, 0, 0x07, 0xD0, 0, 0, 0x05, 0xDC, 8, 2, 0, 0, 0],
    ));
    p.extend(png_chunk(b"tEXt", b"Author\0Ann Photographer"));
    p.extend(png_chunk(b"gAMA", &45455u32.to_be_bytes()));
    p.extend(png_chunk(b"tIME", &[7, 232, 1, 2, 3, 4, 5]));
    p.extend(png_chunk(b"pHYs", &[0, 0, 11, 19, 0, 0, 11, 19, 1]));
    let mut it = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    it.extend_from_slice(XMP.as_bytes());
    p.extend(png_chunk(b"iTXt", &it));
    p.extend(png_chunk(b"eXIf", &camera_exif()));
    let data = entropy(idat);
    for part in data.chunks(64 * 1024) {
        p.extend(png_chunk(b"IDAT", part));
    }
    p.extend(png_chunk(b"IEND", &[]));
    p
}

/// A TIFF: the camera EXIF block is a complete little TIFF (IFD0, Exif IFD, GPS IFD).
fn tiff() -> Vec<u8> {
    camera_exif()
}

/// An MP4 with moov first (mvhd, udta with GPS/date/copyright, a video track with `chunks`
/// chunk offsets) and `mdat` bytes of media data.
fn mp4(chunks: u32, mdat: usize) -> Vec<u8> {
    let ftyp = bx(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    let build = |base: u32| {
        let mut co = chunks.to_be_bytes().to_vec();
        let step = (mdat as u32 / chunks).max(1);
        for i in 0..chunks {
            co.extend_from_slice(&(base + i * step).to_be_bytes());
        }
        let mut stsz = 0u32.to_be_bytes().to_vec();
        stsz.extend_from_slice(&chunks.to_be_bytes());
        for _ in 0..chunks {
            stsz.extend_from_slice(&step.to_be_bytes());
        }
        let stbl = bx(
            b"stbl",
            &[
                full(
                    b"stsc",
                    0,
                    0,
                    &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
                ),
                full(b"stsz", 0, 0, &stsz),
                full(b"stco", 0, 0, &co),
            ]
            .concat(),
        );
        let mut hdlr = vec![0u8; 4];
        hdlr.extend_from_slice(b"vide");
        hdlr.extend_from_slice(&[0u8; 13]);
        let mdia = bx(
            b"mdia",
            &[
                full(b"mdhd", 0, 0, &[0u8; 20]),
                full(b"hdlr", 0, 0, &hdlr),
                bx(b"minf", &stbl),
            ]
            .concat(),
        );
        let trak = bx(b"trak", &[full(b"tkhd", 0, 3, &[0u8; 80]), mdia].concat());
        let mut udta = bx(b"\xa9xyz", b"\0\x12\x15\xc7+48.8584+002.2945/");
        udta.extend(bx(b"\xa9day", b"\0\x0a\x15\xc72024-01-02"));
        udta.extend(bx(b"cprt", b"\0\0\0\0\x15\xc7(c) 2024 Ann"));
        bx(
            b"moov",
            &[full(b"mvhd", 0, 0, &[0u8; 96]), bx(b"udta", &udta), trak].concat(),
        )
    };
    let moov_len = build(0).len();
    let base = (ftyp.len() + moov_len + 8) as u32;
    let mut f = ftyp;
    f.extend(build(base));
    f.extend(bx(b"mdat", &vec![0x5Au8; mdat]));
    f
}

fn id3_frame(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut f = id.to_vec();
    f.extend_from_slice(&(body.len() as u32).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(body);
    f
}

/// An MP3: ID3v2.3 (title, artist, copyright, comment, small cover) and `frames` MPEG frames.
fn mp3(frames: usize) -> Vec<u8> {
    let body = [
        id3_frame(b"TIT2", b"\0Secret Title"),
        id3_frame(b"TPE1", b"\0Ann Photographer"),
        id3_frame(b"TALB", b"\0Album"),
        id3_frame(b"TYER", b"\x002024"),
        id3_frame(b"TCOP", b"\0(c) 2024 Ann"),
        id3_frame(b"COMM", b"\0engSecretCity"),
        id3_frame(b"APIC", b"\0image/jpeg\0\x03\0ACME cover bytes"),
    ]
    .concat();
    let s = body.len() as u32;
    let mut f = b"ID3\x03\0\0".to_vec();
    f.extend_from_slice(&[
        (s >> 21) as u8 & 127,
        (s >> 14) as u8 & 127,
        (s >> 7) as u8 & 127,
        s as u8 & 127,
    ]);
    f.extend(body);
    for i in 0..frames {
        f.extend_from_slice(&[0xFF, 0xFB, 0x90, 0x64]);
        f.extend((0..413u32).map(|k| (k as u8).wrapping_mul(i as u8 | 1)));
    }
    f
}

/// A one-page PDF with an Info dictionary and an XMP metadata stream.
fn pdf() -> Vec<u8> {
    let content: &[u8] = b"BT /F1 24 Tf 20 100 Td (Hello world) Tj ET";
    let xmp = XMP.as_bytes();
    let objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>".to_vec(),
        [
            format!("<< /Length {} >>\nstream\n", content.len()).as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
        b"<< /Producer (ACME PDF) /Author (Ann Photographer) /Title (Secret) /CreationDate (D:20240102030405Z) >>".to_vec(),
        [
            format!("<< /Type /Metadata /Subtype /XML /Length {} >>\nstream\n", xmp.len()).as_bytes(),
            xmp,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut out = b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offs = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let x = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in &offs {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{x}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

// ------------------------------------------------------------------ corpus

/// `<project>/../shared/corpus/exif-samples/jpg` (the worktree sits beside `shared/`).
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples/jpg")
}

/// The corpus's camera JPEGs (`jpg/*.jpg`, not the sub-folders), sorted by name.
fn corpus_jpegs() -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(dir) = std::fs::read_dir(corpus_dir()) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = dir
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|d| (p, d)))
        .collect()
}

fn file_name(p: &Path) -> Option<&str> {
    p.file_name().and_then(|n| n.to_str())
}

/// What the service does per file: extract, then the JSON text.
fn extract_to_json(data: &[u8], name: Option<&str>) -> Vec<u8> {
    let mut meta = extract(data, name);
    let _warnings = std::mem::take(&mut meta.warnings);
    serde_json::to_vec(&meta.into_json()).unwrap_or_default()
}

// ------------------------------------------------------------------ criterion

fn bench_formats(c: &mut Criterion) {
    let fixtures: Vec<(&str, &str, Vec<u8>)> = vec![
        ("jpeg_200KB", "a.jpg", jpeg(200_000)),
        ("jpeg_5MB", "a.jpg", jpeg(5_000_000)),
        ("tiff", "a.tif", tiff()),
        ("png_1MB", "a.png", png(1_000_000)),
        ("mp4_10MB", "a.mp4", mp4(10_000, 10_000_000)),
        ("mp3_200KB", "a.mp3", mp3(480)),
        ("pdf", "a.pdf", pdf()),
    ];
    let mut g = c.benchmark_group("extract");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (id, name, data) in &fixtures {
        // A fixture that yields nothing would measure the "unknown file" path: fail loudly.
        let meta = extract(data, Some(name));
        assert!(
            meta.to_json().as_object().is_some_and(|o| o.len() > 1),
            "{id}: the fixture yields no metadata"
        );
        g.throughput(Throughput::ElementsAndBytes {
            elements: 1,
            bytes: data.len() as u64,
        });
        g.bench_function(*id, |b| b.iter(|| extract(black_box(data), Some(name))));
    }
    g.finish();

    let corpus = corpus_jpegs();
    if corpus.is_empty() {
        println!(
            "corpus not found at {}: skipping the camera JPEGs",
            corpus_dir().display()
        );
        return;
    }
    let bytes: usize = corpus.iter().map(|(_, d)| d.len()).sum();
    let mut g = c.benchmark_group("corpus_jpg");
    g.throughput(Throughput::ElementsAndBytes {
        elements: corpus.len() as u64,
        bytes: bytes as u64,
    });
    g.bench_function("extract", |b| {
        b.iter(|| {
            for (p, d) in &corpus {
                black_box(extract(black_box(d), file_name(p)));
            }
        })
    });
    g.bench_function("extract_json", |b| {
        b.iter(|| {
            for (p, d) in &corpus {
                black_box(extract_to_json(black_box(d), file_name(p)));
            }
        })
    });
    g.finish();
}

// ------------------------------------------------------------------ exiftool

/// One `exiftool -stay_open True -@ -` process.
struct ExifTool {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl ExifTool {
    fn start() -> std::io::Result<ExifTool> {
        let mut child = Command::new("exiftool")
            .args(["-stay_open", "True", "-@", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Ok(ExifTool {
            child,
            stdin,
            stdout,
        })
    }

    /// `-json -G0 FILE`, reading until `{ready}`; returns the JSON's length.
    fn extract(&mut self, path: &Path) -> std::io::Result<usize> {
        writeln!(self.stdin, "-json\n-G0\n{}\n-execute", path.display())?;
        self.stdin.flush()?;
        let mut n = 0;
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.starts_with("{ready") {
                return Ok(n);
            }
            n += line.len();
        }
    }
}

impl Drop for ExifTool {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "-stay_open\nFalse");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

/// Times one call of `f`.
fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn compare_exiftool() {
    let corpus = corpus_jpegs();
    if corpus.is_empty() {
        println!(
            "\ncore vs exiftool: corpus not found at {}: skipped",
            corpus_dir().display()
        );
        return;
    }
    let secs: f64 = std::env::var("EXTRACT_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let bytes: usize = corpus.iter().map(|(_, d)| d.len()).sum();
    println!(
        "\ncore vs exiftool, per core, on {} camera JPEGs ({:.1} MB) from {}",
        corpus.len(),
        bytes as f64 / 1e6,
        corpus_dir().display()
    );
    let mut et = match ExifTool::start() {
        Ok(et) => et,
        Err(e) => {
            println!("  exiftool: not available ({e}): comparison skipped");
            return;
        }
    };
    let core_pass = || {
        for (p, d) in &corpus {
            black_box(extract_to_json(black_box(d), file_name(p)));
        }
    };
    let mut failed = None;
    let mut exiftool_pass = || {
        for (p, _) in &corpus {
            if failed.is_none() {
                if let Err(e) = et.extract(p) {
                    failed = Some(e);
                }
            }
        }
        failed.as_ref().map(|e| e.to_string())
    };
    // Warm-up: the first files load exiftool's Perl modules, and the core's caches fill.
    if let Some(e) = exiftool_pass() {
        println!("  exiftool: failed on the corpus ({e}): comparison skipped");
        return;
    }
    core_pass();
    // The two sides take turns: one exiftool pass over the set, then as many core passes
    // as fit in ~a tenth of that time (at least one), for about `secs` per side. A machine
    // whose speed drifts (other load, a neighbour on the host) slows both sides alike,
    // where two back-to-back runs of `secs` each would each see different conditions. Each
    // turn also gives a ratio of its own; their median and spread are printed.
    let (mut core_t, mut core_n, mut et_t, mut et_n) =
        (Duration::ZERO, 0usize, Duration::ZERO, 0usize);
    let mut turn_ratios = Vec::new();
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < 2.0 * secs || turn_ratios.is_empty() {
        let mut err = None;
        let et_turn = time(|| err = exiftool_pass());
        if let Some(e) = err {
            println!("  exiftool: failed mid-run ({e}): comparison skipped");
            return;
        }
        let (mut c_turn, mut c_passes) = (Duration::ZERO, 0usize);
        while c_passes == 0 || c_turn < et_turn / 10 {
            c_turn += time(core_pass);
            c_passes += 1;
        }
        turn_ratios.push((c_passes as f64 / c_turn.as_secs_f64()) / (1.0 / et_turn.as_secs_f64()));
        core_t += c_turn;
        core_n += c_passes * corpus.len();
        et_t += et_turn;
        et_n += corpus.len();
    }
    let core = core_n as f64 / core_t.as_secs_f64();
    let exif = et_n as f64 / et_t.as_secs_f64();
    println!(
        "  core (extract + JSON text, 1 thread):       {core:>10.0} files/s  ({:.1} MB/s, {core_n} files in {:.1} s)",
        core * bytes as f64 / corpus.len() as f64 / 1e6,
        core_t.as_secs_f64()
    );
    println!(
        "  exiftool -stay_open (-json -G0, 1 process): {exif:>10.1} files/s  ({et_n} files in {:.1} s)",
        et_t.as_secs_f64()
    );
    let turns = turn_ratios.len();
    let lo = turn_ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = turn_ratios.iter().copied().fold(0.0, f64::max);
    let mid = median(&mut turn_ratios);
    println!("  ratio per turn ({turns} turns, sides interleaved): median {mid:.0}x, min {lo:.0}x, max {hi:.0}x");
    let ratio = core / exif;
    println!(
        "  ratio core/exiftool per core: {ratio:.0}x  (target >= 100x: {})",
        if ratio >= 100.0 { "met" } else { "NOT met" }
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_formats(&mut c);
    c.final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (criterion then only
    // checks that each benchmark runs once), and the timed comparison is skipped.
    if std::env::args().any(|a| a == "--bench") {
        compare_exiftool();
    }
}
