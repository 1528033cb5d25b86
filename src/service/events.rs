//! The network's own events: organisers (scope `events:write`) publish information
//! events, network meetings, workshops, trainings and qualification series with ordered
//! modules; partner organisations (scope `events:register`) register named
//! participants for an event or a whole series; the organiser records attendance, per
//! module for a series.
//!
//! Seats and waitlists are a course run's (`enrolments::seats`): a registration takes a
//! seat with the same locking `UPDATE` and waits in the same kind of line, and a
//! withdrawal hands its seat to the first in line. A participant's name and e-mail are
//! personal data of a partner's employee: only the organiser and the registering
//! organisation see them, and either can erase them.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::enrolments::seats::{self, Seats};
use crate::service::pagination::{Ordering, SortKind};
use crate::service::regions::RegionTree;
use crate::service::validation::{Problems, chars, value_name};
use chrono::{NaiveDate, Utc};
use entity::course_run::RunStatus;
use entity::enrolment::EnrolmentStatus;
use entity::network_event::{self, AudienceRole, Column, Entity, EventKind};
use entity::organisation::OrganisationKind;
use entity::{event_attendance, event_registration};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

/// Events are listed by first day, then id.
pub const BY_START: Ordering<Entity> = Ordering {
    name: "network_event.start",
    sort: Some((Column::StartDate, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.start_date.to_string()),
    row_id: |m| m.id,
};

/// Narrows the catalogue; every condition given must hold.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub kind: Option<EventKind>,
    /// Region code: the event takes place in it or below it.
    pub region: Option<String>,
    /// Meant for this kind of partner (or for every partner).
    pub audience: Option<OrganisationKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// One can still register (true), or not (false).
    pub open_for_registration: Option<bool>,
}

/// A new event, or a new series with its modules.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub title: String,
    pub description: String,
    pub audience_kinds: Vec<OrganisationKind>,
    pub audience_roles: Vec<AudienceRole>,
    pub region: String,
    /// For a series: its first module's (ignored; the modules' dates count).
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub full_day: bool,
    pub online: bool,
    pub place: Option<String>,
    pub capacity: i32,
    pub registration_deadline: Option<NaiveDate>,
    /// `OPEN` (default) or `PLANNED`.
    pub status: Option<RunStatus>,
    /// The modules of a series, in order.
    pub modules: Vec<NewModule>,
}

/// A module of a series.
#[derive(Debug, Clone)]
pub struct NewModule {
    pub title: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub full_day: bool,
    pub online: bool,
    pub place: Option<String>,
}

/// Registering a participant.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub event_id: i64,
    pub name: String,
    pub email: String,
}

/// The seats of event `id`: its registrations take them.
fn seats_of(id: i64) -> Seats {
    Seats {
        table: "network_event",
        id,
        places: "event_registration",
        parent: "event_id",
        change: None,
    }
}

/// The catalogue is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// Events one can register for on `today`: a series or a single event (not a module),
/// open or planned, not started, the deadline not passed. (A full event still takes
/// registrations, onto its waitlist.)
pub fn open_for_registration(today: NaiveDate) -> Condition {
    Condition::all()
        .add(Column::Kind.ne(EventKind::Module))
        .add(Column::Status.is_in([RunStatus::Planned, RunStatus::Open, RunStatus::Full]))
        .add(Column::StartDate.gte(today))
        .add(
            Condition::any()
                .add(Column::RegistrationDeadline.is_null())
                .add(Column::RegistrationDeadline.gte(today)),
        )
}

