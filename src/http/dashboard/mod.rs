//! The regional network's dashboard at `GET /dashboard`: one page, served by the hub
//! itself, that reads only the public GraphQL API with a `stats:read` token and draws
//! the disclosure-controlled aggregates (demand gaps, the case funnel, overdue cases,
//! pooling suggestions, funding budgets, a statistics table) in German, English or
//! Swedish.
//!
//! It is served the way GraphiQL is (`super::graphiql`): hand-written script and style
//! files embedded in the binary, served under `/dashboard/assets/` by names that carry
//! a hash of their bytes (cached forever), referenced with Subresource Integrity, and a
//! Content-Security-Policy that lets the page load and call nothing but the hub. There
//! is no third-party code: the charts are SVG drawn by `charts.js`.
//!
//! The operator may configure a token (`--dashboard-token`); it is then written into the
//! page, so anyone who can load the page sees the aggregates that token may read, and
//! the page is never stored by caches.

use crate::http::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha384};
use std::sync::LazyLock;

/// Where the assets are served, relative to the page at `/dashboard`, so the page also
/// works behind a reverse proxy that mounts the hub under a path prefix.
const ASSET_BASE: &str = "dashboard/assets/";

/// What the page may load: its own assets, and requests to the hub (`/graphql`,
/// `/oauth/token`). The charts are inline SVG built through the DOM, which needs no
/// `unsafe-inline`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// A file of the page, embedded in the binary.
struct File {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The page's files in the order the page loads them: the UI strings and the chart
/// helpers before the script that uses both.
const FILES: &[File] = &[
    File {
        name: "dashboard.css",
        content_type: CSS,
        bytes: include_bytes!("dashboard.css"),
    },
    File {
        name: "strings.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("strings.js"),
    },
    File {
        name: "charts.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("charts.js"),
    },
    File {
        name: "dashboard.js",
        content_type: JAVASCRIPT,
        bytes: include_bytes!("dashboard.js"),
    },
];

/// A file as the page references it.
struct Asset {
    file: &'static File,
    /// `dashboard.<hash>.js`: a new build gets a new name, so caches never serve an old
    /// file under the integrity hash of a new one.
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

/// The assets and the tags that load them, hashed once per process.
struct Dashboard {
    assets: Vec<Asset>,
    styles: String,
    scripts: String,
}

static DASHBOARD: LazyLock<Dashboard> = LazyLock::new(|| {
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
    Dashboard {
        assets,
        styles: styles.join("\n    "),
        scripts: scripts.join("\n    "),
    }
});

/// Hashes the assets now, at start-up, rather than on the first page view.
pub fn prepare() {
    LazyLock::force(&DASHBOARD);
}

/// `text` safe inside a double-quoted HTML attribute.
fn attribute_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// `GET /dashboard`: the page, with the operator's token when one is configured.
pub async fn page(State(state): State<AppState>) -> Response {
    let token = state.dashboard_token.as_deref().unwrap_or_default();
    let page = format!(
        include_str!("page.html"),
        styles = DASHBOARD.styles,
        scripts = DASHBOARD.scripts,
        token = attribute_text(token),
    );
    // A page carrying a token must not outlive the request in any cache; without one it
    // only names the current assets, which a cached copy might not.
    let cache = if token.is_empty() {
        "no-cache"
    } else {
        "no-store"
    };
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
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        page,
    )
        .into_response()
}

/// `GET /dashboard/assets/{name}`: an asset of the page, by the name the page uses.
pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(asset) = DASHBOARD.assets.iter().find(|a| a.served_name == name) else {
        return (
            StatusCode::NOT_FOUND,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            "no such asset; reload /dashboard for the current names\n",
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

#[cfg(test)]
mod tests {
    use super::attribute_text;

    #[test]
    fn a_token_cannot_leave_its_attribute() {
        assert_eq!(
            attribute_text(r#"a"><script>x</script>'&"#),
            "a&quot;&gt;&lt;script&gt;x&lt;/script&gt;&#39;&amp;"
        );
        assert_eq!(attribute_text("eyJ0.eyJz.c2ln-_"), "eyJ0.eyJz.c2ln-_");
    }
}
