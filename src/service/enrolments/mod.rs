//! Enrolments: an advisory centre's candidate in a course run or an exam session.
//!
//! The state machine:
//!
//! | from | operation (who) | to |
//! |---|---|---|
//! | — | `request` (the candidate's advisory centre) | CONFIRMED while a seat is free and nobody waits, else WAITLISTED at the end of the line |
//! | WAITLISTED | `confirm` (the school or exam office), when a seat is free | CONFIRMED |
//! | CONFIRMED, WAITLISTED | `decline` (the school or exam office, with a reason) | DECLINED |
//! | CONFIRMED, WAITLISTED | `withdraw` (either side) | WITHDRAWN |
//! | CONFIRMED, WAITLISTED | the run or session is cancelled | WITHDRAWN, with the cancellation's reason |
//! | CONFIRMED, a result | `record_result` (the school or exam office), once it has taken place | COMPLETED, PASSED, FAILED, NO_SHOW |
//!
//! A confirmed enrolment that leaves hands its seat to the first in line in the same
//! transaction; a waitlisted one that leaves closes its gap. Seats and places are
//! counted on the run or session under its row lock ([`seats`]), so the confirmed
//! enrolments never outnumber the seats and places stay 1, 2, 3 … under any concurrency.
//!
//! Who sees an enrolment: the candidate's advisory centre (`enrolments:write` or
//! `candidates:read`), and the school or exam office it is addressed to (`courses:write`
//! or `exams:write`). Everyone else sees only the counts on the run or session.

pub mod seats;

use crate::auth::{Principal, Scope};
use crate::db::changes::{self, Change};
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::candidates::{self, advisory_writer, owned_by};
use crate::service::pagination::{ChildList, Ordering};
use crate::service::validation::{Problems, chars, value_name};
use crate::service::{Reference, course_runs, courses, exam_sessions, one_of};
use chrono::{NaiveDate, Utc};
use entity::consent::{self, ConsentPurpose};
use entity::course::{self, CourseType};
use entity::course_run::{self, RunStatus};
use entity::decision::{self, CompensatoryMeasure};
use entity::enrolment::{self, Column, EnrolmentStatus, Entity};
use entity::exam_session::{self, ExamType};
use entity::{candidate, enrolment_event, recognition_case};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
};
use std::collections::HashMap;

/// What an enrolment is for: a course run or an exam session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Run(i64),
    Session(i64),
}

impl Target {
    /// The run or session of an enrolment.
    pub fn of(e: &enrolment::Model) -> AppResult<Target> {
        match (e.course_run_id, e.exam_session_id) {
            (Some(run), None) => Ok(Target::Run(run)),
            (None, Some(session)) => Ok(Target::Session(session)),
            _ => Err(AppError::Internal(format!(
                "enrolment {} has no single target",
                e.id
            ))),
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Target::Run(id) | Target::Session(id) => id,
        }
    }

    /// The change subscribers of the run or session see.
    pub fn change(self) -> Change {
        match self {
            Target::Run(id) => Change::CourseRun(id),
            Target::Session(id) => Change::ExamSession(id),
        }
    }

    /// The table holding the seats.
    fn table(self) -> &'static str {
        match self {
            Target::Run(_) => "course_run",
            Target::Session(_) => "exam_session",
        }
    }

    /// The enrolment column naming the target.
    fn column(self) -> Column {
        match self {
            Target::Run(_) => Column::CourseRunId,
            Target::Session(_) => Column::ExamSessionId,
        }
    }

    /// What the target is called in messages.
    pub fn what(self) -> &'static str {
        match self {
            Target::Run(_) => "course run",
            Target::Session(_) => "exam session",
        }
    }

    /// The input field naming the target.
    pub fn field(self) -> &'static str {
        match self {
            Target::Run(_) => "courseRunId",
            Target::Session(_) => "examSessionId",
        }
    }
}

/// Candidate `candidate_id` asks for a seat in `target`.
#[derive(Debug, Clone)]
pub struct EnrolmentRequest {
    pub candidate_id: i64,
    pub target: Target,
}

/// Narrows a list of enrolments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EnrolmentFilter {
    pub status: Option<EnrolmentStatus>,
}

