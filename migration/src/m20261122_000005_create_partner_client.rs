//! Partner clients of the built-in OAuth2 issuer (and client → organisation mappings
//! for an external IdP), and the cancellation reason of course runs.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops every registered client (the demo clients too) and the
/// cancellation reasons of course runs.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Column {
        table: "course_run",
        column: "cancellation_reason",
    },
    Removal::Table("partner_client"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PartnerClient {
    Table,
    Id,
    ClientId,
    Name,
    OrganisationId,
    Scopes,
    SecretHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CourseRun {
    Table,
    CancellationReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PartnerClient::Table)
                    .col(big_pk_auto(PartnerClient::Id))
                    .col(string_len_uniq(PartnerClient::ClientId, 128))
                    .col(string_len(PartnerClient::Name, 200))
                    .col(big_integer_null(PartnerClient::OrganisationId))
                    .col(string_len(PartnerClient::Scopes, 1000))
                    .col(string_len_null(PartnerClient::SecretHash, 200))
                    .col(timestamp_with_time_zone(PartnerClient::CreatedAt))
                    .col(timestamp_with_time_zone_null(PartnerClient::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_partner_client_organisation")
                            .from(PartnerClient::Table, PartnerClient::OrganisationId)
                            .to(Organisation::Table, Organisation::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_partner_client_organisation")
                    .table(PartnerClient::Table)
                    .col(PartnerClient::OrganisationId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .add_column(string_len_null(CourseRun::CancellationReason, 1000))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .drop_column(CourseRun::CancellationReason)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PartnerClient::Table).to_owned())
            .await
    }
}
