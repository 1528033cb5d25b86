//! GraphiQL works without the internet: `GET /graphql` serves a page whose scripts and
//! styles all come from the hub, each integrity-checked and pinned (see
//! `src/http/graphiql/VERSIONS`).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use common::TestApp;
use sha2::{Digest, Sha384};

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
