//! `placementOffers`, `placementOffer`, `referrals`, `referral`.

use crate::error::AppError;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{PlacementOfferFilter, ReferralFilter, under};
use crate::graphql::types::{
    PlacementOffer, PlacementOfferConnection, Referral, ReferralConnection,
};
use crate::graphql::{db, reference, request};
use crate::service::pagination::PageArgs;
use crate::service::placements::{self, referrals};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct PlacementsQuery;

#[Object]
impl PlacementsQuery {
    /// Placement offers across the catalogue, by start date: jobs, Praxiseinsätze and places for praktisk tjänstgöring.
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
        .resolve(placements::BY_START.name)?;
        let select = placements::filtered(
            &request(ctx)?.principal,
            reference(ctx)?,
            &filter.unwrap_or_default().into(),
        )
        .map_err(under("filter"))?;
        Ok(PlacementOfferConnection::from_select(
            db(ctx)?,
            select,
            &placements::BY_START,
            &page,
            PlacementOffer,
        )
        .await?)
    }

    /// The placement offer with this ID; `null` with a `NOT_FOUND` error when there is none.
    async fn placement_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a placement offer.")] id: ID,
    ) -> Result<Option<PlacementOffer>> {
        lookup!(
            ctx,
            id,
            NodeType::PlacementOffer,
            placement_offer,
            PlacementOffer,
            "placement offer"
        )
    }

    /// The referrals the caller may see: an employer those to its offers (`placements:write`), an advisory centre those of its candidates; in the order they were made.
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
        let page = PageArgs {
            first,
            after,
            last,
            before,
        }
        .resolve(referrals::BY_ID.name)?;
        let select =
            referrals::filtered(&request(ctx)?.principal, &filter.unwrap_or_default().into());
        Ok(
            ReferralConnection::from_select(db(ctx)?, select, &referrals::BY_ID, &page, Referral)
                .await?,
        )
    }

    /// The referral with this ID; `null` with a `NOT_FOUND` error when there is none the caller may see (only the employer and the candidate's advisory centre see one).
    async fn referral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ID of a referral.")] id: ID,
    ) -> Result<Option<Referral>> {
        lookup!(ctx, id, NodeType::Referral, referral, Referral, "referral")
    }
}
