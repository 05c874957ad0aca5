//! The API's response envelopes.
//!
//! A single record comes as `{id, type, data, meta}`, a page of records as
//! `{type, data: [...], currentPage, totalPages, totalCount, meta}` and an unpaged list as
//! `{type, data: [...], meta}`. Keys are camelCase on the wire; the snake_case forms are read
//! too. Re-serialising a decoded envelope reproduces the keys it was decoded from (absent
//! optional keys stay absent).

use std::ops::{Deref, DerefMut};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// One record: `{id, type, data, meta}`.
///
/// Derefs to its `data`, so `record.field` reads a field of the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<T> {
    /// The record's id, as the envelope gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The envelope's `type` (`AssessmentResult`, ...).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The record itself.
    pub data: T,
    /// Response metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl<T> Record<T> {
    /// The record, without its envelope.
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T> Deref for Record<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T> DerefMut for Record<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

/// One page of a paginated list:
/// `{type, data: [...], currentPage, totalPages, totalCount, meta}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The envelope's `type` (the records' type name).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The records of this page.
    pub data: Vec<T>,
    /// The number of this page (the first is 1).
    #[serde(alias = "current_page")]
    pub current_page: u32,
    /// How many pages there are.
    #[serde(alias = "total_pages")]
    pub total_pages: u32,
    /// How many records there are on all pages together.
    #[serde(alias = "total_count")]
    pub total_count: u64,
    /// Response metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl<T> Page<T> {
    /// Whether this is the last page: it is empty or `current_page >= total_pages`.
    pub fn is_last(&self) -> bool {
        self.data.is_empty() || self.current_page >= self.total_pages
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

/// A list of records without paging: `{type, data: [...], meta}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordList<T> {
    /// The envelope's `type` (the records' type name), when given.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_name: Option<String>,
    /// The records.
    pub data: Vec<T>,
    /// Response metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl<T> IntoIterator for RecordList<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

/// Response metadata: `{timestamp, includes, enums, flags}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// When the server produced the response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<DateTime<FixedOffset>>,
    /// The relations embedded in the records (the `includes` that were requested).
    #[serde(default)]
    pub includes: Vec<String>,
    /// The values and labels of the model's enums, as the server describes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enums: Option<serde_json::Value>,
    /// Feature flags of the account, when the server sends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn keys(v: &Value) -> Vec<String> {
        let mut out = Vec::new();
        fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
            if let Value::Object(m) = v {
                for (k, v) in m {
                    let p = format!("{prefix}/{k}");
                    out.push(p.clone());
                    if k != "data" {
                        walk(v, &p, out);
                    }
                }
            }
        }
        walk(v, "", &mut out);
        out
    }

    #[test]
    fn record_round_trip() {
        let wire = json!({
            "id": "645c03181d41c84e89fe36b0",
            "type": "AssessmentResult",
            "data": {"id": "645c03181d41c84e89fe36b0", "state": "submitted"},
            "meta": {"timestamp": "2023-05-10T13:52:55.286-07:00", "includes": [], "enums": {"state": []}}
        });
        let rec: Record<Value> = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(rec.id.as_deref(), Some("645c03181d41c84e89fe36b0"));
        assert_eq!(rec["state"], "submitted");
        let back = serde_json::to_value(&rec).unwrap();
        assert_eq!(keys(&back), keys(&wire));
        assert_eq!(rec.clone().into_inner(), wire["data"]);
    }

    #[test]
    fn page_reads_both_casings() {
        let camel = json!({"type": "X", "data": [1, 2], "currentPage": 1, "totalPages": 2, "totalCount": 3,
            "meta": {"timestamp": "2023-05-10T13:52:55.286-07:00", "includes": ["solutions"]}});
        let snake = json!({"type": "X", "data": [1, 2], "current_page": 1, "total_pages": 2, "total_count": 3,
            "meta": {"timestamp": "2023-05-10T13:52:55.286-07:00", "includes": ["solutions"]}});
        let a: Page<u32> = serde_json::from_value(camel.clone()).unwrap();
        let b: Page<u32> = serde_json::from_value(snake).unwrap();
        assert_eq!(a, b);
        assert!(!a.is_last());
        assert_eq!(keys(&serde_json::to_value(&a).unwrap()), keys(&camel));
        assert_eq!(a.into_iter().collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn list_without_type() {
        let wire = json!({"data": [], "meta": {"timestamp": "2023-05-10T13:52:20.011-07:00", "includes": []}});
        let list: RecordList<Value> = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(list.type_name, None);
        assert_eq!(keys(&serde_json::to_value(&list).unwrap()), keys(&wire));
    }
}
