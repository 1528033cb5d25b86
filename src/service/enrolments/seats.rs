//! Seats and waitlists: the counters on a run or session and the places in line.
//!
//! Every change to the seats or the waitlist of one run or session first locks that
//! run's or session's row (an `UPDATE` of it, inside the write transaction), so the
//! changes of one run happen one after the other and the counters and places agree;
//! different runs never wait for each other. A request takes its seat or its place in
//! one statement that both locks and counts; the row stays locked until commit, so the
//! work after it is kept to the enrolment's own two inserts.

use super::Target;
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::course_run::RunStatus;
use entity::enrolment::{self, EnrolmentStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, Statement, Value,
};

/// The counters of a run or session, read under its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub seats_max: i32,
    pub seats_taken: i32,
    pub waitlist: i32,
}

/// `sql` with its numbered parameters as the backend writes them (`$1` on
/// PostgreSQL, `?1` on SQLite).
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => {
            let mut out = sql.to_owned();
            for n in (1..=values.len()).rev() {
                out = out.replace(&format!("${n}"), &format!("?{n}"));
            }
            out
        }
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Rows (runs or sessions) with a free seat: planned or open, fewer seats taken than
/// offered.
pub fn free<C: ColumnTrait>(status: C, taken: C, max: C) -> Condition {
    Condition::all()
        .add(status.is_in([RunStatus::Planned, RunStatus::Open]))
        .add(Expr::col((taken.entity_name(), taken)).lt(Expr::col((max.entity_name(), max))))
}

/// Why an update of a run or session that names the `expected` version and the new
/// `seatsMax` in its `WHERE` changed no row, given the row's `version` and seats taken
/// now: someone changed it since it was read (`CONFLICT`), or enrolments took more seats
/// than it would offer.
pub fn refused_write(what: &str, expected: i32, version: i32, seats_taken: i32) -> AppError {
    if version != expected {
        return crate::service::courses::stale(what, version);
    }
    AppError::bad_input("seatsMax", format!("{seats_taken} seats are already taken"))
}

/// Takes a seat of `target` for a new enrolment if one is free and nobody waits for
/// one, otherwise a place at the end of its waitlist. `Ok(None)`: a seat; `Ok(Some(n))`:
/// place `n` in line. A run or session that was cancelled or completed meanwhile takes
/// nobody.
pub async fn take_seat_or_place(
    txn: &DatabaseTransaction,
    target: Target,
) -> AppResult<Option<i32>> {
    let backend = txn.get_database_backend();
    let free = "seats_taken < seats_max AND waitlist_length = 0";
    // Every expression on the right reads the row as it was before this update.
    let sql = format!(
        "UPDATE {table} SET \
         seats_taken = seats_taken + CASE WHEN {free} THEN 1 ELSE 0 END, \
         waitlist_length = waitlist_length + CASE WHEN {free} THEN 0 ELSE 1 END, \
         status = CASE WHEN status = 'OPEN' AND {free} AND seats_taken + 1 >= seats_max \
         THEN 'FULL' ELSE status END \
         WHERE id = $1 AND status NOT IN ('CANCELLED', 'COMPLETED') \
         RETURNING waitlist_length",
        table = target.table(),
    );
    let row = txn
        .query_one_raw(statement(backend, &sql, vec![target.id().into()]))
        .await?;
    let Some(row) = row else {
        return Err(AppError::bad_input(
            target.field(),
            format!("the {} was cancelled or completed meanwhile", target.what()),
        ));
    };
    // A seat is taken only while nobody waits, so an empty waitlist after the update
    // means this enrolment got a seat, and otherwise its place is the waitlist's end.
    let waitlist: i32 = row.try_get_by_index(0)?;
    Ok((waitlist > 0).then_some(waitlist))
}

/// Locks `target` for a change of its seats or waitlist and reads its counters.
pub async fn lock(txn: &DatabaseTransaction, target: Target) -> AppResult<Counts> {
    let backend = txn.get_database_backend();
    let sql = format!(
        "UPDATE {} SET waitlist_length = waitlist_length WHERE id = $1 \
         RETURNING seats_max, seats_taken, waitlist_length",
        target.table()
    );
    let row = txn
        .query_one_raw(statement(backend, &sql, vec![target.id().into()]))
        .await?
        .ok_or_else(|| AppError::Internal(format!("{} {} vanished", target.what(), target.id())))?;
    Ok(Counts {
        seats_max: row.try_get_by_index(0)?,
        seats_taken: row.try_get_by_index(1)?,
        waitlist: row.try_get_by_index(2)?,
    })
}

/// Stores the counters of `target` (locked by [`lock`]), and moves its status between
/// OPEN and FULL to match.
pub async fn store(txn: &DatabaseTransaction, target: Target, counts: Counts) -> AppResult<()> {
    let backend = txn.get_database_backend();
    let sql = format!(
        "UPDATE {} SET seats_taken = $2, waitlist_length = $3, \
         status = CASE WHEN status IN ('OPEN', 'FULL') THEN \
         (CASE WHEN $4 >= seats_max THEN 'FULL' ELSE 'OPEN' END) ELSE status END \
         WHERE id = $1",
        target.table()
    );
    txn.execute_raw(statement(
        backend,
        &sql,
        vec![
            target.id().into(),
            counts.seats_taken.into(),
            counts.waitlist.into(),
            counts.seats_taken.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Closes the gap a waitlisted enrolment at `position` leaves: everyone behind it moves
/// up one place.
pub async fn close_gap(txn: &DatabaseTransaction, target: Target, position: i32) -> AppResult<()> {
    enrolment::Entity::update_many()
        .col_expr(
            enrolment::Column::WaitlistPosition,
            Expr::col(enrolment::Column::WaitlistPosition).sub(1),
        )
        .filter(target.column().eq(target.id()))
        .filter(enrolment::Column::Status.eq(EnrolmentStatus::Waitlisted))
        .filter(enrolment::Column::WaitlistPosition.gt(position))
        .exec(txn)
        .await?;
    Ok(())
}

/// Gives the first in line a seat: CONFIRMED, and everyone behind moves up. The caller
/// has locked `target` and accounts for the seat.
pub async fn promote_first(
    txn: &DatabaseTransaction,
    target: Target,
) -> AppResult<Option<enrolment::Model>> {
    let first = enrolment::Entity::find()
        .filter(target.column().eq(target.id()))
        .filter(enrolment::Column::Status.eq(EnrolmentStatus::Waitlisted))
        .filter(enrolment::Column::WaitlistPosition.eq(1))
        .one(txn)
        .await?;
    let Some(first) = first else {
        return Ok(None);
    };
    let promoted = enrolment::Entity::update_many()
        .col_expr(
            enrolment::Column::Status,
            Expr::value(EnrolmentStatus::Confirmed),
        )
        .col_expr(
            enrolment::Column::WaitlistPosition,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(enrolment::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            enrolment::Column::Version,
            Expr::col(enrolment::Column::Version).add(1),
        )
        .filter(enrolment::Column::Id.eq(first.id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next();
    close_gap(txn, target, 1).await?;
    Ok(promoted)
}
