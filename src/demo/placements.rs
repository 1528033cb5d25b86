//! Demo placements and funding: one to three offers of every demo employer (jobs and
//! Praxiseinsätze of adaptation courses in Germany, jobs and places for praktisk
//! tjänstgöring in Sweden), referrals of demo candidates to them with the candidates'
//! PLACEMENT consents, a funding programme of every demo funder — Region Stockholm's
//! 6.3 MSEK for praktisk tjänstgöring, one for adaptation qualification in each German
//! state — and applications to them in every status with their timelines; a few
//! candidates accept a neighbouring state as well.
//!
//! Offers start over the next nine months, except each Swedish employer's previous
//! intake for praktisk tjänstgöring, which started four to nine months before the
//! anchor date (not before March of its year): its placements are running or over, so
//! their applications have been paid and followed up. Referrals keep the rules of the
//! service (profession, language level, stage — reached before the referral —, one live
//! referral per candidate and offer, never more accepted than slots), and so do
//! applications (an accepted referral to a practical placement, a FUNDING consent, the
//! programme's professions, origin, region and window); the budgets hold exactly what
//! the applications commit, at most [`COMMITTED_CAP_PERCENT`] per cent of each. Few
//! Swedish candidates meet the rules, so each is referred to several intakes.
//!
//! Everything is read in id order and drawn from one seeded generator in a fixed order:
//! the same settings give the same rows on SQLite and PostgreSQL.

use crate::error::AppResult;
use crate::service::funding::applications::StoredCost;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use entity::consent::{self, ConsentPurpose};
use entity::decision::{self, CompensatoryMeasure};
use entity::enums::{LanguageLevel, RegionLevel};
use entity::funding_application::{self, ApplicationStatus, FollowUpOutcome};
use entity::funding_programme::{self, CostType};
use entity::organisation::{self, EmployerType, OrganisationKind};
use entity::placement_offer::{self, OfferStatus, OfferType};
use entity::recognition_case::{self, CaseOrigin, CaseStatus};
use entity::referral::{self, ReferralStatus};
use entity::{
    candidate, candidate_region, funding_application_event, funding_programme_profession,
    placement_offer_profession, region,
};
use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use std::collections::{HashMap, HashSet};

/// Whether the demo placements are present (any placement offer).
pub(super) async fn present(db: &DatabaseConnection) -> AppResult<bool> {
    Ok(placement_offer::Entity::find().count(db).await? > 0)
}

/// Region Stockholm's budget for praktisk tjänstgöring: 6,300,000.00 SEK.
const STOCKHOLM_BUDGET_MINOR: i64 = 630_000_000;

/// The share of a budget the demo grants at most, in per cent: a good part remains.
const COMMITTED_CAP_PERCENT: i64 = 72;

/// What an employer of a type offers: the professions, the title of a job, and the
/// title of a placement (a Praxiseinsatz, or praktisk tjänstgöring) if it offers one.
struct Profile {
    professions: &'static [&'static str],
    job: &'static str,
    placement: Option<&'static str>,
}

const fn profile(
    professions: &'static [&'static str],
    job: &'static str,
    placement: Option<&'static str>,
) -> Profile {
    Profile {
        professions,
        job,
        placement,
    }
}

const DE_HOSPITAL: &[Profile] = &[
    profile(
        &["nurse"],
        "Pflegefachkraft (m/w/d) Innere Medizin",
        Some("Praxiseinsatz im Anpassungslehrgang Pflege – Innere Medizin"),
    ),
    profile(
        &["nurse"],
        "Pflegefachkraft (m/w/d) Chirurgie",
        Some("Praxiseinsatz im Anpassungslehrgang Pflege – Chirurgie"),
    ),
    profile(
        &["physician"],
        "Assistenzärztin/Assistenzarzt (m/w/d) Innere Medizin",
        None,
    ),
    profile(
        &["physician"],
        "Assistenzärztin/Assistenzarzt (m/w/d) Allgemeinchirurgie",
        None,
    ),
    profile(
        &["midwife"],
        "Hebamme (m/w/d) Kreißsaal",
        Some("Praxiseinsatz im Anpassungslehrgang Hebammenkunde"),
    ),
    profile(
        &["mt_radiology"],
        "Medizinische Technologin/Medizinischer Technologe für Radiologie (m/w/d)",
        Some("Praxiseinsatz im Anpassungslehrgang Radiologie"),
    ),
];
const DE_REHAB: &[Profile] = &[
    profile(
        &["nurse"],
        "Pflegefachkraft (m/w/d) Rehabilitation",
        Some("Praxiseinsatz im Anpassungslehrgang Pflege – Rehabilitation"),
    ),
    profile(
        &["physiotherapist"],
        "Physiotherapeutin/Physiotherapeut (m/w/d)",
        Some("Praxiseinsatz im Anpassungslehrgang Physiotherapie"),
    ),
    profile(
        &["occupational_therapist"],
        "Ergotherapeutin/Ergotherapeut (m/w/d)",
        Some("Praxiseinsatz im Anpassungslehrgang Ergotherapie"),
    ),
];
const DE_MVZ: &[Profile] = &[
    profile(
        &["physician"],
        "Ärztin/Arzt in Weiterbildung Allgemeinmedizin (m/w/d)",
        None,
    ),
    profile(&["dentist"], "Zahnärztin/Zahnarzt (m/w/d)", None),
    profile(
        &["mt_lab"],
        "Medizinische Technologin/Medizinischer Technologe für Laboratoriumsanalytik (m/w/d)",
        Some("Praxiseinsatz im Anpassungslehrgang Laboratoriumsanalytik"),
    ),
];
const DE_CARE: &[Profile] = &[
    profile(
        &["nurse", "geriatric_nurse"],
        "Pflegefachkraft (m/w/d) Langzeitpflege",
        Some("Praxiseinsatz im Anpassungslehrgang Pflege – Langzeitpflege"),
    ),
    profile(
        &["geriatric_nurse"],
        "Altenpflegerin/Altenpfleger (m/w/d)",
        Some("Praxiseinsatz im Anpassungslehrgang Altenpflege"),
    ),
];
const DE_AMBULANT: &[Profile] = &[profile(
    &["nurse", "geriatric_nurse"],
    "Pflegefachkraft (m/w/d) ambulante Pflege",
    Some("Praxiseinsatz im Anpassungslehrgang Pflege – ambulante Versorgung"),
)];
const DE_DENTAL_PRACTICE: &[Profile] = &[profile(
    &["dentist"],
    "Vorbereitungsassistentin/Vorbereitungsassistent (m/w/d)",
    None,
)];
const DE_PHYSIO_PRACTICE: &[Profile] = &[profile(
    &["physiotherapist"],
    "Physiotherapeutin/Physiotherapeut (m/w/d)",
    Some("Praxiseinsatz im Anpassungslehrgang Physiotherapie"),
)];
const DE_GP_PRACTICE: &[Profile] = &[profile(
    &["physician"],
    "Ärztin/Arzt in Weiterbildung Allgemeinmedizin (m/w/d)",
    None,
)];

