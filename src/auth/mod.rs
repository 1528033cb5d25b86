//! Who is calling: the per-request `Principal`.

pub mod principal;

pub use principal::Principal;
