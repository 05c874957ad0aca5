//! The HTTP client: configuration, retries, timeouts, bounded bodies, decoding.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use heck::{ToLowerCamelCase, ToSnakeCase};
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::{Host, Url};

use crate::error::{self, BoxError, Error, Result};
use crate::rt;

/// The base URL of the real API.
pub const DEFAULT_BASE_URL: &str = "https://www.qualified.io/api";
/// The environment variable holding the API key, read by [`Client::from_env`].
pub const API_KEY_ENV: &str = "QUALIFIED_API_KEY";
/// The environment variable holding an optional base URL, read by [`Client::from_env`].
pub const BASE_URL_ENV: &str = "QUALIFIED_BASE_URL";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// How much of a non-2xx (or ignored) body is read, at most.
const SIDE_BODY_LIMIT: usize = 64 * 1024;
const USER_AGENT: &str = concat!("qualified-rust/", env!("CARGO_PKG_VERSION"));

/// The casing of request body keys and `where` keys. The API accepts both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Casing {
    /// `snake_case` (`challenge_id`), the default.
    #[default]
    Snake,
    /// `camelCase` (`challengeId`).
    Camel,
}

impl Casing {
    /// `key` in this casing. A dotted key (`digest.languages.name`) is recased segment by
    /// segment; keys and segments starting with `$` or `_` are kept as they are.
    ///
    /// Borrows `key` when it is already in this casing (the common case: generated keys are
    /// snake_case).
    pub fn recase_key(self, key: &str) -> Cow<'_, str> {
        if key.starts_with(['$', '_']) {
            return Cow::Borrowed(key);
        }
        // Fast path: a key already in this casing (the common case: generated keys are
        // snake_case) is returned as it is, without running heck over every segment.
        let already = match self {
            Casing::Snake => !key.bytes().any(|b| b.is_ascii_uppercase()),
            Casing::Camel => !key.contains('_'),
        };
        if already {
            return Cow::Borrowed(key);
        }
        let mut out = String::with_capacity(key.len() + 4);
        for (i, segment) in key.split('.').enumerate() {
            if i > 0 {
                out.push('.');
            }
            if segment.is_empty() || segment.starts_with(['$', '_']) {
                out.push_str(segment);
            } else {
                match self {
                    Casing::Snake => out.push_str(&segment.to_snake_case()),
                    Casing::Camel => out.push_str(&segment.to_lower_camel_case()),
                }
            }
        }
        Cow::Owned(out)
    }
}

/// When and how often a failed request is tried again.
///
/// Transport errors, per-attempt timeouts and HTTP 429, 502, 503 and 504 are retried, with
/// exponential backoff and full jitter (a random delay between zero and
/// `min(max_delay, base_delay * 2^(retry - 1))`), or after the server's `Retry-After` (seconds
/// or an HTTP date) capped at `max_retry_after`. `GET`, `HEAD`, `PUT`, `DELETE` and `OPTIONS`
/// are retried; `POST` and `PATCH` only with `retry_post`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The most attempts in all, the first included (at least 1). Default 3.
    pub max_attempts: u32,
    /// The backoff before the first retry (before jitter). Default 200 ms.
    pub base_delay: Duration,
    /// The longest backoff (before jitter). Default 10 s.
    pub max_delay: Duration,
    /// The longest wait that a `Retry-After` header can impose. Default 60 s.
    pub max_retry_after: Duration,
    /// Whether non-idempotent requests (`POST`, `PATCH`) are retried too. Default `false`.
    pub retry_post: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            retry_post: false,
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt per request.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Sets the most attempts in all, the first included.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the backoff before the first retry.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets the longest backoff.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the longest wait that a `Retry-After` header can impose.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// Sets whether `POST` and `PATCH` requests are retried too.
    pub fn retry_post(mut self, yes: bool) -> Self {
        self.retry_post = yes;
        self
    }

    /// The jittered backoff before retry number `retry` (1 for the first retry).
    fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.saturating_sub(1).min(30);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Shows `[redacted]` in place of a secret.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The API key: the header value (marked sensitive) and the text, to scrub it from errors.
