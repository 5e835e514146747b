//! Replays every committed finding (`fuzz/crashes/<target>/*`) through its target and the
//! whole pipeline, and runs a short deterministic mutation campaign on every target, so that
//! the fuzzer's checks run with every `cargo test`.

use metacore_fuzz::*;
use std::time::Duration;

#[test]
fn committed_findings_stay_fixed() {
    std::panic::set_hook(Box::new(|_| {}));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crashes");
    let targets = targets();
    let mut replayed = 0;
    let mut failures = Vec::new();
    for t in &targets {
        let dir = root.join(t.name);
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(data) = std::fs::read(e.path()) else {
                continue;
            };
            for target in targets
                .iter()
                .filter(|x| x.name == t.name || x.name == "extract" || x.name == "strip")
            {
                replayed += 1;
                if let Some(f) = check(target, &data) {
                    failures.push(format!(
                        "{} on {}: {}",
                        target.name,
                        e.path().display(),
                        f.what
                    ));
                }
            }
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        failures.is_empty(),
        "{replayed} replays, failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn seeds_are_understood() {
    // Seeds that the parsers reject outright would make the fuzzer mutate noise: each
    // format's seed must be detected as its format.
    use metacore::detect::{detect, FileKind};
    type Seed = fn() -> Vec<u8>;
    let cases: [(Seed, FileKind); 13] = [
        (seeds::jpeg, FileKind::Jpeg),
        (seeds::tiff, FileKind::Tiff),
        (seeds::png, FileKind::Png),
        (seeds::gif, FileKind::Gif),
        (seeds::webp, FileKind::WebP),
        (seeds::heic, FileKind::Heic),
        (seeds::mp4, FileKind::Mp4),
        (seeds::wav, FileKind::Wav),
        (seeds::aiff, FileKind::Aiff),
        (seeds::mp3, FileKind::Mp3),
        (seeds::flac, FileKind::Flac),
        (seeds::pdf, FileKind::Pdf),
        (seeds::docx, FileKind::Docx),
    ];
    for (f, kind) in cases {
        assert_eq!(detect(&f(), None), Some(kind));
    }
    let m = metacore::extract(&seeds::jpeg(), None);
    assert_eq!(
        m.get("exif", "Make").and_then(|v| v.as_str()),
        Some("Canon")
    );
    let m = metacore::extract(&seeds::mp3(), None);
    assert!(
        m.groups.contains_key("id3"),
        "{:?}",
        m.groups.keys().collect::<Vec<_>>()
    );
}

#[test]
fn short_campaign_finds_nothing() {
    std::panic::set_hook(Box::new(|_| {}));
    let mut report = Vec::new();
    for t in targets() {
        let seeds = (t.seeds)();
        let (execs, findings) = fuzz(&t, &seeds, 7, Duration::from_secs(3), 400);
        report.push(format!("{} {execs}", t.name));
        if let Some(f) = findings.first() {
            let _ = std::panic::take_hook();
            panic!(
                "{}: {} on input {:?}",
                f.target,
                f.what,
                &f.input[..f.input.len().min(64)]
            );
        }
    }
    let _ = std::panic::take_hook();
    assert!(report.len() >= 19, "{report:?}");
}
