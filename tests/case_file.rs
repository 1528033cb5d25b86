//! The shared case file over HTTP with real tokens: who sees which candidate, case and
//! field (the visibility matrix), consent and its revocation, the audit log, data subject
//! rights, and the recognition procedure's state machine.

mod common;

use common::TestApp;
use serde_json::{Value, json};

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id code personal { familyName } } } }"#;
const OPEN: &str = r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id status version origin } } }"#;
const CONSENT: &str = r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id live purpose } } }"#;
const REVOKE: &str =
    r#"mutation($id: ID!) { revokeConsent(input: {consentId: $id}) { consent { id live } } }"#;
const STATUS: &str = r#"mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { recognitionCase { status version allowedNextStatuses } } }"#;
const COMPLETE: &str = r#"mutation($input: RecordFileCompleteInput!) { recordCaseFileComplete(input: $input) { recognitionCase { version completeOn dueAt overdue missingDocuments } } }"#;
const DOCS: &str = r#"mutation($input: UpdateMissingDocumentsInput!) { updateMissingDocuments(input: $input) { recognitionCase { version missingDocuments } } }"#;
const DECIDE: &str = r#"mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { recognitionCase { status version decision { outcome measures deficitAreas } allowedNextStatuses } } }"#;

/// Everything a view of one candidate can reveal, through four paths.
const VIEW: &str = r#"query($id: ID!, $code: String!) {
  node(id: $id) { id }
  byCode: candidates(filter: {code: $code}) { totalCount nodes { id } }
  candidate(id: $id) { code countryOfTraining personal { givenName familyName email } cases { id status } }
}"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

