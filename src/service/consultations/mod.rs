//! Collegial case consultation (kollegiale Fallbearbeitung): a consultation group of
//! organisations — a coordination office, the job agency, a foreigners' authority, the
//! KSV, an employer — puts cases to each other and agrees on next steps.
//!
//! | who | may |
//! |---|---|
//! | any organisation (`consultations:write`) | convene a group: it becomes the group's convener and a member |
//! | the convener (`consultations:write`) | add and remove members (never itself) |
//! | a member (`consultations:write`) | open a consultation, answer any open consultation of the group |
//! | the member that opened a consultation (`consultations:write`) | resolve it with the agreed next steps |
//! | any client of a member organisation | read the group, its members, consultations and threads |
//!
//! Non-members and anonymous callers see nothing of a group: every list is empty for
//! them and every lookup `NOT_FOUND`.
//!
//! A consultation is linked to a recognition case the opener may see under the case
//! rules, or describes an anonymous situation (profession, country of training, stage).
//! A linked consultation shows the group the case's pseudonymous facts
//! ([`CaseFacts`], never personal data) only while the candidate has a live ADVICE
//! consent naming the group's convener; the condition is part of the statement that
//! reads the facts, so a revoked consent hides them from the next request on.
//!
//! Every free text passes the [`personal`] check before it is stored.

pub mod personal;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::{self, NodeType};
use crate::service::access::{WriteRule, nothing};
use crate::service::candidates::PersonalData;
use crate::service::courses::stale;
use crate::service::pagination::{ChildList, Ordering};
use crate::service::validation::{Problems, chars, has_nul, nul_message};
use crate::service::{Reference, cases, countries, one_of};
use chrono::Utc;
use entity::consent::{self, ConsentPurpose};
use entity::consultation::{self, Column, ConsultationProblem, ConsultationStatus, Entity};
use entity::recognition_case::{CaseOrigin, CaseStatus};
use entity::{
    candidate, candidate_personal, consultation_answer as answer, consultation_group as group,
    consultation_group_member as member, organisation, recognition_case,
};
use personal::Person;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    StatementBuilder,
};
use std::collections::HashMap;

/// Most organisations a group has, its convener included.
pub const MAX_MEMBERS: usize = 30;

/// A new group convened by the caller's organisation.
#[derive(Debug, Clone)]
pub struct NewGroup {
    pub name: String,
    /// Organisations besides the convener (which is always a member).
    pub members: Vec<i64>,
}

/// A change of the members of group `id`, based on `expected_version`.
#[derive(Debug, Clone)]
pub struct MemberChange {
    pub id: i64,
    pub expected_version: i32,
    pub add: Vec<i64>,
    pub remove: Vec<i64>,
}

/// A new consultation in group `group_id`: linked to a case, or an anonymous situation.
#[derive(Debug, Clone)]
pub struct NewConsultation {
    pub group_id: i64,
    pub case_id: Option<i64>,
    /// Profession key (anonymous situation).
    pub profession: Option<String>,
    /// ISO 3166-1 alpha-2 (anonymous situation).
    pub country_of_training: Option<String>,
    /// Where the procedure stands (anonymous situation).
    pub stage: Option<CaseStatus>,
    pub problem: ConsultationProblem,
    pub question: String,
}

/// An answer in the thread of consultation `consultation_id`.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub consultation_id: i64,
    pub text: String,
}

/// Resolving consultation `id`, based on `expected_version`, with the agreed next steps.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub id: i64,
    pub expected_version: i32,
    pub next_steps: String,
}

/// Narrows a group's list of consultations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ConsultationFilter {
    pub status: Option<ConsultationStatus>,
}

/// The pseudonymous facts of the case a consultation is linked to, as its group sees
/// them: nothing that names or reaches the person.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CaseFacts {
    pub consultation_id: i64,
    /// The candidate's pseudonymous code.
    pub candidate_code: String,
    pub profession_key: String,
    pub country_of_training: String,
    pub origin: CaseOrigin,
    pub status: CaseStatus,
    pub fast_track: bool,
}

