//! Municipal advisory requests: a municipality asks an advisory service, which takes the
//! request up, answers or refers it; who sees what, every move and its refusals, the
//! response-time target and the timeline — over HTTP with real tokens, on SQLite and
//! PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const SUBMIT: &str = r#"mutation($input: SubmitAdvisoryRequestInput!) { submitAdvisoryRequest(input: $input) { advisoryRequest { id status version urgency topic dueAt overdue submittedOn district { code } municipality { id } advisoryService { id } referredTo { id } } } }"#;
const CHANGE: &str = r#"mutation($input: ChangeAdvisoryRequestStatusInput!) { changeAdvisoryRequestStatus(input: $input) { advisoryRequest { id status version answer note overdue respondedOn closedOn referredTo { id } } } }"#;
const ONE: &str = r#"query($id: ID!) { advisoryRequest(id: $id) { id status version description urgency dueAt overdue answer referredTo { id } timeline { fromStatus toStatus organisation { id } clientId note at } } }"#;
const LIST: &str = r#"query($filter: AdvisoryRequestFilter) { advisoryRequests(filter: $filter, first: 50) { totalCount nodes { id status } } }"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn key(id: &str) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .expect("a global ID");
    let text = String::from_utf8(raw).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

/// The parties of advisory requests, each a real client with a token.
struct World {
    app: TestApp,
    /// The demo municipality (`requests:write`).
    municipality: String,
    municipality_org: Value,
    /// The demo advisory service (`requests:write`).
    advisory: String,
    advisory_org: Value,
    /// A second municipality.
    other_municipality: String,
    other_municipality_org: Value,
    /// A partner requests are referred to: the chamber of physicians.
    partner: String,
    partner_org: Value,
    /// Another advisory service, not the one asked.
    outsider: String,
    outsider_org: Value,
}

async fn org_of(app: &TestApp, token: &str) -> Value {
    app.query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await["viewer"]["organisation"]["id"]
        .clone()
}

impl World {
    async fn new() -> World {
        let app = TestApp::with_demo().await;
        let municipality = app.demo_token("municipality").await;
        let municipality_org = org_of(&app, &municipality).await;
        let advisory = app.demo_token("advisory").await;
        let advisory_org = org_of(&app, &advisory).await;
        let (other_municipality_org, other_municipality) = app
            .partner("MUNICIPALITY", "Gemeinde Loitz", &["requests:write"])
            .await;
        let (partner_org, partner) = app
            .partner(
                "CHAMBER",
                "Ärztekammer Mecklenburg-Vorpommern",
                &["cases:read"],
            )
            .await;
        let (outsider_org, outsider) = app
            .partner("ADVISORY", "Welcome Center Rostock", &["requests:write"])
            .await;
        World {
            app,
            municipality,
            municipality_org,
            advisory,
            advisory_org,
            other_municipality,
            other_municipality_org,
            partner,
            partner_org,
            outsider,
            outsider_org,
        }
    }

    fn input(&self, urgency: &str, topic: &str) -> Value {
        json!({
            "topic": topic,
            "district": "13075",
            "urgency": urgency,
            "description": "Die Hausarztpraxis in Loitz schließt zum Jahresende; wir suchen eine Nachfolge.",
            "advisoryService": self.advisory_org,
        })
    }

    /// A request of the demo municipality to the demo advisory service.
    async fn submit(&self, urgency: &str, topic: &str) -> Value {
        self.app
            .query_as(
                &self.municipality,
                SUBMIT,
                json!({"input": self.input(urgency, topic)}),
            )
            .await["submitAdvisoryRequest"]["advisoryRequest"]
            .clone()
    }

    async fn change(&self, token: &str, input: Value) -> Value {
        self.app
            .query_as(token, CHANGE, json!({ "input": input }))
            .await["changeAdvisoryRequestStatus"]["advisoryRequest"]
            .clone()
    }

    async fn refused(&self, token: &str, input: Value) -> (String, Value) {
        self.app
            .error_as(token, CHANGE, json!({ "input": input }))
            .await
    }

    async fn one(&self, token: &str, id: &Value) -> Value {
        self.app.query_as(token, ONE, json!({"id": id})).await["advisoryRequest"].clone()
    }

    async fn list(&self, token: &str, filter: Value) -> Vec<Value> {
        let data = self
            .app
            .query_as(token, LIST, json!({"filter": filter}))
            .await;
        nodes(&data["advisoryRequests"])
    }
}

/// The `nodes` of a connection.
fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"].as_array().cloned().unwrap_or_default()
}

fn ids(list: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = list.iter().map(|n| n["id"].clone()).collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|v| v.to_string());
    v
}

