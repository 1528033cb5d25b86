//! `fundingProgrammes`, `fundingProgramme`, `fundingApplications`, `fundingApplication`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{FundingApplicationFilter, FundingProgrammeFilter, under};
use crate::graphql::types::{
    FundingApplication, FundingApplicationConnection, FundingProgramme, FundingProgrammeConnection,
};
use crate::graphql::{db, reference, request};
use crate::service::funding::{self, applications};
use crate::service::pagination::PageArgs;
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct FundingQuery;

#[Object]
impl FundingQuery {
    /// Funding programmes, by opening of their application window.
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
        .resolve(funding::BY_YEAR.name)?;
        let select = funding::filtered(
            &request(ctx)?.principal,
            reference(ctx)?,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(FundingProgrammeConnection::from_select(
            db(ctx)?,
            select,
            &funding::BY_YEAR,
            &page,
            FundingProgramme,
        )
        .await?)
    }

    /// The funding programme with this ID; `null` with a `NOT_FOUND` error when there is none.
    async fn funding_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a funding programme.")] id: ID,
    ) -> Result<Option<FundingProgramme>> {
        lookup!(
            ctx,
            id,
            NodeType::FundingProgramme,
            funding_programme,
            FundingProgramme,
            "funding programme"
        )
    }

    /// The funding applications the caller may see: an employer its own (`funding:apply`), a funder those submitted to its programmes (`funding:decide`); in the order they were made.
    async fn funding_applications(
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
        .resolve(applications::BY_ID.name)?;
        let filter = filter.unwrap_or_default().command()?;
        let select = applications::filtered(&request(ctx)?.principal, &filter);
        Ok(FundingApplicationConnection::from_select(
            db(ctx)?,
            select,
            &applications::BY_ID,
            &page,
            FundingApplication,
        )
        .await?)
    }

    /// The funding application with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see.
    async fn funding_application(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a funding application.")] id: ID,
    ) -> Result<Option<FundingApplication>> {
        lookup!(
            ctx,
            id,
            NodeType::FundingApplication,
            funding_application,
            FundingApplication,
            "funding application"
        )
    }
}
