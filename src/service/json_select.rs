//! Catalogue reads answered by one statement that builds the response's JSON in
//! PostgreSQL.
//!
//! A read of the public catalogue (course runs, courses, organisations and their
//! relations) is described as a tree of [`Item`]s: what each response key holds, in
//! the order of the selection set. [`read`] turns the tree into one `SELECT` whose only
//! value is that JSON: a to-one relation is a correlated subquery on the related row,
//! a list is a keyset page cut by the same `pagination::page_order` every other list uses, and
//! every row comes from the same `visible_to`/`filtered` selects as the resolvers', so
//! the row rules are inside the statement exactly as they are on the other paths. The
//! database answers with text the hub passes on; no row is decoded into a model.
//!
//! Global IDs and cursors are encoded in SQL the way `crate::id` and
//! `pagination::Cursor` encode them (base64url of the same text), so a client cannot
//! tell which path answered.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::course_runs::{self, CourseRunFilter};
use crate::service::courses::{self, CourseFilter};
use crate::service::organisations::{self, OrganisationFilter};
use crate::service::pagination::{Ordering, PageRequest, SortKind, page_order};
use crate::service::{Reference, regions};
use entity::{course, organisation, region};
use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryTrait, Select,
    Statement, Value,
};
use std::fmt::Write;

/// The keys of one JSON object, each with what it holds, in response order.
pub type Fields = Vec<(String, Item)>;

/// What one key of an object holds, read from the object's row.
#[derive(Debug, Clone)]
pub enum Item {
    /// A constant text (`__typename`).
    Text(String),
    /// A column as it is stored (text, number, boolean, date, enum name).
    Column(&'static str),
    /// The global ID of the row, from its key column.
    Id(NodeType, &'static str),
    /// `seats_max - seats_taken`, never negative.
    SeatsAvailable,
    /// An amount in minor units as a decimal text with two fraction digits.
    Amount(&'static str),
    /// An object made of the same row (`Money`).
    Object(Fields),
    /// The row of `Target` whose key is in column `fk`, or `null` when there is none
    /// the caller may see.
    One(Target, &'static str, Fields),
    /// A page of a list.
    Page(Box<ListPage>),
}

/// A table a to-one relation leads to.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Course,
    Organisation,
    Region,
}

/// A list, the page of it, and what the connection object holds.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub list: List,
    pub page: PageRequest,
    pub items: Vec<(String, ConnectionItem)>,
}

/// The lists a read can page through; the child lists hang under their parent row.
#[derive(Debug, Clone)]
pub enum List {
    Organisations(OrganisationFilter),
    Courses(CourseFilter),
    CourseRuns(CourseRunFilter),
    /// `Organisation.courses`.
    CoursesOfProvider,
    /// `Course.runs`.
    RunsOfCourse(CourseRunFilter),
}

/// A key of a connection object.
#[derive(Debug, Clone)]
pub enum ConnectionItem {
    Nodes(Fields),
    Edges(Vec<(String, EdgeItem)>),
    PageInfo(Vec<(String, PageInfoItem)>),
    TotalCount,
    Text(String),
}

/// A key of an edge object.
#[derive(Debug, Clone)]
pub enum EdgeItem {
    Node(Fields),
    Cursor,
    Text(String),
}

/// A key of a page info object.
#[derive(Debug, Clone)]
pub enum PageInfoItem {
    HasNextPage,
    HasPreviousPage,
    StartCursor,
    EndCursor,
    Text(String),
}

/// `json_build_object` takes at most 100 arguments: 50 keys.
const MAX_KEYS: usize = 50;

/// Reads the object `root` describes (the operation's `data`) as JSON text, in one
/// statement. PostgreSQL only.
pub async fn read(
    db: &impl ConnectionTrait,
    principal: &Principal,
    reference: &Reference,
    root: &Fields,
) -> AppResult<String> {
    let statement = statement(principal, reference, root)?;
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| AppError::Internal("a JSON read returned no row".into()))?;
    Ok(row.try_get::<String>("", "data")?)
}

/// The statement [`read`] runs.
pub fn statement(
    principal: &Principal,
    reference: &Reference,
    root: &Fields,
) -> AppResult<Statement> {
    let mut sql = Sql {
        principal,
        reference,
        values: Vec::new(),
        aliases: 0,
    };
    let object = sql.object(root, "")?;
    Ok(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("SELECT {object}::text AS \"data\""),
        sql.values,
    ))
}

