//! Statistics for dashboards over HTTP with real tokens, on SQLite and PostgreSQL:
//! disclosure control (no small count, no withheld cell alone in a line, no difference
//! below the threshold, the same cases give the same figures however asked), the CSV
//! export, and need against supply and pooling in a small world built by hand.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use knotenpunkt::config::Limits;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

const TABLE: &str = r#"query($g: [StatisticsDimension!]!, $f: StatisticsFilter, $lang: Lang) {
  statistics(groupBy: $g, filter: $f, lang: $lang) {
    groupBy
    cells { ...cell }
    margins { dimension cells { ...cell } }
    total { ...cell }
    disclosure { method threshold roundingBase description }
  } }
fragment cell on StatisticsCell { key { dimension value label } count display flags
  medianDaysToDecision medianDaysToLicence overdueShare }"#;

const TOTAL: &str = r#"query($f: StatisticsFilter) { statistics(groupBy: [YEAR], filter: $f) { total { count flags } } }"#;

async fn table(app: &TestApp, token: &str, group_by: &[&str], filter: Value) -> Value {
    app.query_as(
        token,
        TABLE,
        json!({"g": group_by, "f": filter, "lang": "DE"}),
    )
    .await["statistics"]
        .clone()
}

fn cells(v: &Value) -> Vec<Value> {
    v.as_array().cloned().unwrap_or_default()
}

fn key_of(cell: &Value) -> Vec<String> {
    cells(&cell["key"])
        .iter()
        .map(|k| k["value"].as_str().unwrap().to_owned())
        .collect()
}

/// Every published figure of a cell obeys the rules of threshold `t`.
fn check_cell(cell: &Value, t: i64) {
    let flags: Vec<String> = cells(&cell["flags"])
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    match cell["count"].as_i64() {
        Some(0) => assert!(flags.is_empty(), "{cell}"),
        Some(n) => {
            assert!(
                n >= t && n % t == 0,
                "published {n} with threshold {t}: {cell}"
            );
            assert_eq!(flags, ["ROUNDED"], "{cell}");
            assert_eq!(cell["display"], n.to_string());
        }
        None => {
            assert!(
                flags == ["SUPPRESSED"] || flags == ["SECONDARY_SUPPRESSED"],
                "{cell}"
            );
            assert_eq!(cell["display"], ".");
            for field in [
                "medianDaysToDecision",
                "medianDaysToLicence",
                "overdueShare",
            ] {
                assert!(cell[field].is_null(), "{field} of a withheld cell: {cell}");
            }
        }
    }
    if let Some(share) = cell["overdueShare"].as_f64() {
        assert!((0.0..=1.0).contains(&share), "{cell}");
    }
}

/// Checks a table: every figure, and every equation its figures obey (a margin cell
/// is the sum of its row, column or plane; the total the sum of each margin; with
/// three dimensions, a line of cells sums to a cell of another table): none may have
/// exactly one withheld member, which the others would give away.
fn check_table(v: &Value, t: i64) {
    let dims = cells(&v["groupBy"]).len();
    let all = cells(&v["cells"]);
    for c in &all {
        check_cell(c, t);
        assert_eq!(c["key"].as_array().unwrap().len(), dims);
    }
    check_cell(&v["total"], t);
    let margins = cells(&v["margins"]);
    assert_eq!(margins.len(), if dims > 1 { dims } else { 0 });
    for m in &margins {
        for c in cells(&m["cells"]) {
            check_cell(&c, t);
        }
    }
    let withheld = |c: &Value| c["count"].is_null();
    let check = |members: Vec<&Value>| {
        let n = members.iter().filter(|c| withheld(c)).count();
        assert_ne!(n, 1, "an equation with one withheld member: {members:?}");
    };
    if dims == 1 {
        check(all.iter().chain([&v["total"]]).collect());
    }
    for (d, m) in margins.iter().enumerate() {
        let mc = cells(&m["cells"]);
        check(mc.iter().chain([&v["total"]]).collect());
        for margin_cell in &mc {
            let value = &key_of(margin_cell)[0];
            let mut members: Vec<&Value> = all.iter().filter(|c| &key_of(c)[d] == value).collect();
            members.push(margin_cell);
            check(members);
        }
    }
    if dims == 3 {
        for d in 0..dims {
            let mut by_rest: BTreeMap<Vec<String>, Vec<&Value>> = BTreeMap::new();
            for c in &all {
                let mut key = key_of(c);
                key.remove(d);
                by_rest.entry(key).or_default().push(c);
            }
            for line in by_rest.into_values().filter(|l| l.len() > 1) {
                check(line);
            }
        }
    }
    assert_eq!(v["disclosure"]["threshold"], t);
    assert_eq!(v["disclosure"]["roundingBase"], t);
}

