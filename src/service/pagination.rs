//! Keyset pagination for every list of the API (never OFFSET): a page is "the next
//! `first` rows after this (sort value, id)", which an index answers in the same time
//! on page 1 and page 1,000.
//!
//! Nested lists (a course's runs, an organisation's courses) are loaded for many parents
//! in one statement, so the statement count of a request does not grow with the number
//! of parents: on PostgreSQL one `LATERAL` index scan per parent, on SQLite
//! `ROW_NUMBER() OVER (PARTITION BY parent …)`.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::{Reference, validation};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Value,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The Relay pagination arguments as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// Validated pagination: a direction, a size and optional bounds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Rows wanted on the page.
    pub limit: u64,
    /// `last`/`before`: read the list from its end.
    pub backward: bool,
    pub after: Option<Cursor>,
    pub before: Option<Cursor>,
}

/// Position in a list: the sort value and id of a row, and the name of the ordering it
/// belongs to (so a cursor of one list is refused by another).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "o")]
    pub order: String,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "i")]
    pub id: i64,
}

impl Cursor {
    /// The opaque string a client sees.
    pub fn encode(&self) -> String {
        // Serialising a struct of strings and integers cannot fail.
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str, order: &str, field: &str) -> AppResult<Cursor> {
        let bad = || AppError::bad_input(field, format!("`{field}` is not a cursor of this list"));
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        if cursor.order != order {
            return Err(bad());
        }
        // A forged cursor must not carry to the database what no input may.
        if cursor.value.as_deref().is_some_and(validation::has_nul) {
            return Err(AppError::bad_input(field, validation::nul_message(field)));
        }
        Ok(cursor)
    }
}

impl PageRequest {
    /// Rows read for the page: one more than it holds.
    pub fn rows(&self) -> u64 {
        self.limit + 1
    }
}

impl PageArgs {
    /// Checks sizes and decodes cursors for a list sorted by `order`.
    pub fn resolve(&self, order: &str) -> AppResult<PageRequest> {
        if self.first.is_some() && self.last.is_some() {
            return Err(AppError::bad_input(
                "last",
                "pass either `first` or `last`, not both",
            ));
        }
        let check = |n: i32, field: &str| -> AppResult<u64> {
            if !(0..=MAX_PAGE_SIZE).contains(&n) {
                return Err(AppError::bad_input(
                    field,
                    format!("`{field}` must be between 0 and {MAX_PAGE_SIZE}, got {n}"),
                ));
            }
            Ok(n as u64)
        };
        let (limit, backward) = match (self.first, self.last) {
            (_, Some(last)) => (check(last, "last")?, true),
            (Some(first), None) => (check(first, "first")?, false),
            (None, None) => (
                DEFAULT_PAGE_SIZE as u64,
                self.before.is_some() && self.after.is_none(),
            ),
        };
        Ok(PageRequest {
            limit,
            backward,
            after: self
                .after
                .as_deref()
                .map(|c| Cursor::decode(c, order, "after"))
                .transpose()?,
            before: self
                .before
                .as_deref()
                .map(|c| Cursor::decode(c, order, "before"))
                .transpose()?,
        })
    }
}

/// Type of a sort column, to turn cursor text back into a typed SQL value.
#[derive(Clone, Copy, Debug)]
pub enum SortKind {
    Text,
    Date,
}

/// How a list is sorted: an optional sort column, then the primary key as tie-breaker.
pub struct Ordering<E: EntityTrait> {
    /// Cursor tag of this ordering.
    pub name: &'static str,
    pub sort: Option<(E::Column, SortKind)>,
    pub id: E::Column,
    /// The sort value of a row, as cursor text.
    pub sort_value: fn(&E::Model) -> Option<String>,
    pub row_id: fn(&E::Model) -> i64,
}

impl<E: EntityTrait> Ordering<E> {
    fn cursor_of(&self, row: &E::Model) -> Cursor {
        Cursor {
            order: self.name.to_owned(),
            value: (self.sort_value)(row),
            id: (self.row_id)(row),
        }
    }

    fn sql_value(&self, cursor: &Cursor, field: &str) -> AppResult<Option<Value>> {
        let Some((_, kind)) = self.sort else {
            return Ok(None);
        };
        let bad = || AppError::bad_input(field, format!("`{field}` is not a cursor of this list"));
        let text = cursor.value.clone().ok_or_else(bad)?;
        Ok(Some(match kind {
            SortKind::Text => Value::from(text),
            SortKind::Date => {
                Value::from(validation::parse_date(&text).map_err(|problem| {
                    AppError::bad_input(field, format!("`{field}`: {problem}"))
                })?)
            }
        }))
    }

