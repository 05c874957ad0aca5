//! Evaluating list queries over stored JSON records: `where`, `q`, `order_by`, relations.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::{Map, Value};

use crate::filter::{Conditions, Op};

/// The keys under which a field named `segment` (snake_case in the spec) may be stored:
/// camelCase (the REST wire form), the name as given, and snake_case. A key starting with `$`
/// or `_` is taken as given (a polymorphic tag is found through [`KeyPath::tagged`]).
pub(crate) fn key_forms(segment: &str) -> Vec<String> {
    if segment.starts_with(['$', '_'])
        || (!segment.contains('_') && !segment.contains(|c: char| c.is_ascii_uppercase()))
    {
        return vec![segment.to_owned()];
    }
    let mut out = Vec::with_capacity(3);
    for k in [
        segment.to_lower_camel_case(),
        segment.to_owned(),
        segment.to_snake_case(),
    ] {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The spellings of a polymorphic tag: as the spec declares it (`$type`), and with `_` for a
/// leading `$` (`_type`, the spelling of `where` keys and webhook payloads).
pub(crate) fn tag_forms(tag: &str) -> Vec<String> {
    let mut out = vec![tag.to_owned()];
    if let Some(rest) = tag.strip_prefix('$') {
        out.push(format!("_{rest}"));
    }
    out
}

/// A dotted field path, with the stored key forms of each segment worked out once.
#[derive(Debug, Clone)]
pub(crate) struct KeyPath(Vec<Vec<String>>);

impl KeyPath {
    /// The path `key` of a record whose resource has the polymorphic tag `tag` (if any): a
    /// first segment that spells the tag (`_type` or `$type`) finds it in either spelling.
    pub(crate) fn tagged(key: &str, tag: Option<&str>) -> KeyPath {
        let mut segments: Vec<Vec<String>> = key.split('.').map(key_forms).collect();
        if let (Some(tag), Some(first)) = (tag, segments.first_mut()) {
            let forms = tag_forms(tag);
            if forms.contains(&first[0]) {
                *first = forms;
            }
        }
        KeyPath(segments)
    }
}

/// The value of the first of the key forms `forms` that `obj` has.
pub(crate) fn lookup<'a>(obj: &'a Map<String, Value>, forms: &[String]) -> Option<&'a Value> {
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
    /// The conditions over records whose polymorphic tag (if any) is `tag`.
    pub(crate) fn new(conditions: &Conditions, tag: Option<&str>) -> Compiled {
        Compiled(
            conditions
                .values()
                .map(|(key, op, value)| {
                    let path = (key != "q").then(|| KeyPath::tagged(key, tag));
                    (path, op, value)
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

/// A relation the records of a store can embed, from the spec's tables (worked out once per
/// store by the engine).
#[derive(Debug, Clone)]
pub(crate) struct RelationSpec {
    /// The dotted snake_case path, as sent in `includes` (`team_candidate`,
    /// `challenge_items.challenge`).
    pub(crate) path: String,
    /// The key of the embedded value in its holder (camelCase, `Relation.wire`).
    pub(crate) wire: String,
    /// Whether it is a list of records (`[]` when missing) rather than one (`null`).
    pub(crate) many: bool,
    /// How to find it in the stores when a holder lacks it.
    pub(crate) link: Option<Link>,
}

/// How the records of a relation are found in the stores by a foreign key (see the
/// [module docs of the fake](crate::fake)).
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// The store (module) of the related records.
    pub(crate) module: &'static str,
    /// The holder's key with the related id, or ids for a list (`team_candidate_id`,
    /// `assignment_team_member_ids`), as key forms.
    pub(crate) own_key: Option<Vec<String>>,
    /// For a list: the related records' key with the holder's id (`assessment_result_id`).
    pub(crate) back_key: Option<Vec<String>>,
    /// The relation keys of the related resource, stripped from the embedded copies.
    pub(crate) strip: Vec<&'static str>,
}

/// Finds the value of a relation a holder lacks: `(link, many, holder)` to the value, if the
/// stores have it.
pub(crate) type Resolve<'a> = dyn Fn(&Link, bool, &Map<String, Value>) -> Option<Value> + 'a;

/// A relation to shape, worked out once per request.
#[derive(Debug)]
pub(crate) struct Relation<'a> {
    spec: &'a RelationSpec,
    /// The path of the objects holding it (empty for a top-level relation).
    parents: Vec<Vec<String>>,
    /// The key forms of its last segment.
    forms: Vec<String>,
    /// Whether it was requested (or is on the way to one that was).
    keep: bool,
}

impl Relation<'_> {
    /// The relations of `relations`, each kept when `requested` (dotted snake_case paths)
    /// names it or a relation below it.
    pub(crate) fn plan<'a>(
        relations: &'a [RelationSpec],
        requested: &[String],
    ) -> Vec<Relation<'a>> {
        relations
            .iter()
            .map(|spec| {
                let rel = spec.path.as_str();
                let mut segments: Vec<&str> = rel.split('.').collect();
                let last = segments.pop().unwrap_or_default();
                let mut forms = vec![spec.wire.clone()];
                for k in key_forms(last) {
                    if !forms.contains(&k) {
                        forms.push(k);
                    }
                }
                Relation {
                    spec,
                    parents: segments.into_iter().map(key_forms).collect(),
                    forms,
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

/// Strips every relation that was not requested and makes sure every requested one is
/// present: a holder that lacks it gets what `resolve` finds in the stores, else `[]` (a
/// list relation) or `null`.
pub(crate) fn shape_relations(record: &mut Value, plan: &[Relation<'_>], resolve: &Resolve<'_>) {
    for rel in plan {
        for obj in parents_mut(record, &rel.parents) {
            if rel.keep {
                if !rel.forms.iter().any(|k| obj.contains_key(k.as_str())) {
                    let found = rel
                        .spec
                        .link
                        .as_ref()
                        .and_then(|link| resolve(link, rel.spec.many, obj));
                    let value = found.unwrap_or(if rel.spec.many {
                        Value::Array(Vec::new())
                    } else {
                        Value::Null
                    });
                    obj.insert(rel.spec.wire.clone(), value);
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
        Compiled::new(&Conditions::from_json(&v).unwrap(), Some("$type"))
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

    fn spec(path: &str, wire: &str, many: bool, link: Option<Link>) -> RelationSpec {
        RelationSpec {
            path: path.to_owned(),
            wire: wire.to_owned(),
            many,
            link,
        }
    }

    #[test]
    fn tags_are_found_in_either_spelling() {
        let dollar = json!({"$type": "CodeChallenge"});
        let under = json!({"_type": "QuizChallenge"});
        let path = KeyPath::tagged("_type", Some("$type"));
        assert_eq!(values_at(&dollar, &path), [&json!("CodeChallenge")]);
        assert_eq!(values_at(&under, &path), [&json!("QuizChallenge")]);
        // Without a tag, `_type` is just a key.
        assert!(values_at(&dollar, &KeyPath::tagged("_type", None)).is_empty());
    }

    #[test]
    fn relations_are_shaped() {
        let mut r = json!({
            "id": "1", "teamCandidate": {"id": "t"}, "solutions": [{"id": "s"}],
            "challengeItems": [{"id": "c1", "challenge": {"id": "x"}}, {"id": "c2"}]
        });
        let rels = [
            spec("team_candidate", "teamCandidate", false, None),
            spec("solutions", "solutions", true, None),
            spec("challenge_items.challenge", "challenge", false, None),
            spec("assessment", "assessment", false, None),
            spec("invitations", "invitations", true, None),
        ];
        let none = |_: &Link, _: bool, _: &Map<String, Value>| None;
        let mut a = r.clone();
        shape_relations(&mut a, &Relation::plan(&rels, &[]), &none);
        assert_eq!(
            a,
            json!({"id": "1", "challengeItems": [{"id": "c1"}, {"id": "c2"}]})
        );
        let requested = [
            "challenge_items.challenge".into(),
            "assessment".into(),
            "invitations".into(),
        ];
        shape_relations(&mut r, &Relation::plan(&rels, &requested), &none);
        assert_eq!(
            r,
            json!({"id": "1", "assessment": null, "invitations": [], "challengeItems": [
                {"id": "c1", "challenge": {"id": "x"}}, {"id": "c2", "challenge": null}]})
        );
    }

    #[test]
    fn missing_relations_are_resolved_through_their_link() {
        let link = Link {
            module: "team_candidates",
            own_key: Some(key_forms("team_candidate_id")),
            back_key: None,
            strip: vec![],
        };
        let rels = [spec("team_candidate", "teamCandidate", false, Some(link))];
        let resolve = |link: &Link, many: bool, holder: &Map<String, Value>| {
            assert!(!many);
            let id = lookup(holder, link.own_key.as_ref()?)?;
            Some(json!({"id": id, "from": link.module}))
        };
        let mut r = json!({"id": "1", "teamCandidateId": "t9"});
        shape_relations(
            &mut r,
            &Relation::plan(&rels, &["team_candidate".into()]),
            &resolve,
        );
        assert_eq!(
            r["teamCandidate"],
            json!({"id": "t9", "from": "team_candidates"})
        );
    }
}
