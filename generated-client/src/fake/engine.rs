//! The fake API itself, driven by [`OPERATIONS`] and [`RESOURCES`]: routing, stores,
//! relations, endpoint semantics.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use heck::{ToLowerCamelCase, ToSnakeCase};
use serde_json::{Map, Value, json};

use super::query::{self, Link, RelationSpec};
use crate::Casing;
use crate::filter::Conditions;
use crate::operations::{OPERATIONS, Operation, RESOURCES, Resource};

/// The default page size of paged lists.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 25;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

/// What an endpoint does to the store, derived from its method, path and response kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `GET` answering `page` or `list`.
    List,
    /// `GET .../{id}` answering `one`.
    Retrieve,
    /// `POST` on the collection path.
    Create,
    /// `PUT`/`PATCH .../{id}`.
    Update,
    /// `DELETE .../{id}`.
    Delete,
    /// `PUT .../{id}/<action>`.
    Action(&'static str),
    /// Anything else.
    Other,
}

/// One routable endpoint.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) op: &'static Operation,
    segments: Vec<Segment>,
    literals: usize,
    /// The module whose records this endpoint works on.
    pub(crate) store: &'static str,
    pub(crate) kind: Kind,
}

/// What is known of one store (one resource module).
#[derive(Debug)]
pub(crate) struct StoreInfo {
    /// The resource whose model the stored records are: the one whose `wire_type` is the
    /// `record` of the store's first endpoint that names a resource's (`Assessment` for the
    /// `assessment_templates` store), else the store's own resource.
    pub(crate) resource: Option<&'static Resource>,
    /// Every relation the records can embed: the resource's relations, then the nested
    /// includes (`challenge_items.challenge`) of the store's endpoints.
    pub(crate) relations: Vec<RelationSpec>,
}

impl StoreInfo {
    /// The polymorphic tag of the stored records, if any.
    pub(crate) fn tag(&self) -> Option<&'static str> {
        self.resource.and_then(|r| r.tag)
    }
}

pub(crate) struct Tables {
    pub(crate) routes: Vec<Route>,
    pub(crate) stores: BTreeMap<&'static str, StoreInfo>,
}

fn normalize(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() { "/" } else { trimmed }
}

fn parse_template(path: &'static str) -> Vec<Segment> {
    normalize(path)
        .split('/')
        .skip(1)
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name),
                None => Segment::Literal(s),
            },
        )
        .collect()
}

fn ends_with_id(path: &str) -> bool {
    normalize(path).ends_with("/{id}")
}

pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

/// The resource of the module `module`.
fn resource_of_module(module: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.module == module)
}

/// The resource whose records have the envelope type `wire_type`.
fn resource_of_type(wire_type: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.wire_type == wire_type)
}

/// The resource of the records held under the field `field` (a nested include's parent, not
/// a relation): the only resource whose module is `field` or ends with `_<field>`
/// (`challenge_items` → `assessment_challenge_items`).
fn resource_of_field(field: &str) -> Option<&'static Resource> {
    let suffix = format!("_{field}");
    let mut found = RESOURCES
        .iter()
        .filter(|r| r.module == field || r.module.ends_with(&suffix));
    match (found.next(), found.next()) {
        (Some(r), None) => Some(r),
        _ => None,
    }
}

/// How a relation of `holder` is found in the stores (see the module docs of the fake):
/// - one record: the holder's `<relation>_id` is the id of a record of the relation's module;
/// - a list: the holder's `<relation, singular>_ids` are ids of such records (the singular
///   replaces the module suffix of the relation's name by the resource's name:
///   `assignment_team_members` → `assignment_team_member_ids`); else the records of that
///   module whose `<holder resource>_id` is the holder's id (`assessment_result_id`).
fn link(holder: &Resource, relation: &crate::operations::Relation) -> Option<Link> {
    let module = relation.module?;
    let target = resource_of_module(module)?;
    let strip = target
        .relations
        .iter()
        .flat_map(|r| [r.wire, r.name])
        .collect();
    let (own_key, back_key) = if relation.many {
        let own = relation
            .name
            .strip_suffix(module)
            .map(|prefix| query::key_forms(&format!("{prefix}{}_ids", target.name)));
        let back = query::key_forms(&format!("{}_id", holder.name));
        (own, Some(back))
    } else {
        let own = query::key_forms(&format!("{}_id", relation.name));
        (Some(own), None)
    };
    Some(Link {
        module,
        own_key,
        back_key,
        strip,
    })
}

