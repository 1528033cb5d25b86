//! Test harness: a fresh database per test (an SQLite file, or a fresh PostgreSQL schema
//! when `TEST_DATABASE_URL` is set), real migrations, and requests through the real
//! router in-process.

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use knotenpunkt::auth::Auth;
use knotenpunkt::config::{AuthArgs, DatabaseArgs, DemoArgs, Limits};
use knotenpunkt::{AppState, db, demo};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Where a test's database lives, removed when the test ends.
enum Store {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, schema: String },
}

/// A fresh, empty database (an SQLite file, or a PostgreSQL schema when
/// `TEST_DATABASE_URL` is set), removed when dropped.
pub struct TestDatabase {
    /// The URL the hub (in-process or a started binary) connects with.
    pub url: String,
    store: Store,
}

impl TestDatabase {
    pub async fn new() -> TestDatabase {
        let (url, store) = fresh_database().await;
        TestDatabase { url, store }
    }

    /// The SQLite file, when the tests run on SQLite.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match &self.store {
            Store::Sqlite(path) => Some(path),
            Store::Postgres { .. } => None,
        }
    }
}

pub struct TestApp {
    pub router: Router,
    pub db: DatabaseConnection,
    pub state: AppState,
    pub database_url: String,
    pub auth_args: AuthArgs,
    statements: Arc<AtomicUsize>,
    database: TestDatabase,
}

/// The public URL (and so issuer and audience) of the hub under test.
pub const PUBLIC_URL: &str = "http://hub.knotenpunkt.test";

/// Whether the tests run against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

/// A database URL for a fresh, empty database, and how to remove it.
async fn fresh_database() -> (String, Store) {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let tag = format!("{}_{}_{}", std::process::id(), n, rand_suffix());
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let schema = format!("kp_test_{tag}");
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                .await
                .expect("create test schema");
            admin.close().await.ok();
            let sep = if url.contains('?') { '&' } else { '?' };
            (
                format!("{url}{sep}options=-c%20search_path%3D{schema}"),
                Store::Postgres {
                    admin_url: url,
                    schema,
                },
            )
        }
        _ => {
            let path = std::env::temp_dir().join(format!("knotenpunkt-test-{tag}.db"));
            (
                format!("sqlite://{}?mode=rwc", path.display()),
                Store::Sqlite(path),
            )
        }
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:08x}")
}

impl TestApp {
    /// A migrated database with reference data and nothing else.
    pub async fn new() -> TestApp {
        Self::build(None, Limits::default()).await
    }

    /// The demo network (seed 42, scale 1, anchored today).
    pub async fn with_demo() -> TestApp {
        Self::build(Some(DemoArgs::default()), Limits::default()).await
    }

    /// The demo network with custom limits.
    pub async fn with_limits(limits: Limits) -> TestApp {
        Self::build(Some(DemoArgs::default()), limits).await
    }

    async fn build(demo_args: Option<DemoArgs>, limits: Limits) -> TestApp {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let auth_args = AuthArgs {
            public_url: Some(PUBLIC_URL.into()),
            signing_key_path: std::env::temp_dir().join(format!(
                "knotenpunkt-test-keys-{}-{n}-{}.json",
                std::process::id(),
                rand_suffix()
            )),
            ..AuthArgs::default()
        };
        Self::build_with(demo_args, limits, auth_args).await
    }

    /// Token settings that trust the external IdP `issuer` (tokens for `PUBLIC_URL`).
    pub fn external_idp_args(issuer: &str) -> AuthArgs {
        AuthArgs {
            oauth_issuer: Some(issuer.to_owned()),
            oauth_audience: Some(PUBLIC_URL.into()),
            // Never the default file in the working directory: `Drop` removes this path.
            signing_key_path: std::env::temp_dir().join(format!(
                "knotenpunkt-test-keys-{}-{}-{}.json",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            )),
            ..AuthArgs::default()
        }
    }

