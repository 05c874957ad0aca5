//! The spec exactly as written: a model of the YAML, nothing resolved yet.
//!
//! The YAML text is parsed (serde_yaml) into a [`Node`] tree that keeps every mapping entry,
//! duplicates included, in the order written; [`read`] then converts the tree into a [`File`]
//! by hand, so that every mistake of shape (an unknown or duplicate key, a missing key, a list
//! where a mapping belongs, ...) is reported with its YAML path and what to write instead, and
//! the reading goes on: one pass finds every such mistake in a file.
//!
//! A part that could not be read is left out (or marked `incomplete`) so that validation does
//! not report its consequences a second time. Maps are [`IndexMap`]s: the order written in the
//! spec is the order of the generated code.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;

use crate::diag::locate_nth;

/// One spec file.
#[derive(Debug, Default)]
pub struct File {
    pub api: Option<Api>,
    pub types: IndexMap<String, TypeDef>,
    pub resources: IndexMap<String, Resource>,
    pub webhooks: IndexMap<String, Webhook>,
}

#[derive(Debug, Default)]
pub struct Api {
    pub name: String,
    pub base_url: String,
    pub doc: Option<String>,
}

/// A named type: an enum (`enum`), an object (`fields`), or a polymorphic family
/// (`tag` + `variants`, with `fields` common to all variants).
#[derive(Debug, Default)]
pub struct TypeDef {
    pub doc: Option<String>,
    pub enum_values: Option<Vec<Option<EnumValue>>>,
    pub fields: Option<IndexMap<String, Field>>,
    pub tag: Option<String>,
    pub variants: Option<IndexMap<String, Variant>>,
    /// Part of the definition could not be read (already reported).
    pub incomplete: bool,
}

/// One value of an enum: `draft` or `{ value: "c#", name: csharp, doc: ... }`.
#[derive(Debug, Default)]
pub struct EnumValue {
    pub value: String,
    pub name: Option<String>,
    pub doc: Option<String>,
}

#[derive(Debug, Default)]
pub struct Variant {
    pub doc: Option<String>,
    /// The tag value on the wire, when it differs from the variant's name.
    pub wire: Option<String>,
    pub fields: IndexMap<String, Field>,
    pub incomplete: bool,
}

/// A type expression. Written as a string (`string?`, `"[Name]?"`), or, for a list, as a YAML
/// flow sequence of one type (`[string]`), which YAML reads as a sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeText(pub String);

/// A field, a parameter or a relation: `name: type` or the long form
/// `{ type, wire, doc, const }`.
#[derive(Debug, Default)]
pub struct Field {
    /// `None` when the type could not be read (already reported).
    pub ty: Option<TypeText>,
    /// Written in the long form (the type is then at `<field>.type`).
    pub long: bool,
    pub wire: Option<String>,
    pub doc: Option<String>,
    pub const_value: Option<String>,
}

impl Field {
    pub fn ty(&self) -> Option<&str> {
        self.ty.as_ref().map(|t| t.0.as_str())
    }
    pub fn wire(&self) -> Option<&str> {
        self.wire.as_deref()
    }
    pub fn doc(&self) -> Option<&str> {
        self.doc.as_deref()
    }
    pub fn const_value(&self) -> Option<&str> {
        self.const_value.as_deref()
    }
}

#[derive(Debug, Default)]
pub struct Resource {
    pub doc: Option<String>,
    pub plural: Option<String>,
    pub wire_type: Option<String>,
    pub tag: Option<String>,
    pub fields: Option<IndexMap<String, Field>>,
    pub variants: Option<IndexMap<String, Variant>>,
    pub relations: IndexMap<String, Field>,
    pub types: IndexMap<String, TypeDef>,
    pub endpoints: IndexMap<String, Endpoint>,
    /// Part of the model (fields, variants, relations) could not be read (already reported).
    pub incomplete: bool,
    /// `endpoints` could not be read, or was misspelt (already reported).
    pub endpoints_unreadable: bool,
}

