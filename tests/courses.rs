//! Schools and providers register and maintain their own courses and runs over HTTP with
//! real tokens: validation with field paths, optimistic concurrency, and ownership.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const REGISTER: &str = r#"mutation($input: RegisterCourseInput!) { registerCourse(input: $input) { course { id title type version bildungsgutschein professions { key } provider { id name } } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { course { id title version languageLevel azavMeasureNumber professions { key } } } }"#;
const SCHEDULE: &str = r#"mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id version status startDate seatsMax seatsAvailable cost { amount currency } course { id } } } }"#;
const UPDATE_RUN: &str = r#"mutation($input: UpdateCourseRunInput!) { updateCourseRun(input: $input) { courseRun { id version status seatsMax registrationDeadline } } }"#;
const CANCEL: &str = r#"mutation($input: CancelCourseRunInput!) { cancelCourseRun(input: $input) { courseRun { id version status } } }"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn course_input() -> Value {
    json!({"type": "KNOWLEDGE_TEST_PREP", "title": "Kenntnisprüfung Pflege kompakt", "description": "Zwölf Wochen, Simulation und Fallarbeit.",
           "professions": ["nurse", "geriatric_nurse"], "languageLevel": "B2"})
}

fn run_input(course_id: &Value) -> Value {
    json!({"courseId": course_id, "startDate": day(30), "endDate": day(120), "hours": 320, "format": "BLENDED",
           "schedule": "PART_TIME", "seatsMin": 3, "seatsMax": 12, "region": "14713", "city": "Leipzig",
           "cost": {"amount": "2450.00", "currency": "EUR"}, "fundingOptions": ["BILDUNGSGUTSCHEIN", "EMPLOYER"],
           "registrationDeadline": day(20), "status": "OPEN"})
}

async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM course",
        "SELECT COUNT(*) FROM course_run",
        "SELECT COUNT(*) FROM course_profession",
        "SELECT COALESCE(SUM(version), 0) FROM course",
        "SELECT COALESCE(SUM(version), 0) FROM course_run",
    ] {
        out.push(app.scalar(sql).await);
    }
    out
}

/// Registers an organisation of `kind` and a client with `scopes` over the admin API,
/// and returns a token of that client.
async fn partner(app: &TestApp, kind: &str, name: &str, scopes: &[&str]) -> String {
    let admin = app.demo_token("admin").await;
    let org = app
        .query_as(
            &admin,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id kind } } }",
            json!({"input": {"kind": kind, "name": name, "region": "14612", "city": "Dresden", "website": "https://example.de"}}),
        )
        .await;
    let org_id = org["registerOrganisation"]["organisation"]["id"].clone();
    let client = app
        .query_as(
            &admin,
            "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId scopes organisation { id } } clientSecret } }",
            json!({"input": {"organisationId": org_id, "name": format!("{name} client"), "scopes": scopes}}),
        )
        .await;
    let payload = &client["registerPartnerClient"];
    assert_eq!(payload["client"]["organisation"]["id"], org_id);
    app.token(
        payload["client"]["clientId"].as_str().unwrap(),
        payload["clientSecret"].as_str().unwrap(),
        None,
    )
    .await
}

#[tokio::test]
async fn a_school_registers_updates_and_schedules_its_course() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let created = app
        .query_as(&school, REGISTER, json!({"input": course_input()}))
        .await;
    let course = &created["registerCourse"]["course"];
    assert_eq!(course["version"], 1);
    assert_eq!(
        course["professions"],
        json!([{"key": "nurse"}, {"key": "geriatric_nurse"}])
    );
    let viewer = app
        .query_as(&school, "{ viewer { organisation { id } } }", json!({}))
        .await;
    assert_eq!(
        course["provider"]["id"], viewer["viewer"]["organisation"]["id"],
        "the caller's own course"
    );

    // The public catalogue shows it at once.
    let public = app
        .query(
            "query($id: ID!) { course(id: $id) { title } }",
            json!({"id": course["id"]}),
        )
        .await;
    assert_eq!(public["course"]["title"], "Kenntnisprüfung Pflege kompakt");

    let updated = app
        .query_as(
            &school,
            UPDATE,
            json!({"input": {"id": course["id"], "expectedVersion": 1, "title": "Kenntnisprüfung Pflege – Intensiv",
                              "professions": ["nurse"], "languageLevel": null}}),
        )
        .await;
    let updated = &updated["updateCourse"]["course"];
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["title"], "Kenntnisprüfung Pflege – Intensiv");
    assert_eq!(updated["professions"], json!([{"key": "nurse"}]));
    assert!(
        updated["languageLevel"].is_null(),
        "null clears an optional field"
    );

    let scheduled = app
        .query_as(
            &school,
            SCHEDULE,
            json!({"input": run_input(&course["id"])}),
        )
        .await;
    let run = &scheduled["scheduleCourseRun"]["courseRun"];
    assert_eq!(run["status"], "OPEN");
    assert_eq!(run["seatsAvailable"], 12);
    assert_eq!(run["cost"], json!({"amount": "2450.00", "currency": "EUR"}));
    assert_eq!(run["course"]["id"], course["id"]);

    let changed = app
        .query_as(&school, UPDATE_RUN, json!({"input": {"id": run["id"], "expectedVersion": 1, "seatsMax": 15, "registrationDeadline": null}}))
        .await;
    assert_eq!(changed["updateCourseRun"]["courseRun"]["seatsMax"], 15);
    assert!(changed["updateCourseRun"]["courseRun"]["registrationDeadline"].is_null());

    let cancelled = app
        .query_as(&school, CANCEL, json!({"input": {"id": run["id"], "expectedVersion": 2, "reason": "Zu wenige Anmeldungen"}}))
        .await;
    assert_eq!(
        cancelled["cancelCourseRun"]["courseRun"]["status"],
        "CANCELLED"
    );
    let reason = app
        .scalar("SELECT COUNT(*) FROM course_run WHERE cancellation_reason = 'Zu wenige Anmeldungen' AND status = 'CANCELLED'")
        .await;
    assert_eq!(reason, 1);
}

