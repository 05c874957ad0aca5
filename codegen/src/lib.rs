//! The Qualified client generator: spec text in, Rust files out.
//!
//! `load` (serde_yaml, [`raw`]) → validate and resolve ([`lower`], every error collected with
//! its place) → [`ir`] (every name final) → [`emit`] (quote + prettyplease). Pure: no I/O;
//! `xtask` reads the spec and writes the files.

pub mod diag;
pub mod emit;
pub mod ir;
pub mod lower;
pub mod naming;
pub mod raw;
pub mod skeleton;

pub use diag::{Diagnostic, Errors};
pub use emit::{HEADER, OutputFile};
pub use lower::SourceFile;

/// Validates the spec and generates the client's files (paths relative to
/// `generated-client/src/generated/`), sorted by path. Same input, same bytes.
pub fn generate(files: &[SourceFile]) -> Result<Vec<OutputFile>, Errors> {
    let api = lower::lower(files)?;
    Ok(emit::emit(&api))
}

/// Validates the spec only.
pub fn check(files: &[SourceFile]) -> Result<ir::Api, Errors> {
    lower::lower(files)
}