#[derive(Debug, Default)]
pub struct Endpoint {
    pub doc: Option<String>,
    pub title: Option<String>,
    /// `None` when missing or unreadable (already reported); so are `path` and `response`.
    pub method: Option<String>,
    pub path: Option<String>,
    pub response: Option<String>,
    pub model: Option<String>,
    pub params: IndexMap<String, Field>,
    pub query: IndexMap<String, Field>,
    pub filters: Vec<Filter>,
    /// `None` for an entry that is not a string (already reported).
    pub includes: Vec<Option<String>>,
    pub order_by: Option<OrderBy>,
    pub page: bool,
    pub limit: bool,
    pub body: IndexMap<String, Field>,
    pub body_top: IndexMap<String, Field>,
    /// `params` (or `path`) could not be read: their agreement is not checked.
    pub incomplete: bool,
}

#[derive(Debug)]
pub enum Filter {
    Field(String),
    Custom(CustomFilter),
    /// An entry that could not be read (already reported).
    Invalid,
}

#[derive(Debug)]
pub struct CustomFilter {
    pub key: String,
    pub ty: TypeText,
    pub name: Option<String>,
}

#[derive(Debug)]
pub enum OrderBy {
    All(bool),
    /// `None` for an entry that is not a string (already reported).
    Fields(Vec<Option<String>>),
}

#[derive(Debug, Default)]
pub struct Webhook {
    pub doc: Option<String>,
    /// `None` when missing (already reported).
    pub data: Option<TypeText>,
}

// ---------------------------------------------------------------------------------------------
// The YAML tree

/// A YAML node, as written: mappings keep every entry (duplicate keys too) in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// An integer, as text.
    Int(String),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// A value with a YAML tag (`!foo value`); the spec format has no use for tags.
    Tagged(String, Box<Node>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_bytes<E: serde::de::Error>(self, _: &[u8]) -> Result<Node, E> {
                Err(E::custom("binary data is not part of the spec format"))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry()? {
                    entries.push((k, v));
                }
                Ok(Node::Map(entries))
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Node, A::Error> {
                use serde::de::VariantAccess;
                let (tag, value): (String, _) = data.variant()?;
                let inner: Node = value.newtype_variant()?;
                Ok(Node::Tagged(tag, Box::new(inner)))
            }
        }
        d.deserialize_any(V)
    }
}

impl Node {
    /// How the node reads in a message: "the string `x`", "a list", ...
    fn describe(&self) -> String {
        match self {
            Node::Null => "nothing (null)".to_owned(),
            Node::Bool(b) => format!("the boolean `{b}`"),
            Node::Int(i) => format!("the number `{i}`"),
            Node::Float(x) => format!("the number `{x}`"),
            Node::Str(s) => format!("the string `{}`", short(s)),
            Node::Seq(_) => "a list".to_owned(),
            Node::Map(_) => "a mapping".to_owned(),
            Node::Tagged(t, _) => format!("a value tagged `!{}`", t.trim_start_matches('!')),
        }
    }

    /// The text of a scalar that stands for a string (`doc: 2024` is the text `2024`).
    fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Int(i) => Some(i.clone()),
            Node::Bool(b) => Some(b.to_string()),
            Node::Float(x) => Some(x.to_string()),
            _ => None,
        }
    }
}

fn short(s: &str) -> String {
    if s.chars().count() > 40 { format!("{}...", s.chars().take(40).collect::<String>()) } else { s.to_owned() }
}

// ---------------------------------------------------------------------------------------------
// Reading the tree

/// A mistake found while reading a file: its YAML path, its place when found, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Parses and reads one spec file. `Err` is a YAML syntax error (nothing could be read);
/// otherwise the file as far as it could be read, and every mistake found.
pub fn read(text: &str) -> Result<(File, Vec<Problem>), serde_yaml::Error> {
    let node: Node = serde_yaml::from_str(text)?;
    let mut r = Reader { text, problems: Vec::new() };
    let file = r.file(&node);
    Ok((file, r.problems))
}

