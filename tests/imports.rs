//! Bulk import of courses and runs: `POST /import/courses` (CSV and JSON Lines) and the
//! `importCourses` mutation — idempotent re-imports, updates, rows that disappeared,
//! dry runs, all-or-nothing imports, foreign rows, malformed files and concurrent
//! imports — over HTTP with real tokens, on SQLite and PostgreSQL.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use serde_json::{Value, json};
use std::sync::Arc;

const HEADER: &str = "externalId;courseType;title;description;professions;runExternalId;startDate;endDate;hours;format;schedule;seatsMin;seatsMax;region;city;cost.amount;cost.currency;fundingOptions;status";

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// A row of the test catalogue: course `n`, run `r` (none when 0).
fn row(n: u32, r: u32, title: &str) -> String {
    if r == 0 {
        return format!("K-{n};LANGUAGE_COURSE;{title};Pflegedeutsch;nurse;;;;;;;;;;;;;;");
    }
    format!(
        "K-{n};KNOWLEDGE_TEST_PREP;{title};\"Vorbereitung; mit Praxis\";nurse|physician;R-{n}-{r};{};{};160;ONLINE;PART_TIME;4;12;14713;Leipzig;1250.00;EUR;BILDUNGSGUTSCHEIN|SELF_PAID;OPEN",
        day(30 + i64::from(r)),
        day(90 + i64::from(r)),
    )
}

fn csv(rows: &[String]) -> String {
    let mut out = String::from(HEADER);
    for r in rows {
        out.push('\n');
        out.push_str(r);
    }
    out.push('\n');
    out
}

/// The standard catalogue: course 1 with two runs, course 2 with one, course 3 without.
fn catalogue() -> Vec<String> {
    vec![
        row(1, 1, "Kenntnisprüfung Pflege"),
        row(1, 2, "Kenntnisprüfung Pflege"),
        row(2, 1, "Fachsprache Medizin"),
        row(3, 0, "Deutsch B2 Pflege"),
    ]
}

