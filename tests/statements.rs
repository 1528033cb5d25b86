//! No N+1: the SQL statements of a request grow with the depth of the query, never with
//! the number of rows it returns (counted with sea-orm's metric callback).

mod common;

use common::{TestApp, nodes};
use serde_json::json;

const DEEP: &str = r#"query($first: Int!) {
  courses(first: $first) {
    totalCount
    edges { node {
      title
      provider { name region { code } courses(first: 3) { totalCount nodes { title } } }
      professions { key label(lang: DE) }
      nextRun { startDate }
      runs(first: 3) { totalCount nodes { startDate course { title } } }
    } }
  }
}"#;

async fn statements_for(app: &TestApp, first: i64) -> (usize, usize) {
    app.reset_statements();
    let data = app.query(DEEP, json!({"first": first})).await;
    let returned = nodes(&data["courses"]).len();
    (app.statements(), returned)
}

#[tokio::test]
async fn statement_count_does_not_grow_with_the_number_of_courses() {
    let app = TestApp::with_demo().await;
    let (small, n_small) = statements_for(&app, 5).await;
    let (large, n_large) = statements_for(&app, 100).await;
    assert_eq!(n_small, 5);
    assert_eq!(n_large, 100);
    println!("statements: {small} for 5 courses, {large} for 100 courses");
    assert_eq!(small, large, "same statements for 5 and 100 courses");
    // courses page + count, providers, provider courses page + count, professions,
    // next runs, runs page + count, runs' courses.
    assert!(large <= 10, "{large} statements");
}

const CASE_FILE: &str = r#"query($first: Int!) {
  candidates(first: $first) {
    totalCount
    nodes {
      code
      personal { familyName }
      consents { purpose organisation { name } }
      cases { status authority { name } timeline { kind from to } decision { outcome } }
    }
  }
}"#;

#[tokio::test]
async fn case_file_statements_do_not_grow_with_candidates_cases_or_events() {
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let mut counts = Vec::new();
    for first in [3, 15] {
        app.reset_statements();
        let data = app
            .query_as(&advisory, CASE_FILE, json!({"first": first}))
            .await;
        let rows = data["candidates"]["nodes"].as_array().unwrap();
        assert_eq!(rows.len(), first as usize);
        let events: usize = rows
            .iter()
            .flat_map(|c| c["cases"].as_array().unwrap())
            .map(|k| k["timeline"].as_array().unwrap().len())
            .sum();
        counts.push((app.statements(), events));
    }
    println!(
        "case file statements: {:?} (statements, timeline events) for 3 and 15 candidates",
        counts
    );
    assert!(counts[1].1 > counts[0].1, "the larger page has more events");
    // One statement per relation, whatever the number of rows: principal, page, count,
    // personal, consents, cases, timeline, decision, audit insert, and the organisation
    // loader — which two relations of the same depth share, so their keys meet in one
    // batch or, when the two lists come back in different ticks, in two. 11 at most.
    for (statements, _) in &counts {
        assert!(*statements <= 11, "{statements} statements: {counts:?}");
    }
}

#[tokio::test]
async fn enrolments_under_runs_cost_the_same_statements_for_5_and_100_runs() {
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let org = app
        .query_as(&advisory, "{ viewer { organisation { id } } }", json!({}))
        .await["viewer"]["organisation"]["id"]
        .as_str()
        .map(|id| {
            use base64::Engine;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(id)
                .unwrap();
            String::from_utf8(raw)
                .unwrap()
                .split_once(':')
                .unwrap()
                .1
                .to_owned()
        })
        .unwrap();
    // The runs in which the advisory centre's candidates are enrolled.
    let runs: Vec<i64> = {
        use sea_orm::{ConnectionTrait, Statement};
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                format!(
                    "SELECT DISTINCT e.course_run_id FROM enrolment e JOIN candidate c ON c.id = e.candidate_id \
                     WHERE c.advisory_id = {org} AND e.course_run_id IS NOT NULL ORDER BY 1"
                ),
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.try_get_by_index::<i64>(0).unwrap())
            .collect()
    };
    assert!(
        runs.len() >= 20,
        "demo runs with the centre's candidates: {}",
        runs.len()
    );
    let q = r#"query($ids: [ID!]!) { nodes(ids: $ids) { ... on CourseRun { id enrolments(first: 10) { nodes { status candidate { code cases { status } } } } } } }"#;
    let mut counts = Vec::new();
    for n in [5, 100.min(runs.len())] {
        let ids: Vec<String> = runs[..n]
            .iter()
            .map(|id| {
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("CourseRun:{id}"))
            })
            .collect();
        app.reset_statements();
        let v = app.query_as(&advisory, q, json!({"ids": ids})).await;
        counts.push(app.statements());
        let seen: Vec<serde_json::Value> = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| {
                r["enrolments"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        assert!(seen.len() >= n, "every run shows its enrolments");
        assert!(seen.iter().all(|e| e["candidate"]["code"].is_string()));
    }
    println!("run → enrolments → candidate → cases: {counts:?} statements for 5 and 100 runs");
    assert_eq!(
        counts[0], counts[1],
        "statements for 5 and 100 runs: {counts:?}"
    );
}

#[tokio::test]
async fn offers_referrals_matching_and_programmes_cost_the_same_statements_for_few_and_many() {
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let funder = app.demo_token("funder").await;
    let cases = [
        (
            &advisory,
            r#"query($n: Int!) { placementOffers(first: $n) { nodes { title professions { key } employer { name }
                potentialCandidates { display } referrals(first: 5) { nodes { status candidate { code } } } } } }"#,
            [30, 100],
            "offers → professions, employer, count, referrals → candidate",
        ),
        (
            &advisory,
            r#"query($n: Int!) { candidates(first: $n) { nodes { code acceptedRegions { code }
                matchingOffers(first: 5) { title professions { key } }
                referrals(first: 5) { nodes { status offer { title } } } } } }"#,
            [5, 100],
            "candidates → matching offers, referrals → offer",
        ),
        (
            &funder,
            r#"query($n: Int!) { fundingProgrammes(last: $n) { nodes { name professions { key }
                budget { remaining { amount } } statistics { applications { display } grantedByProfession { amount { amount } } }
                applications(first: 50) { nodes { status requested { amount } candidate { code } timeline { toStatus } } } } } }"#,
            [1, 4],
            "programmes → figures, applications → candidate, timeline",
        ),
    ];
    for (token, q, sizes, what) in cases {
        let mut counts = Vec::new();
        for n in sizes {
            app.reset_statements();
            app.query_as(token, q, json!({"n": n})).await;
            counts.push(app.statements());
        }
        println!("{what}: {counts:?} statements for {sizes:?}");
        assert_eq!(counts[0], counts[1], "{what}: {counts:?}");
    }
}
