//! `cargo bench --bench load`: the hub under concurrent load over HTTP, on PostgreSQL.
//!
//! It creates (once) a PostgreSQL database holding the demo network at `--scale`
//! (`BENCH_SCALE`, default 34: 11,208 course runs, 3,757 courses, 1,881 organisations),
//! starts the hub binary on it, and drives each query below with `wrk` (16 connections;
//! `apt-get install wrk`) in interleaved rounds. For each query it prints requests per
//! second, p50 and p99 latency, statements per request (from the hub's
//! `knotenpunkt_db_statements_total`), and the CPU time the hub and the database's
//! backends spent per request. Then, at one connection, the hub's p50 beside the p50 of
//! the one prepared SQL statement that builds the same JSON (the floor); the hub's
//! answer is checked to be that JSON before anything is timed.
//!
//! Settings (environment):
//! - `BENCH_DATABASE_URL`: a PostgreSQL server to create the database on
//!   (default `postgres://postgres@127.0.0.1/test?sslmode=disable`: without TLS on
//!   loopback, as PostGraphile's `pg` client connects by default, so that neither side
//!   pays for encryption the other does not);
//! - `BENCH_SCALE` (34), `BENCH_SECONDS` per run (10), `BENCH_ROUNDS` (3),
//!   `BENCH_CONNECTIONS` (16);
//! - `BENCH_HUB`: another hub binary to measure instead of this build's (to compare
//!   versions on the same database);
//! - `BENCH_ONLY`: a comma-separated list of query names to run;
//! - `BENCH_YARDSTICK`: the base URL of PostGraphile v5 (Amber preset) serving the same
//!   database (`http://127.0.0.1:5678`), and `BENCH_YARDSTICK_PID` its process: its
//!   answers are checked against the same floor (with its field names mapped to the
//!   hub's), and it is driven in the same rounds, right after the hub, for each query.
//!
//! The figures depend on the machine; compare them within one run or between runs on
//! the same machine.

mod support;

use knotenpunkt::demo::demo_clients;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Hub, cpu_of, env_or, median, rss_mib, start_hub, statements};

/// A query the benchmark drives, and the SQL that builds the same `data` (the floor).
struct Load {
    name: &'static str,
    what: &'static str,
    query: &'static str,
    /// One statement whose single JSON value equals the response's `data`.
    floor: Option<&'static str>,
    /// Sent with the token of the demo advisory centre.
    authenticated: bool,
    /// The same query for PostGraphile v5 (Amber preset) on the same database.
    yardstick: Option<&'static str>,
}

const LOADS: &[Load] = &[
    Load {
        name: "runs",
        what: "courseRuns(first: 50) → course → provider → region",
        query: "{ courseRuns(first: 50) { nodes { startDate city course { title provider { name region { code } } } } } }",
        floor: Some(
            r#"SELECT json_build_object('courseRuns', json_build_object('nodes', coalesce(json_agg(
  json_build_object('startDate', r.start_date, 'city', r.city, 'course', json_build_object(
    'title', c.title, 'provider', json_build_object('name', o.name, 'region',
      CASE WHEN o.region_code IS NULL THEN NULL ELSE json_build_object('code', o.region_code) END)))
  ORDER BY r.start_date, r.id), '[]'::json)))::text
FROM (SELECT id, start_date, city, course_id FROM course_run ORDER BY start_date, id LIMIT 50) r
JOIN course c ON c.id = r.course_id JOIN organisation o ON o.id = c.provider_id"#,
        ),
        authenticated: false,
        yardstick: Some(
            "{ allCourseRuns(first: 50, orderBy: [START_DATE_ASC, ROW_ID_ASC]) { nodes { startDate city courseByCourseId { title organisationByProviderId { name regionByRegionCode { code } } } } } }",
        ),
    },
    Load {
        name: "organisations",
        what: "organisations(first: 20) { name }",
        query: "{ organisations(first: 20) { nodes { name } } }",
        floor: Some(
            r#"SELECT json_build_object('organisations', json_build_object('nodes', coalesce(json_agg(
  json_build_object('name', o.name) ORDER BY o.name, o.id), '[]'::json)))::text
