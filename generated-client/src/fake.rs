//! A fake Qualified server for your tests (feature `fake`).
//!
//! [`FakeServer::start`] binds an HTTP server on `127.0.0.1` (a free port) inside the
//! current tokio runtime. It serves every endpoint of the API, driven by the same spec as
//! the client ([`OPERATIONS`](crate::operations::OPERATIONS) and
//! [`RESOURCES`](crate::operations::RESOURCES)), not by hand-written handlers:
//!
//! - it checks the `Authorization` header against [`FakeServer::api_key`] (401 otherwise);
//! - it keeps records per resource module as JSON ([`FakeServer::insert`] takes the
//!   client's own models);
//! - list endpoints evaluate `where` (all nine operators, dotted keys, `q`, and the endpoint's
//!   whitelist of filterable fields: 400 for any other), `includes` (400 for a relation the
//!   endpoint does not offer; see [Relations](#relations)), `order_by`, `page` and `limit`
//!   (default page size 25), and answer in the API's envelopes;
//! - retrieve, create (`POST` on the collection, with a new 24-hex-digit id), update (`PUT`
//!   merges `data`), delete (204) and state actions (`PUT .../{id}/publish`, `archive`,
//!   `approve`, ...) work on the stored records;
//! - every answer decodes into the endpoint's typed response: a created record gets the
//!   fields the API always sends and the body lacked from `Operation.example` (zero values:
//!   `state` its first value, ids all zero); an update never changes a field's JSON shape;
//!   an endpoint whose answer is not a stored record (`team_candidates.bulk_update`, exports,
//!   webhook examples) answers its `Operation.example`, with the request's fields of the
//!   same name (the conformance test replays every recorded request against the fake and
//!   checks this);
//! - faults can be injected into the next requests (whatever their endpoint, before the key
//!   is checked): error statuses, 429 with `Retry-After`, delays, dropped connections and
//!   truncated bodies.
//!
//! ```rust
//! use futures::TryStreamExt;
//! use qualified::assessment_results::{AssessmentResult, Where};
//! use qualified::fake::FakeServer;
//! use qualified::types::AssessmentResultState;
//!
//! // Your code under test: it takes a configured client.
//! async fn passed(client: &qualified::Client) -> qualified::Result<Vec<AssessmentResult>> {
//!     let filter = Where::new()
//!         .state().eq(AssessmentResultState::Submitted)
//!         .score().gte(80.0);
//!     client.assessment_results().list().filter(filter).stream().try_collect().await
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // In your test (e.g. `#[tokio::test]`):
//! let server = FakeServer::start().await;
//! for (i, (state, score)) in [("submitted", 91.0), ("submitted", 42.0), ("started", 99.0)]
//!     .into_iter()
//!     .enumerate()
//! {
//!     let record: AssessmentResult = serde_json::from_value(serde_json::json!({
//!         "id": format!("r{i}"), "assessmentId": "a1", "candidateId": "c1",
//!         "teamCandidateId": "t1", "teamId": "team", "state": state, "score": score,
//!         "createdAt": "2024-05-01T10:00:00Z", "updatedAt": "2024-05-01T10:00:00Z",
//!     }))
//!     .unwrap();
//!     server.insert("assessment_results", &record);
//! }
//!
//! let found = passed(&server.client()).await.unwrap();
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].id.as_str(), "r0");
//!
//! // The same code survives a flaky API:
//! server.fail_next(2, 503);
//! assert_eq!(passed(&server.client()).await.unwrap().len(), 1);
//! assert_eq!(server.stats().faults, 2);
//! # }
//! ```
//!
//! A client for the server comes from [`FakeServer::client`] (default settings) or
//! [`FakeServer::client_builder`] (to set a short retry policy or timeout first). Code that
//! reads `QUALIFIED_API_KEY` and `QUALIFIED_BASE_URL` ([`Client::from_env`]) can be pointed
//! at [`FakeServer::api_key`] and [`FakeServer::url`]: a loopback `http` base URL is accepted
//! from the environment.
//!
//! # What comes from the spec's tables
//!
//! **Stores.** Records are kept per resource module: one store per `Operation.module` that
//! has a collection of its own (a list path or `.../{id}` paths), so `assessment_templates`
//! is a store of its own even though its records are `Assessment`s. An endpoint's kind
//! (list, retrieve, create, update, delete, state action) is inferred from its method, path
//! and response kind. A module without a collection (`team_member_privileges`,
//! `PUT /v1/team_members/{id}/privileges`) works on the store of the resource its records
//! are (`Operation.record` = a `Resource.wire_type`: `TeamMember` → `team_members`), else on
//! the store whose collection its path starts with. `Operation.record` does not move an
//! endpoint with a store of its own into another module's store: templates stay apart from
//! assessments, as they are in the API.
//!
//! **Envelope `type`.** `Operation.record` of the endpoint (`Assessment` for
//! `assessment_templates.list`, `TeamMember` for `team_member_privileges.update`), or the
//! store's `Resource.wire_type` for an endpoint without one. For a polymorphic resource
//! (`Resource.tag`), the API names the variant instead (`CodeChallenge` for
//! `GET /v1/challenges`, as in its reference): the fake does so when every record of the
//! answer has the same variant under the tag, and sends `Operation.record` (`Challenge`)
//! for a mix or an empty list. Which Rust model was inserted plays no part.
//!
//! **Polymorphic tag.** A store's records are those of the resource named by its endpoints'
//! `Operation.record`. When that resource has a `Resource.tag` (`$type`), a record that
//! carries the tag in its other spelling (`_type`, as in webhook payloads) is stored under
//! the tag's key, and `where` keys, query parameters and `order_by` fields that spell the
//! tag (`_type`, `$type`) read it. Without a tag, `$type` and `_type` are ordinary fields.
//!
//! # Relations
//!
//! The relations of a store's records are the `Resource.relations` of their resource, plus
//! the nested includes its endpoints offer (`challenge_items.challenge`: `challenge_items`
//! is a field holding `assessment_challenge_items` records, whose relation `challenge` it
//! is). A relation that was not requested is removed from every record (and from each
//! element of a nested path); a requested one the record carries is sent as stored. A
//! requested relation a record lacks is looked up in the stores, when `Relation.module`
//! names a resource, by foreign keys whose names follow from the relation's and resources'
//! names:
//!
//! - one record (`many: false`): the holder's `<relation>Id` is the id of a record of that
//!   module (`teamCandidate` ← `teamCandidateId` in `team_candidates`; `challenge` of a
//!   challenge item ← its `challengeId`);
//! - a list (`many: true`): the holder's `<relation, singular>Ids` are ids of such records,
//!   the singular being the relation's name with its module suffix replaced by the
//!   resource's name (`assignmentTeamMembers` ← `assignmentTeamMemberIds`, `assessments` ←
//!   `assessmentIds`); without that field, the records of the module whose
//!   `<holder resource>Id` is the holder's id (`solutions` of an assessment result ← the
//!   solutions with its id as `assessmentResultId`).
//!
//! Embedded copies come without their own relations. What is still not found is sent as
//! `[]` for a list relation (`Relation.many`) and `null` otherwise.

