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
//!
//! By concern: [`visibility`] (the rules above), [`consents`], [`rights`] (export and
//! erasure); registration and lookups here.

pub mod consents;
pub mod rights;
pub mod visibility;

pub use consents::{
    CONSENT_WRITE, NewConsent, consents_by_ids, consents_of, record_consent, revoke_consent,
};
pub use rights::{CandidateExport, erase, export};
pub use visibility::{
    consented_to, consents_visible_to, owned_by, personal_visible_to, visible_to,
};

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::id::NodeType;
use crate::service::Reference;
use crate::service::access::{WriteRule, nothing};
use crate::service::countries;
use crate::service::pagination::Ordering;
use crate::service::validation::{Problems, chars};
use chrono::{NaiveDate, Utc};
use entity::enums::LanguageLevel;
use entity::organisation::OrganisationKind;
use entity::{candidate, candidate_personal, candidate_region};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select,
};
use std::collections::HashMap;

/// Narrows a list of candidates; every condition given must hold. Errors name these
/// fields (`region`, `countryOfTraining`).
#[derive(Debug, Clone, Default)]
pub struct CandidateFilter {
    /// Target profession key.
    pub profession: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country_of_training: Option<String>,
    /// Region code: living in it or below it.
    pub region: Option<String>,
    /// The pseudonymous code.
    pub code: Option<String>,
}

/// A person's personal data, kept apart from the pseudonymous facts.
#[derive(Debug, Clone)]
pub struct PersonalData {
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Option<NaiveDate>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A new candidate of the caller's advisory centre. Errors name the fields as partners
/// know them (`countryOfTraining`, `personal.givenName`).
#[derive(Debug, Clone)]
pub struct NewCandidate {
    /// ISO 3166-1 alpha-2.
    pub country_of_training: String,
    /// Target profession key.
    pub profession: String,
    pub language_level: Option<LanguageLevel>,
    /// Region code.
    pub region: String,
    /// Further regions (codes) the person would move or commute to for work.
    pub accepted_regions: Vec<String>,
    pub personal: PersonalData,
}

/// Candidates are listed by id (registration order).
pub const BY_ID: Ordering<candidate::Entity> = Ordering {
    name: "candidate.id",
    sort: None,
    id: candidate::Column::Id,
    sort_value: |_| None,
    row_id: |m| m.id,
};

/// The candidates matching `filter` that the caller may see.
pub fn filtered(
    principal: &Principal,
    reference: &Reference,
    filter: &CandidateFilter,
) -> AppResult<Select<candidate::Entity>> {
    let mut select = visible_to(principal);
    if let Some(p) = &filter.profession {
        reference.professions.require(p, "profession")?;
        select = select.filter(candidate::Column::ProfessionKey.eq(p.as_str()));
    }
    if let Some(c) = &filter.country_of_training {
        let c = c.trim().to_ascii_uppercase();
        if !countries::is_country(&c) {
            return Err(AppError::bad_input(
                "countryOfTraining",
                format!("`{c}` is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        select = select.filter(candidate::Column::CountryOfTraining.eq(c));
    }
    if let Some(codes) = reference
        .regions
        .filter_codes(filter.region.as_deref(), "region")?
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
        .filter(crate::service::one_of(
            db.get_database_backend(),
            candidate::Column::Id,
            ids,
        ))
        .all(db)
        .await?)
}

/// The candidates with these pseudonymous codes that the caller may see (a federation
/// gateway resolves `Candidate` entities by their code).
pub async fn by_codes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    codes: &[String],
) -> AppResult<Vec<candidate::Model>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    Ok(visible_to(principal)
        .filter(candidate::Column::Code.is_in(codes.iter().map(String::as_str)))
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
        .filter(crate::service::one_of(
            db.get_database_backend(),
            candidate_personal::Column::CandidateId,
            ids,
        ))
        .filter(personal_visible_to(principal))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.candidate_id, r)).collect())
}

/// The advisory centre of a caller who may register and manage candidates. (The
/// `candidates:write` scope is the operation's, checked where it is called.)
pub fn advisory_writer(principal: &Principal) -> AppResult<i64> {
    crate::service::access::organisation_of_kind(
        principal,
        &[OrganisationKind::Advisory],
        "only advisory centres register and manage candidates",
    )
}

/// Rows of `candidate` the caller may change: its own advisory centre's.
pub fn editable_by(principal: &Principal) -> Select<candidate::Entity> {
    match advisory_writer(principal) {
        Ok(org) => visible_to(principal).filter(candidate::Column::AdvisoryId.eq(org)),
        Err(_) => visible_to(principal).filter(nothing()),
    }
}

