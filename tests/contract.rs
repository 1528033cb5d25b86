//! `schema.graphql` is the published contract: it must match the code, and everything in
//! it must be described for the partners who read it.

mod common;

use common::TestApp;
use serde_json::json;

#[test]
fn schema_graphql_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql exists at the repository root");
    let current = knotenpunkt::graphql::sdl();
    assert!(
        committed == current,
        "schema.graphql is out of date; regenerate it with\n\n    cargo run -- schema > schema.graphql\n\nand review the diff"
    );
}

#[tokio::test]
async fn every_type_field_argument_and_enum_value_is_described() {
    let app = TestApp::new().await;
    let data = app
        .query(
            r#"{ __schema { types { name kind description
                  fields { name description args { name description } }
                  inputFields { name description }
                  enumValues { name description } } } }"#,
            json!({}),
        )
        .await;
    let mut missing = Vec::new();
    let described = |v: &serde_json::Value| v.as_str().is_some_and(|s| !s.trim().is_empty());
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        // Introspection (`__`) and Apollo Federation (`_Any`, `_Entity`, `_Service`) are
        // described by their specifications.
        if name.starts_with('_') || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        if !described(&t["description"]) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            // `_service` and `_entities`: Apollo Federation's.
            if f["name"].as_str().is_some_and(|n| n.starts_with('_')) {
                continue;
            }
            if !described(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if !described(&a["description"]) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            if !described(&f["description"]) {
                missing.push(format!("{name}.{}", f["name"]));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if !described(&v["description"]) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
