//! Load → validate → IR. Every mistake is collected with its place; the IR is built only from a
//! spec without mistakes.

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;

use crate::diag::{Diagnostic, Errors, locate};
use crate::ir::{self, Module, Ty};
use crate::naming;
use crate::raw;

/// A spec file: its name (as shown in errors) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// A place in the spec: file index and YAML path.
#[derive(Debug, Clone)]
struct Loc {
    file: usize,
    path: String,
}

impl Loc {
    fn at(&self, seg: &str) -> Loc {
        let path = if self.path.is_empty() { seg.to_owned() } else { format!("{}.{seg}", self.path) };
        Loc { file: self.file, path }
    }
    fn idx(&self, i: usize) -> Loc {
        Loc { file: self.file, path: format!("{}[{i}]", self.path) }
    }
}

struct Ctx<'a> {
    files: &'a [SourceFile],
    diags: Vec<Diagnostic>,
    /// A file could not be parsed at all: names it may declare are unknown, so references that
    /// do not resolve are not reported (they may well be declared there).
    incomplete: bool,
}

impl Ctx<'_> {
    fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        let file = &self.files[loc.file];
        let pos = locate(&file.text, &loc.path);
        self.diags.push(Diagnostic {
            file: file.name.clone(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            path: loc.path.clone(),
            message: message.into(),
        });
    }

    /// `file:line:column` of a place, for messages that point at a second place.
    fn place(&self, loc: &Loc) -> String {
        let file = &self.files[loc.file];
        match locate(&file.text, &loc.path) {
            Some((line, col)) => format!("{}:{line}:{col}", file.name),
            None => file.name.clone(),
        }
    }
}

/// Parses, merges and validates the spec files, and builds the IR.
pub fn lower(files: &[SourceFile]) -> Result<ir::Api, Errors> {
    let mut cx = Ctx { files, diags: Vec::new(), incomplete: false };
    let mut parsed = Vec::new();
    for (i, f) in files.iter().enumerate() {
        match raw::read(&f.text) {
            Ok((file, problems)) => {
                for p in problems {
                    cx.diags.push(Diagnostic { file: f.name.clone(), line: p.line, column: p.column, path: p.path, message: p.message });
                }
                parsed.push((i, file));
            }
            Err(e) => {
                cx.incomplete = true;
                let (message, pos) = yaml_message(&e, &f.text);
                let (line, column) = pos.map(|(l, c)| (Some(l), Some(c))).unwrap_or((None, None));
                cx.diags.push(Diagnostic {
                    file: f.name.clone(),
                    line,
                    column,
                    path: line.map(|l| crate::diag::path_at_line(&f.text, l)).unwrap_or_default(),
                    message,
                });
            }
        }
    }
    let api = Lowering::run(&mut cx, &parsed);
    match api {
        Some(api) if cx.diags.is_empty() => Ok(api),
        _ => {
            if cx.diags.is_empty() {
                // Not reached: the IR is only missing when something was reported.
                cx.diags.push(Diagnostic {
                    file: files.first().map(|f| f.name.clone()).unwrap_or_default(),
                    line: None,
                    column: None,
                    path: String::new(),
                    message: if files.is_empty() { "no spec file".to_owned() } else { "the spec could not be read".to_owned() },
                });
            }
            let mut errs = Errors(cx.diags);
            errs.sort();
            Err(errs)
        }
    }
}

/// serde_yaml's message for a syntax error, with a hint for the usual causes, and the place to
/// show: where the error was found or, for an unclosed bracket, where the bracket opens.
fn yaml_message(e: &serde_yaml::Error, text: &str) -> (String, Option<(usize, usize)>) {
    let msg = e.to_string();
    let found = e.location().map(|l| (l.line(), l.column()));
    // serde_yaml puts " at line L column C" after the problem; the position is shown separately.
    let mut msg = match (found, msg.find(" at line ")) {
        (Some((line, col)), Some(i)) => {
            let here = format!(" at line {line} column {col}");
            if msg[i..].starts_with(&here) { format!("{}{}", &msg[..i], &msg[i + here.len()..]) } else { msg.clone() }
        }
        _ => msg.clone(),
    };
    let mut pos = found;
    // "..., while parsing a flow sequence at line 54 column 18": a `[` or `{` never closed.
    for what in ["flow sequence", "flow mapping"] {
        let marker = format!(", while parsing a {what} at line ");
        if let Some(i) = msg.find(&marker) {
            let rest = &msg[i + marker.len()..];
            let mut nums = rest.split(" column ");
            let line = nums.next().and_then(|n| n.trim().parse::<usize>().ok());
            let col = nums.next().and_then(|n| n.split(|c: char| !c.is_ascii_digit()).next()).and_then(|n| n.parse::<usize>().ok());
            if let (Some(line), Some(col)) = (line, col) {
                let bracket = if what == "flow sequence" { "[" } else { "{" };
                let close = if what == "flow sequence" { "]" } else { "}" };
                let (fl, fc) = found.unwrap_or((line, col));
                msg = format!(
                    "the `{bracket}` opened here is not closed: {} at line {fl} column {fc}; close it with `{close}`",
                    &msg[..i]
                );
                pos = Some((line, col));
            }
        }
    }
    let line = found.and_then(|(l, _)| text.lines().nth(l.saturating_sub(1))).unwrap_or("");
    let prev = found.and_then(|(l, _)| text.lines().nth(l.saturating_sub(2))).unwrap_or("");
    let hint = if line.contains('\t') || prev.starts_with('\t') {
        "; YAML indents with spaces, not tabs"
    } else if line.contains("]?") || prev.contains("]?") {
        "; a nullable list is written in quotes: `\"[T]?\"`"
    } else if msg.contains("while parsing a flow node") {
        "; a `[` or `{` above is not closed"
    } else if msg.contains("did not find expected key") || msg.contains("mapping values are not allowed") {
        "; check the indentation of this line and the one above"
    } else {
        ""
    };
    (format!("invalid YAML: {msg}{hint}"), pos)
}

/// A parsed type expression, before name resolution.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Scalar(Ty),
    OwnId,
    Id(String),
    List(Box<Expr>),
    Map(Box<Expr>),
    Named(Option<String>, String),
    Option(Box<Expr>),
}

const SCALARS: &[&str] = &["string", "int", "float", "bool", "datetime", "date", "json"];

fn parse_expr(text: &str) -> Result<Expr, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty type; expected a type such as `string`, `int?` or `[Name]`".into());
    }
    if let Some(inner) = t.strip_suffix('?') {
        let inner = parse_expr(inner)?;
        if matches!(inner, Expr::Option(_)) {
            return Err(format!("`{t}`: `?` twice; write one `?`"));
        }
        return Ok(Expr::Option(Box::new(inner)));
    }
    if let Some(inner) = t.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or_else(|| format!("`{t}`: a list is written `[T]`; a `]` is missing"))?;
        return Ok(Expr::List(Box::new(parse_expr(inner)?)));
    }
    if let Some(inner) = t.strip_prefix("map(") {
        let inner = inner.strip_suffix(')').ok_or_else(|| format!("`{t}`: write `map(T)`"))?;
        return Ok(Expr::Map(Box::new(parse_expr(inner)?)));
    }
    if t == "id" {
        return Ok(Expr::OwnId);
    }
    if let Some(inner) = t.strip_prefix("id(") {
        let inner = inner.strip_suffix(')').ok_or_else(|| format!("`{t}`: write `id(resource)`"))?;
        return Ok(Expr::Id(inner.trim().to_owned()));
    }
    let scalar = match t {
        "string" => Some(Ty::String),
        "int" => Some(Ty::Int),
        "float" => Some(Ty::Float),
        "bool" => Some(Ty::Bool),
        "datetime" => Some(Ty::DateTime),
        "date" => Some(Ty::Date),
        "json" => Some(Ty::Json),
        _ => None,
    };
    if let Some(s) = scalar {
        return Ok(Expr::Scalar(s));
    }
    if let Some((res, name)) = t.split_once('.') {
        return Ok(Expr::Named(Some(res.to_owned()), name.to_owned()));
    }
    if t.starts_with(|c: char| c.is_ascii_uppercase()) && t.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(Expr::Named(None, t.to_owned()));
    }
    // Names of other languages for the scalars.
    const ALIASES: &[(&str, &str)] = &[
        ("boolean", "bool"),
        ("integer", "int"),
        ("i64", "int"),
        ("number", "float"),
        ("double", "float"),
        ("f64", "float"),
        ("str", "string"),
        ("text", "string"),
        ("timestamp", "datetime"),
        ("time", "datetime"),
        ("object", "json"),
        ("any", "json"),
    ];
    let suggestion = ALIASES
        .iter()
        .find(|(a, _)| *a == t)
        .map(|(_, s)| *s)
        .or_else(|| closest(t, SCALARS.iter().copied().chain(["id"])));
    Err(format!(
        "unknown type `{t}`; expected one of string, int, float, bool, datetime, date, json, id, id(resource), [T], map(T), a type name, or T?{}",
        suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    ))
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        if d <= (word.len().max(c.len()) / 3).max(1) && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance with adjacent transpositions (`scroe` is one edit from `score`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// Which raw definition a type declaration comes from.
enum DeclSource<'a> {
    Type(&'a raw::TypeDef),
    /// The model of resource i.
    Model(usize),
    /// Variant `name` of the union declared at decl index `parent`.
    Variant(&'a raw::Variant),
}

struct Decl<'a> {
    name: String,
    module: Module,
    loc: Loc,
    source: DeclSource<'a>,
    /// Filled by phase 3.
    kind: Option<ir::TypeKind>,
    relations: Vec<ir::Relation>,
    doc: String,
}

struct ResourceInfo<'a> {
    name: String,
    raw: &'a raw::Resource,
    loc: Loc,
    module: String,
    model_name: String,
    model: Option<usize>,
    /// Local type name → decl index.
    local: BTreeMap<String, usize>,
}

