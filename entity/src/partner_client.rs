//! `partner_client`: OAuth2 clients of partners. For the built-in issuer a client has an
//! argon2 hash of its secret; a client of an external IdP has no secret here and only
//! maps its `client_id` to an organisation (the fallback when tokens carry no
//! organisation claim).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_client")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub client_id: String,
    pub name: String,
    /// The partner the client acts for; none for operator (admin) clients.
    pub organisation_id: Option<i64>,
    /// Space-separated scopes the client may request.
    pub scopes: String,
    /// Argon2id PHC string; none for clients of an external IdP.
    pub secret_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
