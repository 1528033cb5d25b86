//! Collegial case consultation: groups and who sees them, consultations linked to a case
//! or anonymous, the case facts a group sees only while the candidate consents to the
//! convener, the personal-data check of every free text, resolving and stale versions —
//! over HTTP with real tokens, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id code } } }"#;
const CONSENT: &str =
    r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }"#;
const REVOKE: &str =
    r#"mutation($id: ID!) { revokeConsent(input: {consentId: $id}) { consent { id } } }"#;
const OPEN_CASE: &str = r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id } } }"#;
const CREATE: &str = r#"mutation($input: CreateConsultationGroupInput!) { createConsultationGroup(input: $input) { consultationGroup { id name version convener { id } members { id } } } }"#;
const MEMBERS: &str = r#"mutation($input: ChangeConsultationGroupMembersInput!) { changeConsultationGroupMembers(input: $input) { consultationGroup { id version members { id } } } }"#;
const OPEN: &str = r#"mutation($input: OpenConsultationInput!) { openConsultation(input: $input) { consultation { id status version linkedToCase question problemCategory openedBy { id } situation { profession { key } countryOfTraining stage } } } }"#;
const ANSWER: &str = r#"mutation($input: AnswerConsultationInput!) { answerConsultation(input: $input) { answer { text organisation { id } } consultation { id answers { text } } } }"#;
const RESOLVE: &str = r#"mutation($input: ResolveConsultationInput!) { resolveConsultation(input: $input) { consultation { id status version nextSteps resolvedAt } } }"#;
const ONE: &str = r#"query($id: ID!) { consultation(id: $id) { id status question linkedToCase group { id } caseFacts { candidateCode profession { key } countryOfTraining origin status fastTrack } answers { text organisation { id } } } }"#;
const GROUP: &str = r#"query($id: ID!) { consultationGroup(id: $id) { id name convener { id } members { id } consultations(first: 20) { totalCount nodes { id status answers { text } } } } }"#;
const GROUPS: &str = r#"{ consultationGroups(first: 50) { totalCount nodes { id } } }"#;

const GIVEN: &str = "Amira";
const FAMILY: &str = "Haddad";
const EMAIL: &str = "amira.haddad@example.org";
const PHONE: &str = "+49 171 2345678";

/// The partners of a consultation group, each a real client with a token.
struct World {
    app: TestApp,
    /// A coordination office (ADVISORY, `consultations:write` only): convenes the group.
    coordination: String,
    coordination_org: Value,
    /// The demo advisory service: owns the candidates, sees their cases; a member.
    advisory: String,
    advisory_org: Value,
    /// The demo job agency (ZAV): a member that sees no cases.
    agency: String,
    agency_org: Value,
    /// The demo authority: the competent authority of the cases; a member.
    authority: String,
    authority_org: Value,
    /// Another advisory service with every scope needed, but no member.
    outsider: String,
    outsider_org: Value,
}

async fn org_of(app: &TestApp, token: &str) -> Value {
    app.query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await["viewer"]["organisation"]["id"]
        .clone()
}

fn id_of(v: &Value) -> Value {
    assert!(v.is_string(), "an ID: {v}");
    v.clone()
}

fn ids(list: &Value) -> Vec<Value> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|o| o["id"].clone())
        .collect()
}

impl World {
    async fn new() -> World {
        let app = TestApp::with_demo().await;
        let advisory = app.demo_token("advisory").await;
        let advisory_org = org_of(&app, &advisory).await;
        let agency = app.demo_token("job-agency").await;
        let agency_org = org_of(&app, &agency).await;
        let authority = app.demo_token("authority").await;
        let authority_org = org_of(&app, &authority).await;
        let (coordination_org, coordination) = app
            .partner(
                "ADVISORY",
                "Koordinierungsstelle Fachkräftesicherung Gesundheit",
                &["consultations:write"],
            )
            .await;
        let (outsider_org, outsider) = app
            .partner(
                "ADVISORY",
                "Welcome Center Rostock",
                &[
                    "consultations:write",
                    "cases:read",
                    "candidates:read",
                    "candidates:write",
                    "candidates:pii",
                ],
            )
            .await;
        World {
            app,
            coordination,
            coordination_org,
            advisory,
            advisory_org,
            agency,
            agency_org,
            authority,
            authority_org,
            outsider,
            outsider_org,
        }
    }

