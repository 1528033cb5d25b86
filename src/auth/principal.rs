//! The caller of a request, attached by the HTTP layer and read by resolvers and row
//! rules. Anonymous callers read the public catalogue only.

/// The caller of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Principal {
    /// No token: the public catalogue (regions, professions, organisations' public
    /// profiles, courses and runs).
    #[default]
    Anonymous,
}