FROM (SELECT id, name FROM organisation ORDER BY name, id LIMIT 20) o"#,
        ),
        authenticated: false,
        yardstick: Some(
            "{ allOrganisations(first: 20, orderBy: [NAME_ASC, ROW_ID_ASC]) { nodes { name } } }",
        ),
    },
    Load {
        name: "deep",
        what: "courses(first: 20) → provider → courses(first: 5) → runs(first: 3)",
        query: "{ courses(first: 20) { nodes { title provider { name courses(first: 5) { nodes { title runs(first: 3) { nodes { startDate } } } } } } } }",
        floor: Some(
            r#"SELECT json_build_object('courses', json_build_object('nodes', coalesce(json_agg(
  json_build_object('title', c.title, 'provider', (
    SELECT json_build_object('name', o.name, 'courses', json_build_object('nodes', coalesce((
      SELECT json_agg(json_build_object('title', c2.title, 'runs', json_build_object('nodes', coalesce((
        SELECT json_agg(json_build_object('startDate', r.start_date) ORDER BY r.start_date, r.id)
        FROM (SELECT id, start_date FROM course_run WHERE course_id = c2.id
              ORDER BY start_date, id LIMIT 3) r), '[]'::json)))
        ORDER BY c2.title, c2.id)
      FROM (SELECT id, title FROM course WHERE provider_id = o.id ORDER BY title, id LIMIT 5) c2),
      '[]'::json)))
    FROM organisation o WHERE o.id = c.provider_id))
  ORDER BY c.title, c.id), '[]'::json)))::text
FROM (SELECT id, title, provider_id FROM course ORDER BY title, id LIMIT 20) c"#,
        ),
        authenticated: false,
        yardstick: Some(
            "{ allCourses(first: 20, orderBy: [TITLE_ASC, ROW_ID_ASC]) { nodes { title organisationByProviderId { name coursesByProviderId(first: 5, orderBy: [TITLE_ASC, ROW_ID_ASC]) { nodes { title courseRunsByCourseId(first: 3, orderBy: [START_DATE_ASC, ROW_ID_ASC]) { nodes { startDate } } } } } } } }",
        ),
    },
    Load {
        name: "case-file",
        what: "candidates(first: 15) with personal data, cases, timeline (token, audited)",
        query: "{ candidates(first: 15) { nodes { code personal { familyName email } cases { status dueAt timeline { kind } decision { outcome } } } } }",
        floor: None,
        authenticated: true,
        yardstick: None,
    },
];

