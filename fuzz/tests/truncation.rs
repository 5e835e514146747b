//! Every truncated prefix of every corpus file parses (and strips) without panic.
//!
//! "Every" is exact for the first 2 KiB of each file (where headers and most metadata
//! blocks start), every 127th length up to 64 KiB, and 128 evenly spaced lengths beyond,
//! so that the test stays within a CI budget on multi-megabyte files.

use metacore_fuzz::*;
use std::path::Path;

fn lengths(len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..len.min(2048)).collect();
    v.extend((2048..len.min(65536)).step_by(127));
    if len > 65536 {
        let step = ((len - 65536) / 128).max(1);
        v.extend((65536..len).step_by(step));
    }
    v
}

#[test]
fn corpus_prefixes_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/exif-samples");
    let files = corpus_files(&root, &["jpg", "jpeg", "tif", "tiff", "heic", "heif"]);
    if files.is_empty() {
        eprintln!("skipped: no corpus at {}", root.display());
        return;
    }
    std::panic::set_hook(Box::new(|_| {}));
    let targets = targets();
    let extract = targets
        .iter()
        .find(|t| t.name == "extract")
        .expect("extract target");
    let strip = targets
        .iter()
        .find(|t| t.name == "strip")
        .expect("strip target");
    let mut failures = Vec::new();
    let mut runs = 0;
    for path in &files {
        let data = std::fs::read(path).expect("corpus file");
        for n in lengths(data.len()) {
            runs += 1;
            if let Some(f) = check(extract, &data[..n]) {
                failures.push(format!("extract {} [..{n}]: {}", path.display(), f.what));
            }
            // Stripping re-extracts its output: every 32nd length is enough to cover it.
            if n % 32 == 0 {
                if let Some(f) = check(strip, &data[..n]) {
                    failures.push(format!("strip {} [..{n}]: {}", path.display(), f.what));
                }
            }
            if failures.len() > 20 {
                break;
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{runs} runs over {} files:\n{}",
        files.len(),
        failures.join("\n")
    );
    eprintln!("{runs} prefixes of {} corpus files", files.len());
}
