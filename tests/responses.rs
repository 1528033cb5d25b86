//! Responses follow the GraphQL specification exactly: null propagation to the nearest
//! nullable field, nullable lookups, the selection set's order, and introspection that
//! describes the hub.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::TestApp;
use serde_json::{Value, json};

/// The raw body of a query, so tests can see the order of keys (a parsed
/// `serde_json::Value` would sort them).
async fn raw(app: &TestApp, query: &str) -> String {
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(json!({ "query": query }).to_string()))
        .expect("request");
    let (_, _, body) = app.send(request).await;
    String::from_utf8(body).expect("UTF-8")
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_error_on_a_non_null_field_nulls_the_nearest_nullable_ancestor() {
    let app = TestApp::with_demo().await;
    // `runs(first: 1000)` fails; `runs`, the list item, the list and `courses` are all
    // non-null, so the error reaches `data` itself.
    let (_, body) = app
        .graphql(
            "{ courses(first: 1) { nodes { id runs(first: 1000) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["courses", "nodes", 0, "runs"])
    );

    // `CourseRun.course` is nullable: the same error stops there (async-graphql alone
    // answered `course: {id}`, without the non-null `runs`).
    let (_, body) = app
        .graphql(
            "{ courseRuns(first: 1) { nodes { id course { id runs(first: 1000) { totalCount } } } } }",
            json!({}),
        )
        .await;
    let node = &body["data"]["courseRuns"]["nodes"][0];
    assert!(node["id"].is_string(), "{body}");
    assert!(
        node.get("course").is_some() && node["course"].is_null(),
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["courseRuns", "nodes", 0, "course", "runs"])
    );

    // Under a nullable lookup the same error stops there; siblings are untouched.
    let id = app
        .query("{ courseRuns(first: 1) { nodes { id } } }", json!({}))
        .await["courseRuns"]["nodes"][0]["id"]
        .clone();
    let (_, body) = app
        .graphql(
            "query($id: ID!) { courseRun(id: $id) { id course { runs(first: 1000) { totalCount } } } regions(level: STATE) { code } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"]["courseRun"]["course"], Value::Null, "{body}");
    assert!(body["data"]["regions"].as_array().unwrap().len() > 10);
    assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn an_object_behind_an_interface_is_nulled_by_its_failing_field() {
    let app = TestApp::with_demo().await;
    let id = app
        .query("{ courses(first: 1) { nodes { id } } }", json!({}))
        .await["courses"]["nodes"][0]["id"]
        .clone();
    // `Course.runs` is non-null and fails; `node` is nullable, so it becomes null —
    // the concrete type behind `Node` is worked out although the failed field is absent.
    let (_, body) = app
        .graphql(
            "query($id: ID!) { node(id: $id) { id ... on Course { title runs(first: 1000) { totalCount } } ... on Organisation { name } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(body["data"], json!({ "node": null }), "{body}");
    assert_eq!(codes(&body), ["BAD_USER_INPUT"]);
}

#[tokio::test]
async fn lookups_that_find_nothing_are_null_with_not_found() {
    let app = TestApp::with_demo().await;
    let (_, body) = app
        .graphql(
            r#"{
                node(id: "Q291cnNlOjk5OTk5OQ") { id }
                course(id: "Q291cnNlOjk5OTk5OQ") { title }
                region(code: "XX-YY") { code }
                profession(key: "astronaut") { key }
                professions { key }
            }"#,
            json!({}),
        )
        .await;
    let data = &body["data"];
    for field in ["node", "course", "region", "profession"] {
        assert!(data.get(field).is_some(), "{field} missing: {body}");
        assert_eq!(data[field], Value::Null, "{field}: {body}");
    }
    assert!(data["professions"].as_array().unwrap().len() >= 14);
    assert_eq!(
        codes(&body),
        ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"],
        "{body}"
    );
    // The schema says so too: every single-object lookup is nullable.
    let sdl = knotenpunkt::graphql::sdl();
    for lookup in [
        "): Node\n",
        "): Course\n",
        "): CourseRun\n",
        "): Organisation\n",
        "): Candidate\n",
        "): RecognitionCase\n",
        "): Region\n",
        "): Profession\n",
    ] {
        assert!(
            sdl.contains(lookup),
            "nullable lookup `{}` missing",
            lookup.trim()
        );
    }
}

