//! The demo network: a believable set of partners, courses and runs in Sachsen,
//! Mecklenburg-Vorpommern, Hessen and Region Stockholm, generated deterministically from
//! a seed (the same seed, scale and anchor date give the same rows), loaded once.
//!
//! Demo data is a command (`demo-data`, `serve --demo`), never a migration.

mod case_file;
mod names;
mod placements;
mod seats;

use crate::config::DemoArgs;
use crate::error::{AppError, AppResult};
use crate::service::clients::hash_secret;
use crate::service::organisations::search_text;
use chrono::{Duration, NaiveDate, Utc};
use entity::course::CourseType;
use entity::course_run::{CourseFormat, FundingOption, RunStatus, Schedule};
use entity::enums::LanguageLevel;
use entity::organisation::{EmployerType, OrganisationKind};
use entity::{course, course_profession, course_run, hub_meta, organisation, partner_client};
use names::{CourseTemplate, NETWORKS};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::collections::HashMap;

/// Demo clients: one per kind of partner (acting for the demo organisation
/// [`acting_for`] picks) and one operator client, with the scopes such a partner would
/// get.
pub const DEMO_CLIENTS: [(Option<OrganisationKind>, &str); 11] = [
    (
        Some(OrganisationKind::School),
        "courses:write candidates:read candidates:pii",
    ),
    (
        Some(OrganisationKind::Provider),
        "courses:write candidates:read candidates:pii",
    ),
    (
        Some(OrganisationKind::Authority),
        "cases:read cases:write candidates:read candidates:pii exams:write events:register consultations:write",
    ),
    (
        Some(OrganisationKind::Chamber),
        "cases:read events:write exams:write candidates:read candidates:pii consultations:write",
    ),
    (
        Some(OrganisationKind::ExamOffice),
        "cases:read events:write exams:write candidates:read candidates:pii",
    ),
    (
        Some(OrganisationKind::Advisory),
        "candidates:read candidates:write candidates:pii cases:read enrolments:write requests:write events:write events:register consultations:write",
    ),
    (
        Some(OrganisationKind::Employer),
        "candidates:read candidates:pii placements:write funding:apply events:register consultations:write",
    ),
    (
        Some(OrganisationKind::Funder),
        "candidates:read funding:decide stats:read",
    ),
    (
        Some(OrganisationKind::JobAgency),
        "stats:read events:register consultations:write",
    ),
    (
        Some(OrganisationKind::Municipality),
        "stats:read requests:write events:register",
    ),
    (None, "admin"),
];

/// The demo organisation the client of `kind` acts for: the first of that kind, except
/// that the funder's client is Region Stockholm's (the first Swedish funder), whose
/// programme for praktisk tjänstgöring carries the demo's applications.
fn acting_for(organisations: &[OrgSeed], kind: OrganisationKind) -> Option<usize> {
    let of_kind = |o: &&OrgSeed| o.kind == kind;
    let preferred = (kind == OrganisationKind::Funder)
        .then(|| organisations.iter().position(|o| of_kind(&o) && o.swedish))
        .flatten();
    preferred.or_else(|| organisations.iter().position(|o| of_kind(&o)))
}

/// The credentials of a demo client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoClient {
    pub client_id: String,
    pub secret: String,
    pub scopes: &'static str,
    pub kind: Option<OrganisationKind>,
}

/// The demo clients for `seed`. Their secrets derive from the seed so that `serve
/// --demo` can print them on every start; they protect demo data only.
pub fn demo_clients(seed: u64) -> Vec<DemoClient> {
    use base64::Engine;
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6b6e_6f74_656e_7075);
    DEMO_CLIENTS
        .iter()
        .map(|(kind, scopes)| {
            let name = kind
                .map(|k| k.to_value().to_lowercase().replace('_', "-"))
                .unwrap_or_else(|| "admin".into());
            let mut secret = [0u8; 24];
            rng.fill(&mut secret);
            DemoClient {
                client_id: format!("demo-{name}"),
                secret: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
                scopes,
                kind: *kind,
            }
        })
        .collect()
}

/// The `hub_meta` key recording that the demo directory is present, and the settings
/// it was generated with.
pub const META_KEY: &str = "demo_data";

/// The generator settings of a demo network: the same settings give the same rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoNetwork {
    pub seed: u64,
    pub scale: u32,
    pub anchor: NaiveDate,
}