/// Candidate `id` if it is one of advisory centre `org`'s. Enrolling and referring need no
/// scope to read candidates: the centre's own are found by the ownership rule alone.
pub(crate) async fn own_candidate(
    txn: &impl ConnectionTrait,
    org: i64,
    id: i64,
) -> AppResult<candidate::Model> {
    candidate::Entity::find()
        .filter(candidate::Column::Id.in_subquery(owned_by(org)))
        .filter(candidate::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| WRITE.not_found(id))
}

/// Who may change a candidate: its advisory centre.
pub const WRITE: WriteRule<candidate::Entity> = WriteRule {
    what: "candidate",
    node: NodeType::Candidate,
    id: candidate::Column::Id,
    visible_to,
    editable_by,
    writer: advisory_writer,
    foreign: "this candidate belongs to another advisory centre",
};

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
fn check_personal(p: &mut Problems, input: &PersonalData) {
    p.check(
        (1..=100).contains(&chars(&input.given_name)),
        "personal.givenName",
        "1 to 100 characters",
    );
    p.check(
        (1..=100).contains(&chars(&input.family_name)),
        "personal.familyName",
        "1 to 100 characters",
    );
    p.check(
        input
            .email
            .as_deref()
            .is_none_or(|e| e.contains('@') && !e.contains(' ') && e.len() <= 200),
        "personal.email",
        "not an e-mail address",
    );
    p.check(
        input.phone.as_deref().is_none_or(|t| chars(t) <= 50),
        "personal.phone",
        "at most 50 characters",
    );
    p.check(
        input
            .birth_date
            .is_none_or(|d| d < crate::service::today() && chrono::Datelike::year(&d) > 1900),
        "personal.birthDate",
        "a birth date lies in the past",
    );
}

/// Registers a candidate of the caller's advisory centre with a generated code.
pub async fn register(
    db: &DatabaseConnection,
    principal: &Principal,
    reference: &Reference,
    input: NewCandidate,
) -> AppResult<(candidate::Model, candidate_personal::Model)> {
    let advisory = advisory_writer(principal)?;
    let country = input.country_of_training.trim().to_ascii_uppercase();
    let region = input.region.trim().to_owned();
    let mut p = Problems::default();
    p.check(
        countries::is_country(&country),
        "countryOfTraining",
        format!("`{country}` is not an ISO 3166-1 alpha-2 code"),
    );
    p.check(
        reference.professions.get(&input.profession).is_some(),
        "profession",
        format!("unknown profession `{}`", input.profession),
    );
    p.check(
        reference.regions.get(&region).is_some(),
        "region",
        format!("unknown region `{region}`"),
    );
    check_personal(&mut p, &input.personal);
    let mut accepted: Vec<String> = input
        .accepted_regions
        .iter()
        .map(|r| r.trim().to_owned())
        .collect();
    accepted.sort();
    accepted.dedup();
    for code in &accepted {
        p.check(
            reference.regions.get(code).is_some(),
            "acceptedRegions",
            format!("unknown region `{code}`"),
        );
    }
    p.check(
        accepted.len() <= 20,
        "acceptedRegions",
        "at most 20 regions",
    );
    p.finish()?;
    let now = Utc::now();
    crate::db::write(db, async |txn| {
        let mut code = new_code();
        while candidate::Entity::find()
            .filter(candidate::Column::Code.eq(code.as_str()))
            .one(txn)
            .await?
            .is_some()
        {
            code = new_code();
        }
        let cand = candidate::Entity::insert(candidate::ActiveModel {
            code: Set(code),
            country_of_training: Set(country),
            profession_key: Set(input.profession),
            language_level: Set(input.language_level),
            region_code: Set(region),
            advisory_id: Set(advisory),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        if !accepted.is_empty() {
            candidate_region::Entity::insert_many(accepted.iter().map(|code| {
                candidate_region::ActiveModel {
                    candidate_id: Set(cand.id),
                    region_code: Set(code.clone()),
                }
            }))
            .exec(txn)
            .await?;
        }
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
            birth_date: Set(input.personal.birth_date),
            email: Set(trimmed(&input.personal.email)),
            phone: Set(trimmed(&input.personal.phone)),
            updated_at: Set(now),
        })
        .exec_with_returning(txn)
        .await?;
        Ok((cand, personal))
    })
    .await
}

/// The further regions each candidate accepts, in code order. Not personal data: the
/// matching of offers reads them.
pub async fn accepted_regions_of(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, Vec<String>>> {
    let rows = candidate_region::Entity::find()
        .filter(crate::service::one_of(
            db.get_database_backend(),
            candidate_region::Column::CandidateId,
            ids,
        ))
        .order_by_asc(candidate_region::Column::RegionCode)
        .all(db)
        .await?;
    Ok(crate::service::group_by_parent(ids, rows, |r| {
        (r.candidate_id, r.region_code)
    }))
}
