//! The hub as an Apollo Federation v2 subgraph.
//!
//! - `_service { sdl }` links Federation v2 and puts `@key` on the entity types, as
//!   `knotenpunkt schema --federation` prints it.
//! - `_entities` applies the row rules of `node`: an invisible candidate is `null` with
//!   `NOT_FOUND`, and personal data read through it is audited.
//! - With real peers from npm (`tests/federation`, pinned): a chamber's exam-results
//!   subgraph written with `@apollo/subgraph`, composed with the hub's live SDL by
//!   `@theguild/federation-composition`, served by Hive Gateway (`@graphql-hive/gateway`).
//!   One query through the gateway spans both services; the partner receives the hub's
//!   token; an anonymous or foreign caller gets nothing of the case file; and
//!   composition fails when the hub's schema clashes with the partner's.

mod common;

use common::{TestApp, node};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id code } } }"#;

/// A candidate of the demo advisory centre: its ID and pseudonymous code.
async fn candidate(app: &TestApp, advisory: &str, family: &str) -> (String, String) {
    let c = app
        .query_as(
            advisory,
            REGISTER,
            json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "region": "14713",
              "personal": {"givenName": "Test", "familyName": family}}}),
        )
        .await["registerCandidate"]["candidate"]
        .clone();
    (
        c["id"].as_str().unwrap().to_owned(),
        c["code"].as_str().unwrap().to_owned(),
    )
}

async fn audit_reads(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'READ'")
        .await
}

const ENTITIES: &str = r#"query($r: [_Any!]!) { _entities(representations: $r) {
    __typename
    ... on Candidate { code countryOfTraining personal { familyName } }
    ... on Region { code }
    ... on Profession { key }
    ... on Course { title }
    ... on ExamSession { id }
    ... on Organisation { name } } }"#;

