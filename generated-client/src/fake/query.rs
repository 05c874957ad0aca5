//! Evaluating list queries over stored JSON records: `where`, `q`, `order_by`, relations.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::{Map, Value};

use crate::filter::{Conditions, Op};

/// The keys under which a field named `segment` (snake_case in the spec) may be stored:
/// camelCase (the REST wire form), the name as given, snake_case, and `$x` for `_x`.
fn key_forms(segment: &str) -> Vec<String> {
    if !segment.contains(['_', '$']) && !segment.contains(|c: char| c.is_ascii_uppercase()) {
        return vec![segment.to_owned()];
    }
    let mut out = Vec::with_capacity(4);
    let mut push = |k: String| {
        if !out.contains(&k) {
            out.push(k);
        }
    };
    if let Some(rest) = segment.strip_prefix('_') {
        push(segment.to_owned());
        push(format!("${rest}"));
        return out;
    }
    if let Some(rest) = segment.strip_prefix('$') {
        push(segment.to_owned());
        push(format!("_{rest}"));
        return out;
    }
    push(segment.to_lower_camel_case());
    push(segment.to_owned());
    push(segment.to_snake_case());
    out
}

/// A dotted field path, with the stored key forms of each segment worked out once.
#[derive(Debug, Clone)]
pub(crate) struct KeyPath(Vec<Vec<String>>);

impl KeyPath {
    pub(crate) fn new(key: &str) -> KeyPath {
        KeyPath(key.split('.').map(key_forms).collect())
    }
}

fn lookup<'a>(obj: &'a Map<String, Value>, forms: &[String]) -> Option<&'a Value> {
    forms.iter().find_map(|k| obj.get(k))
}

/// Every value at the dotted path `key` of `record`: arrays met on the way are walked element
/// by element, and an array at the end is flattened into its elements.
pub(crate) fn values_at<'a>(record: &'a Value, key: &KeyPath) -> Vec<&'a Value> {
    let mut current = vec![record];
    for forms in &key.0 {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(obj) => next.extend(lookup(obj, forms)),
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(obj) = item {
                            next.extend(lookup(obj, forms));
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::with_capacity(current.len());
    for v in current {
        match v {
            Value::Array(items) => out.extend(items.iter()),
            other => out.push(other),
        }
    }
    out
}

fn as_instant(s: &str) -> Option<DateTime<FixedOffset>> {
    let b = s.as_bytes();
    if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b't') {
        DateTime::parse_from_rfc3339(s).ok()
    } else {
        None
    }
}

/// JSON equality, with numbers compared by value and timestamps as instants.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => {
            x == y || matches!((as_instant(x), as_instant(y)), (Some(p), Some(q)) if p == q)
        }
        _ => a == b,
    }
}

/// An order between two JSON scalars of the same kind (numbers, strings, timestamps as
/// instants, booleans); `None` for values that do not compare.
pub(crate) fn json_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => match (as_instant(x), as_instant(y)) {
            (Some(p), Some(q)) => Some(p.cmp(&q)),
            _ => Some(x.cmp(y)),
        },
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string().to_lowercase(),
    }
}

fn matches_op(values: &[&Value], op: Op, target: &Value) -> bool {
    let eq = |t: &Value| {
        if t.is_null() {
            values.is_empty() || values.iter().any(|v| v.is_null())
        } else {
            values.iter().any(|v| json_eq(v, t))
        }
    };
    let list = |t: &Value| -> Vec<Value> {
        match t {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        }
    };
    let ordered =
        |want: fn(Ordering) -> bool| values.iter().any(|v| json_cmp(v, target).is_some_and(want));
    match op {
        Op::Eq => eq(target),
        Op::Ne => !eq(target),
        Op::Gt => ordered(|o| o == Ordering::Greater),
        Op::Gte => ordered(|o| o != Ordering::Less),
        Op::Lt => ordered(|o| o == Ordering::Less),
        Op::Lte => ordered(|o| o != Ordering::Greater),
        Op::Contains => {
            let needle = text_of(target);
            values
                .iter()
                .any(|v| v.is_string() && text_of(v).contains(&needle))
        }
        Op::In => list(target).iter().any(eq),
        Op::Nin => !list(target).iter().any(eq),
    }
}

