//! A typed async client for the [Qualified](https://www.qualified.io) REST API (hiring
//! assessments).
//!
//! The resource modules, models and endpoint builders are generated from the API
//! description in `spec/`; the runtime they rest on is written by hand:
//!
//! - [`Client`] and [`ClientBuilder`]: the API key, the base URL, timeouts, a
//!   [`RetryPolicy`] (jittered exponential backoff, `Retry-After`), a bound on response
//!   bodies, and the [`Casing`] of request bodies;
//! - [`Error`]: one error type for transport failures, timeouts, API errors, decoding errors
//!   (with the JSON path that failed) and configuration mistakes. It never contains the key;
//! - [`Record`], [`Page`], [`RecordList`] and [`Meta`]: the API's response envelopes;
//! - [`filter`]: typed `where` conditions and `order_by`;
//! - [`pagination`]: streams over every record or page of a list.
//!
//! ```no_run
//! # async fn run() -> qualified::Result<()> {
//! // The key from QUALIFIED_API_KEY; the base URL from QUALIFIED_BASE_URL, else the real API.
//! let client = qualified::Client::from_env()?;
//!
//! // Or configured in full:
//! let client = qualified::Client::builder()
//!     .api_key("my-key")
//!     .casing(qualified::Casing::Camel)
//!     .timeout(std::time::Duration::from_secs(10))
//!     .retry(qualified::RetryPolicy::default().max_attempts(5))
//!     .build()?;
//! # let _ = client;
//! # Ok(())
//! # }
//! ```
//!
//! Requests are traced with [`tracing`]: one `qualified.request` span per request, with the
//! method, the path template (never the filled-in path), the attempt, the status and the
//! elapsed time. The API key is never logged.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[rustfmt::skip]
mod generated;
// `unused_imports` only while `generated/` is an empty placeholder.
#[allow(unused_imports)]
pub use generated::*;

mod client;
mod envelope;
mod error;
#[cfg(feature = "fake")]
pub mod fake;
pub mod filter;
pub mod pagination;
#[doc(hidden)]
pub mod rt;
#[cfg(feature = "conformance")]
#[doc(hidden)]
pub mod replay;

pub use client::{Casing, Client, ClientBuilder, RetryPolicy};
pub use envelope::{Meta, Page, Record, RecordList};
pub use error::{Error, Result};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