impl DemoNetwork {
    /// The value stored under [`META_KEY`].
    fn marker(&self) -> String {
        format!(
            "seed={} scale={} anchor={}",
            self.seed, self.scale, self.anchor
        )
    }

    /// Reads a value written by `marker`.
    fn parse(value: &str) -> Option<DemoNetwork> {
        let field = |name: &str| {
            value
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
        };
        Some(DemoNetwork {
            seed: field("seed")?.parse().ok()?,
            scale: field("scale")?.parse().ok()?,
            anchor: field("anchor")?.parse().ok()?,
        })
    }
}

impl std::fmt::Display for DemoNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {}, scale {}, anchored {}",
            self.seed, self.scale, self.anchor
        )
    }
}

/// What `load` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoOutcome {
    /// Rows were inserted: the whole network, or the parts that were missing.
    Loaded {
        network: DemoNetwork,
        summary: DemoSummary,
    },
    /// The whole network was already present; nothing was inserted.
    AlreadyPresent(DemoNetwork),
}

impl DemoOutcome {
    /// The network the database holds now.
    pub fn network(&self) -> DemoNetwork {
        match self {
            DemoOutcome::Loaded { network, .. } | DemoOutcome::AlreadyPresent(network) => *network,
        }
    }
}

/// How many rows `load` inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub organisations: usize,
    pub clients: usize,
    pub courses: usize,
    pub course_runs: usize,
    pub candidates: usize,
    pub cases: usize,
    pub exam_sessions: usize,
    pub enrolments: usize,
}

/// One generated organisation.
struct OrgSeed {
    kind: OrganisationKind,
    employer_type: Option<EmployerType>,
    name: String,
    city: &'static str,
    postal_code: &'static str,
    region: &'static str,
    street: String,
    swedish: bool,
    /// Index of the network in `names::NETWORKS`.
    network: usize,
}

/// One generated course with its runs; `provider` indexes the organisation list.
struct CourseSeed {
    provider: usize,
    template: &'static CourseTemplate,
    bildungsgutschein: bool,
    azav: Option<(String, NaiveDate)>,
    runs: Vec<RunSeed>,
}

struct RunSeed {
    start: NaiveDate,
    end: NaiveDate,
    hours: i32,
    format: CourseFormat,
    schedule: Schedule,
    seats_min: i32,
    seats_max: i32,
    seats_taken: i32,
    cost_minor: i64,
    funding: Vec<FundingOption>,
    deadline: Option<NaiveDate>,
    rolling_entry: bool,
    status: RunStatus,
}

/// The generated network, before insertion.
struct Generated {
    organisations: Vec<OrgSeed>,
    courses: Vec<CourseSeed>,
}

fn parse_enum<T: ActiveEnum<Value = String>>(s: &str) -> T {
    // The templates are constants of this module; a typo is a bug caught by the tests.
    T::try_from_value(&s.to_owned())
        .unwrap_or_else(|_| panic!("demo template names unknown value `{s}`"))
}

fn fill(pattern: &str, city: &str, name: &str, home: &str) -> String {
    pattern
        .replace("{city}", city)
        .replace("{name}", name)
        .replace("{home}", home)
}

