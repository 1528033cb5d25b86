//! Node.js peers of the tests — a real external IdP, a browser driver, graphql-js — each
//! a pinned npm package set under `tests/<name>/`, installed with `npm ci` from its lock
//! file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The directory of a pinned package set, `tests/<name>`.
pub fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// Whether `node` and `npm` run here.
pub fn available() -> bool {
    ["node", "npm"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Whether a test that needs Node may go on: without Node it prints why it is skipped
/// and answers `false`, unless `require_var` is set (as in CI), where it fails instead.
pub fn ready(require_var: &str, what: &str) -> bool {
    if available() {
        return true;
    }
    assert!(
        std::env::var_os(require_var).is_none(),
        "{what} needs Node.js and npm here ({require_var} is set)"
    );
    println!("skipped: Node.js is not installed, so {what} cannot run");
    false
}

/// Whether `dir/node_modules` holds what the lock file pins: npm writes its own record
/// of the installed tree (`node_modules/.package-lock.json`) after every install, so one
/// at least as new as the lock file means `npm ci` would install the same again (the
/// gateway's set takes a minute, and each test process would repeat it).
fn installed(dir: &Path) -> bool {
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(dir.join("node_modules/.package-lock.json")),
        modified(dir.join("package-lock.json")),
    ) {
        (Some(tree), Some(lock)) => tree >= lock,
        _ => false,
    }
}

/// Installs the pinned packages of `dir` once per test process (`npm ci`), unless they
/// are installed already.
pub fn install(dir: &Path) -> Result<(), String> {
    static DONE: OnceLock<Mutex<HashMap<PathBuf, Result<(), String>>>> = OnceLock::new();
    let mut done = DONE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    done.entry(dir.to_owned())
        .or_insert_with(|| {
            if installed(dir) {
                return Ok(());
            }
            let out = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(dir)
                .output()
                .map_err(|e| format!("npm: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "npm ci in {} failed: {}",
                    dir.display(),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        })
        .clone()
}
