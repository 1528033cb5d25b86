//! What an operation costs, calculated before anything runs.
//!
//! The cost is an upper bound of the field values the operation can produce: every
//! field of the plan (`plan`, fragments merged) costs one value per object it is
//! selected on, and every list multiplies what is below it by its size:
//!
//! - a connection (`first`/`last`) by the page size asked for (default 20, at most
//!   100), applied to its `edges` and `nodes`;
//! - `nodes(ids:)` by the number of ids, `_entities(representations:)` by the number of
//!   representations;
//! - the report of `importCourses` (`rows`) by the number of rows of its input;
//! - any other list by its real bound (`Region.children`: the most children any
//!   region has; `professions`: the number of professions; `labels`: the number of
//!   labelled enum values; introspection: the most fields, arguments, interfaces… any
//!   type has), or by the declared estimate of lists that grow with use (a candidate's
//!   cases, a case's timeline), which the execution budget backs;
//! - a list whose items belong to exactly one parent (a region's children, a type's
//!   fields) never by more than all such items together, when its parents are
//!   themselves distinct: `regions { children }` costs the regions, not regions ×
//!   the most children; the standard introspection query costs what it returns.
//!
//! An abstract field (`node`, `nodes`) costs its most expensive concrete type.

use crate::graphql::plan::{
    Collected, Collection, FieldPlan, object_types, select_operation, unwrap_type,
};
use crate::service::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::service::statistics as stats;
use crate::service::{Reference, labels};
use async_graphql::registry::{MetaType, Registry};
use async_graphql::{Value, Variables};
use std::collections::HashMap;
use std::rc::Rc;

/// Estimated size of lists that grow with use and have no page arguments; the
/// execution budget stops an operation that meets a longer one.
const GROWING_LISTS: &[(&str, &str, u64)] = &[
    // Four changes at most: submitted, in progress, answered or referred, closed.
    ("AdvisoryRequest", "timeline", 4),
    ("Candidate", "cases", 10),
    // A thread of a consultation: a few answers of a few members, as a rule.
    ("Consultation", "answers", 20),
    // At most `consultations::MAX_MEMBERS`.
    (
        "ConsultationGroup",
        "members",
        crate::service::consultations::MAX_MEMBERS as u64,
    ),
    ("Candidate", "consents", 20),
    ("Candidate", "enrolments", 20),
    ("Candidate", "timeline", 100),
    // At most 20 are accepted at registration.
    ("Candidate", "acceptedRegions", 20),
    ("FundingApplication", "timeline", 20),
    ("Enrolment", "history", 20),
    ("RecognitionCase", "timeline", 50),
    ("NetworkEvent", "registrations", 50),
    // A series has at most 12 modules; a participant attends each at most once.
    ("NetworkEvent", "modules", 12),
    ("EventRegistration", "attendance", 12),
    // Most failed rows have a problem or two; the execution budget stops a report of
    // many rows with many.
    ("CourseImportRow", "fieldErrors", 4),
];

/// `importCourses`, whose report (`rows`) has as many rows as its input.
const IMPORT: (&str, &str) = ("Mutation", "importCourses");
const IMPORT_ROWS: (&str, &str) = ("CourseImportReport", "rows");

/// Lists of the statistics, bounded by the service (`statistics::MAX_CELLS` …).
const STATISTICS_LISTS: &[(&str, &str, u64)] = &[
    ("Statistics", "groupBy", stats::MAX_DIMENSIONS as u64),
    ("Statistics", "cells", stats::MAX_CELLS as u64),
    ("Statistics", "margins", stats::MAX_DIMENSIONS as u64),
    ("StatisticsMargin", "cells", stats::MAX_CELLS as u64),
    ("StatisticsCell", "key", stats::MAX_DIMENSIONS as u64),
    // Disclosure control sets one flag at most.
    ("StatisticsCell", "flags", 1),
    ("DisclosedCount", "flags", 1),
    ("Query", "caseFunnel", 4),
    ("Query", "demandGaps", stats::demand::MAX_ROWS as u64),
    (
        "Query",
        "poolingSuggestions",
        stats::pooling::MAX_SUGGESTIONS as u64,
    ),
    (
        "PoolingSuggestion",
        "regions",
        *stats::pooling::GROUP_SIZES.end() as u64,
    ),
    (
        "PoolingSuggestion",
        "providers",
        stats::pooling::MAX_LISTED as u64,
    ),
    (
        "PoolingSuggestion",
        "fundingProgrammes",
        stats::pooling::MAX_LISTED as u64,
    ),
];

