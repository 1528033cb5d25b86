//! `cargo bench --bench import`: a school's catalogue imported through `POST
//! /import/courses` over HTTP with a real token.
//!
//! It starts the hub binary on the demo network (an SQLite file in a temporary folder,
//! or with `BENCH_POSTGRES=1` a fresh PostgreSQL database, dropped at the end) and
//! imports a generated CSV file of `BENCH_ROWS` rows (10,000: half as many courses, each
//! with two runs) three times:
//!
//! - first: every row creates a course or a run;
//! - again, the same file: every row is unchanged, nothing is written;
//! - with every tenth course retitled: those rows update.
//!
//! For each pass it prints the rows per second (from sending the first byte to the
//! report) and the hub's peak resident memory during the import above its resident
//! memory before it (sampled every 5 ms from `/proc`), and checks the report's counts.
//!
//! Settings: `BENCH_ROWS`, `BENCH_POSTGRES`, `BENCH_DATABASE_URL` (the PostgreSQL server;
//! default `postgres://postgres@127.0.0.1/test`), `BENCH_HUB` (another hub binary).

mod support;

use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{env_or, rss_mib, start_hub_with, token};

const DATABASE: &str = "knotenpunkt_bench_import";

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// The catalogue: `rows` rows, two runs per course; courses divisible by `retitle`
/// (when given) carry another title.
fn catalogue(rows: usize, retitle: Option<usize>) -> String {
    let mut out = String::from(
        "externalId;courseType;title;description;professions;runExternalId;startDate;endDate;hours;format;schedule;seatsMin;seatsMax;region;city;cost.amount;cost.currency;fundingOptions;status\n",
    );
    for i in 0..rows {
        let course = i / 2;
        let title = match retitle {
            Some(n) if course % n == 0 => format!("Kenntnisprüfung Pflege {course} (neu)"),
            _ => format!("Kenntnisprüfung Pflege {course}"),
        };
        out.push_str(&format!(
            "K-{course};KNOWLEDGE_TEST_PREP;{title};Vorbereitung auf die Kenntnisprüfung mit Praxisanteil;nurse;R-{course}-{};{};{};240;HYBRID;PART_TIME;6;18;14713;Leipzig;1890.00;EUR;BILDUNGSGUTSCHEIN;OPEN\n",
            i % 2,
            day(30 + (i % 90) as i64),
            day(200 + (i % 90) as i64),
        ));
    }
    out
}

struct Pass {
    rows_per_sec: f64,
    peak_mib: f64,
    report: Value,
}

async fn import(url: &str, token: &str, pid: u32, body: String) -> Pass {
    let before = rss_mib(pid).unwrap_or(0.0);
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        tokio::spawn(async move {
            let mut peak = before;
            while !done.load(Ordering::Relaxed) {
                peak = peak.max(rss_mib(pid).unwrap_or(0.0));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let rows = body.lines().count() - 1;
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{url}/import/courses"))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(body)
        .send()
        .await
        .expect("the hub answers");
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.expect("a report");
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    Pass {
        rows_per_sec: rows as f64 / elapsed.as_secs_f64(),
        peak_mib: peak - before,
        report,
    }
}

#[tokio::main]
async fn main() {
    let rows: usize = env_or("BENCH_ROWS", 10_000);
    let postgres = std::env::var("BENCH_POSTGRES").is_ok_and(|v| v == "1");
    let binary = std::env::var("BENCH_HUB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_knotenpunkt")));
    let dir = std::env::temp_dir().join(format!("knotenpunkt-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
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
    // The demo network, loaded by the hub itself.
    let hub = start_hub_with(
        &binary,
        &database_url,
        &dir,
        &[("KNOTENPUNKT_DEMO", "true")],
    )
    .await;
    let pid = hub.child.id();
    let school = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-school")
        .expect("the demo school");
    let token = token(&hub.url, &school.client_id, &school.secret).await;
    // Settle after start-up (the demo load's memory is released periodically).
    tokio::time::sleep(Duration::from_secs(11)).await;

    let first = catalogue(rows, None);
    let bytes = first.len();
    println!(
        "import of {rows} rows ({:.1} MiB of CSV) on {}",
        bytes as f64 / (1024.0 * 1024.0),
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!("{:<28} {:>10} {:>16}", "pass", "rows/s", "peak RSS +MiB");
    let passes = [
        ("created", catalogue(rows, None), "created", rows),
        ("the same file: unchanged", first, "unchanged", rows),
        // A course's first row updates it; its second row finds it updated already.
        (
            "every 10th course retitled",
            catalogue(rows, Some(10)),
            "updated",
            rows / 20,
        ),
    ];
    let mut failed = false;
    for (name, body, counted, expected) in passes {
        let pass = import(&hub.url, &token, pid, body).await;
        println!(
            "{name:<28} {:>10.0} {:>16.1}",
            pass.rows_per_sec, pass.peak_mib
        );
        let got = pass.report[counted].as_u64().unwrap_or(0) as usize;
        if got != expected || pass.report["failed"] != 0 {
            eprintln!(
                "{name}: expected {expected} {counted}, the report says {} created, {} updated, {} unchanged, {} failed",
                pass.report["created"],
                pass.report["updated"],
                pass.report["unchanged"],
                pass.report["failed"]
            );
            failed = true;
        }
    }
    drop(hub);
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
    assert!(!failed, "an import's report was not as expected");
}
