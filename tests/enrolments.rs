//! Seats: exam sessions, enrolments into runs and sessions, waitlists, the rules of a
//! request and who sees what — over HTTP with real tokens, on SQLite and PostgreSQL.

mod common;

use common::TestApp;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const REGISTER: &str = r#"mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) { candidate { id } } }"#;
const CONSENT: &str =
    r#"mutation($input: RecordConsentInput!) { recordConsent(input: $input) { consent { id } } }"#;
const SCHEDULE: &str = r#"mutation($input: ScheduleCourseRunInput!) { scheduleCourseRun(input: $input) { courseRun { id version } } }"#;
const ENROL: &str = r#"mutation($input: RequestEnrolmentInput!) { requestEnrolment(input: $input) { enrolment { id status waitlistPosition } } }"#;
const WITHDRAW: &str = r#"mutation($input: WithdrawEnrolmentInput!) { withdrawEnrolment(input: $input) { enrolment { id status reason } } }"#;
const DECLINE: &str = r#"mutation($input: DeclineEnrolmentInput!) { declineEnrolment(input: $input) { enrolment { id status reason } } }"#;
const CONFIRM: &str = r#"mutation($input: ConfirmEnrolmentInput!) { confirmEnrolment(input: $input) { enrolment { id status waitlistPosition } } }"#;
const RESULT: &str = r#"mutation($input: RecordEnrolmentResultInput!) { recordEnrolmentResult(input: $input) { enrolment { id status } } }"#;
const PUBLISH: &str = r#"mutation($input: PublishExamSessionInput!) { publishExamSession(input: $input) { examSession { id version seatsAvailable } } }"#;
const RUN_SEATS: &str =
    r#"query($id: ID!) { courseRun(id: $id) { seatsMax seatsAvailable waitlistLength status } }"#;

/// The items of a connection's `nodes`.
fn nodes(connection: &Value) -> Vec<Value> {
    connection["nodes"].as_array().cloned().unwrap_or_default()
}

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

