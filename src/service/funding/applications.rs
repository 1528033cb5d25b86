//! Funding applications: an employer asks a programme to fund the placement of a
//! candidate it accepted; the funder assesses; the employer reports how it went.
//!
//! | from | operation (who) | to |
//! |---|---|---|
//! | — | `create` (the employer) | DRAFT, or SUBMITTED with `submit` |
//! | DRAFT, INCOMPLETE | `submit` (the employer), the rules met | SUBMITTED |
//! | SUBMITTED | `request_completion` (the funder, saying what is missing) | INCOMPLETE |
//! | SUBMITTED | `grant` (the funder), an amount ≤ requested and ≤ what remains | GRANTED (all), PARTIALLY_GRANTED (less) |
//! | SUBMITTED, INCOMPLETE | `reject` (the funder, with a reason) | REJECTED |
//! | GRANTED, PARTIALLY_GRANTED | `record_payment` (the funder), ≤ the grant | FOLLOW_UP_DUE; the unpaid rest goes back to the budget |
//! | FOLLOW_UP_DUE | `file_follow_up` (the employer: months completed, outcome) | CLOSED |
//!
//! The rules of an application, checked when it is created and again when it is
//! submitted, each refused by name: the candidate's profession is funded (`profession`),
//! the origin of training fits (`origin`, from the candidate's recognition cases), every
//! cost is of an eligible type (`cost type`), today lies in the application window
//! (`window`), the placement lies in the programme's region (`region`), the candidate
//! has a live FUNDING consent naming the funder (`consent`, checked again at the grant),
//! and the placement is one the employer accepted the candidate for (`placement`).
//!
//! Who sees an application: the employer that applies (`funding:apply`), and once it is
//! submitted, the funder of its programme (`funding:decide`).

use super::{Budget, WRITE as PROGRAMME_WRITE, cost_types, funder_writer};
use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::course_runs::{Money, money};
use crate::service::courses::stale;
use crate::service::pagination::{ChildList, Ordering};
use crate::service::validation::{Problems, chars, format_amount, value_name};
use crate::service::{Reference, one_of, today};
use chrono::{Months, Utc};
use entity::consent::ConsentPurpose;
use entity::funding_application::{self, ApplicationStatus, Column, Entity, FollowUpOutcome};
use entity::funding_application_event as event;
use entity::funding_programme::{self, CostType};
use entity::organisation::OrganisationKind;
use entity::placement_offer::{self, OfferType};
use entity::referral;
use entity::{candidate, funding_programme_profession, recognition_case};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Select,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One cost besides salary and supervisor fee.
#[derive(Debug, Clone)]
pub struct CostLine {
    pub cost_type: CostType,
    pub amount: Money,
}

/// A cost as stored in `other_costs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredCost {
    pub cost_type: CostType,
    pub amount_minor: i64,
}

/// What an application asks for.
#[derive(Debug, Clone)]
pub struct Costs {
    pub months: i32,
    pub monthly_salary: Money,
    pub monthly_supervisor_fee: Money,
    pub other_costs: Vec<CostLine>,
}

/// A new application of the caller (an employer).
#[derive(Debug, Clone)]
pub struct NewApplication {
    pub programme_id: i64,
    /// The accepted referral of the placement.
    pub referral_id: i64,
    pub costs: Costs,
    /// Submit at once rather than keep a draft.
    pub submit: bool,
}

/// Changes to a draft or incomplete application, based on `expected_version`.
#[derive(Debug, Clone)]
pub struct ApplicationChanges {
    pub id: i64,
    pub expected_version: i32,
    pub costs: Costs,
}

/// The employer's report once the funder paid.
#[derive(Debug, Clone)]
pub struct FollowUp {
    pub id: i64,
    pub months_completed: i32,
    pub outcome: FollowUpOutcome,
}

/// Narrows a list of applications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ApplicationFilter {
    pub status: Option<ApplicationStatus>,
    pub programme: Option<i64>,
}

/// Applications are listed in the order they were created.
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "funding_application.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

// ---------------------------------------------------------------------------------
// Who sees what.

/// `SELECT id FROM funding_programme WHERE funder_id = org`.
fn programmes_of(org: i64) -> SelectStatement {
    Query::select()
        .column(funding_programme::Column::Id)
        .from(funding_programme::Entity)
        .and_where(funding_programme::Column::FunderId.eq(org))
        .to_owned()
}

