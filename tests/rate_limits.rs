//! Rate limits: budgets of cost points per client and per address, `429` with
//! `Retry-After` when one is spent, `x-ratelimit-*` headers on every answer, addresses
//! from forwarding headers of trusted proxies only, and the token endpoint's own limits
//! and bounded secret verification.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode};
use common::{Running, TestApp, TestDatabase};
use knotenpunkt::config::{ForwardedHeader, Limits, RateLimits};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A cheap query whatever the cost model says.
const VIEWER: &str = "{ viewer { authenticated } }";

/// Limits with these budgets (0: off) and everything else as configured by default.
fn limits(rate: RateLimits) -> Limits {
    Limits {
        rate,
        ..Limits::default()
    }
}

/// A GraphQL POST from the connection peer `peer`, with extra headers.
fn graphql_from(peer: &str, headers: &[(&str, &str)], body: Value) -> Request<Body> {
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

async fn send(app: &TestApp, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let (status, headers, body) = app.send(request).await;
    let body = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("a JSON body: {}", String::from_utf8_lossy(&body)));
    (status, headers, body)
}

fn header(headers: &HeaderMap, name: &str) -> u64 {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("a `{name}` header in {headers:?}"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("`{name}` is a number"))
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// Sends `request()` until the budget is spent; returns the answers before the 429 and
/// the 429. Every request costs at least one point, so `budget + 1` requests suffice.
async fn until_refused(
    app: &TestApp,
    budget: u64,
    request: impl Fn() -> Request<Body>,
) -> (Vec<HeaderMap>, (HeaderMap, Value)) {
    let mut admitted = Vec::new();
    for _ in 0..=budget {
        let (status, headers, body) = send(app, request()).await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            return (admitted, (headers, body));
        }
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        admitted.push(headers);
    }
    panic!("no 429 after {} requests", budget + 1);
}

