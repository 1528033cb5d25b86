//! GraphiQL works without the internet: `GET /graphql` serves a page whose scripts and
//! styles all come from the hub, each integrity-checked and pinned (see
//! `src/http/graphiql/VERSIONS`), and a real Chromium with every request off loopback
//! blocked runs the README's example in it.
//!
//! The browser test needs Node.js and Chromium (`/usr/bin/chromium`); it installs the
//! pinned `playwright-core` from `tests/browser/package-lock.json` with `npm ci`.
//! Without them it is skipped with a printed reason, unless
//! `KNOTENPUNKT_REQUIRE_BROWSER_TEST` is set (as in CI), where it fails instead. It does
//! not depend on the database, so it runs on the SQLite pass only.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use common::{TestApp, node};
use serde_json::{Value, json};
use sha2::{Digest, Sha384};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// A `<script src>` or `<link href>` of the page.
#[derive(Debug)]
struct Reference {
    url: String,
    integrity: Option<String>,
}

/// The value of `name="…"` in one tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(tag[start..start + len].to_owned())
}

/// Every tag of the page that loads something, in document order.
fn references(html: &str) -> Vec<Reference> {
    html.split('<')
        .filter(|tag| tag.starts_with("script") || tag.starts_with("link"))
        .map(|tag| {
            let tag = tag.split('>').next().unwrap_or_default();
            Reference {
                url: attribute(tag, "src")
                    .or_else(|| attribute(tag, "href"))
                    .unwrap_or_else(|| panic!("a tag without src or href: <{tag}>")),
                integrity: attribute(tag, "integrity"),
            }
        })
        .collect()
}

/// `sha384-…` of bytes, as in an `integrity` attribute.
fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// The pinned third-party files: (file, sha384) from `VERSIONS`.
fn pinned() -> Vec<(String, String)> {
    let versions = include_str!("../src/http/graphiql/VERSIONS");
    versions
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(fields.len(), 5, "a VERSIONS line has five fields: {l}");
            assert!(fields[3].starts_with("sha512-"), "npm integrity: {l}");
            (fields[0].to_owned(), fields[4].to_owned())
        })
        .collect()
}

/// Whether a served name (`graphiql.min.<hash>.js`) is the file `graphiql.min.js`.
fn serves(served: &str, file: &str) -> bool {
    let (stem, extension) = file.rsplit_once('.').unwrap();
    served
        .strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(extension))
        .and_then(|hash| hash.strip_suffix('.'))
        .is_some_and(|hash| !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()))
}

