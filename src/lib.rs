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

/// The hub as a router.
pub fn app(state: AppState) -> axum::Router {
    http::router(state)
}