/// The demo with the rate limit off: these tests ask many full tables in a row.
async fn demo_without_rate_limit() -> TestApp {
    let mut limits = Limits::default();
    limits.rate.rate_limit_points_per_minute = 0;
    TestApp::with_limits(limits).await
}

#[tokio::test]
async fn published_counts_are_never_small_and_no_withheld_cell_stands_alone() {
    let app = demo_without_rate_limit().await;
    let token = app.demo_token("funder").await;
    let audits = app.scalar("SELECT COUNT(*) FROM audit_entry").await;
    for group_by in [
        &["STATE", "PROFESSION"][..],
        &["REGION"],
        &["PROFESSION", "MEASURE"],
        &["STATE", "PROFESSION", "YEAR"],
        &["AUTHORITY", "QUARTER"],
        &["COUNTRY_OF_TRAINING", "ORIGIN"],
        &["STATUS", "OUTCOME"],
    ] {
        let v = table(&app, &token, group_by, json!({})).await;
        check_table(&v, 5);
        assert!(!cells(&v["cells"]).is_empty(), "{group_by:?}");
    }

    // Against the truth: withheld exactly when 1 to 4, otherwise less than 5 away.
    let v = table(&app, &token, &["PROFESSION"], json!({})).await;
    let mut seen_withheld = 0;
    for c in cells(&v["cells"]) {
        let profession = &key_of(&c)[0];
        let truth = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM recognition_case WHERE profession_key = '{profession}'"
            ))
            .await;
        assert!(truth > 0);
        match c["count"].as_i64() {
            Some(n) => assert!(
                (n - truth).abs() < 5 && truth >= 5,
                "{profession}: {truth} → {n}"
            ),
            None if c["flags"][0] == "SUPPRESSED" => {
                assert!(truth < 5, "{profession}: {truth} suppressed");
                seen_withheld += 1;
            }
            None => assert!(truth >= 5, "only larger cells are withheld secondarily"),
        }
    }
    assert!(seen_withheld > 0, "the demo has small professions: {v}");
    let truth = app.scalar("SELECT COUNT(*) FROM recognition_case").await;
    let total = v["total"]["count"].as_i64().unwrap();
    assert!((total - truth).abs() < 5, "{truth} → {total}");

    // Labels follow the language; no personal data was read, so nothing was audited.
    let labels: Vec<String> = cells(&v["cells"])
        .iter()
        .map(|c| c["key"][0]["label"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        labels
            .iter()
            .any(|l| l == "Ärztin/Arzt" || l.contains("Arzt")),
        "{labels:?}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM audit_entry").await, audits);
}

