//! Municipal advisory requests: a municipality asks an advisory service (in
//! Mecklenburg-Vorpommern the central advisory service for ambulatory care in rural
//! regions) for help, e.g. to fill a GP practice; the advisory service takes the request
//! up, answers it or refers it to a partner better placed to help.
//!
//! | from | to (who) | needs |
//! |---|---|---|
//! | — | RECEIVED (`submit`, the municipality) | topic, region, urgency, description, an ADVISORY organisation |
//! | RECEIVED | IN_PROGRESS (the advisory service) | — |
//! | RECEIVED, IN_PROGRESS | ANSWERED (the advisory service) | `answer` |
//! | RECEIVED, IN_PROGRESS | REFERRED (the advisory service) | `referTo` (another organisation), `note` |
//! | ANSWERED, REFERRED | CLOSED (the municipality or the advisory service) | — |
//!
//! Every change names the `version` it is based on and is recorded on the request's
//! timeline with who made it.
//!
//! The response-time target (`due_on`) is set at submission from the urgency
//! ([`response_days`]); a request still RECEIVED or IN_PROGRESS after that day is
//! overdue.
//!
//! Who sees a request: the municipality that asked, the advisory service asked, and the
//! partner it was referred to (read only); any client of these organisations. Nobody
//! else, not even with `stats:read`.

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::{self, NodeType};
use crate::service::access::{WriteRule, nothing, organisation_of_kind};
use crate::service::courses::stale;
use crate::service::pagination::Ordering;
use crate::service::validation::{Problems, chars, value_name};
use crate::service::{Reference, one_of, today};
use chrono::{Days, NaiveDate, Utc};
use entity::advisory_request::{
    self, AdvisoryRequestStatus as Status, AdvisoryTopic, Column, Entity, RequestUrgency,
};
use entity::advisory_request_event as event;
use entity::organisation::{self, OrganisationKind};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;

/// A new request of the caller (a municipality).
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub topic: AdvisoryTopic,
    /// Code of a region of the region tree (usually a district).
    pub district: String,
    pub urgency: RequestUrgency,
    pub description: String,
    /// The ADVISORY organisation asked.
    pub advisory_service_id: i64,
}

/// A change of status of request `id`, based on `expected_version`.
#[derive(Debug, Clone)]
pub struct StatusChange {
    pub id: i64,
    pub expected_version: i32,
    pub status: Status,
    /// Why (required when referring).
    pub note: Option<String>,
    /// The advisory service's answer (ANSWERED only, and required there).
    pub answer: Option<String>,
    /// The partner a request is referred to (REFERRED only, and required there).
    pub refer_to: Option<i64>,
}

/// Narrows a list of requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequestFilter {
    pub status: Option<Status>,
    pub topic: Option<AdvisoryTopic>,
    pub urgency: Option<RequestUrgency>,
    /// Past the response-time target without an answer or referral (or not).
    pub overdue: Option<bool>,
}

/// Requests are listed in the order they came in.
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "advisory_request.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// Days from submission by which the advisory service answers or refers a request:
/// five for a HIGH request (care is at risk soon), fourteen for NORMAL, thirty for LOW.
pub fn response_days(urgency: RequestUrgency) -> u64 {
    match urgency {
        RequestUrgency::High => 5,
        RequestUrgency::Normal => 14,
        RequestUrgency::Low => 30,
    }
}

/// The response-time target of a request of `urgency` submitted on `submitted_on`.
pub fn due_date(submitted_on: NaiveDate, urgency: RequestUrgency) -> NaiveDate {
    submitted_on
        .checked_add_days(Days::new(response_days(urgency)))
        .unwrap_or(submitted_on)
}

/// Whether request `r` waits for a response past its target on `today`.
pub fn is_overdue(r: &advisory_request::Model, today: NaiveDate) -> bool {
    Status::OPEN.contains(&r.status) && r.due_on < today
}

// ---------------------------------------------------------------------------------
// Who sees what.

