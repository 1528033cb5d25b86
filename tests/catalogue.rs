//! The public catalogue over HTTP: regions, professions, the partner directory, courses
//! and runs, with their filters, keyset pagination and global IDs.

mod common;

use common::{TestApp, nodes};
use serde_json::{Value, json};
use std::collections::HashSet;

#[tokio::test]
async fn regions_form_a_hierarchy_with_labels_in_three_languages() {
    let app = TestApp::new().await;
    let data = app
        .query(
            r#"{ states: regions(level: STATE) { code }
                 saxony: regions(parent: "DE-SN") { code level }
                 leipzig: region(code: "14713") { code level de: label(lang: DE) en: label(lang: EN) sv: label(lang: SV) parent { code label(lang: DE) parent { code } } }
                 de: region(code: "DE") { children { code } parent { code } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["states"].as_array().unwrap().len(), 16 + 21);
    let saxony = data["saxony"].as_array().unwrap();
    assert_eq!(saxony.len(), 13);
    assert!(saxony.iter().all(|r| r["level"] == "DISTRICT"));
    assert_eq!(data["leipzig"]["de"], "Leipzig, Stadt");
    assert_eq!(data["leipzig"]["en"], "Leipzig (city)");
    assert_eq!(data["leipzig"]["sv"], "Leipzig (stad)");
    assert_eq!(data["leipzig"]["parent"]["code"], "DE-SN");
    assert_eq!(data["leipzig"]["parent"]["label"], "Sachsen");
    assert_eq!(data["leipzig"]["parent"]["parent"]["code"], "DE");
    assert_eq!(data["de"]["children"].as_array().unwrap().len(), 16);
    assert!(data["de"]["parent"].is_null());

    let (code, _) = app
        .query_error(r#"{ region(code: "XX-1") { code } }"#, json!({}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, err) = app
        .query_error(r#"{ regions(parent: "XX-1") { code } }"#, json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "parent");
}

#[tokio::test]
async fn professions_carry_codes_routes_and_titles() {
    let app = TestApp::new().await;
    let data = app
        .query(
            r#"{ professions { key }
                 nurse: profession(key: "nurse") { key kldbCode ssykCode germanRoute swedishRoute languageLevel specialistLanguageExamRequired sv: label(lang: SV) de: label(lang: DE) }
                 physician: profession(key: "physician") { germanRoute specialistLanguageExamRequired }
                 geriatric: profession(key: "geriatric_nurse") { ssykCode swedishRoute } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["professions"].as_array().unwrap().len(), 15);
    assert_eq!(
        data["nurse"],
        json!({"key": "nurse", "kldbCode": "81302", "ssykCode": "2221", "germanRoute": "ERLAUBNIS",
               "swedishRoute": "LEGITIMATION", "languageLevel": "B2", "specialistLanguageExamRequired": false,
               "sv": "Sjuksköterska", "de": "Pflegefachfrau/Pflegefachmann"})
    );
    assert_eq!(
        data["physician"],
        json!({"germanRoute": "APPROBATION", "specialistLanguageExamRequired": true})
    );
    assert_eq!(
        data["geriatric"],
        json!({"ssykCode": null, "swedishRoute": null})
    );
    let (code, _) = app
        .query_error(r#"{ profession(key: "astronaut") { key } }"#, json!({}))
        .await;
    assert_eq!(code, "NOT_FOUND");
}

const ORGS: &str = r#"query($filter: OrganisationFilter, $first: Int, $after: String, $last: Int, $before: String) {
  organisations(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name kind city region { code parent { code } } } }
  }
}"#;

#[tokio::test]
async fn organisations_filter_by_kind_and_region_including_districts() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            ORGS,
            json!({"filter": {"kind": "EMPLOYER", "region": "DE-SN"}, "first": 100}),
        )
        .await;
    let conn = &data["organisations"];
    let expected = app
        .scalar(
            "SELECT COUNT(*) FROM organisation WHERE kind = 'EMPLOYER' AND region_code IN \
             (SELECT code FROM region WHERE code = 'DE-SN' OR parent_code = 'DE-SN')",
        )
        .await;
    assert!(expected > 0);
    assert_eq!(conn["totalCount"], expected);
    let found = nodes(conn);
    assert_eq!(found.len() as i64, expected);
    for org in &found {
        assert_eq!(org["kind"], "EMPLOYER");
        assert_eq!(org["region"]["parent"]["code"], "DE-SN", "{org}");
    }

    // A district narrows further.
    let leipzig = app
        .query(ORGS, json!({"filter": {"region": "14713"}, "first": 100}))
        .await;
    assert!(
        nodes(&leipzig["organisations"])
            .iter()
            .all(|o| o["region"]["code"] == "14713")
    );

    // Unknown region: a clear input error naming the field.
    let (code, err) = app
        .query_error(ORGS, json!({"filter": {"region": "DE-XX"}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "filter.region");
}

#[tokio::test]
async fn organisation_search_is_case_insensitive_and_treats_wildcards_literally() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            ORGS,
            json!({"filter": {"search": "SÄCHSISCHE"}, "first": 50}),
        )
        .await;
    let names: Vec<String> = nodes(&data["organisations"])
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "Sächsische Landesärztekammer"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| n.to_lowercase().contains("sächsische"))
    );

    let by_city = app
        .query(ORGS, json!({"filter": {"search": "rostock"}, "first": 100}))
        .await;
    for o in nodes(&by_city["organisations"]) {
        let text = format!("{} {}", o["name"], o["city"]).to_lowercase();
        assert!(text.contains("rostock"), "{text}");
    }
    for wildcard in ["%", "_", "\\"] {
        let none = app
            .query(ORGS, json!({"filter": {"search": wildcard}}))
            .await;
        assert_eq!(
            none["organisations"]["totalCount"], 0,
            "search {wildcard:?} must be literal"
        );
    }
}

