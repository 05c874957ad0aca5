//! Typed `where` conditions and `order_by` for list endpoints.
//!
//! Each list endpoint that can be filtered has its own `Where` type (generated) that wraps
//! [`Conditions`] and implements [`Filter`], with one method per filterable field. Each such
//! method returns a field builder of this module whose operator methods push a condition and
//! give the `Where` back, so that calls chain:
//!
//! ```
//! # use qualified::filter::{Conditions, Filter, NumberField, ValueField};
//! # #[derive(serde::Serialize)]
//! # #[serde(rename_all = "snake_case")]
//! # enum State { Submitted }
//! # #[derive(Default)]
//! # struct Where(Conditions);
//! # impl Filter for Where {
//! #     fn conditions(&self) -> &Conditions { &self.0 }
//! #     fn conditions_mut(&mut self) -> &mut Conditions { &mut self.0 }
//! # }
//! # impl Where {
//! #     fn new() -> Self { Self::default() }
//! #     fn state(self) -> ValueField<Self, State> { ValueField::new(self, "state") }
//! #     fn score(self) -> NumberField<Self, f64> { NumberField::new(self, "score") }
//! # }
//! let filter = Where::new().state().is_in([State::Submitted]).score().gte(80.0);
//! assert_eq!(
//!     filter.conditions().to_json(qualified::Casing::Snake),
//!     serde_json::json!({"state": {"in": ["submitted"]}, "score": {">=": 80.0}}),
//! );
//! ```
//!
//! What a field's type cannot mean does not compile: `contains` exists only on
//! [`TextField`], ordering operators only on [`NumberField`] and [`TimeField`], and values
//! must be of the field's own type.
//!
//! The conditions go out as the JSON the API documents, in the `where` query parameter: a
//! key with a single equality is `{"state": "published"}`, anything else
//! `{"state": {"in": ["opened", "started"]}, "score": {">=": 80, "<": 90}}`.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::marker::PhantomData;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::client::Casing;

/// A `where` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `contains`: partial text match.
    Contains,
    /// `in`: the field matches one of the values.
    In,
    /// `nin`: the field matches none of the values.
    Nin,
}

impl Op {
    /// Every operator, in declaration order.
    pub const ALL: [Op; 9] = [
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Gte,
        Op::Lt,
        Op::Lte,
        Op::Contains,
        Op::In,
        Op::Nin,
    ];

    /// The operator as the API writes it (`"=="`, `">="`, `"contains"`, ...).
    pub fn wire(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Contains => "contains",
            Op::In => "in",
            Op::Nin => "nin",
        }
    }

    /// The operator for its wire form, if it is one.
    pub fn from_wire(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.wire() == s)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire())
    }
}

#[derive(Debug, Clone)]
struct Condition {
    key: Cow<'static, str>,
    op: Op,
    /// Where the value's JSON text is in [`Conditions::json`].
    value: Range<usize>,
}

/// A set of `where` conditions: `(key, operator, value)` triples.
///
/// Keys are the fields' snake_case names (dotted paths such as `digest.languages.name`, and
/// `q` for the free-text search). The set is kept in a canonical order (by key, then by
/// operator) and holds at most one condition per key and operator: pushing the same key and
/// operator again replaces the earlier value. All conditions must hold (they are ANDed).
///
/// Values are kept as JSON text, written once when they are pushed (the typed field
/// builders serialise straight into it), all in one buffer: a filter costs two allocations
/// whatever its size, and goes out as `where=` without another pass through serde.
#[derive(Clone, Default)]
pub struct Conditions {
    items: Vec<Condition>,
    /// The values' JSON text, one after the other (UTF-8: written by serde_json).
    json: Vec<u8>,
}

impl Conditions {
    /// No conditions.
    pub fn new() -> Conditions {
        Conditions::default()
    }

    /// Adds a condition, replacing an earlier one with the same key and operator.
    pub fn push(&mut self, key: &'static str, op: Op, value: Value) {
        self.push_value(key, op, &value);
    }

    /// Adds a condition whose value is `value` serialised (a value that cannot be is sent as
    /// `null`).
    fn push_value<T: Serialize + ?Sized>(&mut self, key: &'static str, op: Op, value: &T) {
        self.push_with(Cow::Borrowed(key), op, |out| write_json(out, value));
    }