/// Groups are listed in the order they were convened.
pub const GROUPS_BY_ID: Ordering<group::Entity> = Ordering {
    name: "consultation_group.id",
    sort: None,
    id: group::Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// Consultations are listed in the order they were opened.
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "consultation.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

// ---------------------------------------------------------------------------------
// Who sees what.

/// `SELECT group_id FROM consultation_group_member WHERE organisation_id = org`.
fn groups_of(org: i64) -> SelectStatement {
    Query::select()
        .column(member::Column::GroupId)
        .from(member::Entity)
        .and_where(member::Column::OrganisationId.eq(org))
        .to_owned()
}

/// Rows of `consultation_group` the caller may see: the groups its organisation is a
/// member of.
pub fn groups_visible_to(principal: &Principal) -> Select<group::Entity> {
    let cond = match principal.organisation() {
        Some(org) => Condition::all().add(group::Column::Id.in_subquery(groups_of(org.id))),
        None => nothing(),
    };
    group::Entity::find().filter(cond)
}

/// Rows of `consultation` the caller may see: those of its organisation's groups.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let cond = match principal.organisation() {
        Some(org) => Condition::all().add(Column::GroupId.in_subquery(groups_of(org.id))),
        None => nothing(),
    };
    Entity::find().filter(cond)
}

/// The consultations matching `filter` that the caller may see.
pub fn filtered(principal: &Principal, filter: &ConsultationFilter) -> Select<Entity> {
    let select = visible_to(principal);
    match filter.status {
        Some(s) => select.filter(Column::Status.eq(s)),
        None => select,
    }
}

/// The consultations of each group (`ConsultationGroup.consultations`).
pub const OF_GROUP: ChildList<Entity, ConsultationFilter> = ChildList {
    order: &BY_ID,
    parent: Column::GroupId,
    parent_of: |m| m.group_id,
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The groups with these ids that the caller may see.
pub async fn groups_by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<group::Model>> {
    Ok(groups_visible_to(principal)
        .filter(one_of(db.get_database_backend(), group::Column::Id, ids))
        .all(db)
        .await?)
}

/// The consultations with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<consultation::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The member organisations of each group the caller may see, in the order they joined
/// (those added together by id).
pub async fn members_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<i64>>> {
    let visible = groups_visible_to(principal)
        .select_only()
        .column(group::Column::Id)
        .into_query();
    let rows = member::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            member::Column::GroupId,
            ids,
        ))
        .filter(member::Column::GroupId.in_subquery(visible))
        .order_by_asc(member::Column::AddedAt)
        .order_by_asc(member::Column::OrganisationId)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |m| {
        (m.group_id, m.organisation_id)
    }))
}

/// The thread of each consultation the caller may see, oldest answer first.
pub async fn answers_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<answer::Model>>> {
    let visible = visible_to(principal)
        .select_only()
        .column(Column::Id)
        .into_query();
    let rows = answer::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            answer::Column::ConsultationId,
            ids,
        ))
        .filter(answer::Column::ConsultationId.in_subquery(visible))
        .order_by_asc(answer::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |a| {
        (a.consultation_id, a)
    }))
}

