//! Inputs of funding programmes and applications.

use crate::error::AppResult;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::MoneyInput;
use crate::graphql::types::Date;
use crate::service::funding::applications::{self as applications, Costs};
use crate::service::funding::{self};
use async_graphql::{ID, InputObject};
use entity::funding_application::{ApplicationStatus, FollowUpOutcome};
use entity::funding_programme::CostType;
use entity::recognition_case::CaseOrigin;

/// Narrows a list of funding programmes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct FundingProgrammeFilter {
    /// Only programmes funding this profession.
    pub profession: Option<String>,
    /// Only programmes of this budget year.
    pub year: Option<i32>,
    /// Only programmes taking applications on this day.
    pub open_on: Option<Date>,
}

impl From<FundingProgrammeFilter> for funding::ProgrammeFilter {
    fn from(f: FundingProgrammeFilter) -> Self {
        funding::ProgrammeFilter {
            profession: f.profession,
            year: f.year,
            open_on: f.open_on.map(|d| d.0),
        }
    }
}

/// A new programme of the caller's organisation (a funder).
#[derive(Debug, Clone, InputObject)]
pub struct DefineFundingProgrammeInput {
    /// Name (3 to 200 characters).
    pub name: String,
    /// Budget year.
    pub year: i32,
    /// The total budget; its currency is the programme's.
    pub budget: MoneyInput,
    /// What the programme pays for (at least one).
    pub cost_types: Vec<CostType>,
    /// Keys of the professions it funds (at least one).
    pub professions: Vec<String>,
    /// The origin of training it is for; omitted: any.
    pub origin: Option<CaseOrigin>,
    /// The region placements must lie in; omitted: anywhere.
    pub region: Option<String>,
    /// First day of the application window.
    pub opens_on: Date,
    /// Last day of the application window.
    pub closes_on: Date,
}

impl From<DefineFundingProgrammeInput> for funding::NewProgramme {
    fn from(i: DefineFundingProgrammeInput) -> Self {
        funding::NewProgramme {
            name: i.name,
            year: i.year,
            budget: i.budget.into(),
            cost_types: i.cost_types,
            professions: i.professions,
            origin: i.origin,
            region: i.region,
            opens_on: i.opens_on.0,
            closes_on: i.closes_on.0,
        }
    }
}

/// Changes to a programme; omitted fields stay as they are.
#[derive(Debug, Clone, InputObject)]
pub struct UpdateFundingProgrammeInput {
    /// The programme.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// Name.
    pub name: Option<String>,
    /// The total budget; never below what is committed, in the programme's currency.
    pub budget: Option<MoneyInput>,
    /// First day of the application window.
    pub opens_on: Option<Date>,
    /// Last day of the application window.
    pub closes_on: Option<Date>,
}

impl UpdateFundingProgrammeInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<funding::ProgrammeChanges> {
        Ok(funding::ProgrammeChanges {
            id: id::decode_as(&self.id, NodeType::FundingProgramme, "id")?,
            expected_version: self.expected_version,
            name: self.name,
            budget: self.budget.map(Into::into),
            opens_on: self.opens_on.map(|d| d.0),
            closes_on: self.closes_on.map(|d| d.0),
        })
    }
}

/// Narrows a list of funding applications.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, InputObject)]
pub struct FundingApplicationFilter {
    /// Only applications in this status.
    pub status: Option<ApplicationStatus>,
    /// Only applications to this programme.
    pub programme: Option<ID>,
}

impl FundingApplicationFilter {
    /// The service's filter.
    pub fn command(self) -> AppResult<applications::ApplicationFilter> {
        Ok(applications::ApplicationFilter {
            status: self.status,
            programme: self
                .programme
                .map(|p| id::decode_as(&p, NodeType::FundingProgramme, "filter.programme"))
                .transpose()?,
        })
    }
}

/// One cost besides salary and supervisor fee.
#[derive(Debug, Clone, InputObject)]
pub struct CostLineInput {
    /// What it pays for.
    pub cost_type: CostType,
    /// How much, in the programme's currency.
    pub amount: MoneyInput,
}

