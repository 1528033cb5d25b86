//! Placement offers: the jobs, Praxiseinsätze of adaptation courses and places for
//! praktisk tjänstgöring that employers publish. The catalogue is public, like course
//! runs; only the employer changes or closes an offer. Candidates reach offers by
//! referral from their advisory centre ([`referrals`]), never by an employer searching
//! for people; an employer sees only a suppressed count of who might fit ([`matching`]).

pub mod matching;
pub mod referrals;

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::course_runs::{Money, money};
use crate::service::courses::{stale, stale_or_over};
use crate::service::pagination::{ChildList, Ordering, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::regions::RegionTree;
use crate::service::validation::{Patch, Problems, chars, value_name};
use crate::service::{Reference, one_of};
use chrono::{NaiveDate, Utc};
use entity::enums::LanguageLevel;
use entity::organisation::{self, EmployerType, OrganisationKind};
use entity::placement_offer::{self, Column, Entity, OfferStatus, OfferType};
use entity::placement_offer_profession as offer_profession;
use entity::referral::{self, ReferralStatus};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Select,
};
use std::collections::HashMap;

/// Narrows a list of offers; every condition given must hold. Errors name these fields
/// (`region`, `profession`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OfferFilter {
    /// Profession key: offers for this profession.
    pub profession: Option<String>,
    pub offer_type: Option<OfferType>,
    /// Region code: the offer lies in it or below it.
    pub region: Option<String>,
    /// Starting on or after.
    pub from: Option<NaiveDate>,
    pub employer_type: Option<EmployerType>,
    pub status: Option<OfferStatus>,
    /// A slot still open (true), or none (false).
    pub has_open_slots: Option<bool>,
}

/// A monthly gross salary band, both ends in one currency.
#[derive(Debug, Clone)]
pub struct SalaryBand {
    pub min: Money,
    pub max: Money,
}

/// A new offer of the caller's organisation. Errors name the fields as partners know
/// them (`startDate`, `salary.min`).
#[derive(Debug, Clone)]
pub struct NewOffer {
    pub offer_type: OfferType,
    pub title: String,
    /// Profession keys (at least one).
    pub professions: Vec<String>,
    /// Region code.
    pub region: String,
    pub city: String,
    pub start_date: NaiveDate,
    pub duration_months: i32,
    pub slots: i32,
    pub language_level: Option<LanguageLevel>,
    pub supervisor_role: Option<String>,
    pub supervision_hours: Option<i32>,
    pub salary: Option<SalaryBand>,
}

/// Changes to offer `id`, based on `expected_version`; `None` and `Patch::Keep` leave a
/// field as it is.
#[derive(Debug, Clone)]
pub struct OfferChanges {
    pub id: i64,
    pub expected_version: i32,
    pub title: Option<String>,
    /// Replaces the list.
    pub professions: Option<Vec<String>>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub duration_months: Option<i32>,
    pub slots: Option<i32>,
    pub language_level: Patch<LanguageLevel>,
    /// Replaces both the supervisor's role and the hours; `Clear` removes both.
    pub supervision: Patch<(Option<String>, Option<i32>)>,
    pub salary: Patch<SalaryBand>,
}

/// Closing offer `id`, based on `expected_version`, with the reason referred
/// candidates' advisory centres see.
#[derive(Debug, Clone)]
pub struct OfferClosing {
    pub id: i64,
    pub expected_version: i32,
    pub reason: String,
}

/// Offers are sorted by start date, then id.
pub const BY_START: Ordering<Entity> = Ordering {
    name: "placement_offer.start_date",
    sort: Some((Column::StartDate, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.start_date.to_string()),
    row_id: |m| m.id,
};

/// Rows of `placement_offer` the caller may see: the catalogue is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// `SELECT offer_id FROM placement_offer_profession WHERE profession_key = key`.
fn for_profession(key: &str) -> SelectStatement {
    Query::select()
        .column(offer_profession::Column::OfferId)
        .from(offer_profession::Entity)
        .and_where(offer_profession::Column::ProfessionKey.eq(key))
        .to_owned()
}

/// `SELECT id FROM placement_offer WHERE employer_id = org`.
pub(crate) fn offers_of(org: i64) -> SelectStatement {
    Query::select()
        .column(Column::Id)
        .from(Entity)
        .and_where(Column::EmployerId.eq(org))
        .to_owned()
}

/// Offers with an open slot.
pub fn with_open_slots() -> Condition {
    Condition::all()
        .add(Column::Status.eq(OfferStatus::Open))
        .add(Expr::col((Entity, Column::SlotsTaken)).lt(Expr::col((Entity, Column::Slots))))
}

/// The offers matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &OfferFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        reference.professions.require(key, "profession")?;
        select = select.filter(Column::Id.in_subquery(for_profession(key)));
    }
    if let Some(t) = filter.offer_type {
        select = select.filter(Column::OfferType.eq(t));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "region")?
    {
        select = select.filter(Column::RegionCode.is_in(codes));
    }
    if let Some(from) = filter.from {
        select = select.filter(Column::StartDate.gte(from));
    }
    if let Some(t) = filter.employer_type {
        select = select.filter(Column::EmployerType.eq(t));
    }
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status));
    }
    if let Some(open) = filter.has_open_slots {
        select = select.filter(if open {
            with_open_slots()
        } else {
            with_open_slots().not()
        });
    }
    Ok(select)
}

