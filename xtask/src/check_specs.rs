//! `cargo xtask check-specs`: whatever spec the validator accepts must give a crate that
//! compiles without a warning. For each snapshot spec of `codegen/tests/specs/<name>/`, this
//! writes a crate in `target/check-specs/<name>/`: the hand-written runtime
//! (`generated-client/src/` minus `generated/`), the files generated from that spec, and the
//! manifest of `generated-client` made standalone; then runs
//! `cargo rustc --profile check --lib [--features conformance] -- -D warnings` on it.
//!
//! Only that crate gets `-D warnings` (`cargo rustc` passes the flags to the last crate alone),
//! so its dependencies are those `cargo check -p qualified` builds in the workspace's
//! `target/`, reused through `CARGO_TARGET_DIR`: after the first run, a check costs a few
//! seconds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::generate::workspace_root;

pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(a) = args.first() {
        return Err(format!("unknown option `{a}`; usage: cargo xtask check-specs"));
    }
    let root = workspace_root();
    let start = Instant::now();
    let names = check_all(&root)?;
    println!("check-specs: {} specs compile without warnings ({:.1} s): {}", names.len(), start.elapsed().as_secs_f64(), names.join(", "));
    Ok(())
}

/// Checks every snapshot spec; returns their names.
pub fn check_all(root: &Path) -> Result<Vec<String>, String> {
    let specs_dir = root.join("codegen/tests/specs");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&specs_dir)
        .map_err(|e| format!("{}: {e}", specs_dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut names = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let krate = write_crate(root, &dir, &name)?;
        for features in [None, Some("conformance")] {
            check(root, &krate, features).map_err(|e| format!("spec `{name}` (features: {}):\n{e}", features.unwrap_or("default")))?;
        }
        names.push(name);
    }
    Ok(names)
}

/// Writes `target/check-specs/<name>/`; returns its path. Files that did not change are not
/// rewritten, so that cargo's freshness check holds.
pub fn write_crate(root: &Path, spec_dir: &Path, name: &str) -> Result<PathBuf, String> {
    let files = crate::generate::read_spec_dir(spec_dir)?;
    let generated = codegen::generate(&files).map_err(|e| format!("spec `{name}` is rejected:\n{e}"))?;

    let krate = root.join("target/check-specs").join(name);
    let client = root.join("generated-client");
    // The runtime, as it is now.
    let src = krate.join("src");
    let mut wanted = Vec::new();
    copy_tree(&client.join("src"), &src, &|rel: &Path| !rel.starts_with("generated"), &mut wanted)?;
    // The generated files of this spec.
    let gen_dir = src.join("generated");
    for f in &generated {
        let path = gen_dir.join(&f.path);
        write_if_changed(&path, &f.contents)?;
        wanted.push(path);
    }
    remove_others(&src, &wanted)?;
    // The manifest, standalone.
    let manifest = fs::read_to_string(client.join("Cargo.toml")).map_err(|e| format!("generated-client/Cargo.toml: {e}"))?;
    let workspace = fs::read_to_string(root.join("Cargo.toml")).map_err(|e| format!("Cargo.toml: {e}"))?;
    write_if_changed(&krate.join("Cargo.toml"), &standalone_manifest(&manifest, &workspace)?)?;
    // The workspace's lock file: the same versions, nothing to resolve (cargo prunes it).
    let lock = fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write_if_changed(&krate.join("Cargo.lock"), &lock)?;
    Ok(krate)
}

fn check(root: &Path, krate: &Path, features: Option<&str>) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(krate)
        .args(["rustc", "--quiet", "--offline", "--profile", "check", "--lib"])
        .env("CARGO_TARGET_DIR", root.join("target/check-specs/target"))
        // Flags of the outer cargo (when run from `cargo test`) must not change the dependencies'
        // fingerprints.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PRIMARY_PACKAGE");
    if let Some(f) = features {
        cmd.args(["--features", f]);
    }
    cmd.args(["--", "-D", "warnings"]);
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
    }
}

/// `generated-client/Cargo.toml` without the workspace: inherited keys and dependencies take
/// the workspace's values, dev-dependencies and the test and bench targets go, and an empty
/// `[workspace]` makes it its own.
pub fn standalone_manifest(manifest: &str, workspace: &str) -> Result<String, String> {
    let ws_package = section_entries(workspace, "workspace.package");
    let ws_deps = section_entries(workspace, "workspace.dependencies");
    let mut out = String::new();
    let mut section = String::new();
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            // `[[bench]]`, `[[test]]`...: targets of the real crate, not of this one.
            section = if t.starts_with("[[") { "-".to_owned() } else { t.trim_matches(|c| c == '[' || c == ']').to_owned() };
        }
        if section == "-" || section.ends_with("dev-dependencies") {
            continue;
        }
        if let Some((key, value)) = t.split_once('=') {
            let key = key.trim();
            let value = value.trim();
            if let Some(name) = key.strip_suffix(".workspace") {
                if value != "true" {
                    return Err(format!("generated-client/Cargo.toml: cannot read `{t}`"));
                }
                let table = if section == "package" { &ws_package } else { &ws_deps };
                let v = table
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("generated-client/Cargo.toml: `{name}` is not in the workspace's [{section}]"))?;
                out.push_str(&format!("{name} = {v}\n"));
                continue;
            }
            if value.contains("workspace = true") {
                return Err(format!("generated-client/Cargo.toml: cannot make `{t}` standalone"));
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\n[workspace]\n");
    Ok(out)
}

/// `key = value` lines of a TOML section (one line each).
fn section_entries(toml: &str, name: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in toml.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == format!("[{name}]");
            continue;
        }
        if let Some((k, v)) = t.split_once('=').filter(|_| inside) {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), String> {
    if fs::read_to_string(path).ok().as_deref() == Some(contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool, wanted: &mut Vec<PathBuf>) -> Result<(), String> {
    fn walk(base: &Path, dir: &Path, to: &Path, keep: &dyn Fn(&Path) -> bool, wanted: &mut Vec<PathBuf>) -> Result<(), String> {
        for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(base).unwrap_or(&path).to_path_buf();
            if !keep(&rel) {
                continue;
            }
            if path.is_dir() {
                walk(base, &path, to, keep, wanted)?;
            } else {
                let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                let dest = to.join(&rel);
                write_if_changed(&dest, &text)?;
                wanted.push(dest);
            }
        }
        Ok(())
    }
    walk(from, from, to, keep, wanted)
}

/// Removes files under `dir` that are not `wanted` (a runtime file deleted since the last run).
fn remove_others(dir: &Path, wanted: &[PathBuf]) -> Result<(), String> {
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            remove_others(&path, wanted)?;
        } else if !wanted.contains(&path) {
            fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_made_standalone() {
        let ws = "[workspace]\nmembers = []\n\n[workspace.package]\nedition = \"2024\"\n\n[workspace.dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n";
        let m = "[package]\nname = \"qualified\"\nedition.workspace = true\n\n[dependencies]\nserde.workspace = true\nurl = \"2\"\n\n[dev-dependencies]\ntrybuild = \"1\"\n\n[[bench]]\nname = \"runtime\"\nharness = false\n";
        let out = standalone_manifest(m, ws).unwrap();
        assert!(out.contains("edition = \"2024\""), "{out}");
        assert!(out.contains("serde = { version = \"1\", features = [\"derive\"] }"), "{out}");
        assert!(out.contains("url = \"2\""), "{out}");
        assert!(!out.contains("trybuild") && !out.contains("bench") && !out.contains("harness"), "{out}");
        assert!(out.ends_with("[workspace]\n"), "{out}");
    }
}