fn relation_spec(
    path: &str,
    holder: &Resource,
    relation: &crate::operations::Relation,
) -> RelationSpec {
    RelationSpec {
        path: path.to_owned(),
        wire: relation.wire.to_owned(),
        many: relation.many,
        link: link(holder, relation),
    }
}

/// The spec of an offered include `path` of records of `resource`: walk its parent segments
/// (a relation leads to its module's resource, a plain field to [`resource_of_field`]) and
/// take the last segment from the relations of the resource reached. When that resource
/// cannot be told, the first relation of that name in any resource describes it.
fn include_spec(resource: Option<&'static Resource>, path: &str) -> RelationSpec {
    let mut segments: Vec<&str> = path.split('.').collect();
    let last = segments.pop().unwrap_or_default();
    let mut holder = resource;
    for segment in segments {
        holder = holder.and_then(|h| match h.relations.iter().find(|r| r.name == segment) {
            Some(r) => r.module.and_then(resource_of_module),
            None => resource_of_field(segment),
        });
    }
    let found = holder
        .and_then(|h| h.relations.iter().find(|r| r.name == last).map(|r| (h, r)))
        .or_else(|| {
            RESOURCES
                .iter()
                .find_map(|h| h.relations.iter().find(|r| r.name == last).map(|r| (h, r)))
        });
    match found {
        Some((h, r)) => relation_spec(path, h, r),
        None => RelationSpec {
            path: path.to_owned(),
            wire: last.to_lower_camel_case(),
            many: false,
            link: None,
        },
    }
}

fn build_tables() -> Tables {
    // The collection paths of each module: its list paths and its `.../{id}` paths without
    // the id.
    let mut collections: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    for op in OPERATIONS {
        let entry = collections.entry(op.module).or_default();
        let p = normalize(op.path);
        if op.method == "GET" && matches!(op.response, "page" | "list") {
            entry.push(p);
        }
        if ends_with_id(op.path) {
            entry.push(&p[..p.len() - "/{id}".len()]);
        }
    }
    let has_collection = |m: &str| collections.get(m).is_some_and(|c| !c.is_empty());
    let store_of = |op: &'static Operation| -> &'static str {
        if has_collection(op.module) {
            return op.module;
        }
        // A module without a collection of its own (`PUT /v1/team_members/{id}/privileges`)
        // works on the records of the resource its records are (`record: "TeamMember"`),
        if let Some(r) = resource_of_type(op.record).filter(|r| has_collection(r.module)) {
            return r.module;
        }
        // else on those of the module whose collection its path starts with.
        let p = normalize(op.path);
        if let Some(i) = p.find("/{id}") {
            let base = &p[..i];
            if let Some((m, _)) = collections.iter().find(|(_, c)| c.contains(&base)) {
                return m;
            }
        }
        op.module
    };
    let mut routes = Vec::with_capacity(OPERATIONS.len());
    let mut offered: BTreeMap<&'static str, Vec<&'static str>> = BTreeMap::new();
    let mut resources: BTreeMap<&'static str, Option<&'static Resource>> = BTreeMap::new();
    for op in OPERATIONS {
        let segments = parse_template(op.path);
        let literals = segments
            .iter()
            .filter(|s| matches!(s, Segment::Literal(_)))
            .count();
        let store = store_of(op);
        let p = normalize(op.path);
        let kind = match op.method {
            "GET" if matches!(op.response, "page" | "list") => Kind::List,
            "GET" if op.response == "one" && ends_with_id(p) => Kind::Retrieve,
            "POST"
                if op.response == "one"
                    && collections.get(store).is_some_and(|c| c.contains(&p)) =>
            {
                Kind::Create
            }
            "PUT" | "PATCH" if ends_with_id(p) => Kind::Update,
            "DELETE" if ends_with_id(p) => Kind::Delete,
            "PUT" | "PATCH" => match segments.as_slice() {
                [.., Segment::Param("id"), Segment::Literal(action)] => Kind::Action(action),
                _ => Kind::Other,
            },
            _ => Kind::Other,
        };
        // The store's records are those of its first endpoint whose record type is a
        // resource's; a store without one holds its own resource's records.
        let slot = resources.entry(store).or_insert(None);
        if slot.is_none() {
            *slot = resource_of_type(op.record);
        }
        if matches!(op.response, "one" | "page" | "list") {
            let list = offered.entry(store).or_default();
            for rel in op.includes {
                if !list.contains(rel) {
                    list.push(rel);
                }
            }
        }
        routes.push(Route {
            op,
            segments,
            literals,
            store,
            kind,
        });
    }
    let stores = resources
        .into_iter()
        .map(|(store, typed)| {
            let resource = typed.or_else(|| resource_of_module(store));
            let mut relations: Vec<RelationSpec> = resource
                .map(|r| {
                    r.relations
                        .iter()
                        .map(|rel| relation_spec(rel.name, r, rel))
                        .collect()
                })
                .unwrap_or_default();
            for path in offered.get(store).into_iter().flatten() {
                if !relations.iter().any(|r| r.path == *path) {
                    relations.push(include_spec(resource, path));
                }
            }
            (
                store,
                StoreInfo {
                    resource,
                    relations,
                },
            )
        })
        .collect();
    Tables { routes, stores }
}