fn generate(seed: u64, scale: u32, anchor: NaiveDate) -> Generated {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut organisations: Vec<OrgSeed> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut push = |org: OrgSeed, organisations: &mut Vec<OrgSeed>| {
        // Names are unique so that inserted rows can be matched back to their seeds.
        let mut org = org;
        let n = seen.entry(org.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            org.name = format!("{} – Standort {}", org.name, n);
        }
        organisations.push(org);
    };
    let mut schools: Vec<usize> = Vec::new();
    let mut first_schools: Vec<usize> = Vec::new();

    for (network_index, network) in NETWORKS.into_iter().enumerate() {
        let (streets, surnames, homes) = if network.swedish {
            (names::SE_STREETS, names::SE_SURNAMES, names::SE_HOME_NAMES)
        } else {
            (names::DE_STREETS, names::DE_SURNAMES, names::DE_HOME_NAMES)
        };
        let street = |rng: &mut ChaCha8Rng| {
            let s = streets.choose(rng).copied().unwrap_or("Hauptstraße");
            format!("{s} {}", rng.random_range(1..120))
        };
        for (kind, name, place) in network.anchors {
            let p = &network.places[*place];
            let street = street(&mut rng);
            push(
                OrgSeed {
                    kind: parse_enum(kind),
                    employer_type: None,
                    name: (*name).to_owned(),
                    city: p.city,
                    postal_code: p.postal_code,
                    region: p.region,
                    street,
                    swedish: network.swedish,
                    network: network_index,
                },
                &mut organisations,
            );
        }
        let (employers, school_patterns) = if network.swedish {
            (names::SE_EMPLOYERS, names::SE_SCHOOLS)
        } else {
            (names::DE_EMPLOYERS, names::DE_SCHOOLS)
        };
        let (n_employers, n_schools) = (network.employers, network.schools);
        for _ in 0..scale {
            for _ in 0..n_employers {
                let p = network
                    .places
                    .choose(&mut rng)
                    .unwrap_or(&network.places[0]);
                let (etype, pattern) = employers.choose(&mut rng).copied().unwrap_or(employers[0]);
                let name = fill(
                    pattern,
                    p.city,
                    surnames.choose(&mut rng).unwrap_or(&""),
                    homes.choose(&mut rng).unwrap_or(&""),
                );
                let street = street(&mut rng);
                push(
                    OrgSeed {
                        kind: OrganisationKind::Employer,
                        employer_type: Some(parse_enum(etype)),
                        name,
                        city: p.city,
                        postal_code: p.postal_code,
                        region: p.region,
                        street,
                        swedish: network.swedish,
                        network: network_index,
                    },
                    &mut organisations,
                );
            }
            for i in 0..n_schools {
                // Schools sit in the larger towns, which come first in each list; the
                // first school of a network is in its largest city.
                let p = &network.places[i % network.places.len().min(5)];
                let (kind, pattern) = school_patterns
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or(school_patterns[0]);
                let name = fill(
                    pattern,
                    p.city,
                    surnames.choose(&mut rng).unwrap_or(&""),
                    "",
                );
                let street = street(&mut rng);
                if i == 0 {
                    first_schools.push(organisations.len());
                }
                schools.push(organisations.len());
                push(
                    OrgSeed {
                        kind: parse_enum(kind),
                        employer_type: None,
                        name,
                        city: p.city,
                        postal_code: p.postal_code,
                        region: p.region,
                        street,
                        swedish: network.swedish,
                        network: network_index,
                    },
                    &mut organisations,
                );
            }
        }
    }

    let mut courses = Vec::new();
    for &provider in &schools {
        let org = &organisations[provider];
        let templates = if org.swedish {
            names::SE_COURSES
        } else {
            names::DE_COURSES
        };
        let count = rng.random_range(4..=6).min(templates.len());
        let mut chosen: Vec<&'static CourseTemplate> =
            templates.choose_multiple(&mut rng, count).collect();
        // Every largest city offers knowledge-test preparation for nurses, the largest
        // group of applicants.
        let flagship = templates
            .iter()
            .find(|t| t.course_type == "KNOWLEDGE_TEST_PREP" && t.professions.contains(&"nurse"));
        if let Some(flagship) = flagship.filter(|f| {
            first_schools.contains(&provider) && !chosen.iter().any(|c| std::ptr::eq(*c, *f))
        }) {
            chosen[0] = flagship;
        }
        for template in chosen {
            courses.push(course_seed(&mut rng, provider, org, template, anchor));
        }
    }
    Generated {
        organisations,
        courses,
    }
}

fn course_seed(
    rng: &mut ChaCha8Rng,
    provider: usize,
    org: &OrgSeed,
    template: &'static CourseTemplate,
    anchor: NaiveDate,
) -> CourseSeed {
    let course_type: CourseType = parse_enum(template.course_type);
    let azav = (!org.swedish && rng.random_bool(0.6)).then(|| {
        let number = format!(
            "{}/{:04}/{}",
            &org.region[..2],
            rng.random_range(100..9999),
            anchor.format("%Y")
        );
        let until = anchor + Duration::days(rng.random_range(200..1400));
        (number, until)
    });
    let bildungsgutschein = azav.is_some();
    let n_runs = rng.random_range(2..=4);
    let mut runs: Vec<RunSeed> = (0..n_runs)
        .map(|i| {
            // About one run in ten lies in the past (running or completed); the rest
            // are spread over the next 18 months.
            let offset = if i == 0 && rng.random_bool(0.3) {
                -rng.random_range(20..200)
            } else {
                rng.random_range(7..540)
            };
            run_seed(
                rng,
                org,
                template,
                course_type,
                bildungsgutschein,
                anchor,
                offset,
            )
        })
        .collect();
    runs.sort_by_key(|r| r.start);
    CourseSeed {
        provider,
        template,
        bildungsgutschein,
        azav,
        runs,
    }
}