/// Whether the caller may see how many candidates fit an offer (a suppressed count):
/// employers, advisory centres and dashboards.
pub fn sees_potential_candidates(principal: &Principal) -> bool {
    principal.organisation().is_some()
        && [
            Scope::PlacementsWrite,
            Scope::CandidatesWrite,
            Scope::StatsRead,
        ]
        .iter()
        .any(|s| principal.has_scope(*s))
}

/// The offers with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<placement_offer::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The offers of each employer matching a filter (`Organisation.placementOffers`), by
/// start date.
pub const OF_EMPLOYER: ChildList<Entity, OfferFilter> = ChildList {
    order: &BY_START,
    parent: Column::EmployerId,
    parent_of: |m| m.employer_id,
    select: filtered,
};

/// The profession keys of each offer, in reference order.
pub async fn professions_of(
    db: &impl ConnectionTrait,
    professions: &ProfessionCatalog,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    crate::service::professions::keys_of::<offer_profession::Entity>(
        db,
        professions,
        offer_profession::Column::OfferId,
        ids,
        |r| (r.offer_id, r.profession_key),
    )
    .await
}

// ---------------------------------------------------------------------------------
// Writing: employers publish and maintain their offers.

/// The organisation of a caller who may publish offers. (The `placements:write` scope is
/// the operation's, checked where it is called.)
pub fn employer_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[OrganisationKind::Employer],
        "only employers publish placement offers and decide on referrals",
    )
}

/// Rows of `placement_offer` the caller may change: its own.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    match employer_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::EmployerId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Who may change an offer: the employer that publishes it.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "placement offer",
    node: NodeType::PlacementOffer,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: employer_writer,
    foreign: "this placement offer belongs to another employer",
};

/// An offer as it would be stored, for validation.
struct OfferDraft {
    offer_type: OfferType,
    title: String,
    /// The professions to store; `None` keeps those stored.
    professions: Option<Vec<String>>,
    region: String,
    city: String,
    start_date: NaiveDate,
    duration_months: i32,
    slots: i32,
    slots_taken: i32,
    language_level: Option<LanguageLevel>,
    supervisor_role: Option<String>,
    supervision_hours: Option<i32>,
    salary_min: Option<i64>,
    salary_max: Option<i64>,
    currency: Option<String>,
}

impl OfferDraft {
    fn salary(&mut self, band: Option<&SalaryBand>, p: &mut Problems) {
        match band {
            None => (self.salary_min, self.salary_max, self.currency) = (None, None, None),
            Some(band) => {
                let (min, currency) = money(&band.min, "salary.min", p);
                let (max, max_currency) = money(&band.max, "salary.max", p);
                p.check(
                    max_currency == currency,
                    "salary.max.currency",
                    "both ends of the band are in one currency",
                );
                p.check(
                    min <= max,
                    "salary.max.amount",
                    "the band's maximum is below its minimum",
                );
                (self.salary_min, self.salary_max, self.currency) =
                    (Some(min), Some(max), Some(currency));
            }
        }
    }

