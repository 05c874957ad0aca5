//! The bad-spec corpus: each `tests/bad/<case>.yaml` (or `tests/bad/<case>/*.yaml`, for mistakes
//! that take several files) is the small good spec of `tests/specs/small/` with one mistake,
//! described on its first line. The full error report of each is pinned in
//! `tests/snapshots/bad__<case>.snap`. Review changes with `cargo insta review` (or
//! `INSTA_UPDATE=always`).

use std::fs;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    cases
}

/// The files of a case, named as xtask names them (relative, `/`-separated), sorted.
fn load(case: &Path) -> Vec<codegen::SourceFile> {
    let mut paths: Vec<PathBuf> = if case.is_dir() {
        fs::read_dir(case).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect()
    } else {
        vec![case.to_path_buf()]
    };
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            codegen::SourceFile::new(name, fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn case_name(case: &Path) -> String {
    case.file_stem().unwrap().to_string_lossy().into_owned()
}

fn description(files: &[codegen::SourceFile]) -> String {
    files
        .iter()
        .find_map(|f| f.text.lines().next().and_then(|l| l.strip_prefix("# ")).map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn corpus_is_large_enough() {
    let n = cases().len();
    assert!(n >= 40, "only {n} bad specs");
}

#[test]
fn every_bad_spec_is_rejected_with_pinned_errors() {
    let mut failures = Vec::new();
    for case in cases() {
        let name = case_name(&case);
        let files = load(&case);
        let errors = match codegen::generate(&files) {
            Ok(_) => {
                failures.push(format!("{name}: accepted"));
                continue;
            }
            Err(e) => e,
        };
        // Every error names its file, and, but for a missing `api` section (which is nowhere),
        // its line and YAML path.
        for d in &errors.0 {
            assert!(!d.file.is_empty(), "{name}: an error without a file: {d}");
            if !d.message.starts_with("no `api` section") {
                assert!(d.line.is_some() && !d.path.is_empty(), "{name}: an error without a place: {d}");
            }
        }
        // Sorted by position.
        let keys: Vec<_> = errors.0.iter().map(|d| (d.file.clone(), d.line, d.column)).collect();
        let mut sorted = keys.clone();
        sorted.sort_by_key(|(f, l, c)| (f.clone(), l.unwrap_or(usize::MAX), c.unwrap_or(0)));
        assert_eq!(keys, sorted, "{name}: errors not sorted");
        insta::with_settings!({ description => description(&files), omit_expression => true }, {
            insta::assert_snapshot!(name.clone(), errors.to_string());
        });
    }
    assert!(failures.is_empty(), "bad specs accepted:\n{}", failures.join("\n"));
}

/// The good spec the corpus derives from is accepted: each bad spec fails for its one mistake.
#[test]
fn the_base_of_the_corpus_is_good() {
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/small");
    let files: Vec<_> = fs::read_dir(&good)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| codegen::SourceFile::new(p.file_name().unwrap().to_string_lossy(), fs::read_to_string(&p).unwrap()))
        .collect();
    codegen::check(&files).unwrap_or_else(|e| panic!("{e}"));
}
