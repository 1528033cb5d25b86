//! Schema extensions: what every operation passes before, while and after it runs.
//!
//! Before: the document is parsed and checked for its shape (aliases, root fields, a
//! depth limit that tells data from introspection), priced (`cost`) and refused over
//! the limit, and a document that repeats itself through fragments is rewritten to its
//! plan (`plan`), so neither validation nor execution does the same work twice. While:
//! every produced value and its bytes are counted against the execution budget, and
//! resolvers yield, so a timeout interrupts even work that never waits. After: the
//! response is completed to the letter of the specification (`completion`), and every
//! error carries a stable `extensions.code`.

use crate::config::Limits;
use crate::error::AppError;
use crate::graphql::completion;
use crate::graphql::cost::{self, ListBounds};
use crate::graphql::plan::{self, FieldPlan};
use crate::graphql::{OverWebSocket, RequestData};
use crate::service::Reference;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextResolve, NextSubscribe, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::registry::Registry;
use async_graphql::{
    Name, Pos, Positioned, Response, SchemaEnv, ServerError, ServerResult, ValidationResult, Value,
    Variables,
};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The query could not be parsed.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The query does not fit the schema or exceeds a limit of its shape (depth, aliases…).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
/// The operation's calculated cost is over the limit; refused before it runs.
pub const MAX_COST_EXCEEDED: &str = "MAX_COST_EXCEEDED";
/// The operation produced more values or bytes than one response may hold.
pub const RESULT_LIMIT_EXCEEDED: &str = "RESULT_LIMIT_EXCEEDED";

/// How long a parse error's message may be: the parser quotes the offending line, which
/// may be the whole document.
const MAX_PARSE_MESSAGE: usize = 400;

/// How often a running operation yields to the runtime, so a timeout can interrupt one
/// that never waits for the database. Not after a fixed number of fields: a yield makes
/// async-graphql poll every pending field again, and an operation that yields every few
/// fields spends its time polling.
const YIELD_AFTER: std::time::Duration = std::time::Duration::from_millis(20);
/// Fields between two looks at the clock.
const CLOCK_EVERY: u64 = 256;
/// Largest cost of an operation that runs without per-field guards (see
/// `Shape::direct_cost_limit`).
const DIRECT_MAX_COST: u64 = 5_000;

/// Sets `extensions.code` on `err` unless it has one.
pub fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let mut ext = err.extensions.take().unwrap_or_default();
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err.extensions = Some(ext);
    err
}

/// The refusal of a subscription sent to a transport without subscriptions (GraphQL
/// over HTTP): they run over WebSocket.
pub fn subscription_elsewhere(pos: Option<Pos>) -> ServerError {
    with_code(
        ServerError::new(
            "subscriptions run over WebSocket at /graphql/ws (graphql-transport-ws), not over HTTP",
            pos,
        ),
        "BAD_REQUEST",
    )
}

/// How deep an introspection query may go: exactly as deep as the standard one
/// (graphql-js `getIntrospectionQuery()` with every option, 15 levels, which nests
/// `ofType` to unwrap the deepest type references), and no deeper.
pub const MAX_INTROSPECTION_DEPTH: usize = 15;

/// Adds `extensions.field` to an argument-coercion error of async-graphql, whose
/// message names the argument path (`Invalid value for argument "input.type", …`).
fn with_coerced_field(mut err: ServerError) -> ServerError {
    const MARK: &str = "Invalid value for argument \"";
    let field = err
        .message
        .strip_prefix(MARK)
        .and_then(|rest| rest.split_once('"'))
        .map(|(path, _)| path.to_owned());
    if let Some(field) = field {
        let ext = err.extensions.get_or_insert_with(Default::default);
        if ext.get("field").is_none() {
            ext.set("field", field);
        }
    }
    err
}

/// The limits every operation passes, and error codes for every error.
pub struct RequestShape(Arc<Shape>);

