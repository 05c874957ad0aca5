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
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use qualified::assessment_results::AssessmentResult;
use qualified::{Client, Page};
use serde_json::Value;

const KEY: &str = "bench-key-0007";
/// Records per page, in the decoding and HTTP benchmarks.
const PER_PAGE: usize = 100;

fn request_build(c: &mut Criterion) {
    let client = Client::builder().api_key(KEY).build().unwrap();
    let base = client.base_url().clone();
    let since = common::request::since();
    let build = || common::request::url(black_box(&client), since);
    let url = build();
    assert_eq!(url.path(), "/api/v1/assessment_results");
    let query = url.query().unwrap();
    for part in [
        "where=",
        "includes%5B%5D=solutions",
        "includes%5B%5D=team_candidate",
        "order_by=created_at+DESC",
        "page=2",
    ] {
        assert!(query.contains(part), "{part} in {query}");
    }
    let text = url.to_string();
    let list = common::request::list(&client, since);
    let request = list.build();
    assert_eq!(request.build_url(&base).unwrap(), url);
    let mut g = c.benchmark_group("request");
    g.bench_function("build_list_url", |b| b.iter(build));
    // Where the time goes: the filter alone; `build()` of a ready builder (the query
    // values, the `where` JSON written from its conditions); the URL of a ready request (the
    // path, and the query encoded into the base URL); and, for scale, parsing the finished
    // URL text with `url::Url::parse` (what a client that formats the URL pays; reqwest
    // needs a `Url`).
    g.bench_function("where_only", |b| b.iter(|| common::request::filter(black_box(since))));
    g.bench_function("build_only", |b| b.iter(|| black_box(&list).build()));
    g.bench_function("url_only", |b| {
        b.iter(|| black_box(&request).build_url(&base).unwrap())
    });
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

    // The same two calls measured in pairs: on a shared VM the speed of the machine drifts
    // by 10–20% between criterion's two groups, taken seconds apart, which is more than the
    // difference to be measured. Each round times `PER_SIDE` calls of each, back to back
    // (the order alternating from round to round), and gives one ratio; the median ratio
    // of all rounds is the figure, its quartiles the spread.
    let rounds: usize = std::env::var(ROUNDS_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if rounds == 0 {
        eprintln!("http_list/paired: skipped (set {ROUNDS_ENV}=N; `cargo xtask bench` does)");
        return;
    }
    const PER_SIDE: u32 = 8;
    let paired = rt.block_on(async {
        for _ in 0..PER_SIDE {
            black_box(via_client().await);
            black_box(via_bare().await);
        }
        let mut out = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let time_client = async {
                let start = Instant::now();
                for _ in 0..PER_SIDE {
                    black_box(via_client().await);
                }
                start.elapsed()
            };
            let time_bare = async {
                let start = Instant::now();
                for _ in 0..PER_SIDE {
                    black_box(via_bare().await);
                }
                start.elapsed()
            };
            let (client, bare) = if round % 2 == 0 {
                let client = time_client.await;
                (client, time_bare.await)
            } else {
                let bare = time_bare.await;
                (time_client.await, bare)
            };
            out.push((client.as_secs_f64(), bare.as_secs_f64()));
        }
        out
    });
    let mut ratios: Vec<f64> = paired.iter().map(|(a, b)| a / b).collect();
    ratios.sort_by(f64::total_cmp);
    let quantile = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    let per_call = |side: fn(&(f64, f64)) -> f64| {
        let mut v: Vec<f64> = paired.iter().map(side).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2] / f64::from(PER_SIDE) * 1e6
    };
    // Read by `cargo xtask bench`: `paired <name>: <value>` lines on stdout.
    println!(
        "paired http_list_client: {:.1}\npaired http_list_bare_reqwest: {:.1}",
        per_call(|p| p.0),
        per_call(|p| p.1)
    );
    println!(
        "paired ratio_client_bare_http: {:.3}\npaired ratio_client_bare_http_q1: {:.3}\n\
         paired ratio_client_bare_http_q3: {:.3}\npaired rounds: {rounds}",
        quantile(0.5),
        quantile(0.25),
        quantile(0.75)
    );
}

/// The number of paired rounds of the HTTP figure (none when unset).
const ROUNDS_ENV: &str = "QUALIFIED_BENCH_HTTP_ROUNDS";

criterion_group!(benches, request_build, decode, http);
criterion_main!(benches);
