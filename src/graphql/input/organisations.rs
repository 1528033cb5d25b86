//! Filters of the partner directory.

use crate::service::organisations;
use async_graphql::InputObject;
use entity::organisation::OrganisationKind;

/// Narrows the list of organisations; all given conditions must hold.
#[derive(Debug, Clone, Default, InputObject)]
pub struct OrganisationFilter {
    /// Only organisations of this kind.
    pub kind: Option<OrganisationKind>,
    /// Only organisations located in this region or any region below it (ISO 3166-2 code such as `DE-SN`, or district AGS such as `14713`).
    pub region: Option<String>,
    /// Only organisations whose name or city contains this text (case-insensitive, at most 200 characters).
    pub search: Option<String>,
}

impl From<OrganisationFilter> for organisations::OrganisationFilter {
    fn from(f: OrganisationFilter) -> Self {
        organisations::OrganisationFilter {
            kind: f.kind,
            region: f.region,
            search: f.search,
        }
    }
}