/// `POST /import/courses?{query}` with `body` as `content_type`: status and JSON body.
async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> (StatusCode, Value) {
    let request = Request::post(format!("/import/courses?{query}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(body.into())
        .expect("request");
    let (status, _, body) = app.send(request).await;
    let json = serde_json::from_slice(&body)
        .unwrap_or_else(|_| panic!("JSON: {}", String::from_utf8_lossy(&body)));
    (status, json)
}

async fn import_csv(app: &TestApp, token: &str, query: &str, text: String) -> Value {
    let (status, report) = import(app, token, query, "text/csv; charset=utf-8", text).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    report
}

fn outcomes(report: &Value) -> Vec<String> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

/// Courses and runs with an external id, in the database.
async fn imported(app: &TestApp) -> (i64, i64) {
    (
        app.scalar("SELECT COUNT(*) FROM course WHERE external_id IS NOT NULL")
            .await,
        app.scalar("SELECT COUNT(*) FROM course_run WHERE external_id IS NOT NULL")
            .await,
    )
}

const COURSE: &str = r#"query($id: ID!) { course(id: $id) { title version externalId description professions { key } runs { nodes { externalId status seatsMax funding: fundingOptions cost { amount currency } } } } }"#;

#[tokio::test]
async fn the_same_file_twice_changes_nothing_and_changed_rows_update() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;

    let first = import_csv(&app, &school, "", csv(&catalogue())).await;
    assert_eq!(outcomes(&first), ["CREATED"; 4], "{first}");
    assert_eq!(first["written"], true);
    assert_eq!(
        (first["created"].as_i64(), first["failed"].as_i64()),
        (Some(4), Some(0))
    );
    assert_eq!(imported(&app).await, (3, 3));
    // Rows of one course name the same course; the quoted `;` stays in the text.
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows[0]["courseId"], rows[1]["courseId"]);
    assert_eq!(rows[0]["line"], 2);
    let course = app
        .query_as(&school, COURSE, json!({"id": rows[0]["courseId"]}))
        .await["course"]
        .clone();
    assert_eq!(course["externalId"], "K-1");
    assert_eq!(course["description"], "Vorbereitung; mit Praxis");
    assert_eq!(course["version"], 1);
    assert_eq!(
        course["professions"],
        json!([{"key": "nurse"}, {"key": "physician"}])
    );
    let runs = course["runs"]["nodes"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0]["cost"],
        json!({"amount": "1250.00", "currency": "EUR"})
    );
    assert_eq!(
        runs[0]["funding"],
        json!(["BILDUNGSGUTSCHEIN", "SELF_PAID"])
    );

    let statements = app.statements();
    let again = import_csv(&app, &school, "", csv(&catalogue())).await;
    assert_eq!(outcomes(&again), ["UNCHANGED"; 4], "{again}");
    assert_eq!(again["missing"], json!([]));
    // Reading the provider's catalogue and locking it; no row is written.
    assert!(
        app.statements() - statements <= 8,
        "{}",
        app.statements() - statements
    );
    let course = app
        .query_as(&school, COURSE, json!({"id": rows[0]["courseId"]}))
        .await["course"]
        .clone();
    assert_eq!(course["version"], 1);

    // A changed course title, a changed run, and course 3 and run R-1-2 left out.
    let mut changed = catalogue();
    changed[0] = row(1, 1, "Kenntnisprüfung Pflege (neu)");
    changed[1] = row(1, 2, "Kenntnisprüfung Pflege (neu)").replace(";12;", ";20;");
    changed.truncate(2);
    changed.push(row(2, 1, "Fachsprache Medizin"));
    let third = import_csv(&app, &school, "", csv(&changed)).await;
    assert_eq!(
        outcomes(&third),
        ["UPDATED", "UPDATED", "UNCHANGED"],
        "{third}"
    );
    let course = app
        .query_as(&school, COURSE, json!({"id": rows[0]["courseId"]}))
        .await["course"]
        .clone();
    assert_eq!(course["title"], "Kenntnisprüfung Pflege (neu)");
    assert_eq!(course["version"], 2);
    assert_eq!(course["runs"]["nodes"][1]["seatsMax"], 20);

    // Without course 3 and R-1-1: reported, nothing cancelled.
    let fourth = import_csv(
        &app,
        &school,
        "",
        csv(&[changed[1].clone(), changed[2].clone()]),
    )
    .await;
    assert_eq!(outcomes(&fourth), ["UNCHANGED", "UNCHANGED"], "{fourth}");
    let missing: Vec<(Value, Value, Value)> = fourth["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["externalId"].clone(),
                m["runExternalId"].clone(),
                m["cancelled"].clone(),
            )
        })
        .collect();
    assert_eq!(
        missing,
        [
            (json!("K-3"), Value::Null, json!(false)),
            (json!("K-1"), json!("R-1-1"), json!(false)),
        ]
    );
    // Asked to, the import cancels the run that disappeared; the course stays.
    let fifth = import_csv(
        &app,
        &school,
        "removeMissing=true",
        csv(&[changed[1].clone(), changed[2].clone()]),
    )
    .await;
    assert_eq!(fifth["missing"][1]["cancelled"], true, "{fifth}");
    let course = app
        .query_as(&school, COURSE, json!({"id": rows[0]["courseId"]}))
        .await["course"]
        .clone();
    assert_eq!(course["runs"]["nodes"][0]["externalId"], "R-1-1");
    assert_eq!(course["runs"]["nodes"][0]["status"], "CANCELLED");
    // A cancelled run is no longer missing.
    let sixth = import_csv(
        &app,
        &school,
        "",
        csv(&[changed[1].clone(), changed[2].clone()]),
    )
    .await;
    assert_eq!(sixth["missing"].as_array().unwrap().len(), 1, "{sixth}");
}