/// Applications submitted to `org`'s programmes (drafts stay the employer's).
fn received_by(org: i64) -> Condition {
    Condition::all()
        .add(Column::ProgrammeId.in_subquery(programmes_of(org)))
        .add(Column::Status.ne(ApplicationStatus::Draft))
}

/// Rows of `funding_application` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let mut cond = Condition::any().add(nothing());
    if let Some(org) = principal.organisation() {
        if principal.has_scope(Scope::FundingApply) {
            cond = cond.add(Column::EmployerId.eq(org.id));
        }
        if principal.has_scope(Scope::FundingDecide) {
            cond = cond.add(received_by(org.id));
        }
    }
    Entity::find().filter(cond)
}

/// The applications matching `filter` that the caller may see.
pub fn filtered(principal: &Principal, filter: &ApplicationFilter) -> Select<Entity> {
    let mut select = visible_to(principal);
    if let Some(s) = filter.status {
        select = select.filter(Column::Status.eq(s));
    }
    if let Some(p) = filter.programme {
        select = select.filter(Column::ProgrammeId.eq(p));
    }
    select
}

/// The applications of each programme (`FundingProgramme.applications`).
pub const OF_PROGRAMME: ChildList<Entity, ApplicationFilter> = ChildList {
    order: &BY_ID,
    parent: Column::ProgrammeId,
    parent_of: |m| m.programme_id,
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The applications with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<funding_application::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The timeline of each application the caller may see, oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<event::Model>>> {
    let visible = sea_orm::QueryTrait::into_query(sea_orm::QuerySelect::column(
        sea_orm::QuerySelect::select_only(visible_to(principal)),
        Column::Id,
    ));
    let rows = event::Entity::find()
        .filter(one_of(
            db.get_database_backend(),
            event::Column::ApplicationId,
            ids,
        ))
        .filter(event::Column::ApplicationId.in_subquery(visible))
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        (r.application_id, r)
    }))
}

/// The other costs of an application.
pub fn other_costs(a: &funding_application::Model) -> Vec<StoredCost> {
    serde_json::from_value(a.other_costs.clone()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------
// Who may change what.

/// The organisation of a caller who may apply for funding: an employer.
pub fn applicant_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[OrganisationKind::Employer],
        "only employers apply for funding",
    )
}

