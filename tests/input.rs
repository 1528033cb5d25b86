//! Bad input gets one answer on SQLite and PostgreSQL, and never an internal error: a NUL
//! character in any string, a date outside 0001-01-01 to 9999-12-31 and over-long text
//! are `BAD_USER_INPUT` naming the input, in every argument of every field (found by
//! introspection), in literals, variables and variable defaults, in forged cursors and
//! IDs, and at the token endpoint.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::TestApp;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Every type with the fields' arguments and the input objects' fields.
const SCHEMA: &str = r#"{ __schema { types { kind name
  fields { name args { name type { ...T } } type { ...T } }
  inputFields { name type { ...T } defaultValue }
  enumValues { name } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"#;

/// Dates outside the accepted range, each of which one of the databases mishandles.
const OUT_OF_RANGE: [&str; 3] = ["+10000-01-01", "-4714-11-24", "0000-12-31"];

struct Schema {
    types: HashMap<String, Value>,
}

/// A place in an argument where a client's string arrives: its path (`input.personal.
/// givenName`), each step with whether it is a list, and its scalar.
#[derive(Clone, Debug)]
struct Leaf {
    steps: Vec<Step>,
    scalar: String,
}

/// One step of a leaf's path: the input's name, whether it is a list, and a value of
/// its type that validation accepts (used when the step is missing from the variables).
#[derive(Clone, Debug)]
struct Step {
    name: String,
    list: bool,
    filler: Value,
}

impl Leaf {
    fn path(&self) -> String {
        self.steps
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }

    /// `variables` with the leaf set to `value` (lists get a one-item list).
    fn set(&self, variables: &Value, value: Value) -> Value {
        let mut out = variables.clone();
        let mut at = &mut out;
        for (i, step) in self.steps.iter().enumerate() {
            let last = i + 1 == self.steps.len();
            let slot = at
                .as_object_mut()
                .unwrap()
                .entry(step.name.clone())
                .or_insert(Value::Null);
            if last {
                *slot = if step.list { json!([value]) } else { value };
                break;
            }
            if step.list {
                if slot.as_array().is_none_or(Vec::is_empty) {
                    *slot = json!([step.filler]);
                }
                at = &mut slot.as_array_mut().unwrap()[0];
            } else {
                if !slot.is_object() {
                    *slot = step.filler.clone();
                }
                at = slot;
            }
        }
        out
    }
}

impl Step {
    fn named(name: &Value) -> Step {
        Step {
            name: name.as_str().unwrap().to_owned(),
            list: false,
            filler: Value::Null,
        }
    }
}

impl Schema {
    async fn load(app: &TestApp) -> Schema {
        let data = app.query(SCHEMA, json!({})).await;
        let types = data["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Schema { types }
    }

    fn named(ty: &Value) -> &Value {
        if ty["ofType"].is_null() {
            ty
        } else {
            Self::named(&ty["ofType"])
        }
    }

    fn is_list(ty: &Value) -> bool {
        match ty["kind"].as_str() {
            Some("LIST") => true,
            Some("NON_NULL") => Self::is_list(&ty["ofType"]),
            _ => false,
        }
    }

    /// The type as written in a variable definition (`[String!]!`).
    fn sdl(ty: &Value) -> String {
        match ty["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", Self::sdl(&ty["ofType"])),
            Some("LIST") => format!("[{}]", Self::sdl(&ty["ofType"])),
            _ => ty["name"].as_str().unwrap().to_owned(),
        }
    }

    /// Every String, ID and Date place under an input of type `ty`.
    fn leaves(&self, ty: &Value, steps: Vec<Step>, out: &mut Vec<Leaf>) {
        let named = Self::named(ty);
        let name = named["name"].as_str().unwrap();
        let mut steps = steps;
        if let Some(last) = steps.last_mut() {
            last.list = Self::is_list(ty);
            last.filler = self.filler_named(named);
        }
        match named["kind"].as_str() {
            Some("SCALAR") if matches!(name, "String" | "ID" | "Date") => out.push(Leaf {
                steps,
                scalar: name.to_owned(),
            }),
            Some("INPUT_OBJECT") => {
                for field in self.types[name]["inputFields"].as_array().unwrap() {
                    let mut s = steps.clone();
                    s.push(Step::named(&field["name"]));
                    self.leaves(&field["type"], s, out);
                }
            }
            _ => {}
        }
    }

    /// A value of type `ty` that validation accepts, `null` where none is needed.
    fn filler(&self, ty: &Value) -> Value {
        match ty["kind"].as_str() {
            Some("NON_NULL") => {
                let inner = &ty["ofType"];
                match inner["kind"].as_str() {
                    Some("LIST") => json!([]),
                    _ => self.filler_named(inner),
                }
            }
            _ => Value::Null,
        }
    }

