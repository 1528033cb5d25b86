//! The loaders of offers and referrals, of the matching of offers and candidates, and of
//! the regions candidates accept: one function per loader, each one statement for a
//! batch of ids. Offers and referrals apply the caller's row rules inside it; the
//! matching applies the advisory centre's ownership; counts and regions are facts
//! about no one in particular.

use super::LoaderEnv;
use super::keyed::by_id;
use crate::error::AppResult;
use crate::service::pagination::MAX_PAGE_SIZE;
use crate::service::placements::{self, matching, referrals};
use entity::{placement_offer, referral};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::HashMap;

type Batch<'a, V> = BoxFuture<'a, AppResult<HashMap<i64, V>>>;

/// Placement offers by id.
pub fn offers_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, placement_offer::Model> {
    async move {
        Ok(by_id(
            placements::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The profession keys of each offer.
pub fn professions_by_offer<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, Vec<String>> {
    placements::professions_of(&e.db, &e.reference.professions, ids).boxed()
}

/// How many candidates fit each offer (exact; shown only through disclosure control).
pub fn potential_candidates_by_offer<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, u64> {
    matching::candidates_for(&e.db, ids).boxed()
}

/// The first offers (up to the largest page) that fit each of the caller's candidates.
pub fn matching_offers_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<placement_offer::Model>> {
    matching::offers_for(
        &e.db,
        e.principal.organisation().map(|o| o.id),
        ids,
        MAX_PAGE_SIZE as u64,
    )
    .boxed()
}

/// Referrals by id.
pub fn referrals_by_id<'a>(e: &'a LoaderEnv, ids: &'a [i64]) -> Batch<'a, referral::Model> {
    async move {
        Ok(by_id(
            referrals::by_ids(&e.db, &e.principal, ids).await?,
            |m| m.id,
        ))
    }
    .boxed()
}

/// The further regions each candidate accepts.
pub fn accepted_regions_by_candidate<'a>(
    e: &'a LoaderEnv,
    ids: &'a [i64],
) -> Batch<'a, Vec<String>> {
    crate::service::candidates::accepted_regions_of(&e.db, ids).boxed()
}
