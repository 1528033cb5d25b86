//! The dashboard at `/dashboard`: a page served by the hub itself that loads nothing
//! from elsewhere (its assets are same-origin, hashed and integrity-checked), carries
//! the operator's token when one is configured, and — in a real Chromium with every
//! request off loopback blocked — draws exactly the figures the GraphQL API gives a
//! `stats:read` token, in German, English and Swedish.
//!
//! The browser test needs Node.js and Chromium (`/usr/bin/chromium`); it installs the
//! pinned `playwright-core` from `tests/browser/package-lock.json` with `npm ci`.
//! Without them it is skipped with a printed reason, unless
//! `KNOTENPUNKT_REQUIRE_BROWSER_TEST` is set (as in CI), where it fails instead. Like
//! the GraphiQL browser test it runs on the SQLite pass only; the figures themselves are
//! tested on both databases by the statistics tests.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use common::{TestApp, node};
use knotenpunkt::AppState;
use knotenpunkt::config::Limits;
use serde_json::{Value, json};
use sha2::{Digest, Sha384};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

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

// ---- the browser -------------------------------------------------------------------

/// One number as the page shows it or as the API gives it: which figure, of which row
/// or cell, its value (`null` where the API gives none) and, for disclosed counts, the
/// text and flags the API gives.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    value: Value,
    display: Option<String>,
    flags: Option<String>,
}

type Figures = BTreeMap<(String, String), Figure>;

fn put(figures: &mut Figures, figure: &str, key: &str, value: Value) {
    figures.insert(
        (figure.to_owned(), key.to_owned()),
        Figure {
            value,
            display: None,
            flags: None,
        },
    );
}

/// A `{count display flags}` of the API.
fn put_count(figures: &mut Figures, figure: &str, key: &str, disclosed: &Value) {
    let flags: Vec<&str> = disclosed["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    figures.insert(
        (figure.to_owned(), key.to_owned()),
        Figure {
            value: disclosed["count"].clone(),
            display: Some(disclosed["display"].as_str().expect("display").to_owned()),
            flags: Some(flags.join(",")),
        },
    );
}

/// `DIMENSION=value|…` of a statistics cell, as the page keys it.
fn cell_key(cell: &Value) -> String {
    let parts: Vec<String> = cell["key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            format!(
                "{}={}",
                k["dimension"].as_str().unwrap(),
                k["value"].as_str().unwrap()
            )
        })
        .collect();
    if parts.is_empty() {
        "*".to_owned()
    } else {
        parts.join("|")
    }
}

/// What the page was asked to show: the language, the region filter, and the
/// statistics table's dimensions.
struct Asked<'a> {
    lang: &'a str,
    region: Option<&'a str>,
    group_by: Vec<String>,
}

