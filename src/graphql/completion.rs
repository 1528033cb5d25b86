//! Response completion: the last step of every execution, driven by the schema's types.
//!
//! async-graphql 7.2 assembles an object from its fields in the order they finish and,
//! when a field fails, records the error and leaves the field out. The GraphQL
//! specification ("Handling Field Errors", "CollectFields") asks for more: every selected
//! field is present, in the order of the selection set; a field that failed is `null`
//! where its type allows it, and otherwise its parent is, up to the nearest nullable
//! field (or `data` itself). This pass rebuilds the response from the executed document
//! and the schema's types, so every client gets a response whose shape the schema
//! promises, whatever order the resolvers finished in.
//!
//! It runs once per operation over the values already produced (no resolver runs again),
//! and costs one walk over the response.

use crate::graphql::plan::{self, Collected, Collection, FieldPlan, select_operation};
use async_graphql::parser::types::{ExecutableDocument, Field};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, PathSegment, Positioned, ServerError, Value, Variables};
use std::collections::HashSet;

/// What `__schema { description }` answers: the hub's own description (async-graphql
/// answers with the documentation of the `__Schema` type instead).
pub const SCHEMA_DESCRIPTION: &str = "Knotenpunkt: one shared graph for the regional networks that bring health professionals trained abroad into work: the public catalogue of courses and their runs, and the shared case file of recognition procedures, under OAuth2-scoped permissions.";

/// `extensions.code` of an error the completion itself adds (a resolver produced `null`
/// for a non-null field without saying why).
const INTERNAL: &str = "INTERNAL_SERVER_ERROR";

/// One step of a response path, borrowed from the document or the response.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Rewrites `data` of an executed operation in place and appends any error it had to
/// add. `operation_name` selects the operation as execution did.
pub fn complete(
    registry: &Registry,
    doc: &ExecutableDocument,
    variables: &Variables,
    operation_name: Option<&str>,
    data: &mut Value,
    errors: &mut Vec<ServerError>,
) {
    let Some(operation) = select_operation(doc, operation_name) else {
        return;
    };
    let Some(root_type) = plan::root_type(registry, operation) else {
        return;
    };
    let owned_errors: Vec<Vec<OwnedStep>> = errors
        .iter()
        .map(|e| e.path.iter().map(OwnedStep::from).collect())
        .collect();
    let mut error_prefixes = HashSet::new();
    for path in &owned_errors {
        for len in 0..=path.len() {
            error_prefixes.insert(path[..len].iter().map(OwnedStep::borrow).collect());
        }
    }
    let mut pass = Pass {
        registry,
        plan: FieldPlan::new(registry, doc, variables, operation),
        error_prefixes,
        added: Vec::new(),
    };
    let root = std::mem::take(data);
    let root = match root {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    let sets = [&operation.selection_set.node];
    let collection = pass.plan.collect(root_type, &sets);
    let mut path = Vec::new();
    *data = pass
        .complete_object(root, root_type, &collection, &mut path)
        .unwrap_or(Value::Null);
    errors.extend(pass.added);
}

/// An owned copy of a path step, so borrowed steps can point into it.
enum OwnedStep {
    Key(String),
    Index(usize),
}

impl OwnedStep {
    fn from(segment: &PathSegment) -> OwnedStep {
        match segment {
            PathSegment::Field(name) => OwnedStep::Key(name.clone()),
            PathSegment::Index(i) => OwnedStep::Index(*i),
        }
    }

    fn borrow(&self) -> Step<'_> {
        match self {
            OwnedStep::Key(k) => Step::Key(k),
            OwnedStep::Index(i) => Step::Index(*i),
        }
    }
}

struct Pass<'d, 'e> {
    registry: &'d Registry,
    plan: FieldPlan<'d>,
    /// Every prefix of every error path: "did anything fail at or below here?"
    error_prefixes: HashSet<Vec<Step<'e>>>,
    added: Vec<ServerError>,
}

