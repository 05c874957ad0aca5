//! The crate's one error type.
//!
//! Every fallible operation of the client returns [`Error`]. Errors never contain the API
//! key: body snippets and messages taken from server responses are scrubbed of it before they
//! are stored.

use std::time::Duration;

/// The result type of this crate: `Result<T, qualified::Error>` by default.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The boxed source of a transport error.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The largest body snippet kept in an error, in bytes (including the truncation mark).
pub(crate) const SNIPPET_LIMIT: usize = 1024;

/// Everything that can go wrong when talking to the Qualified API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client was configured wrongly (missing or malformed API key, bad base URL, ...).
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },

    /// The request could not be sent or the response could not be read (connection refused,
    /// reset, TLS failure, ...), on the last of `attempts` attempts.
    #[error("transport error after {attempts} attempt(s): {message}")]
    Transport {
        /// A description of the failure.
        message: String,
        /// How many attempts were made in all.
        attempts: u32,
        /// The underlying error, when there is one.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// Every attempt ran into the per-attempt timeout.
    #[error("request timed out after {attempts} attempt(s) ({elapsed:?} in all)")]
    Timeout {
        /// How many attempts were made in all.
        attempts: u32,
        /// The time from the first attempt to giving up.
        elapsed: Duration,
    },

    /// The API answered with a status other than 2xx.
    #[error("API error: HTTP {status}{}", message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The message of the error body (`message`, `error` or `errors`), when it has one.
        message: Option<String>,
        /// The start of the response body (at most 1 KiB).
        body: String,
        /// How many attempts were made in all.
        attempts: u32,
    },

    /// A successful response could not be decoded into the expected type.
    #[error("could not decode response (HTTP {status}) at `{path}`: {message}")]
    Decode {
        /// The HTTP status code.
        status: u16,
        /// The JSON path at which decoding failed (`data[3].createdAt`; `.` for the root).
        path: String,
        /// What the decoder said.
        message: String,
        /// The start of the response body (at most 1 KiB).
        body: String,
    },

    /// The response body was larger than the configured `max_body_bytes`.
    #[error("response body larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
        /// How many attempts were made in all.
        attempts: u32,
    },

    /// An included relation was read although it was not requested with `include`.
    #[error(
        "relation `{relation}` was not included in the response; request it with `.include(..)`"
    )]
    NotIncluded {
        /// The relation's name.
        relation: &'static str,
    },

    /// The request could not be encoded (a bad path parameter, a body that is not JSON, ...).
    #[error("could not encode request: {message}")]
    Encode {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The HTTP status of the response this error is about, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How many attempts were made before this error was returned, for errors that come from
    /// sending a request (`Transport`, `Timeout`, `Api`, `BodyTooLarge`); `None` for the others.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Transport { attempts, .. }
            | Error::Timeout { attempts, .. }
            | Error::Api { attempts, .. }
            | Error::BodyTooLarge { attempts, .. } => Some(*attempts),
            _ => None,
        }
    }

    /// Whether the failure is transient: a transport error, a timeout, or HTTP 429, 502, 503
    /// or 504. (The client has already retried such errors as far as its `RetryPolicy` allows.)
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Api { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::Config {
            message: message.into(),
        }
    }

    pub(crate) fn encode(message: impl Into<String>) -> Error {
        Error::Encode {
            message: message.into(),
        }
    }
}

/// The statuses that are retried: 429, 502, 503, 504.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// A snippet of `body` of at most [`SNIPPET_LIMIT`] bytes, cut on a char boundary, with every
/// occurrence of `secret` replaced by `[redacted]`.
pub(crate) fn snippet(body: &[u8], secret: &str) -> String {
    // Look a little beyond the limit so that a secret straddling the cut is still found.
    let window = &body[..body.len().min(SNIPPET_LIMIT + secret.len() + 4)];
    let text = scrub(&String::from_utf8_lossy(window), secret);
    let truncated = body.len() > window.len() || text.len() > SNIPPET_LIMIT;
    if !truncated {
        return text;
    }
    const MARK: &str = "…";
    let mut cut = SNIPPET_LIMIT - MARK.len();
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = text[..cut].to_owned();
    out.push_str(MARK);
    out
}

/// `text` with every occurrence of `secret` replaced by `[redacted]`.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        text.to_owned()
    } else {
        text.replace(secret, "[redacted]")
    }
}

/// The message of a JSON error body: `message`, `error` (a string or an object with a
/// `message`) or `errors` (a string, a list, or an object of field → messages).
pub(crate) fn api_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = value.as_object()?;
    for key in ["message", "error", "errors"] {
        if let Some(text) = obj.get(key).and_then(describe) {
            return Some(text);
        }
    }
    None
}

fn describe(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Array(items) => items
            .iter()
            .filter_map(describe)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => {
            if let Some(text) = map.get("message").and_then(describe) {
                text
            } else {
                map.iter()
                    .filter_map(|(k, v)| describe(v).map(|d| format!("{k}: {d}")))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        }
        Value::Number(n) => n.to_string(),
        Value::Bool(_) | Value::Null => String::new(),
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_char_safe() {
        let body = "é".repeat(2000);
        let s = snippet(body.as_bytes(), "");
        assert!(s.len() <= SNIPPET_LIMIT, "{}", s.len());
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"short", ""), "short");
        let exact = "a".repeat(SNIPPET_LIMIT);
        assert_eq!(snippet(exact.as_bytes(), ""), exact);
    }

    #[test]
    fn snippet_scrubs_the_secret() {
        let s = snippet(b"invalid key sekrit-123 given", "sekrit-123");
        assert_eq!(s, "invalid key [redacted] given");
        let mut long = "x".repeat(SNIPPET_LIMIT - 3);
        long.push_str("sekrit-123");
        assert!(!snippet(long.as_bytes(), "sekrit-123").contains("sekrit"));
    }

    #[test]
    fn api_messages() {
        assert_eq!(
            api_message(br#"{"message":"Not found"}"#).as_deref(),
            Some("Not found")
        );
        assert_eq!(
            api_message(br#"{"error":{"message":"bad"}}"#).as_deref(),
            Some("bad")
        );
        assert_eq!(
            api_message(br#"{"errors":["a","b"]}"#).as_deref(),
            Some("a; b")
        );
        assert_eq!(
            api_message(br#"{"errors":{"email":["is invalid"]}}"#).as_deref(),
            Some("email: is invalid")
        );
        assert_eq!(api_message(b"<html>oops</html>"), None);
        assert_eq!(api_message(br#"{"other":1}"#), None);
    }

    #[test]
    fn accessors() {
        let e = Error::Api {
            status: 503,
            message: None,
            body: String::new(),
            attempts: 3,
        };
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.attempts(), Some(3));
        assert!(e.is_retryable());
        assert_eq!(e.to_string(), "API error: HTTP 503");
        let e = Error::NotIncluded {
            relation: "solutions",
        };
        assert_eq!(e.status(), None);
        assert_eq!(e.attempts(), None);
        assert!(!e.is_retryable());
    }
}
