//! Synthetic specs for the scaling figure of `cargo xtask bench`: the real spec made N times
//! larger by adding renamed copies of its resource files.
//!
//! A spec of size `N` is the real spec (its shared `api.yaml` once, its resource files as
//! they are) plus `N - 1` copies of every resource file in which every resource is renamed
//! with a per-copy suffix drawn from a seeded generator (`assessment_result` →
//! `assessment_result_kqvz`). Within a copy, every reference to a resource is rewritten the
//! same way:
//!
//! - the singular name (`assessment_result`: resource keys, `id(assessment_result)`,
//!   `assessment_result.Type`, relation names and include paths that are resource names);
//! - the plural (`assessment_results`: paths, relation names; an explicit `plural:` gets the
//!   suffix, a default plural becomes the new singular + `s`, as the generator derives it);
//! - the UpperCamel names (the model `AssessmentResult` and an explicit `wire_type:`).
//!
//! The substitution works on whole identifier tokens (`[A-Za-z0-9_]+`), so renaming
//! `assessment` never touches `assessment_result`, `assessment_id` or `AssessmentState`.
//! Types declared inside a resource keep their names: they are scoped to the resource's
//! module. Shared types (`api.yaml`) are kept once and still refer to the original resources.

use std::collections::{BTreeSet, HashMap};

use codegen::SourceFile;

/// A small seeded PRNG (SplitMix64): the same seed gives the same suffixes on every machine.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` random lowercase ASCII letters.
    pub fn letters(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + (self.next_u64() % 26) as u8))
            .collect()
    }
}

/// The names of one resource that a copy renames.
#[derive(Debug, Clone)]
pub struct ResourceNames {
    /// `assessment_result`.
    pub singular: String,
    /// `assessment_results`.
    pub plural: String,
    /// UpperCamel names that refer to it: `AssessmentResult` (model, wire type).
    pub camel: Vec<String>,
}

/// The resources of a validated spec, read from its IR.
pub fn resource_names(api: &codegen::ir::Api) -> Vec<ResourceNames> {
    api.resources
        .iter()
        .map(|r| {
            let mut camel = BTreeSet::new();
            camel.insert(codegen::naming::upper_camel(&r.name));
            camel.insert(r.wire_type.clone());
            if let Some(m) = r.model {
                camel.insert(api.types[m].name.clone());
            }
            ResourceNames {
                singular: r.name.clone(),
                plural: r.module.clone(),
                camel: camel.into_iter().collect(),
            }
        })
        .collect()
}

/// The token map of one copy with suffix `sfx`.
pub fn rename_map(resources: &[ResourceNames], sfx: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for r in resources {
        let singular = format!("{}_{sfx}", r.singular);
        let plural = if r.plural == format!("{}s", r.singular) {
            format!("{singular}s")
        } else {
            format!("{}_{sfx}", r.plural)
        };
        let camel = codegen::naming::upper_camel(&singular);
        for old in &r.camel {
            // `AssessmentResult` → `AssessmentResultKqvz` (what the generator derives from the
            // new singular name, so a default `wire_type` and the model name stay in step).
            let new = if *old == codegen::naming::upper_camel(&r.singular) {
                camel.clone()
            } else {
                format!("{old}{}", codegen::naming::upper_camel(sfx))
            };
            map.insert(old.clone(), new);
        }
        map.insert(r.singular.clone(), singular);
        map.insert(r.plural.clone(), plural);
    }
    map
}

/// `text` with every identifier token (`[A-Za-z0-9_]+`) found in `map` replaced. Tokens are
/// maximal, so a name is only replaced where it stands as a whole word.
pub fn substitute_tokens(text: &str, map: &HashMap<String, String>) -> String {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < bytes.len() {
        if is_ident(bytes[i]) {
            let start = i;
            while i < bytes.len() && is_ident(bytes[i]) {
                i += 1;
            }
            let token = &text[start..i];
            out.push_str(map.get(token).map_or(token, String::as_str));
        } else {
            // Copy the run of non-identifier bytes (whole UTF-8 sequences: every byte of a
            // multi-byte character is non-ASCII, so the run ends on a char boundary).
            let start = i;
            while i < bytes.len() && !is_ident(bytes[i]) {
                i += 1;
            }
            out.push_str(&text[start..i]);
        }
    }
    out
}

