//! Demand against supply (Bedarfsabgleich): per region, profession and compensatory
//! measure, the candidates who still need the measure against the free seats
//! reachable from the region within a horizon.

use super::{require_stats, state_of};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::service::Reference;
use crate::service::disclosure::{Policy, Published, Tally};
use crate::service::enrolments::{course_measure, exam_measure};
use chrono::{Months, NaiveDate};
use entity::course_run::{CourseFormat, RunStatus};
use entity::decision::CompensatoryMeasure;
use entity::enrolment::EnrolmentStatus;
use entity::enums::RegionLevel;
use entity::recognition_case::{CaseOrigin, CaseStatus};
use entity::{
    candidate, course, course_profession, course_run, decision, enrolment, exam_session,
    exam_session_profession, recognition_case,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most rows one answer may have; a larger one is refused, asking for a filter.
pub const MAX_ROWS: usize = 300;

/// Horizons a partner may ask for, in months.
pub const HORIZONS: std::ops::RangeInclusive<u32> = 1..=36;

/// Which rows to compute.
#[derive(Debug, Clone, Default)]
pub struct DemandFilter {
    /// A country, Land/län or district: the candidates living there.
    pub region: Option<String>,
    pub profession: Option<String>,
    pub measure: Option<CompensatoryMeasure>,
    /// Seats count when their run or session starts within this many months.
    pub horizon_months: u32,
}

/// One row: a region, a profession and a measure.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandGap {
    /// The Land or län (or the district asked for).
    pub region: String,
    pub profession: String,
    pub measure: CompensatoryMeasure,
    pub need: Published,
    /// Free seats reachable from the region.
    pub seats: u64,
    /// Course runs and exam sessions with those seats.
    pub offers: u64,
    /// `need - seats`: positive when more candidates need the measure than there are
    /// seats; `None` when the need is withheld.
    pub gap: Option<i64>,
}

/// A candidate who still needs a measure.
#[derive(Debug, Clone)]
pub(crate) struct Need {
    pub record_key: i32,
    pub region_code: String,
    pub profession: String,
    pub measure: CompensatoryMeasure,
    pub origin: CaseOrigin,
}

/// Cases whose decision is made and whose procedure still runs.
const STILL_OPEN: [CaseStatus; 3] = [
    CaseStatus::Decided,
    CaseStatus::InCompensation,
    CaseStatus::LanguagePending,
];

/// Every (candidate, measure) still needed: the decision of a case still open allows
/// the measure, and the candidate is neither enrolled for it (confirmed or waiting)
/// nor through it (completed or passed). Three statements.
pub(crate) async fn needs(
    db: &impl ConnectionTrait,
    reference: &Reference,
    region: Option<&str>,
    profession: Option<&str>,
    measure: Option<CompensatoryMeasure>,
) -> AppResult<Vec<Need>> {
    let backend = db.get_database_backend();
    let mut cases = recognition_case::Entity::find()
        .filter(recognition_case::Column::Status.is_in(STILL_OPEN))
        .join(
            JoinType::InnerJoin,
            recognition_case::Relation::Candidate.def(),
        )
        .select_also(candidate::Entity);
    if let Some(codes) = reference.regions.filter_codes(region, "filter.region")? {
        cases = cases.filter(candidate::Column::RegionCode.is_in(codes));
    }
    if let Some(p) = profession {
        reference.professions.require(p, "filter.profession")?;
        cases = cases.filter(recognition_case::Column::ProfessionKey.eq(p));
    }
    let cases: Vec<(recognition_case::Model, candidate::Model)> = cases
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(c, cand)| Some((c, cand?)))
        .collect();
    let case_ids: Vec<i64> = cases.iter().map(|(c, _)| c.id).collect();
    let measures: HashMap<i64, Vec<CompensatoryMeasure>> = decision::Entity::find()
        .filter(crate::service::one_of(
            backend,
            decision::Column::CaseId,
            &case_ids,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|d| {
            let m = serde_json::from_value(d.measures).unwrap_or_default();
            (d.case_id, m)
        })
        .collect();
    let candidate_ids: Vec<i64> = cases.iter().map(|(_, cand)| cand.id).collect();
    let through = taken(db, &candidate_ids).await?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (case, cand) in &cases {
        for m in measures.get(&case.id).into_iter().flatten() {
            if measure.is_some_and(|wanted| wanted != *m)
                || through.contains(&(cand.id, *m))
                || !seen.insert((cand.id, *m))
            {
                continue;
            }
            out.push(Need {
                record_key: case.record_key,
                region_code: cand.region_code.clone(),
                profession: case.profession_key.clone(),
                measure: *m,
                origin: case.origin,
            });
        }
    }
    Ok(out)
}

