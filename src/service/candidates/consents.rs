//! A candidate's consents: which organisations may see the file, for what, and since
//! when. Only the candidate's advisory centre records and revokes them.

use super::visibility::{consents_visible_to, owned_by};
use super::{WRITE, advisory_writer};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::access::{WriteRule, nothing};
use chrono::Utc;
use entity::consent::{self, ConsentPurpose};
use entity::organisation;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

/// A consent of candidate `candidate_id` for organisation `organisation_id`.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub candidate_id: i64,
    pub organisation_id: i64,
    pub purpose: ConsentPurpose,
}

/// Consents of these candidates that the caller may see, oldest first.
pub async fn consents_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<consent::Model>>> {
    let rows = consents_visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            consent::Column::CandidateId,
            ids,
        ))
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        (r.candidate_id, r)
    }))
}

/// Consents with these ids that the caller may see.
pub async fn consents_by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<consent::Model>> {
    Ok(consents_visible_to(principal)
        .filter(crate::service::one_of(
            db.get_database_backend(),
            consent::Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// Consents the caller may change: those of its own candidates.
pub fn consents_editable_by(principal: &Principal) -> Select<consent::Entity> {
    let select = consents_visible_to(principal);
    match advisory_writer(principal) {
        Ok(org) => select.filter(consent::Column::CandidateId.in_subquery(owned_by(org))),
        Err(_) => select.filter(nothing()),
    }
}

/// Who may change a consent: the advisory centre of its candidate.
pub const CONSENT_WRITE: WriteRule<consent::Entity> = WriteRule {
    what: "consent",
    node: NodeType::Consent,
    id: consent::Column::Id,
    visible_to: consents_visible_to,
    editable_by: consents_editable_by,
    writer: advisory_writer,
    foreign: "this candidate belongs to another advisory centre",
};

/// Records a consent of one of the caller's candidates for an organisation. A live
/// consent for the same organisation and purpose is returned as it is.
pub async fn record_consent(
    db: &DatabaseConnection,
    principal: &Principal,
    new: NewConsent,
) -> AppResult<consent::Model> {
    let NewConsent {
        candidate_id,
        organisation_id,
        purpose,
    } = new;
    crate::db::write(db, async |txn| {
        let cand = WRITE.editable(txn, principal, candidate_id).await?;
        if cand.erased_at.is_some() {
            return Err(AppError::bad_input(
                "candidateId",
                "the candidate's personal data has been erased; no new consents",
            ));
        }
        if organisation::Entity::find_by_id(organisation_id)
            .one(txn)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "organisationId",
                "no such organisation",
            ));
        }
        grant(txn, candidate_id, organisation_id, purpose).await
    })
    .await
}

/// The live consent of a candidate for an organisation and purpose, if there is one.
pub(crate) async fn live(
    db: &impl ConnectionTrait,
    candidate_id: i64,
    organisation_id: i64,
    purpose: ConsentPurpose,
) -> AppResult<Option<consent::Model>> {
    Ok(consent::Entity::find()
        .filter(consent::Column::CandidateId.eq(candidate_id))
        .filter(consent::Column::OrganisationId.eq(organisation_id))
        .filter(consent::Column::Purpose.eq(purpose))
        .filter(consent::Column::RevokedAt.is_null())
        .one(db)
        .await?)
}

/// The live consent of a candidate for an organisation and purpose: the one there is,
/// or a new one. Part of the caller's transaction.
pub(crate) async fn grant(
    txn: &impl ConnectionTrait,
    candidate_id: i64,
    organisation_id: i64,
    purpose: ConsentPurpose,
) -> AppResult<consent::Model> {
    if let Some(row) = live(txn, candidate_id, organisation_id, purpose).await? {
        return Ok(row);
    }
    Ok(consent::Entity::insert(consent::ActiveModel {
        candidate_id: Set(candidate_id),
        organisation_id: Set(organisation_id),
        purpose: Set(purpose),
        granted_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(txn)
    .await?)
}

/// Revokes a consent of one of the caller's candidates; effective from the next request.
pub async fn revoke_consent(
    db: &DatabaseConnection,
    principal: &Principal,
    consent_id: i64,
) -> AppResult<consent::Model> {
    crate::db::write(db, async |txn| {
        let row = CONSENT_WRITE.editable(txn, principal, consent_id).await?;
        if row.revoked_at.is_some() {
            return Ok(row);
        }
        let mut active: consent::ActiveModel = row.into();
        active.revoked_at = Set(Some(Utc::now()));
        Ok(sea_orm::ActiveModelTrait::update(active, txn).await?)
    })
    .await
}
