//! `cargo bench --bench enrolment`: `requestEnrolment` under concurrent load over HTTP,
//! on PostgreSQL.
//!
//! It creates a fresh PostgreSQL database holding the demo network (`BENCH_SCALE`,
//! default 2), registers a client of the demo advisory centre with `client add` (scope
//! `enrolments:write`, all an advisory centre needs to enrol its own candidates),
//! inserts bench candidates (codes
//! `KP-BENCH…`, no cases, so no decision restricts the courses) with live REFERRAL
//! consents for the providers of the runs used, starts the hub binary on it and enrols
//! over real HTTP with a bearer token, `BENCH_CONNECTIONS` requests in flight at a time
//! (each connection sends its next request once the last is answered):
//!
//! - contended: `BENCH_REQUESTS` enrolments into one course run with `BENCH_SEATS`
//!   seats: the first take a seat (CONFIRMED), the rest queue (WAITLISTED); every
//!   request waits for the run's row lock;
//! - spread: `BENCH_REQUESTS` enrolments over 100 course runs.
//!
//! Then the floor: the same number of transactions straight against PostgreSQL with
//! the same concurrency, each `BEGIN; UPDATE course_run SET seats_taken = seats_taken +
//! 1 WHERE id = $1; INSERT INTO bench_floor_event …; COMMIT`, on one row (the
//! database's own row-lock rate, to hold the contended figure against) and over 100
//! rows. The four loads run in `BENCH_ROUNDS` interleaved rounds (every round a fresh
//! contended run; every candidate into another spread run); the table gives medians of
//! the rounds: enrolments (transactions) per second, p50/p99 latency, statements per
//! request, and the CPU time per request of the hub, of PostgreSQL's backends and of
//! the load generator (this process).
//!
//! Then it checks what was stored: confirmed enrolments never outnumber the seats,
//! places in line are 1, 2, 3 … without gaps, each run's counters and history agree
//! with its enrolments, and the answers agree with the rows; and it prints how long
//! each contended enrolment held the run's row, from the rows' timestamps. Any
//! failed request or wrong row fails the benchmark (after the table).
//!
//! Settings (environment):
//! - `BENCH_DATABASE_URL`: a PostgreSQL server to create the database on (default
//!   `postgres://postgres@127.0.0.1/test?sslmode=disable`); the database
//!   `knotenpunkt_bench_enrolment` is created afresh and dropped at the end;
//! - `BENCH_REQUESTS` per load and round (4000), `BENCH_CONNECTIONS` (16),
//!   `BENCH_SEATS` of the contended run (1000), `BENCH_ROUNDS` (3), `BENCH_SCALE` (2);
//! - `BENCH_HUB`: another hub binary to measure instead of this build's.
//!
//! The figures depend on the machine; compare them within one run or between runs on
//! the same machine.

mod support;

use knotenpunkt::id::{self, NodeType};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{cpu_of, env_or, median, rss_mib, start_hub, statements, token};

const DATABASE: &str = "knotenpunkt_bench_enrolment";
/// Course runs the spread load is divided over.
const SPREAD_RUNS: usize = 100;
const SCOPES: &str = "enrolments:write";
const MUTATION: &str = "mutation($i: RequestEnrolmentInput!) { requestEnrolment(input: $i) \
                        { enrolment { id status waitlistPosition } } }";

fn sql(text: impl Into<String>) -> Statement {
    Statement::from_string(DbBackend::Postgres, text.into())
}

/// `1,2,3` for `IN (…)`: the ids are numbers read from the database.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