fn applicant_editable_by(principal: &Principal) -> Select<Entity> {
    match applicant_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::EmployerId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

fn funder_editable_by(principal: &Principal) -> Select<Entity> {
    match funder_writer(principal) {
        Ok(org) => visible_to(principal).filter(received_by(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Amending, submitting, following up: the employer that applies.
pub const APPLICANT: WriteRule<Entity> = WriteRule {
    what: "funding application",
    node: NodeType::FundingApplication,
    id: Column::Id,
    visible_to,
    editable_by: applicant_editable_by,
    writer: applicant_writer,
    foreign: "this funding application is another employer's",
};

/// Assessing, granting, rejecting, paying: the funder of the programme.
pub const FUNDER: WriteRule<Entity> = WriteRule {
    what: "funding application",
    node: NodeType::FundingApplication,
    id: Column::Id,
    visible_to,
    editable_by: funder_editable_by,
    writer: funder_writer,
    foreign: "this funding application is addressed to another funder",
};

// ---------------------------------------------------------------------------------
// The rules of an application.

/// The costs of an application read from its input, in minor units, before anything
/// is looked up: the form of every amount and currency, and the months.
struct Priced {
    months: i32,
    salary: i64,
    fee: i64,
    other: Vec<StoredCost>,
    /// Each currency given, with the field it was given in.
    currencies: Vec<(String, String)>,
}

impl Priced {
    fn read(costs: &Costs) -> AppResult<Priced> {
        let mut p = Problems::default();
        p.check(
            (1..=24).contains(&costs.months),
            "costs.months",
            "1 to 24 months",
        );
        let mut currencies = Vec::new();
        let mut read = |m: &Money, field: &str, p: &mut Problems| {
            let (minor, currency) = money(m, field, p);
            currencies.push((format!("{field}.currency"), currency));
            minor
        };
        let salary = read(&costs.monthly_salary, "costs.monthlySalary", &mut p);
        let fee = read(
            &costs.monthly_supervisor_fee,
            "costs.monthlySupervisorFee",
            &mut p,
        );
        let other: Vec<StoredCost> = costs
            .other_costs
            .iter()
            .map(|c| StoredCost {
                cost_type: c.cost_type,
                amount_minor: read(&c.amount, "costs.otherCosts.amount", &mut p),
            })
            .collect();
        p.check(
            other.len() <= 20,
            "costs.otherCosts",
            "at most 20 other costs",
        );
        p.finish()?;
        Ok(Priced {
            months: costs.months,
            salary,
            fee,
            other,
            currencies,
        })
    }

    /// The total requested, once the costs are checked against the programme: its
    /// currency and its eligible cost types (the rule `cost type`).
    fn total_for(&self, programme: &funding_programme::Model) -> AppResult<i64> {
        let mut p = Problems::default();
        for (field, currency) in &self.currencies {
            p.check(
                *currency == programme.currency,
                field,
                format!("the programme pays in {}", programme.currency),
            );
        }
        p.finish()?;
        let eligible = cost_types(programme);
        let mut used: Vec<(CostType, &str)> = Vec::new();
        if self.salary > 0 {
            used.push((CostType::TraineeSalary, "costs.monthlySalary"));
        }
        if self.fee > 0 {
            used.push((CostType::SupervisorFee, "costs.monthlySupervisorFee"));
        }
        for c in &self.other {
            used.push((c.cost_type, "costs.otherCosts"));
        }
        if let Some((t, field)) = used.iter().find(|(t, _)| !eligible.contains(t)) {
            return Err(AppError::bad_input(
                *field,
                format!(
                    "cost type: the programme does not pay for {}; it pays for {}",
                    value_name(t),
                    eligible
                        .iter()
                        .map(value_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        i64::from(self.months)
            .checked_mul(self.salary.saturating_add(self.fee))
            .and_then(|t| {
                self.other
                    .iter()
                    .try_fold(t, |acc, c| acc.checked_add(c.amount_minor))
            })
            .filter(|t| *t > 0 && *t < 1_000_000_000_000)
            .ok_or_else(|| {
                AppError::bad_input(
                    "costs.monthlySalary",
                    "the costs add up to nothing, or to more than any programme holds",
                )
            })
    }

    fn other_json(&self) -> AppResult<serde_json::Value> {
        serde_json::to_value(&self.other).map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// The placement an application is for: an accepted (or hired) referral to one of the
/// employer's practical placements; otherwise the refusal.
async fn placement(
    txn: &DatabaseTransaction,
    employer: i64,
    referral_id: i64,
) -> AppResult<(referral::Model, placement_offer::Model)> {
    let not_found = || crate::service::placements::referrals::EMPLOYER.not_found(referral_id);
    let referral = referral::Entity::find_by_id(referral_id)
        .one(txn)
        .await?
        .ok_or_else(not_found)?;
    let offer = placement_offer::Entity::find_by_id(referral.offer_id)
        .filter(placement_offer::Column::EmployerId.eq(employer))
        .one(txn)
        .await?
        .ok_or_else(not_found)?;
    if !referral.status.holds_slot() {
        return Err(AppError::bad_input(
            "referralId",
            format!(
                "placement: the referral is {}; apply for a candidate you accepted",
                value_name(&referral.status)
            ),
        ));
    }
    if offer.offer_type == OfferType::Job {
        return Err(AppError::bad_input(
            "referralId",
            "placement: funding is for a PRACTICAL_PLACEMENT or an SE_PRACTICAL_SERVICE, not a JOB",
        ));
    }
    Ok((referral, offer))
}

fn already_applied(status: ApplicationStatus) -> AppError {
    AppError::bad_input(
        "referralId",
        format!(
            "already applied: an application for this placement to this programme is {}",
            value_name(&status)
        ),
    )
}

/// Whether `candidate` has a live FUNDING consent naming `funder`.
async fn has_funding_consent(
    txn: &impl ConnectionTrait,
    candidate: i64,
    funder: i64,
) -> AppResult<bool> {
    Ok(
        crate::service::candidates::consents::live(txn, candidate, funder, ConsentPurpose::Funding)
            .await?
            .is_some(),
    )
}

fn no_consent() -> AppError {
    AppError::bad_input(
        "referralId",
        "consent: the candidate has no live FUNDING consent naming the programme's funder",
    )
}

/// The eligibility rules of the programme, each refused by name.
async fn check_eligible(
    txn: &DatabaseTransaction,
    reference: &Reference,
    programme: &funding_programme::Model,
    cand: &candidate::Model,
    offer: &placement_offer::Model,
) -> AppResult<()> {
    let today = today();
    if today < programme.opens_on || today > programme.closes_on {
        return Err(AppError::bad_input(
            "programmeId",
            format!(
                "window: the programme takes applications from {} to {}",
                programme.opens_on, programme.closes_on
            ),
        ));
    }
    let funded = funding_programme_profession::Entity::find()
        .filter(funding_programme_profession::Column::ProgrammeId.eq(programme.id))
        .filter(funding_programme_profession::Column::ProfessionKey.eq(&cand.profession_key))
        .one(txn)
        .await?;
    if funded.is_none() {
        return Err(AppError::bad_input(
            "referralId",
            format!(
                "profession: the programme does not fund the candidate's profession `{}`",
                cand.profession_key
            ),
        ));
    }
    if let Some(origin) = programme.origin {
        let fits = recognition_case::Entity::find()
            .filter(recognition_case::Column::CandidateId.eq(cand.id))
            .filter(recognition_case::Column::Origin.eq(origin))
            .one(txn)
            .await?;
        if fits.is_none() {
            return Err(AppError::bad_input(
                "referralId",
                format!(
                    "origin: the programme is for training from {}; no recognition case of \
                     the candidate says so",
                    value_name(&origin)
                ),
            ));
        }
    }
    if let Some(region) = &programme.region_code
        && !reference
            .regions
            .with_descendants(region)
            .contains(&offer.region_code)
    {
        return Err(AppError::bad_input(
            "referralId",
            format!("region: the programme funds placements in {region} only"),
        ));
    }
    if !has_funding_consent(txn, cand.id, programme.funder_id).await? {
        return Err(no_consent());
    }
    Ok(())
}

/// Appends to an application's timeline.
async fn record(
    txn: &DatabaseTransaction,
    principal: &Principal,
    a: &funding_application::Model,
    from: Option<ApplicationStatus>,
    amount: Option<i64>,
    note: Option<String>,
) -> AppResult<()> {
    event::Entity::insert(event::ActiveModel {
        application_id: Set(a.id),
        at: Set(Utc::now()),
        from_status: Set(from),
        to_status: Set(a.status),
        amount_minor: Set(amount),
        organisation_id: Set(principal.organisation().map(|o| o.id)),
        client_id: Set(principal.client().map(|c| c.client_id.clone())),
        note: Set(note),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

async fn programme_of(
    txn: &DatabaseTransaction,
    principal: &Principal,
    id: i64,
) -> AppResult<funding_programme::Model> {
    super::visible_to(principal)
        .filter(funding_programme::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| PROGRAMME_WRITE.not_found(id))
}

async fn candidate_of(txn: &DatabaseTransaction, id: i64) -> AppResult<candidate::Model> {
    candidate::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(format!("candidate {id} vanished")))
}

/// Creates an application of the caller for a candidate it accepted, as a draft or
/// submitted at once.
pub async fn create(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewApplication,
) -> AppResult<funding_application::Model> {
    let employer = applicant_writer(principal)?;
    let priced = Priced::read(&input.costs)?;
    crate::db::write(db, async |txn| {
        let programme = programme_of(txn, principal, input.programme_id).await?;
        let (referral, offer) = placement(txn, employer, input.referral_id).await?;
        let cand = candidate_of(txn, referral.candidate_id).await?;
        let requested = priced.total_for(&programme)?;
        check_eligible(txn, reference, &programme, &cand, &offer).await?;
        let earlier = Entity::find()
            .filter(Column::ReferralId.eq(referral.id))
            .filter(Column::ProgrammeId.eq(programme.id))
            .filter(Column::Status.ne(ApplicationStatus::Rejected))
            .one(txn)
            .await?;
        if let Some(earlier) = earlier {
            return Err(already_applied(earlier.status));
        }
        let now = Utc::now();
        let status = if input.submit {
            ApplicationStatus::Submitted
        } else {
            ApplicationStatus::Draft
        };
        let stored = Entity::insert(funding_application::ActiveModel {
            programme_id: Set(programme.id),
            employer_id: Set(employer),
            candidate_id: Set(cand.id),
            referral_id: Set(referral.id),
            status: Set(status),
            months: Set(priced.months),
            currency: Set(programme.currency.clone()),
            monthly_salary_minor: Set(priced.salary),
            monthly_supervisor_fee_minor: Set(priced.fee),
            other_costs: Set(priced.other_json()?),
            requested_minor: Set(requested),
            granted_minor: Set(None),
            paid_minor: Set(0),
            note: Set(None),
            submitted_on: Set(input.submit.then(today)),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await
        .map_err(|err| match err.sql_err() {
            // A second application that raced this one past the check.
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                already_applied(ApplicationStatus::Submitted)
            }
            _ => err.into(),
        })?;
        record(txn, principal, &stored, None, Some(requested), None).await?;
        Ok(stored)
    })
    .await
}

/// Saves a change of status (and whatever else `change` sets) if nobody changed the
/// application since it was read, and records it on the timeline.
async fn save(
    txn: &DatabaseTransaction,
    principal: &Principal,
    current: &funding_application::Model,
    change: funding_application::ActiveModel,
    amount: Option<i64>,
    note: Option<String>,
) -> AppResult<funding_application::Model> {
    let mut change = change;
    change.updated_at = Set(Utc::now());
    change.version = Set(current.version + 1);
    let saved = Entity::update_many()
        .set(change)
        .filter(Column::Id.eq(current.id))
        .filter(Column::Version.eq(current.version))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| stale("funding application", current.version + 1))?;
    record(txn, principal, &saved, Some(current.status), amount, note).await?;
    Ok(saved)
}

fn wrong_status(
    current: ApplicationStatus,
    allowed: &[ApplicationStatus],
    action: &str,
) -> AppError {
    AppError::bad_input(
        "id",
        format!(
            "the application is {}: only {} applications can be {action}",
            value_name(&current),
            allowed
                .iter()
                .map(value_name)
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    )
}

fn require(
    current: &funding_application::Model,
    allowed: &[ApplicationStatus],
    action: &str,
) -> AppResult<()> {
    if allowed.contains(&current.status) {
        Ok(())
    } else {
        Err(wrong_status(current.status, allowed, action))
    }
}

const AMENDABLE: [ApplicationStatus; 2] = [ApplicationStatus::Draft, ApplicationStatus::Incomplete];

/// Changes the costs of a draft or incomplete application.
pub async fn amend(
    db: &DatabaseConnection,
    principal: &Principal,
    input: ApplicationChanges,
) -> AppResult<funding_application::Model> {
    let priced = Priced::read(&input.costs)?;
    crate::db::write(db, async |txn| {
        let current = APPLICANT.editable(txn, principal, input.id).await?;
        if current.version != input.expected_version {
            return Err(stale("funding application", current.version));
        }
        require(&current, &AMENDABLE, "amended")?;
        let programme = programme_of(txn, principal, current.programme_id).await?;
        let requested = priced.total_for(&programme)?;
        let saved = Entity::update_many()
            .col_expr(Column::Months, Expr::value(priced.months))
            .col_expr(Column::MonthlySalaryMinor, Expr::value(priced.salary))
            .col_expr(Column::MonthlySupervisorFeeMinor, Expr::value(priced.fee))
            .col_expr(Column::OtherCosts, Expr::value(priced.other_json()?))
            .col_expr(Column::RequestedMinor, Expr::value(requested))
            .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(current.id))
            .filter(Column::Version.eq(current.version))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| stale("funding application", current.version + 1))?;
        record(
            txn,
            principal,
            &saved,
            Some(current.status),
            Some(requested),
            Some("costs amended".into()),
        )
        .await?;
        Ok(saved)
    })
    .await
}

/// Submits a draft or incomplete application, the rules checked again.
pub async fn submit(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    id: i64,
) -> AppResult<funding_application::Model> {
    let employer = applicant_writer(principal)?;
    crate::db::write(db, async |txn| {
        let current = APPLICANT.editable(txn, principal, id).await?;
        require(&current, &AMENDABLE, "submitted")?;
        let programme = programme_of(txn, principal, current.programme_id).await?;
        let (_, offer) = placement(txn, employer, current.referral_id).await?;
        let cand = candidate_of(txn, current.candidate_id).await?;
        check_eligible(txn, reference, &programme, &cand, &offer).await?;
        save(
            txn,
            principal,
            &current,
            funding_application::ActiveModel {
                status: Set(ApplicationStatus::Submitted),
                submitted_on: Set(Some(today())),
                ..Default::default()
            },
            None,
            None,
        )
        .await
    })
    .await
}

/// An amount granted or paid as given, before anything is looked up.
fn read_amount(amount: &Money) -> AppResult<(i64, String)> {
    let mut p = Problems::default();
    let read = money(amount, "amount", &mut p);
    p.finish()?;
    Ok(read)
}

/// A note as given: trimmed, 3 to 1,000 characters.
fn clean_note(note: &str, field: &str) -> AppResult<String> {
    let note = note.trim().to_owned();
    let mut p = Problems::default();
    p.check(
        (3..=1000).contains(&chars(&note)),
        field,
        "3 to 1,000 characters",
    );
    p.finish()?;
    Ok(note)
}

/// The funder asks for what is missing.
pub async fn request_completion(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    missing: &str,
) -> AppResult<funding_application::Model> {
    answer_with_note(
        db,
        principal,
        id,
        missing,
        (&[ApplicationStatus::Submitted], "sent back for completion"),
        ApplicationStatus::Incomplete,
    )
    .await
}

/// The funder rejects, saying why.
pub async fn reject(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    reason: &str,
) -> AppResult<funding_application::Model> {
    answer_with_note(
        db,
        principal,
        id,
        reason,
        (&ApplicationStatus::PENDING, "rejected"),
        ApplicationStatus::Rejected,
    )
    .await
}

/// The funder moves an application in one of `from` to `to` with a note the employer
/// sees (what is missing, why it is rejected); a rejection is a decision, dated today.
async fn answer_with_note(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    note: &str,
    (from, action): (&[ApplicationStatus], &str),
    to: ApplicationStatus,
) -> AppResult<funding_application::Model> {
    let note = clean_note(note, "note")?;
    crate::db::write(db, async |txn| {
        let current = FUNDER.editable(txn, principal, id).await?;
        require(&current, from, action)?;
        save(
            txn,
            principal,
            &current,
            funding_application::ActiveModel {
                status: Set(to),
                note: Set(Some(note.clone())),
                decided_on: if to == ApplicationStatus::Rejected {
                    Set(Some(today()))
                } else {
                    sea_orm::ActiveValue::NotSet
                },
                ..Default::default()
            },
            None,
            Some(note),
        )
        .await
    })
    .await
}

/// The funder grants `amount` (at most what was requested and what remains of the
/// budget): GRANTED when it is all, PARTIALLY_GRANTED when less. The budget is taken in
/// the same transaction by one conditional update; a grant that does not fit is refused
/// with `BUDGET_EXCEEDED`, saying what remains.
pub async fn grant(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    amount: &Money,
) -> AppResult<funding_application::Model> {
    let (minor, currency) = read_amount(amount)?;
    crate::db::write(db, async |txn| {
        let current = FUNDER.editable(txn, principal, id).await?;
        require(&current, &[ApplicationStatus::Submitted], "granted")?;
        let programme = programme_of(txn, principal, current.programme_id).await?;
        let mut p = Problems::default();
        p.check(
            currency == programme.currency,
            "amount.currency",
            format!("the programme pays in {}", programme.currency),
        );
        p.check(
            minor > 0,
            "amount.amount",
            "grant more than zero, or reject",
        );
        p.check(
            minor <= current.requested_minor,
            "amount.amount",
            format!(
                "at most the {} requested",
                super::amount(current.requested_minor, &programme.currency)
            ),
        );
        p.finish()?;
        if !has_funding_consent(txn, current.candidate_id, programme.funder_id).await? {
            return Err(no_consent());
        }
        // The placement must still be on: a referral the employer declined meanwhile
        // is funded no more.
        placement(txn, current.employer_id, current.referral_id).await?;
        take_budget(txn, &programme, minor).await?;
        let status = if minor == current.requested_minor {
            ApplicationStatus::Granted
        } else {
            ApplicationStatus::PartiallyGranted
        };
        let due = current
            .submitted_on
            .unwrap_or_else(today)
            .checked_add_months(Months::new(u32::try_from(current.months).unwrap_or(0)));
        save(
            txn,
            principal,
            &current,
            funding_application::ActiveModel {
                status: Set(status),
                granted_minor: Set(Some(minor)),
                decided_on: Set(Some(today())),
                follow_up_due_on: Set(due),
                note: Set(None),
                ..Default::default()
            },
            Some(minor),
            None,
        )
        .await
    })
    .await
}

/// Commits `minor` of `programme`'s budget if that much remains, in one conditional
/// statement; otherwise `BUDGET_EXCEEDED` with what remains now.
async fn take_budget(
    txn: &DatabaseTransaction,
    programme: &funding_programme::Model,
    minor: i64,
) -> AppResult<()> {
    use funding_programme::Column as P;
    let taken = funding_programme::Entity::update_many()
        .col_expr(P::CommittedMinor, Expr::col(P::CommittedMinor).add(minor))
        .col_expr(P::UpdatedAt, Expr::value(Utc::now()))
        .filter(P::Id.eq(programme.id))
        .filter(
            Expr::col(P::CommittedMinor)
                .add(minor)
                .lte(Expr::col(P::BudgetMinor)),
        )
        .exec(txn)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(());
    }
    let now = funding_programme::Entity::find_by_id(programme.id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("funding programme vanished".into()))?;
    Err(AppError::BudgetExceeded {
        remaining: format_amount(Budget::of(&now).remaining()),
        requested: format_amount(minor),
        currency: now.currency,
    })
}

/// The funder records the payment of a grant (at most the grant); what is not paid goes
/// back to the budget, and the employer's follow-up report becomes due.
pub async fn record_payment(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    amount: &Money,
) -> AppResult<funding_application::Model> {
    let (minor, currency) = read_amount(amount)?;
    crate::db::write(db, async |txn| {
        let current = FUNDER.editable(txn, principal, id).await?;
        require(&current, &ApplicationStatus::GRANTED, "paid")?;
        let programme = programme_of(txn, principal, current.programme_id).await?;
        let granted = current.granted_minor.unwrap_or(0);
        let mut p = Problems::default();
        p.check(
            currency == programme.currency,
            "amount.currency",
            format!("the programme pays in {}", programme.currency),
        );
        p.check(
            minor <= granted,
            "amount.amount",
            format!(
                "at most the {} granted",
                super::amount(granted, &programme.currency)
            ),
        );
        p.finish()?;
        use funding_programme::Column as P;
        funding_programme::Entity::update_many()
            .col_expr(P::PaidMinor, Expr::col(P::PaidMinor).add(minor))
            .col_expr(
                P::CommittedMinor,
                Expr::col(P::CommittedMinor).sub(granted - minor),
            )
            .col_expr(P::UpdatedAt, Expr::value(Utc::now()))
            .filter(P::Id.eq(programme.id))
            .exec(txn)
            .await?;
        save(
            txn,
            principal,
            &current,
            funding_application::ActiveModel {
                status: Set(ApplicationStatus::FollowUpDue),
                paid_minor: Set(minor),
                paid_on: Set(Some(today())),
                ..Default::default()
            },
            Some(minor),
            None,
        )
        .await
    })
    .await
}

/// The employer reports how the funded placement went; the application is closed.
pub async fn file_follow_up(
    db: &DatabaseConnection,
    principal: &Principal,
    input: FollowUp,
) -> AppResult<funding_application::Model> {
    crate::db::write(db, async |txn| {
        let current = APPLICANT.editable(txn, principal, input.id).await?;
        require(&current, &[ApplicationStatus::FollowUpDue], "followed up")?;
        let mut p = Problems::default();
        p.check(
            (0..=current.months).contains(&input.months_completed),
            "monthsCompleted",
            format!("0 to the {} months funded", current.months),
        );
        p.check(
            input.outcome == FollowUpOutcome::Aborted || input.months_completed > 0,
            "monthsCompleted",
            "a completed placement lasted at least a month",
        );
        p.finish()?;
        save(
            txn,
            principal,
            &current,
            funding_application::ActiveModel {
                status: Set(ApplicationStatus::Closed),
                months_completed: Set(Some(input.months_completed)),
                outcome: Set(Some(input.outcome)),
                follow_up_on: Set(Some(today())),
                ..Default::default()
            },
            None,
            Some(format!(
                "{}, {} of {} months",
                value_name(&input.outcome),
                input.months_completed,
                current.months
            )),
        )
        .await
    })
    .await
}