#[tokio::test]
async fn a_municipality_submits_and_only_the_parties_see_the_request() {
    let w = World::new().await;
    let r = w.submit("NORMAL", "GP_SUCCESSION").await;
    assert_eq!(r["status"], "RECEIVED");
    assert_eq!(r["version"], 1);
    assert_eq!(r["topic"], "GP_SUCCESSION");
    assert_eq!(r["district"]["code"], "13075");
    assert_eq!(r["submittedOn"], day(0));
    assert_eq!(r["dueAt"], day(14));
    assert_eq!(r["overdue"], false);
    assert_eq!(r["municipality"]["id"], w.municipality_org);
    assert_eq!(r["advisoryService"]["id"], w.advisory_org);
    assert!(r["referredTo"].is_null());
    let id = r["id"].clone();

    // The municipality and the advisory service see it, by id, in lists and as a node.
    for token in [&w.municipality, &w.advisory] {
        let seen = w.one(token, &id).await;
        assert_eq!(seen["status"], "RECEIVED");
        assert_eq!(ids(&w.list(token, json!({})).await), vec![id.clone()]);
        let node = w
            .app
            .query_as(
                token,
                "query($id: ID!) { node(id: $id) { __typename ... on AdvisoryRequest { status } } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node["node"]["__typename"], "AdvisoryRequest");
    }
    let timeline = &w.one(&w.advisory, &id).await["timeline"];
    assert_eq!(timeline.as_array().unwrap().len(), 1);
    assert!(timeline[0]["fromStatus"].is_null());
    assert_eq!(timeline[0]["toStatus"], "RECEIVED");
    assert_eq!(timeline[0]["organisation"]["id"], w.municipality_org);
    assert_eq!(timeline[0]["clientId"], "demo-municipality");

    // Another municipality, another advisory service, a partner it was not referred
    // to: nothing.
    for token in [&w.other_municipality, &w.outsider, &w.partner] {
        let (code, _) = w.app.error_as(token, ONE, json!({"id": id})).await;
        assert_eq!(code, "NOT_FOUND");
        let (code, _) = w
            .app
            .error_as(
                token,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
        assert!(w.list(token, json!({})).await.is_empty());
    }
    // Anonymous callers: nothing either.
    let (code, _) = w.app.query_error(ONE, json!({"id": id})).await;
    assert_eq!(code, "NOT_FOUND");
    let anonymous = w.app.query(LIST, json!({})).await;
    assert_eq!(anonymous["advisoryRequests"]["totalCount"], 0);
    // Nor does another municipality change it.
    let (code, _) = w
        .refused(
            &w.other_municipality,
            json!({"id": id, "expectedVersion": 1, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn only_municipalities_submit_and_the_input_is_checked() {
    let w = World::new().await;
    let input = w.input("HIGH", "MVZ_FOUNDING");

    // An employer with the scope, the advisory service itself, a client without the
    // scope, an anonymous caller.
    let (_, employer) = w
        .app
        .partner("EMPLOYER", "MVZ Anklam", &["requests:write"])
        .await;
    for token in [&employer, &w.advisory] {
        let (code, err) = w.app.error_as(token, SUBMIT, json!({"input": input})).await;
        assert_eq!(code, "FORBIDDEN", "{err}");
        assert!(err["message"].as_str().unwrap().contains("municipalities"));
    }
    let (_, statistician) = w
        .app
        .partner("MUNICIPALITY", "Amt Peenetal/Loitz", &["stats:read"])
        .await;
    let (code, _) = w
        .app
        .error_as(&statistician, SUBMIT, json!({"input": input}))
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = w.app.query_error(SUBMIT, json!({"input": input})).await;
    assert_eq!(code, "UNAUTHENTICATED");

    // The advisory service must be one; the region must exist; the description has a
    // length.
    let mut wrong = input.clone();
    wrong["advisoryService"] = w.other_municipality_org.clone();
    let cases = [
        ("advisoryService", wrong),
        ("district", {
            let mut i = input.clone();
            i["district"] = json!("99999");
            i
        }),
        ("description", {
            let mut i = input.clone();
            i["description"] = json!("  x ");
            i
        }),
        ("description", {
            let mut i = input.clone();
            i["description"] = json!("x".repeat(5001));
            i
        }),
    ];
    for (field, input) in cases {
        let (code, err) = w
            .app
            .error_as(&w.municipality, SUBMIT, json!({"input": input}))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{err}");
        assert_eq!(
            err["extensions"]["field"],
            format!("input.{field}"),
            "{err}"
        );
    }
    assert!(w.list(&w.municipality, json!({})).await.is_empty());
    assert_eq!(
        w.app.scalar("SELECT COUNT(*) FROM advisory_request").await,
        0
    );
}

#[tokio::test]
async fn the_advisory_service_takes_up_and_answers_and_the_municipality_closes() {
    let w = World::new().await;
    let r = w
        .submit("HIGH", "RECRUITING_FOREIGN_TRAINED_PHYSICIANS")
        .await;
    let id = r["id"].clone();
    assert_eq!(r["dueAt"], day(5));

    // Nothing but the advisory service's moves, and only from where the request is.
    let (code, err) = w
        .refused(
            &w.municipality,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "{err}");
    let (code, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{err}");
    assert_eq!(err["extensions"]["field"], "input.status");
    assert!(
        err["message"].as_str().unwrap().contains("RECEIVED"),
        "{err}"
    );
    let (code, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "RECEIVED"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "input.status");
    let (_, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS", "answer": "Gern."}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.answer", "{err}");
    // Another advisory service does not find it.
    let (code, _) = w
        .refused(
            &w.outsider,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS"}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    let taken = w
        .change(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS", "note": "Übernommen von Frau Berg"}),
        )
        .await;
    assert_eq!(taken["status"], "IN_PROGRESS");
    assert_eq!(taken["version"], 2);
    assert_eq!(taken["note"], "Übernommen von Frau Berg");

    // A change based on the version before is stale.
    let (code, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "ANSWERED", "answer": "Wir empfehlen …"}),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{err}");

    // An answer needs the answer; a municipality does not answer.
    let (code, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 2, "status": "ANSWERED"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "input.answer");
    let (code, _) = w
        .refused(
            &w.municipality,
            json!({"id": id, "expectedVersion": 2, "status": "ANSWERED", "answer": "Selbst beantwortet"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // The municipality cannot close an open request.
    let (code, err) = w
        .refused(
            &w.municipality,
            json!({"id": id, "expectedVersion": 2, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(err["extensions"]["field"], "input.status");

    let answer = "Die KV fördert die Niederlassung mit bis zu 60.000 €; wir vermitteln zwei Ärztinnen aus dem Anerkennungsverfahren.";
    let answered = w
        .change(
            &w.advisory,
            json!({"id": id, "expectedVersion": 2, "status": "ANSWERED", "answer": answer}),
        )
        .await;
    assert_eq!(answered["status"], "ANSWERED");
    assert_eq!(answered["answer"], answer);
    assert_eq!(answered["respondedOn"], day(0));
    assert_eq!(answered["overdue"], false);
    assert_eq!(answered["version"], 3);

    // Answered: no way back, no referral.
    let (_, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 3, "status": "IN_PROGRESS"}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.status");
    let (_, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 3, "status": "REFERRED", "referTo": w.partner_org, "note": "doch weiter"}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.status");

    let closed = w
        .change(
            &w.municipality,
            json!({"id": id, "expectedVersion": 3, "status": "CLOSED", "note": "Danke, Nachfolge gefunden"}),
        )
        .await;
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["closedOn"], day(0));
    assert_eq!(closed["version"], 4);
    let (_, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 4, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.status");

    // The timeline: every move, oldest first, with who made it.
    let seen = w.one(&w.municipality, &id).await;
    let timeline = seen["timeline"].as_array().unwrap();
    let moves: Vec<(Value, Value, Value)> = timeline
        .iter()
        .map(|e| {
            (
                e["fromStatus"].clone(),
                e["toStatus"].clone(),
                e["organisation"]["id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            (Value::Null, json!("RECEIVED"), w.municipality_org.clone()),
            (
                json!("RECEIVED"),
                json!("IN_PROGRESS"),
                w.advisory_org.clone()
            ),
            (
                json!("IN_PROGRESS"),
                json!("ANSWERED"),
                w.advisory_org.clone()
            ),
            (
                json!("ANSWERED"),
                json!("CLOSED"),
                w.municipality_org.clone()
            ),
        ]
    );
    assert_eq!(timeline[1]["clientId"], "demo-advisory");
    assert_eq!(timeline[1]["note"], "Übernommen von Frau Berg");
    assert_eq!(timeline[3]["note"], "Danke, Nachfolge gefunden");
    assert!(
        timeline
            .windows(2)
            .all(|p| p[0]["at"].as_str() <= p[1]["at"].as_str())
    );
}

#[tokio::test]
async fn a_referred_partner_reads_the_request_and_changes_nothing() {
    let w = World::new().await;
    let r = w.submit("LOW", "TELEMEDICINE").await;
    let id = r["id"].clone();
    assert_eq!(r["dueAt"], day(30));

    let refer = |extra: Value| {
        let mut input = json!({"id": id, "expectedVersion": 1, "status": "REFERRED"});
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        input
    };
    for (extra, field) in [
        (json!({"note": "Zuständig ist die Kammer"}), "input.referTo"),
        (json!({"referTo": w.partner_org}), "input.note"),
        (
            json!({"referTo": w.municipality_org, "note": "zurück an Sie"}),
            "input.referTo",
        ),
        (
            json!({"referTo": w.advisory_org, "note": "an uns selbst"}),
            "input.referTo",
        ),
        (
            json!({"referTo": "T3JnYW5pc2F0aW9uOjk5OTk5OQ", "note": "an niemanden"}),
            "input.referTo",
        ),
    ] {
        let (code, err) = w.refused(&w.advisory, refer(extra)).await;
        assert_eq!(code, "BAD_USER_INPUT", "{err}");
        assert_eq!(err["extensions"]["field"], field, "{err}");
    }
    // A partner goes with a referral only.
    let (_, err) = w
        .refused(
            &w.advisory,
            json!({"id": id, "expectedVersion": 1, "status": "IN_PROGRESS", "referTo": w.partner_org}),
        )
        .await;
    assert_eq!(err["extensions"]["field"], "input.referTo");

    let referred = w
        .change(
            &w.advisory,
            refer(json!({"referTo": w.partner_org, "note": "Telemedizin-Projekte begleitet die Ärztekammer"})),
        )
        .await;
    assert_eq!(referred["status"], "REFERRED");
    assert_eq!(referred["referredTo"]["id"], w.partner_org);
    assert_eq!(referred["respondedOn"], day(0));
    assert_eq!(referred["overdue"], false);

    // The partner reads it, by id and in its list; it changes nothing.
    let seen = w.one(&w.partner, &id).await;
    assert_eq!(seen["status"], "REFERRED");
    assert_eq!(seen["referredTo"]["id"], w.partner_org);
    assert_eq!(seen["timeline"].as_array().unwrap().len(), 2);
    assert_eq!(
        seen["timeline"][1]["note"],
        "Telemedizin-Projekte begleitet die Ärztekammer"
    );
    assert_eq!(ids(&w.list(&w.partner, json!({})).await), vec![id.clone()]);
    let (_, partner_writer) = w
        .app
        .partner("CHAMBER", "Zahnärztekammer MV", &["requests:write"])
        .await;
    let (code, _) = w
        .refused(
            &partner_writer,
            json!({"id": id, "expectedVersion": 2, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    // The partner itself, even with the scope: FORBIDDEN, it sees the request.
    let (_, chamber_token) = {
        let admin = w.app.demo_token("admin").await;
        let client = w
            .app
            .query_as(
                &admin,
                "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
                json!({"input": {"organisationId": w.partner_org, "name": "Anfragen", "scopes": ["requests:write"]}}),
            )
            .await;
        let p = &client["registerPartnerClient"];
        let token = w
            .app
            .token(
                p["client"]["clientId"].as_str().unwrap(),
                p["clientSecret"].as_str().unwrap(),
                None,
            )
            .await;
        ((), token)
    };
    let (code, err) = w
        .refused(
            &chamber_token,
            json!({"id": id, "expectedVersion": 2, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "{err}");
    // Other parties still see nothing.
    let (code, _) = w
        .app
        .error_as(&w.other_municipality, ONE, json!({"id": id}))
        .await;
    assert_eq!(code, "NOT_FOUND");

    // The advisory service closes it.
    let closed = w
        .change(
            &w.advisory,
            json!({"id": id, "expectedVersion": 2, "status": "CLOSED"}),
        )
        .await;
    assert_eq!(closed["status"], "CLOSED");
    let seen = w.one(&w.partner, &id).await;
    assert_eq!(seen["status"], "CLOSED");
}

#[tokio::test]
async fn the_response_time_target_and_the_filter() {
    let w = World::new().await;
    let low = w.submit("LOW", "OTHER").await["id"].clone();
    let normal = w.submit("NORMAL", "GP_SUCCESSION").await["id"].clone();
    let high = w.submit("HIGH", "GP_SUCCESSION").await["id"].clone();
    let late = w.submit("HIGH", "MVZ_FOUNDING").await["id"].clone();
    // Another municipality's request to another advisory service shows in neither
    // party's lists.
    let mut theirs = w.input("HIGH", "GP_SUCCESSION");
    theirs["district"] = json!("13073");
    theirs["advisoryService"] = w.outsider_org.clone();
    w.app
        .query_as(&w.other_municipality, SUBMIT, json!({"input": theirs}))
        .await;

    // `late` was submitted six days ago: its five days are over.
    for (id, submitted, due) in [(&late, day(-6), day(-1)), (&high, day(-5), day(0))] {
        sea_orm::ConnectionTrait::execute_unprepared(
            &w.app.db,
            &format!(
                "UPDATE advisory_request SET submitted_on = '{submitted}', due_on = '{due}' WHERE id = {}",
                key(id.as_str().unwrap())
            ),
        )
        .await
        .unwrap();
    }
    let seen = w.one(&w.advisory, &late).await;
    assert_eq!(seen["dueAt"], day(-1));
    assert_eq!(seen["overdue"], true);
    // Due today is not overdue yet.
    assert_eq!(w.one(&w.advisory, &high).await["overdue"], false);
    assert_eq!(w.one(&w.advisory, &low).await["dueAt"], day(30));
    assert_eq!(w.one(&w.advisory, &normal).await["dueAt"], day(14));

    for token in [&w.municipality, &w.advisory] {
        assert_eq!(
            ids(&w.list(token, json!({"overdue": true})).await),
            vec![late.clone()]
        );
        assert_eq!(
            ids(&w.list(token, json!({"overdue": false})).await),
            sorted(vec![low.clone(), normal.clone(), high.clone()])
        );
        assert_eq!(
            ids(&w.list(token, json!({"urgency": "HIGH"})).await),
            sorted(vec![high.clone(), late.clone()])
        );
        assert_eq!(
            ids(&w.list(token, json!({"topic": "GP_SUCCESSION"})).await),
            sorted(vec![normal.clone(), high.clone()])
        );
        assert_eq!(
            ids(&w
                .list(
                    token,
                    json!({"topic": "GP_SUCCESSION", "urgency": "NORMAL"})
                )
                .await),
            vec![normal.clone()]
        );
    }
    assert_eq!(w.list(&w.other_municipality, json!({})).await.len(), 1);
    assert_eq!(w.list(&w.outsider, json!({})).await.len(), 1);

    // Taken up it is still late; answered it is not.
    w.change(
        &w.advisory,
        json!({"id": late, "expectedVersion": 1, "status": "IN_PROGRESS"}),
    )
    .await;
    assert_eq!(
        ids(&w
            .list(
                &w.advisory,
                json!({"overdue": true, "status": "IN_PROGRESS"})
            )
            .await),
        vec![late.clone()]
    );
    let answered = w
        .change(
            &w.advisory,
            json!({"id": late, "expectedVersion": 2, "status": "ANSWERED", "answer": "Ein MVZ in kommunaler Trägerschaft ist möglich (§ 95 SGB V)."}),
        )
        .await;
    assert_eq!(answered["overdue"], false);
    assert!(
        w.list(&w.advisory, json!({"overdue": true}))
            .await
            .is_empty()
    );
    assert_eq!(
        ids(&w.list(&w.advisory, json!({"status": "ANSWERED"})).await),
        vec![late.clone()]
    );
    assert_eq!(
        w.list(&w.advisory, json!({"status": "RECEIVED"}))
            .await
            .len(),
        3
    );

    // Pages follow the order the requests came in.
    let page = w
        .app
        .query_as(
            &w.municipality,
            "{ advisoryRequests(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(page["advisoryRequests"]["totalCount"], 4);
    assert_eq!(page["advisoryRequests"]["pageInfo"]["hasNextPage"], true);
    let first: Vec<Value> = nodes(&page["advisoryRequests"])
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(first, vec![low.clone(), normal.clone()]);
    let cursor = page["advisoryRequests"]["pageInfo"]["endCursor"].clone();
    let next = w
        .app
        .query_as(
            &w.municipality,
            "query($after: String) { advisoryRequests(first: 2, after: $after) { nodes { id } } }",
            json!({"after": cursor}),
        )
        .await;
    let rest: Vec<Value> = nodes(&next["advisoryRequests"])
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(rest, vec![high, late]);
}

#[tokio::test]
async fn the_enum_values_are_labelled() {
    let w = World::new().await;
    let data = w
        .app
        .query(
            r#"{ labels(lang: DE, enums: ["AdvisoryTopic", "RequestUrgency", "AdvisoryRequestStatus"]) { enum value label } }"#,
            json!({}),
        )
        .await;
    let labels = data["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 5 + 3 + 5);
    assert!(
        labels.iter().any(
            |l| l["value"] == "GP_SUCCESSION" && l["label"] == "Nachfolge einer Hausarztpraxis"
        )
    );
}