async fn connect(url: &str, connections: u32) -> DatabaseConnection {
    Database::connect(
        ConnectOptions::new(url.to_owned())
            .max_connections(connections)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

// ---------------------------------------------------------------------------------
// The hub as a process.

/// Registers a client of organisation `org` with the hub's `client add`; its id and secret.
fn add_client(binary: &Path, database_url: &str, org: i64) -> (String, String) {
    let out = Command::new(binary)
        .args(["client", "add", "--database-url", database_url])
        .args(["--organisation", &org.to_string()])
        .args(["--scopes", SCOPES, "--name", "enrolment benchmark"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("run `client add`");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "client add failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("`client add` printed no {name} {text}"))
    };
    (field("client_id:"), field("client_secret:"))
}

// ---------------------------------------------------------------------------------
// Driving the load.

/// What the hub answered to one `requestEnrolment`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Confirmed,
    Waitlisted(i64),
    Failed(String),
}

/// Sends `requestEnrolment` bodies to the hub with a bearer token.
#[derive(Clone)]
struct Caller {
    client: reqwest::Client,
    /// The hub's base URL.
    url: Arc<str>,
    /// `/graphql` of it.
    endpoint: Arc<str>,
    token: Arc<str>,
}

impl Caller {
    async fn enrol(&self, body: String) -> Answer {
        let response = self
            .client
            .post(&*self.endpoint)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await;
        let body: Value = match response {
            Ok(r) => {
                let status = r.status();
                match r.json().await {
                    Ok(v) => v,
                    Err(e) => return Answer::Failed(format!("HTTP {status}: {e}")),
                }
            }
            Err(e) => return Answer::Failed(format!("no answer: {e}")),
        };
        if let Some(error) = body["errors"].get(0) {
            return Answer::Failed(format!(
                "{} ({})",
                error["message"].as_str().unwrap_or("?"),
                error["extensions"]["code"].as_str().unwrap_or("no code")
            ));
        }
        let enrolment = &body["data"]["requestEnrolment"]["enrolment"];
        match (
            enrolment["status"].as_str(),
            enrolment["waitlistPosition"].as_i64(),
        ) {
            (Some("CONFIRMED"), None) => Answer::Confirmed,
            (Some("WAITLISTED"), Some(n)) => Answer::Waitlisted(n),
            _ => Answer::Failed(format!("unexpected answer: {body}")),
        }
    }
}

/// The body of one `requestEnrolment`.
fn body(candidate: i64, run: i64) -> String {
    json!({
        "query": MUTATION,
        "variables": { "i": {
            "candidateId": id::encode(NodeType::Candidate, candidate),
            "courseRunId": id::encode(NodeType::CourseRun, run),
        } },
    })
    .to_string()
}

/// `total` operations, `connections` at a time; the outputs in the order of `i`.
struct Timed<T> {
    wall: Duration,
    latencies: Vec<Duration>,
    outputs: Vec<T>,
}

async fn concurrently<T, F, Fut>(connections: usize, total: usize, op: F) -> Timed<T>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (op, next) = (op.clone(), next.clone());
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return done;
                    }
                    let t0 = Instant::now();
                    let out = op(i).await;
                    done.push((i, t0.elapsed(), out));
                }
            })
        })
        .collect();
    let mut results = Vec::with_capacity(total);
    for worker in workers {
        results.extend(worker.await.expect("a load worker"));
    }
    let wall = started.elapsed();
    results.sort_by_key(|r| r.0);
    let latencies = results.iter().map(|r| r.1).collect();
    Timed {
        wall,
        latencies,
        outputs: results.into_iter().map(|r| r.2).collect(),
    }
}

/// Where CPU time goes during a load: the hub, the database's backends serving the
/// benchmark database, and this process (the load generator).
struct Probe {
    db: DatabaseConnection,
    hub: Option<u32>,
}

/// CPU time used so far, per process.
struct Cpu {
    hub: Duration,
    backends: HashMap<u32, Duration>,
    me: Duration,
}

impl Probe {
    async fn now(&self) -> Cpu {
        let backends = self
            .db
            .query_all_raw(sql("SELECT pid FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            .await
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r.try_get_by_index::<i32>(0).ok())
            .map(|pid| (pid as u32, cpu_of(pid as u32)))
            .collect();
        Cpu {
            hub: self.hub.map(cpu_of).unwrap_or_default(),
            backends,
            me: cpu_of(std::process::id()),
        }
    }

    /// `load` with the CPU milliseconds per operation it cost: hub, PostgreSQL, this
    /// process.
    async fn measure<T>(&self, load: impl Future<Output = Timed<T>>) -> (Timed<T>, [f64; 3]) {
        let before = self.now().await;
        let timed = load.await;
        let after = self.now().await;
        // Backends opened during the load count from zero.
        let backends: Duration = after
            .backends
            .iter()
            .map(|(pid, t)| t.saturating_sub(before.backends.get(pid).copied().unwrap_or_default()))
            .sum();
        let per = |d: Duration| d.as_secs_f64() * 1e3 / timed.outputs.len().max(1) as f64;
        let cpu = [
            per(after.hub.saturating_sub(before.hub)),
            per(backends),
            per(after.me.saturating_sub(before.me)),
        ];
        (timed, cpu)
    }
}

/// One line of the table.
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: usize,
    statements: Option<f64>,
    /// CPU ms per request: hub, PostgreSQL, load generator.
    cpu: [f64; 3],
}

