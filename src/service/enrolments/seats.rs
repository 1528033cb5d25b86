//! Seats and waitlists: the counters on a run or session and the places in line.
//!
//! Every change to the seats or the waitlist of one run or session first locks that
//! run's or session's row (an `UPDATE` of it, inside the write transaction), so the
//! changes of one run happen one after the other and the counters and places agree;
//! different runs never wait for each other. A request takes its seat or its place with
//! an `UPDATE` that both locks and counts, and stores the enrolment in the same
//! statement ([`arrive`]), so the row is held no longer than the database's own lock
//! needs.

use super::Target;
use crate::error::{AppError, AppResult};
use chrono::Utc;
use entity::course_run::RunStatus;
use entity::enrolment::{self, EnrolmentStatus};
use entity::enrolment_event;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, Statement, Value,
};

/// The counters of a run or session, read under its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub seats_max: i32,
    pub seats_taken: i32,
    pub waitlist: i32,
}

/// A row that holds seats and a waitlist — a course run, an exam session, a network
/// event — and the table of the places taken in it (enrolments, event registrations),
/// whose rows name it in `parent` and hold `status` (`CONFIRMED`, `WAITLISTED`, …) and
/// `waitlist_position`. Everything here works on any such pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    /// The table of the row with `seats_max`, `seats_taken`, `waitlist_length`, `status`.
    pub table: &'static str,
    pub id: i64,
    /// The table of the places.
    pub places: &'static str,
    /// The column of a place naming the row.
    pub parent: &'static str,
    /// What subscribers see change when the counters do.
    pub change: Option<crate::db::changes::Change>,
}

impl From<Target> for Seats {
    fn from(target: Target) -> Seats {
        Seats {
            table: target.table(),
            id: target.id(),
            places: "enrolment",
            parent: match target {
                Target::Run(_) => "course_run_id",
                Target::Session(_) => "exam_session_id",
            },
            change: Some(target.change()),
        }
    }
}

/// `sql` with its numbered parameters as the backend writes them (`$1` on
/// PostgreSQL, `?1` on SQLite).
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
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
    crate::service::courses::stale_or_over(
        what,
        expected,
        version,
        "seatsMax",
        format!("{seats_taken} seats are already taken"),
    )
}

/// The `UPDATE` that takes a seat of `target` for a new enrolment if one is free and
/// nobody waits for one, otherwise a place at the end of its waitlist, returning the
/// waitlist's length after it. A run or session that was cancelled or completed meanwhile
/// is not updated. Every expression on the right reads the row as it was before.
fn take_seat_sql(table: &str) -> String {
    let free = "seats_taken < seats_max AND waitlist_length = 0";
    format!(
        "UPDATE {table} SET \
         seats_taken = seats_taken + CASE WHEN {free} THEN 1 ELSE 0 END, \
         waitlist_length = waitlist_length + CASE WHEN {free} THEN 0 ELSE 1 END, \
         status = CASE WHEN status = 'OPEN' AND {free} AND seats_taken + 1 >= seats_max \
         THEN 'FULL' ELSE status END \
         WHERE id = $1 AND status NOT IN ('CANCELLED', 'COMPLETED') \
         RETURNING waitlist_length",
    )
}

