//! Conformance: every recorded exchange of Qualified's API reference, replayed through the
//! generated client.
//!
//! The reference (`public.json`, the output of Qualified's own acceptance tests) lists each
//! endpoint with the real request a test made and the real response it got. For each
//! recorded exchange this test:
//!
//! 1. finds the spec endpoint in [`OPERATIONS`]: same method, path template matching the
//!    recorded route segment by segment (a trailing `/` counts); among several, the one whose
//!    `title` is the entry's `description`, then the one with the most literal segments
//!    (`/v1/team_notifications/latest` over `/v1/team_notifications/{id}`);
//! 2. serves the recorded response (status, `Content-Type`, body) from a local axum server;
//! 3. calls the endpoint through the client ([`qualified::operations::replay`]) with the
//!    recorded path parameters, query and body, and a fresh API key;
//! 4. checks the request the server received against the recorded one: method, path, query
//!    (a multiset of decoded pairs; `where` as JSON; `includes[]` ≡ `includes`), body (as
//!    JSON) and the `Authorization` header (the fresh key);
//! 5. checks the typed response, serialised back to JSON, against the recorded body.
//!
//! JSON is compared with object keys normalised to snake_case on both sides (`$type` ≡
//! `_type`; keys that are not identifiers, such as `c#`, are compared as they are), numbers
//! numerically, RFC 3339 timestamps as instants. In responses a `null` and an absent key are
//! equal. A form-encoded recorded body (`data[labels][]=x`) is read the Rack way into JSON,
//! and its scalars are compared as text (the encoding has no types).
//!
//! Each failure is one line `FAIL <METHOD> <route> (<description>): <check>: <difference>`,
//! followed by `conformance: N/M exchanges passed`; the test fails unless all passed. With
//! `QUALIFIED_CONFORMANCE_ALL=1` every difference of a check is listed, not only the first.
//!
//! The reference is read from `$QUALIFIED_API_DOCS`, else from
//! `../shared/qualified-docs/public.json` relative to the workspace root; without either the
//! test says why it was skipped and passes. Nothing of the file is copied into the
//! repository, and its API keys are never sent.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use heck::ToSnakeCase;
use qualified::operations::{OPERATIONS, Operation};
use qualified::replay::ReplayCall;
use qualified::{Client, RetryPolicy};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The environment variable naming the reference file.
const DOCS_ENV: &str = "QUALIFIED_API_DOCS";
/// The environment variable that lists every difference of a failed check.
const ALL_ENV: &str = "QUALIFIED_CONFORMANCE_ALL";
/// The longest JSON snippet shown in a failure line.
const SNIPPET: usize = 100;

// ---------------------------------------------------------------------------------------
// The reference file.

/// One endpoint of the reference (only the fields the test reads).
#[derive(Debug, Deserialize)]
struct Endpoint {
    http_method: String,
    /// Path parameters as `:name`, possibly followed by a query (`?challengeId=:challenge_id`).
    route: String,
    /// The endpoint's title in the reference.
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    requests: Vec<Exchange>,
}

/// One recorded request and its response.
#[derive(Debug, Deserialize)]
struct Exchange {
    request_method: String,
    /// The path with the real query string.
    request_path: String,
    /// JSON text, a form-encoded body, or nothing.
    #[serde(default)]
    request_body: Option<String>,
    #[serde(default)]
    request_content_type: Option<String>,
    response_status: u16,
    #[serde(default)]
    response_headers: Option<Map<String, Value>>,
    #[serde(default)]
    response_body: Option<String>,
}

impl Exchange {
    /// The recorded response's `Content-Type`, if any.
    fn response_content_type(&self) -> Option<&str> {
        self.response_headers
            .as_ref()?
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, value)| value.as_str())
    }
}

/// Where the reference is: `$QUALIFIED_API_DOCS`, else the shared folder beside the workspace.
/// `Err` says why neither is there.
fn docs_path() -> Result<PathBuf, String> {
    let mut why = Vec::new();
    match std::env::var_os(DOCS_ENV) {
        Some(path) => {
            let path = PathBuf::from(path);
            if path.is_file() {
                return Ok(path);
            }
            why.push(format!("{DOCS_ENV}={} is not a file", path.display()));
        }
        None => why.push(format!("{DOCS_ENV} is not set")),
    }
    // The workspace root is the parent of this crate's folder.
    let default = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("shared")
        .join("qualified-docs")
        .join("public.json");
    if default.is_file() {
        return Ok(default);
    }
    why.push(format!("{} does not exist", default.display()));
    Err(why.join(" and "))
}

// ---------------------------------------------------------------------------------------
// The local server: answers every request with the current canned response and records it.