impl Figures {
    fn of<T>(timed: &Timed<T>, cpu: [f64; 3], failed: usize) -> Figures {
        let mut sorted = timed.latencies.clone();
        sorted.sort();
        let at = |q: f64| {
            let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
            sorted[i].as_secs_f64() * 1e3
        };
        Figures {
            per_second: sorted.len() as f64 / timed.wall.as_secs_f64(),
            p50_ms: at(0.50),
            p99_ms: at(0.99),
            failed,
            statements: None,
            cpu,
        }
    }
}

/// The hub's answers to `bodies`, the CPU they cost, and the statements it sent per request.
async fn drive_hub(
    probe: &Probe,
    caller: &Caller,
    bodies: Vec<String>,
    connections: usize,
) -> (Timed<Answer>, [f64; 3], f64) {
    let bodies = Arc::new(bodies);
    let before = statements(&caller.url).await;
    let (c, b) = (caller.clone(), bodies.clone());
    let (timed, cpu) = probe
        .measure(concurrently(connections, bodies.len(), move |i| {
            let (c, body) = (c.clone(), b[i].clone());
            async move { c.enrol(body).await }
        }))
        .await;
    let after = statements(&caller.url).await;
    let per_request = after.saturating_sub(before) as f64 / bodies.len().max(1) as f64;
    (timed, cpu, per_request)
}

/// `total` floor transactions, `connections` at a time, transaction `i` on `rows[i % len]`.
async fn drive_floor(
    probe: &Probe,
    db: &DatabaseConnection,
    rows: Vec<i64>,
    connections: usize,
    total: usize,
) -> (Timed<Result<(), String>>, [f64; 3]) {
    let (db, rows) = (db.clone(), Arc::new(rows));
    probe
        .measure(concurrently(connections, total, move |i| {
            let (db, row) = (db.clone(), rows[i % rows.len()]);
            async move { floor_transaction(&db, row).await.map_err(|e| e.to_string()) }
        }))
        .await
}

async fn floor_transaction(db: &DatabaseConnection, row: i64) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "UPDATE course_run SET seats_taken = seats_taken + 1 WHERE id = $1",
        [row.into()],
    ))
    .await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO bench_floor_event (course_run_id, at) VALUES ($1, now())",
        [row.into()],
    ))
    .await?;
    txn.commit().await
}

// ---------------------------------------------------------------------------------
// What was stored.

/// A course run the loads use, as it was before.
#[derive(Debug, Clone, Copy)]
struct Run {
    id: i64,
    provider: i64,
    seats_max: i32,
    seats_taken: i32,
    /// `OPEN` (turns `FULL` on its last seat) or `PLANNED` (stays).
    open: bool,
}

