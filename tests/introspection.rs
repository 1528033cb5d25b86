//! graphql-js, as partners' tools use it (GraphQL Code Generator, graphql-inspector,
//! GraphiQL): its standard introspection query with every option on passes the hub's
//! limits, and the schema it rebuilds from the answer is `schema.graphql`.
//!
//! graphql-js is the pinned npm package in `tests/graphqljs/`, installed with `npm ci`.
//! Without Node the test is skipped with a printed reason, unless
//! `KNOTENPUNKT_REQUIRE_NODE_TESTS` is set (as in CI), where it fails instead.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, node};
use serde_json::json;
use std::process::Command;

#[tokio::test]
async fn graphql_js_introspection_rebuilds_the_published_schema() {
    if !node::ready("KNOTENPUNKT_REQUIRE_NODE_TESTS", "the graphql-js test") {
        return;
    }
    let dir = node::dir("graphqljs");
    node::install(&dir).expect("graphql-js");
    let query = Command::new("node")
        .args(["introspect.mjs", "query"])
        .current_dir(&dir)
        .output()
        .expect("node");
    assert!(query.status.success(), "{query:?}");
    let query = String::from_utf8(query.stdout).expect("UTF-8");
    assert!(query.contains("specifiedByURL") && query.contains("isRepeatable"));

    // Sent as GraphiQL sends it, under the default limits.
    let app = TestApp::new().await;
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(Body::from(
            json!({ "query": query, "operationName": "IntrospectionQuery" }).to_string(),
        ))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let result = std::env::temp_dir().join(format!(
        "knotenpunkt-introspection-{}.json",
        std::process::id()
    ));
    std::fs::write(&result, &body).expect("write the introspection result");
    let compare = Command::new("node")
        .arg("introspect.mjs")
        .arg("compare")
        .arg(&result)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .current_dir(&dir)
        .output()
        .expect("node");
    let _ = std::fs::remove_file(&result);
    assert!(
        compare.status.success(),
        "the introspected schema differs from schema.graphql:\n{}",
        String::from_utf8_lossy(&compare.stderr)
    );
}
