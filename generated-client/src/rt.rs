//! Request machinery used by the generated code (and by test harnesses). Not a stable API.
//!
//! Besides [`Request`], it holds the serde helpers of generated models: [`deserialize_some`]
//! (present-`null` relations), [`serialize_tagged`] and [`from_map`] (polymorphic records),
//! [`RawEvent`], [`serialize_event`] and [`from_value`] (webhook payloads), and the body
//! helpers [`to_json`], [`raw_json`] and [`raw_keys`].
//!
//! A [`Request`] is built by the generated endpoint builders and handed to
//! [`Client::send_json`](crate::Client::send_json) or
//! [`Client::send_empty`](crate::Client::send_empty), which turn it into a URL and a body
//! with [`Request::build_url`] and [`Request::build_body`]. A request is made in the
//! [`Casing`] of the client that builds it (the generated builders pass their client's), and
//! `where` keys and body keys follow it.
//!
//! # Paths
//! The template's `{name}` placeholders are replaced by path parameters, each percent-encoded
//! as exactly one path segment: every byte except ASCII letters, digits, `-`, `.`, `_` and `~`
//! is escaped, so `/`, `?`, `#` and `%` in a value never change the path or the query. A
//! value that is empty, `.` or `..` (which no encoding keeps from being read as a relative
//! segment) is refused with [`Error::Encode`] when the request is sent.
//!
//! # Query
//! Parameters go out in the order they were added, form-encoded
//! (`application/x-www-form-urlencoded`, as `url::form_urlencoded` writes it: every byte but
//! ASCII alphanumerics and `*-._` is escaped, a space is `+`): `order_by=created_at+DESC`,
//! `includes%5B%5D=a`, `where=%7B%22state%22%3A%22published%22%7D`.
//!
//! # Bodies and casing
//! A body is a [`serde_json::Value`] whose object keys are recased to the request's casing
//! when it is sent (written straight from the value, without a recased copy), recursively,
//! except:
//! - keys that start with `$` or `_` (`$type`, `_id`) are kept as they are;
//! - a value wrapped by [`raw_json`] is sent exactly as given (for `json`-typed fields);
//! - the keys of an object wrapped by [`raw_keys`] are kept while its values are still
//!   recased (for `map(T)` fields, whose keys are data).
//!
//! [`to_json`] serialises a typed body field (its keys are recased like the rest).
//!
//! The wrappers are marker objects (`{"$qualified_raw": v}` and `{"$qualified_raw_keys": v}`)
//! that are unwrapped while recasing; they never reach the wire.

use std::fmt;
use std::ops::Range;

use reqwest::Method;
use serde::de::{self, DeserializeOwned};
use serde::ser::{self, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::{Url, form_urlencoded};

use crate::client::Casing;
use crate::error::{Error, Result};
use crate::filter::{Filter, OrderBy, OrderField};

/// The marker key of [`raw_json`].
pub const RAW_MARKER: &str = "$qualified_raw";
/// The marker key of [`raw_keys`].
pub const RAW_KEYS_MARKER: &str = "$qualified_raw_keys";

/// Marks a free-form JSON value inside a body so that it is sent exactly as given, its keys
/// not recased.
pub fn raw_json(v: Value) -> Value {
    let mut m = Map::with_capacity(1);
    m.insert(RAW_MARKER.to_owned(), v);
    Value::Object(m)
}

/// Marks an object inside a body whose keys are data (a `map(T)` field): its keys are sent as
/// given while its values are recased as usual.
pub fn raw_keys(v: Value) -> Value {
    let mut m = Map::with_capacity(1);
    m.insert(RAW_KEYS_MARKER.to_owned(), v);
    Value::Object(m)
}

/// For `Option<Option<T>>` fields with `#[serde(default, deserialize_with = ...)]`: an
/// absent key gives `None`, a present `null` gives `Some(None)`, a value `Some(Some(v))`.
pub fn deserialize_some<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// `value` as JSON, for a request body ([`Error::Encode`] when it cannot be).
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::encode(format!("body field: {e}")))
}

