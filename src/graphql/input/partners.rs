//! Inputs of the operator's partner administration.

use crate::graphql::types::Date;
use crate::service::organisations;
use async_graphql::{ID, InputObject};
use entity::organisation::{EmployerType, OrganisationKind};

/// A new partner organisation.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterOrganisationInput {
    /// What kind of partner it is.
    pub kind: OrganisationKind,
    /// For employers: what kind of care they provide.
    pub employer_type: Option<EmployerType>,
    /// Name, 2 to 200 characters.
    pub name: String,
    /// Region (district AGS where known, else state code).
    pub region: String,
    /// City or municipality.
    pub city: String,
    /// Street address.
    pub street: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Public contact e-mail address.
    pub email: Option<String>,
    /// Public contact phone number.
    pub phone: Option<String>,
    /// Website (`https://…`).
    pub website: Option<String>,
    /// For course providers: the Bundesagentur's provider number.
    pub provider_number: Option<String>,
    /// For course providers: AZAV certification valid until.
    pub azav_valid_until: Option<Date>,
}

/// A new client of a partner at the built-in issuer.
#[derive(Debug, Clone, InputObject)]
pub struct RegisterPartnerClientInput {
    /// The organisation the client acts for.
    pub organisation_id: ID,
    /// A name that tells the operator what the client is (e.g. "BFS Leipzig course admin").
    pub name: String,
    /// Scopes the client may request, e.g. `["courses:write"]`.
    pub scopes: Vec<String>,
}

/// Revoking a client.
#[derive(Debug, Clone, InputObject)]
pub struct RevokePartnerClientInput {
    /// The client's `client_id`.
    pub client_id: String,
}

impl From<RegisterOrganisationInput> for organisations::NewOrganisation {
    fn from(i: RegisterOrganisationInput) -> Self {
        organisations::NewOrganisation {
            kind: i.kind,
            employer_type: i.employer_type,
            name: i.name,
            region: i.region,
            city: i.city,
            street: i.street,
            postal_code: i.postal_code,
            email: i.email,
            phone: i.phone,
            website: i.website,
            provider_number: i.provider_number,
            azav_valid_until: i.azav_valid_until.map(|d| d.0),
        }
    }
}