/// Rows of `advisory_request` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let cond = match principal.organisation() {
        Some(org) => Condition::any()
            .add(Column::MunicipalityId.eq(org.id))
            .add(Column::AdvisoryServiceId.eq(org.id))
            .add(Column::ReferredToId.eq(org.id)),
        None => Condition::all().add(nothing()),
    };
    Entity::find().filter(cond)
}

/// The requests matching `filter` that the caller may see.
pub fn filtered(principal: &Principal, filter: &RequestFilter) -> Select<Entity> {
    let mut select = visible_to(principal);
    if let Some(s) = filter.status {
        select = select.filter(Column::Status.eq(s));
    }
    if let Some(t) = filter.topic {
        select = select.filter(Column::Topic.eq(t));
    }
    if let Some(u) = filter.urgency {
        select = select.filter(Column::Urgency.eq(u));
    }
    if let Some(overdue) = filter.overdue {
        let today = today();
        let cond = if overdue {
            Condition::all()
                .add(Column::Status.is_in(Status::OPEN))
                .add(Column::DueOn.lt(today))
        } else {
            Condition::any()
                .add(Column::Status.is_not_in(Status::OPEN))
                .add(Column::DueOn.gte(today))
        };
        select = select.filter(cond);
    }
    select
}

/// The requests with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<advisory_request::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The timeline of each request the caller may see, oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<event::Model>>> {
    let visible = visible_to(principal)
        .select_only()
        .column(Column::Id)
        .into_query();
    let rows = event::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            event::Column::RequestId,
            ids,
        ))
        .filter(event::Column::RequestId.in_subquery(visible))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        (r.request_id, r)
    }))
}

// ---------------------------------------------------------------------------------
// Who may change what.

/// The organisation of a caller who may change requests at all: a municipality (its
/// own) or an advisory service (those addressed to it).
pub fn writer(principal: &Principal) -> AppResult<i64> {
    organisation_of_kind(
        principal,
        &[OrganisationKind::Municipality, OrganisationKind::Advisory],
        "only the municipality that asked and the advisory service asked change an advisory request",
    )
}

/// The organisation of a caller who may submit requests: a municipality.
pub fn submitter(principal: &Principal) -> AppResult<i64> {
    organisation_of_kind(
        principal,
        &[OrganisationKind::Municipality],
        "only municipalities submit advisory requests",
    )
}

