//! Prints the metadata of each file given as JSON: `[{"file": ..., "metadata": {...}, "warnings": [...]}]`.
//! Used by `scripts/compare_core.py` to score the core against ExifTool without a server.

fn main() {
    let mut out = Vec::new();
    for path in std::env::args().skip(1) {
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
        out.push(serde_json::json!({
            "file": path,
            "metadata": meta.to_json(),
            "warnings": meta.warnings,
        }));
    }
    println!("{}", serde_json::Value::Array(out));
}