    fn filler_named(&self, ty: &Value) -> Value {
        let name = ty["name"].as_str().unwrap();
        match (ty["kind"].as_str(), name) {
            (Some("SCALAR"), "Int") => json!(1),
            (Some("SCALAR"), "Boolean") => json!(false),
            (Some("SCALAR"), "Date") => json!("2030-01-01"),
            (Some("SCALAR"), _) => json!("x"),
            (Some("ENUM"), _) => self.types[name]["enumValues"][0]["name"].clone(),
            (Some("INPUT_OBJECT"), _) => {
                let mut object = serde_json::Map::new();
                for field in self.types[name]["inputFields"].as_array().unwrap() {
                    if field["defaultValue"].is_null() {
                        let value = self.filler(&field["type"]);
                        if !value.is_null() {
                            object.insert(field["name"].as_str().unwrap().to_owned(), value);
                        }
                    }
                }
                Value::Object(object)
            }
            _ => Value::Null,
        }
    }

    /// Fields (`Type.field`) with an argument that takes a string or a date somewhere.
    fn fields_taking_text(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        let mut names: Vec<_> = self.types.keys().cloned().collect();
        names.sort();
        for name in names {
            let t = &self.types[&name];
            // Subscriptions run over WebSocket, not this transport; the same guard checks
            // their arguments (`tests/live.rs`).
            if name.starts_with("__") || name == "Subscription" || t["kind"] != "OBJECT" {
                continue;
            }
            for field in t["fields"].as_array().into_iter().flatten() {
                let mut leaves = Vec::new();
                for arg in field["args"].as_array().unwrap() {
                    self.leaves(&arg["type"], vec![Step::named(&arg["name"])], &mut leaves);
                }
                if !leaves.is_empty() {
                    out.push((name.clone(), field.clone()));
                }
            }
        }
        out
    }
}

/// One field of the schema, called through a generated operation whose variables carry
/// every argument.
struct Call {
    document: String,
    variables: Value,
    leaves: Vec<Leaf>,
    /// The response path of the field.
    path: Vec<Value>,
}

/// How a field of a nested type is reached from the query root.
fn reach(type_name: &str) -> Option<(&'static str, &'static str, Vec<Value>)> {
    match type_name {
        "Query" | "Mutation" => Some(("", "", vec![])),
        "Course" => Some((
            "courses(first: 1) { nodes { ",
            " } }",
            vec![json!("courses"), json!("nodes"), json!(0)],
        )),
        "Organisation" => Some((
            "organisations(first: 1) { nodes { ",
            " } }",
            vec![json!("organisations"), json!("nodes"), json!(0)],
        )),
        "CourseRun" => Some((
            "courseRuns(first: 1) { nodes { ",
            " } }",
            vec![json!("courseRuns"), json!("nodes"), json!(0)],
        )),
        "ExamSession" => Some((
            "examSessions(first: 1) { nodes { ",
            " } }",
            vec![json!("examSessions"), json!("nodes"), json!(0)],
        )),
        "PlacementOffer" => Some((
            "placementOffers(first: 1) { nodes { ",
            " } }",
            vec![json!("placementOffers"), json!("nodes"), json!(0)],
        )),
        "FundingProgramme" => Some((
            "fundingProgrammes(first: 1) { nodes { ",
            " } }",
            vec![json!("fundingProgrammes"), json!("nodes"), json!(0)],
        )),
        // A group of the demo advisory centre's (`caller_of` sends its token; the test
        // convenes one first).
        "ConsultationGroup" => Some((
            "consultationGroups(first: 1) { nodes { ",
            " } }",
            vec![json!("consultationGroups"), json!("nodes"), json!(0)],
        )),
        // The advisory centre's own candidates (`caller_of` sends its token).
        "Candidate" => Some((
            "candidates(first: 1) { nodes { ",
            " } }",
            vec![json!("candidates"), json!("nodes"), json!(0)],
        )),
        _ => None,
    }
}

fn call(schema: &Schema, type_name: &str, field: &Value) -> Call {
    let (prefix, suffix, mut path) = reach(type_name).unwrap_or_else(|| {
        panic!(
            "`{type_name}.{}` takes text: say in `reach` how a test gets to a {type_name}",
            field["name"]
        )
    });
    let name = field["name"].as_str().unwrap();
    path.push(json!(name));
    let mut definitions = Vec::new();
    let mut arguments = Vec::new();
    let mut variables = serde_json::Map::new();
    let mut leaves = Vec::new();
    for arg in field["args"].as_array().unwrap() {
        let arg_name = arg["name"].as_str().unwrap();
        definitions.push(format!("${arg_name}: {}", Schema::sdl(&arg["type"])));
        arguments.push(format!("{arg_name}: ${arg_name}"));
        let value = schema.filler(&arg["type"]);
        if !value.is_null() {
            variables.insert(arg_name.to_owned(), value);
        }
        schema.leaves(&arg["type"], vec![Step::named(&arg["name"])], &mut leaves);
    }
    let returns = Schema::named(&field["type"]);
    let selection = match returns["kind"].as_str() {
        Some("OBJECT" | "INTERFACE" | "UNION") => " { __typename }",
        _ => "",
    };
    let operation = if type_name == "Mutation" {
        "mutation"
    } else {
        "query"
    };
    Call {
        document: format!(
            "{operation} Probe({}) {{ {prefix}{name}({}){selection}{suffix} }}",
            definitions.join(", "),
            arguments.join(", ")
        ),
        variables: Value::Object(variables),
        leaves,
        path,
    }
}

