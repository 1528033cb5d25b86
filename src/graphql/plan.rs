//! The field plan of an operation: CollectFields of the specification, per concrete
//! object type, with fragments merged (each fragment at most once per selection),
//! `@skip`/`@include` applied and the fields of one response key merged.
//!
//! Three passes share it: the cost model prices the plan before anything runs
//! (`cost`), a document that repeats itself through fragments is rewritten to its plan
//! before async-graphql validates and executes it (`normalise`, since async-graphql
//! expands every fragment spread where it stands), and every response is completed
//! against it (`completion`).

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, Field, InlineFragment, OperationDefinition,
    OperationType, Selection, SelectionSet, TypeCondition,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Positioned, Value, Variables};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// The fields of one response key: all fields of the selection that answer to it.
pub(crate) struct Collected<'d> {
    pub key: &'d str,
    pub name: &'d str,
    pub fields: Vec<&'d Positioned<Field>>,
}

pub(crate) type Collection<'d> = Rc<Vec<Collected<'d>>>;

/// The operation a request runs: the named one, or the only one.
pub(crate) fn select_operation<'d>(
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

/// The root type of an operation.
pub(crate) fn root_type<'r>(
    registry: &'r Registry,
    operation: &OperationDefinition,
) -> Option<&'r str> {
    match operation.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    }
}

/// The concrete object types a value of type `name` can have.
pub(crate) fn object_types<'r>(registry: &'r Registry, name: &str) -> Vec<&'r str> {
    match registry.types.get(name) {
        Some(MetaType::Object { name, .. }) => vec![name.as_str()],
        Some(MetaType::Interface { possible_types, .. })
        | Some(MetaType::Union { possible_types, .. }) => {
            possible_types.iter().map(String::as_str).collect()
        }
        _ => Vec::new(),
    }
}

/// The named type at the bottom of a type reference (`[Course!]!` → `Course`), and
/// whether a list wraps it.
pub(crate) fn unwrap_type(ty: &str) -> (&str, bool) {
    let mut list = false;
    let mut ty = ty;
    loop {
        match MetaTypeName::create(ty) {
            MetaTypeName::NonNull(inner) => ty = inner,
            MetaTypeName::List(inner) => {
                list = true;
                ty = inner;
            }
            MetaTypeName::Named(name) => return (name, list),
        }
    }
}

/// CollectFields over one operation of one document.
pub(crate) struct FieldPlan<'d> {
    pub registry: &'d Registry,
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    operation: &'d OperationDefinition,
    /// Collected fields per (fields of the parent key, runtime type).
    cache: HashMap<(Vec<usize>, &'d str), Collection<'d>>,
}

impl<'d> FieldPlan<'d> {
    pub fn new(
        registry: &'d Registry,
        doc: &'d ExecutableDocument,
        variables: &'d Variables,
        operation: &'d OperationDefinition,
    ) -> Self {
        FieldPlan {
            registry,
            doc,
            variables,
            operation,
            cache: HashMap::new(),
        }
    }

    /// Whether a directive list lets its selection through (`@skip`, `@include`).
    pub fn included(&self, directives: &[Positioned<Directive>]) -> bool {
        directives.iter().all(|d| {
            let keep_if = match d.node.name.node.as_str() {
                "skip" => false,
                "include" => true,
                _ => return true,
            };
            // An argument that is not a boolean is refused by validation.
            match d.node.get_argument("if").and_then(|v| self.value(&v.node)) {
                Some(Value::Boolean(b)) => b == keep_if,
                _ => true,
            }
        })
    }

    /// The value an argument stands for: a literal, or a variable with the operation's
    /// default when the request gives none.
    pub fn value(&self, value: &async_graphql_value::Value) -> Option<Value> {
        let variable = |name: &Name| {
            self.variables.get(name).cloned().or_else(|| {
                self.operation
                    .variable_definitions
                    .iter()
                    .find(|d| d.node.name.node == *name)
                    .and_then(|d| d.node.default_value.as_ref())
                    .map(|v| v.node.clone())
            })
        };
        value
            .clone()
            .into_const_with(|name| variable(&name).ok_or(()))
            .ok()
    }

    /// An argument of `field`, resolved as `value` does.
    pub fn argument(&self, field: &Field, name: &str) -> Option<Value> {
        field.get_argument(name).and_then(|v| self.value(&v.node))
    }

    /// Whether a fragment with type condition `condition` applies to objects of type
    /// `object`.
    pub fn applies(&self, object: &str, condition: &str) -> bool {
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
    pub fn collect(&mut self, object: &'d str, sets: &[&'d SelectionSet]) -> Collection<'d> {
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
    pub fn sub_collection(&mut self, parent: &Collected<'d>, object: &'d str) -> Collection<'d> {
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

