//! The dashboard at `/dashboard`: a page served by the hub itself that loads nothing
//! from elsewhere (its assets are same-origin, hashed and integrity-checked) and carries
//! the operator's token when one is configured.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use common::TestApp;
use knotenpunkt::AppState;
use sha2::{Digest, Sha384};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The value of `name="…"` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

/// Every `src` and `href` of the page, with the tag's `integrity`, in document order.
fn references(html: &str) -> Vec<(String, Option<String>)> {
    html.split('<')
        .filter_map(|tag| {
            let tag = tag.split('>').next().unwrap_or_default();
            let url = attribute(tag, "src").or_else(|| attribute(tag, "href"))?;
            Some((url, attribute(tag, "integrity")))
        })
        .collect()
}

/// The token the page carries (`<meta name="knotenpunkt-dashboard-token" content="…">`).
fn injected_token(html: &str) -> String {
    let tag = html
        .split('<')
        .find(|tag| tag.starts_with("meta name=\"knotenpunkt-dashboard-token\""))
        .expect("the token's meta tag");
    attribute(tag, "content").expect("a content attribute")
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    app.send(
        Request::get(path)
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// `app` serving the dashboard with `token` configured, as `serve --dashboard-token` does.
fn with_dashboard_token(app: &TestApp, token: &str) -> axum::Router {
    knotenpunkt::app(AppState {
        dashboard_token: Some(token.into()),
        ..app.state.clone()
    })
}

#[tokio::test]
async fn the_page_is_html_that_loads_only_its_own_integrity_checked_assets() {
    let app = TestApp::new().await;
    let (status, headers, body) = get(&app, "/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = String::from_utf8(body).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert_eq!(injected_token(&html), "", "no token configured");

    // The hub itself, no inline code, nothing from anywhere else.
    let csp = headers["content-security-policy"].to_str().unwrap();
    for directive in [
        "default-src 'self'",
        "script-src 'self';",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    for outside in ["http:", "https:", "*", "unsafe-inline", "unsafe-eval"] {
        assert!(!csp.contains(outside), "{outside} in {csp}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    let page = url::Url::parse(common::PUBLIC_URL)
        .unwrap()
        .join("/dashboard")
        .unwrap();
    let refs = references(&html);
    assert_eq!(
        html.matches(" src=").count() + html.matches(" href=").count(),
        refs.len(),
        "{html}"
    );
    let mut assets = Vec::new();
    for (url, integrity) in &refs {
        // Relative, so it works under a path prefix, and same-origin once resolved.
        assert!(!url.starts_with('/') && !url.contains(':'), "{url}");
        let resolved = page.join(url).unwrap();
        assert_eq!(resolved.origin(), page.origin(), "{url}");
        if let Some(id) = url.strip_prefix('#') {
            // The skip link to the figures.
            assert!(html.contains(&format!("id=\"{id}\"")), "{url}");
            continue;
        }
        let name = resolved
            .path()
            .strip_prefix("/dashboard/assets/")
            .unwrap_or_else(|| panic!("not an asset path: {resolved}"))
            .to_owned();
        let (status, headers, bytes) = get(&app, resolved.path()).await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        let content_type = headers["content-type"].to_str().unwrap();
        if name.ends_with(".js") {
            assert_eq!(content_type, "text/javascript; charset=utf-8", "{name}");
        } else {
            assert!(name.ends_with(".css"), "{name}");
            assert_eq!(content_type, "text/css; charset=utf-8", "{name}");
        }
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable"),
            "{name}"
        );
        assert_eq!(
            Some(sri(&bytes)),
            *integrity,
            "{name} has its integrity hash"
        );
        // The page calls only the hub, by paths relative to itself.
        let text = String::from_utf8(bytes).unwrap();
        for line in text.lines().filter(|l| l.contains("fetch(")) {
            assert!(!line.contains("://"), "{name}: {line}");
        }
        assets.push(name);
    }
    let stems: Vec<&str> = assets
        .iter()
        .map(|a| a.split('.').next().unwrap())
        .collect();
    assert_eq!(stems, ["dashboard", "strings", "charts", "dashboard"]);
}

#[tokio::test]
async fn unknown_asset_names_are_not_found() {
    let app = TestApp::new().await;
    for path in [
        "/dashboard/assets/dashboard.js",
        "/dashboard/assets/dashboard.0000000000000000.js",
        "/dashboard/assets/mod.rs",
        "/dashboard/assets/page.html",
        "/dashboard/assets/..%2Fmod.rs",
    ] {
        let (status, headers, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(headers.get("cache-control").is_none(), "{path}");
    }
}

#[tokio::test]
async fn a_configured_token_is_written_into_the_page_and_never_cached() {
    let app = TestApp::new().await;
    let router = with_dashboard_token(&app, r#"eyJ0.eyJz"><script>alert(1)</script>"#);
    let response = tower::ServiceExt::oneshot(
        router,
        Request::get("/dashboard").body(Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let html = String::from_utf8(body.to_vec()).unwrap();
    assert!(!html.contains("<script>alert"), "escaped: {html}");
    assert_eq!(
        injected_token(&html),
        "eyJ0.eyJz&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    );
}

/// A process of the hub binary, stopped on drop, with its directory.
struct Hub {
    child: common::Running,
    dir: PathBuf,
    url: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.child.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn serve_takes_the_token_from_knotenpunkt_dashboard_token() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "knotenpunkt-dashboard-{}-{nanos:08x}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = std::fs::File::create(dir.join("hub.log")).unwrap();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut command = Command::new(env!("CARGO_BIN_EXE_knotenpunkt"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("KNOTENPUNKT_")) {
        command.env_remove(key);
    }
    command
        .arg("serve")
        .args(["--listen", &addr])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.join("hub.db").display()
        ))
        .arg("--signing-key-path")
        .arg(dir.join("keys.json"))
        .env("KNOTENPUNKT_DASHBOARD_TOKEN", "operator-token.for.the-wall")
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let mut hub = Hub {
        child: common::Running(command.spawn().expect("start the hub")),
        dir,
        url: format!("http://{addr}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let html = loop {
        if let Ok(Some(status)) = hub.child.try_wait() {
            panic!(
                "the hub exited with {status}:\n{}",
                std::fs::read_to_string(hub.dir.join("hub.log")).unwrap_or_default()
            );
        }
        if let Ok(r) = client.get(format!("{}/dashboard", hub.url)).send().await {
            assert_eq!(r.status(), 200);
            assert_eq!(r.headers()["cache-control"], "no-store");
            break r.text().await.unwrap();
        }
        assert!(Instant::now() < deadline, "the hub did not start");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(injected_token(&html), "operator-token.for.the-wall");
}
