//! Demo exam sessions and enrolments: sessions of every exam of each network's country
//! in its state over the next twelve months (and a few past ones with results), and
//! enrolments of the demo candidates in about two thirds of the course runs — some
//! runs full with a waitlist, results for the runs that are over.

use crate::error::AppResult;
use chrono::{Duration, NaiveDate, Utc};
use entity::consent::{self, ConsentPurpose};
use entity::course_run::{self, CourseFormat, RunStatus};
use entity::enrolment::{self, EnrolmentStatus};
use entity::exam_session::{self, ExamType};
use entity::organisation::{self, OrganisationKind};
use entity::{candidate, course, enrolment_event, exam_session_profession};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use std::collections::{HashMap, HashSet};

/// Whether the demo seats are present (any exam session).
pub(super) async fn present(db: &DatabaseConnection) -> AppResult<bool> {
    Ok(exam_session::Entity::find().count(db).await? > 0)
}

/// The network (state or län) a region code lies in.
fn area(code: &str) -> &'static str {
    if code.starts_with("SE") {
        "SE"
    } else if code.starts_with("DE-SN") || code.starts_with("14") {
        "SN"
    } else if code.starts_with("DE-MV") || code.starts_with("13") {
        "MV"
    } else if code.starts_with("DE-HE") || code.starts_with("06") {
        "HE"
    } else {
        "other"
    }
}

/// The exams of a country, with the professions each is for.
fn exams(swedish: bool) -> &'static [(ExamType, &'static [&'static str])] {
    if swedish {
        &[
            (
                ExamType::SeKunskapsprov,
                &["physician", "nurse", "dentist", "midwife"],
            ),
            (
                ExamType::SePraktisktProv,
                &["physician", "nurse", "dentist", "midwife"],
            ),
            (
                ExamType::SeRegulationsTest,
                &["physician", "nurse", "dentist", "pharmacist", "midwife"],
            ),
        ]
    } else {
        &[
            (
                ExamType::Kenntnispruefung,
                &[
                    "physician",
                    "dentist",
                    "pharmacist",
                    "nurse",
                    "physiotherapist",
                ],
            ),
            (
                ExamType::Fachsprachpruefung,
                &["physician", "dentist", "pharmacist"],
            ),
            (
                ExamType::Eignungspruefung,
                &["nurse", "physiotherapist", "midwife", "geriatric_nurse"],
            ),
        ]
    }
}

/// What `insert` added.
#[derive(Debug, Default)]
pub(super) struct Inserted {
    pub exam_sessions: usize,
    pub enrolments: usize,
}