/// What an application asks for, in the programme's currency.
#[derive(Debug, Clone, InputObject)]
pub struct FundingCostsInput {
    /// Months of the placement to be funded (1 to 24).
    pub months: i32,
    /// The trainee's monthly salary (zero if not applied for).
    pub monthly_salary: MoneyInput,
    /// The supervisor's monthly fee (zero if not applied for).
    pub monthly_supervisor_fee: MoneyInput,
    /// Other costs.
    #[graphql(default)]
    pub other_costs: Vec<CostLineInput>,
}

impl From<FundingCostsInput> for Costs {
    fn from(c: FundingCostsInput) -> Self {
        Costs {
            months: c.months,
            monthly_salary: c.monthly_salary.into(),
            monthly_supervisor_fee: c.monthly_supervisor_fee.into(),
            other_costs: c
                .other_costs
                .into_iter()
                .map(|l| applications::CostLine {
                    cost_type: l.cost_type,
                    amount: l.amount.into(),
                })
                .collect(),
        }
    }
}

/// A new application of the caller (an employer) for a candidate it accepted.
#[derive(Debug, Clone, InputObject)]
pub struct ApplyForFundingInput {
    /// The programme.
    pub programme_id: ID,
    /// The accepted referral of the placement (a PRACTICAL_PLACEMENT or SE_PRACTICAL_SERVICE).
    pub referral_id: ID,
    /// The costs.
    pub costs: FundingCostsInput,
    /// Submit at once (default) rather than keep a draft.
    #[graphql(default = true)]
    pub submit: bool,
}

impl ApplyForFundingInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<applications::NewApplication> {
        Ok(applications::NewApplication {
            programme_id: id::decode_as(
                &self.programme_id,
                NodeType::FundingProgramme,
                "programmeId",
            )?,
            referral_id: id::decode_as(&self.referral_id, NodeType::Referral, "referralId")?,
            costs: self.costs.into(),
            submit: self.submit,
        })
    }
}

/// Changes to a draft or incomplete application.
#[derive(Debug, Clone, InputObject)]
pub struct AmendFundingApplicationInput {
    /// The application.
    pub id: ID,
    /// The `version` the change is based on.
    pub expected_version: i32,
    /// The costs (replace those stored).
    pub costs: FundingCostsInput,
}

impl AmendFundingApplicationInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<applications::ApplicationChanges> {
        Ok(applications::ApplicationChanges {
            id: application_id(&self.id)?,
            expected_version: self.expected_version,
            costs: self.costs.into(),
        })
    }
}

/// An application named by its ID.
#[derive(Debug, Clone, InputObject)]
pub struct FundingApplicationRefInput {
    /// The application.
    pub id: ID,
}

/// A note on an application: what is missing, why it is rejected.
#[derive(Debug, Clone, InputObject)]
pub struct FundingApplicationNoteInput {
    /// The application.
    pub id: ID,
    /// What is missing, or why it is rejected (3 to 1,000 characters); the employer sees it.
    pub note: String,
}

/// An amount granted or paid on an application.
#[derive(Debug, Clone, InputObject)]
pub struct FundingAmountInput {
    /// The application.
    pub id: ID,
    /// The amount, in the programme's currency.
    pub amount: MoneyInput,
}

/// The employer's follow-up report.
#[derive(Debug, Clone, InputObject)]
pub struct FileFundingFollowUpInput {
    /// The application.
    pub id: ID,
    /// Months the placement lasted.
    pub months_completed: i32,
    /// How it ended.
    pub outcome: FollowUpOutcome,
}

impl FileFundingFollowUpInput {
    /// The service's command; field paths of errors are relative to the input.
    pub fn command(self) -> AppResult<applications::FollowUp> {
        Ok(applications::FollowUp {
            id: application_id(&self.id)?,
            months_completed: self.months_completed,
            outcome: self.outcome,
        })
    }
}

/// The application named by an input's `id`.
pub fn application_id(id: &ID) -> AppResult<i64> {
    id::decode_as(id, NodeType::FundingApplication, "id")
}
