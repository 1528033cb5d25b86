//! The operator's partner administration (scope `admin`): organisations and clients.

use crate::auth::Scope;
use crate::graphql::guard::RequireScopes;
use crate::graphql::id::{self, NodeType};
use crate::graphql::input::{
    RegisterOrganisationInput, RegisterPartnerClientInput, RevokePartnerClientInput, under,
};
use crate::graphql::types::{Organisation, PartnerClient};
use crate::graphql::{db, reference};
use crate::service::{clients, organisations};
use async_graphql::{Context, Object, Result, SimpleObject};

/// The result of `registerOrganisation`.
#[derive(SimpleObject)]
pub struct RegisterOrganisationPayload {
    /// The new organisation.
    pub organisation: Organisation,
}

/// The result of `registerPartnerClient`.
#[derive(SimpleObject)]
pub struct RegisterPartnerClientPayload {
    /// The new client.
    pub client: PartnerClient,
    /// The client secret. It is shown this once and stored only as a hash: hand it to the partner now.
    pub client_secret: String,
}

/// The result of `revokePartnerClient`.
#[derive(SimpleObject)]
pub struct RevokePartnerClientPayload {
    /// The revoked client.
    pub client: PartnerClient,
}

#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Registers a partner organisation (scope `admin`).
    #[graphql(guard = "RequireScopes::one(&Scope::Admin)")]
    async fn register_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organisation.")] input: RegisterOrganisationInput,
    ) -> Result<RegisterOrganisationPayload> {
        let org = organisations::register(db(ctx)?, &reference(ctx)?.regions, &input.into())
            .await
            .map_err(under("input"))?;
        Ok(RegisterOrganisationPayload {
            organisation: Organisation(org),
        })
    }

    /// Registers a client for a partner at the built-in issuer and returns its secret once (scope `admin`).
    #[graphql(guard = "RequireScopes::one(&Scope::Admin)")]
    async fn register_partner_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation, a name and the scopes.")]
        input: RegisterPartnerClientInput,
    ) -> Result<RegisterPartnerClientPayload> {
        let organisation = id::decode_as(
            &input.organisation_id,
            NodeType::Organisation,
            "input.organisationId",
        )?;
        let registered = clients::register(
            db(ctx)?,
            clients::NewClient {
                name: input.name,
                organisation_id: Some(organisation),
                scopes: input.scopes.join(" "),
                external_client_id: None,
            },
        )
        .await
        .map_err(|e| {
            e.map_fields(|f| match f {
                "organisation" => "input.organisationId".to_owned(),
                other => format!("input.{other}"),
            })
        })?;
        Ok(RegisterPartnerClientPayload {
            client: PartnerClient(registered.client),
            client_secret: registered.secret.unwrap_or_default(),
        })
    }

    /// Revokes a client: no new tokens, and its current tokens stop working (scope `admin`).
    #[graphql(guard = "RequireScopes::one(&Scope::Admin)")]
    async fn revoke_partner_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The client.")] input: RevokePartnerClientInput,
    ) -> Result<RevokePartnerClientPayload> {
        let client = clients::revoke(db(ctx)?, &input.client_id)
            .await
            .map_err(under("input"))?;
        Ok(RevokePartnerClientPayload {
            client: PartnerClient(client),
        })
    }
}