    /// `(sort, id) > cursor` (or `<`).
    fn keyset(&self, cursor: &Cursor, greater: bool, field: &str) -> AppResult<SimpleExpr> {
        let id = Value::from(cursor.id);
        let expr = match (self.sort, self.sql_value(cursor, field)?) {
            (Some((col, _)), Some(v)) => {
                let lhs = Expr::tuple([
                    Expr::col((E::default(), col)),
                    Expr::col((E::default(), self.id)),
                ]);
                let rhs = Expr::tuple([Expr::val(v), Expr::val(id)]);
                if greater { lhs.gt(rhs) } else { lhs.lt(rhs) }
            }
            _ => {
                let col = Expr::col((E::default(), self.id));
                if greater { col.gt(id) } else { col.lt(id) }
            }
        };
        Ok(expr)
    }

    /// Adds the cursor bounds of `page` to `select`.
    fn bounded(&self, mut select: Select<E>, page: &PageRequest) -> AppResult<Select<E>> {
        if let Some(after) = &page.after {
            select = select.filter(self.keyset(after, true, "after")?);
        }
        if let Some(before) = &page.before {
            select = select.filter(self.keyset(before, false, "before")?);
        }
        Ok(select)
    }

    fn direction(page: &PageRequest) -> Order {
        if page.backward {
            Order::Desc
        } else {
            Order::Asc
        }
    }
}

/// One page of rows with their cursors.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<(String, T)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
        }
    }
}

impl<T> Page<T> {
    /// The page from rows fetched with one extra row (`limit + 1`) in query order: that
    /// row, never returned, says whether more follow (also after `first: 0`).
    fn from_rows(mut rows: Vec<T>, page: &PageRequest, cursor: impl Fn(&T) -> String) -> Page<T> {
        let more = rows.len() as u64 > page.limit;
        rows.truncate(page.limit as usize);
        if page.backward {
            rows.reverse();
        }
        let (has_next_page, has_previous_page) = if page.backward {
            (page.before.is_some(), more)
        } else {
            (more, page.after.is_some())
        };
        Page {
            items: rows.into_iter().map(|r| (cursor(&r), r)).collect(),
            has_next_page,
            has_previous_page,
        }
    }

    /// Applies `f` to every item, keeping cursors and page flags.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(|(c, t)| (c, f(t))).collect(),
            has_next_page: self.has_next_page,
            has_previous_page: self.has_previous_page,
        }
    }
}

/// `select` cut to the page that `page` asks for: the cursor bounds, the order in the
/// reading direction, and one row more than the page. Even for an empty page (`first:
/// 0`) that row is read: it tells whether any follow.
pub fn page_select<E: EntityTrait>(
    select: Select<E>,
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<Select<E>> {
    Ok(page_order(select, ordering, page)?.limit(page.rows()))
}

/// `page_select` without its `LIMIT`, for a statement that writes the limit itself.
pub fn page_order<E: EntityTrait>(
    select: Select<E>,
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<Select<E>> {
    let dir = Ordering::<E>::direction(page);
    let mut select = ordering.bounded(select, page)?;
    if let Some((col, _)) = ordering.sort {
        select = select.order_by(col, dir.clone());
    }
    Ok(select.order_by(ordering.id, dir))
}

/// Reads one page of `select` (already filtered by visibility and the client's filter).
pub async fn fetch_page<E, C>(
    db: &C,
    select: Select<E>,
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    let rows = page_select(select, ordering, page)?.all(db).await?;
    Ok(Page::from_rows(rows, page, |r| {
        ordering.cursor_of(r).encode()
    }))
}

/// A list that hangs under a parent row (a course's runs, a provider's courses), with a
/// query of type `Q` that narrows it (`()` for none): which rows a caller gets, the
/// column that names the parent, and the order. Loaders read it for many parents at once.
pub struct ChildList<E: EntityTrait, Q> {
    /// Cursor tag and order of the list.
    pub order: &'static Ordering<E>,
    /// The column holding the parent's id.
    pub parent: E::Column,
    /// The parent's id of a row.
    pub parent_of: fn(&E::Model) -> i64,
    /// The rows of the list the caller may see under `query`, for all parents.
    pub select: fn(&Principal, &Reference, &Q) -> AppResult<Select<E>>,
}

impl<E, Q> ChildList<E, Q>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sync,
{
    /// The same page for every parent, in one statement.
    pub async fn pages(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        reference: &Reference,
        query: &Q,
        parents: &[i64],
        page: &PageRequest,
    ) -> AppResult<HashMap<i64, Page<E::Model>>> {
        let select = (self.select)(principal, reference, query)?;
        fetch_child_pages(
            db,
            select,
            self.parent,
            parents,
            self.parent_of,
            self.order,
            page,
        )
        .await
    }

    /// The length of every parent's list, in one statement.
    pub async fn counts(
        &self,
        db: &impl ConnectionTrait,
        principal: &Principal,
        reference: &Reference,
        query: &Q,
        parents: &[i64],
    ) -> AppResult<HashMap<i64, u64>> {
        let select = (self.select)(principal, reference, query)?;
        count_children(db, select, self.parent, parents).await
    }
}

/// The child pages as one `LATERAL` subquery per parent (PostgreSQL): each parent's
/// page is an index range scan that stops after `limit + 1` rows, and the parents come
/// as one array parameter, so the statement's text is the same for every batch.
fn lateral_pages<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
    ordering: &Ordering<E>,
    page: &PageRequest,
    backend: DbBackend,
) -> AppResult<sea_orm::Statement> {
    let inner = page_select(
        select.filter(Expr::col((E::default(), parent)).equals(("parent", "id"))),
        ordering,
        page,
    )?
    .into_query();
    let inner = backend.build(&inner);
    let mut values = inner.values.map(|v| v.0).unwrap_or_default();
    values.push(Value::from(parents.to_vec()));
    let inner = inner.sql;
    Ok(sea_orm::Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT \"page\".* FROM unnest(${}::bigint[]) AS \"parent\"(\"id\") CROSS JOIN LATERAL ({inner}) AS \"page\"",
            values.len()
        ),
        values,
    ))
}