    /// Adds a condition whose value is the JSON array of `values`.
    fn push_list<T: Serialize>(
        &mut self,
        key: &'static str,
        op: Op,
        values: impl IntoIterator<Item = T>,
    ) {
        self.push_with(Cow::Borrowed(key), op, |out| {
            out.push(b'[');
            for (i, value) in values.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, &value);
            }
            out.push(b']');
        });
    }

    /// Adds a condition whose value `write` appends to the buffer (as JSON).
    fn push_with(&mut self, key: Cow<'static, str>, op: Op, write: impl FnOnce(&mut Vec<u8>)) {
        if self.json.capacity() == 0 {
            self.json.reserve(64);
            self.items.reserve(4);
        }
        let start = self.json.len();
        write(&mut self.json);
        let value = start..self.json.len();
        let probe = (key.as_ref(), op);
        match self
            .items
            .binary_search_by(|c| (c.key.as_ref(), c.op).cmp(&probe))
        {
            // The old text stays in the buffer, unused.
            Ok(i) => self.items[i].value = value,
            Err(i) => self.items.insert(i, Condition { key, op, value }),
        }
    }

    /// The JSON text of a condition's value.
    fn text(&self, c: &Condition) -> &str {
        self.json
            .get(c.value.clone())
            .and_then(|t| std::str::from_utf8(t).ok())
            .unwrap_or("null")
    }

    /// Whether there are no conditions.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many conditions there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The conditions, as `(key, operator, value as JSON text)`, in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Op, &str)> + '_ {
        self.items.iter().map(|c| (c.key.as_ref(), c.op, self.text(c)))
    }

    /// The conditions, as `(key, operator, value)`, in canonical order.
    pub fn values(&self) -> impl Iterator<Item = (&str, Op, Value)> + '_ {
        self.iter()
            .map(|(key, op, text)| (key, op, serde_json::from_str(text).unwrap_or(Value::Null)))
    }

    /// The JSON the API expects in `where`, with keys in the given casing (dotted keys are
    /// recased segment by segment; `q` and keys starting with `$` or `_` stay as they are).
    ///
    /// A key with a single `Eq` condition is written `{"key": value}`; any other key as an
    /// object of operators, `{"key": {"in": [...], ">=": 80}}`. (A single `Eq` whose value is
    /// itself an object is written `{"key": {"==": {...}}}`, so that it cannot be mistaken
    /// for operators.)
    pub fn to_json(&self, casing: Casing) -> Value {
        let mut text = Vec::new();
        self.write_json(&mut text, casing);
        serde_json::from_slice(&text).unwrap_or_else(|_| Value::Object(Map::new()))
    }

    /// The JSON form of [`to_json`](Self::to_json) as text: what goes out as `where=`.
    pub fn to_json_string(&self, casing: Casing) -> String {
        let mut out = Vec::with_capacity(self.json.len() + 16 * self.items.len() + 2);
        self.write_json(&mut out, casing);
        // Keys are written by serde_json, values were, the rest is ASCII.
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    /// Appends the JSON form of [`to_json`](Self::to_json) to `out`, from the values' text.
    pub(crate) fn write_json(&self, out: &mut Vec<u8>, casing: Casing) {
        out.push(b'{');
        let mut rest = self.items.as_slice();
        let mut first_key = true;
        while let Some(first) = rest.first() {
            let n = rest.iter().take_while(|c| c.key == first.key).count();
            let (group, tail) = rest.split_at(n);
            rest = tail;
            if !first_key {
                out.push(b',');
            }
            first_key = false;
            write_json(out, &*casing.recase_key(&first.key));
            out.push(b':');
            match group {
                [only] if only.op == Op::Eq && !self.text(only).starts_with('{') => {
                    out.extend_from_slice(self.text(only).as_bytes());
                }
                _ => {
                    out.push(b'{');
                    for (i, c) in group.iter().enumerate() {
                        if i > 0 {
                            out.push(b',');
                        }
                        // Operators are plain ASCII with nothing to escape.
                        out.push(b'"');
                        out.extend_from_slice(c.op.wire().as_bytes());
                        out.extend_from_slice(b"\":");
                        out.extend_from_slice(self.text(c).as_bytes());
                    }
                    out.push(b'}');
                }
            }
        }
        out.push(b'}');
    }

    /// Reads the JSON form back (the inverse of [`to_json`](Self::to_json) for either
    /// casing): keys are turned into snake_case. Fails on anything that is not a JSON object
    /// of conditions, naming what is wrong.
    pub fn from_json(v: &Value) -> Result<Conditions, String> {
        let obj = v
            .as_object()
            .ok_or_else(|| format!("`where` must be a JSON object, not {v}"))?;
        let mut out = Conditions::new();
        for (key, value) in obj {
            if key.is_empty() {
                return Err("`where` has an empty key".to_owned());
            }
            let snake: Cow<'static, str> = Cow::Owned(Casing::Snake.recase_key(key).into_owned());
            match value {
                Value::Object(ops) => {
                    if ops.is_empty() {
                        return Err(format!("`where` key `{key}` has no operators"));
                    }
                    for (op, value) in ops {
                        let op = Op::from_wire(op).ok_or_else(|| {
                            format!("`where` key `{key}` has an unknown operator `{op}`")
                        })?;
                        out.push_with(snake.clone(), op, |buf| write_json(buf, value));
                    }
                }
                other => out.push_with(snake, Op::Eq, |buf| write_json(buf, other)),
            }
        }
        Ok(out)
    }
}

