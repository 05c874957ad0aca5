//! `cargo xtask fuzz [--seconds N] [--seed S]`: mutates the good specs (the small snapshot specs
//! of `codegen/tests/specs/` and the real `spec/`) and runs load + validate + emit on each.
//!
//! Mutations work on lines and tokens: delete, duplicate or swap lines, change an indentation,
//! replace a token with another token of the corpus, insert a random key, cut the text short,
//! insert a stray character. Checked for each input: the generator does not panic (a panic in
//! emit includes the emitter's own check that its output parses as Rust, with `syn`), and
//! rejecting a spec gives at least one error, each with a file. A failing input is saved to
//! `target/fuzz-failures/`, with the panic message, and the task fails.

use std::collections::BTreeSet;
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::generate::{read_spec, workspace_root};

/// A tiny deterministic PRNG (xorshift64*): no dependency, same seed, same inputs.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub struct Options {
    pub seconds: f64,
    pub seed: u64,
}

pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let usage = "usage: cargo xtask fuzz [--seconds N] [--seed S]";
    let mut opts = Options {
        seconds: 20.0,
        seed: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("`{name}` needs a value; {usage}"));
        match a.as_str() {
            "--seconds" => opts.seconds = value("--seconds")?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--seed" => opts.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            other => return Err(format!("unknown option `{other}`; {usage}")),
        }
    }
    Ok(opts)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let opts = parse_args(args)?;
    let root = workspace_root();
    let specs = base_specs(&root)?;
    println!("fuzz: seed {} for {} s over {} good specs", opts.seed, opts.seconds, specs.len());
    let report = fuzz(&specs, Duration::from_secs_f64(opts.seconds), opts.seed, &root.join("target/fuzz-failures"));
    println!(
        "fuzz: {} inputs in {:.1} s, {} accepted, {} panics",
        report.inputs,
        report.elapsed.as_secs_f64(),
        report.accepted,
        report.failures.len()
    );
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzz: {} failing inputs saved:\n{}", report.failures.len(), report.failures.join("\n")))
    }
}

/// The good specs: each snapshot spec of `codegen/tests/specs/`, and `spec/`.
pub fn base_specs(root: &Path) -> Result<Vec<Vec<codegen::SourceFile>>, String> {
    let mut out = Vec::new();
    let dir = root.join("codegen/tests/specs");
    let mut dirs: Vec<PathBuf> =
        fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    for d in dirs {
        let files = crate::generate::read_spec_dir(&d)?;
        out.push(files);
    }
    out.push(read_spec(root)?);
    Ok(out)
}

pub struct Report {
    pub inputs: usize,
    pub accepted: usize,
    pub elapsed: Duration,
    /// Where each failing input was saved, with why.
    pub failures: Vec<String>,
}

type Hook = Box<dyn Fn(&panic::PanicHookInfo<'_>) + Sync + Send>;

/// Runs mutated inputs until `budget` is spent.
pub fn fuzz(specs: &[Vec<codegen::SourceFile>], budget: Duration, seed: u64, failures_dir: &Path) -> Report {
    let corpus = tokens(specs);
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let mut report = Report { inputs: 0, accepted: 0, elapsed: Duration::ZERO, failures: Vec::new() };

    // Panics of this thread are caught and reported here (the default hook would print each
    // one); those of other threads (tests running beside) go to the previous hook.
    let last_panic: Arc<Mutex<Option<String>>> = Arc::default();
    let prev: Arc<Hook> = Arc::new(panic::take_hook());
    let me = std::thread::current().id();
    {
        let last_panic = Arc::clone(&last_panic);
        let prev = Arc::clone(&prev);
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().id() != me {
                return prev(info);
            }
            let msg = match info.payload().downcast_ref::<&str>() {
                Some(s) => (*s).to_owned(),
                None => info.payload().downcast_ref::<String>().cloned().unwrap_or_default(),
            };
            let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            *last_panic.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg}{place}"));
        }));
    }

    while start.elapsed() < budget {
        // The small specs are cheap to generate; the real one (last) is picked one time in four.
        let base = if specs.len() > 1 && rng.below(4) != 0 { rng.pick(&specs[..specs.len() - 1]) } else { &specs[specs.len() - 1] };
        let mut files = base.clone();
        let fi = rng.below(files.len());
        let n = 1 + rng.below(3);
        for _ in 0..n {
            files[fi].text = mutate(&files[fi].text, &corpus, &mut rng);
        }
        report.inputs += 1;
        let outcome = panic::catch_unwind(|| codegen::generate(&files));
        let problem = match outcome {
            Ok(Ok(out)) => {
                report.accepted += 1;
                if out.is_empty() { Some("accepted, but no file generated".to_owned()) } else { None }
            }
            Ok(Err(errors)) => {
                if errors.0.is_empty() {
                    Some("rejected without an error".to_owned())
                } else {
                    errors
                        .0
                        .iter()
                        .find(|d| d.file.is_empty() || d.message.is_empty())
                        .map(|d| format!("an error without a file or a message: {d:?}"))
                }
            }
            Err(_) => {
                let msg = last_panic.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default();
                Some(format!("panic: {msg}"))
            }
        };
        if let Some(why) = problem {
            let dir = failures_dir.join(format!("{seed}-{}", report.inputs));
            let saved = save(&dir, &files, &why);
            report.failures.push(format!("  {} ({})", saved.unwrap_or_else(|e| e), why.lines().next().unwrap_or("")));
        }
    }
    let _ = panic::take_hook();
    panic::set_hook(Box::new(move |info| prev(info)));
    report.elapsed = start.elapsed();
    report
}

