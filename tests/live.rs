//! Live updates over `/graphql/ws` (graphql-transport-ws), with the `graphql-ws` npm
//! client as the subscriber, so the protocol is the real one (`tests/ws`, pinned).
//!
//! - Seats: a subscriber of `courseRunChanged` sees the seat change of an enrolment,
//!   a subscriber whose filter does not match sees nothing, and a write that rolls back
//!   announces nothing.
//! - Cases: the row rules are applied to every event at delivery, so a consent revoked
//!   mid-subscription stops the case events; personal data in an event is audited.
//! - Protocol: a token that cannot be verified is refused at `connection_init` with
//!   4403, a bad filter is an `error` message, the per-connection limit holds.
//! - Replicas (PostgreSQL): two hub processes on one database; a subscriber on B sees
//!   the enrolment written through A within a second, and after B's listening
//!   connection is killed (`pg_terminate_backend`) gets a `RESYNC` and then events
//!   again.
//!
//! Needs Node.js; without it the tests are skipped with a printed reason, unless
//! `KNOTENPUNKT_REQUIRE_NODE_TESTS` is set (as in CI), where they fail instead.

mod common;

use common::{TestApp, node};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id code } } }"#;
const CONSENT: &str =
    r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }"#;
const REVOKE: &str =
    r#"mutation($id: ID!) { revokeConsent(input: {consentId: $id}) { consent { live } } }"#;
const SCHEDULE: &str = r#"mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id version } } }"#;
const UPDATE_RUN: &str = r#"mutation($input: UpdateCourseRunInput!) { updateCourseRun(input: $input) { courseRun { version } } }"#;
const ENROL: &str = r#"mutation($input: RequestEnrolmentInput!) { requestEnrolment(input: $input) { enrolment { id status } } }"#;
const OPEN: &str = r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id version } } }"#;
const STATUS: &str = r#"mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { recognitionCase { status version } } }"#;

const RUNS: &str = r#"subscription($filter: CourseRunFilter) { courseRunChanged(filter: $filter) { kind courseRun { id seatsAvailable waitlistLength status course { title } } } }"#;
const ENROLMENTS: &str = r#"subscription { enrolmentChanged { kind enrolment { id status } } }"#;
const CASES: &str = r#"subscription { caseChanged { kind case { id status } } }"#;
const CASES_PII: &str = r#"subscription { caseChanged { kind case { id status candidate { personal { familyName } } } } }"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn ready() -> bool {
    if !node::ready("KNOTENPUNKT_REQUIRE_NODE_TESTS", "the live update tests") {
        return false;
    }
    node::install(&node::dir("ws")).expect("graphql-ws packages");
    true
}

/// Serves `router` on a loopback port: the WebSocket URL and the server task.
async fn listen(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let (url, server) = common::listen(router).await;
    (
        format!("{}/graphql/ws", url.replacen("http", "ws", 1)),
        server,
    )
}

/// The npm graphql-ws client running `subscriptions`, its lines as they come.
struct Subscriber {
    child: common::Running,
    lines: mpsc::UnboundedReceiver<Value>,
    /// Every line so far.
    seen: Vec<Value>,
    /// Lines no `until` has taken yet.
    backlog: std::collections::VecDeque<Value>,
}