#[derive(Clone)]
struct ApiKey {
    header: HeaderValue,
    text: String,
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Redacted.fmt(f)
    }
}

/// A configured client of the Qualified API. Cheap to clone (the clones share one connection
/// pool); `Send` and `Sync`.
///
/// Resources are reached through the generated accessor methods
/// (`client.assessment_results().list()...`).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_key: ApiKey,
    base_url: Url,
    casing: Casing,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
    user_agent: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("base_url", &i.base_url.as_str())
            .field("api_key", &Redacted)
            .field("casing", &i.casing)
            .field("timeout", &i.timeout)
            .field("connect_timeout", &i.connect_timeout)
            .field("retry", &i.retry)
            .field("max_body_bytes", &i.max_body_bytes)
            .field("user_agent", &i.user_agent)
            .finish()
    }
}

impl Client {
    /// A client configured from the environment: the API key from `QUALIFIED_API_KEY`
    /// (required), the base URL from `QUALIFIED_BASE_URL` (optional; default
    /// `https://www.qualified.io/api`). A base URL from the environment may use plain `http`
    /// only when its host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`), as for a
    /// local fake server.
    pub fn from_env() -> Result<Client> {
        Client::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Client> {
        let key = lookup(API_KEY_ENV)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| Error::config(format!("{API_KEY_ENV} is not set")))?;
        let mut builder = Client::builder().api_key(key);
        if let Some(base) = lookup(BASE_URL_ENV).filter(|b| !b.trim().is_empty()) {
            let base = base.trim();
            let loopback = Url::parse(base).ok().is_some_and(|u| is_loopback(&u));
            builder = builder.base_url(base).allow_http(loopback);
        }
        builder.build()
    }

    /// A builder, to configure every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client of the real API with the given key and default settings.
    pub fn new(api_key: impl Into<String>) -> Result<Client> {
        Client::builder().api_key(api_key).build()
    }

    /// The casing of request body keys and `where` keys.
    pub fn casing(&self) -> Casing {
        self.inner.casing
    }

    /// The base URL that request paths are appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends `req` and decodes a 2xx response body as JSON into `T`. Used by generated code.
    #[doc(hidden)]
    pub async fn send_json<T: DeserializeOwned>(&self, req: rt::Request) -> Result<T> {
        let received = self.execute(req, BodyMode::Keep).await?;
        decode(received.status, &received.body, &self.inner.api_key.text)
    }

    /// Sends `req` and ignores the body of a 2xx response (for `204 No Content` and the
    /// like). Used by generated code.
    #[doc(hidden)]
    pub async fn send_empty(&self, req: rt::Request) -> Result<()> {
        self.execute(req, BodyMode::Ignore).await.map(drop)
    }

