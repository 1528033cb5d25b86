//! Regional planning: a fixed random record key on every recognition case (the cell key
//! method of disclosure control sums them), the neighbouring regions from
//! `migration/data/neighbours.csv`, and the indexes the statistics read by.

use crate::Removal;
use crate::reference_data::{NEIGHBOURS_CSV, field, parse};
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the neighbours and the record keys.
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("region_neighbour"),
    Removal::Column {
        table: "recognition_case",
        column: "record_key",
    },
];

/// Record keys are drawn uniformly from `0..RECORD_KEYS` (as `service::disclosure` says).
const RECORD_KEYS: i64 = 65_536;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Region {
    Table,
    Code,
}

#[derive(DeriveIden, Clone, Copy)]
enum RegionNeighbour {
    Table,
    Code,
    NeighbourCode,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecognitionCase {
    Table,
    RecordKey,
    SubmittedOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum CaseEvent {
    Table,
    CaseId,
    ToStatus,
}

fn bad_data(e: String) -> DbErr {
    DbErr::Custom(format!("reference data: {e}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RecognitionCase::Table)
                    .add_column(integer(RecognitionCase::RecordKey).default(0))
                    .to_owned(),
            )
            .await?;
        // Cases that exist already get their keys here; new ones from the hub.
        let random = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                format!("CAST(floor(random() * {RECORD_KEYS}) AS INTEGER)")
            }
            _ => format!("abs(random()) % {RECORD_KEYS}"),
        };
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "UPDATE recognition_case SET record_key = {random}"
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recognition_case_submitted_on")
                    .table(RecognitionCase::Table)
                    .col(RecognitionCase::SubmittedOn)
                    .to_owned(),
            )
            .await?;
        // The day a case was licensed is the day of its event into LICENSED.
        manager
            .create_index(
                Index::create()
                    .name("ix_case_event_to_status")
                    .table(CaseEvent::Table)
                    .col(CaseEvent::ToStatus)
                    .col(CaseEvent::CaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RegionNeighbour::Table)
                    .col(string_len(RegionNeighbour::Code, 8))
                    .col(string_len(RegionNeighbour::NeighbourCode, 8))
                    .primary_key(
                        Index::create()
                            .col(RegionNeighbour::Code)
                            .col(RegionNeighbour::NeighbourCode),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegionNeighbour::Table, RegionNeighbour::Code)
                            .to(Region::Table, Region::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RegionNeighbour::Table, RegionNeighbour::NeighbourCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        let pairs = parse(NEIGHBOURS_CSV).map_err(bad_data)?;
        if !pairs.is_empty() {
            let mut insert = Query::insert();
            insert
                .into_table(RegionNeighbour::Table)
                .columns([RegionNeighbour::Code, RegionNeighbour::NeighbourCode]);
            for p in &pairs {
                let (a, b) = (field(p, "code"), field(p, "neighbour"));
                insert.values_panic([a.into(), b.into()]);
                insert.values_panic([b.into(), a.into()]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegionNeighbour::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_case_event_to_status")
                    .table(CaseEvent::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_recognition_case_submitted_on")
                    .table(RecognitionCase::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RecognitionCase::Table)
                    .drop_column(RecognitionCase::RecordKey)
                    .to_owned(),
            )
            .await
    }
}