impl Subscriber {
    async fn start(ws_url: &str, token: Option<&str>, subscriptions: Value) -> Subscriber {
        let mut command = Command::new("node");
        command
            .arg("subscriber.mjs")
            .current_dir(node::dir("ws"))
            .env("WS_URL", ws_url)
            .env("SUBSCRIPTIONS", subscriptions.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(token) = token {
            command.env("TOKEN", token);
        }
        let mut child = command.spawn().expect("start node");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    let _ = tx.send(v);
                }
            }
        });
        let mut subscriber = Subscriber {
            child: common::Running(child),
            lines,
            seen: Vec::new(),
            backlog: Default::default(),
        };
        // Every subscribe message is sent (or the connection was refused).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while !subscriber
            .seen
            .iter()
            .any(|l| l["event"] == "ready" || l["event"] == "closed")
        {
            match tokio::time::timeout_at(deadline, subscriber.lines.recv()).await {
                Ok(Some(line)) => {
                    subscriber.seen.push(line.clone());
                    subscriber.backlog.push_back(line);
                }
                _ => panic!("the subscriber did not start: {:#?}", subscriber.seen),
            }
        }
        // Give the hub a moment to start the streams.
        tokio::time::sleep(Duration::from_millis(400)).await;
        subscriber
    }

    /// The first line `matches` accepts, of those not taken yet or arriving within
    /// `within`; a panic listing what came otherwise.
    async fn until(&mut self, within: Duration, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&matches) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        return line;
                    }
                    self.backlog.push_back(line);
                }
                _ => panic!("no matching line within {within:?}; got {:#?}", self.seen),
            }
        }
    }

    /// The next event of subscription `name`.
    async fn next(&mut self, name: &str, within: Duration) -> Value {
        self.until(within, |l| l["name"] == name).await
    }

    /// The lines not taken yet and every line that arrives within `within`.
    async fn quiet(&mut self, within: Duration) -> Vec<Value> {
        let mut lines: Vec<Value> = self.backlog.drain(..).collect();
        let deadline = tokio::time::Instant::now() + within;
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.lines.recv()).await {
            self.seen.push(line.clone());
            lines.push(line);
        }
        lines
    }

    fn stop(mut self) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = writeln!(stdin, "exit");
        }
        self.child.stop();
    }
}

fn subscription(name: &str, query: &str, variables: Value) -> Value {
    json!({"name": name, "query": query, "variables": variables})
}

/// The network a test needs: a school's course with a run, an advisory centre, and an
/// authority.
struct World {
    app: TestApp,
    advisory: String,
    school: String,
    school_org: Value,
    authority: String,
    authority_org: Value,
    run: String,
}

async fn org_of(app: &TestApp, token: &str) -> Value {
    app.query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await["viewer"]["organisation"]["id"]
        .clone()
}

async fn world(app: TestApp) -> World {
    let advisory = app.demo_token("advisory").await;
    let school = app.demo_token("school").await;
    let authority = app.demo_token("authority").await;
    let school_org = org_of(&app, &school).await;
    let authority_org = org_of(&app, &authority).await;
    let course = app
        .query_as(
            &school,
            r#"mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: "Deutsch für Pflegeberufe B2 (live)", professions: ["nurse"]}) { course { id } } }"#,
            json!({}),
        )
        .await["registerCourse"]["course"]["id"]
        .clone();
    let run = app
        .query_as(
            &school,
            SCHEDULE,
            json!({"input": {"courseId": course, "startDate": day(30), "endDate": day(90), "hours": 400,
              "format": "PRESENCE", "schedule": "FULL_TIME", "seatsMin": 1, "seatsMax": 2,
              "region": "14713", "city": "Leipzig", "cost": {"amount": "0", "currency": "EUR"}, "status": "OPEN"}}),
        )
        .await["scheduleCourseRun"]["courseRun"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        app,
        advisory,
        school,
        school_org,
        authority,
        authority_org,
        run,
    }
}

impl World {
    /// A candidate of the demo advisory centre, consenting to the school (REFERRAL).
    async fn candidate(&self, family: &str) -> Value {
        let c = self
            .app
            .query_as(
                &self.advisory,
                REGISTER,
                json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "region": "14713",
                  "personal": {"givenName": "Test", "familyName": family}}}),
            )
            .await["registerCandidate"]["candidate"]
            .clone();
        self.app
            .query_as(
                &self.advisory,
                CONSENT,
                json!({"input": {"candidateId": c["id"], "organisationId": self.school_org, "purpose": "REFERRAL"}}),
            )
            .await;
        c
    }

    async fn enrol(&self, candidate: &Value) -> Value {
        self.app
            .query_as(
                &self.advisory,
                ENROL,
                json!({"input": {"candidateId": candidate["id"], "courseRunId": self.run}}),
            )
            .await["requestEnrolment"]["enrolment"]
            .clone()
    }
}

