//! Candidates and their consents: who may see a person, and who may see their personal
//! data. The rules live here and nowhere else; every list, lookup, loader and mutation
//! of the case file starts from them.
//!
//! | caller | candidate (pseudonymous facts) | personal data |
//! |---|---|---|
//! | the owning advisory centre | yes | with `candidates:pii` |
//! | the authority of one of the candidate's cases | yes | with `candidates:pii` and a live consent |
//! | any other organisation | only with a live consent | with `candidates:pii` and a live consent |
//!
//! Reading candidates needs `candidates:read` or `cases:read`; without a rule that
//! grants the row, the candidate does not exist for the caller.

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::graphql::input::{
    CandidateFilter, RecordConsentInput, RegisterCandidateInput, RevokeConsentInput,
};
use crate::id::{self, NodeType};
use crate::service::Reference;
use crate::service::countries;
use crate::service::pagination::Ordering;
use crate::service::validation::{Problems, chars};
use chrono::Utc;
use entity::consent;
use entity::organisation::{self, OrganisationKind};
use entity::{candidate, candidate_personal, recognition_case};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Select,
};
use std::collections::HashMap;

/// Candidates are listed by id (registration order).
pub const BY_ID: Ordering<candidate::Entity> = Ordering {
    name: "candidate.id",
    sort: None,
    id: candidate::Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// A condition no row meets.
pub fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

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

/// The candidates matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &CandidateFilter,
) -> AppResult<Select<candidate::Entity>> {
    let mut select = visible_to(principal);
    if let Some(p) = &filter.profession {
        reference.professions.require(p, "filter.profession")?;
        select = select.filter(candidate::Column::ProfessionKey.eq(p.as_str()));
    }
    if let Some(c) = &filter.country_of_training {
        let c = c.trim().to_ascii_uppercase();
        if !countries::is_country(&c) {
            return Err(AppError::bad_input(
                "filter.countryOfTraining",
                format!("`{c}` is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        select = select.filter(candidate::Column::CountryOfTraining.eq(c));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "filter.region")?
    {
        select = select.filter(candidate::Column::RegionCode.is_in(codes));
    }
    if let Some(code) = &filter.code {
        select = select.filter(candidate::Column::Code.eq(code.trim()));
    }
    Ok(select)
}

/// The candidates with these ids that the caller may see.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<Vec<candidate::Model>> {
    Ok(visible_to(principal)
        .filter(candidate::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Personal data of these candidates, where the caller may read it.
pub async fn personal_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, candidate_personal::Model>> {
    let rows = candidate_personal::Entity::find()
        .filter(candidate_personal::Column::CandidateId.is_in(ids.iter().copied()))
        .filter(personal_visible_to(principal))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.candidate_id, r)).collect())
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

/// Consents of these candidates that the caller may see, oldest first.
pub async fn consents_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<consent::Model>>> {
    let rows = consents_visible_to(principal)
        .filter(consent::Column::CandidateId.is_in(ids.iter().copied()))
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
        .filter(consent::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// The advisory centre of a caller who may register and manage candidates.
pub fn advisory_writer(principal: &Principal) -> AppResult<i64> {
    match principal.organisation() {
        Some(org)
            if principal.has_scope(Scope::CandidatesWrite)
                && org.kind == OrganisationKind::Advisory =>
        {
            Ok(org.id)
        }
        _ => Err(AppError::Forbidden(
            "only advisory centres register and manage candidates".into(),
        )),
    }
}

/// The candidate `id` if it belongs to the caller's advisory centre: `NOT_FOUND` if the
/// caller cannot see it, `FORBIDDEN` if it belongs to another centre.
pub async fn owned(
    db: &impl ConnectionTrait,
    principal: &Principal,
    id: i64,
) -> AppResult<candidate::Model> {
    let org = advisory_writer(principal)?;
    match visible_to(principal)
        .filter(candidate::Column::Id.eq(id))
        .one(db)
        .await?
    {
        Some(c) if c.advisory_id == org => Ok(c),
        Some(_) => Err(AppError::Forbidden(
            "this candidate belongs to another advisory centre".into(),
        )),
        None => Err(AppError::NotFound(format!(
            "candidate `{}`",
            id::encode(NodeType::Candidate, id).as_str()
        ))),
    }
}

/// A fresh pseudonymous code: `KP-` and eight characters without look-alikes.
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    let tail: String = (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("KP-{tail}")
}

/// Checks and normalises personal data.
fn check_personal(p: &mut Problems, input: &crate::graphql::input::PersonalDataInput) {
    p.check(
        (1..=100).contains(&chars(&input.given_name)),
        "input.personal.givenName",
        "1 to 100 characters",
    );
    p.check(
        (1..=100).contains(&chars(&input.family_name)),
        "input.personal.familyName",
        "1 to 100 characters",
    );
    p.check(
        input
            .email
            .as_deref()
            .is_none_or(|e| e.contains('@') && !e.contains(' ') && e.len() <= 200),
        "input.personal.email",
        "not an e-mail address",
    );
    p.check(
        input.phone.as_deref().is_none_or(|t| chars(t) <= 50),
        "input.personal.phone",
        "at most 50 characters",
    );
    p.check(
        input
            .birth_date
            .is_none_or(|d| d.0 < crate::service::today() && chrono::Datelike::year(&d.0) > 1900),
        "input.personal.birthDate",
        "a birth date lies in the past",
    );
}

/// Registers a candidate of the caller's advisory centre with a generated code.
pub async fn register(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: &RegisterCandidateInput,
) -> AppResult<(candidate::Model, candidate_personal::Model)> {
    let advisory = advisory_writer(principal)?;
    let country = input.country_of_training.trim().to_ascii_uppercase();
    let region = input.region.trim().to_owned();
    let mut p = Problems::default();
    p.check(
        countries::is_country(&country),
        "input.countryOfTraining",
        format!("`{country}` is not an ISO 3166-1 alpha-2 code"),
    );
    p.check(
        reference.professions.get(&input.profession).is_some(),
        "input.profession",
        format!("unknown profession `{}`", input.profession),
    );
    p.check(
        reference.regions.get(&region).is_some(),
        "input.region",
        format!("unknown region `{region}`"),
    );
    check_personal(&mut p, &input.personal);
    p.finish()?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let mut code = new_code();
        while candidate::Entity::find()
            .filter(candidate::Column::Code.eq(code.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            code = new_code();
        }
        let cand = candidate::Entity::insert(candidate::ActiveModel {
            code: Set(code),
            country_of_training: Set(country),
            profession_key: Set(input.profession.clone()),
            language_level: Set(input.language_level),
            region_code: Set(region),
            advisory_id: Set(advisory),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let trimmed = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let personal = candidate_personal::Entity::insert(candidate_personal::ActiveModel {
            candidate_id: Set(cand.id),
            given_name: Set(input.personal.given_name.trim().to_owned()),
            family_name: Set(input.personal.family_name.trim().to_owned()),
            birth_date: Set(input.personal.birth_date.map(|d| d.0)),
            email: Set(trimmed(&input.personal.email)),
            phone: Set(trimmed(&input.personal.phone)),
            updated_at: Set(now),
        })
        .exec_with_returning(&txn)
        .await?;
        Ok((cand, personal))
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Records a consent of one of the caller's candidates for an organisation. A live
/// consent for the same organisation and purpose is returned as it is.
pub async fn record_consent(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &RecordConsentInput,
) -> AppResult<consent::Model> {
    let candidate_id = id::decode_as(
        &input.candidate_id,
        NodeType::Candidate,
        "input.candidateId",
    )?;
    let organisation_id = id::decode_as(
        &input.organisation_id,
        NodeType::Organisation,
        "input.organisationId",
    )?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let cand = owned(&txn, principal, candidate_id).await?;
        if cand.erased_at.is_some() {
            return Err(AppError::bad_input(
                "input.candidateId",
                "the candidate's personal data has been erased; no new consents",
            ));
        }
        if organisation::Entity::find_by_id(organisation_id)
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(AppError::bad_input(
                "input.organisationId",
                "no such organisation",
            ));
        }
        let existing = consent::Entity::find()
            .filter(consent::Column::CandidateId.eq(candidate_id))
            .filter(consent::Column::OrganisationId.eq(organisation_id))
            .filter(consent::Column::Purpose.eq(input.purpose))
            .filter(consent::Column::RevokedAt.is_null())
            .one(&txn)
            .await?;
        let row = match existing {
            Some(row) => row,
            None => {
                consent::Entity::insert(consent::ActiveModel {
                    candidate_id: Set(candidate_id),
                    organisation_id: Set(organisation_id),
                    purpose: Set(input.purpose),
                    granted_at: Set(Utc::now()),
                    revoked_at: Set(None),
                    ..Default::default()
                })
                .exec_with_returning(&txn)
                .await?
            }
        };
        Ok(row)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Revokes a consent of one of the caller's candidates; effective from the next request.
pub async fn revoke_consent(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &RevokeConsentInput,
) -> AppResult<consent::Model> {
    let consent_id = id::decode_as(&input.consent_id, NodeType::Consent, "input.consentId")?;
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let row = consents_visible_to(principal)
            .filter(consent::Column::Id.eq(consent_id))
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(format!("consent `{}`", input.consent_id.as_str()))
            })?;
        owned(&txn, principal, row.candidate_id).await?;
        if row.revoked_at.is_some() {
            return Ok(row);
        }
        let mut active: consent::ActiveModel = row.into();
        active.revoked_at = Set(Some(Utc::now()));
        let row = sea_orm::ActiveModelTrait::update(active, &txn).await?;
        Ok(row)
    }
    .await;
    crate::db::finish(txn, result).await
}

// ---------------------------------------------------------------------------------
// Data subject rights: export (GDPR Art. 15/20) and erasure (Art. 17).

use crate::service::audit;
use entity::audit_entry::AuditAction;
use entity::{audit_entry, case_event, decision};
use serde_json::{Value, json};

fn date(d: Option<chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| json!(d.to_string()))
}

/// Everything the hub holds about one of the caller's candidates, as one JSON document.
/// The export itself is audited.
pub async fn export(
    db: &DatabaseConnection,
    principal: &Principal,
    candidate_id: i64,
    operation: &str,
) -> AppResult<Value> {
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let cand = owned(&txn, principal, candidate_id).await?;
        let personal = candidate_personal::Entity::find_by_id(candidate_id)
            .one(&txn)
            .await?;
        let consents = consent::Entity::find()
            .filter(consent::Column::CandidateId.eq(candidate_id))
            .order_by_asc(consent::Column::Id)
            .all(&txn)
            .await?;
        let cases = recognition_case::Entity::find()
            .filter(recognition_case::Column::CandidateId.eq(candidate_id))
            .order_by_asc(recognition_case::Column::Id)
            .all(&txn)
            .await?;
        let case_ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
        let events = case_event::Entity::find()
            .filter(case_event::Column::CaseId.is_in(case_ids.clone()))
            .order_by_asc(case_event::Column::Id)
            .all(&txn)
            .await?;
        let decisions = decision::Entity::find()
            .filter(decision::Column::CaseId.is_in(case_ids))
            .all(&txn)
            .await?;
        let log = audit_entry::Entity::find()
            .filter(audit_entry::Column::CandidateId.eq(candidate_id))
            .order_by_asc(audit_entry::Column::Id)
            .all(&txn)
            .await?;
        let mut org_ids: Vec<i64> = vec![cand.advisory_id];
        org_ids.extend(consents.iter().map(|c| c.organisation_id));
        org_ids.extend(cases.iter().map(|c| c.authority_id));
        org_ids.extend(log.iter().filter_map(|l| l.organisation_id));
        let orgs: HashMap<i64, String> = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(org_ids))
            .all(&txn)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        let org =
            |id: i64| json!({"id": id::encode(NodeType::Organisation, id), "name": orgs.get(&id)});
        let document = json!({
            "exportedAt": Utc::now().to_rfc3339(),
            "candidate": {
                "id": id::encode(NodeType::Candidate, cand.id),
                "code": cand.code,
                "countryOfTraining": cand.country_of_training,
                "profession": cand.profession_key,
                "languageLevel": cand.language_level,
                "region": cand.region_code,
                "advisoryCentre": org(cand.advisory_id),
                "registeredAt": cand.created_at.to_rfc3339(),
                "personalDataErasedAt": cand.erased_at.map(|t| t.to_rfc3339()),
            },
            "personalData": personal.map(|p| json!({
                "givenName": p.given_name,
                "familyName": p.family_name,
                "birthDate": date(p.birth_date),
                "email": p.email,
                "phone": p.phone,
            })),
            "consents": consents.iter().map(|c| json!({
                "organisation": org(c.organisation_id),
                "purpose": c.purpose,
                "grantedAt": c.granted_at.to_rfc3339(),
                "revokedAt": c.revoked_at.map(|t| t.to_rfc3339()),
            })).collect::<Vec<_>>(),
            "recognitionCases": cases.iter().map(|c| json!({
                "id": id::encode(NodeType::RecognitionCase, c.id),
                "profession": c.profession_key,
                "authority": org(c.authority_id),
                "legalBasis": c.legal_basis,
                "origin": c.origin,
                "fastTrack": c.fast_track,
                "status": c.status,
                "submittedOn": c.submitted_on.to_string(),
                "completeOn": date(c.complete_on),
                "dueOn": date(c.due_on),
                "decidedOn": date(c.decided_on),
                "missingDocuments": c.missing_documents,
                "decision": decisions.iter().find(|d| d.case_id == c.id).map(|d| json!({
                    "outcome": d.outcome,
                    "deficitAreas": d.deficit_areas,
                    "measures": d.measures,
                    "decidedOn": d.decided_on.to_string(),
                    "note": d.note,
                })),
                "timeline": events.iter().filter(|e| e.case_id == c.id).map(|e| json!({
                    "at": e.at.to_rfc3339(),
                    "kind": e.kind,
                    "from": e.from_status,
                    "to": e.to_status,
                    "note": e.note,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "accessLog": log.iter().map(|l| json!({
                "at": l.at.to_rfc3339(),
                "action": l.action,
                "organisation": l.organisation_id.map(org),
                "client": l.client_id,
                "fields": l.fields,
                "operation": l.operation,
            })).collect::<Vec<_>>(),
        });
        audit::record(
            &txn,
            principal,
            candidate_id,
            AuditAction::Export,
            "all",
            operation,
        )
        .await?;
        Ok(document)
    }
    .await;
    crate::db::finish(txn, result).await
}

/// Erases one of the caller's candidates' personal data and consents; the pseudonymous
/// facts and cases stay for statistics. The erasure is recorded in the audit log, and on
/// SQLite the write-ahead log is checkpointed so the values leave the disk too.
pub async fn erase(
    db: &DatabaseConnection,
    principal: &Principal,
    candidate_id: i64,
    operation: &str,
) -> AppResult<candidate::Model> {
    let txn = crate::db::begin_write(db).await?;
    let result: AppResult<_> = async {
        let cand = owned(&txn, principal, candidate_id).await?;
        candidate_personal::Entity::delete_by_id(candidate_id)
            .exec(&txn)
            .await?;
        consent::Entity::delete_many()
            .filter(consent::Column::CandidateId.eq(candidate_id))
            .exec(&txn)
            .await?;
        let now = Utc::now();
        let mut active: candidate::ActiveModel = cand.clone().into();
        active.erased_at = Set(Some(cand.erased_at.unwrap_or(now)));
        active.updated_at = Set(now);
        active.version = Set(cand.version + 1);
        let cand = sea_orm::ActiveModelTrait::update(active, &txn).await?;
        audit::record(
            &txn,
            principal,
            candidate_id,
            AuditAction::Erase,
            "givenName,familyName,birthDate,email,phone,consents",
            operation,
        )
        .await?;
        Ok(cand)
    }
    .await;
    let cand = crate::db::finish(txn, result).await?;
    crate::db::checkpoint_after_erasure(db).await;
    Ok(cand)
}