struct Lowering<'a> {
    decls: Vec<Decl<'a>>,
    resources: Vec<ResourceInfo<'a>>,
    /// Resource name → index in `resources` (lookups stay O(log n) on large specs).
    resource_by_name: BTreeMap<String, usize>,
    /// Shared type names and resource model names → decl index.
    global: BTreeMap<String, usize>,
    has_webhooks: bool,
    /// Type names that were reported as invalid: a reference to one is not reported again.
    invalid_names: BTreeSet<String>,
    /// Types whose definition has a mistake (reported): what they allow is not reported on.
    broken_decls: BTreeSet<usize>,
}

impl<'a> Lowering<'a> {
    fn run(cx: &mut Ctx<'_>, parsed: &'a [(usize, raw::File)]) -> Option<ir::Api> {
        // Phase 1: merge.
        let mut api: Option<(&raw::Api, Loc)> = None;
        let mut types: IndexMap<&str, (&raw::TypeDef, Loc)> = IndexMap::new();
        let mut resources: IndexMap<&str, (&raw::Resource, Loc)> = IndexMap::new();
        let mut webhooks: IndexMap<&str, (&raw::Webhook, Loc)> = IndexMap::new();
        for (file, f) in parsed {
            let root = Loc { file: *file, path: String::new() };
            if let Some(a) = &f.api {
                if let Some((_, first)) = &api {
                    let first_place = cx.place(first);
                    cx.error(&root.at("api"), format!("a second `api` section; the first is at {first_place}; keep one"));
                } else {
                    api = Some((a, root.at("api")));
                }
            }
            merge(cx, &mut types, &f.types, &root.at("types"), "type");
            merge(cx, &mut resources, &f.resources, &root.at("resources"), "resource");
            merge(cx, &mut webhooks, &f.webhooks, &root.at("webhooks"), "webhook");
        }
        let Some((raw_api, api_loc)) = api else {
            if !cx.incomplete && !cx.files.is_empty() {
                let loc = Loc { file: 0, path: String::new() };
                cx.error(&loc, "no `api` section in any spec file; add `api: { name: ..., base_url: ... }` to one of them");
            }
            return None;
        };

        let mut lw = Lowering {
            decls: Vec::new(),
            resources: Vec::new(),
            resource_by_name: BTreeMap::new(),
            global: BTreeMap::new(),
            has_webhooks: !webhooks.is_empty(),
            invalid_names: BTreeSet::new(),
            broken_decls: BTreeSet::new(),
        };
        // Rust names taken per module, with the place that took them.
        let mut taken: BTreeMap<(Module, String), Loc> = BTreeMap::new();
        let mut take = |cx: &mut Ctx<'_>, module: Module, name: &str, loc: &Loc, what: &str| {
            if let Some(prev) = taken.get(&(module, name.to_owned())) {
                let prev_place = cx.place(prev);
                cx.error(
                    loc,
                    format!(
                        "the {what} `{name}` generated for this clashes with the Rust name generated for `{}` ({prev_place}); rename one of them",
                        prev.path
                    ),
                );
            } else {
                taken.insert((module, name.to_owned()), loc.clone());
            }
        };

        // Phase 2: declare every name.
        for (name, (td, loc)) in &types {
            if let Err(e) = naming::type_ident(name) {
                cx.error(loc, e);
                lw.invalid_names.insert((*name).to_owned());
                continue;
            }
            take(cx, Module::Shared, name, loc, "type");
            let idx = lw.declare(name, Module::Shared, loc.clone(), DeclSource::Type(td), td.doc.as_deref());
            lw.global.insert((*name).to_owned(), idx);
            lw.declare_variants(cx, &mut take, idx, td.tag.as_deref(), td.variants.as_ref(), loc, td.incomplete);
        }
        let mut modules: BTreeMap<String, Loc> = BTreeMap::new();
        for (ri, (name, (r, loc))) in resources.iter().enumerate() {
            let name_ok = match naming::snake_ident(name) {
                Ok(_) => true,
                Err(e) => {
                    cx.error(loc, e);
                    false
                }
            };
            let plural = r.plural.clone().unwrap_or_else(|| format!("{name}s"));
            let ploc = if r.plural.is_some() { loc.at("plural") } else { loc.clone() };
            if let (true, Err(e)) = (name_ok || r.plural.is_some(), naming::snake_ident(&plural)) {
                cx.error(&ploc, format!("{e} (the module and client accessor of `{name}`)"));
            }
            if let Some(why) = naming::reserved_module(&plural) {
                cx.error(
                    &ploc,
                    format!("the module name `{plural}` is taken: {why}; set `plural:` to another name"),
                );
            }
            if let Some(prev) = modules.insert(plural.clone(), loc.clone()) {
                let prev_place = cx.place(&prev);
                cx.error(
                    &ploc,
                    format!("module `{plural}` is also the module of `{}` ({prev_place}); set a distinct `plural:`", prev.path),
                );
            }
            let model_name = naming::upper_camel(name);
            let module = Module::Resource(ri);
            take(cx, module, &format!("{}Api", naming::upper_camel(&plural)), loc, "resource handle");
            take(cx, module, &format!("{model_name}Id"), loc, "id type");
            let has_model = r.fields.is_some() || r.variants.is_some();
            let model = if has_model {
                take(cx, module, &model_name, loc, "model");
                if let Some(prev) = lw.global.get(&model_name) {
                    let prev_path = lw.decls[*prev].loc.path.clone();
                    cx.error(loc, format!("the model `{model_name}` of this resource has the same name as `{prev_path}`; rename one"));
                }
                let idx = lw.declare(&model_name, module, loc.clone(), DeclSource::Model(ri), r.doc.as_deref());
                lw.global.insert(model_name.clone(), idx);
                Some(idx)
            } else {
                if !r.relations.is_empty() {
                    cx.error(&loc.at("relations"), "a resource without `fields` has no model to hold relations; add `fields:` or remove `relations:`");
                }
                if r.tag.is_some() {
                    cx.error(&loc.at("tag"), "`tag` needs the model's `fields` (and `variants`)");
                }
                None
            };
            lw.resource_by_name.entry((*name).to_owned()).or_insert(lw.resources.len());
            lw.resources.push(ResourceInfo {
                name: (*name).to_owned(),
                raw: r,
                loc: loc.clone(),
                module: plural,
                model_name,
                model,
                local: BTreeMap::new(),
            });
            if let Some(m) = model {
                lw.declare_variants(cx, &mut take, m, r.tag.as_deref(), r.variants.as_ref(), loc, r.incomplete);
            }
            for (tname, td) in &r.types {
                let tloc = loc.at("types").at(tname);
                if let Err(e) = naming::type_ident(tname) {
                    cx.error(&tloc, e);
                    lw.invalid_names.insert(tname.clone());
                    continue;
                }
                take(cx, module, tname, &tloc, "type");
                let idx = lw.declare(tname, module, tloc.clone(), DeclSource::Type(td), td.doc.as_deref());
                lw.resources[ri].local.insert(tname.clone(), idx);
                lw.declare_variants(cx, &mut take, idx, td.tag.as_deref(), td.variants.as_ref(), &tloc, td.incomplete);
            }
        }

        // Phase 3: resolve every type's body.
        for di in 0..lw.decls.len() {
            lw.resolve_decl(cx, di);
        }

        // Phase 4: resources and endpoints.
        let mut out_resources = Vec::new();
        for ri in 0..lw.resources.len() {
            out_resources.push(lw.lower_resource(cx, ri, &mut take));
        }

