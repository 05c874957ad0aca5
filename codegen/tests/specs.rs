//! Snapshot tests: each folder of `tests/specs/` is a small spec; its generated files are pinned
//! in `tests/snapshots/`. Review changes with `cargo insta review` (or `INSTA_UPDATE=always`).

use std::fs;
use std::path::Path;

fn load(dir: &Path) -> Vec<codegen::SourceFile> {
    let mut paths: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| codegen::SourceFile::new(p.file_name().unwrap().to_string_lossy(), fs::read_to_string(&p).unwrap()))
        .collect()
}

#[test]
fn good_specs_generate_pinned_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs");
    let mut dirs: Vec<_> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = codegen::generate(&load(&dir)).unwrap_or_else(|e| panic!("spec `{name}` is rejected:\n{e}"));
        for f in files {
            assert!(f.contents.starts_with("// @generated"), "{} lacks the header", f.path);
            insta::assert_snapshot!(format!("{name}__{}", f.path.trim_end_matches(".rs")), f.contents);
        }
    }
}