    fn validate(
        &mut self,
        regions: &RegionTree,
        professions: &ProfessionCatalog,
        mut p: Problems,
    ) -> AppResult<()> {
        self.title = self.title.trim().to_owned();
        self.city = self.city.trim().to_owned();
        self.region = self.region.trim().to_owned();
        self.supervisor_role = self
            .supervisor_role
            .take()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(keys) = &mut self.professions {
            crate::service::professions::check_keys(keys, professions, &mut p);
        }
        p.check(
            (3..=200).contains(&chars(&self.title)),
            "title",
            "the title needs 3 to 200 characters",
        );
        p.check(
            (1..=100).contains(&chars(&self.city)),
            "city",
            "the city needs 1 to 100 characters",
        );
        p.check(
            regions.get(&self.region).is_some(),
            "region",
            format!("unknown region `{}`", self.region),
        );
        let swedish = self.region.starts_with("SE");
        p.check(
            match self.offer_type {
                OfferType::SePracticalService => swedish,
                OfferType::PracticalPlacement => !swedish,
                OfferType::Job => true,
            },
            "region",
            match self.offer_type {
                OfferType::SePracticalService => "praktisk tjänstgöring takes place in Sweden",
                _ => "a Praxiseinsatz of an adaptation course takes place in Germany",
            },
        );
        p.check(
            (1..=60).contains(&self.duration_months),
            "durationMonths",
            "1 to 60 months",
        );
        p.check((1..=100).contains(&self.slots), "slots", "1 to 100 slots");
        p.check(
            self.slots >= self.slots_taken,
            "slots",
            format!("{} slots are already taken", self.slots_taken),
        );
        p.check(
            self.supervisor_role
                .as_deref()
                .is_none_or(|r| (2..=200).contains(&chars(r))),
            "supervision.supervisorRole",
            "2 to 200 characters",
        );
        p.check(
            self.offer_type == OfferType::Job || self.supervisor_role.is_some(),
            "supervision.supervisorRole",
            "a placement is supervised: name the supervisor's role",
        );
        p.check(
            self.supervision_hours.is_none_or(|h| (1..=40).contains(&h)),
            "supervision.hoursPerWeek",
            "1 to 40 hours a week",
        );
        p.finish()
    }
}

async fn store_professions(txn: &DatabaseTransaction, id: i64, keys: &[String]) -> AppResult<()> {
    crate::service::professions::store_keys(
        txn,
        offer_profession::Column::OfferId,
        id,
        keys,
        |offer_id, key| offer_profession::ActiveModel {
            offer_id: Set(offer_id),
            profession_key: Set(key),
        },
    )
    .await
}

/// Publishes an offer of the caller's organisation.
pub async fn publish(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewOffer,
) -> AppResult<placement_offer::Model> {
    let owner = employer_writer(principal)?;
    let mut p = Problems::default();
    p.check(
        input.start_date >= crate::service::today(),
        "startDate",
        "a new offer cannot start in the past",
    );
    let mut draft = OfferDraft {
        offer_type: input.offer_type,
        title: input.title,
        professions: Some(input.professions),
        region: input.region,
        city: input.city,
        start_date: input.start_date,
        duration_months: input.duration_months,
        slots: input.slots,
        slots_taken: 0,
        language_level: input.language_level,
        supervisor_role: input.supervisor_role,
        supervision_hours: input.supervision_hours,
        salary_min: None,
        salary_max: None,
        currency: None,
    };
    draft.salary(input.salary.as_ref(), &mut p);
    draft.validate(&reference.regions, &reference.professions, p)?;
    crate::db::write(db, async |txn| {
        let employer_type = organisation::Entity::find_by_id(owner)
            .one(txn)
            .await?
            .and_then(|o| o.employer_type);
        let now = Utc::now();
        let offer = Entity::insert(placement_offer::ActiveModel {
            employer_id: Set(owner),
            offer_type: Set(draft.offer_type),
            title: Set(draft.title.clone()),
            employer_type: Set(employer_type),
            region_code: Set(draft.region.clone()),
            city: Set(draft.city.clone()),
            start_date: Set(draft.start_date),
            duration_months: Set(draft.duration_months),
            slots: Set(draft.slots),
            slots_taken: Set(0),
            language_level: Set(draft.language_level),
            supervisor_role: Set(draft.supervisor_role.clone()),
            supervision_hours: Set(draft.supervision_hours),
            salary_min_minor: Set(draft.salary_min),
            salary_max_minor: Set(draft.salary_max),
            currency: Set(draft.currency.clone()),
            status: Set(OfferStatus::Open),
            closing_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        store_professions(
            txn,
            offer.id,
            draft.professions.as_deref().unwrap_or_default(),
        )
        .await?;
        Ok(offer)
    })
    .await
}

/// Writes `draft` over offer `id` if its version is still `expected` and no more slots
/// are taken than it would offer; a FILLED offer with new slots opens again.
async fn write(
    txn: &DatabaseTransaction,
    id: i64,
    expected: i32,
    draft: &OfferDraft,
) -> AppResult<placement_offer::Model> {
    let updated = Entity::update_many()
        .col_expr(Column::Title, Expr::value(draft.title.clone()))
        .col_expr(Column::RegionCode, Expr::value(draft.region.clone()))
        .col_expr(Column::City, Expr::value(draft.city.clone()))
        .col_expr(Column::StartDate, Expr::value(draft.start_date))
        .col_expr(Column::DurationMonths, Expr::value(draft.duration_months))
        .col_expr(Column::Slots, Expr::value(draft.slots))
        .col_expr(Column::LanguageLevel, Expr::value(draft.language_level))
        .col_expr(
            Column::SupervisorRole,
            Expr::value(draft.supervisor_role.clone()),
        )
        .col_expr(
            Column::SupervisionHours,
            Expr::value(draft.supervision_hours),
        )
        .col_expr(Column::SalaryMinMinor, Expr::value(draft.salary_min))
        .col_expr(Column::SalaryMaxMinor, Expr::value(draft.salary_max))
        .col_expr(Column::Currency, Expr::value(draft.currency.clone()))
        .col_expr(
            Column::Status,
            // A validated integer, written into the text as a number.
            Expr::cust(format!(
                "CASE WHEN status = 'CLOSED' THEN status \
                 WHEN slots_taken >= {} THEN 'FILLED' ELSE 'OPEN' END",
                draft.slots
            )),
        )
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id))
        .filter(Column::Version.eq(expected))
        .filter(Column::SlotsTaken.lte(draft.slots))
        .exec(txn)
        .await?;
    let row = Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal("updated placement offer vanished".into()))?;
    if updated.rows_affected != 1 {
        return Err(stale_or_over(
            "placement offer",
            expected,
            row.version,
            "slots",
            format!("{} slots are already taken", row.slots_taken),
        ));
    }
    Ok(row)
}

