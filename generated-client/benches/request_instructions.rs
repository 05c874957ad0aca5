//! Figure 4 counted in instructions rather than timed: `cargo xtask bench` runs this binary
//! under callgrind (when valgrind is installed), once with no iterations and once with many,
//! and reports the difference per iteration. Unlike a time, the count is the same from run
//! to run and from a busy machine to a quiet one.
//!
//! `QUALIFIED_BENCH_ITERS` (default 0) says how many times to build the request of
//! `common::request` into its URL; with `QUALIFIED_BENCH_WHAT=parse`, each iteration
//! parses the finished URL text with `url::Url::parse` instead (for scale).

mod common;

use std::hint::black_box;

use qualified::Client;

fn main() {
    let iters: usize = std::env::var("QUALIFIED_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let parse = std::env::var("QUALIFIED_BENCH_WHAT").is_ok_and(|w| w == "parse");
    let client = Client::builder().api_key("bench-key-0007").build().unwrap();
    let since = common::request::since();
    let text = common::request::url(&client, since).to_string();
    for _ in 0..iters {
        if parse {
            black_box(url::Url::parse(black_box(&text)).unwrap());
        } else {
            black_box(common::request::url(black_box(&client), since));
        }
    }
}