fn run_seed(
    rng: &mut ChaCha8Rng,
    org: &OrgSeed,
    template: &CourseTemplate,
    course_type: CourseType,
    bildungsgutschein: bool,
    anchor: NaiveDate,
    offset_days: i64,
) -> RunSeed {
    let start = anchor + Duration::days(offset_days);
    let hours = rng.random_range(template.hours.0..=template.hours.1) / 10 * 10;
    let schedule = if rng.random_bool(0.65) {
        Schedule::FullTime
    } else {
        Schedule::PartTime
    };
    let per_week = if schedule == Schedule::FullTime {
        35
    } else {
        16
    };
    let end = start + Duration::weeks(((hours + per_week - 1) / per_week) as i64);
    let format = match rng.random_range(0..100) {
        0..50 => CourseFormat::Presence,
        50..70 => CourseFormat::Blended,
        70..85 => CourseFormat::Hybrid,
        _ => CourseFormat::Online,
    };
    // Sachsen's small-group courses run from three participants.
    let seats_min = rng.random_range(3..=6);
    let seats_max = rng.random_range(10..=22);
    let seats_taken = if rng.random_bool(0.12) {
        seats_max
    } else {
        rng.random_range(0..seats_max)
    };
    let (cost_minor, funding) = if org.swedish {
        let mut f = vec![FundingOption::RegionalProgramme];
        if rng.random_bool(0.4) {
            f.push(FundingOption::Employer);
        }
        (rng.random_range(0..30) * 100_000, f)
    } else {
        let mut f = Vec::new();
        if bildungsgutschein {
            f.push(FundingOption::Bildungsgutschein);
        }
        if course_type == CourseType::LanguageCourse {
            f.push(FundingOption::Berufssprachkurs);
        }
        f.push(FundingOption::Employer);
        if rng.random_bool(0.3) {
            f.push(FundingOption::SelfPaid);
        }
        (rng.random_range(15..95) * 10_000, f)
    };
    let status = if end < anchor {
        RunStatus::Completed
    } else if start <= anchor {
        RunStatus::Running
    } else if rng.random_bool(0.03) {
        RunStatus::Cancelled
    } else if seats_taken >= seats_max {
        RunStatus::Full
    } else if offset_days <= 120 {
        RunStatus::Open
    } else {
        RunStatus::Planned
    };
    RunSeed {
        start,
        end,
        hours,
        format,
        schedule,
        seats_min,
        seats_max,
        seats_taken,
        cost_minor,
        funding,
        deadline: Some(start - Duration::days(rng.random_range(7..=28))),
        rolling_entry: course_type == CourseType::LanguageCourse && rng.random_bool(0.3),
        status,
    }
}