        // Phase 5: webhooks.
        let mut out_webhooks = Vec::new();
        let mut variants_seen = BTreeMap::new();
        for (event, (w, loc)) in &webhooks {
            let variant = naming::upper_camel(event);
            if let Err(e) = naming::snake_ident(event) {
                cx.error(loc, e);
            } else if variant == "Unknown" {
                cx.error(loc, "the event `unknown` would become the variant `Unknown`, which `WebhookPayload` keeps for events it does not know; rename it");
            } else if let Some(prev) = variants_seen.insert(variant.clone(), loc.clone()) {
                let prev_place = cx.place(&prev);
                cx.error(
                    loc,
                    format!("`{event}` becomes the variant `WebhookPayload::{variant}`, as does `{}` ({prev_place}); rename one", prev.path),
                );
            }
            let data = match &w.data {
                Some(d) => lw.resolve_ty(cx, &d.0, Module::Webhooks, &loc.at("data")),
                None => None,
            };
            if data.as_ref().is_some_and(|d| matches!(d.required(), Ty::WebhookPayload)) {
                cx.error(&loc.at("data"), "a webhook's `data` cannot hold `WebhookPayload` itself; name the type of the event's data");
            }
            out_webhooks.push(ir::Webhook {
                event: (*event).to_owned(),
                variant,
                doc: w.doc.clone().unwrap_or_else(|| format!("The `{event}` event.")),
                data: data.unwrap_or(Ty::Json),
            });
        }

        // A resource is reached through its endpoints: without one, its handle would be dead
        // code (and a spec without any endpoint no client at all).
        for (name, (r, loc)) in &resources {
            if r.endpoints.is_empty() && !r.endpoints_unreadable {
                cx.error(
                    loc,
                    format!("the resource `{name}` has no endpoint; add one under `endpoints:`, or declare its model under `types:` if it is only a type"),
                );
            }
        }
        if resources.is_empty() && cx.diags.is_empty() {
            cx.error(&api_loc, "the spec declares no resource; a client needs at least one resource with an endpoint");
        }
        if raw_api.name.trim().is_empty() && cx.diags.is_empty() {
            cx.error(&api_loc.at("name"), "the API's `name` is empty");
        }
        let url = raw_api.base_url.as_str();
        let url_ok = (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(char::is_whitespace);
        // An empty URL after other errors: the `api` section could not be read (reported).
        if !url_ok && (cx.diags.is_empty() || !url.is_empty()) {
            {
                cx.error(
                    &api_loc.at("base_url"),
                    format!("`base_url` is the API's default URL, e.g. `https://example.com/api`; `{url}` is not an http(s) URL"),
                );
            }
        }

        if !cx.diags.is_empty() {
            return None;
        }
        Some(ir::Api {
            name: raw_api.name.clone(),
            base_url: raw_api.base_url.clone(),
            doc: raw_api.doc.clone().unwrap_or_default(),
            types: lw
                .decls
                .into_iter()
                .map(|d| ir::TypeDecl {
                    name: d.name,
                    module: d.module,
                    doc: d.doc,
                    kind: d.kind.expect("resolved"),
                    relations: d.relations,
                })
                .collect(),
            resources: out_resources,
            webhooks: out_webhooks,
        })
    }

