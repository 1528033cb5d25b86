//! Operating the hub: health probes, idempotent demo data, reversible migrations.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use knotenpunkt::config::DemoArgs;
use knotenpunkt::demo::{self, DemoOutcome};
use migration::{Migrator, MigratorTrait};
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness_probes_answer() {
    let app = TestApp::new().await;
    for (path, status) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let (code, headers, body) = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(code, StatusCode::OK);
        assert!(
            headers.contains_key("x-request-id"),
            "every response carries a request id"
        );
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["status"], status);
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::new().await;
    app.db.clone().close().await.ok();
    let (code, _, body) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "not ready");
    assert_eq!(body["reasons"], serde_json::json!(["database unreachable"]));
}

#[tokio::test]
async fn readiness_fails_while_migrations_are_pending() {
    let app = TestApp::new().await;
    Migrator::down(&app.db, Some(1)).await.unwrap();
    let (code, _, body) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["status"], "not ready");
    assert!(
        body["reasons"][0]
            .as_str()
            .unwrap_or_default()
            .contains("1 migration(s) pending"),
        "{body}"
    );
    Migrator::up(&app.db, None).await.unwrap();
    let (code, _, _) = app
        .send(Request::get("/readyz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(code, StatusCode::OK);
}

#[tokio::test]
async fn demo_data_loads_once() {
    let app = TestApp::with_demo().await;
    let before = (
        app.scalar("SELECT COUNT(*) FROM organisation").await,
        app.scalar("SELECT COUNT(*) FROM course").await,
        app.scalar("SELECT COUNT(*) FROM course_run").await,
    );
    assert!(
        before.0 >= 60 && before.1 >= 80 && before.2 >= 200,
        "{before:?}"
    );
    let again = demo::load(&app.db, &DemoArgs::default()).await.unwrap();
    assert!(matches!(again, DemoOutcome::AlreadyPresent(_)), "{again:?}");
    let after = (
        app.scalar("SELECT COUNT(*) FROM organisation").await,
        app.scalar("SELECT COUNT(*) FROM course").await,
        app.scalar("SELECT COUNT(*) FROM course_run").await,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn migrations_roll_back_and_forward() {
    let app = TestApp::new().await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM region").await, 2 + 37 + 47);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM profession").await, 15);
    let applied = Migrator::get_migration_with_status(&app.db)
        .await
        .unwrap()
        .len() as u32;
    Migrator::down(&app.db, Some(applied)).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&app.db)
            .await
            .unwrap()
            .len() as u32
            == applied
    );
    Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(app.scalar("SELECT COUNT(*) FROM region").await, 2 + 37 + 47);
}
