//! Employers and funders: placement offers, referrals that respect consent, slots that
//! are never exceeded, funding programmes, applications that never overspend a budget,
//! the eligibility rules and who sees what — over HTTP with real tokens, on SQLite and
//! PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::sync::Arc;

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id } } }"#;
const CONSENT: &str =
    r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }"#;
const OPEN_CASE: &str = r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id } } }"#;
const PUBLISH: &str = r#"mutation($input: PublishPlacementOfferInput!) { publishPlacementOffer(input: $input) { placementOffer { id version status openSlots } } }"#;
const REFER: &str = r#"mutation($input: ReferCandidateInput!) { referCandidate(input: $input) { referral { id status } } }"#;
const ACCEPT: &str =
    r#"mutation($id: ID!) { acceptReferral(input: {id: $id}) { referral { id status } } }"#;
const DECLINE: &str = r#"mutation($id: ID!, $reason: String!) { declineReferral(input: {id: $id, reason: $reason}) { referral { id status reason } } }"#;
const HIRE: &str =
    r#"mutation($id: ID!) { markReferralHired(input: {id: $id}) { referral { id status } } }"#;
const CLOSE: &str = r#"mutation($id: ID!, $v: Int!) { closePlacementOffer(input: {id: $id, expectedVersion: $v, reason: "Stelle besetzt"}) { placementOffer { status closingReason } } }"#;
const DEFINE: &str = r#"mutation($input: DefineFundingProgrammeInput!) { defineFundingProgramme(input: $input) { fundingProgramme { id } } }"#;
const APPLY: &str = r#"mutation($input: ApplyForFundingInput!) { applyForFunding(input: $input) { fundingApplication { id status version requested { amount currency } } } }"#;
const GRANT: &str = r#"mutation($id: ID!, $amount: String!) { grantFunding(input: {id: $id, amount: {amount: $amount, currency: "SEK"}}) { fundingApplication { id status granted { amount } } } }"#;
const BUDGET: &str = r#"query($id: ID!) { fundingProgramme(id: $id) { budget { total { amount } committed { amount } paid { amount } remaining { amount } } } }"#;

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

fn year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now().date_naive())
}

