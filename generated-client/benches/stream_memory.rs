//! Peak heap while streaming a list (figure 7 of `BENCHMARKS.md`): `list().limit(100).stream()`
//! over 10,000 and over 100,000 assessment results served by `qualified::fake`; the peak of
//! live heap bytes during the stream must not grow with the number of records (one page in
//! memory at a time).
//!
//! Prints `stream_peak_10k: X KiB`, `stream_peak_100k: Y KiB` and
//! `ratio_stream_peak_100k_10k: R` (read by `cargo xtask bench`).
//!
//! How: this binary counts every allocation of its process (a counting global allocator:
//! live bytes now, and their peak). The fake servers run in a child process (this same
//! binary, started with `--serve`), so neither their store (~1 GB of JSON values for 110,000
//! records) nor their work is counted: what is measured is the client alone. Before each
//! stream, after a warm-up stream has set up the runtime, the connection pool and everything
//! lazily initialised, the peak is reset to the live bytes of that moment (the baseline); the
//! figure is the peak minus the baseline.
//!
//! The records: the synthetic assessment results of the decoding benchmark (every field of
//! the model), without their solutions (the stream does not include them); record `i` is
//! record `i % 1000` with its own id.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::TryStreamExt;
use qualified::Client;

// ---------------------------------------------------------------------------------------
// The counting allocator.

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(n: usize) {
    LIVE.fetch_sub(n, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System::alloc`'s.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------
// The server (child process).

const PER_PAGE: usize = 100;
/// The lists streamed: the first is also the warm-up.
const SIZES: [usize; 2] = [10_000, 100_000];

/// `--serve`: two fake servers, with 10,000 and 100,000 assessment results; prints
/// `<records> <base URL> <API key>` for each, then serves until stdin closes.
fn serve() {
    use qualified::assessment_results::AssessmentResult;
    use qualified::fake::FakeServer;

    // The parent closing our stdin (or dying) ends the servers.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    const DISTINCT: usize = 1_000;
    let templates: Vec<AssessmentResult> = (0..DISTINCT)
        .map(|i| {
            let mut r: AssessmentResult =
                serde_json::from_value(common::assessment_result(i)).unwrap();
            r.solutions = None;
            r
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut servers = Vec::new();
        for total in SIZES {
            let server = FakeServer::start().await;
            server.insert_all(
                "assessment_results",
                (0..total).map(|i| {
                    let mut r = templates[i % DISTINCT].clone();
                    r.id = common::oid(0xa5, i).into();
                    r
                }),
            );
            println!("{total} {} {}", server.url(), server.api_key());
            servers.push(server);
        }
        std::future::pending::<()>().await;
    });
}

// ---------------------------------------------------------------------------------------
// The measurement (parent process).

struct Measured {
    records: usize,
    secs: f64,
    peak: usize,
    retained: isize,
}

fn stream_all(rt: &tokio::runtime::Runtime, client: &Client) -> usize {
    rt.block_on(async {
        let mut stream = client
            .assessment_results()
            .list()
            .limit(PER_PAGE as u32)
            .stream();
        let mut n = 0;
        while let Some(record) = stream.try_next().await.unwrap() {
            std::hint::black_box(&record);
            n += 1;
        }
        n
    })
}

fn measure(rt: &tokio::runtime::Runtime, server: &Server) -> Measured {
    let client = Client::builder()
        .api_key(&server.key)
        .base_url(&server.url)
        .allow_http(true)
        .build()
        .unwrap();
    let baseline = LIVE.load(Ordering::SeqCst);
    PEAK.store(baseline, Ordering::SeqCst);
    let started = std::time::Instant::now();
    let records = stream_all(rt, &client);
    let secs = started.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::SeqCst) - baseline;
    let retained = LIVE.load(Ordering::SeqCst) as isize - baseline as isize;
    assert_eq!(records, server.records, "every record streamed once");
    Measured {
        records,
        secs,
        peak,
        retained,
    }
}

struct Server {
    records: usize,
    url: String,
    key: String,
}

fn main() {
    // `cargo bench` passes `--bench`; other arguments are ignored.
    if std::env::args().any(|a| a == "--serve") {
        serve();
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --benches`: this is a measurement, not a test.
        eprintln!("stream_memory: skipped (run it with `cargo bench --bench stream_memory`)");
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the fake servers");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let servers: Vec<Server> = SIZES
        .iter()
        .map(|_| {
            let line = lines
                .next()
                .expect("the fake servers printed their URLs")
                .unwrap();
            let mut parts = line.split(' ');
            let (records, url, key) = (parts.next(), parts.next(), parts.next());
            Server {
                records: records.unwrap().parse().unwrap(),
                url: url.unwrap().to_owned(),
                key: key.expect("<records> <url> <key>").to_owned(),
            }
        })
        .collect();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Warm-up: the runtime, reqwest's and hyper's lazily built state, tracing's callsites.
    let _ = measure(&rt, &servers[0]);
    let small = measure(&rt, &servers[0]);
    let large = measure(&rt, &servers[1]);

    drop(child.stdin.take());
    let _ = child.wait();

    for m in [&small, &large] {
        eprintln!(
            "stream_memory: {} records in {:.1} s: peak {} KiB above the baseline, {} KiB still live after",
            m.records,
            m.secs,
            m.peak / 1024,
            m.retained / 1024
        );
    }
    println!("stream_peak_10k: {} KiB", small.peak / 1024);
    println!("stream_peak_100k: {} KiB", large.peak / 1024);
    println!(
        "ratio_stream_peak_100k_10k: {:.3}",
        large.peak as f64 / small.peak as f64
    );
}
