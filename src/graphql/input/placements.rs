//! Inputs of placement offers and referrals.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{MoneyInput, patch};
use crate::graphql::types::Date;
use crate::service::placements::{self, referrals};
use async_graphql::{ID, InputObject, MaybeUndefined};
use entity::enums::LanguageLevel;
use entity::organisation::EmployerType;
use entity::placement_offer::{OfferStatus, OfferType};
use entity::referral::ReferralStatus;

/// Narrows a list of placement offers; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct PlacementOfferFilter {
    /// Only offers for this profession (key such as `nurse`).
    pub profession: Option<String>,
    /// Only offers of this type.
    #[graphql(name = "type")]
    pub offer_type: Option<OfferType>,
    /// Only offers in this region or any region below it.
    pub region: Option<String>,
    /// Only offers starting on or after this date.
    pub from: Option<Date>,
    /// Only offers of this kind of employer.
    pub employer_type: Option<EmployerType>,
    /// Only offers in this status.
    pub status: Option<OfferStatus>,
    /// Only offers that have (true) or have no (false) open slot.
    pub has_open_slots: Option<bool>,
}

impl From<PlacementOfferFilter> for placements::OfferFilter {
    fn from(f: PlacementOfferFilter) -> Self {
        placements::OfferFilter {
            profession: f.profession,
            offer_type: f.offer_type,
            region: f.region,
            from: f.from.map(|d| d.0),
            employer_type: f.employer_type,
            status: f.status,
            has_open_slots: f.has_open_slots,
        }
    }
}

/// Narrows a list of referrals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct ReferralFilter {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
}

impl From<ReferralFilter> for referrals::ReferralFilter {
    fn from(f: ReferralFilter) -> Self {
        referrals::ReferralFilter { status: f.status }
    }
}

/// A monthly gross salary band, both ends in one currency.
#[derive(Debug, Clone, InputObject)]
pub struct SalaryBandInput {
    /// Lowest monthly gross salary.
    pub min: MoneyInput,
    /// Highest monthly gross salary.
    pub max: MoneyInput,
}

impl From<SalaryBandInput> for placements::SalaryBand {
    fn from(b: SalaryBandInput) -> Self {
        placements::SalaryBand {
            min: b.min.into(),
            max: b.max.into(),
        }
    }
}

/// Supervision of a placement.
#[derive(Debug, Clone, InputObject)]
pub struct SupervisionInput {
    /// The supervisor's role (required for placements).
    pub supervisor_role: Option<String>,
    /// Hours of supervision per week (1 to 40).
    pub hours_per_week: Option<i32>,
}

/// A new offer of the caller's organisation (an employer).
#[derive(Debug, Clone, InputObject)]
pub struct PublishPlacementOfferInput {
    /// What the offer is.
    #[graphql(name = "type")]
    pub offer_type: OfferType,
    /// Title (3 to 200 characters).
    pub title: String,
    /// Keys of the professions it is for (at least one).
    pub professions: Vec<String>,
    /// Region of the workplace (a German district or state, a Swedish län).
    pub region: String,
    /// City of the workplace.
    pub city: String,
    /// First day; today or later.
    pub start_date: Date,
    /// Duration in months (1 to 60).
    pub duration_months: i32,
    /// Places offered (1 to 100).
    pub slots: i32,
    /// Language level a candidate needs.
    pub language_level: Option<LanguageLevel>,
    /// Who supervises, and how much (a supervisor role is required for placements).
    pub supervision: Option<SupervisionInput>,
    /// Monthly gross salary band, if the employer gives one.
    pub salary: Option<SalaryBandInput>,
}

