//! Which offers fit which candidates: the one rule behind `Candidate.matchingOffers`
//! (for the candidate's advisory centre) and `PlacementOffer.potentialCandidates` (a
//! suppressed count for everyone else), written once as SQL over aliases `c`
//! (candidate), `rc` (its region), `o` (offer) and `ro` (its region).
//!
//! An open offer with a free slot fits a candidate who is not erased when
//! - the offer is for the candidate's profession;
//! - it lies in the candidate's state or län, or in a region the candidate accepts (an
//!   accepted state takes in its districts);
//! - the candidate has the language level it asks for (levels compare as text:
//!   `A1` < `A2` < … < `C2`);
//! - it suits the candidate's stage: a JOB always; a PRACTICAL_PLACEMENT (the
//!   Praxiseinsatz of an adaptation course) only with a decision allowing the
//!   ADAPTATION_COURSE; an SE_PRACTICAL_SERVICE only with a case at a Swedish authority
//!   that is still going on.

use crate::error::AppResult;
use crate::service::enrolments::seats::statement;
use entity::placement_offer;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use std::collections::HashMap;

/// The state (or län) of region alias `r`: the region itself, or its parent for a
/// district.
fn state_of(r: &str) -> String {
    format!("(CASE WHEN {r}.level = 'DISTRICT' THEN {r}.parent_code ELSE {r}.code END)")
}

/// The condition under which offer `o` fits candidate `c`.
fn fits() -> String {
    format!(
        "o.status = 'OPEN' AND o.slots_taken < o.slots AND c.erased_at IS NULL \
         AND EXISTS (SELECT 1 FROM placement_offer_profession op \
                     WHERE op.offer_id = o.id AND op.profession_key = c.profession_key) \
         AND (o.language_level IS NULL OR o.language_level <= c.language_level) \
         AND ({ro_state} = {rc_state} \
              OR EXISTS (SELECT 1 FROM candidate_region cr WHERE cr.candidate_id = c.id \
                         AND (cr.region_code = ro.code OR cr.region_code = ro.parent_code))) \
         AND (o.offer_type = 'JOB' \
              OR (o.offer_type = 'PRACTICAL_PLACEMENT' AND EXISTS ( \
                  SELECT 1 FROM recognition_case k JOIN decision d ON d.case_id = k.id \
                  WHERE k.candidate_id = c.id \
                  AND CAST(d.measures AS TEXT) LIKE '%\"ADAPTATION_COURSE\"%')) \
              OR (o.offer_type = 'SE_PRACTICAL_SERVICE' AND EXISTS ( \
                  SELECT 1 FROM recognition_case k JOIN organisation a ON a.id = k.authority_id \
                  WHERE k.candidate_id = c.id AND a.region_code LIKE 'SE%' \
                  AND k.status NOT IN ('REJECTED', 'WITHDRAWN'))))",
        ro_state = state_of("ro"),
        rc_state = state_of("rc"),
    )
}

/// `column` is one of `ids`, from parameter `$n` on: one array parameter on PostgreSQL
/// (so one prepared statement serves every batch), a list of parameters on SQLite.
fn one_of(backend: DbBackend, column: &str, n: usize, ids: &[i64]) -> (String, Vec<Value>) {
    match backend {
        DbBackend::Postgres => (
            format!("{column} = ANY(${n})"),
            vec![Value::from(ids.to_vec())],
        ),
        _ => {
            let list: Vec<String> = (n..n + ids.len()).map(|i| format!("${i}")).collect();
            (
                format!("{column} IN ({})", list.join(", ")),
                ids.iter().map(|id| Value::from(*id)).collect(),
            )
        }
    }
}

/// The first `limit` offers (by start date, then id) that fit each of these candidates
/// of advisory centre `advisory` (the only one who sees them), in one statement.
pub async fn offers_for(
    db: &impl ConnectionTrait,
    advisory: Option<i64>,
    candidates: &[i64],
    limit: u64,
) -> AppResult<HashMap<i64, Vec<placement_offer::Model>>> {
    let Some(advisory) = advisory.filter(|_| !candidates.is_empty()) else {
        return Ok(HashMap::new());
    };
    let backend = db.get_database_backend();
    let (ids, mut values) = one_of(backend, "c.id", 3, candidates);
    let sql = format!(
        "SELECT * FROM (SELECT o.*, c.id AS for_candidate, ROW_NUMBER() OVER \
         (PARTITION BY c.id ORDER BY o.start_date, o.id) AS rank_in_candidate \
         FROM candidate c JOIN region rc ON rc.code = c.region_code \
         JOIN placement_offer_profession p ON p.profession_key = c.profession_key \
         JOIN placement_offer o ON o.id = p.offer_id \
         JOIN region ro ON ro.code = o.region_code \
         WHERE {ids} AND c.advisory_id = $2 AND {fits}) m WHERE rank_in_candidate <= $1 \
         ORDER BY for_candidate, start_date, id",
        fits = fits(),
    );
    values.insert(0, Value::from(advisory));
    values.insert(0, Value::from(limit as i64));
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut out: HashMap<i64, Vec<placement_offer::Model>> =
        candidates.iter().map(|id| (*id, Vec::new())).collect();
    for row in rows {
        let candidate: i64 = row.try_get("", "for_candidate")?;
        out.entry(candidate)
            .or_default()
            .push(placement_offer::Model::from_query_result(&row, "")?);
    }
    Ok(out)
}

/// How many candidates (of every advisory centre) fit each of these offers, in one
/// statement. The exact count; callers show it only through disclosure control.
pub async fn candidates_for(
    db: &impl ConnectionTrait,
    offers: &[i64],
) -> AppResult<HashMap<i64, u64>> {
    if offers.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let (ids, values) = one_of(backend, "o.id", 1, offers);
    let sql = format!(
        "SELECT o.id AS offer_id, COUNT(DISTINCT c.id) AS n FROM placement_offer o \
         JOIN region ro ON ro.code = o.region_code \
         JOIN placement_offer_profession p ON p.offer_id = o.id \
         JOIN candidate c ON c.profession_key = p.profession_key \
         JOIN region rc ON rc.code = c.region_code \
         WHERE {ids} AND {fits} GROUP BY o.id",
        fits = fits(),
    );
    let rows = db.query_all_raw(statement(backend, &sql, values)).await?;
    let mut out: HashMap<i64, u64> = offers.iter().map(|id| (*id, 0)).collect();
    for row in rows {
        let offer: i64 = row.try_get("", "offer_id")?;
        let n: i64 = row.try_get("", "n")?;
        out.insert(offer, n.max(0) as u64);
    }
    Ok(out)
}