/// Inserts the demo exam sessions and enrolments into a directory and case file that
/// are present.
pub(super) async fn insert(
    txn: &DatabaseTransaction,
    rng: &mut ChaCha8Rng,
    anchor: NaiveDate,
) -> AppResult<Inserted> {
    let now = Utc::now();
    let mut out = Inserted::default();
    let orgs = organisation::Entity::find()
        .order_by_asc(organisation::Column::Id)
        .all(txn)
        .await?;

    // Exam sessions: every exam of the country, every two months, in each network's
    // state, run by its exam office (or chamber, or authority); two past ones each.
    let mut session_rows: Vec<(exam_session::Model, Vec<&str>)> = Vec::new();
    for net in ["SN", "MV", "HE", "SE"] {
        let swedish = net == "SE";
        let owners: Vec<&organisation::Model> = [
            OrganisationKind::ExamOffice,
            OrganisationKind::Chamber,
            OrganisationKind::Authority,
        ]
        .iter()
        .flat_map(|k| {
            orgs.iter()
                .filter(move |o| o.kind == *k && area(&o.region_code) == net)
        })
        .collect();
        let Some(first) = owners.first() else {
            continue;
        };
        for (exam, professions) in exams(swedish) {
            let owner = if *exam == ExamType::Fachsprachpruefung {
                owners
                    .iter()
                    .find(|o| o.kind == OrganisationKind::Chamber)
                    .unwrap_or(first)
            } else {
                first
            };
            for step in -2..6 {
                let date = anchor + Duration::days(step * 61 + rng.random_range(5..40));
                let seats_max = rng.random_range(6..=16);
                let status = if date < anchor {
                    RunStatus::Completed
                } else if step <= 1 {
                    RunStatus::Open
                } else {
                    RunStatus::Planned
                };
                let row = exam_session::Entity::insert(exam_session::ActiveModel {
                    organisation_id: Set(owner.id),
                    exam_type: Set(*exam),
                    date: Set(date),
                    format: Set(if *exam == ExamType::SeKunskapsprov {
                        CourseFormat::Online
                    } else {
                        CourseFormat::Presence
                    }),
                    region_code: Set(owner.region_code.clone()),
                    city: Set(owner.city.clone()),
                    seats_max: Set(seats_max),
                    seats_taken: Set(0),
                    waitlist_length: Set(0),
                    registration_deadline: Set(Some(date - Duration::days(21))),
                    fee_minor: Set(if swedish {
                        rng.random_range(10..40) * 10_000
                    } else {
                        rng.random_range(30..90) * 1_000
                    }),
                    currency: Set(if swedish { "SEK" } else { "EUR" }.to_owned()),
                    status: Set(status),
                    cancellation_reason: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    version: Set(1),
                    ..Default::default()
                })
                .exec_with_returning(txn)
                .await?;
                session_rows.push((row, professions.to_vec()));
            }
        }
    }
    out.exam_sessions = session_rows.len();
    exam_session_profession::Entity::insert_many(session_rows.iter().flat_map(|(s, ps)| {
        ps.iter().map(|p| exam_session_profession::ActiveModel {
            session_id: Set(s.id),
            profession_key: Set((*p).to_owned()),
        })
    }))
    .exec(txn)
    .await?;

    // Candidates by network and profession.
    let candidates = candidate::Entity::find()
        .filter(candidate::Column::Code.starts_with(super::case_file::CODE_PREFIX))
        .order_by_asc(candidate::Column::Id)
        .all(txn)
        .await?;
    let mut by_area: HashMap<&'static str, Vec<&candidate::Model>> = HashMap::new();
    for c in &candidates {
        by_area.entry(area(&c.region_code)).or_default().push(c);
    }
    let providers: HashMap<i64, i64> = course::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.provider_id))
        .collect();
    let mut consented: HashSet<(i64, i64)> = consent::Entity::find()
        .filter(consent::Column::Purpose.eq(ConsentPurpose::Referral))
        .all(txn)
        .await?
        .into_iter()
        .map(|c| (c.candidate_id, c.organisation_id))
        .collect();

    struct Planned {
        candidate: i64,
        advisory: i64,
        run: Option<i64>,
        session: Option<i64>,
        status: EnrolmentStatus,
        position: Option<i32>,
        created: chrono::DateTime<Utc>,
    }
    let mut planned: Vec<Planned> = Vec::new();
    let mut new_consents = Vec::new();
    let mut plan = |rng: &mut ChaCha8Rng,
                    pool: &[&candidate::Model],
                    receiver: i64,
                    seats_max: i32,
                    seats_taken: i32,
                    past: bool,
                    exam: bool,
                    run: Option<i64>,
                    session: Option<i64>,
                    starts: NaiveDate|
     -> (i32, i32) {
        let mut pool = pool.to_vec();
        pool.shuffle(rng);
        let wanted = rng.random_range(1..=3usize);
        let confirmed = wanted.min(seats_max as usize);
        let full = seats_taken >= seats_max;
        let waiting = if full && !past {
            rng.random_range(1..=3usize)
        } else {
            0
        };
        let taken = seats_taken.max(confirmed as i32);
        let created = super::case_file::at(starts - Duration::days(rng.random_range(30..90)), 10);
        for (i, cand) in pool.iter().take(confirmed + waiting).enumerate() {
            let status = if i >= confirmed {
                EnrolmentStatus::Waitlisted
            } else if past {
                match rng.random_range(0..10) {
                    0 => EnrolmentStatus::NoShow,
                    1..4 if exam => EnrolmentStatus::Failed,
                    _ if exam => EnrolmentStatus::Passed,
                    _ => EnrolmentStatus::Completed,
                }
            } else {
                EnrolmentStatus::Confirmed
            };
            if consented.insert((cand.id, receiver)) {
                new_consents.push(consent::ActiveModel {
                    candidate_id: Set(cand.id),
                    organisation_id: Set(receiver),
                    purpose: Set(ConsentPurpose::Referral),
                    granted_at: Set(created),
                    revoked_at: Set(None),
                    ..Default::default()
                });
            }
            planned.push(Planned {
                candidate: cand.id,
                advisory: cand.advisory_id,
                run,
                session,
                status,
                position: (i >= confirmed).then(|| (i - confirmed + 1) as i32),
                created,
            });
        }
        (
            taken,
            waiting.min(pool.len().saturating_sub(confirmed)) as i32,
        )
    };

    // Enrolments in about two thirds of the runs that are not cancelled.
    let runs = course_run::Entity::find()
        .filter(course_run::Column::Status.ne(RunStatus::Cancelled))
        .order_by_asc(course_run::Column::Id)
        .all(txn)
        .await?;
    let mut run_counts = Vec::new();
    for run in &runs {
        if !rng.random_bool(0.67) {
            continue;
        }
        let Some(pool) = by_area.get(area(&run.region_code)) else {
            continue;
        };
        let Some(provider) = providers.get(&run.course_id) else {
            continue;
        };
        let past = run.status == RunStatus::Completed;
        let (taken, waiting) = plan(
            rng,
            pool,
            *provider,
            run.seats_max,
            run.seats_taken,
            past,
            false,
            Some(run.id),
            None,
            run.start_date,
        );
        run_counts.push((run.id, taken, waiting));
    }
    let mut session_counts = Vec::new();
    for (s, professions) in &session_rows {
        let Some(pool) = by_area.get(area(&s.region_code)) else {
            continue;
        };
        let pool: Vec<&candidate::Model> = pool
            .iter()
            .copied()
            .filter(|c| professions.contains(&c.profession_key.as_str()))
            .collect();
        if pool.is_empty() {
            continue;
        }
        // Some sessions fill up and keep a waitlist.
        let taken = if rng.random_bool(0.2) { s.seats_max } else { 0 };
        let (taken, waiting) = plan(
            rng,
            &pool,
            s.organisation_id,
            s.seats_max,
            taken,
            s.status == RunStatus::Completed,
            true,
            None,
            Some(s.id),
            s.date,
        );
        session_counts.push((s.id, taken, waiting));
    }
    if !new_consents.is_empty() {
        consent::Entity::insert_many(new_consents).exec(txn).await?;
    }
    for chunk in planned.chunks(500) {
        let rows = enrolment::Entity::insert_many(chunk.iter().map(|p| enrolment::ActiveModel {
            candidate_id: Set(p.candidate),
            course_run_id: Set(p.run),
            exam_session_id: Set(p.session),
            status: Set(p.status),
            waitlist_position: Set(p.position),
            reason: Set(None),
            requested_by: Set(p.advisory),
            created_at: Set(p.created),
            updated_at: Set(p.created),
            version: Set(1),
            ..Default::default()
        }))
        .exec_with_returning(txn)
        .await?;
        enrolment_event::Entity::insert_many(rows.iter().map(|e| enrolment_event::ActiveModel {
            enrolment_id: Set(e.id),
            candidate_id: Set(e.candidate_id),
            at: Set(e.created_at),
            from_status: Set(None),
            to_status: Set(e.status),
            waitlist_position: Set(e.waitlist_position),
            organisation_id: Set(Some(e.requested_by)),
            client_id: Set(None),
            note: Set(None),
            ..Default::default()
        }))
        .exec(txn)
        .await?;
        out.enrolments += rows.len();
    }
    for (id, taken, waiting) in run_counts {
        course_run::Entity::update_many()
            .col_expr(course_run::Column::SeatsTaken, taken.into())
            .col_expr(course_run::Column::WaitlistLength, waiting.into())
            .filter(course_run::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    for (id, taken, waiting) in session_counts {
        exam_session::Entity::update_many()
            .col_expr(exam_session::Column::SeatsTaken, taken.into())
            .col_expr(exam_session::Column::WaitlistLength, waiting.into())
            .filter(exam_session::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    Ok(out)
}