/// The limits, shared by the extension of every request.
pub(crate) struct Shape {
    max_aliases: usize,
    max_root_fields: usize,
    /// Depth of the data part of an operation (introspection has its own bound).
    max_depth: usize,
    max_cost: u64,
    max_values: u64,
    max_bytes: u64,
    /// The sizes of the schema's lists, read once from the schema and reference data.
    bounds: OnceLock<ListBounds>,
    /// The schema as its extensions see it, kept from the first request (see
    /// `direct::Executor`, which prices documents before choosing how to run them).
    env: OnceLock<SchemaEnv>,
}

impl RequestShape {
    pub fn new(limits: &Limits) -> RequestShape {
        RequestShape(Arc::new(Shape {
            max_aliases: limits.max_aliases,
            max_root_fields: limits.max_root_fields,
            max_depth: limits.max_depth,
            max_cost: limits.max_cost,
            max_values: limits.max_result_values,
            max_bytes: limits.max_response_bytes as u64,
            bounds: OnceLock::new(),
            env: OnceLock::new(),
        }))
    }

    /// The limits this extension enforces, for the checks made outside of it.
    pub(crate) fn shape(&self) -> &Arc<Shape> {
        &self.0
    }
}

impl ExtensionFactory for RequestShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestShapeExtension {
            shape: self.0.clone(),
            prepared: Mutex::new(None),
            values: Arc::new(AtomicU64::new(0)),
            bytes: Arc::new(AtomicU64::new(0)),
            stopped: Arc::new(AtomicBool::new(false)),
            last_yield: Mutex::new(std::time::Instant::now()),
            paused: AtomicBool::new(false),
        })
    }
}

/// The cost of each operation priced, by name.
pub(crate) type Costs = Vec<(Option<Name>, u64)>;

/// What parsing learnt about a request, for the later steps (whose hooks do not see
/// the document).
#[derive(Clone)]
struct Prepared {
    doc: Arc<ExecutableDocument>,
    variables: Variables,
    costs: Costs,
}

struct RequestShapeExtension {
    shape: Arc<Shape>,
    prepared: Mutex<Option<Prepared>>,
    /// Field values produced so far, and their approximate bytes in the response (of a
    /// subscription: of the event being produced).
    values: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    /// The execution budget ran out: the rest of the operation is not worth doing.
    stopped: Arc<AtomicBool>,
    /// When the operation last yielded to the runtime.
    last_yield: Mutex<std::time::Instant>,
    /// A yield is under way: every field yields until the operation is polled again.
    paused: AtomicBool,
}

/// Positions of the aliased fields of a selection set, recursively (fragments are
/// counted where they are defined, once), in document order.
fn alias_positions(set: &SelectionSet, out: &mut Vec<Pos>) {
    for s in &set.items {
        match &s.node {
            Selection::Field(f) => {
                if let Some(alias) = &f.node.alias {
                    out.push(alias.pos);
                }
                alias_positions(&f.node.selection_set.node, out);
            }
            Selection::InlineFragment(i) => alias_positions(&i.node.selection_set.node, out),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Depth of the selections below `set`, following fragment spreads. Each fragment is
/// measured once (memoised), so a document that spreads fragments into each other
/// costs its size, not the size of its expansion; a cycle (refused by validation
/// later) counts as no depth.
fn depth<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    memo: &mut HashMap<&'a str, usize>,
    visiting: &mut HashSet<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => 1 + depth(doc, &f.node.selection_set.node, memo, visiting),
            Selection::InlineFragment(i) => depth(doc, &i.node.selection_set.node, memo, visiting),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if let Some(d) = memo.get(name) {
                    return *d;
                }
                if !visiting.insert(name) {
                    return 0;
                }
                let d = doc
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map(|f| depth(doc, &f.node.selection_set.node, memo, visiting))
                    .unwrap_or(0);
                visiting.remove(name);
                memo.insert(name, d);
                d
            }
        })
        .max()
        .unwrap_or(0)
}