/// The response the server gives while one exchange is replayed.
#[derive(Debug, Clone)]
struct Canned {
    status: StatusCode,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A request as the server received it.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    /// The raw (encoded) path.
    path: String,
    /// The raw query string.
    query: Option<String>,
    authorization: Option<Vec<u8>>,
    body: Vec<u8>,
}

/// What the server shares with the test.
#[derive(Debug, Default)]
struct ServerState {
    canned: Option<Canned>,
    received: Vec<Received>,
}

type Shared = Arc<Mutex<ServerState>>;

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, ServerState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The one handler: record the request, answer with the canned response.
async fn answer(State(state): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes.to_vec(),
        Err(e) => format!("<the server could not read the body: {e}>").into_bytes(),
    };
    let received = Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        authorization: parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes().to_vec()),
        body,
    };
    let canned = {
        let mut state = lock(&state);
        state.received.push(received);
        state.canned.clone()
    };
    let Some(canned) = canned else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "no canned response");
    };
    let mut builder = Response::builder().status(canned.status);
    if let Some(content_type) = &canned.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder
        .body(Body::from(canned.body))
        .unwrap_or_else(|e| plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

fn plain(status: StatusCode, text: &str) -> Response {
    let mut response = Response::new(Body::from(text.to_owned()));
    *response.status_mut() = status;
    response
}

// ---------------------------------------------------------------------------------------
// Matching a recorded exchange to a spec endpoint.

/// The path of a route or request path (without its query).
fn path_part(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

/// Whether spec template `template` (`{name}` parameters) matches recorded route `route`
/// (`:name` parameters), segment by segment; `Some(n)` with the number of literal segments.
fn template_matches_route(template: &str, route: &str) -> Option<usize> {
    let t: Vec<&str> = template.split('/').collect();
    let r: Vec<&str> = route.split('/').collect();
    if t.len() != r.len() {
        return None;
    }
    let mut literals = 0;
    for (t, r) in t.iter().zip(&r) {
        if is_template_param(t) {
            continue;
        }
        if t != r {
            return None;
        }
        literals += 1;
    }
    Some(literals)
}

fn is_template_param(segment: &str) -> bool {
    segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}')
}

/// The spec endpoint of a recorded entry.
fn find_operation(
    method: &str,
    route: &str,
    description: &str,
) -> Result<&'static Operation, String> {
    let route_path = path_part(route);
    let candidates: Vec<(&'static Operation, usize)> = OPERATIONS
        .iter()
        .filter(|op| op.method.eq_ignore_ascii_case(method))
        .filter_map(|op| template_matches_route(op.path, route_path).map(|n| (op, n)))
        .collect();
    let titled: Vec<(&'static Operation, usize)> = candidates
        .iter()
        .copied()
        .filter(|(op, _)| op.title.trim() == description)
        .collect();
    let pool = if titled.is_empty() {
        candidates
    } else {
        titled
    };
    let best = pool.iter().map(|(_, n)| *n).max();
    let chosen: Vec<&'static Operation> = pool
        .iter()
        .filter(|(_, n)| Some(*n) == best)
        .map(|(op, _)| *op)
        .collect();
    match chosen.as_slice() {
        [] => Err(format!(
            "spec has no endpoint for {} {route_path}",
            method.to_uppercase()
        )),
        [op] => Ok(op),
        several => Err(format!(
            "several spec endpoints match and none is titled `{description}`: {}",
            several
                .iter()
                .map(|op| format!("{}.{} ({})", op.module, op.name, op.title))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The path parameters of `path` (a recorded request path, without query) by the names of
/// `template`, percent-decoded.
fn path_params(template: &str, path: &str) -> Result<BTreeMap<String, String>, String> {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    if t.len() != p.len() {
        return Err(format!(
            "recorded path `{path}` does not match the spec path `{template}`"
        ));
    }
    let mut params = BTreeMap::new();
    for (t, p) in t.iter().zip(&p) {
        if is_template_param(t) {
            params.insert(t[1..t.len() - 1].to_owned(), percent_decode(p));
        } else if t != p {
            return Err(format!(
                "recorded path `{path}` does not match the spec path `{template}`"
            ));
        }
    }
    Ok(params)
}

/// Percent-decodes a path (a `+` stays a `+`); invalid escapes are kept as they are.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                // Two hex digits always fit in a byte.
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query string as decoded pairs, in order.
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

// ---------------------------------------------------------------------------------------
// Recorded request bodies.

/// A recorded request body: JSON, or form-encoded (then its scalars are all text).
#[derive(Debug, Clone, PartialEq)]
enum RecordedBody {
    /// No body, an empty one, `null` or `{}`.
    Empty,
    Json(Value),
    Form(Value),
}

impl RecordedBody {
    fn parse(exchange: &Exchange) -> Result<RecordedBody, String> {
        let text = exchange.request_body.as_deref().unwrap_or("").trim();
        if text.is_empty() {
            return Ok(RecordedBody::Empty);
        }
        let form = exchange
            .request_content_type
            .as_deref()
            .is_some_and(|ct| ct.contains("x-www-form-urlencoded"));
        let body = match serde_json::from_str::<Value>(text) {
            Ok(value) => RecordedBody::Json(value),
            Err(_) if form || text.contains('=') => RecordedBody::Form(rack_params(text)?),
            Err(e) => {
                return Err(format!(
                    "the recorded request body is neither JSON nor a form: {e}"
                ));
            }
        };
        Ok(body.without_empty_includes())
    }

    /// Drops a top-level `includes` that lists no relation (`{"data": {..}, "includes": []}`):
    /// it asks for nothing, and the client sends the relations it includes in the query.
    /// `null` and `{}` become [`RecordedBody::Empty`].
    fn without_empty_includes(self) -> RecordedBody {
        let (RecordedBody::Json(mut value) | RecordedBody::Form(mut value)) = self.clone() else {
            return self;
        };
        if let Value::Object(map) = &mut value {
            if map
                .get("includes")
                .is_some_and(|v| v.as_array().is_some_and(Vec::is_empty))
            {
                map.remove("includes");
            }
        }
        match (self, value) {
            (_, Value::Null) => RecordedBody::Empty,
            (_, Value::Object(map)) if map.is_empty() => RecordedBody::Empty,
            (RecordedBody::Form(_), value) => RecordedBody::Form(value),
            (_, value) => RecordedBody::Json(value),
        }
    }

    /// The body handed to the replay function.
    fn value(&self) -> Option<Value> {
        match self {
            RecordedBody::Empty => None,
            RecordedBody::Json(v) | RecordedBody::Form(v) => Some(v.clone()),
        }
    }
}

/// Reads a form-encoded body into JSON the way Rack does: `a[b]=x` nests, `a[]=x` appends.
fn rack_params(text: &str) -> Result<Value, String> {
    let mut root = Value::Object(Map::new());
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        let (head, rest) = key.split_once('[').map_or((&*key, ""), |(h, r)| (h, r));
        let mut segments = vec![head.to_owned()];
        if !rest.is_empty() {
            let inner = rest
                .strip_suffix(']')
                .ok_or_else(|| format!("form key `{key}` has an unclosed `[`"))?;
            segments.extend(inner.split("][").map(str::to_owned));
        }
        insert_rack(&mut root, &segments, Value::String(value.into_owned()))
            .map_err(|e| format!("form key `{key}`: {e}"))?;
    }
    Ok(root)
}

fn insert_rack(target: &mut Value, segments: &[String], value: Value) -> Result<(), String> {
    let Some((first, rest)) = segments.split_first() else {
        *target = value;
        return Ok(());
    };
    if first.is_empty() {
        // `[]`: append; `[][k]` adds to the last object unless it has `k` already.
        if target.is_null() {
            *target = Value::Array(Vec::new());
        }
        let Value::Array(items) = target else {
            return Err("`[]` on something that is not a list".to_owned());
        };
        match rest.first() {
            None => items.push(value),
            Some(next) => {
                let reuse = items
                    .last()
                    .and_then(Value::as_object)
                    .is_some_and(|last| !last.contains_key(next));
                if !reuse {
                    items.push(Value::Object(Map::new()));
                }
                if let Some(last) = items.last_mut() {
                    insert_rack(last, rest, value)?;
                }
            }
        }
        return Ok(());
    }
    if target.is_null() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else {
        return Err(format!("`[{first}]` on something that is not an object"));
    };
    insert_rack(map.entry(first.clone()).or_insert(Value::Null), rest, value)
}

// ---------------------------------------------------------------------------------------
// Comparing JSON.

/// How two JSON values are compared.
#[derive(Debug, Clone, Copy)]
struct Rules {
    /// A `null` and an absent key are equal.
    null_is_absent: bool,
    /// The recorded scalars are text (a form body): compare the produced ones as text.
    recorded_as_text: bool,
}

/// One difference between the recorded and the produced JSON.
#[derive(Debug, Clone)]
struct Diff {
    path: String,
    message: String,
}

impl Diff {
    fn render(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("`{}`: {}", self.path, self.message)
        }
    }
}

/// A key in the form both sides are compared in: snake_case, `$x` as `_x`; keys that are
/// not identifiers (data, such as `c#`) are kept.
fn normal_key(key: &str) -> String {
    let (prefix, rest) = match key.strip_prefix(['$', '_']) {
        Some(rest) => ("_", rest),
        None => ("", key),
    };
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!("{prefix}{}", rest.to_snake_case())
    } else {
        format!("{prefix}{rest}")
    }
}

/// An object's entries by normalised key: (key as written, value).
fn normalised(map: &Map<String, Value>) -> BTreeMap<String, (&str, &Value)> {
    map.iter()
        .map(|(k, v)| (normal_key(k), (k.as_str(), v)))
        .collect()
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// A JSON value, shortened for a failure line.
fn snippet(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SNIPPET {
        text
    } else {
        let cut: String = text.chars().take(SNIPPET).collect();
        format!("{cut}…")
    }
}

/// Pushes onto `out` every difference between `recorded` and `produced` at `path`.
fn compare(recorded: &Value, produced: &Value, path: &str, rules: Rules, out: &mut Vec<Diff>) {
    match (recorded, produced) {
        (Value::Object(r), Value::Object(p)) => {
            let r = normalised(r);
            let p = normalised(p);
            for (key, (written, rv)) in &r {
                let here = child(path, written);
                match p.get(key) {
                    Some((_, pv)) => compare(rv, pv, &here, rules, out),
                    None if rv.is_null() && rules.null_is_absent => {}
                    None => out.push(Diff {
                        path: here,
                        message: format!("field the models do not know (recorded {})", snippet(rv)),
                    }),
                }
            }
            for (key, (written, pv)) in &p {
                if r.contains_key(key) || (pv.is_null() && rules.null_is_absent) {
                    continue;
                }
                out.push(Diff {
                    path: child(path, written),
                    message: format!("key the client invented (produced {})", snippet(pv)),
                });
            }
        }
        (Value::Array(r), Value::Array(p)) => {
            if r.len() != p.len() {
                out.push(Diff {
                    path: path.to_owned(),
                    message: format!("recorded {} items, produced {}", r.len(), p.len()),
                });
            }
            for (i, (rv, pv)) in r.iter().zip(p).enumerate() {
                compare(rv, pv, &format!("{path}[{i}]"), rules, out);
            }
        }
        (r, p) if scalars_equal(r, p, rules) => {}
        (r, p) => out.push(Diff {
            path: path.to_owned(),
            message: format!("recorded {}, produced {}", snippet(r), snippet(p)),
        }),
    }
}

/// Whether two values that are not both objects or both arrays are equal.
fn scalars_equal(recorded: &Value, produced: &Value, rules: Rules) -> bool {
    match (recorded, produced) {
        (Value::Number(r), Value::Number(p)) => {
            r == p || matches!((r.as_f64(), p.as_f64()), (Some(a), Some(b)) if a == b)
        }
        (Value::String(r), Value::String(p)) => r == p || same_instant(r, p),
        (Value::String(r), Value::Number(p)) if rules.recorded_as_text => {
            r.parse::<f64>().ok() == p.as_f64()
        }
        (Value::String(r), Value::Bool(p)) if rules.recorded_as_text => r.parse::<bool>() == Ok(*p),
        (r, p) => r == p,
    }
}

/// Whether both texts are RFC 3339 timestamps of the same instant.
fn same_instant(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Every difference between two JSON values (empty when they are equal).
fn differences(recorded: &Value, produced: &Value, rules: Rules) -> Vec<Diff> {
    let mut out = Vec::new();
    compare(recorded, produced, "", rules, &mut out);
    out
}

// ---------------------------------------------------------------------------------------
// Replaying one exchange.

/// A failed check of one exchange.
#[derive(Debug)]
struct Failure {
    check: &'static str,
    /// The differences, first one first.
    details: Vec<String>,
}

impl Failure {
    fn one(check: &'static str, detail: impl Into<String>) -> Failure {
        Failure {
            check,
            details: vec![detail.into()],
        }
    }

    /// The report line: `FAIL <title>: <check>: <first difference>`, then either how many
    /// more there are or, with `all`, each of them on its own indented line.
    fn line(&self, title: &str, all: bool) -> String {
        let (first, rest) = self
            .details
            .split_first()
            .map_or(("(no detail)", &[][..]), |(first, rest)| {
                (first.as_str(), rest)
            });
        let mut line = format!("FAIL {title}: {}: {first}", self.check);
        if all {
            for detail in rest {
                let _ = write!(line, "\n    {detail}");
            }
        } else if !rest.is_empty() {
            let _ = write!(line, " (+{} more)", rest.len());
        }
        line
    }

    fn diffs(check: &'static str, diffs: &[Diff]) -> Option<Failure> {
        (!diffs.is_empty()).then(|| Failure {
            check,
            details: diffs.iter().map(Diff::render).collect(),
        })
    }
}

/// What one exchange needs from the harness.
struct Harness {
    client: Client,
    key: String,
    state: Shared,
}

impl Harness {
    /// Replays `exchange` of `endpoint`; the failed checks (none when it conforms).
    async fn replay(&self, endpoint: &Endpoint, exchange: &Exchange) -> Vec<Failure> {
        let description = endpoint.description.as_deref().unwrap_or("").trim();
        let op = match find_operation(&endpoint.http_method, &endpoint.route, description) {
            Ok(op) => op,
            Err(e) => return vec![Failure::one("spec", e)],
        };
        let (recorded_path, recorded_query) = match exchange.request_path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (exchange.request_path.as_str(), None),
        };
        let path_params = match path_params(op.path, recorded_path) {
            Ok(params) => params,
            Err(e) => return vec![Failure::one("request path", e)],
        };
        let body = match RecordedBody::parse(exchange) {
            Ok(body) => body,
            Err(e) => return vec![Failure::one("recording", e)],
        };
        let Ok(status) = StatusCode::from_u16(exchange.response_status) else {
            let status = exchange.response_status;
            return vec![Failure::one(
                "recording",
                format!("{status} is not an HTTP status"),
            )];
        };
        let call = ReplayCall {
            path_params,
            query: query_pairs(recorded_query),
            body: body.value(),
        };
        {
            let mut state = lock(&self.state);
            state.received.clear();
            state.canned = Some(Canned {
                status,
                content_type: exchange.response_content_type().map(str::to_owned),
                body: exchange
                    .response_body
                    .clone()
                    .unwrap_or_default()
                    .into_bytes(),
            });
        }

        let result = qualified::operations::replay(&self.client, op.module, op.name, &call).await;
        let received = std::mem::take(&mut lock(&self.state).received);

        let mut failures = Vec::new();
        match received.as_slice() {
            // A replay that fails before sending is reported once, below.
            [] if result.is_err() => {}
            [] => failures.push(Failure::one("request", "the client sent no request")),
            [one] => self.check_request(
                exchange,
                recorded_path,
                &call.query,
                &body,
                one,
                &mut failures,
            ),
            many => failures.push(Failure::one(
                "request",
                format!("the client sent {} requests, not one", many.len()),
            )),
        }
        check_response(exchange, status, result, &mut failures);
        failures
    }

    /// Compares the request the server received with the recorded one.
    fn check_request(
        &self,
        exchange: &Exchange,
        recorded_path: &str,
        recorded_query: &[(String, String)],
        body: &RecordedBody,
        received: &Received,
        failures: &mut Vec<Failure>,
    ) {
        if !received
            .method
            .eq_ignore_ascii_case(&exchange.request_method)
        {
            failures.push(Failure::one(
                "request method",
                format!(
                    "recorded {}, sent {}",
                    exchange.request_method, received.method
                ),
            ));
        }
        let (want, got) = (
            percent_decode(recorded_path),
            percent_decode(&received.path),
        );
        if want != got {
            failures.push(Failure::one(
                "request path",
                format!("recorded `{want}`, sent `{got}`"),
            ));
        }
        if let Some(failure) = check_query(recorded_query, &query_pairs(received.query.as_deref()))
        {
            failures.push(failure);
        }
        if let Some(failure) = check_body(body, &received.body) {
            failures.push(failure);
        }
        match &received.authorization {
            Some(value) if value == self.key.as_bytes() => {}
            Some(_) => failures.push(Failure::one(
                "authorization",
                "the header is not the client's key",
            )),
            None => failures.push(Failure::one("authorization", "no Authorization header")),
        }
    }
}

/// A query parameter name in the form both sides are compared in (`includes[]` ≡ `includes`:
/// the API takes `includes=x` for one relation and `includes[]=x` for several).
fn normal_query_name(name: &str) -> &str {
    if name == "includes[]" {
        "includes"
    } else {
        name
    }
}

/// Compares the recorded and the sent query as multisets of decoded pairs (`where` as JSON
/// with snake_case keys).
fn check_query(recorded: &[(String, String)], sent: &[(String, String)]) -> Option<Failure> {
    let mut unmatched: Vec<&(String, String)> = sent.iter().collect();
    let mut details = Vec::new();
    for pair in recorded {
        let position = unmatched
            .iter()
            .position(|candidate| query_pair_equal(pair, candidate));
        match position {
            Some(i) => {
                unmatched.remove(i);
            }
            None => details.push(format!("recorded `{}={}` was not sent", pair.0, pair.1)),
        }
    }
    for (name, value) in unmatched {
        details.push(format!("sent `{name}={value}`, not recorded"));
    }
    (!details.is_empty()).then_some(Failure {
        check: "request query",
        details,
    })
}

fn query_pair_equal(recorded: &(String, String), sent: &(String, String)) -> bool {
    let name = normal_query_name(&recorded.0);
    if name != normal_query_name(&sent.0) {
        return false;
    }
    if recorded.1 == sent.1 {
        return true;
    }
    if name != "where" {
        return false;
    }
    let rules = Rules {
        null_is_absent: false,
        recorded_as_text: false,
    };
    match (
        serde_json::from_str::<Value>(&recorded.1),
        serde_json::from_str::<Value>(&sent.1),
    ) {
        (Ok(r), Ok(s)) => differences(&r, &s, rules).is_empty(),
        _ => false,
    }
}

/// Compares the recorded body with the bytes the client sent.
fn check_body(recorded: &RecordedBody, sent: &[u8]) -> Option<Failure> {
    const CHECK: &str = "request body";
    let sent = if sent.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match serde_json::from_slice::<Value>(sent) {
            Ok(value) => Some(value),
            Err(e) => {
                let text = String::from_utf8_lossy(sent);
                return Some(Failure::one(
                    CHECK,
                    format!("the client sent a body that is not JSON ({e}): {text}"),
                ));
            }
        }
    };
    let (recorded, rules) = match recorded {
        RecordedBody::Empty => {
            return match sent {
                None => None,
                Some(Value::Object(map)) if map.is_empty() => None,
                Some(value) => Some(Failure::one(
                    CHECK,
                    format!(
                        "the recording has no body, the client sent {}",
                        snippet(&value)
                    ),
                )),
            };
        }
        RecordedBody::Json(value) => (
            value,
            Rules {
                null_is_absent: false,
                recorded_as_text: false,
            },
        ),
        RecordedBody::Form(value) => (
            value,
            Rules {
                null_is_absent: false,
                recorded_as_text: true,
            },
        ),
    };
    match sent {
        None => Some(Failure::one(
            CHECK,
            format!("the client sent no body, recorded {}", snippet(recorded)),
        )),
        Some(sent) => Failure::diffs(CHECK, &differences(recorded, &sent, rules)),
    }
}

/// Compares the typed response (serialised back to JSON) with the recorded body.
fn check_response(
    exchange: &Exchange,
    status: StatusCode,
    result: Result<Value, String>,
    failures: &mut Vec<Failure>,
) {
    if !status.is_success() {
        // The client must turn a recorded error into an error.
        if let Ok(value) = result {
            failures.push(Failure::one(
                "response",
                format!(
                    "the client accepted a {status} response as {}",
                    snippet(&value)
                ),
            ));
        }
        return;
    }
    let produced = match result {
        Ok(value) => value,
        Err(e) => {
            failures.push(Failure::one("replay", e));
            return;
        }
    };
    let text = exchange.response_body.as_deref().unwrap_or("").trim();
    let recorded = if text.is_empty() {
        Value::Null
    } else {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => value,
            // A body that is not JSON is compared as one string.
            Err(_) => Value::String(text.to_owned()),
        }
    };
    let rules = Rules {
        null_is_absent: true,
        recorded_as_text: false,
    };
    if let Some(failure) = Failure::diffs("response", &differences(&recorded, &produced, rules)) {
        failures.push(failure);
    }
}

// ---------------------------------------------------------------------------------------
// The test.

/// Writes a line to the real stderr, past the test harness's capture, so that the summary
/// (and a skip) shows even when the test passes.
fn report(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// A fresh API key, different from any recorded one.
fn fresh_key() -> String {
    format!("conformance-{:016x}", fastrand::u64(..))
}

/// The entries of the reference file, or `None` (after saying why, as `test`) when there is
/// none to read.
fn load_entries(test: &str) -> Option<Vec<Value>> {
    let path = match docs_path() {
        Ok(path) => path,
        Err(why) => {
            report(&format!("{test}: skipped: {why}"));
            return None;
        }
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a JSON list: {e}", path.display())),
    )
}

#[test]
fn recorded_exchanges_replay_through_the_client() {
    let Some(entries) = load_entries("conformance") else {
        return;
    };
    let all = std::env::var_os(ALL_ENV).is_some_and(|v| !v.is_empty() && v != "0");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (passed, total) = runtime.block_on(async {
        let state = Shared::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("the server's address");
        let app = Router::new().fallback(answer).with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let key = fresh_key();
        let client = Client::builder()
            .api_key(key.clone())
            .base_url(&format!("http://{address}"))
            .allow_http(true)
            .retry(RetryPolicy::none())
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("a client");
        let harness = Harness { client, key, state };

        let (mut passed, mut total) = (0usize, 0usize);
        for (index, entry) in entries.into_iter().enumerate() {
            let endpoint: Endpoint = match serde_json::from_value(entry) {
                Ok(endpoint) => endpoint,
                Err(e) => {
                    total += 1;
                    report(&format!(
                        "FAIL entry #{index}: recording: not an endpoint: {e}"
                    ));
                    continue;
                }
            };
            let description = endpoint.description.as_deref().unwrap_or("").trim();
            let title = format!(
                "{} {} ({description})",
                endpoint.http_method.to_uppercase(),
                endpoint.route
            );
            for exchange in &endpoint.requests {
                total += 1;
                let failures = harness.replay(&endpoint, exchange).await;
                if failures.is_empty() {
                    passed += 1;
                }
                for failure in &failures {
                    report(&failure.line(&title, all));
                }
            }
        }
        (passed, total)
    });
    report(&format!("conformance: {passed}/{total} exchanges passed"));
    assert_eq!(
        passed, total,
        "conformance: {passed}/{total} exchanges passed"
    );
}

/// Every recorded request, sent to `qualified::fake` rather than answered with its recording:
/// the fake server, seeded with the records of every recorded response, must answer each one
/// with something the typed client decodes, or refuse it with a 4xx API error (a record that
/// a recorded `DELETE` removed, a body it does not accept). An undecodable answer, a 5xx or a
/// transport error fails the test.
#[test]
fn the_fake_server_answers_every_recorded_request_decodably() {
    let Some(entries) = load_entries("fake server replay") else {
        return;
    };
    let endpoints: Vec<Endpoint> = entries
        .into_iter()
        .filter_map(|e| serde_json::from_value(e).ok())
        .collect();
    let calls: Vec<(String, &'static Operation, &Exchange, ReplayCall)> = endpoints
        .iter()
        .flat_map(|endpoint| endpoint.requests.iter().map(move |exchange| (endpoint, exchange)))
        .map(|(endpoint, exchange)| {
            let description = endpoint.description.as_deref().unwrap_or("").trim();
            let title = format!("{} {} ({description})", endpoint.http_method, endpoint.route);
            let op = find_operation(&endpoint.http_method, &endpoint.route, description)
                .unwrap_or_else(|e| panic!("{title}: {e}"));
            let (path, query) = exchange
                .request_path
                .split_once('?')
                .map_or((exchange.request_path.as_str(), None), |(p, q)| (p, Some(q)));
            let call = ReplayCall {
                path_params: path_params(op.path, path).unwrap_or_else(|e| panic!("{title}: {e}")),
                query: query_pairs(query),
                body: RecordedBody::parse(exchange)
                    .unwrap_or_else(|e| panic!("{title}: {e}"))
                    .value(),
            };
            (title, op, exchange, call)
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let failures = runtime.block_on(async {
        let server = qualified::fake::FakeServer::start().await;
        // The records of every recorded response whose type is its resource's own, so
        // that the ids in the recorded paths are found.
        for (_, op, exchange, _) in &calls {
            let own = qualified::operations::RESOURCES
                .iter()
                .any(|r| r.module == op.module && r.wire_type == op.record);
            let body = exchange.response_body.as_deref().unwrap_or("");
            let Ok(body) = serde_json::from_str::<Value>(body) else {
                continue;
            };
            let records = match &body["data"] {
                Value::Array(items) => items.iter().collect(),
                one @ Value::Object(_) => vec![one],
                _ => Vec::new(),
            };
            for record in records.into_iter().filter(|r| own && r.get("id").is_some()) {
                server.insert(op.module, record);
            }
        }
        // A record for every other recorded `{id}` (a `DELETE` answered 204 names a record
        // no response shows): its resource's example record, with that id.
        for (_, op, _, call) in &calls {
            let Some(id) = call.path_params.get("id") else {
                continue;
            };
            let example = OPERATIONS.iter().find(|o| {
                o.module == op.module
                    && !o.example.is_empty()
                    && qualified::operations::RESOURCES
                        .iter()
                        .any(|r| r.module == o.module && r.wire_type == o.record)
            });
            if let (None, Some(example)) = (server.record(op.module, id), example) {
                let mut record: Value = serde_json::from_str(example.example).expect("JSON");
                record["id"] = Value::String(id.clone());
                server.insert(op.module, &record);
            }
        }
        let client = server
            .client_builder()
            .retry(RetryPolicy::none())
            .build()
            .expect("a client");
        let (mut failures, mut refused) = (Vec::new(), Vec::new());
        for (title, op, _, call) in &calls {
            match qualified::operations::replay(&client, op.module, op.name, call).await {
                Ok(_) => {}
                Err(e) if e.starts_with("API error: HTTP 4") => refused.push(format!("{title}: {e}")),
                Err(e) => failures.push(format!("{title}: {e}")),
            }
        }
        (failures, refused)
    });
    let (failures, refused) = failures;
    for failure in &failures {
        report(&format!("FAIL {failure}"));
    }
    for refusal in &refused {
        report(&format!("  refused {refusal}"));
    }
    report(&format!(
        "fake server replay: {}/{} recorded requests answered decodably ({} of them refused \
         with a 4xx)",
        calls.len() - failures.len(),
        calls.len(),
        refused.len()
    ));
    assert!(failures.is_empty(), "{} failed (see above)", failures.len());
}

// ---------------------------------------------------------------------------------------
// The harness's own helpers.

#[cfg(test)]
mod helpers {
    use super::*;
    use serde_json::json;

    const RESPONSE: Rules = Rules {
        null_is_absent: true,
        recorded_as_text: false,
    };

    fn rendered(recorded: &Value, produced: &Value, rules: Rules) -> Vec<String> {
        differences(recorded, produced, rules)
            .iter()
            .map(Diff::render)
            .collect()
    }

    #[test]
    fn templates_match_routes_segment_by_segment() {
        assert_eq!(template_matches_route("/v1/a/{id}", "/v1/a/:id"), Some(3));
        assert_eq!(
            template_matches_route("/v1/a/{id}", "/v1/a/latest"),
            Some(3)
        );
        assert_eq!(
            template_matches_route("/v1/a/latest", "/v1/a/latest"),
            Some(4)
        );
        assert_eq!(template_matches_route("/v1/a/latest", "/v1/a/:id"), None);
        assert_eq!(template_matches_route("/v1/a/", "/v1/a"), None);
        assert_eq!(path_part("/v1/q?challengeId=:challenge_id"), "/v1/q");
        let params = path_params("/v1/a/{id}/b/", "/v1/a/x%2Fy/b/");
        assert_eq!(
            params,
            Ok(BTreeMap::from([("id".to_owned(), "x/y".to_owned())]))
        );
        assert!(path_params("/v1/a/{id}/b/", "/v1/a/x/b").is_err());
    }

    #[test]
    fn keys_are_compared_in_snake_case() {
        assert_eq!(normal_key("codeLength"), "code_length");
        assert_eq!(normal_key("code_length"), "code_length");
        assert_eq!(normal_key("$type"), "_type");
        assert_eq!(normal_key("_type"), "_type");
        assert_eq!(normal_key("c#"), "c#");
    }

    #[test]
    fn form_bodies_are_read_the_rack_way() {
        let body = rack_params("data[labels][]=a+b&data[labels][]=c&data[n]=1&x[][k]=1&x[][k]=2");
        let expected = json!({
            "data": {"labels": ["a b", "c"], "n": "1"},
            "x": [{"k": "1"}, {"k": "2"}],
        });
        assert_eq!(body, Ok(expected));
        let text = Rules {
            null_is_absent: false,
            recorded_as_text: true,
        };
        assert!(
            differences(
                &json!({"n": "1", "b": "true"}),
                &json!({"n": 1, "b": true}),
                text
            )
            .is_empty()
        );
    }

    #[test]
    fn json_differences_name_their_path() {
        let recorded = json!({"data": [{"solutions": [{}, {"codeLength": 3, "score": null}]}]});
        let produced = json!({"data": [{"solutions": [{}, {"extra": 1}]}]});
        assert_eq!(
            rendered(&recorded, &produced, RESPONSE),
            [
                "`data[0].solutions[1].codeLength`: field the models do not know (recorded 3)",
                "`data[0].solutions[1].extra`: key the client invented (produced 1)",
            ]
        );
        let recorded = json!({"$type": "A", "n": 80, "at": "2023-05-10T13:48:00.141-07:00"});
        let produced = json!({"_type": "A", "n": 80.0, "at": "2023-05-10T20:48:00.141Z"});
        assert!(differences(&recorded, &produced, RESPONSE).is_empty());
        assert_eq!(
            rendered(&json!({"a": [1, 2]}), &json!({"a": [1]}), RESPONSE),
            ["`a`: recorded 2 items, produced 1"]
        );
        assert_eq!(
            rendered(&json!("x"), &json!("y"), RESPONSE),
            [r#"recorded "x", produced "y""#]
        );
    }

    #[test]
    fn bodies_and_queries_compare_as_documented() {
        assert!(check_body(&RecordedBody::Empty, b"").is_none());
        assert!(check_body(&RecordedBody::Empty, b"{}").is_none());
        assert!(check_body(&RecordedBody::Empty, br#"{"data":{}}"#).is_some());
        assert!(check_body(&RecordedBody::Json(json!({"a": 1})), b"").is_some());
        let recorded = RecordedBody::Json(json!({"data": {"x": 1}, "includes": []}));
        assert_eq!(
            recorded.without_empty_includes(),
            RecordedBody::Json(json!({"data": {"x": 1}}))
        );

        let pairs = |q: &str| query_pairs(Some(q));
        let recorded = pairs("includes[]=a&where=%7B%22createdAt%22%3A1%7D");
        assert!(
            check_query(
                &recorded,
                &pairs("where=%7B%22created_at%22%3A1.0%7D&includes=a")
            )
            .is_none()
        );
        assert!(check_query(&recorded, &pairs("includes=a")).is_some());
        assert!(check_query(&pairs("a=1"), &pairs("a=1&a=1")).is_some());
    }
}