#[tokio::test]
async fn a_dry_run_and_an_atomic_import_with_a_bad_row_write_nothing() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let before = app.scalar("SELECT COUNT(*) FROM course").await;

    let dry = import_csv(&app, &school, "dryRun=true", csv(&catalogue())).await;
    assert_eq!(outcomes(&dry), ["CREATED"; 4], "{dry}");
    assert_eq!(
        (dry["dryRun"].clone(), dry["written"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM course").await, before);

    let mut bad = catalogue();
    bad[2] = row(2, 1, "Fachsprache Medizin")
        .replace("nurse|physician", "nurse|astronaut")
        .replace("1250.00", "zwölf");
    let atomic = import_csv(&app, &school, "atomic=true", csv(&bad)).await;
    assert_eq!(
        outcomes(&atomic),
        ["CREATED", "CREATED", "FAILED", "CREATED"],
        "{atomic}"
    );
    assert_eq!(atomic["written"], false);
    assert_eq!(
        atomic["rows"][2]["fieldErrors"],
        json!([
            {"field": "professions", "message": "unknown profession `astronaut`"},
            {"field": "cost.amount", "message": "the amount is a decimal number such as `1250.00`, not negative"},
        ])
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM course").await, before);
    assert_eq!(imported(&app).await, (0, 0));

    // Not atomic: the good rows are written, the bad one is reported.
    let partial = import_csv(&app, &school, "", csv(&bad)).await;
    assert_eq!(
        outcomes(&partial),
        ["CREATED", "CREATED", "FAILED", "CREATED"]
    );
    assert_eq!(partial["written"], true);
    assert_eq!(imported(&app).await, (2, 2));
    // The failed row's course is not reported missing.
    assert_eq!(partial["missing"], json!([]));
}

#[tokio::test]
async fn a_provider_imports_only_its_own_courses() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let (_, other) = app
        .partner("PROVIDER", "Bildungswerk Nord", &["courses:write"])
        .await;
    let created = import_csv(&app, &school, "", csv(&catalogue())).await;
    let theirs = created["rows"][3]["courseId"].as_str().unwrap().to_owned();

    // The same external ids are another provider's own: new courses, the school's stay.
    let own = import_csv(&app, &other, "", csv(&catalogue()[3..])).await;
    assert_eq!(outcomes(&own), ["CREATED"]);
    assert_ne!(own["rows"][0]["courseId"], json!(theirs));

    // Naming the school's course by its ID is refused.
    let header = "externalId;courseId;courseType;title;professions";
    let text = format!("{header}\nK-9;{theirs};LANGUAGE_COURSE;Übernommen;nurse\n");
    let foreign = import_csv(&app, &other, "", text).await;
    assert_eq!(outcomes(&foreign), ["FAILED"]);
    assert_eq!(
        foreign["rows"][0]["fieldErrors"],
        json!([{"field": "courseId", "message": "this course belongs to another provider"}])
    );
    let course = app.query_as(&school, COURSE, json!({"id": theirs})).await;
    assert_eq!(course["course"]["title"], "Deutsch B2 Pflege");

    // A school's own course registered by hand takes an external id.
    let registered = app
        .query_as(
            &school,
            r#"mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: "Deutsch C1", professions: ["nurse"]}) { course { id } } }"#,
            json!({}),
        )
        .await["registerCourse"]["course"]["id"]
        .clone();
    let text = format!(
        "{header}\nK-10;{};LANGUAGE_COURSE;Deutsch C1;nurse\n",
        registered.as_str().unwrap()
    );
    let adopted = import_csv(&app, &school, "", text).await;
    assert_eq!(outcomes(&adopted), ["UPDATED"], "{adopted}");
    let course = app
        .query_as(&school, COURSE, json!({"id": registered}))
        .await;
    assert_eq!(course["course"]["externalId"], "K-10");

    // Who may import at all.
    let employer = app.demo_token("employer").await;
    let (status, body) = import(&app, &employer, "", "text/csv", csv(&catalogue())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (_, school_reader) = app
        .partner("SCHOOL", "Pflegeschule Ost", &["candidates:read"])
        .await;
    let (status, body) = import(&app, &school_reader, "", "text/csv", csv(&catalogue())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let request = Request::post("/import/courses")
        .header("content-type", "text/csv")
        .body(Body::from(csv(&catalogue())))
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_refused_and_nothing_is_written() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let refusal = |body: &Value| {
        (
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };

    // Windows-1252 on line 4, after good rows: nothing of them is kept.
    let mut latin1 = csv(&catalogue()).into_bytes();
    latin1.extend_from_slice(b"K-5;LANGUAGE_COURSE;Pr\xfcfung;;nurse;;;;;;;;;;;;;;\n");
    let (status, body) = import(&app, &school, "", "text/csv", latin1).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "line 6: the file is not UTF-8; save it as UTF-8 (Windows-1252 or Latin-1 exports must be converted)".into())
    );
    assert_eq!(imported(&app).await, (0, 0));

    let (status, body) = import(&app, &school, "", "text/csv", "externalId;title\nK-1;x\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refusal(&body).1,
        "the header line lacks the columns courseType, professions"
    );

    // A header line alone would report every imported row missing: refused.
    let (status, body) = import(&app, &school, "removeMissing=true", "text/csv", csv(&[])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refusal(&body).1,
        "the file has no rows after its header line"
    );

    let mut ragged = csv(&catalogue());
    ragged.push_str("K-7;LANGUAGE_COURSE\n");
    let (status, body) = import(&app, &school, "", "text/csv", ragged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refusal(&body).1,
        "line 6: the record has 2 fields, the header line 19"
    );
    assert_eq!(imported(&app).await, (0, 0));

    // 100 MB of random bytes: refused at its first line, read no further.
    let chunks = futures::stream::iter((0u64..1600).map(|i| {
        let mut chunk = vec![0u8; 64 * 1024];
        let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        Ok::<_, std::io::Error>(chunk)
    }));
    let (status, body) = import(&app, &school, "", "text/csv", Body::from_stream(chunks)).await;
    assert!(
        matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE
        ),
        "{status} {body}"
    );
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{body}");
    // And 100 MB of printable garbage without a line break: over the size limit.
    let chunks =
        futures::stream::iter((0..1600).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024])));
    let (status, body) = import(&app, &school, "", "text/csv", Body::from_stream(chunks)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(
        refusal(&body).1,
        "the file is larger than 32 MiB; split it into several imports"
    );
    assert_eq!(imported(&app).await, (0, 0));

    let (status, body) = import(&app, &school, "", "application/pdf", "%PDF").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    let (status, _) = import(&app, &school, "", "text/csv; charset=windows-1252", "x").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, body) = import(&app, &school, "dryrun=true", "text/csv", csv(&catalogue())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["extensions"]["field"], "dryrun");

    // JSON Lines: the same columns, the cost as an object, lists as arrays.
    let line = json!({
        "externalId": "J-1", "courseType": "SPECIALIST_LANGUAGE_PREP", "title": "Fachsprachprüfung Ärzte",
        "professions": ["physician"], "runExternalId": "J-1-a", "startDate": day(40), "endDate": day(120),
        "hours": 300, "format": "HYBRID", "schedule": "FULL_TIME", "seatsMin": 6, "seatsMax": 14,
        "region": "14713", "city": "Leipzig", "cost": {"amount": "2400", "currency": "EUR"},
        "fundingOptions": ["SELF_PAID"]
    });
    let text = format!(
        "{line}\n{}\n",
        json!({"externalId": "J-2", "courseType": "NOPE"})
    );
    let (status, report) = import(&app, &school, "", "application/x-ndjson", text).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(outcomes(&report), ["CREATED", "FAILED"]);
    let errors: Vec<&str> = report["rows"][1]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(errors, ["courseType", "title", "professions"]);
    let (status, body) = import(
        &app,
        &school,
        "",
        "application/x-ndjson",
        "{\"externalId\": \"J-3\", \"titel\": 1}\n",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        refusal(&body)
            .1
            .starts_with("line 1: unknown column `titel`"),
        "{body}"
    );
}