/// Checks the rows of `runs` after every request the hub answered (the run it was
/// for, the answer); every problem found, in words.
async fn verify(db: &DatabaseConnection, runs: &[Run], answers: &[(i64, Answer)]) -> Vec<String> {
    let mut problems = Vec::new();
    // What the answers say, per run.
    let mut asked: HashMap<i64, (i64, i64, Vec<i64>)> = HashMap::new();
    for (run, a) in answers {
        let entry = asked.entry(*run).or_default();
        match a {
            Answer::Confirmed => entry.0 += 1,
            Answer::Waitlisted(n) => {
                entry.1 += 1;
                entry.2.push(*n);
            }
            Answer::Failed(_) => {}
        }
    }
    let ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let rows = db
        .query_all_raw(sql(format!(
            "SELECT r.id, r.seats_taken, r.waitlist_length, r.status, \
             count(e.id) FILTER (WHERE e.status = 'CONFIRMED'), \
             count(e.id) FILTER (WHERE e.status = 'WAITLISTED'), \
             coalesce(min(e.waitlist_position) FILTER (WHERE e.status = 'WAITLISTED'), 0), \
             coalesce(max(e.waitlist_position) FILTER (WHERE e.status = 'WAITLISTED'), 0), \
             count(DISTINCT e.waitlist_position) FILTER (WHERE e.status = 'WAITLISTED'), \
             count(e.id) FILTER (WHERE e.status NOT IN ('CONFIRMED', 'WAITLISTED')), \
             (SELECT count(*) FROM enrolment_event v JOIN enrolment x ON x.id = v.enrolment_id \
              WHERE x.course_run_id = r.id) \
             FROM course_run r LEFT JOIN enrolment e ON e.course_run_id = r.id \
             WHERE r.id IN ({}) GROUP BY r.id",
            id_list(&ids)
        )))
        .await
        .expect("read the runs back");
    let got: HashMap<i64, &sea_orm::QueryResult> = rows
        .iter()
        .map(|r| (r.try_get_by_index::<i64>(0).expect("id"), r))
        .collect();
    for run in runs {
        let Some(row) = got.get(&run.id) else {
            problems.push(format!("run {}: gone", run.id));
            continue;
        };
        let int = |i: usize| -> i64 {
            row.try_get_by_index::<i64>(i)
                .or_else(|_| row.try_get_by_index::<i32>(i).map(i64::from))
                .expect("a number")
        };
        let (seats_taken, waitlist_length) = (int(1), int(2));
        let status: String = row.try_get_by_index(3).expect("status");
        let (confirmed, waitlisted, first, last, distinct, other, events) =
            (int(4), int(5), int(6), int(7), int(8), int(9), int(10));
        let (said_confirmed, said_waitlisted, mut said_places) =
            asked.get(&run.id).cloned().unwrap_or_default();
        let enrolled = said_confirmed + said_waitlisted;
        let free = i64::from((run.seats_max - run.seats_taken).max(0));
        let expected = enrolled.min(free);
        let mut check = |ok: bool, what: String| {
            if !ok {
                problems.push(format!("run {}: {what}", run.id));
            }
        };
        check(
            confirmed == expected,
            format!(
                "{confirmed} CONFIRMED, expected min({enrolled} enrolled, {free} free) = {expected}"
            ),
        );
        check(
            waitlisted == enrolled - expected,
            format!("{waitlisted} WAITLISTED, expected {}", enrolled - expected),
        );
        check(other == 0, format!("{other} enrolments in another status"));
        check(
            waitlisted == 0 || (first == 1 && last == waitlisted && distinct == waitlisted),
            format!("places {first}..{last} ({distinct} distinct) for {waitlisted} in line"),
        );
        check(
            seats_taken == i64::from(run.seats_taken) + confirmed,
            format!(
                "seats_taken {seats_taken}, expected {} + {confirmed}",
                run.seats_taken
            ),
        );
        check(
            waitlist_length == waitlisted,
            format!("waitlist_length {waitlist_length}, {waitlisted} in line"),
        );
        check(
            events == confirmed + waitlisted,
            format!("{events} events for {} enrolments", confirmed + waitlisted),
        );
        check(
            said_confirmed == confirmed && said_waitlisted == waitlisted,
            format!(
                "answers said {said_confirmed} CONFIRMED and {said_waitlisted} WAITLISTED, \
                 stored are {confirmed} and {waitlisted}"
            ),
        );
        said_places.sort_unstable();
        check(
            said_places.iter().copied().eq(1..=said_waitlisted),
            "the places answered are not 1, 2, 3 …".to_owned(),
        );
        let full = run.open && confirmed > 0 && run.seats_taken + confirmed as i32 >= run.seats_max;
        check(
            !full || status == "FULL",
            format!("status {status} with every seat taken"),
        );
    }
    problems
}

/// What may have failed: a hub's answer, a floor transaction.
trait Outcome {
    fn failure(&self) -> Option<&str>;
}

impl Outcome for Answer {
    fn failure(&self) -> Option<&str> {
        match self {
            Answer::Failed(m) => Some(m),
            _ => None,
        }
    }
}

impl Outcome for Result<(), String> {
    fn failure(&self) -> Option<&str> {
        self.as_ref().err().map(String::as_str)
    }
}