#[tokio::test]
async fn invalid_input_names_every_offending_field_and_writes_nothing() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let before = fingerprint(&app).await;

    let mut bad = course_input();
    bad["title"] = json!("A");
    bad["professions"] = json!(["nurse", "astronaut"]);
    bad["bildungsgutschein"] = json!(true);
    bad["azavValidUntil"] = json!(day(-1));
    let (code, err) = app.error_as(&school, REGISTER, json!({"input": bad})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "input.title");
    let fields: Vec<&str> = err["extensions"]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "input.title",
        "input.professions",
        "input.azavMeasureNumber",
        "input.azavValidUntil",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    let (code, err) = app.error_as(&school, REGISTER, json!({"input": {"type": "ADAPTATION_COURSE", "title": "Ohne Beruf", "professions": []}})).await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str().unwrap()),
        ("BAD_USER_INPUT", "input.professions")
    );

    let created = app
        .query_as(&school, REGISTER, json!({"input": course_input()}))
        .await;
    let course_id = created["registerCourse"]["course"]["id"].clone();
    let before_runs = fingerprint(&app).await;
    for (change, field) in [
        (json!({"endDate": day(10)}), "input.endDate"),
        (json!({"seatsMin": 0}), "input.seatsMin"),
        (json!({"seatsMin": 10, "seatsMax": 5}), "input.seatsMax"),
        (
            json!({"registrationDeadline": day(40)}),
            "input.registrationDeadline",
        ),
        (json!({"region": "DE-XX"}), "input.region"),
        (json!({"hours": 0}), "input.hours"),
        (
            json!({"cost": {"amount": "-5", "currency": "EUR"}}),
            "input.cost.amount",
        ),
        (
            json!({"cost": {"amount": "5", "currency": "EURO"}}),
            "input.cost.currency",
        ),
        (json!({"startDate": day(-3)}), "input.startDate"),
        (json!({"status": "CANCELLED"}), "input.status"),
    ] {
        let mut input = run_input(&course_id);
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (code, err) = app
            .error_as(&school, SCHEDULE, json!({"input": input}))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{change}: {err}");
        let fields: Vec<&str> =
            std::iter::once(err["extensions"]["field"].as_str().unwrap_or_default())
                .chain(
                    err["extensions"]["fieldErrors"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|e| e["field"].as_str().unwrap()),
                )
                .collect();
        assert!(fields.contains(&field), "{change}: {err}");
    }
    assert_eq!(fingerprint(&app).await, before_runs);
    assert_ne!(before, before_runs, "the one valid registration did write");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let created = app
        .query_as(&school, REGISTER, json!({"input": course_input()}))
        .await;
    let id = created["registerCourse"]["course"]["id"].clone();
    app.query_as(
        &school,
        UPDATE,
        json!({"input": {"id": id, "expectedVersion": 1, "title": "Erste Änderung"}}),
    )
    .await;
    let before = fingerprint(&app).await;
    let (code, err) = app
        .error_as(
            &school,
            UPDATE,
            json!({"input": {"id": id, "expectedVersion": 1, "title": "Verlorenes Update"}}),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{err}");
    assert_eq!(fingerprint(&app).await, before);
    let now = app
        .query(
            "query($id: ID!) { course(id: $id) { title version } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        now["course"],
        json!({"title": "Erste Änderung", "version": 2})
    );
}

