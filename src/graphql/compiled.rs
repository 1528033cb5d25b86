//! Catalogue operations compiled into one SQL statement (PostgreSQL).
//!
//! An operation that reads only the public catalogue (the lists `courseRuns`,
//! `courses` and `organisations`, and below them the fields of `CourseRun`, `Course`,
//! `Organisation`, `Region` and `Money`, the nested lists `Course.runs` and
//! `Organisation.courses`, connections, edges and page info) is turned into the
//! description `service::json_select` writes as one statement, and PostgreSQL builds
//! the whole `data` object. No resolver runs and no row is decoded.
//!
//! The compiler accepts only what it can answer exactly as the resolvers would:
//! arguments are coerced by the same input types and checked by the same
//! `PageArgs::resolve` and `filtered` functions, and anything else (another field,
//! variables, directives, a fragment on another type, a response key used twice, an
//! argument the resolvers would refuse) returns `None`, and the operation runs through
//! the resolvers, which answer or report it as they always do. The caller's checks
//! (depth, cost, rate limit, input guard) have run before either path.

use crate::graphql::input::{CourseFilter, CourseRunFilter, OrganisationFilter};
use crate::id::NodeType;
use crate::service::course_runs::BY_START;
use crate::service::courses::BY_TITLE;
use crate::service::json_select::{
    ConnectionItem, EdgeItem, Fields, Item, List, ListPage, PageInfoItem, Target,
};
use crate::service::organisations::BY_NAME;
use crate::service::pagination::{PageArgs, PageRequest};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{InputType, Value};
use entity::enums::Lang;
use std::collections::{HashMap, HashSet};

/// How deep fragments may nest in a compiled operation (validation refuses cycles; the
/// compiler just never follows one).
const MAX_FRAGMENT_DEPTH: usize = 8;

/// The `data` of `op` as one JSON read, or `None` when the resolvers must answer it.
pub(crate) fn compile(doc: &ExecutableDocument, op: &OperationDefinition) -> Option<Fields> {
    if op.ty != OperationType::Query
        || !op.variable_definitions.is_empty()
        || !op.directives.is_empty()
        // An unused fragment is a validation error; with several operations the
        // compiler cannot tell.
        || (matches!(doc.operations, DocumentOperations::Multiple(_)) && !doc.fragments.is_empty())
    {
        return None;
    }
    let compiler = Compiler {
        doc,
        used: Default::default(),
    };
    let root = compiler.object(&op.selection_set.node, "Query", Compiler::query)?;
    // Every fragment must be used (validation, "NoUnusedFragments").
    (compiler.used.borrow().len() == doc.fragments.len()).then_some(root)
}

type Resolve<'d> = fn(&Compiler<'d>, &'d Field) -> Option<Item>;

struct Compiler<'d> {
    doc: &'d ExecutableDocument,
    used: std::cell::RefCell<HashSet<&'d str>>,
}

