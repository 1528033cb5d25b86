//! The network's events: publishing events and qualification series, the public
//! catalogue, registrations with seats and waitlists (under concurrency), who sees the
//! participants, erasure and attendance per module — over HTTP with real tokens, on
//! SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::sync::Arc;

const PUBLISH: &str = r#"mutation($input: PublishNetworkEventInput!) { publishNetworkEvent(input: $input) { networkEvent { id kind capacity startDate endDate modules { id title moduleNumber fullDay startDate } } } }"#;
const REGISTER: &str = r#"mutation($id: ID!, $name: String!, $email: String!) { registerEventParticipant(input: {eventId: $id, name: $name, email: $email}) { eventRegistration { id status waitlistPosition participantName } } }"#;
const WITHDRAW: &str = r#"mutation($id: ID!) { withdrawEventRegistration(input: {id: $id}) { eventRegistration { id status } } }"#;
const ERASE: &str = r#"mutation($id: ID!) { eraseEventParticipant(input: {id: $id}) { eventRegistration { participantName participantEmail erasedAt } } }"#;
const ATTEND: &str = r#"mutation($id: ID!, $module: ID, $attended: Boolean!) { recordEventAttendance(input: {registrationId: $id, moduleId: $module, attended: $attended}) { attendance { attended event { title } } } }"#;
const EVENT: &str = r#"query($id: ID!) { networkEvent(id: $id) { title seatsAvailable waitlistLength status registrations { id status waitlistPosition participantName participantEmail organisation { name } attendance { attended event { moduleNumber } } } } }"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// The GeKo series for municipal health coordinators: two full-day and two one-day
/// workshops.
fn series(capacity: i32) -> Value {
    json!({
        "kind": "SERIES",
        "title": "GeKo-Qualifizierungsreihe Gesundheitskoordination",
        "description": "Vier Module mit kollegialer Fallberatung dazwischen.",
        "audienceKinds": ["MUNICIPALITY"],
        "audienceRoles": ["MUNICIPAL_HEALTH_COORDINATOR"],
        "region": "14713",
        "capacity": capacity,
        "registrationDeadline": day(20),
        "modules": [
            {"title": "Modul 1: Anerkennungsverfahren", "startDate": day(30), "fullDay": true, "place": "Leipzig"},
            {"title": "Modul 2: Arbeitsmarkt", "startDate": day(60), "fullDay": true, "place": "Leipzig"},
            {"title": "Modul 3: Fallarbeit", "startDate": day(90), "fullDay": false, "online": true},
            {"title": "Modul 4: Netzwerk", "startDate": day(120), "fullDay": false, "online": true},
        ],
    })
}

async fn register(app: &TestApp, token: &str, event: &Value, name: &str) -> Value {
    let email = format!(
        "{}@landkreis.example",
        name.to_lowercase().replace(' ', ".")
    );
    app.query_as(
        token,
        REGISTER,
        json!({"id": event, "name": name, "email": email}),
    )
    .await["registerEventParticipant"]["eventRegistration"]
        .clone()
}