    /// A group convened by the coordination office with the advisory service, the job
    /// agency and the authority: (id, version).
    async fn group(&self) -> (Value, Value) {
        let data = self
            .app
            .query_as(
                &self.coordination,
                CREATE,
                json!({"input": {"name": "Fallkonferenz Pflege Leipzig",
                    "members": [self.advisory_org, self.agency_org, self.authority_org]}}),
            )
            .await;
        let g = &data["createConsultationGroup"]["consultationGroup"];
        (id_of(&g["id"]), g["version"].clone())
    }

    /// A nurse trained in the Philippines, registered by the demo advisory service with
    /// personal data, and her case at the demo authority: (candidate, code, case).
    async fn candidate_with_case(&self) -> (Value, String, Value) {
        let data = self
            .app
            .query_as(
                &self.advisory,
                REGISTER,
                json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "languageLevel": "B1",
                    "region": "14713", "personal": {"givenName": GIVEN, "familyName": FAMILY,
                    "birthDate": "1994-03-12", "email": EMAIL, "phone": PHONE}}}),
            )
            .await;
        let c = &data["registerCandidate"]["candidate"];
        let case = self
            .app
            .query_as(
                &self.advisory,
                OPEN_CASE,
                json!({"input": {"candidateId": c["id"], "authorityId": self.authority_org,
                    "legalBasis": "PflBG §40"}}),
            )
            .await["openRecognitionCase"]["recognitionCase"]["id"]
            .clone();
        (
            id_of(&c["id"]),
            c["code"].as_str().unwrap().to_owned(),
            id_of(&case),
        )
    }

    async fn consent(&self, candidate: &Value, org: &Value, purpose: &str) -> Value {
        let data = self
            .app
            .query_as(
                &self.advisory,
                CONSENT,
                json!({"input": {"candidateId": candidate, "organisationId": org, "purpose": purpose}}),
            )
            .await;
        id_of(&data["recordConsent"]["consent"]["id"])
    }

    /// Opens a consultation linked to `case` as the advisory service: (id, version).
    async fn linked(&self, group: &Value, case: &Value, question: &str) -> (Value, Value) {
        let data = self
            .app
            .query_as(
                &self.advisory,
                OPEN,
                json!({"input": {"groupId": group, "caseId": case, "problemCategory": "LANGUAGE",
                    "question": question}}),
            )
            .await;
        let c = &data["openConsultation"]["consultation"];
        (id_of(&c["id"]), c["version"].clone())
    }

    /// Opens an anonymous consultation as `token`: (id, version).
    async fn anonymous(&self, token: &str, group: &Value, question: &str) -> (Value, Value) {
        let data = self
            .app
            .query_as(
                token,
                OPEN,
                json!({"input": {"groupId": group, "profession": "physician", "countryOfTraining": "sy",
                    "stage": "IN_COMPENSATION", "problemCategory": "RESIDENCE", "question": question}}),
            )
            .await;
        let c = &data["openConsultation"]["consultation"];
        assert_eq!(c["situation"]["countryOfTraining"], "SY");
        assert_eq!(c["situation"]["profession"]["key"], "physician");
        assert_eq!(c["linkedToCase"], false);
        (id_of(&c["id"]), c["version"].clone())
    }

    /// The error `token` gets for `query`, as (code, field).
    async fn refusal(&self, token: &str, query: &str, variables: Value) -> (String, String) {
        let (code, err) = self.app.error_as(token, query, variables).await;
        let field = err["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (code, field)
    }

    /// The error an anonymous caller gets for `query`, as (code, data).
    async fn anonymous_refusal(&self, query: &str, variables: Value) -> (String, Value) {
        let (_, body) = self.app.graphql(query, variables).await;
        (
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            body["data"].clone(),
        )
    }
}