impl<'d> Compiler<'d> {
    /// The fields of `set` on type `on`, through fragments on that same type.
    fn collect(
        &self,
        set: &'d SelectionSet,
        on: &str,
        out: &mut Vec<&'d Field>,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_FRAGMENT_DEPTH {
            return None;
        }
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if !field.node.directives.is_empty() {
                        return None;
                    }
                    out.push(&field.node);
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let (key, fragment) = self.doc.fragments.get_key_value(name)?;
                    let fragment = &fragment.node;
                    if !spread.node.directives.is_empty()
                        || !fragment.directives.is_empty()
                        || fragment.type_condition.node.on.node.as_str() != on
                    {
                        return None;
                    }
                    self.used.borrow_mut().insert(key.as_str());
                    self.collect(&fragment.selection_set.node, on, out, depth + 1)?;
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    if !inline.directives.is_empty()
                        || inline
                            .type_condition
                            .as_ref()
                            .is_some_and(|t| t.node.on.node.as_str() != on)
                    {
                        return None;
                    }
                    self.collect(&inline.selection_set.node, on, out, depth + 1)?;
                }
            }
        }
        Some(())
    }

    /// The keys of an object of type `on` selected by `set`, each resolved by
    /// `resolve`. A response key used twice (which GraphQL merges) is left to the
    /// resolvers, and so is an empty selection (a validation error).
    fn object<T>(
        &self,
        set: &'d SelectionSet,
        on: &str,
        resolve: fn(&Self, &'d Field) -> Option<T>,
    ) -> Option<Vec<(String, T)>> {
        let mut fields = Vec::new();
        self.collect(set, on, &mut fields, 0)?;
        if fields.is_empty() {
            return None;
        }
        let mut keys = HashSet::with_capacity(fields.len());
        let mut out = Vec::with_capacity(fields.len());
        for field in fields {
            let key = field.response_key().node.as_str();
            if !keys.insert(key) {
                return None;
            }
            out.push((key.to_owned(), resolve(self, field)?));
        }
        Some(out)
    }

    /// The object a field without arguments selects, of type `on`.
    fn fields_of<T>(
        &self,
        field: &'d Field,
        on: &str,
        resolve: fn(&Self, &'d Field) -> Option<T>,
    ) -> Option<Vec<(String, T)>> {
        if !field.arguments.is_empty() {
            return None;
        }
        self.object(&field.selection_set.node, on, resolve)
    }

    /// A to-one relation to a `target` row of GraphQL type `on`.
    fn one(
        &self,
        field: &'d Field,
        target: Target,
        fk: &'static str,
        on: &str,
        resolve: Resolve<'d>,
    ) -> Option<Item> {
        Some(Item::One(target, fk, self.fields_of(field, on, resolve)?))
    }

    fn query(&self, field: &'d Field) -> Option<Item> {
        match field.name.node.as_str() {
            "__typename" => leaf(field, Item::Text("Query".into())),
            "courseRuns" => {
                let (list, page) =
                    filtered_list::<CourseRunFilter, _>(field, BY_START.name, List::CourseRuns)?;
                self.connection(field, "CourseRun", list, page, Self::course_run)
            }
            "courses" => {
                let (list, page) =
                    filtered_list::<CourseFilter, _>(field, BY_TITLE.name, List::Courses)?;
                self.connection(field, "Course", list, page, Self::course)
            }
            "organisations" => {
                let (list, page) = filtered_list::<OrganisationFilter, _>(
                    field,
                    BY_NAME.name,
                    List::Organisations,
                )?;
                self.connection(field, "Organisation", list, page, Self::organisation)
            }
            _ => None,
        }
    }

    fn course_run(&self, field: &'d Field) -> Option<Item> {
        let column = |c| leaf(field, Item::Column(c));
        match field.name.node.as_str() {
            "__typename" => leaf(field, Item::Text("CourseRun".into())),
            "id" => leaf(field, Item::Id(NodeType::CourseRun, "id")),
            "course" => self.one(field, Target::Course, "course_id", "Course", Self::course),
            "startDate" => column("start_date"),
            "endDate" => column("end_date"),
            "hours" => column("hours"),
            "format" => column("format"),
            "schedule" => column("schedule"),
            "seatsMin" => column("seats_min"),
            "seatsMax" => column("seats_max"),
            "seatsAvailable" => leaf(field, Item::SeatsAvailable),
            "waitlistLength" => column("waitlist_length"),
            "region" => self.one(field, Target::Region, "region_code", "Region", Self::region),
            "city" => column("city"),
            "cost" => {
                Some(Item::Object(self.fields_of(
                    field,
                    "Money",
                    |_, f| match f.name.node.as_str() {
                        "__typename" => leaf(f, Item::Text("Money".into())),
                        "amount" => leaf(f, Item::Amount("cost_minor")),
                        "currency" => leaf(f, Item::Column("currency")),
                        _ => None,
                    },
                )?))
            }
            "registrationDeadline" => column("registration_deadline"),
            "rollingEntry" => column("rolling_entry"),
            "externalId" => column("external_id"),
            "status" => column("status"),
            "version" => column("version"),
            _ => None,
        }
    }

    fn course(&self, field: &'d Field) -> Option<Item> {
        let column = |c| leaf(field, Item::Column(c));
        match field.name.node.as_str() {
            "__typename" => leaf(field, Item::Text("Course".into())),
            "id" => leaf(field, Item::Id(NodeType::Course, "id")),
            "type" => column("course_type"),
            "title" => column("title"),
            "description" => column("description"),
            "provider" => self.one(
                field,
                Target::Organisation,
                "provider_id",
                "Organisation",
                Self::organisation,
            ),
            "languageLevel" => column("language_level"),
            "externalId" => column("external_id"),
            "azavMeasureNumber" => column("azav_measure_number"),
            "azavValidUntil" => column("azav_valid_until"),
            "bildungsgutschein" => column("bildungsgutschein"),
            "runs" => {
                let (list, page) =
                    filtered_list::<CourseRunFilter, _>(field, BY_START.name, List::RunsOfCourse)?;
                self.connection(field, "CourseRun", list, page, Self::course_run)
            }
            "version" => column("version"),
            _ => None,
        }
    }

    fn organisation(&self, field: &'d Field) -> Option<Item> {
        let column = |c| leaf(field, Item::Column(c));
        match field.name.node.as_str() {
            "__typename" => leaf(field, Item::Text("Organisation".into())),
            "id" => leaf(field, Item::Id(NodeType::Organisation, "id")),
            "kind" => column("kind"),
            "employerType" => column("employer_type"),
            "name" => column("name"),
            "region" => self.one(field, Target::Region, "region_code", "Region", Self::region),
            "city" => column("city"),
            "street" => column("street"),
            "postalCode" => column("postal_code"),
            "email" => column("email"),
            "phone" => column("phone"),
            "website" => column("website"),
            "providerNumber" => column("provider_number"),
            "azavValidUntil" => column("azav_valid_until"),
            "courses" => {
                let mut args = arguments(field, &["first", "after", "last", "before"])?;
                let page = page(&mut args, BY_TITLE.name)?;
                self.connection(field, "Course", List::CoursesOfProvider, page, Self::course)
            }
            "version" => column("version"),
            _ => None,
        }
    }

    fn region(&self, field: &'d Field) -> Option<Item> {
        match field.name.node.as_str() {
            "__typename" => leaf(field, Item::Text("Region".into())),
            "id" => leaf(field, Item::Id(NodeType::Region, "code")),
            "code" => leaf(field, Item::Column("code")),
            "level" => leaf(field, Item::Column("level")),
            "label" => {
                let mut args = arguments(field, &["lang"])?;
                // Non-null with a default: `null` is refused, which the resolvers report.
                let lang = match args.remove("lang") {
                    Some(value) => Lang::parse(Some(value)).ok()?,
                    None => Lang::En,
                };
                let column = match lang {
                    Lang::De => "name_de",
                    Lang::En => "name_en",
                    Lang::Sv => "name_sv",
                };
                field
                    .selection_set
                    .node
                    .items
                    .is_empty()
                    .then_some(Item::Column(column))
            }
            "parent" => self.one(field, Target::Region, "parent_code", "Region", Self::region),
            _ => None,
        }
    }

    /// `…Connection` of `node` nodes: nodes, edges, page info, total count.
    fn connection(
        &self,
        field: &'d Field,
        node: &str,
        list: List,
        page: PageRequest,
        resolve: Resolve<'d>,
    ) -> Option<Item> {
        let connection = format!("{node}Connection");
        let edge = format!("{node}Edge");
        let mut fields = Vec::new();
        self.collect(&field.selection_set.node, &connection, &mut fields, 0)?;
        if fields.is_empty() {
            return None;
        }
        let mut keys = HashSet::with_capacity(fields.len());
        let mut items = Vec::with_capacity(fields.len());
        for f in fields {
            let key = f.response_key().node.as_str();
            if !keys.insert(key) {
                return None;
            }
            let item = match f.name.node.as_str() {
                "__typename" => leaf(f, ConnectionItem::Text(connection.clone()))?,
                "totalCount" => leaf(f, ConnectionItem::TotalCount)?,
                "nodes" => ConnectionItem::Nodes(self.fields_of(f, node, resolve)?),
                "edges" => {
                    if !f.arguments.is_empty() {
                        return None;
                    }
                    let mut edge_fields = Vec::new();
                    self.collect(&f.selection_set.node, &edge, &mut edge_fields, 0)?;
                    let mut edge_keys = HashSet::new();
                    let mut edge_items = Vec::with_capacity(edge_fields.len());
                    for e in edge_fields {
                        let key = e.response_key().node.as_str();
                        if !edge_keys.insert(key) {
                            return None;
                        }
                        let item = match e.name.node.as_str() {
                            "__typename" => leaf(e, EdgeItem::Text(edge.clone()))?,
                            "cursor" => leaf(e, EdgeItem::Cursor)?,
                            "node" => EdgeItem::Node(self.fields_of(e, node, resolve)?),
                            _ => return None,
                        };
                        edge_items.push((key.to_owned(), item));
                    }
                    if edge_items.is_empty() {
                        return None;
                    }
                    ConnectionItem::Edges(edge_items)
                }
                "pageInfo" => ConnectionItem::PageInfo(self.fields_of(f, "PageInfo", |_, i| {
                    let item = match i.name.node.as_str() {
                        "__typename" => PageInfoItem::Text("PageInfo".into()),
                        "hasNextPage" => PageInfoItem::HasNextPage,
                        "hasPreviousPage" => PageInfoItem::HasPreviousPage,
                        "startCursor" => PageInfoItem::StartCursor,
                        "endCursor" => PageInfoItem::EndCursor,
                        _ => return None,
                    };
                    leaf(i, item)
                })?),
                _ => return None,
            };
            items.push((key.to_owned(), item));
        }
        Some(Item::Page(Box::new(ListPage { list, page, items })))
    }
}

/// `item` for a field without arguments or selection (a scalar or enum field).
fn leaf<T>(field: &Field, item: T) -> Option<T> {
    (field.arguments.is_empty() && field.selection_set.node.items.is_empty()).then_some(item)
}

/// The field's arguments as constants, when each is one of `allowed`, given once, and
/// no variable.
fn arguments(field: &Field, allowed: &[&str]) -> Option<HashMap<String, Value>> {
    let mut out = HashMap::with_capacity(field.arguments.len());
    for (name, value) in &field.arguments {
        let name = name.node.as_str();
        if !allowed.contains(&name) {
            return None;
        }
        let value = value.node.clone().into_const()?;
        if out.insert(name.to_owned(), value).is_some() {
            return None;
        }
    }
    Some(out)
}

/// Argument `name` coerced by its GraphQL input type, as the resolver would receive it;
/// `None` when coercion fails (the resolvers then report it).
fn parse<T: InputType>(args: &mut HashMap<String, Value>, name: &str) -> Option<T> {
    T::parse(args.remove(name)).ok()
}

/// A list field with a `filter` of input type `F` and the Relay arguments: the list
/// `list` makes of the filter, and the page in `order`.
fn filtered_list<F, S>(
    field: &Field,
    order: &str,
    list: fn(S) -> List,
) -> Option<(List, PageRequest)>
where
    F: InputType + Default + Into<S>,
{
    let mut args = arguments(field, &["filter", "first", "after", "last", "before"])?;
    let page = page(&mut args, order)?;
    let filter: Option<F> = parse(&mut args, "filter")?;
    Some((list(filter.unwrap_or_default().into()), page))
}

/// The page the Relay arguments ask for in `order`, checked as the resolvers check it.
fn page(args: &mut HashMap<String, Value>, order: &str) -> Option<PageRequest> {
    PageArgs {
        first: parse(args, "first")?,
        after: parse(args, "after")?,
        last: parse(args, "last")?,
        before: parse(args, "before")?,
    }
    .resolve(order)
    .ok()
}