/// Decodes `value` as `T` inside a `Deserialize` impl (the error names the JSON path within
/// `value` that failed).
pub fn from_value<T, E>(value: Value) -> Result<T, E>
where
    T: DeserializeOwned,
    E: de::Error,
{
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            E::custom(inner)
        } else {
            E::custom(format_args!("{inner} at `{path}`"))
        }
    })
}

/// Decodes the fields of a polymorphic record (tag included, ignored by `T`) as the variant
/// `T`, inside a `Deserialize` impl.
pub fn from_map<T, E>(map: Map<String, Value>) -> Result<T, E>
where
    T: DeserializeOwned,
    E: de::Error,
{
    from_value(Value::Object(map))
}

/// Serialises the variant `inner` of a polymorphic record as one map: `tag_key: tag` first,
/// then the fields of `inner` (which must serialise as an object).
pub fn serialize_tagged<S, T>(
    serializer: S,
    tag_key: &str,
    tag: &str,
    inner: &T,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize + ?Sized,
{
    let fields = match serde_json::to_value(inner).map_err(ser::Error::custom)? {
        Value::Object(fields) => fields,
        other => {
            return Err(ser::Error::custom(format_args!(
                "variant `{tag}` must serialise as an object, not {other}"
            )));
        }
    };
    let mut map = serializer.serialize_map(Some(fields.len() + 1))?;
    map.serialize_entry(tag_key, tag)?;
    for (k, v) in &fields {
        if k != tag_key {
            map.serialize_entry(k, v)?;
        }
    }
    map.end()
}

/// Serialises a webhook payload: `{"event": event, "data": data}`.
pub fn serialize_event<S, T>(serializer: S, event: &str, data: &T) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize + ?Sized,
{
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry("event", event)?;
    map.serialize_entry("data", data)?;
    map.end()
}

/// A webhook payload before its `data` is decoded: `{"event": ..., "data": ...}` (other keys
/// are ignored; a missing `data` is `null`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RawEvent {
    /// The event name (`assessment_result_submitted`, ...).
    pub event: String,
    /// The payload.
    #[serde(default)]
    pub data: Value,
}

