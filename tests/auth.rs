//! OAuth2 over HTTP: the built-in issuer's endpoints, tokens, the verifier's RFC 9068
//! checks, and every forged or misused token refused with nothing changed.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{PUBLIC_URL, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const REGISTER: &str = r#"mutation($input: RegisterCourseInput!) { registerCourse(input: $input) { course { id title version provider { name } } } }"#;

fn new_course() -> Value {
    json!({"input": {"type": "KNOWLEDGE_TEST_PREP", "title": "Kenntnisprüfung Pflege kompakt",
                      "professions": ["nurse"], "languageLevel": "B2"}})
}

/// Counts and versions of everything a course write could touch.
async fn snapshot(app: &TestApp) -> (i64, i64, i64, i64) {
    (
        app.scalar("SELECT COUNT(*) FROM course").await,
        app.scalar("SELECT COUNT(*) FROM course_run").await,
        app.scalar("SELECT COALESCE(SUM(version), 0) FROM course")
            .await,
        app.scalar("SELECT COALESCE(SUM(version), 0) FROM course_run")
            .await,
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The issuer's private key, read from its key file.
fn issuer_key(app: &TestApp) -> (String, EncodingKey) {
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(&app.auth_args.signing_key_path).unwrap())
            .unwrap();
    let key = file["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["retired_at"].is_null())
        .unwrap();
    (
        key["kid"].as_str().unwrap().to_owned(),
        EncodingKey::from_ec_pem(key["private_pem"].as_str().unwrap().as_bytes()).unwrap(),
    )
}

fn claims(client_id: &str) -> Value {
    json!({"iss": PUBLIC_URL, "aud": PUBLIC_URL, "sub": client_id, "client_id": client_id,
           "scope": "courses:write", "iat": now(), "exp": now() + 600, "jti": "forged"})
}

fn sign(header: &Header, claims: &Value, key: &EncodingKey) -> String {
    jsonwebtoken::encode(header, claims, key).unwrap()
}

fn at_jwt(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::ES256);
    h.typ = Some("at+jwt".into());
    h.kid = Some(kid.into());
    h
}

#[tokio::test]
async fn metadata_and_jwks_describe_the_issuer() {
    let app = TestApp::new().await;
    let (status, _, body) = app
        .send(
            Request::get("/.well-known/oauth-authorization-server")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let meta: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(meta["issuer"], PUBLIC_URL);
    assert_eq!(meta["token_endpoint"], format!("{PUBLIC_URL}/oauth/token"));
    assert_eq!(
        meta["jwks_uri"],
        format!("{PUBLIC_URL}/.well-known/jwks.json")
    );
    assert_eq!(meta["grant_types_supported"], json!(["client_credentials"]));
    assert!(
        meta["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("courses:write"))
    );

    let (status, _, body) = app
        .send(
            Request::get("/.well-known/jwks.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let jwks: Value = serde_json::from_slice(&body).unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["crv"], "P-256");
    assert_eq!(keys[0]["kid"], issuer_key(&app).0);
    assert!(keys[0].get("d").is_none(), "no private part is published");
}

/// GET `path` through the router: status and raw body.
async fn get(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let (status, _, body) = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    (status, body)
}

#[tokio::test]
async fn openid_discovery_finds_the_same_metadata() {
    let app = TestApp::new().await;
    let (status, rfc8414) = get(&app, "/.well-known/oauth-authorization-server").await;
    assert_eq!(status, StatusCode::OK);
    let (status, oidc) = get(&app, "/.well-known/openid-configuration").await;
    assert_eq!(status, StatusCode::OK);
    let rfc8414: Value = serde_json::from_slice(&rfc8414).unwrap();
    let oidc: Value = serde_json::from_slice(&oidc).unwrap();
    assert_eq!(oidc, rfc8414);
    assert_eq!(oidc["issuer"], PUBLIC_URL);

    // With an external IdP the hub issues nothing, so neither path describes an issuer.
    let external = TestApp::build_with(
        None,
        knotenpunkt::config::Limits::default(),
        TestApp::external_idp_args("http://127.0.0.1:9"),
    )
    .await;
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        assert_eq!(
            get(&external, path).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_client_gets_an_rfc9068_token_and_the_viewer_says_who_it_is() {
    let app = TestApp::with_demo().await;
    let school = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-school")
        .unwrap();
    // client_secret_basic, as `curl -u id:secret` sends it.
    let basic = STANDARD.encode(format!("{}:{}", school.client_id, school.secret));
    let (status, headers, body) = app
        .send(
            Request::post("/oauth/token")
                .header("authorization", format!("Basic {basic}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(
                    "grant_type=client_credentials&scope=courses%3Awrite",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["cache-control"], "no-store");
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["scope"], "courses:write");
    let token = body["access_token"].as_str().unwrap();

    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], issuer_key(&app).0);
    for claim in [
        "iss",
        "aud",
        "sub",
        "client_id",
        "scope",
        "iat",
        "exp",
        "jti",
        "organisation",
    ] {
        assert!(
            payload.get(claim).is_some(),
            "claim {claim} missing: {payload}"
        );
    }
    assert_eq!(payload["iss"], PUBLIC_URL);
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        900
    );

    let viewer = app
        .query_as(
            token,
            "{ viewer { authenticated client scopes organisation { name kind } } }",
            json!({}),
        )
        .await;
    assert_eq!(viewer["viewer"]["authenticated"], true);
    assert_eq!(viewer["viewer"]["client"], "demo-school");
    assert_eq!(viewer["viewer"]["scopes"], json!(["courses:write"]));
    assert_eq!(viewer["viewer"]["organisation"]["kind"], "SCHOOL");

    let anonymous = app
        .query(
            "{ viewer { authenticated client scopes organisation { name } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        anonymous["viewer"],
        json!({"authenticated": false, "client": null, "scopes": [], "organisation": null})
    );
}

#[tokio::test]
async fn the_token_endpoint_answers_with_rfc6749_errors() {
    let app = TestApp::with_demo().await;
    let school = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-school")
        .unwrap();
    let (status, body) = app.token_request(&school.client_id, "wrong", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = app.token_request("nobody", "nothing", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = app
        .token_request(&school.client_id, &school.secret, Some("admin"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"], "invalid_scope",
        "a scope not granted to the client"
    );
    let (status, body) = app
        .token_request(&school.client_id, &school.secret, Some("courses:delete"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_scope");

    let form = |body: &'static str| {
        Request::post("/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, body) = app
        .send(form(
            "grant_type=password&client_id=demo-school&client_secret=x",
        ))
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "unsupported_grant_type")
    );
    let (status, _, body) = app
        .send(form("client_id=demo-school&client_secret=x"))
        .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );

    // Basic with a wrong secret: 401 with a Basic challenge.
    let basic = STANDARD.encode("demo-school:wrong");
    let (status, headers, _) = app
        .send(
            Request::post("/oauth/token")
                .header("authorization", format!("Basic {basic}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("grant_type=client_credentials"))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
}

#[tokio::test]
async fn forged_and_misused_tokens_are_refused_and_change_nothing() {
    let app = TestApp::with_demo().await;
    let before = snapshot(&app).await;
    let (kid, key) = issuer_key(&app);
    let other = p256_key();

    let mut expired = claims("demo-school");
    expired["iat"] = json!(now() - 2000);
    expired["exp"] = json!(now() - 120);
    let mut not_yet = claims("demo-school");
    not_yet["nbf"] = json!(now() + 600);
    let mut future_iat = claims("demo-school");
    future_iat["iat"] = json!(now() + 600);
    let mut wrong_iss = claims("demo-school");
    wrong_iss["iss"] = json!("https://evil.example");
    let mut wrong_aud = claims("demo-school");
    wrong_aud["aud"] = json!("https://another-hub.example");
    let mut jwt_typ = at_jwt(&kid);
    jwt_typ.typ = Some("JWT".into());
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "at+jwt", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims("demo-school").to_string())
    );
    // HS256 keyed with the public key as published in the JWKS.
    let jwks: Value = {
        let (_, _, body) = app
            .send(
                Request::get("/.well-known/jwks.json")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        serde_json::from_slice(&body).unwrap()
    };
    let mut hs = Header::new(Algorithm::HS256);
    hs.typ = Some("at+jwt".into());
    hs.kid = Some(kid.clone());
    let hs256 = sign(
        &hs,
        &claims("demo-school"),
        &EncodingKey::from_secret(jwks["keys"][0].to_string().as_bytes()),
    );

    let cases: Vec<(&str, String)> = vec![
        ("garbage", "not.a.token".into()),
        ("opaque", "deadbeef".into()),
        ("expired", sign(&at_jwt(&kid), &expired, &key)),
        ("not yet valid (nbf)", sign(&at_jwt(&kid), &not_yet, &key)),
        (
            "not yet valid (iat)",
            sign(&at_jwt(&kid), &future_iat, &key),
        ),
        ("wrong issuer", sign(&at_jwt(&kid), &wrong_iss, &key)),
        ("wrong audience", sign(&at_jwt(&kid), &wrong_aud, &key)),
        ("typ JWT", sign(&jwt_typ, &claims("demo-school"), &key)),
        ("alg none", none),
        ("HS256 with the public key", hs256),
        (
            "unknown key, known kid",
            sign(&at_jwt(&kid), &claims("demo-school"), &other),
        ),
        (
            "unknown kid",
            sign(&at_jwt("no-such-key"), &claims("demo-school"), &other),
        ),
    ];
    for (what, token) in cases {
        let (status, headers, body) = app
            .send(
                Request::post("/graphql")
                    .header("content-type", "application/json")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(
                        json!({"query": REGISTER, "variables": new_course()}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        let challenge = headers["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#),
            "{what}: {challenge}"
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}"
        );
    }
    // The real key with the right claims passes: the forgeries failed for their flaw.
    let genuine = sign(&at_jwt(&kid), &claims("demo-school"), &key);
    let ok = app
        .query_as(&genuine, "{ viewer { client } }", json!({}))
        .await;
    assert_eq!(ok["viewer"]["client"], "demo-school");

    // No token at all on a protected operation.
    let (status, body) = app.graphql(REGISTER, new_course()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(snapshot(&app).await, before, "nothing changed");
}

fn p256_key() -> EncodingKey {
    use p256::pkcs8::EncodePrivateKey;
    let key = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    EncodingKey::from_ec_pem(
        key.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_revoked_client_gets_no_token_and_its_tokens_stop_working() {
    let app = TestApp::with_demo().await;
    let school = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-school")
        .unwrap();
    let token = app.token(&school.client_id, &school.secret, None).await;
    let admin = app.demo_token("admin").await;
    let revoked = app
        .query_as(
            &admin,
            "mutation($id: String!) { revokePartnerClient(input: {clientId: $id}) { client { clientId revokedAt } } }",
            json!({"id": school.client_id}),
        )
        .await;
    assert!(revoked["revokePartnerClient"]["client"]["revokedAt"].is_string());
    let (status, body) = app
        .token_request(&school.client_id, &school.secret, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");
    let before = snapshot(&app).await;
    let (status, body) = app.graphql_as(&token, REGISTER, new_course()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(snapshot(&app).await, before);
}

#[tokio::test]
async fn scopes_decide_what_a_token_may_do() {
    let app = TestApp::with_demo().await;
    let before = snapshot(&app).await;
    // The employer's token has no `courses:write`.
    let employer = app.demo_token("employer").await;
    let (code, _) = app.error_as(&employer, REGISTER, new_course()).await;
    assert_eq!(code, "FORBIDDEN");
    // A school's token narrowed to another scope cannot write either… but a school has
    // only `courses:write`, so ask the admin's token instead.
    let admin = app.demo_token("admin").await;
    let (code, _) = app.error_as(&admin, REGISTER, new_course()).await;
    assert_eq!(code, "FORBIDDEN");
    // Admin-only operations refuse partners.
    let school = app.demo_token("school").await;
    let (code, _) = app
        .error_as(&school, r#"mutation { revokePartnerClient(input: {clientId: "demo-employer"}) { client { clientId } } }"#, json!({}))
        .await;
    assert_eq!(code, "FORBIDDEN");
    assert_eq!(snapshot(&app).await, before);
}
