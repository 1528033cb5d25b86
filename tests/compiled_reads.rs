//! Compiled catalogue reads (PostgreSQL): an operation over the public catalogue is
//! answered by one statement that builds its JSON in the database. Every answer must
//! be exactly the resolvers' answer (same keys, order, values, IDs, cursors, errors),
//! which a second hub on a copy of the same database gives with compiled reads off.
//! On SQLite both hubs resolve, so the comparison holds there too.

mod common;

use common::{TestApp, on_postgres};
use knotenpunkt::config::Limits;
use serde_json::{Value, json};

/// Operations the compiler takes: every field it knows, every connection key,
/// fragments on the same type, aliases, filters and every way of paging.
const COMPILED: &[&str] = &[
    "{ courseRuns(first: 50) { nodes { startDate city course { title provider { name region { code } } } } } }",
    "{ organisations(first: 20) { nodes { name } } }",
    "{ courses(first: 20) { nodes { title provider { name courses(first: 5) { nodes { title runs(first: 3) { nodes { startDate } } } } } } } }",
    r#"{ __typename courseRuns(first: 7, filter: {format: PRESENCE}) { __typename totalCount
        pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
        edges { __typename cursor node { __typename id course { id title } startDate endDate hours
          format schedule seatsMin seatsMax seatsAvailable waitlistLength
          region { __typename id code level label parent { code label(lang: DE) parent { label(lang: SV) } } }
          city cost { __typename amount currency } registrationDeadline rollingEntry status version } } } }"#,
    r#"{ courses(first: 9, filter: {type: ADAPTATION_COURSE}) { totalCount nodes { __typename id type title description
        provider { __typename id kind employerType name region { code } city street postalCode email phone website
          providerNumber azavValidUntil version courses(last: 2) { totalCount edges { cursor node { title } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }
        languageLevel azavMeasureNumber azavValidUntil bildungsgutschein version
        runs(first: 2, filter: {hasFreeSeats: true}) { totalCount nodes { id startDate status } pageInfo { hasNextPage endCursor } } } } }"#,
    r#"{ organisations(first: 15, filter: {kind: SCHOOL}) { totalCount nodes { id name kind employerType city
        courses(first: 0) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { id } } } } }"#,
    r#"{ organisations(last: 4) { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { name } } } }"#,
    r#"{ a: organisations(first: 2) { n: nodes { x: name y: id } } b: courses(first: 1, filter: {region: "DE-SN"}) { nodes { t: title } } }"#,
    r#"query Catalogue { ...Lists } fragment Lists on Query { organisations(first: 3) { ...Page } }
       fragment Page on OrganisationConnection { nodes { ... on Organisation { name } ...Where } }
       fragment Where on Organisation { city region { code } }"#,
    r#"{ courseRuns(first: 5, filter: {from: "2026-01-01", hasFreeSeats: true}) { nodes { ... { id startDate } } } }"#,
    r#"{ organisations(first: 3, filter: {search: "klinik"}) { totalCount nodes { name } } }"#,
];

/// Operations the compiler leaves to the resolvers (errors, merges, variables, fields
/// it does not know): still the same answer.
fn left_to_resolvers() -> Vec<(&'static str, Value)> {
    vec![
        (
            "{ organisations(first: 500) { nodes { name } } }",
            json!({}),
        ),
        (
            r#"{ courses(after: "nonsense") { nodes { title } } }"#,
            json!({}),
        ),
        (
            r#"{ courses(filter: {region: "XX-00"}) { nodes { title } } }"#,
            json!({}),
        ),
        (
            "{ organisations(first: 2) { nodes { name } nodes { city } } }",
            json!({}),
        ),
        (
            "query Q($n: Int) { organisations(first: $n) { nodes { name } } }",
            json!({"n": 3}),
        ),
        (
            "{ organisations(first: 2) { nodes { name } } } fragment Unused on Query { __typename }",
            json!({}),
        ),
        (
            "{ courses(first: 3) { nodes { title professions { key } nextRun { startDate } } } }",
            json!({}),
        ),
        (
            "{ courseRuns(first: 3) { nodes { createdAt fundingOptions } } }",
            json!({}),
        ),
        (
            "{ organisations(first: 2) { nodes { name @include(if: false) city } } }",
            json!({}),
        ),
        ("{ organisations(first: 2) { nodes { nome } } }", json!({})),
        (
            "{ organisations(first: 1, last: 1) { nodes { name } } }",
            json!({}),
        ),
    ]
}

async fn pair() -> (TestApp, TestApp) {
    let compiled = TestApp::with_demo().await;
    let resolved = TestApp::with_limits(Limits {
        compiled_reads: false,
        ..Limits::default()
    })
    .await;
    // The first operation of a hub always runs with the per-field guards.
    for app in [&compiled, &resolved] {
        app.graphql("{ __typename }", json!({})).await;
    }
    (compiled, resolved)
}

#[tokio::test]
async fn compiled_reads_answer_exactly_as_the_resolvers_in_one_statement() {
    let (compiled, resolved) = pair().await;
    for query in COMPILED {
        compiled.reset_statements();
        let (status, got) = compiled.graphql_text(query, &json!({})).await;
        let statements = compiled.statements();
        let (_, want) = resolved.graphql_text(query, &json!({})).await;
        assert_eq!(status, 200, "{query}: {got}");
        assert!(!got.contains("\"errors\""), "{query}: {got}");
        assert!(got.len() > 40, "{query}: {got}");
        // Byte for byte: keys, their order, escaping, IDs and cursors.
        assert_eq!(got, want, "{query}");
        if on_postgres() {
            assert_eq!(statements, 1, "{query} ran {statements} statements");
        }
    }
}

#[tokio::test]
async fn pages_follow_each_other_through_compiled_cursors() {
    let (compiled, resolved) = pair().await;
    let page = "query P($after: String) { courseRuns(first: 4, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }";
    let literal = |after: &str| {
        format!(
            r#"{{ courseRuns(first: 4, after: "{after}") {{ nodes {{ id }} pageInfo {{ endCursor hasNextPage hasPreviousPage startCursor }} }} }}"#
        )
    };
    let mut after = compiled.query(page, json!({})).await["courseRuns"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..5 {
        let query = literal(&after);
        let got = compiled.query(&query, json!({})).await;
        let want = resolved.query(&query, json!({})).await;
        assert_eq!(got, want, "{query}");
        for node in got["courseRuns"]["nodes"].as_array().expect("nodes") {
            assert!(seen.insert(node["id"].clone()), "a row came twice");
        }
        // The resolvers read the compiled cursor back as their own.
        let via_variables = resolved.query(page, json!({ "after": after })).await;
        assert_eq!(
            via_variables["courseRuns"]["nodes"],
            got["courseRuns"]["nodes"]
        );
        after = got["courseRuns"]["pageInfo"]["endCursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
    }
    assert_eq!(seen.len(), 20);
    // Backwards from a compiled cursor.
    let query = format!(
        r#"{{ courseRuns(last: 3, before: "{after}") {{ edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"#
    );
    assert_eq!(
        compiled.query(&query, json!({})).await,
        resolved.query(&query, json!({})).await
    );
}

#[tokio::test]
async fn operations_the_compiler_leaves_alone_answer_as_before() {
    let (compiled, resolved) = pair().await;
    for (query, variables) in left_to_resolvers() {
        let got = compiled.graphql_text(query, &variables).await;
        let want = resolved.graphql_text(query, &variables).await;
        assert_eq!(got, want, "{query}");
    }
}