/// One API request, before it is sent: method, path template and parameters, query, body,
/// in the [`Casing`] of the client that will send it.
///
/// Query values are kept as text in one buffer as they are added (a `where` filter is
/// written there as JSON, straight from its conditions); [`build_url`](Self::build_url)
/// encodes them once, into the URL itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    method: Method,
    template: &'static str,
    casing: Casing,
    path_params: Vec<(&'static str, String)>,
    /// The query parameters in order: each name and the range of its value in `values`.
    query: Vec<(&'static str, Range<usize>)>,
    /// The query values, one after the other (UTF-8: written from `str`s and by serde_json).
    values: Vec<u8>,
    body: Option<Value>,
}

impl Request {
    /// A request for `template` (`/v1/assessments/{assessment_id}/challenge_items/{id}`; it
    /// may end with `/`, which is kept), whose `where` keys and body keys are written in
    /// `casing`.
    pub fn new(method: Method, template: &'static str, casing: Casing) -> Request {
        Request {
            method,
            template,
            casing,
            path_params: Vec::new(),
            query: Vec::new(),
            values: Vec::new(),
            body: None,
        }
    }

    /// The path template.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The casing of `where` keys and body keys.
    pub fn casing(&self) -> Casing {
        self.casing
    }

    /// Sets the path parameter `{name}` to `value` (one path segment, percent-encoded).
    pub fn path_param(&mut self, name: &'static str, value: &str) {
        if let Some(slot) = self.path_params.iter_mut().find(|(n, _)| *n == name) {
            slot.1 = value.to_owned();
        } else {
            self.path_params.push((name, value.to_owned()));
        }
    }

    /// Appends the parameter `name` whose value `write` appends to the value buffer.
    fn push_param(&mut self, name: &'static str, write: impl FnOnce(&mut Vec<u8>)) {
        if self.values.capacity() == 0 {
            // Room for a typical list query (a filter, includes, order and page).
            self.values.reserve(192);
            self.query.reserve(6);
        }
        let start = self.values.len();
        write(&mut self.values);
        self.query.push((name, start..self.values.len()));
    }

    /// Appends the query parameter `name=value`.
    pub fn query(&mut self, name: &'static str, value: &str) {
        self.push_param(name, |buf| buf.extend_from_slice(value.as_bytes()));
    }

    /// Appends the query parameter `name=value`, `value` written with its `Display` (numbers,
    /// booleans).
    pub fn query_display(&mut self, name: &'static str, value: impl fmt::Display) {
        use std::io::Write as _;
        // Writing to a `Vec` cannot fail.
        self.push_param(name, |buf| {
            let _ = write!(buf, "{value}");
        });
    }

    /// Appends `where=<JSON>` (nothing when the filter has no conditions), its keys in the
    /// request's casing.
    pub fn filter<F: Filter>(&mut self, f: &F) {
        let conditions = f.conditions();
        if !conditions.is_empty() {
            let casing = self.casing;
            self.push_param("where", |buf| conditions.write_json(buf, casing));
        }
    }

    /// Appends the relations to include: nothing for none, `includes=x` for one,
    /// `includes[]=x&includes[]=y` for several.
    pub fn includes(&mut self, rels: &[&'static str]) {
        match rels {
            [] => {}
            [one] => self.query("includes", one),
            many => {
                for rel in many {
                    self.query("includes[]", rel);
                }
            }
        }
    }

    /// Appends `order_by=<field> ASC|DESC`.
    pub fn order_by<F: OrderField>(&mut self, o: &OrderBy<F>) {
        self.push_param("order_by", |buf| {
            buf.extend_from_slice(o.field.wire().as_bytes());
            buf.push(b' ');
            buf.extend_from_slice(o.direction.wire().as_bytes());
        });
    }

    /// Sets the JSON body (see the module docs for how its keys are recased).
    pub fn body(&mut self, data: Value) {
        self.body = Some(data);
    }

    /// Whether a body was set.
    pub fn has_body(&self) -> bool {
        self.body.is_some()
    }

    /// The query parameters, in order, as `(name, value)` before encoding.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        // The buffer holds whole `str`s and serde_json's output, one after the other: it is
        // UTF-8, and each range starts and ends on a character boundary.
        let values = std::str::from_utf8(&self.values).unwrap_or_default();
        self.query
            .iter()
            .map(move |(name, range)| (*name, values.get(range.clone()).unwrap_or_default()))
    }

    /// The path with its parameters filled in and encoded (without the base URL's path).
    pub fn build_path(&self) -> Result<String> {
        let mut out = String::with_capacity(self.template.len() + 32);
        self.write_path(&mut out)?;
        Ok(out)
    }

    /// Appends the path with its parameters filled in and encoded to `out`.
    fn write_path(&self, out: &mut String) -> Result<()> {
        let template = self.template;
        if !template.starts_with('/') {
            return Err(Error::encode(format!(
                "path template `{template}` does not start with `/`"
            )));
        }
        // Which parameters a placeholder used, by their index (a template has a handful).
        let mut used = vec![false; self.path_params.len()];
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| {
                Error::encode(format!("path template `{template}` has an unclosed `{{`"))
            })?;
            let name = &after[..close];
            let index = self
                .path_params
                .iter()
                .position(|(n, _)| *n == name)
                .ok_or_else(|| {
                    Error::encode(format!(
                        "path parameter `{name}` of `{template}` was not set"
                    ))
                })?;
            let value = self.path_params[index].1.as_str();
            if value.is_empty() || value == "." || value == ".." {
                return Err(Error::encode(format!(
                    "path parameter `{name}` must not be empty, `.` or `..` (got {value:?})"
                )));
            }
            out.extend(utf8_percent_encode(value, SEGMENT));
            used[index] = true;
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        if let Some(i) = used.iter().position(|u| !u) {
            let extra = self.path_params[i].0;
            return Err(Error::encode(format!(
                "path parameter `{extra}` is not in `{template}`"
            )));
        }
        Ok(())
    }

    /// The encoded query string (without `?`), or `None` when there are no parameters: the
    /// query of [`build_url`](Self::build_url).
    pub fn build_query(&self) -> Option<String> {
        if self.query.is_empty() {
            return None;
        }
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(self.query_pairs());
        Some(out.finish())
    }

    /// The full URL: `base_url`'s path (without a trailing `/`) followed by the filled-in
    /// template, and the query.
    pub fn build_url(&self, base_url: &Url) -> Result<Url> {
        // The base URL, parsed once when the client was built (with no query or fragment:
        // the builder refuses them), gets the path, parsed alone, and the query.
        let mut path = String::with_capacity(base_url.path().len() + self.template.len() + 32);
        path.push_str(base_url.path().trim_end_matches('/'));
        self.write_path(&mut path)?;
        let mut url = base_url.clone();
        url.set_path(&path);
        url.set_fragment(None);
        if self.query.is_empty() {
            url.set_query(None);
        } else {
            // Encoded straight into the URL's own text: the query, most of the URL's
            // length, is neither copied nor parsed again.
            url.query_pairs_mut().clear().extend_pairs(self.query_pairs());
        }
        Ok(url)
    }

    /// The body as it goes out: JSON bytes with keys in the request's casing, or `None`
    /// without a body.
    pub fn build_body(&self) -> Result<Option<Vec<u8>>> {
        match &self.body {
            None => Ok(None),
            Some(body) => serde_json::to_vec(&Recased { value: body, casing: self.casing })
                .map(Some)
                .map_err(|e| Error::encode(format!("body is not valid JSON: {e}"))),
        }
    }
}

