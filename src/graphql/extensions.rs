//! Schema extensions: request-shape limits that async-graphql does not have built in
//! (aliases, root fields, a depth limit that tells data from introspection), stable
//! `extensions.code`s on every error, including the ones produced by parsing and
//! validation, and the spec-exact completion of every response (`completion`).

use crate::error::AppError;
use crate::graphql::RequestData;
use crate::graphql::completion;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, Selection, SelectionSet,
};
use async_graphql::{
    Pos, Positioned, Response, ServerError, ServerResult, ValidationResult, Variables,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The query could not be parsed.
pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
/// The query does not fit the schema or exceeds a limit (depth, complexity, aliases…).
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// Sets `extensions.code` on `err` unless it has one.
pub fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let mut ext = err.extensions.take().unwrap_or_default();
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err.extensions = Some(ext);
    err
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

/// Limits on the shape of a document and error codes for every error.
pub struct RequestShape {
    pub max_aliases: usize,
    pub max_root_fields: usize,
    /// Depth of the data part of an operation (introspection has its own bound).
    pub max_depth: usize,
}

impl ExtensionFactory for RequestShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestShapeExtension {
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            max_depth: self.max_depth,
            prepared: Mutex::new(None),
        })
    }
}

struct RequestShapeExtension {
    max_aliases: usize,
    max_root_fields: usize,
    max_depth: usize,
    /// The parsed document and variables of this request, for the completion pass
    /// after execution (the execution hook does not see them).
    prepared: Mutex<Option<(Arc<ExecutableDocument>, Variables)>>,
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

/// The fields at the root of an operation, looking through fragments.
fn root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    visited: &mut HashSet<&'a str>,
    out: &mut Vec<&'a Positioned<Field>>,
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

impl RequestShapeExtension {
    /// Prices the operation about to run and charges the caller's budget with it;
    /// refuses before any resolver runs.
    fn admit(
        &self,
        ctx: &ExtensionContext<'_>,
        _prepared: Option<&(Arc<ExecutableDocument>, Variables)>,
        _operation_name: Option<&str>,
    ) -> ServerResult<()> {
        let cost: u64 = 1;
        if let Some(req) = ctx.data_opt::<RequestData>() {
            if let Some(budget) = &req.budget {
                budget.charge(cost).map_err(|app| {
                    let mut err = ServerError::new(app.to_string(), None);
                    app.decorate(&mut err);
                    err
                })?;
            }
            req.usage
                .cost
                .fetch_add(cost, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    fn check(&self, doc: &ExecutableDocument) -> ServerResult<()> {
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
            if roots.len() > self.max_root_fields {
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "an operation selects {} root fields; at most {} are allowed",
                            roots.len(),
                            self.max_root_fields
                        ),
                        Some(op.pos),
                    ),
                    VALIDATION_FAILED,
                ));
            }
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
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestShapeExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        // Errors of the hub carry an `AppError` as source; the others that reach here
        // without a code come from argument coercion (a value of the wrong type or
        // format), which is the client's input.
        response.errors = response
            .errors
            .into_iter()
            .map(|mut e| match e.source::<AppError>().cloned() {
                Some(app) => {
                    app.decorate(&mut e);
                    e
                }
                None => {
                    let e = with_code(e, "BAD_USER_INPUT");
                    with_coerced_field(e)
                }
            })
            .collect();
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(|e| with_code(e, PARSE_FAILED))?;
        self.check(&doc)?;
        if let Ok(mut prepared) = self.prepared.lock() {
            *prepared = Some((Arc::new(doc.clone()), variables.clone()));
        }
        // The audit log names the operation; a document with one named operation needs
        // no `operationName` to say which.
        if let (Some(req), DocumentOperations::Multiple(ops)) =
            (ctx.data_opt::<RequestData>(), &doc.operations)
            && ops.len() == 1
        {
            req.audit
                .set_operation(ops.keys().next().map(|n| n.as_str()));
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
        if let Err(err) = self.admit(ctx, prepared.as_ref(), operation_name) {
            return Response::from_errors(vec![err]);
        }
        let mut response = next.run(ctx, operation_name).await;
        if let Some((doc, variables)) = prepared {
            completion::complete(
                &ctx.schema_env.registry,
                &doc,
                &variables,
                operation_name,
                &mut response.data,
                &mut response.errors,
            );
        }
        response
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errs| {
            errs.into_iter()
                .map(|e| with_code(e, VALIDATION_FAILED))
                .collect()
        })
    }
}