fn save(dir: &Path, files: &[codegen::SourceFile], why: &str) -> Result<String, String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for f in files {
        let name = f.name.replace('/', "__");
        fs::write(dir.join(name), &f.text).map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    }
    fs::write(dir.join("WHY.txt"), why).map_err(|e| format!("cannot write into {}: {e}", dir.display()))?;
    Ok(dir.display().to_string())
}

/// Every distinct token of the specs: words, type expressions, punctuation.
fn tokens(specs: &[Vec<codegen::SourceFile>]) -> Vec<String> {
    let mut set = BTreeSet::new();
    for f in specs.iter().flatten() {
        for word in f.text.split(|c: char| c.is_whitespace() || c == ',') {
            let w = word.trim_matches(|c: char| c == ':' || c == '-');
            if !w.is_empty() && w.len() < 40 {
                set.insert(w.to_owned());
            }
        }
    }
    for extra in [
        ":", "- ", "[", "]", "{", "}", "?", "??", "\"", "'", "#", "&a", "*a", "!tag", "~", "null", "true", "1", "-1", "1.5", "self",
        "Self", "super", "crate", "type", "Unknown", "new", "kind", "id()", "map()", "[]", "{}", "id(self)", "$type", "_", "é",
        "GET", "get", "POST", "page", "one", "none", "list", "q", "a.b", ".", "<<",
    ] {
        set.insert(extra.to_owned());
    }
    set.into_iter().collect()
}

/// Keys worth inserting: those of the spec format, and a few others.
const KEYS: &[&str] = &[
    "api", "types", "resources", "webhooks", "name", "base_url", "doc", "enum", "fields", "tag", "variants", "value", "wire",
    "type", "const", "plural", "wire_type", "relations", "endpoints", "title", "method", "path", "response", "model", "params",
    "query", "filters", "includes", "order_by", "page", "limit", "body", "body_top", "key", "data", "bogus", "id", "self",
];

/// One mutation of a spec file's text.
pub fn mutate(text: &str, corpus: &[String], rng: &mut Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let i = rng.below(n);
    match rng.below(10) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        2 => {
            let j = rng.below(n);
            lines.swap(i, j);
        }
        3 => {
            // Indentation: more, less, or a tab.
            let l = &lines[i];
            let body = l.trim_start();
            let indent = l.len() - body.len();
            let new_indent = match rng.below(4) {
                0 => indent + 1,
                1 => indent.saturating_sub(1),
                2 => indent + 2,
                _ => indent.saturating_sub(2),
            };
            lines[i] = if rng.below(8) == 0 { format!("\t{body}") } else { format!("{}{body}", " ".repeat(new_indent)) };
        }
        4..=6 => {
            // Replace a token of the line with a token of the corpus.
            let l = lines[i].clone();
            let spans: Vec<(usize, usize)> = token_spans(&l);
            if let Some(&(a, b)) = (!spans.is_empty()).then(|| rng.pick(&spans)) {
                let t = rng.pick(corpus);
                lines[i] = format!("{}{}{}", &l[..a], t, &l[b..]);
            }
        }
        7 => {
            // A random key at the indentation of this line or the next level.
            let l = &lines[i];
            let indent = l.len() - l.trim_start().len() + 2 * rng.below(2);
            let key = if rng.below(3) == 0 { rng.pick(corpus).clone() } else { (*rng.pick(KEYS)).to_owned() };
            let value = if rng.below(3) == 0 { String::new() } else { format!(" {}", rng.pick(corpus)) };
            lines.insert(i + 1, format!("{}{key}:{value}", " ".repeat(indent)));
        }
        8 => {
            // Cut the text short.
            lines.truncate(i.max(1));
        }
        _ => {
            // A stray character.
            let l = lines[i].clone();
            let at = if l.is_empty() { 0 } else { rng.below(l.len() + 1) };
            let at = (0..=at).rev().find(|&k| l.is_char_boundary(k)).unwrap_or(0);
            let c = *rng.pick(&['[', ']', '{', '}', ':', '"', '\'', '?', ',', '#', '-', '|', '>', '&', '*', '!', '%', '@', '`']);
            lines[i] = format!("{}{c}{}", &l[..at], &l[at..]);
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Byte spans of the tokens of a line: runs of characters that are not space, `,` `:` `[`
/// `]` `{` `}`.
fn token_spans(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        let sep = c.is_whitespace() || matches!(c, ',' | ':' | '[' | ']' | '{' | '}');
        match (sep, start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prng_is_deterministic() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..5).map(|_| r.next()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, {
            let mut r = Rng::new(8);
            (0..5).map(|_| r.next()).collect::<Vec<_>>()
        });
    }

    #[test]
    fn mutations_keep_utf8_and_change_the_text() {
        let text = "a: é\nb:\n  c: [x, y]\n";
        let corpus = vec!["z".to_owned(), "é".to_owned()];
        let mut rng = Rng::new(1);
        let changed = (0..200).filter(|_| mutate(text, &corpus, &mut rng) != text).count();
        assert!(changed > 150, "{changed}");
    }

    /// A short fuzz run is part of `cargo test`: no panic on a few hundred mutated specs.
    #[test]
    fn a_short_fuzz_run_finds_no_panic() {
        let root = workspace_root();
        let specs = base_specs(&root).unwrap();
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-test-{}", std::process::id()));
        let report = fuzz(&specs, Duration::from_secs(3), 42, &dir);
        assert!(report.inputs > 10, "{} inputs", report.inputs);
        assert!(report.failures.is_empty(), "fuzz failures:\n{}", report.failures.join("\n"));
    }
}