const SE_HOSPITAL: &[Profile] = &[
    profile(
        &["nurse"],
        "Sjuksköterska, medicinkliniken",
        Some("Praktisk tjänstgöring för sjuksköterskor"),
    ),
    profile(
        &["nurse"],
        "Sjuksköterska, akutmottagningen",
        Some("Praktisk tjänstgöring för sjuksköterskor"),
    ),
    profile(
        &["physician"],
        "Läkare, internmedicin",
        Some("Praktisk tjänstgöring för läkare"),
    ),
    profile(
        &["midwife"],
        "Barnmorska, förlossningen",
        Some("Praktisk tjänstgöring för barnmorskor"),
    ),
];
const SE_HEALTH_CENTRE: &[Profile] = &[
    profile(
        &["nurse"],
        "Distriktssköterska",
        Some("Praktisk tjänstgöring för sjuksköterskor i primärvården"),
    ),
    profile(
        &["physician"],
        "Läkare, allmänmedicin",
        Some("Praktisk tjänstgöring för läkare i primärvården"),
    ),
];
const SE_ELDERLY_CARE: &[Profile] = &[profile(
    &["nurse"],
    "Sjuksköterska, särskilt boende",
    Some("Praktisk tjänstgöring för sjuksköterskor i äldreomsorgen"),
)];
const SE_HOME_CARE: &[Profile] = &[profile(
    &["nurse"],
    "Sjuksköterska, hemsjukvård",
    Some("Praktisk tjänstgöring för sjuksköterskor i hemsjukvården"),
)];
const SE_DENTAL: &[Profile] = &[profile(
    &["dentist"],
    "Allmäntandläkare",
    Some("Praktisk tjänstgöring för tandläkare"),
)];
const SE_REHAB: &[Profile] = &[
    profile(
        &["nurse"],
        "Sjuksköterska, rehabilitering",
        Some("Praktisk tjänstgöring för sjuksköterskor i rehabilitering"),
    ),
    profile(
        &["physiotherapist"],
        "Fysioterapeut",
        Some("Praktisk tjänstgöring för fysioterapeuter"),
    ),
];

/// The profiles an employer chooses its offers from, by type and (for practices) name.
fn profiles(employer_type: Option<EmployerType>, name: &str, swedish: bool) -> &'static [Profile] {
    let t = employer_type.unwrap_or(EmployerType::Hospital);
    if swedish {
        return match t {
            EmployerType::Hospital => SE_HOSPITAL,
            EmployerType::Mvz => SE_HEALTH_CENTRE,
            EmployerType::CareHome => SE_ELDERLY_CARE,
            EmployerType::AmbulantCare => SE_HOME_CARE,
            EmployerType::Practice => SE_DENTAL,
            EmployerType::Rehab => SE_REHAB,
        };
    }
    match t {
        EmployerType::Hospital => DE_HOSPITAL,
        EmployerType::Rehab => DE_REHAB,
        EmployerType::Mvz => DE_MVZ,
        EmployerType::CareHome => DE_CARE,
        EmployerType::AmbulantCare => DE_AMBULANT,
        EmployerType::Practice if name.contains("Zahnarzt") => DE_DENTAL_PRACTICE,
        EmployerType::Practice if name.contains("Physiotherapie") => DE_PHYSIO_PRACTICE,
        EmployerType::Practice => DE_GP_PRACTICE,
    }
}

/// Professions whose offers ask for C1 rather than B2.
fn academic(profession: &str) -> bool {
    matches!(profession, "physician" | "dentist" | "pharmacist")
}

/// The supervisor of a placement.
fn supervisor_role(profession: &str, swedish: bool) -> &'static str {
    if !swedish {
        return "Praxisanleiter/in";
    }
    match profession {
        "physician" => "handledare (specialistläkare)",
        "dentist" => "handledare (legitimerad tandläkare)",
        "midwife" => "handledare (legitimerad barnmorska)",
        "nurse" => "handledare (legitimerad sjuksköterska)",
        _ => "handledare (legitimerad yrkesutövare)",
    }
}

/// A monthly salary band of a job, in minor units.
fn salary_band(rng: &mut ChaCha8Rng, profession: &str, swedish: bool) -> (i64, i64) {
    // (lowest minimum, highest minimum, least spread, most spread, step) in major units.
    let (lo, hi, spread_lo, spread_hi, step) = match (swedish, profession) {
        (false, "physician") => (4_800, 5_400, 1_000, 1_400, 100),
        (false, "dentist") => (4_000, 4_600, 1_000, 1_400, 100),
        (false, "nurse" | "geriatric_nurse" | "midwife") => (3_000, 3_400, 700, 1_000, 100),
        (false, _) => (2_800, 3_200, 600, 900, 100),
        (true, "physician") => (52_000, 60_000, 8_000, 12_000, 1_000),
        (true, "dentist") => (45_000, 50_000, 6_000, 9_000, 1_000),
        (true, "nurse" | "midwife") => (37_000, 40_000, 6_000, 9_000, 1_000),
        (true, _) => (32_000, 35_000, 5_000, 7_000, 1_000),
    };
    let min = rng.random_range(lo / step..=hi / step) * step;
    let max = min + rng.random_range(spread_lo / step..=spread_hi / step) * step;
    (min * 100, max * 100)
}

const SE_MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// Neighbouring states (or län) a candidate of a state might accept.
fn neighbours(state: &str) -> &'static [&'static str] {
    match state {
        "DE-SN" => &["DE-TH", "DE-ST", "DE-BB", "DE-BY"],
        "DE-MV" => &["DE-BB", "DE-SH", "DE-NI"],
        "DE-HE" => &["DE-TH", "DE-NI", "DE-NW", "DE-RP", "DE-BW", "DE-BY"],
        "SE-AB" => &["SE-C", "SE-D"],
        _ => &[],
    }
}

const DE_DECLINED: &[&str] = &[
    "Die Stelle wurde intern besetzt.",
    "Der Einsatzbeginn passt nicht in die Dienstplanung der Station.",
    "Für den Stationsalltag reicht das Sprachniveau noch nicht; gern nach dem Fachsprachkurs erneut.",
    "Die Praxisanleitung ist im gewünschten Zeitraum bereits ausgelastet.",
];
const SE_DECLINED: &[&str] = &[
    "Tjänsten har tillsatts internt.",
    "Startdatumet passar inte verksamhetens schema.",
    "Handledarkapacitet saknas under perioden.",
];
const DE_MISSING: &[&str] = &[
    "Kostenvoranschlag des Bildungsträgers für den Anpassungslehrgang fehlt.",
    "Feststellungsbescheid der Anerkennungsstelle fehlt.",
    "Arbeits- bzw. Praktikumsvertrag für den Einsatzzeitraum fehlt.",
];
const SE_MISSING: &[&str] = &[
    "Handledarens legitimationsnummer saknas.",
    "Anställningsavtal för tjänstgöringsperioden saknas.",
    "Socialstyrelsens beslut om praktisk tjänstgöring saknas.",
    "Plan för tjänstgöringen och handledningen saknas.",
];
const DE_REJECTED: &[&str] = &[
    "Der Anpassungslehrgang wird bereits über einen Bildungsgutschein gefördert.",
    "Der Kostenplan weist keinen Eigenanteil des Arbeitgebers aus.",
    "Die nachgeforderten Unterlagen sind nicht fristgerecht eingegangen.",
];
const SE_REJECTED: &[&str] = &[
    "Tjänstgöringen finansieras redan genom annat stöd.",
    "Handledaren uppfyller inte kraven för handledning under praktisk tjänstgöring.",
    "Begärda kompletteringar har inte inkommit i tid.",
    "Arbetsgivaren har inte avtal med regionen om praktisk tjänstgöring.",
];

