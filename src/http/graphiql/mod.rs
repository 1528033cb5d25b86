//! GraphiQL served by the hub itself, so that it works on networks without internet.
//!
//! The page (`GET /graphql` without `query`) loads pinned builds of React and GraphiQL
//! (see `VERSIONS` next to this file) and a small start script, all embedded in the
//! binary and served under `/graphql/assets/`. Each asset's name carries a hash of its
//! bytes, so it can be cached forever, and the page references it with a Subresource
//! Integrity hash computed from the same bytes, so a browser refuses an asset that was
//! altered on the way. A Content-Security-Policy lets the page load nothing from
//! anywhere else.

use axum::extract::Path;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha384};
use std::sync::LazyLock;

/// Where the assets are served, relative to the page at `/graphql`. Relative, so the
/// page also works behind a reverse proxy that mounts the hub under a path prefix.
const ASSET_BASE: &str = "graphql/assets/";

/// What the page may load: only its own assets and the GraphQL endpoint. GraphiQL's
/// stylesheet carries its fonts and a few images as `data:` URLs.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; font-src 'self' data:; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file of the page, embedded in the binary.
struct File {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The page's files in the order the page loads them: GraphiQL needs React and
/// ReactDOM as globals, and the start script needs all three.
const FILES: &[File] = &[
    File {
        name: "graphiql.min.css",
        content_type: CSS,
        bytes: include_bytes!("graphiql.min.css"),
    },
    File {
        name: "page.css",
        content_type: CSS,
        bytes: include_bytes!("page.css"),
    },
    File {
        name: "react.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("react.production.min.js"),
    },
    File {
        name: "react-dom.production.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("react-dom.production.min.js"),
    },
    File {
        name: "graphiql.min.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("graphiql.min.js"),
    },
    File {
        name: "start.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("start.js"),
    },
];

/// A file as the page references it.
struct Asset {
    file: &'static File,
    /// `graphiql.min.<hash>.js`: a new build gets a new name, so caches never serve an
    /// old file under the integrity hash of a new one.
    served_name: String,
    /// `sha384-…` of the bytes, for the `integrity` attribute.
    integrity: String,
}

impl Asset {
    fn new(file: &'static File) -> Asset {
        let digest = Sha384::digest(file.bytes);
        let tag = &hex::encode(digest)[..16];
        let served_name = match file.name.rsplit_once('.') {
            Some((stem, extension)) => format!("{stem}.{tag}.{extension}"),
            None => format!("{}.{tag}", file.name),
        };
        let integrity = format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        Asset {
            file,
            served_name,
            integrity,
        }
    }
}

/// The page and its assets, hashed once per process.
struct Graphiql {
    assets: Vec<Asset>,
    page: String,
}

static GRAPHIQL: LazyLock<Graphiql> = LazyLock::new(|| {
    let assets: Vec<Asset> = FILES.iter().map(Asset::new).collect();
    let (mut styles, mut scripts) = (Vec::new(), Vec::new());
    for asset in &assets {
        let (href, integrity) = (
            format!("{ASSET_BASE}{}", asset.served_name),
            &asset.integrity,
        );
        if asset.file.content_type == CSS {
            styles.push(format!(
                r#"<link rel="stylesheet" href="{href}" integrity="{integrity}">"#
            ));
        } else {
            scripts.push(format!(
                r#"<script src="{href}" integrity="{integrity}"></script>"#
            ));
        }
    }
    let page = format!(
        include_str!("page.html"),
        styles = styles.join("\n    "),
        scripts = scripts.join("\n    ")
    );
    Graphiql { assets, page }
});

/// Hashes the assets now, at start-up, rather than on the first page view.
pub fn prepare() {
    LazyLock::force(&GRAPHIQL);
}

/// The GraphiQL page.
pub fn page() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            ),
            // The page names the current assets; a cached copy could name old ones.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        GRAPHIQL.page.as_str(),
    )
        .into_response()
}

/// `GET /graphql/assets/{name}`: an asset of the page, by the name the page uses.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = GRAPHIQL.assets.iter().find(|a| a.served_name == name) else {
        return (
            StatusCode::NOT_FOUND,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            "no such asset; reload /graphql for the current names\n",
        )
            .into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.file.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("same-origin"),
            ),
        ],
        asset.file.bytes,
    )
        .into_response()
}
