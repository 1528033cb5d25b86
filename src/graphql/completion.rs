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

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, OperationDefinition, Selection,
    SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, PathSegment, Positioned, ServerError, Value, Variables};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

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

/// The fields of one response key: all fields of the selection that answer to it.
struct Collected<'d> {
    key: &'d str,
    name: &'d str,
    fields: Vec<&'d Positioned<Field>>,
}

type Collection<'d> = Rc<Vec<Collected<'d>>>;

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
    let root_type = match operation.ty {
        async_graphql::parser::types::OperationType::Query => Some(registry.query_type.as_str()),
        async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref(),
        async_graphql::parser::types::OperationType::Subscription => {
            registry.subscription_type.as_deref()
        }
    };
    let Some(root_type) = root_type else {
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
        doc,
        variables,
        operation,
        error_prefixes,
        added: Vec::new(),
        cache: HashMap::new(),
    };
    let root = std::mem::take(data);
    let root = match root {
        Value::Null => Value::Object(Default::default()),
        other => other,
    };
    let sets = [&operation.selection_set.node];
    let collection = pass.collect(root_type, &sets);
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

/// The operation execution ran: the named one, or the only one.
fn select_operation<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

struct Pass<'d, 'e> {
    registry: &'d Registry,
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    operation: &'d OperationDefinition,
    /// Every prefix of every error path: "did anything fail at or below here?"
    error_prefixes: HashSet<Vec<Step<'e>>>,
    added: Vec<ServerError>,
    /// Collected fields per (fields of the parent key, runtime type).
    cache: HashMap<(Vec<usize>, &'d str), Collection<'d>>,
}

impl<'d, 'e> Pass<'d, 'e>
where
    'd: 'e,
{
    /// Whether a directive list lets its selection through (`@skip`, `@include`).
    fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|d| {
            let keep_if = match d.node.name.node.as_str() {
                "skip" => false,
                "include" => true,
                _ => return true,
            };
            // An argument that is not a boolean was refused by validation.
            d.node
                .get_argument("if")
                .and_then(|v| self.truth(&v.node))
                .is_none_or(|b| b == keep_if)
        })
    }

    /// The boolean a directive argument stands for (a literal or a variable, with the
    /// operation's default when the request gives none).
    fn truth(&self, value: &async_graphql_value::Value) -> Option<bool> {
        use async_graphql_value::Value as V;
        match value {
            V::Boolean(b) => Some(*b),
            V::Variable(name) => match self.variables.get(name) {
                Some(Value::Boolean(b)) => Some(*b),
                Some(_) => None,
                None => self
                    .operation
                    .variable_definitions
                    .iter()
                    .find(|d| d.node.name.node == *name)
                    .and_then(|d| d.node.default_value.as_ref())
                    .and_then(|v| match &v.node {
                        Value::Boolean(b) => Some(*b),
                        _ => None,
                    }),
            },
            _ => None,
        }
    }

    /// Whether a fragment with type condition `condition` applies to objects of type
    /// `object`.
    fn applies(&self, object: &str, condition: &str) -> bool {
        if object == condition {
            return true;
        }
        match self.registry.types.get(condition) {
            Some(MetaType::Interface { possible_types, .. })
            | Some(MetaType::Union { possible_types, .. }) => possible_types.contains(object),
            _ => false,
        }
    }

    /// CollectFields of the specification: the response keys of `sets` for an object of
    /// type `object`, in order, with their fields merged.
    fn collect(&mut self, object: &'d str, sets: &[&'d SelectionSet]) -> Collection<'d> {
        let mut out: Vec<Collected<'d>> = Vec::new();
        let mut visited = HashSet::new();
        for set in sets {
            self.collect_into(object, set, &mut out, &mut visited);
        }
        Rc::new(out)
    }

    fn collect_into(
        &self,
        object: &'d str,
        set: &'d SelectionSet,
        out: &mut Vec<Collected<'d>>,
        visited: &mut HashSet<&'d str>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !self.included(&field.node.directives) {
                        continue;
                    }
                    let key = field.node.response_key().node.as_str();
                    match out.iter_mut().find(|c| c.key == key) {
                        Some(c) => c.fields.push(field),
                        None => out.push(Collected {
                            key,
                            name: field.node.name.node.as_str(),
                            fields: vec![field],
                        }),
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !self.included(&spread.node.directives) {
                        continue;
                    }
                    let name = spread.node.fragment_name.node.as_str();
                    if !visited.insert(name) {
                        continue;
                    }
                    let Some(fragment) = self.doc.fragments.get(&Name::new(name)) else {
                        continue;
                    };
                    if !self.applies(object, &fragment.node.type_condition.node.on.node) {
                        continue;
                    }
                    self.collect_into(object, &fragment.node.selection_set.node, out, visited);
                }
                Selection::InlineFragment(inline) => {
                    if !self.included(&inline.node.directives) {
                        continue;
                    }
                    if let Some(condition) = &inline.node.type_condition
                        && !self.applies(object, &condition.node.on.node)
                    {
                        continue;
                    }
                    self.collect_into(object, &inline.node.selection_set.node, out, visited);
                }
            }
        }
    }

    /// The collected sub-fields of a response key for an object of type `object`.
    fn sub_collection(&mut self, parent: &Collected<'d>, object: &'d str) -> Collection<'d> {
        let key = (
            parent
                .fields
                .iter()
                .map(|f| *f as *const _ as usize)
                .collect(),
            object,
        );
        if let Some(found) = self.cache.get(&key) {
            return found.clone();
        }
        let sets: Vec<&'d SelectionSet> = parent
            .fields
            .iter()
            .map(|f| &f.node.selection_set.node)
            .collect();
        let collection = self.collect(object, &sets);
        self.cache.insert(key, collection.clone());
        collection
    }

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
            let ty: &'d str = match self.field_type(object, collected.name) {
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

    /// The declared type of `field` on `object` (`"[Course!]!"`), including the
    /// introspection entry points of the query root.
    fn field_type(&self, object: &str, field: &str) -> Option<&'d str> {
        match field {
            "__schema" if object == self.registry.query_type => Some("__Schema!"),
            "__type" if object == self.registry.query_type => Some("__Type"),
            _ => self
                .registry
                .types
                .get(object)
                .and_then(|t| t.field_by_name(field))
                .map(|f| f.ty.as_str()),
        }
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
            Some(MetaType::Object { .. }) => self.sub_collection(collected, ty).is_empty(),
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
                let collection = self.sub_collection(collected, runtime);
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
            let collection = self.sub_collection(collected, candidate);
            if let Some(c) = collection.iter().find(|c| c.name == "__typename")
                && let Some(Value::String(t)) = map.get(c.key)
            {
                return possible.iter().copied().find(|p| *p == t.as_str());
            }
        }
        let mut fallback = None;
        for candidate in possible {
            let collection = self.sub_collection(collected, candidate);
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