/// Inserts the demo network, or the parts of it that are missing, in one transaction:
/// a failure leaves no partial part behind.
///
/// The network has five parts, each in the tables of one migration: the partner
/// directory and catalogue (organisations, courses, runs), the demo clients
/// (`partner_client`), the case file (candidates, consents, cases), the seats (exam
/// sessions, enrolments) and the placements (offers, referrals, funding programmes and
/// applications). The `hub_meta` row [`META_KEY`] records the directory and the
/// generator settings; it cannot outlive the directory, whose migration comes before its
/// own. The other parts are recognised by their own rows (the `demo-…` client ids, the
/// `KP-DEMO…` candidate codes, any exam session, any placement offer), so after their
/// migrations are rolled back and applied again, `load` inserts them again, generated
/// from the recorded settings to match the directory.
pub async fn load(db: &DatabaseConnection, args: &DemoArgs) -> AppResult<DemoOutcome> {
    let recorded = recorded_network(db).await?;
    let network = match recorded {
        Some(network) => network,
        None => {
            let organisations = organisation::Entity::find().count(db).await?;
            if organisations > 0 {
                return Err(AppError::Conflict(format!(
                    "the partner directory holds {organisations} organisations but no record of \
                     demo data (hub_meta `{META_KEY}`); the demo network is loaded only into an \
                     empty directory"
                )));
            }
            DemoNetwork {
                seed: args.seed,
                scale: args.scale,
                anchor: args.anchor_date.unwrap_or_else(|| Utc::now().date_naive()),
            }
        }
    };
    let generated = generate(network.seed, network.scale, network.anchor);
    let clients = missing_clients(db, &generated, network.seed).await?;
    let case_file_present = case_file::present(db).await?;
    let seats_present = seats::present(db).await?;
    let placements_present = placements::present(db).await?;
    if recorded.is_some()
        && clients.is_empty()
        && case_file_present
        && seats_present
        && placements_present
    {
        return Ok(DemoOutcome::AlreadyPresent(network));
    }
    let secrets: Vec<String> = clients.iter().map(|c| c.secret.clone()).collect();
    // Hashing is deliberately slow; keep it off the async runtime.
    let hashes = tokio::task::spawn_blocking(move || {
        secrets
            .iter()
            .map(|s| hash_secret(s))
            .collect::<AppResult<Vec<_>>>()
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))??;
    let now = Utc::now();
    let outcome = crate::db::write(db, async |txn| {
        let mut summary = DemoSummary::default();
        let ids = match recorded {
            None => {
                // Claim the marker first: a concurrent loader fails on its primary key
                // instead of inserting a second network.
                hub_meta::Entity::insert(hub_meta::ActiveModel {
                    key: Set(META_KEY.to_owned()),
                    value: Set(network.marker()),
                    updated_at: Set(now),
                })
                .exec(txn)
                .await?;
                insert_directory(txn, &generated, network.anchor, now, &mut summary).await?
            }
            Some(_) => directory_ids(txn, &generated).await?,
        };

        let mut client_rows = Vec::new();
        for (client, hash) in clients.iter().zip(hashes) {
            let organisation = match client.kind {
                Some(kind) => match acting_for(&generated.organisations, kind) {
                    Some(i) => Some(ids[i]),
                    None => continue,
                },
                None => None,
            };
            client_rows.push(partner_client::ActiveModel {
                client_id: Set(client.client_id.clone()),
                name: Set(format!("Demo client ({})", client.client_id)),
                organisation_id: Set(organisation),
                scopes: Set(client.scopes.to_owned()),
                secret_hash: Set(Some(hash)),
                created_at: Set(now),
                revoked_at: Set(None),
                ..Default::default()
            });
        }
        summary.clients = client_rows.len();
        if !client_rows.is_empty() {
            partner_client::Entity::insert_many(client_rows)
                .exec(txn)
                .await?;
        }

        if !case_file_present {
            let (candidates, cases) = case_file::insert(
                txn,
                &mut ChaCha8Rng::seed_from_u64(network.seed ^ 0xca5e),
                &generated.organisations,
                &ids,
                network.scale,
                network.anchor,
            )
            .await?;
            summary.candidates = candidates;
            summary.cases = cases;
        }
        if !seats_present {
            let inserted = seats::insert(
                txn,
                &mut ChaCha8Rng::seed_from_u64(network.seed ^ 0x5ea7),
                network.anchor,
            )
            .await?;
            summary.exam_sessions = inserted.exam_sessions;
            summary.enrolments = inserted.enrolments;
        }
        if !placements_present {
            placements::insert(
                txn,
                &mut ChaCha8Rng::seed_from_u64(network.seed ^ 0x91ace),
                network.anchor,
            )
            .await?;
        }
        Ok(DemoOutcome::Loaded { network, summary })
    })
    .await?;
    // PostgreSQL plans with table statistics, which a bulk load leaves stale until
    // autovacuum (if it runs at all) gets to the tables: without them the planner
    // guesses row counts and may scan where an index would do.
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(db, "ANALYZE").await?;
    }
    Ok(outcome)
}

/// The settings of the demo network recorded in `hub_meta`, if one was loaded.
pub async fn recorded_network(db: &DatabaseConnection) -> AppResult<Option<DemoNetwork>> {
    match hub_meta::Entity::find_by_id(META_KEY).one(db).await? {
        None => Ok(None),
        Some(meta) => DemoNetwork::parse(&meta.value).map(Some).ok_or_else(|| {
            AppError::Internal(format!(
                "hub_meta `{META_KEY}` holds `{}`, not demo settings",
                meta.value
            ))
        }),
    }
}

