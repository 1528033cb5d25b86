//! `FundingProgramme`, its budget and figures, `FundingApplication` and its timeline.

use super::connection::connection;
use super::course_run::Money;
use super::placement::SuppressedCount;
use super::{Candidate, Date, Organisation, Profession, Referral, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::FundingApplicationFilter;
use crate::graphql::{reference, request};
use crate::service::funding::applications::{BY_ID, other_costs};
use crate::service::funding::{self, Budget};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::funding_application::{self, ApplicationStatus, FollowUpOutcome};
use entity::funding_application_event;
use entity::funding_programme::{self, CostType};
use entity::recognition_case::CaseOrigin;

/// GraphQL view of a `funding_programme` row; see the `#[Object]` impl for the published description.
pub struct FundingProgramme(pub funding_programme::Model);

connection!(
    FundingProgrammeConnection,
    FundingProgrammeEdge,
    FundingProgramme,
    "funding programmes"
);

/// GraphQL view of a `funding_application` row; see the `#[Object]` impl for the published description.
pub struct FundingApplication(pub funding_application::Model);

connection!(
    FundingApplicationConnection,
    FundingApplicationEdge,
    FundingApplication,
    "funding applications"
);

/// The state of a programme's budget, exact at every moment.
#[derive(SimpleObject)]
pub struct ProgrammeBudget {
    /// The total budget.
    pub total: Money,
    /// Granted and not yet paid, plus paid.
    pub committed: Money,
    /// Paid out.
    pub paid: Money,
    /// What can still be granted: total minus committed.
    pub remaining: Money,
}

/// What a programme granted for one profession.
#[derive(SimpleObject)]
pub struct ProfessionGrants {
    /// The profession.
    pub profession: Option<Profession>,
    /// Applications granted (suppressed below 5).
    pub granted: SuppressedCount,
    /// The sum granted; `null` when the count is suppressed.
    pub amount: Option<Money>,
}

/// The process figures of a programme (submitted applications only; counts below 5 suppressed, and medians of groups below 5 with them).
#[derive(SimpleObject)]
pub struct ProgrammeStatistics {
    /// Applications submitted.
    pub applications: SuppressedCount,
    /// Applications granted, in full or in part.
    pub granted: SuppressedCount,
    /// Applications rejected.
    pub rejected: SuppressedCount,
    /// Median days from submission to decision.
    pub median_days_to_decision: Option<i32>,
    /// Median days from decision to payment.
    pub median_days_to_payment: Option<i32>,
    /// Grants per profession.
    pub granted_by_profession: Vec<ProfessionGrants>,
}

/// One cost of an application besides salary and supervisor fee.
#[derive(SimpleObject)]
pub struct CostLine {
    /// What it pays for.
    pub cost_type: CostType,
    /// How much.
    pub amount: Money,
}

/// The employer's report on a funded placement.
#[derive(SimpleObject)]
pub struct FollowUpReport {
    /// Months the placement lasted.
    pub months_completed: i32,
    /// How it ended.
    pub outcome: FollowUpOutcome,
    /// When it was filed.
    pub filed_on: Date,
}

/// An entry of an application's timeline.
pub struct FundingApplicationEvent(pub funding_application_event::Model, pub String);

/// A change of a funding application: who moved it where, when, with which amount.
#[Object]
impl FundingApplicationEvent {
    /// When.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// The status before; `null` when the application was created.
    async fn from_status(&self) -> Option<ApplicationStatus> {
        self.0.from_status
    }

    /// The status after.
    async fn to_status(&self) -> ApplicationStatus {
        self.0.to_status
    }

    /// The amount requested, granted or paid by this change.
    async fn amount(&self) -> Option<Money> {
        self.0.amount_minor.map(|m| Money::from_minor(m, &self.1))
    }

    /// The organisation that made the change.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(org) = self.0.organisation_id else {
            return Ok(None);
        };
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.organisation.load_one(org).await?.map(Organisation))
    }

    /// What is missing, why it was rejected, how it ended.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// Money a funder sets aside for a year (e.g. Region Stockholm's 6.3 MSEK for praktisk tjänstgöring): what it pays for, for whom, where and when one can apply. Public, so employers find it; the budget's state and the figures are the funder's.