/// What is percent-encoded in a path segment: every byte but ASCII alphanumerics and
/// `-._~` (RFC 3986's unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Serialises a body [`Value`] with its keys recased (see the module docs), written straight
/// from the value, without a recased copy.
struct Recased<'a> {
    value: &'a Value,
    casing: Casing,
}

impl Serialize for Recased<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let casing = self.casing;
        match self.value {
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for value in items {
                    seq.serialize_element(&Recased { value, casing })?;
                }
                seq.end()
            }
            Value::Object(map) => {
                if map.len() == 1 {
                    if let Some(inner) = map.get(RAW_MARKER) {
                        return inner.serialize(serializer);
                    }
                    if let Some(Value::Object(inner)) = map.get(RAW_KEYS_MARKER) {
                        let mut out = serializer.serialize_map(Some(inner.len()))?;
                        for (k, value) in inner {
                            out.serialize_entry(k, &Recased { value, casing })?;
                        }
                        return out.end();
                    }
                }
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, value) in map {
                    out.serialize_entry(&*casing.recase_key(k), &Recased { value, casing })?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Recases every object key of `value` (see the module docs), unwrapping the markers of
/// [`raw_json`] and [`raw_keys`]: the body [`Request::build_body`] sends, as a `Value`.
pub fn recase_value(value: Value, casing: Casing) -> Value {
    // Serialising a `Value` into a `Value` cannot fail.
    serde_json::to_value(Recased { value: &value, casing }).unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Conditions;
    use serde_json::json;

    fn base() -> Url {
        Url::parse("https://www.qualified.io/api").unwrap()
    }

    #[test]
    fn joins_base_and_template_keeping_trailing_slash() {
        let mut r = Request::new(Method::POST, "/v1/assessments/{id}/challenge_items/", Casing::Snake);
        r.path_param("id", "5da42a8ea54d75e0663421c2");
        let url = r.build_url(&base()).unwrap();
        assert_eq!(
            url.as_str(),
            "https://www.qualified.io/api/v1/assessments/5da42a8ea54d75e0663421c2/challenge_items/"
        );
        let slash = Url::parse("https://h.example/api/").unwrap();
        let url = Request::new(Method::GET, "/v1/x", Casing::Snake)
            .build_url(&slash)
            .unwrap();
        assert_eq!(url.as_str(), "https://h.example/api/v1/x");
    }

    #[test]
    fn hostile_path_params_stay_in_one_segment() {
        for (value, encoded) in [
            ("../x", "..%2Fx"),
            ("a/b", "a%2Fb"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#b", "a%23b"),
            ("%2e%2e", "%252e%252e"),
            ("a b", "a%20b"),
            ("é", "%C3%A9"),
            ("...", "..."),
        ] {
            let mut r = Request::new(Method::GET, "/v1/things/{id}/items", Casing::Snake);
            r.path_param("id", value);
            let url = r.build_url(&base()).unwrap();
            assert_eq!(
                url.path(),
                format!("/api/v1/things/{encoded}/items"),
                "{value}"
            );
            assert_eq!(url.query(), None, "{value}");
            assert_eq!(url.fragment(), None, "{value}");
        }
        for value in ["", ".", ".."] {
            let mut r = Request::new(Method::GET, "/v1/things/{id}", Casing::Snake);
            r.path_param("id", value);
            assert!(matches!(
                r.build_url(&base()),
                Err(Error::Encode { .. })
            ));
        }
    }

    #[test]
    fn missing_and_unknown_path_params_are_errors() {
        let r = Request::new(Method::GET, "/v1/things/{id}", Casing::Snake);
        assert!(matches!(r.build_path(), Err(Error::Encode { .. })));
        let mut r = Request::new(Method::GET, "/v1/things", Casing::Snake);
        r.path_param("id", "1");
        assert!(matches!(r.build_path(), Err(Error::Encode { .. })));
        // A placeholder used twice does not hide a parameter the template lacks.
        let mut r = Request::new(Method::GET, "/v1/{id}/x/{id}", Casing::Snake);
        r.path_param("id", "1");
        assert_eq!(r.build_path().unwrap(), "/v1/1/x/1");
        r.path_param("other", "2");
        let err = r.build_path().unwrap_err().to_string();
        assert!(err.contains("`other` is not in"), "{err}");
    }

    #[test]
    fn query_order_and_encoding() {
        #[derive(Clone, Copy)]
        struct CreatedAt;
        impl OrderField for CreatedAt {
            fn wire(self) -> &'static str {
                "created_at"
            }
        }
        let mut r = Request::new(Method::GET, "/v1/x", Casing::Snake);
        r.query("page", "2");
        let mut c = Conditions::new();
        c.push("state", crate::filter::Op::Eq, json!("published"));
        r.filter(&c);
        r.filter(&Conditions::new());
        r.includes(&[]);
        r.includes(&["solutions"]);
        r.includes(&["a", "b.c"]);
        r.order_by(&CreatedAt.desc());
        assert_eq!(
            r.build_query().unwrap(),
            "page=2&where=%7B%22state%22%3A%22published%22%7D&includes=solutions\
             &includes%5B%5D=a&includes%5B%5D=b.c&order_by=created_at+DESC"
        );
        // The URL carries exactly that query, and the pairs read back unencoded.
        let url = r.build_url(&base()).unwrap();
        assert_eq!(url.query(), r.build_query().as_deref());
        assert_eq!(url.path(), "/api/v1/x");
        let pairs: Vec<_> = url.query_pairs().into_owned().collect();
        let expected: Vec<_> = r
            .query_pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(pairs, expected);
        assert_eq!(expected[1].1, r#"{"state":"published"}"#);
        assert_eq!(expected[5].1, "created_at DESC");
        assert_eq!(
            Request::new(Method::GET, "/", Casing::Snake).build_query(),
            None
        );
    }

    #[test]
    fn body_recasing() {
        let body = json!({"data": {
            "challenge_id": "x",
            "$type": "CodeChallenge",
            "_id": 1,
            "run_config": {"test_command": "cargo test", "extra_args": [{"arg_name": 1}]},
            "custom_data": raw_json(json!({"some_key": {"InnerKey": 1}})),
            "labels_by_key": raw_keys(json!({"my_label": {"label_color": "red"}})),
        }});
        let build = |casing| {
            let mut r = Request::new(Method::POST, "/v1/x", casing);
            r.body(body.clone());
            let bytes = r.build_body().unwrap().unwrap();
            let value: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(value, recase_value(body.clone(), casing));
            value
        };
        let camel = build(Casing::Camel);
        assert_eq!(
            camel,
            json!({"data": {
                "challengeId": "x",
                "$type": "CodeChallenge",
                "_id": 1,
                "runConfig": {"testCommand": "cargo test", "extraArgs": [{"argName": 1}]},
                "customData": {"some_key": {"InnerKey": 1}},
                "labelsByKey": {"my_label": {"labelColor": "red"}},
            }})
        );
        let snake = build(Casing::Snake);
        assert_eq!(snake["data"]["challenge_id"], "x");
        assert_eq!(
            snake["data"]["custom_data"],
            json!({"some_key": {"InnerKey": 1}})
        );
        assert_eq!(
            snake["data"]["labels_by_key"],
            json!({"my_label": {"label_color": "red"}})
        );
        assert_eq!(
            recase_value(raw_json(json!({"aB": 1})), Casing::Snake),
            json!({"aB": 1})
        );
    }

    #[derive(Debug, PartialEq, serde::Serialize, Deserialize)]
    struct Human {
        email: Option<String>,
    }

    #[derive(Debug, PartialEq)]
    enum Kind {
        Human(Human),
        Unknown(Map<String, Value>),
    }

    impl Serialize for Kind {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Kind::Human(h) => serialize_tagged(s, "$type", "HumanAuthor", h),
                Kind::Unknown(m) => m.serialize(s),
            }
        }
    }

    impl<'de> Deserialize<'de> for Kind {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let map = Map::<String, Value>::deserialize(d)?;
            match map.get("$type").and_then(Value::as_str) {
                Some("HumanAuthor") => from_map(map).map(Kind::Human),
                _ => Ok(Kind::Unknown(map)),
            }
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, Deserialize)]
    struct Author {
        id: String,
        #[serde(flatten)]
        kind: Kind,
    }

    #[test]
    fn tagged_variants_round_trip() {
        let wire = json!({"id": "a1", "$type": "HumanAuthor", "email": "x@y.z"});
        let a: Author = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(
            a.kind,
            Kind::Human(Human {
                email: Some("x@y.z".into())
            })
        );
        assert_eq!(serde_json::to_value(&a).unwrap(), wire);
        let other = json!({"id": "a2", "$type": "Alien", "x": 1});
        let b: Author = serde_json::from_value(other.clone()).unwrap();
        assert!(matches!(b.kind, Kind::Unknown(_)));
        assert_eq!(serde_json::to_value(&b).unwrap(), other);
        let bad = json!({"id": "a3", "$type": "HumanAuthor", "email": 5});
        let err = serde_json::from_value::<Author>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("email"), "{err}");
    }

    #[test]
    fn webhook_helpers() {
        struct Payload(RawEvent);
        impl Serialize for Payload {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                serialize_event(s, &self.0.event, &self.0.data)
            }
        }
        let wire = json!({"event": "note_created", "data": {"id": "n1"}, "extra": 1});
        let raw: RawEvent = serde_json::from_value(wire).unwrap();
        assert_eq!(raw.event, "note_created");
        let back = serde_json::to_value(Payload(raw.clone())).unwrap();
        assert_eq!(back, json!({"event": "note_created", "data": {"id": "n1"}}));
        let id: std::collections::BTreeMap<String, String> =
            from_value::<_, serde_json::Error>(raw.data).unwrap();
        assert_eq!(id["id"], "n1");
        let err = from_value::<Human, serde_json::Error>(json!({"email": [1]})).unwrap_err();
        assert!(err.to_string().contains("at `email`"), "{err}");
        assert_eq!(to_json("x").unwrap(), json!("x"));
    }

    #[test]
    fn deserialize_some_distinguishes_null_and_absent() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "deserialize_some")]
            rel: Option<Option<u32>>,
        }
        let absent: T = serde_json::from_value(json!({})).unwrap();
        let null: T = serde_json::from_value(json!({"rel": null})).unwrap();
        let some: T = serde_json::from_value(json!({"rel": 3})).unwrap();
        assert_eq!(absent.rel, None);
        assert_eq!(null.rel, Some(None));
        assert_eq!(some.rel, Some(Some(3)));
    }
}