/// How the enrolments into `runs` followed each other, in ms (medians): from taking
/// the seat (`created_at`, right after the locking UPDATE returned) to the history
/// row (`at`), and from there to the next enrolment's seat in the same run. Enrolment
/// ids are drawn under the run's lock, so they are in the order of the lock.
async fn lock_intervals(db: &DatabaseConnection, runs: &[i64]) -> [f64; 2] {
    let row = db
        .query_one_raw(sql(format!(
            "WITH x AS (SELECT e.created_at, v.at, \
             lead(e.created_at) OVER (PARTITION BY e.course_run_id ORDER BY e.id) AS next \
             FROM enrolment e JOIN enrolment_event v ON v.enrolment_id = e.id \
             WHERE e.course_run_id IN ({})) \
             SELECT percentile_cont(0.5) WITHIN GROUP \
             (ORDER BY extract(epoch FROM at - created_at))::float8 * 1e3, \
             percentile_cont(0.5) WITHIN GROUP \
             (ORDER BY extract(epoch FROM next - at))::float8 * 1e3 \
             FROM x WHERE next IS NOT NULL",
            id_list(runs)
        )))
        .await
        .expect("read the enrolments' timestamps")
        .expect("one row");
    [0, 1].map(|i| row.try_get_by_index::<f64>(i).unwrap_or(f64::NAN))
}

/// The failures among `outcomes`, counted by message.
fn failures<'a, T: Outcome + 'a>(outcomes: impl Iterator<Item = &'a T>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in outcomes.filter_map(Outcome::failure) {
        *out.entry(m.to_owned()).or_default() += 1;
    }
    out
}

// ---------------------------------------------------------------------------------
// Setting up.

/// The course runs the benchmark may enrol into: planned or open, starting later,
/// registration open, nobody enrolled or waiting; with their providers.
async fn bookable_runs(db: &DatabaseConnection, n: usize) -> Vec<Run> {
    let rows = db
        .query_all_raw(sql(format!(
            "SELECT r.id, c.provider_id, r.seats_max, r.seats_taken, r.status = 'OPEN' \
             FROM course_run r JOIN course c ON c.id = r.course_id \
             WHERE r.status IN ('OPEN', 'PLANNED') AND r.start_date > current_date + 1 \
             AND (r.registration_deadline IS NULL OR r.registration_deadline > current_date + 1) \
             AND r.waitlist_length = 0 \
             AND NOT EXISTS (SELECT 1 FROM enrolment e WHERE e.course_run_id = r.id) \
             ORDER BY r.id LIMIT {n}"
        )))
        .await
        .expect("find bookable runs");
    rows.iter()
        .map(|r| Run {
            id: r.try_get_by_index(0).expect("id"),
            provider: r.try_get_by_index(1).expect("provider"),
            seats_max: r.try_get_by_index(2).expect("seats_max"),
            seats_taken: r.try_get_by_index(3).expect("seats_taken"),
            open: r.try_get_by_index(4).expect("open"),
        })
        .collect()
}

/// `n` candidates of advisory centre `advisory`, without cases; their ids in order.
async fn insert_candidates(db: &DatabaseConnection, advisory: i64, n: usize) -> Vec<i64> {
    db.execute_unprepared(&format!(
        "INSERT INTO candidate (code, country_of_training, profession_key, language_level, \
         region_code, advisory_id, erased_at, created_at, updated_at, version) \
         SELECT 'KP-BENCH' || lpad(g::text, 7, '0'), \
         coalesce((SELECT country_of_training FROM candidate ORDER BY id LIMIT 1), 'PH'), \
         (SELECT key FROM profession ORDER BY key LIMIT 1), NULL, o.region_code, o.id, \
         NULL, now(), now(), 1 \
         FROM generate_series(1, {n}) g, organisation o WHERE o.id = {advisory}"
    ))
    .await
    .expect("insert bench candidates");
    db.query_all_raw(sql(
        "SELECT id FROM candidate WHERE code LIKE 'KP-BENCH%' ORDER BY code",
    ))
    .await
    .expect("read bench candidates")
    .iter()
    .map(|r| r.try_get_by_index::<i64>(0).expect("id"))
    .collect()
}

/// Live REFERRAL consents for these (candidate, organisation) pairs.
async fn insert_consents(db: &DatabaseConnection, pairs: &HashSet<(i64, i64)>) {
    let pairs: Vec<_> = pairs.iter().collect();
    for chunk in pairs.chunks(2_000) {
        let values = chunk
            .iter()
            .map(|(c, o)| format!("({c}, {o}, 'REFERRAL', now(), NULL)"))
            .collect::<Vec<_>>()
            .join(",");
        db.execute_unprepared(&format!(
            "INSERT INTO consent (candidate_id, organisation_id, purpose, granted_at, revoked_at) \
             VALUES {values}"
        ))
        .await
        .expect("insert consents");
    }
}