/// Decodes `%XX` escapes (invalid UTF-8 is replaced).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The route for `method` and the raw (still percent-encoded) `path` below the base URL, with
/// its decoded path parameters. Literal segments win over parameters.
pub(crate) fn route(method: &str, path: &str) -> Option<(&'static Route, Vec<(String, String)>)> {
    let segments: Vec<&str> = normalize(path).split('/').skip(1).collect();
    let mut best: Option<(&'static Route, Vec<(String, String)>)> = None;
    for r in &tables().routes {
        if r.op.method != method || r.segments.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        let ok = r.segments.iter().zip(&segments).all(|(t, s)| match t {
            Segment::Literal(l) => l == s,
            Segment::Param(name) => {
                params.push(((*name).to_owned(), percent_decode(s)));
                !s.is_empty()
            }
        });
        if ok && best.as_ref().is_none_or(|(b, _)| r.literals > b.literals) {
            best = Some((r, params));
        }
    }
    best
}

/// The known stores (module names), for error messages.
pub(crate) fn store_names() -> Vec<&'static str> {
    tables().stores.keys().copied().collect()
}

/// One stored resource: its records in insertion order (with an index by id).
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) records: Vec<Value>,
    index: HashMap<String, usize>,
}

impl Store {
    /// Adds `record`, or replaces the stored record with the same id.
    pub(crate) fn upsert(&mut self, record: Value) {
        let id = record_id(&record).unwrap_or_default().to_owned();
        match self.index.get(&id) {
            Some(&i) => self.records[i] = record,
            None => {
                self.index.insert(id, self.records.len());
                self.records.push(record);
            }
        }
    }

    /// Removes the records for which `keep` is false.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&Value) -> bool) {
        self.records.retain(keep);
        self.index = self
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (record_id(r).unwrap_or_default().to_owned(), i))
            .collect();
    }
}

/// An answer of the fake API: status, JSON body (`None`: empty) and extra headers.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: Some(body),
        }
    }

    pub(crate) fn error(status: u16, message: impl Into<String>) -> Answer {
        Answer::json(
            status,
            json!({ "message": message.into(), "status": status }),
        )
    }

    fn empty() -> Answer {
        Answer {
            status: 204,
            body: None,
        }
    }
}

