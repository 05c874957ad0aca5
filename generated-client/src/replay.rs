//! Support for replaying recorded exchanges through the generated client (feature
//! `conformance`). The generator emits, per endpoint, a function that reads a [`ReplayCall`],
//! calls the endpoint through its public builder, and returns the typed response serialised
//! back to JSON; `operations::replay` dispatches on the endpoint.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A recorded request, taken apart: what the replay functions read their arguments from.
#[derive(Debug, Clone, Default)]
pub struct ReplayCall {
    /// Path parameters by name (percent-decoded).
    pub path_params: BTreeMap<String, String>,
    /// Query parameters as decoded pairs, in order.
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl ReplayCall {
    /// A path parameter, decoded into its type.
    pub fn path<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let raw = self
            .path_params
            .get(name)
            .ok_or_else(|| format!("the recorded path has no parameter `{name}`"))?;
        from_text(raw).map_err(|e| format!("path parameter `{name}`: {e}"))
    }

    /// The first query value named `wire`, decoded into its type.
    pub fn query<T: DeserializeOwned>(&self, wire: &str) -> Result<Option<T>, String> {
        match self.query.iter().find(|(k, _)| k == wire) {
            Some((_, v)) => from_text(v).map(Some).map_err(|e| format!("query parameter `{wire}`: {e}")),
            None => Ok(None),
        }
    }

    /// The raw first query value named `wire`.
    pub fn query_raw(&self, wire: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == wire).map(|(_, v)| v.as_str())
    }

    /// Every value of `includes` and `includes[]`, in order.
    pub fn includes(&self) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == "includes" || k == "includes[]")
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A body field, looked up by its snake_case wire name or its camelCase form, inside
    /// `data` (or at the top level when `top`).
    pub fn body<T: DeserializeOwned>(&self, top: bool, wire: &str) -> Result<Option<T>, String> {
        let Some(body) = &self.body else { return Ok(None) };
        let scope = if top { Some(body) } else { body.get("data") };
        let Some(Value::Object(map)) = scope else { return Ok(None) };
        let camel = crate::Casing::Camel.recase_key(wire);
        let value = map.get(wire).or_else(|| map.get(&*camel));
        match value {
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|e| format!("body field `{wire}`: {e}")),
            None => Ok(None),
        }
    }
}

/// Decodes a text value (path or query) into `T`: as a JSON string first (strings, ids, enums,
/// dates, times), else as a JSON literal (numbers, booleans).
pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(text.to_owned()))
        .or_else(|_| serde_json::from_str(text))
        .map_err(|e| format!("cannot read `{text}`: {e}"))
}

/// Decodes a JSON value into `T`.
pub fn from_json<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_json::from_value(value.clone()).map_err(|e| format!("cannot read `{value}`: {e}"))
}

/// Decodes a JSON array (or a single value) into a list of `T`.
pub fn from_json_list<T: DeserializeOwned>(value: &Value) -> Result<Vec<T>, String> {
    match value {
        Value::Array(items) => items.iter().map(from_json).collect(),
        single => Ok(vec![from_json(single)?]),
    }
}

/// Splits an `order_by` value (`created_at DESC`) into the field and whether it descends.
pub fn order_parts(value: &str) -> Result<(&str, bool), String> {
    let mut parts = value.split_whitespace();
    let field = parts.next().ok_or("empty order_by")?;
    let desc = match parts.next().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(other) => return Err(format!("unknown order direction `{other}`")),
    };
    Ok((field, desc))
}

/// Serialises a typed response back to JSON (`null` for an empty response).
pub fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("cannot serialise the response: {e}"))
}
