//! `strip IN OUT [keep]`: writes IN without its metadata to OUT and prints the receipt as
//! JSON. Used by `scripts/check_strip_corpus.py` to check the strippers against ExifTool and
//! ImageMagick. Exit status 3 when the format cannot be cleaned, 4 when the file is damaged.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: strip IN OUT [icc,orientation,copyright]");
        std::process::exit(2);
    }
    let data = std::fs::read(&args[0]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[0]);
        std::process::exit(2)
    });
    let keep =
        metacore::Keep::parse(args.get(2).map(String::as_str).unwrap_or("")).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        });
    let name = std::path::Path::new(&args[0])
        .file_name()
        .and_then(|n| n.to_str());
    match metacore::strip(&data, name, keep) {
        Ok(plan) => {
            let out = plan.to_vec(&data).unwrap_or_else(|e| {
                eprintln!("writing: {e}");
                std::process::exit(1)
            });
            std::fs::write(&args[1], &out).unwrap_or_else(|e| {
                eprintln!("{}: {e}", args[1]);
                std::process::exit(1)
            });
            println!(
                "{}",
                serde_json::json!({"removed": plan.removed, "sizeBefore": data.len(), "sizeAfter": out.len()})
            );
        }
        Err(e @ metacore::StripError::Unsupported(_)) => {
            eprintln!("{e}");
            std::process::exit(3)
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(4)
        }
    }
}