/// Walks a whole list forwards and backwards; both give every row once, in mirrored order.
#[tokio::test]
async fn keyset_pagination_walks_the_whole_list_in_both_directions() {
    let app = TestApp::with_demo().await;
    let total = app.scalar("SELECT COUNT(*) FROM organisation").await as usize;
    let mut forward: Vec<String> = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app.query(ORGS, json!({"first": 17, "after": after})).await;
        let conn = &page["organisations"];
        assert_eq!(conn["totalCount"], total as i64);
        forward.extend(
            nodes(conn)
                .iter()
                .map(|n| n["id"].as_str().unwrap().to_owned()),
        );
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(forward.len(), total);
    assert_eq!(
        forward.iter().collect::<HashSet<_>>().len(),
        total,
        "no row twice"
    );

    let mut backward: Vec<String> = Vec::new();
    let mut before = Value::Null;
    loop {
        let page = app.query(ORGS, json!({"last": 23, "before": before})).await;
        let conn = &page["organisations"];
        let mut ids: Vec<String> = nodes(conn)
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_owned())
            .collect();
        ids.reverse();
        backward.extend(ids);
        if conn["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = conn["pageInfo"]["startCursor"].clone();
    }
    backward.reverse();
    assert_eq!(forward, backward);
}

#[tokio::test]
async fn an_empty_page_still_says_whether_items_follow() {
    let app = TestApp::with_demo().await;
    let page = |vars: Value| {
        let app = &app;
        async move { app.query(ORGS, vars).await["organisations"].clone() }
    };
    let info = |conn: &Value| {
        (
            conn["pageInfo"]["hasNextPage"].as_bool().unwrap(),
            conn["pageInfo"]["hasPreviousPage"].as_bool().unwrap(),
        )
    };
    let all = page(json!({"first": 100})).await;
    let edges = all["edges"].as_array().unwrap();
    let (first, last) = (&edges[0]["cursor"], &edges[edges.len() - 1]["cursor"]);

    // `first: 0`: no items, and whether any follow the cursor.
    let empty = page(json!({"first": 0})).await;
    assert_eq!(empty["edges"], json!([]));
    assert_eq!(empty["totalCount"], all["totalCount"]);
    assert_eq!(info(&empty), (true, false));
    assert!(info(&page(json!({"first": 0, "after": first})).await).0);
    assert!(!info(&page(json!({"first": 0, "after": last})).await).0);
    // `last: 0`: whether any precede it.
    assert_eq!(info(&page(json!({"last": 0})).await), (false, true));
    assert!(info(&page(json!({"last": 0, "before": last})).await).1);
    assert!(!info(&page(json!({"last": 0, "before": first})).await).1);
    // An empty list has nothing to follow.
    let none = page(json!({"first": 0, "filter": {"search": "keine solche Organisation"}})).await;
    assert_eq!(info(&none), (false, false));

    // Nested lists, one statement for all parents: as many as their runs say.
    let data = app
        .query(
            "{ courses(first: 30) { nodes { runs(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    let mut courses = data["courses"]["nodes"].as_array().unwrap().clone();
    // And a course without runs.
    let school = app.demo_token("school").await;
    let created = app
        .query_as(
            &school,
            "mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: \"Deutsch B2 ohne Termine\", professions: [\"nurse\"]}) { course { id } } }",
            json!({}),
        )
        .await;
    let bare = app
        .query(
            "query($id: ID!) { course(id: $id) { runs(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } } }",
            json!({"id": created["registerCourse"]["course"]["id"]}),
        )
        .await;
    courses.push(bare["course"].clone());
    assert!(courses.iter().any(|c| c["runs"]["totalCount"] == 0));
    assert!(courses.iter().any(|c| c["runs"]["totalCount"] != 0));
    for course in &courses {
        let runs = &course["runs"];
        assert_eq!(runs["edges"], json!([]));
        assert_eq!(
            runs["pageInfo"]["hasNextPage"],
            runs["totalCount"].as_i64().unwrap() > 0,
            "{course}"
        );
    }
}

const COURSES: &str = r#"query($filter: CourseFilter, $first: Int) {
  courses(filter: $filter, first: $first) {
    totalCount
    edges { node { id title type bildungsgutschein provider { name region { code parent { code } } } professions { key } } }
  }
}"#;

