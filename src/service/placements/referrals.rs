//! Referrals: an advisory centre refers one of its candidates to an offer, which
//! records the candidate's PLACEMENT consent for the employer; the employer accepts,
//! declines or hires.
//!
//! | from | operation (who) | to |
//! |---|---|---|
//! | — | `refer` (the candidate's advisory centre) | REFERRED |
//! | REFERRED | `accept` (the employer), while a slot is open | ACCEPTED, holding a slot |
//! | REFERRED, ACCEPTED | `decline` (the employer, with a reason) | DECLINED; an accepted one gives its slot back |
//! | ACCEPTED | `hire` (the employer) | HIRED, keeping its slot |
//! | REFERRED | the offer is closed | DECLINED, with the closing reason |
//!
//! Slots are a promise like seats: an acceptance takes its slot with one conditional
//! `UPDATE` of the offer (`slots_taken < slots`), which the database runs one at a time
//! per offer, so accepted referrals never outnumber the slots under any concurrency; a
//! `CHECK` on the table is the backstop.
//!
//! Who sees a referral: the candidate's advisory centre (`candidates:read` or
//! `candidates:write`) and the offer's employer (`placements:write`). The employer sees
//! the candidate's pseudonymous facts through the PLACEMENT consent, and personal data
//! only with `candidates:pii`, audited, as on every other path.

use super::{OfferStatus, WRITE as OFFER_WRITE, employer_writer, offers_of};
use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use crate::service::candidates::{self, advisory_writer, consents, owned_by};
use crate::service::pagination::{ChildList, Ordering};
use crate::service::validation::{Problems, chars, value_name};
use crate::service::{enrolments, one_of, placements};
use chrono::Utc;
use entity::consent::ConsentPurpose;
use entity::decision::CompensatoryMeasure;
use entity::placement_offer::{self, OfferType};
use entity::referral::{self, Column, Entity, ReferralStatus};
use entity::{candidate, consent, organisation, placement_offer_profession, recognition_case};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Select,
};

/// Candidate `candidate_id` is referred to offer `offer_id`.
#[derive(Debug, Clone)]
pub struct NewReferral {
    pub candidate_id: i64,
    pub offer_id: i64,
}

/// Narrows a list of referrals.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ReferralFilter {
    pub status: Option<ReferralStatus>,
}

/// Referrals are listed in the order they were made.
pub const BY_ID: Ordering<Entity> = Ordering {
    name: "referral.id",
    sort: None,
    id: Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// Rows of `referral` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<Entity> {
    let mut cond = Condition::any().add(nothing());
    if let Some(org) = principal.organisation() {
        if principal.has_scope(Scope::CandidatesRead) || principal.has_scope(Scope::CandidatesWrite)
        {
            cond = cond.add(Column::CandidateId.in_subquery(owned_by(org.id)));
        }
        if principal.has_scope(Scope::PlacementsWrite) {
            cond = cond.add(Column::OfferId.in_subquery(offers_of(org.id)));
        }
    }
    Entity::find().filter(cond)
}

/// The referrals matching `filter` that the caller may see.
pub fn filtered(principal: &Principal, filter: &ReferralFilter) -> Select<Entity> {
    let select = visible_to(principal);
    match filter.status {
        Some(s) => select.filter(Column::Status.eq(s)),
        None => select,
    }
}

/// The referrals of each offer (`PlacementOffer.referrals`).
pub const OF_OFFER: ChildList<Entity, ReferralFilter> = ChildList {
    order: &BY_ID,
    parent: Column::OfferId,
    parent_of: |m| m.offer_id,
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The referrals of each candidate (`Candidate.referrals`).
pub const OF_CANDIDATE: ChildList<Entity, ReferralFilter> = ChildList {
    order: &BY_ID,
    parent: Column::CandidateId,
    parent_of: |m| m.candidate_id,
    select: |principal, _, filter| Ok(filtered(principal, filter)),
};

/// The referrals with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<referral::Model>> {
    Ok(visible_to(principal)
        .filter(one_of(db.get_database_backend(), Column::Id, ids))
        .order_by_asc(Column::Id)
        .all(db)
        .await?)
}