/// Enrolments are listed in the order they were requested.
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "enrolment.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// The attempts at the Kenntnisprüfung a candidate has: after this many FAILED results
/// the hub enrols them into no further session of it. ÄApprO § 37 (7) sentence 2 for
/// physicians and AAppO § 22d (6) sentence 2 for pharmacists allow three attempts (two
/// repetitions); the hub applies the same limit to every profession.
pub const KENNTNISPRUEFUNG_ATTEMPTS: u64 = 3;

// ---------------------------------------------------------------------------------
// Who sees what.

/// `SELECT id FROM course_run WHERE course_id IN (courses of org)`.
fn runs_of(org: i64) -> SelectStatement {
    Query::select()
        .column(course_run::Column::Id)
        .from(course_run::Entity)
        .and_where(
            course_run::Column::CourseId.in_subquery(
                Query::select()
                    .column(course::Column::Id)
                    .from(course::Entity)
                    .and_where(course::Column::ProviderId.eq(org))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// `SELECT id FROM exam_session WHERE organisation_id = org`.
fn sessions_of(org: i64) -> SelectStatement {
    Query::select()
        .column(exam_session::Column::Id)
        .from(exam_session::Entity)
        .and_where(exam_session::Column::OrganisationId.eq(org))
        .to_owned()
}

/// Enrolments addressed to `org`: into the runs of its courses or its exam sessions.
fn received_by(org: i64) -> Condition {
    Condition::any()
        .add(Column::CourseRunId.in_subquery(runs_of(org)))
        .add(Column::ExamSessionId.in_subquery(sessions_of(org)))
}

/// Whether the caller reads as a receiving side (school, provider or exam owner).
fn reads_as_receiver(principal: &Principal) -> bool {
    principal.has_scope(Scope::CoursesWrite) || principal.has_scope(Scope::ExamsWrite)
}

/// Whether the caller reads as an advisory centre.
fn reads_as_advisory(principal: &Principal) -> bool {
    principal.has_scope(Scope::EnrolmentsWrite) || principal.has_scope(Scope::CandidatesRead)
}

/// Rows of `enrolment` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let mut cond = Condition::any().add(nothing());
    if let Some(org) = principal.organisation() {
        if reads_as_advisory(principal) {
            cond = cond.add(Column::CandidateId.in_subquery(owned_by(org.id)));
        }
        if reads_as_receiver(principal) {
            cond = cond.add(received_by(org.id));
        }
    }
    Entity::find().filter(cond)
}

/// The enrolments matching `filter` that the caller may see.
pub fn filtered(principal: &Principal, filter: &EnrolmentFilter) -> Select<Entity> {
    let select = visible_to(principal);
    match filter.status {
        Some(s) => select.filter(Column::Status.eq(s)),
        None => select,
    }
}

/// The enrolments of each course run (`CourseRun.enrolments`).
pub const OF_RUN: ChildList<Entity, EnrolmentFilter> = ChildList {
    order: &BY_ID,
    parent: Column::CourseRunId,
    parent_of: |m| m.course_run_id.unwrap_or_default(),
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The enrolments of each exam session (`ExamSession.enrolments`).
pub const OF_SESSION: ChildList<Entity, EnrolmentFilter> = ChildList {
    order: &BY_ID,
    parent: Column::ExamSessionId,
    parent_of: |m| m.exam_session_id.unwrap_or_default(),
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The enrolments with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<enrolment::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The enrolments of each candidate that the caller may see, oldest first.
pub async fn of_candidates(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<enrolment::Model>>> {
    let rows = visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::CandidateId, ids))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        (r.candidate_id, r)
    }))
}

/// The history of the enrolments the caller may see, grouped by `parent` (the
/// enrolment or the candidate), oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    parent: enrolment_event::Column,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<enrolment_event::Model>>> {
    let visible = visible_to(principal)
        .select_only()
        .column(Column::Id)
        .into_query();
    let rows = enrolment_event::Entity::find()
        .filter(one_of(db.get_database_backend(), parent, ids))
        .filter(enrolment_event::Column::EnrolmentId.in_subquery(visible))
        .order_by_asc(enrolment_event::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        let key = match parent {
            enrolment_event::Column::CandidateId => r.candidate_id,
            _ => r.enrolment_id,
        };
        (key, r)
    }))
}

// ---------------------------------------------------------------------------------
// Who may change what.