#[tokio::test]
async fn courses_filter_by_profession_type_funding_and_open_runs() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            COURSES,
            json!({"filter": {"profession": "nurse", "type": "KNOWLEDGE_TEST_PREP"}, "first": 100}),
        )
        .await;
    let courses = nodes(&data["courses"]);
    assert!(!courses.is_empty());
    let expected = app
        .scalar(
            "SELECT COUNT(*) FROM course WHERE course_type = 'KNOWLEDGE_TEST_PREP' AND id IN \
             (SELECT course_id FROM course_profession WHERE profession_key = 'nurse')",
        )
        .await;
    assert_eq!(data["courses"]["totalCount"], expected);
    for c in &courses {
        assert_eq!(c["type"], "KNOWLEDGE_TEST_PREP");
        assert!(
            c["professions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["key"] == "nurse"),
            "{c}"
        );
    }

    let all = app.scalar("SELECT COUNT(*) FROM course").await;
    let open = app
        .query(COURSES, json!({"filter": {"hasOpenRun": true}}))
        .await["courses"]["totalCount"]
        .as_i64()
        .unwrap();
    let closed = app
        .query(COURSES, json!({"filter": {"hasOpenRun": false}}))
        .await["courses"]["totalCount"]
        .as_i64()
        .unwrap();
    assert!(open > 0 && closed >= 0);
    assert_eq!(open + closed, all);

    let funded = app
        .query(
            COURSES,
            json!({"filter": {"bildungsgutschein": true}, "first": 100}),
        )
        .await;
    assert!(
        nodes(&funded["courses"])
            .iter()
            .all(|c| c["bildungsgutschein"] == true)
    );
    let expected = app
        .scalar("SELECT COUNT(*) FROM course WHERE bildungsgutschein = TRUE")
        .await;
    assert_eq!(funded["courses"]["totalCount"], expected);

    let (code, err) = app
        .query_error(COURSES, json!({"filter": {"profession": "astronaut"}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "filter.profession");
}

#[tokio::test]
async fn course_region_filter_covers_providers_and_runs_in_sub_regions() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            COURSES,
            json!({"filter": {"region": "DE-MV"}, "first": 100}),
        )
        .await;
    let expected = app
        .scalar(
            "SELECT COUNT(*) FROM course WHERE provider_id IN (SELECT id FROM organisation WHERE region_code IN \
               (SELECT code FROM region WHERE code = 'DE-MV' OR parent_code = 'DE-MV')) \
             OR id IN (SELECT course_id FROM course_run WHERE region_code IN \
               (SELECT code FROM region WHERE code = 'DE-MV' OR parent_code = 'DE-MV'))",
        )
        .await;
    assert!(expected > 0);
    assert_eq!(data["courses"]["totalCount"], expected);
    for c in nodes(&data["courses"]) {
        assert_eq!(c["provider"]["region"]["parent"]["code"], "DE-MV");
    }
}