/// Registers an organisation of `kind` and a client with `scopes`; returns (org ID, token).
async fn partner(app: &TestApp, kind: &str, name: &str, scopes: &[&str]) -> (String, String) {
    let admin = app.demo_token("admin").await;
    let org = app
        .query_as(
            &admin,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
            json!({"input": {"kind": kind, "name": name, "region": "14713", "city": "Leipzig"}}),
        )
        .await;
    let org_id = org["registerOrganisation"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = app
        .query_as(
            &admin,
            "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
            json!({"input": {"organisationId": org_id, "name": name, "scopes": scopes}}),
        )
        .await;
    let p = &client["registerPartnerClient"];
    let token = app
        .token(
            p["client"]["clientId"].as_str().unwrap(),
            p["clientSecret"].as_str().unwrap(),
            None,
        )
        .await;
    (org_id, token)
}

async fn org_of(app: &TestApp, token: &str) -> String {
    let v = app
        .query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await;
    v["viewer"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

struct World {
    app: TestApp,
    advisory: String,
    other_advisory: String,
    authority: String,
    authority_org: String,
    other_authority: String,
    employer_pii: String,
    employer_pii_org: String,
    employer_plain: String,
    school: String,
    candidate: String,
    code: String,
    case: String,
}

async fn world() -> World {
    let app = TestApp::with_demo().await;
    let advisory = app.demo_token("advisory").await;
    let authority = app.demo_token("authority").await;
    // A school whose client reads no candidates (the demo school's does).
    let (_, school) = partner(
        &app,
        "SCHOOL",
        "Pflegeschule ohne Fallakte",
        &["courses:write"],
    )
    .await;
    let authority_org = org_of(&app, &authority).await;
    let (_, other_advisory) = partner(
        &app,
        "ADVISORY",
        "Welcome Center Leipzig-Ost",
        &[
            "candidates:read",
            "candidates:write",
            "candidates:pii",
            "cases:read",
        ],
    )
    .await;
    let (_, other_authority) = partner(
        &app,
        "AUTHORITY",
        "Landesamt Thüringen (Test)",
        &[
            "cases:read",
            "cases:write",
            "candidates:read",
            "candidates:pii",
        ],
    )
    .await;
    let (employer_pii_org, employer_pii) = partner(
        &app,
        "EMPLOYER",
        "Klinikum Leipzig-Süd",
        &["candidates:read", "candidates:pii"],
    )
    .await;
    let (employer_plain_org, employer_plain) = partner(
        &app,
        "EMPLOYER",
        "Pflegeheim Am Auwald",
        &["candidates:read"],
    )
    .await;
    let created = app
        .query_as(
            &advisory,
            REGISTER,
            json!({"input": {"countryOfTraining": "PH", "profession": "nurse", "languageLevel": "B1", "region": "14713",
                              "personal": {"givenName": "Maria", "familyName": "Santos", "birthDate": "1994-03-12", "email": "maria.santos@mail.example"}}}),
        )
        .await;
    let candidate = created["registerCandidate"]["candidate"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = created["registerCandidate"]["candidate"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(code.starts_with("KP-") && code.len() == 11, "{code}");
    let opened = app
        .query_as(&advisory, OPEN, json!({"input": {"candidateId": candidate, "authorityId": authority_org, "legalBasis": "PflBG §40", "submittedOn": day(-150)}}))
        .await;
    let case = opened["openRecognitionCase"]["recognitionCase"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        opened["openRecognitionCase"]["recognitionCase"]["origin"],
        "THIRD_COUNTRY"
    );
    for org in [&employer_pii_org, &employer_plain_org] {
        app.query_as(&advisory, CONSENT, json!({"input": {"candidateId": candidate, "organisationId": org, "purpose": "PLACEMENT"}}))
            .await;
    }
    World {
        app,
        advisory,
        other_advisory,
        authority,
        authority_org,
        other_authority,
        employer_pii,
        employer_pii_org,
        employer_plain,
        school,
        candidate,
        code,
        case,
    }
}

/// What one caller sees of the world's candidate.
#[derive(Debug, PartialEq)]
struct Seen {
    node: bool,
    listed: i64,
    facts: bool,
    personal: bool,
    cases: usize,
}

async fn seen(w: &World, token: Option<&str>) -> Seen {
    let vars = json!({"id": w.candidate, "code": w.code});
    let (_, body) = match token {
        Some(t) => w.app.graphql_as(t, VIEW, vars).await,
        None => w.app.graphql(VIEW, vars).await,
    };
    let data = &body["data"];
    Seen {
        node: !data["node"].is_null(),
        listed: data["byCode"]["totalCount"].as_i64().unwrap_or(-1),
        facts: !data["candidate"].is_null() && data["candidate"]["code"] == w.code.as_str(),
        personal: data["candidate"]["personal"]["familyName"] == "Santos",
        cases: data["candidate"]["cases"].as_array().map_or(0, |c| c.len()),
    }
}

fn yes(personal: bool, cases: usize) -> Seen {
    Seen {
        node: true,
        listed: 1,
        facts: true,
        personal,
        cases,
    }
}

const HIDDEN: Seen = Seen {
    node: false,
    listed: 0,
    facts: false,
    personal: false,
    cases: 0,
};

#[tokio::test]
async fn the_visibility_matrix_holds_row_by_row() {
    let w = world().await;
    // owning centre: everything.
    assert_eq!(
        seen(&w, Some(&w.advisory)).await,
        yes(true, 1),
        "owning advisory centre"
    );
    // another centre: nothing exists.
    assert_eq!(
        seen(&w, Some(&w.other_advisory)).await,
        HIDDEN,
        "other advisory centre"
    );
    // the case's authority: pseudonymous facts and the case, no personal data without consent.
    assert_eq!(
        seen(&w, Some(&w.authority)).await,
        yes(false, 1),
        "case authority without consent"
    );
    // another authority: nothing.
    assert_eq!(
        seen(&w, Some(&w.other_authority)).await,
        HIDDEN,
        "other authority"
    );
    // employers with consent: facts; personal data only with candidates:pii; no cases without cases:read.
    assert_eq!(
        seen(&w, Some(&w.employer_pii)).await,
        yes(true, 0),
        "employer with consent and candidates:pii"
    );
    assert_eq!(
        seen(&w, Some(&w.employer_plain)).await,
        yes(false, 0),
        "employer with consent, no candidates:pii"
    );
    // a school without the scopes, and anonymous callers: nothing.
    let (_, body) = w
        .app
        .graphql_as(&w.school, VIEW, json!({"id": w.candidate, "code": w.code}))
        .await;
    assert!(body["data"]["node"].is_null());
    assert_eq!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["extensions"]["code"] == "FORBIDDEN")
            .count(),
        1,
        "{body}"
    );
    let (_, body) = w
        .app
        .graphql(VIEW, json!({"id": w.candidate, "code": w.code}))
        .await;
    assert!(body["data"]["node"].is_null());
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["extensions"]["code"] == "UNAUTHENTICATED"),
        "{body}"
    );

    // Hidden means hidden everywhere: NOT_FOUND, absent from lists, counts and filters.
    for token in [&w.other_advisory, &w.other_authority] {
        let (code, _) = w
            .app
            .error_as(
                token,
                "query($id: ID!) { candidate(id: $id) { code } }",
                json!({"id": w.candidate}),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
        let (code, _) = w
            .app
            .error_as(
                token,
                "query($id: ID!) { recognitionCase(id: $id) { id } }",
                json!({"id": w.case}),
            )
            .await;
        assert_eq!(code, "NOT_FOUND");
        let counts = w.app
            .query_as(token, r#"{ byCountry: candidates(filter: {countryOfTraining: "PH", region: "14713"}) { nodes { code } }
                                   cases(filter: {status: SUBMITTED}) { nodes { id } } }"#, json!({}))
            .await;
        assert!(
            !counts["byCountry"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["code"] == w.code.as_str())
        );
        assert!(
            !counts["cases"]["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["id"] == w.case.as_str())
        );
    }
    // The authority sees the case in its list; the employer cannot list cases at all.
    let listed = w.app.query_as(&w.authority, "{ cases(first: 100, filter: {status: SUBMITTED}) { nodes { id candidate { code personal { familyName } } } } }", json!({})).await;
    let mine: Vec<&Value> = listed["cases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["id"] == w.case.as_str())
        .collect();
    assert_eq!(mine.len(), 1);
    assert!(mine[0]["candidate"]["personal"].is_null());
    let (code, _) = w
        .app
        .error_as(&w.employer_pii, "{ cases { totalCount } }", json!({}))
        .await;
    assert_eq!(code, "FORBIDDEN");

    // With a consent for the authority, personal data reaches it too.
    w.app
        .query_as(&w.advisory, CONSENT, json!({"input": {"candidateId": w.candidate, "organisationId": w.authority_org, "purpose": "REFERRAL"}}))
        .await;
    assert_eq!(
        seen(&w, Some(&w.authority)).await,
        yes(true, 1),
        "case authority with consent"
    );
}

#[tokio::test]
async fn a_revoked_consent_hides_the_candidate_from_the_next_request() {
    let w = world().await;
    assert_eq!(seen(&w, Some(&w.employer_pii)).await, yes(true, 0));
    let consents = w
        .app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { consents { id live organisation { id } } } }",
            json!({"id": w.candidate}),
        )
        .await;
    let consent = consents["candidate"]["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["organisation"]["id"] == w.employer_pii_org.as_str())
        .unwrap()["id"]
        .clone();
    let revoked = w
        .app
        .query_as(&w.advisory, REVOKE, json!({"id": consent}))
        .await;
    assert_eq!(revoked["revokeConsent"]["consent"]["live"], false);
    assert_eq!(seen(&w, Some(&w.employer_pii)).await, HIDDEN);
    // The other employer's consent is untouched.
    assert_eq!(seen(&w, Some(&w.employer_plain)).await, yes(false, 0));
    // Only the owning centre revokes.
    let (code, _) = w
        .app
        .error_as(&w.employer_plain, REVOKE, json!({"id": consent}))
        .await;
    assert_eq!(code, "FORBIDDEN");
}

#[tokio::test]
async fn every_personal_data_read_is_audited_once_per_candidate_and_request() {
    let w = world().await;
    let count = || {
        w.app
            .scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'READ'")
    };
    let before = count().await;
    // Two paths to the same person in one request: one entry.
    w.app
        .query_as(
            &w.advisory,
            "query TwoPaths($id: ID!) { a: candidate(id: $id) { personal { familyName } } b: candidates(first: 100) { nodes { personal { email givenName } } } }",
            json!({"id": w.candidate}),
        )
        .await;
    let after_one = count().await;
    let own = w.app.scalar("SELECT COUNT(*) FROM candidate WHERE advisory_id = (SELECT advisory_id FROM candidate WHERE code LIKE 'KP-%' AND code NOT LIKE 'KP-DEMO%')").await;
    assert_eq!(
        after_one - before,
        own,
        "one entry per candidate read, the registered one included"
    );
    let entry = w.app.query_as(&w.advisory, "query($id: ID!) { auditLog(candidate: $id, last: 1) { nodes { action fields operation client organisation { id } } } }", json!({"id": w.candidate})).await;
    let entry = &entry["auditLog"]["nodes"][0];
    assert_eq!(entry["operation"], "TwoPaths");
    assert_eq!(entry["client"], "demo-advisory");
    assert_eq!(entry["fields"], json!(["email", "familyName", "givenName"]));

    // Reads that return no personal data write nothing.
    w.app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { code cases { status } } }",
            json!({"id": w.candidate}),
        )
        .await;
    w.app
        .query_as(
            &w.authority,
            "query($id: ID!) { candidate(id: $id) { code personal { familyName } } }",
            json!({"id": w.candidate}),
        )
        .await;
    w.app
        .query_as(
            &w.employer_plain,
            "query($id: ID!) { candidate(id: $id) { personal { familyName } } }",
            json!({"id": w.candidate}),
        )
        .await;
    assert_eq!(count().await, after_one);

    // The employer's read is attributed to it, and the owner can show it to the person.
    w.app
        .query_as(
            &w.employer_pii,
            "query Hiring($id: ID!) { candidate(id: $id) { personal { familyName phone } } }",
            json!({"id": w.candidate}),
        )
        .await;
    let log = w.app.query_as(&w.advisory, "query($id: ID!) { auditLog(candidate: $id, last: 1) { totalCount nodes { organisation { id } operation fields } } }", json!({"id": w.candidate})).await;
    assert_eq!(
        log["auditLog"]["nodes"][0]["organisation"]["id"],
        w.employer_pii_org.as_str()
    );
    assert_eq!(log["auditLog"]["nodes"][0]["operation"], "Hiring");
    // Nobody else reads this person's log.
    let other = w
        .app
        .query_as(
            &w.other_advisory,
            "query($id: ID!) { auditLog(candidate: $id) { totalCount } }",
            json!({"id": w.candidate}),
        )
        .await;
    assert_eq!(other["auditLog"]["totalCount"], 0);
}

#[tokio::test]
async fn export_and_erasure_serve_the_persons_rights() {
    let w = world().await;
    let export =
        "mutation($id: ID!) { exportCandidateData(input: {candidateId: $id}) { document } }";
    let doc = w
        .app
        .query_as(&w.advisory, export, json!({"id": w.candidate}))
        .await;
    let doc = &doc["exportCandidateData"]["document"];
    assert_eq!(doc["candidate"]["code"], w.code.as_str());
    assert_eq!(doc["personalData"]["familyName"], "Santos");
    assert_eq!(doc["consents"].as_array().unwrap().len(), 2);
    assert_eq!(doc["recognitionCases"][0]["timeline"][0]["kind"], "OPENED");
    // Only the owner exports or erases.
    for token in [&w.authority, &w.employer_pii] {
        let (code, _) = w
            .app
            .error_as(token, export, json!({"id": w.candidate}))
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    let (code, _) = w
        .app
        .error_as(&w.other_advisory, export, json!({"id": w.candidate}))
        .await;
    assert_eq!(code, "NOT_FOUND");

    let erased = w.app
        .query_as(&w.advisory, "mutation($id: ID!) { eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased personal { familyName } } } }", json!({"id": w.candidate}))
        .await;
    assert_eq!(
        erased["eraseCandidatePersonalData"]["candidate"],
        json!({"personalDataErased": true, "personal": null})
    );
    let doc = w
        .app
        .query_as(&w.advisory, export, json!({"id": w.candidate}))
        .await;
    let doc = &doc["exportCandidateData"]["document"];
    assert!(doc["personalData"].is_null());
    assert_eq!(doc["consents"], json!([]));
    assert_eq!(
        doc["recognitionCases"].as_array().unwrap().len(),
        1,
        "cases remain for statistics"
    );
    let actions: Vec<&str> = doc["accessLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"EXPORT") && actions.contains(&"ERASE"),
        "{actions:?}"
    );
    assert_eq!(w.app.scalar("SELECT COUNT(*) FROM candidate_personal WHERE candidate_id = (SELECT id FROM candidate WHERE erased_at IS NOT NULL)").await, 0);
    // Consents are gone, so is the employers' access; the authority keeps the case.
    assert_eq!(seen(&w, Some(&w.employer_pii)).await, HIDDEN);
    assert_eq!(seen(&w, Some(&w.authority)).await, yes(false, 1));
}

#[tokio::test]
async fn the_procedure_follows_its_state_machine() {
    let w = world().await;
    let app = &w.app;
    let fingerprint = || async {
        (
            app.scalar("SELECT COALESCE(SUM(version), 0) FROM recognition_case")
                .await,
            app.scalar("SELECT COUNT(*) FROM case_event").await,
            app.scalar("SELECT COUNT(*) FROM decision").await,
        )
    };
    // A transition the procedure does not have: refused, naming the allowed ones.
    let before = fingerprint().await;
    let (code, err) = app
        .error_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 1, "status": "LICENSED"}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("INCOMPLETE, IN_ASSESSMENT, WITHDRAWN"),
        "{message}"
    );
    // Not the case's authority: hidden from one, forbidden for the other.
    let (code, _) = app
        .error_as(
            &w.other_authority,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 1, "status": "INCOMPLETE"}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_as(
            &w.advisory,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 1, "status": "INCOMPLETE"}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .error_as(
            &w.other_authority,
            DECIDE,
            json!({"input": {"caseId": w.case, "expectedVersion": 1, "outcome": "FULL"}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = app
        .error_as(
            &w.authority,
            DECIDE,
            json!({"input": {"caseId": w.case, "expectedVersion": 1, "outcome": "FULL"}}),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "only a case in assessment is decided"
    );
    assert_eq!(fingerprint().await, before, "nothing changed");

    // Incomplete → submitted → file complete → assessment → deficit decision → compensation → licence.
    let v = app.query_as(&w.authority, STATUS, json!({"input": {"caseId": w.case, "expectedVersion": 1, "status": "INCOMPLETE", "note": "Nachweise fehlen"}})).await;
    assert_eq!(
        v["changeCaseStatus"]["recognitionCase"]["allowedNextStatuses"],
        json!(["SUBMITTED", "WITHDRAWN"])
    );
    let v = app.query_as(&w.authority, DOCS, json!({"input": {"caseId": w.case, "expectedVersion": 2, "missingDocuments": ["Fächer- und Stundenaufstellung", "Sprachzertifikat B2"]}})).await;
    assert_eq!(
        v["updateMissingDocuments"]["recognitionCase"]["missingDocuments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    app.query_as(
        &w.authority,
        STATUS,
        json!({"input": {"caseId": w.case, "expectedVersion": 3, "status": "SUBMITTED"}}),
    )
    .await;
    let complete_on = day(-120);
    let v = app
        .query_as(
            &w.authority,
            COMPLETE,
            json!({"input": {"caseId": w.case, "expectedVersion": 4, "completeOn": complete_on}}),
        )
        .await;
    let c = &v["recordCaseFileComplete"]["recognitionCase"];
    let due = chrono::NaiveDate::parse_from_str(&complete_on, "%Y-%m-%d")
        .unwrap()
        .checked_add_months(chrono::Months::new(3))
        .unwrap();
    assert_eq!(
        c["dueAt"],
        due.to_string(),
        "three months after the complete file"
    );
    assert_eq!(c["overdue"], true);
    assert_eq!(c["missingDocuments"], json!([]));
    let overdue = app
        .query_as(
            &w.authority,
            "{ cases(first: 100, filter: {overdue: true}) { nodes { id } } }",
            json!({}),
        )
        .await;
    assert!(
        overdue["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == w.case.as_str())
    );
    app.query_as(
        &w.authority,
        STATUS,
        json!({"input": {"caseId": w.case, "expectedVersion": 5, "status": "IN_ASSESSMENT"}}),
    )
    .await;
    // Aptitude test is for EU training; this nurse trained in the Philippines.
    let (code, err) = app
        .error_as(&w.authority, DECIDE, json!({"input": {"caseId": w.case, "expectedVersion": 6, "outcome": "DEFICIT",
                                                         "deficitAreas": ["Pädiatrische Pflege"], "measures": ["APTITUDE_TEST"]}}))
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.measures"))
    );
    let v = app
        .query_as(&w.authority, DECIDE, json!({"input": {"caseId": w.case, "expectedVersion": 6, "outcome": "DEFICIT",
                                                         "deficitAreas": ["Pädiatrische Pflege"], "measures": ["KNOWLEDGE_TEST", "ADAPTATION_COURSE"]}}))
        .await;
    let c = &v["recordDecision"]["recognitionCase"];
    assert_eq!(c["status"], "DECIDED");
    assert_eq!(
        c["decision"]["measures"],
        json!(["KNOWLEDGE_TEST", "ADAPTATION_COURSE"])
    );
    assert_eq!(
        c["allowedNextStatuses"],
        json!(["IN_COMPENSATION", "WITHDRAWN"])
    );
    let (code, _) = app
        .error_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 7, "status": "LICENSED"}}),
        )
        .await;
    assert_eq!(
        code, "BAD_USER_INPUT",
        "a deficit must be compensated first"
    );
    app.query_as(
        &w.authority,
        STATUS,
        json!({"input": {"caseId": w.case, "expectedVersion": 7, "status": "IN_COMPENSATION"}}),
    )
    .await;
    let v = app
        .query_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 8, "status": "LICENSED"}}),
        )
        .await;
    assert_eq!(
        v["changeCaseStatus"]["recognitionCase"]["allowedNextStatuses"],
        json!([])
    );
    // A stale version is a conflict.
    let (code, _) = app
        .error_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": w.case, "expectedVersion": 8, "status": "WITHDRAWN"}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");

    let timeline = app.query_as(&w.advisory, "query($id: ID!) { recognitionCase(id: $id) { overdue timeline { kind from to organisation { id } } } }", json!({"id": w.case})).await;
    let events = timeline["recognitionCase"]["timeline"].as_array().unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "OPENED",
            "STATUS_CHANGED",
            "DOCUMENTS_UPDATED",
            "STATUS_CHANGED",
            "FILE_COMPLETE",
            "STATUS_CHANGED",
            "DECISION_RECORDED",
            "STATUS_CHANGED",
            "STATUS_CHANGED"
        ]
    );
    assert_eq!(events.last().unwrap()["to"], "LICENSED");
    assert_eq!(
        events.last().unwrap()["organisation"]["id"],
        w.authority_org.as_str()
    );
    assert_eq!(
        timeline["recognitionCase"]["overdue"], false,
        "decided cases are not overdue"
    );
}