#[tokio::test]
async fn the_subgraph_sdl_links_federation_and_entities_follow_the_row_rules_of_node() {
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let (_, plain) = app
        .partner(
            "EMPLOYER",
            "Klinikum ohne Einwilligung",
            &["candidates:read"],
        )
        .await;

    // `_service { sdl }` is the subgraph SDL the CLI prints (the CLI sorts the fields).
    let sdl = app.query("{ _service { sdl } }", json!({})).await["_service"]["sdl"]
        .as_str()
        .unwrap()
        .to_owned();
    let printed = knotenpunkt::graphql::federation_sdl();
    let keys = |s: &str| {
        let mut k: Vec<String> = s
            .lines()
            .filter(|l| l.contains("@key("))
            .map(|l| l.trim().trim_end_matches('{').trim().to_owned())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&sdl),
        [
            "type Candidate implements Node @key(fields: \"code\")",
            "type Course implements Node @key(fields: \"id\")",
            "type CourseRun implements Node @key(fields: \"id\")",
            "type ExamSession implements Node @key(fields: \"id\")",
            "type Organisation implements Node @key(fields: \"id\")",
            "type Profession implements Node @key(fields: \"key\")",
            "type Region implements Node @key(fields: \"code\")",
        ]
    );
    assert_eq!(keys(&sdl), keys(&printed));
    assert!(sdl.contains("extend schema @link(") && sdl.contains("specs.apollo.dev/federation/v2"));

    let demo = app
        .query(
            r#"{ courses(first: 1) { nodes { id title provider { id name } } }
                 examSessions(first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let course = &demo["courses"]["nodes"][0];
    let session = &demo["examSessions"]["nodes"][0];
    let (_, code) = candidate(&app, &advisory, "Entität").await;
    let representations = json!([
        {"__typename": "Candidate", "code": code},
        {"__typename": "Region", "code": "DE-SN"},
        {"__typename": "Profession", "key": "nurse"},
        {"__typename": "Course", "id": course["id"]},
        {"__typename": "ExamSession", "id": session["id"]},
        {"__typename": "Organisation", "id": course["provider"]["id"]},
        {"__typename": "Candidate", "code": "KP-NOSUCH00"},
    ]);

    // The advisory centre sees its candidate, with personal data (audited).
    let before = audit_reads(&app).await;
    let (_, v) = app
        .graphql_as(&advisory, ENTITIES, json!({"r": representations}))
        .await;
    let e = &v["data"]["_entities"];
    assert_eq!(e[0]["code"], code.as_str(), "{v}");
    assert_eq!(e[0]["personal"]["familyName"], "Entität");
    assert_eq!(e[1]["code"], "DE-SN");
    assert_eq!(e[2]["key"], "nurse");
    assert_eq!(e[3]["title"], course["title"]);
    assert_eq!(e[4]["id"], session["id"]);
    assert_eq!(e[5]["name"], course["provider"]["name"]);
    assert_eq!(e[6], Value::Null, "an unknown code resolves to null");
    assert_eq!(v["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(v["errors"][0]["path"], json!(["_entities", 6]));
    assert_eq!(
        audit_reads(&app).await,
        before + 1,
        "the personal read is audited"
    );

    // Anonymous and foreign callers: the candidate is null with NOT_FOUND, exactly as
    // `node` answers them; the public entities still resolve.
    for token in [None, Some(plain.as_str())] {
        let (_, v) = match token {
            Some(t) => {
                app.graphql_as(t, ENTITIES, json!({"r": representations}))
                    .await
            }
            None => app.graphql(ENTITIES, json!({"r": representations})).await,
        };
        let e = &v["data"]["_entities"];
        assert_eq!(e[0], Value::Null, "{v}");
        assert_eq!(e[1]["code"], "DE-SN");
        let codes: Vec<(&Value, &Value)> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (&e["path"][1], &e["extensions"]["code"]))
            .collect();
        assert!(codes.contains(&(&json!(0), &json!("NOT_FOUND"))), "{v}");
    }
    assert_eq!(audit_reads(&app).await, before + 1);

    // A representation of a type that is not an entity is refused.
    let (_, v) = app
        .graphql(
            "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
            json!({"r": [{"__typename": "Consent", "id": "x"}]}),
        )
        .await;
    assert!(v["errors"].as_array().is_some_and(|e| !e.is_empty()), "{v}");
}

// ---- through a real gateway ---------------------------------------------------------

/// The partner subgraph and the Hive Gateway in front of both; killed when dropped.
struct Peers {
    _process: common::Running,
    gateway: String,
    partner: String,
}

fn start_peers(hub: &str, data: &Value, supergraph: &std::path::Path) -> Result<Peers, String> {
    let mut child = Command::new("node")
        .arg("peers.mjs")
        .current_dir(node::dir("federation"))
        .env("HUB_URL", hub)
        .env("HUB_ISSUER", common::PUBLIC_URL)
        .env("PARTNER_PORT", common::free_port().to_string())
        .env("GATEWAY_PORT", common::free_port().to_string())
        .env("PARTNER_DATA", data.to_string())
        .env("SUPERGRAPH_PATH", supergraph)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let process = common::Running(child);
    let ready = rx
        .recv_timeout(Duration::from_secs(90))
        .map_err(|_| "the gateway did not start within 90 s".to_owned())?;
    if ready["ready"] != true {
        return Err(format!("the peers did not start: {ready}"));
    }
    Ok(Peers {
        _process: process,
        gateway: ready["gateway"].as_str().unwrap().to_owned(),
        partner: ready["partner"].as_str().unwrap().to_owned(),
    })
}

async fn through(gateway: &str, token: Option<&str>, query: &str, variables: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(gateway)
        .json(&json!({"query": query, "variables": variables}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("the gateway answers")
        .json()
        .await
        .expect("JSON")
}

const SPANNING: &str = r#"query($candidate: ID!) {
    courseRuns(first: 3) { nodes { id course { title provider { name } } } }
    candidate(id: $candidate) { code countryOfTraining examResults { exam passed points } }
    sittings { passed
      candidate { code countryOfTraining personal { familyName } }
      session { id passRate } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_gateway_composes_the_hub_with_a_partner_subgraph_and_keeps_the_row_rules() {
    if !node::ready("KNOTENPUNKT_REQUIRE_NODE_TESTS", "the federation test") {
        return;
    }
    node::install(&node::dir("federation")).expect("federation packages");
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let (_, foreign) = app
        .partner(
            "EMPLOYER",
            "Klinikum Fremd",
            &["candidates:read", "cases:read"],
        )
        .await;
    let (id, code) = candidate(&app, &advisory, "Föderiert").await;
    let session = app
        .query("{ examSessions(first: 1) { nodes { id } } }", json!({}))
        .await["examSessions"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = json!({
        "results": {code.clone(): [{"exam": "Kenntnisprüfung Pflege", "sittingOn": "2026-10-12", "passed": true, "points": 81}]},
        "passRates": {session.clone(): 0.75},
        "sittings": [{"code": code, "sessionId": session, "passed": true}],
    });
    let (hub, server) = common::listen(app.router.clone()).await;
    let dir = tempdir();
    let peers = start_peers(&hub, &data, &dir.join("supergraph.graphql"))
        .unwrap_or_else(|e| panic!("composition or gateway failed: {e}"));

    // The advisory centre's query spans both services in one request.
    let before = audit_reads(&app).await;
    let v = through(
        &peers.gateway,
        Some(&advisory),
        SPANNING,
        json!({"candidate": id}),
    )
    .await;
    assert!(v["errors"].is_null(), "{v}");
    let runs = v["data"]["courseRuns"]["nodes"].as_array().unwrap();
    assert!(!runs.is_empty());
    assert!(runs.iter().all(|r| {
        r["course"]["provider"]["name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    }));
    // Hub → partner: the candidate's exam results come from the chamber.
    assert_eq!(v["data"]["candidate"]["countryOfTraining"], "PH");
    assert_eq!(v["data"]["candidate"]["examResults"][0]["points"], 81);
    // Partner → hub: the chamber's sittings name the candidate by code; the gateway
    // fetches the case file's facts (and personal data) from the hub's `_entities`.
    let sitting = &v["data"]["sittings"][0];
    assert_eq!(sitting["candidate"]["countryOfTraining"], "PH");
    assert_eq!(sitting["candidate"]["personal"]["familyName"], "Föderiert");
    assert_eq!(sitting["session"]["passRate"], 0.75);
    assert!(
        audit_reads(&app).await > before,
        "personal data read through the gateway is audited"
    );

    // The partner received the caller's token, unchanged.
    let seen: Vec<Value> = reqwest::get(format!("{}/seen", peers.partner))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        seen.contains(&json!(format!("Bearer {advisory}"))),
        "the gateway forwards the hub's token: {seen:?}"
    );

    // Anonymous and foreign callers get nothing of the case file through the gateway.
    for token in [None, Some(foreign.as_str())] {
        let before = audit_reads(&app).await;
        let v = through(&peers.gateway, token, SPANNING, json!({"candidate": id})).await;
        let text = v.to_string();
        assert!(
            !text.contains("Föderiert")
                && !text.contains("\"PH\"")
                && !text.contains("Kenntnisprüfung"),
            "nothing of the case file: {v}"
        );
        assert!(v["errors"].as_array().is_some_and(|e| !e.is_empty()), "{v}");
        assert_eq!(audit_reads(&app).await, before);
        // The public catalogue still answers through the gateway.
        let v = through(
            &peers.gateway,
            token,
            "{ courseRuns(first: 1) { nodes { course { provider { name } } } } }",
            json!({}),
        )
        .await;
        assert!(v["data"]["courseRuns"]["nodes"][0]["course"]["provider"]["name"].is_string());
    }
    drop(peers);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn composition_fails_when_the_hubs_schema_clashes_with_a_partners() {
    if !node::ready("KNOTENPUNKT_REQUIRE_NODE_TESTS", "the federation test") {
        return;
    }
    node::install(&node::dir("federation")).expect("federation packages");
    // The hub's subgraph SDL as it is, and with a field the partner also defines
    // without `@shareable` (`ExamSession.passRate`).
    let sdl = knotenpunkt::graphql::federation_sdl();
    let clashing = sdl.replacen(
        "type ExamSession implements Node @key(fields: \"id\") {",
        "type ExamSession implements Node @key(fields: \"id\") {\n\tpassRate: Float",
        1,
    );
    assert_ne!(sdl, clashing);
    for (sdl, composes) in [(sdl, true), (clashing, false)] {
        let router = axum::Router::new().route(
            "/graphql",
            axum::routing::post(move || {
                let sdl = sdl.clone();
                async move { axum::Json(json!({"data": {"_service": {"sdl": sdl}}})) }
            }),
        );
        let (hub, server) = common::listen(router).await;
        let dir = tempdir();
        let out = Command::new("node")
            .arg("compose.mjs")
            .arg(dir.join("supergraph.graphql"))
            .current_dir(node::dir("federation"))
            .env("HUB_URL", &hub)
            .output()
            .expect("node");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.success(), composes, "{stderr}");
        if !composes {
            assert!(stderr.contains("passRate"), "{stderr}");
        }
        server.abort();
    }
}

/// A folder of its own for a test's files, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    let dir = std::env::temp_dir().join(format!(
        "knotenpunkt-federation-{}-{}",
        std::process::id(),
        common::free_port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}