    /// The declared type of `field` on `object` (`"[Course!]!"`), including the
    /// introspection entry points of the query root.
    pub fn field_type(&self, object: &str, field: &str) -> Option<&'d str> {
        match field {
            "__schema" if object == self.registry.query_type => Some("__Schema!"),
            "__type" if object == self.registry.query_type => Some("__Type"),
            "__typename" => Some("String!"),
            _ => self
                .registry
                .types
                .get(object)
                .and_then(|t| t.field_by_name(field))
                .map(|f| f.ty.as_str()),
        }
    }

    /// The operation's selection rewritten to its plan: one field per response key,
    /// no fragment spreads, an inline fragment per concrete type below an abstract one.
    /// Refuses (with the message validation would give) a field the schema does not
    /// have, and stops once it has written more than `max_fields` fields.
    pub fn normalise(&mut self, max_fields: usize) -> Result<SelectionSet, NormaliseError> {
        let root = root_type(self.registry, self.operation)
            .ok_or_else(|| NormaliseError::Invalid("the schema has no such root".into()))?;
        let collection = self.collect(root, &[&self.operation.selection_set.node]);
        let mut written = 0;
        self.write_set(root, &collection, max_fields, &mut written)
    }

    fn write_set(
        &mut self,
        object: &'d str,
        collection: &Collection<'d>,
        max_fields: usize,
        written: &mut usize,
    ) -> Result<SelectionSet, NormaliseError> {
        let mut items = Vec::with_capacity(collection.len());
        for collected in collection.iter() {
            let Some(ty) = self.field_type(object, collected.name) else {
                return Err(NormaliseError::Invalid(format!(
                    r#"Unknown field "{}" on type "{object}"."#,
                    collected.name
                )));
            };
            // Fields of one key with different arguments cannot be merged: each is
            // written on its own, and validation refuses the document.
            let first = collected.fields[0];
            let groups: Vec<Vec<&'d Positioned<Field>>> = if collected
                .fields
                .iter()
                .all(|f| same_call(&f.node, &first.node))
            {
                vec![collected.fields.clone()]
            } else {
                collected.fields.iter().map(|f| vec![*f]).collect()
            };
            for fields in groups {
                *written += 1;
                if *written > max_fields {
                    return Err(NormaliseError::TooLarge);
                }
                let head = fields[0];
                let part = Collected {
                    key: collected.key,
                    name: collected.name,
                    fields,
                };
                let (named, _) = unwrap_type(ty);
                let types = object_types(self.registry, named);
                let selection_set = if types.is_empty() {
                    SelectionSet::default()
                } else if types == [named] {
                    let sub = self.sub_collection(&part, named);
                    self.write_set(named, &sub, max_fields, written)?
                } else {
                    let mut set = SelectionSet::default();
                    for &t in &types {
                        let sub = self.sub_collection(&part, t);
                        if sub.is_empty() {
                            continue;
                        }
                        let inner = self.write_set(t, &sub, max_fields, written)?;
                        set.items.push(Positioned::new(
                            Selection::InlineFragment(Positioned::new(
                                InlineFragment {
                                    type_condition: Some(Positioned::new(
                                        TypeCondition {
                                            on: Positioned::new(Name::new(t), head.pos),
                                        },
                                        head.pos,
                                    )),
                                    directives: Vec::new(),
                                    selection_set: Positioned::new(inner, head.pos),
                                },
                                head.pos,
                            )),
                            head.pos,
                        ));
                    }
                    set
                };
                let selection_set = if selection_set.items.is_empty() && !types.is_empty() {
                    // Everything below was skipped: a selection that answers `{}`.
                    let mut set = SelectionSet::default();
                    set.items.push(skipped_typename(head));
                    set
                } else {
                    selection_set
                };
                items.push(Positioned::new(
                    Selection::Field(Positioned::new(
                        Field {
                            alias: head.node.alias.clone(),
                            name: head.node.name.clone(),
                            arguments: head.node.arguments.clone(),
                            directives: Vec::new(),
                            selection_set: Positioned::new(
                                selection_set,
                                head.node.selection_set.pos,
                            ),
                        },
                        head.pos,
                    )),
                    head.pos,
                ));
            }
        }
        Ok(SelectionSet { items })
    }
}

/// Why a document could not be rewritten to its plan.
#[derive(Debug)]
pub(crate) enum NormaliseError {
    /// The document does not fit the schema; the message says how.
    Invalid(String),
    /// The plan has more fields than allowed.
    TooLarge,
}

/// Whether two fields call the same thing with the same arguments.
fn same_call(a: &Field, b: &Field) -> bool {
    a.name.node == b.name.node
        && a.arguments.len() == b.arguments.len()
        && a.arguments
            .iter()
            .zip(&b.arguments)
            .all(|((an, av), (bn, bv))| an.node == bn.node && av.node == bv.node)
}

/// `__typename @skip(if: true)`: a selection of nothing that is still a selection.
fn skipped_typename(at: &Positioned<Field>) -> Positioned<Selection> {
    let skip = Directive {
        name: Positioned::new(Name::new("skip"), at.pos),
        arguments: vec![(
            Positioned::new(Name::new("if"), at.pos),
            Positioned::new(async_graphql_value::Value::Boolean(true), at.pos),
        )],
    };
    Positioned::new(
        Selection::Field(Positioned::new(
            Field {
                alias: None,
                name: Positioned::new(Name::new("__typename"), at.pos),
                arguments: Vec::new(),
                directives: vec![Positioned::new(skip, at.pos)],
                selection_set: Positioned::new(SelectionSet::default(), at.pos),
            },
            at.pos,
        )),
        at.pos,
    )
}
