//! `CourseRun`.

use super::connection::connection;
use super::enrolment::{EnrolmentConnection, enrolment_page};
use super::{Course, Date, Region};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::EnrolmentFilter;
use crate::graphql::{reference, request};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::course_run::{self, CourseFormat, FundingOption, RunStatus, Schedule};

/// GraphQL view of a `course_run` row; see the `#[Object]` impl for the published description.
pub struct CourseRun(pub course_run::Model);

connection!(CourseRunConnection, CourseRunEdge, CourseRun, "course runs");

/// An amount of money.
#[derive(Debug, Clone, SimpleObject)]
pub struct Money {
    /// Decimal amount with two fraction digits, for example `1250.00`.
    pub amount: String,
    /// ISO 4217 currency code, for example `EUR` or `SEK`.
    pub currency: String,
}

impl Money {
    /// An amount given in minor units (cents, öre).
    pub fn from_minor(minor: i64, currency: &str) -> Money {
        Money {
            amount: crate::service::validation::format_amount(minor),
            currency: currency.to_owned(),
        }
    }
}

/// A dated session of a course (Termin): when, where, how, how many seats, at what cost.
#[Object]
impl CourseRun {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::CourseRun, self.0.id)
    }

    /// The course this is a run of.
    async fn course(&self, ctx: &Context<'_>) -> Result<Option<Course>> {
        let loaders = &request(ctx)?.loaders;
        Ok(loaders.course.load_one(self.0.course_id).await?.map(Course))
    }

    /// First day.
    async fn start_date(&self) -> Date {
        Date(self.0.start_date)
    }

    /// Last day.
    async fn end_date(&self) -> Date {
        Date(self.0.end_date)
    }

    /// Teaching hours in total.
    async fn hours(&self) -> i32 {
        self.0.hours
    }

    /// How the run is taught.
    async fn format(&self) -> CourseFormat {
        self.0.format
    }

    /// Full-time or part-time.
    async fn schedule(&self) -> Schedule {
        self.0.schedule
    }

    /// Participants needed for the run to take place.
    async fn seats_min(&self) -> i32 {
        self.0.seats_min
    }

    /// Seats offered.
    async fn seats_max(&self) -> i32 {
        self.0.seats_max
    }

    /// Seats still free (never negative).
    async fn seats_available(&self) -> i32 {
        (self.0.seats_max - self.0.seats_taken).max(0)
    }

    /// Enrolments waiting for a seat (a count; who waits is visible only to the parties).
    async fn waitlist_length(&self) -> i32 {
        self.0.waitlist_length
    }

    /// The enrolments in this run the caller may see (its school or provider, and advisory centres for their own candidates), in the order they were requested.
    async fn enrolments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the enrolments must meet.")] filter: Option<EnrolmentFilter>,
        #[graphql(desc = "Number of enrolments from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of enrolments from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<EnrolmentConnection> {
        enrolment_page(
            ctx,
            |l| &l.enrolments_of_run,
            self.0.id,
            filter,
            (first, after, last, before),
        )
        .await
    }

    /// Region where the run takes place (for online runs: the provider's region).
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.region_code)
            .map(|r| Region(r.clone())))
    }

    /// City where the run takes place.
    async fn city(&self) -> &str {
        &self.0.city
    }

    /// Cost for one participant.
    async fn cost(&self) -> Money {
        Money::from_minor(self.0.cost_minor, &self.0.currency)
    }

    /// Ways the cost can be funded.
    async fn funding_options(&self) -> Vec<FundingOption> {
        serde_json::from_value(self.0.funding_options.clone()).unwrap_or_default()
    }

    /// Last day to register.
    async fn registration_deadline(&self) -> Option<Date> {
        self.0.registration_deadline.map(Date)
    }

    /// The provider's own id of the run within its course, as its catalogue imports name it; null for runs scheduled by hand.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Whether participants can join after the start (rolling entry).
    async fn rolling_entry(&self) -> bool {
        self.0.rolling_entry
    }

    /// Where the run stands.
    async fn status(&self) -> RunStatus {
        self.0.status
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

#[cfg(test)]
mod tests {
    use super::Money;

    #[test]
    fn money_formats_minor_units() {
        assert_eq!(Money::from_minor(125_000, "EUR").amount, "1250.00");
        assert_eq!(Money::from_minor(5, "SEK").amount, "0.05");
        assert_eq!(Money::from_minor(-150, "EUR").amount, "-1.50");
    }
}
