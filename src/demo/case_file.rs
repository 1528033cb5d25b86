//! Demo candidates, consents and recognition cases, shaped after the official figures:
//! nurses the largest group (41 %), then physicians (14 %); Türkei, the Philippines,
//! India, Tunisia, Bosnia-Herzegovina, Syria and Ukraine the top countries of training;
//! about 41 % of decisions with a compensatory measure; around three months from the
//! complete file to the decision.

use super::OrgSeed;
use crate::error::AppResult;
use crate::service::cases::{allowed_measures, due_date};
use crate::service::countries::is_eu_eea_ch;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::case_event::CaseEventKind;
use entity::consent::ConsentPurpose;
use entity::decision::DecisionOutcome;
use entity::enums::LanguageLevel;
use entity::organisation::OrganisationKind;
use entity::recognition_case::{CaseOrigin, CaseStatus};
use entity::{candidate, candidate_personal, case_event, consent, decision, recognition_case};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use serde_json::json;

/// The code prefix of demo candidates: how a loaded case file is recognised.
pub(super) const CODE_PREFIX: &str = "KP-DEMO";

/// The seed of the demo cases' record keys.
const RECORD_KEY_SEED: u64 = 0x4b50_4b45_5953;
const RECORD_KEYS: i32 = crate::service::disclosure::RECORD_KEYS as i32;

/// Whether the demo case file is present (any candidate with a demo code).
pub(super) async fn present(db: &DatabaseConnection) -> AppResult<bool> {
    Ok(candidate::Entity::find()
        .filter(candidate::Column::Code.starts_with(CODE_PREFIX))
        .one(db)
        .await?
        .is_some())
}

/// Candidates per network and scale unit: Sachsen, Mecklenburg-Vorpommern, Hessen, Stockholm.
const PER_NETWORK: [usize; 4] = [60, 24, 80, 36];

const DE_PROFESSIONS: &[(&str, u32)] = &[
    ("nurse", 41),
    ("physician", 14),
    ("geriatric_nurse", 8),
    ("physiotherapist", 7),
    ("dentist", 5),
    ("pharmacist", 4),
    ("mt_lab", 4),
    ("midwife", 3),
    ("mt_radiology", 3),
    ("occupational_therapist", 3),
    ("pta", 3),
    ("speech_therapist", 2),
    ("paramedic", 2),
    ("dietitian", 1),
];
const SE_PROFESSIONS: &[(&str, u32)] = &[
    ("nurse", 50),
    ("physician", 25),
    ("dentist", 12),
    ("pharmacist", 6),
    ("midwife", 7),
];
const DE_COUNTRIES: &[(&str, u32)] = &[
    ("TR", 12),
    ("PH", 9),
    ("UA", 9),
    ("IN", 8),
    ("TN", 8),
    ("BA", 8),
    ("SY", 8),
    ("EG", 5),
    ("MA", 4),
    ("RS", 4),
    ("IR", 3),
    ("BR", 3),
    ("CO", 3),
    ("VN", 3),
    ("MX", 2),
    ("RO", 4),
    ("PL", 3),
    ("HR", 2),
    ("IT", 2),
    ("ES", 1),
];
const SE_COUNTRIES: &[(&str, u32)] = &[
    ("SY", 15),
    ("IR", 12),
    ("IQ", 10),
    ("UA", 8),
    ("IN", 8),
    ("PH", 6),
    ("TR", 5),
    ("AF", 5),
    ("SO", 4),
    ("ER", 3),
    ("PL", 3),
    ("RO", 3),
    ("BA", 3),
];

