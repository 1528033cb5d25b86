//! `cargo bench --bench fanout`: one seat change fanned out to many idle subscribers.
//!
//! It starts the hub binary on the demo network (an SQLite file in a temporary folder,
//! or with `BENCH_POSTGRES=1` a fresh PostgreSQL database, dropped at the end), opens
//! `BENCH_SUBSCRIBERS` (1,000) graphql-ws clients with the npm `graphql-ws` package
//! (`tests/ws`), each on its own socket subscribed anonymously to
//! `courseRunChanged(filter: {profession: "nurse"})`, and measures:
//!
//! - the hub's resident memory before and after the subscribers connected, and so per
//!   subscriber;
//! - `BENCH_CHANGES` (5) times: from sending an enrolment (one seat change, through
//!   GraphQL over HTTP with a real token) until the last subscriber received the event,
//!   and the spread between the first and the last one to receive it.
//!
//! Settings: `BENCH_SUBSCRIBERS`, `BENCH_CHANGES`, `BENCH_POSTGRES`,
//! `BENCH_DATABASE_URL` (the PostgreSQL server; default
//! `postgres://postgres@127.0.0.1/test`), `BENCH_HUB` (another hub binary).

mod support;

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{env_or, rss_mib, start_hub_with, token};

const DATABASE: &str = "knotenpunkt_bench_fanout";

async fn graphql(url: &str, token: &str, query: &str, variables: Value) -> Value {
    let answer: Value = reqwest::Client::new()
        .post(format!("{url}/graphql"))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("the hub answers")
        .json()
        .await
        .expect("JSON");
    assert!(answer["errors"].is_null(), "{answer}");
    answer["data"].clone()
}

async fn demo_token(url: &str, kind: &str) -> String {
    let client = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == format!("demo-{kind}"))
        .expect("a demo client");
    token(url, &client.client_id, &client.secret).await
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