/// The organisation of a caller who receives enrolments: a school or provider (into
/// its course runs) or an exam office, chamber or authority (into its sessions).
pub fn receiving_writer(principal: &Principal) -> AppResult<i64> {
    courses::course_writer(principal)
        .or_else(|_| exam_sessions::exam_writer(principal))
        .map_err(|_| {
            AppError::Forbidden(
                "only the school or exam office an enrolment is addressed to may do this".into(),
            )
        })
}

fn receiving_editable_by(principal: &Principal) -> Select<Entity> {
    match receiving_writer(principal) {
        Ok(org) => visible_to(principal).filter(received_by(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

fn either_writer(principal: &Principal) -> AppResult<i64> {
    advisory_writer(principal).or_else(|_| receiving_writer(principal))
}

fn either_editable_by(principal: &Principal) -> Select<Entity> {
    match principal.organisation() {
        Some(org) if either_writer(principal).is_ok() => visible_to(principal).filter(
            Condition::any()
                .add(Column::CandidateId.in_subquery(owned_by(org.id)))
                .add(received_by(org.id)),
        ),
        _ => visible_to(principal).filter(nothing()),
    }
}

/// Confirming, declining and recording results: the school or exam office addressed.
pub const RECEIVING: WriteRule<Entity> = WriteRule {
    what: "enrolment",
    node: NodeType::Enrolment,
    id: Column::Id,
    visible_to,
    editable_by: receiving_editable_by,
    writer: receiving_writer,
    foreign: "this enrolment is addressed to another organisation",
};

/// Withdrawing: either side.
pub const EITHER: WriteRule<Entity> = WriteRule {
    what: "enrolment",
    node: NodeType::Enrolment,
    id: Column::Id,
    visible_to,
    editable_by: either_editable_by,
    writer: either_writer,
    foreign: "this enrolment belongs to another advisory centre's candidate",
};

// ---------------------------------------------------------------------------------
// Requesting a seat.

/// The compensatory measure a course type prepares for, if any.
pub fn course_measure(t: CourseType) -> Option<CompensatoryMeasure> {
    match t {
        CourseType::AdaptationCourse => Some(CompensatoryMeasure::AdaptationCourse),
        CourseType::KnowledgeTestPrep => Some(CompensatoryMeasure::KnowledgeTest),
        CourseType::AptitudeTestPrep => Some(CompensatoryMeasure::AptitudeTest),
        _ => None,
    }
}

/// The compensatory measure an exam is, if any.
pub fn exam_measure(t: ExamType) -> Option<CompensatoryMeasure> {
    match t {
        ExamType::Kenntnispruefung | ExamType::SeKunskapsprov | ExamType::SePraktisktProv => {
            Some(CompensatoryMeasure::KnowledgeTest)
        }
        ExamType::Eignungspruefung => Some(CompensatoryMeasure::AptitudeTest),
        ExamType::Fachsprachpruefung | ExamType::SeRegulationsTest => None,
    }
}

/// What the rules of a request need to know about its run or session.
struct TargetFacts {
    /// The school, provider or exam owner.
    receiver: i64,
    status: RunStatus,
    starts: NaiveDate,
    deadline: Option<NaiveDate>,
    rolling_entry: bool,
    measure: Option<CompensatoryMeasure>,
    /// For sessions: the professions it is for, and its exam.
    exam: Option<(ExamType, Vec<String>)>,
}

async fn facts(
    txn: &DatabaseTransaction,
    principal: &Principal,
    reference: &Reference,
    target: Target,
) -> AppResult<TargetFacts> {
    let not_found = || {
        AppError::NotFound(format!(
            "{} `{}`",
            target.what(),
            crate::id::encode(
                match target {
                    Target::Run(_) => NodeType::CourseRun,
                    Target::Session(_) => NodeType::ExamSession,
                },
                target.id()
            )
        ))
    };
    match target {
        Target::Run(id) => {
            let (run, course) = course_runs::visible_to(principal)
                .filter(course_run::Column::Id.eq(id))
                .find_also_related(course::Entity)
                .one(txn)
                .await?
                .ok_or_else(not_found)?;
            let course = course.ok_or_else(not_found)?;
            Ok(TargetFacts {
                receiver: course.provider_id,
                status: run.status,
                starts: run.start_date,
                deadline: run.registration_deadline,
                rolling_entry: run.rolling_entry,
                measure: course_measure(course.course_type),
                exam: None,
            })
        }
        Target::Session(id) => {
            let session = exam_sessions::visible_to(principal)
                .filter(exam_session::Column::Id.eq(id))
                .one(txn)
                .await?
                .ok_or_else(not_found)?;
            let professions = exam_sessions::professions_of(txn, &reference.professions, &[id])
                .await?
                .remove(&id)
                .unwrap_or_default();
            Ok(TargetFacts {
                receiver: session.organisation_id,
                status: session.status,
                starts: session.date,
                deadline: session.registration_deadline,
                rolling_entry: false,
                measure: exam_measure(session.exam_type),
                exam: Some((session.exam_type, professions)),
            })
        }
    }
}

/// The measures the candidate's decisions allow, or `None` if there is no decision yet.
pub(crate) async fn allowed_by_decisions(
    txn: &DatabaseTransaction,
    candidate_id: i64,
) -> AppResult<Option<Vec<CompensatoryMeasure>>> {
    let decisions = decision::Entity::find()
        .filter(
            decision::Column::CaseId.in_subquery(
                Query::select()
                    .column(recognition_case::Column::Id)
                    .from(recognition_case::Entity)
                    .and_where(recognition_case::Column::CandidateId.eq(candidate_id))
                    .to_owned(),
            ),
        )
        .all(txn)
        .await?;
    if decisions.is_empty() {
        return Ok(None);
    }
    let mut allowed: Vec<CompensatoryMeasure> = decisions
        .into_iter()
        .flat_map(|d| {
            serde_json::from_value::<Vec<CompensatoryMeasure>>(d.measures).unwrap_or_default()
        })
        .collect();
    allowed.dedup();
    Ok(Some(allowed))
}

/// The rules of a request, checked in order; the first one broken refuses it.
async fn check_request(
    txn: &DatabaseTransaction,
    cand: &candidate::Model,
    target: Target,
    facts: &TargetFacts,
) -> AppResult<()> {
    let field = target.field();
    let what = target.what();
    if cand.erased_at.is_some() {
        return Err(AppError::bad_input(
            "candidateId",
            "the candidate's personal data has been erased; no new enrolments",
        ));
    }
    if matches!(facts.status, RunStatus::Cancelled | RunStatus::Completed) {
        return Err(AppError::bad_input(
            field,
            format!("the {what} is {}: no enrolments", value_name(&facts.status)),
        ));
    }
    let today = crate::service::today();
    if let Some(deadline) = facts.deadline.filter(|d| today > *d) {
        return Err(AppError::bad_input(
            field,
            format!("registration deadline passed: registration closed on {deadline}"),
        ));
    }
    if today > facts.starts && !facts.rolling_entry {
        return Err(AppError::bad_input(
            field,
            format!(
                "registration deadline passed: the {what} began on {}",
                facts.starts
            ),
        ));
    }
    let consented = consent::Entity::find()
        .filter(consent::Column::CandidateId.eq(cand.id))
        .filter(consent::Column::OrganisationId.eq(facts.receiver))
        .filter(consent::Column::Purpose.eq(ConsentPurpose::Referral))
        .filter(consent::Column::RevokedAt.is_null())
        .count(txn)
        .await?;
    if consented == 0 {
        return Err(AppError::bad_input(
            "candidateId",
            format!(
                "consent missing: the candidate has no live consent with purpose REFERRAL \
                 for organisation `{}`, which runs this {what}",
                crate::id::encode(NodeType::Organisation, facts.receiver)
            ),
        ));
    }
    if let Some((_, professions)) = &facts.exam
        && !professions.contains(&cand.profession_key)
    {
        return Err(AppError::bad_input(
            field,
            format!(
                "profession not admitted: this exam session is for {}, the candidate's \
                 profession is {}",
                professions.join(", "),
                cand.profession_key
            ),
        ));
    }
    if let Some(measure) = facts.measure
        && let Some(allowed) = allowed_by_decisions(txn, cand.id).await?
        && !allowed.contains(&measure)
    {
        let allowed = allowed.iter().map(value_name).collect::<Vec<_>>();
        return Err(AppError::bad_input(
            field,
            format!(
                "measure not allowed: this {what} serves {}, which the candidate's decision \
                 does not allow (allowed: {})",
                value_name(&measure),
                if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
        ));
    }
    if let Some((ExamType::Kenntnispruefung, _)) = &facts.exam {
        let failed = Entity::find()
            .filter(Column::CandidateId.eq(cand.id))
            .filter(Column::Status.eq(EnrolmentStatus::Failed))
            .filter(
                Column::ExamSessionId.in_subquery(
                    Query::select()
                        .column(exam_session::Column::Id)
                        .from(exam_session::Entity)
                        .and_where(exam_session::Column::ExamType.eq(ExamType::Kenntnispruefung))
                        .to_owned(),
                ),
            )
            .count(txn)
            .await?;
        if failed >= KENNTNISPRUEFUNG_ATTEMPTS {
            return Err(AppError::bad_input(
                field,
                format!(
                    "attempts exhausted: the candidate failed the Kenntnisprüfung {failed} \
                     times; {KENNTNISPRUEFUNG_ATTEMPTS} attempts are allowed (ÄApprO § 37 (7))"
                ),
            ));
        }
    }
    // The statuses are written into the SQL as the unique index of live enrolments
    // states them, so that PostgreSQL answers from that index with any plan.
    let live = Entity::find()
        .filter(Column::CandidateId.eq(cand.id))
        .filter(target.column().eq(target.id()))
        .filter(Expr::cust("status IN ('CONFIRMED', 'WAITLISTED')"))
        .one(txn)
        .await?;
    if let Some(live) = live {
        return Err(already_enrolled(what, live.status));
    }
    Ok(())
}

pub(crate) fn already_enrolled(what: &str, status: EnrolmentStatus) -> AppError {
    AppError::bad_input(
        "candidateId",
        format!(
            "already enrolled: the candidate has a live enrolment ({}) in this {what}",
            value_name(&status)
        ),
    )
}

/// Appends to an enrolment's history; `principal` is `None` for the hub's own moves.
async fn record(
    txn: &DatabaseTransaction,
    principal: Option<&Principal>,
    e: &enrolment::Model,
    from: Option<EnrolmentStatus>,
    note: Option<String>,
) -> AppResult<()> {
    enrolment_event::Entity::insert(event(principal, e, from, note))
        .exec(txn)
        .await?;
    Ok(())
}

/// The history entry of a change of `e`. Every change of an enrolment is written
/// through here, so this is also where it is recorded for subscribers.
fn event(
    principal: Option<&Principal>,
    e: &enrolment::Model,
    from: Option<EnrolmentStatus>,
    note: Option<String>,
) -> enrolment_event::ActiveModel {
    changes::record(Change::Enrolment(e.id));
    if let Ok(target) = Target::of(e) {
        changes::record(target.change());
    }
    enrolment_event::ActiveModel {
        enrolment_id: Set(e.id),
        candidate_id: Set(e.candidate_id),
        at: Set(Utc::now()),
        from_status: Set(from),
        to_status: Set(e.status),
        waitlist_position: Set(e.waitlist_position),
        organisation_id: Set(principal.and_then(|p| p.organisation()).map(|o| o.id)),
        client_id: Set(principal
            .and_then(|p| p.client())
            .map(|c| c.client_id.clone())),
        note: Set(note),
        ..Default::default()
    }
}

/// Enrols one of the caller's candidates into a run or session: CONFIRMED on a free
/// seat, otherwise WAITLISTED with a place in line.
pub async fn request(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: EnrolmentRequest,
) -> AppResult<enrolment::Model> {
    let EnrolmentRequest {
        candidate_id,
        target,
    } = input;
    let requested_by = advisory_writer(principal)?;
    crate::db::write(db, async |txn| {
        let cand = candidates::own_candidate(txn, requested_by, candidate_id).await?;
        let facts = facts(txn, principal, reference, target).await?;
        check_request(txn, &cand, target, &facts).await?;
        // From here the run's or session's row is locked until commit.
        seats::arrive(
            txn,
            target,
            seats::Arrival {
                candidate_id,
                requested_by,
                principal,
            },
        )
        .await
    })
    .await
}

// ---------------------------------------------------------------------------------
// Changing an enrolment.

/// Writes the new state of an enrolment read under its target's lock.
async fn save(
    txn: &DatabaseTransaction,
    current: &enrolment::Model,
    status: EnrolmentStatus,
    position: Option<i32>,
    reason: Option<String>,
) -> AppResult<enrolment::Model> {
    let updated = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::WaitlistPosition, Expr::value(position))
        .col_expr(Column::Reason, Expr::value(reason))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(current.id))
        .filter(Column::Version.eq(current.version))
        .exec_with_returning(txn)
        .await?;
    updated
        .into_iter()
        .next()
        .ok_or_else(|| crate::service::courses::stale("enrolment", current.version + 1))
}

/// The enrolment `id` again, read after its target was locked: what it is now.
async fn reread(txn: &DatabaseTransaction, id: i64) -> AppResult<enrolment::Model> {
    Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("enrolment {id} vanished")))
}

/// A reason as given: trimmed, 3 to 1,000 characters when `required`.
fn clean_reason(reason: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let mut p = Problems::default();
    p.check(
        reason
            .as_deref()
            .map_or(!required, |r| (3..=1000).contains(&chars(r))),
        "reason",
        "give a reason of 3 to 1,000 characters",
    );
    p.finish()?;
    Ok(reason)
}

/// Takes a live enrolment out of its run or session (to DECLINED or WITHDRAWN): its
/// seat goes to the first in line, or its place in line closes up.
async fn leave(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: enrolment::Model,
    to: EnrolmentStatus,
    reason: Option<String>,
) -> AppResult<enrolment::Model> {
    let target = Target::of(&current)?;
    let mut counts = seats::lock(txn, target).await?;
    let current = reread(txn, current.id).await?;
    match current.status {
        EnrolmentStatus::Confirmed => {
            let promoted = if counts.waitlist > 0 {
                seats::promote_first(txn, target).await?
            } else {
                None
            };
            match promoted {
                Some(promoted) => {
                    counts.waitlist -= 1;
                    record(
                        txn,
                        None,
                        &promoted,
                        Some(EnrolmentStatus::Waitlisted),
                        Some("a seat became free".into()),
                    )
                    .await?;
                }
                _ => counts.seats_taken -= 1,
            }
        }
        EnrolmentStatus::Waitlisted => {
            seats::close_gap(txn, target, current.waitlist_position.unwrap_or(i32::MAX)).await?;
            counts.waitlist -= 1;
        }
        other => {
            return Err(AppError::bad_input(
                "id",
                format!(
                    "the enrolment is {}: only CONFIRMED or WAITLISTED enrolments can be {}",
                    value_name(&other),
                    if to == EnrolmentStatus::Declined {
                        "declined"
                    } else {
                        "withdrawn"
                    }
                ),
            ));
        }
    }
    seats::store(txn, target, counts).await?;
    let from = current.status;
    let saved = save(txn, &current, to, None, reason.clone()).await?;
    record(txn, Some(principal), &saved, Some(from), reason).await?;
    Ok(saved)
}

/// The school or exam office declines an enrolment, saying why.
pub async fn decline(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    reason: &str,
) -> AppResult<enrolment::Model> {
    crate::db::write(db, async |txn| {
        let current = RECEIVING.editable(txn, principal, id).await?;
        let reason = clean_reason(Some(reason), true)?;
        leave(txn, principal, current, EnrolmentStatus::Declined, reason).await
    })
    .await
}

/// Either side withdraws an enrolment.
pub async fn withdraw(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    reason: Option<&str>,
) -> AppResult<enrolment::Model> {
    crate::db::write(db, async |txn| {
        let current = EITHER.editable(txn, principal, id).await?;
        let reason = clean_reason(reason, false)?;
        leave(txn, principal, current, EnrolmentStatus::Withdrawn, reason).await
    })
    .await
}

/// The school or exam office gives a waitlisted enrolment a free seat (after raising
/// the seats, in the order it chooses). A confirmed one stays as it is.
pub async fn confirm(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> AppResult<enrolment::Model> {
    crate::db::write(db, async |txn| {
        let current = RECEIVING.editable(txn, principal, id).await?;
        let target = Target::of(&current)?;
        let mut counts = seats::lock(txn, target).await?;
        let current = reread(txn, current.id).await?;
        match current.status {
            EnrolmentStatus::Confirmed => Ok(current),
            EnrolmentStatus::Waitlisted if counts.seats_taken < counts.seats_max => {
                seats::close_gap(txn, target, current.waitlist_position.unwrap_or(i32::MAX))
                    .await?;
                counts.waitlist -= 1;
                counts.seats_taken += 1;
                seats::store(txn, target, counts).await?;
                let saved = save(txn, &current, EnrolmentStatus::Confirmed, None, None).await?;
                record(txn, Some(principal), &saved, Some(current.status), None).await?;
                Ok(saved)
            }
            EnrolmentStatus::Waitlisted => Err(AppError::bad_input(
                "id",
                format!(
                    "no free seat: {} of {} seats are taken; raise seatsMax first",
                    counts.seats_taken, counts.seats_max
                ),
            )),
            other => Err(AppError::bad_input(
                "id",
                format!(
                    "the enrolment is {}: only a WAITLISTED enrolment can be confirmed",
                    value_name(&other)
                ),
            )),
        }
    })
    .await
}

/// The school or exam office records what came of a confirmed enrolment, once the run
/// or session has begun; a result can be corrected.
pub async fn record_result(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    result: EnrolmentStatus,
) -> AppResult<enrolment::Model> {
    crate::db::write(db, async |txn| {
        let current = RECEIVING.editable(txn, principal, id).await?;
        let target = Target::of(&current)?;
        let starts = match target {
            Target::Run(run) => course_run::Entity::find_by_id(run)
                .one(txn)
                .await?
                .map(|r| r.start_date),
            Target::Session(s) => exam_session::Entity::find_by_id(s)
                .one(txn)
                .await?
                .map(|s| s.date),
        }
        .ok_or_else(|| AppError::Internal("the enrolment's target vanished".into()))?;
        let allowed: &[EnrolmentStatus] = match target {
            Target::Run(_) => &EnrolmentStatus::RESULTS,
            Target::Session(_) => &[
                EnrolmentStatus::Passed,
                EnrolmentStatus::Failed,
                EnrolmentStatus::NoShow,
            ],
        };
        let mut p = Problems::default();
        p.check(
            allowed.contains(&result),
            "result",
            format!(
                "the result of an enrolment into an {} is one of {}",
                target.what(),
                allowed
                    .iter()
                    .map(value_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        p.check(
            current.status.holds_seat(),
            "id",
            format!(
                "the enrolment is {}: only a CONFIRMED enrolment gets a result",
                value_name(&current.status)
            ),
        );
        p.check(
            starts <= crate::service::today(),
            "id",
            format!(
                "the {} begins on {starts}: record results once it has taken place",
                target.what()
            ),
        );
        p.finish()?;
        if current.status == result {
            return Ok(current);
        }
        let saved = save(txn, &current, result, None, None).await?;
        record(txn, Some(principal), &saved, Some(current.status), None).await?;
        Ok(saved)
    })
    .await
}

/// Withdraws every live enrolment of a run or session being cancelled, giving the
/// cancellation's reason, and empties its waitlist; part of the cancellation's
/// transaction.
pub async fn withdraw_all(
    txn: &DatabaseTransaction,
    principal: &Principal,
    target: Target,
    reason: &str,
) -> AppResult<()> {
    let mut counts = seats::lock(txn, target).await?;
    let live = Entity::find()
        .filter(target.column().eq(target.id()))
        .filter(Column::Status.is_in(EnrolmentStatus::LIVE))
        .all(txn)
        .await?;
    if live.is_empty() {
        return Ok(());
    }
    let note = format!("the {} was cancelled: {reason}", target.what());
    let confirmed = live
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Confirmed)
        .count() as i32;
    enrolment_event::Entity::insert_many(live.iter().map(|e| {
        let withdrawn = enrolment::Model {
            status: EnrolmentStatus::Withdrawn,
            waitlist_position: None,
            ..e.clone()
        };
        event(
            Some(principal),
            &withdrawn,
            Some(e.status),
            Some(note.clone()),
        )
    }))
    .exec(txn)
    .await?;
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(EnrolmentStatus::Withdrawn))
        .col_expr(Column::WaitlistPosition, Expr::value(Option::<i32>::None))
        .col_expr(Column::Reason, Expr::value(note.clone()))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(target.column().eq(target.id()))
        .filter(Column::Status.is_in(EnrolmentStatus::LIVE))
        .exec(txn)
        .await?;
    counts.seats_taken -= confirmed;
    counts.waitlist = 0;
    seats::store(txn, target, counts).await
}
