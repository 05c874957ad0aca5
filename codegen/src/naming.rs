//! Every conversion between spec names, Rust names and wire names happens here, through heck.
//!
//! Spec names are `snake_case` (fields, resources, endpoints) or `UpperCamelCase` (types).
//! A Rust keyword becomes a raw identifier; the four keywords that cannot be raw
//! (`self`, `Self`, `super`, `crate`) are errors, as is any name that is not in the expected case.

use heck::{ToLowerCamelCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords of Rust 2024, strict and reserved.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Keywords that cannot be written as raw identifiers.
const UNESCAPABLE: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Names of Rust's prelude. The generated code writes them unqualified (`Option<T>`,
/// `Result<S::Ok, S::Error>`, `impl From<&str>`), so a spec type must not shadow them.
const PRELUDE: &[&str] = &[
    "AsMut", "AsRef", "Box", "Clone", "Copy", "Default", "DoubleEndedIterator", "Drop", "Eq", "Err", "ExactSizeIterator",
    "Extend", "Fn", "FnMut", "FnOnce", "From", "FromIterator", "Into", "IntoIterator", "Iterator", "None", "Ok", "Option",
    "Ord", "PartialEq", "PartialOrd", "Result", "Send", "Sized", "Some", "String", "Sync", "ToOwned", "ToString",
    "TryFrom", "TryInto", "Unpin", "Vec",
];

/// Module names (a resource's `plural`) the crate root already uses, and why.
const TAKEN_MODULES: &[(&str, &str)] = &[
    ("types", "the shared types' module"),
    ("webhooks", "the webhook payloads' module"),
    ("operations", "the endpoint table's module"),
    ("generated", "a module of the client's runtime"),
    ("client", "a module of the client's runtime"),
    ("envelope", "a module of the client's runtime"),
    ("error", "a module of the client's runtime"),
    ("filter", "a module of the client's runtime"),
    ("pagination", "a module of the client's runtime"),
    ("rt", "a module of the client's runtime"),
    ("replay", "a module of the client's runtime"),
    ("fake", "a module of the client's runtime"),
    ("std", "a crate the generated code uses"),
    ("core", "a crate the generated code uses"),
    ("alloc", "a crate the generated code uses"),
    ("serde", "a crate the generated code uses"),
    ("serde_json", "a crate the generated code uses"),
    ("chrono", "a crate the generated code uses"),
    ("futures", "a crate the generated code uses"),
    ("reqwest", "a crate the generated code uses"),
    // Methods of `Client`: each resource adds an accessor method of its module's name.
    ("builder", "a method of `Client`"),
    ("from_env", "a method of `Client`"),
    ("from_lookup", "a method of `Client`"),
    ("new", "a method of `Client`"),
    ("casing", "a method of `Client`"),
    ("base_url", "a method of `Client`"),
    ("retry_policy", "a method of `Client`"),
    ("send_json", "a method of `Client`"),
    ("send_empty", "a method of `Client`"),
    ("execute", "a method of `Client`"),
    ("attempt", "a method of `Client`"),
    ("clone", "a method of `Client`"),
];

/// Why a resource's module name cannot be used, if it cannot.
pub fn reserved_module(name: &str) -> Option<&'static str> {
    TAKEN_MODULES.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}

/// Whether `name` is a Rust keyword.
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

/// Checks a `snake_case` spec name and returns the Rust identifier text (`r#type` for `type`).
pub fn snake_ident(name: &str) -> Result<String, String> {
    if UNESCAPABLE.contains(&name) {
        return Err(format!(
            "`{name}` is a reserved word of Rust that cannot be escaped; choose another name (e.g. `{name}_value`)"
        ));
    }
    if !is_snake(name) {
        return Err(format!(
            "`{name}` is not a snake_case name; write `{}`",
            suggest_snake(name)
        ));
    }
    Ok(if is_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    })
}

/// Checks an `UpperCamelCase` type name and returns it.
pub fn type_ident(name: &str) -> Result<String, String> {
    if UNESCAPABLE.contains(&name) {
        return Err(format!(
            "`{name}` is a reserved word of Rust that cannot be escaped; choose another name"
        ));
    }
    if PRELUDE.contains(&name) {
        return Err(format!(
            "`{name}` is a name of Rust's prelude that the generated code uses; choose another name (e.g. `Api{name}`)"
        ));
    }
    if name == "WebhookPayload" {
        return Err("`WebhookPayload` is the generated type of webhook payloads; choose another name".to_owned());
    }
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if !first_ok || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "`{name}` is not an UpperCamelCase type name; write `{}`",
            upper_camel(&suggest_snake(name))
        ));
    }
    Ok(name.to_owned())
}

