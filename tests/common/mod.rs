//! Test harness: a database of its own per test (an SQLite file, or a PostgreSQL
//! database when `TEST_DATABASE_URL` is set), copied from a template that this test
//! process migrated (and loaded with the demo network) once, and requests through the
//! real router in-process.

#![allow(dead_code)]

pub mod node;

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
    PostgresDatabase { admin_url: String, name: String },
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
            Store::Postgres { .. } | Store::PostgresDatabase { .. } => None,
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

/// What a test database starts with. Each is built once per test process (migrations,
/// reference data, and for `Demo` the demo network with its hashed client secrets) and
/// copied for every test: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on
/// PostgreSQL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Template {
    Migrated,
    Demo,
}

impl Template {
    fn name(self) -> &'static str {
        match self {
            Template::Migrated => "migrated",
            Template::Demo => "demo",
        }
    }

    fn cell(self) -> &'static tokio::sync::OnceCell<String> {
        static MIGRATED: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        static DEMO: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        match self {
            Template::Migrated => &MIGRATED,
            Template::Demo => &DEMO,
        }
    }

    /// Migrates (and loads the demo into) the database at `url`, then closes it.
    async fn fill(self, url: &str) {
        let conn = db::connect(&DatabaseArgs {
            database_url: url.to_owned(),
            database_max_connections: 2,
        })
        .await
        .expect("connect to the template database");
        db::migrate(&conn).await.expect("migrate the template");
        if self == Template::Demo {
            demo::load(&conn, &DemoArgs::default())
                .await
                .expect("demo data in the template");
        }
        if conn.get_database_backend() == sea_orm::DbBackend::Sqlite {
            conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
                .expect("checkpoint the template");
        }
        conn.close().await.expect("close the template");
    }

    /// The template of this process: an SQLite file path or a PostgreSQL database name.
    async fn get(self) -> &'static str {
        self.cell()
            .get_or_init(|| async move {
                match postgres_base() {
                    Some(base) => {
                        let name =
                            format!("{}_tpl_{}_{}", base.name, std::process::id(), self.name());
                        let admin = sea_orm::Database::connect(base.url.as_str())
                            .await
                            .expect("connect to TEST_DATABASE_URL");
                        drop_stale_databases(&admin, &base.name).await;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await
                            .expect("drop an old template");
                        admin
                            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                            .await
                            .expect("create the template database");
                        admin.close().await.ok();
                        self.fill(&base.with_database(&name)).await;
                        name
                    }
                    None => {
                        remove_stale_sqlite_templates();
                        let path = std::env::temp_dir().join(format!(
                            "knotenpunkt-template-{}-{}.db",
                            std::process::id(),
                            self.name()
                        ));
                        for suffix in ["", "-wal", "-shm", ".lock"] {
                            let mut p = path.clone().into_os_string();
                            p.push(suffix);
                            let _ = std::fs::remove_file(p);
                        }
                        self.fill(&format!("sqlite://{}?mode=rwc", path.display()))
                            .await;
                        path.display().to_string()
                    }
                }
            })
            .await
    }
}

/// `TEST_DATABASE_URL` when it names a PostgreSQL database.
struct PostgresBase {
    url: String,
    name: String,
}

impl PostgresBase {
    /// The same server and credentials, another database.
    fn with_database(&self, name: &str) -> String {
        let mut url = url::Url::parse(&self.url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        url.to_string()
    }
}

fn postgres_base() -> Option<PostgresBase> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))?;
    let name = url::Url::parse(&url)
        .ok()?
        .path()
        .trim_start_matches('/')
        .to_owned();
    Some(PostgresBase { url, name })
}

/// Whether the test process `pid` still runs (templates and copies of a process that
/// ended — finished or killed — are removed by the next one).
fn process_alive(pid: &str) -> bool {
    std::path::Path::new("/proc").join(pid).exists()
}