/// The size of one list field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListBound {
    /// The most items one parent has.
    pub per_parent: u64,
    /// All items of all parents together, where each item has exactly one parent.
    pub total: Option<u64>,
}

/// The complete standard introspection query (as graphql-js `getIntrospectionQuery`
/// writes it with every option): what introspection is priced against.
const STANDARD_INTROSPECTION: &str = "query IntrospectionQuery { __schema { description queryType { name kind } mutationType { name kind } subscriptionType { name kind } types { ...FullType } directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } } } } \
fragment FullType on __Type { kind name description specifiedByURL isOneOf fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason } inputFields(includeDeprecated: true) { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } } \
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason } \
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } } }";

/// How many times the standard introspection query's cost an introspection query may
/// cost: room for tools that ask a little more, none for chains that multiply.
const INTROSPECTION_ALLOWANCE: u64 = 2;

/// The sizes of the schema's lists: from the reference data and the schema itself.
#[derive(Debug, Clone, Default)]
pub struct ListBounds {
    lists: HashMap<(String, String), ListBound>,
    /// The most an operation's introspection may cost.
    pub introspection_allowed: u64,
}

impl ListBounds {
    /// The bounds of `registry`'s lists, with the reference data's regions and
    /// professions.
    pub fn new(registry: &Registry, reference: &Reference) -> ListBounds {
        let mut lists = HashMap::new();
        let mut set = |ty: &str, field: &str, per_parent: u64, total: Option<u64>| {
            lists.insert(
                (ty.to_owned(), field.to_owned()),
                ListBound { per_parent, total },
            );
        };
        let regions = reference.regions.len() as u64;
        set(
            "Region",
            "children",
            reference.regions.max_children() as u64,
            Some(regions),
        );
        set("Query", "regions", regions, Some(regions));
        let professions = reference.professions.len() as u64;
        set("Query", "professions", professions, Some(professions));
        set("Course", "professions", professions, None);
        set("ExamSession", "professions", professions, None);
        set("PlacementOffer", "professions", professions, None);
        set("FundingProgramme", "professions", professions, None);
        set(
            "ProgrammeStatistics",
            "grantedByProfession",
            professions,
            None,
        );
        // Every label the tables hold, whatever `enums` asks for.
        let labels = labels::len() as u64;
        set("Query", "labels", labels, Some(labels));
        for (ty, field, size) in GROWING_LISTS.iter().chain(STATISTICS_LISTS) {
            set(ty, field, *size, None);
        }

        // Introspection: the largest and the total of each kind of list.
        let (mut fields, mut args, mut input_fields, mut values, mut possible) = (
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
            Tally::default(),
        );
        for ty in registry.types.values() {
            match ty {
                MetaType::Object { fields: f, .. } | MetaType::Interface { fields: f, .. } => {
                    fields.add(f.len());
                    for field in f.values() {
                        args.add(field.args.len());
                    }
                }
                MetaType::InputObject {
                    input_fields: f, ..
                } => input_fields.add(f.len()),
                MetaType::Enum { enum_values, .. } => values.add(enum_values.len()),
                _ => {}
            }
            if let MetaType::Interface { possible_types, .. }
            | MetaType::Union { possible_types, .. } = ty
            {
                possible.add(possible_types.len());
            }
        }
        let interfaces = registry
            .implements
            .values()
            .map(|i| i.len())
            .max()
            .unwrap_or(0) as u64;
        // The built-in directives (`skip`, `include`, `deprecated`, `specifiedBy`,
        // `oneOf`) and the schema's own.
        let directives = registry.directives.len() as u64 + 5;
        let directive_args = registry
            .directives
            .values()
            .map(|d| d.args.len() as u64)
            .max()
            .unwrap_or(0)
            .max(1);
        let types = registry.types.len() as u64;
        set("__Schema", "types", types, Some(types));
        set("__Schema", "directives", directives, Some(directives));
        set("__Type", "fields", fields.max, Some(fields.total));
        set(
            "__Type",
            "inputFields",
            input_fields.max,
            Some(input_fields.total),
        );
        set("__Type", "enumValues", values.max, Some(values.total));
        set("__Type", "interfaces", interfaces, None);
        set("__Type", "possibleTypes", possible.max, None);
        set("__Field", "args", args.max, Some(args.total));
        set(
            "__Directive",
            "args",
            directive_args,
            Some(directives * directive_args),
        );
        let mut bounds = ListBounds {
            lists,
            introspection_allowed: 0,
        };
        bounds.introspection_allowed = bounds
            .standard_introspection(registry)
            .saturating_mul(INTROSPECTION_ALLOWANCE);
        bounds
    }