fn is_snake(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

fn suggest_snake(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let s = cleaned.to_snake_case();
    if s.is_empty() {
        "name".to_owned()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{s}")
    } else {
        s
    }
}

/// `created_at` → `CreatedAt`.
pub fn upper_camel(name: &str) -> String {
    name.to_upper_camel_case()
}

/// `created_at` → `createdAt`: the wire name of a field in REST responses.
pub fn lower_camel(name: &str) -> String {
    name.to_lower_camel_case()
}

/// `createdAt` → `created_at`.
pub fn snake(name: &str) -> String {
    name.to_snake_case()
}

/// The Rust variant name of an enum value (`risk_detected` → `RiskDetected`, `c++` → error).
pub fn enum_variant(value: &str) -> Result<String, String> {
    let camel = value.to_upper_camel_case();
    if camel.is_empty()
        || !camel.chars().all(|c| c.is_ascii_alphanumeric())
        || camel.starts_with(|c: char| c.is_ascii_digit())
    {
        return Err(format!(
            "the enum value `{value}` has no Rust name; write it as `{{ value: \"{value}\", name: some_name }}`"
        ));
    }
    if camel == "Self" {
        return Err(format!(
            "the enum value `{value}` would become the variant `Self`, a reserved word of Rust; write it as `{{ value: \"{value}\", name: some_name }}`"
        ));
    }
    if camel == "Unknown" {
        return Err(format!(
            "the enum value `{value}` would clash with the `Unknown` variant every enum has; give it another `name:`"
        ));
    }
    Ok(camel)
}

/// A `[a-z][a-z0-9_]*` method name from a dotted filter key (`digest.languages.name` →
/// `digest_languages_name`).
pub fn dotted_to_snake(key: &str) -> String {
    key.split('.').map(snake).collect::<Vec<_>>().join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(snake_ident("type").unwrap(), "r#type");
        assert_eq!(snake_ident("match").unwrap(), "r#match");
        assert_eq!(snake_ident("gen").unwrap(), "r#gen");
        assert_eq!(snake_ident("state").unwrap(), "state");
    }

    #[test]
    fn unescapable_keywords_are_errors() {
        for word in ["self", "super", "crate"] {
            let err = snake_ident(word).unwrap_err();
            assert!(err.contains("cannot be escaped"), "{err}");
        }
        assert!(type_ident("Self").unwrap_err().contains("cannot be escaped"));
    }

    #[test]
    fn casing_is_checked_and_corrected() {
        assert_eq!(
            snake_ident("createdAt").unwrap_err(),
            "`createdAt` is not a snake_case name; write `created_at`"
        );
        assert!(snake_ident("_type").is_err());
        assert!(snake_ident("a__b").is_err());
        assert_eq!(
            type_ident("assessment_result").unwrap_err(),
            "`assessment_result` is not an UpperCamelCase type name; write `AssessmentResult`"
        );
        assert_eq!(type_ident("CodeChallenge").unwrap(), "CodeChallenge");
    }

    #[test]
    fn wire_names() {
        assert_eq!(lower_camel("created_at"), "createdAt");
        assert_eq!(lower_camel("question_time_limit_sec"), "questionTimeLimitSec");
        assert_eq!(snake("teamCandidateId"), "team_candidate_id");
        assert_eq!(upper_camel("assessment_result"), "AssessmentResult");
        assert_eq!(dotted_to_snake("digest.languages.name"), "digest_languages_name");
    }

    #[test]
    fn enum_variants() {
        assert_eq!(enum_variant("risk_detected").unwrap(), "RiskDetected");
        assert_eq!(enum_variant("nil").unwrap(), "Nil");
        assert!(enum_variant("c#").is_ok()); // heck drops the '#': "C"
        assert!(enum_variant("++").is_err());
        assert!(enum_variant("3d").is_err());
        assert!(enum_variant("unknown").is_err());
    }
}
