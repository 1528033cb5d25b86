//! Who may see a candidate, their personal data and their consents; every list,
//! lookup, loader and mutation of the case file starts from these selects.

use crate::auth::{Principal, Scope};
use crate::service::access::nothing;
use entity::{candidate, candidate_personal, consent, recognition_case};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, Select};

/// `SELECT candidate_id FROM consent WHERE organisation_id = org AND revoked_at IS NULL`.
pub fn consented_to(org: i64) -> SelectStatement {
    Query::select()
        .column(consent::Column::CandidateId)
        .from(consent::Entity)
        .and_where(consent::Column::OrganisationId.eq(org))
        .and_where(consent::Column::RevokedAt.is_null())
        .to_owned()
}

/// `SELECT id FROM candidate WHERE advisory_id = org`.
pub fn owned_by(org: i64) -> SelectStatement {
    Query::select()
        .column(candidate::Column::Id)
        .from(candidate::Entity)
        .and_where(candidate::Column::AdvisoryId.eq(org))
        .to_owned()
}

/// Rows of `candidate` the caller may see.
pub fn visible_to(principal: &Principal) -> Select<candidate::Entity> {
    let allowed =
        principal.has_scope(Scope::CandidatesRead) || principal.has_scope(Scope::CasesRead);
    let cond = match principal.organisation() {
        Some(org) if allowed => Condition::any()
            .add(candidate::Column::AdvisoryId.eq(org.id))
            .add(
                candidate::Column::Id.in_subquery(
                    Query::select()
                        .column(recognition_case::Column::CandidateId)
                        .from(recognition_case::Entity)
                        .and_where(recognition_case::Column::AuthorityId.eq(org.id))
                        .to_owned(),
                ),
            )
            .add(candidate::Column::Id.in_subquery(consented_to(org.id))),
        _ => nothing(),
    };
    candidate::Entity::find().filter(cond)
}

/// Candidates whose personal data the caller may read: `candidates:pii`, and the owner
/// or a live consent.
pub fn personal_visible_to(principal: &Principal) -> Condition {
    match principal.organisation() {
        Some(org) if principal.has_scope(Scope::CandidatesPii) => Condition::any()
            .add(candidate_personal::Column::CandidateId.in_subquery(owned_by(org.id)))
            .add(candidate_personal::Column::CandidateId.in_subquery(consented_to(org.id))),
        _ => nothing(),
    }
}

/// Consents the caller may see: all consents of its own candidates, revoked ones
/// included (the history of the file), and the live consents that name it. A revoked
/// consent is gone for the organisation it named, like any row it may not see.
pub fn consents_visible_to(principal: &Principal) -> Select<consent::Entity> {
    let cond = match principal.organisation() {
        Some(org) if principal.has_scope(Scope::CandidatesRead) => Condition::any()
            .add(consent::Column::CandidateId.in_subquery(owned_by(org.id)))
            .add(
                Condition::all()
                    .add(consent::Column::OrganisationId.eq(org.id))
                    .add(consent::Column::RevokedAt.is_null()),
            ),
        _ => nothing(),
    };
    consent::Entity::find().filter(cond)
}