mod engine;
mod query;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::{Client, ClientBuilder};
use engine::{Answer, Call, Store};

/// The path of the API below the server's root, as in `https://www.qualified.io/api`.
const BASE_PATH: &str = "/api";

/// The largest request body the fake reads.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// A fault injected into one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Status(u16),
    RateLimit(u64),
    Delay(Duration),
    Drop,
    Truncate,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status(s) => write!(f, "HTTP {s}"),
            Fault::RateLimit(s) => write!(f, "429 Retry-After: {s}"),
            Fault::Delay(d) => write!(f, "delay {d:?}"),
            Fault::Drop => f.write_str("drop"),
            Fault::Truncate => f.write_str("truncate"),
        }
    }
}

/// One request as the fake server received it (see [`FakeServer::requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeenRequest {
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The raw path, still percent-encoded, as it arrived (`/api/v1/assessment_results/a%2Fb`).
    pub path: String,
    /// The raw query string, without `?`, if there was one.
    pub query: Option<String>,
    /// The endpoint it was routed to, as `module.name` (`assessment_results.get`), if any.
    pub operation: Option<String>,
    /// The decoded path parameters of that endpoint (`[("id", "a/b")]`).
    pub params: Vec<(String, String)>,
    /// The fault injected into this request, if any (`"HTTP 503"`, `"429 Retry-After: 1"`,
    /// `"delay 1.5s"`, `"drop"`, `"truncate"`).
    pub fault: Option<String>,
}