/// The figures the API gives `token` for what the page was asked to show, queried here
/// independently of the page.
async fn api_figures(app: &TestApp, token: &str, asked: &Asked<'_>) -> Figures {
    let lang = asked.lang.to_uppercase();
    let mut figures = Figures::new();

    let data = app
        .query_as(
            token,
            "query($region: String) { demandGaps(filter: {region: $region}) { region { code } profession { key } measure need { count display flags } seats offers gap } }",
            json!({ "region": asked.region }),
        )
        .await;
    for g in data["demandGaps"].as_array().unwrap() {
        let key = format!(
            "{}|{}|{}",
            g["region"]["code"].as_str().unwrap_or_default(),
            g["profession"]["key"].as_str().unwrap_or_default(),
            g["measure"].as_str().unwrap()
        );
        put_count(&mut figures, "demand.need", &key, &g["need"]);
        for field in ["seats", "offers", "gap"] {
            put(
                &mut figures,
                &format!("demand.{field}"),
                &key,
                g[field].clone(),
            );
        }
    }

    let data = app
        .query_as(
            token,
            "query($region: String) { caseFunnel(filter: {region: $region}) { stage count { count display flags } medianDaysFromPrevious } }",
            json!({ "region": asked.region }),
        )
        .await;
    for s in data["caseFunnel"].as_array().unwrap() {
        let stage = s["stage"].as_str().unwrap();
        put_count(&mut figures, "funnel.count", stage, &s["count"]);
        put(
            &mut figures,
            "funnel.median",
            stage,
            s["medianDaysFromPrevious"].clone(),
        );
    }

    let data = app
        .query_as(
            token,
            "query($region: String, $lang: Lang!) { statistics(groupBy: [AUTHORITY], filter: {region: $region}, lang: $lang) { cells { key { dimension value } count display flags overdueShare } } }",
            json!({ "region": asked.region, "lang": lang }),
        )
        .await;
    for c in data["statistics"]["cells"].as_array().unwrap() {
        put_count(&mut figures, "overdue.count", &cell_key(c), c);
        put(
            &mut figures,
            "overdue.share",
            &cell_key(c),
            c["overdueShare"].clone(),
        );
    }

    // Pooling and funding take no region filter.
    let data = app
        .query_as(
            token,
            "{ poolingSuggestions { profession { key } measure regions { code } need { count display flags } } }",
            json!({}),
        )
        .await;
    for p in data["poolingSuggestions"].as_array().unwrap() {
        let regions: Vec<&str> = p["regions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        let key = format!(
            "{}|{}|{}",
            p["profession"]["key"].as_str().unwrap_or_default(),
            p["measure"].as_str().unwrap(),
            regions.join(",")
        );
        put_count(&mut figures, "pooling.need", &key, &p["need"]);
    }

    let data = app
        .query_as(
            token,
            "{ fundingProgrammes(first: 100) { nodes { id budget { total { amount } committed { amount } paid { amount } remaining { amount } } } } }",
            json!({}),
        )
        .await;
    for p in data["fundingProgrammes"]["nodes"].as_array().unwrap() {
        if p["budget"].is_null() {
            continue;
        }
        for field in ["total", "committed", "paid", "remaining"] {
            put(
                &mut figures,
                &format!("funding.{field}"),
                p["id"].as_str().unwrap(),
                p["budget"][field]["amount"].clone(),
            );
        }
    }

    let data = app
        .query_as(
            token,
            "query($groupBy: [StatisticsDimension!]!, $region: String, $lang: Lang!) { statistics(groupBy: $groupBy, filter: {region: $region}, lang: $lang) { cells { key { dimension value } count display flags } margins { cells { key { dimension value } count display flags } } total { key { dimension value } count display flags } } }",
            json!({ "groupBy": asked.group_by, "region": asked.region, "lang": lang }),
        )
        .await;
    let stats = &data["statistics"];
    for c in stats["cells"].as_array().unwrap() {
        put_count(&mut figures, "stats.cell", &cell_key(c), c);
    }
    // One dimension: its margin is the cells themselves, so the page shows only these.
    if asked.group_by.len() > 1 {
        for m in stats["margins"].as_array().unwrap() {
            for c in m["cells"].as_array().unwrap() {
                put_count(&mut figures, "stats.margin", &cell_key(c), c);
            }
        }
    }
    put_count(&mut figures, "stats.total", "*", &stats["total"]);
    figures
}

/// Whether a value the page wrote into `data-value` is the API's value.
fn same_value(shown: &str, api: &Value) -> bool {
    match api {
        Value::Null => shown.is_empty(),
        Value::Number(n) => shown.parse::<f64>().ok() == n.as_f64(),
        Value::String(s) => shown == s,
        _ => false,
    }
}

/// Compares what one view of the page drew with the API's figures: every number drawn
/// is the API's (value, text and flags), and every figure of the API is shown.
fn compare(view: &Value, api: &Figures, context: &str) {
    let name = view["name"].as_str().unwrap();
    let mut shown = BTreeSet::new();
    let drawn = view["figures"].as_array().unwrap();
    for f in drawn {
        let (figure, key) = (
            f["figure"].as_str().unwrap().to_owned(),
            f["key"].as_str().unwrap().to_owned(),
        );
        let expected = api.get(&(figure.clone(), key.clone())).unwrap_or_else(|| {
            panic!(
                "{name}: the page drew {figure} {key}, which the API did not give: {f}\n{context}"
            )
        });
        let value = f["value"].as_str().unwrap();
        assert!(
            same_value(value, &expected.value),
            "{name}: {figure} {key} drawn as {value:?}, the API gives {}\n{context}",
            expected.value
        );
        if let Some(display) = f["display"].as_str() {
            assert_eq!(
                Some(display),
                expected.display.as_deref(),
                "{name}: {figure} {key}\n{context}"
            );
            if f["element"] != "rect" {
                assert!(
                    f["text"].as_str().unwrap().starts_with(display),
                    "{name}: {figure} {key} shows the API's text: {f}\n{context}"
                );
            }
        }
        if let Some(flags) = f["flags"].as_str() {
            assert_eq!(
                Some(flags),
                expected.flags.as_deref(),
                "{name}: {figure} {key}\n{context}"
            );
        }
        shown.insert((figure, key));
    }
    let missing: Vec<_> = api.keys().filter(|k| !shown.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{name}: the page does not show {missing:?}\n{context}"
    );
}

