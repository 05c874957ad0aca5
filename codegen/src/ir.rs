//! The validated model the emitter works from: every name is final (a Rust identifier or a wire
//! string), every reference is resolved to an index. Nothing here can be wrong any more.

/// The whole API.
#[derive(Debug, Clone)]
pub struct Api {
    pub name: String,
    pub base_url: String,
    pub doc: String,
    /// Every named type, in spec order: shared types, then each resource's model, variants and
    /// local types. [`Ty::Named`] indexes this.
    pub types: Vec<TypeDecl>,
    pub resources: Vec<Resource>,
    pub webhooks: Vec<Webhook>,
}

/// Where a generated item lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Module {
    /// `qualified::types`
    Shared,
    /// `qualified::<plural>`
    Resource(usize),
    /// `qualified::webhooks`
    Webhooks,
}

/// A field's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    String,
    Int,
    Float,
    Bool,
    DateTime,
    Date,
    Json,
    /// The typed id of a resource.
    Id(usize),
    List(Box<Ty>),
    Map(Box<Ty>),
    Named(usize),
    /// The webhook payload enum.
    WebhookPayload,
    Option(Box<Ty>),
}

impl Ty {
    /// The type without `Option` and without `Vec` (the element type of a list).
    pub fn element(&self) -> &Ty {
        match self {
            Ty::Option(t) | Ty::List(t) => t.element(),
            t => t,
        }
    }
    pub fn is_option(&self) -> bool {
        matches!(self, Ty::Option(_))
    }
    /// The type without its outer `Option`.
    pub fn required(&self) -> &Ty {
        match self {
            Ty::Option(t) => t,
            t => t,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeDecl {
    /// Rust name (UpperCamelCase).
    pub name: String,
    pub module: Module,
    pub doc: String,
    pub kind: TypeKind,
    /// Included relations (resource models only).
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Enum(Vec<EnumValue>),
    Object(Vec<Field>),
    /// A polymorphic family: a struct of the common fields with a flattened `kind` enum.
    Union(Union),
    /// One variant of a union: a struct of the variant's own fields.
    Variant(Vec<Field>),
}

#[derive(Debug, Clone)]
pub struct EnumValue {
    pub wire: String,
    pub variant: String,
    pub doc: String,
}

#[derive(Debug, Clone)]
pub struct Union {
    /// Wire key of the discriminator (`$type`).
    pub tag: String,
    /// Name of the kind enum (`ChallengeKind`).
    pub kind_name: String,
    pub common: Vec<Field>,
    pub variants: Vec<VariantRef>,
}

#[derive(Debug, Clone)]
pub struct VariantRef {
    /// Rust name of the enum variant and of its struct.
    pub name: String,
    /// Tag value on the wire.
    pub wire: String,
    /// The variant's struct in [`Api::types`].
    pub decl: usize,
}

#[derive(Debug, Clone)]
pub struct Field {
    /// Spec name (snake_case).
    pub name: String,
    /// Rust identifier (`r#type` for `type`).
    pub ident: String,
    /// Wire name in REST responses (camelCase or as given).
    pub wire: String,
    /// Other accepted wire names (the snake_case form).
    pub aliases: Vec<String>,
    pub ty: Ty,
    pub doc: String,
}

/// An included relation: a field that is present only when the request asked for it. Its
/// `ty` is the relation's type as declared (`[Solution]`, `TeamCandidate?`).
pub type Relation = Field;

#[derive(Debug, Clone)]
pub struct Resource {
    /// Singular snake_case name (`assessment_result`).
    pub name: String,
    /// Module and client accessor (`assessment_results`).
    pub module: String,
    /// The handle struct (`AssessmentResultsApi`).
    pub api_struct: String,
    /// The typed id (`AssessmentResultId`).
    pub id_type: String,
    pub doc: String,
    pub wire_type: String,
    /// The model in [`Api::types`], if the resource has one.
    pub model: Option<usize>,
    pub endpoints: Vec<Endpoint>,
    /// Relation structs of the `include` module: (struct name, wire name, doc).
    pub include_structs: Vec<IncludeStruct>,
}

#[derive(Debug, Clone)]
pub struct IncludeStruct {
    pub name: String,
    pub wire: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Response {
    /// `{id, type, data, meta}` of the record type.
    One(Ty),
    /// `{type, data, currentPage, totalPages, totalCount, meta}`.
    Page(Ty),
    /// `{type, data, meta}`.
    List(Ty),
    /// An empty body.
    None,
    /// The whole body as this type.
    Raw(Ty),
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Method name on the handle (`list`).
    pub name: String,
    pub ident: String,
    /// The request builder (`ListRequest`).
    pub builder: String,
    pub doc: String,
    pub title: String,
    pub method: Method,
    /// Path template with `{name}` parameters.
    pub path: String,
    pub response: Response,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub body: Vec<Param>,
    pub body_top: Vec<Param>,
    pub filter: Option<FilterDef>,
    pub includes: Option<IncludeDef>,
    pub order: Option<OrderDef>,
    pub page: bool,
    pub limit: bool,
}

impl Endpoint {
    /// The parameters that are arguments of the endpoint's method, in order.
    pub fn required_params(&self) -> impl Iterator<Item = &Param> {
        self.path_params
            .iter()
            .chain(&self.query)
            .chain(&self.body)
            .chain(&self.body_top)
            .filter(|p| p.const_value.is_none() && !p.ty.is_option())
    }
    /// The parameters that are setters of the request builder.
    pub fn optional_params(&self) -> impl Iterator<Item = &Param> {
        self.query
            .iter()
            .chain(&self.body)
            .chain(&self.body_top)
            .filter(|p| p.const_value.is_none() && p.ty.is_option())
    }
    pub fn has_body(&self) -> bool {
        !self.body.is_empty() || !self.body_top.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub ident: String,
    pub wire: String,
    pub ty: Ty,
    pub doc: String,
    pub const_value: Option<String>,
}

#[derive(Debug, Clone)]
pub struct FilterDef {
    /// `Where` for `list`, else `<Endpoint>Where`.
    pub type_name: String,
    pub fields: Vec<FilterField>,
}

#[derive(Debug, Clone)]
pub struct FilterField {
    /// Method name.
    pub ident: String,
    /// Key in the `where` JSON, snake_case (recased at send time).
    pub key: String,
    pub kind: FilterKind,
    pub doc: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterKind {
    /// Free-text search `q`: a direct method taking the text.
    Search,
    Text,
    /// Numbers, dates: ordering operators. The type is the value type.
    Number(Ty),
    Time,
    Bool,
    /// Enums and ids: equality and membership only.
    Value(Ty),
}

#[derive(Debug, Clone)]
pub struct IncludeDef {
    /// The trait the endpoint's relations implement (`ListInclude`).
    pub trait_name: String,
    /// Names of the relation structs in the resource's `include` module.
    pub structs: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct OrderDef {
    /// `Order` for `list`, else `<Endpoint>Order`.
    pub type_name: String,
    /// (variant, wire field name)
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    pub event: String,
    pub variant: String,
    pub doc: String,
    pub data: Ty,
}
