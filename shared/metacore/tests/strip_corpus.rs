//! Strips every file of the reference corpus (skipped when absent): no panic, plan ranges
//! valid, the result strips to itself (nothing left to remove) and keeps the image data.
//! With `STRIP_OUT=<dir>` the cleaned files are written there (for checking with exiftool).

use metacore::{strip, Keep, StripError};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

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
    for p in &all {
        let data = std::fs::read(p).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let keep = std::env::var("STRIP_KEEP")
            .ok()
            .map(|k| Keep::parse(&k).unwrap())
            .unwrap_or_default();
        match strip(&data, Some(&name), keep) {
            Ok(plan) => {
                let out = plan.to_vec(&data).expect("plan ranges");
                assert!(out.len() <= data.len() + 64, "{name} grew");
                let again = strip(&out, Some(&name), keep)
                    .unwrap_or_else(|e| panic!("{name}: cleaned file does not strip: {e}"));
                if keep == Keep::default() {
                    assert!(again.removed.is_empty(), "{name}: left {:?}", again.removed);
                }
                assert!(again.to_vec(&out).unwrap() == out, "{name}: not idempotent");
                if let Some(d) = &out_dir {
                    std::fs::write(d.join(&name), &out).unwrap();
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
    }
}