    fn declare(&mut self, name: &str, module: Module, loc: Loc, source: DeclSource<'a>, doc: Option<&str>) -> usize {
        self.decls.push(Decl {
            name: name.to_owned(),
            module,
            loc,
            source,
            kind: None,
            relations: Vec::new(),
            doc: doc.map(str::to_owned).unwrap_or_else(|| format!("`{name}`.")),
        });
        self.decls.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn declare_variants(
        &mut self,
        cx: &mut Ctx<'_>,
        take: &mut impl FnMut(&mut Ctx<'_>, Module, &str, &Loc, &str),
        parent: usize,
        tag: Option<&str>,
        variants: Option<&'a IndexMap<String, raw::Variant>>,
        loc: &Loc,
        incomplete: bool,
    ) {
        let module = self.decls[parent].module;
        if tag.is_some_and(|t| t.trim().is_empty()) {
            cx.error(&loc.at("tag"), "`tag` is empty; write the wire key that names the variant, e.g. `tag: $type`");
        }
        match (tag, variants) {
            (None, None) => {}
            (Some(_), None) if incomplete => {}
            (Some(_), None) => cx.error(&loc.at("tag"), "a `tag` without `variants`; list the variants under `variants:`"),
            (None, Some(_)) => cx.error(
                &loc.at("variants"),
                "a polymorphic family without a discriminator; add `tag: $type` (the wire key that names the variant)",
            ),
            (Some(_), Some(vs)) => {
                let kind = format!("{}Kind", self.decls[parent].name);
                take(cx, module, &kind, loc, "kind enum");
                if vs.is_empty() && !incomplete {
                    cx.error(&loc.at("variants"), "`variants` is empty; list at least one variant");
                }
                for (vname, v) in vs {
                    let vloc = loc.at("variants").at(vname);
                    if let Err(e) = naming::type_ident(vname) {
                        cx.error(&vloc, e);
                        self.invalid_names.insert(vname.clone());
                        continue;
                    }
                    if vname == "Unknown" {
                        cx.error(&vloc, format!("a variant cannot be called `Unknown`: `{kind}::Unknown` holds the variants this client does not know; rename it (with `wire: Unknown` to keep the tag value)"));
                        continue;
                    }
                    take(cx, module, vname, &vloc, "variant");
                    self.declare(vname, module, vloc, DeclSource::Variant(v), v.doc.as_deref());
                }
            }
        }
    }

    fn resource_index(&self, name: &str) -> Option<usize> {
        self.resource_by_name.get(name).copied()
    }

    /// Resolves a type expression written in `module`'s scope.
    fn resolve_ty(&self, cx: &mut Ctx<'_>, text: &str, module: Module, loc: &Loc) -> Option<Ty> {
        match parse_expr(text) {
            Ok(e) => self.resolve_expr(cx, &e, module, loc),
            Err(msg) => {
                let base = text.trim().trim_end_matches('?').trim_start_matches('[').trim_end_matches(']');
                let hint = match self.resource_index(base) {
                    Some(ri) if self.resources[ri].model.is_some() => {
                        format!("; `{base}` is a resource: its model is the type `{}`, its id `id({base})`", self.resources[ri].model_name)
                    }
                    Some(_) => format!("; `{base}` is a resource: its id is `id({base})`"),
                    None => String::new(),
                };
                cx.error(loc, format!("{msg}{hint}"));
                None
            }
        }
    }

    fn resolve_expr(&self, cx: &mut Ctx<'_>, e: &Expr, module: Module, loc: &Loc) -> Option<Ty> {
        Some(match e {
            Expr::Scalar(t) => t.clone(),
            Expr::OwnId => match module {
                Module::Resource(ri) => Ty::Id(ri),
                _ => {
                    cx.error(loc, "`id` names the id of the enclosing resource, and there is none here; write `id(resource)`");
                    return None;
                }
            },
            Expr::Id(res) => match self.resource_index(res) {
                Some(ri) => Ty::Id(ri),
                None if cx.incomplete => return None,
                None => {
                    let hint = closest(res, self.resources.iter().map(|r| r.name.as_str()));
                    cx.error(
                        loc,
                        format!(
                            "`id({res})`: there is no resource `{res}`{}",
                            hint.map(|h| format!("; did you mean `{h}`?")).unwrap_or_default()
                        ),
                    );
                    return None;
                }
            },
            Expr::List(inner) => Ty::List(Box::new(self.resolve_expr(cx, inner, module, loc)?)),
            Expr::Map(inner) => Ty::Map(Box::new(self.resolve_expr(cx, inner, module, loc)?)),
            Expr::Option(inner) => Ty::Option(Box::new(self.resolve_expr(cx, inner, module, loc)?)),
            Expr::Named(Some(res), name) => {
                let Some(ri) = self.resource_index(res) else {
                    if cx.incomplete {
                        return None;
                    }
                    let hint = closest(res, self.resources.iter().map(|r| r.name.as_str()))
                        .map(|h| format!("; did you mean `{h}.{name}`?"))
                        .or_else(|| {
                            let snake = naming::snake(res);
                            self.resource_index(&snake).map(|_| format!("; resources are named in snake_case: `{snake}.{name}`"))
                        })
                        .unwrap_or_else(|| "; write `resource.TypeName` with a resource of the spec".to_owned());
                    cx.error(loc, format!("`{res}.{name}`: there is no resource `{res}`{hint}"));
                    return None;
                };
                let r = &self.resources[ri];
                match r.local.get(name).copied().or_else(|| (r.model_name == *name).then_some(r.model).flatten()) {
                    Some(i) => Ty::Named(i),
                    None if self.invalid_names.contains(name) || r.raw.incomplete => return None,
                    None => {
                        let hint = closest(name, r.local.keys().map(String::as_str));
                        cx.error(
                            loc,
                            format!(
                                "resource `{res}` declares no type `{name}`{}",
                                hint.map(|h| format!("; did you mean `{res}.{h}`?")).unwrap_or_default()
                            ),
                        );
                        return None;
                    }
                }
            }
            Expr::Named(None, name) => {
                if name == "WebhookPayload" && self.has_webhooks {
                    return Some(Ty::WebhookPayload);
                }
                let local = match module {
                    Module::Resource(ri) => self.resources[ri].local.get(name).copied(),
                    _ => None,
                };
                match local.or_else(|| self.global.get(name).copied()) {
                    Some(i) if matches!(self.decls[i].source, DeclSource::Variant(_)) => {
                        cx.error(loc, format!("`{name}` is a variant of a polymorphic family; use the family's type"));
                        return None;
                    }
                    Some(i) => Ty::Named(i),
                    None if cx.incomplete || self.invalid_names.contains(name) => return None,
                    None => {
                        let mut names: Vec<&str> = self.global.keys().map(String::as_str).collect();
                        if let Module::Resource(ri) = module {
                            names.extend(self.resources[ri].local.keys().map(String::as_str));
                        }
                        let hint = closest(name, names);
                        let local_elsewhere = self
                            .resources
                            .iter()
                            .find(|r| r.local.contains_key(name))
                            .map(|r| format!("{}.{name}", r.name));
                        let family = self.decls.iter().find(|d| d.name == *name && matches!(d.source, DeclSource::Variant(_))).map(|d| {
                            let parent = d.loc.path.rsplit_once(".variants.").map(|(p, _)| p).unwrap_or_default();
                            self.decls.iter().find(|p| p.loc.path == parent).map(|p| p.name.clone()).unwrap_or_default()
                        });
                        let lower = name.to_ascii_lowercase();
                        let scalar = SCALARS.iter().find(|s| **s == lower).or_else(|| (lower == "id").then_some(&"id"));
                        let help = match (hint, local_elsewhere) {
                            _ if scalar.is_some() => format!("; the built-in types are lowercase: write `{}`", scalar.unwrap_or(&"")),
                            _ if family.is_some() => format!(
                                "; `{name}` is a variant of the polymorphic type `{}`: write `{}` (its `kind` tells the variant)",
                                family.clone().unwrap_or_default(),
                                family.unwrap_or_default()
                            ),
                            (_, Some(q)) => format!("; it is declared in another resource: write `{q}`"),
                            (Some(h), None) => format!("; did you mean `{h}`?"),
                            (None, None) => "; declare it under `types:`".to_owned(),
                        };
                        cx.error(loc, format!("unknown type `{name}`{help}"));
                        return None;
                    }
                }
            }
        })
    }

    fn resolve_decl(&mut self, cx: &mut Ctx<'_>, di: usize) {
        let module = self.decls[di].module;
        let loc = self.decls[di].loc.clone();
        let kind = match self.decls[di].source {
            DeclSource::Type(td) => {
                let shapes = [td.enum_values.is_some(), td.fields.is_some() || td.variants.is_some()];
                match shapes {
                    [true, true] => {
                        cx.error(&loc, "a type is either an `enum` or an object with `fields`, not both");
                        self.broken_decls.insert(di);
                        ir::TypeKind::Object(Vec::new())
                    }
                    [true, false] => ir::TypeKind::Enum(self.enum_values(cx, td.enum_values.as_deref().unwrap_or_default(), &loc.at("enum"))),
                    [false, true] => self.object_or_union(cx, di, td.fields.as_ref(), td.tag.as_deref(), td.variants.as_ref(), &loc),
                    [false, false] => {
                        if !td.incomplete {
                            cx.error(&loc, "a type needs `enum: [...]` or `fields: {...}` (`fields: {}` for an empty object)");
                        }
                        ir::TypeKind::Object(Vec::new())
                    }
                }
            }
            DeclSource::Model(ri) => {
                let r = self.resources[ri].raw;
                let kind = self.object_or_union(cx, di, r.fields.as_ref(), r.tag.as_deref(), r.variants.as_ref(), &loc);
                let mut relations = Vec::new();
                let (field_names, field_wires): (BTreeSet<String>, BTreeSet<String>) = match &kind {
                    ir::TypeKind::Object(f) => (f.iter().map(|f| f.ident.clone()).collect(), f.iter().map(|f| f.wire.clone()).collect()),
                    ir::TypeKind::Union(u) => {
                        (u.common.iter().map(|f| f.ident.clone()).collect(), u.common.iter().map(|f| f.wire.clone()).collect())
                    }
                    _ => Default::default(),
                };
                let is_union = matches!(kind, ir::TypeKind::Union(_));
                let mut rel_wires: BTreeMap<String, String> = BTreeMap::new();
                for (name, rel) in &r.relations {
                    let rloc = loc.at("relations").at(name);
                    if rel.const_value().is_some() {
                        cx.error(&rloc.at("const"), "a relation cannot have a `const` value");
                    }
                    let Some(f) = self.field(cx, name, rel, module, &rloc) else { continue };
                    if field_names.contains(&f.ident) {
                        cx.error(&rloc, format!("`{name}` is both a field and a relation; keep one"));
                    } else if field_wires.contains(&f.wire) {
                        cx.error(&rloc, format!("the wire name `{}` of this relation is also the wire name of a field; set another `wire:`", f.wire));
                    } else if is_union && name == "kind" {
                        cx.error(&rloc, "a polymorphic model keeps its variant in the generated field `kind`; rename this relation (with `wire: kind` to keep the wire name)");
                    } else if let Some(prev) = rel_wires.insert(f.wire.clone(), name.clone()) {
                        cx.error(&rloc, format!("the wire name `{}` is also the wire name of the relation `{prev}`", f.wire));
                    }
                    let record = match f.ty.element() {
                        Ty::Named(d) => !matches!(self.decls[*d].source, DeclSource::Type(td) if td.enum_values.is_some()),
                        Ty::Json => true,
                        _ => false,
                    };
                    if !record && !self.vague(&f.ty) {
                        let what = match f.ty.element() {
                            Ty::Named(_) => "an enum".to_owned(),
                            Ty::Id(_) => "an id".to_owned(),
                            _ => format!("`{}`", rel.ty().unwrap_or_default()),
                        };
                        cx.error(
                            &rloc,
                            format!("the relation `{name}` is {what}; a relation embeds records: write a record type (`Name`, `[Name]` or `Name?`), or make it a field"),
                        );
                    }
                    relations.push(f);
                }
                self.decls[di].relations = relations;
                kind
            }
            DeclSource::Variant(v) => {
                let fields = self.fields(cx, &v.fields, module, &loc.at("fields"));
                ir::TypeKind::Variant(fields)
            }
        };
        self.decls[di].kind = Some(kind);
    }

    fn enum_values(&self, cx: &mut Ctx<'_>, values: &[Option<raw::EnumValue>], loc: &Loc) -> Vec<ir::EnumValue> {
        if values.is_empty() {
            cx.error(loc, "an empty enum; list its values, e.g. `enum: [draft, published]`");
        }
        let mut out: Vec<ir::EnumValue> = Vec::new();
        let mut places: Vec<usize> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let vloc = loc.idx(i);
            let Some(v) = v else { continue };
            let (wire, name, doc) = (v.value.clone(), v.name.clone(), v.doc.clone());
            let variant = match &name {
                Some(n) => naming::snake_ident(n).map(|_| naming::upper_camel(n)).and_then(|v| {
                    if v == "Unknown" {
                        Err(format!("the name `{n}` would clash with the `Unknown` variant every enum has; choose another `name:`"))
                    } else {
                        Ok(v)
                    }
                }),
                None => naming::enum_variant(&wire),
            };
            let variant = match variant {
                Ok(v) => v,
                Err(e) => {
                    cx.error(&vloc, e);
                    continue;
                }
            };
            if let Some(j) = out.iter().position(|p| p.wire == wire) {
                cx.error(&vloc, format!("duplicate enum value `{wire}` (first at {}); remove one", cx.place(&loc.idx(places[j]))));
                continue;
            }
            if let Some(j) = out.iter().position(|p| p.variant == variant) {
                cx.error(
                    &vloc,
                    format!(
                        "`{wire}` and `{}` ({}) both become the variant `{variant}`; give one a `name:` (`{{ value: \"{wire}\", name: ... }}`)",
                        out[j].wire,
                        cx.place(&loc.idx(places[j]))
                    ),
                );
                continue;
            }
            places.push(i);
            out.push(ir::EnumValue { doc: doc.unwrap_or_else(|| format!("`{wire}`")), wire, variant });
        }
        out
    }

    fn object_or_union(
        &self,
        cx: &mut Ctx<'_>,
        di: usize,
        fields: Option<&IndexMap<String, raw::Field>>,
        tag: Option<&str>,
        variants: Option<&IndexMap<String, raw::Variant>>,
        loc: &Loc,
    ) -> ir::TypeKind {
        let module = self.decls[di].module;
        let empty = IndexMap::new();
        let common = self.fields(cx, fields.unwrap_or(&empty), module, &loc.at("fields"));
        let (Some(tag), Some(vs)) = (tag, variants) else {
            return ir::TypeKind::Object(common);
        };
        if common.iter().any(|f| f.wire == tag) {
            cx.error(&loc.at("tag"), format!("the tag `{tag}` is also a field; remove the field, the variant carries it"));
        }
        if common.iter().any(|f| f.name == "kind") {
            cx.error(
                &loc.at("fields").at("kind"),
                "a polymorphic type keeps its variant in the generated field `kind`; rename this field (with `wire: kind` to keep the wire name)",
            );
        }
        let mut out = Vec::new();
        let mut wires = BTreeSet::new();
        for (vname, v) in vs {
            let Some(decl) = self.decls.iter().position(|d| d.name == *vname && d.module == module && matches!(d.source, DeclSource::Variant(_))) else {
                continue;
            };
            let wire = v.wire.clone().unwrap_or_else(|| vname.clone());
            if !wires.insert(wire.clone()) {
                cx.error(&loc.at("variants").at(vname), format!("two variants have the tag value `{wire}`"));
            }
            for (fname, _) in &v.fields {
                if common.iter().any(|c| c.name == *fname) {
                    cx.error(
                        &loc.at("variants").at(vname).at("fields").at(fname),
                        format!("`{fname}` is already a common field of the family; remove it here"),
                    );
                }
            }
            out.push(ir::VariantRef { name: vname.clone(), wire, decl });
        }
        ir::TypeKind::Union(ir::Union {
            tag: tag.to_owned(),
            kind_name: format!("{}Kind", self.decls[di].name),
            common,
            variants: out,
        })
    }

    fn fields(&self, cx: &mut Ctx<'_>, fields: &IndexMap<String, raw::Field>, module: Module, loc: &Loc) -> Vec<ir::Field> {
        let mut out: Vec<ir::Field> = Vec::new();
        for (name, f) in fields {
            let floc = loc.at(name);
            if f.const_value().is_some() {
                cx.error(&floc.at("const"), "`const` is for request parameters only");
            }
            let Some(field) = self.field(cx, name, f, module, &floc) else { continue };
            if let Some(prev) = out.iter().find(|p| p.wire == field.wire || p.aliases.contains(&field.wire) || field.aliases.contains(&p.wire)) {
                let prev_place = cx.place(&loc.at(&prev.name));
                cx.error(
                    &floc,
                    format!("the wire name `{}` is also the wire name of `{}` ({prev_place}); set another `wire:`", field.wire, prev.name),
                );
                continue;
            }
            out.push(field);
        }
        out
    }

    /// The Rust identifier and the resolved type of a field or parameter.
    fn ident_and_ty(&self, cx: &mut Ctx<'_>, name: &str, f: &raw::Field, module: Module, loc: &Loc) -> Option<(String, Ty)> {
        let ident = match naming::snake_ident(name) {
            Ok(i) => i,
            Err(e) => {
                cx.error(loc, e);
                return None;
            }
        };
        let tyloc = if f.long { loc.at("type") } else { loc.clone() };
        let ty = self.resolve_ty(cx, f.ty()?, module, &tyloc)?;
        Some((ident, ty))
    }

    fn field(&self, cx: &mut Ctx<'_>, name: &str, f: &raw::Field, module: Module, loc: &Loc) -> Option<ir::Field> {
        let (ident, ty) = self.ident_and_ty(cx, name, f, module, loc)?;
        if f.wire().is_some_and(|w| w.trim().is_empty()) {
            cx.error(&loc.at("wire"), "`wire` is empty; write the name on the wire, or remove `wire:`");
            return None;
        }
        let wire = f.wire().map(str::to_owned).unwrap_or_else(|| naming::lower_camel(name));
        let aliases = if wire != name { vec![name.to_owned()] } else { Vec::new() };
        Some(ir::Field {
            name: name.to_owned(),
            ident,
            wire,
            aliases,
            ty,
            doc: f.doc().map(str::to_owned).unwrap_or_default(),
        })
    }

    fn lower_resource(
        &self,
        cx: &mut Ctx<'_>,
        ri: usize,
        take: &mut impl FnMut(&mut Ctx<'_>, Module, &str, &Loc, &str),
    ) -> ir::Resource {
        let info = &self.resources[ri];
        let r = info.raw;
        let module = Module::Resource(ri);
        let mut endpoints = Vec::new();
        let mut include_structs: Vec<ir::IncludeStruct> = Vec::new();
        let mut method_names = BTreeSet::new();
        for (ename, e) in &r.endpoints {
            let eloc = info.loc.at("endpoints").at(ename);
            let ident = match naming::snake_ident(ename) {
                Ok(i) => i,
                Err(err) => {
                    cx.error(&eloc, err);
                    continue;
                }
            };
            if !method_names.insert(ident.clone()) {
                cx.error(&eloc, format!("duplicate endpoint `{ename}`"));
            }
            if ename == "new" {
                cx.error(&eloc, format!("an endpoint cannot be called `new`: `{}::new` is taken by the generated code; rename it", naming::upper_camel(&info.module) + "Api"));
                continue;
            }
            if let Some(ep) = self.lower_endpoint(cx, ri, ename, ident, e, &eloc, &mut include_structs) {
                take(cx, module, &ep.builder, &eloc, "request builder");
                if let Some(f) = &ep.filter {
                    take(cx, module, &f.type_name, &eloc.at("filters"), "filter type");
                }
                if let Some(o) = &ep.order {
                    take(cx, module, &o.type_name, &eloc.at("order_by"), "order type");
                }
                if let Some(i) = &ep.includes {
                    take(cx, module, &i.trait_name, &eloc.at("includes"), "include trait");
                }
                endpoints.push(ep);
            }
        }
        ir::Resource {
            name: info.name.clone(),
            module: info.module.clone(),
            api_struct: format!("{}Api", naming::upper_camel(&info.module)),
            id_type: format!("{}Id", info.model_name),
            doc: r.doc.clone().unwrap_or_else(|| format!("The `{}` resource.", info.name)),
            wire_type: r.wire_type.clone().unwrap_or_else(|| info.model_name.clone()),
            model: info.model,
            endpoints,
            include_structs,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_endpoint(
        &self,
        cx: &mut Ctx<'_>,
        ri: usize,
        ename: &str,
        ident: String,
        e: &raw::Endpoint,
        loc: &Loc,
        include_structs: &mut Vec<ir::IncludeStruct>,
    ) -> Option<ir::Endpoint> {
        let module = Module::Resource(ri);
        let n0 = cx.diags.len();
        let method = match e.method.as_deref().unwrap_or("GET") {
            "GET" => ir::Method::Get,
            "POST" => ir::Method::Post,
            "PUT" => ir::Method::Put,
            "PATCH" => ir::Method::Patch,
            "DELETE" => ir::Method::Delete,
            other => {
                let upper = other.to_ascii_uppercase();
                let help = if ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&upper.as_str()) {
                    format!("write `{upper}`")
                } else {
                    "expected one of GET, POST, PUT, PATCH, DELETE".to_owned()
                };
                cx.error(&loc.at("method"), format!("invalid HTTP method `{other}`; {help}"));
                ir::Method::Get
            }
        };
        if e.method.is_some() && method == ir::Method::Get && (!e.body.is_empty() || !e.body_top.is_empty()) {
            let at = if e.body.is_empty() { "body_top" } else { "body" };
            cx.error(&loc.at(at), "a GET request has no body; move these to `query:` or change the method");
        }

        // Path and its parameters.
        let ploc = loc.at("path");
        let path = e.path.as_deref().unwrap_or_default();
        let mut in_path: Vec<String> = Vec::new();
        let check_params = e.path.is_some() && !e.incomplete;
        if e.path.is_some() {
            if !path.starts_with('/') {
                cx.error(&ploc, format!("the path must start with `/`; write `/{path}`"));
            }
            if path.contains('?') || path.contains('#') {
                cx.error(&ploc, "the path cannot hold a query; declare query parameters under `query:`");
            }
            if path.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
                cx.error(&ploc, format!("`{path}`: a path has no spaces, quotes or backslashes"));
            }
            for seg in path.split('/') {
                if let Some(inner) = seg.strip_prefix('{') {
                    match inner.strip_suffix('}') {
                        Some(name) if name.contains(['{', '}']) => {
                            cx.error(&ploc, format!("`{seg}`: a path parameter is written `{{name}}` and fills a whole segment"))
                        }
                        Some(name) if in_path.iter().any(|n| n == name) => {
                            cx.error(&ploc, format!("the path names `{{{name}}}` twice; each parameter appears once"))
                        }
                        Some(name) => in_path.push(name.to_owned()),
                        None => cx.error(&ploc, format!("`{seg}`: a path parameter fills a whole segment: `{{name}}`")),
                    }
                } else if seg.contains('{') || seg.contains('}') || seg.starts_with(':') {
                    cx.error(&ploc, format!("`{seg}`: a path parameter is written `{{name}}` and fills a whole segment"));
                }
            }
            for name in in_path.iter().filter(|_| check_params) {
                if !e.params.contains_key(name) {
                    let hint = closest(name, e.params.keys().map(String::as_str))
                        .map(|h| format!("; or did you mean `{{{h}}}`?"))
                        .unwrap_or_default();
                    cx.error(
                        &ploc,
                        format!("the path names `{{{name}}}` but `params:` does not declare it; add `{name}: id` (or its type) under `params:`{hint}"),
                    );
                }
            }
        }
        let mut path_params = Vec::new();
        for (name, f) in &e.params {
            let floc = loc.at("params").at(name);
            if !check_params {
                continue;
            }
            if !in_path.contains(name) {
                cx.error(&floc, format!("the parameter `{name}` is not in the path `{path}`; add `{{{name}}}` to `path` or remove it"));
                continue;
            }
            if let Some(p) = self.param(cx, name, f, module, &floc, "path parameter") {
                if p.ty.is_option() {
                    cx.error(&floc, "a path parameter is always required; remove the `?`");
                }
                let path_ok = matches!(p.ty.required(), Ty::String | Ty::Int | Ty::Id(_))
                    || matches!(p.ty.required(), Ty::Named(i) if matches!(self.decls[*i].kind, Some(ir::TypeKind::Enum(_))));
                if !path_ok && !self.vague(&p.ty) {
                    cx.error(&floc, "a path parameter must be a string, an int, an id or an enum");
                }
                path_params.push(p);
            }
        }
        let query = self.params(cx, &e.query, module, &loc.at("query"), "query parameter");
        for p in &query {
            if !query_ty_ok(&self.decls, p.ty.required()) && !self.vague(&p.ty) {
                cx.error(&loc.at("query").at(&p.name), "a query parameter must be a string, number, bool, date, id or enum");
            }
        }
        let body = self.params(cx, &e.body, module, &loc.at("body"), "body field");
        let body_top = self.params(cx, &e.body_top, module, &loc.at("body_top"), "body field");

        // The record type.
        let model_ty = match &e.model {
            Some(m) => self.resolve_ty(cx, m, module, &loc.at("model")),
            None => self.resources[ri].model.map(Ty::Named),
        };
        let record_decl = match &model_ty {
            Some(Ty::Named(i)) => Some(*i),
            _ => None,
        };
        if let (Some(m), Some(t)) = (&e.model, &model_ty) {
            let record = matches!(t, Ty::Named(i) if !matches!(self.decls[*i].source, DeclSource::Type(td) if td.enum_values.is_some()));
            if !record && !self.vague(t) {
                cx.error(&loc.at("model"), format!("`model` names the record type of the response (an object type); `{m}` is not one"));
            }
            if !matches!(e.response.as_deref(), Some("one" | "page" | "list") | None) {
                cx.error(&loc.at("model"), "`model` is the record type of `response: one`, `page` or `list`; remove it, or change `response`");
            }
        }
        let rloc = loc.at("response");
        let needs_model = |cx: &mut Ctx<'_>| -> Option<Ty> {
            if model_ty.is_none() && e.model.is_none() {
                cx.error(&rloc, "this resource has no model (`fields`), so say which records come back with `model: TypeName`");
            }
            model_ty.clone()
        };
        let response = match e.response.as_deref().unwrap_or_default() {
            _ if e.response.is_none() => None,
            "one" => needs_model(cx).map(ir::Response::One),
            "page" => needs_model(cx).map(ir::Response::Page),
            "list" => needs_model(cx).map(ir::Response::List),
            "none" => Some(ir::Response::None),
            other => match parse_expr(other) {
                Ok(Expr::Named(..)) | Ok(Expr::List(_)) => self.resolve_ty(cx, other, module, &rloc).map(ir::Response::Raw),
                _ => {
                    cx.error(&rloc, format!("unknown response `{other}`; expected one, page, list, none, or a type name"));
                    None
                }
            },
        };
        if e.page && e.response.is_some() && !matches!(response, Some(ir::Response::Page(_))) {
            cx.error(&loc.at("page"), "`page: true` needs `response: page`");
        }

        // What `filters`, `includes` and `order_by` refer to: the fields and relations of the
        // record type. When there is none, say so once (unless that was reported already).
        let record_reported = (e.model.is_some() && model_ty.is_none())
            || (model_ty.is_none() && matches!(e.response.as_deref(), Some("one" | "page" | "list")))
            || (record_decl.is_some_and(|d| self.decl_incomplete(d)));
        let no_record = |cx: &mut Ctx<'_>, key: &str| {
            if record_decl.is_none() && !record_reported {
                let what = match &model_ty {
                    Some(_) => format!("`model: {}` is not a record type", e.model.as_deref().unwrap_or_default()),
                    None => "this resource has no model; set `model:` to the record type".to_owned(),
                };
                cx.error(&loc.at(key), format!("`{key}` name fields of the records the endpoint returns, and {what}"));
            }
        };

        // Filters.
        let filter = if e.filters.is_empty() {
            None
        } else {
            let needs_record = e.filters.iter().any(|f| matches!(f, raw::Filter::Field(k) if k != "q"));
            if needs_record {
                no_record(cx, "filters");
            }
            let mut fields: Vec<(ir::FilterField, usize)> = Vec::new();
            for (i, f) in e.filters.iter().enumerate() {
                let floc = loc.at("filters").idx(i);
                let field = match f {
                    raw::Filter::Invalid => None,
                    raw::Filter::Field(key) if key == "q" => Some(ir::FilterField {
                        ident: "q".into(),
                        key: "q".into(),
                        kind: ir::FilterKind::Search,
                        doc: "Free-text search.".into(),
                    }),
                    raw::Filter::Field(key) => self.filter_field(cx, record_decl, key, &floc),
                    raw::Filter::Custom(c) => {
                        let name = c.name.clone().unwrap_or_else(|| naming::dotted_to_snake(&c.key));
                        let nloc = if c.name.is_some() { floc.at("name") } else { floc.at("key") };
                        if c.key.trim().is_empty() {
                            cx.error(&floc.at("key"), "`key` is empty; write the key `where` filters on");
                            None
                        } else {
                            match naming::snake_ident(&name) {
                                Err(err) => {
                                    let how = if c.name.is_some() { "" } else { "; set `name:`" };
                                    cx.error(&nloc, format!("{err} (the method name of filter `{}`{how})", c.key));
                                    None
                                }
                                Ok(ident) => self.resolve_ty(cx, &c.ty.0, module, &floc.at("type")).and_then(|ty| {
                                    let kind = self.filter_kind(&ty);
                                    if kind.is_none() {
                                        cx.error(
                                            &floc.at("type"),
                                            format!("cannot filter on a field of type `{}`; a filter is text, a number, a time, a bool, an enum or an id", c.ty.0),
                                        );
                                    }
                                    kind.map(|kind| ir::FilterField { ident, key: c.key.clone(), kind, doc: String::new() })
                                }),
                            }
                        }
                    }
                };
                if let Some(field) = field {
                    let bare = field.ident.trim_start_matches("r#");
                    if matches!(bare, "new" | "default") {
                        cx.error(&floc, format!("a filter method cannot be called `{bare}` (the `Where` type has it already); set `name:` in the long form"));
                    } else if let Some((prev, j)) = fields.iter().find(|(p, _)| p.key == field.key) {
                        let first = cx.place(&loc.at("filters").idx(*j));
                        cx.error(&floc, format!("duplicate filter `{}` (first at {first}); remove one", prev.key));
                    } else if let Some((prev, j)) = fields.iter().find(|(p, _)| p.ident == field.ident) {
                        let first = cx.place(&loc.at("filters").idx(*j));
                        cx.error(
                            &floc,
                            format!(
                                "the filters `{}` and `{}` ({first}) both become the method `{}`; give one a `name:` in the long form",
                                field.key, prev.key, field.ident
                            ),
                        );
                    } else {
                        fields.push((field, i));
                    }
                }
            }
            let type_name = if ename == "list" { "Where".to_owned() } else { format!("{}Where", naming::upper_camel(ename)) };
            Some(ir::FilterDef { type_name, fields: fields.into_iter().map(|(f, _)| f).collect() })
        };

        // Includes.
        let includes = if e.includes.is_empty() {
            None
        } else {
            no_record(cx, "includes");
            let mut structs: Vec<(String, usize)> = Vec::new();
            for (i, inc) in e.includes.iter().enumerate() {
                let Some(inc) = inc else { continue };
                let iloc = loc.at("includes").idx(i);
                if self.check_include(cx, record_decl, inc, &iloc) {
                    let name = naming::upper_camel(&naming::dotted_to_snake(inc));
                    if let Some((_, j)) = structs.iter().find(|(s, _)| *s == name) {
                        let first = cx.place(&loc.at("includes").idx(*j));
                        let prev = e.includes[*j].as_deref().unwrap_or_default();
                        if prev == inc {
                            cx.error(&iloc, format!("duplicate include `{inc}` (first at {first}); remove one"));
                        } else {
                            cx.error(&iloc, format!("`{inc}` and `{prev}` ({first}) both become `include::{name}`"));
                        }
                        continue;
                    }
                    match include_structs.iter().find(|s| s.name == name) {
                        Some(s) if s.wire != *inc => cx.error(&iloc, format!("`{inc}` and `{}` (another endpoint) both become `include::{name}`", s.wire)),
                        Some(_) => {}
                        None => include_structs.push(ir::IncludeStruct { name: name.clone(), wire: inc.clone() }),
                    }
                    structs.push((name, i));
                }
            }
            Some(ir::IncludeDef { trait_name: format!("{}Include", naming::upper_camel(ename)), structs: structs.into_iter().map(|(s, _)| s).collect() })
        };

        // Order.
        let order = match &e.order_by {
            None | Some(raw::OrderBy::All(false)) => None,
            Some(o) => {
                let oloc = loc.at("order_by");
                no_record(cx, "order_by");
                let scalar_fields: Vec<&ir::Field> = match record_decl.and_then(|d| self.decls[d].kind.as_ref()) {
                    Some(ir::TypeKind::Object(fs)) => fs.iter().collect(),
                    Some(ir::TypeKind::Union(u)) => u.common.iter().collect(),
                    _ => Vec::new(),
                };
                let sortable = |f: &ir::Field| {
                    !matches!(f.ty.required(), Ty::List(_) | Ty::Map(_) | Ty::Json | Ty::Option(_))
                        && match f.ty.required() {
                            Ty::Named(i) => matches!(self.decls[*i].kind, Some(ir::TypeKind::Enum(_))),
                            _ => true,
                        }
                };
                let mut fields: Vec<(String, String)> = Vec::new();
                match o {
                    raw::OrderBy::All(_) => {
                        for f in scalar_fields.iter().filter(|f| sortable(f)) {
                            let variant = naming::upper_camel(&f.name);
                            if let Some((_, prev)) = fields.iter().find(|(v, _)| *v == variant) {
                                cx.error(&oloc, format!("the fields `{prev}` and `{}` both become `{variant}` in the order type; rename one", f.name));
                            } else {
                                fields.push((variant, f.name.clone()));
                            }
                        }
                        if fields.is_empty() && record_decl.is_some() && !record_reported {
                            cx.error(&oloc, "`order_by: true` but the record has no required scalar field to order by; remove it");
                        }
                    }
                    raw::OrderBy::Fields(list) => {
                        if list.is_empty() {
                            cx.error(&oloc, "`order_by: []` lists no field; list the fields, write `true` for every scalar field, or remove it");
                        }
                        let broken = record_decl.is_some_and(|d| self.decl_incomplete(d));
                        for (i, name) in list.iter().enumerate() {
                            let Some(name) = name else { continue };
                            if record_decl.is_none() || broken {
                                continue;
                            }
                            match scalar_fields.iter().find(|f| f.name == *name) {
                                Some(_) if fields.iter().any(|(_, w)| w == name) => {
                                    cx.error(&oloc.idx(i), format!("`{name}` is listed twice; remove one"))
                                }
                                Some(f) if sortable(f) => {
                                    let variant = naming::upper_camel(name);
                                    if let Some((_, prev)) = fields.iter().find(|(v, _)| *v == variant) {
                                        cx.error(&oloc.idx(i), format!("`{prev}` and `{name}` both become `{variant}` in the order type; rename one"));
                                    } else {
                                        fields.push((variant, name.clone()));
                                    }
                                }
                                Some(f) if self.vague(&f.ty) => {}
                                Some(_) => {
                                    cx.error(&oloc.idx(i), format!("cannot order by `{name}`: it is not a scalar or an enum (a list, a map, json or an object)"))
                                }
                                None if self.declares_field(record_decl, name)
                                    && record_decl.is_some_and(|d| self.record_fields(d).iter().all(|f| f.name != *name)) => {}
                                None if record_decl.is_some_and(|d| self.record_fields(d).iter().any(|f| f.name == *name)) => cx.error(
                                    &oloc.idx(i),
                                    format!("cannot order by `{name}`: only some variants have it; order by a common field"),
                                ),
                                None => {
                                    let hint = closest(name, scalar_fields.iter().map(|f| f.name.as_str()));
                                    let owner = record_decl.map(|d| self.decls[d].name.clone()).unwrap_or_default();
                                    cx.error(
                                        &oloc.idx(i),
                                        format!(
                                            "`{owner}` has no field `{name}`{}",
                                            hint.map(|h| format!("; did you mean `{h}`?")).unwrap_or_default()
                                        ),
                                    );
                                }
                            }
                        }
                    }
                }
                let type_name = if ename == "list" { "Order".to_owned() } else { format!("{}Order", naming::upper_camel(ename)) };
                Some(ir::OrderDef { type_name, fields })
            }
        };

        // Builder method and field names must be distinct.
        let mut names: BTreeMap<&str, &str> = BTreeMap::new();
        for reserved in ["send", "client", "build", "clone"] {
            names.insert(reserved, "a method of the request builder");
        }
        if filter.is_some() {
            names.insert("filter", "`filters`");
        }
        if includes.is_some() {
            names.insert("include", "`includes`");
            names.insert("includes", "`includes`");
        }
        if order.is_some() {
            names.insert("order_by", "`order_by`");
        }
        if e.page {
            names.insert("page", "`page: true`");
            names.insert("stream", "`page: true`");
            names.insert("pages", "`page: true`");
        }
        if e.limit {
            names.insert("limit", "`limit: true`");
        }
        let mut clashed: BTreeSet<&str> = BTreeSet::new();
        for (section, params) in [("params", &path_params), ("query", &query), ("body", &body), ("body_top", &body_top)] {
            for p in params.iter() {
                let bare = p.ident.trim_start_matches("r#");
                if let Some(prev) = names.get(bare) {
                    clashed.insert(&p.name);
                    cx.error(
                        &loc.at(section).at(&p.name),
                        format!("`{}` is also the name of {prev} on this endpoint's request; rename one (with `wire:` to keep the wire name)", p.name),
                    );
                } else {
                    names.insert(bare, section);
                }
            }
        }
        // Query keys the builder sends itself.
        let mut sent: BTreeMap<&str, &str> = BTreeMap::new();
        for (on, key, by) in [
            (filter.is_some(), "where", "`filters`"),
            (includes.is_some(), "includes", "`includes`"),
            (order.is_some(), "order_by", "`order_by`"),
            (e.page, "page", "`page: true`"),
            (e.limit, "limit", "`limit: true`"),
        ] {
            if on {
                sent.insert(key, by);
            }
        }
        for p in query.iter().filter(|p| !clashed.contains(p.name.as_str())) {
            if let Some(by) = sent.get(p.wire.as_str()) {
                cx.error(&loc.at("query").at(&p.name), format!("the query key `{}` is already sent for {by}; remove this parameter", p.wire));
            }
        }

        if cx.diags.len() > n0 {
            return None;
        }
        Some(ir::Endpoint {
            name: ename.to_owned(),
            ident,
            builder: format!("{}Request", naming::upper_camel(ename)),
            doc: e.doc.clone().or_else(|| e.title.as_ref().map(|t| format!("{t}."))).unwrap_or_else(|| format!("{}.", naming::upper_camel(ename))),
            title: e.title.clone().unwrap_or_else(|| naming::upper_camel(ename)),
            method,
            path: path.to_owned(),
            response: response?,
            path_params,
            query,
            body,
            body_top,
            filter,
            includes,
            order,
            page: e.page,
            limit: e.limit,
        })
    }

