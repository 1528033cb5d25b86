//! One check of every argument value, before the field it belongs to resolves: values
//! that SQLite and PostgreSQL would not answer alike are refused here, wherever they
//! arrive (a root field or a nested one, a filter or a mutation input, a literal in the
//! document, a variable or a variable's default), with `BAD_USER_INPUT` and the path of
//! the input in `extensions.field`:
//!
//! - a string holding a NUL character: PostgreSQL refuses it ("invalid byte sequence"),
//!   SQLite stores it or ends a comparison at it;
//! - a `Date` outside 0001-01-01 to 9999-12-31 (`validation::parse_date`): PostgreSQL
//!   has no dates before 4713 BC, SQLite compares dates as text.
//!
//! The `Date` scalar refuses such dates by itself too; checking here as well names the
//! offending input field, which async-graphql's own coercion error does not. Values that
//! reach the hub outside of arguments (cursors, global IDs, the token endpoint) are
//! checked where they are decoded.

use super::plan::{self, Collection, FieldPlan};
use crate::error::AppError;
use crate::service::validation::{self, Problems};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextResolve,
    NextValidation, ResolveInfo,
};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition,
};
use async_graphql::registry::MetaInputValue;
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{
    Name, PathSegment, Pos, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The schema extension (see the module documentation).
pub struct InputGuard;

impl ExtensionFactory for InputGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputGuardExtension::default())
    }
}

#[derive(Default)]
struct InputGuardExtension {
    /// The request's variables and, per operation (by name), the default values of the
    /// variables it declares; known after parsing.
    parsed: Mutex<Option<Parsed>>,
    /// The variables of the operation being executed, defaults filled in.
    variables: OnceLock<Variables>,
}

struct Parsed {
    variables: Variables,
    defaults: HashMap<Option<Name>, Vec<(Name, Value)>>,
}

impl Parsed {
    fn new(doc: &ExecutableDocument, variables: &Variables) -> Parsed {
        let operations: Vec<_> = match &doc.operations {
            DocumentOperations::Single(op) => vec![(None, op)],
            DocumentOperations::Multiple(ops) => ops
                .iter()
                .map(|(name, op)| (Some(name.clone()), op))
                .collect(),
        };
        let defaults = operations
            .into_iter()
            .map(|(name, op)| {
                let values = op
                    .node
                    .variable_definitions
                    .iter()
                    .filter_map(|def| {
                        def.node
                            .default_value
                            .as_ref()
                            .map(|v| (def.node.name.node.clone(), v.node.clone()))
                    })
                    .collect();
                (name, values)
            })
            .collect();
        Parsed {
            variables: variables.clone(),
            defaults,
        }
    }

    /// The variables of the operation `name`, as execution sees them.
    fn for_operation(mut self, name: Option<&str>) -> Variables {
        let defaults = self
            .defaults
            .remove(&name.map(Name::new))
            .unwrap_or_default();
        for (name, value) in defaults {
            self.variables.entry(name).or_insert(value);
        }
        self.variables
    }
}

/// Walks argument values along their schema types and notes every problem.
struct Walk<'a> {
    registry: &'a Registry,
    problems: Problems,
    found: usize,
}

impl Walk<'_> {
    /// Checks every argument of `field` (declared as `args`), with `variables` put in;
    /// returns the position of the first argument with a problem.
    fn arguments(
        &mut self,
        field: &Field,
        args: Option<&IndexMap<String, MetaInputValue>>,
        variables: &Variables,
    ) -> Option<Pos> {
        let mut first = None;
        for (name, value) in &field.arguments {
            let ty = args
                .and_then(|a| a.get(name.node.as_str()))
                .map(|a| a.ty.as_str());
            let value_const = value
                .node
                .clone()
                .into_const_with(|var| {
                    Ok::<_, std::convert::Infallible>(
                        variables.get(&var).cloned().unwrap_or(Value::Null),
                    )
                })
                .unwrap_or(Value::Null);
            let before = self.found;
            self.value(&value_const, ty, name.node.as_str());
            if self.found > before {
                first.get_or_insert(value.pos);
            }
        }
        first
    }

    fn note(&mut self, path: &str, message: String) {
        self.problems.check(false, path, message);
        self.found += 1;
    }

    /// `value` given for an input of type `ty` (`[String!]!`, `CourseRunFilter`…) at
    /// `path` (`input.personal.givenName`; list items share the list's path).
    fn value(&mut self, value: &Value, ty: Option<&str>, path: &str) {
        match value {
            Value::String(text) => {
                if validation::has_nul(text) {
                    self.note(path, validation::nul_message(path));
                } else if ty.map(MetaTypeName::concrete_typename) == Some("Date")
                    && let Err(problem) = validation::parse_date(text)
                {
                    self.note(path, problem);
                }
            }
            Value::List(items) => {
                let item_ty = ty.map(item_type);
                for item in items {
                    self.value(item, item_ty, path);
                }
            }
            Value::Object(fields) => {
                let input_fields = ty
                    .map(MetaTypeName::concrete_typename)
                    .and_then(|name| self.registry.types.get(name))
                    .and_then(|t| match t {
                        MetaType::InputObject { input_fields, .. } => Some(input_fields),
                        _ => None,
                    });
                for (name, field_value) in fields {
                    let field_ty = input_fields
                        .and_then(|f| f.get(name.as_str()))
                        .map(|f| f.ty.as_str());
                    self.value(field_value, field_ty, &format!("{path}.{name}"));
                }
            }
            _ => {}
        }
    }
}

