//! Tables for reference data: regions and professions.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the reference tables.
pub(crate) const REMOVES: &[Removal] = &[Removal::Table("profession"), Removal::Table("region")];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Code,
    Level,
    ParentCode,
    NameDe,
    NameEn,
    NameSv,
}

#[derive(DeriveIden)]
enum Profession {
    Table,
    Key,
    TitleDe,
    TitleEn,
    TitleSv,
    KldbCode,
    SsykCode,
    RouteDe,
    RouteSe,
    LanguageLevel,
    SpecialistLanguageExam,
    SortOrder,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(string_len(Region::Code, 16).primary_key())
                    .col(string_len(Region::Level, 16))
                    .col(string_len_null(Region::ParentCode, 16))
                    .col(string_len(Region::NameDe, 128))
                    .col(string_len(Region::NameEn, 128))
                    .col(string_len(Region::NameSv, 128))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_region_parent")
                            .from(Region::Table, Region::ParentCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_region_parent")
                    .table(Region::Table)
                    .col(Region::ParentCode)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_region_level")
                    .table(Region::Table)
                    .col(Region::Level)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Profession::Table)
                    .col(string_len(Profession::Key, 32).primary_key())
                    .col(string_len(Profession::TitleDe, 160))
                    .col(string_len(Profession::TitleEn, 160))
                    .col(string_len(Profession::TitleSv, 160))
                    .col(string_len(Profession::KldbCode, 8))
                    .col(string_len_null(Profession::SsykCode, 8))
                    .col(string_len(Profession::RouteDe, 16))
                    .col(string_len_null(Profession::RouteSe, 16))
                    .col(string_len(Profession::LanguageLevel, 2))
                    .col(boolean(Profession::SpecialistLanguageExam))
                    .col(integer(Profession::SortOrder))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Profession::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Region::Table).to_owned())
            .await
    }
}