#[tokio::test]
async fn the_same_cases_give_the_same_figures_however_they_are_asked_for() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token("funder").await;
    let a = table(&app, &token, &["STATE", "PROFESSION"], json!({})).await;
    let b = table(&app, &token, &["STATE", "PROFESSION"], json!({})).await;
    assert_eq!(a, b, "the same query twice");

    // Saxony's cases: a row of one table, a margin of another, the total of a third.
    let by_state = table(&app, &token, &["STATE"], json!({})).await;
    let cell = cells(&by_state["cells"])
        .into_iter()
        .find(|c| key_of(c) == ["DE-SN"])
        .unwrap();
    let margin = cells(&a["margins"][0]["cells"])
        .into_iter()
        .find(|c| key_of(c) == ["DE-SN"])
        .unwrap();
    let filtered = table(&app, &token, &["PROFESSION"], json!({"region": "DE-SN"})).await;
    assert_eq!(cell["count"], margin["count"]);
    assert_eq!(cell["count"], filtered["total"]["count"]);
    assert_eq!(
        cell["medianDaysToDecision"],
        filtered["total"]["medianDaysToDecision"]
    );
    // The funnel's first step is the same set of cases as the total.
    let funnel = app
        .query_as(
            &token,
            "{ caseFunnel { stage count { count display flags } medianDaysFromPrevious } }",
            json!({}),
        )
        .await;
    let steps = cells(&funnel["caseFunnel"]);
    assert_eq!(
        steps
            .iter()
            .map(|s| s["stage"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["SUBMITTED", "DECIDED", "IN_COMPENSATION", "LICENSED"]
    );
    assert_eq!(steps[0]["count"]["count"], a["total"]["count"]);
    assert!(steps[0]["medianDaysFromPrevious"].is_null());
    assert!(steps[1]["medianDaysFromPrevious"].as_i64().unwrap() > 0);
    for s in &steps {
        let n = s["count"]["count"].as_i64().unwrap();
        assert!(n % 5 == 0 && n >= 5, "{s}");
    }
}

#[tokio::test]
async fn differences_smaller_than_the_threshold_never_show() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token("funder").await;
    let total = |filter: Value| {
        let app = &app;
        let token = &token;
        async move {
            app.query_as(token, TOTAL, json!({"f": filter})).await["statistics"]["total"]["count"]
                .as_i64()
                .unwrap()
        }
    };
    let mut pairs = 0;
    let mut unchanged = 0;
    // A period one day longer, where that day adds 1 to 4 applications.
    let today = chrono::Utc::now().date_naive();
    for offset in 30..400 {
        if pairs >= 12 {
            break;
        }
        let day = today - chrono::Duration::days(offset);
        let added = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM recognition_case WHERE submitted_on = '{day}'"
            ))
            .await;
        if !(1..5).contains(&added) {
            continue;
        }
        let before = day - chrono::Duration::days(1);
        let shorter = total(json!({"submittedTo": before.to_string()})).await;
        let longer = total(json!({"submittedTo": day.to_string()})).await;
        let shown = longer - shorter;
        assert_ne!(shown, added, "the day {day} ({added} cases) shows");
        assert_eq!(shown % 5, 0, "{shorter} → {longer}");
        unchanged += i32::from(shown == 0);
        pairs += 1;
    }
    assert!(pairs >= 5, "the demo has days with 1 to 4 applications");
    // One filter value more: a status of 1 to 4 cases added to all the others.
    let statuses = [
        "SUBMITTED",
        "INCOMPLETE",
        "IN_ASSESSMENT",
        "DECIDED",
        "IN_COMPENSATION",
        "LANGUAGE_PENDING",
        "LICENSED",
        "REJECTED",
        "WITHDRAWN",
    ];
    for s in statuses {
        let added = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM recognition_case WHERE status = '{s}'"
            ))
            .await;
        if !(1..5).contains(&added) {
            continue;
        }
        let others: Vec<&str> = statuses.iter().copied().filter(|o| *o != s).collect();
        let without = total(json!({"status": others})).await;
        let with = total(json!({"status": statuses})).await;
        assert_ne!(with - without, added, "status {s} ({added} cases) shows");
        assert_eq!((with - without) % 5, 0);
        pairs += 1;
    }
    // A district more: Leipzig's cases added to the rest of Saxony's are Saxony's.
    let saxony = total(json!({"region": "DE-SN"})).await;
    let leipzig_truth = app
        .scalar("SELECT COUNT(*) FROM recognition_case WHERE candidate_id IN (SELECT id FROM candidate WHERE region_code = '14713')")
        .await;
    let leipzig = app
        .query_as(&token, TOTAL, json!({"f": {"region": "14713"}}))
        .await["statistics"]["total"]
        .clone();
    if leipzig_truth < 5 {
        assert!(leipzig["count"].is_null());
    } else {
        assert_eq!(leipzig["count"].as_i64().unwrap() % 5, 0);
    }
    assert_eq!(saxony % 5, 0);
    assert!(
        pairs >= 5 && unchanged > 0,
        "{pairs} pairs, {unchanged} unchanged"
    );
}

