//! `GET /metrics`: what operators watch, in Prometheus' text format. One test per
//! binary, because the metrics recorder is one per process.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::TestApp;
use serde_json::json;

/// The value of the sample `name{labels}` (labels as rendered, in order), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let (status, headers, body) = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn metrics_count_operations_refusals_audit_entries_and_the_pool() {
    let app = TestApp::with_demo().await;
    let before = scrape(&app).await;
    let refused_before =
        sample(&before, r#"knotenpunkt_refusals_total{limit="cost"}"#).unwrap_or(0.0);

    // A named operation that answers.
    app.query(
        "query Catalogue { organisations(first: 2) { nodes { name } } }",
        json!({}),
    )
    .await;
    // One refused for its cost, and one refused for its shape.
    let chain = "{ courses(first: 100) { nodes { runs(first: 100) { nodes { course { title provider { name } } } } } } }";
    let (_, body) = app.graphql(chain, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "MAX_COST_EXCEEDED");
    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    app.graphql(&format!("{{ {aliases} }}"), json!({})).await;
    // Personal data read by an advisory centre: audited.
    let advisory = app.demo_token("advisory").await;
    app.query_as(
        &advisory,
        "query Caseload { candidates(first: 3) { nodes { personal { familyName } } } }",
        json!({}),
    )
    .await;

    let text = scrape(&app).await;
    let ok = sample(
        &text,
        r#"knotenpunkt_graphql_operations_total{operation="Catalogue",outcome="ok",code=""}"#,
    );
    assert_eq!(ok, Some(1.0), "{text}");
    assert_eq!(
        sample(&text, r#"knotenpunkt_refusals_total{limit="cost"}"#),
        Some(refused_before + 1.0)
    );
    assert!(sample(&text, r#"knotenpunkt_refusals_total{limit="aliases"}"#).is_some());
    assert!(
        sample(
            &text,
            r#"knotenpunkt_graphql_operations_total{operation="anonymous",outcome="error",code="MAX_COST_EXCEEDED"}"#
        )
        .is_some(),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"knotenpunkt_graphql_request_duration_seconds_count{operation="Catalogue"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // The catalogue page cost 1 + 1 + 2 = 4: one sample at or below the bucket of 10.
    assert!(
        sample(
            &text,
            r#"knotenpunkt_graphql_operation_cost_bucket{le="10"}"#
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"knotenpunkt_audit_entries_written_total{action="read"}"#
        )
        .is_some_and(|n| n >= 3.0),
        "{text}"
    );
    let max = sample(&text, r#"knotenpunkt_db_pool_connections{state="max"}"#);
    assert!(max.is_some_and(|n| n >= 1.0), "{text}");
    assert!(sample(&text, r#"knotenpunkt_db_pool_connections{state="idle"}"#).is_some());
    assert!(sample(&text, "knotenpunkt_graphql_requests_in_flight").is_some());

    // Operation names are the client's: their label values are bounded.
    for i in 0..250 {
        app.graphql(&format!("query Op{i} {{ __typename }}"), json!({}))
            .await;
    }
    let text = scrape(&app).await;
    let names = text
        .lines()
        .filter(|l| l.starts_with("knotenpunkt_graphql_operations_total{"))
        .filter_map(|l| l.split("operation=\"").nth(1))
        .filter_map(|l| l.split('"').next())
        .collect::<std::collections::HashSet<_>>();
    assert!(names.contains("other"), "{names:?}");
    assert!(
        names.len() <= knotenpunkt::metrics::MAX_OPERATION_NAMES + 2,
        "{} operation labels",
        names.len()
    );
}
