//! An external IdP that changes its keys or goes down, played by a small axum server on
//! loopback that the test controls: the JWKS is used for its `max-age` (at most a day)
//! and then fetched again, so a withdrawn key stops verifying; an IdP that is down is
//! asked at most once per cooldown; `/readyz` says why the hub is not ready until
//! discovery succeeds; and the real binary starts without the IdP and says so in its log.

mod common;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use common::{PUBLIC_URL, TestApp};
use knotenpunkt::auth::ScopeSet;
use knotenpunkt::auth::issuer::Issuer;
use knotenpunkt::auth::keys::KeyStore;
use knotenpunkt::config::{AuthArgs, Limits};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const VIEWER: &str = "{ viewer { client } }";
const DISCOVERY: &str = "/.well-known/openid-configuration";

/// What the IdP serves, and what it was asked.
struct IdpState {
    up: bool,
    keys: Vec<Value>,
    cache_control: Option<&'static str>,
    hits: HashMap<String, usize>,
}

/// The IdP under the test's control.
#[derive(Clone)]
struct FakeIdp {
    issuer: String,
    state: Arc<Mutex<IdpState>>,
}

impl FakeIdp {
    /// Serves on `listener`; up, publishing `keys`.
    fn serve(listener: tokio::net::TcpListener, keys: Vec<Value>) -> FakeIdp {
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let idp = FakeIdp {
            issuer,
            state: Arc::new(Mutex::new(IdpState {
                up: true,
                keys,
                cache_control: None,
                hits: HashMap::new(),
            })),
        };
        let app = Router::new().fallback(answer).with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        idp
    }

    async fn start(keys: Vec<Value>) -> FakeIdp {
        FakeIdp::serve(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            keys,
        )
    }

    fn set(&self, change: impl FnOnce(&mut IdpState)) {
        change(&mut self.state.lock().unwrap());
    }

    fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn answer(State(idp): State<FakeIdp>, uri: Uri) -> Response {
    let mut state = idp.state.lock().unwrap();
    *state.hits.entry(uri.path().to_owned()).or_default() += 1;
    if !state.up {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    match uri.path() {
        DISCOVERY => axum::Json(json!({
            "issuer": idp.issuer,
            "jwks_uri": format!("{}/jwks", idp.issuer),
        }))
        .into_response(),
        "/jwks" => {
            let mut response = axum::Json(json!({ "keys": state.keys })).into_response();
            if let Some(cc) = state.cache_control {
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, cc.parse().unwrap());
            }
            response
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// One signing key of the IdP: its public JWK and tokens signed with it.
struct IdpKey {
    path: PathBuf,
    store: Arc<KeyStore>,
}

impl IdpKey {
    fn new() -> IdpKey {
        let path = std::env::temp_dir().join(format!(
            "knotenpunkt-idp-key-{}-{}.json",
            std::process::id(),
            rand::random::<u64>()
        ));
        let store = Arc::new(KeyStore::open(&path).unwrap());
        IdpKey { path, store }
    }

    fn jwk(&self) -> Value {
        let set = self.store.jwks(chrono::Duration::days(1));
        serde_json::to_value(&set.keys[0]).unwrap()
    }

    /// An RFC 9068 token of `issuer` for the hub, signed with this key.
    fn token(&self, issuer: &str, client_id: &str) -> String {
        Issuer {
            keys: self.store.clone(),
            issuer: issuer.to_owned(),
            audience: PUBLIC_URL.to_owned(),
            ttl_secs: 600,
            organisation_claim: "organisation".into(),
        }
        .issue(client_id, None, ScopeSet::parse_lenient("courses:write"))
        .unwrap()
        .access_token
    }
}

impl Drop for IdpKey {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn hub(issuer: &str, tweak: impl FnOnce(&mut AuthArgs)) -> TestApp {
    let mut args = TestApp::external_idp_args(issuer);
    tweak(&mut args);
    TestApp::build_with(None, Limits::default(), args).await
}

/// The status and error message of a request with `token`.
async fn viewer(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let (status, body) = app.graphql_as(token, VIEWER, json!({})).await;
    let outcome = match status {
        StatusCode::OK => body["data"]["viewer"]["client"].clone(),
        _ => body["errors"][0]["message"].clone(),
    };
    (status, outcome)
}

async fn readyz(app: &TestApp) -> (StatusCode, Value) {
    let (status, _, body) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    (status, serde_json::from_slice(&body).unwrap())
}

/// The IdP publishes keys A and B, then withdraws A: tokens signed with A verify until
/// the key set's `fresh` time is over, then stop; B's go on.
async fn withdrawn_key_stops_verifying(
    cache_control: Option<&'static str>,
    tweak: impl FnOnce(&mut AuthArgs),
    fresh: Duration,
) {
    let (a, b) = (IdpKey::new(), IdpKey::new());
    let idp = FakeIdp::start(vec![a.jwk(), b.jwk()]).await;
    idp.set(|s| s.cache_control = cache_control);
    let app = hub(&idp.issuer, |args| {
        args.jwks_refetch_cooldown_secs = 1;
        tweak(args);
    })
    .await;
    let (token_a, token_b) = (a.token(&idp.issuer, "app-a"), b.token(&idp.issuer, "app-b"));
    assert_eq!(
        viewer(&app, &token_a).await,
        (StatusCode::OK, json!("app-a"))
    );
    let fetched = std::time::Instant::now();
    assert_eq!(
        viewer(&app, &token_b).await,
        (StatusCode::OK, json!("app-b"))
    );
    assert_eq!(idp.hits("/jwks"), 1, "one fetch, then the cached set");

    idp.set(|s| s.keys = vec![b.jwk()]);
    // Still fresh: the key set in hand (and the verified token) still count.
    assert_eq!(
        viewer(&app, &token_a).await,
        (StatusCode::OK, json!("app-a"))
    );
    assert!(
        fetched.elapsed() < fresh,
        "the test ran too slowly to check this"
    );
    assert_eq!(idp.hits("/jwks"), 1);

    tokio::time::sleep(fresh + Duration::from_millis(200)).await;
    assert_eq!(
        viewer(&app, &token_a).await,
        (
            StatusCode::UNAUTHORIZED,
            json!("the token is signed with an unknown key")
        )
    );
    assert_eq!(
        viewer(&app, &token_b).await,
        (StatusCode::OK, json!("app-b"))
    );
    assert_eq!(idp.hits("/jwks"), 2, "the stale set was fetched once again");
}

#[tokio::test]
async fn a_withdrawn_key_stops_verifying_after_the_jwks_max_age() {
    withdrawn_key_stops_verifying(
        Some("public, max-age=2"),
        |args| args.jwks_max_age_secs = 3600,
        Duration::from_secs(2),
    )
    .await;
}

#[tokio::test]
async fn without_cache_control_the_jwks_is_kept_for_the_configured_max_age() {
    withdrawn_key_stops_verifying(
        None,
        |args| args.jwks_max_age_secs = 2,
        Duration::from_secs(2),
    )
    .await;
}

#[tokio::test]
async fn an_absurd_max_age_is_bounded() {
    let key = IdpKey::new();
    let idp = FakeIdp::start(vec![key.jwk()]).await;
    idp.set(|s| s.cache_control = Some("max-age=18446744073709551615"));
    let app = hub(&idp.issuer, |_| {}).await;
    let token = key.token(&idp.issuer, "app");
    for _ in 0..2 {
        assert_eq!(viewer(&app, &token).await, (StatusCode::OK, json!("app")));
    }
    assert_eq!(idp.hits("/jwks"), 1);
}

#[tokio::test]
async fn an_idp_that_is_down_is_asked_at_most_once_per_cooldown() {
    let key = IdpKey::new();
    let idp = FakeIdp::start(vec![key.jwk()]).await;
    idp.set(|s| s.up = false);
    let app = hub(&idp.issuer, |args| args.jwks_refetch_cooldown_secs = 60).await;
    for n in 0..5 {
        // Each token names a key the hub does not know yet.
        let token = IdpKey::new().token(&idp.issuer, &format!("app-{n}"));
        let (status, _) = viewer(&app, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(idp.hits(DISCOVERY), 1, "one discovery attempt per cooldown");
    assert_eq!(idp.hits("/jwks"), 0);
}

#[tokio::test]
async fn readiness_waits_for_the_external_idp() {
    // A port nobody listens on, until the IdP starts there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let app = hub(&issuer, |args| args.jwks_refetch_cooldown_secs = 2).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["status"], "not ready");
    let reasons = body["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{body}");
    let reason = reasons[0].as_str().unwrap();
    assert!(
        reason.starts_with(&format!("external IdP {issuer} unreachable: ")),
        "{reason}"
    );
    assert!(reason.to_lowercase().contains("refused"), "{reason}");

    let key = IdpKey::new();
    let idp = FakeIdp::serve(
        tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap(),
        vec![key.jwk()],
    );
    // Within the cooldown the probe repeats the last answer without asking the IdP.
    let (status, again) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(again, body);
    assert_eq!(idp.hits(DISCOVERY), 0);

    tokio::time::sleep(Duration::from_millis(2200)).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"status": "ready"}));
    assert_eq!(idp.hits(DISCOVERY), 1);
    let token = key.token(&issuer, "app");
    assert_eq!(viewer(&app, &token).await, (StatusCode::OK, json!("app")));

    // Once discovered, an IdP outage leaves the hub ready (the keys in hand still
    // verify); the database check stays.
    idp.set(|s| s.up = false);
    assert_eq!(readyz(&app).await.0, StatusCode::OK);
    app.db.clone().close().await.ok();
    let (status, body) = readyz(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["reasons"], json!(["database unreachable"]));
}

/// The hub process; killed when dropped.
struct Hub {
    child: common::Running,
    files: Vec<PathBuf>,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.child.stop();
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

#[tokio::test]
async fn the_hub_starts_without_its_idp_and_says_why_it_is_not_ready() {
    use std::io::{BufRead, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let tag = format!("{}-{}", std::process::id(), rand::random::<u64>());
    let db = std::env::temp_dir().join(format!("knotenpunkt-start-{tag}.db"));
    let keys = std::env::temp_dir().join(format!("knotenpunkt-start-keys-{tag}.json"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_knotenpunkt"))
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .arg("--database-url")
        .arg(format!("sqlite://{}?mode=rwc", db.display()))
        .arg("--signing-key-path")
        .arg(&keys)
        .args(["--oauth-issuer", &issuer, "--oauth-audience", PUBLIC_URL])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the hub");
    let stderr = child.stderr.take().unwrap();
    let _hub = Hub {
        child: common::Running(child),
        files: vec![db.clone(), keys],
    };
    // Log lines until the hub listens; the rest is drained so the hub never blocks.
    let (tx, rx) = std::sync::mpsc::channel::<Value>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let mut logged = Vec::new();
    let addr = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the hub did not listen within 60 s");
        logged.push(line.clone());
        if let Some(addr) = line["fields"]["addr"].as_str() {
            break addr.to_owned();
        }
    };
    let error = logged
        .iter()
        .find(|l| l["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no error logged: {logged:?}"));
    let message = error["fields"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("external IdP {issuer} unreachable: ")),
        "{message}"
    );
    assert!(message.contains("/readyz"), "{message}");

    let response = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "not ready");
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap()
            .starts_with(&format!("external IdP {issuer} unreachable")),
        "{body}"
    );
    let live = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(live.status().as_u16(), 200);
    for suffix in ["-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}