#[tokio::test]
async fn the_threshold_is_the_operators_choice() {
    let mut limits = Limits {
        stats_threshold: 3,
        ..Limits::default()
    };
    limits.rate.rate_limit_points_per_minute = 0;
    let app = TestApp::with_limits(limits).await;
    let token = app.demo_token("funder").await;
    for group_by in [&["STATE", "PROFESSION"][..], &["REGION", "MEASURE"]] {
        let v = table(&app, &token, group_by, json!({})).await;
        check_table(&v, 3);
        assert!(
            cells(&v["cells"])
                .iter()
                .any(|c| c["count"].as_i64().is_some_and(|n| n % 5 != 0)),
            "multiples of 3, not only of 15"
        );
    }
}

#[tokio::test]
async fn only_stats_read_gets_statistics_and_bad_questions_are_named() {
    let app = TestApp::with_demo().await;
    let funder = app.demo_token("funder").await;
    let school = app.demo_token("school").await;
    let q = "{ statistics(groupBy: [STATE]) { total { count } } }";
    let (code, _) = app.query_error(q, json!({})).await;
    assert_eq!(code, "UNAUTHENTICATED");
    for q in [
        q,
        "{ caseFunnel { stage } }",
        "{ demandGaps { seats } }",
        "{ poolingSuggestions { measure } }",
    ] {
        let (code, _) = app.error_as(&school, q, json!({})).await;
        assert_eq!(code, "FORBIDDEN", "{q}");
    }
    for (q, field) in [
        ("{ statistics(groupBy: []) { total { count } } }", "groupBy"),
        (
            "{ statistics(groupBy: [STATE, STATE]) { total { count } } }",
            "groupBy",
        ),
        (
            "{ statistics(groupBy: [STATE, PROFESSION, YEAR, QUARTER]) { total { count } } }",
            "groupBy",
        ),
        (
            r#"{ statistics(groupBy: [STATE], filter: {region: "XX-1"}) { total { count } } }"#,
            "filter.region",
        ),
        (
            r#"{ statistics(groupBy: [STATE], filter: {submittedFrom: "2026-05-01", submittedTo: "2026-04-01"}) { total { count } } }"#,
            "filter.submittedTo",
        ),
        (
            "{ demandGaps(filter: {horizonMonths: 0}) { seats } }",
            "filter.horizonMonths",
        ),
        (
            "{ poolingSuggestions(filter: {minGroupSize: 1}) { measure } }",
            "filter.minGroupSize",
        ),
    ] {
        let (code, ext) = app.error_as(&funder, q, json!({})).await;
        assert_eq!(code, "BAD_USER_INPUT", "{q}");
        assert!(ext.to_string().contains(field), "{q}: {ext}");
    }
}

/// `GET /stats.csv?…` with a token: status, content type and body.
async fn csv(app: &TestApp, token: Option<&str>, query: &str) -> (StatusCode, String, String) {
    let mut request = Request::get(format!("/stats.csv?{query}"));
    if let Some(t) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let (status, headers, body) = app.send(request.body(Body::empty()).unwrap()).await;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn the_csv_export_is_the_same_table_under_the_same_rules() {
    let app = TestApp::with_demo().await;
    let funder = app.demo_token("funder").await;
    let school = app.demo_token("school").await;
    let v = table(
        &app,
        &funder,
        &["STATE", "MEASURE"],
        json!({"origin": "THIRD_COUNTRY"}),
    )
    .await;
    let (status, content_type, body) = csv(
        &app,
        Some(&funder),
        "groupBy=STATE,MEASURE&origin=THIRD_COUNTRY&lang=de",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "part");
    assert_eq!(&headers[1], "STATE");
    assert_eq!(&headers[3], "MEASURE");
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut from_csv: HashMap<(String, String, String), String> = HashMap::new();
    for r in &rows {
        from_csv.insert(
            (r[0].to_owned(), r[1].to_owned(), r[3].to_owned()),
            r[column("count")].to_owned(),
        );
    }
    let text = |c: &Value| {
        c["count"]
            .as_i64()
            .map(|n| n.to_string())
            .unwrap_or_default()
    };
    for c in cells(&v["cells"]) {
        let k = key_of(&c);
        assert_eq!(
            from_csv[&("CELL".to_owned(), k[0].clone(), k[1].clone())],
            text(&c),
            "{c}"
        );
    }
    assert_eq!(
        from_csv[&("TOTAL".to_owned(), String::new(), String::new())],
        text(&v["total"])
    );
    assert_eq!(
        rows.len(),
        cells(&v["cells"]).len()
            + cells(&v["margins"])
                .iter()
                .map(|m| cells(&m["cells"]).len())
                .sum::<usize>()
            + 1
    );
    assert!(body.contains("Kenntnisprüfung"), "labels in German");
    assert!(
        rows.iter()
            .all(|r| !r[column("flags")].is_empty() || r[column("count")] == *"0")
    );

    let (status, _, body) = csv(&app, None, "groupBy=STATE").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, body) = csv(&app, Some(&school), "groupBy=STATE").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("FORBIDDEN"));
    for bad in [
        "groupBy=SHOE",
        "groupBy=STATE&colour=red",
        "groupBy=STATE&submittedTo=yesterday",
        "",
    ] {
        let (status, _, body) = csv(&app, Some(&funder), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body.contains("BAD_USER_INPUT"), "{bad}: {body}");
    }
}