impl From<PublishPlacementOfferInput> for placements::NewOffer {
    fn from(i: PublishPlacementOfferInput) -> Self {
        let (role, hours) = i
            .supervision
            .map_or((None, None), |s| (s.supervisor_role, s.hours_per_week));
        placements::NewOffer {
            offer_type: i.offer_type,
            title: i.title,
            professions: i.professions,
            region: i.region,
            city: i.city,
            start_date: i.start_date.0,
            duration_months: i.duration_months,
            slots: i.slots,
            language_level: i.language_level,
            supervisor_role: role,
            supervision_hours: hours,
            salary: i.salary.map(Into::into),
        }
    }
}

/// Changes to an offer; omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdatePlacementOfferInput {
    /// The offer.
    pub id: ID,
    /// The `version` the change is based on; a newer version on the server is a `CONFLICT`.
    pub expected_version: i32,
    /// Title.
    pub title: Option<String>,
    /// Keys of the professions (replaces the list).
    pub professions: Option<Vec<String>>,
    /// Region of the workplace.
    pub region: Option<String>,
    /// City of the workplace.
    pub city: Option<String>,
    /// First day.
    pub start_date: Option<Date>,
    /// Duration in months.
    pub duration_months: Option<i32>,
    /// Places offered; never below the places taken by accepted referrals.
    pub slots: Option<i32>,
    /// Language level; `null` removes the requirement.
    pub language_level: MaybeUndefined<LanguageLevel>,
    /// Who supervises, and how much (replaces both); `null` removes the supervision (jobs only).
    pub supervision: MaybeUndefined<SupervisionInput>,
    /// Salary band; `null` removes it.
    pub salary: MaybeUndefined<SalaryBandInput>,
}

impl UpdatePlacementOfferInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<placements::OfferChanges> {
        Ok(placements::OfferChanges {
            id: id::decode_as(&self.id, NodeType::PlacementOffer, "id")?,
            expected_version: self.expected_version,
            title: self.title,
            professions: self.professions,
            region: self.region,
            city: self.city,
            start_date: self.start_date.map(|d| d.0),
            duration_months: self.duration_months,
            slots: self.slots,
            language_level: patch(self.language_level, |l| l),
            supervision: patch(self.supervision, |s| (s.supervisor_role, s.hours_per_week)),
            salary: patch(self.salary, Into::into),
        })
    }
}

/// Closing an offer.
#[derive(Debug, Clone, InputObject)]
pub struct ClosePlacementOfferInput {
    /// The offer.
    pub id: ID,
    /// The `version` the closing is based on.
    pub expected_version: i32,
    /// Why (3 to 1,000 characters); referrals still waiting are declined with it.
    pub reason: String,
}

impl ClosePlacementOfferInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<placements::OfferClosing> {
        Ok(placements::OfferClosing {
            id: id::decode_as(&self.id, NodeType::PlacementOffer, "id")?,
            expected_version: self.expected_version,
            reason: self.reason,
        })
    }
}

/// Referring one of the caller's candidates to an offer.
#[derive(Debug, Clone, InputObject)]
pub struct ReferCandidateInput {
    /// The candidate (one of the caller's).
    pub candidate_id: ID,
    /// The offer.
    pub offer_id: ID,
}

impl ReferCandidateInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<referrals::NewReferral> {
        Ok(referrals::NewReferral {
            candidate_id: id::decode_as(&self.candidate_id, NodeType::Candidate, "candidateId")?,
            offer_id: id::decode_as(&self.offer_id, NodeType::PlacementOffer, "offerId")?,
        })
    }
}

/// A referral the employer accepts or marks hired.
#[derive(Debug, Clone, InputObject)]
pub struct ReferralRefInput {
    /// The referral.
    pub id: ID,
}

/// A referral the employer declines.
#[derive(Debug, Clone, InputObject)]
pub struct DeclineReferralInput {
    /// The referral.
    pub id: ID,
    /// Why (3 to 1,000 characters); the advisory centre sees it.
    pub reason: String,
}

/// The referral named by an input's `id`.
pub fn referral_id(id: &ID) -> AppResult<i64> {
    id::decode_as(id, NodeType::Referral, "id")
}