/// What `wrk` reports through the script's `done` hook.
const WRK_SCRIPT: &str = r#"
local f = io.open(os.getenv("BENCH_BODY"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"#;

/// A server and the query to drive it with.
struct Target<'a> {
    /// Base URL (`/graphql` is appended).
    url: &'a str,
    /// Its process, for the CPU time it spends (0: not measured).
    pid: u32,
    query: &'a str,
    /// A bearer token, or empty.
    token: &'a str,
    /// Whether it exposes `knotenpunkt_db_statements_total`.
    statements: bool,
}

/// PostGraphile's names for the fields of the hub's queries.
const YARDSTICK_NAMES: &[(&str, &str)] = &[
    ("allCourseRuns", "courseRuns"),
    ("allOrganisations", "organisations"),
    ("allCourses", "courses"),
    ("courseByCourseId", "course"),
    ("organisationByProviderId", "provider"),
    ("regionByRegionCode", "region"),
    ("coursesByProviderId", "courses"),
    ("courseRunsByCourseId", "runs"),
];

/// A PostGraphile answer with the hub's field names.
fn renamed(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = YARDSTICK_NAMES
                        .iter()
                        .find(|(from, _)| *from == k)
                        .map(|(_, to)| (*to).to_owned())
                        .unwrap_or(k);
                    (k, renamed(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(renamed).collect()),
        other => other,
    }
}

/// One `wrk` run.
#[derive(Clone, Copy, Default)]
struct Run {
    requests: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failed: u64,
    statements: f64,
    hub_cpu_ms: f64,
    db_cpu_ms: f64,
}

struct Bench {
    dir: PathBuf,
    hub: Hub,
    token: String,
    admin: DatabaseConnection,
    database: String,
}

impl Bench {
    /// PIDs of the database backends serving the hub.
    async fn backends(&self) -> Vec<u32> {
        let rows = self
            .admin
            .query_all_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                [self.database.clone().into()],
            ))
            .await
            .unwrap_or_default();
        rows.iter()
            .filter_map(|r| r.try_get_by_index::<i32>(0).ok())
            .map(|p| p as u32)
            .collect()
    }

    /// CPU time used so far by each backend serving the hub.
    async fn db_cpu(&self) -> std::collections::HashMap<u32, Duration> {
        self.backends()
            .await
            .into_iter()
            .map(|pid| (pid, cpu_of(pid)))
            .collect()
    }

    async fn wrk(&self, load: &Load, connections: u32, seconds: u32) -> Run {
        let target = Target {
            url: &self.hub.url,
            pid: self.hub.child.id(),
            query: load.query,
            token: if load.authenticated { &self.token } else { "" },
            statements: true,
        };
        self.wrk_at(&target, load.name, connections, seconds).await
    }

    async fn wrk_at(&self, target: &Target<'_>, name: &str, connections: u32, seconds: u32) -> Run {
        let body = self.dir.join(format!("{name}.json"));
        std::fs::write(&body, json!({ "query": target.query }).to_string()).expect("body");
        let script = self.dir.join("post.lua");
        std::fs::write(&script, WRK_SCRIPT).expect("wrk script");
        let threads = connections.clamp(1, 2);
        let count = async || {
            if target.statements {
                statements(target.url).await
            } else {
                0
            }
        };
        let (stmts0, hub0, db0) = (count().await, cpu_of(target.pid), self.db_cpu().await);
        let out = Command::new("wrk")
            .args([
                &format!("-t{threads}"),
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "-s",
            ])
            .arg(&script)
            .arg(format!("{}/graphql", target.url))
            .env("BENCH_BODY", &body)
            .env("BENCH_TOKEN", target.token)
            .output()
            .expect("run wrk");
        let (stmts1, hub1, db1) = (count().await, cpu_of(target.pid), self.db_cpu().await);
        let text = String::from_utf8_lossy(&out.stdout);
        let result: Vec<u64> = text
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .unwrap_or_else(|| panic!("wrk printed no result: {text}"))
            .split_whitespace()
            .filter_map(|n| n.parse().ok())
            .collect();
        let [requests, micros, p50, p99, status_errors, socket_errors] = result[..] else {
            panic!("wrk printed an unexpected result: {text}");
        };
        let n = requests.max(1) as f64;
        Run {
            requests,
            rps: requests as f64 / (micros as f64 / 1e6),
            p50_ms: p50 as f64 / 1e3,
            p99_ms: p99 as f64 / 1e3,
            failed: status_errors + socket_errors,
            statements: stmts1.saturating_sub(stmts0) as f64 / n,
            hub_cpu_ms: (hub1 - hub0).as_secs_f64() * 1e3 / n,
            // Backends opened during the run count from zero.
            db_cpu_ms: db1
                .iter()
                .map(|(pid, after)| after.saturating_sub(db0.get(pid).copied().unwrap_or_default()))
                .sum::<Duration>()
                .as_secs_f64()
                * 1e3
                / n,
        }
    }

    /// The `data` of one request.
    async fn data(&self, load: &Load) -> Value {
        let token = if load.authenticated { &self.token } else { "" };
        data_of(&self.hub.url, load.query, token).await
    }
}

/// The `data` of one request to the server at `url`, which must answer without errors.
async fn data_of(url: &str, query: &str, token: &str) -> Value {
    {
        let client = reqwest::Client::new();
        let mut request = client
            .post(format!("{url}/graphql"))
            .json(&json!({ "query": query }));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let body: Value = request
            .send()
            .await
            .expect("hub answers")
            .json()
            .await
            .expect("JSON");
        assert!(
            body.get("errors").is_none(),
            "{url} answered {query} with errors: {body}"
        );
        body["data"].clone()
    }
}

/// p50 of `n` executions of `sql` on one connection (sqlx prepares it once).
async fn floor_p50(db: &DatabaseConnection, sql: &str, n: usize) -> (Duration, Value) {
    let statement = || Statement::from_string(sea_orm::DbBackend::Postgres, sql.to_owned());
    let row = db
        .query_one_raw(statement())
        .await
        .expect("the floor statement runs")
        .expect("one row");
    let value: Value =
        serde_json::from_str(&row.try_get_by_index::<String>(0).expect("text")).expect("JSON");
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let _ = db.query_one_raw(statement()).await.expect("floor");
        samples.push(started.elapsed());
    }
    samples.sort();
    (samples[n / 2], value)
}