#[tokio::test]
async fn physicians_from_third_countries_get_the_knowledge_test_only() {
    let w = world().await;
    let created = w.app
        .query_as(&w.advisory, REGISTER, json!({"input": {"countryOfTraining": "SY", "profession": "physician", "region": "14612",
                                                           "personal": {"givenName": "Omar", "familyName": "Haddad"}}}))
        .await;
    let id = created["registerCandidate"]["candidate"]["id"].clone();
    let opened = w.app
        .query_as(&w.advisory, OPEN, json!({"input": {"candidateId": id, "authorityId": w.authority_org, "legalBasis": "BÄO §3", "fastTrack": true, "submittedOn": day(-10)}}))
        .await;
    let case = opened["openRecognitionCase"]["recognitionCase"]["id"].clone();
    w.app
        .query_as(
            &w.authority,
            STATUS,
            json!({"input": {"caseId": case, "expectedVersion": 1, "status": "IN_ASSESSMENT"}}),
        )
        .await;
    let v = w
        .app
        .query_as(
            &w.authority,
            COMPLETE,
            json!({"input": {"caseId": case, "expectedVersion": 2, "completeOn": day(-1)}}),
        )
        .await;
    let due = (chrono::Utc::now().date_naive() - chrono::Duration::days(1))
        .checked_add_months(chrono::Months::new(2))
        .unwrap();
    assert_eq!(
        v["recordCaseFileComplete"]["recognitionCase"]["dueAt"],
        due.to_string(),
        "two months in the fast track"
    );
    let (code, err) = w.app
        .error_as(&w.authority, DECIDE, json!({"input": {"caseId": case, "expectedVersion": 3, "outcome": "DEFICIT", "deficitAreas": ["Innere Medizin"], "measures": ["ADAPTATION_COURSE"]}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    // The message speaks the schema's names, never the Rust ones.
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("KNOWLEDGE_TEST") && message.contains("THIRD_COUNTRY"),
        "{err}"
    );
    assert!(
        !message.contains("KnowledgeTest") && !message.contains("ThirdCountry"),
        "{err}"
    );
    assert_eq!(err["extensions"]["field"], "input.measures");
    w.app
        .query_as(&w.authority, DECIDE, json!({"input": {"caseId": case, "expectedVersion": 3, "outcome": "DEFICIT", "deficitAreas": ["Innere Medizin"], "measures": ["KNOWLEDGE_TEST"]}}))
        .await;
}

#[tokio::test]
async fn bad_input_and_foreign_candidates_are_refused_and_change_nothing() {
    let w = world().await;
    let count = || {
        w.app.scalar("SELECT (SELECT COUNT(*) FROM candidate) + (SELECT COUNT(*) FROM recognition_case) + (SELECT COUNT(*) FROM consent)")
    };
    let before = count().await;
    let (code, err) = w.app
        .error_as(&w.advisory, REGISTER, json!({"input": {"countryOfTraining": "XX", "profession": "astronaut", "region": "14713", "personal": {"givenName": "A", "familyName": "B"}}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let fields: Vec<&str> = err["extensions"]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["input.countryOfTraining", "input.profession"]);
    // Only advisory centres register candidates.
    let (code, _) = w.app
        .error_as(&w.authority, REGISTER, json!({"input": {"countryOfTraining": "TR", "profession": "nurse", "region": "14713", "personal": {"givenName": "A", "familyName": "B"}}}))
        .await;
    assert_eq!(code, "FORBIDDEN");
    // A case for another centre's candidate: that candidate does not exist for the caller.
    let (code, _) = w.app
        .error_as(&w.other_advisory, OPEN, json!({"input": {"candidateId": w.candidate, "authorityId": w.authority_org, "legalBasis": "PflBG §40"}}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    // The competent authority must be an authority or chamber.
    let (code, err) = w.app
        .error_as(&w.advisory, OPEN, json!({"input": {"candidateId": w.candidate, "authorityId": w.employer_pii_org, "legalBasis": "PflBG §40"}}))
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.authorityId"))
    );
    // Consents only by the owner.
    let (code, _) = w.app
        .error_as(&w.employer_pii, CONSENT, json!({"input": {"candidateId": w.candidate, "organisationId": w.employer_pii_org, "purpose": "FUNDING"}}))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(count().await, before);
}

#[tokio::test]
async fn personal_data_is_withheld_when_the_audit_log_cannot_be_written() {
    let w = world().await;
    let query = "query($id: ID!) { candidate(id: $id) { code personal { familyName } } }";
    w.app
        .query_as(&w.advisory, query, json!({"id": w.candidate}))
        .await;
    // Break the audit log: the next read of personal data must not leave the hub.
    sea_orm::ConnectionTrait::execute_unprepared(&w.app.db, "DROP TABLE audit_entry")
        .await
        .unwrap();
    let (status, body) = w
        .app
        .graphql_as(&w.advisory, query, json!({"id": w.candidate}))
        .await;
    assert_eq!(status.as_u16(), 500);
    assert!(
        body.get("data").is_none() || body["data"].is_null(),
        "{body}"
    );
    assert!(
        !body.to_string().contains("Santos"),
        "no personal data in {body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTERNAL_SERVER_ERROR"
    );
    // Requests without personal data are unaffected.
    let facts = w
        .app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { code } }",
            json!({"id": w.candidate}),
        )
        .await;
    assert_eq!(facts["candidate"]["code"], w.code.as_str());
}

#[tokio::test]
async fn demo_cases_follow_the_official_figures() {
    let app = TestApp::with_demo().await;
    let total = app.scalar("SELECT COUNT(*) FROM candidate").await;
    assert_eq!(total, 200);
    let nurses = app
        .scalar("SELECT COUNT(*) FROM candidate WHERE profession_key = 'nurse'")
        .await;
    let largest_other = app
        .scalar("SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM candidate WHERE profession_key <> 'nurse' GROUP BY profession_key) AS t")
        .await;
    assert!(
        nurses > largest_other && (30..=60).contains(&(nurses * 100 / total)),
        "nurses {nurses} of {total}"
    );
    let top = app
        .scalar(
            "SELECT COUNT(*) FROM candidate WHERE country_of_training IN ('TR','PH','IN','TN','BA','SY','UA','IR','IQ')",
        )
        .await;
    assert!(
        top * 100 / total >= 50,
        "the top countries dominate: {top} of {total}"
    );
    let decided = app.scalar("SELECT COUNT(*) FROM decision").await;
    let with_measure = app
        .scalar("SELECT COUNT(*) FROM decision WHERE outcome = 'DEFICIT'")
        .await;
    assert!(decided > 50);
    let share = with_measure * 100 / decided;
    assert!(
        (30..=52).contains(&share),
        "{share}% of decisions with a compensatory measure"
    );
    for region in ["DE-SN", "DE-MV", "DE-HE", "SE-AB"] {
        let n = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM recognition_case WHERE candidate_id IN (SELECT id FROM candidate WHERE region_code IN \
                 (SELECT code FROM region WHERE code = '{region}' OR parent_code = '{region}'))"
            ))
            .await;
        assert!(n > 10, "{region}: {n} cases");
    }
    // Every case's timeline starts with its opening.
    let without_opening = app
        .scalar("SELECT COUNT(*) FROM recognition_case WHERE id NOT IN (SELECT case_id FROM case_event WHERE kind = 'OPENED')")
        .await;
    assert_eq!(without_opening, 0);
}

/// Every case of a `cases` list under `filter`, page by page: (total count, cases).
async fn all_cases(app: &TestApp, token: &str, filter: Value) -> (i64, Vec<Value>) {
    let query = "query($f: CaseFilter, $after: String) { cases(filter: $f, first: 100, after: $after) {
                   totalCount pageInfo { hasNextPage endCursor } nodes { id status completeOn dueAt overdue } } }";
    let (mut after, mut found, mut total) = (Value::Null, Vec::new(), -1);
    loop {
        let page = app
            .query_as(token, query, json!({"f": filter, "after": after}))
            .await;
        let cases = &page["cases"];
        total = cases["totalCount"].as_i64().unwrap_or(total);
        found.extend(cases["nodes"].as_array().unwrap().iter().cloned());
        if cases["pageInfo"]["hasNextPage"] != true {
            return (total, found);
        }
        after = cases["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn overdue_and_not_overdue_cases_partition_every_case() {
    let app = TestApp::with_demo().await;
    let authority = app.demo_token("authority").await;
    let (all, every) = all_cases(&app, &authority, json!({})).await;
    let (overdue, late) = all_cases(&app, &authority, json!({"overdue": true})).await;
    let (on_time, rest) = all_cases(&app, &authority, json!({"overdue": false})).await;
    assert!(all > 20, "the demo authority sees many cases: {all}");
    assert_eq!(every.len() as i64, all);
    assert_eq!(overdue + on_time, all, "{overdue} overdue + {on_time} not");
    assert!(overdue > 0, "the demo holds overdue cases");
    let ids = |cases: &[Value]| -> std::collections::BTreeSet<String> {
        cases
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        ids(&late).is_disjoint(&ids(&rest)),
        "no case is both overdue and not"
    );
    assert_eq!(
        ids(&late).union(&ids(&rest)).cloned().collect::<Vec<_>>(),
        ids(&every).into_iter().collect::<Vec<_>>()
    );
    assert!(late.iter().all(|c| c["overdue"] == true));
    assert!(rest.iter().all(|c| c["overdue"] == false));
    // The cases the NULL comparison lost: undecided, file not complete, so no due date yet.
    assert!(
        rest.iter().any(|c| c["completeOn"].is_null()
            && c["dueAt"].is_null()
            && ["SUBMITTED", "INCOMPLETE"].contains(&c["status"].as_str().unwrap())),
        "undecided cases without a complete file are not overdue"
    );
}

/// The raw bytes of an SQLite test database: the main file and its write-ahead log.
fn sqlite_bytes(database_url: &str) -> Vec<u8> {
    let path = database_url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
    bytes
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn erased_personal_data_is_gone_from_the_database_files() {
    let w = world().await;
    let (given, family, email) = ("Xaverine", "Quellenbrink-Tsao", "xq.tsao@mail.example");
    let created = w
        .app
        .query_as(
            &w.advisory,
            REGISTER,
            json!({"input": {"countryOfTraining": "VN", "profession": "nurse", "region": "14713",
                             "personal": {"givenName": given, "familyName": family, "email": email, "phone": "+49 341 5550199"}}}),
        )
        .await;
    let id = created["registerCandidate"]["candidate"]["id"].clone();
    w.app
        .query_as(&w.advisory, CONSENT, json!({"input": {"candidateId": id, "organisationId": w.employer_pii_org, "purpose": "PLACEMENT"}}))
        .await;
    let code = created["registerCandidate"]["candidate"]["code"]
        .as_str()
        .unwrap();
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM candidate_personal WHERE family_name = '{family}' OR email = '{email}')
              + (SELECT COUNT(*) FROM consent WHERE candidate_id = (SELECT id FROM candidate WHERE code = '{code}'))"
    );
    let stored = || w.app.scalar(&sql);
    assert_eq!(stored().await, 2, "personal data and consent are stored");
    let sqlite = !common::on_postgres();
    if sqlite {
        let bytes = sqlite_bytes(&w.app.database_url);
        assert!(
            holds(&bytes, family) && holds(&bytes, email),
            "the test finds the values in the files before the erasure"
        );
    }

    w.app
        .query_as(
            &w.advisory,
            "mutation($id: ID!) { eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(stored().await, 0, "no row holds the erased values");
    assert_eq!(
        w.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM candidate_personal WHERE given_name = '{given}'"
            ))
            .await,
        0
    );
    if sqlite {
        let bytes = sqlite_bytes(&w.app.database_url);
        for value in [given, family, email, "5550199"] {
            assert!(
                !holds(&bytes, value),
                "`{value}` is still in the database files"
            );
        }
        assert!(
            holds(&bytes, "Santos"),
            "other candidates' data is untouched"
        );
    }
}

