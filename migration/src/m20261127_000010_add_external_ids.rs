//! Bulk import: the provider's own id (`external_id`) on courses and runs, unique per
//! provider and per course, so that importing the same catalogue again finds the rows
//! it wrote the first time.

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the two columns (the rows stay; a later import creates them anew).
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Column {
        table: "course",
        column: "external_id",
    },
    Removal::Column {
        table: "course_run",
        column: "external_id",
    },
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Course {
    Table,
    ProviderId,
    ExternalId,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseRun {
    Table,
    CourseId,
    ExternalId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Course::Table)
                    .add_column(string_len_null(Course::ExternalId, 200))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .add_column(string_len_null(CourseRun::ExternalId, 200))
                    .to_owned(),
            )
            .await?;
        // Rows without an external id (registered by hand) are not constrained: both
        // databases let a unique index hold any number of NULLs.
        manager
            .create_index(
                Index::create()
                    .name("ux_course_provider_external_id")
                    .table(Course::Table)
                    .col(Course::ProviderId)
                    .col(Course::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_course_run_course_external_id")
                    .table(CourseRun::Table)
                    .col(CourseRun::CourseId)
                    .col(CourseRun::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (
                "ux_course_run_course_external_id",
                CourseRun::Table.into_iden(),
            ),
            ("ux_course_provider_external_id", Course::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(CourseRun::Table)
                    .drop_column(CourseRun::ExternalId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Course::Table)
                    .drop_column(Course::ExternalId)
                    .to_owned(),
            )
            .await
    }
}