const RUNS: &str = r#"query($filter: CourseRunFilter, $first: Int, $after: String) {
  courseRuns(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id startDate status seatsAvailable format region { code } course { type professions { key } } } }
  }
}"#;

#[tokio::test]
async fn course_runs_answer_where_to_prepare_for_the_knowledge_test_near_leipzig() {
    let app = TestApp::with_demo().await;
    let today = chrono::Utc::now().date_naive();
    let to = today + chrono::Duration::days(540);
    let filter = json!({"type": "KNOWLEDGE_TEST_PREP", "profession": "nurse", "region": "14713",
                        "from": today.to_string(), "to": to.to_string(), "hasFreeSeats": true});
    let data = app
        .query(RUNS, json!({"filter": filter, "first": 100}))
        .await;
    let runs = nodes(&data["courseRuns"]);
    assert!(
        !runs.is_empty(),
        "Leipzig offers knowledge-test preparation for nurses"
    );
    let mut last = String::new();
    for r in &runs {
        let start = r["startDate"].as_str().unwrap().to_owned();
        assert!(
            start >= today.to_string() && start <= to.to_string(),
            "{start}"
        );
        assert!(start >= last, "sorted by start date");
        last = start;
        assert_eq!(r["region"]["code"], "14713");
        assert_eq!(r["course"]["type"], "KNOWLEDGE_TEST_PREP");
        assert!(
            r["course"]["professions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["key"] == "nurse")
        );
        assert!(r["seatsAvailable"].as_i64().unwrap() > 0);
        assert!(["PLANNED", "OPEN"].contains(&r["status"].as_str().unwrap()));
    }

    // Without the seat condition there are at least as many; with `false` the rest.
    let mut unfiltered = filter.clone();
    unfiltered.as_object_mut().unwrap().remove("hasFreeSeats");
    let any = app.query(RUNS, json!({"filter": unfiltered})).await["courseRuns"]["totalCount"]
        .as_i64()
        .unwrap();
    let mut full = filter.clone();
    full["hasFreeSeats"] = json!(false);
    let without = app.query(RUNS, json!({"filter": full})).await["courseRuns"]["totalCount"]
        .as_i64()
        .unwrap();
    assert_eq!(any, runs.len() as i64 + without);
}

#[tokio::test]
async fn course_runs_paginate_by_start_date_across_equal_dates() {
    let app = TestApp::with_demo().await;
    let total = app.scalar("SELECT COUNT(*) FROM course_run").await as usize;
    let mut seen = Vec::new();
    let mut after = Value::Null;
    let mut last_start = String::new();
    loop {
        let page = app.query(RUNS, json!({"first": 100, "after": after})).await;
        for r in nodes(&page["courseRuns"]) {
            let start = r["startDate"].as_str().unwrap().to_owned();
            assert!(start >= last_start);
            last_start = start;
            seen.push(r["id"].as_str().unwrap().to_owned());
        }
        if page["courseRuns"]["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["courseRuns"]["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), total);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), total);
}

