//! A real external IdP: the `oidc-provider` npm package (a certified OpenID provider) on
//! loopback issues client-credentials tokens for the hub's audience; the hub verifies
//! them through discovery and JWKS, introspects opaque ones (keeping the organisation
//! claim of the introspection answer), maps clients without an organisation claim
//! through its registry, and fetches the JWKS again after the IdP rotates its key.
//!
//! Needs Node.js; the test installs the pinned packages from `tests/idp/package-lock.json`
//! with `npm ci`. Without Node it is skipped with a printed reason, unless
//! `KNOTENPUNKT_REQUIRE_IDP_TEST` is set (as in CI), where it fails instead.

mod common;

use common::{TestApp, node};
use knotenpunkt::config::{AuthArgs, DemoArgs, Limits};
use knotenpunkt::service::clients::{self, NewClient};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

const AUDIENCE: &str = "https://hub.knotenpunkt.test";

fn idp_dir() -> PathBuf {
    node::dir("idp")
}

/// The IdP process; killed when dropped.
struct Idp {
    _process: common::Running,
    issuer: String,
}

fn start_idp(port: u16, clients: &Value) -> Idp {
    let mut child = Command::new("node")
        .arg("server.mjs")
        .current_dir(idp_dir())
        .env("IDP_PORT", port.to_string())
        .env("HUB_AUDIENCE", AUDIENCE)
        .env("IDP_CLIENTS", clients.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("\"ready\":true") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the IdP did not start within 30 s");
    Idp {
        _process: common::Running(child),
        issuer: format!("http://127.0.0.1:{port}"),
    }
}

/// A token from the IdP through the `oauth2` crate, as a partner's client gets one.
async fn idp_token(idp: &Idp, id: &str, secret: &str) -> String {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};
    let client = BasicClient::new(ClientId::new(id.into()))
        .set_client_secret(ClientSecret::new(secret.into()))
        .set_token_uri(TokenUrl::new(format!("{}/token", idp.issuer)).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("courses:write".into()))
        .request_async(&knotenpunkt::auth::http_client())
        .await
        .expect("a token from the IdP");
    token.access_token().secret().clone()
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

const VIEWER: &str = "{ viewer { client scopes organisation { id kind } } }";
const REGISTER: &str = r#"mutation { registerCourse(input: {type: LANGUAGE_COURSE, title: "Deutsch für Pflegeberufe B2", professions: ["nurse"]}) { course { provider { id } } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_a_real_openid_provider_work_and_key_rotation_is_followed() {
    if !node::ready("KNOTENPUNKT_REQUIRE_IDP_TEST", "the external IdP") {
        return;
    }
    node::install(&idp_dir()).expect("IdP packages");
    let port = common::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let auth = AuthArgs {
        oauth_issuer: Some(issuer.clone()),
        oauth_audience: Some(AUDIENCE.into()),
        jwks_refetch_cooldown_secs: 1,
        oauth_client_id: Some("knotenpunkt-hub".into()),
        oauth_client_secret: Some("hub-secret-hub-secret-hub-secret-hub".into()),
        ..AuthArgs::default()
    };
    let app = TestApp::build_with(Some(DemoArgs::default()), Limits::default(), auth).await;
    let orgs = app
        .query(
            r#"{ schools: organisations(filter: {kind: SCHOOL}, first: 1) { nodes { id } }
                 providers: organisations(filter: {kind: PROVIDER}, first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let school = orgs["schools"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let provider = orgs["providers"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let numeric = |global: &str| {
        knotenpunkt::graphql::id::decode_as(
            global,
            knotenpunkt::graphql::id::NodeType::Organisation,
            "id",
        )
        .unwrap()
    };
    // Clients of the IdP that carry no organisation claim are mapped in the registry.
    for (client_id, org) in [("mapped-provider", &provider), ("opaque-school", &school)] {
        clients::register(
            &app.db,
            NewClient {
                name: format!("{client_id} at the IdP"),
                organisation_id: Some(numeric(org)),
                scopes: "courses:write".into(),
                external_client_id: Some(client_id.into()),
            },
        )
        .await
        .unwrap();
    }
    let secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
    let idp = start_idp(
        port,
        &json!([
            {"client_id": "idp-school", "client_secret": secret, "organisation": school, "scope": "courses:write"},
            {"client_id": "mapped-provider", "client_secret": secret, "scope": "courses:write"},
            {"client_id": "opaque-school", "client_secret": secret, "opaque": true, "scope": "courses:write"},
            {"client_id": "knotenpunkt-hub", "client_secret": "hub-secret-hub-secret-hub-secret-hub", "scope": "stats:read"},
        ]),
    );
    let remote = app.state.auth.remote_jwks().expect("external IdP mode");

    // A JWT access token with the organisation claim.
    let token = idp_token(&idp, "idp-school", secret).await;
    assert_eq!(kid_of(&token), "key-1");
    let viewer = app.query_as(&token, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["client"], "idp-school");
    assert_eq!(viewer["viewer"]["organisation"]["id"], school.as_str());
    assert_eq!(viewer["viewer"]["scopes"], json!(["courses:write"]));
    let created = app.query_as(&token, REGISTER, json!({})).await;
    assert_eq!(
        created["registerCourse"]["course"]["provider"]["id"],
        school.as_str()
    );
    assert_eq!(remote.fetch_count(), 1, "one JWKS fetch, then the cache");

    // No organisation claim: the registry maps the client.
    let mapped = idp_token(&idp, "mapped-provider", secret).await;
    let viewer = app.query_as(&mapped, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["organisation"]["id"], provider.as_str());

    // An opaque token is introspected (RFC 7662) with the hub's own credentials.
    let opaque = idp_token(&idp, "opaque-school", secret).await;
    assert_eq!(opaque.split('.').count(), 1, "opaque: {opaque}");
    let viewer = app.query_as(&opaque, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["client"], "opaque-school");
    assert_eq!(viewer["viewer"]["organisation"]["id"], school.as_str());

    // The built-in issuer is off in this mode.
    let (status, body) = app.token_request("idp-school", secret, None).await;
    assert_eq!(status.as_u16(), 404, "{body}");

    // The IdP rotates its key; a token with the new `kid` makes the hub fetch again.
    let rotated: Value = knotenpunkt::auth::http_client()
        .post(format!("{}/__rotate", idp.issuer))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rotated["kid"], "key-2");
    tokio::time::sleep(Duration::from_millis(1100)).await; // the test's refetch cooldown
    let fresh = idp_token(&idp, "idp-school", secret).await;
    assert_eq!(kid_of(&fresh), "key-2");
    let viewer = app.query_as(&fresh, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["client"], "idp-school");
    assert_eq!(
        remote.fetch_count(),
        2,
        "the unknown kid caused exactly one refetch"
    );
    // The old key is still published, so older tokens keep working without a fetch.
    app.query_as(&token, VIEWER, json!({})).await;

    // Unknown kids within the cooldown do not reach the IdP.
    let forged = {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        use p256::pkcs8::EncodePrivateKey;
        let key = p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
        let key = EncodingKey::from_ec_pem(
            key.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("at+jwt".into());
        header.kid = Some("key-99".into());
        let now = chrono::Utc::now().timestamp();
        jsonwebtoken::encode(
            &header,
            &json!({"iss": issuer, "aud": AUDIENCE, "sub": "x", "client_id": "x", "scope": "courses:write", "iat": now, "exp": now + 60}),
            &key,
        )
        .unwrap()
    };
    for _ in 0..5 {
        let (status, _) = app.graphql_as(&forged, VIEWER, json!({})).await;
        assert_eq!(status.as_u16(), 401);
    }
    assert!(
        remote.fetch_count() <= 3,
        "at most one fetch per cooldown: {}",
        remote.fetch_count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opaque_tokens_keep_the_organisation_claim_of_the_introspection_answer() {
    if !node::ready("KNOTENPUNKT_REQUIRE_IDP_TEST", "the external IdP") {
        return;
    }
    node::install(&idp_dir()).expect("IdP packages");
    let port = common::free_port();
    let auth = AuthArgs {
        oauth_audience: Some(AUDIENCE.into()),
        oauth_client_id: Some("knotenpunkt-hub".into()),
        oauth_client_secret: Some("hub-secret-hub-secret-hub-secret-hub".into()),
        ..TestApp::external_idp_args(&format!("http://127.0.0.1:{port}"))
    };
    let app = TestApp::build_with(Some(DemoArgs::default()), Limits::default(), auth).await;
    let orgs = app
        .query(
            r#"{ organisations(filter: {kind: PROVIDER}, first: 1) { nodes { id } } }"#,
            json!({}),
        )
        .await;
    let provider = orgs["organisations"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let unknown = knotenpunkt::graphql::id::encode(
        knotenpunkt::graphql::id::NodeType::Organisation,
        9_999_999,
    )
    .0;
    let secret = "s3cret-s3cret-s3cret-s3cret-s3cret";
    // None of these clients is registered in the hub: only the claim names the partner.
    let idp = start_idp(
        port,
        &json!([
            {"client_id": "opaque-provider", "client_secret": secret, "opaque": true, "organisation": provider, "scope": "courses:write"},
            {"client_id": "opaque-nowhere", "client_secret": secret, "opaque": true, "organisation": unknown, "scope": "courses:write"},
            {"client_id": "jwt-nowhere", "client_secret": secret, "organisation": unknown, "scope": "courses:write"},
            {"client_id": "knotenpunkt-hub", "client_secret": "hub-secret-hub-secret-hub-secret-hub", "scope": "stats:read"},
        ]),
    );

    let opaque = idp_token(&idp, "opaque-provider", secret).await;
    assert_eq!(opaque.split('.').count(), 1, "opaque: {opaque}");
    let viewer = app.query_as(&opaque, VIEWER, json!({})).await;
    assert_eq!(viewer["viewer"]["client"], "opaque-provider");
    assert_eq!(viewer["viewer"]["organisation"]["id"], provider.as_str());
    assert_eq!(viewer["viewer"]["organisation"]["kind"], "PROVIDER");
    // The organisation acts through the token: it registers a course as its own.
    let created = app.query_as(&opaque, REGISTER, json!({})).await;
    assert_eq!(
        created["registerCourse"]["course"]["provider"]["id"],
        provider.as_str()
    );

    // A claim naming no organisation is refused alike for opaque tokens and JWTs.
    let opaque = idp_token(&idp, "opaque-nowhere", secret).await;
    assert_eq!(opaque.split('.').count(), 1, "opaque: {opaque}");
    let jwt = idp_token(&idp, "jwt-nowhere", secret).await;
    assert_eq!(jwt.split('.').count(), 3, "JWT: {jwt}");
    let (opaque_status, opaque_body) = app.graphql_as(&opaque, VIEWER, json!({})).await;
    let (jwt_status, jwt_body) = app.graphql_as(&jwt, VIEWER, json!({})).await;
    assert_eq!(opaque_status.as_u16(), 401, "{opaque_body}");
    assert_eq!(jwt_status.as_u16(), 401, "{jwt_body}");
    assert_eq!(opaque_body["errors"], jwt_body["errors"]);
    assert_eq!(
        opaque_body["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}
