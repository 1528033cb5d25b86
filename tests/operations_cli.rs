//! The `knotenpunkt` command as an operator runs it: the real binary on a fresh database
//! (an SQLite file, or a PostgreSQL schema when `TEST_DATABASE_URL` is set), in a
//! scratch working directory so that nothing falls back to a default path unnoticed.

mod common;

use common::TestDatabase;
use knotenpunkt::demo;
use sea_orm::{ConnectionTrait, Statement};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_knotenpunkt");

/// How long a command or a start may take on a busy machine before the test gives up.
const PATIENCE: Duration = Duration::from_secs(120);

/// A working directory of its own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "knotenpunkt-cli-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A started `knotenpunkt` process with its output collected as it arrives.
struct Process {
    child: common::Running,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

fn collect(mut from: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = text.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut s) = sink.lock() {
                s.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    });
    text
}

impl Process {
    fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut command = Command::new(BIN);
        // Only what the test sets: an operator's variables must not leak in.
        command
            .env_clear()
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("start knotenpunkt");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        Process {
            child: common::Running(child),
            stdout,
            stderr,
        }
    }

    fn stdout(&self) -> String {
        self.stdout.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The exit code once the process has ended, or `None` while it runs.
    fn exited(&mut self) -> Option<i32> {
        self.child
            .try_wait()
            .expect("process status")
            .map(|s| s.code().unwrap_or(-1))
    }

    /// Waits for the end of a command; its exit code, standard output and error.
    fn finish(mut self) -> Finished {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(code) = self.exited() {
                // Let the reader threads take the last bytes.
                std::thread::sleep(Duration::from_millis(50));
                return Finished {
                    code,
                    stdout: self.stdout(),
                    stderr: self.stderr(),
                };
            }
            assert!(
                Instant::now() < deadline,
                "knotenpunkt did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a started hub listens and returns its address, or the exit code and
    /// standard error if it ended instead.
    fn listening(&mut self) -> Result<String, (i32, String)> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let stderr = self.stderr();
            if let Some(rest) = stderr.split("GraphiQL at http://").nth(1) {
                let addr = rest.split("/graphql").next().unwrap_or_default();
                return Ok(addr.to_owned());
            }
            if let Some(code) = self.exited() {
                std::thread::sleep(Duration::from_millis(50));
                return Err((code, self.stderr()));
            }
            assert!(
                Instant::now() < deadline,
                "the hub did not start; stderr:\n{stderr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until standard output contains `needle`.
    fn printed(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let out = self.stdout();
            if out.contains(needle) {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never printed; stdout:\n{out}\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

struct Finished {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Finished {
    fn ok(self) -> Finished {
        assert_eq!(
            self.code, 0,
            "command failed:\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The lines of standard error that report the failure.
    fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect()
    }
}

/// Runs a `knotenpunkt` command to its end.
fn run(dir: &Scratch, args: &[&str]) -> Finished {
    Process::spawn(dir.path(), args, &[]).finish()
}

/// `serve` on any free port with `database_url`, to its end (start-up failures).
fn serve_on(dir: &Scratch, database_url: &str) -> Finished {
    run(
        dir,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ],
    )
}

fn run_env(dir: &Scratch, args: &[&str], env: &[(&str, &str)]) -> Finished {
    Process::spawn(dir.path(), args, env).finish()
}

/// One number from SQL on the database at `url`.
async fn scalar(url: &str, sql: &str) -> i64 {
    let db = sea_orm::Database::connect(url).await.expect("connect");
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("a row");
    let n = row.try_get_by_index::<i64>(0).expect("an integer");
    db.close().await.ok();
    n
}

async fn readyz(addr: &str) -> reqwest::StatusCode {
    reqwest::get(format!("http://{addr}/readyz"))
        .await
        .expect("readyz answers")
        .status()
}

/// The demo credentials a hub printed: (client_id, client_secret).
fn printed_clients(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let id = words.next()?;
            let secret = words.next()?;
            id.starts_with("demo-")
                .then(|| (id.to_owned(), secret.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn shared_flags_stand_on_either_side_of_the_subcommand() {
    let db = TestDatabase::new().await;
    let dir = Scratch::new();
    let url = db.url.as_str();

    let status = run(&dir, &["migrate", "status", "--database-url", url]).ok();
    assert!(status.stdout.lines().all(|l| l.starts_with("Pending")));
    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    let status = run(&dir, &["migrate", "--database-url", url, "status"]).ok();
    assert_eq!(status.stdout.lines().count(), 13, "{}", status.stdout);
    assert!(
        status.stdout.lines().all(|l| l.starts_with("Applied")),
        "{}",
        status.stdout
    );

    run(
        &dir,
        &[
            "client",
            "--database-url",
            url,
            "add",
            "--name",
            "Left",
            "--scopes",
            "admin",
        ],
    )
    .ok();
    run(
        &dir,
        &[
            "client",
            "add",
            "--name",
            "Right",
            "--scopes",
            "admin",
            "--database-url",
            url,
        ],
    )
    .ok();
    let list = run(
        &dir,
        &[
            "client",
            "list",
            "--database-url",
            url,
            "--database-max-connections",
            "2",
        ],
    )
    .ok();
    assert!(
        list.stdout.contains("Left") && list.stdout.contains("Right"),
        "{}",
        list.stdout
    );

    let keys = dir.file("keys.json");
    run(&dir, &["keys", "rotate", "--signing-key-path", &keys]).ok();
    let listed = run(&dir, &["keys", "--signing-key-path", &keys, "list"]).ok();
    let jwks: serde_json::Value = serde_json::from_str(&listed.stdout).expect("JWKS");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2), "{jwks}");

    // Nothing fell back to the defaults in the working directory.
    for default in ["knotenpunkt.db", "knotenpunkt-keys.json"] {
        assert!(!dir.path().join(default).exists(), "{default} was created");
    }
}

#[tokio::test]
async fn boolean_environment_variables_accept_1_0_yes_no() {
    for value in ["1", "true", "YES", "On"] {
        let db = TestDatabase::new().await;
        let dir = Scratch::new();
        let out = run_env(
            &dir,
            &["serve", "--listen", "127.0.0.1:0"],
            &[
                ("KNOTENPUNKT_DATABASE_URL", &db.url),
                ("KNOTENPUNKT_NO_MIGRATE", value),
            ],
        );
        assert_ne!(out.code, 0);
        assert!(
            out.stderr.contains("not migrated"),
            "KNOTENPUNKT_NO_MIGRATE={value}: {}",
            out.stderr
        );
    }

    let db = TestDatabase::new().await;
    let dir = Scratch::new();
    let mut hub = Process::spawn(
        dir.path(),
        &["serve", "--listen", "127.0.0.1:0"],
        &[
            ("KNOTENPUNKT_DATABASE_URL", &db.url),
            ("KNOTENPUNKT_NO_MIGRATE", "0"),
            ("KNOTENPUNKT_DEMO", "yes"),
        ],
    );
    let addr = hub.listening().expect("the hub starts");
    assert_eq!(readyz(&addr).await, reqwest::StatusCode::OK);
    hub.printed("demo-school");
    drop(hub);
    assert!(scalar(&db.url, "SELECT COUNT(*) FROM organisation").await > 0);

    let out = run_env(
        &dir,
        &["serve", "--listen", "127.0.0.1:0"],
        &[
            ("KNOTENPUNKT_DATABASE_URL", &db.url),
            ("KNOTENPUNKT_DEMO", "maybe"),
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("'maybe'") && out.stderr.contains("--demo"),
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn migrate_down_lists_what_it_drops_and_the_demo_comes_back() {
    let db = TestDatabase::new().await;
    let dir = Scratch::new();
    let url = db.url.as_str();
    let count = |table: &str| format!("SELECT COUNT(*) FROM {table}");
    run(&dir, &["demo-data", "--database-url", url]).ok();
    let organisations = scalar(url, &count("organisation")).await;
    let candidates = scalar(url, &count("candidate")).await;
    let consents = scalar(url, &count("consent")).await;
    let enrolments = scalar(url, &count("enrolment")).await;
    let applications = scalar(url, &count("funding_application")).await;
    assert!(organisations > 0 && candidates > 0 && enrolments > 0 && applications > 0);

    // Without --yes: the list, a non-zero exit, and nothing dropped.
    let refused = run(&dir, &["migrate", "down", "-n", "8", "--database-url", url]);
    assert_ne!(refused.code, 0);
    assert!(
        refused
            .stdout
            .lines()
            .any(|l| l.contains("drops table candidate ")
                && l.trim_end().ends_with(&format!("{candidates} rows"))),
        "{}",
        refused.stdout
    );
    assert!(refused.stdout.contains("m20261122_000006_create_case_file"));
    assert!(
        refused
            .stdout
            .lines()
            .any(|l| l.contains("drops table enrolment ")
                && l.trim_end().ends_with(&format!("{enrolments} rows"))),
        "{}",
        refused.stdout
    );
    assert!(
        refused.error_lines()[0].contains("--yes"),
        "{}",
        refused.stderr
    );
    assert_eq!(scalar(url, &count("candidate")).await, candidates);

    // The case file, the seats, placements and funding, the statistics support, the
    // advisory requests and the consultations go, and the demo loads them again.
    run(
        &dir,
        &["migrate", "down", "-n", "8", "--yes", "--database-url", url],
    )
    .ok();
    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    run(&dir, &["demo-data", "--database-url", url]).ok();
    assert_eq!(scalar(url, &count("candidate")).await, candidates);
    assert_eq!(scalar(url, &count("consent")).await, consents);
    assert_eq!(scalar(url, &count("enrolment")).await, enrolments);
    assert_eq!(
        scalar(url, &count("funding_application")).await,
        applications
    );
    assert_eq!(scalar(url, &count("organisation")).await, organisations);

    // The clients, the case file and the seats go; a hub with --demo brings them back,
    // and the credentials it prints get tokens.
    run(
        &dir,
        &["migrate", "down", "-n", "9", "--yes", "--database-url", url],
    )
    .ok();
    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    let mut hub = Process::spawn(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url,
        ],
        &[],
    );
    let addr = hub.listening().expect("the hub starts");
    let printed = printed_clients(&hub.printed("Get a token"));
    assert_eq!(printed.len(), demo::demo_clients(42).len(), "{printed:?}");
    let (id, secret) = &printed[0];
    let token = reqwest::Client::new()
        .post(format!("http://{addr}/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token endpoint");
    assert_eq!(token.status(), reqwest::StatusCode::OK);
    drop(hub);
    assert_eq!(scalar(url, &count("candidate")).await, candidates);
    assert_eq!(scalar(url, &count("organisation")).await, organisations);

    // Without its record, the directory is not taken for empty: no second network.
    run(
        &dir,
        &[
            "migrate",
            "down",
            "-n",
            "10",
            "--yes",
            "--database-url",
            url,
        ],
    )
    .ok();
    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    let again = run(&dir, &["demo-data", "--database-url", url]);
    assert_ne!(again.code, 0);
    assert!(
        again.error_lines()[0].contains("no record of demo data"),
        "{}",
        again.stderr
    );
    assert_eq!(scalar(url, &count("organisation")).await, organisations);
}

#[tokio::test]
async fn another_seed_prints_the_credentials_that_work() {
    let db = TestDatabase::new().await;
    let dir = Scratch::new();
    let url = db.url.as_str();
    run(
        &dir,
        &["demo-data", "--demo-seed", "42", "--database-url", url],
    )
    .ok();

    let mut hub = Process::spawn(
        dir.path(),
        &[
            "serve",
            "--demo",
            "--demo-seed",
            "7",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            url,
        ],
        &[],
    );
    let addr = hub.listening().expect("the hub starts");
    let stdout = hub.printed("Get a token");
    assert!(
        stdout.contains("seed 42") && stdout.contains("--demo-seed 7"),
        "{stdout}"
    );
    let printed = printed_clients(&stdout);
    let stored: Vec<(String, String)> = demo::demo_clients(42)
        .into_iter()
        .map(|c| (c.client_id, c.secret))
        .collect();
    assert_eq!(printed, stored);
    for c in demo::demo_clients(7) {
        assert!(
            !stdout.contains(&c.secret),
            "a secret of seed 7 was printed"
        );
    }
    let http = reqwest::Client::new();
    for (id, secret) in &printed {
        let response = http
            .post(format!("http://{addr}/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
            .await
            .expect("token endpoint");
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{id}");
    }
}

#[tokio::test]
async fn no_migrate_refuses_to_start_on_a_schema_it_lacks() {
    let db = TestDatabase::new().await;
    let dir = Scratch::new();
    let url = db.url.as_str();
    let serve = [
        "serve",
        "--no-migrate",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        url,
    ];

    let empty = run(&dir, &serve);
    assert_ne!(empty.code, 0);
    assert_eq!(
        empty.error_lines(),
        [
            "error: the database is empty (not migrated); run `knotenpunkt migrate up` or start without --no-migrate"
        ],
        "{}",
        empty.stderr
    );

    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    // The neighbours are reference data: rolling them back needs --yes.
    run(
        &dir,
        &["migrate", "down", "-n", "9", "--yes", "--database-url", url],
    )
    .ok();
    let behind = run(&dir, &serve);
    assert_ne!(behind.code, 0);
    let error = behind.error_lines().join("\n");
    assert!(
        error.contains("m20261122_000005_create_partner_client")
            && error.contains("m20261122_000006_create_case_file")
            && error.contains("m20261126_000007_create_seats")
            && error.contains("m20261127_000008_create_placements_and_funding")
            && error.contains("m20261127_000009_create_statistics_support")
            && error.contains("m20261127_000010_add_external_ids")
            && error.contains("m20261127_000011_create_advisory_requests")
            && error.contains("m20261127_000012_create_consultations")
            && error.contains("m20261127_000013_create_network_events")
            && error.contains("migrate up"),
        "{}",
        behind.stderr
    );

    run(&dir, &["migrate", "up", "--database-url", url]).ok();
    let mut hub = Process::spawn(dir.path(), &serve, &[]);
    let addr = hub.listening().expect("a migrated database serves");
    assert_eq!(readyz(&addr).await, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn startup_errors_name_what_failed_in_one_line() {
    let db = TestDatabase::new().await;
    let dir = Scratch::new();

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("address").to_string();
    let out = run(
        &dir,
        &["serve", "--listen", &addr, "--database-url", &db.url],
    );
    assert_ne!(out.code, 0);
    assert_eq!(
        out.error_lines(),
        [format!("error: address {addr} is already in use")],
        "{}",
        out.stderr
    );

    let out = serve_on(
        &dir,
        "postgres://knotenpunkt:s3cret-pw@127.0.0.1:1/knotenpunkt",
    );
    assert_ne!(out.code, 0);
    assert_eq!(
        out.error_lines(),
        ["error: could not connect to PostgreSQL at 127.0.0.1:1: connection refused"],
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cret-pw"));

    let missing = dir.path().join("no-such-directory").join("hub.db");
    let out = serve_on(&dir, &format!("sqlite://{}?mode=rwc", missing.display()));
    assert_ne!(out.code, 0);
    assert_eq!(
        out.error_lines(),
        [format!(
            "error: could not open SQLite database {}: directory {} does not exist",
            missing.display(),
            dir.path().join("no-such-directory").display()
        )],
        "{}",
        out.stderr
    );

    let not_a_database = dir.path().join("notes.db");
    std::fs::write(
        &not_a_database,
        "these are notes, not a database\n".repeat(200),
    )
    .expect("write");
    let out = serve_on(
        &dir,
        &format!("sqlite://{}?mode=rwc", not_a_database.display()),
    );
    assert_ne!(out.code, 0);
    assert_eq!(
        out.error_lines(),
        [format!(
            "error: could not open SQLite database {}: file is not a database",
            not_a_database.display()
        )],
        "{}",
        out.stderr
    );
}

#[tokio::test]
async fn two_hubs_started_at_once_on_a_new_database_both_come_up() {
    for round in 0..3 {
        let db = TestDatabase::new().await;
        let dir = Scratch::new();
        let args = [
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            &db.url,
        ];
        // Started together, in one working directory (one key file), as replicas are.
        let mut first = Process::spawn(dir.path(), &args, &[]);
        let mut second = Process::spawn(dir.path(), &args, &[]);
        for hub in [&mut first, &mut second] {
            let addr = hub
                .listening()
                .unwrap_or_else(|(code, err)| panic!("round {round}: exit {code}:\n{err}"));
            assert_eq!(
                readyz(&addr).await,
                reqwest::StatusCode::OK,
                "round {round}"
            );
            hub.printed("Get a token");
        }
        let organisations = scalar(&db.url, "SELECT COUNT(*) FROM organisation").await;
        let names = scalar(&db.url, "SELECT COUNT(DISTINCT name) FROM organisation").await;
        assert!(organisations > 0, "round {round}");
        assert_eq!(organisations, names, "round {round}: the demo loaded twice");
        assert_eq!(
            scalar(&db.url, "SELECT COUNT(*) FROM partner_client").await,
            demo::demo_clients(42).len() as i64,
            "round {round}"
        );
    }
}