#[tokio::test]
async fn nested_runs_filter_count_and_paginate_per_course() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            r#"{ courses(first: 40) { edges { node { id
                 all: runs(first: 10) { totalCount nodes { id startDate } }
                 open: runs(filter: {status: OPEN}) { totalCount nodes { status } }
                 firstTwo: runs(first: 2) { pageInfo { hasNextPage endCursor } nodes { id } } } } } }"#,
            json!({}),
        )
        .await;
    let mut checked = 0;
    for course in nodes(&data["courses"]) {
        let all: Vec<String> = course["all"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(course["all"]["totalCount"], all.len() as i64);
        assert!(
            course["open"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["status"] == "OPEN")
        );
        let first_two: Vec<String> = course["firstTwo"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(first_two, all.iter().take(2).cloned().collect::<Vec<_>>());
        assert_eq!(course["firstTwo"]["pageInfo"]["hasNextPage"], all.len() > 2);
        if all.len() > 2 {
            // Continue the nested list from its cursor through `course(id:)`.
            let rest = app
                .query(
                    r#"query($id: ID!, $after: String) { course(id: $id) { runs(first: 100, after: $after) { nodes { id } } } }"#,
                    json!({"id": course["id"], "after": course["firstTwo"]["pageInfo"]["endCursor"]}),
                )
                .await;
            let rest: Vec<String> = rest["course"]["runs"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(rest, all[2..].to_vec());
            checked += 1;
        }
    }
    assert!(checked > 5, "enough courses with more than two runs");
}

#[tokio::test]
async fn every_object_can_be_fetched_again_through_node_and_nodes() {
    let app = TestApp::with_demo().await;
    let data = app
        .query(
            r#"{ region(code: "DE-HE") { id } profession(key: "dentist") { id }
                 organisations(first: 1) { nodes { id } }
                 courses(first: 1) { nodes { id runs(first: 1) { nodes { id } } } } }"#,
            json!({}),
        )
        .await;
    let ids = [
        ("Region", data["region"]["id"].clone()),
        ("Profession", data["profession"]["id"].clone()),
        (
            "Organisation",
            data["organisations"]["nodes"][0]["id"].clone(),
        ),
        ("Course", data["courses"]["nodes"][0]["id"].clone()),
        (
            "CourseRun",
            data["courses"]["nodes"][0]["runs"]["nodes"][0]["id"].clone(),
        ),
    ];
    for (typename, id) in &ids {
        let node = app
            .query(
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node["node"]["__typename"], *typename);
        assert_eq!(node["node"]["id"], *id);
    }
    // A well-formed ID of a row that does not exist.
    let missing = "Q291cnNlOjk5OTk5OTk"; // Course:9999999
    let mut list: Vec<Value> = ids.iter().map(|(_, id)| id.clone()).collect();
    list.push(json!(missing));
    let many = app
        .query(
            "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
            json!({"ids": list}),
        )
        .await;
    let many = many["nodes"].as_array().unwrap();
    assert_eq!(many.len(), 6);
    for (i, (typename, id)) in ids.iter().enumerate() {
        assert_eq!(many[i]["__typename"], *typename);
        assert_eq!(many[i]["id"], *id);
    }
    assert!(many[5].is_null());

    let (code, _) = app
        .query_error(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": missing}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, err) = app
        .query_error(
            "query($id: ID!) { node(id: $id) { id } }",
            json!({"id": "not an id"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "id");
    let (code, _) = app
        .query_error(
            "query($id: ID!) { course(id: $id) { id } }",
            json!({"id": ids[2].1}),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "an organisation's ID is not a course's"
    );
}