/// Two sets are equal when they hold the same conditions with the same JSON text.
impl PartialEq for Conditions {
    fn eq(&self, other: &Conditions) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for Conditions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Appends `value` as JSON (`null` for a value that cannot be serialised: the types the
/// field builders take, numbers, strings, enums and ids, always can).
fn write_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let start = out.len();
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// A typed filter: something that holds [`Conditions`]. The generated `Where` types
/// implement it; [`Conditions`] does too, as an untyped escape hatch.
pub trait Filter {
    /// The conditions so far.
    fn conditions(&self) -> &Conditions;
    /// The conditions, to add to them.
    fn conditions_mut(&mut self) -> &mut Conditions;
}

impl Filter for Conditions {
    fn conditions(&self) -> &Conditions {
        self
    }
    fn conditions_mut(&mut self) -> &mut Conditions {
        self
    }
}

fn push<W: Filter, T: Serialize + ?Sized>(mut owner: W, key: &'static str, op: Op, value: &T) -> W {
    owner.conditions_mut().push_value(key, op, value);
    owner
}

fn push_list<W: Filter, T: Serialize>(
    mut owner: W,
    key: &'static str,
    op: Op,
    values: impl IntoIterator<Item = T>,
) -> W {
    owner.conditions_mut().push_list(key, op, values);
    owner
}

/// A timestamp as the API takes it: RFC 3339, `Z` for UTC, as many fraction digits as
/// needed.
struct Time(DateTime<FixedOffset>);

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

fn time(t: impl Into<DateTime<FixedOffset>>) -> Time {
    Time(t.into())
}

macro_rules! field_struct {
    ($(#[$doc:meta])* $name:ident < W $(, $t:ident)? >) => {
        $(#[$doc])*
        #[must_use = "a field builder does nothing until an operator method is called"]
        pub struct $name<W $(, $t)?> {
            owner: W,
            key: &'static str,
            $(_value: PhantomData<fn() -> $t>,)?
        }

        impl<W $(, $t)?> $name<W $(, $t)?> {
            /// The builder for the field `key` of the filter `owner`.
            pub fn new(owner: W, key: &'static str) -> Self {
                $name { owner, key, $(_value: PhantomData::<fn() -> $t>,)? }
            }

            /// The field's key (its snake_case name).
            pub fn key(&self) -> &'static str {
                self.key
            }
        }

        impl<W: fmt::Debug $(, $t)?> fmt::Debug for $name<W $(, $t)?> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("owner", &self.owner)
                    .field("key", &self.key)
                    .finish()
            }
        }
    };
}

field_struct! {
    /// A text field: `eq`, `ne`, `contains`, `is_in`, `nin`.
    TextField<W>
}

impl<W: Filter> TextField<W> {
    /// `==`: the field equals `value`.
    pub fn eq(self, value: impl Into<String>) -> W {
        push(self.owner, self.key, Op::Eq, &value.into())
    }
    /// `!=`: the field differs from `value`.
    pub fn ne(self, value: impl Into<String>) -> W {
        push(self.owner, self.key, Op::Ne, &value.into())
    }
    /// `contains`: the field contains `value` (partial text match).
    pub fn contains(self, value: impl Into<String>) -> W {
        push(self.owner, self.key, Op::Contains, &value.into())
    }
    /// `in`: the field equals one of `values`.
    pub fn is_in<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        push_list(self.owner, self.key, Op::In, values.into_iter().map(Into::<String>::into))
    }
    /// `nin`: the field equals none of `values`.
    pub fn nin<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        push_list(self.owner, self.key, Op::Nin, values.into_iter().map(Into::<String>::into))
    }
}

