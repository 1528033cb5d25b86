//! The partner directory and the public course catalogue: organisations, courses, the
//! professions each course is for, and course runs.
//!
//! Every list the API offers is read through an index whose leading columns are the
//! filter and whose trailing columns are the keyset sort (`… , id`).

use crate::Removal;
use sea_orm_migration::{prelude::*, schema::*};

/// Rolling back drops the directory and the catalogue (and so the demo network's
/// organisations, courses and runs).
pub(crate) const REMOVES: &[Removal] = &[
    Removal::Table("course_run"),
    Removal::Table("course_profession"),
    Removal::Table("course"),
    Removal::Table("organisation"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Region {
    Table,
    Code,
}

#[derive(DeriveIden, Clone, Copy)]
enum Profession {
    Table,
    Key,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
    Id,
    Kind,
    EmployerType,
    Name,
    SearchText,
    RegionCode,
    City,
    Street,
    PostalCode,
    Email,
    Phone,
    Website,
    ProviderNumber,
    AzavValidUntil,
    CreatedAt,
    UpdatedAt,
    Version,
}

// `CourseType` is the column's name; the lint about the enum's prefix does not apply.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden, Clone, Copy)]
enum Course {
    Table,
    Id,
    ProviderId,
    CourseType,
    Title,
    Description,
    LanguageLevel,
    AzavMeasureNumber,
    AzavValidUntil,
    Bildungsgutschein,
    CreatedAt,
    UpdatedAt,
    Version,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseProfession {
    Table,
    CourseId,
    ProfessionKey,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseRun {
    Table,
    Id,
    CourseId,
    StartDate,
    EndDate,
    Hours,
    Format,
    Schedule,
    SeatsMin,
    SeatsMax,
    SeatsTaken,
    RegionCode,
    City,
    CostMinor,
    Currency,
    FundingOptions,
    RegistrationDeadline,
    RollingEntry,
    Status,
    CreatedAt,
    UpdatedAt,
    Version,
}

fn index<T: IntoIden + Copy + 'static>(name: &str, table: T, cols: &[T]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(*col);
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(big_pk_auto(Organisation::Id))
                    .col(string_len(Organisation::Kind, 16))
                    .col(string_len_null(Organisation::EmployerType, 16))
                    .col(string_len(Organisation::Name, 200))
                    .col(string_len(Organisation::SearchText, 400))
                    .col(string_len(Organisation::RegionCode, 16))
                    .col(string_len(Organisation::City, 100))
                    .col(string_len_null(Organisation::Street, 200))
                    .col(string_len_null(Organisation::PostalCode, 16))
                    .col(string_len_null(Organisation::Email, 200))
                    .col(string_len_null(Organisation::Phone, 50))
                    .col(string_len_null(Organisation::Website, 200))
                    .col(string_len_null(Organisation::ProviderNumber, 32))
                    .col(date_null(Organisation::AzavValidUntil))
                    .col(timestamp_with_time_zone(Organisation::CreatedAt))
                    .col(timestamp_with_time_zone(Organisation::UpdatedAt))
                    .col(integer(Organisation::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organisation_region")
                            .from(Organisation::Table, Organisation::RegionCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        use Organisation as O;
        for (name, cols) in [
            ("idx_organisation_name", &[O::Name, O::Id][..]),
            ("idx_organisation_kind_name", &[O::Kind, O::Name, O::Id][..]),
            (
                "idx_organisation_region_name",
                &[O::RegionCode, O::Name, O::Id][..],
            ),
        ] {
            manager.create_index(index(name, O::Table, cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Course::Table)
                    .col(big_pk_auto(Course::Id))
                    .col(big_integer(Course::ProviderId))
                    .col(string_len(Course::CourseType, 32))
                    .col(string_len(Course::Title, 200))
                    .col(text(Course::Description))
                    .col(string_len_null(Course::LanguageLevel, 2))
                    .col(string_len_null(Course::AzavMeasureNumber, 64))
                    .col(date_null(Course::AzavValidUntil))
                    .col(boolean(Course::Bildungsgutschein))
                    .col(timestamp_with_time_zone(Course::CreatedAt))
                    .col(timestamp_with_time_zone(Course::UpdatedAt))
                    .col(integer(Course::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_provider")
                            .from(Course::Table, Course::ProviderId)
                            .to(Organisation::Table, Organisation::Id),
                    )
                    .to_owned(),
            )
            .await?;
        use Course as C;
        for (name, cols) in [
            ("idx_course_title", &[C::Title, C::Id][..]),
            (
                "idx_course_provider_title",
                &[C::ProviderId, C::Title, C::Id][..],
            ),
            (
                "idx_course_type_title",
                &[C::CourseType, C::Title, C::Id][..],
            ),
        ] {
            manager.create_index(index(name, C::Table, cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CourseProfession::Table)
                    .col(big_integer(CourseProfession::CourseId))
                    .col(string_len(CourseProfession::ProfessionKey, 32))
                    .primary_key(
                        Index::create()
                            .col(CourseProfession::CourseId)
                            .col(CourseProfession::ProfessionKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_profession_course")
                            .from(CourseProfession::Table, CourseProfession::CourseId)
                            .to(Course::Table, Course::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_profession_profession")
                            .from(CourseProfession::Table, CourseProfession::ProfessionKey)
                            .to(Profession::Table, Profession::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_course_profession_profession",
                CourseProfession::Table,
                &[CourseProfession::ProfessionKey, CourseProfession::CourseId],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CourseRun::Table)
                    .col(big_pk_auto(CourseRun::Id))
                    .col(big_integer(CourseRun::CourseId))
                    .col(date(CourseRun::StartDate))
                    .col(date(CourseRun::EndDate))
                    .col(integer(CourseRun::Hours))
                    .col(string_len(CourseRun::Format, 16))
                    .col(string_len(CourseRun::Schedule, 16))
                    .col(integer(CourseRun::SeatsMin))
                    .col(integer(CourseRun::SeatsMax))
                    .col(integer(CourseRun::SeatsTaken).default(0))
                    .col(string_len(CourseRun::RegionCode, 16))
                    .col(string_len(CourseRun::City, 100))
                    .col(big_integer(CourseRun::CostMinor))
                    .col(string_len(CourseRun::Currency, 3))
                    .col(json(CourseRun::FundingOptions))
                    .col(date_null(CourseRun::RegistrationDeadline))
                    .col(boolean(CourseRun::RollingEntry))
                    .col(string_len(CourseRun::Status, 16))
                    .col(timestamp_with_time_zone(CourseRun::CreatedAt))
                    .col(timestamp_with_time_zone(CourseRun::UpdatedAt))
                    .col(integer(CourseRun::Version).default(1))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_run_course")
                            .from(CourseRun::Table, CourseRun::CourseId)
                            .to(Course::Table, Course::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_run_region")
                            .from(CourseRun::Table, CourseRun::RegionCode)
                            .to(Region::Table, Region::Code),
                    )
                    .to_owned(),
            )
            .await?;
        use CourseRun as R;
        for (name, cols) in [
            (
                "idx_course_run_course_start",
                &[R::CourseId, R::StartDate, R::Id][..],
            ),
            ("idx_course_run_start", &[R::StartDate, R::Id][..]),
            (
                "idx_course_run_region_start",
                &[R::RegionCode, R::StartDate, R::Id][..],
            ),
            (
                "idx_course_run_status_start",
                &[R::Status, R::StartDate, R::Id][..],
            ),
        ] {
            manager.create_index(index(name, R::Table, cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CourseRun::Table.into_iden(),
            CourseProfession::Table.into_iden(),
            Course::Table.into_iden(),
            Organisation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
