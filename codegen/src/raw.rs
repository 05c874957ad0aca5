//! The spec exactly as written: a serde model of the YAML, nothing resolved yet.
//!
//! Every struct denies unknown keys, so a misspelt key is an error, never silently ignored.
//! Maps are [`IndexMap`]s: the order written in the spec is the order of the generated code.

use indexmap::IndexMap;
use serde::Deserialize;

/// One spec file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub api: Option<Api>,
    #[serde(default)]
    pub types: IndexMap<String, TypeDef>,
    #[serde(default)]
    pub resources: IndexMap<String, Resource>,
    #[serde(default)]
    pub webhooks: IndexMap<String, Webhook>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    pub name: String,
    pub base_url: String,
    pub doc: Option<String>,
}

/// A named type: an enum (`enum`), an object (`fields`), or a polymorphic family
/// (`tag` + `variants`, with `fields` common to all variants).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub doc: Option<String>,
    #[serde(rename = "enum")]
    pub enum_values: Option<Vec<EnumValue>>,
    pub fields: Option<IndexMap<String, Field>>,
    pub tag: Option<String>,
    pub variants: Option<IndexMap<String, Variant>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum EnumValue {
    Plain(String),
    Full(EnumValueFull),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnumValueFull {
    pub value: String,
    pub name: Option<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub doc: Option<String>,
    /// The tag value on the wire, when it differs from the variant's name.
    pub wire: Option<String>,
    #[serde(default)]
    pub fields: IndexMap<String, Field>,
}

/// A type expression. Written as a string (`string?`, `"[Name]?"`), or, for a list, as a YAML
/// flow sequence of one type (`[string]`), which YAML reads as a sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeText(pub String);

impl<'de> Deserialize<'de> for TypeText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TypeText;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a type such as `string`, `int?`, `[Name]` or `id(resource)`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TypeText, E> {
                Ok(TypeText(v.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<TypeText, A::Error> {
                let inner: TypeText = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom("`[]` names no element type; write `[string]`"))?;
                if seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    return Err(serde::de::Error::custom(
                        "a list type has one element type: write `[T]`, not `[T, U]`",
                    ));
                }
                Ok(TypeText(format!("[{}]", inner.0)))
            }
        }
        d.deserialize_any(V)
    }
}

/// A field, a parameter or a relation: `name: type` or the long form.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Field {
    Short(TypeText),
    Long(FieldLong),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldLong {
    #[serde(rename = "type")]
    pub ty: TypeText,
    pub wire: Option<String>,
    pub doc: Option<String>,
    #[serde(rename = "const")]
    pub const_value: Option<String>,
}

impl Field {
    pub fn ty(&self) -> &str {
        match self {
            Field::Short(t) => &t.0,
            Field::Long(l) => &l.ty.0,
        }
    }
    pub fn wire(&self) -> Option<&str> {
        match self {
            Field::Short(_) => None,
            Field::Long(l) => l.wire.as_deref(),
        }
    }
    pub fn doc(&self) -> Option<&str> {
        match self {
            Field::Short(_) => None,
            Field::Long(l) => l.doc.as_deref(),
        }
    }
    pub fn const_value(&self) -> Option<&str> {
        match self {
            Field::Short(_) => None,
            Field::Long(l) => l.const_value.as_deref(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub doc: Option<String>,
    pub plural: Option<String>,
    pub wire_type: Option<String>,
    pub tag: Option<String>,
    pub fields: Option<IndexMap<String, Field>>,
    pub variants: Option<IndexMap<String, Variant>>,
    #[serde(default)]
    pub relations: IndexMap<String, Field>,
    #[serde(default)]
    pub types: IndexMap<String, TypeDef>,
    #[serde(default)]
    pub endpoints: IndexMap<String, Endpoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    pub doc: Option<String>,
    pub title: Option<String>,
    pub method: String,
    pub path: String,
    pub response: String,
    pub model: Option<String>,
    #[serde(default)]
    pub params: IndexMap<String, Field>,
    #[serde(default)]
    pub query: IndexMap<String, Field>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub includes: Vec<String>,
    pub order_by: Option<OrderBy>,
    #[serde(default)]
    pub page: bool,
    #[serde(default)]
    pub limit: bool,
    #[serde(default)]
    pub body: IndexMap<String, Field>,
    #[serde(default)]
    pub body_top: IndexMap<String, Field>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Filter {
    Field(String),
    Custom(CustomFilter),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFilter {
    pub key: String,
    #[serde(rename = "type")]
    pub ty: TypeText,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OrderBy {
    All(bool),
    Fields(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    pub doc: Option<String>,
    pub data: TypeText,
}
