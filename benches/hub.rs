//! `cargo bench`: figures a reader can compare between versions.
//!
//! - token verification per request (ES256, built-in issuer's key store);
//! - token issuance, and client authentication (argon2id) at the token endpoint;
//! - an authenticated GraphQL request end to end through the router (in-process);
//! - the latency of a catalogue page on a small and on a larger network (keyset
//!   pagination: the page must not get slower as the tables grow).
//!
//! Plain timing loops (median of rounds), printed as a table; set `BENCH_SCALE` to
//! change the size of the large network (default 20).

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use knotenpunkt::auth::{Auth, ScopeSet};
use knotenpunkt::config::{AuthArgs, DatabaseArgs, DemoArgs, Limits, RateLimits};
use knotenpunkt::{AppState, db, demo};
use serde_json::json;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Median time per operation over `rounds` rounds of `per_round` operations.
async fn measure<F, Fut>(rounds: usize, per_round: usize, mut op: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..per_round {
        op().await; // warm-up
    }
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            op().await;
        }
        samples.push(start.elapsed() / per_round as u32);
    }
    samples.sort();
    samples[rounds / 2]
}

fn row(what: &str, d: Duration) {
    println!("{what:<58} {:>12.1} µs", d.as_secs_f64() * 1e6);
}

async fn app(scale: u32, dir: &std::path::Path) -> (AppState, axum::Router) {
    let path = dir.join(format!("bench-{scale}.db"));
    let _ = std::fs::remove_file(&path);
    let conn = db::connect(&DatabaseArgs {
        database_url: format!("sqlite://{}?mode=rwc", path.display()),
        database_max_connections: 8,
    })
    .await
    .unwrap();
    db::migrate(&conn).await.unwrap();
    let started = Instant::now();
    demo::load(
        &conn,
        &DemoArgs {
            scale,
            ..DemoArgs::default()
        },
    )
    .await
    .unwrap();
    println!(
        "(demo network at scale {scale} loaded in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let auth = Auth::from_args(&AuthArgs {
        signing_key_path: dir.join(format!("keys-{scale}.json")),
        ..AuthArgs::default()
    })
    .unwrap();
    // Unthrottled: the figures are latencies, not what one caller may spend per minute.
    let limits = Limits {
        rate: RateLimits {
            rate_limit_points_per_minute: 0,
            rate_limit_anonymous_points_per_minute: 0,
            token_requests_per_minute: 0,
            token_requests_per_minute_per_address: 0,
            ..RateLimits::default()
        },
        ..Limits::default()
    };
    let state = AppState::new(conn, limits, auth).await.unwrap();
    let router = knotenpunkt::app(state.clone());
    (state, router)
}

async fn post(
    router: &axum::Router,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    let response = router
        .clone()
        .oneshot(
            request
                .body(Body::from(
                    json!({"query": query, "variables": variables}).to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

const PAGE: &str = r#"query($after: String) { courseRuns(first: 20, after: $after, filter: {hasFreeSeats: true}) {
  pageInfo { endCursor } edges { node { startDate city seatsAvailable course { title provider { name } } } } } }"#;

const CASE_FILE: &str = r#"{ candidates(first: 15) { nodes { code personal { familyName email }
  cases { status dueAt timeline { kind } decision { outcome } } } } }"#;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("knotenpunkt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let large: u32 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);

    println!("{:<58} {:>15}", "operation", "median per op");
    let (state, router) = app(1, &dir).await;
    let issuer = state.auth.issuer.as_ref().unwrap();
    let school = demo::demo_clients(42).into_iter().next().unwrap();
    let scope = ScopeSet::parse_strict("courses:write").unwrap();
    let token = issuer
        .issue(&school.client_id, Some(1), scope.clone())
        .unwrap()
        .access_token;

    row(
        "verify an access token (ES256 signature + RFC 9068 claims)",
        measure(15, 200, || async {
            state.auth.verifier.verify_uncached(&token).await.unwrap();
        })
        .await,
    );
    row(
        "verify the same token again (verified-token cache)",
        measure(15, 2000, || async {
            state.auth.verifier.verify(&token).await.unwrap();
        })
        .await,
    );
    row(
        "verify + resolve the principal (one indexed lookup)",
        measure(15, 200, || async {
            state
                .auth
                .principal(&state.db, Some(&format!("Bearer {token}")))
                .await
                .unwrap();
        })
        .await,
    );
    row(
        "issue an access token (ES256 signature)",
        measure(15, 200, || async {
            issuer
                .issue(&school.client_id, Some(1), scope.clone())
                .unwrap();
        })
        .await,
    );
    row(
        "authenticate a client at the token endpoint (argon2id)",
        measure(5, 4, || async {
            knotenpunkt::service::clients::authenticate(
                &state.db,
                &state.secrets,
                &school.client_id,
                &school.secret,
            )
            .await
            .unwrap()
            .unwrap();
        })
        .await,
    );
    row(
        "GraphQL `viewer` over the router, anonymous",
        measure(15, 100, || async {
            post(&router, None, "{ viewer { authenticated } }", json!({})).await;
        })
        .await,
    );
    row(
        "GraphQL `viewer` over the router, with a bearer token",
        measure(15, 100, || async {
            post(&router, Some(&token), "{ viewer { client } }", json!({})).await;
        })
        .await,
    );

    let advisory = demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-advisory")
        .unwrap();
    let advisory_org = knotenpunkt::service::clients::find(&state.db, &advisory.client_id)
        .await
        .unwrap()
        .unwrap()
        .organisation_id;
    let advisory_token = issuer
        .issue(
            &advisory.client_id,
            advisory_org,
            ScopeSet::parse_strict(advisory.scopes).unwrap(),
        )
        .unwrap()
        .access_token;
    row(
        "case file: 15 candidates with personal data, cases, timeline (+ audit write)",
        measure(9, 20, || async {
            post(&router, Some(&advisory_token), CASE_FILE, json!({})).await;
        })
        .await,
    );

    for (scale, router) in [(1, router), (large, app(large, &dir).await.1)] {
        let deep = {
            // Walk 10 pages in to measure a page deep in the list as well.
            let mut after = serde_json::Value::Null;
            for _ in 0..10 {
                let page = post(&router, None, PAGE, json!({"after": after})).await;
                after = page["data"]["courseRuns"]["pageInfo"]["endCursor"].clone();
            }
            after
        };
        row(
            &format!("course runs page 1 (20 rows, nested), scale {scale}"),
            measure(9, 20, || async {
                post(&router, None, PAGE, json!({})).await;
            })
            .await,
        );
        row(
            &format!("course runs page 11 (keyset cursor), scale {scale}"),
            measure(9, 20, || async {
                post(&router, None, PAGE, json!({"after": deep})).await;
            })
            .await,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