/// Takes a seat of `seats` if one is free and nobody waits for one, otherwise a place at
/// the end of its waitlist: the waitlist's length after it (0: a seat), or `None` when
/// the row is cancelled or completed. The row stays locked until the transaction ends.
pub async fn take(txn: &DatabaseTransaction, seats: Seats) -> AppResult<Option<i32>> {
    let backend = txn.get_database_backend();
    let Some(row) = txn
        .query_one_raw(statement(
            backend,
            &take_seat_sql(seats.table),
            vec![seats.id.into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(row.try_get_by_index(0)?))
}

/// Who asks for a seat, as the new enrolment and its history record it.
pub struct Arrival<'a> {
    pub candidate_id: i64,
    /// The advisory centre.
    pub requested_by: i64,
    pub principal: &'a crate::auth::Principal,
}

/// Takes a seat of `target` for `arrival` if one is free and nobody waits for one,
/// otherwise a place at the end of the waitlist, and stores the enrolment (CONFIRMED or
/// WAITLISTED) with the first entry of its history.
///
/// The run's or session's row is locked from the seat's `UPDATE` to the commit. On
/// PostgreSQL the update and both inserts are one statement, so the lock is held for one
/// round trip and the commit, as long as the database's own row lock takes; on SQLite,
/// whose write transactions run one at a time anyway, they are three.
pub async fn arrive(
    txn: &DatabaseTransaction,
    target: Target,
    arrival: Arrival<'_>,
) -> AppResult<enrolment::Model> {
    let stored = match txn.get_database_backend() {
        DbBackend::Postgres => arrive_at_once(txn, target, &arrival).await,
        _ => arrive_step_by_step(txn, target, &arrival).await,
    };
    match stored {
        Ok(Some(e)) => {
            // PostgreSQL's one statement writes the history without `super::event`.
            crate::db::changes::record(crate::db::changes::Change::Enrolment(e.id));
            crate::db::changes::record(target.change());
            Ok(e)
        }
        Ok(None) => Err(AppError::bad_input(
            target.field(),
            format!("the {} was cancelled or completed meanwhile", target.what()),
        )),
        // A second request for the same candidate that raced this one past the check:
        // the unique index of live enrolments refuses it.
        Err(err)
            if matches!(
                err.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Err(super::already_enrolled(
                target.what(),
                EnrolmentStatus::Confirmed,
            ))
        }
        Err(err) => Err(err.into()),
    }
}

/// [`arrive`] as one statement (PostgreSQL): the seat, the enrolment, its history.
async fn arrive_at_once(
    txn: &DatabaseTransaction,
    target: Target,
    arrival: &Arrival<'_>,
) -> Result<Option<enrolment::Model>, sea_orm::DbErr> {
    let (run, session) = match target {
        Target::Run(id) => (Some(id), None),
        Target::Session(id) => (None, Some(id)),
    };
    let sql = format!(
        "WITH seat AS ({take}), \
         e AS (INSERT INTO enrolment (candidate_id, course_run_id, exam_session_id, status, \
               waitlist_position, requested_by, created_at, updated_at, version) \
               SELECT $2::bigint, $3::bigint, $4::bigint, \
               CASE WHEN waitlist_length > 0 THEN 'WAITLISTED' ELSE 'CONFIRMED' END, \
               NULLIF(waitlist_length, 0), $5::bigint, $6::timestamptz, $6::timestamptz, 1 \
               FROM seat RETURNING *), \
         h AS (INSERT INTO enrolment_event (enrolment_id, candidate_id, at, to_status, \
               waitlist_position, organisation_id, client_id) \
               SELECT id, candidate_id, created_at, status, waitlist_position, \
               $7::bigint, $8::text FROM e) \
         SELECT * FROM e",
        take = take_seat_sql(target.table()),
    );
    let principal = arrival.principal;
    let values: Vec<Value> = vec![
        target.id().into(),
        arrival.candidate_id.into(),
        run.into(),
        session.into(),
        arrival.requested_by.into(),
        Utc::now().into(),
        principal.organisation().map(|o| o.id).into(),
        principal.client().map(|c| c.client_id.clone()).into(),
    ];
    let row = txn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?;
    row.map(|r| enrolment::Model::from_query_result(&r, ""))
        .transpose()
}

/// [`arrive`] in three statements.
async fn arrive_step_by_step(
    txn: &DatabaseTransaction,
    target: Target,
    arrival: &Arrival<'_>,
) -> Result<Option<enrolment::Model>, sea_orm::DbErr> {
    let backend = txn.get_database_backend();
    let Some(row) = txn
        .query_one_raw(statement(
            backend,
            &take_seat_sql(target.table()),
            vec![target.id().into()],
        ))
        .await?
    else {
        return Ok(None);
    };
    // A seat is taken only while nobody waits, so an empty waitlist after the update
    // means this enrolment got a seat, and otherwise its place is the waitlist's end.
    let waitlist: i32 = row.try_get_by_index(0)?;
    let now = Utc::now();
    let e = enrolment::Entity::insert(enrolment::ActiveModel {
        candidate_id: Set(arrival.candidate_id),
        course_run_id: Set(matches!(target, Target::Run(_)).then_some(target.id())),
        exam_session_id: Set(matches!(target, Target::Session(_)).then_some(target.id())),
        status: Set(if waitlist > 0 {
            EnrolmentStatus::Waitlisted
        } else {
            EnrolmentStatus::Confirmed
        }),
        waitlist_position: Set((waitlist > 0).then_some(waitlist)),
        reason: Set(None),
        requested_by: Set(arrival.requested_by),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?;
    enrolment_event::Entity::insert(super::event(Some(arrival.principal), &e, None, None))
        .exec(txn)
        .await?;
    Ok(Some(e))
}

/// Locks `target` for a change of its seats or waitlist and reads its counters.
pub async fn lock(txn: &DatabaseTransaction, target: impl Into<Seats>) -> AppResult<Counts> {
    let target: Seats = target.into();
    let backend = txn.get_database_backend();
    let sql = format!(
        "UPDATE {} SET waitlist_length = waitlist_length WHERE id = $1 \
         RETURNING seats_max, seats_taken, waitlist_length",
        target.table
    );
    let row = txn
        .query_one_raw(statement(backend, &sql, vec![target.id.into()]))
        .await?
        .ok_or_else(|| AppError::Internal(format!("{} {} vanished", target.table, target.id)))?;
    Ok(Counts {
        seats_max: row.try_get_by_index(0)?,
        seats_taken: row.try_get_by_index(1)?,
        waitlist: row.try_get_by_index(2)?,
    })
}

/// Stores the counters of `target` (locked by [`lock`]), and moves its status between
/// OPEN and FULL to match.
pub async fn store(
    txn: &DatabaseTransaction,
    target: impl Into<Seats>,
    counts: Counts,
) -> AppResult<()> {
    let target: Seats = target.into();
    if let Some(change) = target.change {
        crate::db::changes::record(change);
    }
    let backend = txn.get_database_backend();
    let sql = format!(
        "UPDATE {} SET seats_taken = $2, waitlist_length = $3, \
         status = CASE WHEN status IN ('OPEN', 'FULL') THEN \
         (CASE WHEN $4 >= seats_max THEN 'FULL' ELSE 'OPEN' END) ELSE status END \
         WHERE id = $1",
        target.table
    );
    txn.execute_raw(statement(
        backend,
        &sql,
        vec![
            target.id.into(),
            counts.seats_taken.into(),
            counts.waitlist.into(),
            counts.seats_taken.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Closes the gap a waitlisted place at `position` leaves: everyone behind it moves up
/// one place. The ids of the places that moved.
pub async fn close_line(
    txn: &DatabaseTransaction,
    seats: Seats,
    position: i32,
) -> AppResult<Vec<i64>> {
    let sql = format!(
        "UPDATE {places} SET waitlist_position = waitlist_position - 1 \
         WHERE {parent} = $1 AND status = 'WAITLISTED' AND waitlist_position > $2 \
         RETURNING id",
        places = seats.places,
        parent = seats.parent,
    );
    let rows = txn
        .query_all_raw(statement(
            txn.get_database_backend(),
            &sql,
            vec![seats.id.into(), position.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| r.try_get_by_index::<i64>(0).map_err(Into::into))
        .collect()
}

/// Gives the first in line of `seats` a seat (CONFIRMED); the caller closes the gap
/// ([`close_line`]), has locked the row and accounts for the seat. The id of the place
/// promoted, if anyone waited.
pub async fn promote_line(txn: &DatabaseTransaction, seats: Seats) -> AppResult<Option<i64>> {
    let sql = format!(
        "UPDATE {places} SET status = 'CONFIRMED', waitlist_position = NULL, \
         updated_at = $2, version = version + 1 \
         WHERE {parent} = $1 AND status = 'WAITLISTED' AND waitlist_position = 1 \
         RETURNING id",
        places = seats.places,
        parent = seats.parent,
    );
    let row = txn
        .query_one_raw(statement(
            txn.get_database_backend(),
            &sql,
            vec![seats.id.into(), Utc::now().into()],
        ))
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(row.try_get_by_index(0)?))
}

/// Closes the gap a waitlisted enrolment at `position` leaves: everyone behind it moves
/// up one place.
pub async fn close_gap(txn: &DatabaseTransaction, target: Target, position: i32) -> AppResult<()> {
    // Their place in line changed without a history entry of their own.
    for id in close_line(txn, target.into(), position).await? {
        crate::db::changes::record(crate::db::changes::Change::Enrolment(id));
    }
    Ok(())
}

/// Gives the first in line a seat: CONFIRMED, and everyone behind moves up. The caller
/// has locked `target` and accounts for the seat.
pub async fn promote_first(
    txn: &DatabaseTransaction,
    target: Target,
) -> AppResult<Option<enrolment::Model>> {
    let Some(id) = promote_line(txn, target.into()).await? else {
        return Ok(None);
    };
    close_gap(txn, target, 1).await?;
    Ok(enrolment::Entity::find_by_id(id).one(txn).await?)
}