struct Reader<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

const FILE_KEYS: &[&str] = &["api", "types", "resources", "webhooks"];
const API_KEYS: &[&str] = &["name", "base_url", "doc"];
const TYPE_KEYS: &[&str] = &["doc", "enum", "fields", "tag", "variants"];
const ENUM_VALUE_KEYS: &[&str] = &["value", "name", "doc"];
const VARIANT_KEYS: &[&str] = &["doc", "wire", "fields"];
const FIELD_KEYS: &[&str] = &["type", "wire", "doc", "const"];
const RESOURCE_KEYS: &[&str] =
    &["doc", "plural", "wire_type", "tag", "fields", "variants", "relations", "types", "endpoints"];
const ENDPOINT_KEYS: &[&str] = &[
    "doc", "title", "method", "path", "response", "model", "params", "query", "filters", "includes", "order_by", "page",
    "limit", "body", "body_top",
];
const FILTER_KEYS: &[&str] = &["key", "type", "name"];
const WEBHOOK_KEYS: &[&str] = &["doc", "data"];

/// The entries of a mapping with known keys, each key once, unknown and duplicate keys reported.
struct Entries<'n> {
    path: String,
    found: BTreeMap<&'static str, &'n Node>,
    /// Known keys that an unknown key looks like a misspelling of: their absence is not
    /// reported again.
    typos: Vec<&'static str>,
    /// Some key was unknown.
    unknown: bool,
}

impl<'n> Entries<'n> {
    fn get(&self, key: &str) -> Option<(&'n Node, String)> {
        self.found.get(key).map(|n| (*n, join(&self.path, key)))
    }
    /// Whether `key` is absent because it was misspelt (already reported).
    fn misspelt(&self, key: &str) -> bool {
        !self.found.contains_key(key) && self.typos.contains(&key)
    }
}

