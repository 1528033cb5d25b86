//! `Organisation`.

use super::connection::connection;
use super::{
    Course, CourseConnection, Date, ExamSession, ExamSessionConnection, FundingProgramme,
    FundingProgrammeConnection, PlacementOffer, PlacementOfferConnection, Region,
};
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{ExamSessionFilter, FundingProgrammeFilter, PlacementOfferFilter};
use crate::graphql::{reference, request};
use crate::service::courses::BY_TITLE;
use crate::service::exam_sessions;
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};
use chrono::{DateTime, Utc};
use entity::organisation::{self, EmployerType, OrganisationKind};

/// GraphQL view of a `organisation` row; see the `#[Object]` impl for the published description.
pub struct Organisation(pub organisation::Model);

connection!(
    OrganisationConnection,
    OrganisationEdge,
    Organisation,
    "organisations"
);

/// A partner of the network: school, provider, authority, chamber, exam office, advisory centre, employer, funder, job agency or municipality, with its public profile.
#[Object]
impl Organisation {
    /// Global ID.
    pub async fn id(&self) -> ID {
        id::encode(NodeType::Organisation, self.0.id)
    }

    /// What kind of partner this is.
    async fn kind(&self) -> OrganisationKind {
        self.0.kind
    }

    /// For employers: what kind of care they provide.
    async fn employer_type(&self) -> Option<EmployerType> {
        self.0.employer_type
    }

    /// Name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The region (district where known, else state) the organisation is located in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(reference(ctx)?
            .regions
            .get(&self.0.region_code)
            .map(|r| Region(r.clone())))
    }

    /// City or municipality.
    async fn city(&self) -> &str {
        &self.0.city
    }

    /// Street address.
    async fn street(&self) -> Option<&str> {
        self.0.street.as_deref()
    }

    /// Postal code.
    async fn postal_code(&self) -> Option<&str> {
        self.0.postal_code.as_deref()
    }

    /// Public contact e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }

    /// Public contact phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// Website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// For course providers: the Bundesagentur's provider number (Trägernummer).
    async fn provider_number(&self) -> Option<&str> {
        self.0.provider_number.as_deref()
    }

    /// For course providers: AZAV certification valid until this date.
    async fn azav_valid_until(&self) -> Option<Date> {
        self.0.azav_valid_until.map(Date)
    }

    /// Courses this organisation offers, by title.
    async fn courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Number of courses from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of courses from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<CourseConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(BY_TITLE.name)?;
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(|l| &l.courses_of_provider, self.0.id, (), page)
            .await?;
        Ok(CourseConnection::new(rows, total, Course))
    }

    /// Exam sessions this organisation runs, by date.
    async fn exam_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the sessions must meet.")] filter: Option<ExamSessionFilter>,
        #[graphql(desc = "Number of sessions from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of sessions from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<ExamSessionConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(exam_sessions::BY_DATE.name)?;
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(
                |l| &l.sessions_of_organisation,
                self.0.id,
                filter.unwrap_or_default().into(),
                page,
            )
            .await?;
        Ok(ExamSessionConnection::new(rows, total, ExamSession))
    }

    /// Placement offers of this organisation (an employer), by start date.
    async fn placement_offers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the offers must meet.")] filter: Option<PlacementOfferFilter>,
        #[graphql(desc = "Number of offers from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of offers from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<PlacementOfferConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(crate::service::placements::BY_START.name)?;
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(
                |l| &l.offers_of_employer,
                self.0.id,
                filter.unwrap_or_default().into(),
                page,
            )
            .await?;
        Ok(PlacementOfferConnection::new(rows, total, PlacementOffer))
    }

    /// Funding programmes this organisation (a funder) runs, by opening of their window.
    async fn funding_programmes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the programmes must meet.")] filter: Option<
            FundingProgrammeFilter,
        >,
        #[graphql(desc = "Number of programmes from the start (at most 100, default 20).")]
        first: Option<i32>,
        #[graphql(desc = "Cursor after which to start.")] after: Option<String>,
        #[graphql(desc = "Number of programmes from the end (at most 100).")] last: Option<i32>,
        #[graphql(desc = "Cursor before which to stop.")] before: Option<String>,
    ) -> Result<FundingProgrammeConnection> {
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(crate::service::funding::BY_YEAR.name)?;
        let (rows, total) = request(ctx)?
            .loaders
            .child_page(
                |l| &l.programmes_of_funder,
                self.0.id,
                filter.unwrap_or_default().into(),
                page,
            )
            .await?;
        Ok(FundingProgrammeConnection::new(
            rows,
            total,
            FundingProgramme,
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