/// Drops the templates and copies that test processes no longer running left behind.
async fn drop_stale_databases(admin: &DatabaseConnection, base: &str) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT datname FROM pg_database".to_owned(),
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        let Some(rest) = name.strip_prefix(&format!("{base}_")) else {
            continue;
        };
        let pid = rest
            .strip_prefix("tpl_")
            .or_else(|| rest.strip_prefix("t_"))
            .and_then(|r| r.split('_').next());
        if let Some(pid) = pid
            && !process_alive(pid)
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
        }
    }
}

/// Removes SQLite templates of test processes that no longer run.
fn remove_stale_sqlite_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("knotenpunkt-template-") else {
            continue;
        };
        if let Some(pid) = rest.split('-').next()
            && !process_alive(pid)
        {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl TestDatabase {
    /// A copy of this process's template: migrated, and with the demo network if asked.
    async fn copy_of(template: Template) -> TestDatabase {
        let source = template.get().await;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match postgres_base() {
            Some(base) => {
                let name = format!("{}_t_{}_{n}", base.name, std::process::id());
                let admin = sea_orm::Database::connect(base.url.as_str())
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                // Copies of one template may be made at the same moment; PostgreSQL
                // refuses while another copy briefly holds the template, so retry.
                let mut attempt = 0;
                loop {
                    match admin
                        .execute_unprepared(&format!(
                            "CREATE DATABASE \"{name}\" TEMPLATE \"{source}\""
                        ))
                        .await
                    {
                        Ok(_) => break,
                        Err(err) if attempt < 50 => {
                            attempt += 1;
                            let _ = err;
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        }
                        Err(err) => panic!("copy the template database: {err}"),
                    }
                }
                admin.close().await.ok();
                TestDatabase {
                    url: base.with_database(&name),
                    store: Store::PostgresDatabase {
                        admin_url: base.url,
                        name,
                    },
                }
            }
            None => {
                let path = std::env::temp_dir().join(format!(
                    "knotenpunkt-test-{}_{n}_{}.db",
                    std::process::id(),
                    rand_suffix()
                ));
                std::fs::copy(source, &path).expect("copy the template database");
                TestDatabase {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    store: Store::Sqlite(path),
                }
            }
        }
    }
}

impl TestDatabase {
    /// A copy of this process's demo template as `dir/knotenpunkt.db` (SQLite only), for
    /// a test that needs the database on a file system of its own.
    async fn demo_in(dir: &std::path::Path) -> TestDatabase {
        assert!(postgres_base().is_none(), "an SQLite-only test");
        let source = Template::Demo.get().await;
        let path = dir.join("knotenpunkt.db");
        std::fs::copy(source, &path).expect("copy the template database");
        TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            store: Store::Sqlite(path),
        }
    }
}

impl TestApp {
    /// The demo network in an SQLite file in `dir` (SQLite only), for example on a small
    /// file system the test mounted there.
    pub async fn with_demo_in(dir: &std::path::Path) -> TestApp {
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
        let database = TestDatabase::demo_in(dir).await;
        Self::build_on(database, true, None, Limits::default(), auth_args, 8).await
    }

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

    /// The demo network served through a pool of `connections` database connections
    /// (for tests of real parallelism).
    #[allow(dead_code)]
    pub async fn with_demo_pool(connections: u32) -> TestApp {
        Self::build_pooled(Some(DemoArgs::default()), Limits::default(), connections).await
    }

    async fn build(demo_args: Option<DemoArgs>, limits: Limits) -> TestApp {
        Self::build_pooled(demo_args, limits, 8).await
    }

    async fn build_pooled(demo_args: Option<DemoArgs>, limits: Limits, pool: u32) -> TestApp {
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
        Self::build_with_pool(demo_args, limits, auth_args, pool).await
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
        Self::build_with_pool(demo_args, limits, auth_args, 8).await
    }

    async fn build_with_pool(
        demo_args: Option<DemoArgs>,
        limits: Limits,
        auth_args: AuthArgs,
        pool: u32,
    ) -> TestApp {
        // The demo network as every test knows it (seed 42, scale 1, today) and a bare
        // migrated database come from this process's templates; anything else is built.
        let template = match &demo_args {
            None => Some(Template::Migrated),
            Some(d) if d.seed == 42 && d.scale == 1 && d.anchor_date.is_none() => {
                Some(Template::Demo)
            }
            Some(_) => None,
        };
        let database = match template {
            Some(t) => TestDatabase::copy_of(t).await,
            None => TestDatabase::new().await,
        };
        Self::build_on(
            database,
            template.is_some(),
            demo_args,
            limits,
            auth_args,
            pool,
        )
        .await
    }

