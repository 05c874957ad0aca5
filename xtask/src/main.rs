//! `cargo xtask <task>`: the project's development tasks.
//!
//! - `generate`: reads `spec/**/*.yaml`, writes `generated-client/src/generated/`.
//! - `generate --check`: writes nothing; fails, naming the stale files, when the committed
//!   generated code differs from what the spec gives.
//! - `fuzz [--seconds N] [--seed S]`: mutates the good specs and checks that the generator never
//!   panics (see `fuzz.rs`).
//! - `check-specs`: compiles the client generated from each snapshot spec with `-D warnings`.
//! - `bench [--full]`: measures the figures of `BENCHMARKS.md` (generation time and scaling,
//!   compile cost, request building, decoding, HTTP overhead, streaming memory).

mod bench;
mod bench_synth;
mod check_specs;
mod fuzz;
mod generate;

use std::process::ExitCode;

/// The generator allocates many small, short-lived token streams while holding a large IR;
/// glibc's allocator slows down as that live heap grows (generation was 1.3x worse than
/// linear at 50x the real spec, see BENCHMARKS.md), mimalloc does not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("check-specs") => check_specs::run(&args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  generate            generate generated-client/src/generated/ from spec/
  generate --check    fail if the committed generated code is stale (writes nothing)
  fuzz [--seconds N] [--seed S]
                      mutate the good specs and check that the generator never panics
  check-specs         compile the client of each snapshot spec (codegen/tests/specs/) with
                      -D warnings
  bench [--full]      measure and print the figures of BENCHMARKS.md (--full: longer runs;
                      --only generate,scale,compile,runtime,stream: some of them)";
