//! The `Serialize` impl of `Metadata` (what the service turns into JSON text) writes exactly
//! what serializing `to_json()` writes, for every corpus file. Skips when the corpus is absent.

use std::path::PathBuf;

mod corpus_util;

use corpus_util::files;

#[test]
fn serialize_matches_to_json_on_corpus() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let mut all = Vec::new();
    files(&root, &mut all);
    all.sort();
    for path in all {
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str());
        let m = metacore::extract(&data, name);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            serde_json::to_string(&m.to_json()).unwrap(),
            "{}",
            path.display()
        );
    }
}
