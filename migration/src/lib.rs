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
mod m20261126_000007_create_seats;
mod m20261127_000008_create_placements_and_funding;
mod m20261127_000009_create_statistics_support;
mod m20261127_000010_add_external_ids;
mod m20261127_000011_create_advisory_requests;
mod m20261127_000012_create_consultations;
mod m20261127_000013_create_network_events;
pub mod reference_data;

pub struct Migrator;

/// Something rolling back a migration removes, so that `migrate down` can say what it
/// would drop (and how much) before it drops anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// A table with all its rows.
    Table(&'static str),
    /// All rows of a table that stays (reference data).
    Rows(&'static str),
    /// A column with its values.
    Column {
        table: &'static str,
        column: &'static str,
    },
}

/// What rolling back the migration named `name` removes (nothing for an unknown name).
/// Each migration declares it next to its `down`.
pub fn removed_by(name: &str) -> &'static [Removal] {
    let declared: [(&dyn MigrationName, &'static [Removal]); 13] = [
        (
            &m20261122_000001_create_reference_tables::Migration,
            m20261122_000001_create_reference_tables::REMOVES,
        ),
        (
            &m20261122_000002_load_reference_data::Migration,
            m20261122_000002_load_reference_data::REMOVES,
        ),
        (
            &m20261122_000003_create_partner_directory::Migration,
            m20261122_000003_create_partner_directory::REMOVES,
        ),
        (
            &m20261122_000004_create_hub_meta::Migration,
            m20261122_000004_create_hub_meta::REMOVES,
        ),
        (
            &m20261122_000005_create_partner_client::Migration,
            m20261122_000005_create_partner_client::REMOVES,
        ),
        (
            &m20261122_000006_create_case_file::Migration,
            m20261122_000006_create_case_file::REMOVES,
        ),
        (
            &m20261126_000007_create_seats::Migration,
            m20261126_000007_create_seats::REMOVES,
        ),
        (
            &m20261127_000008_create_placements_and_funding::Migration,
            m20261127_000008_create_placements_and_funding::REMOVES,
        ),
        (
            &m20261127_000009_create_statistics_support::Migration,
            m20261127_000009_create_statistics_support::REMOVES,
        ),
        (
            &m20261127_000010_add_external_ids::Migration,
            m20261127_000010_add_external_ids::REMOVES,
        ),
        (
            &m20261127_000011_create_advisory_requests::Migration,
            m20261127_000011_create_advisory_requests::REMOVES,
        ),
        (
            &m20261127_000012_create_consultations::Migration,
            m20261127_000012_create_consultations::REMOVES,
        ),
        (
            &m20261127_000013_create_network_events::Migration,
            m20261127_000013_create_network_events::REMOVES,
        ),
    ];
    declared
        .iter()
        .find(|(m, _)| m.name() == name)
        .map(|(_, removes)| *removes)
        .unwrap_or(&[])
}

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
            Box::new(m20261126_000007_create_seats::Migration),
            Box::new(m20261127_000008_create_placements_and_funding::Migration),
            Box::new(m20261127_000009_create_statistics_support::Migration),
            Box::new(m20261127_000010_add_external_ids::Migration),
            Box::new(m20261127_000011_create_advisory_requests::Migration),
            Box::new(m20261127_000012_create_consultations::Migration),
            Box::new(m20261127_000013_create_network_events::Migration),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_declares_what_its_rollback_removes() {
        for m in Migrator::migrations() {
            assert!(
                !removed_by(m.name()).is_empty(),
                "{} does not declare what `down` removes",
                m.name()
            );
        }
    }
}