/// The token a realistic caller of `field` would send.
async fn caller_of(
    app: &TestApp,
    tokens: &mut HashMap<&'static str, String>,
    field: &str,
) -> String {
    let kind = match field {
        "registerCourse" | "updateCourse" | "scheduleCourseRun" | "updateCourseRun"
        | "importCourses" | "cancelCourseRun" => "school",
        "registerCandidate"
        | "recordConsent"
        | "revokeConsent"
        | "openRecognitionCase"
        | "exportCandidateData"
        | "eraseCandidatePersonalData"
        | "candidates"
        | "candidate"
        | "referrals"
        | "consultations"
        | "auditLog" => "advisory",
        "changeCaseStatus"
        | "recordCaseFileComplete"
        | "updateMissingDocuments"
        | "recordDecision"
        | "cases"
        | "recognitionCase" => "authority",
        "registerOrganisation" | "registerPartnerClient" | "revokePartnerClient" => "admin",
        "submitAdvisoryRequest"
        | "changeAdvisoryRequestStatus"
        | "advisoryRequests"
        | "advisoryRequest" => "municipality",
        "publishNetworkEvent" | "recordEventAttendance" => "chamber",
        "registerEventParticipant" | "withdrawEventRegistration" | "eraseEventParticipant" => {
            "municipality"
        }
        "createConsultationGroup"
        | "changeConsultationGroupMembers"
        | "openConsultation"
        | "answerConsultation"
        | "resolveConsultation"
        | "consultationGroups"
        | "consultationGroup"
        | "consultation" => "advisory",
        _ => return String::new(),
    };
    if !tokens.contains_key(kind) {
        tokens.insert(kind, app.demo_token(kind).await);
    }
    tokens[kind].clone()
}

async fn send(app: &TestApp, token: &str, document: &str, variables: Value) -> Value {
    // The probes are many: a spent budget is waited out, as a client would.
    for _ in 0..10 {
        let (status, body) = if token.is_empty() {
            app.graphql(document, variables.clone()).await
        } else {
            app.graphql_as(token, document, variables.clone()).await
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = body["errors"][0]["extensions"]["retryAfter"]
                .as_u64()
                .unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{document}: {body}");
        return body;
    }
    panic!("{document}: still rate limited");
}

/// Whether `body` refuses the input at `field` with `BAD_USER_INPUT`.
fn refuses(body: &Value, field: &str) -> bool {
    body["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            e["extensions"]["code"] == "BAD_USER_INPUT" && e["extensions"]["field"] == field
        })
    })
}

/// Whether `body` refuses the input with `BAD_USER_INPUT` naming `field` among its
/// problems (`extensions.fieldErrors`).
fn refuses_among_others(body: &Value, field: &str) -> bool {
    refuses(body, field)
        || body["errors"].as_array().is_some_and(|errors| {
            errors.iter().any(|e| {
                e["extensions"]["code"] == "BAD_USER_INPUT"
                    && e["extensions"]["fieldErrors"]
                        .as_array()
                        .is_some_and(|all| {
                            all.iter().any(|p| {
                                // A list item's problem names its index (`modules.1.title`).
                                let named = p["field"].as_str().unwrap_or_default();
                                let without: Vec<&str> = named
                                    .split('.')
                                    .filter(|s| s.parse::<usize>().is_err())
                                    .collect();
                                without.join(".") == field
                            })
                        })
            })
        })
}

fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            e["extensions"]["code"]
                .as_str()
                .unwrap_or("(none)")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_argument_refuses_nul_characters_and_dates_out_of_range() {
    let app = TestApp::with_demo().await;
    let schema = Schema::load(&app).await;
    let mut tokens = HashMap::new();
    // The demo has no consultation group: the advisory centre convenes one, so that
    // `ConsultationGroup.consultations` is reached.
    let advisory = caller_of(&app, &mut tokens, "consultations").await;
    app.query_as(
        &advisory,
        "mutation { createConsultationGroup(input: {name: \"Fallkonferenz\", members: []}) { consultationGroup { id } } }",
        json!({}),
    )
    .await;
    let fields = schema.fields_taking_text();
    let mut wrong = Vec::new();
    let (mut strings, mut dates) = (0, 0);
    for (type_name, field) in &fields {
        let name = field["name"].as_str().unwrap();
        let token = caller_of(&app, &mut tokens, name).await;
        let call = call(&schema, type_name, field);
        for leaf in &call.leaves {
            let path = leaf.path();
            let mut bad = vec![json!("ok\u{0}x")];
            if leaf.scalar == "Date" {
                bad.extend(OUT_OF_RANGE.map(|d| json!(d)));
                dates += 1;
            } else {
                strings += 1;
            }
            for value in bad {
                let variables = leaf.set(&call.variables, value.clone());
                let body = send(&app, &token, &call.document, variables).await;
                let error = &body["errors"][0];
                if !refuses(&body, &path) || error["path"] != json!(call.path) {
                    wrong.push(format!("{type_name}.{name} {path} = {value}: {body}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "not refused as BAD_USER_INPUT naming the input:\n{}",
        wrong.join("\n")
    );
    // The schema's inputs, as of writing: a change that adds inputs only raises these.
    assert!(fields.len() >= 36, "{} fields", fields.len());
    assert!(
        strings >= 100 && dates >= 17,
        "{strings} strings, {dates} dates"
    );
}

#[tokio::test]
async fn literals_variable_defaults_and_nested_fields_are_checked_alike() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_token("admin").await;
    let before = app.scalar("SELECT COUNT(*) FROM organisation").await;
    // A literal in the document, in a nested input object.
    let body = send(
        &app,
        &admin,
        r#"mutation { registerOrganisation(input: {kind: SCHOOL, name: "Schule\u0000Nord", region: "14612", city: "Dresden"}) { organisation { id } } }"#,
        json!({}),
    )
    .await;
    assert!(refuses(&body, "input.name"), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["registerOrganisation"]));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation").await,
        before
    );

    // The default of a variable the request leaves out.
    let body = send(
        &app,
        "",
        r#"query($d: Date = "+10000-01-01") { courseRuns(filter: {to: $d}) { totalCount } }"#,
        json!({}),
    )
    .await;
    assert!(refuses(&body, "filter.to"), "{body}");
    let body = send(
        &app,
        "",
        r#"query($s: String = "Leip\u0000zig") { organisations(filter: {search: $s}) { totalCount } }"#,
        json!({}),
    )
    .await;
    assert!(refuses(&body, "filter.search"), "{body}");

    // A nested field fails for each parent, at its own path.
    let body = send(
        &app,
        "",
        r#"query($f: CourseRunFilter) { courses(first: 2) { nodes { title runs(filter: $f) { totalCount } } } }"#,
        json!({"f": {"from": "0000-12-31"}}),
    )
    .await;
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{body}");
    for (i, e) in errors.iter().enumerate() {
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(e["extensions"]["field"], "filter.from");
        assert_eq!(e["path"], json!(["courses", "nodes", i, "runs"]), "{body}");
    }

    // A list item.
    let body = send(
        &app,
        &admin,
        r#"query($ids: [ID!]!) { nodes(ids: $ids) { id } }"#,
        json!({"ids": ["Q291cnNlOjE", "a\u{0}"]}),
    )
    .await;
    assert!(refuses(&body, "ids"), "{body}");
}

#[tokio::test]
async fn dates_at_the_edges_of_the_range_are_answered_alike() {
    let app = TestApp::with_demo().await;
    let total = app.scalar("SELECT COUNT(*) FROM course_run").await;
    let count = |filter: Value| {
        let app = &app;
        async move {
            app.query(
                "query($f: CourseRunFilter) { courseRuns(filter: $f) { totalCount } }",
                json!({"f": filter}),
            )
            .await["courseRuns"]["totalCount"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(count(json!({"from": "0001-01-01"})).await, total);
    assert_eq!(count(json!({"to": "9999-12-31"})).await, total);
    assert_eq!(count(json!({"from": "9999-12-31"})).await, 0);
    assert_eq!(count(json!({"to": "0001-01-01"})).await, 0);

    // Cursors at the edges: nothing after the last day, everything after the first.
    let cursor = |v: &str| {
        URL_SAFE_NO_PAD.encode(json!({"o": "course_run.start", "v": v, "i": 0}).to_string())
    };
    let page = |after: String| {
        let app = &app;
        async move {
            app.query(
                "query($a: String) { courseRuns(first: 1, after: $a) { edges { cursor } pageInfo { hasNextPage } } }",
                json!({"a": after}),
            )
            .await
        }
    };
    let late = page(cursor("9999-12-31")).await;
    assert_eq!(late["courseRuns"]["edges"], json!([]));
    assert_eq!(late["courseRuns"]["pageInfo"]["hasNextPage"], false);
    let early = page(cursor("0001-01-01")).await;
    assert_eq!(early["courseRuns"]["edges"].as_array().unwrap().len(), 1);
    assert_eq!(early["courseRuns"]["pageInfo"]["hasNextPage"], true);
}

/// A real cursor of a list with its sort value replaced.
fn forge(cursor: &str, value: &str) -> String {
    let mut json: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(cursor).unwrap()).unwrap();
    json["v"] = json!(value);
    URL_SAFE_NO_PAD.encode(json.to_string())
}

#[tokio::test]
async fn forged_cursors_and_ids_carry_no_nul_and_no_date_out_of_range() {
    let app = TestApp::with_demo().await;
    // Every sorted list: (list, the query of its first page, where its cursor is).
    let lists = [
        (
            "organisations",
            "organisations(first: 1, after: $a, before: $b) { pageInfo { endCursor } }",
            "/organisations/pageInfo/endCursor",
            false,
        ),
        (
            "courses",
            "courses(first: 1, after: $a, before: $b) { pageInfo { endCursor } }",
            "/courses/pageInfo/endCursor",
            false,
        ),
        (
            "courseRuns",
            "courseRuns(first: 1, after: $a, before: $b) { pageInfo { endCursor } }",
            "/courseRuns/pageInfo/endCursor",
            true,
        ),
        (
            "Course.runs",
            "courses(first: 1) { nodes { runs(first: 1, after: $a, before: $b) { pageInfo { endCursor } } } }",
            "/courses/nodes/0/runs/pageInfo/endCursor",
            true,
        ),
        (
            "Organisation.courses",
            "organisations(first: 1, filter: {kind: SCHOOL}) { nodes { courses(first: 1, after: $a, before: $b) { pageInfo { endCursor } } } }",
            "/organisations/nodes/0/courses/pageInfo/endCursor",
            false,
        ),
    ];
    for (list, selection, at, dated) in lists {
        let document = format!("query($a: String, $b: String) {{ {selection} }}");
        let first = app.query(&document, json!({})).await;
        let cursor = first
            .pointer(at)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{list}: {first}"));
        let mut bad = vec!["Ärzte\u{0}".to_owned()];
        if dated {
            bad.extend(OUT_OF_RANGE.map(str::to_owned));
        }
        for value in bad {
            for arg in ["a", "b"] {
                let body = send(&app, "", &document, json!({arg: forge(cursor, &value)})).await;
                let field = if arg == "a" { "after" } else { "before" };
                assert!(refuses(&body, field), "{list} {field} = {value:?}: {body}");
            }
        }
    }

    // Global IDs: a NUL behind the base64 is no ID either, whatever the type.
    for raw in [
        "Course:1\u{0}",
        "Region:DE-SN\u{0}",
        "Profession:nurse\u{0}",
    ] {
        let id = URL_SAFE_NO_PAD.encode(raw);
        let body = send(
            &app,
            "",
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
        assert!(refuses(&body, "id"), "{raw:?}: {body}");
    }
}

#[tokio::test]
async fn search_text_has_a_maximum_length() {
    let app = TestApp::with_demo().await;
    let search = |text: String| {
        let app = &app;
        async move {
            send(
                app,
                "",
                "query($s: String) { organisations(filter: {search: $s}) { totalCount } }",
                json!({"s": text}),
            )
            .await
        }
    };
    let longest = search("ä".repeat(200)).await;
    assert_eq!(
        longest["data"]["organisations"]["totalCount"], 0,
        "{longest}"
    );
    let padded = search(format!("  {}  ", "leipzig")).await;
    assert!(
        padded["data"]["organisations"]["totalCount"]
            .as_i64()
            .unwrap()
            > 0
    );
    for n in [201, 50_000, 200_000] {
        let body = search("a".repeat(n)).await;
        assert!(
            refuses(&body, "filter.search"),
            "{n}: {}",
            &body.to_string()[..300]
        );
    }
}

/// A valid input for each mutation that takes text, with the token that may send it.
struct Writes {
    tokens: HashMap<&'static str, String>,
    inputs: Vec<(&'static str, &'static str, Value)>,
}

async fn writes(app: &TestApp) -> Writes {
    let mut tokens = HashMap::new();
    for kind in [
        "school",
        "advisory",
        "authority",
        "admin",
        "employer",
        "funder",
        "municipality",
        "chamber",
    ] {
        tokens.insert(kind, app.demo_token(kind).await);
    }
    let day = |offset: i64| {
        (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
    };
    let event_input = json!({"kind": "WORKSHOP", "title": "Workshop Fachsprache", "region": "14713",
        "capacity": 20, "startDate": day(30), "place": "Leipzig", "description": "Für Beratende"});
    let event = app
        .query_as(
            &tokens["chamber"],
            "mutation($input: PublishNetworkEventInput!) { publishNetworkEvent(input: $input) { networkEvent { id } } }",
            json!({"input": event_input}),
        )
        .await["publishNetworkEvent"]["networkEvent"]["id"]
        .clone();
    let course = app
        .query_as(
            &tokens["school"],
            "mutation($input: RegisterCourseInput!) { registerCourse(input: $input) { course { id } } }",
            json!({"input": {"type": "LANGUAGE_COURSE", "title": "Deutsch für die Pflege B2", "professions": ["nurse"]}}),
        )
        .await["registerCourse"]["course"]["id"]
        .clone();
    let run_input = json!({"courseId": course, "startDate": day(30), "endDate": day(90), "hours": 200, "format": "PRESENCE",
        "schedule": "FULL_TIME", "seatsMin": 3, "seatsMax": 12, "region": "14713", "city": "Leipzig",
        "cost": {"amount": "1200.00", "currency": "EUR"}});
    let run = app
        .query_as(
            &tokens["school"],
            "mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id } } }",
            json!({"input": run_input}),
        )
        .await["scheduleCourseRun"]["courseRun"]["id"]
        .clone();
    let candidate_input = json!({"countryOfTraining": "PH", "profession": "nurse", "region": "14713",
        "personal": {"givenName": "Maria", "familyName": "Santos"}});
    let candidate = app
        .query_as(
            &tokens["advisory"],
            "mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id } } }",
            json!({"input": candidate_input}),
        )
        .await["registerCandidate"]["candidate"]["id"]
        .clone();
    let authority = app
        .query_as(
            &tokens["authority"],
            "{ viewer { organisation { id } } }",
            json!({}),
        )
        .await["viewer"]["organisation"]["id"]
        .clone();
    let open_input =
        json!({"candidateId": candidate, "authorityId": authority, "legalBasis": "PflBG §40"});
    let mut cases = Vec::new();
    for _ in 0..2 {
        let case = app
            .query_as(
                &tokens["advisory"],
                "mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id version } } }",
                json!({"input": open_input}),
            )
            .await["openRecognitionCase"]["recognitionCase"]["id"]
            .clone();
        cases.push(case);
    }
    // The second case goes into assessment, where a decision can be recorded.
    app.query_as(
        &tokens["authority"],
        "mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { recognitionCase { status } } }",
        json!({"input": {"caseId": cases[1], "expectedVersion": 1, "status": "IN_ASSESSMENT"}}),
    )
    .await;
    let school_org = app
        .query_as(
            &tokens["school"],
            "{ viewer { organisation { id } } }",
            json!({}),
        )
        .await["viewer"]["organisation"]["id"]
        .clone();
    // An exam session of the authority, and an enrolment of the candidate into the run.
    let session_input = json!({"type": "KENNTNISPRUEFUNG", "professions": ["nurse"], "date": day(40), "format": "PRESENCE",
        "region": "14612", "city": "Dresden", "seatsMax": 8, "fee": {"amount": "300.00", "currency": "EUR"}});
    let session = app
        .query_as(
            &tokens["authority"],
            "mutation($input: PublishExamSessionInput!) { publishExamSession(input: $input) { examSession { id } } }",
            json!({"input": session_input}),
        )
        .await["publishExamSession"]["examSession"]["id"]
        .clone();
    app.query_as(
        &tokens["advisory"],
        "mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }",
        json!({"input": {"candidateId": candidate, "organisationId": school_org, "purpose": "REFERRAL"}}),
    )
    .await;
    let enrolment = app
        .query_as(
            &tokens["advisory"],
            "mutation($input: RequestEnrolmentInput!) { requestEnrolment(input: $input) { enrolment { id } } }",
            json!({"input": {"candidateId": candidate, "courseRunId": run}}),
        )
        .await["requestEnrolment"]["enrolment"]["id"]
        .clone();
    // An offer of the demo employer and a programme of the demo funder; referrals and
    // applications are named by IDs of none, which the length check never looks up.
    let offer_input = json!({"type": "JOB", "title": "Pflegefachkraft Intensivstation", "professions": ["nurse"],
        "region": "14713", "city": "Leipzig", "startDate": day(20), "durationMonths": 12, "slots": 2});
    let offer = app
        .query_as(
            &tokens["employer"],
            "mutation($input: PublishPlacementOfferInput!) { publishPlacementOffer(input: $input) { placementOffer { id } } }",
            json!({"input": offer_input}),
        )
        .await["publishPlacementOffer"]["placementOffer"]["id"]
        .clone();
    let programme_input = json!({"name": "Anpassungsqualifizierung Pflege", "year": 2026,
        "budget": {"amount": "250000", "currency": "EUR"}, "costTypes": ["COURSE_FEE"], "professions": ["nurse"],
        "opensOn": day(-10), "closesOn": day(100)});
    let programme = app
        .query_as(
            &tokens["funder"],
            "mutation($input: DefineFundingProgrammeInput!) { defineFundingProgramme(input: $input) { fundingProgramme { id } } }",
            json!({"input": programme_input}),
        )
        .await["defineFundingProgramme"]["fundingProgramme"]["id"]
        .clone();
    let none = |t: &str| {
        use base64::Engine;
        json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{t}:999999")))
    };
    let costs = json!({"months": 6, "monthlySalary": {"amount": "3000", "currency": "EUR"},
        "monthlySupervisorFee": {"amount": "0", "currency": "EUR"}});
    let amount = json!({"amount": "1000.00", "currency": "EUR"});
    let inputs = vec![
        ("publishPlacementOffer", "employer", offer_input),
        (
            "updatePlacementOffer",
            "employer",
            json!({"id": offer, "expectedVersion": 0}),
        ),
        (
            "closePlacementOffer",
            "employer",
            json!({"id": offer, "expectedVersion": 0, "reason": "Stelle besetzt"}),
        ),
        (
            "declineReferral",
            "employer",
            json!({"id": none("Referral"), "reason": "Sprachnachweis fehlt"}),
        ),
        ("defineFundingProgramme", "funder", programme_input),
        ("publishNetworkEvent", "chamber", event_input),
        (
            "registerEventParticipant",
            "municipality",
            json!({"eventId": event, "name": "Anna Berger", "email": "anna.berger@kreis.example"}),
        ),
        (
            "submitAdvisoryRequest",
            "municipality",
            json!({"topic": "GP_SUCCESSION", "district": "13075", "urgency": "NORMAL",
                "description": "Nachfolge für die Hausarztpraxis gesucht", "advisoryService": none("Organisation")}),
        ),
        (
            "createConsultationGroup",
            "advisory",
            json!({"name": "Fallkonferenz Pflege", "members": []}),
        ),
        (
            "openConsultation",
            "advisory",
            json!({"groupId": none("ConsultationGroup"), "profession": "nurse", "countryOfTraining": "PH",
                "stage": "SUBMITTED", "problemCategory": "DOCUMENTS", "question": "Welche Unterlagen fehlen noch?"}),
        ),
        (
            "answerConsultation",
            "advisory",
            json!({"consultationId": none("Consultation"), "text": "Die Geburtsurkunde fehlt."}),
        ),
        (
            "resolveConsultation",
            "advisory",
            json!({"id": none("Consultation"), "expectedVersion": 1, "nextSteps": "Unterlagen nachreichen."}),
        ),
        (
            "changeAdvisoryRequestStatus",
            "municipality",
            json!({"id": none("AdvisoryRequest"), "expectedVersion": 1, "status": "ANSWERED",
                "answer": "Wir helfen gern", "note": "beantwortet"}),
        ),
        (
            "updateFundingProgramme",
            "funder",
            json!({"id": programme, "expectedVersion": 0}),
        ),
        (
            "applyForFunding",
            "employer",
            json!({"programmeId": programme, "referralId": none("Referral"), "costs": costs}),
        ),
        (
            "amendFundingApplication",
            "employer",
            json!({"id": none("FundingApplication"), "expectedVersion": 1, "costs": costs}),
        ),
        (
            "requestFundingCompletion",
            "funder",
            json!({"id": none("FundingApplication"), "note": "Arbeitsvertrag fehlt"}),
        ),
        (
            "rejectFundingApplication",
            "funder",
            json!({"id": none("FundingApplication"), "note": "nicht förderfähig"}),
        ),
        (
            "grantFunding",
            "funder",
            json!({"id": none("FundingApplication"), "amount": amount}),
        ),
        (
            "recordFundingPayment",
            "funder",
            json!({"id": none("FundingApplication"), "amount": amount}),
        ),
        ("publishExamSession", "authority", session_input),
        (
            "updateExamSession",
            "authority",
            json!({"id": session, "expectedVersion": 0}),
        ),
        (
            "cancelExamSession",
            "authority",
            json!({"id": session, "expectedVersion": 0, "reason": "Prüfer erkrankt"}),
        ),
        (
            "declineEnrolment",
            "school",
            json!({"id": enrolment, "reason": "Sprachnachweis fehlt"}),
        ),
        (
            "withdrawEnrolment",
            "advisory",
            json!({"id": enrolment, "reason": "andere Stelle gefunden"}),
        ),
        (
            "registerOrganisation",
            "admin",
            json!({"kind": "SCHOOL", "name": "Pflegeschule Nord", "region": "14612", "city": "Dresden"}),
        ),
        (
            "registerPartnerClient",
            "admin",
            json!({"organisationId": school_org, "name": "Kursverwaltung", "scopes": ["courses:write"]}),
        ),
        (
            "revokePartnerClient",
            "admin",
            json!({"clientId": "kp_unknown"}),
        ),
        (
            "registerCourse",
            "school",
            json!({"type": "LANGUAGE_COURSE", "title": "Deutsch für die Pflege C1", "professions": ["nurse"]}),
        ),
        (
            "updateCourse",
            "school",
            json!({"id": course, "expectedVersion": 0}),
        ),
        ("scheduleCourseRun", "school", run_input),
        (
            "updateCourseRun",
            "school",
            json!({"id": run, "expectedVersion": 0}),
        ),
        (
            "cancelCourseRun",
            "school",
            json!({"id": run, "expectedVersion": 0, "reason": "Zu wenige Anmeldungen"}),
        ),
        (
            "importCourses",
            "school",
            json!({"dryRun": true, "rows": [{
                "externalId": "K-1", "courseType": "LANGUAGE_COURSE", "title": "Deutsch für die Pflege B2",
                "professions": ["nurse"], "runExternalId": "K-1-a", "startDate": "2031-02-03",
                "endDate": "2031-06-30", "hours": 300, "format": "ONLINE", "schedule": "PART_TIME",
                "seatsMin": 5, "seatsMax": 15, "region": "14713", "city": "Leipzig",
                "cost": {"amount": "900", "currency": "EUR"}, "registrationDeadline": "2031-01-15",
                "azavMeasureNumber": "962/1234/2030",
            }]}),
        ),
        ("registerCandidate", "advisory", candidate_input),
        ("openRecognitionCase", "advisory", open_input),
        (
            "changeCaseStatus",
            "authority",
            json!({"caseId": cases[0], "expectedVersion": 0, "status": "INCOMPLETE"}),
        ),
        (
            "updateMissingDocuments",
            "authority",
            json!({"caseId": cases[0], "expectedVersion": 0, "missingDocuments": []}),
        ),
        (
            "recordDecision",
            "authority",
            json!({"caseId": cases[1], "expectedVersion": 0, "outcome": "FULL"}),
        ),
    ];
    Writes { tokens, inputs }
}

/// The current `version` of the object an update names, if it exists (an update of
/// an object that does not exist keeps the input's).
async fn current_version(app: &TestApp, token: &str, input: &Value) -> Option<Value> {
    let id = if input["caseId"].is_null() {
        &input["id"]
    } else {
        &input["caseId"]
    };
    let (_, body) = app
        .graphql_as(
            token,
            "query($id: ID!) { node(id: $id) { ... on Course { version } ... on CourseRun { version } ... on ExamSession { version } ... on RecognitionCase { version } ... on PlacementOffer { version } ... on FundingProgramme { version } ... on FundingApplication { version } } }",
            json!({"id": id}),
        )
        .await;
    Some(body["data"]["node"]["version"].clone()).filter(|v| !v.is_null())
}

#[tokio::test]
async fn over_long_text_is_refused_naming_the_field_before_any_database_sees_it() {
    let app = TestApp::with_demo().await;
    let schema = Schema::load(&app).await;
    let writes = writes(&app).await;
    let mutations: HashMap<String, Value> = schema.types["Mutation"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap().to_owned(), f.clone()))
        .collect();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (name, field) in &mutations {
        let call = call(&schema, "Mutation", field);
        let text: Vec<&Leaf> = call
            .leaves
            .iter()
            .filter(|l| l.scalar == "String")
            .collect();
        if text.is_empty() {
            continue;
        }
        let Some((_, kind, input)) = writes.inputs.iter().find(|(m, _, _)| m == name) else {
            wrong.push(format!("{name} takes text: add a valid input to `writes`"));
            continue;
        };
        let token = &writes.tokens[kind];
        for leaf in text {
            let mut input = input.clone();
            if input.get("expectedVersion").is_some()
                && let Some(version) = current_version(&app, token, &input).await
            {
                input["expectedVersion"] = version;
            }
            let variables = leaf.set(&json!({"input": input}), json!("x".repeat(10_000)));
            let path = leaf.path();
            // An import reports each row's problems in its report, by column, as a file
            // import does.
            if name == "importCourses" {
                let document = call
                    .document
                    .replace("{ __typename }", "{ rows { fieldErrors { field } } }");
                let body = send(&app, token, &document, variables).await;
                let column = path.trim_start_matches("input.rows.");
                let named = body["data"]["importCourses"]["rows"][0]["fieldErrors"]
                    .as_array()
                    .is_some_and(|all| all.iter().any(|p| p["field"] == column));
                if !named {
                    wrong.push(format!("{name} {path}: {body}"));
                }
                checked += 1;
                continue;
            }
            let body = send(&app, token, &call.document, variables).await;
            // Every text input has a limit the hub checks (an unknown client is only
            // looked up, and not found).
            let expected = refuses_among_others(&body, &path)
                || (name == "revokePartnerClient" && codes(&body) == ["NOT_FOUND"]);
            if !expected {
                wrong.push(format!(
                    "{name} {path}: {}",
                    &body.to_string()[..body.to_string().len().min(400)]
                ));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "over-long text:\n{}", wrong.join("\n"));
    assert!(checked >= 42, "{checked} text inputs");
}

/// `POST /oauth/token` with a form body (and optional Basic credentials).
async fn token_request(
    app: &TestApp,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in form {
        body.append_pair(k, v);
    }
    let mut request =
        Request::post("/oauth/token").header("content-type", "application/x-www-form-urlencoded");
    if let Some((id, secret)) = basic {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = STANDARD.encode(format!("{}:{}", encode(id), encode(secret)));
        request = request.header("authorization", format!("Basic {credentials}"));
    }
    let (status, _, bytes) = app
        .send(request.body(Body::from(body.finish())).unwrap())
        .await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_token_endpoint_refuses_nul_characters_per_rfc_6749() {
    let app = TestApp::with_demo().await;
    let client = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-school")
        .unwrap();
    let (id, secret) = (client.client_id.as_str(), client.secret.as_str());
    let nul_id = format!("{id}\u{0}");
    let nul_secret = format!("{secret}\u{0}");
    for (param, form) in [
        (
            "client_id",
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", nul_id.as_str()),
                ("client_secret", secret),
            ],
        ),
        (
            "client_secret",
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", nul_secret.as_str()),
            ],
        ),
        (
            "scope",
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
                ("scope", "courses:write\u{0}"),
            ],
        ),
    ] {
        let (status, body) = token_request(&app, &form, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{param}: {body}");
        assert_eq!(body["error"], "invalid_request", "{param}: {body}");
        assert!(
            body["error_description"].as_str().unwrap().contains(param),
            "{body}"
        );
    }
    for (basic_id, basic_secret) in [(nul_id.as_str(), secret), (id, nul_secret.as_str())] {
        let (status, body) = token_request(
            &app,
            &[("grant_type", "client_credentials")],
            Some((basic_id, basic_secret)),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "invalid_client", "{body}");
    }
    // The same client without the NUL still gets its token.
    let (status, body) = token_request(
        &app,
        &[("grant_type", "client_credentials")],
        Some((id, secret)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