/// `q`: a case-insensitive substring of any top-level string field (or string in a
/// top-level list).
fn matches_q(record: &Value, needle: &Value) -> bool {
    let needle = text_of(needle);
    let Value::Object(obj) = record else {
        return false;
    };
    obj.values().any(|v| match v {
        Value::String(s) => s.to_lowercase().contains(&needle),
        Value::Array(items) => items.iter().any(|i| {
            i.as_str()
                .is_some_and(|s| s.to_lowercase().contains(&needle))
        }),
        _ => false,
    })
}

/// `where` conditions, with their key paths worked out once (`None`: the search `q`).
#[derive(Debug)]
pub(crate) struct Compiled(Vec<(Option<KeyPath>, Op, Value)>);

impl Compiled {
    pub(crate) fn new(conditions: &Conditions) -> Compiled {
        Compiled(
            conditions
                .iter()
                .map(|(key, op, value)| {
                    let path = (key != "q").then(|| KeyPath::new(key));
                    (path, op, value.clone())
                })
                .collect(),
        )
    }

    /// Whether `record` satisfies every condition.
    pub(crate) fn matches(&self, record: &Value) -> bool {
        self.0.iter().all(|(path, op, target)| match path {
            None => {
                let hit = matches_q(record, target);
                if matches!(op, Op::Ne | Op::Nin) {
                    !hit
                } else {
                    hit
                }
            }
            Some(path) => matches_op(&values_at(record, path), *op, target),
        })
    }
}

/// The total order used by `order_by`: absent and `null` first, then by kind, then by value.
pub(crate) fn sort_cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Bool(_)) => 1,
            Some(Value::Number(_)) => 2,
            Some(Value::String(_)) => 3,
            Some(Value::Array(_)) => 4,
            Some(Value::Object(_)) => 5,
        }
    }
    match rank(a).cmp(&rank(b)) {
        Ordering::Equal => match (a, b) {
            (Some(x), Some(y)) => json_cmp(x, y).unwrap_or(Ordering::Equal),
            _ => Ordering::Equal,
        },
        other => other,
    }
}

/// A relation to shape, worked out once per request.
#[derive(Debug)]
pub(crate) struct Relation {
    /// The path of the objects holding it (empty for a top-level relation).
    parents: Vec<Vec<String>>,
    /// The key forms of its last segment.
    forms: Vec<String>,
    /// The key it is added under when missing (camelCase).
    camel: String,
    /// Whether it reads as a list.
    plural: bool,
    /// Whether it was requested (or is on the way to one that was).
    keep: bool,
}

impl Relation {
    /// The relations of `relations` (dotted snake_case paths), each kept when `requested`
    /// names it or a relation below it.
    pub(crate) fn plan(relations: &[&str], requested: &[String]) -> Vec<Relation> {
        relations
            .iter()
            .map(|rel| {
                let mut segments: Vec<&str> = rel.split('.').collect();
                let last = segments.pop().unwrap_or_default();
                Relation {
                    parents: segments.into_iter().map(key_forms).collect(),
                    forms: key_forms(last),
                    camel: last.to_lower_camel_case(),
                    plural: is_plural(last),
                    keep: requested
                        .iter()
                        .any(|r| r == rel || r.starts_with(&format!("{rel}."))),
                }
            })
            .collect()
    }
}