/// The case facts of each of these consultations that the caller may see, is linked to
/// a case, and whose candidate has a live ADVICE consent naming the group's convener;
/// the others have none. One statement: the consent is a condition of the read.
pub async fn case_facts_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, CaseFacts>> {
    let Some(org) = principal.organisation() else {
        return Ok(HashMap::new());
    };
    let live_advice = Query::select()
        .expr(Expr::val(1))
        .from(consent::Entity)
        .and_where(
            Expr::col((consent::Entity, consent::Column::CandidateId))
                .equals((candidate::Entity, candidate::Column::Id)),
        )
        .and_where(
            Expr::col((consent::Entity, consent::Column::OrganisationId))
                .equals((group::Entity, group::Column::ConvenerId)),
        )
        .and_where(
            Expr::col((consent::Entity, consent::Column::Purpose))
                .eq(ConsentPurpose::Advice.to_value()),
        )
        .and_where(Expr::col((consent::Entity, consent::Column::RevokedAt)).is_null())
        .to_owned();
    let stmt = Query::select()
        .expr_as(
            Expr::col((consultation::Entity, Column::Id)),
            "consultation_id",
        )
        .expr_as(
            Expr::col((candidate::Entity, candidate::Column::Code)),
            "candidate_code",
        )
        .column((
            recognition_case::Entity,
            recognition_case::Column::ProfessionKey,
        ))
        .column((candidate::Entity, candidate::Column::CountryOfTraining))
        .column((recognition_case::Entity, recognition_case::Column::Origin))
        .column((recognition_case::Entity, recognition_case::Column::Status))
        .column((
            recognition_case::Entity,
            recognition_case::Column::FastTrack,
        ))
        .from(consultation::Entity)
        .join(
            JoinType::InnerJoin,
            group::Entity,
            Expr::col((group::Entity, group::Column::Id))
                .equals((consultation::Entity, Column::GroupId)),
        )
        .join(
            JoinType::InnerJoin,
            recognition_case::Entity,
            Expr::col((recognition_case::Entity, recognition_case::Column::Id))
                .equals((consultation::Entity, Column::CaseId)),
        )
        .join(
            JoinType::InnerJoin,
            candidate::Entity,
            Expr::col((candidate::Entity, candidate::Column::Id)).equals((
                recognition_case::Entity,
                recognition_case::Column::CandidateId,
            )),
        )
        .and_where(one_of(db.get_database_backend(), Column::Id, ids))
        .and_where(Column::GroupId.in_subquery(groups_of(org.id)))
        .and_where(Expr::exists(live_advice))
        .to_owned();
    let rows =
        CaseFacts::find_by_statement(StatementBuilder::build(&stmt, &db.get_database_backend()))
            .all(db)
            .await?;
    Ok(rows.into_iter().map(|f| (f.consultation_id, f)).collect())
}

// ---------------------------------------------------------------------------------
// Who may change what.

/// The organisation of a caller who may write in consultation groups at all: any
/// organisation (the scope `consultations:write` is the operation's).
pub fn writer(principal: &Principal) -> AppResult<i64> {
    principal.organisation().map(|o| o.id).ok_or_else(|| {
        AppError::Forbidden("only clients of an organisation write in consultation groups".into())
    })
}

fn groups_editable_by(principal: &Principal) -> Select<group::Entity> {
    match writer(principal) {
        Ok(org) => groups_visible_to(principal).filter(group::Column::ConvenerId.eq(org)),
        Err(_) => groups_visible_to(principal).filter(nothing()),
    }
}

/// Changing a group's members: its convener only.
pub const GROUP_WRITE: WriteRule<group::Entity> = WriteRule {
    what: "consultation group",
    node: NodeType::ConsultationGroup,
    id: group::Column::Id,
    visible_to: groups_visible_to,
    editable_by: groups_editable_by,
    writer,
    foreign: "only the organisation that convened the group changes its members",
};