/// A synthetic spec `size` times the real one (`size >= 1`; 1 is the real spec itself).
///
/// `spec` is the real spec as read from `spec/`; files under `spec/resources/` are the ones
/// copied, every other file is shared and kept once.
pub fn synthetic_spec(
    spec: &[SourceFile],
    resources: &[ResourceNames],
    size: usize,
    seed: u64,
) -> Vec<SourceFile> {
    assert!(size >= 1, "a synthetic spec has at least the real one");
    let mut rng = SplitMix64::new(seed);
    let mut used = BTreeSet::new();
    let mut out: Vec<SourceFile> = spec.to_vec();
    for _ in 1..size {
        let sfx = loop {
            let s = rng.letters(4);
            if used.insert(s.clone()) {
                break s;
            }
        };
        let map = rename_map(resources, &sfx);
        for file in spec.iter().filter(|f| is_resource_file(&f.name)) {
            let name = file.name.strip_suffix(".yaml").map_or_else(
                || format!("{}_{sfx}", file.name),
                |stem| format!("{stem}_{sfx}.yaml"),
            );
            out.push(SourceFile::new(name, substitute_tokens(&file.text, &map)));
        }
    }
    out
}

fn is_resource_file(name: &str) -> bool {
    name.starts_with("spec/resources/")
}

/// The size of a spec in bytes of YAML.
pub fn spec_bytes(spec: &[SourceFile]) -> usize {
    spec.iter().map(|f| f.text.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{read_spec, workspace_root};

    fn names() -> Vec<ResourceNames> {
        vec![
            ResourceNames {
                singular: "assessment".into(),
                plural: "assessments".into(),
                camel: vec!["Assessment".into()],
            },
            ResourceNames {
                singular: "assessment_result".into(),
                plural: "assessment_results".into(),
                camel: vec!["AssessmentResult".into()],
            },
            ResourceNames {
                singular: "label_history".into(),
                plural: "label_histories".into(),
                camel: vec!["LabelHistory".into()],
            },
        ]
    }

    #[test]
    fn substitution_is_word_boundary_safe() {
        let map = rename_map(&names(), "kq");
        let text = "\
assessment:
  assessment_id: id(assessment)
  assessment_result_id: id(assessment_result)?
  state: AssessmentState
  model: Assessment
  list: \"[AssessmentResult]\"
  other: assessment_result.ClosedReason
  path: /v1/assessments/{assessment_id}/assessment_results
  plural: label_histories
  wire_type: LabelHistory
  doc: An assessment, not an assessment_result_x nor Assessments.
  includes: [assessment, assessment.created_by, challenge_items.assessment]
";
        let expected = "\
assessment_kq:
  assessment_id: id(assessment_kq)
  assessment_result_id: id(assessment_result_kq)?
  state: AssessmentState
  model: AssessmentKq
  list: \"[AssessmentResultKq]\"
  other: assessment_result_kq.ClosedReason
  path: /v1/assessment_kqs/{assessment_id}/assessment_result_kqs
  plural: label_histories_kq
  wire_type: LabelHistoryKq
  doc: An assessment_kq, not an assessment_result_x nor Assessments.
  includes: [assessment_kq, assessment_kq.created_by, challenge_items.assessment_kq]
";
        assert_eq!(substitute_tokens(text, &map), expected);
        assert_eq!(
            substitute_tokens("é assessment ü", &map),
            "é assessment_kq ü"
        );
    }

    #[test]
    fn same_seed_same_spec() {
        let spec = read_spec(&workspace_root()).unwrap();
        let api = codegen::check(&spec).unwrap_or_else(|e| panic!("{e}"));
        let names = resource_names(&api);
        let pairs =
            |s: Vec<SourceFile>| s.into_iter().map(|f| (f.name, f.text)).collect::<Vec<_>>();
        let a = pairs(synthetic_spec(&spec, &names, 3, 7));
        assert_eq!(a, pairs(synthetic_spec(&spec, &names, 3, 7)));
        assert_ne!(a, pairs(synthetic_spec(&spec, &names, 3, 8)));
        assert_eq!(pairs(synthetic_spec(&spec, &names, 1, 7)), pairs(spec));
    }

    #[test]
    fn a_doubled_spec_validates_with_twice_the_resources() {
        let spec = read_spec(&workspace_root()).unwrap();
        let api = codegen::check(&spec).unwrap_or_else(|e| panic!("{e}"));
        let names = resource_names(&api);
        let doubled = synthetic_spec(&spec, &names, 2, 42);
        let big = codegen::check(&doubled).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(big.resources.len(), 2 * api.resources.len());
        let endpoints =
            |a: &codegen::ir::Api| a.resources.iter().map(|r| r.endpoints.len()).sum::<usize>();
        assert_eq!(endpoints(&big), 2 * endpoints(&api));
    }
}