/// The objects under `parents` (walking arrays) within `record`.
fn parents_mut<'a>(
    record: &'a mut Value,
    parents: &[Vec<String>],
) -> Vec<&'a mut Map<String, Value>> {
    fn child<'a>(obj: &'a mut Map<String, Value>, forms: &[String]) -> Option<&'a mut Value> {
        let key = forms.iter().find(|k| obj.contains_key(k.as_str()))?.clone();
        obj.get_mut(&key)
    }
    let mut current: Vec<&'a mut Value> = vec![record];
    for forms in parents {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(obj) => next.extend(child(obj, forms)),
                Value::Array(items) => {
                    for item in items.iter_mut() {
                        if let Value::Object(obj) = item {
                            next.extend(child(obj, forms));
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    let mut out = Vec::new();
    for v in current {
        match v {
            Value::Object(obj) => out.push(obj),
            Value::Array(items) => {
                for item in items.iter_mut() {
                    if let Value::Object(obj) = item {
                        out.push(obj);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether a relation name reads as a list (`solutions`) rather than one record
/// (`team_candidate`). The spec's tables do not say; the plural form does.
fn is_plural(name: &str) -> bool {
    name.ends_with('s') && !name.ends_with("ss")
}

/// Strips every relation that was not requested and makes sure every requested one is
/// present (`null`, or `[]` for a plural name, when the stored record does not carry it).
pub(crate) fn shape_relations(record: &mut Value, plan: &[Relation]) {
    for rel in plan {
        for obj in parents_mut(record, &rel.parents) {
            if rel.keep {
                if !rel.forms.iter().any(|k| obj.contains_key(k.as_str())) {
                    let empty = if rel.plural {
                        Value::Array(Vec::new())
                    } else {
                        Value::Null
                    };
                    obj.insert(rel.camel.clone(), empty);
                }
            } else {
                for k in &rel.forms {
                    obj.remove(k.as_str());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(v: Value) -> Compiled {
        Compiled::new(&Conditions::from_json(&v).unwrap())
    }

    #[test]
    fn operators() {
        let r = json!({
            "state": "submitted", "score": 81.5, "labels": ["Senior", "rust"],
            "createdAt": "2024-01-02T03:04:05+02:00",
            "digest": {"languages": [{"name": "rust"}, {"name": "go"}]},
            "$type": "CodeChallenge", "title": "Graph Walk"
        });
        let yes = |v: Value| assert!(cond(v.clone()).matches(&r), "{v}");
        let no = |v: Value| assert!(!cond(v.clone()).matches(&r), "{v}");
        yes(json!({"state": "submitted"}));
        no(json!({"state": {"!=": "submitted"}}));
        yes(json!({"score": {">": 81, "<=": 81.5}}));
        no(json!({"score": {">=": 82}}));
        yes(json!({"score": {"<": 90, ">=": 81.5}}));
        yes(json!({"labels": {"contains": "sen"}}));
        yes(json!({"labels": {"in": ["rust", "x"]}}));
        no(json!({"labels": {"nin": ["rust"]}}));
        yes(json!({"labels": {"nin": ["java"]}}));
        yes(json!({"created_at": {"==": "2024-01-02T01:04:05Z"}}));
        yes(json!({"createdAt": {">": "2024-01-02T01:04:04.999Z"}}));
        no(json!({"created_at": {"<": "2024-01-02T01:04:05Z"}}));
        yes(json!({"digest.languages.name": "go"}));
        no(json!({"digest.languages.name": {"nin": ["go", "c"]}}));
        yes(json!({"_type": "CodeChallenge"}));
        yes(json!({"q": "graph"}));
        no(json!({"q": "tree"}));
        yes(json!({"missing": {"nin": ["a"]}}));
        no(json!({"missing": {"==": "a"}}));
        yes(json!({"missing": null}));
    }

    #[test]
    fn relations_are_shaped() {
        let mut r = json!({
            "id": "1", "teamCandidate": {"id": "t"}, "solutions": [{"id": "s"}],
            "challengeItems": [{"id": "c1", "challenge": {"id": "x"}}, {"id": "c2"}]
        });
        let rels = [
            "team_candidate",
            "solutions",
            "challenge_items.challenge",
            "assessment",
        ];
        let mut a = r.clone();
        shape_relations(&mut a, &Relation::plan(&rels, &[]));
        assert_eq!(
            a,
            json!({"id": "1", "challengeItems": [{"id": "c1"}, {"id": "c2"}]})
        );
        let requested = ["challenge_items.challenge".into(), "assessment".into()];
        shape_relations(&mut r, &Relation::plan(&rels, &requested));
        assert_eq!(
            r,
            json!({"id": "1", "assessment": null, "challengeItems": [
                {"id": "c1", "challenge": {"id": "x"}}, {"id": "c2", "challenge": null}]})
        );
    }
}