/// A fresh 24-hex-digit id, like the API's object ids.
pub(crate) fn new_id() -> String {
    let secs = chrono::Utc::now().timestamp() as u32;
    format!("{secs:08x}{:016x}", fastrand::u64(..))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Recases the top-level keys of an object to camelCase (the REST wire form); keys starting
/// with `$` or `_` are kept.
pub(crate) fn camel_keys(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    if k.contains('_') || k.starts_with(|c: char| c.is_ascii_uppercase()) {
                        (Casing::Camel.recase_key(&k).into_owned(), v)
                    } else {
                        (k, v)
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

/// Stores the polymorphic tag of `record` under the key the spec declares (`$type`) when it
/// came in its other spelling (`_type`).
pub(crate) fn normalize_tag(record: &mut Map<String, Value>, tag: Option<&str>) {
    let Some(tag) = tag else { return };
    if record.contains_key(tag) {
        return;
    }
    for alias in query::tag_forms(tag).into_iter().skip(1) {
        if let Some(v) = record.remove(&alias) {
            record.insert(tag.to_owned(), v);
            return;
        }
    }
}

fn record_id(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// The envelope `type` of the records `records` of `route`: `op.record` (the records'
/// resource's `wire_type` for an endpoint without one); but for a polymorphic resource
/// (`Resource.tag`), the variant named by the tag when every record names the same one, as
/// the API does (`CodeChallenge` for `GET /v1/challenges`).
fn envelope_type(route: &Route, records: &[&Value]) -> String {
    let info = &tables().stores[route.store];
    if let Some(tag) = info.tag() {
        let mut variants = records.iter().map(|r| r.get(tag).and_then(Value::as_str));
        if let Some(Some(first)) = variants.next() {
            if variants.all(|v| v == Some(first)) {
                return first.to_owned();
            }
        }
    }
    type_name(route).to_owned()
}

/// The record type of `route` regardless of variants: `op.record`, else the `wire_type` of
/// the store's resource.
fn type_name(route: &Route) -> &'static str {
    if !route.op.record.is_empty() {
        return route.op.record;
    }
    tables().stores[route.store]
        .resource
        .map_or(route.store, |r| r.wire_type)
}

fn meta(includes: &[String]) -> Value {
    json!({ "timestamp": now(), "includes": includes })
}

/// The value of a relation that a holder lacks, from the stores, by `link`.
fn resolve(
    stores: &BTreeMap<String, Store>,
    link: &Link,
    many: bool,
    holder: &Map<String, Value>,
) -> Option<Value> {
    let store = stores.get(link.module)?;
    let embed = |r: &Value| {
        let mut r = r.clone();
        if let Value::Object(m) = &mut r {
            for k in &link.strip {
                m.remove(*k);
            }
        }
        r
    };
    let own = link
        .own_key
        .as_ref()
        .and_then(|forms| query::lookup(holder, forms));
    if !many {
        let id = own?.as_str()?;
        return find(store, id).map(|i| embed(&store.records[i]));
    }
    if let Some(ids) = own.and_then(Value::as_array) {
        let found = ids
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|id| find(store, id))
            .map(|i| embed(&store.records[i]));
        return Some(Value::Array(found.collect()));
    }
    let back = link.back_key.as_ref()?;
    let id = holder.get("id")?;
    let found = store
        .records
        .iter()
        .filter(|r| {
            r.as_object()
                .and_then(|m| query::lookup(m, back))
                .is_some_and(|v| v == id)
        })
        .map(embed);
    Some(Value::Array(found.collect()))
}

/// `record` with the relations of its store shaped for `includes`.
fn shaped(stores: &BTreeMap<String, Store>, plan: &[query::Relation<'_>], record: &Value) -> Value {
    let mut record = record.clone();
    query::shape_relations(&mut record, plan, &|link, many, holder| {
        resolve(stores, link, many, holder)
    });
    record
}

fn one(
    stores: &BTreeMap<String, Store>,
    route: &Route,
    record: &Value,
    includes: &[String],
) -> Answer {
    let plan = query::Relation::plan(&tables().stores[route.store].relations, includes);
    let record = shaped(stores, &plan, record);
    let id = record_id(&record).map(str::to_owned);
    Answer::json(
        200,
        json!({
            "id": id,
            "type": envelope_type(route, &[&record]),
            "data": record,
            "meta": meta(includes),
        }),
    )
}

/// The parsed query string.
struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .into_owned()
                .collect(),
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> + '_ {
        let name = name.to_owned();
        self.pairs
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn describe(route: &Route) -> String {
    format!("{} {}", route.op.method, route.op.path)
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// The requested relations, checked against the endpoint's `includes`.
fn parse_includes(route: &Route, q: &Query) -> Result<Vec<String>, Answer> {
    let mut out: Vec<String> = Vec::new();
    for raw in q.all("includes").chain(q.all("includes[]")) {
        for name in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let snake = name
                .split('.')
                .map(|s| s.to_snake_case())
                .collect::<Vec<_>>()
                .join(".");
            if !route.op.includes.contains(&snake.as_str()) {
                return Err(Answer::error(
                    400,
                    format!(
                        "`includes` cannot embed `{name}`: {} offers {}",
                        describe(route),
                        list_or_none(route.op.includes)
                    ),
                ));
            }
            if !out.contains(&snake) {
                out.push(snake);
            }
        }
    }
    Ok(out)
}

fn parse_where(route: &Route, q: &Query) -> Result<Conditions, Answer> {
    let Some(text) = q.get("where") else {
        return Ok(Conditions::new());
    };
    let bad = |m: String| Answer::error(400, m);
    let json: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("`where` is not valid JSON: {e}")))?;
    let conditions = Conditions::from_json(&json).map_err(bad)?;
    for (key, _, _) in conditions.iter() {
        if !route.op.filters.contains(&key) {
            return Err(bad(format!(
                "`where` cannot filter on `{key}`: {} filters on {}",
                describe(route),
                list_or_none(route.op.filters)
            )));
        }
    }
    Ok(conditions)
}

struct OrderSpec {
    field: String,
    descending: bool,
}

fn parse_order(route: &Route, q: &Query) -> Result<Option<OrderSpec>, Answer> {
    let Some(text) = q.get("order_by") else {
        return Ok(None);
    };
    let mut words = text.split_whitespace();
    let field = words.next().unwrap_or("");
    let descending = match words.next().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => {
            return Err(Answer::error(
                400,
                format!("`order_by` direction must be ASC or DESC, not `{other}`"),
            ));
        }
    };
    let snake = field.to_snake_case();
    if field.is_empty() || words.next().is_some() || !route.op.order_by.contains(&snake.as_str()) {
        return Err(Answer::error(
            400,
            format!(
                "`order_by` cannot sort on `{field}`: {} sorts on {}",
                describe(route),
                list_or_none(route.op.order_by)
            ),
        ));
    }
    Ok(Some(OrderSpec {
        field: snake,
        descending,
    }))
}