fn resolvable_by(principal: &Principal) -> Select<Entity> {
    match writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::OpenedById.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Resolving a consultation: the member that opened it.
pub const RESOLVE: WriteRule<Entity> = WriteRule {
    what: "consultation",
    node: NodeType::Consultation,
    id: Column::Id,
    visible_to,
    editable_by: resolvable_by,
    writer,
    foreign: "only the member that opened the consultation resolves it",
};

// ---------------------------------------------------------------------------------
// Checks of the input.

/// A text as given: trimmed, within `range` characters, or a problem with `field`.
fn clean(
    p: &mut Problems,
    text: &str,
    field: &str,
    range: std::ops::RangeInclusive<usize>,
) -> String {
    let text = text.trim().to_owned();
    p.check(!has_nul(&text), field, nul_message(field));
    p.check(
        range.contains(&chars(&text)),
        field,
        format!(
            "{} to {} characters",
            range.start(),
            group_digits(*range.end())
        ),
    );
    text
}

/// `5000` as `5,000`, as the other limits are written.
fn group_digits(n: usize) -> String {
    if n >= 1000 {
        format!("{},{:03}", n / 1000, n % 1000)
    } else {
        n.to_string()
    }
}

/// Refuses `text` in `field` if it holds personal data (see [`personal`]).
fn check_personal(text: &str, field: &str, person: Option<&Person>) -> AppResult<()> {
    match personal::finding(text, person) {
        Some(found) => Err(personal::refusal(field, &found)),
        None => Ok(()),
    }
}

/// The personal data of the candidate case `case_id` is about, for the check of free
/// texts only: read inside the hub and never shown to the caller, so it is not a read
/// of the caller's to audit.
async fn person_of_case(txn: &impl ConnectionTrait, case_id: i64) -> AppResult<Option<Person>> {
    let Some(case) = recognition_case::Entity::find_by_id(case_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let row = candidate_personal::Entity::find_by_id(case.candidate_id)
        .one(txn)
        .await?;
    Ok(row.map(|r| {
        Person::new(&PersonalData {
            given_name: r.given_name,
            family_name: r.family_name,
            birth_date: r.birth_date,
            email: r.email,
            phone: r.phone,
        })
    }))
}

/// The person a consultation's texts are checked against: the candidate of its case.
async fn person_of(
    txn: &impl ConnectionTrait,
    c: &consultation::Model,
) -> AppResult<Option<Person>> {
    match c.case_id {
        Some(case) => person_of_case(txn, case).await,
        None => Ok(None),
    }
}

/// Refuses organisations that do not exist, naming `field`.
async fn require_organisations(
    txn: &DatabaseTransaction,
    ids: &[i64],
    field: &str,
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: Vec<i64> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .filter(one_of(
            txn.get_database_backend(),
            organisation::Column::Id,
            ids,
        ))
        .into_tuple()
        .all(txn)
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
        return Err(AppError::bad_input(
            field,
            format!(
                "no organisation `{}`",
                id::encode(NodeType::Organisation, *missing)
            ),
        ));
    }
    Ok(())
}

/// Ids in order, each once.
fn distinct(ids: &[i64]) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// Changes.

/// Convenes a group: the caller's organisation is its convener and first member.
pub async fn create_group(
    db: &DatabaseConnection,
    principal: &Principal,
    input: NewGroup,
) -> AppResult<group::Model> {
    let convener = writer(principal)?;
    let mut p = Problems::default();
    let name = clean(&mut p, &input.name, "name", 3..=200);
    let mut members = vec![convener];
    members.extend(
        distinct(&input.members)
            .into_iter()
            .filter(|m| *m != convener),
    );
    p.check(
        members.len() <= MAX_MEMBERS,
        "members",
        format!("a group has at most {MAX_MEMBERS} members, its convener included"),
    );
    p.finish()?;
    crate::db::write(db, async |txn| {
        require_organisations(txn, &members, "members").await?;
        let now = Utc::now();
        let stored = group::Entity::insert(group::ActiveModel {
            name: Set(name.clone()),
            convener_id: Set(convener),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        add_members(txn, stored.id, &members).await?;
        Ok(stored)
    })
    .await
}

async fn add_members(txn: &DatabaseTransaction, group_id: i64, orgs: &[i64]) -> AppResult<()> {
    if orgs.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    member::Entity::insert_many(orgs.iter().map(|org| member::ActiveModel {
        group_id: Set(group_id),
        organisation_id: Set(*org),
        added_at: Set(now),
    }))
    .exec(txn)
    .await?;
    Ok(())
}

/// Adds and removes members of a group the caller convened. The convener stays a
/// member; adding a member twice or removing a non-member changes nothing.
pub async fn change_members(
    db: &DatabaseConnection,
    principal: &Principal,
    input: MemberChange,
) -> AppResult<group::Model> {
    let add = distinct(&input.add);
    let remove = distinct(&input.remove);
    let mut p = Problems::default();
    p.check(
        !add.iter().any(|a| remove.contains(a)),
        "remove",
        "an organisation is either added or removed",
    );
    p.finish()?;
    crate::db::write(db, async |txn| {
        let current = GROUP_WRITE.editable(txn, principal, input.id).await?;
        if current.version != input.expected_version {
            return Err(stale("consultation group", current.version));
        }
        if remove.contains(&current.convener_id) {
            return Err(AppError::bad_input(
                "remove",
                "the convening organisation stays a member of its group",
            ));
        }
        require_organisations(txn, &add, "add").await?;
        let present: Vec<i64> = member::Entity::find()
            .select_only()
            .column(member::Column::OrganisationId)
            .filter(member::Column::GroupId.eq(current.id))
            .into_tuple()
            .all(txn)
            .await?;
        let new: Vec<i64> = add
            .iter()
            .copied()
            .filter(|a| !present.contains(a))
            .collect();
        let gone: Vec<i64> = remove
            .iter()
            .copied()
            .filter(|r| present.contains(r))
            .collect();
        if present.len() + new.len() - gone.len() > MAX_MEMBERS {
            return Err(AppError::bad_input(
                "add",
                format!("a group has at most {MAX_MEMBERS} members, its convener included"),
            ));
        }
        add_members(txn, current.id, &new).await?;
        if !gone.is_empty() {
            member::Entity::delete_many()
                .filter(member::Column::GroupId.eq(current.id))
                .filter(member::Column::OrganisationId.is_in(gone))
                .exec(txn)
                .await?;
        }
        let saved = group::Entity::update_many()
            .set(group::ActiveModel {
                updated_at: Set(Utc::now()),
                version: Set(current.version + 1),
                ..Default::default()
            })
            .filter(group::Column::Id.eq(current.id))
            .filter(group::Column::Version.eq(current.version))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| stale("consultation group", current.version + 1))?;
        Ok(saved)
    })
    .await
}

/// What opening a consultation needs, checked before anything is read.
struct CheckedOpening {
    question: String,
    profession: Option<String>,
    country: Option<String>,
}

fn check_opening(reference: &Reference, input: &NewConsultation) -> AppResult<CheckedOpening> {
    let mut p = Problems::default();
    let question = clean(&mut p, &input.question, "question", 10..=5000);
    let profession = input.profession.as_deref().map(|k| k.trim().to_owned());
    let country = input
        .country_of_training
        .as_deref()
        .map(|c| c.trim().to_ascii_uppercase());
    if let Some(k) = &profession {
        p.check(
            reference.professions.get(k).is_some(),
            "profession",
            format!("unknown profession `{k}`"),
        );
    }
    if let Some(c) = &country {
        p.check(
            countries::is_country(c),
            "countryOfTraining",
            format!("`{c}` is not an ISO 3166-1 alpha-2 code"),
        );
    }
    if input.case_id.is_some() {
        for (given, field) in [
            (profession.is_some(), "profession"),
            (country.is_some(), "countryOfTraining"),
            (input.stage.is_some(), "stage"),
        ] {
            p.check(
                !given,
                field,
                format!(
                    "`{field}` describes an anonymous situation; a consultation linked to a case shows the case's facts"
                ),
            );
        }
    } else {
        for (given, field) in [
            (profession.is_some(), "profession"),
            (country.is_some(), "countryOfTraining"),
            (input.stage.is_some(), "stage"),
        ] {
            p.check(
                given,
                field,
                "a consultation without `caseId` describes the situation: `profession`, `countryOfTraining` and `stage`",
            );
        }
    }
    p.finish()?;
    Ok(CheckedOpening {
        question,
        profession,
        country,
    })
}

/// Opens a consultation in a group the caller's organisation is a member of.
pub async fn open(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewConsultation,
) -> AppResult<consultation::Model> {
    let org = writer(principal)?;
    let checked = check_opening(reference, &input)?;
    // Generic checks first: they need no database.
    check_personal(&checked.question, "question", None)?;
    crate::db::write(db, async |txn| {
        let g = groups_visible_to(principal)
            .filter(group::Column::Id.eq(input.group_id))
            .one(txn)
            .await?
            .ok_or_else(|| GROUP_WRITE.not_found(input.group_id))?;
        if let Some(case_id) = input.case_id {
            // The case rules of the caller: a case it may not see does not exist for it.
            cases::visible_to(principal)
                .filter(recognition_case::Column::Id.eq(case_id))
                .one(txn)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "recognition case `{}`",
                        id::encode(NodeType::RecognitionCase, case_id)
                    ))
                })?;
            let person = person_of_case(txn, case_id).await?;
            check_personal(&checked.question, "question", person.as_ref())?;
        }
        let now = Utc::now();
        Ok(Entity::insert(consultation::ActiveModel {
            group_id: Set(g.id),
            opened_by_id: Set(org),
            opened_by_client: Set(principal.client().map(|c| c.client_id.clone())),
            case_id: Set(input.case_id),
            profession_key: Set(checked.profession.clone()),
            country_of_training: Set(checked.country.clone()),
            stage: Set(input.stage),
            problem: Set(input.problem),
            question: Set(checked.question.clone()),
            status: Set(ConsultationStatus::Open),
            next_steps: Set(None),
            resolved_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?)
    })
    .await
}