fn employer_editable_by(principal: &Principal) -> Select<Entity> {
    match employer_writer(principal) {
        Ok(org) => visible_to(principal).filter(Column::OfferId.in_subquery(offers_of(org))),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Accepting, declining and hiring: the offer's employer.
pub const EMPLOYER: WriteRule<Entity> = WriteRule {
    what: "referral",
    node: NodeType::Referral,
    id: Column::Id,
    visible_to,
    editable_by: employer_editable_by,
    writer: employer_writer,
    foreign: "this referral is addressed to another employer",
};

// ---------------------------------------------------------------------------------
// Whether an offer suits a candidate: the rules of a referral, each named.

/// Whether the candidate's stage admits an offer of type `t`; otherwise the refusal.
async fn check_stage(
    txn: &DatabaseTransaction,
    cand: &candidate::Model,
    t: OfferType,
) -> AppResult<()> {
    match t {
        OfferType::Job => Ok(()),
        OfferType::PracticalPlacement => {
            let allowed = enrolments::allowed_by_decisions(txn, cand.id)
                .await?
                .unwrap_or_default();
            if allowed.contains(&CompensatoryMeasure::AdaptationCourse) {
                Ok(())
            } else {
                Err(AppError::bad_input(
                    "offerId",
                    "stage: a Praxiseinsatz is for candidates whose decision allows the \
                     ADAPTATION_COURSE; this candidate has none",
                ))
            }
        }
        OfferType::SePracticalService => {
            let swedish = recognition_case::Entity::find()
                .filter(recognition_case::Column::CandidateId.eq(cand.id))
                .filter(recognition_case::Column::Status.is_not_in([
                    recognition_case::CaseStatus::Rejected,
                    recognition_case::CaseStatus::Withdrawn,
                ]))
                .filter(
                    recognition_case::Column::AuthorityId.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(organisation::Column::Id)
                            .from(organisation::Entity)
                            .and_where(organisation::Column::RegionCode.like("SE%"))
                            .to_owned(),
                    ),
                )
                .one(txn)
                .await?;
            match swedish {
                Some(_) => Ok(()),
                None => Err(AppError::bad_input(
                    "offerId",
                    "stage: praktisk tjänstgöring is for candidates with a Swedish recognition \
                     case still going on; this candidate has none",
                )),
            }
        }
    }
}

/// The rules a referral of `cand` to `offer` must meet, each refused by name.
async fn check_referral(
    txn: &DatabaseTransaction,
    cand: &candidate::Model,
    offer: &placement_offer::Model,
) -> AppResult<()> {
    if cand.erased_at.is_some() {
        return Err(AppError::bad_input(
            "candidateId",
            "erased: the candidate's personal data has been erased; no new referrals",
        ));
    }
    if offer.status != OfferStatus::Open || offer.slots_taken >= offer.slots {
        return Err(AppError::bad_input(
            "offerId",
            format!(
                "offer not open: the offer is {} with {} of {} slots taken",
                value_name(&offer.status),
                offer.slots_taken,
                offer.slots
            ),
        ));
    }
    let for_profession = placement_offer_profession::Entity::find()
        .filter(placement_offer_profession::Column::OfferId.eq(offer.id))
        .filter(placement_offer_profession::Column::ProfessionKey.eq(&cand.profession_key))
        .one(txn)
        .await?;
    if for_profession.is_none() {
        return Err(AppError::bad_input(
            "offerId",
            format!(
                "profession: the offer is not for the candidate's profession `{}`",
                cand.profession_key
            ),
        ));
    }
    if let Some(needed) = offer.language_level
        && cand.language_level.is_none_or(|has| has < needed)
    {
        return Err(AppError::bad_input(
            "offerId",
            format!(
                "language level: the offer asks for {}, the candidate has {}",
                value_name(&needed),
                cand.language_level
                    .map_or("none recorded".to_owned(), |l| value_name(&l))
            ),
        ));
    }
    check_stage(txn, cand, offer.offer_type).await?;
    let live = Entity::find()
        .filter(Column::CandidateId.eq(cand.id))
        .filter(Column::OfferId.eq(offer.id))
        // The statuses as the unique index of live referrals states them, so that
        // PostgreSQL answers from it with any plan.
        .filter(Expr::cust("status IN ('REFERRED', 'ACCEPTED', 'HIRED')"))
        .one(txn)
        .await?;
    if let Some(live) = live {
        return Err(already_referred(live.status));
    }
    Ok(())
}

fn already_referred(status: ReferralStatus) -> AppError {
    AppError::bad_input(
        "candidateId",
        format!(
            "already referred: the candidate has a live referral ({}) to this offer",
            value_name(&status)
        ),
    )
}

// ---------------------------------------------------------------------------------
// Changing referrals.

/// Refers one of the caller's candidates to an offer, recording the candidate's
/// PLACEMENT consent for the employer in the same transaction.
pub async fn refer(
    db: &DatabaseConnection,
    principal: &Principal,
    input: NewReferral,
) -> AppResult<referral::Model> {
    let advisory = advisory_writer(principal)?;
    crate::db::write(db, async |txn| {
        let cand = candidates::own_candidate(txn, advisory, input.candidate_id).await?;
        let offer = placements::visible_to(principal)
            .filter(placement_offer::Column::Id.eq(input.offer_id))
            .one(txn)
            .await?
            .ok_or_else(|| OFFER_WRITE.not_found(input.offer_id))?;
        check_referral(txn, &cand, &offer).await?;
        let consent =
            consents::grant(txn, cand.id, offer.employer_id, ConsentPurpose::Placement).await?;
        let now = Utc::now();
        let stored = Entity::insert(referral::ActiveModel {
            offer_id: Set(offer.id),
            candidate_id: Set(cand.id),
            referred_by: Set(advisory),
            consent_id: Set(Some(consent.id)),
            status: Set(ReferralStatus::Referred),
            reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await;
        match stored {
            Ok(r) => Ok(r),
            // A second referral that raced this one past the check.
            Err(err)
                if matches!(
                    err.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Err(already_referred(ReferralStatus::Referred))
            }
            Err(err) => Err(err.into()),
        }
    })
    .await
}

/// Moves a referral to `to`, if nobody changed it since it was read.
async fn move_to(
    txn: &DatabaseTransaction,
    current: &referral::Model,
    to: ReferralStatus,
    reason: Option<String>,
) -> AppResult<referral::Model> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(to))
        .col_expr(Column::Reason, Expr::value(reason))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(current.id))
        .filter(Column::Version.eq(current.version))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| crate::service::courses::stale("referral", current.version + 1))
}

