//! Bad requests get clear GraphQL errors with `extensions.code` and the status codes
//! GraphQL over HTTP prescribes; never a 500 or a panic.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use knotenpunkt::config::Limits;
use serde_json::{Value, json};

async fn post(app: &TestApp, accept: &str, body: String) -> (StatusCode, String, Value) {
    let (status, headers, body) = app
        .send(
            Request::post("/graphql")
                .header("content-type", "application/json")
                .header("accept", accept)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        ct,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn malformed_and_invalid_documents_follow_graphql_over_http() {
    let app = TestApp::new().await;
    let broken = json!({"query": "{ organisations( { totalCount } }"}).to_string();
    let (status, ct, body) = post(&app, "application/graphql-response+json", broken.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(ct, "application/graphql-response+json");
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");
    assert!(
        body.get("data").is_none(),
        "no data entry before execution: {body}"
    );

    let (status, ct, body) = post(&app, "application/json", broken).await;
    assert_eq!(status, StatusCode::OK, "legacy media type answers 200");
    assert_eq!(ct, "application/json");
    assert_eq!(code(&body), "GRAPHQL_PARSE_FAILED");

    let unknown = json!({"query": "{ nope }"}).to_string();
    let (status, _, body) = post(&app, "application/graphql-response+json", unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");
}

#[tokio::test]
async fn field_errors_are_200_with_codes_and_fields() {
    let app = TestApp::with_demo().await;
    for (query, expected, field) in [
        (
            "{ organisations(first: 1000) { totalCount } }",
            "BAD_USER_INPUT",
            Some("first"),
        ),
        (
            "{ organisations(last: -1) { totalCount } }",
            "BAD_USER_INPUT",
            Some("last"),
        ),
        (
            "{ organisations(first: 1, last: 1) { totalCount } }",
            "BAD_USER_INPUT",
            Some("last"),
        ),
        (
            r#"{ organisations(after: "bm90LWEtY3Vyc29y") { totalCount } }"#,
            "BAD_USER_INPUT",
            Some("after"),
        ),
        (
            r#"{ courseRuns(filter: {from: "June"}) { totalCount } }"#,
            "BAD_USER_INPUT",
            None,
        ),
        (
            r#"{ node(id: "Q291cnNlOjk5OTk5OTk") { id } }"#,
            "NOT_FOUND",
            None,
        ),
        (
            r#"{ node(id: "%%%") { id } }"#,
            "BAD_USER_INPUT",
            Some("id"),
        ),
    ] {
        let (status, _, body) = post(
            &app,
            "application/graphql-response+json",
            json!({"query": query}).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(code(&body), expected, "{query}: {body}");
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
        }
    }
    // A cursor of another list is refused too.
    let (_, _, body) = post(
        &app,
        "application/json",
        json!({"query": "{ courses(first: 1) { pageInfo { endCursor } } }"}).to_string(),
    )
    .await;
    let cursor = body["data"]["courses"]["pageInfo"]["endCursor"].clone();
    let (_, _, body) = post(
        &app,
        "application/json",
        json!({"query": "query($c: String) { organisations(after: $c) { totalCount } }", "variables": {"c": cursor}}).to_string(),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn bodies_that_are_not_graphql_requests_are_400() {
    let app = TestApp::new().await;
    let (status, _, body) = post(&app, "application/json", "not json".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "BAD_REQUEST");
    let (status, _, body) = post(&app, "application/json", json!({"nothing": 1}).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, _) = app
        .send(
            Request::post("/graphql")
                .header("content-type", "text/plain")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!(
        r#"{{"query": "{{ __typename }}", "pad": "{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, _, _) = post(&app, "application/json", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn batches_run_up_to_the_limit() {
    let app = TestApp::new().await;
    let one = json!({"query": "{ professions { key } }"});
    let (status, _, body) = post(
        &app,
        "application/json",
        Value::Array(vec![one.clone(); 3]).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert_eq!(body[2]["data"]["professions"].as_array().unwrap().len(), 15);
    let (status, _, body) = post(
        &app,
        "application/json",
        Value::Array(vec![one; 11]).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most 10")
    );
}

#[tokio::test]
async fn expensive_documents_are_refused_before_execution() {
    let app = TestApp::with_limits(Limits::default()).await;
    // Depth 13: regions → children → children …
    let deep = format!(
        "{{ region(code: \"DE\") {}code{} }}",
        "{ children ".repeat(12),
        " }".repeat(12)
    );
    let (status, _, body) = post(
        &app,
        "application/graphql-response+json",
        json!({"query": deep}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "GRAPHQL_VALIDATION_FAILED");

    // 100 courses × 100 runs × their course's title and provider is over the cost
    // limit (1 + 1 + 100 + 100 + 4 × 10,000), and the refusal says by how much.
    let costly = "{ courses(first: 100) { nodes { runs(first: 100) { nodes { course { title provider { name } } } } } } }";
    let (status, _, body) = post(
        &app,
        "application/graphql-response+json",
        json!({"query": costly}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "MAX_COST_EXCEEDED", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["cost"],
        json!({"requested": 40202, "allowed": 25000}),
        "{body}"
    );
    assert!(
        body.get("data").is_none(),
        "refused before execution: {body}"
    );

    let aliases: String = (0..31).map(|i| format!("a{i}: __typename ")).collect();
    let (status, _, body) = post(
        &app,
        "application/graphql-response+json",
        json!({"query": format!("{{ {aliases} }}")}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("aliases"),
        "{body}"
    );
    // The error points at the first alias over the limit, `a30`.
    let column = format!("{{ {aliases} }}").find("a30:").unwrap() + 1;
    assert_eq!(
        body["errors"][0]["locations"],
        json!([{ "line": 1, "column": column }]),
        "{body}"
    );

    let roots: String = (0..21).map(|i| format!("r{i}: __typename ")).collect();
    let (status, _, body) = post(
        &app,
        "application/graphql-response+json",
        json!({"query": format!("{{ {roots} }}")}).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("root fields"),
        "{body}"
    );
}

#[tokio::test]
async fn get_serves_graphiql_and_read_only_queries() {
    let app = TestApp::new().await;
    let (status, headers, body) = app
        .send(Request::get("/graphql").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(String::from_utf8_lossy(&body).contains("graphiql"));

    let (status, _, body) = app
        .send(
            Request::get("/graphql?query=%7B%20professions%20%7B%20key%20%7D%20%7D")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["data"]["professions"].as_array().unwrap().len(), 15);

    let (status, headers, body) = app
        .send(
            Request::get("/graphql?query=mutation%20%7B%20x%20%7D")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(code(&body), "METHOD_NOT_ALLOWED", "{body}");
}

/// The status, `Content-Type` and JSON body of a raw request.
async fn refusal(app: &TestApp, request: Request<Body>) -> (StatusCode, String, Value) {
    let (status, headers, body) = app.send(request).await;
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = serde_json::from_slice(&body).unwrap_or_else(|_| {
        panic!(
            "{status}: a JSON body, got {:?}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, ct, body)
}

#[tokio::test]
async fn every_refusal_is_a_graphql_error_with_a_code() {
    let app = TestApp::with_limits(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    })
    .await;
    let big = json!({ "query": "{ __typename }", "pad": "x".repeat(2048) }).to_string();
    let cases = [
        (
            Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from(big.clone()))
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        // The same limit at the token endpoint, refused before the handler reads it.
        (
            Request::post("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("grant_type={}", "x".repeat(2048))))
                .unwrap(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            Request::post("/graphql")
                .header("content-type", "text/plain")
                .body(Body::from("{ __typename }"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            Request::post("/graphql")
                .header("content-type", "application/json")
                .body(Body::from("{ not json"))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
        ),
        (
            Request::delete("/graphql").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Request::get("/oauth/token").body(Body::empty()).unwrap(),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            Request::get("/nowhere").body(Body::empty()).unwrap(),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
    ];
    for (request, status, expected) in cases {
        let what = format!("{} {}", request.method(), request.uri());
        let (got, ct, body) = refusal(&app, request).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(ct, "application/json", "{what}");
        assert_eq!(code(&body), expected, "{what}: {body}");
        assert!(
            !body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{what}: {body}"
        );
        assert!(body.get("data").is_none(), "{what}: {body}");
    }
    let (_, headers, _) = app
        .send(Request::delete("/graphql").body(Body::empty()).unwrap())
        .await;
    assert!(
        headers["allow"].to_str().unwrap().contains("POST"),
        "405 keeps `Allow`: {headers:?}"
    );
}

#[tokio::test]
async fn a_request_that_runs_too_long_is_503_with_a_json_body() {
    let app = TestApp::with_limits(Limits {
        request_timeout_secs: 1,
        ..Limits::default()
    })
    .await;
    let school = app.demo_token("school").await;
    // Another connection holds the write lock, so the mutation waits past the timeout.
    let blocker = sea_orm::Database::connect(
        sea_orm::ConnectOptions::new(app.database_url.clone())
            .max_connections(1)
            .to_owned(),
    )
    .await
    .unwrap();
    use sea_orm::ConnectionTrait;
    if common::on_postgres() {
        blocker.execute_unprepared("BEGIN").await.unwrap();
        blocker
            .execute_unprepared("LOCK TABLE course IN EXCLUSIVE MODE")
            .await
            .unwrap();
    } else {
        blocker.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    }
    let started = std::time::Instant::now();
    let (status, ct, body) = refusal(
        &app,
        Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {school}"))
            .body(Body::from(
                json!({
                    "query": "mutation($input: RegisterCourseInput!) { registerCourse(input: $input) { course { id } } }",
                    "variables": { "input": { "type": "KNOWLEDGE_TEST_PREP", "title": "Abendkurs",
                                              "professions": ["nurse"], "languageLevel": "B2" } }
                })
                .to_string(),
            ))
            .unwrap(),
    )
    .await;
    blocker.execute_unprepared("ROLLBACK").await.unwrap();
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(ct, "application/json");
    assert_eq!(code(&body), "TIMEOUT", "{body}");
    assert!(body.get("data").is_none(), "{body}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
