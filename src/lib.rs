//! Knotenpunkt: one shared GraphQL graph for the regional networks that bring health
//! professionals trained abroad into work.
//!
//! `app(state)` is the whole service as an axum `Router`; `main` serves it and the
//! integration tests drive it in-process.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod http;
pub mod id;
pub mod memory;
pub mod metrics;
pub mod service;

pub use http::state::AppState;

/// mimalloc as the process's allocator: a request allocates and frees many small
/// objects (parsed documents, field futures, rows, response values) across threads,
/// which glibc's allocator serves with far more work per call (see `benches/load.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The hub as a router.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