#[tokio::main]
async fn main() {
    if Command::new("wrk").arg("-v").output().is_err() {
        eprintln!("the load benchmark needs wrk (Debian: apt-get install wrk)");
        std::process::exit(1);
    }
    let server = env_or(
        "BENCH_DATABASE_URL",
        "postgres://postgres@127.0.0.1/test?sslmode=disable".to_owned(),
    );
    let scale: u32 = env_or("BENCH_SCALE", 34);
    let seconds: u32 = env_or("BENCH_SECONDS", 10);
    let rounds: usize = env_or("BENCH_ROUNDS", 3);
    let connections: u32 = env_or("BENCH_CONNECTIONS", 16);
    let only: Option<Vec<String>> = std::env::var("BENCH_ONLY")
        .ok()
        .map(|v| v.split(',').map(str::to_owned).collect());
    let loads: Vec<&Load> = LOADS
        .iter()
        .filter(|l| only.as_ref().is_none_or(|o| o.iter().any(|n| n == l.name)))
        .collect();
    let yardstick = std::env::var("BENCH_YARDSTICK").ok();
    let yardstick_pid: u32 = env_or("BENCH_YARDSTICK_PID", 0);
    let binary = std::env::var("BENCH_HUB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_knotenpunkt")));

    // The database: created and loaded once per scale, reused by later runs.
    let database = format!("knotenpunkt_bench_s{scale}");
    let admin = Database::connect(
        ConnectOptions::new(server.clone())
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .expect("connect to BENCH_DATABASE_URL");
    let exists = admin
        .query_one_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [database.clone().into()],
        ))
        .await
        .expect("list databases")
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{database}\""))
            .await
            .expect("create the benchmark database");
    }
    let mut url = url::Url::parse(&server).expect("BENCH_DATABASE_URL is a URL");
    url.set_path(&format!("/{database}"));
    let database_url = url.to_string();
    let started = Instant::now();
    let status = Command::new(&binary)
        .args(["demo-data", "--database-url", &database_url])
        .args(["--scale", &scale.to_string()])
        .env("RUST_LOG", "warn")
        .status()
        .expect("run demo-data");
    assert!(status.success(), "demo-data failed");
    // As autovacuum would have done by now on a live server: statistics and the
    // visibility map that lets index-only scans skip the table.
    Database::connect(
        ConnectOptions::new(database_url.clone())
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .expect("connect to the benchmark database")
    .execute_unprepared("VACUUM ANALYZE")
    .await
    .expect("vacuum");
    println!(
        "database {database} at scale {scale} ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let dir = std::env::temp_dir().join(format!("knotenpunkt-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let started = Instant::now();
    let hub = start_hub(&binary, &database_url, &dir).await;
    println!(
        "hub {} ready in {:.0} ms",
        binary.display(),
        started.elapsed().as_secs_f64() * 1e3
    );
    let advisory = demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-advisory")
        .expect("demo advisory client");
    let token = support::token(&hub.url, &advisory.client_id, &advisory.secret).await;
    let bench = Bench {
        dir: dir.clone(),
        hub,
        token,
        admin,
        database: database.clone(),
    };

    // The floor, and the check that the hub answers exactly what it builds.
    let floor_db = Database::connect(
        ConnectOptions::new(database_url.clone())
            .max_connections(1)
            .sqlx_logging(false)
            .to_owned(),
    )
    .await
    .expect("connect to the benchmark database");
    let mut floors = Vec::new();
    for load in &loads {
        let data = bench.data(load).await;
        let floor = match load.floor {
            Some(sql) => {
                let (p50, expected) = floor_p50(&floor_db, sql, 2_000).await;
                assert_eq!(
                    data, expected,
                    "{}: the hub's answer differs from the floor's",
                    load.name
                );
                if let (Some(url), Some(query)) = (&yardstick, load.yardstick) {
                    assert_eq!(
                        renamed(data_of(url, query, "").await),
                        expected,
                        "{}: the yardstick's answer differs from the floor's",
                        load.name
                    );
                }
                Some(p50)
            }
            None => None,
        };
        floors.push(floor);
    }
    println!("answers checked against the floor statements\n");

    // Interleaved rounds: every query once per round.
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); loads.len()];
    let mut yard_runs: Vec<Vec<Run>> = vec![Vec::new(); loads.len()];
    let yard_target = |load: &Load| -> Option<Target<'_>> {
        Some(Target {
            url: yardstick.as_deref()?,
            pid: yardstick_pid,
            query: load.yardstick?,
            token: "",
            statements: false,
        })
    };
    let mut peak_rss: f64 = 0.0;
    for _ in 0..(seconds.min(3)) {
        bench.wrk(loads[0], connections, 1).await; // warm-up
    }
    for round in 1..=rounds {
        for (i, load) in loads.iter().enumerate() {
            let run = bench.wrk(load, connections, seconds).await;
            peak_rss = peak_rss.max(rss_mib(bench.hub.child.id()).unwrap_or(0.0));
            println!(
                "round {round} {:<14} {:>8.0} rps  p50 {:>6.2} ms  p99 {:>7.2} ms{}",
                load.name,
                run.rps,
                run.p50_ms,
                run.p99_ms,
                if run.failed > 0 {
                    format!("  ({} failed)", run.failed)
                } else {
                    String::new()
                }
            );
            runs[i].push(run);
            if let Some(target) = yard_target(load) {
                let name = format!("{}-yardstick", load.name);
                let run = bench.wrk_at(&target, &name, connections, seconds).await;
                println!(
                    "round {round} {:<14} {:>8.0} rps  p50 {:>6.2} ms  p99 {:>7.2} ms  (yardstick)",
                    load.name, run.rps, run.p50_ms, run.p99_ms
                );
                yard_runs[i].push(run);
            }
        }
    }
    println!(
        "\n{connections} connections, {seconds} s × {rounds} rounds, medians of the rounds:\n"
    );
    println!(
        "| query | rps | p50 ms | p99 ms | statements/request | hub CPU ms/request | database CPU ms/request |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (load, runs) in loads.iter().zip(&runs) {
        let m = |f: fn(&Run) -> f64| median(runs.iter().map(f).collect());
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.2} | {:.2} |",
            load.what,
            m(|r| r.rps),
            m(|r| r.p50_ms),
            m(|r| r.p99_ms),
            m(|r| r.statements),
            m(|r| r.hub_cpu_ms),
            m(|r| r.db_cpu_ms),
        );
        let failed: u64 = runs.iter().map(|r| r.failed).sum();
        let requests: u64 = runs.iter().map(|r| r.requests).sum();
        assert_eq!(failed, 0, "{}: {failed} of {requests} failed", load.name);
    }
    if yardstick.is_some() {
        println!("\nthe yardstick, in the same rounds:\n");
        println!(
            "| query | yardstick rps | p50 ms | p99 ms | CPU ms/request | database CPU ms/request | hub rps / yardstick rps |"
        );
        println!("|---|---|---|---|---|---|---|");
        for ((load, yard), hub) in loads.iter().zip(&yard_runs).zip(&runs) {
            if yard.is_empty() {
                continue;
            }
            let m = |runs: &[Run], f: fn(&Run) -> f64| median(runs.iter().map(f).collect());
            println!(
                "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                load.what,
                m(yard, |r| r.rps),
                m(yard, |r| r.p50_ms),
                m(yard, |r| r.p99_ms),
                m(yard, |r| r.hub_cpu_ms),
                m(yard, |r| r.db_cpu_ms),
                m(hub, |r| r.rps) / m(yard, |r| r.rps),
            );
        }
    }
    println!("\nhub resident memory under load (peak seen): {peak_rss:.0} MiB\n");

    println!("one connection ({seconds} s each):\n");
    println!("| query | hub p50 ms | floor p50 ms (one prepared statement) | hub/floor |");
    println!("|---|---|---|---|");
    for (load, floor) in loads.iter().zip(&floors) {
        let run = bench.wrk(load, 1, seconds).await;
        match floor {
            Some(f) => {
                let f_ms = f.as_secs_f64() * 1e3;
                println!(
                    "| {} | {:.2} | {:.2} | {:.1}× |",
                    load.what,
                    run.p50_ms,
                    f_ms,
                    run.p50_ms / f_ms
                );
            }
            None => println!("| {} | {:.2} | — | — |", load.what, run.p50_ms),
        }
    }
    drop(bench);
    let _ = std::fs::remove_dir_all(&dir);
}