fn run_of(event: &Value) -> &Value {
    &event["payload"]["data"]["courseRunChanged"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_see_seat_changes_that_match_and_nothing_of_a_rolled_back_write() {
    if !ready() {
        return;
    }
    let w = world(TestApp::with_demo().await).await;
    let (ws, server) = listen(w.app.router.clone()).await;
    let mut public = Subscriber::start(
        &ws,
        None,
        json!([
            subscription(
                "nurse",
                RUNS,
                json!({"filter": {"profession": "nurse", "region": "DE-SN"}})
            ),
            subscription(
                "dentist",
                RUNS,
                json!({"filter": {"profession": "dentist"}})
            ),
            subscription("enrolments", ENROLMENTS, json!({})),
        ]),
    )
    .await;

    // An enrolment takes a seat: the run's subscriber sees it, as stored now.
    let a = w.candidate("Live-A").await;
    let enrolment = w.enrol(&a).await;
    assert_eq!(enrolment["status"], "CONFIRMED");
    let event = public.next("nurse", Duration::from_secs(5)).await;
    assert_eq!(run_of(&event)["kind"], "CHANGED");
    assert_eq!(run_of(&event)["courseRun"]["id"], w.run.as_str());
    assert_eq!(run_of(&event)["courseRun"]["seatsAvailable"], 1);
    assert_eq!(
        run_of(&event)["courseRun"]["course"]["title"],
        "Deutsch für Pflegeberufe B2 (live)"
    );

    // A write that fails after its change was recorded rolls back and announces
    // nothing: an update with a stale version.
    let (code, _) = w
        .app
        .error_as(
            &w.school,
            UPDATE_RUN,
            json!({"input": {"id": w.run, "expectedVersion": 99, "seatsMax": 5}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let quiet = public.quiet(Duration::from_millis(1500)).await;
    assert!(
        quiet.iter().all(|l| l["event"] != "next"),
        "nothing for a rolled-back write, nothing for the dentists' filter, no enrolment for an anonymous caller: {quiet:#?}"
    );

    // The same update with the right version is announced.
    w.app
        .query_as(
            &w.school,
            UPDATE_RUN,
            json!({"input": {"id": w.run, "expectedVersion": 1, "seatsMax": 5}}),
        )
        .await;
    let event = public.next("nurse", Duration::from_secs(5)).await;
    assert_eq!(run_of(&event)["courseRun"]["seatsAvailable"], 4);
    let quiet = public.quiet(Duration::from_millis(500)).await;
    assert!(quiet.iter().all(|l| l["event"] != "next"), "{quiet:#?}");
    public.stop();
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_events_follow_the_row_rules_at_delivery_and_a_revoked_consent_stops_them() {
    if !ready() {
        return;
    }
    let w = world(TestApp::with_demo().await).await;
    let (ws, server) = listen(w.app.router.clone()).await;
    let (employer_org, employer) = w
        .app
        .partner(
            "EMPLOYER",
            "Klinikum Live",
            &["candidates:read", "cases:read"],
        )
        .await;
    let (_, stranger) = w
        .app
        .partner(
            "EMPLOYER",
            "Pflegeheim Ohne Einwilligung",
            &["candidates:read", "cases:read"],
        )
        .await;
    let candidate = w.candidate("Live-Fall").await;
    let consent = w
        .app
        .query_as(
            &w.advisory,
            CONSENT,
            json!({"input": {"candidateId": candidate["id"], "organisationId": employer_org, "purpose": "PLACEMENT"}}),
        )
        .await["recordConsent"]["consent"]["id"]
        .clone();
    let case = w
        .app
        .query_as(
            &w.advisory,
            OPEN,
            json!({"input": {"candidateId": candidate["id"], "authorityId": w.authority_org, "legalBasis": "PflBG §40", "submittedOn": day(-10)}}),
        )
        .await["openRecognitionCase"]["recognitionCase"]["id"]
        .clone();

    let mut consented = Subscriber::start(
        &ws,
        Some(&employer),
        json!([subscription("cases", CASES, json!({}))]),
    )
    .await;
    let mut other = Subscriber::start(
        &ws,
        Some(&stranger),
        json!([subscription("cases", CASES, json!({}))]),
    )
    .await;
    let mut owner = Subscriber::start(
        &ws,
        Some(&w.advisory),
        json!([subscription("cases", CASES_PII, json!({}))]),
    )
    .await;
    let audited = || async {
        w.app
            .scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'READ'")
            .await
    };
    let audited_before = audited().await;

    let v = w
        .app
        .query_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": case, "expectedVersion": 1, "status": "INCOMPLETE", "note": "Nachweise fehlen"}}),
        )
        .await;
    assert_eq!(
        v["changeCaseStatus"]["recognitionCase"]["status"],
        "INCOMPLETE"
    );
    let seen = consented.next("cases", Duration::from_secs(5)).await;
    assert_eq!(
        seen["payload"]["data"]["caseChanged"]["case"]["id"], case,
        "{seen}"
    );
    assert_eq!(
        seen["payload"]["data"]["caseChanged"]["case"]["status"],
        "INCOMPLETE"
    );
    let seen = owner.next("cases", Duration::from_secs(5)).await;
    assert_eq!(
        seen["payload"]["data"]["caseChanged"]["case"]["candidate"]["personal"]["familyName"],
        "Live-Fall"
    );
    // The personal data the event showed is in the audit log.
    assert!(
        audited().await > audited_before,
        "the read in the event is audited"
    );

    // The candidate revokes the consent: the employer's events stop at once.
    let revoked = w
        .app
        .query_as(&w.advisory, REVOKE, json!({"id": consent}))
        .await;
    assert_eq!(revoked["revokeConsent"]["consent"]["live"], false);
    w.app
        .query_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": case, "expectedVersion": 2, "status": "SUBMITTED"}}),
        )
        .await;
    let seen = owner.next("cases", Duration::from_secs(5)).await;
    assert_eq!(
        seen["payload"]["data"]["caseChanged"]["case"]["status"],
        "SUBMITTED"
    );
    let after = consented.quiet(Duration::from_millis(1500)).await;
    assert!(
        after.iter().all(|l| l["event"] != "next"),
        "no case event after the consent was revoked: {after:#?}"
    );
    let never = other.quiet(Duration::from_millis(200)).await;
    assert!(
        other
            .seen
            .iter()
            .chain(&never)
            .all(|l| l["event"] != "next"),
        "an organisation without consent sees no case event: {:#?}",
        other.seen
    );
    for s in [consented, other, owner] {
        s.stop();
    }
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_protocol_refuses_bad_tokens_bad_filters_and_too_many_subscriptions() {
    if !ready() {
        return;
    }
    let mut limits = knotenpunkt::config::Limits::default();
    limits.live.subscriptions_per_connection = 2;
    let app = TestApp::with_limits(limits).await;
    let (ws, server) = listen(app.router.clone()).await;

    // Over HTTP a subscription is refused with one error saying where they run (twice:
    // the first request runs guarded, later ones on the direct path).
    for _ in 0..2 {
        let (_, v) = app
            .graphql("subscription { courseRunChanged { kind } }", json!({}))
            .await;
        assert_eq!(v["errors"].as_array().map(Vec::len), Some(1), "{v}");
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_REQUEST", "{v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("/graphql/ws")
        );
    }

    // A token that cannot be verified: refused at connection_init with 4403.
    let mut forged = Subscriber::start(
        &ws,
        Some("not.a.token"),
        json!([subscription("runs", RUNS, json!({}))]),
    )
    .await;
    let closed = forged
        .until(Duration::from_secs(5), |l| l["event"] == "closed")
        .await;
    assert_eq!(closed["code"], 4403, "{closed}");
    forged.stop();

    // A filter naming an unknown profession, a filter with a NUL character: `error`
    // messages naming the argument.
    let mut s = Subscriber::start(
        &ws,
        None,
        json!([
            subscription("bad", RUNS, json!({"filter": {"profession": "astronaut"}})),
            subscription("nul", RUNS, json!({"filter": {"region": "DE-SN\u{0}"}})),
            subscription("cases", CASES, json!({})),
        ]),
    )
    .await;
    // Case events need a token with `cases:read`.
    let error = s
        .until(Duration::from_secs(5), |l| {
            l["event"] == "error" && l["name"] == "cases"
        })
        .await;
    assert_eq!(
        error["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{error}"
    );
    let school = app.demo_token("school").await;
    let mut without_scope = Subscriber::start(
        &ws,
        Some(&school),
        json!([subscription("cases", CASES, json!({}))]),
    )
    .await;
    let error = without_scope
        .until(Duration::from_secs(5), |l| l["event"] == "error")
        .await;
    assert_eq!(
        error["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{error}"
    );
    without_scope.stop();
    for name in ["bad", "nul"] {
        let error = s
            .until(Duration::from_secs(5), |l| {
                l["event"] == "error" && l["name"] == name
            })
            .await;
        assert_eq!(
            error["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{error}"
        );
    }
    s.stop();

    // Three subscriptions on a connection that allows two: the third is refused.
    let mut s = Subscriber::start(
        &ws,
        None,
        json!([
            subscription("one", RUNS, json!({})),
            subscription("two", RUNS, json!({})),
            subscription("three", RUNS, json!({})),
        ]),
    )
    .await;
    let refused = s
        .until(Duration::from_secs(5), |l| l["event"] == "error")
        .await;
    assert_eq!(refused["name"], "three", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "TOO_MANY_SUBSCRIPTIONS",
        "{refused}"
    );
    s.stop();
    server.abort();
}

/// A bare client of the protocol (the `ws` package): it connects, is acknowledged, and
/// never answers the hub's pings; it prints the pings it got and the close code.
const SILENT_CLIENT: &str = r#"
const WebSocket = require('ws');
const ws = new WebSocket(process.env.WS_URL, 'graphql-transport-ws');
let pings = 0;
ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
ws.on('message', (data) => { if (JSON.parse(data).type === 'ping') pings += 1; });
ws.on('close', (code) => { console.log(JSON.stringify({ code, pings })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ code: null, pings })); process.exit(0); }, 15000);
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_clients_are_closed_expired_tokens_end_the_connection_and_clients_have_a_limit() {
    if !ready() {
        return;
    }
    let mut limits = knotenpunkt::config::Limits::default();
    limits.live.ws_ping_secs = 1;
    limits.live.ws_idle_secs = 3;
    limits.live.subscriptions_per_connection = 2;
    limits.live.subscriptions_per_client = 3;
    let auth = knotenpunkt::config::AuthArgs {
        public_url: Some(common::PUBLIC_URL.into()),
        signing_key_path: std::env::temp_dir().join(format!(
            "knotenpunkt-test-keys-live-{}-{}.json",
            std::process::id(),
            common::free_port()
        )),
        token_ttl_secs: 3,
        ..Default::default()
    };
    let app =
        TestApp::build_with(Some(knotenpunkt::config::DemoArgs::default()), limits, auth).await;
    let (ws, server) = listen(app.router.clone()).await;

    // A client that answers the pings (graphql-ws does) stays; one that never says
    // anything is closed with 1001 after the idle time.
    let mut answering =
        Subscriber::start(&ws, None, json!([subscription("runs", RUNS, json!({}))])).await;
    let silent_ws = ws.clone();
    let silent = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["-e", SILENT_CLIENT])
            .current_dir(node::dir("ws"))
            .env("WS_URL", silent_ws)
            .output()
            .expect("node")
    });
    let out = silent.await.unwrap();
    let silent: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(silent["code"], 1001, "{silent}");
    assert!(silent["pings"].as_u64().unwrap() >= 2, "{silent}");
    let lines = answering.quiet(Duration::from_millis(200)).await;
    assert!(
        answering
            .seen
            .iter()
            .chain(&lines)
            .all(|l| l["event"] != "closed"),
        "a client that answers pings stays connected: {:#?}",
        answering.seen
    );
    answering.stop();

    // Three subscriptions per client (anonymous callers: per address) over all its
    // connections: a second connection's second subscription is the fourth, and refused.
    let mut first = Subscriber::start(
        &ws,
        None,
        json!([
            subscription("one", RUNS, json!({})),
            subscription("two", RUNS, json!({}))
        ]),
    )
    .await;
    let mut second = Subscriber::start(
        &ws,
        None,
        json!([
            subscription("three", RUNS, json!({})),
            subscription("four", RUNS, json!({}))
        ]),
    )
    .await;
    let refused = second
        .until(Duration::from_secs(5), |l| l["event"] == "error")
        .await;
    assert_eq!(refused["name"], "four", "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"],
        "TOO_MANY_SUBSCRIPTIONS"
    );
    let fine = first.quiet(Duration::from_millis(100)).await;
    assert!(fine.iter().all(|l| l["event"] != "error"), "{fine:#?}");

    first.stop();
    second.stop();

    // The token lives 3 s: the hub closes the connection with 4401 when it expires.
    let school = app.demo_token("school").await;
    let mut expiring = Subscriber::start(
        &ws,
        Some(&school),
        json!([subscription("runs", RUNS, json!({}))]),
    )
    .await;
    let closed = expiring
        .until(Duration::from_secs(10), |l| l["event"] == "closed")
        .await;
    assert_eq!(closed["code"], 4401, "{closed}");
    expiring.stop();
    server.abort();
}

// ---- two replicas on one PostgreSQL database ----------------------------------------

/// A second hub process on the database of `app`, verifying `app`'s tokens.
struct Replica {
    child: common::Running,
    url: String,
    log: std::path::PathBuf,
}

async fn replica(app: &TestApp) -> Replica {
    let addr = format!("127.0.0.1:{}", common::free_port());
    let log = std::env::temp_dir().join(format!(
        "knotenpunkt-replica-{}-{}.log",
        std::process::id(),
        common::free_port()
    ));
    let file = std::fs::File::create(&log).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_knotenpunkt"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("KNOTENPUNKT_")) {
        command.env_remove(key);
    }
    command
        .arg("serve")
        .args(["--listen", &addr])
        .arg("--database-url")
        .arg(&app.database_url)
        .arg("--demo=false")
        .arg("--no-migrate")
        .arg("--signing-key-path")
        .arg(&app.auth_args.signing_key_path)
        .args(["--public-url", common::PUBLIC_URL])
        .stdout(file.try_clone().unwrap())
        .stderr(file);
    let mut child = common::Running(command.spawn().expect("start the replica"));
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the replica exited with {status}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if client
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(Instant::now() < deadline, "the replica did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Replica {
        child,
        url: format!("ws://{addr}/graphql/ws"),
        log,
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.child.stop();
        let _ = std::fs::remove_file(&self.log);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_deliver_each_others_changes_through_postgres_and_resync_after_a_lost_connection()
{
    if !common::on_postgres() {
        println!("skipped: replicas share changes through PostgreSQL (TEST_DATABASE_URL)");
        return;
    }
    if !ready() {
        return;
    }
    let w = world(TestApp::with_demo().await).await;
    let b = replica(&w.app).await;
    let (_, employer) = w
        .app
        .partner(
            "EMPLOYER",
            "Klinikum Replik",
            &["candidates:read", "cases:read"],
        )
        .await;
    let mut on_b = Subscriber::start(
        &b.url,
        Some(&w.advisory),
        json!([
            subscription("runs", RUNS, json!({"filter": {"profession": "nurse"}})),
            subscription("enrolments", ENROLMENTS, json!({})),
        ]),
    )
    .await;
    let mut blind = Subscriber::start(
        &b.url,
        Some(&employer),
        json!([subscription("enrolments", ENROLMENTS, json!({}))]),
    )
    .await;

    // Written through A (this process), seen on B.
    let a = w.candidate("Replik-A").await;
    let written = Instant::now();
    let enrolment = w.enrol(&a).await;
    let event = on_b.next("runs", Duration::from_secs(5)).await;
    let took = written.elapsed();
    println!("an enrolment written through A reached a subscriber on B after {took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(run_of(&event)["courseRun"]["seatsAvailable"], 1);
    let event = on_b.next("enrolments", Duration::from_secs(5)).await;
    assert_eq!(
        event["payload"]["data"]["enrolmentChanged"]["enrolment"]["id"],
        enrolment["id"]
    );
    let nothing = blind.quiet(Duration::from_millis(1000)).await;
    assert!(
        nothing.iter().all(|l| l["event"] != "next"),
        "an employer without consent sees no enrolment: {nothing:#?}"
    );

    // B loses its listening connection: its subscribers are told to resync, and events
    // flow again once it listens anew.
    let pid = b.child.id();
    let killed = w
        .app
        .scalar(&format!(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = 'knotenpunkt listener {pid}'"
        ))
        .await;
    assert_eq!(killed, 1, "B has one listening connection");
    let resync = on_b.next("runs", Duration::from_secs(10)).await;
    assert_eq!(run_of(&resync)["kind"], "RESYNC", "{resync}");
    assert_eq!(run_of(&resync)["courseRun"], Value::Null);
    let again = w.candidate("Replik-B").await;
    w.enrol(&again).await;
    let event = on_b
        .until(Duration::from_secs(5), |l| {
            l["name"] == "runs" && run_of(l)["kind"] == "CHANGED"
        })
        .await;
    assert_eq!(run_of(&event)["courseRun"]["seatsAvailable"], 0);
    on_b.stop();
    blind.stop();
}