/// The events matching `filter`.
pub fn filtered(
    principal: &Principal,
    regions: &RegionTree,
    filter: &EventFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(kind) = filter.kind {
        select = select.filter(Column::Kind.eq(kind));
    }
    if let Some(codes) = regions.filter_codes(filter.region.as_deref(), "region")? {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(kind) = filter.audience {
        // Stored as a JSON array of names: `"NAME"` appears in it, or it is empty.
        let name = format!("%\"{}\"%", value_name(&kind));
        select = select.filter(
            Condition::any()
                .add(Expr::col(Column::AudienceKinds).cast_as("text").like(name))
                .add(Expr::col(Column::AudienceKinds).cast_as("text").eq("[]")),
        );
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(Column::StartDate.lte(to));
    }
    if let Some(open) = filter.open_for_registration {
        let cond = open_for_registration(crate::service::today());
        select = select.filter(if open { cond } else { cond.not() });
    }
    Ok(select)
}

/// The events with these ids.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<network_event::Model>> {
    Ok(visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The modules of each series, in order.
pub async fn modules_of(
    db: &impl ConnectionTrait,
    series: &[i64],
) -> AppResult<HashMap<i64, Vec<network_event::Model>>> {
    let rows = Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            Column::SeriesId,
            series,
        ))
        .order_by_asc(Column::ModuleNo)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(series, rows, |m| {
        (m.series_id.unwrap_or_default(), m)
    }))
}

// ---------------------------------------------------------------------------------
// Registrations and who sees them.

/// Registrations the caller may see: its organisation's own, and all of the events it
/// organises.
pub fn registrations_visible_to(principal: &Principal) -> Select<event_registration::Entity> {
    use event_registration::Column as R;
    let all = event_registration::Entity::find();
    if principal.has_scope(crate::auth::Scope::Admin) {
        return all;
    }
    let Some(org) = principal.organisation().map(|o| o.id) else {
        return all.filter(crate::service::access::nothing());
    };
    all.filter(
        Condition::any().add(R::OrganisationId.eq(org)).add(
            R::EventId.in_subquery(
                Query::select()
                    .column(Column::Id)
                    .from(Entity)
                    .and_where(Column::OrganiserId.eq(org))
                    .to_owned(),
            ),
        ),
    )
}

/// The registrations of each event that the caller may see, oldest first.
pub async fn registrations_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    events: &[i64],
) -> AppResult<HashMap<i64, Vec<event_registration::Model>>> {
    use event_registration::Column as R;
    let rows = registrations_visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            R::EventId,
            events,
        ))
        .order_by_asc(R::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(events, rows, |r| {
        (r.event_id, r)
    }))
}

/// The registrations with these ids that the caller may see.
pub async fn registrations_by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<event_registration::Model>> {
    Ok(registrations_visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            event_registration::Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The attendance recorded for each registration (the caller sees the registrations).
pub async fn attendance_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    registrations: &[i64],
) -> AppResult<HashMap<i64, Vec<event_attendance::Model>>> {
    use event_attendance::Column as A;
    let visible = registrations_by_ids(db, principal, registrations).await?;
    let ids: Vec<i64> = visible.iter().map(|r| r.id).collect();
    let rows = event_attendance::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            A::RegistrationId,
            &ids,
        ))
        .order_by_asc(A::EventId)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(registrations, rows, |a| {
        (a.registration_id, a)
    }))
}

// ---------------------------------------------------------------------------------
// Writing.

/// The organisation of a caller who publishes events (the `events:write` scope is the
/// operation's).
fn organiser(principal: &Principal) -> AppResult<i64> {
    principal
        .organisation()
        .map(|o| o.id)
        .ok_or_else(|| AppError::Forbidden("events are published by a partner organisation".into()))
}

fn check_text(p: &mut Problems, field: &str, text: &str, range: std::ops::RangeInclusive<usize>) {
    p.check(
        range.contains(&chars(text)),
        field,
        format!(
            "`{field}` needs {} to {} characters",
            range.start(),
            range.end()
        ),
    );
}