    fn params(&self, cx: &mut Ctx<'_>, params: &IndexMap<String, raw::Field>, module: Module, loc: &Loc, what: &str) -> Vec<ir::Param> {
        let mut out: Vec<ir::Param> = Vec::new();
        for (name, f) in params {
            let ploc = loc.at(name);
            if let Some(p) = self.param(cx, name, f, module, &ploc, what) {
                if let Some(prev) = out.iter().find(|o| o.wire == p.wire) {
                    let prev_place = cx.place(&loc.at(&prev.name));
                    cx.error(&ploc, format!("the wire name `{}` is also used by `{}` ({prev_place}); set another `wire:`", p.wire, prev.name));
                    continue;
                }
                out.push(p);
            }
        }
        out
    }

    fn param(&self, cx: &mut Ctx<'_>, name: &str, f: &raw::Field, module: Module, loc: &Loc, what: &str) -> Option<ir::Param> {
        let (ident, ty) = self.ident_and_ty(cx, name, f, module, loc)?;
        if f.const_value().is_some() && !matches!(ty.required(), Ty::String) {
            cx.error(
                &loc.at("const"),
                format!("a `const` {what} must be of type `string`, and `{name}` is `{}`; write `type: string`", f.ty().unwrap_or_default()),
            );
        }
        if f.const_value().is_some() && what == "path parameter" {
            cx.error(&loc.at("const"), "a path parameter cannot be `const`; write the value in `path`");
        }
        if f.wire().is_some_and(|w| w.trim().is_empty()) {
            cx.error(&loc.at("wire"), "`wire` is empty; write the name on the wire, or remove `wire:`");
            return None;
        }
        // Query and path parameters keep their names on the wire; body fields are snake_case
        // and recased by the client.
        let wire = f.wire().map(str::to_owned).unwrap_or_else(|| name.to_owned());
        Some(ir::Param {
            name: name.to_owned(),
            ident,
            wire,
            ty,
            doc: f.doc().map(str::to_owned).unwrap_or_default(),
            const_value: f.const_value().map(str::to_owned),
        })
    }