field_struct! {
    /// A numeric field of type `T`: `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `is_in`, `nin`.
    NumberField<W, T>
}

impl<W: Filter, T: Serialize> NumberField<W, T> {
    /// `==`
    pub fn eq(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Eq, &value.into())
    }
    /// `!=`
    pub fn ne(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Ne, &value.into())
    }
    /// `>`
    pub fn gt(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Gt, &value.into())
    }
    /// `>=`
    pub fn gte(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Gte, &value.into())
    }
    /// `<`
    pub fn lt(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Lt, &value.into())
    }
    /// `<=`
    pub fn lte(self, value: impl Into<T>) -> W {
        push(self.owner, self.key, Op::Lte, &value.into())
    }
    /// `in`: the field equals one of `values`.
    pub fn is_in<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<T>,
    {
        push_list(self.owner, self.key, Op::In, values.into_iter().map(Into::<T>::into))
    }
    /// `nin`: the field equals none of `values`.
    pub fn nin<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<T>,
    {
        push_list(self.owner, self.key, Op::Nin, values.into_iter().map(Into::<T>::into))
    }
}

field_struct! {
    /// A date-time field: `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `is_in`, `nin`. Values are
    /// sent as RFC 3339 (`2023-05-10T20:48:30Z`).
    TimeField<W>
}

impl<W: Filter> TimeField<W> {
    /// `==`
    pub fn eq(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Eq, &time(value))
    }
    /// `!=`
    pub fn ne(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Ne, &time(value))
    }
    /// `>`: after `value`.
    pub fn gt(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Gt, &time(value))
    }
    /// `>=`: at or after `value`.
    pub fn gte(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Gte, &time(value))
    }
    /// `<`: before `value`.
    pub fn lt(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Lt, &time(value))
    }
    /// `<=`: at or before `value`.
    pub fn lte(self, value: impl Into<DateTime<FixedOffset>>) -> W {
        push(self.owner, self.key, Op::Lte, &time(value))
    }
    /// `in`: the field equals one of `values`.
    pub fn is_in<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<DateTime<FixedOffset>>,
    {
        push_list(self.owner, self.key, Op::In, values.into_iter().map(time))
    }
    /// `nin`: the field equals none of `values`.
    pub fn nin<I>(self, values: I) -> W
    where
        I: IntoIterator,
        I::Item: Into<DateTime<FixedOffset>>,
    {
        push_list(self.owner, self.key, Op::Nin, values.into_iter().map(time))
    }
}

field_struct! {
    /// A boolean field: `eq`, `ne`.
    BoolField<W>
}

impl<W: Filter> BoolField<W> {
    /// `==`
    pub fn eq(self, value: bool) -> W {
        push(self.owner, self.key, Op::Eq, &value)
    }
    /// `!=`
    pub fn ne(self, value: bool) -> W {
        push(self.owner, self.key, Op::Ne, &value)
    }
}

field_struct! {
    /// A field compared by value only (an enum, a typed id): `eq`, `ne`, `is_in`, `nin`.
    ValueField<W, T>
}

impl<W: Filter, T: Serialize> ValueField<W, T> {
    // Values are taken as `T` itself, not `impl Into<T>`: enums and ids convert from any
    // string, and a filter on an enum must not accept a misspelt value.

    /// `==`
    pub fn eq(self, value: T) -> W {
        push(self.owner, self.key, Op::Eq, &value)
    }
    /// `!=`
    pub fn ne(self, value: T) -> W {
        push(self.owner, self.key, Op::Ne, &value)
    }
    /// `in`: the field equals one of `values`.
    pub fn is_in(self, values: impl IntoIterator<Item = T>) -> W {
        push_list(self.owner, self.key, Op::In, values)
    }
    /// `nin`: the field equals none of `values`.
    pub fn nin(self, values: impl IntoIterator<Item = T>) -> W {
        push_list(self.owner, self.key, Op::Nin, values)
    }
}

