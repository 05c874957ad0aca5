//! Criterion benchmarks of the runtime (figures 4–6 of `BENCHMARKS.md`; `cargo xtask bench`
//! runs them and reads their results back):
//!
//! - `request/build_list_url`: a list request with a 3-condition filter, two includes, an
//!   order and a page, built and turned into a URL;
//! - `decode_page100/{typed,value}`: one 100-record page of assessment results decoded into
//!   `Page<AssessmentResult>`, and the same bytes into `serde_json::Value`;
//!   `decode_page100/typed_tracked`: the same typed decoding through `serde_path_to_error`,
//!   as the client does it;
//! - `http_list/{client,bare_reqwest}`: a list call through the client against an axum server
//!   on loopback serving a fixed page, and the same request made with bare reqwest (the
//!   crate's own reqwest) and a hand-built URL, decoded the same way (`serde_json` into
//!   `Page<AssessmentResult>`).

mod common;

use std::hint::black_box;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use chrono::DateTime;
use criterion::{Criterion, criterion_group, criterion_main};
use qualified::assessment_results::{AssessmentResult, Order, Where, include};
use qualified::types::AssessmentResultState;
use qualified::{Casing, Client, Page};
use serde_json::Value;

const KEY: &str = "bench-key-0007";
/// Records per page, in the decoding and HTTP benchmarks.
const PER_PAGE: usize = 100;

fn request_build(c: &mut Criterion) {
    let client = Client::builder().api_key(KEY).build().unwrap();
    let base = client.base_url().clone();
    let since = DateTime::parse_from_rfc3339("2024-01-01T00:00:00+00:00").unwrap();
    let build = || {
        let req = client
            .assessment_results()
            .list()
            .filter(
                Where::new()
                    .state()
                    .is_in([
                        AssessmentResultState::Submitted,
                        AssessmentResultState::Submitting,
                    ])
                    .score()
                    .gte(80.0)
                    .created_at()
                    .gt(since),
            )
            .include(include::Solutions)
            .include(include::TeamCandidate)
            .order_by(Order::CreatedAt.desc())
            .page(2)
            .build();
        req.build_url(black_box(&base), Casing::Snake).unwrap()
    };
    let url = build();
    assert_eq!(url.path(), "/api/v1/assessment_results");
    let query = url.query().unwrap();
    for part in [
        "where=",
        "includes%5B%5D=solutions",
        "includes%5B%5D=team_candidate",
        "order_by=created_at%20DESC",
        "page=2",
    ] {
        assert!(query.contains(part), "{part} in {query}");
    }
    let text = build().to_string();
    let mut g = c.benchmark_group("request");
    g.bench_function("build_list_url", |b| b.iter(build));
    // Where the time goes: parsing the finished URL alone (any client pays it: reqwest
    // needs a `Url`), and the builder without the URL.
    g.bench_function("url_parse_only", |b| b.iter(|| url::Url::parse(black_box(&text)).unwrap()));
    g.finish();
}

fn decode(c: &mut Criterion) {
    let bytes = common::page_bytes(1, PER_PAGE, 10 * PER_PAGE);
    common::assert_decodes_completely(&bytes);
    eprintln!(
        "decode_page100: {} KiB of JSON per page",
        bytes.len() / 1024
    );
    let mut g = c.benchmark_group("decode_page100");
    g.bench_function("typed", |b| {
        b.iter(|| serde_json::from_slice::<Page<AssessmentResult>>(black_box(&bytes)).unwrap())
    });
    g.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&bytes)).unwrap())
    });
    // As the client decodes (it tracks the JSON path, to name it in a decoding error): the
    // part of figure 6's overhead that is decoding.
    g.bench_function("typed_tracked", |b| {
        b.iter(|| {
            let mut de = serde_json::Deserializer::from_slice(black_box(&bytes));
            let page: Page<AssessmentResult> = serde_path_to_error::deserialize(&mut de).unwrap();
            de.end().unwrap();
            page
        })
    });
    g.finish();
}

/// An axum server on 127.0.0.1 (its own thread and runtime) that answers
/// `GET /v1/assessment_results` with `body`.
fn page_server(body: Vec<u8>) -> SocketAddr {
    let body = Bytes::from(body);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route(
                "/v1/assessment_results",
                get(move || {
                    let body = body.clone();
                    async move { ([(header::CONTENT_TYPE, "application/json")], body) }
                }),
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

fn http(c: &mut Criterion) {
    let addr = page_server(common::page_bytes(1, PER_PAGE, 10 * PER_PAGE));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder()
        .api_key(KEY)
        .base_url(&format!("http://{addr}"))
        .allow_http(true)
        .build()
        .unwrap();
    let bare = reqwest::Client::new();

    let via_client = || async {
        client
            .assessment_results()
            .list()
            .page(1)
            .send()
            .await
            .unwrap()
    };
    let via_bare = || async {
        let url = format!("http://{addr}/v1/assessment_results?page=1");
        let response = bare
            .get(url)
            .header(reqwest::header::AUTHORIZATION, KEY)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        let body = response.bytes().await.unwrap();
        serde_json::from_slice::<Page<AssessmentResult>>(&body).unwrap()
    };
    // Both get the same page.
    let (a, b) = rt.block_on(async { (via_client().await, via_bare().await) });
    assert_eq!(a, b);
    assert_eq!(a.data.len(), PER_PAGE);

    let mut g = c.benchmark_group("http_list");
    g.bench_function("client", |b| b.to_async(&rt).iter(via_client));
    g.bench_function("bare_reqwest", |b| b.to_async(&rt).iter(via_bare));
    g.finish();
}

criterion_group!(benches, request_build, decode, http);
criterion_main!(benches);