    /// Fields of a record type, with those of every variant when it is a union.
    fn record_fields(&self, decl: usize) -> Vec<&ir::Field> {
        match self.decls[decl].kind.as_ref() {
            Some(ir::TypeKind::Object(f)) | Some(ir::TypeKind::Variant(f)) => f.iter().collect(),
            Some(ir::TypeKind::Union(u)) => {
                let mut all: Vec<&ir::Field> = u.common.iter().collect();
                for v in &u.variants {
                    if let Some(ir::TypeKind::Variant(fs)) = self.decls[v.decl].kind.as_ref() {
                        for f in fs {
                            if !all.iter().any(|a| a.name == f.name) {
                                all.push(f);
                            }
                        }
                    }
                }
                all
            }
            _ => Vec::new(),
        }
    }

    /// Whether part of a type's definition could not be read (its mistakes are reported).
    fn decl_incomplete(&self, d: usize) -> bool {
        if self.broken_decls.contains(&d) {
            return true;
        }
        match self.decls[d].source {
            DeclSource::Type(td) => td.incomplete,
            DeclSource::Model(ri) => self.resources[ri].raw.incomplete,
            DeclSource::Variant(v) => v.incomplete,
        }
    }

    /// Whether the spec declares `name` as a field of `decl`, valid or not: a name that is
    /// declared but missing from the resolved type had a mistake, reported already.
    fn declares_field(&self, decl: Option<usize>, name: &str) -> bool {
        let Some(d) = decl else { return false };
        if self.decl_incomplete(d) {
            return true;
        }
        // A name that is not snake_case was reported; the filter may use its snake_case form.
        let has = |m: &IndexMap<String, raw::Field>| m.keys().any(|k| k == name || naming::snake(k) == name);
        let in_map = |m: Option<&IndexMap<String, raw::Field>>| m.is_some_and(has);
        let in_variants = |v: Option<&IndexMap<String, raw::Variant>>| v.is_some_and(|vs| vs.values().any(|v| v.incomplete || has(&v.fields)));
        match self.decls[d].source {
            DeclSource::Type(td) => in_map(td.fields.as_ref()) || in_variants(td.variants.as_ref()),
            DeclSource::Model(ri) => {
                let r = self.resources[ri].raw;
                in_map(r.fields.as_ref()) || in_variants(r.variants.as_ref())
            }
            DeclSource::Variant(v) => has(&v.fields),
        }
    }