/// The fields at the root of an operation, looking through fragments (each once).
fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    visited: &mut HashSet<&'a str>,
    out: &mut Vec<&'a Positioned<async_graphql::parser::types::Field>>,
) {
    for s in &set.items {
        match &s.node {
            Selection::Field(f) => out.push(f),
            Selection::InlineFragment(i) => {
                root_fields(doc, &i.node.selection_set.node, visited, out)
            }
            Selection::FragmentSpread(spread) => {
                if visited.insert(spread.node.fragment_name.node.as_str())
                    && let Some(f) = doc.fragments.get(&spread.node.fragment_name.node)
                {
                    root_fields(doc, &f.node.selection_set.node, visited, out);
                }
            }
        }
    }
}

/// What async-graphql's validation and execution walk: every field where it stands,
/// fragments expanded at each spread (memoised per fragment, saturating), and the
/// document's fragment errors that would make that walk endless or wrong: a spread of
/// an unknown fragment, or a fragment that spreads itself.
struct Expansion<'a> {
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
    memo: HashMap<&'a str, u64>,
    visiting: Vec<&'a str>,
}

impl<'a> Expansion<'a> {
    /// Whether `@skip`/`@include` certainly leave a selection out (a literal, or a
    /// variable the request gives).
    fn skipped(&self, directives: &[Positioned<async_graphql::parser::types::Directive>]) -> bool {
        directives.iter().any(|d| {
            let skip_if = match d.node.name.node.as_str() {
                "skip" => true,
                "include" => false,
                _ => return false,
            };
            let value = match d.node.get_argument("if").map(|v| &v.node) {
                Some(async_graphql_value::Value::Boolean(b)) => Some(*b),
                Some(async_graphql_value::Value::Variable(name)) => {
                    match self.variables.get(name) {
                        Some(Value::Boolean(b)) => Some(*b),
                        _ => None,
                    }
                }
                _ => None,
            };
            value == Some(skip_if)
        })
    }

    fn set(&mut self, set: &'a SelectionSet) -> ServerResult<u64> {
        let mut total: u64 = 0;
        for s in &set.items {
            let directives = match &s.node {
                Selection::Field(f) => &f.node.directives,
                Selection::InlineFragment(i) => &i.node.directives,
                Selection::FragmentSpread(f) => &f.node.directives,
            };
            if self.skipped(directives) {
                continue;
            }
            let n = match &s.node {
                Selection::Field(f) => 1 + self.set(&f.node.selection_set.node)?,
                Selection::InlineFragment(i) => self.set(&i.node.selection_set.node)?,
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if let Some(n) = self.memo.get(name) {
                        *n
                    } else {
                        let Some(fragment) =
                            self.doc.fragments.get(&spread.node.fragment_name.node)
                        else {
                            return Err(with_code(
                                ServerError::new(
                                    format!(r#"Unknown fragment: "{name}""#),
                                    Some(spread.pos),
                                ),
                                VALIDATION_FAILED,
                            ));
                        };
                        if let Some(at) = self.visiting.iter().position(|v| *v == name) {
                            let via = self.visiting[at + 1..].join(", ");
                            let message = if via.is_empty() {
                                format!(r#"Cannot spread fragment "{name}" within itself."#)
                            } else {
                                format!(
                                    r#"Cannot spread fragment "{name}" within itself via {via}."#
                                )
                            };
                            return Err(with_code(
                                ServerError::new(message, Some(spread.pos)),
                                VALIDATION_FAILED,
                            ));
                        }
                        self.visiting.push(name);
                        let n = self.set(&fragment.node.selection_set.node)?;
                        self.visiting.pop();
                        self.memo.insert(name, n);
                        n
                    }
                }
            };
            total = total.saturating_add(n);
        }
        Ok(total)
    }
}

/// The fields async-graphql would walk for `doc` (all operations and fragments).
pub(crate) fn expansion(doc: &ExecutableDocument, variables: &Variables) -> ServerResult<u64> {
    let mut walk = Expansion {
        doc,
        variables,
        memo: HashMap::new(),
        visiting: Vec::new(),
    };
    let mut total: u64 = 0;
    for (_, op) in doc.operations.iter() {
        total = total.saturating_add(walk.set(&op.node.selection_set.node)?);
    }
    // Fragments no operation spreads are walked by validation too (and refused).
    for (name, fragment) in &doc.fragments {
        if !walk.memo.contains_key(name.as_str()) {
            walk.visiting.push(name.as_str());
            walk.set(&fragment.node.selection_set.node)?;
            walk.visiting.pop();
        }
    }
    Ok(total)
}

/// Names of the fragments the operations of `doc` spread, directly or through others.
fn used_fragments(doc: &ExecutableDocument) -> HashSet<&str> {
    fn walk<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, used: &mut HashSet<&'a str>) {
        for s in &set.items {
            match &s.node {
                Selection::Field(f) => walk(doc, &f.node.selection_set.node, used),
                Selection::InlineFragment(i) => walk(doc, &i.node.selection_set.node, used),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if used.insert(name)
                        && let Some(f) = doc.fragments.get(&spread.node.fragment_name.node)
                    {
                        walk(doc, &f.node.selection_set.node, used);
                    }
                }
            }
        }
    }
    let mut used = HashSet::new();
    for (_, op) in doc.operations.iter() {
        walk(doc, &op.node.selection_set.node, &mut used);
    }
    used
}