/// Counters of a [`FakeServer`] (see [`FakeServer::stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Every request received.
    pub requests: u64,
    /// Requests answered by the fake API (with any status, 401 and 404 included).
    pub served: u64,
    /// Requests that met an injected fault instead (a delayed request counts here, even
    /// though it is answered after its delay).
    pub faults: u64,
}

struct Shared {
    api_key: String,
    stores: Mutex<BTreeMap<String, Store>>,
    faults: Mutex<VecDeque<Fault>>,
    seen: Mutex<Vec<SeenRequest>>,
    requests: AtomicU64,
    served: AtomicU64,
    faulted: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock (in a test assertion) must not poison the fake.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A fake Qualified API on `127.0.0.1`, for tests. See the [module docs](self).
///
/// The server runs until the `FakeServer` is dropped.
pub struct FakeServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("url", &self.url)
            .field("api_key", &"[redacted]")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeServer {
    /// Starts a fake server on a free port of `127.0.0.1` with a random API key.
    ///
    /// # Panics
    /// Outside a tokio runtime, or when no port can be bound.
    pub async fn start() -> FakeServer {
        let key = format!("fake-key-{:016x}", fastrand::u64(..));
        FakeServer::start_with_key(key).await
    }

    /// Starts a fake server that accepts the API key `api_key`.
    ///
    /// # Panics
    /// Outside a tokio runtime, or when no port can be bound.
    pub async fn start_with_key(api_key: impl Into<String>) -> FakeServer {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("the fake Qualified server could not bind 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("the fake Qualified server has no local address");
        let shared = Arc::new(Shared {
            api_key: api_key.into(),
            stores: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(VecDeque::new()),
            seen: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            served: AtomicU64::new(0),
            faulted: AtomicU64::new(0),
        });
        let app = Router::new()
            .fallback(serve_request)
            .with_state(shared.clone())
            .into_make_service_with_connect_info::<ConnHandle>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(FakeListener(listener), app).await;
        });
        FakeServer {
            shared,
            addr,
            url: format!("http://{addr}{BASE_PATH}"),
            task,
        }
    }

