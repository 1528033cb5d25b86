//! OAuth2 scopes: what a client may do. Rows (what it may do it *on*) are decided by
//! the row rules of each domain in `service/`.

use std::collections::BTreeSet;
use std::fmt;

/// One scope of the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    CoursesWrite,
    CandidatesRead,
    CandidatesWrite,
    CandidatesPii,
    CasesRead,
    CasesWrite,
    EnrolmentsWrite,
    ExamsWrite,
    PlacementsWrite,
    FundingApply,
    FundingDecide,
    EventsWrite,
    EventsRegister,
    RequestsWrite,
    ConsultationsWrite,
    StatsRead,
    AuditRead,
    Admin,
}

impl Scope {
    /// Every scope, in documentation order.
    pub const ALL: [Scope; 18] = [
        Scope::CoursesWrite,
        Scope::CandidatesRead,
        Scope::CandidatesWrite,
        Scope::CandidatesPii,
        Scope::CasesRead,
        Scope::CasesWrite,
        Scope::EnrolmentsWrite,
        Scope::ExamsWrite,
        Scope::PlacementsWrite,
        Scope::FundingApply,
        Scope::FundingDecide,
        Scope::EventsWrite,
        Scope::EventsRegister,
        Scope::RequestsWrite,
        Scope::ConsultationsWrite,
        Scope::StatsRead,
        Scope::AuditRead,
        Scope::Admin,
    ];

    /// The scope as it appears in tokens and requests.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::CoursesWrite => "courses:write",
            Scope::CandidatesRead => "candidates:read",
            Scope::CandidatesWrite => "candidates:write",
            Scope::CandidatesPii => "candidates:pii",
            Scope::CasesRead => "cases:read",
            Scope::CasesWrite => "cases:write",
            Scope::EnrolmentsWrite => "enrolments:write",
            Scope::ExamsWrite => "exams:write",
            Scope::PlacementsWrite => "placements:write",
            Scope::FundingApply => "funding:apply",
            Scope::FundingDecide => "funding:decide",
            Scope::EventsWrite => "events:write",
            Scope::EventsRegister => "events:register",
            Scope::RequestsWrite => "requests:write",
            Scope::ConsultationsWrite => "consultations:write",
            Scope::StatsRead => "stats:read",
            Scope::AuditRead => "audit:read",
            Scope::Admin => "admin",
        }
    }

    /// The scope named `s`, if the hub knows it.
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The scopes an operation needs: all of some, or any one of some (the two shapes of
/// Apollo's `@requiresScopes`). Checked in one place: the GraphQL field guard
/// (`graphql::guard`) for the API, and any other entry point (an import) the same way.
/// Services decide only roles and rows.
#[derive(Debug, Clone, Copy)]
pub enum ScopeRequirement {
    /// Every one of these.
    All(&'static [Scope]),
    /// At least one of these.
    Any(&'static [Scope]),
}

impl ScopeRequirement {
    /// `UNAUTHENTICATED` without a token, `FORBIDDEN` with a token that lacks the scopes.
    pub fn check(&self, principal: &super::Principal) -> crate::error::AppResult<()> {
        use crate::error::AppError;
        if principal.client().is_none() {
            return Err(AppError::Unauthenticated(
                "this operation needs a bearer token".into(),
            ));
        }
        let missing = match self {
            ScopeRequirement::All(scopes) => scopes
                .iter()
                .find(|s| !principal.has_scope(**s))
                .map(|s| format!("the scope `{s}`")),
            ScopeRequirement::Any(scopes) => (!scopes.iter().any(|s| principal.has_scope(*s)))
                .then(|| {
                    let names: Vec<String> = scopes.iter().map(|s| format!("`{s}`")).collect();
                    format!("one of the scopes {}", names.join(" or "))
                }),
        };
        match missing {
            Some(what) => Err(AppError::Forbidden(format!("this operation needs {what}"))),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses a space-separated scope string; unknown names are returned as errors.
    pub fn parse_strict(s: &str) -> Result<ScopeSet, Vec<String>> {
        let mut set = BTreeSet::new();
        let mut unknown = Vec::new();
        for name in s.split_whitespace() {
            match Scope::parse(name) {
                Some(scope) => {
                    set.insert(scope);
                }
                None => unknown.push(name.to_owned()),
            }
        }
        if unknown.is_empty() {
            Ok(ScopeSet(set))
        } else {
            Err(unknown)
        }
    }

    /// Parses a space-separated scope string from a token, ignoring scopes of other
    /// resource servers (`openid`, …).
    pub fn parse_lenient(s: &str) -> ScopeSet {
        ScopeSet(s.split_whitespace().filter_map(Scope::parse).collect())
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_subset(&self, other: &ScopeSet) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&names.join(" "))
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        ScopeSet(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print() {
        let set = ScopeSet::parse_strict("courses:write  stats:read").unwrap();
        assert!(set.contains(Scope::CoursesWrite) && set.contains(Scope::StatsRead));
        assert_eq!(set.to_string(), "courses:write stats:read");
        assert_eq!(
            ScopeSet::parse_strict("courses:write root").unwrap_err(),
            ["root"]
        );
        assert_eq!(
            ScopeSet::parse_lenient("openid courses:write").to_string(),
            "courses:write"
        );
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
    }
}
