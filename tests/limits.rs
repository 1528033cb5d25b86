//! No caller can exhaust the hub: every operation is priced before it runs and refused
//! over the limit (before any statement), a document that repeats itself costs what it
//! asks for, and an operation that still grows is stopped by the execution budget or
//! the request timeout.

mod common;

use common::TestApp;
use knotenpunkt::config::Limits;
use serde_json::{Value, json};

/// `region(code:"DE-HE") { children { parent { children … } } }`, `levels` children deep.
fn region_chain(levels: usize) -> String {
    let mut inner = "code".to_owned();
    for i in 0..levels {
        inner = if i == 0 {
            format!("children {{ {inner} }}")
        } else {
            format!("children {{ parent {{ {inner} }} }}")
        };
    }
    format!(r#"{{ region(code: "DE-HE") {{ {inner} }} }}"#)
}

/// Eight levels of fragments, each spreading the next eight times.
fn fragment_fan_out(leaf: &str) -> String {
    let mut doc = "{ ...F1 }".to_owned();
    for i in 1..=8 {
        let spreads = vec![format!("...F{}", i + 1); 8].join(" ");
        doc.push_str(&format!(" fragment F{i} on Query {{ {spreads} }}"));
    }
    doc.push_str(&format!(" fragment F9 on Query {{ {leaf} }}"));
    doc
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn nested_lists_are_refused_before_any_statement_runs() {
    let app = TestApp::with_demo().await;
    // Two levels of a region's children answer; five multiply past the limit.
    let data = app.query(&region_chain(2), json!({})).await;
    assert!(
        data["region"]["children"][0]["parent"]["children"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    app.reset_statements();
    let (status, body) = app.graphql(&region_chain(5), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
    let cost = &body["errors"][0]["extensions"]["cost"];
    assert_eq!(cost["allowed"], json!(Limits::default().max_cost));
    assert!(
        cost["requested"].as_u64().unwrap() > Limits::default().max_cost,
        "{body}"
    );
    assert!(
        body.get("data").is_none(),
        "refused before execution: {body}"
    );
    assert_eq!(app.statements(), 0, "no statement for a refused operation");

    // A connection costs its page size, multiplied through its parents.
    let (_, body) = app
        .graphql(
            "{ organisations(first: 100) { nodes { courses(first: 100) { nodes { runs(first: 100) { nodes { id } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
    // 1 + 1 + 100 + 100 + 10,000 + 10,000 + 1,000,000: each list multiplies what is below.
    assert_eq!(
        body["errors"][0]["extensions"]["cost"]["requested"],
        json!(1_020_202)
    );
    assert_eq!(app.statements(), 0);

    // Variables count as literals do.
    let (_, body) = app
        .graphql(
            "query($n: Int) { organisations(first: $n) { nodes { courses(first: $n) { nodes { runs(first: $n) { nodes { id } } } } } } }",
            json!({"n": 100}),
        )
        .await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
}

#[tokio::test]
async fn the_readme_example_costs_what_the_readme_says() {
    let app = TestApp::with_limits(Limits {
        max_cost: 1,
        ..Limits::default()
    })
    .await;
    let (_, body) = app
        .graphql(
            "{ courses(first: 20) { nodes { title runs(first: 3) { nodes { startDate } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["cost"],
        json!({"requested": 122, "allowed": 1}),
        "{body}"
    );
    // `regions { children }` costs the regions once, not regions × the most children.
    let (_, body) = app
        .graphql("{ regions { children { code } } }", json!({}))
        .await;
    let regions = app.scalar("SELECT COUNT(*) FROM region").await as u64;
    assert_eq!(
        body["errors"][0]["extensions"]["cost"]["requested"],
        json!(1 + 2 * regions),
        "{body}"
    );
}

#[tokio::test]
async fn a_fragment_fan_out_costs_what_it_returns() {
    let app = TestApp::with_demo().await;
    // 8^8 spreads of one fragment are one selection of its fields: an answer, one
    // statement for the regions, not sixteen million.
    app.reset_statements();
    let data = app
        .query(&fragment_fan_out("__typename regions { code }"), json!({}))
        .await;
    assert_eq!(data["__typename"], "Query");
    let regions = data["regions"].as_array().unwrap();
    assert!(regions.len() > 10, "{data}");
    assert!(
        app.statements() <= 1,
        "{} statements for one list of regions",
        app.statements()
    );

    // The same field many times over runs once.
    let repeated = format!(
        "{{ {} }}",
        vec!["courseRuns(first: 5) { nodes { id } }"; 100].join(" ")
    );
    app.reset_statements();
    let data = app.query(&repeated, json!({})).await;
    assert_eq!(data["courseRuns"]["nodes"].as_array().unwrap().len(), 5);
    let once = app.statements();
    app.reset_statements();
    app.query("{ courseRuns(first: 5) { nodes { id } } }", json!({}))
        .await;
    assert_eq!(once, app.statements(), "a repeated field runs once");

    // A fan-out whose leaf multiplies is priced as such.
    let (_, body) = app
        .graphql(
            &fragment_fan_out(&region_chain(5)[1..region_chain(5).len() - 1]),
            json!({}),
        )
        .await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
}

#[tokio::test]
async fn the_fan_out_answers_as_the_specification_says() {
    let app = TestApp::with_demo().await;
    // Fields merged from repeated fragments with type conditions, `@include` and
    // aliases keep the answer of the plain query, key order included.
    let doc = r#"query($yes: Boolean!, $no: Boolean!) { ...A ...A ...B }
        fragment A on Query { r: region(code: "DE-SN") { code ...C ...C } }
        fragment B on Query { r: region(code: "DE-SN") { label(lang: DE) ...C @include(if: $no) children @include(if: $yes) { code } } }
        fragment C on Region { level code }"#;
    let (status, body) = app.graphql(doc, json!({"yes": true, "no": false})).await;
    assert_eq!(status, 200);
    let plain = app
        .query(
            r#"{ r: region(code: "DE-SN") { code level label(lang: DE) children { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        serde_json::to_string(&body["data"]).unwrap(),
        serde_json::to_string(&plain).unwrap()
    );
}

#[tokio::test]
async fn root_fields_are_counted_through_fragments_at_any_depth() {
    let app = TestApp::with_demo().await;
    let fields: Vec<String> = (0..25).map(|i| format!("f{i}: __typename")).collect();
    let mut doc = "{ ...N0 }".to_owned();
    for i in 0..10 {
        doc.push_str(&format!(" fragment N{i} on Query {{ ...N{} }}", i + 1));
    }
    doc.push_str(&format!(
        " fragment N10 on Query {{ {} }}",
        fields.join(" ")
    ));
    let (_, body) = app.graphql(&doc, json!({})).await;
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("25 root fields"),
        "{body}"
    );
}

#[tokio::test]
async fn abusive_introspection_is_refused_and_the_standard_query_is_not() {
    let app = TestApp::with_demo().await;
    let chain = r#"__type(name: "Node") { possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { name } } } } } } } }"#;
    let doc = format!(
        "{{ {} }}",
        (0..20)
            .map(|i| format!("a{i}: {chain}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (_, body) = app.graphql(&doc, json!({})).await;
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("introspection"),
        "{body}"
    );
    // One chain is what a tool may ask (with a client's budget: the chain costs more
    // than an anonymous caller's points per minute now that `Node` has 17 types). Its
    // answer grows with the fourth power of `Node`'s types; from 15 on the chain above
    // holds more than the 100,000 values the execution budget allows, so the tool's
    // chain here is one level shorter.
    let token = app.demo_token("school").await;
    let shorter = r#"__type(name: "Node") { possibleTypes { interfaces { possibleTypes { interfaces { possibleTypes { name } } } } } }"#;
    let data = app
        .query_as(&token, &format!("{{ {shorter} }}"), json!({}))
        .await;
    assert!(data["__type"]["possibleTypes"].is_array());
}

#[tokio::test]
async fn the_execution_budget_stops_an_operation_that_grows() {
    // Values: a limit below what a page of regions produces.
    let app = TestApp::with_limits(Limits {
        max_result_values: 50,
        ..Limits::default()
    })
    .await;
    let data = app.query("{ professions { key } }", json!({})).await;
    assert!(data["professions"].is_array());
    let (status, body) = app
        .graphql("{ regions { code label(lang: DE) } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(code(&body), "RESULT_LIMIT_EXCEEDED", "{body}");
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    assert!(body["data"].is_null(), "{body}");

    // Bytes: the same, counted in the response's size.
    let app = TestApp::with_limits(Limits {
        max_response_bytes: 2_000,
        ..Limits::default()
    })
    .await;
    let (_, body) = app
        .graphql("{ regions { code label(lang: DE) } }", json!({}))
        .await;
    assert_eq!(code(&body), "RESULT_LIMIT_EXCEEDED", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("bytes"),
        "{body}"
    );
}

#[tokio::test]
async fn the_timeout_interrupts_work_that_never_waits() {
    // With cost and value limits out of the way, a chain of a region's children is
    // pure CPU work on reference data; the timeout still ends it.
    let app = TestApp::with_limits(Limits {
        max_cost: u64::MAX,
        max_result_values: u64::MAX,
        max_response_bytes: usize::MAX,
        request_timeout_secs: 1,
        ..Limits::default()
    })
    .await;
    let request = axum::http::Request::post("/graphql")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "query": region_chain(5) }).to_string(),
        ))
        .unwrap();
    let started = std::time::Instant::now();
    let (status, _, body) = app.send(request).await;
    let took = started.elapsed();
    assert_eq!(status, 503, "{}", String::from_utf8_lossy(&body));
    // Uninterrupted, the operation runs for minutes in a debug build; the bound is
    // loose so that a busy machine does not fail the test.
    assert!(
        took < std::time::Duration::from_secs(30),
        "the timeout of 1 s ended the request after {took:?}"
    );
}
