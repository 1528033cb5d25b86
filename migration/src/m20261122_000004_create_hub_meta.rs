//! `hub_meta`: key/value facts about the database (for example which demo data it holds).

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the facts about the database, among them the record of the demo
/// network.
pub(crate) const REMOVES: &[Removal] = &[Removal::Table("hub_meta")];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum HubMeta {
    Table,
    Key,
    Value,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(HubMeta::Table)
                    .col(string_len(HubMeta::Key, 64).primary_key())
                    .col(text(HubMeta::Value))
                    .col(timestamp_with_time_zone(HubMeta::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(HubMeta::Table).to_owned())
            .await
    }
}