#[tokio::test]
async fn objects_keep_the_order_of_the_selection_set() {
    let app = TestApp::with_demo().await;
    // `courses` is loaded in a batch after `name` is known; the answer still follows
    // the selection, at every level and through fragments.
    let body = raw(
        &app,
        "{ zeta: organisations(first: 2) { nodes { courses(first: 1) { totalCount nodes { title id } } name ...F } } alpha: professions { key } } fragment F on Organisation { city id }",
    )
    .await;
    assert!(
        body.starts_with(r#"{"data":{"zeta":{"nodes":[{"courses":{"totalCount":"#),
        "{body}"
    );
    assert!(body.contains(r#"},"name":"#), "{body}");
    let first = &body[..body.find(r#"},{"courses""#).expect("a second organisation")];
    let (courses, name, city, id) = (
        first.find(r#""courses""#).unwrap(),
        first.rfind(r#""name""#).unwrap(),
        first.rfind(r#""city""#).unwrap(),
        first.rfind(r#""id""#).unwrap(),
    );
    assert!(courses < name && name < city && city < id, "{first}");
    assert!(body.find(r#""zeta""#) < body.find(r#""alpha""#));
    // Node objects keep their own order: title before id.
    if let Some(title) = first.find(r#""title""#) {
        assert!(title < first.find(r#""id""#).unwrap(), "{first}");
    }
}

#[tokio::test]
async fn skipped_fields_leave_an_empty_object_not_null() {
    let app = TestApp::with_demo().await;
    let body = app
        .query(
            r#"query($no: Boolean = false) { courses(first: 1) { nodes { title @include(if: $no) id @skip(if: true) } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(body, json!({ "courses": { "nodes": [{}] } }));
}

#[tokio::test]
async fn the_schema_describes_the_hub_itself() {
    let app = TestApp::new().await;
    let data = app.query("{ __schema { description } }", json!({})).await;
    let description = data["__schema"]["description"].as_str().unwrap();
    assert!(description.starts_with("Knotenpunkt"), "{description}");
    assert!(!description.contains("capabilities of a GraphQL server"));
    // The SDL carries the same description.
    assert!(knotenpunkt::graphql::sdl().contains(description));
}

#[tokio::test]
async fn data_depth_and_introspection_depth_are_bounded_separately() {
    let app = TestApp::new().await;
    let nest = |field: &str, levels: usize, leaf: &str| {
        format!(
            "{}{leaf}{}",
            format!("{field} {{ ").repeat(levels),
            " }".repeat(levels)
        )
    };
    // Data: 12 levels pass, 13 are refused.
    let twelve = format!(
        "{{ region(code: \"DE\") {{ {} }} }}",
        nest("children", 10, "code")
    );
    let (_, body) = app.graphql(&twelve, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let thirteen = format!(
        "{{ region(code: \"DE\") {{ {} }} }}",
        nest("children", 11, "code")
    );
    let (_, body) = app.graphql(&thirteen, json!({})).await;
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");

    // Introspection: 15 levels (as deep as the standard query) pass, 16 do not.
    let fifteen = format!(
        "{{ __type(name: \"Query\") {{ fields {{ type {{ {} }} }} }} }}",
        nest("ofType", 11, "name")
    );
    let (_, body) = app.graphql(&fifteen, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let sixteen = format!(
        "{{ __type(name: \"Query\") {{ fields {{ type {{ {} }} }} }} }}",
        nest("ofType", 12, "name")
    );
    let (_, body) = app.graphql(&sixteen, json!({})).await;
    assert_eq!(codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("introspection"),
        "{body}"
    );
}

#[tokio::test]
async fn input_errors_name_the_full_input_path() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_token("admin").await;
    let org = app
        .query("{ organisations(first: 1) { nodes { id } } }", json!({}))
        .await["organisations"]["nodes"][0]["id"]
        .clone();
    let register = "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { clientSecret } }";
    let (code, err) = app
        .error_as(
            &admin,
            register,
            json!({"input": {"organisationId": org, "name": "Client", "scopes": ["courses:write", "teleport"]}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "input.scopes", "{err}");
    let (_, err) = app
        .error_as(
            &admin,
            register,
            json!({"input": {"organisationId": org, "name": " ", "scopes": ["courses:write"]}}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.name", "{err}");

    // A variable the schema itself refuses (an unknown enum value) is a request error
    // and names its path too.
    let (code, err) = app
        .error_as(
            &admin,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
            json!({"input": {"kind": "SPACESHIP", "name": "X", "region": "DE-SN", "city": "Y"}}),
        )
        .await;
    assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{err}");
    assert_eq!(err["extensions"]["field"], "input.kind", "{err}");
    assert!(err["message"].as_str().unwrap().contains("SPACESHIP"));
}