fn pick<'a>(rng: &mut ChaCha8Rng, items: &[&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or("—")
}

fn add_months(day: NaiveDate, months: i32) -> NaiveDate {
    day.checked_add_months(Months::new(u32::try_from(months).unwrap_or(0)))
        .unwrap_or(day + Duration::days(30 * i64::from(months)))
}

fn days(rng: &mut ChaCha8Rng, range: std::ops::RangeInclusive<i64>) -> Duration {
    Duration::days(rng.random_range(range))
}

use super::case_file::at;

/// A demo candidate with the facts the rules of referrals and applications ask about.
struct Cand {
    id: i64,
    advisory: i64,
    profession: String,
    level: Option<LanguageLevel>,
    /// The state (Land or län) the candidate lives in.
    state: String,
    /// The day the candidate was registered.
    created: NaiveDate,
    /// Since when a decision allows the ADAPTATION_COURSE (a Praxiseinsatz).
    adaptation: Option<NaiveDate>,
    /// Since when a case at a Swedish authority is going on (praktisk tjänstgöring).
    swedish_case: Option<NaiveDate>,
    /// A case says the training is from a third country.
    third_country: bool,
}

impl Cand {
    /// The first day the candidate could be referred to an offer of type `t`.
    fn ready_for(&self, t: OfferType) -> Option<NaiveDate> {
        match t {
            OfferType::Job => Some(self.created),
            OfferType::PracticalPlacement => self.adaptation.map(|d| d.max(self.created)),
            OfferType::SePracticalService => self.swedish_case.map(|d| d.max(self.created)),
        }
    }
}

/// A referral to be inserted.
struct ReferralPlan {
    /// Index into the candidates.
    cand: usize,
    status: ReferralStatus,
    reason: Option<String>,
    created: NaiveDate,
    /// The day of the last change.
    updated: NaiveDate,
    /// The day the employer accepted (for ACCEPTED and HIRED).
    accepted: NaiveDate,
    version: i32,
}

/// An offer to be inserted, with its referrals.
struct OfferPlan {
    employer: i64,
    employer_type: Option<EmployerType>,
    offer_type: OfferType,
    title: String,
    professions: &'static [&'static str],
    region: String,
    state: String,
    city: String,
    swedish: bool,
    start: NaiveDate,
    months: i32,
    slots: i32,
    language: Option<LanguageLevel>,
    supervisor: Option<&'static str>,
    supervision_hours: Option<i32>,
    salary: Option<(i64, i64)>,
    created: NaiveDate,
    referrals: Vec<ReferralPlan>,
}

impl OfferPlan {
    fn taken(&self) -> i32 {
        self.referrals
            .iter()
            .filter(|r| r.status.holds_slot())
            .count() as i32
    }

    /// Whether `c` could have been referred to the offer by `by`.
    fn fits(&self, c: &Cand, by: NaiveDate) -> bool {
        c.state == self.state
            && self.professions.contains(&c.profession.as_str())
            && self
                .language
                .is_none_or(|needed| c.level.is_some_and(|has| has >= needed))
            && c.ready_for(self.offer_type).is_some_and(|d| d <= by)
    }
}

/// One step of an application's timeline.
struct Step {
    day: NaiveDate,
    from: Option<ApplicationStatus>,
    to: ApplicationStatus,
    amount: Option<i64>,
    by: i64,
    note: Option<String>,
}

/// An application to be inserted.
struct ApplicationPlan {
    programme: i64,
    /// Index of the offer.
    offer: usize,
    employer: i64,
    candidate: i64,
    status: ApplicationStatus,
    months: i32,
    /// The programme's currency.
    currency: String,
    salary: i64,
    fee: i64,
    other: Vec<StoredCost>,
    requested: i64,
    granted: Option<i64>,
    paid: i64,
    note: Option<String>,
    submitted_on: Option<NaiveDate>,
    decided_on: Option<NaiveDate>,
    follow_up_due_on: Option<NaiveDate>,
    months_completed: Option<i32>,
    outcome: Option<FollowUpOutcome>,
    follow_up_on: Option<NaiveDate>,
    paid_on: Option<NaiveDate>,
    steps: Vec<Step>,
}

impl ApplicationPlan {
    /// What the application holds of its programme's budget.
    fn committed(&self) -> i64 {
        match self.status {
            ApplicationStatus::Granted | ApplicationStatus::PartiallyGranted => {
                self.granted.unwrap_or(0)
            }
            ApplicationStatus::FollowUpDue | ApplicationStatus::Closed => self.paid,
            _ => 0,
        }
    }
}

/// Where the placement of an application stands on the anchor date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Phase {
    Upcoming,
    Running,
    Ended,
}

impl Phase {
    fn of(offer: &OfferPlan, anchor: NaiveDate) -> Phase {
        if offer.start > anchor {
            Phase::Upcoming
        } else if add_months(offer.start, offer.months) < anchor - Duration::days(14) {
            Phase::Ended
        } else {
            Phase::Running
        }
    }

    /// The statuses the applications for placements in this phase take in turn: every
    /// status appears, two in three decided applications are granted, and half of those
    /// for upcoming placements wait for a decision.
    fn statuses(self) -> &'static [ApplicationStatus] {
        use ApplicationStatus::*;
        match self {
            Phase::Upcoming => &[
                Submitted,
                Granted,
                Draft,
                Rejected,
                Incomplete,
                PartiallyGranted,
                Submitted,
                Granted,
                Draft,
                Incomplete,
                Rejected,
                Granted,
            ],
            Phase::Running => &[
                Granted,
                FollowUpDue,
                Rejected,
                PartiallyGranted,
                FollowUpDue,
                Rejected,
            ],
            Phase::Ended => &[Closed, Rejected, FollowUpDue, Closed, Closed, Rejected],
        }
    }
}

/// A funding programme as inserted, with what the demo knows about it.
struct Programme {
    model: funding_programme::Model,
    professions: &'static [&'static str],
    swedish: bool,
}