/// Publishes an event of the caller's organisation; a series with its modules.
pub async fn publish(
    db: &DatabaseConnection,
    principal: &Principal,
    regions: &RegionTree,
    new: NewEvent,
) -> AppResult<(network_event::Model, Vec<network_event::Model>)> {
    let org = organiser(principal)?;
    let today = crate::service::today();
    let mut p = Problems::default();
    check_text(&mut p, "title", &new.title, 3..=200);
    p.check(
        chars(&new.description) <= 5000,
        "description",
        "the description has at most 5,000 characters",
    );
    p.check(
        regions.get(new.region.trim()).is_some(),
        "region",
        format!("unknown region `{}`", new.region.trim()),
    );
    p.check(
        (1..=1000).contains(&new.capacity),
        "capacity",
        "the capacity is 1 to 1,000 participants",
    );
    p.check(
        new.kind != EventKind::Module,
        "kind",
        "modules are published with their series (`modules`)",
    );
    let status = new.status.unwrap_or(RunStatus::Open);
    p.check(
        matches!(status, RunStatus::Open | RunStatus::Planned),
        "status",
        "a new event is OPEN or PLANNED",
    );
    if let Some(place) = &new.place {
        check_text(&mut p, "place", place, 1..=200);
    }
    // The dates: a series spans its modules; any other event has its own.
    let mut modules = Vec::new();
    let mut last_end: Option<NaiveDate> = None;
    for (i, m) in new.modules.iter().enumerate() {
        let field = |f: &str| format!("modules.{i}.{f}");
        check_text(&mut p, &field("title"), &m.title, 3..=200);
        p.check(
            m.end_date >= m.start_date,
            &field("endDate"),
            "the last day is the first or after it",
        );
        p.check(
            last_end.is_none_or(|e| m.start_date > e),
            &field("startDate"),
            "modules follow each other: each starts after the one before ends",
        );
        if let Some(place) = &m.place {
            check_text(&mut p, &field("place"), place, 1..=200);
        }
        last_end = Some(m.end_date);
        modules.push(m.clone());
    }
    let (start, end) = if new.kind == EventKind::Series {
        p.check(
            (1..=12).contains(&new.modules.len()),
            "modules",
            "a series has 1 to 12 modules",
        );
        (
            new.modules.first().map(|m| m.start_date),
            new.modules.last().map(|m| m.end_date),
        )
    } else {
        p.check(
            new.modules.is_empty(),
            "modules",
            "only a SERIES has modules",
        );
        p.check(
            new.start_date.is_some(),
            "startDate",
            "an event needs its first day",
        );
        let end = new.end_date.or(new.start_date);
        p.check(
            end.zip(new.start_date).is_none_or(|(e, s)| e >= s),
            "endDate",
            "the last day is the first or after it",
        );
        (new.start_date, end)
    };
    p.check(
        start.is_none_or(|s| s >= today),
        "startDate",
        "a new event cannot start in the past",
    );
    p.check(
        new.registration_deadline
            .zip(start)
            .is_none_or(|(d, s)| d <= s),
        "registrationDeadline",
        "the registration deadline is on or before the first day",
    );
    p.finish()?;
    let (Some(start), Some(end)) = (start, end) else {
        return Err(AppError::Internal("validated event without dates".into()));
    };
    let json = |v: &[String]| serde_json::Value::from(v.to_vec());
    let kinds: Vec<String> = new.audience_kinds.iter().map(value_name).collect();
    let roles: Vec<String> = new.audience_roles.iter().map(value_name).collect();
    let now = Utc::now();
    let row = |kind: EventKind,
               title: String,
               series: Option<i64>,
               module: Option<i32>,
               (start, end): (NaiveDate, NaiveDate),
               full_day: bool,
               online: bool,
               place: Option<String>| network_event::ActiveModel {
        organiser_id: Set(org),
        series_id: Set(series),
        module_no: Set(module),
        kind: Set(kind),
        title: Set(title.trim().to_owned()),
        description: Set(new.description.clone()),
        audience_kinds: Set(json(&kinds)),
        audience_roles: Set(json(&roles)),
        region_code: Set(new.region.trim().to_owned()),
        start_date: Set(start),
        end_date: Set(end),
        full_day: Set(full_day),
        online: Set(online),
        place: Set(place.map(|p| p.trim().to_owned())),
        seats_max: Set(new.capacity),
        seats_taken: Set(0),
        waitlist_length: Set(0),
        registration_deadline: Set(if series.is_some() {
            None
        } else {
            new.registration_deadline
        }),
        status: Set(status),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    };
    crate::db::write(db, async |txn| {
        let event = Entity::insert(row(
            new.kind,
            new.title.clone(),
            None,
            None,
            (start, end),
            new.full_day,
            new.online,
            new.place.clone(),
        ))
        .exec_with_returning(txn)
        .await?;
        let mut stored = Vec::with_capacity(modules.len());
        for (i, m) in modules.iter().enumerate() {
            stored.push(
                Entity::insert(row(
                    EventKind::Module,
                    m.title.clone(),
                    Some(event.id),
                    Some(i as i32 + 1),
                    (m.start_date, m.end_date),
                    m.full_day,
                    m.online,
                    m.place.clone(),
                ))
                .exec_with_returning(txn)
                .await?,
            );
        }
        Ok((event, stored))
    })
    .await
}