    /// The base URL of the fake API (`http://127.0.0.1:<port>/api`), for
    /// [`ClientBuilder::base_url`] or `QUALIFIED_BASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key the server accepts in the `Authorization` header.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// A client builder set up for this server (its URL, `allow_http`, its key), to adjust
    /// (retry policy, timeouts, casing) before [`build`](ClientBuilder::build).
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .api_key(self.api_key())
            .base_url(self.url())
            .allow_http(true)
    }

    /// A client of this server with default settings.
    ///
    /// # Panics
    /// Never in practice: the settings are always valid.
    pub fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("a client of the fake server")
    }

    /// Stores `record` (any `Serialize` value that serialises as a JSON object, typically
    /// one of the crate's models) in the resource module `module` (`"assessment_results"`),
    /// and returns its id. Top-level keys are stored in camelCase, as the API sends them (a
    /// polymorphic tag under the spec's key, `$type`); a record without an `id` gets a new
    /// one. A record with the id of a stored one replaces it. Relations the record carries
    /// (`teamCandidate`, `solutions`, ...) are sent only when a request includes them; those
    /// it lacks can be found through foreign keys (see [Relations](self#relations)).
    ///
    /// # Panics
    /// When `module` is not a resource module of the API or `record` is not a JSON object.
    pub fn insert<T: Serialize + ?Sized>(&self, module: &str, record: &T) -> String {
        let value = serde_json::to_value(record)
            .unwrap_or_else(|e| panic!("record for `{module}` does not serialise: {e}"));
        self.insert_value(module, value)
    }

    /// Stores every record of `records` in `module` (see [`insert`](Self::insert)) and
    /// returns their ids.
    ///
    /// # Panics
    /// As [`insert`](Self::insert).
    pub fn insert_all<T, I>(&self, module: &str, records: I) -> Vec<String>
    where
        T: Serialize,
        I: IntoIterator<Item = T>,
    {
        records
            .into_iter()
            .map(|r| {
                let value = serde_json::to_value(&r)
                    .unwrap_or_else(|e| panic!("record for `{module}` does not serialise: {e}"));
                self.insert_value(module, value)
            })
            .collect()
    }

    fn insert_value(&self, module: &str, value: Value) -> String {
        let Some(info) = engine::tables().stores.get(module) else {
            panic!(
                "`{module}` is not a resource module of the fake server; use one of: {}",
                engine::store_names().join(", ")
            );
        };
        let Value::Object(mut map) = engine::camel_keys(value) else {
            panic!("a record for `{module}` must serialise as a JSON object");
        };
        engine::normalize_tag(&mut map, info.tag());
        let id = match map.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => {
                let id = engine::new_id();
                map.insert("id".to_owned(), Value::String(id.clone()));
                id
            }
        };
        let mut stores = lock(&self.shared.stores);
        let store = stores.entry(module.to_owned()).or_default();
        store.upsert(Value::Object(map));
        id
    }

    /// Every stored record of `module`, in insertion order, as stored (camelCase JSON).
    pub fn records(&self, module: &str) -> Vec<Value> {
        lock(&self.shared.stores)
            .get(module)
            .map(|s| s.records.clone())
            .unwrap_or_default()
    }

    /// The stored record of `module` with the id `id`, if there is one.
    pub fn record(&self, module: &str, id: &str) -> Option<Value> {
        lock(&self.shared.stores).get(module).and_then(|s| {
            s.records
                .iter()
                .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
                .cloned()
        })
    }

    /// Removes every stored record of every module.
    pub fn clear(&self) {
        lock(&self.shared.stores).clear();
    }

    fn push_faults(&self, n: usize, fault: Fault) {
        lock(&self.shared.faults).extend(std::iter::repeat_n(fault, n));
    }

    /// The next `n` requests are answered with the HTTP status `status` and a JSON error
    /// body. Faults are queued: each request takes the oldest one left.
    pub fn fail_next(&self, n: usize, status: u16) {
        self.push_faults(n, Fault::Status(status));
    }

    /// The next `n` requests are answered with `429 Too Many Requests` and
    /// `Retry-After: <retry_after_secs>`.
    pub fn rate_limit_next(&self, n: usize, retry_after_secs: u64) {
        self.push_faults(n, Fault::RateLimit(retry_after_secs));
    }

    /// The next `n` requests are answered normally, but only after `delay`.
    pub fn delay_next(&self, n: usize, delay: Duration) {
        self.push_faults(n, Fault::Delay(delay));
    }

    /// The next `n` requests get no response: their connection is closed.
    pub fn drop_next(&self, n: usize) {
        self.push_faults(n, Fault::Drop);
    }

    /// The next `n` requests get a truncated response: the status, the headers and a
    /// `Content-Length` for the whole body, then half of the body, then the connection is
    /// closed.
    pub fn truncate_next(&self, n: usize) {
        self.push_faults(n, Fault::Truncate);
    }

    /// Forgets every fault not yet injected.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// How many queued faults have not been injected yet.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared.faults).len()
    }

    /// Every request received so far, in order of arrival.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.shared.seen).clone()
    }

    /// The counters: requests received, served, and faults injected.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.shared.requests.load(Ordering::SeqCst),
            served: self.shared.served.load(Ordering::SeqCst),
            faults: self.shared.faulted.load(Ordering::SeqCst),
        }
    }
}