/// Given and family names by country group.
fn names(country: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match country {
        "TR" => (
            &["Ayşe", "Mehmet", "Elif", "Mustafa", "Zeynep", "Emre"],
            &["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk"],
        ),
        "PH" => (
            &["Maria", "Jose", "Angelica", "Mark", "Kristine", "John Paul"],
            &["Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"],
        ),
        "IN" => (
            &["Priya", "Rahul", "Anjali", "Arjun", "Deepa", "Vikram"],
            &["Sharma", "Patel", "Nair", "Reddy", "Iyer", "Singh"],
        ),
        "UA" => (
            &[
                "Olena",
                "Andriy",
                "Iryna",
                "Oleksandr",
                "Kateryna",
                "Dmytro",
            ],
            &[
                "Kovalenko",
                "Shevchenko",
                "Bondarenko",
                "Tkachenko",
                "Melnyk",
            ],
        ),
        "BA" | "RS" | "HR" => (
            &["Amra", "Emir", "Lejla", "Nikola", "Ivana", "Adnan"],
            &["Hodžić", "Begić", "Petrović", "Kovačević", "Marić"],
        ),
        "BR" | "CO" | "MX" | "ES" => (
            &["Carlos", "Lucía", "Diego", "Camila", "Andrés"],
            &["García", "Rodríguez", "Martínez", "Silva", "López"],
        ),
        "RO" => (
            &["Ioana", "Andrei", "Elena", "Mihai"],
            &["Popescu", "Ionescu", "Dumitru", "Stan"],
        ),
        "PL" => (
            &["Anna", "Piotr", "Katarzyna", "Tomasz"],
            &["Kowalska", "Nowak", "Wiśniewska", "Zieliński"],
        ),
        "IT" => (
            &["Giulia", "Marco", "Chiara"],
            &["Rossi", "Russo", "Bianchi"],
        ),
        "VN" => (
            &["Linh", "Minh", "Thu", "Huy"],
            &["Nguyen", "Tran", "Le", "Pham"],
        ),
        "SO" | "ER" => (
            &["Amina", "Abdi", "Hodan", "Yonas", "Selam"],
            &["Mohamed", "Hassan", "Tesfaye", "Ali"],
        ),
        "IR" | "AF" => (
            &["Maryam", "Reza", "Sara", "Ali", "Zahra", "Hamid"],
            &["Hosseini", "Ahmadi", "Karimi", "Rahimi", "Moradi"],
        ),
        _ => (
            &["Ahmad", "Fatima", "Omar", "Layla", "Youssef", "Nour"],
            &[
                "Al-Hassan",
                "Haddad",
                "Khalil",
                "Mansour",
                "Saleh",
                "Ben Ali",
            ],
        ),
    }
}

fn weighted<'a>(rng: &mut ChaCha8Rng, items: &'a [(&'a str, u32)]) -> &'a str {
    items
        .choose_weighted(rng, |(_, w)| *w)
        .map(|(k, _)| *k)
        .unwrap_or(items[0].0)
}

fn legal_basis(profession: &str, swedish: bool) -> &'static str {
    if swedish {
        return "Patientsäkerhetslagen (2010:659) 4 kap.";
    }
    match profession {
        "nurse" => "PflBG §40",
        "geriatric_nurse" => "PflBG §64",
        "physician" => "BÄO §3",
        "dentist" => "ZHG §2",
        "pharmacist" => "BApO §4",
        "midwife" => "HebG §49",
        "physiotherapist" => "MPhG §2",
        "paramedic" => "NotSanG §2",
        _ => "BQFG §4",
    }
}

fn deficits(profession: &str) -> &'static [&'static str] {
    match profession {
        "nurse" | "geriatric_nurse" => &[
            "Pädiatrische Pflege",
            "Psychiatrische Pflege",
            "Stationäre Langzeitpflege",
            "Rechtliche Grundlagen der Pflege",
        ],
        "physician" => &[
            "Innere Medizin",
            "Chirurgie",
            "Pharmakologie",
            "Notfallmedizin",
        ],
        "dentist" => &["Zahnerhaltung", "Prothetik", "Kieferorthopädie"],
        _ => &["Praktische Ausbildung", "Rechtliche Grundlagen", "Hygiene"],
    }
}

const MISSING: &[&str] = &[
    "Ausbildungsnachweis (beglaubigte Übersetzung)",
    "Fächer- und Stundenaufstellung",
    "Nachweis der Berufserfahrung",
    "Sprachzertifikat B2",
    "Ärztliche Bescheinigung",
    "Führungszeugnis",
];

pub(super) fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour.min(23), 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

struct Event {
    day: NaiveDate,
    kind: CaseEventKind,
    by: i64,
    from: Option<CaseStatus>,
    to: Option<CaseStatus>,
    note: Option<String>,
}

/// The districts of the Land a region lies in (none for a Swedish län), from the
/// reference data file.
fn districts_of(region: &str) -> &'static [&'static str] {
    use migration::reference_data::{REGIONS_CSV, field, parse};
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static BY_STATE: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    static PARENT: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let rows = || parse(REGIONS_CSV).unwrap_or_default();
    let by_state = BY_STATE.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for r in rows().iter().filter(|r| field(r, "level") == "DISTRICT") {
            map.entry(field(r, "parent"))
                .or_default()
                .push(field(r, "code"));
        }
        map
    });
    let parent = PARENT.get_or_init(|| {
        rows()
            .iter()
            .map(|r| (field(r, "code"), field(r, "parent")))
            .collect()
    });
    let state = if by_state.contains_key(region) {
        region
    } else {
        parent.get(region).copied().unwrap_or(region)
    };
    by_state.get(state).map_or(&[], Vec::as_slice)
}