    /// The cost of the complete standard introspection query on `registry`.
    fn standard_introspection(&self, registry: &Registry) -> u64 {
        let Ok(doc) = async_graphql::parser::parse_query(STANDARD_INTROSPECTION) else {
            return 0;
        };
        let variables = Variables::default();
        let Some(op) = select_operation(&doc, None) else {
            return 0;
        };
        let mut plan = FieldPlan::new(registry, &doc, &variables, op);
        let root = registry.query_type.as_str();
        let collection = plan.collect(root, &[&op.selection_set.node]);
        price(&mut plan, self, root, &collection).introspection
    }

    /// The bound of `ty.field`, if it is a bounded list.
    pub fn get(&self, ty: &str, field: &str) -> Option<ListBound> {
        self.lists.get(&(ty.to_owned(), field.to_owned())).copied()
    }
}

#[derive(Default)]
struct Tally {
    max: u64,
    total: u64,
}

impl Tally {
    fn add(&mut self, n: usize) {
        self.max = self.max.max(n as u64);
        self.total += n as u64;
    }
}

/// The price of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    /// The calculated cost of the data (saturating).
    pub cost: u64,
    /// The calculated cost of the introspection (`__schema`, `__type`), which has its
    /// own limit.
    pub introspection: u64,
    /// Fields of the plan (per concrete type): the work of pricing it.
    pub fields: u64,
    /// Whether the whole plan was priced; otherwise `cost` is what was reached when
    /// pricing stopped at `MAX_PLAN_FIELDS`, and the operation costs more.
    pub complete: bool,
}

/// The most fields of a plan that are priced: beyond, the operation is refused as
/// too costly whatever its lists (every field costs at least one value).
pub const MAX_PLAN_FIELDS: u64 = 200_000;

/// How many objects a selection applies to, and whether they are all different
/// objects (so a list they own cannot hold more than all such items).
#[derive(Clone, Copy)]
struct Reach {
    objects: u64,
    distinct: bool,
}

/// Prices the operation whose root selection is `collection` (on type `root`).
pub(crate) fn price<'d>(
    plan: &mut FieldPlan<'d>,
    bounds: &ListBounds,
    root: &'d str,
    collection: &Collection<'d>,
) -> Priced {
    let mut pricer = Pricer { bounds, fields: 0 };
    let reach = Reach {
        objects: 1,
        distinct: true,
    };
    let (introspection, data): (Vec<_>, Vec<_>) = collection
        .iter()
        .map(|c| Collected {
            key: c.key,
            name: c.name,
            fields: c.fields.clone(),
        })
        .partition(|c| matches!(c.name, "__schema" | "__type"));
    let mut complete = true;
    let mut priced =
        |set: Vec<Collected<'d>>| match pricer.walk(plan, root, &Rc::new(set), reach, None) {
            Ok(cost) => cost,
            Err(Stopped(cost)) => {
                complete = false;
                cost
            }
        };
    let cost = priced(data);
    let introspection = priced(introspection);
    Priced {
        cost,
        introspection,
        fields: pricer.fields,
        complete,
    }
}