    async fn execute(&self, req: rt::Request, mode: BodyMode) -> Result<Received> {
        let inner = &*self.inner;
        let url = req.build_url(&inner.base_url)?;
        let body = req.build_body()?;
        let method = req.method().clone();
        let span = tracing::debug_span!(
            "qualified.request",
            method = %method,
            path = req.template(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let may_retry = is_idempotent(&method) || inner.retry.retry_post;
        let max_attempts = if may_retry {
            inner.retry.max_attempts.max(1)
        } else {
            1
        };
        let started = Instant::now();
        async move {
            let span = tracing::Span::current();
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                span.record("attempt", attempt);
                let result = tokio::time::timeout(
                    inner.timeout,
                    self.attempt(&method, &url, body.as_deref(), mode),
                )
                .await;
                let (error, retry_after) = match result {
                    Ok(Ok(received)) if received.success => {
                        span.record("status", received.status);
                        span.record("elapsed_ms", elapsed_ms(started));
                        tracing::debug!(attempts = attempt, "request succeeded");
                        return Ok(received);
                    }
                    Ok(Ok(received)) => {
                        span.record("status", received.status);
                        let secret = &inner.api_key.text;
                        let error = Error::Api {
                            status: received.status,
                            message: error::api_message(&received.body)
                                .map(|m| error::scrub(&m, secret)),
                            body: error::snippet(&received.body, secret),
                            attempts: attempt,
                        };
                        (error, received.retry_after)
                    }
                    Ok(Err(AttemptError::TooLarge)) => {
                        let error = Error::BodyTooLarge {
                            limit: inner.max_body_bytes,
                            attempts: attempt,
                        };
                        (error, None)
                    }
                    Ok(Err(AttemptError::Transport(e))) => (transport_error(e, attempt), None),
                    Err(_elapsed) => {
                        let error = Error::Timeout {
                            attempts: attempt,
                            elapsed: started.elapsed(),
                        };
                        (error, None)
                    }
                };
                if attempt < max_attempts && error.is_retryable() {
                    let delay = match retry_after {
                        Some(d) => d.min(inner.retry.max_retry_after),
                        None => inner.retry.backoff(attempt),
                    };
                    tracing::debug!(
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "retrying request"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
                span.record("elapsed_ms", elapsed_ms(started));
                tracing::debug!(attempts = attempt, error = %error, "request failed");
                return Err(error);
            }
        }
        .instrument(span)
        .await
    }

    /// One attempt: send, then read the body within the limits.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        mode: BodyMode,
    ) -> Result<Received, AttemptError> {
        let inner = &*self.inner;
        let mut builder = inner
            .http
            .request(method.clone(), url.clone())
            .header(header::AUTHORIZATION, inner.api_key.header.clone());
        if let Some(body) = body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let mut response = builder.send().await.map_err(AttemptError::Transport)?;
        let status = response.status();
        let success = status.is_success();
        let retry_after = if error::is_retryable_status(status.as_u16()) {
            retry_after(response.headers())
        } else {
            None
        };
        let body = if success && mode == BodyMode::Keep {
            read_body(&mut response, inner.max_body_bytes, true).await?
        } else {
            read_body(
                &mut response,
                SIDE_BODY_LIMIT.min(inner.max_body_bytes),
                false,
            )
            .await?
        };
        Ok(Received {
            status: status.as_u16(),
            success,
            retry_after,
            body,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyMode {
    /// The body is decoded: read all of it, refuse more than `max_body_bytes`.
    Keep,
    /// The body is ignored: read a little of it (to reuse the connection), refuse nothing.
    Ignore,
}

struct Received {
    status: u16,
    success: bool,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

enum AttemptError {
    Transport(reqwest::Error),
    TooLarge,
}

impl From<reqwest::Error> for AttemptError {
    fn from(e: reqwest::Error) -> Self {
        AttemptError::Transport(e)
    }
}

/// Reads the body, at most `limit` bytes: with `strict`, a longer body is an error (checked on
/// `Content-Length` first, then on the bytes streamed); without, the rest is dropped.
async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
    strict: bool,
) -> Result<Vec<u8>, AttemptError> {
    let declared = response.content_length();
    if strict && declared.is_some_and(|n| n > limit as u64) {
        return Err(AttemptError::TooLarge);
    }
    let capacity = declared.map_or(8 * 1024, |n| n.min(limit as u64) as usize);
    let mut buf = Vec::with_capacity(capacity.min(1024 * 1024));
    while let Some(chunk) = response.chunk().await? {
        if buf.len() + chunk.len() > limit {
            if strict {
                return Err(AttemptError::TooLarge);
            }
            buf.extend_from_slice(&chunk[..limit - buf.len()]);
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

fn decode<T: DeserializeOwned>(status: u16, body: &[u8], secret: &str) -> Result<T> {
    // The fast path decodes without tracking the JSON path (tracking costs 5-35% on large
    // pages); only a body that fails is decoded again, with tracking, to name the path.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let decode_error = |path: String, message: String| Error::Decode {
        status,
        path,
        message: error::scrub(&message, secret),
        body: error::snippet(body, secret),
    };
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| decode_error(e.path().to_string(), e.into_inner().to_string()))?;
    de.end()
        .map_err(|e| decode_error(".".to_owned(), e.to_string()))?;
    Ok(value)
}

fn transport_error(e: reqwest::Error, attempts: u32) -> Error {
    // Without the URL: it holds record ids, and the caller knows which request failed.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let text = s.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = s.source();
    }
    Error::Transport {
        message,
        attempts,
        source: Some(Box::new(e) as BoxError),
    }
}

fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ]
    .contains(method)
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date (a past date is no delay).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Configures a [`Client`]. Start with [`Client::builder`].
#[derive(Clone)]
pub struct ClientBuilder {
    api_key: Option<String>,
    base_url: String,
    allow_http: bool,
    casing: Casing,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    max_body_bytes: usize,
    user_agent: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            allow_http: false,
            casing: Casing::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            user_agent: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| Redacted))
            .field("base_url", &self.base_url)
            .field("allow_http", &self.allow_http)
            .field("casing", &self.casing)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl ClientBuilder {
    /// The API key, sent as the `Authorization` header. Required.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL that request paths are appended to (default
    /// `https://www.qualified.io/api`). Checked by [`build`](Self::build): it must be an
    /// absolute `https` URL (or `http` with [`allow_http`](Self::allow_http)) without
    /// credentials, query or fragment.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = url.to_owned();
        self
    }

    /// Allows a plain `http` base URL (for local test servers). Default `false`.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// The casing of request body keys and `where` keys (default snake_case).
    pub fn casing(mut self, casing: Casing) -> Self {
        self.casing = casing;
        self
    }

    /// The timeout of each attempt, from sending the request to reading the whole body
    /// (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout for establishing a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted (default 32 MiB); a larger one is refused with
    /// [`Error::BodyTooLarge`].
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// A product token for the `User-Agent` header (`my-app/1.2`); it is sent before the
    /// client's own `qualified-rust/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client> {
        let key = self
            .api_key
            .ok_or_else(|| Error::config("no API key given"))?;
        if key.trim().is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        let mut header = HeaderValue::from_str(&key).map_err(|_| {
            Error::config("the API key contains characters not allowed in an HTTP header")
        })?;
        header.set_sensitive(true);
        let api_key = ApiKey { header, text: key };

        let base_url = check_base_url(&self.base_url, self.allow_http)?;
        if self.timeout.is_zero() {
            return Err(Error::config("the timeout must be greater than zero"));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::config(
                "the connect timeout must be greater than zero",
            ));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::config(
                "RetryPolicy::max_attempts must be at least 1",
            ));
        }
        if self.max_body_bytes == 0 {
            return Err(Error::config("max_body_bytes must be greater than zero"));
        }
        let user_agent = match &self.user_agent {
            Some(ua) if !ua.trim().is_empty() => format!("{} {USER_AGENT}", ua.trim()),
            _ => USER_AGENT.to_owned(),
        };
        let user_agent_header = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::config("the user agent contains characters not allowed in an HTTP header")
        })?;

        let mut defaults = HeaderMap::new();
        defaults.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .default_headers(defaults)
            .user_agent(user_agent_header)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!self.allow_http)
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?;

        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api_key,
                base_url,
                casing: self.casing,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                retry: self.retry,
                max_body_bytes: self.max_body_bytes,
                user_agent,
            }),
        })
    }
}

