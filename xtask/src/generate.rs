//! `cargo xtask generate [--check]`: the only place that reads the spec from disk and writes the
//! generated code.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (the parent of `xtask/`).
/// Read at run time (cargo sets it for `cargo run` and `cargo test`), so a binary built in
/// another checkout never writes into the wrong tree.
pub fn workspace_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().expect("xtask sits in the workspace").to_path_buf()
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut check = false;
    for a in args {
        match a.as_str() {
            "--check" => check = true,
            other => return Err(format!("unknown option `{other}`; usage: cargo xtask generate [--check]")),
        }
    }
    let root = workspace_root();
    let outcome = generate(&root, check)?;
    if check {
        if outcome.stale.is_empty() {
            println!("generated code is up to date ({} files)", outcome.total);
            Ok(())
        } else {
            Err(format!(
                "generated code is stale; these files differ from what spec/ gives:\n{}\nrun `cargo xtask generate` and commit the result",
                outcome.stale.iter().map(|s| format!("  {s}")).collect::<Vec<_>>().join("\n")
            ))
        }
    } else {
        for f in &outcome.stale {
            println!("wrote {f}");
        }
        println!(
            "{} files in generated-client/src/generated/, {} changed",
            outcome.total,
            outcome.stale.len()
        );
        Ok(())
    }
}

/// Reads every `*.yaml` under `spec/`, sorted by path, named relative to the workspace root.
pub fn read_spec(root: &Path) -> Result<Vec<codegen::SourceFile>, String> {
    let mut paths = Vec::new();
    collect_yaml(&root.join("spec"), &mut paths)?;
    paths.sort();
    if paths.is_empty() {
        return Err(format!("no *.yaml files under {}", root.join("spec").display()));
    }
    paths
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            let name = p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/");
            Ok(codegen::SourceFile::new(name, text))
        })
        .collect()
}

/// Reads the `*.yaml` files directly in `dir`, sorted, named by their file name (the small
/// specs of the snapshot tests).
pub fn read_spec_dir(dir: &Path) -> Result<Vec<codegen::SourceFile>, String> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Ok(codegen::SourceFile::new(p.file_name().unwrap_or_default().to_string_lossy(), text))
        })
        .collect()
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

pub struct Outcome {
    /// Files that differ (check) or were written (generate), relative to the workspace root.
    pub stale: Vec<String>,
    pub total: usize,
}

/// Generates into `generated-client/src/generated/`. In check mode nothing is written. On a spec
/// error nothing is written either: every file is rendered before the first one is touched.
pub fn generate(root: &Path, check: bool) -> Result<Outcome, String> {
    let spec = read_spec(root)?;
    let files = codegen::generate(&spec).map_err(|e| e.to_string())?;
    let out_dir = root.join("generated-client/src/generated");
    let rel = |name: &str| format!("generated-client/src/generated/{name}");
    let mut stale = Vec::new();
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for f in &files {
        let path = out_dir.join(&f.path);
        let current = fs::read_to_string(&path).ok();
        if current.as_deref() != Some(f.contents.as_str()) {
            stale.push(rel(&f.path));
        }
    }
    // Generated files the spec no longer gives.
    let mut obsolete = Vec::new();
    if let Ok(entries) = fs::read_dir(&out_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !wanted.contains(name.as_str()) {
                obsolete.push(name);
            }
        }
    }
    obsolete.sort();
    for name in &obsolete {
        stale.push(format!("{} (no longer generated)", rel(name)));
    }
    if !check {
        fs::create_dir_all(&out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
        for f in &files {
            let path = out_dir.join(&f.path);
            if fs::read_to_string(&path).ok().as_deref() != Some(f.contents.as_str()) {
                fs::write(&path, &f.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            }
        }
        for name in &obsolete {
            fs::remove_file(out_dir.join(name)).map_err(|e| format!("cannot remove {name}: {e}"))?;
        }
    }
    Ok(Outcome { stale, total: files.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when the committed generated code is stale.
    #[test]
    fn generated_code_is_fresh() {
        let outcome = generate(&workspace_root(), true).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            outcome.stale.is_empty(),
            "generated code is stale: {:?}\nrun `cargo xtask generate` and commit the result",
            outcome.stale
        );
    }

    #[test]
    fn generating_twice_gives_the_same_bytes() {
        let spec = read_spec(&workspace_root()).unwrap();
        let a = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
        let b = codegen::generate(&spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b);
    }
}
