//! Knotenpunkt's database migrations: schema changes, plus the one migration that loads
//! reference data (regions, professions) from the data files in `migration/data/`.
//!
//! Migrations are frozen once released: they describe tables with `sea-query`, never
//! through the entity structs, so later entity changes cannot rewrite history.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_reference_tables;
mod m20261122_000002_load_reference_data;
mod m20261122_000003_create_partner_directory;
mod m20261122_000004_create_hub_meta;
mod m20261122_000005_create_partner_client;
mod m20261122_000006_create_case_file;
pub mod reference_data;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_reference_tables::Migration),
            Box::new(m20261122_000002_load_reference_data::Migration),
            Box::new(m20261122_000003_create_partner_directory::Migration),
            Box::new(m20261122_000004_create_hub_meta::Migration),
            Box::new(m20261122_000005_create_partner_client::Migration),
            Box::new(m20261122_000006_create_case_file::Migration),
        ]
    }
}