fn parse_number(q: &Query, name: &str) -> Result<Option<usize>, Answer> {
    match q.get(name) {
        None => Ok(None),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Answer::error(
                400,
                format!("`{name}` must be a whole number from 1, not `{text}`"),
            )),
        },
    }
}

/// Everything a request brings to the engine.
pub(crate) struct Call<'a> {
    pub(crate) route: &'static Route,
    pub(crate) params: &'a [(String, String)],
    pub(crate) query: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Answers one routed call, reading and changing the stores.
pub(crate) fn handle(stores: &mut BTreeMap<String, Store>, call: &Call<'_>) -> Answer {
    let route = call.route;
    let tag = tables().stores[route.store].tag();
    let q = Query::parse(call.query);
    let store = stores.entry(route.store.to_owned()).or_default();
    match &route.kind {
        Kind::List => list(stores, route, &q),
        Kind::Retrieve => {
            let includes = match parse_includes(route, &q) {
                Ok(i) => i,
                Err(a) => return a,
            };
            let id = call.param("id").unwrap_or_default();
            match find(store, id) {
                Some(i) => {
                    let record = store.records[i].clone();
                    one(stores, route, &record, &includes)
                }
                None => not_found(route, id),
            }
        }
        Kind::Create => {
            let data = match body_data(call.body) {
                Ok(d) => d,
                Err(a) => return a,
            };
            let mut record = match camel_keys(data) {
                Value::Object(m) => m,
                _ => return Answer::error(400, "`data` must be a JSON object"),
            };
            normalize_tag(&mut record, tag);
            let id = new_id();
            record.insert("id".to_owned(), Value::String(id));
            for (name, value) in call.params {
                let key = name.to_lower_camel_case();
                record
                    .entry(key)
                    .or_insert_with(|| Value::String(value.clone()));
            }
            let stamp = now();
            for key in ["createdAt", "updatedAt"] {
                record
                    .entry(key)
                    .or_insert_with(|| Value::String(stamp.clone()));
            }
            // What the API always sends and the body did not give (a new record's `state`,
            // its owner's id): the zero values of the record type's example.
            if let Ok(Value::Object(example)) = serde_json::from_str::<Value>(route.op.example) {
                for (key, value) in example {
                    if Some(key.as_str()) != tag {
                        record.entry(key).or_insert(value);
                    }
                }
            }
            let record = Value::Object(record);
            store.upsert(record.clone());
            one(stores, route, &record, &[])
        }
        Kind::Update => {
            let id = call.param("id").unwrap_or_default();
            let Some(i) = find(store, id) else {
                return not_found(route, id);
            };
            let data = match body_data(call.body) {
                Ok(d) => d,
                Err(a) => return a,
            };
            let Value::Object(mut changes) = camel_keys(data) else {
                return Answer::error(400, "`data` must be a JSON object");
            };
            if let Some(tag) = tag {
                if !changes.contains_key(tag) && store.records[i].get(tag).is_some() {
                    normalize_tag(&mut changes, Some(tag));
                }
            }
            if let Value::Object(record) = &mut store.records[i] {
                for (k, v) in changes {
                    // A change never alters a field's JSON shape: the API takes some fields
                    // in another form than it sends them (quiz `choices` as objects, sent
                    // back as text), and a stored record must stay one the client decodes.
                    if k != "id" && record.get(&k).is_none_or(|old| same_shape(old, &v)) {
                        record.insert(k, v);
                    }
                }
                if record.contains_key("updatedAt") {
                    record.insert("updatedAt".to_owned(), Value::String(now()));
                }
            }
            let record = store.records[i].clone();
            one(stores, route, &record, &[])
        }
        Kind::Delete => {
            let id = call.param("id").unwrap_or_default();
            match find(store, id) {
                Some(_) => {
                    store.retain(|r| record_id(r) != Some(id));
                    Answer::empty()
                }
                None => not_found(route, id),
            }
        }
        Kind::Action(action) => {
            let id = call.param("id").unwrap_or_default();
            let Some(i) = find(store, id) else {
                return not_found(route, id);
            };
            if let (Some(state), Value::Object(record)) =
                (action_state(action), &mut store.records[i])
            {
                if record.contains_key("state") {
                    record.insert("state".to_owned(), Value::String(state.to_owned()));
                    if record.contains_key("updatedAt") {
                        record.insert("updatedAt".to_owned(), Value::String(now()));
                    }
                }
            }
            let record = store.records[i].clone();
            one(stores, route, &record, &[])
        }
        Kind::Other => other(stores, call, &q),
    }
}