/// The measures each candidate is enrolled for or through.
async fn taken(
    db: &impl ConnectionTrait,
    candidates: &[i64],
) -> AppResult<HashSet<(i64, CompensatoryMeasure)>> {
    let backend = db.get_database_backend();
    let holding = [
        EnrolmentStatus::Confirmed,
        EnrolmentStatus::Waitlisted,
        EnrolmentStatus::Completed,
        EnrolmentStatus::Passed,
    ];
    let rows = enrolment::Entity::find()
        .filter(crate::service::one_of(
            backend,
            enrolment::Column::CandidateId,
            candidates,
        ))
        .filter(enrolment::Column::Status.is_in(holding))
        .all(db)
        .await?;
    let runs: Vec<i64> = rows.iter().filter_map(|e| e.course_run_id).collect();
    let sessions: Vec<i64> = rows.iter().filter_map(|e| e.exam_session_id).collect();
    let run_measure: HashMap<i64, Option<CompensatoryMeasure>> = course_run::Entity::find()
        .filter(crate::service::one_of(
            backend,
            course_run::Column::Id,
            &runs,
        ))
        .find_also_related(course::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(r, c)| (r.id, c.and_then(|c| course_measure(c.course_type))))
        .collect();
    let session_measure: HashMap<i64, Option<CompensatoryMeasure>> = exam_session::Entity::find()
        .filter(crate::service::one_of(
            backend,
            exam_session::Column::Id,
            &sessions,
        ))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, exam_measure(s.exam_type)))
        .collect();
    Ok(rows
        .iter()
        .filter_map(|e| {
            let m = match (e.course_run_id, e.exam_session_id) {
                (Some(r), _) => run_measure.get(&r).copied().flatten(),
                (_, Some(s)) => session_measure.get(&s).copied().flatten(),
                _ => None,
            }?;
            Some((e.candidate_id, m))
        })
        .collect())
}

/// A course run or exam session with free seats.
#[derive(Debug, Clone)]
pub(crate) struct Offer {
    pub organisation_id: i64,
    pub measure: CompensatoryMeasure,
    pub professions: Vec<String>,
    pub region_code: String,
    pub format: CourseFormat,
    pub free: u64,
}

impl Offer {
    /// Whether candidates of `state` reach it: in the same Land or län, or online or
    /// blended in the same country.
    pub fn reachable_from(&self, reference: &Reference, state: &str) -> bool {
        let here = state_of(reference, &self.region_code);
        here == state
            || (matches!(self.format, CourseFormat::Online | CourseFormat::Blended)
                && country_of(reference, &here) == country_of(reference, state))
    }
}

/// The country a region lies in.
pub(crate) fn country_of(reference: &Reference, code: &str) -> String {
    let mut code = code.to_owned();
    while let Some(r) = reference.regions.get(&code) {
        match (&r.level, &r.parent_code) {
            (RegionLevel::Country, _) | (_, None) => break,
            (_, Some(parent)) => code = parent.clone(),
        }
    }
    code
}