#[tokio::test]
async fn groups_consultations_and_threads_are_seen_by_members_only() {
    let w = World::new().await;
    let (group, version) = w.group().await;
    assert_eq!(version, 1);

    // The convener is a member, first; the others follow.
    let g = &w.app.query_as(&w.agency, GROUP, json!({"id": group})).await["consultationGroup"];
    assert_eq!(g["convener"]["id"], w.coordination_org);
    let members = ids(&g["members"]);
    assert_eq!(members[0], w.coordination_org);
    let mut others: Vec<String> = members[1..].iter().map(|m| m.to_string()).collect();
    let mut expected: Vec<String> = [&w.advisory_org, &w.agency_org, &w.authority_org]
        .iter()
        .map(|m| m.to_string())
        .collect();
    others.sort();
    expected.sort();
    assert_eq!(others, expected);

    let (consultation, _) = w
        .anonymous(
            &w.agency,
            &group,
            "Welche Aufenthaltserlaubnis passt während der Kenntnisprüfung?",
        )
        .await;
    let answered = w
        .app
        .query_as(
            &w.authority,
            ANSWER,
            json!({"input": {"consultationId": consultation,
                "text": "§16d AufenthG für die Dauer der Anpassungsmaßnahme."}}),
        )
        .await;
    assert_eq!(
        answered["answerConsultation"]["answer"]["organisation"]["id"],
        w.authority_org
    );

    // Every member sees the group, the consultation and its thread.
    for token in [&w.coordination, &w.advisory, &w.agency, &w.authority] {
        let groups = w.app.query_as(token, GROUPS, json!({})).await;
        assert!(ids(&groups["consultationGroups"]["nodes"]).contains(&group));
        let c = &w
            .app
            .query_as(token, ONE, json!({"id": consultation}))
            .await["consultation"];
        assert_eq!(c["group"]["id"], group);
        assert_eq!(c["linkedToCase"], false);
        assert_eq!(c["caseFacts"], Value::Null);
        assert_eq!(
            c["answers"][0]["text"],
            "§16d AufenthG für die Dauer der Anpassungsmaßnahme."
        );
        let g = &w.app.query_as(token, GROUP, json!({"id": group})).await["consultationGroup"];
        assert_eq!(g["consultations"]["totalCount"], 1);
        assert_eq!(
            g["consultations"]["nodes"][0]["answers"][0]["text"],
            c["answers"][0]["text"]
        );
    }

    // A non-member sees nothing: empty lists, NOT_FOUND by id, also through `node`.
    let groups = w.app.query_as(&w.outsider, GROUPS, json!({})).await;
    assert_eq!(groups["consultationGroups"]["totalCount"], 0);
    for (query, id) in [(GROUP, &group), (ONE, &consultation)] {
        let (code, _) = w.refusal(&w.outsider, query, json!({"id": id})).await;
        assert_eq!(code, "NOT_FOUND");
        let (_, node) = w
            .app
            .graphql_as(
                &w.outsider,
                "query($id: ID!) { node(id: $id) { id } }",
                json!({"id": id}),
            )
            .await;
        assert_eq!(node["data"]["node"], Value::Null);
        assert_eq!(node["errors"][0]["extensions"]["code"], "NOT_FOUND");
    }
    // And cannot write in the group.
    let (code, _) = w
        .refusal(
            &w.outsider,
            ANSWER,
            json!({"input": {"consultationId": consultation, "text": "Ich weiß es auch."}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = w
        .refusal(
            &w.outsider,
            OPEN,
            json!({"input": {"groupId": group, "profession": "nurse", "countryOfTraining": "PH",
                "stage": "SUBMITTED", "problemCategory": "OTHER", "question": "Darf ich mitreden, bitte?"}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // Anonymous callers see nothing either.
    let (_, body) = w.app.graphql(GROUPS, json!({})).await;
    assert_eq!(
        body["data"]["consultationGroups"]["totalCount"], 0,
        "{body}"
    );
    for (query, id) in [(GROUP, &group), (ONE, &consultation)] {
        let (code, data) = w.anonymous_refusal(query, json!({"id": id})).await;
        assert_eq!(code, "NOT_FOUND");
        assert!(data.as_object().unwrap().values().all(Value::is_null));
    }

    // Only the convener changes the members, based on the current version.
    let (code, _) = w
        .refusal(
            &w.agency,
            MEMBERS,
            json!({"input": {"id": group, "expectedVersion": 1, "add": [w.outsider_org]}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, field) = w
        .refusal(
            &w.coordination,
            MEMBERS,
            json!({"input": {"id": group, "expectedVersion": 1, "remove": [w.coordination_org]}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.remove")
    );
    let changed = w
        .app
        .query_as(
            &w.coordination,
            MEMBERS,
            json!({"input": {"id": group, "expectedVersion": 1, "add": [w.outsider_org], "remove": [w.agency_org]}}),
        )
        .await;
    let g = &changed["changeConsultationGroupMembers"]["consultationGroup"];
    assert_eq!(g["version"], 2);
    assert!(ids(&g["members"]).contains(&w.outsider_org));
    assert!(!ids(&g["members"]).contains(&w.agency_org));
    let (code, _) = w
        .refusal(
            &w.coordination,
            MEMBERS,
            json!({"input": {"id": group, "expectedVersion": 1, "add": [w.agency_org]}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");

    // The removed job agency sees nothing any more, not even the consultation it opened;
    // the new member sees the group's history.
    let groups = w.app.query_as(&w.agency, GROUPS, json!({})).await;
    assert_eq!(groups["consultationGroups"]["totalCount"], 0);
    let (code, _) = w.refusal(&w.agency, ONE, json!({"id": consultation})).await;
    assert_eq!(code, "NOT_FOUND");
    let c = w
        .app
        .query_as(&w.outsider, ONE, json!({"id": consultation}))
        .await;
    assert_eq!(c["consultation"]["answers"].as_array().unwrap().len(), 1);

    // Convening needs the scope: the demo municipality has not got it.
    let municipality = w.app.demo_token("municipality").await;
    let (code, _) = w
        .refusal(
            &municipality,
            CREATE,
            json!({"input": {"name": "Runder Tisch", "members": []}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn case_facts_show_only_while_the_candidate_consents_to_the_convener() {
    let w = World::new().await;
    let (group, _) = w.group().await;
    let (candidate, code, case) = w.candidate_with_case().await;
    let (consultation, _) = w
        .linked(
            &group,
            &case,
            "Die Fachsprachprüfung wurde zweimal verschoben. Wer kennt freie Termine?",
        )
        .await;
    w.app
        .query_as(
            &w.agency,
            ANSWER,
            json!({"input": {"consultationId": consultation, "text": "Die Kammer in Dresden hat im März Plätze."}}),
        )
        .await;
    let facts = async |token: &str| {
        let c = w
            .app
            .query_as(token, ONE, json!({"id": consultation}))
            .await;
        assert_eq!(c["consultation"]["linkedToCase"], true);
        // The question and the thread stay, with or without the facts.
        assert_eq!(c["consultation"]["answers"].as_array().unwrap().len(), 1);
        assert!(
            c["consultation"]["question"]
                .as_str()
                .unwrap()
                .starts_with("Die Fachsprach")
        );
        c["consultation"]["caseFacts"].clone()
    };

    // No consent yet; consents naming another member, or for another purpose, do not count.
    assert_eq!(facts(&w.agency).await, Value::Null);
    w.consent(&candidate, &w.advisory_org, "ADVICE").await;
    w.consent(&candidate, &w.agency_org, "ADVICE").await;
    w.consent(&candidate, &w.coordination_org, "PLACEMENT")
        .await;
    for token in [&w.agency, &w.coordination, &w.advisory] {
        assert_eq!(facts(token).await, Value::Null);
    }

    // A live ADVICE consent naming the convener: every member sees the facts.
    let advice = w.consent(&candidate, &w.coordination_org, "ADVICE").await;
    for token in [&w.agency, &w.coordination, &w.advisory, &w.authority] {
        let f = facts(token).await;
        assert_eq!(f["candidateCode"], code.as_str());
        assert_eq!(f["profession"]["key"], "nurse");
        assert_eq!(f["countryOfTraining"], "PH");
        assert_eq!(f["origin"], "THIRD_COUNTRY");
        assert_eq!(f["status"], "SUBMITTED");
        assert_eq!(f["fastTrack"], false);
        // Never personal data.
        let text = f.to_string().to_lowercase();
        for personal in [GIVEN, FAMILY, EMAIL, "2345678", "1994"] {
            assert!(!text.contains(&personal.to_lowercase()), "{text}");
        }
    }
    // The type has no field that could carry it.
    let t = w
        .app
        .query_as(
            &w.agency,
            r#"{ __type(name: "ConsultationCaseFacts") { fields { name } } }"#,
            json!({}),
        )
        .await;
    let fields: Vec<&str> = t["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for personal in [
        "personal",
        "givenName",
        "familyName",
        "birthDate",
        "email",
        "phone",
        "candidate",
    ] {
        assert!(!fields.contains(&personal), "{fields:?}");
    }
    // Non-members still see nothing.
    let (code, _) = w
        .refusal(&w.outsider, ONE, json!({"id": consultation}))
        .await;
    assert_eq!(code, "NOT_FOUND");

    // Revoked: hidden again from the next request on, for every member.
    w.app
        .query_as(&w.advisory, REVOKE, json!({"id": advice}))
        .await;
    for token in [&w.agency, &w.coordination, &w.advisory, &w.authority] {
        assert_eq!(facts(token).await, Value::Null);
    }
    // The group's list shows the same.
    let g = w
        .app
        .query_as(
            &w.agency,
            r#"query($id: ID!) { consultationGroup(id: $id) { consultations(first: 5) { nodes { caseFacts { candidateCode } } } } }"#,
            json!({"id": group}),
        )
        .await;
    assert_eq!(
        g["consultationGroup"]["consultations"]["nodes"][0]["caseFacts"],
        Value::Null
    );
}

#[tokio::test]
async fn free_texts_with_the_persons_data_are_refused() {
    let w = World::new().await;
    let (group, _) = w.group().await;
    let (_, _, case) = w.candidate_with_case().await;
    let open = |question: &str| {
        json!({"input": {"groupId": group, "caseId": case, "problemCategory": "DOCUMENTS",
            "question": question}})
    };

    // The question: the candidate's names (any case), e-mail, phone written differently.
    for question in [
        "Frau amira braucht eine beglaubigte Übersetzung.",
        "Die Unterlagen von Frau HADDAD sind unvollständig.",
        "Bitte schreiben Sie an Amira.Haddad@Example.org wegen der Unterlagen.",
        "Rückruf erbeten unter 0171-234 56 78, die Unterlagen fehlen.",
    ] {
        let (code, field) = w.refusal(&w.advisory, OPEN, open(question)).await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "input.question"),
            "{question}"
        );
    }
    // The refusal says what kind of data it found, never the data.
    let (_, err) = w
        .app
        .error_as(
            &w.advisory,
            OPEN,
            open("Frau Haddad fehlt die Geburtsurkunde."),
        )
        .await;
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("family name"), "{message}");
    assert!(!message.contains("Haddad"), "{message}");
    // Any e-mail address, in any consultation.
    let (code, field) = w
        .refusal(
            &w.agency,
            OPEN,
            json!({"input": {"groupId": group, "profession": "nurse", "countryOfTraining": "PH",
                "stage": "INCOMPLETE", "problemCategory": "DOCUMENTS",
                "question": "Wer kennt die Ansprechperson? Mail an pflege@klinikum-beispiel.de"}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.question")
    );
    // An anonymous consultation has no candidate to compare with: only the generic checks.
    w.anonymous(
        &w.agency,
        &group,
        "Eine Ärztin (Vorname Amira) wartet auf den Aufenthaltstitel.",
    )
    .await;
    // Nothing of the refused consultations was stored.
    let g = w.app.query_as(&w.agency, GROUP, json!({"id": group})).await;
    assert_eq!(g["consultationGroup"]["consultations"]["totalCount"], 1);

    // Clean text is accepted.
    let (consultation, version) = w
        .linked(
            &group,
            &case,
            "Der Geburtsnachweis liegt nur als Kopie vor. Reicht eine Apostille?",
        )
        .await;

    // Answers of any member are checked against the linked candidate.
    for text in [
        "Frau Amira soll die Apostille beantragen.",
        "Ich rufe an: +49 (171) 234-5678.",
        "Kopie an amira.haddad@example.org geschickt.",
    ] {
        let (code, field) = w
            .refusal(
                &w.agency,
                ANSWER,
                json!({"input": {"consultationId": consultation, "text": text}}),
            )
            .await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "input.text"),
            "{text}"
        );
    }
    let answered = w
        .app
        .query_as(
            &w.agency,
            ANSWER,
            json!({"input": {"consultationId": consultation,
                "text": "Ja, die Apostille genügt; das Amt in Manila braucht etwa sechs Wochen."}}),
        )
        .await;
    assert_eq!(
        answered["answerConsultation"]["consultation"]["answers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // And the next steps.
    for steps in [
        "Herr Beratung ruft Frau Haddad morgen an.",
        "Termin über 01712345678 vereinbaren.",
    ] {
        let (code, field) = w
            .refusal(
                &w.advisory,
                RESOLVE,
                json!({"input": {"id": consultation, "expectedVersion": version, "nextSteps": steps}}),
            )
            .await;
        assert_eq!(
            (code.as_str(), field.as_str()),
            ("BAD_USER_INPUT", "input.nextSteps"),
            "{steps}"
        );
    }
    let resolved = w
        .app
        .query_as(
            &w.advisory,
            RESOLVE,
            json!({"input": {"id": consultation, "expectedVersion": version,
                "nextSteps": "Beratungsstelle beantragt die Apostille; Wiedervorlage in sechs Wochen."}}),
        )
        .await;
    assert_eq!(
        resolved["resolveConsultation"]["consultation"]["status"],
        "RESOLVED"
    );
}

#[tokio::test]
async fn only_the_opener_resolves_and_stale_versions_conflict() {
    let w = World::new().await;
    let (group, _) = w.group().await;
    let (consultation, version) = w
        .anonymous(
            &w.agency,
            &group,
            "Arbeitgeber fragt nach der Beschäftigung vor der Anerkennung.",
        )
        .await;
    assert_eq!(version, 1);
    let resolve = |v: i64| {
        json!({"input": {"id": consultation, "expectedVersion": v,
            "nextSteps": "Beschäftigung als Pflegehelferin bis zur Kenntnisprüfung."}})
    };

    // Another member may read but not resolve; a non-member does not find it.
    let (code, _) = w.refusal(&w.authority, RESOLVE, resolve(1)).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = w.refusal(&w.coordination, RESOLVE, resolve(1)).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = w.refusal(&w.outsider, RESOLVE, resolve(1)).await;
    assert_eq!(code, "NOT_FOUND");
    // A stale version conflicts.
    let (code, _) = w.refusal(&w.agency, RESOLVE, resolve(7)).await;
    assert_eq!(code, "CONFLICT");

    let resolved = w.app.query_as(&w.agency, RESOLVE, resolve(1)).await;
    let c = &resolved["resolveConsultation"]["consultation"];
    assert_eq!(c["status"], "RESOLVED");
    assert_eq!(c["version"], 2);
    assert!(c["resolvedAt"].is_string());
    assert_eq!(
        c["nextSteps"],
        "Beschäftigung als Pflegehelferin bis zur Kenntnisprüfung."
    );
    // The version it was based on is gone now; a resolved consultation takes no more.
    let (code, _) = w.refusal(&w.agency, RESOLVE, resolve(1)).await;
    assert_eq!(code, "CONFLICT");
    let (code, field) = w.refusal(&w.agency, RESOLVE, resolve(2)).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.id")
    );
    let (code, field) = w
        .refusal(
            &w.authority,
            ANSWER,
            json!({"input": {"consultationId": consultation, "text": "Noch ein Hinweis."}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.id")
    );

    // The group's list filters by status.
    w.anonymous(
        &w.authority,
        &group,
        "Zweite Frage zur Aufenthaltserlaubnis.",
    )
    .await;
    let by_status = async |status: &str| {
        let g = w
            .app
            .query_as(
                &w.advisory,
                r#"query($id: ID!, $s: ConsultationStatus) { consultationGroup(id: $id) { consultations(status: $s, first: 10) { totalCount nodes { id status } } } }"#,
                json!({"id": group, "s": status}),
            )
            .await;
        g["consultationGroup"]["consultations"].clone()
    };
    let open = by_status("OPEN").await;
    assert_eq!(open["totalCount"], 1);
    let done = by_status("RESOLVED").await;
    assert_eq!(done["totalCount"], 1);
    assert_eq!(done["nodes"][0]["id"], consultation);
}

#[tokio::test]
async fn a_member_links_only_cases_it_may_see() {
    let w = World::new().await;
    let (group, _) = w.group().await;
    let (_, _, case) = w.candidate_with_case().await;
    let linked = json!({"input": {"groupId": group, "caseId": case, "problemCategory": "EMPLOYMENT",
        "question": "Kann sie schon als Pflegehelferin arbeiten?"}});

    // The job agency and the coordination office may not see the case (no `cases:read`,
    // or no rule that grants it): it does not exist for them.
    for token in [&w.agency, &w.coordination] {
        let (code, _) = w.refusal(token, OPEN, linked.clone()).await;
        assert_eq!(code, "NOT_FOUND");
    }
    // The outsider may read cases, but is no member: the group does not exist for it.
    let (code, _) = w.refusal(&w.outsider, OPEN, linked.clone()).await;
    assert_eq!(code, "NOT_FOUND");
    // The authority of the case and the candidate's advisory service may link it.
    for token in [&w.authority, &w.advisory] {
        let c = w.app.query_as(token, OPEN, linked.clone()).await;
        assert_eq!(c["openConsultation"]["consultation"]["linkedToCase"], true);
        assert_eq!(
            c["openConsultation"]["consultation"]["situation"],
            Value::Null
        );
    }

    // A case and a situation do not go together; a situation needs all three parts.
    let mut both = linked.clone();
    both["input"]["profession"] = json!("nurse");
    let (code, field) = w.refusal(&w.advisory, OPEN, both).await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.profession")
    );
    let (code, field) = w
        .refusal(
            &w.agency,
            OPEN,
            json!({"input": {"groupId": group, "profession": "nurse", "countryOfTraining": "PH",
                "problemCategory": "OTHER", "question": "Was ist der nächste Schritt?"}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.stage")
    );
    let (code, field) = w
        .refusal(
            &w.agency,
            OPEN,
            json!({"input": {"groupId": group, "profession": "nurse", "countryOfTraining": "XX",
                "stage": "SUBMITTED", "problemCategory": "OTHER", "question": "Was ist der nächste Schritt?"}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.countryOfTraining")
    );
    let (code, field) = w
        .refusal(
            &w.agency,
            OPEN,
            json!({"input": {"groupId": group, "profession": "nurse", "countryOfTraining": "PH",
                "stage": "SUBMITTED", "problemCategory": "OTHER", "question": "Kurz?"}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), field.as_str()),
        ("BAD_USER_INPUT", "input.question")
    );
}

#[tokio::test]
async fn a_group_reads_in_as_many_statements_for_many_consultations_as_for_one() {
    let w = World::new().await;
    let (group, _) = w.group().await;
    for n in 0..4 {
        let (candidate, _, case) = w.candidate_with_case().await;
        w.consent(&candidate, &w.coordination_org, "ADVICE").await;
        let (c, _) = w
            .linked(
                &group,
                &case,
                &format!("Frage Nummer {n} zur Gleichwertigkeit."),
            )
            .await;
        w.app
            .query_as(
                &w.agency,
                ANSWER,
                json!({"input": {"consultationId": c, "text": "Antwort der Agentur."}}),
            )
            .await;
    }
    let deep = r#"query($first: Int) { consultationGroups(first: 1) { nodes { name convener { name } members { name }
        consultations(first: $first) { totalCount nodes { question openedBy { name } group { name }
          caseFacts { candidateCode profession { key } status } answers { text organisation { name } } } } } } }"#;
    let mut counts = Vec::new();
    for first in [2, 4] {
        w.app.reset_statements();
        let data = w
            .app
            .query_as(&w.agency, deep, json!({"first": first}))
            .await;
        let nodes = &data["consultationGroups"]["nodes"][0]["consultations"]["nodes"];
        assert_eq!(nodes.as_array().unwrap().len(), first as usize);
        assert!(
            nodes
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["caseFacts"]["candidateCode"].is_string()
                    && c["answers"][0]["organisation"]["name"].is_string())
        );
        counts.push(w.app.statements());
    }
    assert_eq!(counts[0], counts[1], "statements for 2 and 4 consultations");
}