/// What `gt` and `lt` take on a field that has no order (a boolean, an enum, an id): no type
/// implements it, so such a call does not compile, with this trait's message rather than
/// rustc's "is not an iterator" (the only other `gt` and `lt` in scope are `Iterator`'s).
#[diagnostic::on_unimplemented(
    message = "this field has no order: `gt`, `gte`, `lt` and `lte` exist only on number and timestamp fields",
    label = "an ordering operator on a field without one",
    note = "a boolean field takes `eq` and `ne`; an enum or id field takes `eq`, `ne`, `is_in` and `nin`"
)]
pub trait Unordered: sealed::Never {
    /// Never called: no value of an implementing type can exist.
    #[doc(hidden)]
    fn unreachable<W>(self) -> W;
}

mod sealed {
    /// Implemented by no type, so [`Unordered`](super::Unordered) cannot be either.
    pub trait Never {}
}

macro_rules! unordered {
    ($name:ident < W $(, $t:ident)? >) => {
        impl<W $(, $t)?> $name<W $(, $t)?> {
            /// Not an operator of this field (it has no order): does not compile.
            #[doc(hidden)]
            pub fn gt<V: Unordered>(self, value: V) -> W {
                value.unreachable()
            }
            /// Not an operator of this field (it has no order): does not compile.
            #[doc(hidden)]
            pub fn lt<V: Unordered>(self, value: V) -> W {
                value.unreachable()
            }
        }
    };
}

unordered!(BoolField<W>);
unordered!(ValueField<W, T>);

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Direction {
    /// Ascending (`ASC`).
    #[default]
    Asc,
    /// Descending (`DESC`).
    Desc,
}

impl Direction {
    /// `"ASC"` or `"DESC"`.
    pub fn wire(self) -> &'static str {
        match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        }
    }
}

/// A field that a list can be ordered by (the generated `Order` enums implement it).
pub trait OrderField: Copy {
    /// The field's snake_case name, as `order_by` expects it.
    fn wire(self) -> &'static str;

    /// Ascending by this field.
    fn asc(self) -> OrderBy<Self> {
        OrderBy::new(self, Direction::Asc)
    }

    /// Descending by this field.
    fn desc(self) -> OrderBy<Self> {
        OrderBy::new(self, Direction::Desc)
    }
}

/// An `order_by` value: a field and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderBy<F> {
    /// The field.
    pub field: F,
    /// The direction.
    pub direction: Direction,
}

impl<F: OrderField> OrderBy<F> {
    /// Order by `field` in `direction`.
    pub fn new(field: F, direction: Direction) -> OrderBy<F> {
        OrderBy { field, direction }
    }