    /// An app on `database`, which is migrated (and loaded) unless it is a template copy.
    async fn build_on(
        database: TestDatabase,
        from_template: bool,
        demo_args: Option<DemoArgs>,
        limits: Limits,
        auth_args: AuthArgs,
        pool: u32,
    ) -> TestApp {
        let database_url = database.url.clone();
        let args = DatabaseArgs {
            database_url: database_url.clone(),
            database_max_connections: pool,
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
        if !from_template {
            db::migrate(&conn).await.expect("migrate");
            if let Some(args) = demo_args {
                demo::load(&conn, &args).await.expect("demo data");
            }
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

    /// A new partner organisation of `kind` (registered by the demo admin) and a token of
    /// a client of it with `scopes`.
    pub async fn partner(&self, kind: &str, name: &str, scopes: &[&str]) -> (Value, String) {
        let admin = self.demo_token("admin").await;
        let org = self
            .query_as(
                &admin,
                "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
                json!({"input": {"kind": kind, "name": name, "region": "14713", "city": "Leipzig"}}),
            )
            .await["registerOrganisation"]["organisation"]["id"]
            .clone();
        let client = self
            .query_as(
                &admin,
                "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
                json!({"input": {"organisationId": org, "name": "Testclient", "scopes": scopes}}),
            )
            .await;
        let p = &client["registerPartnerClient"];
        let token = self
            .token(
                p["client"]["clientId"].as_str().expect("client id"),
                p["clientSecret"].as_str().expect("client secret"),
                None,
            )
            .await;
        (org, token)
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
        let (status, body) = self.graphql_text(query, &variables).await;
        (
            status,
            serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON body: {body}")),
        )
    }

    /// POSTs a GraphQL request and returns the status and the body as the client
    /// receives it, byte for byte.
    pub async fn graphql_text(&self, query: &str, variables: &Value) -> (StatusCode, String) {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({ "query": query, "variables": variables }).to_string(),
            ))
            .expect("request");
        let (status, _, body) = self.send(request).await;
        (status, String::from_utf8(body).expect("a UTF-8 body"))
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
            Store::PostgresDatabase { admin_url, name } => admin_execute(
                admin_url,
                &[&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")],
            ),
            // Never wait long for a lock here: CI drops the whole database at the end
            // anyway, and a hung test is worse than a leftover schema.
            Store::Postgres { admin_url, schema } => admin_execute(
                admin_url,
                &[
                    "SET lock_timeout = '5s'",
                    &format!("DROP SCHEMA \"{schema}\" CASCADE"),
                ],
            ),
        }
    }
}

/// Runs `statements` on the PostgreSQL server at `url`, on a thread of its own: `Drop`
/// cannot await, and the test's runtime may already be shutting down. Failures are
/// ignored (what is left over is dropped by a later run).
fn admin_execute(url: &str, statements: &[&str]) {
    let url = url.to_owned();
    let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
    let _ = std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if let Ok(admin) = sea_orm::Database::connect(url.as_str()).await {
                for statement in &statements {
                    let _ = admin.execute_unprepared(statement).await;
                }
                let _ = admin.close().await;
            }
        });
    })
    .join();
}

/// A process a test started (a hub, an IdP): stopped and reaped when dropped, so no
/// test leaves one running, whatever way it ends.
pub struct Running(pub std::process::Child);

impl Running {
    /// Kills the process and waits for it (again harmless).
    pub fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Running {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Serves `router` on a loopback port as `serve` does (the caller's address attached):
/// its base URL (`http://127.0.0.1:…`) and the server task.
pub async fn listen(router: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    (format!("http://{addr}"), server)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The `edges[].node` of a connection.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}
