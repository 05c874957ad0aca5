//! `cargo xtask bench [--full] [--only <figures>]`: measures the figures of `BENCHMARKS.md`
//! and prints them as `name: value unit` lines, ratios as `ratio_...: R`, all together in one
//! block at the end.
//!
//! - `generate`: wall time of `codegen::generate` on the real spec (read once, in-process).
//! - `scale`: the same on synthetic specs 1x, 5x, 25x and 50x the real one
//!   ([`crate::bench_synth`]), each validated first; fails when 50x/1x > [`MAX_SCALE_RATIO`].
//! - `compile`: `cargo build -p qualified` after touching `src/lib.rs`, its dependencies
//!   built; and the lines of generated code.
//! - `runtime`: the criterion benchmarks of `generated-client/benches/runtime.rs` (request
//!   building, decoding, overhead over HTTP), read back from
//!   `target/criterion/<id>/new/estimates.json`; and its paired HTTP measurement, read from
//!   the `paired <name>: <value>` lines it prints.
//! - `instructions`: the request of `runtime` counted in instructions under callgrind
//!   (`generated-client/benches/request_instructions.rs`; skipped when valgrind is missing).
//! - `stream`: `generated-client/benches/stream_memory.rs`, peak heap while streaming.
//!
//! The default run is short (a few minutes on 2 cores); `--full` runs more repetitions and
//! criterion's default warm-up and measurement times.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::bench_synth;
use crate::generate::{read_spec, workspace_root};

/// The 50x/1x generation ratio above which the command fails (linear is 50).
pub const MAX_SCALE_RATIO: f64 = 75.0;
/// The sizes of the synthetic specs.
const SIZES: [usize; 4] = [1, 5, 25, 50];
/// The seed of the synthetic specs' suffixes.
const SEED: u64 = 0x5EED_0007;
const FIGURES: [&str; 6] = [
    "generate",
    "scale",
    "compile",
    "runtime",
    "instructions",
    "stream",
];

/// The criterion benchmark ids of `benches/runtime.rs`, as directories under
/// `target/criterion/`.
const REQUEST_BUILD: &str = "request/build_list_url";
const DECODE_TYPED: &str = "decode_page100/typed";
const DECODE_VALUE: &str = "decode_page100/value";
const DECODE_TRACKED: &str = "decode_page100/typed_tracked";
const HTTP_CLIENT: &str = "http_list/client";
const HTTP_BARE: &str = "http_list/bare_reqwest";
/// Read by `benches/runtime.rs`: how many paired rounds of the HTTP figure to run.
const HTTP_ROUNDS_ENV: &str = "QUALIFIED_BENCH_HTTP_ROUNDS";

const USAGE: &str =
    "usage: cargo xtask bench [--full] [--only generate,scale,compile,runtime,instructions,stream]";

struct Settings {
    full: bool,
    /// Runs of `codegen::generate` per figure (the median is reported).
    generate_runs: usize,
    /// Runs of `codegen::generate` per synthetic size (in the order of [`SIZES`]).
    scale_runs: [usize; 4],
    /// Timed builds of the generated crate.
    compile_runs: usize,
    /// Extra arguments for the criterion binary.
    criterion_args: Vec<&'static str>,
    /// Paired rounds of the HTTP figure (see `benches/runtime.rs`).
    http_rounds: usize,
}

impl Settings {
    fn new(full: bool) -> Settings {
        if full {
            Settings {
                full,
                generate_runs: 51,
                scale_runs: [21, 21, 11, 11],
                compile_runs: 5,
                criterion_args: vec![],
                http_rounds: 200,
            }
        } else {
            Settings {
                full,
                generate_runs: 15,
                // The 50x spec takes ~10 s per run on 2 cores: a short run takes fewer of
                // the big ones (~75 s in all).
                scale_runs: [10, 10, 5, 3],
                compile_runs: 1,
                criterion_args: vec!["--warm-up-time", "1", "--measurement-time", "3"],
                http_rounds: 40,
            }
        }
    }
}

/// The figures measured so far, in order, and notes about them.
#[derive(Default)]
struct Report {
    lines: Vec<String>,
    notes: Vec<String>,
}