impl Reader<'_> {
    fn problem(&mut self, path: &str, nth: usize, message: impl Into<String>) {
        let pos = locate_nth(self.text, path, nth);
        self.problems.push(Problem {
            path: path.to_owned(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message: message.into(),
        });
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.problem(path, 0, message);
    }

    /// Where the `nth` occurrence of a key is, as seen from the `here`th: "line 12", or
    /// "column 25" on the same line.
    fn line_of(&self, path: &str, nth: usize, here: usize) -> String {
        match (locate_nth(self.text, path, nth), locate_nth(self.text, path, here)) {
            (Some((line, col)), Some((l2, _))) if line == l2 => format!("column {col}"),
            (Some((line, _)), _) => format!("line {line}"),
            (None, _) => "above".to_owned(),
        }
    }

    /// A key as a name: a string. Reports anything else.
    fn key_name<'a>(&mut self, key: &'a Node, path: &str, what: &str) -> Option<&'a str> {
        match key {
            Node::Str(s) => Some(s),
            Node::Null => {
                self.error(path, format!("an empty key in {what}; write a name before the `:`"));
                None
            }
            Node::Bool(_) | Node::Int(_) | Node::Float(_) => {
                let text = key.scalar_text().unwrap_or_default();
                self.error(
                    &join(path, &text),
                    format!("the key `{text}` in {what} is read as {}; quote it (`\"{text}\"`) if it is a name", key.describe()),
                );
                None
            }
            other => {
                self.error(path, format!("a key in {what} must be a name, not {}", other.describe()));
                None
            }
        }
    }

    /// Checks that `node` is a mapping whose keys are among `keys`; reports unknown and duplicate
    /// keys. `None` (reported) when it is not a mapping.
    fn entries<'n>(&mut self, node: &'n Node, path: &str, what: &str, keys: &[&'static str]) -> Option<Entries<'n>> {
        let Node::Map(items) = node else {
            self.error(
                path,
                format!(
                    "expected {what} (a mapping with the keys {}), found {}",
                    list(keys),
                    node.describe()
                ),
            );
            return None;
        };
        let mut found: BTreeMap<&'static str, &'n Node> = BTreeMap::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut typos = Vec::new();
        let mut unknown = false;
        for (k, v) in items {
            let Some(name) = self.key_name(k, path, what) else {
                unknown = true;
                continue;
            };
            let kpath = join(path, name);
            let nth = seen.entry(name.to_owned()).or_insert(0);
            *nth += 1;
            if *nth > 1 {
                let nth = *nth - 1;
                let first = self.line_of(&kpath, 0, nth);
                self.problem(&kpath, nth, format!("duplicate key `{name}` (first at {first}); YAML keeps only one of them: remove or merge one"));
                continue;
            }
            match keys.iter().find(|k| **k == name) {
                Some(k) => {
                    found.insert(k, v);
                }
                None => {
                    unknown = true;
                    let close = crate::lower::closest(name, keys.iter().copied()).or_else(|| {
                        // A plural or singular slip (`field`, `include`), or a longer spelling
                        // (`constant`, `enum_values`).
                        keys.iter().copied().find(|k| {
                            format!("{name}s") == *k || format!("{k}s") == name || (k.len() >= 3 && name.starts_with(k))
                        })
                    });
                    typos.extend(close);
                    let hint = close.map(|h| format!("did you mean `{h}`? ")).unwrap_or_default();
                    self.error(&kpath, format!("unknown key `{name}` in {what}; {hint}expected one of {}", list(keys)));
                }
            }
        }
        Some(Entries { path: path.to_owned(), found, typos, unknown })
    }

    /// A mapping of names to items (`fields:`, `resources:`, ...). Keys that are not names and
    /// duplicate names are reported and skipped. `null` reads as an empty mapping.
    fn named<T>(
        &mut self,
        node: &Node,
        path: &str,
        what: &str,
        mut item: impl FnMut(&mut Self, &str, &Node, &str) -> T,
    ) -> Option<IndexMap<String, T>> {
        let items = match node {
            Node::Map(items) => items,
            Node::Null => return Some(IndexMap::new()),
            other => {
                self.error(path, format!("expected a mapping of {what}s (`name: ...`), found {}", other.describe()));
                return None;
            }
        };
        let mut out = IndexMap::new();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (k, v) in items {
            let Some(name) = self.key_name(k, path, &format!("the {what}s")) else { continue };
            let kpath = join(path, name);
            let nth = seen.entry(name.to_owned()).or_insert(0);
            *nth += 1;
            if *nth > 1 {
                let nth = *nth - 1;
                let first = self.line_of(&kpath, 0, nth);
                self.problem(&kpath, nth, format!("duplicate {what} `{name}` (first at {first}); remove or rename one"));
                continue;
            }
            let value = item(self, name, v, &kpath);
            out.insert(name.to_owned(), value);
        }
        Some(out)
    }

    /// A string value (numbers and booleans are read as their text).
    fn text(&mut self, node: &Node, path: &str, what: &str) -> Option<String> {
        match node.scalar_text() {
            Some(s) => Some(s),
            None => {
                self.error(path, format!("expected {what}, found {}", node.describe()));
                None
            }
        }
    }

    fn opt_text(&mut self, e: &Entries<'_>, key: &str, what: &str) -> Option<String> {
        let (n, p) = e.get(key)?;
        self.text(n, &p, what)
    }

    fn required_text(&mut self, e: &Entries<'_>, key: &str, what: &str, owner: &str) -> Option<String> {
        match e.get(key) {
            Some((n, p)) => self.text(n, &p, what),
            None if e.misspelt(key) => None,
            None => {
                self.error(&e.path, format!("{owner} lacks `{key}` ({what})"));
                None
            }
        }
    }

    fn flag(&mut self, e: &Entries<'_>, key: &str) -> bool {
        match e.get(key) {
            None => false,
            Some((Node::Bool(b), _)) => *b,
            Some((n, p)) => {
                self.error(&p, format!("`{key}` is `true` or `false`, not {}", n.describe()));
                false
            }
        }
    }

    fn file(&mut self, node: &Node) -> File {
        if *node == Node::Null {
            return File::default();
        }
        let Some(e) = self.entries(node, "", "a spec file", FILE_KEYS) else { return File::default() };
        let mut file = File::default();
        if let Some((n, p)) = e.get("api") {
            // A section that cannot be read still counts as the `api` section.
            file.api = Some(self.api(n, &p).unwrap_or_default());
        }
        if let Some((n, p)) = e.get("types") {
            file.types = self.named(n, &p, "type", |r, name, n, p| r.type_def(name, n, p)).unwrap_or_default();
        }
        if let Some((n, p)) = e.get("resources") {
            file.resources = self.named(n, &p, "resource", |r, name, n, p| r.resource(name, n, p)).unwrap_or_default();
        }
        if let Some((n, p)) = e.get("webhooks") {
            file.webhooks = self.named(n, &p, "webhook", |r, name, n, p| r.webhook(name, n, p)).unwrap_or_default();
        }
        file
    }

    fn api(&mut self, node: &Node, path: &str) -> Option<Api> {
        let e = self.entries(node, path, "the `api` section", API_KEYS)?;
        let name = self.required_text(&e, "name", "the API's name, e.g. `name: Qualified`", "the `api` section");
        let base_url =
            self.required_text(&e, "base_url", "the default base URL, e.g. `base_url: https://example.com/api`", "the `api` section");
        let doc = self.opt_text(&e, "doc", "a text");
        Some(Api { name: name.unwrap_or_default(), base_url: base_url.unwrap_or_default(), doc })
    }

    fn type_def(&mut self, name: &str, node: &Node, path: &str) -> TypeDef {
        let what = format!("the type `{name}`");
        let Some(e) = self.entries(node, path, &what, TYPE_KEYS) else {
            return TypeDef { incomplete: true, ..TypeDef::default() };
        };
        let mut t = TypeDef {
            doc: self.opt_text(&e, "doc", "a text"),
            tag: self.opt_text(&e, "tag", "the wire key that names the variant, e.g. `tag: $type`"),
            incomplete: e.unknown,
            ..TypeDef::default()
        };
        if let Some((n, p)) = e.get("enum") {
            t.enum_values = self.enum_values(n, &p);
            t.incomplete |= t.enum_values.is_none();
        }
        if let Some((n, p)) = e.get("fields") {
            t.fields = self.fields(n, &p, "field");
            t.incomplete |= t.fields.is_none();
            t.fields.get_or_insert_with(IndexMap::new);
        }
        if let Some((n, p)) = e.get("variants") {
            t.variants = self.variants(n, &p);
            t.incomplete |= t.variants.is_none();
        }
        t
    }

    fn enum_values(&mut self, node: &Node, path: &str) -> Option<Vec<Option<EnumValue>>> {
        let items = match node {
            Node::Seq(items) => items,
            Node::Null => return Some(Vec::new()),
            other => {
                self.error(
                    path,
                    format!("`enum` is a list of values, e.g. `enum: [draft, published]`; found {}", other.describe()),
                );
                return None;
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = index(path, i);
            let v = match item {
                Node::Str(s) => Some(EnumValue { value: s.clone(), ..EnumValue::default() }),
                Node::Map(_) => self.entries(item, &p, "an enum value", ENUM_VALUE_KEYS).and_then(|e| {
                    let value = self.required_text(&e, "value", "the value on the wire", "an enum value in the long form");
                    let name = self.opt_text(&e, "name", "a snake_case name");
                    let doc = self.opt_text(&e, "doc", "a text");
                    value.map(|value| EnumValue { value, name, doc })
                }),
                Node::Int(_) | Node::Float(_) | Node::Bool(_) | Node::Null => {
                    let text = item.scalar_text().unwrap_or_else(|| "null".to_owned());
                    self.error(
                        &p,
                        format!(
                            "an enum value is a string; `{text}` is read as {}: quote it (`\"{text}\"`) and give it a name (`{{ value: \"{text}\", name: ... }}`)",
                            item.describe()
                        ),
                    );
                    None
                }
                other => {
                    self.error(
                        &p,
                        format!("an enum value is a string or `{{ value: ..., name: ..., doc: ... }}`, not {}", other.describe()),
                    );
                    None
                }
            };
            out.push(v);
        }
        Some(out)
    }

    fn variants(&mut self, node: &Node, path: &str) -> Option<IndexMap<String, Variant>> {
        self.named(node, path, "variant", |r, name, n, p| {
            if *n == Node::Null {
                return Variant::default();
            }
            let Some(e) = r.entries(n, p, &format!("the variant `{name}`"), VARIANT_KEYS) else {
                return Variant { incomplete: true, ..Variant::default() };
            };
            let mut v = Variant {
                doc: r.opt_text(&e, "doc", "a text"),
                wire: r.opt_text(&e, "wire", "the tag value on the wire"),
                incomplete: e.unknown,
                ..Variant::default()
            };
            if let Some((n, p)) = e.get("fields") {
                match r.fields(n, &p, "field") {
                    Some(f) => v.fields = f,
                    None => v.incomplete = true,
                }
            }
            v
        })
    }

    fn fields(&mut self, node: &Node, path: &str, what: &str) -> Option<IndexMap<String, Field>> {
        self.named(node, path, what, |r, name, n, p| r.field(name, n, p, what))
    }

    fn field(&mut self, name: &str, node: &Node, path: &str, what: &str) -> Field {
        match node {
            Node::Map(_) => {
                let Some(e) = self.entries(node, path, &format!("the {what} `{name}` (long form)"), FIELD_KEYS) else {
                    return Field::default();
                };
                let ty = match e.get("type") {
                    Some((n, p)) => self.type_text(n, &p),
                    None if e.misspelt("type") => None,
                    None => {
                        self.error(path, format!("the {what} `{name}` lacks `type` (e.g. `type: string`)"));
                        None
                    }
                };
                Field {
                    ty,
                    long: true,
                    wire: self.opt_text(&e, "wire", "the name on the wire"),
                    doc: self.opt_text(&e, "doc", "a text"),
                    const_value: self.opt_text(&e, "const", "the value always sent"),
                }
            }
            Node::Null => {
                self.error(
                    path,
                    format!("the {what} `{name}` has no type; write `{name}: string` (or another type), or the long form `{name}: {{ type: string, doc: ... }}`"),
                );
                Field::default()
            }
            _ => Field { ty: self.type_text(node, path), ..Field::default() },
        }
    }

    fn type_text(&mut self, node: &Node, path: &str) -> Option<TypeText> {
        match node {
            Node::Str(s) => Some(TypeText(s.clone())),
            Node::Seq(items) => match items.as_slice() {
                [] => {
                    self.error(path, "`[]` names no element type; write `[string]`");
                    None
                }
                [one] => self.type_text(one, path).map(|t| TypeText(format!("[{}]", t.0))),
                _ => {
                    self.error(path, "a list type has one element type: write `[T]`, not `[T, U]`");
                    None
                }
            },
            other => {
                self.error(
                    path,
                    format!(
                        "expected a type such as `string`, `int?`, `[Name]` or `id(resource)`, found {}",
                        other.describe()
                    ),
                );
                None
            }
        }
    }

    fn resource(&mut self, name: &str, node: &Node, path: &str) -> Resource {
        let Some(e) = self.entries(node, path, &format!("the resource `{name}`"), RESOURCE_KEYS) else {
            // Keep the model declared, so that its uses are not reported again.
            return Resource { fields: Some(IndexMap::new()), incomplete: true, endpoints_unreadable: true, ..Resource::default() };
        };
        let mut r = Resource {
            doc: self.opt_text(&e, "doc", "a text"),
            plural: self.opt_text(&e, "plural", "a snake_case name"),
            wire_type: self.opt_text(&e, "wire_type", "the envelope's `type`"),
            tag: self.opt_text(&e, "tag", "the wire key that names the variant, e.g. `tag: $type`"),
            ..Resource::default()
        };
        if e.misspelt("fields") || e.misspelt("variants") || e.misspelt("relations") {
            // The model is there, under a misspelt key: keep it declared.
            r.fields = Some(IndexMap::new());
            r.incomplete = true;
        }
        if let Some((n, p)) = e.get("fields") {
            r.fields = self.fields(n, &p, "field");
            r.incomplete |= r.fields.is_none();
            r.fields.get_or_insert_with(IndexMap::new);
        }
        if let Some((n, p)) = e.get("variants") {
            r.variants = self.variants(n, &p);
            r.incomplete |= r.variants.is_none();
        }
        if let Some((n, p)) = e.get("relations") {
            match self.fields(n, &p, "relation") {
                Some(f) => r.relations = f,
                None => r.incomplete = true,
            }
        }
        if let Some((n, p)) = e.get("types") {
            r.types = self.named(n, &p, "type", |r, name, n, p| r.type_def(name, n, p)).unwrap_or_default();
        }
        if let Some((n, p)) = e.get("endpoints") {
            match self.named(n, &p, "endpoint", |r, name, n, p| r.endpoint(name, n, p)) {
                Some(eps) => r.endpoints = eps,
                None => r.endpoints_unreadable = true,
            }
        }
        r.endpoints_unreadable |= e.misspelt("endpoints");
        r
    }

    fn endpoint(&mut self, name: &str, node: &Node, path: &str) -> Endpoint {
        let owner = format!("the endpoint `{name}`");
        let Some(e) = self.entries(node, path, &owner, ENDPOINT_KEYS) else {
            return Endpoint::default();
        };
        // The required keys: all the missing ones in one error.
        let required = [
            ("method", "the HTTP method: GET, POST, PUT, PATCH or DELETE"),
            ("path", "the URL path, e.g. `/v1/notes/{id}`"),
            ("response", "one, page, list, none or a type name"),
        ];
        let missing: Vec<_> = required.iter().filter(|(k, _)| e.get(k).is_none() && !e.misspelt(k)).collect();
        if missing.len() > 1 {
            let list: Vec<String> = missing.iter().map(|(k, what)| format!("`{k}` ({what})")).collect();
            self.error(path, format!("{owner} lacks {}", list.join(", ")));
        }
        let required_text = |r: &mut Self, key: &str, what: &str| {
            if missing.len() > 1 { e.get(key).and_then(|(n, p)| r.text(n, &p, what)) } else { r.required_text(&e, key, what, &owner) }
        };
        let method = required_text(self, "method", required[0].1);
        let path_ = required_text(self, "path", required[1].1);
        let response = required_text(self, "response", required[2].1);
        let mut ep = Endpoint {
            doc: self.opt_text(&e, "doc", "a text"),
            title: self.opt_text(&e, "title", "a text"),
            method,
            path: path_,
            response,
            model: self.opt_text(&e, "model", "a type name"),
            page: self.flag(&e, "page"),
            limit: self.flag(&e, "limit"),
            incomplete: e.misspelt("params") || e.misspelt("path"),
            ..Endpoint::default()
        };
        for (key, what, slot) in [
            ("params", "path parameter", &mut ep.params),
            ("query", "query parameter", &mut ep.query),
            ("body", "body field", &mut ep.body),
            ("body_top", "body field", &mut ep.body_top),
        ] {
            if let Some((n, p)) = e.get(key) {
                match self.fields(n, &p, what) {
                    Some(f) => *slot = f,
                    None => ep.incomplete |= key == "params",
                }
            }
        }
        if let Some((n, p)) = e.get("filters") {
            ep.filters = self.filters(n, &p);
        }
        if let Some((n, p)) = e.get("includes") {
            ep.includes = self.names(n, &p, "includes", "a relation name (`author`, `author.team`)").unwrap_or_default();
        }
        if let Some((n, p)) = e.get("order_by") {
            ep.order_by = match n {
                Node::Bool(b) => Some(OrderBy::All(*b)),
                Node::Null => None,
                _ => self.names(n, &p, "order_by", "a field name").map(OrderBy::Fields),
            };
        }
        ep
    }

    /// A list of names (`includes`, `order_by`); entries that are not strings are `None`.
    fn names(&mut self, node: &Node, path: &str, key: &str, what: &str) -> Option<Vec<Option<String>>> {
        let items = match node {
            Node::Seq(items) => items,
            Node::Null => return Some(Vec::new()),
            Node::Str(s) => {
                let alt = if key == "order_by" { ", or `order_by: true` for every scalar field" } else { "" };
                self.error(path, format!("`{key}` is a list: write `{key}: [{s}]`{alt}"));
                return None;
            }
            other => {
                let alt = if key == "order_by" { " (or `true`: every scalar field)" } else { "" };
                self.error(path, format!("`{key}` is a list of names{alt}, e.g. `[a, b]`; found {}", other.describe()));
                return None;
            }
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Node::Str(s) => Some(s.clone()),
                    other => {
                        self.error(&index(path, i), format!("expected {what}, found {}", other.describe()));
                        None
                    }
                })
                .collect(),
        )
    }

    fn filters(&mut self, node: &Node, path: &str) -> Vec<Filter> {
        let items = match node {
            Node::Seq(items) => items,
            Node::Null => return Vec::new(),
            Node::Str(s) => {
                self.error(path, format!("`filters` is a list: write `filters: [{s}]`"));
                return Vec::new();
            }
            other => {
                self.error(path, format!("`filters` is a list of field names and `{{ key, type, name }}` entries; found {}", other.describe()));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = index(path, i);
            let f = match item {
                Node::Str(s) => Filter::Field(s.clone()),
                Node::Map(_) => match self.entries(item, &p, "a filter (long form)", FILTER_KEYS) {
                    None => Filter::Invalid,
                    Some(e) => {
                        let key = self.required_text(&e, "key", "the key in `where`", "a filter in the long form");
                        let ty = match e.get("type") {
                            Some((n, tp)) => self.type_text(n, &tp),
                            None if e.misspelt("type") => None,
                            None => {
                                self.error(&p, "a filter in the long form lacks `type` (e.g. `type: string`)");
                                None
                            }
                        };
                        let name = self.opt_text(&e, "name", "the Rust method name (snake_case)");
                        match (key, ty) {
                            (Some(key), Some(ty)) => Filter::Custom(CustomFilter { key, ty, name }),
                            _ => Filter::Invalid,
                        }
                    }
                },
                other => {
                    self.error(
                        &p,
                        format!(
                            "a filter is a field name (`state`) or `{{ key: ..., type: ..., name: ... }}`, not {}",
                            other.describe()
                        ),
                    );
                    Filter::Invalid
                }
            };
            out.push(f);
        }
        out
    }

    fn webhook(&mut self, name: &str, node: &Node, path: &str) -> Webhook {
        let owner = format!("the webhook `{name}`");
        let Some(e) = self.entries(node, path, &owner, WEBHOOK_KEYS) else { return Webhook::default() };
        let doc = self.opt_text(&e, "doc", "a text");
        let data = match e.get("data") {
            Some((n, p)) => self.type_text(n, &p),
            None if e.misspelt("data") => None,
            None => {
                self.error(path, format!("{owner} lacks `data` (the type of the payload's `data`)"));
                None
            }
        };
        Webhook { doc, data }
    }
}

/// `a, b, c` as "`a`, `b` or `c`".
fn list(keys: &[&str]) -> String {
    match keys {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => format!("{} or `{last}`", init.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")),
    }
}
