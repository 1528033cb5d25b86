//! `cargo bench --bench statistics`: `statistics` over a state-sized case file, on
//! PostgreSQL, over HTTP with a real token.
//!
//! It creates a fresh PostgreSQL database and loads the demo network with `demo-data
//! --scale BENCH_SCALE` (200 candidates per unit of scale, with their cases, events and
//! decisions). `demo-data` inserts row by row, which takes long at scale 500, and its
//! batched inserts pass PostgreSQL's 65,535 parameters above scale 40, so by default it
//! loads scale 20 (4,000 candidates) and copies every demo candidate with its cases,
//! decisions and case events `BENCH_COPIES − 1` more times in SQL (default 25 in all:
//! 100,000 candidates), each copy's cases submitted up to 300 days earlier
//! and with fresh record keys. Then it starts the hub binary on it and asks, one request
//! at a time, `BENCH_REQUESTS` times each (after a warm-up of 3):
//!
//! - `statistics(groupBy: [STATE, PROFESSION, YEAR])` over all cases, with margins,
//!   medians and overdue shares (the table of the issue);
//! - the same for Sachsen only (`filter: {region: "DE-SN"}`);
//! - `caseFunnel` over all cases;
//! - `demandGaps` over all regions.
//!
//! It prints p50 and p99 latency, the cells answered and the statements per request,
//! and how long loading the data took. The database is dropped at the end.
//!
//! Settings (environment): `BENCH_DATABASE_URL` (a PostgreSQL server; default
//! `postgres://postgres@127.0.0.1/test?sslmode=disable`), `BENCH_SCALE` (20),
//! `BENCH_COPIES` (25; 1 measures the demo data as loaded), `BENCH_REQUESTS` (40),
//! `BENCH_HUB` (another hub binary to measure).

mod support;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{env_or, start_hub, statements, token};

const DATABASE: &str = "knotenpunkt_bench_statistics";

const TABLE: &str = r#"query($f: StatisticsFilter) {
  statistics(groupBy: [STATE, PROFESSION, YEAR], filter: $f) {
    cells { key { value } count flags medianDaysToDecision medianDaysToLicence overdueShare }
    margins { dimension cells { key { value } count flags medianDaysToDecision } }
    total { count medianDaysToDecision overdueShare } } }"#;

const FUNNEL: &str = "{ caseFunnel { stage count { count } medianDaysFromPrevious } }";

const GAPS: &str = "{ demandGaps { region { code } measure need { count } seats gap } }";

async fn connect(url: &str) -> DatabaseConnection {
    Database::connect(url).await.expect("connect to PostgreSQL")
}

async fn drop_database(admin: &DatabaseConnection) {
    let _ = admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS \"{DATABASE}\" WITH (FORCE)"
        ))
        .await;
}

/// A token of the demo funder (`stats:read`).
async fn funder_token(url: &str) -> String {
    let client = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-funder")
        .expect("the demo funder");
    token(url, &client.client_id, &client.secret).await
}

/// The `p`-th percentile of sorted durations, in milliseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted
        .get(i)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Asks `query` `n` times after a warm-up: (sorted latencies, the last answer).
async fn measure(
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
    n: usize,
) -> (Vec<Duration>, Value) {
    let client = reqwest::Client::new();
    let body = json!({"query": query, "variables": variables});
    let mut times = Vec::with_capacity(n);
    let mut last = Value::Null;
    for i in 0..n + 3 {
        let started = Instant::now();
        let answer: Value = client
            .post(format!("{url}/graphql"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("POST /graphql")
            .json()
            .await
            .expect("a JSON answer");
        let took = started.elapsed();
        assert!(answer.get("errors").is_none(), "{answer}");
        if i >= 3 {
            times.push(took);
        }
        last = answer;
    }
    times.sort();
    (times, last)
}

#[tokio::main]
async fn main() {
    let server: String = env_or(
        "BENCH_DATABASE_URL",
        "postgres://postgres@127.0.0.1/test?sslmode=disable".to_owned(),
    );
    let scale: u32 = env_or("BENCH_SCALE", 20);
    let copies: u32 = env_or("BENCH_COPIES", 25);
    let requests: usize = env_or("BENCH_REQUESTS", 40);
    let binary = std::env::var("BENCH_HUB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_knotenpunkt")));
    let admin = connect(&server).await;
    drop_database(&admin).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{DATABASE}\""))
        .await
        .expect("create the benchmark database");
    let mut url = url::Url::parse(&server).expect("BENCH_DATABASE_URL is a URL");
    url.set_path(&format!("/{DATABASE}"));
    let database_url = url.to_string();
    let outcome = tokio::spawn(run(binary, database_url, scale, copies, requests)).await;
    drop_database(&admin).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Copies every demo candidate with its cases, decisions and case events `copies − 1`
/// times (codes `KP-COPY<n>-<id>`).
const COPY: &str = r#"
INSERT INTO candidate (code, country_of_training, profession_key, language_level, region_code,
                       advisory_id, created_at, updated_at, version)