/// The statement being written: its parameters so far and the last table alias used.
struct Sql<'a> {
    principal: &'a Principal,
    reference: &'a Reference,
    values: Vec<Value>,
    aliases: u32,
}

impl Sql<'_> {
    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("t{}", self.aliases)
    }

    /// The SQL of `select`, its parameters appended to the statement's.
    fn embed<E: EntityTrait>(&mut self, select: Select<E>) -> String {
        let built = DbBackend::Postgres.build(&select.into_query());
        let sql = renumber(&built.sql, self.values.len());
        self.values
            .extend(built.values.map(|v| v.0).unwrap_or_default());
        sql
    }

    /// `json_build_object(…)` of `fields`, read from the row aliased `row`.
    fn object(&mut self, fields: &Fields, row: &str) -> AppResult<String> {
        let mut args = Vec::with_capacity(fields.len());
        for (key, item) in fields {
            let value = self.item(item, row)?;
            args.push((key.as_str(), value));
        }
        build_object(&args)
    }

    fn item(&mut self, item: &Item, row: &str) -> AppResult<String> {
        Ok(match item {
            Item::Text(text) => text_literal(text),
            Item::Column(column) => format!("{row}.\"{column}\""),
            Item::Id(node, column) => base64url(&format!(
                "{} || {row}.\"{column}\"::text",
                text_literal(&format!("{}:", node.name()))
            )),
            Item::SeatsAvailable => {
                format!("GREATEST({row}.\"seats_max\" - {row}.\"seats_taken\", 0)")
            }
            Item::Amount(column) => {
                let c = format!("{row}.\"{column}\"");
                format!(
                    "(CASE WHEN {c} < 0 THEN '-' ELSE '' END || (abs({c}) / 100)::text || '.' || lpad((abs({c}) % 100)::text, 2, '0'))"
                )
            }
            Item::Object(fields) => self.object(fields, row)?,
            Item::One(target, fk, fields) => self.one(*target, row, fk, fields)?,
            Item::Page(page) => self.page(page, row)?,
        })
    }

    /// The related row as a correlated subquery: `null` when there is none.
    fn one(
        &mut self,
        target: Target,
        row: &str,
        fk: &'static str,
        fields: &Fields,
    ) -> AppResult<String> {
        if let Target::Region = target
            && fields.iter().all(|(_, item)| {
                matches!(
                    item,
                    Item::Text(_) | Item::Column("code") | Item::Id(_, "code")
                )
            })
        {
            // Regions are public reference data and every region code column is a
            // foreign key to `region`: a region that shows nothing but its code is
            // built from the code, without reading the row (a lookup per row that
            // cost more than the rest of a course-run page together).
            let from_code: Fields = fields
                .iter()
                .map(|(key, item)| {
                    let item = match item {
                        Item::Column(_) => Item::Column(fk),
                        Item::Id(node, _) => Item::Id(*node, fk),
                        other => other.clone(),
                    };
                    (key.clone(), item)
                })
                .collect();
            let object = self.object(&from_code, row)?;
            return Ok(format!(
                "(CASE WHEN {row}.\"{fk}\" IS NULL THEN NULL ELSE {object} END)"
            ));
        }
        let outer = Expr::col((Alias::new(row), Alias::new(fk)));
        let from = match target {
            Target::Course => self.embed(
                courses::visible_to(self.principal)
                    .filter(Expr::col((course::Entity, course::Column::Id)).eq(outer)),
            ),
            Target::Organisation => self.embed(
                organisations::visible_to(self.principal)
                    .filter(Expr::col((organisation::Entity, organisation::Column::Id)).eq(outer)),
            ),
            Target::Region => self.embed(
                regions::visible_to(self.principal)
                    .filter(Expr::col((region::Entity, region::Column::Code)).eq(outer)),
            ),
        };
        let alias = self.alias();
        let object = self.object(fields, &alias)?;
        Ok(format!("(SELECT {object} FROM ({from}) AS {alias})"))
    }

    fn page(&mut self, page: &ListPage, parent: &str) -> AppResult<String> {
        let (principal, reference) = (self.principal, self.reference);
        match &page.list {
            List::Organisations(filter) => {
                let select = organisations::filtered(principal, &reference.regions, filter)?;
                self.page_of(select, &organisations::BY_NAME, page)
            }
            List::Courses(filter) => {
                let select = courses::filtered(
                    principal,
                    &reference.regions,
                    &reference.professions,
                    filter,
                )?;
                self.page_of(select, &courses::BY_TITLE, page)
            }
            List::CourseRuns(filter) => {
                let select = course_runs::filtered(
                    principal,
                    &reference.regions,
                    &reference.professions,
                    filter,
                )?;
                self.page_of(select, &course_runs::BY_START, page)
            }
            List::CoursesOfProvider => {
                let list = &courses::OF_PROVIDER;
                let select = (list.select)(principal, reference, &())?
                    .filter(Expr::col((course::Entity, list.parent)).eq(parent_id(parent)));
                self.page_of(select, list.order, page)
            }
            List::RunsOfCourse(filter) => {
                let list = &course_runs::OF_COURSE;
                let select = (list.select)(principal, reference, filter)?.filter(
                    Expr::col((entity::course_run::Entity, list.parent)).eq(parent_id(parent)),
                );
                self.page_of(select, list.order, page)
            }
        }
    }

    /// The connection object of one page of `select`: the page's rows numbered in
    /// reading direction, the last one (`limit + 1`) only telling whether more follow.
    fn page_of<E: EntityTrait>(
        &mut self,
        select: Select<E>,
        ordering: &Ordering<E>,
        page: &ListPage,
    ) -> AppResult<String> {
        let request = &page.page;
        // The limit is written into the text, not bound: a statement whose only
        // parameters were page sizes then has none, and PostgreSQL plans it once per
        // connection instead of on every execution (a custom plan for each set of
        // values, which costs more than running it).
        let rows = format!(
            "{} LIMIT {}",
            self.embed(page_order(select.clone(), ordering, request)?),
            request.rows()
        );
        let t = self.alias();
        let q = format!("{t}q");
        let sort = ordering.sort.map(|(c, kind)| (c.as_str(), kind));
        let id = ordering.id.as_str();
        let order = |alias: &str, dir: &str| match sort {
            Some((s, _)) => format!("{alias}.\"{s}\" {dir}, {alias}.\"{id}\" {dir}"),
            None => format!("{alias}.\"{id}\" {dir}"),
        };
        let reading = order(&q, if request.backward { "DESC" } else { "ASC" });
        let (asc, desc) = (order(&t, "ASC"), order(&t, "DESC"));
        let limit = request.limit;
        let in_page = format!("FILTER (WHERE {t}.\"kp_row\" <= {limit})");
        let cursor = cursor(&t, ordering.name, sort, id);
        let more = format!("(count(*) > {limit})");
        let mut args = Vec::with_capacity(page.items.len());
        for (key, item) in &page.items {
            let value = match item {
                ConnectionItem::Text(text) => text_literal(text),
                ConnectionItem::TotalCount => {
                    let all = self.embed(select.clone());
                    format!("(SELECT count(*) FROM ({all}) AS {t}c)")
                }
                ConnectionItem::Nodes(fields) => {
                    let node = self.object(fields, &t)?;
                    format!("coalesce(json_agg({node} ORDER BY {asc}) {in_page}, '[]'::json)")
                }
                ConnectionItem::Edges(items) => {
                    let mut edge = Vec::with_capacity(items.len());
                    for (key, item) in items {
                        let value = match item {
                            EdgeItem::Node(fields) => self.object(fields, &t)?,
                            EdgeItem::Cursor => cursor.clone(),
                            EdgeItem::Text(text) => text_literal(text),
                        };
                        edge.push((key.as_str(), value));
                    }
                    let edge = build_object(&edge)?;
                    format!("coalesce(json_agg({edge} ORDER BY {asc}) {in_page}, '[]'::json)")
                }
                ConnectionItem::PageInfo(items) => {
                    let flag = |b: bool| if b { "true" } else { "false" }.to_owned();
                    let mut info = Vec::with_capacity(items.len());
                    for (key, item) in items {
                        let value = match item {
                            PageInfoItem::HasNextPage if request.backward => {
                                flag(request.before.is_some())
                            }
                            PageInfoItem::HasNextPage => more.clone(),
                            PageInfoItem::HasPreviousPage if request.backward => more.clone(),
                            PageInfoItem::HasPreviousPage => flag(request.after.is_some()),
                            PageInfoItem::StartCursor => {
                                format!("(array_agg({cursor} ORDER BY {asc}) {in_page})[1]")
                            }
                            PageInfoItem::EndCursor => {
                                format!("(array_agg({cursor} ORDER BY {desc}) {in_page})[1]")
                            }
                            PageInfoItem::Text(text) => text_literal(text),
                        };
                        info.push((key.as_str(), value));
                    }
                    build_object(&info)?
                }
            };
            args.push((key.as_str(), value));
        }
        let object = build_object(&args)?;
        Ok(format!(
            "(SELECT {object} FROM (SELECT {q}.*, row_number() OVER (ORDER BY {reading}) AS \"kp_row\" FROM ({rows}) AS {q}) AS {t})"
        ))
    }
}

