//! Prints the metadata of each file given as JSON: `[{"file": ..., "metadata": {...}, "warnings": [...]}]`.
//! Used by `scripts/compare_core.py` to score the core against ExifTool without a server.
//!
//! `dump --service FILE...` instead does what the service does per file (extract, then the
//! JSON text of the metadata through its `Serialize` impl, as `to_raw_value` does) and prints
//! only the total length: `scripts/bench/profile.sh`
//! profiles this mode, so that pretty-printing one big array does not weigh in the figures.

// The allocator the service binaries use, so that the figures are the service's.
#[global_allocator]
static GLOBAL: mialloc::MiMalloc = mialloc::MiMalloc;

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let service = args.next_if(|a| a == "--service").is_some();
    let mut out = Vec::new();
    let mut total = 0usize;
    for path in args {
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let name = std::path::Path::new(&path)
            .file_name()
            .and_then(|n| n.to_str());
        let meta = metacore::extract(&data, name);
        if service {
            total += serde_json::to_vec(&meta).map_or(0, |v| v.len());
            continue;
        }
        out.push(serde_json::json!({
            "file": path,
            "metadata": meta.to_json(),
            "warnings": meta.warnings,
        }));
    }
    if service {
        println!("{total}");
    } else {
        println!("{}", serde_json::Value::Array(out));
    }
}
