//! Dependencies between the hub's top-level modules point one way:
//! `http → graphql → service → (db, entity)`, with `auth` below `graphql` and the
//! global IDs (`id`) neutral ground below all of them. Services and the token code are
//! callable without GraphQL or HTTP: bulk imports, subscriptions and federation
//! entities call them directly.
//!
//! The test reads the sources: every `crate::module` a file names must be allowed for
//! the file's own module, and the layers below `graphql` name no web framework.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What each top-level module may use of the others.
const ALLOWED: &[(&str, &[&str])] = &[
    ("error", &[]),
    ("config", &[]),
    ("metrics", &[]),
    ("memory", &[]),
    ("id", &["error"]),
    ("db", &["config", "error"]),
    ("auth", &["config", "error", "id"]),
    (
        "service",
        &["auth", "config", "db", "error", "id", "metrics"],
    ),
    (
        "graphql",
        &["auth", "config", "error", "id", "metrics", "service"],
    ),
    (
        "http",
        &[
            "auth", "config", "db", "error", "graphql", "id", "memory", "metrics", "service",
        ],
    ),
    ("demo", &["config", "db", "error", "id", "service"]),
];

/// Crates the layers below `graphql` must not use.
const WEB: &[&str] = &["async_graphql", "axum", "tower", "tower_http"];

/// Modules below `graphql`.
const BELOW_GRAPHQL: &[&str] = &["error", "config", "id", "db", "auth", "service"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/service/cases/mod.rs` →
/// `service`); `None` for the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The crate modules a line names (`crate::service::courses` → `service`).
fn crate_paths(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(i, _)| {
            // `knotenpunkt_crate::` or a path ending in `crate::` are not ours.
            *i == 0
                || !line[..*i]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, m)| {
            line[i + m.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn uses_crate(line: &str, name: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(name).any(|(i, m)| {
        let before = code[..i].chars().last();
        let after = code[i + m.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && code[i + m.len()..].starts_with("::")
    })
}

#[test]
fn dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let allowed: BTreeMap<&str, &[&str]> = ALLOWED.iter().copied().collect();
    let mut violations = Vec::new();
    let mut seen = 0;
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let Some(may_use) = allowed.get(module.as_str()) else {
            violations.push(format!(
                "{}: module `{module}` has no place in the layers of this test",
                file.display()
            ));
            continue;
        };
        seen += 1;
        let text = std::fs::read_to_string(file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in crate_paths(line) {
                if used != module && !may_use.contains(&used.as_str()) {
                    violations.push(format!(
                        "{}:{}: `{module}` uses `crate::{used}`: {}",
                        file.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
            if BELOW_GRAPHQL.contains(&module.as_str()) {
                for web in WEB {
                    if uses_crate(line, web) {
                        violations.push(format!(
                            "{}:{}: `{module}` uses `{web}`: {}",
                            file.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    assert!(seen > 50, "only {seen} source files were read");
    assert!(
        violations.is_empty(),
        "dependencies that point the wrong way:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must_refuse() {
    assert_eq!(
        crate_paths("use crate::graphql::input::CourseFilter;"),
        ["graphql"]
    );
    assert_eq!(
        crate_paths("let x = crate::service::today(); crate::db::write(db)"),
        ["service", "db"]
    );
    assert!(crate_paths("use other_crate::graphql;").is_empty());
    assert!(uses_crate(
        "pub fn patch(m: async_graphql::MaybeUndefined<T>)",
        "async_graphql"
    ));
    assert!(uses_crate("use axum::Router;", "axum"));
    assert!(!uses_crate("use tower_http::trace;", "tower"));
    assert!(!uses_crate(
        "// async_graphql::Value is not used here",
        "async_graphql"
    ));
}