    /// The parameter value: `"created_at DESC"`.
    pub fn to_param(&self) -> String {
        format!("{} {}", self.field.wire(), self.direction.wire())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Default)]
    struct Where(Conditions);

    impl Filter for Where {
        fn conditions(&self) -> &Conditions {
            &self.0
        }
        fn conditions_mut(&mut self) -> &mut Conditions {
            &mut self.0
        }
    }

    #[derive(Serialize, Clone, Copy)]
    #[serde(rename_all = "snake_case")]
    enum State {
        Opened,
        Started,
        Published,
    }

    impl Where {
        fn state(self) -> ValueField<Self, State> {
            ValueField::new(self, "state")
        }
        fn score(self) -> NumberField<Self, f64> {
            NumberField::new(self, "score")
        }
        fn created_at(self) -> TimeField<Self> {
            TimeField::new(self, "created_at")
        }
        fn languages(self) -> TextField<Self> {
            TextField::new(self, "digest.languages.name")
        }
        fn q(self) -> TextField<Self> {
            TextField::new(self, "q")
        }
        fn demo(self) -> BoolField<Self> {
            BoolField::new(self, "demo_data")
        }
    }

    #[test]
    fn single_eq_is_bare() {
        let w = Where::default().state().eq(State::Published);
        assert_eq!(w.0.to_json(Casing::Snake), json!({"state": "published"}));
    }

    #[test]
    fn in_is_an_operator_object() {
        let w = Where::default()
            .state()
            .is_in([State::Opened, State::Started]);
        assert_eq!(
            w.0.to_json(Casing::Snake),
            json!({"state": {"in": ["opened", "started"]}})
        );
    }

    #[test]
    fn combined_operators_and_casing() {
        let t = DateTime::parse_from_rfc3339("2023-05-10T20:48:30Z").unwrap();
        let w = Where::default()
            .score()
            .gte(80)
            .score()
            .lt(90.5)
            .created_at()
            .gt(t)
            .languages()
            .contains("rust")
            .q()
            .eq("jane")
            .demo()
            .eq(false);
        let expected_snake = json!({
            "score": {">=": 80.0, "<": 90.5},
            "created_at": {">": "2023-05-10T20:48:30Z"},
            "digest.languages.name": {"contains": "rust"},
            "q": "jane",
            "demo_data": false,
        });
        assert_eq!(w.0.to_json(Casing::Snake), expected_snake);
        let expected_camel = json!({
            "score": {">=": 80.0, "<": 90.5},
            "createdAt": {">": "2023-05-10T20:48:30Z"},
            "digest.languages.name": {"contains": "rust"},
            "q": "jane",
            "demoData": false,
        });
        assert_eq!(w.0.to_json(Casing::Camel), expected_camel);
        for casing in [Casing::Snake, Casing::Camel] {
            assert_eq!(Conditions::from_json(&w.0.to_json(casing)).unwrap(), w.0);
        }
    }

    #[test]
    fn same_key_and_op_replaces() {
        let w = Where::default().score().gte(1).score().gte(2);
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0.to_json(Casing::Snake), json!({"score": {">=": 2.0}}));
    }

    #[test]
    fn values_are_kept_as_json_text() {
        let a = Where::default().score().gte(1).score().gte(2);
        let b = Where::default().score().gte(2);
        // The replaced value's text stays in the buffer, unused: it changes nothing.
        assert_eq!(a.0, b.0);
        assert_eq!(a.0.iter().collect::<Vec<_>>(), vec![("score", Op::Gte, "2.0")]);
        assert_eq!(
            a.0.values().collect::<Vec<_>>(),
            vec![("score", Op::Gte, json!(2.0))]
        );
        assert_eq!(format!("{:?}", a.0), r#"[("score", Gte, "2.0")]"#);
        let w = Where::default()
            .q()
            .eq("say \"hi\" \u{e9}")
            .state()
            .nin([State::Opened, State::Started]);
        assert_eq!(
            w.0.to_json_string(Casing::Snake),
            r#"{"q":"say \"hi\" é","state":{"nin":["opened","started"]}}"#
        );
    }

    #[test]
    fn eq_with_object_value_stays_unambiguous() {
        let mut c = Conditions::new();
        c.push("meta", Op::Eq, json!({"in": 1}));
        let j = c.to_json(Casing::Snake);
        assert_eq!(j, json!({"meta": {"==": {"in": 1}}}));
        assert_eq!(Conditions::from_json(&j).unwrap(), c);
    }

    #[test]
    fn from_json_errors() {
        assert!(Conditions::from_json(&json!([1])).is_err());
        assert!(Conditions::from_json(&json!({"a": {}})).is_err());
        let e = Conditions::from_json(&json!({"a": {"like": 1}})).unwrap_err();
        assert!(e.contains("like"), "{e}");
    }

    #[test]
    fn round_trip_property() {
        // A small deterministic generator of condition sets.
        let keys: [&'static str; 6] = [
            "state",
            "created_at",
            "team_candidate_id",
            "digest.languages.name",
            "q",
            "_type",
        ];
        let values = [
            json!("x"),
            json!(1),
            json!(2.5),
            json!(true),
            json!(null),
            json!(["a", "b"]),
            json!({"nested": 1}),
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..500 {
            let mut c = Conditions::new();
            for _ in 0..rng.usize(0..6) {
                let key = keys[rng.usize(..keys.len())];
                let op = Op::ALL[rng.usize(..Op::ALL.len())];
                let value = values[rng.usize(..values.len())].clone();
                c.push(key, op, value);
            }
            for casing in [Casing::Snake, Casing::Camel] {
                let j = c.to_json(casing);
                assert_eq!(Conditions::from_json(&j).unwrap(), c, "{j}");
            }
        }
    }

    #[derive(Clone, Copy)]
    enum Order {
        CreatedAt,
    }

    impl OrderField for Order {
        fn wire(self) -> &'static str {
            match self {
                Order::CreatedAt => "created_at",
            }
        }
    }

    #[test]
    fn order_by_param() {
        assert_eq!(Order::CreatedAt.desc().to_param(), "created_at DESC");
        assert_eq!(
            OrderBy::new(Order::CreatedAt, Direction::Asc).to_param(),
            "created_at ASC"
        );
    }
}