#[tokio::test]
async fn the_mutation_reads_rows_by_the_same_rules() {
    let app = TestApp::with_demo().await;
    let school = app.demo_token("school").await;
    let mutation = r#"mutation($input: ImportCoursesInput!) { importCourses(input: $input) {
        written created failed rows { line outcome externalId runExternalId course { title externalId } courseRun { externalId seatsMax } fieldErrors { field message } } } }"#;
    let rows = json!([
        {"externalId": "M-1", "courseType": "ADAPTATION_COURSE", "title": "Anpassungslehrgang Pflege",
         "professions": ["nurse"], "runExternalId": "M-1-a", "startDate": day(20), "endDate": day(200),
         "hours": 400, "format": "PRESENCE", "schedule": "FULL_TIME", "seatsMin": 5, "seatsMax": 15,
         "region": "14713", "city": "Leipzig", "cost": {"amount": "0", "currency": "EUR"}},
        {"externalId": "M-2", "courseType": "ADAPTATION_COURSE", "title": "x", "professions": ["nurse"],
         "runExternalId": "M-2-a", "startDate": day(20)},
    ]);
    let report = app
        .query_as(
            &school,
            mutation,
            json!({"input": {"rows": rows, "atomic": false}}),
        )
        .await["importCourses"]
        .clone();
    assert_eq!(
        (
            report["written"].clone(),
            report["created"].clone(),
            report["failed"].clone()
        ),
        (json!(true), json!(1), json!(1))
    );
    assert_eq!(
        report["rows"][0]["course"]["title"],
        "Anpassungslehrgang Pflege"
    );
    assert_eq!(
        report["rows"][0]["courseRun"],
        json!({"externalId": "M-1-a", "seatsMax": 15})
    );
    let fields: Vec<&str> = report["rows"][1]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "endDate",
            "hours",
            "format",
            "schedule",
            "seatsMin",
            "seatsMax",
            "region",
            "city",
            "cost.amount",
            "cost.currency"
        ]
    );
    assert_eq!(
        report["rows"][1]["fieldErrors"][0]["message"],
        "`endDate` is required for a run"
    );

    // Again: unchanged; the title too short is the row's problem, as `registerCourse` says.
    let again = app
        .query_as(&school, mutation, json!({"input": {"rows": rows}}))
        .await["importCourses"]
        .clone();
    assert_eq!(again["rows"][0]["outcome"], "UNCHANGED");

    let many: Vec<Value> = (0..1001).map(|i| json!({"externalId": format!("X-{i}"), "courseType": "LANGUAGE_COURSE", "title": "Deutsch", "professions": ["nurse"]})).collect();
    let (code, err) = app
        .error_as(&school, mutation, json!({"input": {"rows": many}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{err}");
    assert_eq!(err["extensions"]["field"], "input.rows");
    let provider_only = app.demo_token("advisory").await;
    let (code, _) = app
        .error_as(&provider_only, mutation, json!({"input": {"rows": rows}}))
        .await;
    assert_eq!(code, "FORBIDDEN");
}

/// Imports of one file at the same time, over real connections: each row is created
/// once, every other import finds it there.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_imports_of_one_file_create_each_row_once() {
    let app = Arc::new(TestApp::with_demo().await);
    let school = app.demo_token("school").await;
    let (base, server) = common::listen(app.router.clone()).await;
    let rows: Vec<String> = (1..=60).map(|n| row(n, 1, &format!("Kurs {n}"))).collect();
    let text = csv(&rows);
    let client = reqwest::Client::new();
    let imports = (0..6).map(|_| {
        let request = client
            .post(format!("{base}/import/courses"))
            .bearer_auth(&school)
            .header("content-type", "text/csv")
            .body(text.clone())
            .send();
        async move {
            let response = request.await.expect("response");
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.expect("a report")
        }
    });
    let reports = futures::future::join_all(imports).await;
    let created: i64 = reports.iter().map(|r| r["created"].as_i64().unwrap()).sum();
    let unchanged: i64 = reports
        .iter()
        .map(|r| r["unchanged"].as_i64().unwrap())
        .sum();
    assert_eq!((created, unchanged), (60, 300), "{reports:?}");
    assert_eq!(imported(&app).await, (60, 60));
    server.abort();
}