/// The refusal of a change of a consultation that is no longer open.
fn resolved_refusal(doing: &str) -> AppError {
    AppError::bad_input(
        "id",
        format!("the consultation is RESOLVED: only OPEN consultations can be {doing}"),
    )
}

/// Refuses a change of a consultation that is no longer open.
fn require_open(c: &consultation::Model, doing: &str) -> AppResult<()> {
    if c.status != ConsultationStatus::Open {
        return Err(resolved_refusal(doing));
    }
    Ok(())
}

/// Adds an answer of the caller's organisation, a member, to an open consultation. The
/// consultation's `updated_at` moves with it; its version does not (answers do not
/// conflict with resolving it).
pub async fn answer(
    db: &DatabaseConnection,
    principal: &Principal,
    input: NewAnswer,
) -> AppResult<(consultation::Model, answer::Model)> {
    let org = writer(principal)?;
    let mut p = Problems::default();
    let text = clean(&mut p, &input.text, "text", 3..=5000);
    p.finish()?;
    check_personal(&text, "text", None)?;
    crate::db::write(db, async |txn| {
        let current = visible_to(principal)
            .filter(Column::Id.eq(input.consultation_id))
            .one(txn)
            .await?
            .ok_or_else(|| RESOLVE.not_found(input.consultation_id))?;
        require_open(&current, "answered")?;
        let person = person_of(txn, &current).await?;
        check_personal(&text, "text", person.as_ref())?;
        // Touching the row takes its lock and checks again that it is open, in one
        // statement: an answer never lands on a consultation resolved meanwhile.
        let now = Utc::now();
        let current = Entity::update_many()
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(current.id))
            .filter(Column::Status.eq(ConsultationStatus::Open))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| resolved_refusal("answered"))?;
        let stored = answer::Entity::insert(answer::ActiveModel {
            consultation_id: Set(current.id),
            organisation_id: Set(org),
            client_id: Set(principal.client().map(|c| c.client_id.clone())),
            text: Set(text.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        Ok((current, stored))
    })
    .await
}

/// Resolves a consultation the caller's organisation opened, with the agreed next
/// steps, if nobody changed it since `expected_version`.
pub async fn resolve(
    db: &DatabaseConnection,
    principal: &Principal,
    input: Resolution,
) -> AppResult<consultation::Model> {
    let mut p = Problems::default();
    let next_steps = clean(&mut p, &input.next_steps, "nextSteps", 3..=5000);
    p.finish()?;
    check_personal(&next_steps, "nextSteps", None)?;
    crate::db::write(db, async |txn| {
        let current = RESOLVE.editable(txn, principal, input.id).await?;
        if current.version != input.expected_version {
            return Err(stale("consultation", current.version));
        }
        require_open(&current, "resolved")?;
        let person = person_of(txn, &current).await?;
        check_personal(&next_steps, "nextSteps", person.as_ref())?;
        let now = Utc::now();
        Entity::update_many()
            .set(consultation::ActiveModel {
                status: Set(ConsultationStatus::Resolved),
                next_steps: Set(Some(next_steps.clone())),
                resolved_at: Set(Some(now)),
                updated_at: Set(now),
                version: Set(current.version + 1),
                ..Default::default()
            })
            .filter(Column::Id.eq(current.id))
            .filter(Column::Version.eq(current.version))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| stale("consultation", current.version + 1))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_kept_once_in_order() {
        assert_eq!(distinct(&[3, 1, 3, 2, 1]), vec![3, 1, 2]);
    }

    #[test]
    fn limits_are_written_with_a_thousands_separator() {
        assert_eq!(group_digits(5000), "5,000");
        assert_eq!(group_digits(200), "200");
    }
}
