//! Funding programmes: money a funder sets aside for a year (Region Stockholm's 6.3 MSEK
//! for praktisk tjänstgöring, for example), with what it pays for, for whom, and when
//! one can apply. The catalogue of programmes is public, so employers find them; the
//! budget's state and the process figures are the funder's.
//!
//! The budget is exact at every moment: `committed` is the sum of the grants not yet
//! paid and of the payments, and a grant takes its amount with one conditional `UPDATE`
//! of the programme (`committed + amount <= budget`), which the database runs one at a
//! time per programme, so the grants never exceed the budget under any concurrency; a
//! `CHECK` on the table is the backstop. Amounts are integers in minor units.

pub mod applications;
pub mod statistics;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::course_runs::{Money, money};
use crate::service::courses::{stale, stale_or_over};
use crate::service::pagination::{ChildList, Ordering, SortKind};
use crate::service::professions::ProfessionCatalog;
use crate::service::validation::{Problems, chars, format_amount};
use crate::service::{Reference, one_of};
use chrono::{NaiveDate, Utc};
use entity::funding_programme::{self, Column, CostType, Entity};
use entity::funding_programme_profession as programme_profession;
use entity::organisation::OrganisationKind;
use entity::recognition_case::CaseOrigin;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Select,
};
use std::collections::HashMap;

/// Narrows a list of programmes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProgrammeFilter {
    /// Programmes funding this profession.
    pub profession: Option<String>,
    pub year: Option<i32>,
    /// Programmes open for applications on this day.
    pub open_on: Option<NaiveDate>,
}

/// A new programme of the caller's organisation. Errors name the fields as partners
/// know them (`budget.amount`).
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub name: String,
    pub year: i32,
    pub budget: Money,
    pub cost_types: Vec<CostType>,
    pub professions: Vec<String>,
    pub origin: Option<CaseOrigin>,
    pub region: Option<String>,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

/// Changes to programme `id`, based on `expected_version`.
#[derive(Debug, Clone)]
pub struct ProgrammeChanges {
    pub id: i64,
    pub expected_version: i32,
    pub name: Option<String>,
    /// The new total; never below what is committed.
    pub budget: Option<Money>,
    pub opens_on: Option<NaiveDate>,
    pub closes_on: Option<NaiveDate>,
}

/// The state of a programme's budget, in minor units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub total: i64,
    pub committed: i64,
    pub paid: i64,
}

impl Budget {
    pub fn of(p: &funding_programme::Model) -> Budget {
        Budget {
            total: p.budget_minor,
            committed: p.committed_minor,
            paid: p.paid_minor,
        }
    }

    pub fn remaining(&self) -> i64 {
        self.total - self.committed
    }
}

/// Programmes are sorted by year, then opening day, then id.
pub const BY_YEAR: Ordering<Entity> = Ordering {
    name: "funding_programme.opens_on",
    sort: Some((Column::OpensOn, SortKind::Date)),
    id: Column::Id,
    sort_value: |m| Some(m.opens_on.to_string()),
    row_id: |m| m.id,
};

/// Rows of `funding_programme` the caller may see: the catalogue is public.
pub fn visible_to(_principal: &Principal) -> Select<Entity> {
    Entity::find()
}

/// The programmes matching `filter`.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &ProgrammeFilter,
) -> AppResult<Select<Entity>> {
    let mut select = visible_to(principal);
    if let Some(key) = &filter.profession {
        reference.professions.require(key, "profession")?;
        select = select.filter(
            Column::Id.in_subquery(
                Query::select()
                    .column(programme_profession::Column::ProgrammeId)
                    .from(programme_profession::Entity)
                    .and_where(programme_profession::Column::ProfessionKey.eq(key))
                    .to_owned(),
            ),
        );
    }
    if let Some(year) = filter.year {
        select = select.filter(Column::Year.eq(year));
    }
    if let Some(day) = filter.open_on {
        select = select
            .filter(Column::OpensOn.lte(day))
            .filter(Column::ClosesOn.gte(day));
    }
    Ok(select)
}

/// The programmes with these ids.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<funding_programme::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .all(db)
        .await?)
}

/// The programmes of each funder (`Organisation.fundingProgrammes`).
pub const OF_FUNDER: ChildList<Entity, ProgrammeFilter> = ChildList {
    order: &BY_YEAR,
    parent: Column::FunderId,
    parent_of: |m| m.funder_id,
    select: filtered,
};

/// The profession keys of each programme, in reference order.
pub async fn professions_of(
    db: &impl ConnectionTrait,
    professions: &ProfessionCatalog,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    crate::service::professions::keys_of::<programme_profession::Entity>(
        db,
        professions,
        programme_profession::Column::ProgrammeId,
        ids,
        |r| (r.programme_id, r.profession_key),
    )
    .await
}

/// The cost types a programme pays for.
pub fn cost_types(p: &funding_programme::Model) -> Vec<CostType> {
    serde_json::from_value(p.cost_types.clone()).unwrap_or_default()
}

/// Whether the caller runs programme `p` (its funder, with `funding:decide`): it sees
/// the budget's state and the figures.
pub fn runs(principal: &Principal, p: &funding_programme::Model) -> bool {
    principal.has_scope(crate::auth::Scope::FundingDecide)
        && funder_writer(principal).is_ok_and(|org| org == p.funder_id)
}

// ---------------------------------------------------------------------------------
// Writing: funders define and maintain their programmes.

/// The organisation of a caller who may run programmes and decide on applications.
/// (The `funding:decide` scope is the operation's, checked where it is called.)
pub fn funder_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[OrganisationKind::Funder],
        "only funders run funding programmes and decide on applications",
    )
}

