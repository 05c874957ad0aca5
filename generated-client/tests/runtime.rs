//! The hand-written runtime over real HTTP, against an axum server on 127.0.0.1:0.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request as HttpRequest, State};
use axum::http::StatusCode;
use axum::response::Response;
use futures::TryStreamExt;
use qualified::filter::{
    Conditions, Direction, Filter, NumberField, OrderBy, OrderField, TextField, TimeField,
    ValueField,
};
use qualified::rt::{self, Request};
use qualified::{Casing, Client, Error, Page, Record, RetryPolicy};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod support;
use support::{Captured, LogBuffer, serve};

const KEY: &str = "test-key-5f3a9c";

// ---------------------------------------------------------------------------------------
// The test server.

#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    /// Send the body in these many chunks, without `Content-Length`.
    chunks: Option<usize>,
    delay: Duration,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply::raw(status, body.to_string())
    }

    fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.into(),
            chunks: None,
            delay: Duration::ZERO,
        }
    }

    fn ok() -> Reply {
        Reply::json(200, json!({}))
    }

    fn header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn delay(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    fn chunked(mut self, n: usize) -> Reply {
        self.chunks = Some(n);
        self
    }
}

type Responder = Arc<dyn Fn(usize, &Captured) -> Reply + Send + Sync>;

#[derive(Clone)]
struct AppState {
    log: Arc<Mutex<Vec<Captured>>>,
    respond: Responder,
}

struct Server {
    base: String,
    log: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(respond: impl Fn(usize, &Captured) -> Reply + Send + Sync + 'static) -> Server {
        let log = Arc::new(Mutex::new(Vec::new()));
        let state = AppState {
            log: log.clone(),
            respond: Arc::new(respond),
        };
        let (addr, task) = serve(Router::new().fallback(handle).with_state(state)).await;
        Server {
            base: format!("http://{addr}/api"),
            log,
            task,
        }
    }

    /// Answers with `replies` in turn, then with `{}`.
    async fn script(replies: Vec<Reply>) -> Server {
        Server::start(move |i, _| replies.get(i).cloned().unwrap_or_else(Reply::ok)).await
    }

    fn requests(&self) -> Vec<Captured> {
        self.log.lock().unwrap().clone()
    }