/// Pricing stopped at `MAX_PLAN_FIELDS`, having reached this cost.
struct Stopped(u64);

struct Pricer<'b> {
    bounds: &'b ListBounds,
    /// Fields priced so far.
    fields: u64,
}

impl Pricer<'_> {
    fn walk<'d>(
        &mut self,
        plan: &mut FieldPlan<'d>,
        object: &'d str,
        collection: &Collection<'d>,
        reach: Reach,
        page: Option<u64>,
    ) -> Result<u64, Stopped> {
        let mut cost: u64 = 0;
        for collected in collection.iter() {
            self.fields += 1;
            cost = cost.saturating_add(reach.objects.max(1));
            if self.fields > MAX_PLAN_FIELDS {
                return Err(Stopped(cost));
            }
            // A field the schema does not have is refused by validation.
            let Some(ty) = plan.field_type(object, collected.name) else {
                continue;
            };
            let (named, is_list) = unwrap_type(ty);
            let types = object_types(plan.registry, named);
            if types.is_empty() {
                continue;
            }
            let field = &collected.fields[0].node;
            let definition = plan
                .registry
                .types
                .get(object)
                .and_then(|t| t.field_by_name(collected.name));
            let is_connection = definition
                .is_some_and(|d| d.args.contains_key("first") && d.args.contains_key("last"));
            let child_page = if is_connection {
                let size = match (plan.argument(field, "first"), plan.argument(field, "last")) {
                    (Some(Value::Number(n)), _) | (_, Some(Value::Number(n))) => {
                        n.as_u64().unwrap_or(0)
                    }
                    _ => DEFAULT_PAGE_SIZE as u64,
                };
                Some(size.min(MAX_PAGE_SIZE as u64))
            } else if (object, collected.name) == IMPORT {
                // The report has a row per row of the input.
                match plan.argument(field, "input") {
                    Some(Value::Object(input)) => match input.get("rows") {
                        Some(Value::List(rows)) => Some(rows.len() as u64),
                        _ => Some(0),
                    },
                    _ => None,
                }
            } else {
                None
            };
            let child = if is_list {
                let paged = matches!(collected.name, "edges" | "nodes")
                    || (object, collected.name) == IMPORT_ROWS;
                let (size, total) = if let Some(p) = page.filter(|_| paged) {
                    (p, None)
                } else if let Some(Value::List(ids)) = plan
                    .argument(field, "ids")
                    .or_else(|| plan.argument(field, "representations"))
                {
                    (ids.len() as u64, None)
                } else if definition.is_some_and(|d| d.args.contains_key("first")) {
                    // A plain list with a `first` (`Candidate.matchingOffers`).
                    let n = match plan.argument(field, "first") {
                        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
                        _ => DEFAULT_PAGE_SIZE as u64,
                    };
                    (n.min(MAX_PAGE_SIZE as u64), None)
                } else if let Some(bound) = self.bounds.get(object, collected.name) {
                    (bound.per_parent, bound.total)
                } else {
                    (MAX_PAGE_SIZE as u64, None)
                };
                let objects = reach.objects.saturating_mul(size.max(1));
                match total {
                    Some(total) if reach.distinct => Reach {
                        objects: objects.min(total.max(1)),
                        distinct: true,
                    },
                    _ => Reach {
                        objects,
                        distinct: false,
                    },
                }
            } else {
                Reach {
                    objects: reach.objects,
                    // One object per root field; below that, objects can repeat.
                    distinct: reach.distinct && object == plan.registry.query_type,
                }
            };
            let mut most: u64 = 0;
            for t in types {
                let sub = plan.sub_collection(collected, t);
                match self.walk(plan, t, &sub, child, child_page) {
                    Ok(below) => most = most.max(below),
                    Err(Stopped(below)) => {
                        return Err(Stopped(cost.saturating_add(most.max(below))));
                    }
                }
            }
            cost = cost.saturating_add(most);
        }
        Ok(cost)
    }
}