#[tokio::test]
async fn a_spent_budget_is_429_with_retry_after_until_it_refills() {
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_anonymous_points_per_minute: 60,
        ..RateLimits::default()
    }))
    .await;
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let from_a = || graphql_from("203.0.113.1", &[], json!({ "query": VIEWER }));
    let (admitted, (headers, body)) = until_refused(&app, 60, from_a).await;

    // Every answer says what is left of the budget, GitHub-style.
    assert!(!admitted.is_empty(), "the first request runs");
    let mut last = u64::MAX;
    for h in &admitted {
        assert_eq!(header(h, "x-ratelimit-limit"), 60);
        let remaining = header(h, "x-ratelimit-remaining");
        assert!(
            remaining < last,
            "the budget shrinks: {remaining} after {last}"
        );
        assert_eq!(header(h, "x-ratelimit-used") + remaining, 60);
        assert!(header(h, "x-ratelimit-reset") >= started);
        assert_eq!(h["x-ratelimit-resource"], "graphql");
        last = remaining;
    }

    // Spent: 429, `Retry-After`, a GraphQL error with a code and no `data`.
    let retry_after = header(&headers, "retry-after");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["retryAfter"], retry_after);
    assert!(body.get("data").is_none(), "no data entry: {body}");
    assert_eq!(header(&headers, "x-ratelimit-limit"), 60);
    assert!(header(&headers, "x-ratelimit-remaining") < 60);

    // The modern media type gets the same 429.
    let (status, _, body) = send(
        &app,
        graphql_from(
            "203.0.113.1",
            &[("accept", "application/graphql-response+json")],
            json!({ "query": VIEWER }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "RATE_LIMITED");

    // Another address has a budget of its own, and so has a client calling from the
    // spent address.
    let (status, _, _) = send(
        &app,
        graphql_from("203.0.113.2", &[], json!({ "query": VIEWER })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let token = app.demo_token("school").await;
    let bearer = format!("Bearer {token}");
    let (status, headers, body) = send(
        &app,
        graphql_from(
            "203.0.113.1",
            &[("authorization", &bearer)],
            json!({ "query": VIEWER }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["viewer"]["authenticated"], true);
    assert_eq!(
        header(&headers, "x-ratelimit-limit"),
        u64::from(RateLimits::default().rate_limit_points_per_minute)
    );

    // After `Retry-After` the caller is served again.
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let (status, _, body) = send(&app, from_a()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn clients_spend_budgets_of_their_own() {
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_points_per_minute: 5,
        ..RateLimits::default()
    }))
    .await;
    let school = format!("Bearer {}", app.demo_token("school").await);
    let provider = format!("Bearer {}", app.demo_token("provider").await);
    let as_school = || {
        graphql_from(
            "203.0.113.1",
            &[("authorization", &school)],
            json!({ "query": VIEWER }),
        )
    };
    let (_, (headers, body)) = until_refused(&app, 5, as_school).await;
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    assert!(header(&headers, "retry-after") >= 1);

    // The same client from another address is still refused: the budget is the client's.
    let (status, _, _) = send(
        &app,
        graphql_from(
            "198.51.100.7",
            &[("authorization", &school)],
            json!({ "query": VIEWER }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another client from the same address is served.
    let (status, headers, body) = send(
        &app,
        graphql_from(
            "203.0.113.1",
            &[("authorization", &provider)],
            json!({ "query": VIEWER }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(header(&headers, "x-ratelimit-limit"), 5);
}

#[tokio::test]
async fn a_batch_answers_what_ran_and_refuses_the_rest() {
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_points_per_minute: 2,
        ..RateLimits::default()
    }))
    .await;
    let school = format!("Bearer {}", app.demo_token("school").await);
    let batch = || {
        graphql_from(
            "203.0.113.1",
            &[("authorization", &school)],
            json!([{ "query": VIEWER }, { "query": VIEWER }, { "query": VIEWER }]),
        )
    };
    // The budget admits the first operation and not all three: what ran is answered
    // (a mutation that ran must be reported), the rest carries `RATE_LIMITED`.
    let (status, headers, body) = send(&app, batch()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = body.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["data"]["viewer"]["authenticated"], true);
    assert_eq!(code(&answers[2]), "RATE_LIMITED", "{body}");
    assert!(header(&headers, "retry-after") >= 1);
    assert_eq!(header(&headers, "x-ratelimit-remaining"), 0);

    // Nothing fits any more: 429, and every entry is an error without `data`.
    let (status, headers, body) = send(&app, batch()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(header(&headers, "retry-after") >= 1);
    let answers = body.as_array().expect("a batch answer");
    assert_eq!(answers.len(), 3);
    for answer in answers {
        assert_eq!(code(answer), "RATE_LIMITED", "{body}");
        assert!(answer.get("data").is_none(), "{body}");
    }
}

#[tokio::test]
async fn requests_refused_before_execution_cost_a_point() {
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_anonymous_points_per_minute: 4,
        ..RateLimits::default()
    }))
    .await;
    let from = |headers: &[(&str, &str)], body: Value| graphql_from("203.0.113.5", headers, body);
    // A document that does not parse, a token that does not verify, a body that is not
    // a GraphQL request: each answers as before, with the headers, and costs a point.
    let refused = [
        (
            from(&[], json!({ "query": "{ viewer {" })),
            StatusCode::OK,
            "GRAPHQL_PARSE_FAILED",
        ),
        (
            from(
                &[("authorization", "Bearer not-a-token")],
                json!({ "query": VIEWER }),
            ),
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
        ),
        (
            from(&[], json!({ "nothing": 1 })),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            from(&[], json!({ "query": "{ nope }" })),
            StatusCode::OK,
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ];
    for (i, (request, status, expected)) in refused.into_iter().enumerate() {
        let (got, headers, body) = send(&app, request).await;
        assert_eq!(got, status, "{body}");
        assert_eq!(code(&body), expected, "{body}");
        assert_eq!(header(&headers, "x-ratelimit-remaining"), 3 - i as u64);
    }
    let (status, headers, body) = send(&app, from(&[], json!({ "query": "{ viewer {" }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "RATE_LIMITED");
    assert!(header(&headers, "retry-after") >= 1);
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_anonymous_points_per_minute: 1,
        trusted_proxies: vec!["192.0.2.0/28".parse().unwrap()],
        ..RateLimits::default()
    }))
    .await;
    let status = |peer: &'static str, forwarded: &'static str| {
        let app = &app;
        async move {
            let headers: &[(&str, &str)] = if forwarded.is_empty() {
                &[]
            } else {
                &[("x-forwarded-for", forwarded)]
            };
            send(app, graphql_from(peer, headers, json!({ "query": VIEWER })))
                .await
                .0
        }
    };
    // Through the trusted proxy, each forwarded address has its own budget of one.
    assert_eq!(status("192.0.2.10", "203.0.113.1").await, StatusCode::OK);
    assert_eq!(
        status("192.0.2.10", "203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(status("192.0.2.10", "203.0.113.2").await, StatusCode::OK);
    // Addresses a caller writes in front of the proxy's entry change nothing; hops of
    // trusted proxies (192.0.2.11) are looked through.
    assert_eq!(
        status("192.0.2.10", "198.51.100.99, 203.0.113.1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        status("192.0.2.10", "203.0.113.2, 192.0.2.11").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // From a peer that is not a trusted proxy the header is ignored: a fresh address in
    // it buys no fresh budget.
    assert_eq!(status("198.51.100.7", "203.0.113.3").await, StatusCode::OK);
    assert_eq!(
        status("198.51.100.7", "203.0.113.4").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // With `--forwarded-header forwarded` the RFC 7239 header counts, and only it.
    let app = TestApp::with_limits(limits(RateLimits {
        rate_limit_anonymous_points_per_minute: 1,
        trusted_proxies: vec!["192.0.2.10/32".parse().unwrap()],
        forwarded_header: ForwardedHeader::Forwarded,
        ..RateLimits::default()
    }))
    .await;
    let via = |forwarded: &str, xff: &str| {
        graphql_from(
            "192.0.2.10",
            &[("forwarded", forwarded), ("x-forwarded-for", xff)],
            json!({ "query": VIEWER }),
        )
    };
    let (ok, _, _) = send(
        &app,
        via(r#"for="[2001:db8::1]:4711";proto=https"#, "203.0.113.7"),
    )
    .await;
    assert_eq!(ok, StatusCode::OK);
    let (spent, _, _) = send(&app, via("for=\"2001:db8::2\"", "203.0.113.8")).await;
    assert_eq!(
        spent,
        StatusCode::TOO_MANY_REQUESTS,
        "2001:db8::1 and ::2 share a /64; X-Forwarded-For is not read"
    );
    let (ok, _, _) = send(&app, via("for=203.0.113.9:5000", "203.0.113.8")).await;
    assert_eq!(ok, StatusCode::OK);
}

/// The served binary gets the connection's peer address: with 127.0.0.1 as trusted
/// proxy, two forwarded addresses have budgets of their own (without the peer address
/// the header could not be trusted, and both would share one).
#[tokio::test]
async fn the_served_hub_keys_anonymous_callers_by_address() {
    let db = TestDatabase::new().await;
    let dir = std::env::temp_dir().join(format!(
        "knotenpunkt-rate-{}-{}",
        std::process::id(),
        common::free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = common::free_port();
    let addr = format!("127.0.0.1:{port}");
    let _hub = Running(
        std::process::Command::new(env!("CARGO_BIN_EXE_knotenpunkt"))
            .env_clear()
            .args(["serve", "--listen", &addr, "--database-url", &db.url])
            .env("KNOTENPUNKT_RATE_LIMIT_ANONYMOUS_POINTS_PER_MINUTE", "1")
            .env("KNOTENPUNKT_TRUSTED_PROXIES", "127.0.0.1, ::1")
            .env("KNOTENPUNKT_SIGNING_KEY_PATH", dir.join("keys.json"))
            .current_dir(&dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start knotenpunkt"),
    );
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let up = http.get(format!("http://{addr}/healthz")).send().await;
        if up.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        assert!(Instant::now() < deadline, "the hub did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let query = |forwarded: &'static str| {
        http.post(format!("http://{addr}/graphql"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({ "query": VIEWER }))
            .send()
    };
    assert_eq!(query("203.0.113.1").await.unwrap().status(), 200);
    let spent = query("203.0.113.1").await.unwrap();
    assert_eq!(spent.status(), 429);
    assert!(spent.headers().contains_key("retry-after"));
    assert_eq!(query("203.0.113.2").await.unwrap().status(), 200);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A token request from `peer` with credentials in the body.
fn token_from(peer: &str, client_id: &str, secret: &str) -> Request<Body> {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials");
    form.append_pair("client_id", client_id);
    form.append_pair("client_secret", secret);
    let mut request = Request::post("/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form.finish()))
        .unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}

fn demo_secret(kind: &str) -> String {
    knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == format!("demo-{kind}"))
        .expect("a demo client")
        .secret
        .to_string()
}

#[tokio::test]
async fn the_token_endpoint_limits_each_client_and_each_address() {
    let app = TestApp::with_limits(limits(RateLimits {
        token_requests_per_minute: 3,
        token_requests_per_minute_per_address: 5,
        ..RateLimits::default()
    }))
    .await;
    let school = demo_secret("school");
    for _ in 0..3 {
        let (status, _, body) = send(&app, token_from("203.0.113.1", "demo-school", "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // The client's requests are spent, even with the right secret, from any address.
    for peer in ["203.0.113.1", "198.51.100.7"] {
        let (status, headers, body) = send(&app, token_from(peer, "demo-school", &school)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert_eq!(body["error"], "temporarily_unavailable");
        assert!(header(&headers, "retry-after") >= 1);
        assert_eq!(headers["cache-control"], "no-store");
    }

    // 203.0.113.1 has spent four of its five: one more request, for another client,
    // and then nothing more from it.
    let provider = demo_secret("provider");
    let (status, _, body) = send(&app, token_from("203.0.113.1", "demo-provider", &provider)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, headers, body) =
        send(&app, token_from("203.0.113.1", "demo-provider", &provider)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(header(&headers, "retry-after") >= 1);
    let (status, _, body) =
        send(&app, token_from("198.51.100.8", "demo-provider", &provider)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// This process's resident memory in KiB.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A flood of bad secrets from many addresses for many client ids — which no per-client
/// or per-address limit catches — runs at most one argon2 verification per core: the
/// memory stays bounded (19 MiB each) and `/healthz` keeps answering promptly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_secrets_is_bounded_and_the_hub_stays_responsive() {
    const FLOOD: usize = 48;
    let app = TestApp::with_limits(limits(RateLimits {
        token_requests_per_minute: 0,
        token_requests_per_minute_per_address: 0,
        ..RateLimits::default()
    }))
    .await;
    let router = app.router.clone();
    let baseline = resident_kib();
    let started = Instant::now();
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let request = token_from(
                &format!("203.0.113.{}", i + 1),
                &format!("guess-{i}"),
                "wrong",
            );
            let router = router.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                router.oneshot(request).await.map(|r| r.status())
            })
        })
        .collect();
    let mut peak = 0;
    let mut slowest = Duration::ZERO;
    while !flood.iter().all(|f| f.is_finished()) {
        peak = peak.max(resident_kib().saturating_sub(baseline));
        let asked = Instant::now();
        let (status, _, _) = app
            .send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::OK);
        slowest = slowest.max(asked.elapsed());
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the flood did not end"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for f in flood {
        assert_eq!(f.await.unwrap().unwrap(), StatusCode::UNAUTHORIZED);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    println!(
        "{FLOOD} bad secrets in {:?}; peak extra memory {} MiB; slowest /healthz {:?}",
        started.elapsed(),
        peak / 1024,
        slowest
    );
    // 19 MiB per verification in flight, one per core, and room for the rest of the
    // process; all of them at once would take FLOOD × 19 MiB.
    assert!(
        peak < (cores * 19 + 150) * 1024,
        "peak extra memory {} MiB",
        peak / 1024
    );
    assert!(
        slowest < Duration::from_millis(500),
        "slowest /healthz {slowest:?}"
    );

    // With the per-client limit on, a flood for one client is refused cheaply after it.
    let app = TestApp::with_limits(limits(RateLimits {
        token_requests_per_minute: 5,
        ..RateLimits::default()
    }))
    .await;
    let flood: Vec<_> = (0..FLOOD)
        .map(|i| {
            let request = token_from(&format!("203.0.113.{}", i + 1), "demo-school", "wrong");
            let router = app.router.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                router.oneshot(request).await.map(|r| r.status())
            })
        })
        .collect();
    let mut refused = 0;
    for f in flood {
        match f.await.unwrap().unwrap() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, FLOOD - 5);
}