/// Whether `new` may replace `old`: the same JSON kind, and for lists, elements of the same
/// kind (when both have any). `null` replaces and is replaced by anything.
fn same_shape(old: &Value, new: &Value) -> bool {
    use std::mem::discriminant;
    match (old, new) {
        (Value::Null, _) | (_, Value::Null) => true,
        (Value::Array(a), Value::Array(b)) => match (a.first(), b.first()) {
            (Some(x), Some(y)) => x.is_null() || y.is_null() || discriminant(x) == discriminant(y),
            _ => true,
        },
        _ => discriminant(old) == discriminant(new),
    }
}

/// The state an action leaves a record in, where its meaning is clear.
fn action_state(action: &str) -> Option<&'static str> {
    Some(match action {
        "publish" => "published",
        "unpublish" => "draft",
        "archive" => "archived",
        "approve" => "approved",
        "reject" => "rejected",
        "terminate" => "terminated",
        _ => return None,
    })
}

fn find(store: &Store, id: &str) -> Option<usize> {
    store.index.get(id).copied()
}

fn not_found(route: &Route, id: &str) -> Answer {
    Answer::error(404, format!("{} `{id}` not found", type_name(route)))
}

fn body_data(body: &[u8]) -> Result<Value, Answer> {
    if body.is_empty() {
        return Err(Answer::error(
            400,
            "the request needs a JSON body `{\"data\": {...}}`",
        ));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| Answer::error(400, format!("the body is not valid JSON: {e}")))?;
    match v {
        Value::Object(mut m) => match m.remove("data") {
            Some(d) => Ok(d),
            None => Err(Answer::error(400, "the body has no `data`")),
        },
        _ => Err(Answer::error(400, "the body must be a JSON object")),
    }
}

fn list(stores: &BTreeMap<String, Store>, route: &Route, q: &Query) -> Answer {
    let info = &tables().stores[route.store];
    let empty = Store::default();
    let store = stores.get(route.store).unwrap_or(&empty);
    let includes = match parse_includes(route, q) {
        Ok(i) => i,
        Err(a) => return a,
    };
    let conditions = match parse_where(route, q) {
        Ok(c) => c,
        Err(a) => return a,
    };
    let order = match parse_order(route, q) {
        Ok(o) => o,
        Err(a) => return a,
    };
    let (page, limit) = match (parse_number(q, "page"), parse_number(q, "limit")) {
        (Ok(p), Ok(l)) => (p.unwrap_or(1), l.unwrap_or(DEFAULT_PAGE_SIZE)),
        (Err(a), _) | (_, Err(a)) => return a,
    };
    // Query parameters of the endpoint (`assessment_id`, ...) restrict the records by the
    // field of the same name, when the records have such a field.
    let restrictions: Vec<(query::KeyPath, &str)> = route
        .op
        .query
        .iter()
        .filter_map(|name| {
            q.get(name)
                .map(|v| (query::KeyPath::tagged(name, info.tag()), v))
        })
        .filter(|(path, _)| {
            store
                .records
                .iter()
                .any(|r| !query::values_at(r, path).is_empty())
        })
        .collect();
    let conditions = query::Compiled::new(&conditions, info.tag());
    let mut hits: Vec<&Value> = store
        .records
        .iter()
        .filter(|r| {
            restrictions.iter().all(|(path, value)| {
                query::values_at(r, path).iter().any(|v| match v {
                    Value::String(s) => s == value,
                    Value::Number(n) => value.parse::<f64>().ok() == n.as_f64(),
                    Value::Bool(b) => *value == if *b { "true" } else { "false" },
                    _ => false,
                })
            })
        })
        .filter(|r| conditions.matches(r))
        .collect();
    if let Some(order) = &order {
        let path = query::KeyPath::tagged(&order.field, info.tag());
        hits.sort_by(|a, b| {
            let x = query::values_at(a, &path).first().copied();
            let y = query::values_at(b, &path).first().copied();
            let o = query::sort_cmp(x, y);
            if order.descending { o.reverse() } else { o }
        });
    }
    let plan = query::Relation::plan(&info.relations, &includes);
    let (total, hits) = if route.op.response == "list" {
        (hits.len(), hits)
    } else {
        let total = hits.len();
        let from = (page - 1).saturating_mul(limit);
        (total, hits.into_iter().skip(from).take(limit).collect())
    };
    let type_name = envelope_type(route, &hits);
    let data: Vec<Value> = hits.iter().map(|r| shaped(stores, &plan, r)).collect();
    if route.op.response == "list" {
        return Answer::json(
            200,
            json!({ "type": type_name, "data": data, "meta": meta(&includes) }),
        );
    }
    let total_pages = total.div_ceil(limit).max(1);
    Answer::json(
        200,
        json!({
            "type": type_name,
            "data": data,
            "currentPage": page,
            "totalPages": total_pages,
            "totalCount": total,
            "meta": meta(&includes),
        }),
    )
}