    /// Whether the spec declares `name` as a relation of `decl`, valid or not.
    fn declares_relation(&self, decl: usize, name: &str) -> bool {
        match self.decls[decl].source {
            DeclSource::Model(ri) => {
                let r = self.resources[ri].raw;
                r.incomplete || r.relations.keys().any(|k| k == name || naming::snake(k) == name)
            }
            _ => self.decl_incomplete(decl),
        }
    }

    /// Whether `ty` names a type whose definition could not be fully read: what it allows is
    /// unknown, so nothing is reported about it.
    fn vague(&self, ty: &Ty) -> bool {
        matches!(ty.element(), Ty::Named(d) if self.decl_incomplete(*d))
    }

    fn filter_field(&self, cx: &mut Ctx<'_>, record: Option<usize>, key: &str, loc: &Loc) -> Option<ir::FilterField> {
        // No record type: reported once for the endpoint.
        let mut decl = record?;
        let segs: Vec<&str> = key.split('.').collect();
        let mut ty: Option<Ty> = None;
        let mut doc = String::new();
        for (i, seg) in segs.iter().enumerate() {
            let fields = self.record_fields(decl);
            let Some(f) = fields.iter().find(|f| f.name == *seg) else {
                if self.declares_field(Some(decl), seg) {
                    return None;
                }
                let hint = closest(seg, fields.iter().map(|f| f.name.as_str()));
                let owner = &self.decls[decl].name;
                let what = if i == 0 { format!("`{owner}`") } else { format!("`{owner}` (the type of `{}`)", segs[..i].join(".")) };
                if self.decls[decl].relations.iter().any(|r| r.name == *seg) {
                    cx.error(loc, format!("`{key}`: `{seg}` is a relation of {what}, not a field; filters apply to fields (`{seg}_id`?)"));
                    return None;
                }
                cx.error(
                    loc,
                    format!(
                        "`{key}`: {what} has no field `{seg}`{}; a filter on a key the model does not have is written `{{ key: {key}, type: ... }}`",
                        hint.map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default()
                    ),
                );
                return None;
            };
            doc = f.doc.clone();
            if i + 1 < segs.len() {
                match f.ty.element() {
                    Ty::Named(d) if matches!(self.decls[*d].kind, Some(ir::TypeKind::Object(_)) | Some(ir::TypeKind::Union(_))) => decl = *d,
                    _ if self.vague(&f.ty) => return None,
                    _ => {
                        cx.error(loc, format!("`{key}`: `{seg}` is not an object, so `.{}` names nothing", segs[i + 1]));
                        return None;
                    }
                }
            } else {
                ty = Some(f.ty.clone());
            }
        }
        let ty = ty?;
        let Some(kind) = self.filter_kind(&ty) else {
            if !self.vague(&ty) {
                cx.error(loc, format!("cannot filter on `{key}`: its type is not text, a number, a time, a bool, an enum or an id"));
            }
            return None;
        };
        let ident = naming::dotted_to_snake(key);
        let ident = if naming::is_keyword(&ident) { format!("r#{ident}") } else { ident };
        Some(ir::FilterField {
            ident,
            key: key.to_owned(),
            kind,
            doc,
        })
    }