#[Object]
impl FundingProgramme {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::FundingProgramme, self.0.id)
    }

    /// Name of the programme.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The funder that runs it.
    async fn funder(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.funder_id)
            .await?
            .map(Organisation))
    }

    /// The budget year.
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// The total budget.
    async fn total_budget(&self) -> Money {
        Money::from_minor(self.0.budget_minor, &self.0.currency)
    }

    /// The budget's state: total, committed, paid, remaining. `null` unless the caller runs the programme.
    async fn budget(&self, ctx: &Context<'_>) -> Result<Option<ProgrammeBudget>> {
        if !funding::runs(&request(ctx)?.principal, &self.0) {
            return Ok(None);
        }
        let b = Budget::of(&self.0);
        let m = |minor| Money::from_minor(minor, &self.0.currency);
        Ok(Some(ProgrammeBudget {
            total: m(b.total),
            committed: m(b.committed),
            paid: m(b.paid),
            remaining: m(b.remaining()),
        }))
    }

    /// What the programme pays for.
    async fn cost_types(&self) -> Vec<CostType> {
        funding::cost_types(&self.0)
    }

    /// The professions it funds.
    async fn professions(&self, ctx: &Context<'_>) -> Result<Vec<Profession>> {
        let keys = request(ctx)?
            .loaders
            .professions_by_programme
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Profession::all_of(ctx, &keys)
    }

    /// The origin of training it is for; `null`: any.
    async fn origin(&self) -> Option<CaseOrigin> {
        self.0.origin
    }

    /// The region placements must lie in; `null`: anywhere.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(code) = &self.0.region_code else {
            return Ok(None);
        };
        Ok(reference(ctx)?.regions.get(code).map(|r| Region(r.clone())))
    }

    /// First day of the application window.
    async fn opens_on(&self) -> Date {
        Date(self.0.opens_on)
    }

    /// Last day of the application window.
    async fn closes_on(&self) -> Date {
        Date(self.0.closes_on)
    }

    /// The process figures: applications, grants, rejections, how long decisions and payments take, grants per profession. `null` unless the caller runs the programme.
    async fn statistics(&self, ctx: &Context<'_>) -> Result<Option<ProgrammeStatistics>> {
        if !funding::runs(&request(ctx)?.principal, &self.0) {
            return Ok(None);
        }
        let reference = reference(ctx)?;
        let Some(s) = request(ctx)?
            .loaders
            .statistics_by_programme
            .load_one(self.0.id)
            .await?
        else {
            return Ok(None);
        };
        let days = |d: Option<i64>| d.map(|d| i32::try_from(d).unwrap_or(i32::MAX));
        Ok(Some(ProgrammeStatistics {
            applications: s.applications.into(),
            granted: s.granted.into(),
            rejected: s.rejected.into(),
            median_days_to_decision: days(s.median_days_to_decision),
            median_days_to_payment: days(s.median_days_to_payment),
            granted_by_profession: s
                .granted_by_profession
                .into_iter()
                .map(|g| ProfessionGrants {
                    profession: reference
                        .professions
                        .get(&g.profession)
                        .map(|p| Profession(p.clone())),
                    granted: g.granted.into(),
                    amount: g.amount.map(|a| Money::from_minor(a, &self.0.currency)),
                })
                .collect(),
        }))
    }

    /// The applications to this programme the caller may see (the funder: all submitted ones; an employer: its own), in the order they were made.
    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the applications must meet.")] filter: Option<
            FundingApplicationFilter,
        >,
        #[graphql(desc = "Number of applications from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of applications from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<FundingApplicationConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_ID.name)?;
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(
                |l| &l.applications_of_programme,
                self.0.id,
                filter.unwrap_or_default().command()?,
                page,
            )
            .await?;
        Ok(FundingApplicationConnection::new(
            rows,
            total,
            FundingApplication,
        ))
    }

    /// When this record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change; pass it as `expectedVersion` when updating.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

impl FundingApplication {
    fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, &self.0.currency)
    }
}

/// An employer's application to a funding programme for the placement of a candidate it accepted, with the costs, the funder's decision, the payment and the follow-up.
#[Object]
impl FundingApplication {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::FundingApplication, self.0.id)
    }

    /// The programme applied to.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<FundingProgramme>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .funding_programme
            .load_one(self.0.programme_id)
            .await?
            .map(FundingProgramme))
    }

    /// The employer that applies.
    async fn employer(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.employer_id)
            .await?
            .map(Organisation))
    }

    /// The candidate (pseudonymous facts, through the FUNDING consent for the funder; `null` when the caller may not see them).
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .candidate
            .load_one(self.0.candidate_id)
            .await?
            .map(Candidate))
    }

    /// The accepted referral of the placement (visible to the employer).
    async fn referral(&self, ctx: &Context<'_>) -> Result<Option<Referral>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .referral
            .load_one(self.0.referral_id)
            .await?
            .map(Referral))
    }

    /// Where the application stands.
    async fn status(&self) -> ApplicationStatus {
        self.0.status
    }

    /// Months of the placement to be funded.
    async fn months(&self) -> i32 {
        self.0.months
    }

    /// The trainee's monthly salary.
    async fn monthly_salary(&self) -> Money {
        self.money(self.0.monthly_salary_minor)
    }

    /// The supervisor's monthly fee.
    async fn monthly_supervisor_fee(&self) -> Money {
        self.money(self.0.monthly_supervisor_fee_minor)
    }

    /// Other costs.
    async fn other_costs(&self) -> Vec<CostLine> {
        other_costs(&self.0)
            .into_iter()
            .map(|c| CostLine {
                cost_type: c.cost_type,
                amount: self.money(c.amount_minor),
            })
            .collect()
    }

    /// The total requested: months × (salary + supervisor fee) + other costs.
    async fn requested(&self) -> Money {
        self.money(self.0.requested_minor)
    }

    /// The amount granted.
    async fn granted(&self) -> Option<Money> {
        self.0.granted_minor.map(|m| self.money(m))
    }

    /// The amount paid.
    async fn paid(&self) -> Money {
        self.money(self.0.paid_minor)
    }

    /// The funder's last word: what is missing, or why it was rejected.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// When it was (last) submitted.
    async fn submitted_on(&self) -> Option<Date> {
        self.0.submitted_on.map(Date)
    }

    /// When the funder decided.
    async fn decided_on(&self) -> Option<Date> {
        self.0.decided_on.map(Date)
    }

    /// When the funded months end, for a grant.
    async fn follow_up_due_on(&self) -> Option<Date> {
        self.0.follow_up_due_on.map(Date)
    }

    /// When the funder paid.
    async fn paid_on(&self) -> Option<Date> {
        self.0.paid_on.map(Date)
    }

    /// The employer's follow-up report, once filed.
    async fn follow_up(&self) -> Option<FollowUpReport> {
        Some(FollowUpReport {
            months_completed: self.0.months_completed?,
            outcome: self.0.outcome?,
            filed_on: Date(self.0.follow_up_on?),
        })
    }

    /// Every change, oldest first.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<FundingApplicationEvent>> {
        let currency = &self.0.currency;
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .history_by_application
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|e| FundingApplicationEvent(e, currency.clone()))
            .collect())
    }

    /// When this record was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When this record last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change; pass it as `expectedVersion` when amending.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