async fn drop_database(admin: &DatabaseConnection) {
    admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{DATABASE}\" WITH (FORCE)"
        ))
        .await
        .expect("drop the benchmark database");
}

struct Settings {
    server: String,
    binary: PathBuf,
    requests: usize,
    connections: usize,
    seats: i32,
    scale: u32,
    rounds: usize,
}

#[tokio::main]
async fn main() {
    let settings = Settings {
        server: env_or(
            "BENCH_DATABASE_URL",
            "postgres://postgres@127.0.0.1/test?sslmode=disable".to_owned(),
        ),
        binary: std::env::var("BENCH_HUB")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_knotenpunkt"))),
        requests: env_or("BENCH_REQUESTS", 4000),
        connections: env_or("BENCH_CONNECTIONS", 16),
        seats: env_or("BENCH_SEATS", 1000),
        scale: env_or("BENCH_SCALE", 2),
        rounds: env_or("BENCH_ROUNDS", 3),
    };
    let admin = connect(&settings.server, 1).await;
    drop_database(&admin).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{DATABASE}\""))
        .await
        .expect("create the benchmark database");
    let mut url = url::Url::parse(&settings.server).expect("BENCH_DATABASE_URL is a URL");
    url.set_path(&format!("/{DATABASE}"));
    // On a panic the hub is stopped (dropped) while the task unwinds, then the
    // database is dropped here.
    let outcome = tokio::spawn(run(settings, url.to_string())).await;
    drop_database(&admin).await;
    match outcome {
        Ok(problems) if problems.is_empty() => {}
        Ok(problems) => panic!("{} problem(s) found; see above", problems.len()),
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// The loads of the table, in order.
const LOADS: [&str; 4] = [
    "hub, contended: 1 course run",
    "hub, spread: 100 course runs",
    "PostgreSQL floor: 1 row",
    "PostgreSQL floor: 100 rows",
];

/// The benchmark on the fresh database at `database_url`; the problems it found.
async fn run(settings: Settings, database_url: String) -> Vec<String> {
    let Settings {
        binary,
        requests,
        connections,
        seats,
        scale,
        rounds,
        ..
    } = settings;
    let rounds = rounds.clamp(1, SPREAD_RUNS);
    let started = Instant::now();
    let status = Command::new(&binary)
        .args(["demo-data", "--database-url", &database_url])
        .args(["--scale", &scale.to_string()])
        .env("RUST_LOG", "warn")
        .status()
        .expect("run demo-data");
    assert!(status.success(), "demo-data failed");
    let db = connect(&database_url, 4).await;
    let advisory: i64 = db
        .query_one_raw(sql(
            "SELECT organisation_id FROM partner_client WHERE client_id = 'demo-advisory'",
        ))
        .await
        .expect("find the demo advisory centre")
        .and_then(|r| r.try_get_by_index(0).ok())
        .expect("the demo advisory client has an organisation");
    let (client_id, secret) = add_client(&binary, &database_url, advisory);

    // Runs: SPREAD_RUNS spread, one for the warm-up, one contended per round.
    let runs = bookable_runs(&db, SPREAD_RUNS + 1 + rounds).await;
    assert!(
        runs.len() == SPREAD_RUNS + 1 + rounds,
        "only {} bookable course runs at scale {scale}; raise BENCH_SCALE",
        runs.len()
    );
    let spread = &runs[..SPREAD_RUNS];
    let warm = runs[SPREAD_RUNS];
    let mut contended: Vec<Run> = runs[SPREAD_RUNS + 1..].to_vec();
    for run in &mut contended {
        run.seats_max = seats;
        run.seats_taken = 0;
    }
    db.execute_unprepared(&format!(
        "UPDATE course_run SET seats_max = {seats}, seats_taken = 0 WHERE id IN ({})",
        id_list(&contended.iter().map(|r| r.id).collect::<Vec<_>>())
    ))
    .await
    .expect("size the contended runs");
    // The floor's rows: runs no enrolment goes to.
    let used = id_list(&runs.iter().map(|r| r.id).collect::<Vec<_>>());
    let floor_rows: Vec<i64> = db
        .query_all_raw(sql(format!(
            "SELECT id FROM course_run WHERE id NOT IN ({used}) ORDER BY id LIMIT {SPREAD_RUNS}"
        )))
        .await
        .expect("find the floor's rows")
        .iter()
        .map(|r| r.try_get_by_index::<i64>(0).expect("id"))
        .collect();
    assert_eq!(
        floor_rows.len(),
        SPREAD_RUNS,
        "too few course runs for the floor"
    );
    // Request `i` of round `r` is candidate `i`'s: into the round's contended run, and
    // into spread run `(i + r) % 100` (a different one in every round).
    let spread_run = |round: usize, i: usize| spread[(i + round) % SPREAD_RUNS];
    let warm_requests = connections * 8;

    let candidates = insert_candidates(&db, advisory, requests.max(warm_requests)).await;
    let mut consents = HashSet::new();
    for (i, c) in candidates.iter().enumerate() {
        for (round, run) in contended.iter().enumerate() {
            consents.insert((*c, run.provider));
            consents.insert((*c, spread_run(round, i).provider));
        }
        if i < warm_requests {
            consents.insert((*c, warm.provider));
        }
    }
    insert_consents(&db, &consents).await;
    db.execute_unprepared(
        "CREATE TABLE bench_floor_event (id bigserial PRIMARY KEY, \
         course_run_id bigint NOT NULL, at timestamptz NOT NULL)",
    )
    .await
    .expect("create the floor's table");
    db.execute_unprepared("VACUUM ANALYZE")
        .await
        .expect("vacuum");
    println!(
        "database {DATABASE} (demo network at scale {scale}, {} bench candidates, {} consents) \
         ready in {:.1} s",
        candidates.len(),
        consents.len(),
        started.elapsed().as_secs_f64()
    );

    let dir = std::env::temp_dir().join(format!("knotenpunkt-enrolment-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let hub = start_hub(&binary, &database_url, &dir).await;
    let caller = Caller {
        client: reqwest::Client::new(),
        url: hub.url.as_str().into(),
        endpoint: format!("{}/graphql", hub.url).into(),
        token: token(&hub.url, &client_id, &secret).await.into(),
    };
    println!(
        "hub {} ready; client {client_id} ({SCOPES}) of advisory centre {advisory}",
        binary.display()
    );
    let probe = Probe {
        db: db.clone(),
        hub: Some(hub.child.id()),
    };
    let floor_db = connect(&database_url, connections as u32).await;

    // Warm-up: connections opened, statements prepared.
    let bodies = candidates[..warm_requests]
        .iter()
        .map(|c| body(*c, warm.id))
        .collect();
    let (timed, _, _) = drive_hub(&probe, &caller, bodies, connections).await;
    let failed = failures(timed.outputs.iter());
    assert!(failed.is_empty(), "the warm-up failed: {failed:?}");
    let _ = drive_floor(
        &probe,
        &floor_db,
        floor_rows.clone(),
        connections,
        warm_requests,
    )
    .await;

    // Interleaved rounds: every load once per round.
    let mut problems = Vec::new();
    let mut figures: Vec<Vec<Figures>> = (0..LOADS.len()).map(|_| Vec::new()).collect();
    let mut answered: [Vec<(i64, Answer)>; 2] = [Vec::new(), Vec::new()];
    let mut peak_rss: f64 = 0.0;
    for (round, contended_run) in contended.iter().enumerate() {
        for (load, what) in LOADS.iter().enumerate() {
            let f = match load {
                0 | 1 => {
                    let run_of = |i: usize| match load {
                        0 => contended_run.id,
                        _ => spread_run(round, i).id,
                    };
                    let bodies = candidates[..requests]
                        .iter()
                        .enumerate()
                        .map(|(i, c)| body(*c, run_of(i)))
                        .collect();
                    let (timed, cpu, stmts) = drive_hub(&probe, &caller, bodies, connections).await;
                    peak_rss = peak_rss.max(rss_mib(hub.child.id()).unwrap_or(0.0));
                    let failed = failures(timed.outputs.iter());
                    for (message, n) in &failed {
                        println!("  {n} failed: {message}");
                        problems.push(format!(
                            "round {}, {what}: {n} failed: {message}",
                            round + 1
                        ));
                    }
                    answered[load].extend(
                        timed
                            .outputs
                            .iter()
                            .enumerate()
                            .map(|(i, a)| (run_of(i), a.clone())),
                    );
                    let mut f = Figures::of(&timed, cpu, failed.values().sum());
                    f.statements = Some(stmts);
                    f
                }
                _ => {
                    let rows = match load {
                        2 => vec![floor_rows[0]],
                        _ => floor_rows.clone(),
                    };
                    let (timed, cpu) =
                        drive_floor(&probe, &floor_db, rows, connections, requests).await;
                    let failed = failures(timed.outputs.iter());
                    for (message, n) in &failed {
                        println!("  {n} failed: {message}");
                        problems.push(format!(
                            "round {}, {what}: {n} failed: {message}",
                            round + 1
                        ));
                    }
                    Figures::of(&timed, cpu, failed.values().sum())
                }
            };
            println!(
                "round {} {what:<30} {:>6.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
                round + 1,
                f.per_second,
                f.p50_ms,
                f.p99_ms
            );
            figures[load].push(f);
        }
    }
    let hub_log = std::fs::read_to_string(&hub.log).unwrap_or_default();
    drop(hub);
    drop(floor_db);

    // What was stored.
    println!();
    for (load, runs) in [(0, contended.as_slice()), (1, spread)] {
        let found = verify(&db, runs, &answered[load]).await;
        let count = |f: fn(&Answer) -> bool| answered[load].iter().filter(|(_, a)| f(a)).count();
        if found.is_empty() {
            println!(
                "{}: checked {} CONFIRMED and {} WAITLISTED over {} run(s): confirmed never \
                 above the seats, places in line 1..n without gaps, counters, history and \
                 answers agree",
                LOADS[load],
                count(|a| *a == Answer::Confirmed),
                count(|a| matches!(a, Answer::Waitlisted(_))),
                runs.len()
            );
        }
        for p in &found {
            println!("PROBLEM {}: {p}", LOADS[load]);
        }
        problems.extend(found);
    }
    let [seat_to_event, event_to_next] =
        lock_intervals(&db, &contended.iter().map(|r| r.id).collect::<Vec<_>>()).await;
    println!(
        "contended run's row lock, per enrolment (medians, from the rows' timestamps): \
         {:.2} ms from the hub's seat to its history row, {:.2} ms from there to the next \
         request's seat (history insert, COMMIT, the next UPDATE)",
        seat_to_event, event_to_next
    );
    // The hub's connections are closed, so their statistics are in.
    let deadlocks: i64 = db
        .query_one_raw(sql(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()",
        ))
        .await
        .ok()
        .flatten()
        .and_then(|r| r.try_get_by_index(0).ok())
        .unwrap_or(-1);
    drop(db);

    println!(
        "\n{requests} requests (transactions) per load, {connections} connections, contended \
         run with {seats} seats, medians of {rounds} round(s):\n"
    );
    println!(
        "| load | enrolments (transactions)/s | p50 ms | p99 ms | failed \
         | statements/request (besides BEGIN, COMMIT) | CPU ms/request: hub | PostgreSQL \
         | load generator |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut rates = Vec::new();
    for (what, runs) in LOADS.iter().zip(&figures) {
        let m = |f: fn(&Figures) -> f64| median(runs.iter().map(f).collect());
        let hub = runs[0].statements.is_some();
        rates.push(m(|f| f.per_second));
        println!(
            "| {what} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {:.2} | {:.2} |",
            m(|f| f.per_second),
            m(|f| f.p50_ms),
            m(|f| f.p99_ms),
            runs.iter().map(|f| f.failed).sum::<usize>(),
            if hub {
                format!("{:.1}", m(|f| f.statements.unwrap_or_default()))
            } else {
                "2".to_owned()
            },
            if hub {
                format!("{:.2}", m(|f| f.cpu[0]))
            } else {
                "—".to_owned()
            },
            m(|f| f.cpu[1]),
            m(|f| f.cpu[2]),
        );
    }
    println!(
        "\ncontended hub / one-row floor: {:.2}; spread hub / 100-row floor: {:.2}",
        rates[0] / rates[2],
        rates[1] / rates[3]
    );
    let logged: Vec<&str> = hub_log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .collect();
    println!(
        "deadlocks PostgreSQL counted in the benchmark database: {deadlocks}; \
         warnings and errors in the hub's log: {}",
        logged.len()
    );
    for line in logged.iter().take(5) {
        println!("  {line}");
    }
    println!("hub resident memory (peak seen after a load): {peak_rss:.0} MiB");
    let _ = std::fs::remove_dir_all(&dir);
    problems
}