impl<'d, 'e> Pass<'d, 'e>
where
    'd: 'e,
{
    /// Whether an error was reported at `path` or below it.
    fn failed_at(&self, path: &[Step<'e>]) -> bool {
        self.error_prefixes.contains(path)
    }

    /// A non-null position holds `null`: unless an error below explains it, record one,
    /// so a `null` in the response always comes with the error that caused it.
    fn explain_null(&mut self, path: &[Step<'e>], field: &Positioned<Field>) {
        if self.failed_at(path) {
            return;
        }
        let mut err = ServerError::new(
            "internal error: a non-null field resolved to null",
            Some(field.pos),
        );
        err.path = path
            .iter()
            .map(|s| match s {
                Step::Key(k) => PathSegment::Field((*k).to_owned()),
                Step::Index(i) => PathSegment::Index(*i),
            })
            .collect();
        err.extensions = Some({
            let mut ext = async_graphql::ErrorExtensionValues::default();
            ext.set("code", INTERNAL);
            ext
        });
        tracing::error!(path = ?err.path, "a non-null field resolved to null without an error");
        // Mark it, so the ancestors that become null do not report it again.
        for len in 0..=path.len() {
            self.error_prefixes.insert(path[..len].to_vec());
        }
        self.added.push(err);
    }

    /// Completes an object of (runtime) type `object`: its keys in selection order,
    /// each completed against its field type. `None` means the object must become null.
    fn complete_object(
        &mut self,
        value: Value,
        object: &'d str,
        collection: &Collection<'d>,
        path: &mut Vec<Step<'e>>,
    ) -> Option<Value> {
        let mut old = match value {
            Value::Object(map) => map,
            // async-graphql answers an object whose every field failed with `null`.
            _ => Default::default(),
        };
        let mut new = async_graphql::indexmap::IndexMap::with_capacity(collection.len());
        for collected in collection.iter() {
            let value = old.swap_remove(collected.key).unwrap_or(Value::Null);
            let name = Name::new(collected.key);
            if collected.name == "__typename" {
                new.insert(name, value);
                continue;
            }
            if object == "__Schema" && collected.name == "description" {
                new.insert(name, Value::from(SCHEMA_DESCRIPTION));
                continue;
            }
            let ty: &'d str = match self.plan.field_type(object, collected.name) {
                Some(ty) => ty,
                // Not a field of this type (introspection entry points, federation):
                // kept as execution produced it.
                None => {
                    new.insert(name, value);
                    continue;
                }
            };
            path.push(Step::Key(collected.key));
            let completed = self.complete_value(value, ty, collected, path);
            path.pop();
            new.insert(name, completed?);
        }
        Some(Value::Object(new))
    }

    /// Completes `value` against type `ty`; `None` means "null, and the parent must
    /// become null too" (a non-null position could not be filled).
    fn complete_value(
        &mut self,
        value: Value,
        ty: &'d str,
        collected: &Collected<'d>,
        path: &mut Vec<Step<'e>>,
    ) -> Option<Value> {
        match MetaTypeName::create(ty) {
            MetaTypeName::NonNull(inner) => {
                match self.complete_nullable(value, inner, collected, path) {
                    // async-graphql answers an object none of whose fields were
                    // selected (all skipped) with `null`; where null cannot be meant,
                    // it is the empty object. (At a nullable position the two cannot
                    // be told apart, and the resolver's `null` is kept.)
                    Some(Value::Null) if self.selects_nothing(inner, collected) => {
                        Some(Value::Object(Default::default()))
                    }
                    Some(Value::Null) => {
                        self.explain_null(path, collected.fields[0]);
                        None
                    }
                    other => other,
                }
            }
            _ => Some(
                self.complete_nullable(value, ty, collected, path)
                    .unwrap_or(Value::Null),
            ),
        }
    }

    /// Whether `ty` is an object type of which `collected` selects no field at all.
    fn selects_nothing(&mut self, ty: &'d str, collected: &Collected<'d>) -> bool {
        match self.registry.types.get(ty) {
            Some(MetaType::Object { .. }) => self.plan.sub_collection(collected, ty).is_empty(),
            _ => false,
        }
    }

    /// Completes a value whose own position is nullable (lists and named types).
    fn complete_nullable(
        &mut self,
        value: Value,
        ty: &'d str,
        collected: &Collected<'d>,
        path: &mut Vec<Step<'e>>,
    ) -> Option<Value> {
        if matches!(value, Value::Null) {
            return Some(Value::Null);
        }
        match MetaTypeName::create(ty) {
            MetaTypeName::List(item) => {
                let Value::List(items) = value else {
                    return Some(value);
                };
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.into_iter().enumerate() {
                    path.push(Step::Index(i));
                    let completed = self.complete_value(v, item, collected, path);
                    path.pop();
                    out.push(completed?);
                }
                Some(Value::List(out))
            }
            MetaTypeName::NonNull(inner) => self.complete_value(value, inner, collected, path),
            MetaTypeName::Named(name) => {
                let runtime = match self.registry.types.get(name) {
                    Some(MetaType::Object { .. }) => name,
                    Some(MetaType::Interface { .. }) | Some(MetaType::Union { .. }) => {
                        match self.runtime_type(&value, name, collected, path) {
                            Some(t) => t,
                            None => return Some(value),
                        }
                    }
                    // Scalars and enums are complete as they are.
                    _ => return Some(value),
                };
                let collection = self.plan.sub_collection(collected, runtime);
                self.complete_object(value, runtime, &collection, path)
            }
        }
    }

    /// The concrete type of an object at an abstract position. The response does not
    /// say it unless `__typename` was selected, so it is inferred: the possible type
    /// whose collected fields explain the keys present (and the missing ones by their
    /// errors). Types that select the same keys complete the same way, so the first
    /// such type is as good as any.
    fn runtime_type(
        &mut self,
        value: &Value,
        abstract_type: &'d str,
        collected: &Collected<'d>,
        path: &[Step<'e>],
    ) -> Option<&'d str> {
        let Value::Object(map) = value else {
            return None;
        };
        let possible: Vec<&'d str> = match self.registry.types.get(abstract_type) {
            Some(MetaType::Interface { possible_types, .. })
            | Some(MetaType::Union { possible_types, .. }) => {
                possible_types.iter().map(String::as_str).collect()
            }
            _ => return None,
        };
        // A selected `__typename` says it outright.
        for candidate in &possible {
            let collection = self.plan.sub_collection(collected, candidate);
            if let Some(c) = collection.iter().find(|c| c.name == "__typename")
                && let Some(Value::String(t)) = map.get(c.key)
            {
                return possible.iter().copied().find(|p| *p == t.as_str());
            }
        }
        let mut fallback = None;
        for candidate in possible {
            let collection = self.plan.sub_collection(collected, candidate);
            let explains_present = map
                .keys()
                .all(|k| collection.iter().any(|c| c.key == k.as_str()));
            if !explains_present {
                continue;
            }
            let explains_missing = collection.iter().all(|c| {
                map.contains_key(c.key) || {
                    let mut p = path.to_vec();
                    p.push(Step::Key(c.key));
                    self.failed_at(&p)
                }
            });
            if explains_missing {
                return Some(candidate);
            }
            fallback.get_or_insert(candidate);
        }
        fallback
    }
}