#[tokio::main]
async fn main() {
    let subscribers: usize = env_or("BENCH_SUBSCRIBERS", 1000);
    let changes: usize = env_or("BENCH_CHANGES", 5);
    let postgres = std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1");
    let binary = std::env::var("BENCH_HUB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_knotenpunkt")));
    let dir = std::env::temp_dir().join(format!("knotenpunkt-bench-fanout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ws_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/ws");
    let installed = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&ws_dir)
        .status()
        .expect("npm");
    assert!(installed.success(), "npm ci in tests/ws failed");

    let server = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into());
    let database_url = if postgres {
        let admin = Database::connect(server.as_str())
            .await
            .expect("PostgreSQL");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{DATABASE}\" WITH (FORCE)"
            ))
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{DATABASE}\""))
            .await
            .unwrap();
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path(DATABASE);
        url.to_string()
    } else {
        format!("sqlite://{}?mode=rwc", dir.join("hub.db").display())
    };
    let limit = (subscribers * 2).to_string();
    let hub = start_hub_with(
        &binary,
        &database_url,
        &dir,
        &[
            ("KNOTENPUNKT_SUBSCRIPTIONS_PER_CLIENT", limit.as_str()),
            ("KNOTENPUNKT_DEMO", "true"),
        ],
    )
    .await;
    let pid = hub.child.id();

    // A run of a school's course with room for every change.
    let school = demo_token(&hub.url, "school").await;
    let advisory = demo_token(&hub.url, "advisory").await;
    let school_org = graphql(
        &hub.url,
        &school,
        "{ viewer { organisation { id } } }",
        json!({}),
    )
    .await["viewer"]["organisation"]["id"]
        .clone();
    let course = graphql(
        &hub.url,
        &school,
        r#"mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: "Deutsch für Pflegeberufe B2 (fan-out)", professions: ["nurse"]}) { course { id } } }"#,
        json!({}),
    )
    .await["registerCourse"]["course"]["id"]
        .clone();
    let run = graphql(
        &hub.url,
        &school,
        "mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id } } }",
        json!({"input": {"courseId": course, "startDate": day(30), "endDate": day(90), "hours": 400,
          "format": "PRESENCE", "schedule": "FULL_TIME", "seatsMin": 1, "seatsMax": 100,
          "region": "14713", "city": "Leipzig", "cost": {"amount": "0", "currency": "EUR"}, "status": "OPEN"}}),
    )
    .await["scheduleCourseRun"]["courseRun"]["id"]
        .clone();
    let mut candidates = Vec::new();
    for i in 0..changes {
        let c = graphql(
            &hub.url,
            &advisory,
            "mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id } } }",
            json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "region": "14713",
              "personal": {"givenName": "Fan", "familyName": format!("Out {i}")}}}),
        )
        .await["registerCandidate"]["candidate"]["id"]
            .clone();
        graphql(
            &hub.url,
            &advisory,
            "mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }",
            json!({"input": {"candidateId": c, "organisationId": school_org, "purpose": "REFERRAL"}}),
        )
        .await;
        candidates.push(c);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_mib(pid).expect("the hub runs");

    let ws_url = format!("{}/graphql/ws", hub.url.replacen("http", "ws", 1));
    let subscriptions = json!([{
        "name": "runs",
        "query": "subscription { courseRunChanged(filter: {profession: \"nurse\"}) { kind courseRun { id seatsAvailable } } }",
    }]);
    let connecting = Instant::now();
    let mut node = Command::new("node")
        .arg("subscriber.mjs")
        .current_dir(&ws_dir)
        .env("WS_URL", &ws_url)
        .env("SUBSCRIPTIONS", subscriptions.to_string())
        .env("COPIES", subscribers.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node");
    let stdout = node.stdout.take().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, Value)>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send((Instant::now(), v));
            }
        }
    });
    loop {
        let (_, line) = rx.recv().await.expect("the subscribers run");
        if line["event"] == "ready" {
            break;
        }
        assert_ne!(line["event"], "error", "{line}");
    }
    let connected = connecting.elapsed();
    // Let every subscription reach the hub and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_mib(pid).expect("the hub runs");

    let mut latencies = Vec::new();
    let mut spreads = Vec::new();
    for (k, candidate) in candidates.iter().enumerate() {
        let sent = Instant::now();
        graphql(
            &hub.url,
            &advisory,
            "mutation($input: RequestEnrolmentInput!) { requestEnrolment(input: $input) { enrolment { status } } }",
            json!({"input": {"candidateId": candidate, "courseRunId": run}}),
        )
        .await;
        let (at, line) = loop {
            let (at, line) = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("every subscriber receives the change within 60 s")
                .expect("the subscribers run");
            if line["event"] == "fanout" && line["k"] == k + 1 {
                break (at, line);
            }
        };
        latencies.push(at.duration_since(sent).as_secs_f64() * 1000.0);
        spreads.push(line["spreadMs"].as_f64().unwrap_or(0.0));
    }
    let _ = node.kill();
    let _ = node.wait();
    drop(hub);

    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    println!(
        "fan-out of one seat change to {subscribers} idle subscribers ({backend}, graphql-ws over loopback)"
    );
    println!(
        "  connecting and subscribing all:        {:.1} s",
        connected.as_secs_f64()
    );
    println!("  hub resident memory before / after:    {before:.1} MiB / {after:.1} MiB");
    println!(
        "  resident memory per subscriber:        {:.1} KiB",
        (after - before) * 1024.0 / subscribers as f64
    );
    for (i, (l, s)) in latencies.iter().zip(&spreads).enumerate() {
        println!(
            "  change {}: last subscriber after {l:.1} ms (first to last {s:.1} ms)",
            i + 1
        );
    }
    println!(
        "  median until the last subscriber:      {:.1} ms",
        support::median(latencies.clone())
    );
    if postgres {
        let admin = Database::connect(server.as_str())
            .await
            .expect("PostgreSQL");
        let _ = admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{DATABASE}\" WITH (FORCE)"
            ))
            .await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