/// Course runs and exam sessions that prepare for or are a measure, open or planned,
/// starting between `from` and `to`, with free seats. Four statements.
pub(crate) async fn offers(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<Vec<Offer>> {
    let backend = db.get_database_backend();
    let bookable = [RunStatus::Planned, RunStatus::Open];
    let runs = course_run::Entity::find()
        .filter(course_run::Column::Status.is_in(bookable))
        .filter(course_run::Column::StartDate.between(from, to))
        .find_also_related(course::Entity)
        .all(db)
        .await?;
    let course_ids: Vec<i64> = runs.iter().map(|(r, _)| r.course_id).collect();
    let mut course_professions: HashMap<i64, Vec<String>> = HashMap::new();
    for cp in course_profession::Entity::find()
        .filter(crate::service::one_of(
            backend,
            course_profession::Column::CourseId,
            &course_ids,
        ))
        .all(db)
        .await?
    {
        course_professions
            .entry(cp.course_id)
            .or_default()
            .push(cp.profession_key);
    }
    let mut out: Vec<Offer> = runs
        .into_iter()
        .filter_map(|(r, c)| {
            let c = c?;
            Some(Offer {
                organisation_id: c.provider_id,
                measure: course_measure(c.course_type)?,
                professions: course_professions.get(&c.id).cloned().unwrap_or_default(),
                region_code: r.region_code,
                format: r.format,
                free: (r.seats_max - r.seats_taken).max(0) as u64,
            })
        })
        .collect();
    let sessions = exam_session::Entity::find()
        .filter(exam_session::Column::Status.is_in(bookable))
        .filter(exam_session::Column::Date.between(from, to))
        .all(db)
        .await?;
    let session_ids: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    let mut session_professions: HashMap<i64, Vec<String>> = HashMap::new();
    for sp in exam_session_profession::Entity::find()
        .filter(crate::service::one_of(
            backend,
            exam_session_profession::Column::SessionId,
            &session_ids,
        ))
        .all(db)
        .await?
    {
        session_professions
            .entry(sp.session_id)
            .or_default()
            .push(sp.profession_key);
    }
    out.extend(sessions.into_iter().filter_map(|s| {
        Some(Offer {
            organisation_id: s.organisation_id,
            measure: exam_measure(s.exam_type)?,
            professions: session_professions.get(&s.id).cloned().unwrap_or_default(),
            region_code: s.region_code,
            format: s.format,
            free: (s.seats_max - s.seats_taken).max(0) as u64,
        })
    }));
    Ok(out)
}

/// The rows of the demand table.
pub async fn gaps(
    db: &impl ConnectionTrait,
    principal: &Principal,
    reference: &Reference,
    policy: Policy,
    filter: &DemandFilter,
) -> AppResult<Vec<DemandGap>> {
    require_stats(principal)?;
    if !HORIZONS.contains(&filter.horizon_months) {
        return Err(AppError::bad_input(
            "filter.horizonMonths",
            format!(
                "the horizon is {} to {} months",
                HORIZONS.start(),
                HORIZONS.end()
            ),
        ));
    }
    let needs = needs(
        db,
        reference,
        filter.region.as_deref(),
        filter.profession.as_deref(),
        filter.measure,
    )
    .await?;
    let today = crate::service::today();
    let until = today
        .checked_add_months(Months::new(filter.horizon_months))
        .unwrap_or(today);
    let offers: Vec<Offer> = offers(db, today, until)
        .await?
        .into_iter()
        .filter(|o| o.free > 0)
        .filter(|o| filter.measure.is_none_or(|m| m == o.measure))
        .filter(|o| {
            filter
                .profession
                .as_ref()
                .is_none_or(|p| o.professions.contains(p))
        })
        .collect();

    // A district asked for is its own row; otherwise rows are Länder and län.
    let district = filter
        .region
        .as_deref()
        .and_then(|c| reference.regions.get(c))
        .filter(|r| r.level == RegionLevel::District)
        .map(|r| r.code.clone());
    let row_of = |code: &str| {
        district
            .clone()
            .unwrap_or_else(|| state_of(reference, code))
    };
    let in_scope: Option<Vec<String>> = reference
        .regions
        .filter_codes(filter.region.as_deref(), "filter.region")?;

    let mut rows: BTreeMap<(String, String, CompensatoryMeasure), Tally> = BTreeMap::new();
    for n in &needs {
        rows.entry((row_of(&n.region_code), n.profession.clone(), n.measure))
            .or_default()
            .add(n.record_key);
    }
    // Seats offered in a region of the scope make a row even where nobody waits.
    for o in &offers {
        if in_scope
            .as_ref()
            .is_some_and(|codes| !codes.contains(&o.region_code))
        {
            continue;
        }
        let row = row_of(&o.region_code);
        for p in &o.professions {
            if filter.profession.as_ref().is_none_or(|f| f == p) {
                rows.entry((row.clone(), p.clone(), o.measure)).or_default();
            }
        }
    }

    if rows.len() > MAX_ROWS {
        return Err(AppError::bad_input(
            "filter",
            format!(
                "the answer would have {} rows, more than {MAX_ROWS}: filter by region, profession or measure",
                rows.len()
            ),
        ));
    }
    Ok(rows
        .into_iter()
        .map(|((region, profession, measure), tally)| {
            let state = state_of(reference, &region);
            let reachable: Vec<&Offer> = offers
                .iter()
                .filter(|o| o.measure == measure && o.professions.contains(&profession))
                .filter(|o| o.reachable_from(reference, &state))
                .collect();
            let seats: u64 = reachable.iter().map(|o| o.free).sum();
            let need = policy.publish(tally);
            DemandGap {
                gap: need.count.map(|n| n as i64 - seats as i64),
                region,
                profession,
                measure,
                need,
                seats,
                offers: reachable.len() as u64,
            }
        })
        .collect())
}