fn json_response(status: u16, body: Option<&Value>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(v) => {
            let mut r = Response::new(Body::from(v.to_string()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            r
        }
        None => Response::new(Body::empty()),
    };
    *response.status_mut() = status;
    response
}

async fn serve_request(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    request: Request,
) -> Response {
    shared.requests.fetch_add(1, Ordering::SeqCst);
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().map(str::to_owned);
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == shared.api_key.as_bytes());
    let routed = path
        .strip_prefix(BASE_PATH)
        .filter(|rest| rest.starts_with('/'))
        .and_then(|rest| engine::route(&method, rest));
    let fault = lock(&shared.faults).pop_front();
    if fault.is_some() {
        shared.faulted.fetch_add(1, Ordering::SeqCst);
    }
    lock(&shared.seen).push(SeenRequest {
        method: method.clone(),
        path: path.clone(),
        query: raw_query.clone(),
        operation: routed
            .as_ref()
            .map(|(r, _)| format!("{}.{}", r.op.module, r.op.name)),
        params: routed.as_ref().map(|(_, p)| p.clone()).unwrap_or_default(),
        fault: fault.map(|f| f.to_string()),
    });
    match fault {
        Some(Fault::Status(status)) => {
            let body = serde_json::json!({
                "message": format!("injected fault: HTTP {status}"),
                "status": status,
            });
            return json_response(status, Some(&body));
        }
        Some(Fault::RateLimit(secs)) => {
            let body = serde_json::json!({ "message": "rate limit exceeded", "status": 429 });
            let mut r = json_response(429, Some(&body));
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return r;
        }
        Some(Fault::Drop) => {
            // The response below is never written: the connection fails first.
            conn.kill();
            return json_response(500, None);
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        Some(Fault::Truncate) | None => {}
    }

    let body = match axum::body::to_bytes(request.into_body(), MAX_REQUEST_BODY).await {
        Ok(b) => b,
        Err(_) => Bytes::new(),
    };
    let answer = if !authorized {
        Answer::error(
            401,
            "invalid or missing API key in the Authorization header",
        )
    } else {
        match &routed {
            None => Answer::error(404, format!("no endpoint for {method} {path}")),
            Some((route, params)) => {
                let call = Call {
                    route,
                    params,
                    query: raw_query.as_deref(),
                    body: &body,
                };
                engine::handle(&mut lock(&shared.stores), &call)
            }
        }
    };
    if fault.is_none() {
        shared.served.fetch_add(1, Ordering::SeqCst);
    }
    let response = json_response(answer.status, answer.body.as_ref());
    if fault == Some(Fault::Truncate) {
        return truncate(response).await;
    }
    response
}

/// `response` with its full `Content-Length` but only half of its body, after which the
/// connection fails.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let declared = bytes.len().max(1) + 16;
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    let chunks = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok(half), 1)),
                1 => {
                    // Let the head and the first half go out before failing.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let e = io::Error::new(io::ErrorKind::ConnectionAborted, "truncated by fault");
                    Some((Err(e), 2))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(chunks))
}

/// The listener: plain TCP, each connection wrapped so that a fault can kill it.
struct FakeListener(TcpListener);

impl Listener for FakeListener {
    type Io = FakeIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((tcp, addr)) => {
                    let _ = tcp.set_nodelay(true);
                    let io = FakeIo {
                        tcp,
                        killed: Arc::new(AtomicBool::new(false)),
                    };
                    return (io, addr);
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection that fails every read and write once killed, so that hyper closes it
/// without writing the response in flight.
struct FakeIo {
    tcp: TcpStream,
    killed: Arc<AtomicBool>,
}

impl FakeIo {
    fn dead(&self) -> Option<io::Error> {
        self.killed.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by fault",
            )
        })
    }
}

impl AsyncRead for FakeIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for FakeIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.dead() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// The handle of one connection, given to each of its requests.
#[derive(Clone)]
struct ConnHandle(Arc<AtomicBool>);

impl ConnHandle {
    fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, FakeListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, FakeListener>) -> Self {
        ConnHandle(stream.io().killed.clone())
    }
}