fn editable_by(principal: &Principal) -> Select<Entity> {
    match writer(principal) {
        Ok(org) => visible_to(principal).filter(
            Condition::any()
                .add(Column::MunicipalityId.eq(org))
                .add(Column::AdvisoryServiceId.eq(org)),
        ),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Changing a request: the municipality that asked or the advisory service asked; a
/// partner it was referred to reads it only.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "advisory request",
    node: NodeType::AdvisoryRequest,
    id: Column::Id,
    visible_to,
    editable_by,
    writer,
    foreign: "this advisory request was referred to your organisation to read; only the \
              municipality that asked and the advisory service asked change it",
};

// ---------------------------------------------------------------------------------
// Changes.

/// A text as given: trimmed, within `range` characters, or a problem with `field`.
fn clean(
    p: &mut Problems,
    text: &str,
    field: &str,
    range: std::ops::RangeInclusive<usize>,
) -> String {
    let text = text.trim().to_owned();
    p.check(
        range.contains(&chars(&text)),
        field,
        format!("{} to {} characters", range.start(), group(*range.end())),
    );
    text
}

/// `5000` as `5,000`, as the other limits are written.
fn group(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

/// Submits a request of the caller (a municipality) to an advisory service.
pub async fn submit(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewRequest,
) -> AppResult<advisory_request::Model> {
    let municipality = submitter(principal)?;
    let mut p = Problems::default();
    let description = clean(&mut p, &input.description, "description", 3..=5000);
    let district = input.district.trim().to_owned();
    p.check(
        reference.regions.get(&district).is_some(),
        "district",
        format!(
            "unknown region `{district}`; use a district AGS such as `13073` or an ISO 3166-2 code such as `DE-MV`"
        ),
    );
    p.finish()?;
    crate::db::write(db, async |txn| {
        let service = organisation::Entity::find_by_id(input.advisory_service_id)
            .one(txn)
            .await?;
        if service.is_none_or(|s| s.kind != OrganisationKind::Advisory) {
            return Err(AppError::bad_input(
                "advisoryService",
                format!(
                    "`{}` is not an advisory service: ask an organisation of kind ADVISORY",
                    id::encode(NodeType::Organisation, input.advisory_service_id)
                ),
            ));
        }
        let now = Utc::now();
        let submitted_on = today();
        let stored = Entity::insert(advisory_request::ActiveModel {
            municipality_id: Set(municipality),
            advisory_service_id: Set(input.advisory_service_id),
            referred_to_id: Set(None),
            topic: Set(input.topic),
            district_code: Set(district.clone()),
            urgency: Set(input.urgency),
            description: Set(description.clone()),
            status: Set(Status::Received),
            answer: Set(None),
            note: Set(None),
            submitted_on: Set(submitted_on),
            due_on: Set(due_date(submitted_on, input.urgency)),
            responded_on: Set(None),
            closed_on: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        record(txn, principal, &stored, None, None).await?;
        Ok(stored)
    })
    .await
}

/// The statuses a request can move to `to` from, and whether a municipality may make
/// that move (the advisory service makes every move).
fn transition(to: Status) -> (&'static [Status], bool) {
    match to {
        Status::Received => (&[], false),
        Status::InProgress => (&[Status::Received], false),
        Status::Answered | Status::Referred => (&Status::OPEN, false),
        Status::Closed => (&[Status::Answered, Status::Referred], true),
    }
}

/// What a change needs, checked before anything is read: the texts and the fields that
/// go with the target status only.
struct Checked {
    note: Option<String>,
    answer: Option<String>,
}

fn check_change(input: &StatusChange) -> AppResult<Checked> {
    let mut p = Problems::default();
    let to = input.status;
    p.check(
        to != Status::Received,
        "status",
        "a request is RECEIVED when it is submitted; move it to IN_PROGRESS, ANSWERED, REFERRED or CLOSED",
    );
    let note = input
        .note
        .as_deref()
        .map(|n| clean(&mut p, n, "note", 3..=1000));
    let answer = input
        .answer
        .as_deref()
        .map(|a| clean(&mut p, a, "answer", 3..=5000));
    if to == Status::Answered {
        p.check(
            answer.is_some(),
            "answer",
            "an ANSWERED request needs the answer",
        );
    } else {
        p.check(
            answer.is_none(),
            "answer",
            "an answer goes with the status ANSWERED only",
        );
    }
    if to == Status::Referred {
        p.check(
            input.refer_to.is_some(),
            "referTo",
            "a REFERRED request needs the partner it is referred to",
        );
        p.check(
            note.is_some(),
            "note",
            "a REFERRED request needs a note saying why it is referred",
        );
    } else {
        p.check(
            input.refer_to.is_none(),
            "referTo",
            "a partner goes with the status REFERRED only",
        );
    }
    p.finish()?;
    Ok(Checked { note, answer })
}

/// Moves a request to another status, if the caller's role may, the request's status
/// allows it and nobody changed it since `expected_version`.
pub async fn change_status(
    db: &DatabaseConnection,
    principal: &Principal,
    input: StatusChange,
) -> AppResult<advisory_request::Model> {
    let checked = check_change(&input)?;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, input.id).await?;
        if current.version != input.expected_version {
            return Err(stale("advisory request", current.version));
        }
        let to = input.status;
        let (from, municipality_may) = transition(to);
        let is_service = principal
            .organisation()
            .is_some_and(|o| o.id == current.advisory_service_id);
        if !is_service && !municipality_may {
            return Err(AppError::Forbidden(format!(
                "only the advisory service asked moves a request to {}",
                value_name(&to)
            )));
        }
        if !from.contains(&current.status) {
            return Err(AppError::bad_input(
                "status",
                format!(
                    "the request is {}: only {} requests can become {}",
                    value_name(&current.status),
                    from.iter().map(value_name).collect::<Vec<_>>().join(" or "),
                    value_name(&to)
                ),
            ));
        }
        let mut change = advisory_request::ActiveModel {
            status: Set(to),
            note: Set(checked.note.clone()),
            ..Default::default()
        };
        match to {
            Status::Answered => {
                change.answer = Set(checked.answer.clone());
                change.responded_on = Set(Some(today()));
            }
            Status::Referred => {
                let partner = referral_partner(txn, &current, input.refer_to).await?;
                change.referred_to_id = Set(Some(partner));
                change.responded_on = Set(Some(today()));
            }
            Status::Closed => change.closed_on = Set(Some(today())),
            Status::Received | Status::InProgress => {}
        }
        save(txn, principal, &current, change).await
    })
    .await
}

/// The partner a request is referred to: an organisation other than the two parties.
async fn referral_partner(
    txn: &DatabaseTransaction,
    current: &advisory_request::Model,
    refer_to: Option<i64>,
) -> AppResult<i64> {
    let id = refer_to.ok_or_else(|| {
        AppError::bad_input(
            "referTo",
            "a REFERRED request needs the partner it is referred to",
        )
    })?;
    let exists = organisation::Entity::find_by_id(id).one(txn).await?;
    let ok = exists.is_some() && id != current.advisory_service_id && id != current.municipality_id;
    if !ok {
        return Err(AppError::bad_input(
            "referTo",
            format!(
                "`{}` is no partner to refer to: name an organisation other than the municipality and the advisory service",
                id::encode(NodeType::Organisation, id)
            ),
        ));
    }
    Ok(id)
}

/// Saves a change of status if nobody changed the request since it was read, and
/// records it on the timeline.
async fn save(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: &advisory_request::Model,
    mut change: advisory_request::ActiveModel,
) -> AppResult<advisory_request::Model> {
    change.updated_at = Set(Utc::now());
    change.version = Set(current.version + 1);
    let note = match &change.note {
        Set(n) => n.clone(),
        _ => None,
    };
    let saved = Entity::update_many()
        .set(change)
        .filter(Column::Id.eq(current.id))
        .filter(Column::Version.eq(current.version))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| stale("advisory request", current.version + 1))?;
    record(txn, principal, &saved, Some(current.status), note).await?;
    Ok(saved)
}