async fn org_of(app: &TestApp, token: &str) -> String {
    let v = app
        .query_as(token, "{ viewer { organisation { id } } }", json!({}))
        .await;
    v["viewer"]["organisation"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Registers an organisation of `kind` with a client of `scopes`; returns its token.
async fn partner(app: &TestApp, kind: &str, name: &str, scopes: &[&str]) -> String {
    let admin = app.demo_token("admin").await;
    let org = app
        .query_as(
            &admin,
            "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { organisation { id } } }",
            json!({"input": {"kind": kind, "name": name, "region": "14713", "city": "Leipzig"}}),
        )
        .await;
    let org_id = org["registerOrganisation"]["organisation"]["id"].clone();
    client_for(app, &org_id, scopes).await
}

/// A token of a new client of organisation `org_id` with `scopes`.
async fn client_for(app: &TestApp, org_id: &Value, scopes: &[&str]) -> String {
    let admin = app.demo_token("admin").await;
    let client = app
        .query_as(
            &admin,
            "mutation($input: RegisterPartnerClientInput!) { registerPartnerClient(input: $input) { client { clientId } clientSecret } }",
            json!({"input": {"organisationId": org_id, "name": "Testclient", "scopes": scopes}}),
        )
        .await;
    let p = &client["registerPartnerClient"];
    app.token(
        p["client"]["clientId"].as_str().unwrap(),
        p["clientSecret"].as_str().unwrap(),
        None,
    )
    .await
}

struct Seats {
    app: Arc<TestApp>,
    advisory: String,
    school: String,
    school_org: String,
    exams: String,
    exams_org: String,
    course: String,
}

async fn seats(app: TestApp) -> Seats {
    let advisory = app.demo_token("advisory").await;
    let school = app.demo_token("school").await;
    let exams = app.demo_token("exam-office").await;
    let school_org = org_of(&app, &school).await;
    let exams_org = org_of(&app, &exams).await;
    let course = app
        .query_as(
            &school,
            r#"mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: "Deutsch für Pflegeberufe B2", professions: ["nurse", "physician"]}) { course { id } } }"#,
            json!({}),
        )
        .await["registerCourse"]["course"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Seats {
        app: Arc::new(app),
        advisory,
        school,
        school_org,
        exams,
        exams_org,
        course,
    }
}

impl Seats {
    /// A new run of the school's course with `seats` seats.
    async fn run(&self, course: &str, seats: i32) -> String {
        let v = self
            .app
            .query_as(
                &self.school,
                SCHEDULE,
                json!({"input": {"courseId": course, "startDate": day(30), "endDate": day(90), "hours": 400,
                  "format": "PRESENCE", "schedule": "FULL_TIME", "seatsMin": 1, "seatsMax": seats,
                  "region": "14713", "city": "Leipzig", "cost": {"amount": "0", "currency": "EUR"}, "status": "OPEN"}}),
            )
            .await;
        v["scheduleCourseRun"]["courseRun"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A new candidate of the demo advisory centre with live REFERRAL consents for
    /// `receivers`.
    async fn candidate(&self, profession: &str, country: &str, receivers: &[&str]) -> String {
        let v = self
            .app
            .query_as(
                &self.advisory,
                REGISTER,
                json!({"input": {"countryOfTraining": country, "profession": profession, "region": "14713",
                  "personal": {"givenName": "Test", "familyName": "Kandidat"}}}),
            )
            .await;
        let id = v["registerCandidate"]["candidate"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for org in receivers {
            self.app
                .query_as(
                    &self.advisory,
                    CONSENT,
                    json!({"input": {"candidateId": id, "organisationId": org, "purpose": "REFERRAL"}}),
                )
                .await;
        }
        id
    }

    async fn enrol(&self, candidate: &str, target: Value) -> Value {
        let mut input = json!({"candidateId": candidate});
        input
            .as_object_mut()
            .unwrap()
            .extend(target.as_object().unwrap().clone());
        self.app
            .query_as(&self.advisory, ENROL, json!({"input": input}))
            .await["requestEnrolment"]["enrolment"]
            .clone()
    }

    async fn refused(&self, candidate: &str, target: Value) -> (String, String) {
        let mut input = json!({"candidateId": candidate});
        input
            .as_object_mut()
            .unwrap()
            .extend(target.as_object().unwrap().clone());
        let (code, err) = self
            .app
            .error_as(&self.advisory, ENROL, json!({"input": input}))
            .await;
        (code, err["message"].as_str().unwrap_or_default().to_owned())
    }

    /// Everything a refused request could have changed.
    async fn fingerprint(&self) -> Vec<i64> {
        let mut out = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM enrolment",
            "SELECT COUNT(*) FROM enrolment_event",
            "SELECT COALESCE(SUM(seats_taken * 1000 + waitlist_length), 0) FROM course_run",
            "SELECT COALESCE(SUM(seats_taken * 1000 + waitlist_length), 0) FROM exam_session",
            "SELECT COUNT(*) FROM consent",
        ] {
            out.push(self.app.scalar(sql).await);
        }
        out
    }

    /// (status, waitlist position) of every enrolment of a run, and its counters.
    async fn state_of(&self, run: &str) -> (BTreeMap<String, usize>, Vec<i64>, i64, i64) {
        let id = key(run);
        let db = &self.app;
        let mut by_status = BTreeMap::new();
        for status in ["CONFIRMED", "WAITLISTED", "WITHDRAWN"] {
            let n = db
                .scalar(&format!(
                    "SELECT COUNT(*) FROM enrolment WHERE course_run_id = {id} AND status = '{status}'"
                ))
                .await;
            by_status.insert(status.to_owned(), n as usize);
        }
        let mut positions = Vec::new();
        let n = by_status["WAITLISTED"];
        for p in 1..=n as i64 {
            positions.push(
                db.scalar(&format!(
                    "SELECT COUNT(*) FROM enrolment WHERE course_run_id = {id} AND status = 'WAITLISTED' AND waitlist_position = {p}"
                ))
                .await,
            );
        }
        let taken = db
            .scalar(&format!(
                "SELECT CAST(seats_taken AS BIGINT) FROM course_run WHERE id = {id}"
            ))
            .await;
        let waiting = db
            .scalar(&format!(
                "SELECT CAST(waitlist_length AS BIGINT) FROM course_run WHERE id = {id}"
            ))
            .await;
        (by_status, positions, taken, waiting)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_seats_never_hold_eleven_under_parallel_requests_and_withdrawals() {
    let s = seats(TestApp::with_demo_pool(16).await).await;
    let run = s.run(&s.course, 10).await;
    // 200 candidates, each with a REFERRAL consent for the school.
    let mut candidates = Vec::new();
    for _ in 0..200 {
        candidates.push(s.candidate("nurse", "PH", &[&s.school_org]).await);
    }
    let s = Arc::new(s);
    let tasks: Vec<_> = candidates
        .iter()
        .map(|c| {
            let (s, c, run) = (s.clone(), c.clone(), run.clone());
            tokio::spawn(async move { s.enrol(&c, json!({"courseRunId": run})).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let confirmed: Vec<&Value> = results
        .iter()
        .filter(|e| e["status"] == "CONFIRMED")
        .collect();
    let mut positions: Vec<i64> = results
        .iter()
        .filter(|e| e["status"] == "WAITLISTED")
        .map(|e| e["waitlistPosition"].as_i64().unwrap())
        .collect();
    positions.sort();
    assert_eq!(confirmed.len(), 10, "exactly the seats are confirmed");
    assert_eq!(
        positions,
        (1..=190).collect::<Vec<_>>(),
        "places 1..190, dense"
    );
    let (by_status, dense, taken, waiting) = s.state_of(&run).await;
    assert_eq!(by_status["CONFIRMED"], 10);
    assert_eq!(by_status["WAITLISTED"], 190);
    assert!(dense.iter().all(|n| *n == 1), "one enrolment per place");
    assert_eq!((taken, waiting), (10, 190));
    let seen = s.app.query(RUN_SEATS, json!({"id": run})).await;
    assert_eq!(
        seen["courseRun"],
        json!({"seatsMax": 10, "seatsAvailable": 0, "waitlistLength": 190, "status": "FULL"})
    );

    // 50 parallel withdrawals: the 10 confirmed and 40 of those waiting.
    let leaving: Vec<String> = results
        .iter()
        .filter(|e| e["status"] == "CONFIRMED")
        .take(10)
        .chain(
            results
                .iter()
                .filter(|e| {
                    e["status"] == "WAITLISTED" && e["waitlistPosition"].as_i64().unwrap() % 3 == 0
                })
                .take(40),
        )
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(leaving.len(), 50);
    let tasks: Vec<_> = leaving
        .iter()
        .map(|id| {
            let (s, id) = (s.clone(), id.clone());
            tokio::spawn(async move {
                s.app
                    .query_as(
                        &s.advisory,
                        WITHDRAW,
                        json!({"input": {"id": id, "reason": "found another course"}}),
                    )
                    .await["withdrawEnrolment"]["enrolment"]["status"]
                    .clone()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "WITHDRAWN");
    }
    let (by_status, dense, taken, waiting) = s.state_of(&run).await;
    assert_eq!(
        by_status["CONFIRMED"], 10,
        "the waitlist refilled every seat"
    );
    assert_eq!(by_status["WITHDRAWN"], 50);
    assert_eq!(by_status["WAITLISTED"], 140);
    assert_eq!(dense.len(), 140);
    assert!(dense.iter().all(|n| *n == 1), "places dense again");
    assert_eq!((taken, waiting), (10, 140));
}

#[tokio::test]
async fn every_rule_refuses_with_its_name_and_changes_nothing() {
    let s = seats(TestApp::with_demo().await).await;
    let nurse = s
        .candidate("nurse", "PH", &[&s.school_org, &s.exams_org])
        .await;
    let open_run = s.run(&s.course, 5).await;

    // Consent missing.
    let stranger = s.candidate("nurse", "PH", &[]).await;
    // The registration deadline passed.
    let late = s.run(&s.course, 5).await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &s.app.db,
        &format!(
            "UPDATE course_run SET registration_deadline = '{}' WHERE id = {}",
            day(-1),
            key(&late)
        ),
    )
    .await
    .unwrap();
    // A cancelled run.
    let cancelled = s.run(&s.course, 5).await;
    s.app
        .query_as(
            &s.school,
            r#"mutation($id: ID!) { cancelCourseRun(input: {id: $id, expectedVersion: 1, reason: "teacher ill"}) { courseRun { status } } }"#,
            json!({"id": cancelled}),
        )
        .await;
    // An exam session for physicians only, and a Kenntnisprüfung for nurses.
    let physicians = s
        .app
        .query_as(
            &s.exams,
            PUBLISH,
            json!({"input": {"type": "FACHSPRACHPRUEFUNG", "professions": ["physician"], "date": day(40), "format": "PRESENCE",
                   "region": "14612", "city": "Dresden", "seatsMax": 8, "fee": {"amount": "420.00", "currency": "EUR"}}}),
        )
        .await["publishExamSession"]["examSession"]["id"]
        .clone();
    // An adaptation course, and a physician with third-country training whose decision
    // allows the knowledge test only.
    let adaptation = s
        .app
        .query_as(
            &s.school,
            r#"mutation { registerCourse(input: {type: ADAPTATION_COURSE, title: "Anpassungslehrgang Pflege", professions: ["nurse", "physician"]}) { course { id } } }"#,
            json!({}),
        )
        .await["registerCourse"]["course"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let adaptation_run = s.run(&adaptation, 5).await;
    let physician = s.candidate("physician", "SY", &[&s.school_org]).await;
    let authority = s.app.demo_token("authority").await;
    let authority_org = org_of(&s.app, &authority).await;
    let case = s
        .app
        .query_as(
            &s.advisory,
            r#"mutation($input: OpenCaseInput!) { openRecognitionCase(input: $input) { recognitionCase { id } } }"#,
            json!({"input": {"candidateId": physician, "authorityId": authority_org, "legalBasis": "BÄO §3", "submittedOn": day(-100)}}),
        )
        .await["openRecognitionCase"]["recognitionCase"]["id"]
        .clone();
    s.app
        .query_as(
            &authority,
            r#"mutation($input: ChangeCaseStatusInput!) { changeCaseStatus(input: $input) { recognitionCase { version } } }"#,
            json!({"input": {"caseId": case, "expectedVersion": 1, "status": "IN_ASSESSMENT"}}),
        )
        .await;
    let decided = s
        .app
        .query_as(
            &authority,
            r#"mutation($input: RecordDecisionInput!) { recordDecision(input: $input) { recognitionCase { decision { measures } } } }"#,
            json!({"input": {"caseId": case, "expectedVersion": 2, "outcome": "DEFICIT", "deficitAreas": ["Innere Medizin"], "measures": ["KNOWLEDGE_TEST"], "decidedOn": day(-1)}}),
        )
        .await;
    assert_eq!(
        decided["recordDecision"]["recognitionCase"]["decision"]["measures"],
        json!(["KNOWLEDGE_TEST"])
    );
    // Erased.
    let erased = s.candidate("nurse", "PH", &[&s.school_org]).await;
    s.app
        .query_as(
            &s.advisory,
            r#"mutation($id: ID!) { eraseCandidatePersonalData(input: {candidateId: $id}) { candidate { personalDataErased } } }"#,
            json!({"id": erased}),
        )
        .await;
    // Enrolled already.
    assert_eq!(
        s.enrol(&nurse, json!({"courseRunId": open_run})).await["status"],
        "CONFIRMED"
    );

    let before = s.fingerprint().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            &stranger,
            json!({"courseRunId": open_run}),
            "consent missing",
        ),
        (
            &nurse,
            json!({"courseRunId": late}),
            "registration deadline passed",
        ),
        (&nurse, json!({"courseRunId": cancelled}), "CANCELLED"),
        (&nurse, json!({"courseRunId": open_run}), "already enrolled"),
        (
            &nurse,
            json!({"examSessionId": physicians}),
            "profession not admitted",
        ),
        (
            &physician,
            json!({"courseRunId": adaptation_run}),
            "measure not allowed",
        ),
        (&erased, json!({"courseRunId": open_run}), "erased"),
    ];
    for (candidate, target, rule) in cases {
        let (code, message) = s.refused(candidate, target.clone()).await;
        assert_eq!(code, "BAD_USER_INPUT", "{rule}: {message}");
        assert!(message.contains(rule), "`{message}` names `{rule}`");
    }
    assert_eq!(s.fingerprint().await, before, "nothing changed");
    // Without a decision the adaptation course is open to the nurse.
    assert_eq!(
        s.enrol(&nurse, json!({"courseRunId": adaptation_run}))
            .await["status"],
        "CONFIRMED"
    );

    // Three failed attempts at the Kenntnisprüfung end further enrolment in it.
    let kp = |date: String| {
        json!({"input": {"type": "KENNTNISPRUEFUNG", "professions": ["nurse"], "date": date, "format": "PRESENCE",
               "region": "14612", "city": "Dresden", "seatsMax": 4, "fee": {"amount": "300.00", "currency": "EUR"}}})
    };
    for _ in 0..3 {
        let session = s.app.query_as(&s.exams, PUBLISH, kp(day(0))).await["publishExamSession"]
            ["examSession"]["id"]
            .clone();
        let e = s.enrol(&nurse, json!({"examSessionId": session})).await;
        let failed = s
            .app
            .query_as(
                &s.exams,
                RESULT,
                json!({"input": {"id": e["id"], "result": "FAILED"}}),
            )
            .await;
        assert_eq!(
            failed["recordEnrolmentResult"]["enrolment"]["status"],
            "FAILED"
        );
    }
    let fourth = s.app.query_as(&s.exams, PUBLISH, kp(day(10))).await["publishExamSession"]
        ["examSession"]["id"]
        .clone();
    let before = s.fingerprint().await;
    let (code, message) = s.refused(&nurse, json!({"examSessionId": fourth})).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("attempts exhausted"), "{message}");
    assert_eq!(s.fingerprint().await, before);

    // Lowering the seats below the confirmed enrolments is refused with the count.
    let (code, err) = s
        .app
        .error_as(
            &s.school,
            r#"mutation($id: ID!) { updateCourseRun(input: {id: $id, expectedVersion: 1, seatsMax: 0}) { courseRun { seatsMax } } }"#,
            json!({"id": adaptation_run}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("1 seats are already taken"),
        "{err}"
    );
}

#[tokio::test]
async fn seats_move_along_the_waitlist_and_every_change_is_on_the_timeline() {
    let s = seats(TestApp::with_demo().await).await;
    let run = s.run(&s.course, 1).await;
    let a = s.candidate("nurse", "PH", &[&s.school_org]).await;
    let b = s.candidate("nurse", "TR", &[&s.school_org]).await;
    let c = s.candidate("nurse", "IN", &[&s.school_org]).await;
    let ea = s.enrol(&a, json!({"courseRunId": run})).await;
    s.app.reset_statements();
    let eb = s.enrol(&b, json!({"courseRunId": run})).await;
    let request_statements = s.app.statements();
    let ec = s.enrol(&c, json!({"courseRunId": run})).await;
    assert_eq!(
        [&ea["status"], &eb["status"], &ec["status"]],
        ["CONFIRMED", "WAITLISTED", "WAITLISTED"]
    );
    assert_eq!(
        (
            eb["waitlistPosition"].as_i64(),
            ec["waitlistPosition"].as_i64()
        ),
        (Some(1), Some(2))
    );

    // The school declines the confirmed one: the first in line gets the seat.
    s.app.reset_statements();
    let declined = s
        .app
        .query_as(
            &s.school,
            DECLINE,
            json!({"input": {"id": ea["id"], "reason": "B2 certificate missing"}}),
        )
        .await;
    assert_eq!(
        declined["declineEnrolment"]["enrolment"]["status"],
        "DECLINED"
    );
    let decline_statements = s.app.statements();
    println!(
        "statements: requestEnrolment {request_statements}, declineEnrolment with a promotion {decline_statements}"
    );
    // Each is one transaction with a fixed number of statements (the caller's token,
    // the row rules, the lock, the writes, and on PostgreSQL the notification of what
    // changed): none grows with the seats or the line.
    assert!(request_statements <= 9 && decline_statements <= 12);
    let seen = s
        .app
        .query_as(
            &s.advisory,
            r#"query($b: ID!, $c: ID!) { b: enrolment(id: $b) { status waitlistPosition } c: enrolment(id: $c) { status waitlistPosition } }"#,
            json!({"b": eb["id"], "c": ec["id"]}),
        )
        .await;
    assert_eq!(
        seen["b"],
        json!({"status": "CONFIRMED", "waitlistPosition": null})
    );
    assert_eq!(
        seen["c"],
        json!({"status": "WAITLISTED", "waitlistPosition": 1})
    );

    // Confirming from the waitlist needs a free seat; raising the seats makes one.
    let (code, err) = s
        .app
        .error_as(&s.school, CONFIRM, json!({"input": {"id": ec["id"]}}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(err["message"].as_str().unwrap().contains("no free seat"));
    s.app
        .query_as(
            &s.school,
            r#"mutation($id: ID!) { updateCourseRun(input: {id: $id, expectedVersion: 1, seatsMax: 2}) { courseRun { seatsMax } } }"#,
            json!({"id": run}),
        )
        .await;
    let confirmed = s
        .app
        .query_as(&s.school, CONFIRM, json!({"input": {"id": ec["id"]}}))
        .await;
    assert_eq!(
        confirmed["confirmEnrolment"]["enrolment"],
        json!({"id": ec["id"], "status": "CONFIRMED", "waitlistPosition": null})
    );

    // A result before the run has begun is refused.
    let (code, _) = s
        .app
        .error_as(
            &s.school,
            RESULT,
            json!({"input": {"id": eb["id"], "result": "COMPLETED"}}),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");

    // Cancelling the run withdraws everyone, saying why.
    let cancelled = s
        .app
        .query_as(
            &s.school,
            r#"mutation($id: ID!) { cancelCourseRun(input: {id: $id, expectedVersion: 2, reason: "too few participants"}) { courseRun { status seatsAvailable waitlistLength } } }"#,
            json!({"id": run}),
        )
        .await;
    assert_eq!(
        cancelled["cancelCourseRun"]["courseRun"],
        json!({"status": "CANCELLED", "seatsAvailable": 2, "waitlistLength": 0})
    );
    let timeline = s
        .app
        .query_as(
            &s.advisory,
            r#"query($id: ID!) { node(id: $id) { ... on Candidate { enrolments { status reason courseRun { id } }
                 timeline { __typename ... on EnrolmentEvent { from to note organisation { id } } } } } }"#,
            json!({"id": b}),
        )
        .await;
    let cand = &timeline["node"];
    assert_eq!(cand["enrolments"][0]["status"], "WITHDRAWN");
    assert_eq!(
        cand["enrolments"][0]["reason"],
        "the course run was cancelled: too few participants"
    );
    let steps: Vec<(Value, Value)> = cand["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("WAITLISTED")),
            (json!("WAITLISTED"), json!("CONFIRMED")),
            (json!("CONFIRMED"), json!("WITHDRAWN")),
        ]
    );
    assert_eq!(
        cand["timeline"][1]["organisation"],
        Value::Null,
        "the hub promoted"
    );
}

#[tokio::test]
async fn only_the_parties_see_an_enrolment_and_everyone_sees_the_counts() {
    let s = seats(TestApp::with_demo().await).await;
    let run = s.run(&s.course, 3).await;
    let cand = s.candidate("nurse", "PH", &[&s.school_org]).await;
    let e = s.enrol(&cand, json!({"courseRunId": run})).await;
    let other_school = partner(
        &s.app,
        "SCHOOL",
        "Pflegeschule Test",
        &["courses:write", "candidates:read"],
    )
    .await;
    let other_advisory = partner(
        &s.app,
        "ADVISORY",
        "Beratung Test",
        &["candidates:read", "candidates:write", "enrolments:write"],
    )
    .await;
    let q = r#"query($e: ID!, $r: ID!) { enrolment(id: $e) { status candidate { id } }
                 courseRun(id: $r) { seatsAvailable waitlistLength enrolments { totalCount nodes { id } } } }"#;
    let vars = json!({"e": e["id"], "r": run});
    for token in [&s.advisory, &s.school] {
        let (_, body) = s.app.graphql_as(token, q, vars.clone()).await;
        assert_eq!(body["data"]["enrolment"]["status"], "CONFIRMED", "{body}");
        assert_eq!(body["data"]["enrolment"]["candidate"]["id"], json!(cand));
        assert_eq!(body["data"]["courseRun"]["enrolments"]["totalCount"], 1);
    }
    for token in [Some(&other_school), Some(&other_advisory), None] {
        let (_, body) = match token {
            Some(t) => s.app.graphql_as(t, q, vars.clone()).await,
            None => s.app.graphql(q, vars.clone()).await,
        };
        assert_eq!(body["data"]["enrolment"], Value::Null, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
        assert_eq!(
            body["data"]["courseRun"],
            json!({"seatsAvailable": 2, "waitlistLength": 0, "enrolments": {"totalCount": 0, "nodes": []}})
        );
    }
    // Another advisory centre cannot withdraw it; the school can.
    let (code, _) = s
        .app
        .error_as(&other_advisory, WITHDRAW, json!({"input": {"id": e["id"]}}))
        .await;
    assert_eq!(code, "NOT_FOUND");
    let (code, _) = s
        .app
        .error_as(
            &other_school,
            DECLINE,
            json!({"input": {"id": e["id"], "reason": "not ours"}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let w = s
        .app
        .query_as(&s.school, WITHDRAW, json!({"input": {"id": e["id"]}}))
        .await;
    assert_eq!(w["withdrawEnrolment"]["enrolment"]["status"], "WITHDRAWN");

    // An advisory centre's client that only enrols needs no scope to read candidates.
    let advisory_org = json!(org_of(&s.app, &s.advisory).await);
    let writer_only = client_for(&s.app, &advisory_org, &["enrolments:write"]).await;
    let own = s.candidate("nurse", "UA", &[&s.school_org]).await;
    let enrolled = s
        .app
        .query_as(
            &writer_only,
            ENROL,
            json!({"input": {"candidateId": own, "courseRunId": run}}),
        )
        .await;
    assert_eq!(
        enrolled["requestEnrolment"]["enrolment"]["status"],
        "CONFIRMED"
    );
    // Another centre's candidate stays unknown to it.
    let theirs = s
        .app
        .query_as(
            &other_advisory,
            REGISTER,
            json!({"input": {"countryOfTraining": "UA", "profession": "nurse", "region": "14713",
                  "personal": {"givenName": "Olena", "familyName": "Test"}}}),
        )
        .await["registerCandidate"]["candidate"]["id"]
        .clone();
    let (code, _) = s
        .app
        .error_as(
            &writer_only,
            ENROL,
            json!({"input": {"candidateId": theirs, "courseRunId": run}}),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

#[tokio::test]
async fn exam_sessions_form_a_catalogue_like_course_runs() {
    let s = seats(TestApp::with_demo().await).await;
    let published = s
        .app
        .query_as(
            &s.exams,
            PUBLISH,
            json!({"input": {"type": "KENNTNISPRUEFUNG", "professions": ["physician", "dentist"], "date": day(50), "format": "PRESENCE",
                   "region": "14612", "city": "Dresden", "seatsMax": 6, "registrationDeadline": day(30),
                   "fee": {"amount": "450.00", "currency": "EUR"}, "status": "OPEN"}}),
        )
        .await;
    let id = published["publishExamSession"]["examSession"]["id"].clone();
    let q = r#"query($id: ID!, $org: ID!) {
        node(id: $id) { ... on ExamSession { type date seatsAvailable fee { amount currency } professions { key } organisation { id } } }
        examSessions(filter: {profession: "dentist", type: KENNTNISPRUEFUNG, region: "DE-SN", hasFreeSeats: true}, first: 100) { totalCount nodes { id type } }
        organisation(id: $org) { examSessions(first: 100) { totalCount nodes { id date } } } }"#;
    let v = s.app.query(q, json!({"id": id, "org": s.exams_org})).await;
    assert_eq!(
        v["node"],
        json!({"type": "KENNTNISPRUEFUNG", "date": day(50), "seatsAvailable": 6, "fee": {"amount": "450.00", "currency": "EUR"},
               "professions": [{"key": "physician"}, {"key": "dentist"}], "organisation": {"id": s.exams_org}})
    );
    let listed = nodes(&v["examSessions"]);
    assert!(listed.iter().any(|n| n["id"] == id));
    assert!(listed.iter().all(|n| n["type"] == "KENNTNISPRUEFUNG"));
    let own = nodes(&v["organisation"]["examSessions"]);
    assert!(own.iter().any(|n| n["id"] == id));
    let dates: Vec<&str> = own.iter().map(|n| n["date"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "by date");
    // Keyset pages join up.
    let first = s
        .app
        .query(
            r#"{ examSessions(first: 7) { pageInfo { endCursor hasNextPage } nodes { id } } }"#,
            json!({}),
        )
        .await;
    let next = s
        .app
        .query(
            r#"query($after: String) { examSessions(first: 7, after: $after) { nodes { id } } }"#,
            json!({"after": first["examSessions"]["pageInfo"]["endCursor"]}),
        )
        .await;
    let all = s
        .app
        .query(r#"{ examSessions(first: 14) { nodes { id } } }"#, json!({}))
        .await;
    let joined: Vec<Value> = nodes(&first["examSessions"])
        .into_iter()
        .chain(nodes(&next["examSessions"]))
        .collect();
    assert_eq!(joined, nodes(&all["examSessions"]));
    // Only exam offices, chambers and authorities publish; a school is refused.
    let (code, _) = s
        .app
        .error_as(
            &s.school,
            PUBLISH,
            json!({"input": {"type": "KENNTNISPRUEFUNG", "professions": ["nurse"], "date": day(50), "format": "PRESENCE",
                   "region": "14612", "city": "Dresden", "seatsMax": 6, "fee": {"amount": "1", "currency": "EUR"}}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}