SELECT 'KP-COPY' || g || '-' || c.id, c.country_of_training, c.profession_key, c.language_level,
       c.region_code, c.advisory_id, c.created_at, c.updated_at, 1
FROM generate_series(2, {copies}) g CROSS JOIN candidate c WHERE c.code LIKE 'KP-DEMO%';
CREATE TEMP TABLE copied AS
SELECT n.id AS new_candidate, split_part(n.code, '-', 3)::bigint AS old_candidate
FROM candidate n WHERE n.code LIKE 'KP-COPY%';
CREATE TEMP TABLE case_map AS
SELECT nextval(pg_get_serial_sequence('recognition_case', 'id')) AS new_case, rc.id AS old_case, cp.new_candidate,
       (random() * 300)::int AS shift
FROM copied cp JOIN recognition_case rc ON rc.candidate_id = cp.old_candidate;
INSERT INTO recognition_case (id, candidate_id, profession_key, authority_id, legal_basis, origin, fast_track,
                              status, submitted_on, complete_on, due_on, decided_on, missing_documents,
                              created_at, updated_at, version, record_key)
OVERRIDING SYSTEM VALUE
SELECT m.new_case, m.new_candidate, rc.profession_key, rc.authority_id, rc.legal_basis, rc.origin, rc.fast_track,
       rc.status, rc.submitted_on - m.shift, rc.complete_on - m.shift, rc.due_on - m.shift, rc.decided_on - m.shift,
       rc.missing_documents, rc.created_at, rc.updated_at, rc.version, floor(random() * 65536)::int
FROM case_map m JOIN recognition_case rc ON rc.id = m.old_case;
INSERT INTO decision (case_id, outcome, deficit_areas, measures, decided_on, note, created_at)
SELECT m.new_case, d.outcome, d.deficit_areas, d.measures, d.decided_on - m.shift, d.note, d.created_at
FROM case_map m JOIN decision d ON d.case_id = m.old_case;
INSERT INTO case_event (case_id, at, kind, organisation_id, client_id, from_status, to_status, note)
SELECT m.new_case, e.at - m.shift * interval '1 day', e.kind, e.organisation_id, e.client_id, e.from_status,
       e.to_status, e.note
FROM case_map m JOIN case_event e ON e.case_id = m.old_case;
"#;

async fn run(binary: PathBuf, database_url: String, scale: u32, copies: u32, requests: usize) {
    let started = Instant::now();
    let status = Command::new(&binary)
        .args(["demo-data", "--database-url", &database_url])
        .args(["--scale", &scale.to_string()])
        .env("RUST_LOG", "warn")
        .status()
        .expect("run demo-data");
    assert!(status.success(), "demo-data failed");
    let loaded = started.elapsed();
    let db = connect(&database_url).await;
    let started = Instant::now();
    if copies > 1 {
        db.execute_unprepared(&COPY.replace("{copies}", &copies.to_string()))
            .await
            .expect("copy the demo candidates");
    }
    let copied = started.elapsed();
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                sql,
            ))
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0)
        }
    };
    let candidates = count("SELECT COUNT(*) FROM candidate").await;
    let cases = count("SELECT COUNT(*) FROM recognition_case").await;
    let events = count("SELECT COUNT(*) FROM case_event").await;
    println!(
        "data: demo-data --scale {scale} ({:.1} s), {copies} copies in all ({:.1} s): {candidates} candidates, {cases} cases, {events} case events",
        loaded.as_secs_f64(),
        copied.as_secs_f64()
    );
    db.execute_unprepared("VACUUM ANALYZE")
        .await
        .expect("analyze");

    let dir = std::env::temp_dir().join(format!(
        "knotenpunkt-bench-statistics-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("a working directory");
    let hub = start_hub(&binary, &database_url, &dir).await;
    let token = funder_token(&hub.url).await;
    println!();
    println!(
        "{:<46} {:>9} {:>9} {:>7} {:>11}",
        "query (sequential, over HTTP)", "p50 ms", "p99 ms", "cells", "statements"
    );
    for (name, query, variables) in [
        (
            "statistics STATE x PROFESSION x YEAR, all",
            TABLE,
            json!({}),
        ),
        (
            "statistics STATE x PROFESSION x YEAR, DE-SN",
            TABLE,
            json!({"f": {"region": "DE-SN"}}),
        ),
        ("caseFunnel, all", FUNNEL, json!({})),
        ("demandGaps, all", GAPS, json!({})),
    ] {
        let before = statements(&hub.url).await;
        let (times, answer) = measure(&hub.url, &token, query, variables, requests).await;
        let after = statements(&hub.url).await;
        let cells = answer["data"]["statistics"]["cells"]
            .as_array()
            .or_else(|| answer["data"]["caseFunnel"].as_array())
            .or_else(|| answer["data"]["demandGaps"].as_array())
            .map_or(0, Vec::len);
        println!(
            "{name:<46} {:>9.1} {:>9.1} {:>7} {:>11.1}",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            cells,
            (after - before) as f64 / (requests + 3) as f64
        );
    }
    drop(hub);
    let _ = std::fs::remove_dir_all(&dir);
}
