//! Schema extensions: request-shape limits that async-graphql does not have built in
//! (depth that lets the standard introspection query pass, aliases, root fields), and
//! stable `extensions.code`s on every error, including the ones produced by parsing and
//! validation.

use crate::error::AppError;
use crate::graphql::RequestData;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{Pos, Response, ServerError, ServerResult, ValidationResult, Variables};
use std::collections::HashMap;
use std::sync::Arc;

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

/// Limits on the shape of a document and error codes for every error.
pub struct RequestShape {
    pub max_depth: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
}

impl ExtensionFactory for RequestShape {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestShapeExtension {
            max_depth: self.max_depth,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
        })
    }
}

struct RequestShapeExtension {
    max_depth: usize,
    max_aliases: usize,
    max_root_fields: usize,
}

/// Measures how deeply a document nests fields, looking through fragments.
///
/// Every field is one level, except `ofType` inside introspection (`__schema`,
/// `__type`): it unwraps a list or non-null type to the single type inside, so a chain
/// of them nests without multiplying the response. The standard introspection query
/// (graphql-js `getIntrospectionQuery`, sent by GraphiQL and code generators) follows
/// nine of them and is then only six levels deep; the lists of the type system
/// (`types`, `fields`, `args` …) still count, so introspection cannot nest them to blow
/// up a response.
struct DepthMeter<'a> {
    doc: &'a ExecutableDocument,
    /// Depth of each fragment's selection set, by (name, inside introspection); `None`
    /// while it is being measured, so a fragment cycle (refused later by validation)
    /// ends instead of looping.
    fragments: HashMap<(&'a str, bool), Option<usize>>,
}

impl<'a> DepthMeter<'a> {
    fn new(doc: &'a ExecutableDocument) -> Self {
        DepthMeter {
            doc,
            fragments: HashMap::new(),
        }
    }

    fn depth(&mut self, set: &'a SelectionSet, introspection: bool) -> usize {
        set.items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => {
                    let name = f.node.name.node.as_str();
                    let inside = introspection || name == "__schema" || name == "__type";
                    let own = usize::from(!(introspection && name == "ofType"));
                    own + self.depth(&f.node.selection_set.node, inside)
                }
                Selection::InlineFragment(i) => {
                    self.depth(&i.node.selection_set.node, introspection)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.fragments.get(&(name, introspection)) {
                        Some(Some(depth)) => *depth,
                        Some(None) => 0,
                        None => {
                            let Some(fragment) =
                                self.doc.fragments.get(&spread.node.fragment_name.node)
                            else {
                                return 0; // unknown fragment: validation refuses it
                            };
                            self.fragments.insert((name, introspection), None);
                            let depth =
                                self.depth(&fragment.node.selection_set.node, introspection);
                            self.fragments.insert((name, introspection), Some(depth));
                            depth
                        }
                    }
                }
            })
            .max()
            .unwrap_or(0)
    }
}

/// Counts aliased fields in a selection set, recursively (fragments are counted where
/// they are defined, once).
fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(f) => {
                usize::from(f.node.alias.is_some()) + count_aliases(&f.node.selection_set.node)
            }
            Selection::InlineFragment(i) => count_aliases(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// Counts the fields at the root of an operation, looking through fragments.
fn count_root_fields(doc: &ExecutableDocument, set: &SelectionSet, depth: usize) -> usize {
    if depth > 8 {
        return 0; // fragment cycles are rejected by validation; do not loop here
    }
    set.items
        .iter()
        .map(|s| match &s.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(i) => {
                count_root_fields(doc, &i.node.selection_set.node, depth + 1)
            }
            Selection::FragmentSpread(spread) => doc
                .fragments
                .get(&spread.node.fragment_name.node)
                .map(|f| count_root_fields(doc, &f.node.selection_set.node, depth + 1))
                .unwrap_or(0),
        })
        .sum()
}

impl RequestShapeExtension {
    fn check(&self, doc: &ExecutableDocument) -> ServerResult<()> {
        let operations: Vec<_> = match &doc.operations {
            DocumentOperations::Single(op) => vec![op],
            DocumentOperations::Multiple(ops) => ops.values().collect(),
        };
        for op in &operations {
            let depth = DepthMeter::new(doc).depth(&op.node.selection_set.node, false);
            if depth > self.max_depth {
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "the query is nested {depth} levels deep; at most {} are allowed",
                            self.max_depth
                        ),
                        Some(op.pos),
                    ),
                    VALIDATION_FAILED,
                ));
            }
        }
        let aliases: usize = operations
            .iter()
            .map(|op| count_aliases(&op.node.selection_set.node))
            .chain(
                doc.fragments
                    .values()
                    .map(|f| count_aliases(&f.node.selection_set.node)),
            )
            .sum();
        if aliases > self.max_aliases {
            return Err(with_code(
                ServerError::new(
                    format!(
                        "the document uses {aliases} aliases; at most {} are allowed",
                        self.max_aliases
                    ),
                    Some(Pos::default()),
                ),
                VALIDATION_FAILED,
            ));
        }
        for op in operations {
            let roots = count_root_fields(doc, &op.node.selection_set.node, 0);
            if roots > self.max_root_fields {
                return Err(with_code(
                    ServerError::new(
                        format!(
                            "an operation selects {roots} root fields; at most {} are allowed",
                            self.max_root_fields
                        ),
                        Some(op.pos),
                    ),
                    VALIDATION_FAILED,
                ));
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
                None => with_code(e, "BAD_USER_INPUT"),
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
        next.run(ctx, operation_name).await
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