/// The names of the variables a selection set uses.
fn variables_in(set: &SelectionSet, out: &mut HashSet<String>) {
    fn value(v: &async_graphql_value::Value, out: &mut HashSet<String>) {
        match v {
            async_graphql_value::Value::Variable(name) => {
                out.insert(name.to_string());
            }
            async_graphql_value::Value::List(items) => items.iter().for_each(|i| value(i, out)),
            async_graphql_value::Value::Object(map) => map.values().for_each(|i| value(i, out)),
            _ => {}
        }
    }
    for s in &set.items {
        match &s.node {
            Selection::Field(f) => {
                f.node
                    .arguments
                    .iter()
                    .for_each(|(_, v)| value(&v.node, out));
                f.node
                    .directives
                    .iter()
                    .flat_map(|d| &d.node.arguments)
                    .for_each(|(_, v)| value(&v.node, out));
                variables_in(&f.node.selection_set.node, out);
            }
            Selection::InlineFragment(i) => variables_in(&i.node.selection_set.node, out),
            Selection::FragmentSpread(_) => {}
        }
    }
}

/// Approximate bytes of a produced value in the JSON response, not counting the
/// objects inside it (their fields are counted where they are produced).
pub(crate) fn value_bytes(value: &Value) -> u64 {
    match value {
        Value::Null => 4,
        Value::Boolean(_) => 5,
        Value::Number(_) => 8,
        Value::String(s) => s.len() as u64 + 2,
        Value::Enum(e) => e.len() as u64 + 2,
        Value::Binary(b) => b.len() as u64 * 4 / 3 + 2,
        Value::List(items) => 2 + items.iter().map(|v| value_bytes(v) + 1).sum::<u64>(),
        Value::Object(_) => 2,
    }
}

/// The error that replaces a response once the execution budget ran out.
pub(crate) fn over_budget(what: &str, limit: u64) -> ServerError {
    let mut err = ServerError::new(
        format!(
            "the response would hold more than {limit} {what}; ask for smaller pages or fewer fields"
        ),
        None,
    );
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", RESULT_LIMIT_EXCEEDED);
    err
}

/// Charges the caller's budget with `cost` points and records them as used.
pub(crate) fn charge(req: &RequestData, cost: u64) -> ServerResult<()> {
    if let Some(budget) = &req.budget {
        budget.charge(cost).map_err(|app| {
            let mut err = ServerError::new(app.to_string(), None);
            super::errors::decorate(&app, &mut err);
            err
        })?;
    }
    req.usage.cost.fetch_add(cost, Ordering::Relaxed);
    Ok(())
}