fn check_base_url(text: &str, allow_http: bool) -> Result<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| Error::config(format!("invalid base URL {text:?}: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_http => {}
        "http" => {
            return Err(Error::config(format!(
                "base URL {text:?} is not https (use allow_http(true) for a local server)"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "base URL {text:?} has the unsupported scheme `{other}`"
            )));
        }
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::config(format!("base URL {text:?} has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("base URL must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {text:?} must not have a query or fragment"
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recase_keys() {
        assert_eq!(Casing::Camel.recase_key("challenge_id"), "challengeId");
        assert_eq!(Casing::Snake.recase_key("challengeId"), "challenge_id");
        assert_eq!(Casing::Snake.recase_key("challenge_id"), "challenge_id");
        assert_eq!(
            Casing::Camel.recase_key("digest.languages.name"),
            "digest.languages.name"
        );
        assert_eq!(
            Casing::Camel.recase_key("team_candidate.created_at"),
            "teamCandidate.createdAt"
        );
        assert_eq!(Casing::Camel.recase_key("q"), "q");
        assert_eq!(Casing::Camel.recase_key("$type"), "$type");
        assert_eq!(Casing::Camel.recase_key("_type"), "_type");
    }

    #[test]
    fn base_url_checks() {
        let ok = |u: &str, http: bool| check_base_url(u, http).is_ok();
        assert!(ok("https://www.qualified.io/api", false));
        assert!(!ok("http://www.qualified.io/api", false));
        assert!(ok("http://127.0.0.1:8080/api", true));
        assert!(!ok("ftp://x/api", true));
        assert!(!ok("https://u:p@x/api", false));
        assert!(!ok("https://x/api?x=1", false));
        assert!(!ok("https://x/api#f", false));
        assert!(!ok("not a url", false));
        assert!(!ok("mailto:a@b", false));
    }

    #[test]
    fn builder_validation() {
        assert!(matches!(
            Client::builder().build(),
            Err(Error::Config { .. })
        ));
        assert!(Client::new("").is_err());
        let e = Client::new("bad\nkey-secret").unwrap_err();
        assert!(!e.to_string().contains("key-secret"));
        assert!(
            Client::builder()
                .api_key("k")
                .retry(RetryPolicy::default().max_attempts(0))
                .build()
                .is_err()
        );
        assert!(
            Client::builder()
                .api_key("k")
                .timeout(Duration::ZERO)
                .build()
                .is_err()
        );
        let c = Client::builder()
            .api_key("k")
            .base_url("https://example.test/api/")
            .casing(Casing::Camel)
            .build()
            .unwrap();
        assert_eq!(c.casing(), Casing::Camel);
        assert_eq!(c.base_url().as_str(), "https://example.test/api/");
    }

    #[test]
    fn from_env_lookup() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let e = Client::from_lookup(env(&[])).unwrap_err();
        assert!(e.to_string().contains(API_KEY_ENV));
        let c = Client::from_lookup(env(&[(API_KEY_ENV, "k")])).unwrap();
        assert_eq!(c.base_url().as_str(), "https://www.qualified.io/api");
        let c = Client::from_lookup(env(&[
            (API_KEY_ENV, "k"),
            (BASE_URL_ENV, "http://127.0.0.1:9999/api"),
        ]))
        .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9999/api");
        assert!(
            Client::from_lookup(env(&[
                (API_KEY_ENV, "k"),
                (BASE_URL_ENV, "http://example.com/api"),
            ]))
            .is_err()
        );
    }

    #[test]
    fn debug_redacts_the_key() {
        let builder = Client::builder().api_key("sekrit-key-123");
        let client = builder.clone().build().unwrap();
        for text in [
            format!("{builder:?}"),
            format!("{client:?}"),
            format!("{client:#?}"),
        ] {
            assert!(!text.contains("sekrit"), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
    }

    #[test]
    fn backoff_is_bounded() {
        let p = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(300));
        for retry in 1..40 {
            let d = p.backoff(retry);
            let ceiling = Duration::from_millis(100 * (1 << (retry - 1).min(10)))
                .min(Duration::from_millis(300));
            assert!(d <= ceiling, "{retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(30);
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn client_is_send_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Client>();
    }
}