/// The demo network's professions with their names in `lang`, from the API.
async fn profession_names(app: &TestApp, lang: &str) -> BTreeMap<String, String> {
    let data = app
        .query(
            "query($lang: Lang!) { professions { key label(lang: $lang) } }",
            json!({ "lang": lang.to_uppercase() }),
        )
        .await;
    data["professions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_owned(),
                p["label"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The row names of the statistics table as the API gives them in `lang` (of its
/// first dimension), followed by the total's.
async fn statistics_row_names(app: &TestApp, token: &str, asked: &Asked<'_>) -> Vec<String> {
    let data = app
        .query_as(
            token,
            "query($groupBy: [StatisticsDimension!]!, $region: String, $lang: Lang!) { statistics(groupBy: $groupBy, filter: {region: $region}, lang: $lang) { cells { key { dimension label } } margins { dimension cells { key { label } } } } }",
            json!({
                "groupBy": asked.group_by,
                "region": asked.region,
                "lang": asked.lang.to_uppercase(),
            }),
        )
        .await;
    let stats = &data["statistics"];
    let first = &asked.group_by[0];
    let mut names: Vec<String> = Vec::new();
    if asked.group_by.len() > 1 {
        let margin = stats["margins"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["dimension"] == first.as_str())
            .expect("the rows' margin");
        for c in margin["cells"].as_array().unwrap() {
            names.push(c["key"][0]["label"].as_str().unwrap().to_owned());
        }
    }
    for c in stats["cells"].as_array().unwrap() {
        let label = c["key"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["dimension"] == first.as_str())
            .unwrap()["label"]
            .as_str()
            .unwrap()
            .to_owned();
        if !names.contains(&label) {
            names.push(label);
        }
    }
    names
}

/// Serves `router` on a loopback port, as `serve` does, for the browser.
async fn listen(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), server)
}

/// The headings each language must show (its own words, not another language's).
const TITLES: [(&str, &str); 3] = [
    ("de", "Dashboard des regionalen Netzwerks"),
    ("en", "Regional network dashboard"),
    ("sv", "Det regionala nätverkets översikt"),
];
const FIRST_SECTION: [(&str, &str); 3] = [
    ("de", "Plätze und Bedarf"),
    ("en", "Seats and need"),
    ("sv", "Platser och behov"),
];

/// Sections that must show a table and a chart of the demo network's figures.
const CHARTED: [&str; 4] = ["demand", "funnel", "overdue", "funding"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_draws_the_apis_figures_in_german_english_and_swedish() {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        println!(
            "skipped: the dashboard's browser test runs on the SQLite pass (the statistics tests cover both databases)"
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
        println!(
            "skipped: {missing:?} not installed, so the dashboard cannot be tried in a browser"
        );
        return;
    }
    node::install(&node::dir("browser")).expect("the browser driver");

    // The page is loaded five times within a minute here, and the test asks the API the
    // same questions itself, with the same client: more than a client's budget of cost
    // points per minute (a full page costs about a quarter of the default). The budget
    // is not what this test is about.
    let mut limits = Limits::default();
    limits.rate.rate_limit_points_per_minute = 0;
    let app = TestApp::with_limits(limits).await;
    let token = app.demo_token("funder").await;
    let funder = knotenpunkt::demo::demo_clients(42)
        .into_iter()
        .find(|c| c.client_id == "demo-funder")
        .expect("the demo funder");
    let (url, server) = listen(app.router.clone()).await;
    // The same hub with the token written into the page.
    let (operator_url, operator_server) = listen(with_dashboard_token(&app, &token)).await;

    // target/<profile>/knotenpunkt → target/artefacts/
    let artefacts = Path::new(env!("CARGO_BIN_EXE_knotenpunkt"))
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    for lang in ["de", "en", "sv"] {
        let _ = std::fs::remove_file(artefacts.join(format!("dashboard-{lang}.png")));
    }
    let (region, dimension) = ("SE-AB", "STATUS");
    let mut command = Command::new("node");
    command
        .arg("dashboard.mjs")
        .current_dir(node::dir("browser"))
        .env("PAGE_URL", format!("{url}/dashboard"))
        .env("OPERATOR_PAGE_URL", format!("{operator_url}/dashboard"))
        .env("TOKEN", &token)
        .env("CLIENT_ID", &funder.client_id)
        .env("CLIENT_SECRET", &funder.secret)
        .env("FILTER_REGION", region)
        .env("STATS_DIMENSION", dimension)
        .env("SCREENSHOT_DIR", &artefacts)
        .env("CHROMIUM", CHROMIUM);
    let run = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
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
    for shot in report["screenshots"].as_array().into_iter().flatten() {
        println!("screenshot: {}", shot.as_str().unwrap());
    }
    let context = format!("steps: {}\nerror: {}", report["steps"], report["error"]);
    assert!(report["error"].is_null(), "{context}");
    assert_eq!(
        report["blocked"],
        json!([]),
        "requests left loopback: {context}"
    );
    assert_eq!(report["failed"], json!([]), "requests failed: {context}");
    assert_eq!(report["consoleErrors"], json!([]), "{context}");
    assert_eq!(report["cspViolations"], json!([]), "{context}");

    // Keyboard: the skip link, then the language switch, with a visible focus ring.
    let keyboard = &report["keyboard"];
    assert_eq!(keyboard["focused"], "lang", "{keyboard}");
    assert_eq!(keyboard["outlineStyle"], "solid", "{keyboard}");
    assert_ne!(keyboard["outlineWidth"], "0px", "{keyboard}");
    assert_eq!(keyboard["showButton"], "Show", "{keyboard}");

    let views: BTreeMap<&str, &Value> = report["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].as_str().unwrap(), v))
        .collect();
    assert_eq!(
        views.keys().copied().collect::<Vec<_>>(),
        [
            "de",
            "en",
            "en-operator",
            "en-region",
            "en-statistics",
            "sv"
        ]
    );
    assert_eq!(report["operatorFormsHidden"], true, "{context}");
    for (name, view) in &views {
        let lang = &name[..2];
        let region = (*name == "en-region").then_some(region);
        let group_by: Vec<String> = view["statisticsGroupBy"]
            .as_str()
            .expect("the statistics table's dimensions")
            .split(',')
            .map(str::to_owned)
            .collect();
        if ["en-statistics", "en-region"].contains(name) {
            assert_eq!(group_by, [dimension], "{name}");
        } else {
            assert_eq!(group_by.len(), 2, "{name}: two dimensions at first");
        }
        let asked = Asked {
            lang,
            region,
            group_by,
        };
        let context = format!("{view:#}");

        // Its own words.
        assert_eq!(view["htmlLang"], lang, "{name}");
        let title = TITLES.iter().find(|(l, _)| *l == lang).unwrap().1;
        assert_eq!(view["title"], title, "{name}");
        let first = FIRST_SECTION.iter().find(|(l, _)| *l == lang).unwrap().1;
        assert_eq!(view["headings"][0], first, "{name}");

        // Every section loaded, with the demo network's figures (pooling: as many
        // suggestions as the API makes, which may be none).
        let api = api_figures(&app, &token, &asked).await;
        let suggestions = api.keys().filter(|(f, _)| f == "pooling.need").count();
        for (id, section) in view["sections"].as_object().unwrap() {
            assert_eq!(section["status"], "ready", "{name}: {id}: {section}");
            if id == "pooling" {
                assert_eq!(
                    section["rows"].as_u64().unwrap(),
                    suggestions as u64,
                    "{name}: {section}"
                );
                if suggestions == 0 {
                    assert!(section["message"].is_string(), "{name}: {section}");
                }
                continue;
            }
            assert!(
                section["rows"].as_u64().unwrap() > 0,
                "{name}: {id} shows no rows: {section}"
            );
        }
        for id in CHARTED {
            assert!(
                view["sections"][id]["bars"].as_u64().unwrap() > 0,
                "{name}: {id} draws no chart"
            );
        }
        for prefix in ["demand.", "funnel.", "overdue.", "funding.", "stats."] {
            assert!(
                api.iter()
                    .any(|((f, _), v)| f.starts_with(prefix) && !v.value.is_null()),
                "{name}: the demo network has {prefix} figures to show"
            );
        }
        compare(view, &api, &context);

        // Names come from the API in the chosen language.
        let professions: BTreeMap<String, String> = view["professionOptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["value"].as_str().unwrap().to_owned(),
                    o["label"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(professions, profession_names(&app, lang).await, "{name}");
        let rows: Vec<String> = view["statisticsRows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_owned())
            .collect();
        let names = statistics_row_names(&app, &token, &asked).await;
        assert_eq!(&rows[..rows.len() - 1], names, "{name}");
    }
    server.abort();
    operator_server.abort();
}