/// Rows of `funding_programme` the caller may change: its own.
pub fn editable_by(principal: &Principal) -> Select<Entity> {
    match funder_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::FunderId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Who may change a programme: the funder that runs it.
pub const WRITE: WriteRule<Entity> = WriteRule {
    what: "funding programme",
    node: NodeType::FundingProgramme,
    id: Column::Id,
    visible_to,
    editable_by,
    writer: funder_writer,
    foreign: "this funding programme belongs to another funder",
};

fn check_window(opens_on: NaiveDate, closes_on: NaiveDate, p: &mut Problems) {
    p.check(
        opens_on <= closes_on,
        "closesOn",
        "the application window closes on or after it opens",
    );
}

fn check_name(name: &str, p: &mut Problems) {
    p.check(
        (3..=200).contains(&chars(name)),
        "name",
        "the name needs 3 to 200 characters",
    );
}

async fn store_professions(txn: &DatabaseTransaction, id: i64, keys: &[String]) -> AppResult<()> {
    crate::service::professions::store_keys(
        txn,
        programme_profession::Column::ProgrammeId,
        id,
        keys,
        |programme_id, key| programme_profession::ActiveModel {
            programme_id: Set(programme_id),
            profession_key: Set(key),
        },
    )
    .await
}

/// Defines a programme of the caller's organisation.
pub async fn define(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewProgramme,
) -> AppResult<funding_programme::Model> {
    let funder = funder_writer(principal)?;
    let mut p = Problems::default();
    let name = input.name.trim().to_owned();
    check_name(&name, &mut p);
    p.check(
        (2000..=2100).contains(&input.year),
        "year",
        "a year between 2000 and 2100",
    );
    let (budget, currency) = money(&input.budget, "budget", &mut p);
    p.check(budget > 0, "budget.amount", "the budget is more than zero");
    let mut cost_types = input.cost_types.clone();
    cost_types.sort();
    cost_types.dedup();
    p.check(
        !cost_types.is_empty(),
        "costTypes",
        "name at least one eligible cost type",
    );
    let mut professions = input.professions.clone();
    crate::service::professions::check_keys(&mut professions, &reference.professions, &mut p);
    let region = input.region.as_deref().map(str::trim).map(str::to_owned);
    if let Some(code) = &region {
        p.check(
            reference.regions.get(code).is_some(),
            "region",
            format!("unknown region `{code}`"),
        );
    }
    check_window(input.opens_on, input.closes_on, &mut p);
    p.finish()?;
    crate::db::write(db, async |txn| {
        let now = Utc::now();
        let programme = Entity::insert(funding_programme::ActiveModel {
            funder_id: Set(funder),
            name: Set(name.clone()),
            year: Set(input.year),
            currency: Set(currency.clone()),
            budget_minor: Set(budget),
            committed_minor: Set(0),
            paid_minor: Set(0),
            cost_types: Set(
                serde_json::to_value(&cost_types).map_err(|e| AppError::Internal(e.to_string()))?
            ),
            origin: Set(input.origin),
            region_code: Set(region.clone()),
            opens_on: Set(input.opens_on),
            closes_on: Set(input.closes_on),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        store_professions(txn, programme.id, &professions).await?;
        Ok(programme)
    })
    .await
}

/// Changes one of the caller's programmes: name, window, or total budget (never below
/// what is committed, checked in the update's `WHERE` so a grant racing the change
/// cannot slip past it).
pub async fn update(
    db: &DatabaseConnection,
    principal: &Principal,
    input: ProgrammeChanges,
) -> AppResult<funding_programme::Model> {
    crate::db::write(db, async |txn| {
        let current = WRITE.editable(txn, principal, input.id).await?;
        if current.version != input.expected_version {
            return Err(stale("funding programme", current.version));
        }
        let mut p = Problems::default();
        let name = input
            .name
            .as_deref()
            .map_or(current.name.clone(), |n| n.trim().to_owned());
        check_name(&name, &mut p);
        let budget = match &input.budget {
            Some(b) => {
                let (minor, currency) = money(b, "budget", &mut p);
                p.check(
                    currency == current.currency,
                    "budget.currency",
                    format!("the programme's currency is {}", current.currency),
                );
                minor
            }
            None => current.budget_minor,
        };
        let opens_on = input.opens_on.unwrap_or(current.opens_on);
        let closes_on = input.closes_on.unwrap_or(current.closes_on);
        check_window(opens_on, closes_on, &mut p);
        p.check(budget > 0, "budget.amount", "the budget is more than zero");
        p.finish()?;
        let updated = Entity::update_many()
            .col_expr(Column::Name, Expr::value(name))
            .col_expr(Column::BudgetMinor, Expr::value(budget))
            .col_expr(Column::OpensOn, Expr::value(opens_on))
            .col_expr(Column::ClosesOn, Expr::value(closes_on))
            .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::Id.eq(input.id))
            .filter(Column::Version.eq(input.expected_version))
            .filter(Column::CommittedMinor.lte(budget))
            .exec_with_returning(txn)
            .await?;
        if let Some(row) = updated.into_iter().next() {
            return Ok(row);
        }
        let now = Entity::find_by_id(input.id)
            .one(txn)
            .await?
            .ok_or_else(|| AppError::Internal("updated funding programme vanished".into()))?;
        Err(stale_or_over(
            "funding programme",
            input.expected_version,
            now.version,
            "budget.amount",
            format!(
                "{} are already committed",
                amount(now.committed_minor, &now.currency)
            ),
        ))
    })
    .await
}

/// An amount in minor units as partners read it: `6300000.00 SEK`.
pub fn amount(minor: i64, currency: &str) -> String {
    format!("{} {currency}", format_amount(minor))
}
