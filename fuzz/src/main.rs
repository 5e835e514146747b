//! `metacore-fuzz [--seconds N] [--target NAME] [--seed S] [--corpus DIR]`: mutation-fuzzes
//! the core's parsers and strippers; findings are written to `fuzz/crashes/<target>/` (commit
//! them: the regression test replays every file there). Exit status 1 when anything was found.

use metacore_fuzz::*;
use std::path::PathBuf;
use std::time::Duration;

fn main() {
    let mut seconds = 5u64;
    let mut only: Option<String> = None;
    let mut seed = 1u64;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = root.join("../../shared/corpus/exif-samples");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|v| v.parse().ok()).unwrap_or(seconds),
            "--target" => only = args.next(),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--corpus" => corpus = args.next().map(PathBuf::from).unwrap_or(corpus),
            _ => {
                eprintln!("usage: metacore-fuzz [--seconds N per target] [--target NAME] [--seed S] [--corpus DIR]");
                std::process::exit(2);
            }
        }
    }
    // Panics are findings, reported below: keep the default hook quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let mut total = 0;
    for t in targets() {
        if only.as_deref().is_some_and(|o| o != t.name) {
            continue;
        }
        let mut seeds = (t.seeds)();
        for p in corpus_files(&corpus, t.corpus_ext).into_iter().take(64) {
            if let Ok(d) = std::fs::read(&p) {
                if d.len() <= 4 << 20 {
                    seeds.push(d);
                }
            }
        }
        let (execs, findings) = fuzz(&t, &seeds, seed, Duration::from_secs(seconds), u64::MAX);
        println!(
            "{:<10} {:>8} execs  {:>3} seeds  {} findings",
            t.name,
            execs,
            seeds.len(),
            findings.len()
        );
        for f in &findings {
            let dir = root.join("crashes").join(f.target);
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{:016x}", fnv(&f.input)));
            let _ = std::fs::write(&path, &f.input);
            println!("  {}: {} -> {}", f.target, f.what, path.display());
        }
        total += findings.len();
    }
    if total > 0 {
        std::process::exit(1);
    }
}