/// Gives every error of a response its `extensions.code`: errors of the hub carry an
/// `AppError` as source; the others that reach here without a code come from argument
/// coercion (a value of the wrong type or format), which is the client's input.
pub(crate) fn coded(errors: Vec<ServerError>) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|mut e| match e.source::<AppError>().cloned() {
            Some(app) => {
                super::errors::decorate(&app, &mut e);
                e
            }
            None => {
                let e = with_code(e, "BAD_USER_INPUT");
                with_coerced_field(e)
            }
        })
        .collect()
}

/// A parse error, with the parser's quotation of the document cut short.
pub(crate) fn parse_error(err: async_graphql::parser::Error) -> ServerError {
    let mut err = ServerError::from(err);
    if err.message.len() > MAX_PARSE_MESSAGE {
        let mut end = MAX_PARSE_MESSAGE;
        while !err.message.is_char_boundary(end) {
            end -= 1;
        }
        err.message.truncate(end);
        err.message.push('…');
    }
    with_code(err, PARSE_FAILED)
}

impl Shape {
    /// The list bounds of this schema, computed on first use.
    fn bounds(&self, registry: &Registry, reference: &Reference) -> &ListBounds {
        self.bounds
            .get_or_init(|| ListBounds::new(registry, reference))
    }

    /// Prices every operation that may run (the requested one, or all) and refuses
    /// one over the cost or root-field limit; returns the costs and the size of the
    /// plans.
    pub(crate) fn price(
        &self,
        registry: &Registry,
        reference: &Reference,
        wanted: Option<&str>,
        doc: &ExecutableDocument,
        variables: &Variables,
    ) -> ServerResult<(Costs, u64)> {
        let bounds = self.bounds(registry, reference);
        let mut costs = Vec::new();
        let mut fields: u64 = 0;
        for (name, op) in doc.operations.iter() {
            if let (Some(wanted), Some(name)) = (wanted, name)
                && name.as_str() != wanted
            {
                continue;
            }
            let Some(root) = plan::root_type(registry, &op.node) else {
                continue;
            };
            let mut field_plan = FieldPlan::new(registry, doc, variables, &op.node);
            let collection = field_plan.collect(root, &[&op.node.selection_set.node]);
            if collection.len() > self.max_root_fields {
                crate::metrics::refused("root_fields");
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "an operation selects {} root fields; at most {} are allowed",
                            collection.len(),
                            self.max_root_fields
                        ),
                        Some(op.pos),
                    ),
                    VALIDATION_FAILED,
                ));
            }
            let priced = cost::price(&mut field_plan, bounds, root, &collection);
            if !priced.complete || priced.cost > self.max_cost {
                crate::metrics::refused("cost");
                return Err(self.too_costly(
                    op.pos,
                    "the operation",
                    priced.cost,
                    self.max_cost,
                    priced.complete,
                ));
            }
            if priced.introspection > bounds.introspection_allowed {
                crate::metrics::refused("introspection_cost");
                return Err(self.too_costly(
                    op.pos,
                    "the operation's introspection",
                    priced.introspection,
                    bounds.introspection_allowed,
                    true,
                ));
            }
            costs.push((name.cloned(), priced.cost + priced.introspection));
            fields = fields.saturating_add(priced.fields);
        }
        Ok((costs, fields))
    }

    fn too_costly(
        &self,
        pos: Pos,
        what: &str,
        requested: u64,
        allowed: u64,
        complete: bool,
    ) -> ServerError {
        let amount = if complete {
            format!("{requested}")
        } else {
            format!("more than {requested}")
        };
        let mut err = ServerError::new(
            format!(
                "{what} costs {amount} points; at most {allowed} are allowed. Ask for smaller pages (`first`), fewer nested lists, or split the operation"
            ),
            Some(pos),
        );
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", MAX_COST_EXCEEDED);
        let mut cost = async_graphql::indexmap::IndexMap::new();
        cost.insert(Name::new("requested"), Value::from(requested));
        cost.insert(Name::new("allowed"), Value::from(allowed));
        ext.set("cost", Value::Object(cost));
        err
    }

    pub(crate) fn check(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let operations: Vec<_> = match &doc.operations {
            DocumentOperations::Single(op) => vec![op],
            DocumentOperations::Multiple(ops) => ops.values().collect(),
        };
        let mut aliases = Vec::new();
        for op in &operations {
            alias_positions(&op.node.selection_set.node, &mut aliases);
        }
        for fragment in doc.fragments.values() {
            alias_positions(&fragment.node.selection_set.node, &mut aliases);
        }
        if aliases.len() > self.max_aliases {
            crate::metrics::refused("aliases");
            aliases.sort();
            return Err(with_code(
                ServerError::new(
                    format!(
                        "the document uses {} aliases; at most {} are allowed",
                        aliases.len(),
                        self.max_aliases
                    ),
                    // The first alias over the limit, in document order.
                    Some(aliases[self.max_aliases]),
                ),
                VALIDATION_FAILED,
            ));
        }
        let mut memo = HashMap::new();
        for op in operations {
            let mut roots = Vec::new();
            root_fields(
                doc,
                &op.node.selection_set.node,
                &mut HashSet::new(),
                &mut roots,
            );
            for field in roots {
                let introspection = matches!(field.node.name.node.as_str(), "__schema" | "__type");
                let (limit, what) = if introspection {
                    (MAX_INTROSPECTION_DEPTH, "an introspection query")
                } else {
                    (self.max_depth, "a query")
                };
                let d = 1 + depth(
                    doc,
                    &field.node.selection_set.node,
                    &mut memo,
                    &mut HashSet::new(),
                );
                if d > limit {
                    crate::metrics::refused("depth");
                    return Err(with_code(
                        ServerError::new(
                            format!(
                                "`{}` is nested {d} levels deep; {what} may be at most {limit} levels deep",
                                field.node.response_key().node
                            ),
                            Some(field.pos),
                        ),
                        VALIDATION_FAILED,
                    ));
                }
            }
        }
        Ok(())
    }

    /// Below how many points an operation runs without per-field guards: its values
    /// cannot exceed the execution budget (every field value is counted by the cost, a
    /// list item at most once more), and it is small enough to need no yields for the
    /// request timeout to interrupt it.
    pub(crate) fn direct_cost_limit(&self) -> u64 {
        (self.max_values / 2).min(DIRECT_MAX_COST)
    }

    /// Largest response, in approximate bytes (see `value_bytes`).
    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The schema, once a request has passed through the extension.
    pub(crate) fn env(&self) -> Option<&SchemaEnv> {
        self.env.get()
    }
}