/// The parent row's `id`, for a child list's correlation.
fn parent_id(parent: &str) -> Expr {
    Expr::col((Alias::new(parent), Alias::new("id")))
}

/// `json_build_object(key, value, …)`.
fn build_object(args: &[(&str, String)]) -> AppResult<String> {
    if args.len() > MAX_KEYS {
        return Err(AppError::Internal(format!(
            "a JSON read cannot build an object of {} keys",
            args.len()
        )));
    }
    let mut out = String::from("json_build_object(");
    for (i, (key, value)) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}, {value}", text_literal(key));
    }
    out.push(')');
    Ok(out)
}

/// A SQL text literal.
fn text_literal(text: &str) -> String {
    format!("'{}'::text", text.replace('\'', "''"))
}

/// base64url without padding of a text expression, as `crate::id` and cursors encode.
fn base64url(text: &str) -> String {
    format!("rtrim(translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')")
}

/// The cursor of a row aliased `row`: `pagination::Cursor::encode` in SQL (the same
/// JSON, compact, fields `o`, `v`, `i`, then base64url).
fn cursor(row: &str, order: &str, sort: Option<(&str, SortKind)>, id: &str) -> String {
    // Serialising a string cannot fail.
    let order = serde_json::to_string(order).unwrap_or_default();
    let value = match sort {
        Some((column, SortKind::Text)) => {
            format!(" || ',\"v\":' || to_json({row}.\"{column}\")::text")
        }
        Some((column, SortKind::Date)) => {
            format!(" || ',\"v\":' || to_json(to_char({row}.\"{column}\", 'YYYY-MM-DD'))::text")
        }
        None => String::new(),
    };
    base64url(&format!(
        "{}{value} || ',\"i\":' || {row}.\"{id}\"::text || '}}'",
        text_literal(&format!("{{\"o\":{order}"))
    ))
}

/// `sql` with each parameter `$n` renumbered `$(n + offset)`, outside quoted text.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '$') if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n * 10 + d as usize;
                    chars.next();
                }
                let _ = write!(out, "${}", n + offset);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_outside_quotes() {
        assert_eq!(
            renumber("a = $1 AND \"x$1\" = '$2' AND b IN ($2, $10)", 3),
            "a = $4 AND \"x$1\" = '$2' AND b IN ($5, $13)"
        );
        assert_eq!(renumber("a = $1", 0), "a = $1");
    }

    #[test]
    fn objects_have_at_most_fifty_keys() {
        let args: Vec<(&str, String)> = (0..51).map(|_| ("k", "1".to_owned())).collect();
        assert!(build_object(&args).is_err());
        assert!(build_object(&args[..50]).is_ok());
    }
}