/// Applies `input` to one of the caller's offers, if `expectedVersion` is current.
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: OfferChanges,
) -> AppResult<placement_offer::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("placement offer", current.version));
        }
        let mut p = Problems::default();
        p.check(
            current.status != OfferStatus::Closed,
            "id",
            "a closed offer cannot be changed",
        );
        let mut draft = OfferDraft {
            offer_type: current.offer_type,
            title: input.title.clone().unwrap_or(current.title.clone()),
            professions: input.professions.clone(),
            region: input.region.clone().unwrap_or(current.region_code.clone()),
            city: input.city.clone().unwrap_or(current.city.clone()),
            start_date: input.start_date.unwrap_or(current.start_date),
            duration_months: input.duration_months.unwrap_or(current.duration_months),
            slots: input.slots.unwrap_or(current.slots),
            slots_taken: current.slots_taken,
            language_level: input.language_level.clone().apply(current.language_level),
            supervisor_role: current.supervisor_role.clone(),
            supervision_hours: current.supervision_hours,
            salary_min: current.salary_min_minor,
            salary_max: current.salary_max_minor,
            currency: current.currency.clone(),
        };
        match &input.supervision {
            Patch::Keep => {}
            Patch::Clear => (draft.supervisor_role, draft.supervision_hours) = (None, None),
            Patch::Set((role, hours)) => {
                (draft.supervisor_role, draft.supervision_hours) = (role.clone(), *hours)
            }
        }
        match &input.salary {
            Patch::Keep => {}
            Patch::Clear => draft.salary(None, &mut p),
            Patch::Set(band) => draft.salary(Some(band), &mut p),
        }
        draft.validate(&reference.regions, &reference.professions, p)?;
        let row = write(txn, id, input.expected_version, &draft).await?;
        if let Some(keys) = &draft.professions {
            store_professions(txn, id, keys).await?;
        }
        Ok(row)
    })
    .await
}

/// Closes one of the caller's offers, saying why. Referrals still waiting for a decision
/// are declined with that reason; accepted and hired ones stay as they are.
pub async fn close(
    db: &DatabaseConnection,
    principal: &Principal,
    input: OfferClosing,
) -> AppResult<placement_offer::Model> {
    let id = input.id;
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, id).await?;
        if current.version != input.expected_version {
            return Err(stale("placement offer", current.version));
        }
        let reason = input.reason.trim().to_owned();
        let mut p = Problems::default();
        p.check(
            (3..=1000).contains(&chars(&reason)),
            "reason",
            "give a reason of 3 to 1,000 characters",
        );
        p.check(
            current.status != OfferStatus::Closed,
            "id",
            format!("the offer is already {}", value_name(&OfferStatus::Closed)),
        );
        p.finish()?;
        let closed = Entity::update_many()
            .col_expr(Column::Status, Expr::value(OfferStatus::Closed))
            .col_expr(Column::ClosingReason, Expr::value(reason.clone()))
            .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(id))
            .filter(Column::Version.eq(input.expected_version))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| stale("placement offer", current.version + 1))?;
        let declined: Vec<i64> = referral::Entity::update_many()
            .col_expr(
                referral::Column::Status,
                Expr::value(ReferralStatus::Declined),
            )
            .col_expr(
                referral::Column::Reason,
                Expr::value(format!("the offer was closed: {reason}")),
            )
            .col_expr(referral::Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(
                referral::Column::Version,
                Expr::col(referral::Column::Version).add(1),
            )
            .filter(referral::Column::OfferId.eq(id))
            .filter(referral::Column::Status.eq(ReferralStatus::Referred))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .map(|r| r.candidate_id)
            .collect();
        referrals::release_consents(txn, closed.employer_id, &declined).await?;
        Ok(closed)
    })
    .await
}