impl RequestShapeExtension {
    /// Charges the caller's budget with the cost of the operation about to run; the
    /// refusal comes before any resolver runs.
    fn admit(
        &self,
        ctx: &ExtensionContext<'_>,
        prepared: Option<&Prepared>,
        operation_name: Option<&str>,
    ) -> ServerResult<()> {
        let cost = prepared
            .and_then(|p| {
                p.costs
                    .iter()
                    .find(|(name, _)| name.as_deref() == operation_name || p.costs.len() == 1)
            })
            .map(|(_, cost)| *cost)
            .unwrap_or(1);
        match ctx.data_opt::<RequestData>() {
            Some(req) => charge(req, cost),
            None => Ok(()),
        }
    }

    /// `doc` with every operation rewritten to its plan (no fragments left), for a
    /// document whose expansion is much larger than what it asks for.
    fn normalise(
        &self,
        ctx: &ExtensionContext<'_>,
        doc: &ExecutableDocument,
        variables: &Variables,
        max_fields: usize,
    ) -> ServerResult<ExecutableDocument> {
        let used = used_fragments(doc);
        if let Some((name, fragment)) = doc
            .fragments
            .iter()
            .find(|(name, _)| !used.contains(name.as_str()))
        {
            return Err(with_code(
                ServerError::new(
                    format!(r#"Fragment "{name}" is never used"#),
                    Some(fragment.pos),
                ),
                VALIDATION_FAILED,
            ));
        }
        let registry = &ctx.schema_env.registry;
        let rewrite = |op: &Positioned<OperationDefinition>| -> ServerResult<Positioned<OperationDefinition>> {
            let mut field_plan = FieldPlan::new(registry, doc, variables, &op.node);
            let set = field_plan.normalise(max_fields).map_err(|e| {
                let message = match e {
                    plan::NormaliseError::Invalid(message) => message,
                    plan::NormaliseError::TooLarge => format!(
                        "the document asks for more than {max_fields} distinct fields; merge repeated selections"
                    ),
                };
                with_code(ServerError::new(message, Some(op.pos)), VALIDATION_FAILED)
            })?;
            let mut op = op.clone();
            op.node.selection_set.node = set;
            // A variable used only where `@skip`/`@include` left the selection out is
            // no longer used: its definition goes with it.
            let mut used = HashSet::new();
            variables_in(&op.node.selection_set.node, &mut used);
            op.node
                .variable_definitions
                .retain(|d| used.contains(d.node.name.node.as_str()));
            Ok(op)
        };
        let operations = match &doc.operations {
            DocumentOperations::Single(op) => DocumentOperations::Single(rewrite(op)?),
            DocumentOperations::Multiple(ops) => DocumentOperations::Multiple(
                ops.iter()
                    .map(|(name, op)| Ok((name.clone(), rewrite(op)?)))
                    .collect::<ServerResult<_>>()?,
            ),
        };
        Ok(ExecutableDocument {
            operations,
            fragments: HashMap::new(),
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestShapeExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        response.errors = coded(response.errors);
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        _next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Parsed here rather than by async-graphql, whose own check after parsing
        // follows every fragment spread where it stands: a document that spreads
        // fragments into each other would cost the size of its expansion before any
        // limit could look at it. The checks below are linear in the document.
        let _ = self.shape.env.get_or_init(|| ctx.schema_env.clone());
        let doc = async_graphql::parser::parse_query(query).map_err(parse_error)?;
        self.shape.check(&doc)?;
        let expanded = expansion(&doc, variables)?;
        let reference = ctx
            .data_opt::<Arc<Reference>>()
            .cloned()
            .unwrap_or_default();
        let wanted = ctx
            .data_opt::<RequestData>()
            .and_then(|r| r.operation_name.as_deref());
        let (costs, fields) = self.shape.price(
            &ctx.schema_env.registry,
            &reference,
            wanted,
            &doc,
            variables,
        )?;
        // A document that repeats itself (the same fragment spread many times over, the
        // same field twice) is rewritten to what it asks for, which is what was priced.
        let doc = if expanded > fields {
            let max_fields = usize::try_from(self.shape.max_cost).unwrap_or(usize::MAX);
            self.normalise(ctx, &doc, variables, max_fields)?
        } else {
            doc
        };
        if let Ok(mut prepared) = self.prepared.lock() {
            *prepared = Some(Prepared {
                doc: Arc::new(doc.clone()),
                variables: variables.clone(),
                costs,
            });
        }
        // The audit log and the metrics name the operation; a document with one named
        // operation needs no `operationName` to say which.
        if let (Some(req), DocumentOperations::Multiple(ops)) =
            (ctx.data_opt::<RequestData>(), &doc.operations)
            && ops.len() == 1
        {
            let name = ops.keys().next().map(|n| n.as_str());
            req.audit.set_operation(name);
            if let Some(name) = name {
                let _ = req.usage.operation.set(name.to_owned());
            }
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let (Some(req), Some(name)) = (ctx.data_opt::<RequestData>(), operation_name) {
            req.audit.set_operation(Some(name));
        }
        let prepared = self.prepared.lock().ok().and_then(|p| p.clone());
        let subscription = prepared
            .as_ref()
            .and_then(|p| plan::select_operation(&p.doc, operation_name))
            .filter(|op| op.ty == OperationType::Subscription);
        match subscription {
            // async-graphql runs each event of a subscription through this hook; the
            // subscription was admitted once, in `validation`.
            Some(_) if ctx.data_opt::<OverWebSocket>().is_some() => {}
            Some(op) => {
                let pos = op.selection_set.pos;
                return Response::from_errors(vec![subscription_elsewhere(Some(pos))]);
            }
            None => {
                if let Err(err) = self.admit(ctx, prepared.as_ref(), operation_name) {
                    return Response::from_errors(vec![err]);
                }
            }
        }
        // Each poll of the operation starts unpaused (see `resolve`).
        let run = next.run(ctx, operation_name);
        let mut run = std::pin::pin!(run);
        let mut response = std::future::poll_fn(|cx| {
            self.paused.store(false, Ordering::Relaxed);
            run.as_mut().poll(cx)
        })
        .await;
        if self.stopped.load(Ordering::Relaxed) {
            // Whatever was produced before the budget ran out is dropped with its
            // errors: one error says why.
            let values = self.values.load(Ordering::Relaxed);
            let err = if values > self.shape.max_values {
                crate::metrics::refused("result_values");
                over_budget("field values", self.shape.max_values)
            } else {
                crate::metrics::refused("result_bytes");
                over_budget("bytes", self.shape.max_bytes)
            };
            return Response::from_errors(vec![err]);
        }
        if let Some(prepared) = prepared {
            completion::complete(
                &ctx.schema_env.registry,
                &prepared.doc,
                &prepared.variables,
                operation_name,
                &mut response.data,
                &mut response.errors,
            );
        }
        response
    }

    /// Each event of a subscription has the execution budget of one operation, and its
    /// errors are coded. (A subscription is admitted in `validation`: this hook runs
    /// before the document is parsed.)
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let (values, bytes, stopped) = (
            self.values.clone(),
            self.bytes.clone(),
            self.stopped.clone(),
        );
        next.run(ctx, stream)
            .map(move |mut response| {
                values.store(0, Ordering::Relaxed);
                bytes.store(0, Ordering::Relaxed);
                stopped.store(false, Ordering::Relaxed);
                response.errors = coded(response.errors);
                response
            })
            .boxed()
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let key_bytes = info.name.len() as u64 + 3;
        let values = self.values.fetch_add(1, Ordering::Relaxed) + 1;
        if values > self.shape.max_values || self.stopped.load(Ordering::Relaxed) {
            self.stopped.store(true, Ordering::Relaxed);
            return Err(over_budget("field values", self.shape.max_values));
        }
        if self.paused.load(Ordering::Relaxed) {
            // Another field found a yield due in this poll: no work until the runtime
            // had its turn, or the fields still to poll would each work on.
            tokio::task::yield_now().await;
        } else if values.is_multiple_of(CLOCK_EVERY) {
            let now = std::time::Instant::now();
            let due = self
                .last_yield
                .lock()
                .map(|mut last| {
                    let due = now.duration_since(*last) >= YIELD_AFTER;
                    if due {
                        *last = now;
                    }
                    due
                })
                .unwrap_or(false);
            if due {
                self.paused.store(true, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        }
        let value = next.run(ctx, info).await?;
        let bytes = key_bytes + value.as_ref().map(value_bytes).unwrap_or(4);
        if self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes > self.shape.max_bytes {
            self.stopped.store(true, Ordering::Relaxed);
            return Err(over_budget("bytes", self.shape.max_bytes));
        }
        Ok(value)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errs| {
            errs.into_iter()
                .map(|e| with_code(e, VALIDATION_FAILED))
                .collect::<Vec<_>>()
        })?;
        // A subscription never passes `execute`: it is admitted (priced and charged to
        // the caller's budget) here, once, before it starts.
        let prepared = self.prepared.lock().ok().and_then(|p| p.clone());
        let operation_name = ctx
            .data_opt::<RequestData>()
            .and_then(|r| r.operation_name.clone());
        let subscription = prepared
            .as_ref()
            .and_then(|p| plan::select_operation(&p.doc, operation_name.as_deref()))
            .is_some_and(|op| op.ty == OperationType::Subscription);
        if subscription {
            self.admit(ctx, prepared.as_ref(), operation_name.as_deref())
                .map_err(|e| vec![e])?;
        }
        Ok(result)
    }
}