    fn filter_kind(&self, ty: &Ty) -> Option<ir::FilterKind> {
        Some(match ty.element() {
            Ty::String => ir::FilterKind::Text,
            Ty::Int => ir::FilterKind::Number(Ty::Int),
            Ty::Float => ir::FilterKind::Number(Ty::Float),
            Ty::Date => ir::FilterKind::Number(Ty::Date),
            Ty::DateTime => ir::FilterKind::Time,
            Ty::Bool => ir::FilterKind::Bool,
            Ty::Id(r) => ir::FilterKind::Value(Ty::Id(*r)),
            Ty::Named(d) if matches!(self.decls[*d].kind, Some(ir::TypeKind::Enum(_))) => ir::FilterKind::Value(Ty::Named(*d)),
            _ => return None,
        })
    }

    /// Checks `a.b.c`: `a` a relation (or record field) of the record, `b` of `a`'s type, ...
    fn check_include(&self, cx: &mut Ctx<'_>, record: Option<usize>, inc: &str, loc: &Loc) -> bool {
        // No record type: reported once for the endpoint.
        let Some(mut decl) = record else { return false };
        let segs: Vec<&str> = inc.split('.').collect();
        for (i, seg) in segs.iter().enumerate() {
            let rels = &self.decls[decl].relations;
            let found = rels.iter().find(|r| r.name == *seg).map(|r| r.ty.clone()).or_else(|| {
                // A nested segment may walk through an ordinary field (`challenge_items.challenge`).
                (i + 1 < segs.len()).then(|| self.record_fields(decl).iter().find(|f| f.name == *seg).map(|f| f.ty.clone())).flatten()
            });
            let Some(ty) = found else {
                if self.declares_relation(decl, seg) {
                    return false;
                }
                let declared: Vec<&str> = match self.decls[decl].source {
                    DeclSource::Model(ri) => self.resources[ri].raw.relations.keys().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                let hint = closest(seg, declared);
                let owner = self.decls[decl].name.clone();
                let path = if i == 0 { String::new() } else { format!(" (the type of `{}`)", segs[..i].join(".")) };
                let help = match self.decls[decl].source {
                    DeclSource::Model(ri) => {
                        let field = if self.record_fields(decl).iter().any(|f| f.name == *seg) { " (it is a field, not a relation)" } else { "" };
                        format!("{field}; declare it under `resources.{}.relations`", self.resources[ri].name)
                    }
                    _ => "; only a resource's model has relations".to_owned(),
                };
                cx.error(
                    loc,
                    format!(
                        "`{inc}`: `{owner}`{path} has no relation `{seg}`{}{help}",
                        hint.map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default()
                    ),
                );
                return false;
            };
            if i + 1 < segs.len() {
                match ty.element() {
                    Ty::Named(d) => decl = *d,
                    _ => {
                        cx.error(loc, format!("`{inc}`: `{seg}` is not a record, so `.{}` names nothing", segs[i + 1]));
                        return false;
                    }
                }
            }
        }
        true
    }
}

fn query_ty_ok(decls: &[Decl<'_>], ty: &Ty) -> bool {
    match ty {
        Ty::String | Ty::Int | Ty::Float | Ty::Bool | Ty::Date | Ty::DateTime | Ty::Id(_) => true,
        Ty::Named(i) => matches!(decls[*i].kind, Some(ir::TypeKind::Enum(_))),
        _ => false,
    }
}

fn merge<'a, T>(cx: &mut Ctx<'_>, into: &mut IndexMap<&'a str, (&'a T, Loc)>, from: &'a IndexMap<String, T>, loc: &Loc, what: &str) {
    for (name, item) in from {
        let here = loc.at(name);
        if let Some((_, prev)) = into.get(name.as_str()) {
            let prev_place = cx.place(prev);
            cx.error(&here, format!("duplicate {what} `{name}`; it is already defined at {prev_place}; remove or rename one"));
        } else {
            into.insert(name, (item, here));
        }
    }
}
