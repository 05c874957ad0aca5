//! The smallest JSON value of a type that the generated client decodes: what the fake server
//! answers with, or fills a record out with, where it has nothing better (an action whose
//! answer is not a stored record; a created record whose body lacks a field the API always
//! sends).

use crate::ir::{Api, Field, Ty, TypeKind};

/// A timestamp for fields the data gives no value for.
const EPOCH: &str = "1970-01-01T00:00:00Z";
/// An id of the API's form (24 hex digits) for typed ids.
const ZERO_ID: &str = "000000000000000000000000";

/// The JSON text of the smallest value of `ty`: objects with their required fields only,
/// each with a zero value (`""`, `0`, `0.0`, `false`, the epoch, an all-zero id, the first
/// value of an enum, `[]`, `{}`); a polymorphic type as its common fields, tagged as its
/// first variant; a webhook payload as the first event.
pub fn skeleton(api: &Api, ty: &Ty) -> String {
    let mut out = String::new();
    write(api, ty, &mut out, &mut Vec::new());
    out
}

fn write(api: &Api, ty: &Ty, out: &mut String, open: &mut Vec<usize>) {
    match ty {
        Ty::String => out.push_str("\"\""),
        Ty::Int => out.push('0'),
        Ty::Float => out.push_str("0.0"),
        Ty::Bool => out.push_str("false"),
        Ty::DateTime => string(out, EPOCH),
        Ty::Date => string(out, &EPOCH[..10]),
        Ty::Json | Ty::Option(_) => out.push_str("null"),
        Ty::Id(_) => string(out, ZERO_ID),
        Ty::List(_) => out.push_str("[]"),
        Ty::Map(_) => out.push_str("{}"),
        // A type that (through required fields) contains itself cannot be written out;
        // the generated code boxes such fields, and `null` is the best there is.
        Ty::Named(i) if open.contains(i) => out.push_str("null"),
        Ty::Named(i) => {
            open.push(*i);
            match &api.types[*i].kind {
                TypeKind::Enum(values) => match values.first() {
                    Some(v) => string(out, &v.wire),
                    None => out.push_str("\"\""),
                },
                TypeKind::Object(fields) | TypeKind::Variant(fields) => {
                    object(api, None, fields.iter(), out, open);
                }
                // The common fields only: they are what every variant has, so that the
                // fake can fill out a record of any variant with them.
                TypeKind::Union(u) => {
                    let tag = u.variants.first().map(|v| (u.tag.as_str(), v.wire.as_str()));
                    object(api, tag, u.common.iter(), out, open);
                }
            }
            open.pop();
        }
        Ty::WebhookPayload => match api.webhooks.first() {
            Some(w) => {
                out.push_str("{\"event\":");
                string(out, &w.event);
                out.push_str(",\"data\":");
                write(api, &w.data, out, open);
                out.push('}');
            }
            None => out.push_str("null"),
        },
    }
}

/// `{"tag": "value", "field": zero, ...}` over the required fields.
fn object<'a>(
    api: &Api,
    tag: Option<(&str, &str)>,
    fields: impl Iterator<Item = &'a Field>,
    out: &mut String,
    open: &mut Vec<usize>,
) {
    out.push('{');
    let mut first = true;
    if let Some((key, value)) = tag {
        string(out, key);
        out.push(':');
        string(out, value);
        first = false;
    }
    for f in fields.filter(|f| !f.ty.is_option() && tag.is_none_or(|(key, _)| f.wire != key)) {
        if !first {
            out.push(',');
        }
        first = false;
        string(out, &f.wire);
        out.push(':');
        write(api, &f.ty, out, open);
    }
    out.push('}');
}

/// `s` as a JSON string.
fn string(out: &mut String, s: &str) {
    // Serialising a `str` cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}