/// Whether the candidate's consent, purpose PLACEMENT, for `employer` is still live.
async fn placement_consent_live(
    txn: &DatabaseTransaction,
    candidate: i64,
    employer: i64,
) -> AppResult<bool> {
    Ok(
        consents::live(txn, candidate, employer, ConsentPurpose::Placement)
            .await?
            .is_some(),
    )
}

fn consent_revoked() -> AppError {
    AppError::bad_input(
        "id",
        "consent: the candidate revoked the PLACEMENT consent for your organisation",
    )
}

/// Revokes the PLACEMENT consents for `employer` of the candidates `declined` left,
/// unless another referral of the candidate to the employer's offers is still live: the
/// consent was given for the placement, and ends with it.
pub(crate) async fn release_consents(
    txn: &DatabaseTransaction,
    employer: i64,
    declined: &[i64],
) -> AppResult<()> {
    if declined.is_empty() {
        return Ok(());
    }
    let still_live = sea_orm::sea_query::Query::select()
        .column(Column::CandidateId)
        .from(Entity)
        .and_where(Column::OfferId.in_subquery(offers_of(employer)))
        .and_where(Column::Status.is_in(ReferralStatus::LIVE))
        .to_owned();
    consent::Entity::update_many()
        .col_expr(consent::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(one_of(
            txn.get_database_backend(),
            consent::Column::CandidateId,
            declined,
        ))
        .filter(consent::Column::OrganisationId.eq(employer))
        .filter(consent::Column::Purpose.eq(ConsentPurpose::Placement))
        .filter(consent::Column::RevokedAt.is_null())
        .filter(consent::Column::CandidateId.not_in_subquery(still_live))
        .exec(txn)
        .await?;
    Ok(())
}

fn wrong_status(current: ReferralStatus, allowed: &str, action: &str) -> AppError {
    AppError::bad_input(
        "id",
        format!(
            "the referral is {}: only {allowed} referrals can be {action}",
            value_name(&current)
        ),
    )
}

/// Changes the slots taken of `offer` by `delta` (+1 or -1) in one conditional
/// statement: taking one needs an open offer with a free slot. The offer's status moves
/// between OPEN and FILLED to match. Returns the offer as it is now, or `None` when no
/// slot was free.
async fn shift_slots(
    txn: &DatabaseTransaction,
    offer: i64,
    delta: i32,
) -> AppResult<Option<placement_offer::Model>> {
    use placement_offer::Column as O;
    let mut update = placement_offer::Entity::update_many()
        .col_expr(O::SlotsTaken, Expr::col(O::SlotsTaken).add(delta))
        .col_expr(
            O::Status,
            // `delta` is this function's ±1, written into the text as a number.
            Expr::cust(format!(
                "CASE WHEN status = 'CLOSED' THEN status \
                 WHEN slots_taken + ({delta}) >= slots THEN 'FILLED' ELSE 'OPEN' END"
            )),
        )
        .col_expr(O::UpdatedAt, Expr::value(Utc::now()))
        .filter(O::Id.eq(offer));
    if delta > 0 {
        update = update.filter(super::with_open_slots());
    }
    Ok(update.exec_with_returning(txn).await?.into_iter().next())
}

/// The employer takes a referred candidate: the referral takes one of the offer's slots,
/// or is refused when none is open.
pub async fn accept(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> AppResult<referral::Model> {
    crate::db::write(db, async |txn| {
        let current = EMPLOYER.editable(txn, principal, id).await?;
        if current.status != ReferralStatus::Referred {
            return Err(wrong_status(current.status, "REFERRED", "accepted"));
        }
        if !placement_consent_live(txn, current.candidate_id, employer_writer(principal)?).await? {
            return Err(consent_revoked());
        }
        if shift_slots(txn, current.offer_id, 1).await?.is_none() {
            let offer = placement_offer::Entity::find_by_id(current.offer_id)
                .one(txn)
                .await?
                .ok_or_else(|| AppError::Internal("the referral's offer vanished".into()))?;
            return Err(AppError::bad_input(
                "id",
                format!(
                    "no open slot: the offer is {} with {} of {} slots taken",
                    value_name(&offer.status),
                    offer.slots_taken,
                    offer.slots
                ),
            ));
        }
        move_to(txn, &current, ReferralStatus::Accepted, None).await
    })
    .await
}

/// The employer declines a referral, saying why; an accepted one gives its slot back.
pub async fn decline(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
    reason: &str,
) -> AppResult<referral::Model> {
    let reason = reason.trim().to_owned();
    let mut p = Problems::default();
    p.check(
        (3..=1000).contains(&chars(&reason)),
        "reason",
        "give a reason of 3 to 1,000 characters",
    );
    p.finish()?;
    crate::db::write(db, async |txn| {
        let current = EMPLOYER.editable(txn, principal, id).await?;
        if !matches!(
            current.status,
            ReferralStatus::Referred | ReferralStatus::Accepted
        ) {
            return Err(wrong_status(
                current.status,
                "REFERRED or ACCEPTED",
                "declined",
            ));
        }
        let saved = move_to(
            txn,
            &current,
            ReferralStatus::Declined,
            Some(reason.clone()),
        )
        .await?;
        if current.status.holds_slot() {
            shift_slots(txn, current.offer_id, -1).await?;
        }
        release_consents(txn, employer_writer(principal)?, &[current.candidate_id]).await?;
        Ok(saved)
    })
    .await
}

/// The employer records that an accepted candidate was hired or placed.
pub async fn hire(
    db: &DatabaseConnection,
    principal: &Principal,
    id: i64,
) -> AppResult<referral::Model> {
    crate::db::write(db, async |txn| {
        let current = EMPLOYER.editable(txn, principal, id).await?;
        if current.status != ReferralStatus::Accepted {
            return Err(wrong_status(current.status, "ACCEPTED", "marked as hired"));
        }
        if !placement_consent_live(txn, current.candidate_id, employer_writer(principal)?).await? {
            return Err(consent_revoked());
        }
        move_to(txn, &current, ReferralStatus::Hired, None).await
    })
    .await
}
