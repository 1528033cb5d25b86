//! `PlacementOffer`, `Referral`, and the suppressed counts shown about people.

use super::connection::connection;
use super::course_run::Money;
use super::{Candidate, Date, Organisation, Profession, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::ReferralFilter;
use crate::graphql::loader::Loaders;
use crate::graphql::loader::child_list::ChildLoader;
use crate::graphql::{reference, request};
use crate::service::disclosure::Disclosed;
use crate::service::pagination::PageArgs;
use crate::service::placements::referrals::BY_ID;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::LanguageLevel;
use entity::organisation::EmployerType;
use entity::placement_offer::{self, OfferStatus, OfferType};
use entity::referral::{self, ReferralStatus};

/// GraphQL view of a `placement_offer` row; see the `#[Object]` impl for the published description.
pub struct PlacementOffer(pub placement_offer::Model);

connection!(
    PlacementOfferConnection,
    PlacementOfferEdge,
    PlacementOffer,
    "placement offers"
);

/// GraphQL view of a `referral` row; see the `#[Object]` impl for the published description.
pub struct Referral(pub referral::Model);

connection!(ReferralConnection, ReferralEdge, Referral, "referrals");

/// A count about people under disclosure control: below 5 it is not shown, only said to be fewer than 5.
#[derive(SimpleObject)]
pub struct SuppressedCount {
    /// The count, or `null` when it is suppressed.
    pub value: Option<i32>,
    /// Whether the count is suppressed (between 1 and 4).
    pub suppressed: bool,
    /// The count as people read it: `12`, or `fewer than 5`.
    pub display: String,
}

impl From<Disclosed> for SuppressedCount {
    fn from(d: Disclosed) -> Self {
        SuppressedCount {
            value: d.value().map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            suppressed: d.value().is_none(),
            display: d.text(),
        }
    }
}

/// A monthly gross salary band.
#[derive(SimpleObject)]
pub struct SalaryBand {
    /// Lowest monthly gross salary.
    pub min: Money,
    /// Highest monthly gross salary.
    pub max: Money,
}

/// Who supervises a placement, and how much.
#[derive(SimpleObject)]
pub struct Supervision {
    /// The supervisor's role (Praxisanleiter/in, handledare, specialist physician …).
    pub supervisor_role: Option<String>,
    /// Hours of supervision per week.
    pub hours_per_week: Option<i32>,
}

/// The page arguments of a list field: `first`, `after`, `last`, `before`.
type PageArgsTuple = (Option<i32>, Option<String>, Option<i32>, Option<String>);

/// A page of the referrals of one offer or candidate.
pub(super) async fn referral_page(
    ctx: &Context<'_>,
    which: fn(
        &Loaders,
    ) -> &ChildLoader<
        referral::Entity,
        crate::service::placements::referrals::ReferralFilter,
    >,
    parent: i64,
    filter: Option<ReferralFilter>,
    (first, after, last, before): PageArgsTuple,
) -> Result<ReferralConnection> {
    let page = PageArgs {
        first,
        after,
        last,
        before,
    }
    .resolve(BY_ID.name)?;
    let (rows, total) = request(ctx)?
        .loaders
        .child_page(which, parent, filter.unwrap_or_default().into(), page)
        .await?;
    Ok(ReferralConnection::new(rows, total, Referral))
}

/// A job, a Praxiseinsatz of an adaptation course or a place for praktisk tjänstgöring that an employer offers, with its slots, supervision and salary band. Candidates reach it by referral from their advisory centre.
#[Object]
impl PlacementOffer {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::PlacementOffer, self.0.id)
    }

    /// What the offer is.
    #[graphql(name = "type")]
    async fn offer_type(&self) -> OfferType {
        self.0.offer_type
    }

    /// Title, e.g. "Pflegefachkraft Intensivstation (Anerkennung begleitet)".
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The employer.
    async fn employer(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.employer_id)
            .await?
            .map(Organisation))
    }

    /// The kind of employer (hospital, care home, practice …).
    async fn employer_type(&self) -> Option<EmployerType> {
        self.0.employer_type
    }

    /// The professions the offer is for.
    async fn professions(&self, ctx: &Context<'_>) -> Result<Vec<Profession>> {
        let keys = request(ctx)?
            .loaders
            .professions_by_offer
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Profession::all_of(ctx, &keys)
    }

    /// Region of the workplace.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.region_code)
            .map(|r| Region(r.clone())))
    }

    /// City of the workplace.
    async fn city(&self) -> &str {
        &self.0.city
    }

    /// First day.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }

    /// Duration in months.
    async fn duration_months(&self) -> i32 {
        self.0.duration_months
    }

    /// Places offered.
    async fn slots(&self) -> i32 {
        self.0.slots
    }

    /// Places still open (never negative).
    async fn open_slots(&self) -> i32 {
        (self.0.slots - self.0.slots_taken).max(0)
    }

    /// Language level a candidate needs.
    async fn language_level(&self) -> Option<LanguageLevel> {
        self.0.language_level
    }

    /// Who supervises, and how many hours a week.
    async fn supervision(&self) -> Supervision {
        Supervision {
            supervisor_role: self.0.supervisor_role.clone(),
            hours_per_week: self.0.supervision_hours,
        }
    }

    /// Monthly gross salary band, where the employer gives one.
    async fn salary(&self) -> Option<SalaryBand> {
        let currency = self.0.currency.as_deref()?;
        Some(SalaryBand {
            min: Money::from_minor(self.0.salary_min_minor?, currency),
            max: Money::from_minor(self.0.salary_max_minor?, currency),
        })
    }

    /// Where the offer stands.
    async fn status(&self) -> OfferStatus {
        self.0.status
    }

    /// Why the offer was closed.
    async fn closing_reason(&self) -> Option<&str> {
        self.0.closing_reason.as_deref()
    }

    /// How many candidates of all advisory centres would fit the offer (profession, region, language level, stage), as a suppressed count: employers never search people, and a count below 5 shows as "fewer than 5". For employers (`placements:write`), advisory centres (`candidates:write`) and dashboards (`stats:read`); `null` for everyone else.
    async fn potential_candidates(&self, ctx: &Context<'_>) -> Result<Option<SuppressedCount>> {
        let req = request(ctx)?;
        if !crate::service::placements::sees_potential_candidates(&req.principal) {
            return Ok(None);
        }
        let n = req
            .loaders
            .potential_candidates_by_offer
            .load_one(self.0.id)
            .await?
            .unwrap_or(0);
        Ok(Some(crate::service::disclosure::disclose(n).into()))
    }

    /// The referrals to this offer the caller may see (the employer, and advisory centres for their own candidates), in the order they were made.
    async fn referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the referrals must meet.")] filter: Option<ReferralFilter>,
        #[graphql(desc = "Number of referrals from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of referrals from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<ReferralConnection> {
        referral_page(
            ctx,
            |l| &l.referrals_of_offer,
            self.0.id,
            filter,
            (first, after, last, before),
        )
        .await
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

/// A candidate referred by their advisory centre to an employer's offer, with the candidate's PLACEMENT consent for that employer. The employer accepts (taking a slot), declines or marks the candidate hired.
#[Object]
impl Referral {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Referral, self.0.id)
    }

    /// The candidate (pseudonymous facts; personal data only with `candidates:pii` and the consent, audited). `null` when the caller may no longer see them, for example after the consent was revoked.
    async fn candidate(&self, ctx: &Context<'_>) -> Result<Option<Candidate>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .candidate
            .load_one(self.0.candidate_id)
            .await?
            .map(Candidate))
    }

    /// The offer.
    async fn offer(&self, ctx: &Context<'_>) -> Result<Option<PlacementOffer>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .placement_offer
            .load_one(self.0.offer_id)
            .await?
            .map(PlacementOffer))
    }

    /// The advisory centre that made the referral.
    async fn referred_by(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders
            .organisation
            .load_one(self.0.referred_by)
            .await?
            .map(Organisation))
    }

    /// Where the referral stands.
    async fn status(&self) -> ReferralStatus {
        self.0.status
    }

    /// Why it was declined.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }

    /// When the referral was made.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// Version of this record, increased by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