/// The type of the items of a list type (a single value given for a list is coerced to
/// a list of it, so a non-list type is its own item type).
fn item_type(ty: &str) -> &str {
    match MetaTypeName::create(ty) {
        MetaTypeName::NonNull(inner) => item_type(inner),
        MetaTypeName::List(inner) => inner,
        MetaTypeName::Named(_) => ty,
    }
}

/// The path of the field being resolved, as a response path.
fn response_path(info: &ResolveInfo<'_>) -> Vec<PathSegment> {
    info.path_node
        .to_string_vec()
        .into_iter()
        .map(|step| match step.parse::<usize>() {
            Ok(index) => PathSegment::Index(index),
            Err(_) => PathSegment::Field(step),
        })
        .collect()
}

impl InputGuardExtension {
    fn check(&self, ctx: &ExtensionContext<'_>, info: &ResolveInfo<'_>) -> ServerResult<()> {
        let registry = &ctx.schema_env.registry;
        let args = registry
            .types
            .get(info.parent_type)
            .and_then(|t| t.field_by_name(info.name))
            .map(|f| &f.args);
        let empty = Variables::default();
        let variables = self.variables.get().unwrap_or(&empty);
        let mut walk = Walk {
            registry,
            problems: Problems::default(),
            found: 0,
        };
        let first = walk.arguments(info.field, args, variables);
        walk.problems.finish().map_err(|app: AppError| {
            let pos = first.unwrap_or_default();
            let mut err = async_graphql::Error::new_with_source(app).into_server_error(pos);
            err.path = response_path(info);
            err
        })
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for InputGuardExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Ok(mut parsed) = self.parsed.lock() {
            *parsed = Some(Parsed::new(&doc, variables));
        }
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let parsed = self.parsed.lock().ok().and_then(|mut p| p.take());
        if let Some(parsed) = parsed {
            let _ = self.variables.set(parsed.for_operation(operation_name));
        }
        next.run(ctx, operation_name).await
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        // A subscription does not pass `execute`: its variables are taken here, after
        // parsing and before any field resolves (`execute` finds them taken).
        let operation_name = ctx
            .data_opt::<crate::graphql::RequestData>()
            .and_then(|r| r.operation_name.clone());
        let parsed = self.parsed.lock().ok().and_then(|mut p| p.take());
        if let Some(parsed) = parsed {
            let _ = self
                .variables
                .set(parsed.for_operation(operation_name.as_deref()));
        }
        next.run(ctx).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if !info.field.arguments.is_empty() {
            self.check(ctx, &info)?;
        }
        next.run(ctx, info).await
    }
}

/// Whether any field argument of operation `op` holds a value the guard would refuse,
/// walking the operation's fields along their types as execution would (fragments
/// expanded, `@skip`/`@include` applied), with `variables` and the operation's
/// defaults. An operation without such a value can run without the per-field check.
pub(crate) fn refuses_any(
    registry: &Registry,
    doc: &ExecutableDocument,
    op_name: Option<&str>,
    op: &OperationDefinition,
    variables: &Variables,
) -> bool {
    let Some(root) = plan::root_type(registry, op) else {
        return true;
    };
    let variables = Parsed::new(doc, variables).for_operation(op_name);
    let mut field_plan = FieldPlan::new(registry, doc, &variables, op);
    let collection = field_plan.collect(root, &[&op.selection_set.node]);
    let mut walk = Walk {
        registry,
        problems: Problems::default(),
        found: 0,
    };
    visit(&mut field_plan, &mut walk, &variables, root, &collection);
    walk.found > 0
}

fn visit<'d>(
    field_plan: &mut FieldPlan<'d>,
    walk: &mut Walk<'_>,
    variables: &Variables,
    object: &'d str,
    collection: &Collection<'d>,
) {
    for collected in collection.iter() {
        let args = field_plan
            .registry
            .types
            .get(object)
            .and_then(|t| t.field_by_name(collected.name))
            .map(|f| &f.args);
        for field in &collected.fields {
            walk.arguments(&field.node, args, variables);
        }
        let Some(ty) = field_plan.field_type(object, collected.name) else {
            continue;
        };
        let (named, _) = plan::unwrap_type(ty);
        for concrete in plan::object_types(field_plan.registry, named) {
            let sub = field_plan.sub_collection(collected, concrete);
            visit(field_plan, walk, variables, concrete, &sub);
        }
    }
}