#[tokio::test]
async fn another_schools_courses_and_runs_cannot_be_touched() {
    let app = TestApp::with_demo().await;
    let school_a = app.demo_token("school").await;
    let school_b = partner(
        &app,
        "SCHOOL",
        "Berufsfachschule für Pflege Dresden-Nord",
        &["courses:write"],
    )
    .await;
    let created = app
        .query_as(&school_a, REGISTER, json!({"input": course_input()}))
        .await;
    let course_id = created["registerCourse"]["course"]["id"].clone();
    let run = app
        .query_as(&school_a, SCHEDULE, json!({"input": run_input(&course_id)}))
        .await;
    let run_id = run["scheduleCourseRun"]["courseRun"]["id"].clone();
    let before = fingerprint(&app).await;

    for (query, input) in [
        (
            UPDATE,
            json!({"id": course_id, "expectedVersion": 1, "title": "Übernommen"}),
        ),
        (SCHEDULE, run_input(&course_id)),
        (
            UPDATE_RUN,
            json!({"id": run_id, "expectedVersion": 1, "seatsMax": 99}),
        ),
        (
            CANCEL,
            json!({"id": run_id, "expectedVersion": 1, "reason": "Sabotage"}),
        ),
    ] {
        let (code, err) = app
            .error_as(&school_b, query, json!({"input": input}))
            .await;
        assert_eq!(code, "FORBIDDEN", "{query}: {err}");
    }
    // An ID that names nothing is NOT_FOUND, not FORBIDDEN.
    let (code, _) = app
        .error_as(
            &school_b,
            UPDATE,
            json!({"input": {"id": "Q291cnNlOjk5OTk5OTk", "expectedVersion": 1, "title": "x"}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    assert_eq!(fingerprint(&app).await, before);

    // B's own courses work as usual.
    let own = app
        .query_as(&school_b, REGISTER, json!({"input": course_input()}))
        .await;
    assert_eq!(
        own["registerCourse"]["course"]["provider"]["name"],
        "Berufsfachschule für Pflege Dresden-Nord"
    );
}

#[tokio::test]
async fn an_employer_cannot_register_courses_even_with_the_scope() {
    let app = TestApp::with_demo().await;
    let employer = partner(
        &app,
        "EMPLOYER",
        "Pflegeheim Haus Lindenhof Dresden",
        &["courses:write"],
    )
    .await;
    let before = fingerprint(&app).await;
    let (code, err) = app
        .error_as(&employer, REGISTER, json!({"input": course_input()}))
        .await;
    assert_eq!(code, "FORBIDDEN", "{err}");
    assert_eq!(fingerprint(&app).await, before);
}

/// Parallel updates with the same `expectedVersion`: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_one_version_let_exactly_one_through() {
    let app = std::sync::Arc::new(TestApp::with_demo().await);
    let school = app.demo_token("school").await;
    let created = app
        .query_as(&school, REGISTER, json!({"input": course_input()}))
        .await;
    let id = created["registerCourse"]["course"]["id"].clone();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (app, school, id) = (app.clone(), school.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let (_, body) = app
                .graphql_as(&school, UPDATE, json!({"input": {"id": id, "expectedVersion": 1, "title": format!("Fassung {i}")}}))
                .await;
            body
        }));
    }
    let mut won = 0;
    let mut conflicts = 0;
    for t in tasks {
        let body = t.await.unwrap();
        match body["errors"][0]["extensions"]["code"].as_str() {
            None => won += 1,
            Some("CONFLICT") => conflicts += 1,
            Some(other) => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((won, conflicts), (1, 7));
    let now = app
        .query(
            "query($id: ID!) { course(id: $id) { version } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(now["course"]["version"], 2);
}

/// A write refused inside its transaction rolls back at once: no lock is left behind
/// for the next writer (SQLite's write lock, PostgreSQL's idle transaction).
#[tokio::test]
async fn a_refused_write_leaves_no_transaction_behind() {
    let app = TestApp::with_demo().await;
    let school_a = app.demo_token("school").await;
    let school_b = partner(
        &app,
        "SCHOOL",
        "Berufsfachschule Görlitz",
        &["courses:write"],
    )
    .await;
    let created = app
        .query_as(&school_a, REGISTER, json!({"input": course_input()}))
        .await;
    let id = created["registerCourse"]["course"]["id"].clone();
    for _ in 0..3 {
        let (code, _) = app
            .error_as(
                &school_b,
                UPDATE,
                json!({"input": {"id": id, "expectedVersion": 1, "title": "Übernommen"}}),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    if common::on_postgres() {
        let idle = app
            .scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'")
            .await;
        assert_eq!(idle, 0, "no transaction left open");
    }
    let started = std::time::Instant::now();
    let updated = app
        .query_as(&school_a, UPDATE, json!({"input": {"id": id, "expectedVersion": 1, "title": "Kenntnisprüfung Pflege – neu"}}))
        .await;
    assert_eq!(updated["updateCourse"]["course"]["version"], 2);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the next writer did not wait for a lock"
    );
}