impl Report {
    fn figure(&mut self, name: &str, value: String, unit: &str) {
        let line = if unit.is_empty() {
            format!("{name}: {value}")
        } else {
            format!("{name}: {value} {unit}")
        };
        eprintln!("  {line}");
        self.lines.push(line);
    }

    fn ratio(&mut self, name: &str, r: f64) {
        self.figure(name, format!("{r:.3}"), "");
    }

    fn note(&mut self, note: String) {
        eprintln!("  note: {note}");
        self.notes.push(note);
    }
}

pub fn run(args: &[String]) -> Result<(), String> {
    let mut full = false;
    let mut only: Option<Vec<String>> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--full" => full = true,
            "--only" => {
                let list = it
                    .next()
                    .ok_or_else(|| format!("`--only` needs a list\n{USAGE}"))?;
                let wanted: Vec<String> = list.split(',').map(|s| s.trim().to_owned()).collect();
                if let Some(bad) = wanted.iter().find(|w| !FIGURES.contains(&w.as_str())) {
                    return Err(format!("unknown figure `{bad}`\n{USAGE}"));
                }
                only = Some(wanted);
            }
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    // Timing the generator in a debug build would measure the wrong thing: re-run this
    // command from an optimised build of xtask.
    if cfg!(debug_assertions) {
        eprintln!("bench: xtask is a debug build; re-running it with --release");
        let status = cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "--package",
                "xtask",
                "--",
                "bench",
            ])
            .args(args)
            .current_dir(workspace_root())
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        return if status.success() {
            Ok(())
        } else {
            Err(format!("cargo xtask bench failed ({status})"))
        };
    }
    let wants = |f: &str| only.as_ref().is_none_or(|o| o.iter().any(|w| w == f));
    let settings = Settings::new(full);
    let root = workspace_root();
    let started = Instant::now();
    let mut report = Report::default();
    let mut failures = Vec::new();

    if wants("generate") || wants("scale") {
        let spec = read_spec(&root)?;
        if wants("generate") {
            eprintln!("bench: generate ({} runs)", settings.generate_runs);
            bench_generate(&spec, &settings, &mut report)?;
        }
        if wants("scale") {
            eprintln!(
                "bench: scale (sizes {SIZES:?}, {:?} runs)",
                settings.scale_runs
            );
            let ratio = bench_scale(&spec, &settings, &mut report)?;
            if ratio > MAX_SCALE_RATIO {
                failures.push(format!(
                    "generation does not scale linearly: 50x/1x = {ratio:.1} > {MAX_SCALE_RATIO}"
                ));
            }
        }
    }
    if wants("runtime") {
        eprintln!("bench: runtime (criterion, benches/runtime.rs)");
        bench_runtime(&root, &settings, &mut report)?;
    }
    if wants("instructions") {
        eprintln!("bench: instructions (benches/request_instructions.rs under callgrind)");
        request_instructions(&root, &mut report)?;
    }
    if wants("stream") {
        eprintln!("bench: stream (benches/stream_memory.rs)");
        bench_stream(&root, &mut report)?;
    }
    // Last: it touches src/lib.rs (and restores its time stamp afterwards).
    if wants("compile") {
        eprintln!("bench: compile ({} timed build(s))", settings.compile_runs);
        bench_compile(&root, &settings, &mut report)?;
    }

    let mode = if settings.full { "--full" } else { "default" };
    let mut block = format!(
        "--- cargo xtask bench ({mode} run, {:.0} s) ---\n",
        started.elapsed().as_secs_f64()
    );
    for line in &report.lines {
        let _ = writeln!(block, "{line}");
    }
    block.push_str("---");
    println!("{block}");
    for note in &report.notes {
        println!("note: {note}");
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// A `cargo` command without the variables that `cargo run` set for this process
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_*`, ...): some build scripts (ring's) track them, and
/// seeing them change would rebuild those crates here and again in the next plain build.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || matches!(
                &*key,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            cmd.env_remove(&*key);
        }
    }
    cmd
}

fn median(mut xs: Vec<f64>) -> f64 {
    assert!(!xs.is_empty());
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// One timed call of `codegen::generate`; the output is checked, then dropped (untimed).
fn time_generate(spec: &[codegen::SourceFile]) -> Result<(Duration, usize), String> {
    let t = Instant::now();
    let out = codegen::generate(spec);
    let elapsed = t.elapsed();
    let files = out.map_err(|e| format!("the spec does not validate:\n{e}"))?;
    let n = std::hint::black_box(files).len();
    Ok((elapsed, n))
}

// ---------------------------------------------------------------------------------------
// 1. Generation.

fn bench_generate(
    spec: &[codegen::SourceFile],
    s: &Settings,
    report: &mut Report,
) -> Result<(), String> {
    time_generate(spec)?; // warm-up
    let mut times = Vec::with_capacity(s.generate_runs);
    for _ in 0..s.generate_runs {
        times.push(ms(time_generate(spec)?.0));
    }
    report.figure("generate_median", format!("{:.2}", median(times)), "ms");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 2. Scaling.

fn bench_scale(
    spec: &[codegen::SourceFile],
    s: &Settings,
    report: &mut Report,
) -> Result<f64, String> {
    let api = codegen::check(spec).map_err(|e| format!("the spec does not validate:\n{e}"))?;
    let names = bench_synth::resource_names(&api);
    let mut specs = Vec::new();
    for &size in &SIZES {
        let synthetic = bench_synth::synthetic_spec(spec, &names, size, SEED);
        // Every synthetic spec must validate, with `size` times the resources and endpoints.
        let big = codegen::check(&synthetic)
            .map_err(|e| format!("the {size}x synthetic spec does not validate:\n{e}"))?;
        let endpoints =
            |a: &codegen::ir::Api| a.resources.iter().map(|r| r.endpoints.len()).sum::<usize>();
        assert_eq!(
            big.resources.len(),
            size * api.resources.len(),
            "{size}x resources"
        );
        assert_eq!(endpoints(&big), size * endpoints(&api), "{size}x endpoints");
        eprintln!(
            "  {size}x: {} files, {} KiB of YAML, {} resources, {} endpoints: valid",
            synthetic.len(),
            bench_synth::spec_bytes(&synthetic) / 1024,
            big.resources.len(),
            endpoints(&big)
        );
        specs.push((size, synthetic));
    }
    // Interleaved rounds (each size once per round, while it has runs left): a burst of load
    // from elsewhere on the machine hits every size alike.
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); SIZES.len()];
    time_generate(&specs[0].1)?; // warm-up
    let rounds = s.scale_runs.iter().copied().max().unwrap_or(0);
    for round in 0..rounds {
        for (i, (_, synthetic)) in specs.iter().enumerate() {
            if round < s.scale_runs[i] {
                times[i].push(ms(time_generate(synthetic)?.0));
            }
        }
    }
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    for ((size, _), m) in specs.iter().zip(&medians) {
        report.figure(&format!("generate_median_{size}x"), format!("{m:.2}"), "ms");
    }
    let ratio = medians[SIZES.len() - 1] / medians[0];
    report.ratio("ratio_generate_50x_1x", ratio);
    Ok(ratio)
}

// ---------------------------------------------------------------------------------------
// 3. Compile cost of the generated crate.

fn bench_compile(root: &Path, s: &Settings, report: &mut Report) -> Result<(), String> {
    let lib = root.join("generated-client/src/lib.rs");
    let build = || -> Result<(Duration, String), String> {
        let t = Instant::now();
        let out = cargo()
            .args(["build", "--package", "qualified"])
            .current_dir(root)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let elapsed = t.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() {
            return Err(format!("`cargo build -p qualified` failed:\n{stderr}"));
        }
        Ok((elapsed, stderr))
    };
    eprintln!("  warm-up build (dependencies)");
    build()?;
    let original = fs::metadata(&lib)
        .and_then(|m| m.modified())
        .map_err(|e| format!("{}: {e}", lib.display()))?;
    let text = fs::read(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    let mut times = Vec::new();
    let mut waited = false;
    let mut outcome = Ok(());
    for _ in 0..s.compile_runs {
        let touched = SystemTime::now();
        if let Err(e) = set_mtime(&lib, touched) {
            outcome = Err(format!("cannot touch {}: {e}", lib.display()));
            break;
        }
        match build() {
            Ok((d, stderr)) => {
                // Another build of the same target directory holds the lock: the time
                // includes waiting for it.
                waited |= stderr.contains("Blocking waiting for file lock");
                times.push(d.as_secs_f64());
            }
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    // Give src/lib.rs its time stamp back when nobody changed it meanwhile, so that the other
    // profiles (the benches' release build) do not rebuild the crate for a mere touch.
    if fs::read(&lib).ok().as_deref() == Some(text.as_slice()) {
        let _ = set_mtime(&lib, original);
    }
    outcome?;
    let secs = median(times);
    report.figure("compile_qualified", format!("{secs:.1}"), "s");
    if waited {
        report.note("compile_qualified includes waiting for another cargo's lock on target/: rerun on a quiet machine".into());
    }
    if secs > 20.0 {
        report.note(format!(
            "compile_qualified is {secs:.1} s, above the 20 s budget"
        ));
    }
    let (files, lines) = generated_lines(&root.join("generated-client/src/generated"))?;
    report.figure("generated_lines", lines.to_string(), "");
    eprintln!("  ({files} files in generated-client/src/generated/)");
    Ok(())
}

fn set_mtime(path: &Path, t: SystemTime) -> std::io::Result<()> {
    fs::File::options().write(true).open(path)?.set_modified(t)
}

fn generated_lines(dir: &Path) -> Result<(usize, usize), String> {
    let mut files = 0;
    let mut lines = 0;
    for entry in fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|x| x == "rs") {
            let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files += 1;
            lines += text.lines().count();
        }
    }
    Ok((files, lines))
}

// ---------------------------------------------------------------------------------------
// 4–6. Criterion benchmarks.

fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => root.join(d),
        None => root.join("target"),
    }
}

fn bench_runtime(root: &Path, s: &Settings, report: &mut Report) -> Result<(), String> {
    let started = SystemTime::now();
    let mut child = cargo()
        .args([
            "bench",
            "--package",
            "qualified",
            "--bench",
            "runtime",
            "--",
        ])
        .args(&s.criterion_args)
        .env(HTTP_ROUNDS_ENV, s.http_rounds.to_string())
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    // Criterion's progress is passed on as it comes; the paired HTTP figures are read from
    // its `paired <name>: <value>` lines.
    let mut paired = BTreeMap::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("reading `cargo bench` output: {e}"))?;
            eprintln!("{line}");
            if let Some((name, value)) = line
                .strip_prefix("paired ")
                .and_then(|rest| rest.split_once(": "))
                && let Ok(value) = value.trim().parse::<f64>()
            {
                paired.insert(name.to_owned(), value);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("`cargo bench --bench runtime` failed".into());
    }
    let dir = target_dir(root).join("criterion");
    let est = |id: &str| estimate(&dir, id, started);
    let build = est(REQUEST_BUILD)?;
    report.figure("request_build_url", format!("{build:.0}"), "ns");
    let typed = est(DECODE_TYPED)?;
    let value = est(DECODE_VALUE)?;
    report.figure("decode_page100_typed", format!("{:.1}", typed / 1e3), "µs");
    report.figure("decode_page100_value", format!("{:.1}", value / 1e3), "µs");
    report.ratio("ratio_decode_typed_value", typed / value);
    let tracked = est(DECODE_TRACKED)?;
    report.figure(
        "decode_page100_typed_tracked",
        format!("{:.1}", tracked / 1e3),
        "µs",
    );
    let client = est(HTTP_CLIENT)?;
    let bare = est(HTTP_BARE)?;
    report.figure("http_list_client", format!("{:.1}", client / 1e3), "µs");
    report.figure("http_list_bare_reqwest", format!("{:.1}", bare / 1e3), "µs");
    report.ratio("ratio_client_bare_http_unpaired", client / bare);
    let get = |name: &str| {
        paired
            .get(name)
            .copied()
            .ok_or_else(|| format!("`cargo bench --bench runtime` printed no `paired {name}` line"))
    };
    let rounds = get("rounds")?;
    report.figure(
        "http_list_paired_rounds",
        format!("{rounds:.0}"),
        "rounds of 8+8 calls",
    );
    report.figure(
        "http_list_client_paired",
        format!("{:.1}", get("http_list_client")?),
        "µs",
    );
    report.figure(
        "http_list_bare_reqwest_paired",
        format!("{:.1}", get("http_list_bare_reqwest")?),
        "µs",
    );
    report.ratio("ratio_client_bare_http", get("ratio_client_bare_http")?);
    report.ratio("ratio_client_bare_http_q1", get("ratio_client_bare_http_q1")?);
    report.ratio("ratio_client_bare_http_q3", get("ratio_client_bare_http_q3")?);
    Ok(())
}

/// `cargo bench --package qualified --bench <bench> <extra>`, its stdout captured (its
/// stderr, cargo's progress, passed on).
fn cargo_bench(root: &Path, bench: &str, extra: &[&str]) -> Result<std::process::Output, String> {
    cargo()
        .args(["bench", "--package", "qualified", "--bench", bench])
        .args(extra)
        .current_dir(root)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))
}

/// Iterations of the request under callgrind (the figure is per iteration).
const INSTRUCTION_ITERS: u64 = 2000;

/// Figure 4 in instructions: `benches/request_instructions.rs` under callgrind, with
/// [`INSTRUCTION_ITERS`] iterations and with none; the difference per iteration. Skipped,
/// with a note, when valgrind is not installed.
fn request_instructions(root: &Path, report: &mut Report) -> Result<(), String> {
    let has_valgrind = Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_valgrind {
        report.note(
            "valgrind is not installed: request_build_instructions not measured".to_owned(),
        );
        return Ok(());
    }
    let out = cargo_bench(
        root,
        "request_instructions",
        &["--no-run", "--message-format=json"],
    )?;
    if !out.status.success() {
        return Err("`cargo bench --bench request_instructions --no-run` failed".into());
    }
    let exe = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|m| m["target"]["name"] == "request_instructions")
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or("cargo named no executable for the bench `request_instructions`")?;
    let count = |what: &str, iters: u64| -> Result<u64, String> {
        let out = Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(&exe)
            .env("QUALIFIED_BENCH_ITERS", iters.to_string())
            .env("QUALIFIED_BENCH_WHAT", what)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run valgrind: {e}"))?;
        let text = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("valgrind failed:\n{text}"));
        }
        // `==123== Collected : 4567890`
        text.lines()
            .find_map(|l| l.split_once("Collected :").map(|(_, n)| n.trim().to_owned()))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no `Collected :` line in valgrind's output:\n{text}"))
    };
    for (what, name) in [
        ("build", "request_build_instructions"),
        ("parse", "request_url_parse_instructions"),
    ] {
        let base = count(what, 0)?;
        let total = count(what, INSTRUCTION_ITERS)?;
        let per = total.saturating_sub(base) / INSTRUCTION_ITERS;
        report.figure(name, per.to_string(), "instructions");
    }
    Ok(())
}

/// The median point estimate (ns) of benchmark `id`, from a result written by this run.
fn estimate(criterion_dir: &Path, id: &str, since: SystemTime) -> Result<f64, String> {
    let path = criterion_dir.join(id).join("new/estimates.json");
    let meta = fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.modified().is_ok_and(|m| m < since) {
        return Err(format!("{} is from an earlier run", path.display()));
    }
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    v["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| format!("{}: no median.point_estimate", path.display()))
}

// ---------------------------------------------------------------------------------------
// 7. Streaming memory.

fn bench_stream(root: &Path, report: &mut Report) -> Result<(), String> {
    let out = cargo_bench(root, "stream_memory", &[])?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "`cargo bench --bench stream_memory` failed:\n{stdout}"
        ));
    }
    let mut found = 0;
    for line in stdout.lines() {
        if let Some(note) = line.strip_prefix("note: ") {
            report.note(note.to_owned());
        } else if let Some((name, rest)) = line.split_once(": ")
            && (name.starts_with("stream_") || name.starts_with("ratio_stream_"))
        {
            let (value, unit) = rest.split_once(' ').unwrap_or((rest, ""));
            report.figure(name, value.to_owned(), unit);
            found += 1;
        }
    }
    if found < 3 {
        return Err(format!("stream_memory printed no figures:\n{stdout}"));
    }
    Ok(())
}
