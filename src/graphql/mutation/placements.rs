//! `publishPlacementOffer`, `updatePlacementOffer`, `closePlacementOffer`,
//! `referCandidate`, `acceptReferral`, `declineReferral`, `markReferralHired`.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::input::placements::referral_id;
use crate::graphql::input::{
    ClosePlacementOfferInput, DeclineReferralInput, PublishPlacementOfferInput,
    ReferCandidateInput, ReferralRefInput, UpdatePlacementOfferInput, under,
};
use crate::graphql::types::{PlacementOffer, Referral};
use crate::graphql::{db, reference, request};
use crate::service::placements::{self, referrals};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of a placement offer mutation.
#[derive(SimpleObject)]
pub struct PlacementOfferPayload {
    /// The offer as stored now.
    pub placement_offer: PlacementOffer,
}

/// The result of a referral mutation.
#[derive(SimpleObject)]
pub struct ReferralPayload {
    /// The referral as stored now.
    pub referral: Referral,
}

#[derive(Default)]
pub struct PlacementsMutation;

impl PlacementsMutation {
    /// The payload of a changed referral. The offer's slots moved with it, so nothing
    /// loaded earlier in this request is reused.
    fn referral(ctx: &Context<'_>, r: entity::referral::Model) -> Result<ReferralPayload> {
        request(ctx)?.loaders.forget_all();
        Ok(ReferralPayload {
            referral: Referral(r),
        })
    }
}

#[Object]
impl PlacementsMutation {
    /// Publishes a job, Praxiseinsatz or place for praktisk tjänstgöring of the caller's organisation, an employer (scope `placements:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn publish_placement_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new offer.")] input: PublishPlacementOfferInput,
    ) -> Result<PlacementOfferPayload> {
        let offer = placements::publish(
            db(ctx)?,
            &request(ctx)?.principal,
            reference(ctx)?,
            input.into(),
        )
        .await
        .map_err(under("input"))?;
        Ok(PlacementOfferPayload {
            placement_offer: PlacementOffer(offer),
        })
    }

    /// Changes one of the caller's offers (scope `placements:write`); `CONFLICT` if `expectedVersion` is not current. Lowering `slots` below the slots taken is refused.
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn update_placement_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdatePlacementOfferInput,
    ) -> Result<PlacementOfferPayload> {
        let command = input.command().map_err(under("input"))?;
        let offer =
            placements::update(db(ctx)?, &request(ctx)?.principal, reference(ctx)?, command)
                .await
                .map_err(under("input"))?;
        Ok(PlacementOfferPayload {
            placement_offer: PlacementOffer(offer),
        })
    }

    /// Closes one of the caller's offers with a reason (scope `placements:write`); referrals still waiting are declined with it, accepted ones stay.
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn close_placement_offer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The offer and the reason.")] input: ClosePlacementOfferInput,
    ) -> Result<PlacementOfferPayload> {
        let command = input.command().map_err(under("input"))?;
        let offer = placements::close(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        request(ctx)?.loaders.forget_all();
        Ok(PlacementOfferPayload {
            placement_offer: PlacementOffer(offer),
        })
    }

    /// Refers one of the caller's candidates to an open offer that fits them (scope `candidates:write`; see `Candidate.matchingOffers`). Records the candidate's PLACEMENT consent for the employer, which then sees the candidate's pseudonymous facts. Each broken rule (profession, language level, stage, offer not open, already referred, erased) is a `BAD_USER_INPUT` naming it.
    #[graphql(guard = "RequireScopes::one(&Scope::CandidatesWrite)")]
    async fn refer_candidate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The candidate and the offer.")] input: ReferCandidateInput,
    ) -> Result<ReferralPayload> {
        let command = input.command().map_err(under("input"))?;
        let r = referrals::refer(db(ctx)?, &request(ctx)?.principal, command)
            .await
            .map_err(under("input"))?;
        Self::referral(ctx, r)
    }

    /// Accepts a referred candidate (scope `placements:write`): the referral takes one of the offer's slots, or is refused when none is open. Accepted referrals never outnumber the slots.
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn accept_referral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral.")] input: ReferralRefInput,
    ) -> Result<ReferralPayload> {
        let id = referral_id(&input.id).map_err(under("input"))?;
        let r = referrals::accept(db(ctx)?, &request(ctx)?.principal, id)
            .await
            .map_err(under("input"))?;
        Self::referral(ctx, r)
    }

    /// Declines a referral with a reason (scope `placements:write`); an accepted one gives its slot back.
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn decline_referral(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral and the reason.")] input: DeclineReferralInput,
    ) -> Result<ReferralPayload> {
        let id = referral_id(&input.id).map_err(under("input"))?;
        let r = referrals::decline(db(ctx)?, &request(ctx)?.principal, id, &input.reason)
            .await
            .map_err(under("input"))?;
        Self::referral(ctx, r)
    }

    /// Records that an accepted candidate was hired or placed (scope `placements:write`).
    #[graphql(guard = "RequireScopes::one(&Scope::PlacementsWrite)")]
    async fn mark_referral_hired(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The referral.")] input: ReferralRefInput,
    ) -> Result<ReferralPayload> {
        let id = referral_id(&input.id).map_err(under("input"))?;
        let r = referrals::hire(db(ctx)?, &request(ctx)?.principal, id)
            .await
            .map_err(under("input"))?;
        Self::referral(ctx, r)
    }
}