async fn get(app: &TestApp, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    app.send(
        Request::get(path)
            .header("accept", "text/html")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_page_loads_only_its_own_pinned_and_integrity_checked_assets() {
    let app = TestApp::new().await;
    let (status, headers, body) = get(&app, "/graphql").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let html = String::from_utf8(body).unwrap();

    // The policy allows the hub itself and the `data:` fonts and images inside
    // GraphiQL's stylesheet, nothing else, and no inline code.
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    for outside in ["http:", "https:", "*", "unsafe-inline", "unsafe-eval"] {
        assert!(!csp.contains(outside), "{outside} in {csp}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );

    let page = url::Url::parse(common::PUBLIC_URL)
        .unwrap()
        .join("/graphql")
        .unwrap();
    let refs = references(&html);
    assert_eq!(
        html.matches(" src=").count() + html.matches(" href=").count(),
        refs.len(),
        "every reference sits in a <script> or <link>: {html}"
    );
    let mut served = Vec::new();
    for r in &refs {
        // Relative, so it works under a path prefix, and same-origin once resolved.
        assert!(!r.url.starts_with('/') && !r.url.contains(':'), "{r:?}");
        let resolved = page.join(&r.url).unwrap();
        assert_eq!(resolved.origin(), page.origin(), "{r:?}");
        let name = resolved
            .path()
            .strip_prefix("/graphql/assets/")
            .unwrap_or_else(|| panic!("not an asset path: {resolved}"))
            .to_owned();
        let integrity = r.integrity.clone().expect("an integrity attribute");

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
        assert_eq!(sri(&bytes), integrity, "{name}");
        served.push((name, integrity));
    }

    // React and ReactDOM before GraphiQL, and the start script last.
    let order = [
        "graphiql.min.css",
        "page.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "start.js",
    ];
    assert_eq!(served.len(), order.len(), "{served:?}");
    for ((name, _), file) in served.iter().zip(order) {
        assert!(serves(name, file), "{name} is not {file}: {served:?}");
    }

    // The third-party files are exactly the pinned ones.
    let pins = pinned();
    assert_eq!(pins.len(), 4, "{pins:?}");
    for (file, sha384) in pins {
        let (name, integrity) = served
            .iter()
            .find(|(name, _)| serves(name, &file))
            .unwrap_or_else(|| panic!("{file} is not on the page"));
        assert_eq!(integrity, &sha384, "{name} differs from the pinned {file}");
    }
}

#[tokio::test]
async fn unknown_asset_names_are_not_found() {
    let app = TestApp::new().await;
    let (_, _, body) = get(&app, "/graphql").await;
    let html = String::from_utf8(body).unwrap();
    let current = references(&html)
        .into_iter()
        .map(|r| r.url)
        .find(|u| u.contains("graphiql.min."))
        .unwrap();
    let (status, _, _) = get(&app, &format!("/{current}")).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/graphql/assets/nothing.js",
        // The file without its hash, and an older build's name.
        "/graphql/assets/graphiql.min.js",
        "/graphql/assets/graphiql.min.0000000000000000.js",
        // Files next to the assets that are not assets.
        "/graphql/assets/VERSIONS",
        "/graphql/assets/mod.rs",
        "/graphql/assets/..%2Fmod.rs",
    ] {
        let (status, headers, _) = get(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(headers.get("cache-control").is_none(), "{path}");
    }
}

/// The query and variables of the README's "An example".
fn readme_example() -> (String, Value) {
    let readme = include_str!("../README.md");
    let section = &readme[readme.find("## An example").expect("the section")..];
    let start = section.find("-d '").expect("a curl body") + 4;
    let len = section[start..].find("'\n").expect("the end of the body");
    let body: Value = serde_json::from_str(&section[start..start + len]).expect("JSON");
    (
        body["query"].as_str().expect("query").to_owned(),
        body["variables"].clone(),
    )
}

/// `knotenpunkt serve --demo` in a directory of its own; stopped and removed on drop.
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

impl Hub {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("hub.log")).unwrap_or_default()
    }
}

async fn start_hub() -> Hub {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let dir = std::env::temp_dir().join(format!(
        "knotenpunkt-browser-{}-{nanos:08x}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let log = std::fs::File::create(dir.join("hub.log")).unwrap();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut command = Command::new(env!("CARGO_BIN_EXE_knotenpunkt"));
    command
        .arg("serve")
        .arg("--demo")
        .args(["--listen", &addr])
        .arg("--database-url")
        .arg(format!(
            "sqlite://{}?mode=rwc",
            dir.join("hub.db").display()
        ))
        .arg("--signing-key-path")
        .arg(dir.join("keys.json"))
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("KNOTENPUNKT_")) {
        command.env_remove(key);
    }
    let mut hub = Hub {
        child: common::Running(command.spawn().expect("start the hub")),
        dir,
        url: format!("http://{addr}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(Some(status)) = hub.child.try_wait() {
            panic!("the hub exited with {status}:\n{}", hub.log());
        }
        let ready = client.get(format!("{}/readyz", hub.url)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return hub;
        }
        assert!(
            Instant::now() < deadline,
            "the hub did not start within 120 s:\n{}",
            hub.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_the_readme_example_in_chromium_without_the_internet() {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        println!(
            "skipped: the browser test does not depend on the database and runs on the SQLite pass"
        );
        return;
    }
    let missing: Vec<&str> = [
        ("Node.js", node::available()),
        ("Chromium", Path::new(CHROMIUM).exists()),
    ]
    .into_iter()
    .filter(|(_, present)| !present)
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        assert!(
            std::env::var_os("KNOTENPUNKT_REQUIRE_BROWSER_TEST").is_none(),
            "the browser test needs {missing:?} here (KNOTENPUNKT_REQUIRE_BROWSER_TEST is set)"
        );
        println!("skipped: {missing:?} not installed, so GraphiQL cannot be tried in a browser");
        return;
    }
    node::install(&node::dir("browser")).expect("the browser driver");

    let hub = start_hub().await;
    let (query, variables) = readme_example();
    // The same request straight to the hub, to compare with what GraphiQL shows.
    let direct: Value = reqwest::Client::new()
        .post(format!("{}/graphql", hub.url))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(direct.get("errors").is_none(), "{direct}");

    // target/<profile>/knotenpunkt → target/browser/graphiql.png
    let screenshot = Path::new(env!("CARGO_BIN_EXE_knotenpunkt"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("browser/graphiql.png");
    let _ = std::fs::remove_file(&screenshot);
    let run = Command::new("node")
        .arg("graphiql.mjs")
        .current_dir(node::dir("browser"))
        .env("PAGE_URL", format!("{}/graphql", hub.url))
        .env("QUERY", &query)
        .env("VARIABLES", variables.to_string())
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", CHROMIUM)
        .output()
        .expect("node");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let report: Value = stdout
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| {
            panic!(
                "no report from the browser: {stdout}\n{}",
                String::from_utf8_lossy(&run.stderr)
            )
        });
    println!("screenshot: {}", screenshot.display());
    let context = format!(
        "{report:#}\nscreenshot: {}\nhub log:\n{}",
        screenshot.display(),
        hub.log()
    );

    assert!(report["error"].is_null(), "{context}");
    assert_eq!(
        report["blocked"],
        json!([]),
        "requests left loopback: {context}"
    );
    assert_eq!(report["failed"], json!([]), "requests failed: {context}");
    assert_eq!(report["consoleErrors"], json!([]), "{context}");
    assert_eq!(report["cspViolations"], json!([]), "{context}");
    assert_eq!(report["docsShowQuery"], true, "{context}");
    assert_eq!(report["typedQuery"], query.as_str(), "{context}");
    let typed: Value = serde_json::from_str(report["typedVariables"].as_str().unwrap()).unwrap();
    assert_eq!(typed, variables, "{context}");

    let shown = &report["response"];
    assert!(
        shown["data"]["courseRuns"]["totalCount"].is_u64(),
        "{context}"
    );
    assert!(shown["data"]["courseRuns"]["edges"].is_array(), "{context}");
    assert_eq!(
        shown, &direct,
        "GraphiQL shows what the hub answers: {context}"
    );
    assert!(screenshot.exists(), "{context}");
}