/// Appends to a request's timeline.
async fn record(
    txn: &DatabaseTransaction,
    principal: &Principal,
    r: &advisory_request::Model,
    from: Option<Status>,
    note: Option<String>,
) -> AppResult<()> {
    event::Entity::insert(event::ActiveModel {
        request_id: Set(r.id),
        at: Set(Utc::now()),
        from_status: Set(from),
        to_status: Set(r.status),
        organisation_id: Set(principal.organisation().map(|o| o.id)),
        client_id: Set(principal.client().map(|c| c.client_id.clone())),
        note: Set(note),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_follows_the_urgency() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(
            due_date(day, RequestUrgency::High),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        assert_eq!(
            due_date(day, RequestUrgency::Normal),
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        assert_eq!(
            due_date(day, RequestUrgency::Low),
            NaiveDate::from_ymd_opt(2026, 12, 27).unwrap()
        );
    }

    #[test]
    fn only_the_matching_status_takes_an_answer_or_a_partner() {
        let change = |status, answer: Option<&str>, refer_to, note: Option<&str>| StatusChange {
            id: 1,
            expected_version: 1,
            status,
            note: note.map(Into::into),
            answer: answer.map(Into::into),
            refer_to,
        };
        let field = |r: AppResult<Checked>| match r {
            Err(AppError::BadUserInput { field, .. }) => field,
            _ => None,
        };
        assert_eq!(
            field(check_change(&change(Status::Answered, None, None, None))).as_deref(),
            Some("answer")
        );
        assert_eq!(
            field(check_change(&change(
                Status::Closed,
                Some("Antwort"),
                None,
                None
            )))
            .as_deref(),
            Some("answer")
        );
        assert_eq!(
            field(check_change(&change(Status::Referred, None, Some(3), None))).as_deref(),
            Some("note")
        );
        assert_eq!(
            field(check_change(&change(Status::Received, None, None, None))).as_deref(),
            Some("status")
        );
        assert!(check_change(&change(Status::InProgress, None, None, Some("übernommen"))).is_ok());
    }
}