// ---------------------------------------------------------------------------------
// A small world built by hand: nurses in four districts of Saxony, one adaptation
// course with known seats, and funding programmes that fit or do not.

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

struct World {
    app: TestApp,
    admin: String,
    advisory: String,
    authority: String,
    authority_org: String,
    school: String,
    school_org: String,
    funder: String,
    stats: String,
}

/// A new organisation and a token of a client of it with `scopes`: (org id, token).
async fn partner(
    app: &TestApp,
    admin: &str,
    kind: &str,
    name: &str,
    region: &str,
    scopes: &[&str],
) -> (String, String) {
    let org = app
        .query_as(
            admin,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
            json!({"input": {"kind": kind, "name": name, "region": region, "city": "Leipzig"}}),
        )
        .await["registerOrganisation"]["organisation"]["id"]
        .clone();
    let client = app
        .query_as(
            admin,
            "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
            json!({"input": {"organisationId": org, "name": "Testclient", "scopes": scopes}}),
        )
        .await;
    let p = &client["registerPartnerClient"];
    let token = app
        .token(
            p["client"]["clientId"].as_str().unwrap(),
            p["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    (org.as_str().unwrap().to_owned(), token)
}

impl World {
    async fn new() -> World {
        let app = TestApp::new().await;
        let registered = knotenpunkt::service::clients::register(
            &app.db,
            knotenpunkt::service::clients::NewClient {
                name: "admin".into(),
                organisation_id: None,
                scopes: "admin".into(),
                external_client_id: None,
            },
        )
        .await
        .unwrap();
        let admin = app
            .token(
                &registered.client.client_id,
                registered.secret.as_deref().unwrap(),
                None,
            )
            .await;
        let (_, advisory) = partner(
            &app,
            &admin,
            "ADVISORY",
            "IQ Beratung Leipzig",
            "14713",
            &[
                "candidates:read",
                "candidates:write",
                "candidates:pii",
                "enrolments:write",
            ],
        )
        .await;
        let (authority_org, authority) = partner(
            &app,
            &admin,
            "AUTHORITY",
            "Landesdirektion Sachsen",
            "14713",
            &["cases:read", "cases:write"],
        )
        .await;
        let (school_org, school) = partner(
            &app,
            &admin,
            "SCHOOL",
            "Medizinische Berufsfachschule Dresden",
            "14612",
            &["courses:write"],
        )
        .await;
        let (_, funder) = partner(
            &app,
            &admin,
            "FUNDER",
            "Sächsische Aufbaubank",
            "14612",
            &["funding:decide"],
        )
        .await;
        let (_, stats) = partner(
            &app,
            &admin,
            "JOB_AGENCY",
            "Agentur für Arbeit Leipzig",
            "14713",
            &["stats:read"],
        )
        .await;
        World {
            app,
            admin,
            advisory,
            authority,
            authority_org,
            school,
            school_org,
            funder,
            stats,
        }
    }

    /// A nurse trained in the Philippines living in `district`, whose decision allows
    /// the adaptation course: (candidate id).
    async fn nurse_needing_adaptation(&self, district: &str) -> String {
        let c = self
            .app
            .query_as(
                &self.advisory,
                r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id } } }"#,
                json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "languageLevel": "B2", "region": district,
                  "personal": {"givenName": "Maria", "familyName": "Santos"}}}),
            )
            .await["registerCandidate"]["candidate"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let case = self
            .app
            .query_as(
                &self.advisory,
                r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id } } }"#,
                json!({"input": {"candidateId": c, "authorityId": self.authority_org, "legalBasis": "PflBG § 40",
                  "submittedOn": day(-120)}}),
            )
            .await["openRecognitionCase"]["recognitionCase"]["id"]
            .clone();
        self.app
            .query_as(
                &self.authority,
                r#"mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { recognitionCase { version } } }"#,
                json!({"input": {"caseId": case, "expectedVersion": 1, "status": "IN_ASSESSMENT"}}),
            )
            .await;
        self.app
            .query_as(
                &self.authority,
                r#"mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { recognitionCase { status } } }"#,
                json!({"input": {"caseId": case, "expectedVersion": 2, "outcome": "DEFICIT",
                  "deficitAreas": ["Pflegeprozess"], "measures": ["ADAPTATION_COURSE"], "decidedOn": day(-10)}}),
            )
            .await;
        c
    }

    /// A run of the school's adaptation course for nurses: (run id).
    async fn run(
        &self,
        course: &str,
        start: i64,
        seats: i32,
        format: &str,
        district: &str,
    ) -> String {
        self.app
            .query_as(
                &self.school,
                r#"mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id } } }"#,
                json!({"input": {"courseId": course, "startDate": day(start), "endDate": day(start + 180), "hours": 600,
                  "format": format, "schedule": "FULL_TIME", "seatsMin": 1, "seatsMax": seats,
                  "region": district, "city": "Dresden", "cost": {"amount": "0", "currency": "EUR"}, "status": "OPEN"}}),
            )
            .await["scheduleCourseRun"]["courseRun"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn programme(&self, name: &str, professions: &[&str], origin: Option<&str>) -> String {
        self.app
            .query_as(
                &self.funder,
                r#"mutation($input: DefineFundingProgrammeInput!) { defineFundingProgramme(input: $input) { fundingProgramme { id } } }"#,
                json!({"input": {"name": name, "year": 2026, "budget": {"amount": "100000", "currency": "EUR"},
                  "costTypes": ["COURSE_FEE"], "professions": professions, "origin": origin, "region": "DE-SN",
                  "opensOn": day(-30), "closesOn": day(300)}}),
            )
            .await["defineFundingProgramme"]["fundingProgramme"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The count disclosure control publishes for `n` cases with these record keys.
    async fn expected(&self, n: i64, where_sql: &str) -> i64 {
        let keys = self
            .app
            .scalar(&format!(
                "SELECT CAST(COALESCE(SUM(record_key), 0) AS BIGINT) FROM recognition_case WHERE {where_sql}"
            ))
            .await;
        let cell_key = keys % 65_536;
        let (q, r) = (n / 5, n % 5);
        (q + i64::from(cell_key * 5 < r * 65_536)) * 5
    }
}

const LEIPZIG: &str = "14713";
const LEIPZIG_LAND: &str = "14729";
const DRESDEN: &str = "14612";
const CHEMNITZ: &str = "14511";

#[tokio::test]
async fn need_against_supply_and_pooling_in_a_small_world_with_known_answers() {
    let w = World::new().await;
    let _ = &w.admin;
    let mut in_leipzig = Vec::new();
    for _ in 0..4 {
        in_leipzig.push(w.nurse_needing_adaptation(LEIPZIG).await);
    }
    for _ in 0..2 {
        w.nurse_needing_adaptation(LEIPZIG_LAND).await;
    }
    for _ in 0..6 {
        w.nurse_needing_adaptation(DRESDEN).await;
    }
    w.nurse_needing_adaptation(CHEMNITZ).await;

    let course = w
        .app
        .query_as(
            &w.school,
            r#"mutation { registerCourse(input: {type: ADAPTATION_COURSE, title: "Anpassungslehrgang Pflege", professions: ["nurse"]}) { course { id } } }"#,
            json!({}),
        )
        .await["registerCourse"]["course"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = w.run(&course, 60, 12, "PRESENCE", DRESDEN).await;
    // Beyond the horizon of 12 months: not supply.
    w.run(&course, 500, 8, "ONLINE", DRESDEN).await;
    // One Leipzig nurse is enrolled: no longer in need, and a seat is taken.
    w.app
        .query_as(
            &w.advisory,
            r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }"#,
            json!({"input": {"candidateId": in_leipzig[0], "organisationId": w.school_org, "purpose": "REFERRAL"}}),
        )
        .await;
    let enrolled = w
        .app
        .query_as(
            &w.advisory,
            r#"mutation($input: RequestEnrolmentInput!) { requestEnrolment(input: $input) { enrolment { status } } }"#,
            json!({"input": {"candidateId": in_leipzig[0], "courseRunId": run}}),
        )
        .await;
    assert_eq!(
        enrolled["requestEnrolment"]["enrolment"]["status"],
        "CONFIRMED"
    );

    let fits = w
        .programme(
            "Anerkennung Pflege Sachsen",
            &["nurse"],
            Some("THIRD_COUNTRY"),
        )
        .await;
    w.programme("Ärztinnen und Ärzte", &["physician"], None)
        .await;
    w.programme("Pflege aus der EU", &["nurse"], Some("EU_EEA_CH"))
        .await;

    // Need against supply in Saxony: 12 nurses still need the course (3 + 2 + 6 + 1),
    // 11 seats are free within the horizon.
    let q = r#"query($f: DemandGapFilter) { demandGaps(filter: $f) { region { code } profession { key } measure
        need { count display flags } seats offers gap } }"#;
    let v = w
        .app
        .query_as(
            &w.stats,
            q,
            json!({"f": {"region": "DE-SN", "profession": "nurse", "measure": "ADAPTATION_COURSE"}}),
        )
        .await;
    let rows = cells(&v["demandGaps"]);
    assert_eq!(rows.len(), 1, "{v}");
    let row = &rows[0];
    assert_eq!(row["region"]["code"], "DE-SN");
    assert_eq!(row["profession"]["key"], "nurse");
    assert_eq!(row["seats"], 11);
    assert_eq!(row["offers"], 1);
    let not_enrolled = "candidate_id NOT IN (SELECT candidate_id FROM enrolment)";
    let need = w.expected(12, not_enrolled).await;
    assert_eq!(row["need"]["count"], need);
    assert_eq!(row["need"]["flags"], json!(["ROUNDED"]));
    assert_eq!(row["gap"], need - 11);

    // One district: its 3 nurses are withheld, the seats of its Land still count.
    let v = w
        .app
        .query_as(
            &w.stats,
            q,
            json!({"f": {"region": LEIPZIG, "measure": "ADAPTATION_COURSE"}}),
        )
        .await;
    let rows = cells(&v["demandGaps"]);
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["region"]["code"], LEIPZIG);
    assert!(rows[0]["need"]["count"].is_null());
    assert_eq!(rows[0]["need"]["flags"], json!(["SUPPRESSED"]));
    assert_eq!(rows[0]["seats"], 11);
    assert!(rows[0]["gap"].is_null());

    // Pooling: Leipzig (3) and Landkreis Leipzig (2) are neighbours and make 5;
    // Dresden (6) is viable alone; Chemnitz (1) has no small neighbour.
    let pq = r#"query($f: PoolingSuggestionFilter) { poolingSuggestions(filter: $f) { profession { key } measure
        regions { code } need { count flags } providers { id } fundingProgrammes { id } } }"#;
    let v = w
        .app
        .query_as(&w.stats, pq, json!({"f": {"measure": "ADAPTATION_COURSE"}}))
        .await;
    let suggestions = cells(&v["poolingSuggestions"]);
    assert_eq!(suggestions.len(), 1, "{v}");
    let s = &suggestions[0];
    assert_eq!(s["profession"]["key"], "nurse");
    assert_eq!(
        s["regions"],
        json!([{"code": LEIPZIG}, {"code": LEIPZIG_LAND}])
    );
    assert_eq!(s["need"]["count"], 5, "5 is published as it is");
    assert_eq!(s["providers"], json!([{"id": w.school_org}]));
    assert_eq!(s["fundingProgrammes"], json!([{"id": fits}]));
    // A group of six is out of reach.
    let v = w
        .app
        .query_as(
            &w.stats,
            pq,
            json!({"f": {"measure": "ADAPTATION_COURSE", "minGroupSize": 6}}),
        )
        .await;
    assert_eq!(v["poolingSuggestions"], json!([]));
    // Suggestions never name people.
    let text = v.to_string() + &s.to_string();
    assert!(!text.contains("Santos") && !text.contains("Maria"));
}