    /// An app with the given token configuration (for example an external IdP).
    pub async fn build_with(
        demo_args: Option<DemoArgs>,
        limits: Limits,
        auth_args: AuthArgs,
    ) -> TestApp {
        let database = TestDatabase::new().await;
        let database_url = database.url.clone();
        let args = DatabaseArgs {
            database_url: database_url.clone(),
            database_max_connections: 8,
        };
        let mut conn = db::connect(&args).await.expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            if std::env::var("KP_SQL").is_ok() {
                eprintln!(
                    "SQL: {}",
                    info.statement.sql.chars().take(160).collect::<String>()
                );
            }
            counter.fetch_add(1, Ordering::SeqCst);
        });
        db::migrate(&conn).await.expect("migrate");
        if let Some(args) = demo_args {
            demo::load(&conn, &args).await.expect("demo data");
        }
        let auth = Auth::from_args(&auth_args).expect("auth");
        let state = AppState::new(conn.clone(), limits, auth)
            .await
            .expect("state");
        TestApp {
            router: knotenpunkt::app(state.clone()),
            db: conn,
            state,
            database_url,
            auth_args,
            statements,
            database,
        }
    }

    /// A token from the built-in issuer (client credentials, secret in the body).
    pub async fn token(&self, client_id: &str, secret: &str, scope: Option<&str>) -> String {
        let (status, body) = self.token_request(client_id, secret, scope).await;
        assert_eq!(status, StatusCode::OK, "token request failed: {body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// The raw answer of `POST /oauth/token` with credentials in the body.
    pub async fn token_request(
        &self,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        form.append_pair("client_id", client_id);
        form.append_pair("client_secret", secret);
        if let Some(scope) = scope {
            form.append_pair("scope", scope);
        }
        let request = Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.finish()))
            .expect("request");
        let (status, _, body) = self.send(request).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// A token for the demo client of `kind` (`school`, `provider`, `employer`, `admin`…).
    pub async fn demo_token(&self, kind: &str) -> String {
        let client = knotenpunkt::demo::demo_clients(42)
            .into_iter()
            .find(|c| c.client_id == format!("demo-{kind}"))
            .expect("a demo client of that kind");
        self.token(&client.client_id, &client.secret, None).await
    }

    /// POSTs a GraphQL request with a bearer token.
    pub async fn graphql_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::from(
                json!({ "query": query, "variables": variables }).to_string(),
            ))
            .expect("request");
        let (status, _, body) = self.send(request).await;
        (
            status,
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("JSON body: {}", String::from_utf8_lossy(&body))),
        )
    }

    /// `data` of an authenticated query that must succeed.
    pub async fn query_as(&self, token: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql_as(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The first error of an authenticated request that must fail, as (code, error).
    pub async fn error_as(&self, token: &str, query: &str, variables: Value) -> (String, Value) {
        let (_, body) = self.graphql_as(token, query, variables).await;
        let err = body["errors"][0].clone();
        assert!(!err.is_null(), "expected an error: {body}");
        (
            err["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            err,
        )
    }

    /// Sends a raw HTTP request through the router.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// POSTs a GraphQL request and returns the status and JSON body.
    pub async fn graphql(&self, query: &str, variables: Value) -> (StatusCode, Value) {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({ "query": query, "variables": variables }).to_string(),
            ))
            .expect("request");
        let (status, _, body) = self.send(request).await;
        (
            status,
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("JSON body: {}", String::from_utf8_lossy(&body))),
        )
    }

    /// `data` of a query that must succeed.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql(query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// The first error of a query that must fail, as (code, whole error).
    pub async fn query_error(&self, query: &str, variables: Value) -> (String, Value) {
        let (_, body) = self.graphql(query, variables).await;
        let err = body["errors"][0].clone();
        assert!(!err.is_null(), "expected an error: {body}");
        (
            err["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            err,
        )
    }

    /// Statements executed since the last reset.
    pub fn statements(&self) -> usize {
        self.statements.load(Ordering::SeqCst)
    }

    pub fn reset_statements(&self) {
        self.statements.store(0, Ordering::SeqCst);
    }

    /// One number from SQL (`SELECT COUNT(*) …`).
    pub async fn scalar(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.auth_args.signing_key_path);
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.store {
            Store::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm", ".lock"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Store::Postgres { admin_url, schema } => {
                // Drop the schema on a thread of its own: Drop cannot await, and the
                // test's runtime may already be shutting down.
                let (url, schema) = (admin_url.clone(), schema.clone());
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(admin) = sea_orm::Database::connect(url.as_str()).await {
                                // Never wait long for a lock here: CI drops the whole database
                                // at the end anyway, and a hung test is worse than a leftover schema.
                                let _ = admin.execute_unprepared("SET lock_timeout = '5s'").await;
                                let _ = admin
                                    .execute_unprepared(&format!(
                                        "DROP SCHEMA \"{schema}\" CASCADE"
                                    ))
                                    .await;
                                let _ = admin.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// The `edges[].node` of a connection.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}
