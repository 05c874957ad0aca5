//! `cargo xtask generate` never writes a partial client: on a spec error it writes nothing,
//! prints every error and exits non-zero. Run against a scratch workspace (the binary finds the
//! workspace through `CARGO_MANIFEST_DIR`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const GOOD: &str = include_str!("../../codegen/tests/specs/small/api.yaml");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-generate-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("xtask")).unwrap();
    fs::create_dir_all(dir.join("spec/resources")).unwrap();
    fs::create_dir_all(dir.join("generated-client/src/generated")).unwrap();
    dir
}

/// Every file under `dir` with its contents, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.push((p.clone(), fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort();
    out
}

fn xtask(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).env("CARGO_MANIFEST_DIR", root.join("xtask")).output().unwrap()
}

#[test]
fn a_bad_spec_writes_nothing_and_fails() {
    let root = scratch("bad");
    // A previous generation, which must stay as it is.
    fs::write(root.join("generated-client/src/generated/mod.rs"), "// the last good generation\n").unwrap();
    fs::write(root.join("generated-client/src/generated/notes.rs"), "// the last good generation\n").unwrap();
    // One file is good, one has a mistake, one is not YAML.
    let (api, resources) = GOOD.split_once("\nresources:\n").unwrap();
    fs::write(root.join("spec/api.yaml"), api).unwrap();
    fs::write(root.join("spec/resources/note.yaml"), format!("resources:\n{}", resources.replacen("body: string?", "body: strng?", 1))).unwrap();
    fs::write(root.join("spec/resources/zz.yaml"), "types: [\n").unwrap();
    let before = snapshot(&root.join("generated-client"));

    let out = xtask(&root, &["generate"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "generate succeeded:\n{stderr}");
    assert!(stderr.contains("spec/resources/note.yaml:") && stderr.contains("unknown type `strng`"), "{stderr}");
    assert!(stderr.contains("spec/resources/zz.yaml:") && stderr.contains("invalid YAML"), "{stderr}");
    assert!(stderr.contains("2 errors in the spec"), "{stderr}");
    assert_eq!(snapshot(&root.join("generated-client")), before, "generate wrote files");

    // `--check` fails the same way.
    let out = xtask(&root, &["generate", "--check"]);
    assert!(!out.status.success());
    assert_eq!(snapshot(&root.join("generated-client")), before);
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn a_good_spec_is_written_in_full() {
    let root = scratch("good");
    fs::write(root.join("spec/api.yaml"), GOOD).unwrap();
    fs::write(root.join("generated-client/src/generated/obsolete.rs"), "// no longer generated\n").unwrap();
    let out = xtask(&root, &["generate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<String> = snapshot(&root.join("generated-client/src/generated"))
        .into_iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["authors.rs", "mod.rs", "notes.rs", "operations.rs", "types.rs", "webhooks.rs"]);
    let out = xtask(&root, &["generate", "--check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = fs::remove_dir_all(&root);
}