fn other(stores: &mut BTreeMap<String, Store>, call: &Call<'_>, q: &Query) -> Answer {
    let route = call.route;
    let op = route.op;
    let tag = tables().stores[route.store].tag();
    let store = stores.entry(route.store.to_owned()).or_default();
    match op.response {
        "none" => {
            if op.method == "DELETE" && call.params.is_empty() {
                // `DELETE /v1/webhook_subscriptions/url?url=...`: removes the records whose
                // fields match the query.
                let pairs: Vec<(query::KeyPath, &str)> = op
                    .query
                    .iter()
                    .filter_map(|n| q.get(n).map(|v| (query::KeyPath::tagged(n, tag), v)))
                    .collect();
                if !pairs.is_empty() {
                    store.retain(|r| {
                        !pairs.iter().all(|(n, v)| {
                            query::values_at(r, n)
                                .iter()
                                .any(|x| x.as_str() == Some(*v))
                        })
                    });
                }
            }
            Answer::empty()
        }
        // An answer that is not a record of this store (`team_candidates/bulk_update`
        // answers a bulk operation): the example of its type, with a new id and the fields
        // of the request body it shares.
        "one" if tables().stores[route.store]
            .resource
            .is_some_and(|r| r.wire_type != op.record) =>
        {
            let mut record = example(op);
            if let Value::Object(fields) = &mut record {
                fields.insert("id".to_owned(), Value::String(new_id()));
                let body: Value = serde_json::from_slice(call.body).unwrap_or(Value::Null);
                let data = body.get("data").unwrap_or(&body);
                if let Value::Object(given) = camel_keys(data.clone()) {
                    for (key, value) in given {
                        if let Some(old) = fields.get(&key) {
                            if same_shape(old, &value) {
                                fields.insert(key, value);
                            }
                        }
                    }
                }
            }
            let id = record_id(&record).map(str::to_owned);
            Answer::json(
                200,
                json!({"id": id, "type": op.record, "data": record, "meta": meta(&[])}),
            )
        }
        "one" => {
            let record = match call.param("id") {
                Some(id) => match find(store, id) {
                    Some(i) => Some(store.records[i].clone()),
                    None => return not_found(route, id),
                },
                // `GET /v1/team_notifications/latest`: the newest record.
                None if op.method == "GET" => match store.records.last() {
                    Some(r) => Some(r.clone()),
                    None => return Answer::error(404, "there are no records yet"),
                },
                None => None,
            };
            match record {
                Some(r) => one(stores, route, &r, &[]),
                None => Answer::json(200, json!({})),
            }
        }
        "page" | "list" => {
            let mut body = Map::new();
            body.insert(
                "type".to_owned(),
                Value::String(type_name(route).to_owned()),
            );
            body.insert("data".to_owned(), Value::Array(Vec::new()));
            if op.response == "page" {
                body.insert("currentPage".to_owned(), json!(1));
                body.insert("totalPages".to_owned(), json!(1));
                body.insert("totalCount".to_owned(), json!(0));
            }
            body.insert("meta".to_owned(), meta(&[]));
            Answer::json(200, Value::Object(body))
        }
        // `raw`: an answer of its own type (an export, a webhook example): its example.
        _ => Answer::json(200, example(op)),
    }
}