#[tokio::test]
async fn an_erasure_payload_never_shows_data_read_earlier_in_the_request() {
    let w = world().await;
    let consents = w
        .app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { consents { id } } }",
            json!({"id": w.candidate}),
        )
        .await;
    let consent = consents["candidate"]["consents"][0]["id"].clone();
    let reads = || {
        w.app
            .scalar("SELECT COUNT(*) FROM audit_entry WHERE action = 'READ'")
    };
    let before = reads().await;
    // Read the personal data, erase it, then reach the same person again through a
    // relation: the later fields must not be served from what the request loaded before.
    let erased = w
        .app
        .query_as(
            &w.advisory,
            r#"mutation ReadThenErase($consent: ID!, $id: ID!, $authority: ID!) {
                 revokeConsent(input: {consentId: $consent}) { consent { candidate { personal { familyName } consents { id } } } }
                 eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased personal { familyName } consents { id } } }
                 openRecognitionCase(input: {candidateId: $id, authorityId: $authority, legalBasis: "PflBG §40"}) {
                   recognitionCase { candidate { personalDataErased personal { familyName email } consents { id } } } }
               }"#,
            json!({"consent": consent, "id": w.candidate, "authority": w.authority_org}),
        )
        .await;
    assert_eq!(
        erased["revokeConsent"]["consent"]["candidate"]["personal"]["familyName"], "Santos",
        "read before the erasure"
    );
    assert_eq!(
        erased["revokeConsent"]["consent"]["candidate"]["consents"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let gone = json!({"personalDataErased": true, "personal": null, "consents": []});
    assert_eq!(erased["eraseCandidatePersonalData"]["candidate"], gone);
    assert_eq!(
        erased["openRecognitionCase"]["recognitionCase"]["candidate"],
        gone
    );
    // The read before the erasure left the hub, so it is in the audit log.
    assert_eq!(reads().await, before + 1);
}

#[tokio::test]
async fn a_revoked_consent_is_invisible_to_the_organisation_it_named() {
    let w = world().await;
    // The employer holds a second, live consent, so it still sees the candidate.
    let funding = w
        .app
        .query_as(&w.advisory, CONSENT, json!({"input": {"candidateId": w.candidate, "organisationId": w.employer_pii_org, "purpose": "FUNDING"}}))
        .await["recordConsent"]["consent"]["id"]
        .clone();
    let referral = w
        .app
        .query_as(&w.advisory, CONSENT, json!({"input": {"candidateId": w.candidate, "organisationId": w.authority_org, "purpose": "REFERRAL"}}))
        .await["recordConsent"]["consent"]["id"]
        .clone();
    let consents = w
        .app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { consents { id purpose organisation { id } } } }",
            json!({"id": w.candidate}),
        )
        .await;
    let placement = consents["candidate"]["consents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["organisation"]["id"] == w.employer_pii_org.as_str() && c["purpose"] == "PLACEMENT"
        })
        .unwrap()["id"]
        .clone();
    const NODE: &str = "query($id: ID!) { node(id: $id) { id ... on Consent { purpose live } } }";
    const LISTS: &str = "query($cand: ID!, $ids: [ID!]!) { nodes(ids: $ids) { id } candidate(id: $cand) { consents { id } } }";
    // Before revocation the named organisations see their consents.
    for (token, id) in [(&w.employer_pii, &placement), (&w.authority, &referral)] {
        let seen = w.app.query_as(token, NODE, json!({"id": id})).await;
        assert_eq!(seen["node"]["live"], true);
    }
    for id in [&placement, &referral] {
        w.app.query_as(&w.advisory, REVOKE, json!({"id": id})).await;
    }

    for (token, revoked, live) in [
        (&w.employer_pii, &placement, json!([{"id": funding}])),
        (&w.authority, &referral, json!([])),
    ] {
        let (code, _) = w.app.error_as(token, NODE, json!({"id": revoked})).await;
        assert_eq!(code, "NOT_FOUND");
        let lists = w
            .app
            .query_as(token, LISTS, json!({"cand": w.candidate, "ids": [revoked]}))
            .await;
        assert_eq!(lists["nodes"], json!([null]));
        assert_eq!(
            lists["candidate"]["consents"], live,
            "only live consents naming the caller are listed"
        );
    }
    // The owning advisory centre keeps the history.
    for id in [&placement, &referral] {
        let seen = w.app.query_as(&w.advisory, NODE, json!({"id": id})).await;
        assert_eq!(seen["node"]["live"], false);
    }
    let all = w
        .app
        .query_as(
            &w.advisory,
            "query($id: ID!) { candidate(id: $id) { consents { live } } }",
            json!({"id": w.candidate}),
        )
        .await;
    assert_eq!(
        all["candidate"]["consents"],
        json!([{"live": false}, {"live": true}, {"live": true}, {"live": false}])
    );
}