/// Inserts candidates (with personal data and consents) and their cases; returns the
/// numbers of candidates and cases.
pub(super) async fn insert(
    txn: &DatabaseTransaction,
    rng: &mut ChaCha8Rng,
    orgs: &[OrgSeed],
    ids: &[i64],
    scale: u32,
    anchor: NaiveDate,
) -> AppResult<(usize, usize)> {
    let now = Utc::now();
    let of_kind = |network: usize, kind: OrganisationKind| -> Vec<usize> {
        (0..orgs.len())
            .filter(|i| orgs[*i].network == network && orgs[*i].kind == kind)
            .collect()
    };
    let mut n_candidates = 0;
    let mut n_cases = 0;
    let mut serial = 0usize;
    // Record keys come from a stream of their own, so the rest of the demo stays as
    // the seed makes it.
    let mut record_keys = ChaCha8Rng::seed_from_u64(RECORD_KEY_SEED);
    for (network, per) in PER_NETWORK.iter().enumerate() {
        let advisories = of_kind(network, OrganisationKind::Advisory);
        let authorities = of_kind(network, OrganisationKind::Authority);
        let employers = of_kind(network, OrganisationKind::Employer);
        let schools: Vec<usize> = of_kind(network, OrganisationKind::School)
            .into_iter()
            .chain(of_kind(network, OrganisationKind::Provider))
            .collect();
        let funders = of_kind(network, OrganisationKind::Funder);
        if advisories.is_empty() || authorities.is_empty() {
            continue;
        }
        let swedish = orgs[advisories[0]].swedish;
        for _ in 0..(per * scale as usize) {
            serial += 1;
            let advisory = advisories[serial % advisories.len()];
            let profession = weighted(
                rng,
                if swedish {
                    SE_PROFESSIONS
                } else {
                    DE_PROFESSIONS
                },
            );
            let country = weighted(rng, if swedish { SE_COUNTRIES } else { DE_COUNTRIES });
            let level = match rng.random_range(0..20) {
                0..4 => Some(LanguageLevel::B1),
                4..14 => Some(LanguageLevel::B2),
                14..19 => Some(LanguageLevel::C1),
                _ => None,
            };
            // Half live where their advisory centre is, the others anywhere in its
            // Land, as people do: small numbers in many districts.
            let region = if serial.is_multiple_of(2) {
                orgs[advisory].region
            } else {
                let districts = districts_of(orgs[advisory].region);
                districts
                    .get((serial / 2) % districts.len().max(1))
                    .copied()
                    .unwrap_or(orgs[advisory].region)
            };
            let created = at(anchor - Duration::days(rng.random_range(30..460)), 9);
            // Codes are unique by construction: a serial number in the demo's own range.
            let code = format!("{CODE_PREFIX}{serial:04}");
            let cand = candidate::Entity::insert(candidate::ActiveModel {
                code: Set(code),
                country_of_training: Set(country.to_owned()),
                profession_key: Set(profession.to_owned()),
                language_level: Set(level),
                region_code: Set(region.to_owned()),
                advisory_id: Set(ids[advisory]),
                erased_at: Set(None),
                created_at: Set(created),
                updated_at: Set(created),
                version: Set(1),
                ..Default::default()
            })
            .exec_with_returning(txn)
            .await?;
            n_candidates += 1;
            let (given, family) = names(country);
            let given = given.choose(rng).copied().unwrap_or("Alex");
            let family = family.choose(rng).copied().unwrap_or("Doe");
            let mail_name: String = format!("{given}.{family}")
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                .collect();
            candidate_personal::Entity::insert(candidate_personal::ActiveModel {
                candidate_id: Set(cand.id),
                given_name: Set(given.to_owned()),
                family_name: Set(family.to_owned()),
                birth_date: Set(NaiveDate::from_ymd_opt(
                    rng.random_range(1972..2001),
                    rng.random_range(1..13),
                    rng.random_range(1..29),
                )),
                email: Set(Some(format!("{mail_name}{}@mail.example", serial % 97))),
                phone: Set(Some(if swedish {
                    format!(
                        "+46 70 {:03} {:02} {:02}",
                        rng.random_range(100..999),
                        rng.random_range(10..99),
                        rng.random_range(10..99)
                    )
                } else {
                    format!(
                        "+49 15{} {:07}",
                        rng.random_range(1..8),
                        rng.random_range(1_000_000..9_999_999)
                    )
                })),
                updated_at: Set(created),
            })
            .exec(txn)
            .await?;

            let mut consents = Vec::new();
            let consent_to =
                |org: usize, purpose: ConsentPurpose, revoked: bool| consent::ActiveModel {
                    candidate_id: Set(cand.id),
                    organisation_id: Set(ids[org]),
                    purpose: Set(purpose),
                    granted_at: Set(created),
                    revoked_at: Set(revoked.then_some(now)),
                    ..Default::default()
                };
            // Most cases are opened below; a few candidates are still being advised.
            let has_case = rng.random_bool(0.85);
            let authority = if !swedish
                && matches!(profession, "physician" | "dentist" | "pharmacist")
                && authorities.len() > 1
            {
                authorities[1]
            } else {
                authorities[0]
            };
            if has_case && rng.random_bool(0.7) {
                consents.push(consent_to(authority, ConsentPurpose::Referral, false));
            }
            if let Some(e) = employers.choose(rng).filter(|_| rng.random_bool(0.3)) {
                consents.push(consent_to(
                    *e,
                    ConsentPurpose::Placement,
                    rng.random_bool(0.1),
                ));
            }
            if let Some(s) = schools.choose(rng).filter(|_| rng.random_bool(0.2)) {
                consents.push(consent_to(*s, ConsentPurpose::Referral, false));
            }
            if let Some(f) = funders.choose(rng).filter(|_| rng.random_bool(0.1)) {
                consents.push(consent_to(*f, ConsentPurpose::Funding, false));
            }
            if !consents.is_empty() {
                consent::Entity::insert_many(consents).exec(txn).await?;
            }
            if !has_case {
                continue;
            }

            // The procedure, step by step, as far as the calendar has come.
            let origin = if is_eu_eea_ch(country) {
                CaseOrigin::EuEeaCh
            } else {
                CaseOrigin::ThirdCountry
            };
            let fast_track = rng.random_bool(0.1);
            let submitted = created.date_naive() + Duration::days(rng.random_range(3..30));
            let submitted = submitted.min(anchor);
            let (by_advisory, by_authority) = (ids[advisory], ids[authority]);
            let mut events = vec![Event {
                day: submitted,
                kind: CaseEventKind::Opened,
                by: by_advisory,
                from: None,
                to: Some(CaseStatus::Submitted),
                note: None,
            }];
            let mut status = CaseStatus::Submitted;
            let step = |events: &mut Vec<Event>,
                        status: &mut CaseStatus,
                        day: NaiveDate,
                        to: CaseStatus,
                        note: Option<String>| {
                events.push(Event {
                    day,
                    kind: CaseEventKind::StatusChanged,
                    by: by_authority,
                    from: Some(*status),
                    to: Some(to),
                    note,
                });
                *status = to;
            };
            let mut missing: Vec<&str> = Vec::new();
            let mut complete_on = None;
            let mut due_on = None;
            let mut decided_on = None;
            let mut outcome = None;
            let incomplete_at = submitted + Duration::days(rng.random_range(7..30));
            if incomplete_at <= anchor && rng.random_bool(0.6) {
                let n = rng.random_range(1..4);
                missing = MISSING.choose_multiple(rng, n).copied().collect();
                step(
                    &mut events,
                    &mut status,
                    incomplete_at,
                    CaseStatus::Incomplete,
                    Some(format!("missing: {}", missing.join("; "))),
                );
            }
            let complete = incomplete_at + Duration::days(rng.random_range(5..60));
            if complete <= anchor && !(status == CaseStatus::Incomplete && rng.random_bool(0.15)) {
                if status == CaseStatus::Incomplete {
                    step(
                        &mut events,
                        &mut status,
                        complete,
                        CaseStatus::Submitted,
                        Some("documents received".into()),
                    );
                }
                missing.clear();
                let due = due_date(complete, fast_track, origin, profession);
                complete_on = Some(complete);
                due_on = Some(due);
                events.push(Event {
                    day: complete,
                    kind: CaseEventKind::FileComplete,
                    by: by_authority,
                    from: None,
                    to: None,
                    note: Some(format!("decision due on {due}")),
                });
                step(
                    &mut events,
                    &mut status,
                    complete,
                    CaseStatus::InAssessment,
                    None,
                );
                // Around three months to the decision; some take longer than the law allows.
                let decided = complete + Duration::days(rng.random_range(40..131));
                if decided <= anchor {
                    let o = match rng.random_range(0..100) {
                        0..47 => DecisionOutcome::Full,
                        47..57 => DecisionOutcome::PartialAccess,
                        57..98 => DecisionOutcome::Deficit,
                        _ => DecisionOutcome::Rejected,
                    };
                    outcome = Some(o);
                    decided_on = Some(decided);
                    let to = if o == DecisionOutcome::Rejected {
                        CaseStatus::Rejected
                    } else {
                        CaseStatus::Decided
                    };
                    events.push(Event {
                        day: decided,
                        kind: CaseEventKind::DecisionRecorded,
                        by: by_authority,
                        from: Some(status),
                        to: Some(to),
                        note: None,
                    });
                    status = to;
                    let later = decided + Duration::days(rng.random_range(14..200));
                    if later <= anchor {
                        match o {
                            DecisionOutcome::Deficit => step(
                                &mut events,
                                &mut status,
                                later,
                                CaseStatus::InCompensation,
                                None,
                            ),
                            DecisionOutcome::PartialAccess => step(
                                &mut events,
                                &mut status,
                                later,
                                CaseStatus::InCompensation,
                                None,
                            ),
                            DecisionOutcome::Full if profession == "physician" => step(
                                &mut events,
                                &mut status,
                                later,
                                CaseStatus::LanguagePending,
                                Some("Fachsprachprüfung outstanding".into()),
                            ),
                            DecisionOutcome::Full => {
                                step(&mut events, &mut status, later, CaseStatus::Licensed, None)
                            }
                            DecisionOutcome::Rejected => {}
                        }
                        let licence = later + Duration::days(rng.random_range(60..300));
                        if licence <= anchor
                            && matches!(
                                status,
                                CaseStatus::InCompensation | CaseStatus::LanguagePending
                            )
                            && rng.random_bool(0.5)
                        {
                            step(
                                &mut events,
                                &mut status,
                                licence,
                                CaseStatus::Licensed,
                                None,
                            );
                        }
                    }
                }
            }
            if !matches!(status, CaseStatus::Licensed | CaseStatus::Rejected)
                && rng.random_bool(0.03)
            {
                step(
                    &mut events,
                    &mut status,
                    anchor,
                    CaseStatus::Withdrawn,
                    Some("application withdrawn".into()),
                );
            }
            let case = recognition_case::Entity::insert(recognition_case::ActiveModel {
                candidate_id: Set(cand.id),
                profession_key: Set(profession.to_owned()),
                authority_id: Set(by_authority),
                legal_basis: Set(legal_basis(profession, swedish).to_owned()),
                origin: Set(origin),
                fast_track: Set(fast_track),
                status: Set(status),
                submitted_on: Set(submitted),
                complete_on: Set(complete_on),
                due_on: Set(due_on),
                decided_on: Set(decided_on),
                missing_documents: Set(json!(missing)),
                record_key: Set(record_keys.random_range(0..RECORD_KEYS)),
                created_at: Set(at(submitted, 9)),
                updated_at: Set(now),
                version: Set(events.len() as i32),
                ..Default::default()
            })
            .exec_with_returning(txn)
            .await?;
            n_cases += 1;
            if let (Some(o), Some(day)) = (outcome, decided_on) {
                let measures = if matches!(o, DecisionOutcome::Deficit) {
                    allowed_measures(origin, profession)
                } else {
                    vec![]
                };
                let areas: Vec<&str> =
                    if matches!(o, DecisionOutcome::Deficit | DecisionOutcome::PartialAccess) {
                        deficits(profession)
                            .choose_multiple(rng, 2)
                            .copied()
                            .collect()
                    } else {
                        vec![]
                    };
                decision::Entity::insert(decision::ActiveModel {
                    case_id: Set(case.id),
                    outcome: Set(o),
                    deficit_areas: Set(json!(areas)),
                    measures: Set(serde_json::to_value(&measures).unwrap_or_default()),
                    decided_on: Set(day),
                    note: Set(None),
                    created_at: Set(at(day, 14)),
                    ..Default::default()
                })
                .exec(txn)
                .await?;
            }
            case_event::Entity::insert_many(events.into_iter().enumerate().map(|(i, e)| {
                case_event::ActiveModel {
                    case_id: Set(case.id),
                    at: Set(at(e.day, 10 + i as u32)),
                    kind: Set(e.kind),
                    organisation_id: Set(Some(e.by)),
                    client_id: Set(None),
                    from_status: Set(e.from),
                    to_status: Set(e.to),
                    note: Set(e.note),
                    ..Default::default()
                }
            }))
            .exec(txn)
            .await?;
        }
    }
    Ok((n_candidates, n_cases))
}
