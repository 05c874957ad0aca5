//! `cargo xtask <task>`: the project's development tasks.
//!
//! - `generate`: reads `spec/**/*.yaml`, writes `generated-client/src/generated/`.
//! - `generate --check`: writes nothing; fails, naming the stale files, when the committed
//!   generated code differs from what the spec gives.

mod generate;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate::run(&args[1..]),
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
  generate --check    fail if the committed generated code is stale (writes nothing)";
