//! Strips every file of the reference corpus (skipped when absent): no panic, plan ranges
//! valid, the result strips to itself (nothing left to remove) and keeps the image data.
//! With `STRIP_OUT=<dir>` the cleaned files are written there (for checking with exiftool).

use metacore::{strip, Keep, StripError};
use std::path::{Path, PathBuf};

mod corpus_util;

use corpus_util::files;

#[test]
fn corpus_strips_cleanly() {
    let root = match std::env::var_os("STRIP_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/exif-samples"),
    };
    let mut all = Vec::new();
    files(&root, &mut all);
    if all.is_empty() {
        eprintln!("corpus not found, skipping");
        return;
    }
    let out_dir = std::env::var_os("STRIP_OUT").map(PathBuf::from);
    let mut stripped = 0;
    let mut with_exif = 0;
    for p in &all {
        let data = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let keep = std::env::var("STRIP_KEEP")
            .ok()
            .map(|k| Keep::parse(&k).unwrap())
            .unwrap_or_default();
        match strip(&data, Some(&name), keep) {
            Ok(plan) => {
                if std::env::var_os("STRIP_VERBOSE").is_some() {
                    eprintln!("{name}: removed {:?} kept {:?}", plan.removed, plan.kept);
                }
                let out = plan.to_vec(&data).expect("plan ranges");
                if let Some(d) = &out_dir {
                    std::fs::write(d.join(&name), &out).unwrap();
                }
                assert!(out.len() <= data.len() + 64, "{name} grew");
                let again = strip(&out, Some(&name), keep)
                    .unwrap_or_else(|e| panic!("{name}: cleaned file does not strip: {e}"));
                if keep == Keep::default() {
                    assert!(again.removed.is_empty(), "{name}: left {:?}", again.removed);
                }
                assert!(again.to_vec(&out).unwrap() == out, "{name}: not idempotent");
                if keep == Keep::default() && !name.to_ascii_lowercase().contains(".tif") {
                    let m = metacore::extract(&out, Some(&name));
                    for g in [
                        "exif",
                        "xmp",
                        "iptc",
                        "photoshop",
                        "makernotes",
                        "mpf",
                        "icc_profile",
                    ] {
                        assert!(
                            m.groups.get(g).is_none_or(|t| t.is_empty()),
                            "{name}: {g} survived: {:?}",
                            m.groups.get(g)
                        );
                    }
                    let before = metacore::extract(&data, Some(&name));
                    if before.groups.get("exif").is_some_and(|t| !t.is_empty()) {
                        with_exif += 1;
                    }
                }
                stripped += 1;
            }
            Err(e @ StripError::Unsupported(_)) | Err(e @ StripError::Malformed(_)) => {
                eprintln!("{name}: {e}");
            }
            Err(e) => panic!("{name}: {e}"),
        }
        let _ = strip(
            &data,
            Some(&name),
            Keep {
                icc: true,
                orientation: true,
                copyright: true,
            },
        );
    }
    if std::env::var_os("STRIP_DIR").is_none() {
        assert!(stripped > 10, "only {stripped} corpus files stripped");
        eprintln!("{stripped} stripped, {with_exif} had EXIF before");
    }
}

/// Mutation fuzzing over real files: `STRIP_DIR=<dir> cargo test --release --test
/// strip_corpus fuzz -- --ignored`. Panics or plans outside the input fail the test.
#[test]
#[ignore]
fn fuzz_mutations() {
    let Some(dir) = std::env::var_os("STRIP_DIR") else {
        return;
    };
    let rounds: u32 = std::env::var("FUZZ_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(300);
    let mut all = Vec::new();
    files(Path::new(&dir), &mut all);
    let mut x = 0x2545_F491u32;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for p in &all {
        let data = std::fs::read(p).unwrap();
        if data.len() > 4 << 20 || data.is_empty() {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        for _ in 0..rounds {
            let mut d = data.clone();
            match rnd() % 4 {
                0 => {
                    let n = (rnd() as usize) % d.len();
                    d.truncate(n);
                }
                1 => {
                    // corrupt a byte near the start (headers)
                    let i = (rnd() as usize) % d.len().min(4096);
                    d[i] = rnd() as u8;
                }
                2 => {
                    for _ in 0..8 {
                        let i = (rnd() as usize) % d.len();
                        d[i] = rnd() as u8;
                    }
                }
                _ => {
                    // set a 32-bit field to a large value
                    let i = (rnd() as usize) % d.len().min(8192);
                    for k in 0..4 {
                        if let Some(b) = d.get_mut(i + k) {
                            *b = if k == 0 { 0x7F } else { rnd() as u8 };
                        }
                    }
                }
            }
            for keep in [
                Keep::default(),
                Keep {
                    icc: true,
                    orientation: true,
                    copyright: true,
                },
            ] {
                if let Ok(plan) = strip(&d, Some(&name), keep) {
                    plan.to_vec(&d).unwrap_or_else(|e| panic!("{name}: {e}"));
                }
            }
        }
    }
}