/// The example of `op`'s answer (see [`Operation::example`](crate::operations::Operation)):
/// the smallest JSON its type decodes from.
fn example(op: &Operation) -> Value {
    serde_json::from_str(op.example).unwrap_or_else(|_| json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_routable_to_itself_or_a_more_literal_twin() {
        for op in OPERATIONS {
            let path = op
                .path
                .replace("{id}", "x1")
                .replace("{assessment_id}", "a1");
            let (r, _) = route(op.method, &path).expect(op.path);
            assert_eq!(r.op.method, op.method);
            assert!(
                r.op.path == op.path || r.literals >= 1,
                "{} {} -> {}",
                op.method,
                op.path,
                r.op.path
            );
        }
        let (r, p) = route("GET", "/v1/team_notifications/latest").unwrap();
        assert_eq!(r.op.name, "latest");
        assert!(p.is_empty());
        let (r, p) = route("GET", "/v1/assessment_results/a%2Fb").unwrap();
        assert_eq!((r.op.name, p[0].1.as_str()), ("get", "a/b"));
        assert_eq!(
            route("PUT", "/v1/team_members/x/privileges")
                .unwrap()
                .0
                .store,
            "team_members"
        );
        assert!(route("GET", "/v1/nothing").is_none());
    }

    #[test]
    fn kinds() {
        let kind = |m: &str, p: &str| route(m, p).unwrap().0.kind.clone();
        assert_eq!(kind("POST", "/v1/assessment_cohorts/"), Kind::Create);
        assert_eq!(
            kind("POST", "/v1/assessments/a/challenge_items/"),
            Kind::Create
        );
        assert_eq!(kind("POST", "/v1/team_candidates/bulk_update"), Kind::Other);
        assert_eq!(
            kind("PUT", "/v1/challenges/x/publish"),
            Kind::Action("publish")
        );
        assert_eq!(kind("DELETE", "/v1/notes/x"), Kind::Delete);
        assert_eq!(kind("GET", "/v1/notes"), Kind::List);
    }

    #[test]
    fn stores_and_relations_come_from_the_tables() {
        let stores = &tables().stores;
        let resource = |s: &str| stores[s].resource.map(|r| r.name);
        // Templates keep their own store, of `Assessment` records.
        assert_eq!(resource("assessment_templates"), Some("assessment"));
        assert_eq!(resource("team_candidates"), Some("team_candidate"));
        assert!(!stores.contains_key("team_member_privileges"));
        assert_eq!(stores["challenges"].tag(), Some("$type"));
        assert_eq!(stores["notes"].tag(), None);

        let spec = |s: &str, path: &str| {
            stores[s]
                .relations
                .iter()
                .find(|r| r.path == path)
                .unwrap_or_else(|| panic!("{s}: {path}"))
        };
        let first = |forms: &Option<Vec<String>>| forms.as_ref().map(|f| f[0].clone());
        let tc = spec("assessment_results", "team_candidate");
        let link = tc.link.as_ref().unwrap();
        assert_eq!((tc.many, link.module), (false, "team_candidates"));
        assert_eq!(first(&link.own_key).as_deref(), Some("teamCandidateId"));
        let sol = spec("assessment_results", "solutions");
        let link = sol.link.as_ref().unwrap();
        assert_eq!((sol.many, link.module), (true, "solutions"));
        assert_eq!(first(&link.back_key).as_deref(), Some("assessmentResultId"));
        assert!(link.strip.contains(&"clones"));
        let members = spec("assessments", "assignment_team_members").link.as_ref();
        assert_eq!(
            first(&members.unwrap().own_key).as_deref(),
            Some("assignmentTeamMemberIds")
        );
        let nested = spec("assessments", "challenge_items.challenge");
        assert_eq!((nested.wire.as_str(), nested.many), ("challenge", false));
        assert_eq!(
            first(&nested.link.as_ref().unwrap().own_key).as_deref(),
            Some("challengeId")
        );
        assert!(spec("challenges", "revisions").link.is_none());
        // Stores of templates: the relations of `Assessment` records.
        spec("assessment_templates", "created_by");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb%3Fc%3Dd%23e"), "a/b?c=d#e");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