    fn client(&self) -> qualified::ClientBuilder {
        Client::builder()
            .api_key(KEY)
            .base_url(&self.base)
            .allow_http(true)
            .retry(fast_retries())
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

async fn handle(State(state): State<AppState>, req: HttpRequest) -> Response {
    let captured = Captured::of(req).await;
    let index = {
        let mut log = state.log.lock().unwrap();
        log.push(captured.clone());
        log.len() - 1
    };
    let reply = (state.respond)(index, &captured);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let body = match reply.chunks {
        None => Body::from(reply.body),
        Some(n) => {
            let size = reply.body.len().div_ceil(n.max(1)).max(1);
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                reply.body.chunks(size).map(|c| Ok(c.to_vec())).collect();
            Body::from_stream(futures::stream::iter(chunks))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (name, value) in reply.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

// ---------------------------------------------------------------------------------------
// Test-only typed filter and model, shaped as the generator emits them.

#[derive(Debug, Default, Clone)]
struct Where(Conditions);

impl Filter for Where {
    fn conditions(&self) -> &Conditions {
        &self.0
    }
    fn conditions_mut(&mut self) -> &mut Conditions {
        &mut self.0
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum ResultState {
    Opened,
    Started,
    Submitted,
}

impl Where {
    fn new() -> Where {
        Where::default()
    }
    fn state(self) -> ValueField<Self, ResultState> {
        ValueField::new(self, "state")
    }
    fn score(self) -> NumberField<Self, f64> {
        NumberField::new(self, "score")
    }
    fn created_at(self) -> TimeField<Self> {
        TimeField::new(self, "created_at")
    }
    fn language(self) -> TextField<Self> {
        TextField::new(self, "digest.languages.name")
    }
}

#[derive(Debug, Clone, Copy)]
enum Order {
    CreatedAt,
}

impl OrderField for Order {
    fn wire(self) -> &'static str {
        match self {
            Order::CreatedAt => "created_at",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Thing {
    id: String,
    score: f64,
}

fn get(template: &'static str) -> Request {
    Request::new(Method::GET, template, Casing::Snake)
}

// ---------------------------------------------------------------------------------------
// Request shape.

#[tokio::test]
async fn request_shape_of_a_filtered_list() {
    let server = Server::script(vec![]).await;
    let client = server.client().build().unwrap();

    let mut req = get("/v1/assessment_results");
    req.query("page", "2");
    req.filter(
        &Where::new()
            .state()
            .is_in([ResultState::Opened, ResultState::Started])
            .score()
            .gte(80),
    );
    req.includes(&["solutions"]);
    req.order_by(&OrderBy::new(Order::CreatedAt, Direction::Desc));
    let _: Value = client.send_json(req).await.unwrap();

    let mut req = get("/v1/assessment_results");
    req.filter(&Where::new().state().eq(ResultState::Submitted));
    req.includes(&["solutions", "team_candidate"]);
    let _: Value = client.send_json(req).await.unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    let first = &reqs[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/api/v1/assessment_results");
    assert_eq!(first.header("authorization"), Some(KEY));
    assert_eq!(first.header("accept"), Some("application/json"));
    assert!(
        first
            .header("user-agent")
            .unwrap()
            .starts_with("qualified-rust/")
    );
    assert_eq!(first.header("content-type"), None);
    assert!(first.body.is_empty());
    let pairs = first.query_pairs();
    let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["page", "where", "includes", "order_by"]);
    assert_eq!(pairs[0].1, "2");
    assert_eq!(
        serde_json::from_str::<Value>(&pairs[1].1).unwrap(),
        json!({"state": {"in": ["opened", "started"]}, "score": {">=": 80.0}})
    );
    assert_eq!(pairs[2].1, "solutions");
    assert_eq!(pairs[3].1, "created_at DESC");
    assert!(
        first
            .query
            .as_deref()
            .unwrap()
            .ends_with("order_by=created_at+DESC")
    );

    let second = &reqs[1];
    assert_eq!(
        second.query_pairs(),
        vec![
            ("where".to_owned(), r#"{"state":"submitted"}"#.to_owned()),
            ("includes[]".to_owned(), "solutions".to_owned()),
            ("includes[]".to_owned(), "team_candidate".to_owned()),
        ]
    );
}

#[tokio::test]
async fn where_keys_follow_the_client_casing() {
    let server = Server::script(vec![]).await;
    let t = chrono::DateTime::parse_from_rfc3339("2023-05-10T20:48:30Z").unwrap();
    let filter = Where::new().created_at().gte(t).language().contains("rust");
    for casing in [Casing::Snake, Casing::Camel] {
        let client = server.client().casing(casing).build().unwrap();
        let mut req = Request::new(Method::GET, "/v1/x", client.casing());
        req.filter(&filter);
        let _: Value = client.send_json(req).await.unwrap();
    }
    let reqs = server.requests();
    let where_of = |c: &Captured| -> Value {
        let (_, w) = c
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "where")
            .unwrap();
        serde_json::from_str(&w).unwrap()
    };
    let snake = where_of(&reqs[0]);
    let camel = where_of(&reqs[1]);
    assert_eq!(
        snake,
        json!({"created_at": {">=": "2023-05-10T20:48:30Z"}, "digest.languages.name": {"contains": "rust"}})
    );
    assert_eq!(
        camel,
        json!({"createdAt": {">=": "2023-05-10T20:48:30Z"}, "digest.languages.name": {"contains": "rust"}})
    );
    // What the server reads back is the filter that was sent, in either casing.
    assert_eq!(&Conditions::from_json(&snake).unwrap(), filter.conditions());
    assert_eq!(&Conditions::from_json(&camel).unwrap(), filter.conditions());
}

#[tokio::test]
async fn hostile_path_params_stay_inside_one_segment() {
    let server = Server::script(vec![]).await;
    let client = server.client().build().unwrap();
    let cases = [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b=c", "a%3Fb%3Dc"),
        ("a#b", "a%23b"),
        ("%2e%2e", "%252e%252e"),
        ("645c03181d41c84e89fe36b0", "645c03181d41c84e89fe36b0"),
    ];
    for (value, _) in cases {
        let mut req = get("/v1/assessments/{assessment_id}/challenge_items/{id}");
        req.path_param("assessment_id", value);
        req.path_param("id", "7");
        let _: Value = client.send_json(req).await.unwrap();
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), cases.len());
    for ((value, encoded), captured) in cases.iter().zip(&reqs) {
        assert_eq!(
            captured.path,
            format!("/api/v1/assessments/{encoded}/challenge_items/7"),
            "{value}"
        );
        assert_eq!(captured.query, None, "{value}");
    }

    for value in ["", ".", ".."] {
        let mut req = get("/v1/assessments/{id}");
        req.path_param("id", value);
        let err = client.send_json::<Value>(req).await.unwrap_err();
        assert!(matches!(err, Error::Encode { .. }), "{value}: {err}");
    }
    assert_eq!(
        server.requests().len(),
        cases.len(),
        "refused requests are never sent"
    );
}

#[tokio::test]
async fn trailing_slash_of_the_template_is_kept() {
    let server = Server::script(vec![]).await;
    let client = server.client().build().unwrap();
    let mut req = Request::new(Method::POST, "/v1/assessments/{id}/challenge_items/", Casing::Snake);
    req.path_param("id", "5da42a8ea54d75e0663421c2");
    req.body(json!({"data": {"challenge_id": "5fa42a8ea54d75e066342d39"}}));
    let _: Value = client.send_json(req).await.unwrap();
    let captured = &server.requests()[0];
    assert_eq!(
        captured.path,
        "/api/v1/assessments/5da42a8ea54d75e0663421c2/challenge_items/"
    );
}

#[tokio::test]
async fn bodies_are_recased_to_the_client_casing() {
    let server = Server::script(vec![]).await;
    let body = json!({"data": {
        "challenge_id": "c1",
        "$type": "CodeChallenge",
        "run_config": {"test_command": "cargo test"},
        "custom_data": rt::raw_json(json!({"keep_me": {"AsIs": 1}})),
    }});
    for casing in [Casing::Snake, Casing::Camel] {
        let client = server.client().casing(casing).build().unwrap();
        let mut req = Request::new(Method::PUT, "/v1/things/{id}", client.casing());
        req.path_param("id", "1");
        req.body(body.clone());
        let _: Value = client.send_json(req).await.unwrap();
    }
    let reqs = server.requests();
    for r in &reqs {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    assert_eq!(
        reqs[0].json(),
        json!({"data": {
            "challenge_id": "c1",
            "$type": "CodeChallenge",
            "run_config": {"test_command": "cargo test"},
            "custom_data": {"keep_me": {"AsIs": 1}},
        }})
    );
    assert_eq!(
        reqs[1].json(),
        json!({"data": {
            "challengeId": "c1",
            "$type": "CodeChallenge",
            "runConfig": {"testCommand": "cargo test"},
            "customData": {"keep_me": {"AsIs": 1}},
        }})
    );
}

// ---------------------------------------------------------------------------------------
// Retries and timeouts.

#[tokio::test]
async fn retries_a_503_then_succeeds() {
    let server = Server::script(vec![
        Reply::json(503, json!({"message": "busy"})),
        Reply::json(200, json!({"ok": true})),
    ])
    .await;
    let client = server.client().build().unwrap();
    let v: Value = client.send_json(get("/v1/x")).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let server = Server::script(vec![
        Reply::json(429, json!({"message": "slow down"})).header("retry-after", "1"),
        Reply::ok(),
    ])
    .await;
    let client = server.client().build().unwrap();
    let started = Instant::now();
    let _: Value = client.send_json(get("/v1/x")).await.unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_is_capped() {
    let server = Server::script(vec![
        Reply::json(503, json!({})).header("retry-after", "3600"),
        Reply::ok(),
    ])
    .await;
    let client = server
        .client()
        .retry(fast_retries().max_retry_after(Duration::from_millis(50)))
        .build()
        .unwrap();
    let started = Instant::now();
    let _: Value = client.send_json(get("/v1/x")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn post_is_retried_only_when_asked() {
    let replies = || vec![Reply::json(503, json!({"message": "busy"})), Reply::ok()];

    let server = Server::script(replies()).await;
    let client = server.client().build().unwrap();
    let mut req = Request::new(Method::POST, "/v1/things", Casing::Snake);
    req.body(json!({"data": {}}));
    let err = client.send_json::<Value>(req.clone()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(server.requests().len(), 1);

    let server = Server::script(replies()).await;
    let client = server
        .client()
        .retry(fast_retries().retry_post(true))
        .build()
        .unwrap();
    let _: Value = client.send_json(req).await.unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn attempts_are_bounded_and_counted() {
    let server = Server::start(|_, _| Reply::json(503, json!({"message": "busy"}))).await;
    let client = server
        .client()
        .retry(fast_retries().max_attempts(4))
        .build()
        .unwrap();
    let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
    match &err {
        Error::Api {
            status,
            message,
            attempts,
            ..
        } => {
            assert_eq!(*status, 503);
            assert_eq!(message.as_deref(), Some("busy"));
            assert_eq!(*attempts, 4);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(server.requests().len(), 4);

    // Not retried: a client error.
    let server = Server::start(|_, _| Reply::json(404, json!({"error": "Not found"}))).await;
    let client = server.client().build().unwrap();
    let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.attempts(), Some(1));
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("Not found"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_attempt_times_out_and_the_next_succeeds() {
    let server = Server::script(vec![
        Reply::json(200, json!({"slow": true})).delay(Duration::from_secs(10)),
        Reply::json(200, json!({"slow": false})),
    ])
    .await;
    let client = server
        .client()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let v: Value = client.send_json(get("/v1/x")).await.unwrap();
    assert_eq!(v, json!({"slow": false}));
    assert_eq!(server.requests().len(), 2);

    let server = Server::start(|_, _| Reply::ok().delay(Duration::from_secs(10))).await;
    let client = server
        .client()
        .timeout(Duration::from_millis(200))
        .retry(fast_retries().max_attempts(2))
        .build()
        .unwrap();
    let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
    match err {
        Error::Timeout { attempts, elapsed } => {
            assert_eq!(attempts, 2);
            assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&format!("http://{addr}/api"))
        .allow_http(true)
        .retry(fast_retries())
        .build()
        .unwrap();
    let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
    match &err {
        Error::Transport {
            attempts, source, ..
        } => {
            assert_eq!(*attempts, 3);
            assert!(source.is_some());
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.is_retryable());
    assert!(!format!("{err} {err:?}").contains(KEY));
}

// ---------------------------------------------------------------------------------------
// Bodies and decoding.

#[tokio::test]
async fn too_large_bodies_are_refused() {
    let big = json!({"data": "x".repeat(4096)});
    let server = Server::script(vec![
        Reply::json(200, big.clone()),
        Reply::json(200, big.clone()).chunked(8),
        Reply::json(200, json!({"small": 1})),
    ])
    .await;
    let client = server.client().max_body_bytes(1024).build().unwrap();
    for _ in 0..2 {
        let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::BodyTooLarge {
                    limit: 1024,
                    attempts: 1
                }
            ),
            "{err:?}"
        );
        assert!(!err.is_retryable());
    }
    let v: Value = client.send_json(get("/v1/x")).await.unwrap();
    assert_eq!(v, json!({"small": 1}));
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn non_json_error_bodies_become_api_errors_with_a_snippet() {
    let html = format!("<html><body>{}</body></html>", "é".repeat(3000));
    let server = Server::script(vec![Reply::raw(500, html.clone())]).await;
    let client = server.client().build().unwrap();
    let err = client.send_json::<Value>(get("/v1/x")).await.unwrap_err();
    match err {
        Error::Api {
            status,
            message,
            body,
            attempts,
        } => {
            assert_eq!(status, 500);
            assert_eq!(message, None);
            assert!(body.starts_with("<html><body>é"), "{body}");
            assert!(body.len() <= 1024, "{}", body.len());
            assert_eq!(attempts, 1, "500 is not retried");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn bad_json_is_a_decode_error_with_its_path() {
    let server = Server::script(vec![
        Reply::json(
            200,
            json!({"id": "1", "type": "Thing", "data": {"id": "1", "score": "high"}}),
        ),
        Reply::raw(200, "{not json"),
    ])
    .await;
    let client = server.client().build().unwrap();
    let err = client
        .send_json::<Record<Thing>>(get("/v1/things/1"))
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            status,
            path,
            body,
            message,
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, "data.score");
            assert!(body.contains("\"high\""), "{body}");
            assert!(message.contains("invalid type"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("data.score"), "{err}");
    let err = client
        .send_json::<Record<Thing>>(get("/v1/things/1"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
}

#[tokio::test]
async fn records_decode_and_deref() {
    let server = Server::script(vec![Reply::json(
        200,
        json!({"id": "1", "type": "Thing", "data": {"id": "1", "score": 9.5},
               "meta": {"timestamp": "2023-05-10T13:52:55.286-07:00", "includes": []}}),
    )])
    .await;
    let client = server.client().build().unwrap();
    let rec: Record<Thing> = client.send_json(get("/v1/things/1")).await.unwrap();
    assert_eq!(rec.score, 9.5);
    assert_eq!(rec.type_name.as_deref(), Some("Thing"));
    assert!(rec.meta.as_ref().unwrap().timestamp.is_some());
}

#[tokio::test]
async fn send_empty_accepts_204_and_ignores_bodies() {
    let server = Server::script(vec![
        Reply::raw(204, ""),
        Reply::raw(200, "x".repeat(100_000)),
        Reply::json(409, json!({"errors": {"email": ["is taken"]}})),
    ])
    .await;
    let client = server.client().max_body_bytes(1024).build().unwrap();
    let del = || {
        let mut r = Request::new(Method::DELETE, "/v1/things/{id}", Casing::Snake);
        r.path_param("id", "1");
        r
    };
    client.send_empty(del()).await.unwrap();
    client.send_empty(del()).await.unwrap();
    let err = client.send_empty(del()).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert!(err.to_string().contains("email: is taken"), "{err}");
    assert_eq!(server.requests()[0].method, "DELETE");
}

// ---------------------------------------------------------------------------------------
// Secrets.

#[tokio::test]
async fn the_key_never_shows_in_debug_errors_or_traces() {
    use tracing::instrument::WithSubscriber;

    // The server echoes the key back in its error body, as a careless server might.
    let server = Server::start(|i, req| {
        let key = req.header("authorization").unwrap_or("").to_owned();
        match i {
            0 => Reply::json(503, json!({"message": "busy"})),
            1 => Reply::ok(),
            _ => Reply::json(401, json!({"message": format!("invalid key {key}")})),
        }
    })
    .await;
    let builder = server.client();
    let client = builder.clone().build().unwrap();
    for text in [format!("{builder:?}"), format!("{client:?}")] {
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let (ok, err) = async {
        let mut req = get("/v1/things/{id}");
        req.path_param("id", "645c03181d41c84e89fe36b0");
        let ok = client.send_json::<Value>(req).await;
        let err = client.send_json::<Value>(get("/v1/things")).await;
        (ok, err)
    }
    .with_subscriber(subscriber)
    .await;
    ok.unwrap();
    let err = err.unwrap_err();
    assert_eq!(err.status(), Some(401));
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(KEY), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }

    let logs = logs.text();
    assert!(logs.contains("qualified.request"), "{logs}");
    assert!(logs.contains("/v1/things/{id}"), "{logs}");
    assert!(logs.contains("attempt=2"), "{logs}");
    assert!(logs.contains("status=200"), "{logs}");
    assert!(logs.contains("retrying request"), "{logs}");
    assert!(!logs.contains(KEY), "{logs}");
    assert!(
        !logs.contains("645c03181d41c84e89fe36b0"),
        "ids stay out of the trace: {logs}"
    );
}

// ---------------------------------------------------------------------------------------
// Pagination.

fn page_server_reply(page: u32) -> Reply {
    let per = 3u32;
    let total_pages = 3u32;
    let data: Vec<Value> = (0..per)
        .map(|i| json!({"id": format!("r{}", (page - 1) * per + i), "score": f64::from(i)}))
        .collect();
    Reply::json(
        200,
        json!({"type": "Thing", "data": data, "currentPage": page, "totalPages": total_pages,
               "totalCount": per * total_pages,
               "meta": {"timestamp": "2023-05-10T13:52:55.286-07:00", "includes": []}}),
    )
}

#[tokio::test]
async fn streams_every_record_of_three_pages_once_in_order() {
    let server = Server::start(|_, req| {
        let page = req
            .query_pairs()
            .into_iter()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(1);
        if (1..=3).contains(&page) {
            page_server_reply(page)
        } else {
            Reply::json(400, json!({"message": "no such page"}))
        }
    })
    .await;
    let client = server.client().build().unwrap();
    let fetch = |client: Client| {
        move |page: u32| {
            let client = client.clone();
            async move {
                let mut req = get("/v1/things");
                req.query_display("page", page);
                req.query("limit", "3");
                client.send_json::<Page<Thing>>(req).await
            }
        }
    };

    let mut stream = qualified::pagination::stream(1, fetch(client.clone()));
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.id, "r0");
    assert_eq!(server.requests().len(), 1, "pages are fetched lazily");
    let rest: Vec<Thing> = stream.try_collect().await.unwrap();
    let ids: Vec<String> = std::iter::once(first.id)
        .chain(rest.into_iter().map(|t| t.id))
        .collect();
    assert_eq!(ids, (0..9).map(|i| format!("r{i}")).collect::<Vec<_>>());
    let pages: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.query.clone().unwrap())
        .collect();
    assert_eq!(
        pages,
        ["page=1&limit=3", "page=2&limit=3", "page=3&limit=3"]
    );

    let pages: Vec<Page<Thing>> = qualified::pagination::pages(1, fetch(client))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    assert_eq!(pages[2].current_page, 3);
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_after_one_error() {
    let server = Server::start(|_, req| {
        if req.query.as_deref() == Some("page=2") {
            Reply::json(404, json!({"message": "gone"}))
        } else {
            page_server_reply(1)
        }
    })
    .await;
    let client = server.client().build().unwrap();
    let items: Vec<_> =
        futures::StreamExt::collect(qualified::pagination::stream(1, move |page| {
            let client = client.clone();
            async move {
                let mut req = get("/v1/things");
                req.query_display("page", page);
                client.send_json::<Page<Thing>>(req).await
            }
        }))
        .await;
    assert_eq!(items.len(), 4);
    assert!(items[..3].iter().all(Result::is_ok));
    assert_eq!(items[3].as_ref().unwrap_err().status(), Some(404));
    assert_eq!(server.requests().len(), 2);
}