/// The child pages cut by `ROW_NUMBER() OVER (PARTITION BY parent …)` (SQLite, which
/// has no `LATERAL`).
fn windowed_pages<E: EntityTrait>(
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
    ordering: &Ordering<E>,
    page: &PageRequest,
    backend: DbBackend,
) -> AppResult<sea_orm::Statement> {
    let select = ordering.bounded(select.filter(parent.is_in(parents.iter().copied())), page)?;
    let table = E::default().table_name().to_owned();
    let dir = if page.backward { "DESC" } else { "ASC" };
    let order = match ordering.sort {
        Some((col, _)) => format!(
            "\"{table}\".\"{}\" {dir}, \"{table}\".\"{}\" {dir}",
            col.as_str(),
            ordering.id.as_str()
        ),
        None => format!("\"{table}\".\"{}\" {dir}", ordering.id.as_str()),
    };
    let mut inner = select.into_query();
    inner.expr_as(
        Expr::cust(format!(
            "ROW_NUMBER() OVER (PARTITION BY \"{table}\".\"{}\" ORDER BY {order})",
            parent.as_str()
        )),
        "page_row",
    );
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, "page")
        .and_where(Expr::col("page_row").lte(page.limit as i64 + 1))
        .order_by("page_row", Order::Asc)
        .to_owned();
    Ok(backend.build(&outer))
}

/// Reads the same page of `select` for every parent in `parents` in one statement,
/// grouped by parent. `parent_of` reads the parent key back from a row.
pub async fn fetch_child_pages<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
    parent_of: fn(&E::Model) -> i64,
    ordering: &Ordering<E>,
    page: &PageRequest,
) -> AppResult<HashMap<i64, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Sync,
    C: ConnectionTrait,
{
    let mut grouped: HashMap<i64, Vec<E::Model>> =
        parents.iter().map(|p| (*p, Vec::new())).collect();
    if !parents.is_empty() {
        let backend: DbBackend = db.get_database_backend();
        let statement = match backend {
            DbBackend::Postgres => lateral_pages(select, parent, parents, ordering, page, backend)?,
            _ => windowed_pages(select, parent, parents, ordering, page, backend)?,
        };
        let rows = E::find().from_raw_sql(statement).all(db).await?;
        for row in rows {
            grouped.entry(parent_of(&row)).or_default().push(row);
        }
    }
    Ok(grouped
        .into_iter()
        .map(|(p, rows)| {
            (
                p,
                Page::from_rows(rows, page, |r| ordering.cursor_of(r).encode()),
            )
        })
        .collect())
}

/// Counts the rows of `select` per parent in one `GROUP BY` statement.
pub async fn count_children<E, C>(
    db: &C,
    select: Select<E>,
    parent: E::Column,
    parents: &[i64],
) -> AppResult<HashMap<i64, u64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let counted: Vec<(i64, i64)> = select
        .filter(crate::service::one_of(
            db.get_database_backend(),
            parent,
            parents,
        ))
        .select_only()
        .column(parent)
        .column_as(Expr::col((E::default(), parent)).count(), "n")
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<i64, u64> = parents.iter().map(|p| (*p, 0)).collect();
    counts.extend(counted.into_iter().map(|(p, n)| (p, n as u64)));
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(first: Option<i32>, last: Option<i32>) -> PageArgs {
        PageArgs {
            first,
            last,
            ..Default::default()
        }
    }

    #[test]
    fn sizes_are_capped() {
        assert_eq!(
            args(None, None).resolve("x").unwrap().limit,
            DEFAULT_PAGE_SIZE as u64
        );
        assert_eq!(args(Some(100), None).resolve("x").unwrap().limit, 100);
        let err = args(Some(1000), None).resolve("x").unwrap_err();
        assert_eq!(err.code(), "BAD_USER_INPUT");
        assert!(args(None, Some(-1)).resolve("x").is_err());
        assert!(args(Some(1), Some(1)).resolve("x").is_err());
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_ordering() {
        let c = Cursor {
            order: "title".into(),
            value: Some("Ärzte, C1".into()),
            id: 7,
        };
        let text = c.encode();
        assert_eq!(Cursor::decode(&text, "title", "after").unwrap(), c);
        assert!(Cursor::decode(&text, "name", "after").is_err());
        assert!(Cursor::decode("not-a-cursor!", "title", "after").is_err());
    }
}
