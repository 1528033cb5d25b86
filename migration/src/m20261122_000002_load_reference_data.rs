//! Loads regions and professions from `migration/data/*.csv`.

use crate::Removal;
use crate::reference_data::{PROFESSIONS_CSV, REGIONS_CSV, field, optional, parse};
use sea_orm_migration::prelude::*;

/// Rolling back deletes every profession and region; the tables stay.
pub(crate) const REMOVES: &[Removal] = &[Removal::Rows("profession"), Removal::Rows("region")];

#[derive(DeriveMigrationName)]
pub struct Migration;

fn bad_data(e: String) -> DbErr {
    DbErr::Custom(format!("reference data: {e}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let regions = parse(REGIONS_CSV).map_err(bad_data)?;
        // Parents come before children in the file, so one ordered insert satisfies the
        // self-referencing foreign key.
        let mut insert = Query::insert();
        insert.into_table("region").columns([
            "code",
            "level",
            "parent_code",
            "name_de",
            "name_en",
            "name_sv",
        ]);
        for r in &regions {
            insert.values_panic([
                field(r, "code").into(),
                field(r, "level").into(),
                optional(r, "parent").map(str::to_owned).into(),
                field(r, "name_de").into(),
                field(r, "name_en").into(),
                field(r, "name_sv").into(),
            ]);
        }
        manager.exec_stmt(insert).await?;

        let professions = parse(PROFESSIONS_CSV).map_err(bad_data)?;
        let mut insert = Query::insert();
        insert.into_table("profession").columns([
            "key",
            "title_de",
            "title_en",
            "title_sv",
            "kldb_code",
            "ssyk_code",
            "route_de",
            "route_se",
            "language_level",
            "specialist_language_exam",
            "sort_order",
        ]);
        for (i, r) in professions.iter().enumerate() {
            insert.values_panic([
                field(r, "key").into(),
                field(r, "title_de").into(),
                field(r, "title_en").into(),
                field(r, "title_sv").into(),
                field(r, "kldb").into(),
                optional(r, "ssyk").map(str::to_owned).into(),
                field(r, "route_de").into(),
                optional(r, "route_se").map(str::to_owned).into(),
                field(r, "language").into(),
                (field(r, "specialist_exam") == "true").into(),
                (i as i32).into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(Query::delete().from_table("profession").to_owned())
            .await?;
        // Children first: the parent foreign key would refuse the other order.
        for level in ["DISTRICT", "STATE", "COUNTRY"] {
            manager
                .exec_stmt(
                    Query::delete()
                        .from_table("region")
                        .and_where(Expr::col("level").eq(level))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