/// Inserts the demo offers, referrals, programmes and applications into a directory,
/// case file and seats that are present.
pub(super) async fn insert(
    txn: &DatabaseTransaction,
    rng: &mut ChaCha8Rng,
    anchor: NaiveDate,
) -> AppResult<()> {
    let regions: HashMap<String, region::Model> = region::Entity::find()
        .all(txn)
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let state_of = |code: &str| -> String {
        match regions.get(code) {
            Some(r) if r.level == RegionLevel::District => {
                r.parent_code.clone().unwrap_or_else(|| code.to_owned())
            }
            _ => code.to_owned(),
        }
    };
    let orgs = organisation::Entity::find()
        .order_by_asc(organisation::Column::Id)
        .all(txn)
        .await?;
    let swedish_authorities: HashSet<i64> = orgs
        .iter()
        .filter(|o| o.region_code.starts_with("SE"))
        .map(|o| o.id)
        .collect();

    // Candidates with the facts of their cases.
    let cases = recognition_case::Entity::find()
        .order_by_asc(recognition_case::Column::Id)
        .all(txn)
        .await?;
    let case_owner: HashMap<i64, i64> = cases.iter().map(|k| (k.id, k.candidate_id)).collect();
    let mut adaptation: HashMap<i64, NaiveDate> = HashMap::new();
    for d in decision::Entity::find()
        .order_by_asc(decision::Column::Id)
        .all(txn)
        .await?
    {
        let measures: Vec<CompensatoryMeasure> =
            serde_json::from_value(d.measures).unwrap_or_default();
        if let Some(c) = case_owner.get(&d.case_id)
            && measures.contains(&CompensatoryMeasure::AdaptationCourse)
        {
            let since = adaptation.entry(*c).or_insert(d.decided_on);
            *since = (*since).min(d.decided_on);
        }
    }
    let mut swedish_case: HashMap<i64, NaiveDate> = HashMap::new();
    for k in cases.iter().filter(|k| {
        swedish_authorities.contains(&k.authority_id)
            && !matches!(k.status, CaseStatus::Rejected | CaseStatus::Withdrawn)
    }) {
        let since = swedish_case.entry(k.candidate_id).or_insert(k.submitted_on);
        *since = (*since).min(k.submitted_on);
    }
    let third_country: HashSet<i64> = cases
        .iter()
        .filter(|k| k.origin == CaseOrigin::ThirdCountry)
        .map(|k| k.candidate_id)
        .collect();
    let cands: Vec<Cand> = candidate::Entity::find()
        .filter(candidate::Column::Code.starts_with(super::case_file::CODE_PREFIX))
        .filter(candidate::Column::ErasedAt.is_null())
        .order_by_asc(candidate::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .map(|c| Cand {
            id: c.id,
            advisory: c.advisory_id,
            state: state_of(&c.region_code),
            created: c.created_at.date_naive(),
            adaptation: adaptation.get(&c.id).copied(),
            swedish_case: swedish_case.get(&c.id).copied(),
            third_country: third_country.contains(&c.id),
            profession: c.profession_key,
            level: c.language_level,
        })
        .collect();

    // Funding programmes: one of every funder.
    let year = anchor.year();
    let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d).unwrap_or(anchor);
    let mut programmes: Vec<Programme> = Vec::new();
    for funder in orgs.iter().filter(|o| o.kind == OrganisationKind::Funder) {
        let swedish = funder.region_code.starts_with("SE");
        let state = state_of(&funder.region_code);
        let (name, currency, budget, cost_types, professions, origin, closes): (
            String,
            &str,
            i64,
            Vec<CostType>,
            &'static [&'static str],
            Option<CaseOrigin>,
            NaiveDate,
        ) = if swedish {
            (
                format!("Praktisk tjänstgöring för vårdpersonal utbildad utanför EU/EES {year}"),
                "SEK",
                STOCKHOLM_BUDGET_MINOR,
                vec![CostType::TraineeSalary, CostType::SupervisorFee],
                &["physician", "dentist", "nurse"],
                Some(CaseOrigin::ThirdCountry),
                day(12, 15),
            )
        } else {
            let state_name = regions
                .get(&state)
                .map_or(state.clone(), |r| r.name_de.clone());
            (
                format!("Förderung Anpassungsqualifizierung Pflege {state_name}"),
                "EUR",
                // 250,000.00 to 400,000.00 EUR in steps of 10,000.00.
                rng.random_range(25..=40) * 1_000_000,
                vec![
                    CostType::TraineeSalary,
                    CostType::CourseFee,
                    CostType::ExamFee,
                    CostType::Travel,
                ],
                &["nurse", "geriatric_nurse", "physician"],
                None,
                day(12, 31),
            )
        };
        let created = at(day(1, 1) - Duration::days(30), 9);
        let model = funding_programme::Entity::insert(funding_programme::ActiveModel {
            funder_id: Set(funder.id),
            name: Set(name),
            year: Set(year),
            currency: Set(currency.to_owned()),
            budget_minor: Set(budget),
            committed_minor: Set(0),
            paid_minor: Set(0),
            cost_types: Set(serde_json::to_value(&cost_types).unwrap_or_default()),
            origin: Set(origin),
            region_code: Set(Some(state)),
            opens_on: Set(day(1, 1)),
            closes_on: Set(closes),
            created_at: Set(created),
            updated_at: Set(created),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        funding_programme_profession::Entity::insert_many(professions.iter().map(|p| {
            funding_programme_profession::ActiveModel {
                programme_id: Set(model.id),
                profession_key: Set((*p).to_owned()),
            }
        }))
        .exec(txn)
        .await?;
        programmes.push(Programme {
            model,
            professions,
            swedish,
        });
    }

    // Offers of every employer.
    let mut offers: Vec<OfferPlan> = Vec::new();
    let mut swedish_employers = 0;
    for employer in orgs.iter().filter(|o| o.kind == OrganisationKind::Employer) {
        let swedish = employer.region_code.starts_with("SE");
        let choices = profiles(employer.employer_type, &employer.name, swedish);
        // Praktisk tjänstgöring is offered for the professions Region Stockholm funds
        // where the employer has them.
        let funded: Vec<&Profile> = choices
            .iter()
            .filter(|p| p.placement.is_some())
            .filter(|p| {
                !swedish
                    || p.professions
                        .iter()
                        .any(|k| ["physician", "dentist", "nurse"].contains(k))
            })
            .collect();
        let with_placement: Vec<&Profile> = if funded.is_empty() {
            choices.iter().filter(|p| p.placement.is_some()).collect()
        } else {
            funded
        };
        let n = if swedish { 3 } else { rng.random_range(1..=3) };
        for i in 0..n {
            let (offer_type, chosen) = if swedish {
                // The previous intake and the next one, and a job or another intake.
                if i < 2 || rng.random_bool(0.6) {
                    (
                        OfferType::SePracticalService,
                        with_placement.choose(rng).copied(),
                    )
                } else {
                    (OfferType::Job, choices.choose(rng))
                }
            } else {
                let p = choices.choose(rng);
                match p {
                    Some(p) if p.placement.is_some() && rng.random_bool(0.5) => {
                        (OfferType::PracticalPlacement, Some(p))
                    }
                    _ => (OfferType::Job, p),
                }
            };
            let Some(chosen) = chosen else {
                continue;
            };
            let main = chosen.professions.first().copied().unwrap_or("nurse");
            let (start, months) = match offer_type {
                // Two in three previous intakes are over, the others still running;
                // their applications fall in the programme's year.
                OfferType::SePracticalService if i == 0 => {
                    swedish_employers += 1;
                    let ago = if swedish_employers % 3 == 0 {
                        days(rng, 120..=170)
                    } else {
                        days(rng, 200..=270)
                    };
                    ((anchor - ago).max(day(1, 1) + Duration::days(60)), 6)
                }
                OfferType::SePracticalService => (anchor + days(rng, 14..=270), 6),
                OfferType::PracticalPlacement => {
                    (anchor + days(rng, 14..=270), rng.random_range(3..=6))
                }
                OfferType::Job => (anchor + days(rng, 14..=270), 12),
            };
            let placement = offer_type != OfferType::Job;
            let title = match (offer_type, chosen.placement) {
                (OfferType::SePracticalService, Some(t)) => format!(
                    "{t} – start {} {}",
                    SE_MONTHS[start.month0() as usize % 12],
                    start.year()
                ),
                (OfferType::PracticalPlacement, Some(t)) => t.to_owned(),
                _ => chosen.job.to_owned(),
            };
            let slots = if offer_type == OfferType::SePracticalService {
                rng.random_range(3..=4)
            } else {
                rng.random_range(1..=4)
            };
            let supervision_hours = placement.then(|| rng.random_range(4..=8));
            let salary = (!placement).then(|| salary_band(rng, main, swedish));
            let created = start.min(anchor) - days(rng, 110..=180);
            offers.push(OfferPlan {
                employer: employer.id,
                employer_type: employer.employer_type,
                offer_type,
                title,
                professions: chosen.professions,
                region: employer.region_code.clone(),
                state: state_of(&employer.region_code),
                city: employer.city.clone(),
                swedish,
                start,
                months,
                slots,
                language: Some(if chosen.professions.iter().any(|p| academic(p)) {
                    LanguageLevel::C1
                } else {
                    LanguageLevel::B2
                }),
                supervisor: placement.then(|| supervisor_role(main, swedish)),
                supervision_hours,
                salary,
                created,
                referrals: Vec::new(),
            });
        }
    }

    // Referrals: candidates of the offer's state who meet its rules, those referred least
    // often first, so that a small pool spreads over the offers.
    let mut usage: Vec<u32> = vec![0; cands.len()];
    for offer in &mut offers {
        let past = offer.start <= anchor;
        // Referred at least a fortnight before an intake that started, or before the
        // anchor date.
        let by = if past {
            offer.start - Duration::days(14)
        } else {
            anchor - Duration::days(1)
        };
        let mut pool: Vec<usize> = (0..cands.len())
            .filter(|i| offer.fits(&cands[*i], by))
            .collect();
        if pool.is_empty() {
            continue;
        }
        pool.shuffle(rng);
        // Region Stockholm funds training from third countries: employers of praktisk
        // tjänstgöring take those candidates first.
        let preferred =
            |i: usize| offer.offer_type != OfferType::SePracticalService || cands[i].third_country;
        pool.sort_by_key(|i| usage[*i] + if preferred(*i) { 0 } else { 2 });
        if past {
            // An intake that started took as many as it found.
            offer.slots = offer.slots.min(pool.len() as i32);
        }
        let holders = match offer.offer_type {
            OfferType::SePracticalService if past => offer.slots,
            // Most intakes are full, a few have a place left.
            OfferType::SePracticalService if rng.random_bool(0.75) => offer.slots,
            OfferType::SePracticalService => offer.slots - 1,
            // Not every offer has been referred to yet.
            OfferType::PracticalPlacement if rng.random_bool(0.1) => continue,
            OfferType::PracticalPlacement => rng.random_range(1..=offer.slots),
            OfferType::Job if rng.random_bool(0.3) => continue,
            OfferType::Job => rng.random_range(0..=offer.slots.min(2)),
        };
        let holders = (holders.max(0) as usize).min(pool.len());
        let (waiting, declined) = if past {
            (0, usize::from(rng.random_bool(0.3)))
        } else {
            (rng.random_range(0..=2), usize::from(rng.random_bool(0.4)))
        };
        let declined_texts = if offer.swedish {
            SE_DECLINED
        } else {
            DE_DECLINED
        };
        for (n, &i) in pool.iter().take(holders + waiting + declined).enumerate() {
            usage[i] += 1;
            // Not before the candidate's stage admits the offer.
            let ready = cands[i].ready_for(offer.offer_type).unwrap_or(by) + Duration::days(1);
            let (created, accepted) = if past {
                let created = (offer.start - days(rng, 60..=100)).max(ready);
                (created, (created + days(rng, 3..=12)).min(offer.start))
            } else {
                let created = (anchor - days(rng, 20..=100)).max(ready).min(anchor);
                (created, (created + days(rng, 2..=12)).min(anchor))
            };
            let plan = if n < holders {
                // A past intake has started; a job starting soon may be signed already.
                let hired = past
                    || (offer.offer_type != OfferType::SePracticalService
                        && offer.start <= anchor + Duration::days(60)
                        && rng.random_bool(0.5));
                ReferralPlan {
                    cand: i,
                    status: if hired {
                        ReferralStatus::Hired
                    } else {
                        ReferralStatus::Accepted
                    },
                    reason: None,
                    created,
                    updated: if past {
                        offer.start
                    } else if hired {
                        (accepted + days(rng, 1..=10)).min(anchor)
                    } else {
                        accepted
                    },
                    accepted,
                    version: if hired { 3 } else { 2 },
                }
            } else if n < holders + waiting {
                ReferralPlan {
                    cand: i,
                    status: ReferralStatus::Referred,
                    reason: None,
                    created,
                    updated: created,
                    accepted: created,
                    version: 1,
                }
            } else {
                ReferralPlan {
                    cand: i,
                    status: ReferralStatus::Declined,
                    reason: Some(pick(rng, declined_texts).to_owned()),
                    created,
                    updated: accepted,
                    accepted,
                    version: 2,
                }
            };
            offer.referrals.push(plan);
        }
    }

    // Applications: for the practical placements of accepted candidates whom a programme
    // of the placement's state funds.
    let mut applications: Vec<ApplicationPlan> = Vec::new();
    for programme in &programmes {
        let p = &programme.model;
        let state = p.region_code.clone().unwrap_or_default();
        let mut eligible: Vec<(usize, usize)> = Vec::new();
        for (o, offer) in offers.iter().enumerate() {
            if offer.offer_type == OfferType::Job || offer.state != state {
                continue;
            }
            for (r, referral) in offer.referrals.iter().enumerate() {
                let c = &cands[referral.cand];
                if referral.status.holds_slot()
                    && programme.professions.contains(&c.profession.as_str())
                    && (p.origin != Some(CaseOrigin::ThirdCountry) || c.third_country)
                {
                    eligible.push((o, r));
                }
            }
        }
        // Every placement of praktisk tjänstgöring applies; a handful in Germany.
        let wanted = if programme.swedish {
            eligible.len()
        } else {
            rng.random_range(5..=10)
        };
        let cap = p.budget_minor / 100 * COMMITTED_CAP_PERCENT;
        let mut committed = 0;
        let mut turns: HashMap<Phase, usize> = HashMap::new();
        let first_turn = rng.random_range(0..12);
        for (o, r) in eligible.into_iter().take(wanted) {
            let offer = &offers[o];
            let referral = &offer.referrals[r];
            let phase = Phase::of(offer, anchor);
            let turn = turns.entry(phase).or_insert(first_turn);
            let statuses = phase.statuses();
            let status = statuses[*turn % statuses.len()];
            *turn += 1;
            let plan = application(
                rng,
                programme,
                offer,
                referral,
                &cands[referral.cand],
                o,
                anchor,
                status,
                cap - committed,
            );
            committed += plan.committed();
            applications.push(plan);
        }
    }

    // Consents: the PLACEMENT consent of every referral, the FUNDING consent of every
    // application; a live one is reused.
    let mut live: HashMap<(i64, i64, ConsentPurpose), i64> = HashMap::new();
    for c in consent::Entity::find()
        .filter(consent::Column::RevokedAt.is_null())
        .order_by_asc(consent::Column::Id)
        .all(txn)
        .await?
    {
        live.entry((c.candidate_id, c.organisation_id, c.purpose))
            .or_insert(c.id);
    }
    // New consents in the order first wanted, each granted before its first use.
    let mut wanted: Vec<((i64, i64, ConsentPurpose), DateTime<Utc>)> = Vec::new();
    let mut pending: HashMap<(i64, i64, ConsentPurpose), usize> = HashMap::new();
    let mut want = |key: (i64, i64, ConsentPurpose), granted: DateTime<Utc>| {
        if live.contains_key(&key) {
            return;
        }
        match pending.get(&key) {
            Some(&n) => wanted[n].1 = wanted[n].1.min(granted),
            None => {
                pending.insert(key, wanted.len());
                wanted.push((key, granted));
            }
        }
    };
    for offer in &offers {
        for r in &offer.referrals {
            want(
                (cands[r.cand].id, offer.employer, ConsentPurpose::Placement),
                at(r.created, 9),
            );
        }
    }
    let funder_of: HashMap<i64, i64> = programmes
        .iter()
        .map(|p| (p.model.id, p.model.funder_id))
        .collect();
    for a in &applications {
        let first = a.steps.first().map_or(anchor, |s| s.day);
        if let Some(funder) = funder_of.get(&a.programme) {
            want(
                (a.candidate, *funder, ConsentPurpose::Funding),
                at(first - Duration::days(1), 9),
            );
        }
    }
    for chunk in wanted.chunks(500) {
        let rows = chunk.iter().map(|(key, granted)| consent::ActiveModel {
            candidate_id: Set(key.0),
            organisation_id: Set(key.1),
            purpose: Set(key.2),
            granted_at: Set(*granted),
            revoked_at: Set(None),
            ..Default::default()
        });
        for c in consent::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await?
        {
            live.insert((c.candidate_id, c.organisation_id, c.purpose), c.id);
        }
    }

    // Offers and their referrals.
    let mut offer_ids: Vec<i64> = Vec::with_capacity(offers.len());
    for offer in &offers {
        let taken = offer.taken();
        let last_change = offer
            .referrals
            .iter()
            .filter(|r| r.status.holds_slot())
            .map(|r| r.accepted)
            .max()
            .unwrap_or(offer.created);
        let row = placement_offer::Entity::insert(placement_offer::ActiveModel {
            employer_id: Set(offer.employer),
            offer_type: Set(offer.offer_type),
            title: Set(offer.title.clone()),
            employer_type: Set(offer.employer_type),
            region_code: Set(offer.region.clone()),
            city: Set(offer.city.clone()),
            start_date: Set(offer.start),
            duration_months: Set(offer.months),
            slots: Set(offer.slots),
            slots_taken: Set(taken),
            language_level: Set(offer.language),
            supervisor_role: Set(offer.supervisor.map(str::to_owned)),
            supervision_hours: Set(offer.supervision_hours),
            salary_min_minor: Set(offer.salary.map(|s| s.0)),
            salary_max_minor: Set(offer.salary.map(|s| s.1)),
            currency: Set(offer
                .salary
                .map(|_| if offer.swedish { "SEK" } else { "EUR" }.to_owned())),
            status: Set(if taken >= offer.slots {
                OfferStatus::Filled
            } else {
                OfferStatus::Open
            }),
            closing_reason: Set(None),
            created_at: Set(at(offer.created, 8)),
            updated_at: Set(at(last_change, 16)),
            version: Set(1),
            ..Default::default()
        })
        .exec_with_returning(txn)
        .await?;
        offer_ids.push(row.id);
    }
    placement_offer_profession::Entity::insert_many(offers.iter().zip(&offer_ids).flat_map(
        |(offer, id)| {
            offer
                .professions
                .iter()
                .map(|p| placement_offer_profession::ActiveModel {
                    offer_id: Set(*id),
                    profession_key: Set((*p).to_owned()),
                })
        },
    ))
    .exec(txn)
    .await?;
    let mut referral_rows: Vec<referral::ActiveModel> = Vec::new();
    for (offer, id) in offers.iter().zip(&offer_ids) {
        for r in &offer.referrals {
            let c = &cands[r.cand];
            let Some(consent_id) = live
                .get(&(c.id, offer.employer, ConsentPurpose::Placement))
                .copied()
            else {
                continue;
            };
            referral_rows.push(referral::ActiveModel {
                offer_id: Set(*id),
                candidate_id: Set(c.id),
                referred_by: Set(c.advisory),
                consent_id: Set(Some(consent_id)),
                status: Set(r.status),
                reason: Set(r.reason.clone()),
                created_at: Set(at(r.created, 10)),
                updated_at: Set(at(r.updated, 15)),
                version: Set(r.version),
                ..Default::default()
            });
        }
    }
    // Each candidate is referred to an offer once: (candidate, offer) names a referral.
    let mut referral_ids: HashMap<(i64, i64), i64> = HashMap::new();
    for chunk in referral_rows.chunks(500) {
        for r in referral::Entity::insert_many(chunk.to_vec())
            .exec_with_returning(txn)
            .await?
        {
            referral_ids.insert((r.candidate_id, r.offer_id), r.id);
        }
    }

    // Applications with their timelines, and the programmes' budgets.
    let mut committed: HashMap<i64, (i64, i64, NaiveDate)> = HashMap::new();
    for chunk in applications.chunks(200) {
        let mut rows = Vec::with_capacity(chunk.len());
        for a in chunk {
            let Some(referral_id) = referral_ids
                .get(&(a.candidate, offer_ids[a.offer]))
                .copied()
            else {
                continue;
            };
            let first = a.steps.first().map_or(anchor, |s| s.day);
            let last = a.steps.last().map_or(anchor, |s| s.day);
            let entry = committed.entry(a.programme).or_insert((0, 0, first));
            entry.0 += a.committed();
            entry.1 += a.paid;
            entry.2 = entry.2.max(last);
            rows.push(funding_application::ActiveModel {
                programme_id: Set(a.programme),
                employer_id: Set(a.employer),
                candidate_id: Set(a.candidate),
                referral_id: Set(referral_id),
                status: Set(a.status),
                months: Set(a.months),
                currency: Set(a.currency.clone()),
                monthly_salary_minor: Set(a.salary),
                monthly_supervisor_fee_minor: Set(a.fee),
                other_costs: Set(serde_json::to_value(&a.other).unwrap_or_default()),
                requested_minor: Set(a.requested),
                granted_minor: Set(a.granted),
                paid_minor: Set(a.paid),
                note: Set(a.note.clone()),
                submitted_on: Set(a.submitted_on),
                decided_on: Set(a.decided_on),
                follow_up_due_on: Set(a.follow_up_due_on),
                months_completed: Set(a.months_completed),
                outcome: Set(a.outcome),
                follow_up_on: Set(a.follow_up_on),
                paid_on: Set(a.paid_on),
                created_at: Set(at(first, 9)),
                updated_at: Set(at(last, 9 + a.steps.len() as u32)),
                version: Set(a.steps.len() as i32),
                ..Default::default()
            });
        }
        if rows.is_empty() {
            continue;
        }
        let inserted = funding_application::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await?;
        let by_referral: HashMap<i64, i64> =
            inserted.iter().map(|a| (a.referral_id, a.id)).collect();
        let mut events = Vec::new();
        for a in chunk {
            let Some(id) = referral_ids
                .get(&(a.candidate, offer_ids[a.offer]))
                .and_then(|r| by_referral.get(r))
            else {
                continue;
            };
            events.extend(a.steps.iter().enumerate().map(|(n, s)| {
                funding_application_event::ActiveModel {
                    application_id: Set(*id),
                    at: Set(at(s.day, 9 + n as u32)),
                    from_status: Set(s.from),
                    to_status: Set(s.to),
                    amount_minor: Set(s.amount),
                    organisation_id: Set(Some(s.by)),
                    client_id: Set(None),
                    note: Set(s.note.clone()),
                    ..Default::default()
                }
            }));
        }
        for events in events.chunks(500) {
            funding_application_event::Entity::insert_many(events.to_vec())
                .exec(txn)
                .await?;
        }
    }
    for p in &programmes {
        if let Some((committed, paid, last)) = committed.get(&p.model.id) {
            funding_programme::Entity::update_many()
                .col_expr(
                    funding_programme::Column::CommittedMinor,
                    (*committed).into(),
                )
                .col_expr(funding_programme::Column::PaidMinor, (*paid).into())
                .col_expr(funding_programme::Column::UpdatedAt, at(*last, 17).into())
                .filter(funding_programme::Column::Id.eq(p.model.id))
                .exec(txn)
                .await?;
        }
    }

    // A few candidates would move or commute to a neighbouring state.
    let mut accepted_regions = Vec::new();
    for c in &cands {
        let options = neighbours(&c.state);
        if options.is_empty() || !rng.random_bool(0.08) {
            continue;
        }
        let n = rng.random_range(1..=2usize).min(options.len());
        for code in options.choose_multiple(rng, n) {
            accepted_regions.push(candidate_region::ActiveModel {
                candidate_id: Set(c.id),
                region_code: Set((*code).to_owned()),
            });
        }
    }
    if !accepted_regions.is_empty() {
        candidate_region::Entity::insert_many(accepted_regions)
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Plans the application for an accepted referral: its costs, dates and timeline, and
/// its `status` if what it would hold of the budget fits in `room` (otherwise it waits
/// for a decision, or was rejected).
#[allow(clippy::too_many_arguments)]
fn application(
    rng: &mut ChaCha8Rng,
    programme: &Programme,
    offer: &OfferPlan,
    referral: &ReferralPlan,
    cand: &Cand,
    offer_index: usize,
    anchor: NaiveDate,
    status: ApplicationStatus,
    room: i64,
) -> ApplicationPlan {
    use ApplicationStatus::*;
    let swedish = programme.swedish;
    let funder = programme.model.funder_id;
    let employer = offer.employer;
    let phase = Phase::of(offer, anchor);

    // The costs.
    let months = offer.months;
    let (salary, fee, other) = if swedish {
        // 30,000 to 38,000 SEK a month, the supervisor 4,000 to 6,000 SEK.
        (
            rng.random_range(300..=380) * 10_000,
            rng.random_range(40..=60) * 10_000,
            Vec::new(),
        )
    } else {
        // 2,300 to 2,900 EUR a month, the course, often the exam, sometimes travel.
        let mut other = vec![StoredCost {
            cost_type: CostType::CourseFee,
            amount_minor: rng.random_range(24..=48) * 10_000,
        }];
        if rng.random_bool(0.5) {
            other.push(StoredCost {
                cost_type: CostType::ExamFee,
                amount_minor: rng.random_range(25..=60) * 1_000,
            });
        }
        if rng.random_bool(0.4) {
            other.push(StoredCost {
                cost_type: CostType::Travel,
                amount_minor: rng.random_range(15..=60) * 1_000,
            });
        }
        (rng.random_range(46..=58) * 5_000, 0, other)
    };
    let requested =
        i64::from(months) * (salary + fee) + other.iter().map(|c| c.amount_minor).sum::<i64>();

    // The amounts, and the status within the budget's room.
    let mut status = status;
    let partial = match status {
        PartiallyGranted => true,
        FollowUpDue | Closed => rng.random_bool(0.25),
        _ => false,
    };
    // Whole thousands (SEK or EUR) below what was requested.
    let granted = if partial {
        (requested * rng.random_range(60..=90) / 100 / 100_000 * 100_000).max(100_000)
    } else {
        requested
    };
    let outcome = (status == Closed).then(|| match rng.random_range(0..100) {
        0..40 => FollowUpOutcome::Completed,
        40..85 => FollowUpOutcome::LicenceObtained,
        _ => FollowUpOutcome::Aborted,
    });
    let months_completed = outcome.map(|o| {
        if o == FollowUpOutcome::Aborted {
            rng.random_range(1..months.max(2))
        } else {
            months
        }
    });
    // An aborted placement is paid for the months it lasted.
    let paid = match (status, months_completed) {
        (Closed, Some(done)) if done < months => {
            granted * i64::from(done) / i64::from(months) / 10_000 * 10_000
        }
        (Closed | FollowUpDue, _) => granted,
        _ => 0,
    };
    let holds = match status {
        Granted | PartiallyGranted => granted,
        FollowUpDue | Closed => paid,
        _ => 0,
    };
    if holds > room {
        status = if phase == Phase::Upcoming {
            Submitted
        } else {
            Rejected
        };
    }

    // The timeline, from the days after the employer accepted the candidate: written and
    // submitted within the application window, nothing after the anchor date.
    let window_end = programme.model.closes_on.min(anchor);
    let mut day = (referral.accepted + days(rng, 1..=6))
        .max(programme.model.opens_on)
        .min(window_end);
    let next = |rng: &mut ChaCha8Rng, day: &mut NaiveDate, range, until: NaiveDate| {
        *day = (*day + days(rng, range)).min(until).max(*day);
        *day
    };
    let mut steps: Vec<Step> = Vec::new();
    let mut plan = ApplicationPlan {
        programme: programme.model.id,
        offer: offer_index,
        employer,
        candidate: cand.id,
        status,
        months,
        currency: programme.model.currency.clone(),
        salary,
        fee,
        other,
        requested,
        granted: None,
        paid: 0,
        note: None,
        submitted_on: None,
        decided_on: None,
        follow_up_due_on: None,
        months_completed: None,
        outcome: None,
        follow_up_on: None,
        paid_on: None,
        steps: Vec::new(),
    };
    let step = |steps: &mut Vec<Step>,
                day: NaiveDate,
                to: ApplicationStatus,
                amount: Option<i64>,
                by: i64,
                note: Option<String>| {
        let from = steps.last().map(|s: &Step| s.to);
        steps.push(Step {
            day,
            from,
            to,
            amount,
            by,
            note,
        });
    };
    if status == Draft {
        step(&mut steps, day, Draft, Some(requested), employer, None);
        plan.steps = steps;
        return plan;
    }
    if rng.random_bool(0.5) {
        step(&mut steps, day, Draft, Some(requested), employer, None);
        let d = next(rng, &mut day, 0..=6, window_end);
        step(&mut steps, d, Submitted, None, employer, None);
    } else {
        step(&mut steps, day, Submitted, Some(requested), employer, None);
    }
    plan.submitted_on = Some(day);
    let missing = if swedish { SE_MISSING } else { DE_MISSING };
    let round_trip = status == Incomplete || (status != Submitted && rng.random_bool(0.25));
    if round_trip || (status == Submitted && rng.random_bool(0.25)) {
        let note = pick(rng, missing).to_owned();
        let d = next(rng, &mut day, 5..=15, window_end);
        step(&mut steps, d, Incomplete, None, funder, Some(note.clone()));
        plan.note = Some(note);
        if status == Incomplete {
            plan.steps = steps;
            return plan;
        }
        // Rejected straight from INCOMPLETE now and then; otherwise completed.
        if !(status == Rejected && rng.random_bool(0.5)) {
            let d = next(rng, &mut day, 4..=12, window_end);
            step(&mut steps, d, Submitted, None, employer, None);
            plan.submitted_on = Some(day);
        }
    }
    if status == Submitted {
        plan.steps = steps;
        return plan;
    }
    let decided = next(rng, &mut day, 10..=30, anchor);
    plan.decided_on = Some(decided);
    if status == Rejected {
        let reason = pick(rng, if swedish { SE_REJECTED } else { DE_REJECTED }).to_owned();
        step(
            &mut steps,
            decided,
            Rejected,
            None,
            funder,
            Some(reason.clone()),
        );
        plan.note = Some(reason);
        plan.steps = steps;
        return plan;
    }
    let grant_status = if granted < requested {
        PartiallyGranted
    } else {
        Granted
    };
    step(
        &mut steps,
        decided,
        grant_status,
        Some(granted),
        funder,
        None,
    );
    plan.note = None;
    plan.granted = Some(granted);
    plan.follow_up_due_on = plan.submitted_on.map(|s| add_months(s, months));
    if matches!(status, Granted | PartiallyGranted) {
        plan.status = grant_status;
        plan.steps = steps;
        return plan;
    }
    // Paid after the placement (or its early end); in advance while it runs.
    let paid_day = match (phase, months_completed) {
        (Phase::Running, _) | (Phase::Upcoming, _) => next(rng, &mut day, 5..=30, anchor),
        (Phase::Ended, done) => {
            let over = add_months(offer.start, done.unwrap_or(months));
            day = day.max(over.min(anchor));
            next(rng, &mut day, 5..=25, anchor)
        }
    };
    step(&mut steps, paid_day, FollowUpDue, Some(paid), funder, None);
    plan.paid = paid;
    plan.paid_on = Some(paid_day);
    if status == FollowUpDue {
        plan.steps = steps;
        return plan;
    }
    let done = months_completed.unwrap_or(months);
    let outcome = outcome.unwrap_or(FollowUpOutcome::Completed);
    let filed = next(rng, &mut day, 7..=40, anchor);
    step(
        &mut steps,
        filed,
        Closed,
        None,
        employer,
        Some(format!(
            "{}, {done} of {months} months",
            crate::service::validation::value_name(&outcome)
        )),
    );
    plan.months_completed = Some(done);
    plan.outcome = Some(outcome);
    plan.follow_up_on = Some(filed);
    plan.steps = steps;
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Iterable;

    /// The keys (first column) of a reference data file.
    fn keys(csv: &'static str) -> HashSet<&'static str> {
        csv.lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .filter_map(|l| l.split(';').next())
            .collect()
    }

    #[test]
    fn profiles_and_neighbours_name_reference_data() {
        let professions = keys(include_str!("../../migration/data/professions.csv"));
        let regions = keys(include_str!("../../migration/data/regions.csv"));
        let funded = ["physician", "dentist", "nurse"];
        for swedish in [false, true] {
            for t in EmployerType::iter() {
                for name in [
                    "Zahnarztpraxis",
                    "Praxis für Physiotherapie",
                    "Hausarztpraxis",
                ] {
                    let choices = profiles(Some(t), name, swedish);
                    assert!(!choices.is_empty());
                    for p in choices {
                        assert!(p.professions.iter().all(|k| professions.contains(k)));
                    }
                    // Every Swedish employer offers praktisk tjänstgöring Region Stockholm funds.
                    assert!(
                        !swedish
                            || choices.iter().any(|p| {
                                p.placement.is_some()
                                    && p.professions.iter().any(|k| funded.contains(k))
                            })
                    );
                }
            }
        }
        for state in ["DE-SN", "DE-MV", "DE-HE", "SE-AB"] {
            assert!(regions.contains(state));
            assert!(neighbours(state).iter().all(|r| regions.contains(r)));
        }
    }
}