/// The demo clients of `seed` that are not registered (only those whose organisation
/// kind the generated network has).
async fn missing_clients(
    db: &DatabaseConnection,
    generated: &Generated,
    seed: u64,
) -> AppResult<Vec<DemoClient>> {
    let wanted: Vec<DemoClient> = demo_clients(seed)
        .into_iter()
        .filter(|c| {
            c.kind
                .is_none_or(|k| generated.organisations.iter().any(|o| o.kind == k))
        })
        .collect();
    let registered: std::collections::HashSet<String> = partner_client::Entity::find()
        .select_only()
        .column(partner_client::Column::ClientId)
        .filter(partner_client::Column::ClientId.is_in(wanted.iter().map(|c| c.client_id.clone())))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(wanted
        .into_iter()
        .filter(|c| !registered.contains(&c.client_id))
        .collect())
}

/// The demo clients of `seed` that are registered and not revoked: the credentials that
/// work against this database.
pub async fn active_clients(db: &DatabaseConnection, seed: u64) -> AppResult<Vec<DemoClient>> {
    let clients = demo_clients(seed);
    let active: std::collections::HashSet<String> = partner_client::Entity::find()
        .select_only()
        .column(partner_client::Column::ClientId)
        .filter(partner_client::Column::ClientId.is_in(clients.iter().map(|c| c.client_id.clone())))
        .filter(partner_client::Column::RevokedAt.is_null())
        .filter(partner_client::Column::SecretHash.is_not_null())
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(clients
        .into_iter()
        .filter(|c| active.contains(&c.client_id))
        .collect())
}

/// The ids of the generated organisations in a directory loaded earlier, found by their
/// names (unique within a generated network).
async fn directory_ids(txn: &DatabaseTransaction, generated: &Generated) -> AppResult<Vec<i64>> {
    let by_name: HashMap<String, i64> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Name)
        .column(organisation::Column::Id)
        .into_tuple::<(String, i64)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    generated
        .organisations
        .iter()
        .map(|o| {
            by_name.get(&o.name).copied().ok_or_else(|| {
                AppError::Conflict(format!(
                    "the demo organisation `{}` is no longer in the directory; the missing parts \
                     of the demo network cannot be loaded again",
                    o.name
                ))
            })
        })
        .collect()
}