fn key(id: &str) -> i64 {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .expect("a global ID");
    let text = String::from_utf8(raw).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

fn id_of(v: &Value) -> String {
    v.as_str().expect("an ID").to_owned()
}

/// The partners of a placement and funding world, each a real client with a token.
struct World {
    app: Arc<TestApp>,
    admin: String,
    /// The demo advisory centre: owns the candidates.
    advisory: String,
    advisory_org: String,
    /// Another advisory centre.
    other_advisory: String,
    employer_a: String,
    employer_a_org: String,
    employer_b: String,
    employer_b_org: String,
    funder_a: String,
    funder_a_org: String,
    funder_b: String,
    funder_b_org: String,
    /// A Swedish competent authority (cases of Swedish candidates name it).
    se_authority_org: String,
}

async fn org_of(app: &TestApp, token: &str) -> String {
    let v = app
        .query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await;
    id_of(&v["viewer"]["organisation"]["id"])
}

impl World {
    async fn new(app: TestApp) -> World {
        let admin = app.demo_token("admin").await;
        let advisory = app.demo_token("advisory").await;
        let advisory_org = org_of(&app, &advisory).await;
        let mut w = World {
            app: Arc::new(app),
            admin,
            advisory,
            advisory_org,
            other_advisory: String::new(),
            employer_a: String::new(),
            employer_a_org: String::new(),
            employer_b: String::new(),
            employer_b_org: String::new(),
            funder_a: String::new(),
            funder_a_org: String::new(),
            funder_b: String::new(),
            funder_b_org: String::new(),
            se_authority_org: String::new(),
        };
        let employer = [
            "placements:write",
            "funding:apply",
            "candidates:read",
            "candidates:pii",
        ];
        let funder = ["funding:decide", "candidates:read"];
        (w.employer_a_org, w.employer_a) =
            w.partner("EMPLOYER", "Danderyds sjukhus", &employer).await;
        (w.employer_b_org, w.employer_b) = w.partner("EMPLOYER", "Södersjukhuset", &employer).await;
        (w.funder_a_org, w.funder_a) = w.partner("FUNDER", "Region Stockholm HSF", &funder).await;
        (w.funder_b_org, w.funder_b) = w.partner("FUNDER", "Region Uppsala", &funder).await;
        (_, w.other_advisory) = w
            .partner(
                "ADVISORY",
                "Vägledning Norrort",
                &["candidates:read", "candidates:write", "candidates:pii"],
            )
            .await;
        (w.se_authority_org, _) = w
            .partner("AUTHORITY", "Socialstyrelsen (test)", &["cases:read"])
            .await;
        w
    }

    /// A new organisation of `kind` in Stockholm with a client of `scopes`: (id, token).
    async fn partner(&self, kind: &str, name: &str, scopes: &[&str]) -> (String, String) {
        self.partner_in(kind, name, scopes, ("SE-AB", "Stockholm"))
            .await
    }

    /// A new organisation of `kind` in (region, city) with a client of `scopes`.
    async fn partner_in(
        &self,
        kind: &str,
        name: &str,
        scopes: &[&str],
        (region, city): (&str, &str),
    ) -> (String, String) {
        let mut input = json!({"kind": kind, "name": name, "region": region, "city": city});
        if kind == "EMPLOYER" {
            input["employerType"] = json!("HOSPITAL");
        }
        let org = self
            .app
            .query_as(
                &self.admin,
                "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
                json!({"input": input}),
            )
            .await["registerOrganisation"]["organisation"]["id"]
            .clone();
        let client = self
            .app
            .query_as(
                &self.admin,
                "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
                json!({"input": {"organisationId": org, "name": "Testclient", "scopes": scopes}}),
            )
            .await;
        let p = &client["registerPartnerClient"];
        let token = self
            .app
            .token(
                p["client"]["clientId"].as_str().unwrap(),
                p["clientSecret"].as_str().unwrap(),
                None,
            )
            .await;
        (id_of(&org), token)
    }

    /// A new candidate of the demo advisory centre.
    async fn candidate(
        &self,
        profession: &str,
        country: &str,
        level: &str,
        region: &str,
    ) -> String {
        self.candidate_accepting(profession, country, level, region, &[])
            .await
    }

    async fn candidate_accepting(
        &self,
        profession: &str,
        country: &str,
        level: &str,
        region: &str,
        accepted: &[&str],
    ) -> String {
        let v = self
            .app
            .query_as(
                &self.advisory,
                REGISTER,
                json!({"input": {"countryOfTraining": country, "profession": profession, "languageLevel": level,
                  "region": region, "acceptedRegions": accepted,
                  "personal": {"givenName": "Amira", "familyName": "Haddad", "email": "amira@example.org"}}}),
            )
            .await;
        id_of(&v["registerCandidate"]["candidate"]["id"])
    }

    /// A Swedish physician (trained in Syria, C1) with a case at the Swedish authority
    /// and, if `funder` is given, a live FUNDING consent for it.
    async fn swedish_physician(&self, funder: Option<&str>) -> String {
        let c = self.candidate("physician", "SY", "C1", "SE-AB").await;
        self.open_case(&c, &self.se_authority_org).await;
        if let Some(f) = funder {
            self.consent(&c, f, "FUNDING").await;
        }
        c
    }

    async fn open_case(&self, candidate: &str, authority: &str) -> Value {
        self.app
            .query_as(
                &self.advisory,
                OPEN_CASE,
                json!({"input": {"candidateId": candidate, "authorityId": authority, "legalBasis": "PL 2010:659",
                  "submittedOn": day(-60)}}),
            )
            .await["openRecognitionCase"]["recognitionCase"]["id"]
            .clone()
    }

    async fn consent(&self, candidate: &str, org: &str, purpose: &str) -> String {
        let v = self
            .app
            .query_as(
                &self.advisory,
                CONSENT,
                json!({"input": {"candidateId": candidate, "organisationId": org, "purpose": purpose}}),
            )
            .await;
        id_of(&v["recordConsent"]["consent"]["id"])
    }

    /// Revokes the candidate's live consent of `purpose`.
    async fn revoke(&self, candidate: &str, purpose: &str) {
        let consents = self
            .app
            .query_as(
                &self.advisory,
                r#"query($id: ID!) { node(id: $id) { ... on Candidate { consents { id purpose revokedAt } } } }"#,
                json!({"id": candidate}),
            )
            .await;
        let id = consents["node"]["consents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["purpose"] == purpose && c["revokedAt"].is_null())
            .unwrap()["id"]
            .clone();
        self.app
            .query_as(
                &self.advisory,
                r#"mutation($id: ID!) { revokeConsent(input: {consentId: $id}) { consent { id } } }"#,
                json!({"id": id}),
            )
            .await;
    }

    /// An offer of `employer`, open, starting in 30 days.
    async fn offer(&self, employer: &str, input: Value) -> Value {
        let mut full = json!({"title": "Läkare, praktisk tjänstgöring", "region": "SE-AB", "city": "Stockholm",
            "startDate": day(30), "durationMonths": 6, "slots": 3, "professions": ["physician"], "languageLevel": "C1",
            "supervision": {"supervisorRole": "handledare (specialistläkare)", "hoursPerWeek": 6}});
        full.as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        self.app
            .query_as(employer, PUBLISH, json!({"input": full}))
            .await["publishPlacementOffer"]["placementOffer"]
            .clone()
    }

    async fn refer(&self, candidate: &str, offer: &str) -> String {
        let v = self
            .app
            .query_as(
                &self.advisory,
                REFER,
                json!({"input": {"candidateId": candidate, "offerId": offer}}),
            )
            .await;
        assert_eq!(v["referCandidate"]["referral"]["status"], "REFERRED");
        id_of(&v["referCandidate"]["referral"]["id"])
    }

    async fn refer_refused(&self, candidate: &str, offer: &str) -> (String, String) {
        let (code, err) = self
            .app
            .error_as(
                &self.advisory,
                REFER,
                json!({"input": {"candidateId": candidate, "offerId": offer}}),
            )
            .await;
        (code, err["message"].as_str().unwrap_or_default().to_owned())
    }

    async fn accept(&self, employer: &str, referral: &str) {
        let v = self
            .app
            .query_as(employer, ACCEPT, json!({"id": referral}))
            .await;
        assert_eq!(v["acceptReferral"]["referral"]["status"], "ACCEPTED");
    }

    /// A programme of funder A: physicians, third-country training, Stockholm, open now.
    async fn programme(&self, budget: &str) -> String {
        self.programme_of(
            &self.funder_a,
            json!({"budget": {"amount": budget, "currency": "SEK"}}),
        )
        .await
    }

    async fn programme_of(&self, funder: &str, input: Value) -> String {
        let mut full = json!({"name": "Praktisk tjänstgöring för vårdpersonal", "year": year(),
            "budget": {"amount": "6300000", "currency": "SEK"}, "costTypes": ["TRAINEE_SALARY", "SUPERVISOR_FEE"],
            "professions": ["physician", "dentist", "nurse"], "origin": "THIRD_COUNTRY", "region": "SE-AB",
            "opensOn": day(-30), "closesOn": day(30)});
        full.as_object_mut()
            .unwrap()
            .extend(input.as_object().unwrap().clone());
        let v = self
            .app
            .query_as(funder, DEFINE, json!({"input": full}))
            .await;
        id_of(&v["defineFundingProgramme"]["fundingProgramme"]["id"])
    }

    /// An application of employer A over `referral`: `months` months at `salary` SEK.
    fn application(programme: &str, referral: &str, months: i32, salary: &str) -> Value {
        json!({"input": {"programmeId": programme, "referralId": referral, "costs": {"months": months,
            "monthlySalary": {"amount": salary, "currency": "SEK"},
            "monthlySupervisorFee": {"amount": "0", "currency": "SEK"}}}})
    }

    /// Employer A applies to `programme` for `referral`: the application as answered.
    async fn apply(&self, programme: &str, referral: &str, months: i32, salary: &str) -> Value {
        self.app
            .query_as(
                &self.employer_a,
                APPLY,
                World::application(programme, referral, months, salary),
            )
            .await["applyForFunding"]["fundingApplication"]
            .clone()
    }

    /// An accepted referral of a new Swedish physician (with FUNDING consent for
    /// `funder`) to `offer` of employer A.
    async fn accepted(&self, offer: &str, funder: Option<&str>) -> (String, String) {
        let c = self.swedish_physician(funder).await;
        let r = self.refer(&c, offer).await;
        self.accept(&self.employer_a, &r).await;
        (c, r)
    }

    /// Everything a refused referral or application could have changed.
    async fn fingerprint(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM referral",
            "SELECT COUNT(*) FROM consent",
            "SELECT CAST(COALESCE(SUM(slots_taken), 0) AS BIGINT) FROM placement_offer",
            "SELECT COUNT(*) FROM funding_application",
            "SELECT COUNT(*) FROM funding_application_event",
            "SELECT CAST(COALESCE(SUM(committed_minor + paid_minor), 0) AS BIGINT) FROM funding_programme",
        ] {
            out.push(self.app.scalar(sql).await);
        }
        out
    }
}

/// The offers among `of` that the advisory centre sees as matching `candidate`.
async fn matching(w: &World, candidate: &str, of: &[&String]) -> Vec<String> {
    let v = w
        .app
        .query_as(
            &w.advisory,
            r#"query($id: ID!) { node(id: $id) { ... on Candidate { matchingOffers(first: 100) { id } } } }"#,
            json!({"id": candidate}),
        )
        .await;
    v["node"]["matchingOffers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| id_of(&o["id"]))
        .filter(|id| of.contains(&id))
        .collect()
}

#[tokio::test]
async fn an_advisory_centre_refers_a_matching_candidate_and_the_employer_decides() {
    let w = World::new(TestApp::with_demo().await).await;
    let service = w
        .offer(&w.employer_a, json!({"type": "SE_PRACTICAL_SERVICE"}))
        .await;
    let service_id = id_of(&service["id"]);
    assert_eq!(service["status"], "OPEN");
    let job = w
        .offer(
            &w.employer_a,
            json!({"type": "JOB", "title": "Specialistläkare internmedicin", "startDate": day(60),
              "salary": {"min": {"amount": "62000", "currency": "SEK"}, "max": {"amount": "71000.50", "currency": "SEK"}}, "supervision": null}),
        )
        .await;
    let job_id = id_of(&job["id"]);

    // The public catalogue: anonymous callers find both, filtered.
    let listed = w
        .app
        .query(
            r#"query { placementOffers(filter: {region: "SE", type: SE_PRACTICAL_SERVICE, profession: "physician", hasOpenSlots: true}, first: 100) { nodes { id title openSlots salary { min { amount } } supervision { supervisorRole hoursPerWeek } employer { name } professions { key } } } }"#,
            json!({}),
        )
        .await;
    let found: Vec<&Value> = listed["placementOffers"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["id"] == service_id.as_str())
        .collect();
    assert_eq!(found.len(), 1, "{listed}");
    assert_eq!(found[0]["supervision"]["hoursPerWeek"], 6);
    assert_eq!(found[0]["employer"]["name"], "Danderyds sjukhus");
    let salary = w
        .app
        .query(
            r#"query($id: ID!) { node(id: $id) { ... on PlacementOffer { salary { min { amount currency } max { amount } } potentialCandidates { display } } } }"#,
            json!({"id": job_id}),
        )
        .await;
    assert_eq!(
        salary["node"]["salary"],
        json!({"min": {"amount": "62000.00", "currency": "SEK"}, "max": {"amount": "71000.50"}})
    );
    assert!(
        salary["node"]["potentialCandidates"].is_null(),
        "anonymous callers get no counts about people"
    );

    // Who matches what.
    let fits = w.swedish_physician(None).await;
    let no_case = w.candidate("physician", "SY", "C1", "SE-AB").await;
    let b2 = w.candidate("physician", "SY", "B2", "SE-AB").await;
    w.open_case(&b2, &w.se_authority_org).await;
    let nurse = w.candidate("nurse", "SY", "C1", "SE-AB").await;
    let leipzig = w.candidate("physician", "SY", "C1", "14713").await;
    let moving = w
        .candidate_accepting("physician", "SY", "C1", "14713", &["SE-AB"])
        .await;
    assert_eq!(
        matching(&w, &fits, &[&service_id, &job_id]).await,
        vec![service_id.clone(), job_id.clone()]
    );
    assert_eq!(
        matching(&w, &no_case, &[&service_id, &job_id]).await,
        vec![job_id.clone()],
        "no Swedish case: no praktisk tjänstgöring"
    );
    assert!(
        matching(&w, &b2, &[&service_id, &job_id]).await.is_empty(),
        "C1 asked, B2 held"
    );
    assert!(
        matching(&w, &nurse, &[&service_id, &job_id])
            .await
            .is_empty(),
        "other profession"
    );
    assert!(
        matching(&w, &leipzig, &[&service_id, &job_id])
            .await
            .is_empty(),
        "other state"
    );
    assert_eq!(
        matching(&w, &moving, &[&service_id, &job_id]).await,
        vec![job_id.clone()],
        "accepted region"
    );
    // Only the advisory centre sees matching offers.
    let (code, _) = w
        .app
        .error_as(
            &w.employer_a,
            r#"query($id: ID!) { node(id: $id) { ... on Candidate { matchingOffers { id } } } }"#,
            json!({"id": fits}),
        )
        .await;
    assert!(code == "FORBIDDEN" || code == "NOT_FOUND", "{code}");

    // The employer cannot see the candidate before the referral.
    let before = w
        .app
        .graphql_as(
            &w.employer_a,
            r#"query($id: ID!) { node(id: $id) { id } }"#,
            json!({"id": fits}),
        )
        .await
        .1;
    assert_eq!(before["errors"][0]["extensions"]["code"], "NOT_FOUND");

    // Referral: a PLACEMENT consent for the employer comes with it.
    let referral = w.refer(&fits, &service_id).await;
    let consents = w
        .app
        .scalar(&format!(
            "SELECT COUNT(*) FROM consent WHERE candidate_id = {} AND organisation_id = {} AND purpose = 'PLACEMENT' AND revoked_at IS NULL",
            key(&fits),
            key(&w.employer_a_org)
        ))
        .await;
    assert_eq!(consents, 1);
    let audits = w.app.scalar("SELECT COUNT(*) FROM audit_entry").await;
    let seen = w
        .app
        .query_as(
            &w.employer_a,
            r#"{ referrals { totalCount nodes { id status candidate { code countryOfTraining personal { familyName email } } offer { title } referredBy { id } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(seen["referrals"]["totalCount"], 1);
    let r = &seen["referrals"]["nodes"][0];
    assert_eq!(r["status"], "REFERRED");
    assert_eq!(r["candidate"]["countryOfTraining"], "SY");
    assert_eq!(r["candidate"]["personal"]["familyName"], "Haddad");
    assert_eq!(r["referredBy"]["id"], w.advisory_org.as_str());
    assert_eq!(
        w.app.scalar("SELECT COUNT(*) FROM audit_entry").await,
        audits + 1,
        "the employer's read of personal data is audited"
    );

    // Accept, hire; the slots count.
    w.accept(&w.employer_a, &referral).await;
    let v = w
        .app
        .query_as(&w.employer_a, HIRE, json!({"id": referral}))
        .await;
    assert_eq!(v["markReferralHired"]["referral"]["status"], "HIRED");
    let slots = w
        .app
        .query(
            r#"query($id: ID!) { placementOffer(id: $id) { openSlots status } }"#,
            json!({"id": service_id}),
        )
        .await;
    assert_eq!(
        slots["placementOffer"],
        json!({"openSlots": 2, "status": "OPEN"})
    );

    // A second candidate accepted then declined gives the slot back.
    let second = w.swedish_physician(None).await;
    let r2 = w.refer(&second, &service_id).await;
    w.accept(&w.employer_a, &r2).await;
    let v = w
        .app
        .query_as(
            &w.employer_a,
            DECLINE,
            json!({"id": r2, "reason": "Kandidaten tackade nej"}),
        )
        .await;
    assert_eq!(v["declineReferral"]["referral"]["status"], "DECLINED");
    let slots = w
        .app
        .query(
            r#"query($id: ID!) { placementOffer(id: $id) { openSlots } }"#,
            json!({"id": service_id}),
        )
        .await;
    assert_eq!(slots["placementOffer"]["openSlots"], 2);

    // Closing the offer declines waiting referrals; hired ones stay.
    let third = w.swedish_physician(None).await;
    let r3 = w.refer(&third, &service_id).await;
    let closed = w
        .app
        .query_as(&w.employer_a, CLOSE, json!({"id": service_id, "v": 1}))
        .await;
    assert_eq!(
        closed["closePlacementOffer"]["placementOffer"]["status"],
        "CLOSED"
    );
    let after = w
        .app
        .query_as(
            &w.advisory,
            r#"query($a: ID!, $b: ID!) { a: referral(id: $a) { status } b: referral(id: $b) { status reason } }"#,
            json!({"a": referral, "b": r3}),
        )
        .await;
    assert_eq!(after["a"]["status"], "HIRED");
    assert_eq!(after["b"]["status"], "DECLINED");
    assert_eq!(after["b"]["reason"], "the offer was closed: Stelle besetzt");
}

#[tokio::test]
async fn potential_candidates_are_a_count_that_hides_groups_below_five() {
    let w = World::new(TestApp::with_demo().await).await;
    let offer = w
        .offer(
            &w.employer_a,
            json!({"type": "JOB", "professions": ["speech_therapist"], "languageLevel": "C2", "supervision": null}),
        )
        .await;
    let id = id_of(&offer["id"]);
    let count = || {
        let (w, id) = (&w, id.clone());
        async move {
            w.app
                .query_as(
                    &w.employer_a,
                    r#"query($id: ID!) { placementOffer(id: $id) { potentialCandidates { value suppressed display } } }"#,
                    json!({"id": id}),
                )
                .await["placementOffer"]["potentialCandidates"]
                .clone()
        }
    };
    assert_eq!(
        count().await,
        json!({"value": 0, "suppressed": false, "display": "0"})
    );
    for _ in 0..2 {
        w.candidate("speech_therapist", "UA", "C2", "SE-AB").await;
    }
    assert_eq!(
        count().await,
        json!({"value": null, "suppressed": true, "display": "fewer than 5"})
    );
    for _ in 0..3 {
        w.candidate("speech_therapist", "UA", "C2", "SE-AB").await;
    }
    // One more who does not fit (another state).
    w.candidate("speech_therapist", "UA", "C2", "14713").await;
    assert_eq!(
        count().await,
        json!({"value": 5, "suppressed": false, "display": "5"})
    );
    // An employer never searches people: it cannot list candidates.
    let (_, body) = w
        .app
        .graphql_as(&w.employer_a, "{ candidates { totalCount } }", json!({}))
        .await;
    let total = &body["data"]["candidates"]["totalCount"];
    assert!(total.is_null() || *total == 0, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_accepts_fill_a_three_slot_offer_exactly() {
    let w = World::new(TestApp::with_demo_pool(16).await).await;
    let offer = w
        .offer(
            &w.employer_a,
            json!({"type": "JOB", "slots": 3, "supervision": null}),
        )
        .await;
    let offer_id = id_of(&offer["id"]);
    let mut referrals = Vec::new();
    for _ in 0..24 {
        let c = w.candidate("physician", "SY", "C1", "SE-AB").await;
        referrals.push(w.refer(&c, &offer_id).await);
    }
    let w = Arc::new(w);
    let tasks: Vec<_> = referrals
        .iter()
        .map(|r| {
            let (w, r) = (w.clone(), r.clone());
            tokio::spawn(async move {
                let (_, body) = w
                    .app
                    .graphql_as(&w.employer_a, ACCEPT, json!({"id": r}))
                    .await;
                body
            })
        })
        .collect();
    let mut accepted = 0;
    let mut refused = 0;
    for t in tasks {
        let body = t.await.unwrap();
        if body["data"]["acceptReferral"]["referral"]["status"] == "ACCEPTED" {
            accepted += 1;
        } else {
            assert_eq!(
                body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{body}"
            );
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("no open slot"),
                "{body}"
            );
            refused += 1;
        }
    }
    assert_eq!((accepted, refused), (3, 21));
    let id = key(&offer_id);
    assert_eq!(
        w.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM referral WHERE offer_id = {id} AND status = 'ACCEPTED'"
            ))
            .await,
        3
    );
    assert_eq!(
        w.app
            .scalar(&format!(
                "SELECT CAST(slots_taken AS BIGINT) FROM placement_offer WHERE id = {id}"
            ))
            .await,
        3
    );
    let seen = w
        .app
        .query(
            r#"query($id: ID!) { placementOffer(id: $id) { openSlots status } }"#,
            json!({"id": offer_id}),
        )
        .await;
    assert_eq!(
        seen["placementOffer"],
        json!({"openSlots": 0, "status": "FILLED"})
    );
}

#[tokio::test]
async fn each_referral_rule_refuses_by_name_and_changes_nothing() {
    let w = World::new(TestApp::with_demo().await).await;
    let service = id_of(
        &w.offer(&w.employer_a, json!({"type": "SE_PRACTICAL_SERVICE"}))
            .await["id"],
    );
    let german = w.offer_in_germany().await;
    let closed = w
        .offer(&w.employer_a, json!({"type": "JOB", "supervision": null}))
        .await;
    let closed_id = id_of(&closed["id"]);
    w.app
        .query_as(&w.employer_a, CLOSE, json!({"id": closed_id, "v": 1}))
        .await;
    let fits = w.swedish_physician(None).await;
    w.refer(&fits, &service).await;
    let nurse = w.candidate("nurse", "SY", "C1", "SE-AB").await;
    let b2 = w.candidate("physician", "SY", "B2", "SE-AB").await;
    let no_case = w.candidate("physician", "SY", "C1", "SE-AB").await;
    let no_decision = w.candidate("physician", "SY", "C1", "14713").await;
    let erased = w.swedish_physician(None).await;
    w.app
        .query_as(
            &w.advisory,
            r#"mutation($id: ID!) { eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased } } }"#,
            json!({"id": erased}),
        )
        .await;
    let before = w.fingerprint().await;
    for (candidate, offer, rule) in [
        (&nurse, &service, "profession"),
        (&b2, &service, "language level"),
        (&no_case, &service, "stage"),
        (&no_decision, &german, "stage"),
        (&fits, &closed_id, "offer not open"),
        (&fits, &service, "already referred"),
        (&erased, &service, "erased"),
    ] {
        let (code, message) = w.refer_refused(candidate, offer).await;
        assert_eq!(code, "BAD_USER_INPUT", "{rule}: {message}");
        assert!(message.starts_with(rule), "{rule}: {message}");
        assert_eq!(w.fingerprint().await, before, "{rule} changed something");
    }
    // Another advisory centre's candidate does not exist for the caller.
    let foreign = w
        .app
        .query_as(
            &w.other_advisory,
            REGISTER,
            json!({"input": {"countryOfTraining": "SY", "profession": "physician", "languageLevel": "C1", "region": "SE-AB",
              "personal": {"givenName": "X", "familyName": "Y"}}}),
        )
        .await;
    let foreign = id_of(&foreign["registerCandidate"]["candidate"]["id"]);
    let (code, _) = w.refer_refused(&foreign, &service).await;
    assert_eq!(code, "NOT_FOUND");
    // Employers decide only on their own offers' referrals, and only once.
    let r = w
        .app
        .query_as(
            &w.employer_a,
            "{ referrals(filter: {status: REFERRED}) { nodes { id } } }",
            json!({}),
        )
        .await["referrals"]["nodes"][0]["id"]
        .clone();
    let (code, _) = w
        .app
        .error_as(&w.employer_b, ACCEPT, json!({"id": r}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, err) = w.app.error_as(&w.employer_a, HIRE, json!({"id": r})).await;
    assert_eq!(code, "BAD_USER_INPUT", "{err}");
    let (code, _) = w
        .app
        .error_as(&w.employer_a, DECLINE, json!({"id": r, "reason": ""}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert_eq!(w.fingerprint().await, before);
    // Input checks of an offer.
    let (code, err) = w
        .app
        .error_as(
            &w.employer_a,
            PUBLISH,
            json!({"input": {"type": "SE_PRACTICAL_SERVICE", "title": "x", "region": "14713", "city": "Leipzig",
              "startDate": day(-1), "durationMonths": 0, "slots": 0, "professions": ["astronaut"]}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let fields: Vec<&str> = err["extensions"]["fieldErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for f in [
        "input.startDate",
        "input.professions",
        "input.title",
        "input.region",
        "input.durationMonths",
        "input.slots",
        "input.supervision.supervisorRole",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    // Only employers publish.
    let (code, _) = w
        .app
        .error_as(
            &w.advisory,
            PUBLISH,
            json!({"input": {"type": "JOB", "title": "Pflegekraft", "region": "14713", "city": "Leipzig",
              "startDate": day(3), "durationMonths": 12, "slots": 1, "professions": ["nurse"]}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

impl World {
    /// A Praxiseinsatz of a German employer (a new one in Leipzig), for physicians.
    async fn offer_in_germany(&self) -> String {
        let (_, token) = self
            .partner_in(
                "EMPLOYER",
                "Klinikum Leipzig-Süd",
                &["placements:write"],
                ("14713", "Leipzig"),
            )
            .await;
        let offer = self
            .offer(
                &token,
                json!({"type": "PRACTICAL_PLACEMENT", "region": "14713", "city": "Leipzig", "title": "Praxiseinsatz Anpassungslehrgang",
                  "supervision": {"supervisorRole": "Praxisanleiter/in", "hoursPerWeek": 4}}),
            )
            .await;
        id_of(&offer["id"])
    }
}

#[tokio::test]
async fn a_funding_application_goes_from_submission_to_follow_up_with_an_exact_budget() {
    let w = World::new(TestApp::with_demo().await).await;
    let programme = w.programme("1000000").await;
    let offer = id_of(
        &w.offer(&w.employer_a, json!({"type": "SE_PRACTICAL_SERVICE"}))
            .await["id"],
    );
    let (_, referral) = w.accepted(&offer, Some(&w.funder_a_org)).await;
    let a = &w.apply(&programme, &referral, 6, "34000").await;
    assert_eq!(a["status"], "SUBMITTED");
    assert_eq!(
        a["requested"],
        json!({"amount": "204000.00", "currency": "SEK"})
    );
    let app_id = id_of(&a["id"]);

    // The funder asks for completion; the employer amends and submits again.
    let v = w
        .app
        .query_as(
            &w.funder_a,
            r#"mutation($id: ID!) { requestFundingCompletion(input: {id: $id, note: "Handledarens arvode saknas"}) { fundingApplication { status note } } }"#,
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(
        v["requestFundingCompletion"]["fundingApplication"]["status"],
        "INCOMPLETE"
    );
    let v = w
        .app
        .query_as(
            &w.employer_a,
            r#"mutation($id: ID!) { amendFundingApplication(input: {id: $id, expectedVersion: 2, costs: {months: 6, monthlySalary: {amount: "34000", currency: "SEK"}, monthlySupervisorFee: {amount: "5000", currency: "SEK"}}}) { fundingApplication { requested { amount } } } }"#,
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(
        v["amendFundingApplication"]["fundingApplication"]["requested"]["amount"],
        "234000.00"
    );
    let v = w
        .app
        .query_as(
            &w.employer_a,
            r#"mutation($id: ID!) { submitFundingApplication(input: {id: $id}) { fundingApplication { status } } }"#,
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(
        v["submitFundingApplication"]["fundingApplication"]["status"],
        "SUBMITTED"
    );

    // More than requested is refused; less is a partial grant.
    let (code, _) = w
        .app
        .error_as(
            &w.funder_a,
            GRANT,
            json!({"id": app_id, "amount": "234000.01"}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let v = w
        .app
        .query_as(
            &w.funder_a,
            GRANT,
            json!({"id": app_id, "amount": "200000"}),
        )
        .await;
    assert_eq!(
        v["grantFunding"]["fundingApplication"],
        json!({"id": app_id, "status": "PARTIALLY_GRANTED", "granted": {"amount": "200000.00"}})
    );
    let budget = w
        .app
        .query_as(&w.funder_a, BUDGET, json!({"id": programme}))
        .await;
    assert_eq!(
        budget["fundingProgramme"]["budget"],
        json!({"total": {"amount": "1000000.00"}, "committed": {"amount": "200000.00"}, "paid": {"amount": "0.00"}, "remaining": {"amount": "800000.00"}})
    );
    // Paid less than granted: the rest goes back to the budget.
    let v = w
        .app
        .query_as(
            &w.funder_a,
            r#"mutation($id: ID!) { recordFundingPayment(input: {id: $id, amount: {amount: "180000", currency: "SEK"}}) { fundingApplication { status paid { amount } } } }"#,
            json!({"id": app_id}),
        )
        .await;
    assert_eq!(
        v["recordFundingPayment"]["fundingApplication"]["status"],
        "FOLLOW_UP_DUE"
    );
    let budget = w
        .app
        .query_as(&w.funder_a, BUDGET, json!({"id": programme}))
        .await;
    assert_eq!(
        budget["fundingProgramme"]["budget"],
        json!({"total": {"amount": "1000000.00"}, "committed": {"amount": "180000.00"}, "paid": {"amount": "180000.00"}, "remaining": {"amount": "820000.00"}})
    );
    let v = w
        .app
        .query_as(
            &w.employer_a,
            r#"mutation($id: ID!) { fileFundingFollowUp(input: {id: $id, monthsCompleted: 6, outcome: LICENCE_OBTAINED}) { fundingApplication { status followUp { monthsCompleted outcome } timeline { fromStatus toStatus amount { amount } } } } }"#,
            json!({"id": app_id}),
        )
        .await;
    let a = &v["fileFundingFollowUp"]["fundingApplication"];
    assert_eq!(a["status"], "CLOSED");
    assert_eq!(
        a["followUp"],
        json!({"monthsCompleted": 6, "outcome": "LICENCE_OBTAINED"})
    );
    let steps: Vec<(Value, Value)> = a["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["fromStatus"].clone(), e["toStatus"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("SUBMITTED")),
            (json!("SUBMITTED"), json!("INCOMPLETE")),
            (json!("INCOMPLETE"), json!("INCOMPLETE")),
            (json!("INCOMPLETE"), json!("SUBMITTED")),
            (json!("SUBMITTED"), json!("PARTIALLY_GRANTED")),
            (json!("PARTIALLY_GRANTED"), json!("FOLLOW_UP_DUE")),
            (json!("FOLLOW_UP_DUE"), json!("CLOSED")),
        ]
    );
    // The funder's figures: one of everything, so every count is suppressed.
    let stats = w
        .app
        .query_as(
            &w.funder_a,
            r#"query($id: ID!) { fundingProgramme(id: $id) { statistics { applications { display } granted { value display } medianDaysToDecision grantedByProfession { profession { key } granted { display } amount { amount } } } } }"#,
            json!({"id": programme}),
        )
        .await;
    assert_eq!(
        stats["fundingProgramme"]["statistics"],
        json!({"applications": {"display": "fewer than 5"}, "granted": {"value": null, "display": "fewer than 5"},
               "medianDaysToDecision": null,
               "grantedByProfession": [{"profession": {"key": "physician"}, "granted": {"display": "fewer than 5"}, "amount": null}]})
    );
    // Another funder sees the programme, but neither its budget nor its figures.
    let other = w
        .app
        .query_as(
            &w.funder_b,
            r#"query($id: ID!) { fundingProgramme(id: $id) { name totalBudget { amount } budget { total { amount } } statistics { applications { display } } } }"#,
            json!({"id": programme}),
        )
        .await;
    assert_eq!(
        other["fundingProgramme"]["totalBudget"]["amount"],
        "1000000.00"
    );
    assert!(other["fundingProgramme"]["budget"].is_null());
    assert!(other["fundingProgramme"]["statistics"].is_null());
}

#[tokio::test]
async fn each_eligibility_rule_refuses_by_name_and_changes_nothing() {
    let w = World::new(TestApp::with_demo().await).await;
    let programme = w.programme("1000000").await;
    let physicians_only = w
        .programme_of(&w.funder_a, json!({"professions": ["physician"]}))
        .await;
    let closed_window = w
        .programme_of(
            &w.funder_a,
            json!({"opensOn": day(-90), "closesOn": day(-1)}),
        )
        .await;
    let saxony = w
        .programme_of(&w.funder_a, json!({"region": "DE-SN"}))
        .await;
    let salary_only = w
        .programme_of(&w.funder_a, json!({"costTypes": ["SUPERVISOR_FEE"]}))
        .await;
    let offer = id_of(&w.offer(&w.employer_a, json!({"type": "SE_PRACTICAL_SERVICE", "slots": 10, "professions": ["physician", "nurse"]})).await["id"]);
    let job = id_of(
        &w.offer(&w.employer_a, json!({"type": "JOB", "supervision": null}))
            .await["id"],
    );
    let (eligible_candidate, eligible) = w.accepted(&offer, Some(&w.funder_a_org)).await;
    let (_, without_consent) = w.accepted(&offer, None).await;
    // A nurse, trained in Poland (EU): wrong profession for one programme, wrong origin.
    let nurse = w.candidate("nurse", "SY", "C1", "SE-AB").await;
    w.open_case(&nurse, &w.se_authority_org).await;
    w.consent(&nurse, &w.funder_a_org, "FUNDING").await;
    let nurse_referral = w.refer(&nurse, &offer).await;
    w.accept(&w.employer_a, &nurse_referral).await;
    let eu = w.candidate("physician", "PL", "C1", "SE-AB").await;
    w.open_case(&eu, &w.se_authority_org).await;
    w.consent(&eu, &w.funder_a_org, "FUNDING").await;
    let eu_referral = w.refer(&eu, &offer).await;
    w.accept(&w.employer_a, &eu_referral).await;
    let job_candidate = w.swedish_physician(Some(&w.funder_a_org)).await;
    let job_referral = w.refer(&job_candidate, &job).await;
    w.accept(&w.employer_a, &job_referral).await;
    let waiting_candidate = w.swedish_physician(Some(&w.funder_a_org)).await;
    let waiting = w.refer(&waiting_candidate, &offer).await;

    let before = w.fingerprint().await;
    for (programme, referral, rule) in [
        (&physicians_only, &nurse_referral, "profession"),
        (&programme, &eu_referral, "origin"),
        (&closed_window, &eligible, "window"),
        (&saxony, &eligible, "region"),
        (&salary_only, &eligible, "cost type"),
        (&programme, &without_consent, "consent"),
        (&programme, &job_referral, "placement"),
        (&programme, &waiting, "placement"),
    ] {
        let (code, err) = w
            .app
            .error_as(
                &w.employer_a,
                APPLY,
                World::application(programme, referral, 6, "34000"),
            )
            .await;
        let message = err["message"].as_str().unwrap_or_default();
        assert_eq!(code, "BAD_USER_INPUT", "{rule}: {err}");
        assert!(message.starts_with(rule), "{rule}: {message}");
        assert_eq!(w.fingerprint().await, before, "{rule} changed something");
    }
    // Another employer's referral does not exist for the caller.
    let (code, _) = w
        .app
        .error_as(
            &w.employer_b,
            APPLY,
            World::application(&programme, &eligible, 6, "34000"),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    // Amounts in another currency.
    let (code, err) = w
        .app
        .error_as(
            &w.employer_a,
            APPLY,
            json!({"input": {"programmeId": programme, "referralId": eligible, "costs": {"months": 6,
              "monthlySalary": {"amount": "3400", "currency": "EUR"}, "monthlySupervisorFee": {"amount": "0", "currency": "SEK"}}}}),
        )
        .await;
    assert_eq!(
        (code.as_str(), err["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.costs.monthlySalary.currency"))
    );
    // Only funders grant, only the programme's funder sees the application.
    let app_id = id_of(&w.apply(&programme, &eligible, 6, "34000").await["id"]);
    let (code, _) = w
        .app
        .error_as(&w.funder_b, GRANT, json!({"id": app_id, "amount": "1000"}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = w
        .app
        .error_as(
            &w.employer_a,
            GRANT,
            json!({"id": app_id, "amount": "1000"}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    // A second application for the same placement and programme.
    let (code, err) = w
        .app
        .error_as(
            &w.employer_a,
            APPLY,
            World::application(&programme, &eligible, 6, "34000"),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .starts_with("already applied"),
        "{err}"
    );
    // A consent revoked before the grant stops it.
    w.revoke(&eligible_candidate, "FUNDING").await;
    let before = w.fingerprint().await;
    let (code, err) = w
        .app
        .error_as(&w.funder_a, GRANT, json!({"id": app_id, "amount": "1000"}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        err["message"].as_str().unwrap().starts_with("consent"),
        "{err}"
    );
    assert_eq!(w.fingerprint().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_grants_never_overspend_the_budget() {
    let w = World::new(TestApp::with_demo_pool(16).await).await;
    let programme = w.programme("6300000").await;
    let offer = id_of(
        &w.offer(
            &w.employer_a,
            json!({"type": "SE_PRACTICAL_SERVICE", "slots": 100}),
        )
        .await["id"],
    );
    let mut applications = Vec::new();
    for _ in 0..100 {
        let (_, referral) = w.accepted(&offer, Some(&w.funder_a_org)).await;
        applications.push(id_of(
            &w.apply(&programme, &referral, 1, "100000").await["id"],
        ));
    }
    let w = Arc::new(w);
    let tasks: Vec<_> = applications
        .iter()
        .map(|a| {
            let (w, a) = (w.clone(), a.clone());
            tokio::spawn(async move {
                w.app
                    .graphql_as(&w.funder_a, GRANT, json!({"id": a, "amount": "100000.00"}))
                    .await
                    .1
            })
        })
        .collect();
    let (mut granted, mut refused) = (0, 0);
    for t in tasks {
        let body = t.await.unwrap();
        if body["data"]["grantFunding"]["fundingApplication"]["status"] == "GRANTED" {
            granted += 1;
        } else {
            let e = &body["errors"][0];
            assert_eq!(e["extensions"]["code"], "BUDGET_EXCEEDED", "{body}");
            assert_eq!(e["extensions"]["remaining"], "0.00", "{body}");
            assert_eq!(e["extensions"]["currency"], "SEK", "{body}");
            refused += 1;
        }
    }
    assert_eq!((granted, refused), (63, 37));
    let budget = w
        .app
        .query_as(&w.funder_a, BUDGET, json!({"id": programme}))
        .await;
    assert_eq!(
        budget["fundingProgramme"]["budget"],
        json!({"total": {"amount": "6300000.00"}, "committed": {"amount": "6300000.00"}, "paid": {"amount": "0.00"}, "remaining": {"amount": "0.00"}})
    );
    let id = key(&programme);
    assert_eq!(
        w.app
            .scalar(&format!("SELECT CAST(COALESCE(SUM(granted_minor), 0) AS BIGINT) FROM funding_application WHERE programme_id = {id}"))
            .await,
        630_000_000
    );
    assert_eq!(
        w.app
            .scalar(&format!("SELECT COUNT(*) FROM funding_application WHERE programme_id = {id} AND status = 'SUBMITTED'"))
            .await,
        37,
        "the refused stay submitted"
    );
}

#[tokio::test]
async fn who_sees_offers_referrals_programmes_and_applications() {
    let w = World::new(TestApp::with_demo().await).await;
    let programme = w.programme("500000").await;
    let offer = id_of(
        &w.offer(&w.employer_a, json!({"type": "SE_PRACTICAL_SERVICE"}))
            .await["id"],
    );
    let (_, referral) = w.accepted(&offer, Some(&w.funder_a_org)).await;
    let submitted = id_of(&w.apply(&programme, &referral, 6, "30000").await["id"]);
    let (_, referral2) = w.accepted(&offer, Some(&w.funder_a_org)).await;
    let mut draft_input = World::application(&programme, &referral2, 6, "30000");
    draft_input["input"]["submit"] = json!(false);
    let draft = w.app.query_as(&w.employer_a, APPLY, draft_input).await;
    assert_eq!(
        draft["applyForFunding"]["fundingApplication"]["status"],
        "DRAFT"
    );
    let draft = id_of(&draft["applyForFunding"]["fundingApplication"]["id"]);

    let anonymous = String::new();
    let callers: [(&str, &String); 7] = [
        ("employer A", &w.employer_a),
        ("employer B", &w.employer_b),
        ("funder A", &w.funder_a),
        ("funder B", &w.funder_b),
        ("advisory owner", &w.advisory),
        ("advisory other", &w.other_advisory),
        ("anonymous", &anonymous),
    ];
    // (what, id, who sees it)
    let objects: [(&str, &String, &[&str]); 5] = [
        (
            "offer",
            &offer,
            &[
                "employer A",
                "employer B",
                "funder A",
                "funder B",
                "advisory owner",
                "advisory other",
                "anonymous",
            ],
        ),
        (
            "programme",
            &programme,
            &[
                "employer A",
                "employer B",
                "funder A",
                "funder B",
                "advisory owner",
                "advisory other",
                "anonymous",
            ],
        ),
        ("referral", &referral, &["employer A", "advisory owner"]),
        (
            "submitted application",
            &submitted,
            &["employer A", "funder A"],
        ),
        ("draft application", &draft, &["employer A"]),
    ];
    for (who, token) in callers {
        for (what, id, seen_by) in objects {
            let (_, body) = if token.is_empty() {
                w.app
                    .graphql(
                        r#"query($id: ID!) { node(id: $id) { id } }"#,
                        json!({"id": id}),
                    )
                    .await
            } else {
                w.app
                    .graphql_as(
                        token,
                        r#"query($id: ID!) { node(id: $id) { id } }"#,
                        json!({"id": id}),
                    )
                    .await
            };
            if seen_by.contains(&who) {
                assert_eq!(
                    body["data"]["node"]["id"],
                    id.as_str(),
                    "{who} sees the {what}: {body}"
                );
            } else {
                assert!(
                    body["data"]["node"].is_null(),
                    "{who} must not see the {what}: {body}"
                );
                assert_eq!(
                    body["errors"][0]["extensions"]["code"], "NOT_FOUND",
                    "{who}, {what}"
                );
            }
        }
        // Lists and counts agree with the lookups.
        if !token.is_empty() {
            let (_, body) = w
                .app
                .graphql_as(
                    token,
                    r#"query($o: ID!, $p: ID!) { referrals { totalCount } fundingApplications { totalCount }
                        placementOffer(id: $o) { referrals { totalCount } }
                        fundingProgramme(id: $p) { applications { totalCount } budget { remaining { amount } } } }"#,
                    json!({"o": offer, "p": programme}),
                )
                .await;
            let d = &body["data"];
            let expect = |n: i64| json!(n);
            let (referrals, applications, budget) = match who {
                "employer A" => (2, 2, false),
                "advisory owner" => (2, 0, false),
                "funder A" => (0, 1, true),
                _ => (0, 0, false),
            };
            if who == "advisory owner" {
                // The demo network's referrals are the demo advisory centre's too.
                assert!(
                    d["referrals"]["totalCount"].as_i64().unwrap() >= 2,
                    "{who}: {body}"
                );
            } else {
                assert_eq!(
                    d["referrals"]["totalCount"],
                    expect(referrals),
                    "{who}: {body}"
                );
            }
            assert_eq!(
                d["placementOffer"]["referrals"]["totalCount"],
                expect(referrals),
                "{who}"
            );
            assert_eq!(
                d["fundingApplications"]["totalCount"],
                expect(applications),
                "{who}: {body}"
            );
            assert_eq!(
                d["fundingProgramme"]["applications"]["totalCount"],
                expect(applications),
                "{who}"
            );
            assert_eq!(!d["fundingProgramme"]["budget"].is_null(), budget, "{who}");
        }
    }
}

#[tokio::test]
async fn the_placement_consent_lives_and_ends_with_the_referral() {
    let w = World::new(TestApp::with_demo().await).await;
    let offer = id_of(
        &w.offer(
            &w.employer_a,
            json!({"type": "JOB", "slots": 5, "supervision": null}),
        )
        .await["id"],
    );
    let sees = |candidate: String| {
        let w = &w;
        async move {
            let (_, body) = w
                .app
                .graphql_as(
                    &w.employer_a,
                    r#"query($id: ID!) { node(id: $id) { id } }"#,
                    json!({"id": candidate}),
                )
                .await;
            !body["data"]["node"].is_null()
        }
    };
    // Declined: the employer loses sight of the candidate.
    let declined = w.candidate("physician", "SY", "C1", "SE-AB").await;
    let r = w.refer(&declined, &offer).await;
    assert!(sees(declined.clone()).await);
    w.app
        .query_as(
            &w.employer_a,
            DECLINE,
            json!({"id": r, "reason": "Stelle anders besetzt"}),
        )
        .await;
    assert!(
        !sees(declined.clone()).await,
        "a declined referral ends the consent"
    );

    // Revoked before the decision: accepting is refused, naming the consent.
    let revoking = w.candidate("physician", "SY", "C1", "SE-AB").await;
    let r = w.refer(&revoking, &offer).await;
    w.revoke(&revoking, "PLACEMENT").await;
    let before = w.fingerprint().await;
    let (code, err) = w
        .app
        .error_as(&w.employer_a, ACCEPT, json!({"id": r}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        err["message"].as_str().unwrap().starts_with("consent"),
        "{err}"
    );
    assert_eq!(w.fingerprint().await, before);

    // Erasing a referred candidate keeps the referral as a pseudonymous fact, and the
    // export lists it.
    let erased = w.candidate("physician", "SY", "C1", "SE-AB").await;
    let r = w.refer(&erased, &offer).await;
    let export = w
        .app
        .query_as(
            &w.advisory,
            r#"mutation($id: ID!) { exportCandidateData(input: {candidateId: $id}) { document } }"#,
            json!({"id": erased}),
        )
        .await;
    let document = &export["exportCandidateData"]["document"];
    assert_eq!(document["referrals"][0]["id"], r.as_str(), "{document}");
    assert_eq!(document["referrals"][0]["status"], "REFERRED");
    w.app
        .query_as(
            &w.advisory,
            r#"mutation($id: ID!) { eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased } } }"#,
            json!({"id": erased}),
        )
        .await;
    assert_eq!(
        w.app
            .scalar(&format!(
                "SELECT COUNT(*) FROM referral WHERE id = {} AND consent_id IS NULL",
                key(&r)
            ))
            .await,
        1
    );
    assert!(!sees(erased).await, "erasure ends the consent");
}