/// Registers a participant of the caller's organisation for an event or a whole
/// series: a seat if one is free and nobody waits, otherwise a place in line.
pub async fn register(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewRegistration,
) -> AppResult<event_registration::Model> {
    let Some(org) = principal.organisation() else {
        return Err(AppError::Forbidden(
            "participants are registered by their organisation".into(),
        ));
    };
    let (org_id, org_kind) = (org.id, org.kind);
    let mut p = Problems::default();
    let name = new.name.trim().to_owned();
    let email = new.email.trim().to_owned();
    check_text(&mut p, "name", &name, 2..=200);
    p.check(
        email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.starts_with('.'))
            && !email.contains(char::is_whitespace),
        "email",
        "give the participant's e-mail address, such as name@example.org",
    );
    p.finish()?;
    let today = crate::service::today();
    crate::db::write(db, async |txn| {
        let event = Entity::find_by_id(new.event_id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::NotFound("event".into()))?;
        let mut p = Problems::default();
        p.check(
            event.kind != EventKind::Module,
            "eventId",
            "register for the whole series, not one of its modules",
        );
        let audience: Vec<OrganisationKind> =
            serde_json::from_value(event.audience_kinds.clone()).unwrap_or_default();
        if !audience.is_empty() && !audience.contains(&org_kind) {
            return Err(AppError::Forbidden(format!(
                "this event is for {}",
                audience
                    .iter()
                    .map(value_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        p.check(
            event.start_date >= today,
            "eventId",
            "the event has started",
        );
        p.check(
            event.registration_deadline.is_none_or(|d| d >= today),
            "eventId",
            "the registration deadline has passed",
        );
        p.finish()?;
        let Some(waitlist) = seats::take(txn, seats_of(event.id)).await? else {
            return Err(AppError::bad_input(
                "eventId",
                "the event was cancelled or has ended",
            ));
        };
        let now = Utc::now();
        let registration = event_registration::Entity::insert(event_registration::ActiveModel {
            event_id: Set(event.id),
            organisation_id: Set(org_id),
            participant_name: Set(Some(name)),
            participant_email: Set(Some(email)),
            status: Set(if waitlist > 0 {
                EnrolmentStatus::Waitlisted
            } else {
                EnrolmentStatus::Confirmed
            }),
            waitlist_position: Set((waitlist > 0).then_some(waitlist)),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        Ok(registration)
    })
    .await
}

/// A registration the caller may change: its organisation's, or one of an event it
/// organises; `NOT_FOUND` for any other.
async fn changeable(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: i64,
) -> AppResult<(event_registration::Model, network_event::Model)> {
    let registration = registrations_visible_to(principal)
        .filter(event_registration::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::NotFound("event registration".into()))?;
    let event = Entity::find_by_id(registration.event_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("registration without event".into()))?;
    Ok((registration, event))
}

/// Withdraws a registration: its seat goes to the first in line, or its place in line
/// closes up.
pub async fn withdraw(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> AppResult<event_registration::Model> {
    crate::db::write(db, async |txn| {
        let (_, event) = changeable(txn, principal, id).await?;
        let line = seats_of(event.id);
        let mut counts = seats::lock(txn, line).await?;
        // Read again under the event's lock: a withdrawal or promotion may have moved it.
        let current = event_registration::Entity::find_by_id(id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal("registration vanished".into()))?;
        match current.status {
            EnrolmentStatus::Confirmed => {
                if counts.waitlist > 0 && seats::promote_line(txn, line).await?.is_some() {
                    seats::close_line(txn, line, 1).await?;
                    counts.waitlist -= 1;
                } else {
                    counts.seats_taken -= 1;
                }
            }
            EnrolmentStatus::Waitlisted => {
                seats::close_line(txn, line, current.waitlist_position.unwrap_or(i32::MAX))
                    .await?;
                counts.waitlist -= 1;
            }
            other => {
                return Err(AppError::bad_input(
                    "id",
                    format!(
                        "the registration is {}: only CONFIRMED or WAITLISTED ones can be withdrawn",
                        value_name(&other)
                    ),
                ));
            }
        }
        seats::store(txn, line, counts).await?;
        let mut active: event_registration::ActiveModel = current.into();
        active.status = Set(EnrolmentStatus::Withdrawn);
        active.waitlist_position = Set(None);
        active.updated_at = Set(Utc::now());
        active.version = Set(active.version.as_ref() + 1);
        Ok(event_registration::Entity::update(active).exec(txn).await?)
    })
    .await
}

/// Erases a participant's name and e-mail; the registration (and its seat) stays.
pub async fn erase(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> AppResult<event_registration::Model> {
    crate::db::write(db, async |txn| {
        let (current, _) = changeable(txn, principal, id).await?;
        let mut active: event_registration::ActiveModel = current.into();
        active.participant_name = Set(None);
        active.participant_email = Set(None);
        active.erased_at = Set(Some(Utc::now()));
        active.updated_at = Set(Utc::now());
        active.version = Set(active.version.as_ref() + 1);
        Ok(event_registration::Entity::update(active).exec(txn).await?)
    })
    .await
}

/// The organiser records whether a confirmed participant attended the event, or a
/// module of the series they registered for (`module`).
pub async fn record_attendance(
    db: &DatabaseConnection,
    principal: &Principal,
    registration_id: i64,
    module: Option<i64>,
    attended: bool,
) -> AppResult<event_attendance::Model> {
    let org = organiser(principal)?;
    crate::db::write(db, async |txn| {
        let (registration, event) = changeable(txn, principal, registration_id).await?;
        // Held until the end, so that two records of one registration do not collide.
        txn.execute_raw(seats::statement(
            txn.get_database_backend(),
            "UPDATE event_registration SET version = version WHERE id = $1",
            vec![registration.id.into()],
        ))
        .await?;
        if event.organiser_id != org {
            return Err(AppError::Forbidden(
                "attendance is recorded by the event's organiser".into(),
            ));
        }
        let mut p = Problems::default();
        p.check(
            registration.status == EnrolmentStatus::Confirmed,
            "registrationId",
            format!(
                "the registration is {}: attendance is recorded for CONFIRMED participants",
                value_name(&registration.status)
            ),
        );
        let at = match (event.kind, module) {
            (EventKind::Series, Some(m)) => {
                let is_module = Entity::find_by_id(m)
                    .one(txn)
                    .await?
                    .is_some_and(|e| e.series_id == Some(event.id));
                p.check(is_module, "moduleId", "not a module of this series");
                m
            }
            (EventKind::Series, None) => {
                p.check(false, "moduleId", "name the module of the series");
                event.id
            }
            (_, Some(_)) => {
                p.check(false, "moduleId", "only a series has modules");
                event.id
            }
            (_, None) => event.id,
        };
        p.finish()?;
        use event_attendance::Column as A;
        event_attendance::Entity::delete_many()
            .filter(A::RegistrationId.eq(registration.id))
            .filter(A::EventId.eq(at))
            .exec(txn)
            .await?;
        Ok(
            event_attendance::Entity::insert(event_attendance::ActiveModel {
                registration_id: Set(registration.id),
                event_id: Set(at),
                attended: Set(attended),
                recorded_at: Set(Utc::now()),
            })
            .exec_with_returning(txn)
            .await?,
        )
    })
    .await
}