/// Inserts the directory and catalogue part; returns the organisations' ids in the
/// order of `generated.organisations`.
async fn insert_directory(
    txn: &DatabaseTransaction,
    generated: &Generated,
    anchor: NaiveDate,
    now: chrono::DateTime<Utc>,
    summary: &mut DemoSummary,
) -> AppResult<Vec<i64>> {
    let mut org_ids: HashMap<String, i64> = HashMap::new();
    for (n, chunk) in generated.organisations.chunks(200).enumerate() {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, o)| organisation::ActiveModel {
                kind: Set(o.kind),
                employer_type: Set(o.employer_type),
                name: Set(o.name.clone()),
                search_text: Set(search_text(&o.name, o.city)),
                region_code: Set(o.region.to_owned()),
                city: Set(o.city.to_owned()),
                street: Set(Some(o.street.clone())),
                postal_code: Set(Some(o.postal_code.to_owned())),
                email: Set(Some(email_for(&o.name, o.swedish))),
                phone: Set(Some(if o.swedish {
                    "+46 8 123 45 67".to_owned()
                } else {
                    "+49 341 123456".to_owned()
                })),
                website: Set(Some(format!("https://{}", domain_for(&o.name, o.swedish)))),
                provider_number: Set(matches!(
                    o.kind,
                    OrganisationKind::Provider | OrganisationKind::School
                )
                .then(|| format!("{:06}", 100_000 + n * 200 + i))),
                azav_valid_until: Set((o.kind == OrganisationKind::Provider && !o.swedish)
                    .then(|| anchor + Duration::days(900))),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                ..Default::default()
            });
        for m in organisation::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await?
        {
            org_ids.insert(m.name, m.id);
        }
    }
    let org_id = |i: usize| -> AppResult<i64> {
        org_ids
            .get(&generated.organisations[i].name)
            .copied()
            .ok_or_else(|| AppError::Internal("demo organisation was not inserted".into()))
    };
    summary.organisations = generated.organisations.len();
    for chunk in generated.courses.chunks(200) {
        let mut rows = Vec::with_capacity(chunk.len());
        for c in chunk {
            rows.push(course::ActiveModel {
                provider_id: Set(org_id(c.provider)?),
                course_type: Set(parse_enum(c.template.course_type)),
                title: Set(c.template.title.to_owned()),
                description: Set(c.template.description.to_owned()),
                language_level: Set(c.template.language_level.map(parse_enum::<LanguageLevel>)),
                azav_measure_number: Set(c.azav.as_ref().map(|a| a.0.clone())),
                azav_valid_until: Set(c.azav.as_ref().map(|a| a.1)),
                bildungsgutschein: Set(c.bildungsgutschein),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                ..Default::default()
            });
        }
        let inserted = course::Entity::insert_many(rows)
            .exec_with_returning(txn)
            .await?;
        let ids: HashMap<(i64, String), i64> = inserted
            .into_iter()
            .map(|m| ((m.provider_id, m.title), m.id))
            .collect();
        let mut links = Vec::new();
        let mut runs = Vec::new();
        for c in chunk {
            let id = ids
                .get(&(org_id(c.provider)?, c.template.title.to_owned()))
                .copied()
                .ok_or_else(|| AppError::Internal("demo course was not inserted".into()))?;
            links.extend(
                c.template
                    .professions
                    .iter()
                    .map(|p| course_profession::ActiveModel {
                        course_id: Set(id),
                        profession_key: Set((*p).to_owned()),
                    }),
            );
            let org = &generated.organisations[c.provider];
            runs.extend(c.runs.iter().map(|r| course_run::ActiveModel {
                course_id: Set(id),
                start_date: Set(r.start),
                end_date: Set(r.end),
                hours: Set(r.hours),
                format: Set(r.format),
                schedule: Set(r.schedule),
                seats_min: Set(r.seats_min),
                seats_max: Set(r.seats_max),
                seats_taken: Set(r.seats_taken),
                region_code: Set(org.region.to_owned()),
                city: Set(org.city.to_owned()),
                cost_minor: Set(r.cost_minor),
                currency: Set(if org.swedish { "SEK" } else { "EUR" }.to_owned()),
                funding_options: Set(serde_json::to_value(&r.funding).unwrap_or_default()),
                registration_deadline: Set(r.deadline),
                rolling_entry: Set(r.rolling_entry),
                status: Set(r.status),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
                ..Default::default()
            }));
        }
        summary.courses += chunk.len();
        summary.course_runs += runs.len();
        course_profession::Entity::insert_many(links)
            .exec(txn)
            .await?;
        for runs in runs.chunks(500) {
            course_run::Entity::insert_many(runs.to_vec())
                .exec(txn)
                .await?;
        }
    }
    (0..generated.organisations.len()).map(org_id).collect()
}

/// A plausible domain for a generated organisation.
fn domain_for(name: &str, swedish: bool) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'å' => 'a',
            'ß' => 's',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(4)
        .collect::<Vec<_>>()
        .join("-");
    format!("{slug}.example.{}", if swedish { "se" } else { "de" })
}

fn email_for(name: &str, swedish: bool) -> String {
    format!("kontakt@{}", domain_for(name, swedish))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_large_enough() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let a = generate(42, 1, anchor);
        let b = generate(42, 1, anchor);
        let names = |g: &Generated| {
            g.organisations
                .iter()
                .map(|o| o.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
        assert!(
            a.organisations.len() >= 60,
            "{} organisations",
            a.organisations.len()
        );
        assert!(a.courses.len() >= 80, "{} courses", a.courses.len());
        let horizon = anchor + Duration::days(548);
        let upcoming = a
            .courses
            .iter()
            .flat_map(|c| &c.runs)
            .filter(|r| r.start > anchor && r.start <= horizon)
            .count();
        assert!(upcoming >= 200, "{upcoming} upcoming runs");
        let kinds: std::collections::HashSet<_> = a.organisations.iter().map(|o| o.kind).collect();
        assert_eq!(kinds.len(), 10, "every kind of partner is present");
        let c = generate(7, 1, anchor);
        assert_ne!(names(&a), names(&c), "another seed gives another network");
        let scaled = generate(42, 3, anchor);
        assert!(scaled.courses.len() > 2 * a.courses.len());
    }

    #[test]
    fn runs_are_consistent() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        for c in generate(1, 2, anchor).courses {
            for r in c.runs {
                assert!(r.end > r.start);
                assert!(r.seats_max >= r.seats_min && r.seats_min >= 1);
                assert!(r.seats_taken <= r.seats_max);
                assert!(r.deadline.is_none_or(|d| d < r.start));
            }
        }
    }
}