#[tokio::test]
async fn a_series_registers_like_course_seats_and_shows_participants_to_the_parties_only() {
    let app = TestApp::with_demo().await;
    let chamber = app.demo_token("chamber").await;
    let municipality = app.demo_token("municipality").await;
    let employer = app.demo_token("employer").await;
    let (_, other_municipality) = app
        .partner(
            "MUNICIPALITY",
            "Landkreis Nordsachsen",
            &["events:register"],
        )
        .await;

    let published = app
        .query_as(&chamber, PUBLISH, json!({"input": series(2)}))
        .await["publishNetworkEvent"]["networkEvent"]
        .clone();
    let id = published["id"].clone();
    assert_eq!(published["kind"], "SERIES");
    assert_eq!(
        (published["startDate"].clone(), published["endDate"].clone()),
        (json!(day(30)), json!(day(120)))
    );
    let modules = published["modules"].as_array().unwrap().clone();
    assert_eq!(modules.len(), 4);
    assert_eq!(modules[2]["moduleNumber"], 3);
    assert_eq!(modules[2]["fullDay"], false);

    // The public catalogue: anyone, filtered; `Node` too.
    let catalogue = app
        .query(
            r#"{ networkEvents(filter: {kind: SERIES, audience: MUNICIPALITY, openForRegistration: true}) { nodes { id title audienceRoles modules { title } } } }"#,
            json!({}),
        )
        .await;
    let nodes = catalogue["networkEvents"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    assert!(nodes.iter().any(|n| n["id"] == id), "{catalogue}");
    let for_employers = app
        .query(
            r#"{ networkEvents(filter: {audience: EMPLOYER}) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    assert!(
        !for_employers["networkEvents"]["nodes"]
            .as_array()
            .unwrap()
            .clone()
            .iter()
            .any(|n| n["id"] == id)
    );
    let node = app
        .query(
            r#"query($id: ID!) { node(id: $id) { ... on NetworkEvent { title capacity } } }"#,
            json!({"id": id}),
        )
        .await;
    assert_eq!(node["node"]["capacity"], 2);

    // Two places, then the line.
    let a = register(&app, &municipality, &id, "Anna Berger").await;
    let b = register(&app, &municipality, &id, "Bernd Krause").await;
    let c = register(&app, &other_municipality, &id, "Clara Wolf").await;
    let d = register(&app, &municipality, &id, "Dieter Lang").await;
    assert_eq!(
        (a["status"].clone(), b["status"].clone()),
        (json!("CONFIRMED"), json!("CONFIRMED"))
    );
    assert_eq!(
        (c["status"].clone(), c["waitlistPosition"].clone()),
        (json!("WAITLISTED"), json!(1))
    );
    assert_eq!(d["waitlistPosition"], 2);

    // Not for employers; not for one module; not without a token's scope.
    let (code, _) = app
        .error_as(
            &employer,
            REGISTER,
            json!({"id": id, "name": "Eva Roth", "email": "eva@klinik.example"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, err) = app
        .error_as(
            &municipality,
            REGISTER,
            json!({"id": modules[0]["id"], "name": "Eva Roth", "email": "eva@example.org"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{err}");
    assert_eq!(err["extensions"]["field"], "input.eventId");
    let (code, err) = app
        .error_as(
            &municipality,
            REGISTER,
            json!({"id": id, "name": "Eva Roth", "email": "keine Adresse"}),
        )
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.email"))
    );

    // Who sees whom.
    let names = |v: &Value| -> Vec<String> {
        v["networkEvent"]["registrations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["participantName"]
                    .as_str()
                    .unwrap_or("(erased)")
                    .to_owned()
            })
            .collect()
    };
    let organiser_view = app.query_as(&chamber, EVENT, json!({"id": id})).await;
    assert_eq!(
        names(&organiser_view),
        ["Anna Berger", "Bernd Krause", "Clara Wolf", "Dieter Lang"]
    );
    assert_eq!(organiser_view["networkEvent"]["seatsAvailable"], 0);
    assert_eq!(organiser_view["networkEvent"]["waitlistLength"], 2);
    let own = app.query_as(&municipality, EVENT, json!({"id": id})).await;
    assert_eq!(names(&own), ["Anna Berger", "Bernd Krause", "Dieter Lang"]);
    let other = app
        .query_as(&other_municipality, EVENT, json!({"id": id}))
        .await;
    assert_eq!(names(&other), ["Clara Wolf"]);
    for token in [&employer, &app.demo_token("advisory").await] {
        let view = app.query_as(token, EVENT, json!({"id": id})).await;
        assert_eq!(view["networkEvent"]["registrations"], json!([]));
    }
    let anonymous = app.query(EVENT, json!({"id": id})).await;
    assert_eq!(anonymous["networkEvent"]["registrations"], json!([]));
    let (code, _) = app
        .error_as(&other_municipality, WITHDRAW, json!({"id": a["id"]}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_as(
            &employer,
            r#"query($id: ID!) { node(id: $id) { id } }"#,
            json!({"id": a["id"]}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // A confirmed participant withdraws: the first in line moves up, the line closes.
    let withdrawn = app
        .query_as(&municipality, WITHDRAW, json!({"id": a["id"]}))
        .await;
    assert_eq!(
        withdrawn["withdrawEventRegistration"]["eventRegistration"]["status"],
        "WITHDRAWN"
    );
    let view = app.query_as(&chamber, EVENT, json!({"id": id})).await;
    let statuses: Vec<(Value, Value)> = view["networkEvent"]["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["status"].clone(), r["waitlistPosition"].clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (json!("WITHDRAWN"), Value::Null),
            (json!("CONFIRMED"), Value::Null),
            (json!("CONFIRMED"), Value::Null),
            (json!("WAITLISTED"), json!(1)),
        ]
    );
    assert_eq!(view["networkEvent"]["waitlistLength"], 1);
    let (code, _) = app
        .error_as(&municipality, WITHDRAW, json!({"id": a["id"]}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");

    // Attendance per module, by the organiser only.
    let recorded = app
        .query_as(
            &chamber,
            ATTEND,
            json!({"id": c["id"], "module": modules[0]["id"], "attended": true}),
        )
        .await;
    assert_eq!(
        recorded["recordEventAttendance"]["attendance"]["event"]["title"],
        "Modul 1: Anerkennungsverfahren"
    );
    app.query_as(
        &chamber,
        ATTEND,
        json!({"id": c["id"], "module": modules[1]["id"], "attended": false}),
    )
    .await;
    // Recorded again: the record is replaced.
    app.query_as(
        &chamber,
        ATTEND,
        json!({"id": c["id"], "module": modules[1]["id"], "attended": true}),
    )
    .await;
    let (code, err) = app
        .error_as(&chamber, ATTEND, json!({"id": c["id"], "attended": true}))
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.moduleId"))
    );
    let (code, _) = app
        .error_as(
            &chamber,
            ATTEND,
            json!({"id": d["id"], "module": modules[0]["id"], "attended": true}),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "a waitlisted participant has no attendance"
    );
    let (code, _) = app
        .error_as(
            &municipality,
            ATTEND,
            json!({"id": b["id"], "module": modules[0]["id"], "attended": true}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let view = app
        .query_as(&other_municipality, EVENT, json!({"id": id}))
        .await;
    assert_eq!(
        view["networkEvent"]["registrations"][0]["attendance"],
        json!([
            {"attended": true, "event": {"moduleNumber": 1}},
            {"attended": true, "event": {"moduleNumber": 2}},
        ])
    );

    // Erasure: the name and e-mail go, for everyone; the place stays.
    let erased = app
        .query_as(&other_municipality, ERASE, json!({"id": c["id"]}))
        .await;
    let erased = &erased["eraseEventParticipant"]["eventRegistration"];
    assert_eq!(
        (
            erased["participantName"].clone(),
            erased["participantEmail"].clone()
        ),
        (Value::Null, Value::Null)
    );
    assert!(erased["erasedAt"].is_string());
    let view = app.query_as(&chamber, EVENT, json!({"id": id})).await;
    assert_eq!(
        names(&view),
        ["Anna Berger", "Bernd Krause", "(erased)", "Dieter Lang"]
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM event_registration WHERE participant_name = 'Clara Wolf'")
            .await,
        0
    );
}

#[tokio::test]
async fn an_event_is_checked_before_it_is_published() {
    let app = TestApp::with_demo().await;
    let chamber = app.demo_token("chamber").await;
    let mut bad = series(0);
    bad["modules"][1]["startDate"] = json!(day(10));
    bad["region"] = json!("XX-99");
    let (code, err) = app.error_as(&chamber, PUBLISH, json!({"input": bad})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    let fields: Vec<&str> = err["extensions"]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "input.region",
            "input.capacity",
            "input.modules.1.startDate"
        ]
    );
    let workshop = json!({"kind": "WORKSHOP", "title": "Workshop Fachsprache", "region": "14713", "capacity": 20, "startDate": day(-1)});
    let (code, err) = app
        .error_as(&chamber, PUBLISH, json!({"input": workshop}))
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.startDate"))
    );
    let municipality = app.demo_token("municipality").await;
    let (code, _) = app
        .error_as(&municipality, PUBLISH, json!({"input": series(5)}))
        .await;
    assert_eq!(code, "FORBIDDEN");
}

/// Registrations at the same time, over real connections: never more confirmed than
/// the capacity, and the line numbered without gaps.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_registrations_never_exceed_the_capacity() {
    let app = Arc::new(TestApp::with_demo().await);
    let chamber = app.demo_token("chamber").await;
    let municipality = app.demo_token("municipality").await;
    let (_, other) = app
        .partner("MUNICIPALITY", "Landkreis Görlitz", &["events:register"])
        .await;
    let workshop = json!({"kind": "WORKSHOP", "title": "Workshop Willkommenskultur", "region": "14713", "capacity": 5, "startDate": day(14)});
    let id = app
        .query_as(&chamber, PUBLISH, json!({"input": workshop}))
        .await["publishNetworkEvent"]["networkEvent"]["id"]
        .clone();
    let (base, server) = common::listen(app.router.clone()).await;
    let client = reqwest::Client::new();
    let requests = (0..24).map(|i| {
        let token = if i % 2 == 0 { &municipality } else { &other };
        let body = json!({"query": REGISTER, "variables": {"id": id, "name": format!("Teilnehmende {i}"), "email": format!("t{i}@kommune.example")}});
        let send = client
            .post(format!("{base}/graphql"))
            .bearer_auth(token)
            .json(&body)
            .send();
        async move {
            let body: Value = send.await.expect("response").json().await.expect("JSON");
            assert!(body["errors"].is_null(), "{body}");
            body["data"]["registerEventParticipant"]["eventRegistration"].clone()
        }
    });
    let registered = futures::future::join_all(requests).await;
    let confirmed = registered
        .iter()
        .filter(|r| r["status"] == "CONFIRMED")
        .count();
    let mut places: Vec<i64> = registered
        .iter()
        .filter_map(|r| r["waitlistPosition"].as_i64())
        .collect();
    places.sort();
    assert_eq!(confirmed, 5);
    assert_eq!(places, (1..=19).collect::<Vec<i64>>());
    let view = app.query_as(&chamber, EVENT, json!({"id": id})).await;
    assert_eq!(view["networkEvent"]["seatsAvailable"], 0);
    assert_eq!(view["networkEvent"]["waitlistLength"], 19);
    assert_eq!(view["networkEvent"]["status"], "FULL");
    server.abort();
}
